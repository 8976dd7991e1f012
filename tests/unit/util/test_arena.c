/* test_arena.c - unit tests for util/arena.c: 16-byte alignment of every
 * allocation, big one-off blocks, strdup/printf helpers, reset keeping one
 * chunk, and that memory from different allocations never overlaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/arena.h"
#include "util/buf.h"

static void test_alignment(void **state)
{
    (void)state;
    mc_arena a;
    mc_arena_init(&a, 256);
    static const size_t sizes[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 255, 1000};
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            void *p = mc_arena_alloc(&a, sizes[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % 16, 0);
            memset(p, 0xAB, sizes[i]); /* must be writable (ASan checks) */
        }
    }
    mc_arena_free(&a);
}

static void test_zero_size_and_calloc(void **state)
{
    (void)state;
    mc_arena a;
    mc_arena_init(&a, 0); /* 0: default chunk size */
    assert_true(a.chunk_size > 0);
    void *p = mc_arena_alloc(&a, 0);
    void *q = mc_arena_alloc(&a, 0);
    assert_non_null(p);
    assert_non_null(q);
    assert_ptr_not_equal(p, q);
    unsigned char *z = mc_arena_calloc(&a, 300);
    assert_non_null(z);
    for (int i = 0; i < 300; i++)
        assert_int_equal(z[i], 0);
    assert_null(mc_arena_alloc(&a, SIZE_MAX - 4)); /* refuses, no overflow */
    mc_arena_free(&a);
}

static void test_no_overlap(void **state)
{
    (void)state;
    mc_arena a;
    mc_arena_init(&a, 128);
    unsigned char *ptrs[200];
    for (int i = 0; i < 200; i++) {
        ptrs[i] = mc_arena_alloc(&a, 24);
        assert_non_null(ptrs[i]);
        memset(ptrs[i], i, 24);
    }
    for (int i = 0; i < 200; i++)
        for (int k = 0; k < 24; k++)
            assert_int_equal(ptrs[i][k], (unsigned char)i);
    mc_arena_free(&a);
}

static void test_big_blocks(void **state)
{
    (void)state;
    mc_arena a;
    mc_arena_init(&a, 1024);
    char *small1 = mc_arena_alloc(&a, 32);
    assert_non_null(small1);
    size_t before = a.total;
    char *big = mc_arena_alloc(&a, 100000);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 16, 0);
    memset(big, 'x', 100000);
    assert_true(a.total >= before + 100000);
    /* the current chunk keeps serving small allocations: no new chunk */
    size_t after_big = a.total;
    char *small2 = mc_arena_alloc(&a, 32);
    assert_non_null(small2);
    assert_int_equal(a.total, after_big);
    assert_true(small2 > small1 && small2 < small1 + 1024);
    /* several big ones */
    for (int i = 0; i < 5; i++) {
        char *b = mc_arena_alloc(&a, 5000 + (size_t)i);
        assert_non_null(b);
        memset(b, i, 5000 + (size_t)i);
    }
    assert_int_equal(big[99999], 'x');
    mc_arena_free(&a);
    assert_null(a.head);
    assert_int_equal(a.total, 0);
}

static void test_strings(void **state)
{
    (void)state;
    mc_arena a;
    mc_arena_init(&a, 64);
    assert_string_equal(mc_arena_strdup(&a, "hello"), "hello");
    assert_null(mc_arena_strdup(&a, NULL));
    assert_string_equal(mc_arena_strndup(&a, "hello world", 5), "hello");
    assert_string_equal(mc_arena_strndup(&a, "", 0), "");
    assert_string_equal(mc_arena_printf(&a, "%s-%d-%03d", "a", 42, 7), "a-42-007");
    char longs[500];
    memset(longs, 'q', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    char *p = mc_arena_printf(&a, "<%s>", longs);
    assert_int_equal(strlen(p), 501);
    assert_int_equal(p[0], '<');
    assert_int_equal(p[500], '>');
    mc_arena_free(&a);
}

static void test_reset(void **state)
{
    (void)state;
    mc_arena a;
    mc_arena_init(&a, 256);
    mc_arena_reset(&a); /* empty arena: no-op */
    assert_null(a.head);
    for (int i = 0; i < 100; i++)
        assert_non_null(mc_arena_alloc(&a, 100));
    assert_non_null(mc_arena_alloc(&a, 10000));
    assert_true(a.total > 10000);
    mc_arena_reset(&a);
    assert_non_null(a.head);
    /* one small chunk kept: the 50 others and the big block are freed */
    assert_true(a.total < 1024);
    size_t kept = a.total;
    /* memory is reusable and still aligned after reset */
    for (int i = 0; i < 2; i++) {
        char *p = mc_arena_alloc(&a, 16);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 1, 16);
    }
    assert_int_equal(a.total, kept);
    for (int i = 0; i < 3; i++) {
        mc_arena_reset(&a);
        assert_non_null(mc_arena_alloc(&a, 200));
    }
    mc_arena_free(&a);
}

