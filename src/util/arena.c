/* arena.c - chunked bump allocator used for all per-message memory.
 *
 * Regular chunks start at chunk_size and double up to ARENA_MAX_CHUNK, so
 * a big message takes few chunks and a small one stays small.  Blocks
 * larger than half a regular chunk get a chunk of their own.  Chunks of
 * ARENA_MAP_MIN bytes or more come straight from mmap and go back to the
 * kernel when the arena is freed, so a burst of big messages does not
 * leave the process's RSS behind it (malloc keeps freed heap memory). */
#include "util/arena.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ALIGN16(n) (((n) + 15u) & ~(size_t)15u)
#define ARENA_MAX_CHUNK ((size_t)1 << 20)
#define ARENA_MAP_MIN ((size_t)256 << 10)

struct mc_arena_owned {
    mc_arena_owned *next;
    void *block;
};

void mc_arena_init(mc_arena *a, size_t chunk_size)
{
    a->head = NULL;
    a->owned = NULL;
    a->chunk_size = chunk_size ? chunk_size : 4096;
    a->next_size = a->chunk_size;
    a->total = 0;
}

static mc_arena_chunk *new_chunk(mc_arena *a, size_t need)
{
    size_t size = need > a->next_size ? need : a->next_size;
    size_t bytes = sizeof(mc_arena_chunk) + size;
    mc_arena_chunk *c;
    bool mapped = bytes >= ARENA_MAP_MIN;
    if (mapped) {
        size_t page = 4096;
        bytes = (bytes + page - 1) & ~(page - 1);
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        c = p;
        size = bytes - sizeof *c;
    } else {
        c = malloc(bytes);
        if (!c)
            return NULL;
    }
    c->size = size;
    c->used = 0;
    c->mapped = mapped;
    c->next = NULL;
    a->total += bytes;
    return c;
}

static void free_chunk(mc_arena_chunk *c)
{
    if (c->mapped)
        munmap(c, sizeof *c + c->size);
    else
        free(c);
}

/* n bytes at the given alignment (1 or 16): the whole rule, which the
 * inline fast paths in arena.h shortcut when the current chunk has room. */
void *mc_arena__take(mc_arena *a, size_t n, size_t align)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / 2)
        return NULL;
    mc_arena_chunk *c = a->head;
    size_t at = c ? (align > 1 ? ALIGN16(c->used) : c->used) : 0;
    if (!c || at > c->size || c->size - at < n) {
        if (c && n > a->next_size / 2) {
            /* big one-off block: keep the current chunk as the head so its
             * free space stays usable */
            mc_arena_chunk *fresh = new_chunk(a, ALIGN16(n));
            if (!fresh)
                return NULL;
            fresh->next = c->next;
            c->next = fresh;
            fresh->used = n;
            return fresh->data;
        }
        mc_arena_chunk *fresh = new_chunk(a, ALIGN16(n));
        if (!fresh)
            return NULL;
        if (c && a->next_size < ARENA_MAX_CHUNK)
            a->next_size *= 2;
        fresh->next = c;
        a->head = c = fresh;
        at = 0;
    }
    c->used = at + n;
    return c->data + at;
}

void *mc_arena_resize(mc_arena *a, void *p, size_t old, size_t n)
{
    mc_arena_chunk *c = a->head;
    if (p && c) {
        unsigned char *at = p;
        if (at >= c->data && at + old == c->data + c->used &&
            n <= c->size - (size_t)(at - c->data)) {
            c->used = (size_t)(at - c->data) + n;
            return p;
        }
    }
    if (p && n <= old)
        return p;      /* shrinking needs no copy: the tail just stays unused */
    void *q = mc_arena__take(a, n, 1);
    if (q && p && old)
        memcpy(q, p, old);
    return q;
}

void *mc_arena_calloc(mc_arena *a, size_t n)
{
    void *p = mc_arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *mc_arena_strndup(mc_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = mc_arena_alloc_unaligned(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *mc_arena_strdup(mc_arena *a, const char *s)
{
    return s ? mc_arena_strndup(a, s, strlen(s)) : NULL;
}

char *mc_arena_printf(mc_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = mc_arena_alloc_unaligned(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

bool mc_arena_adopt(mc_arena *a, void *p)
{
    mc_arena_owned *o = mc_arena_alloc(a, sizeof *o);
    if (!o)
        return false;
    *o = (mc_arena_owned){a->owned, p};
    a->owned = o;
    return true;
}

/* The adopted heap blocks go (their list lives in the chunks) */
static void free_owned(mc_arena *a)
{
    for (mc_arena_owned *o = a->owned; o; o = o->next)
        free(o->block);
    a->owned = NULL;
}

void mc_arena_reset(mc_arena *a)
{
    free_owned(a);
    mc_arena_chunk *c = a->head;
    if (!c)
        return;
    /* keep the oldest chunk (the last in the list), free the rest */
    while (c->next) {
        mc_arena_chunk *n = c->next;
        free_chunk(c);
        c = n;
    }
    if (c->mapped) { /* a big first block: do not keep it */
        free_chunk(c);
        a->head = NULL;
        a->total = 0;
    } else {
        c->used = 0;
        a->head = c;
        a->total = sizeof *c + c->size;
    }
    a->next_size = a->chunk_size;
}

void mc_arena_free(mc_arena *a)
{
    free_owned(a);
    mc_arena_chunk *c = a->head;
    while (c) {
        mc_arena_chunk *n = c->next;
        free_chunk(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
    a->next_size = a->chunk_size;
}