/* Adopted heap blocks are freed with the arena, on reset and on free
 * (ASan's leak check would name a block left behind, and a double free a
 * block freed twice); the arena stays usable after a reset. */
static void test_adopt(void **state)
{
    (void)state;
    mc_arena a;
    mc_arena_init(&a, 256);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 100; i++) {        /* the list spans chunks */
            char *p = malloc(32);
            assert_non_null(p);
            snprintf(p, 32, "block %d", i);
            assert_true(mc_arena_adopt(&a, p));
        }
        assert_non_null(a.owned);
        if (round < 2)
            mc_arena_reset(&a);
        else
            mc_arena_free(&a);
        assert_null(a.owned);
    }
    mc_arena_free(&a);                         /* twice: nothing left to free */
}

/* mc_arena_resize grows and shrinks the newest block in place, and copies
 * a block that is no longer the newest; an arena-backed mc_buf builds text
 * in the arena without a copy while nothing else is taken from it. */
static void test_resize_and_arena_buf(void **state)
{
    (void)state;
    mc_arena a;
    mc_arena_init(&a, 4096);
    char *p = mc_arena_resize(&a, NULL, 0, 10);
    assert_non_null(p);
    memcpy(p, "0123456789", 10);
    assert_ptr_equal(mc_arena_resize(&a, p, 10, 100), p);      /* grows in place */
    assert_ptr_equal(mc_arena_resize(&a, p, 100, 5), p);       /* shrinks in place */
    char *q = mc_arena_alloc_unaligned(&a, 3);                 /* right after p */
    assert_ptr_equal(q, p + 5);
    char *r = mc_arena_resize(&a, p, 5, 50);                   /* no longer newest */
    assert_ptr_not_equal(r, p);
    assert_memory_equal(r, "01234", 5);
    char *big = mc_arena_resize(&a, r, 50, 10000);             /* past the chunk */
    assert_non_null(big);
    assert_memory_equal(big, "01234", 5);
    /* shrinking a block that is not the newest (to any size, 0 too: an
     * arena buffer freed or kept after another one) takes nothing and
     * copies nothing */
    char *newest = mc_arena_alloc_unaligned(&a, 1);
    mc_arena_chunk *head = a.head;
    size_t used = head->used;
    assert_ptr_equal(mc_arena_resize(&a, p, 5, 3), p);
    assert_memory_equal(p, "012", 3);
    assert_ptr_equal(mc_arena_resize(&a, p, 3, 0), p);
    assert_ptr_equal(mc_arena_resize(&a, p, 3, 3), p);
    assert_ptr_equal(a.head, head);
    assert_int_equal(head->used, used);
    assert_ptr_equal(mc_arena_alloc_unaligned(&a, 1), newest + 1);
    mc_buf b1 = MC_BUF_ARENA(&a), b2 = MC_BUF_ARENA(&a);
    mc_buf_puts(&b1, "first");
    mc_buf_puts(&b2, "second");                     /* b1 is no longer newest */
    used = a.head->used;
    char *k1 = mc_buf_keep(&b1);
    assert_string_equal(k1, "first");
    assert_int_equal(a.head->used, used);           /* kept where it was */
    mc_buf_free(&b2);                               /* b2's block goes back */
    assert_true(a.head->used < used);

    mc_arena_reset(&a);
    size_t total = a.total;
    mc_buf b = MC_BUF_ARENA(&a);
    for (int i = 0; i < 100; i++)
        mc_buf_puts(&b, "abcdefghij");
    const char *first = b.data;
    char *kept = mc_buf_keep(&b);
    assert_ptr_equal(kept, first);                  /* never copied */
    assert_int_equal(strlen(kept), 1000);
    assert_null(b.data);
    char *next = mc_arena_alloc_unaligned(&a, 1);   /* the tail was given back */
    assert_ptr_equal(next, kept + 1001);
    assert_int_equal(a.total, total);               /* no new chunk */

    mc_buf h = MC_BUF_ARENA(&a);                     /* steal: a heap copy */
    mc_buf_puts(&h, "x");
    char *own = mc_buf_steal(&h);
    assert_string_equal(own, "x");
    free(own);
    mc_buf e = MC_BUF_ARENA(&a);                     /* free: space back */
    mc_buf_puts(&e, "yyyy");
    char *at = e.data;
    mc_buf_free(&e);
    assert_ptr_equal(mc_arena_alloc_unaligned(&a, 1), at);
    mc_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_zero_size_and_calloc),
        cmocka_unit_test(test_no_overlap),
        cmocka_unit_test(test_big_blocks),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_resize_and_arena_buf),
        cmocka_unit_test(test_adopt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
