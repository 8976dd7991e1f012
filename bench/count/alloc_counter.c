/* alloc_counter.c - an LD_PRELOAD library that counts heap calls of a
 * process (malloc, calloc, realloc, the aligned forms, and free) into a
 * small file the benchmark reads while the process runs, so allocations
 * per request come from two snapshots around a fixed load:
 *
 *   cc -O2 -shared -fPIC -o alloc_counter.so bench/count/alloc_counter.c
 *   MC_ALLOC_COUNT_FILE=/tmp/x LD_PRELOAD=./alloc_counter.so mediac serve ...
 *
 * The file holds SLOTS slots of four little-endian uint64 each (one cache
 * line a slot): allocations, frees, reallocs (also counted in allocations)
 * and bytes requested; the reader sums the slots.  Each thread counts in
 * its own slot (threads beyond SLOTS share them), so two threads
 * allocating at once do not fight over one cache line: a single shared
 * counter charged a multi-threaded server (mediac's workers) a cross-core
 * transfer on every heap call, which the server without the counter does
 * not pay (docs/bench.md, "Session 24").  Each call forwards to glibc's own
 * __libc_* entry points; counting is one relaxed atomic add, so the
 * process runs at nearly full speed (unlike valgrind). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

enum { C_ALLOC, C_FREE, C_REALLOC, C_BYTES, C_N };
enum { SLOTS = 64, SLOT_WORDS = 8 };           /* 64-byte slots, one page */

static uint64_t early[SLOTS * SLOT_WORDS];
static uint64_t *counters = early;
static unsigned next_slot;
static __thread int my_slot __attribute__((tls_model("initial-exec"))) = -1;

/* A forked child (nginx's workers) counts in a slot of its own too. */
static void new_slot(void)
{
    my_slot = -1;
}

__attribute__((constructor)) static void map_counters(void)
{
    pthread_atfork(NULL, NULL, new_slot);
    const char *path = getenv("MC_ALLOC_COUNT_FILE");
    if (!path)
        return;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (ftruncate(fd, sizeof early) == 0) {
        void *p = mmap(NULL, sizeof early, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED) {
            uint64_t *m = p;
            for (size_t i = 0; i < sizeof early / sizeof *early; i++)
                m[i] = early[i];
            counters = m;
        }
    }
    close(fd);
}

static void count(int which, uint64_t n)
{
    if (my_slot < 0)
        my_slot = (int)(__atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED) % SLOTS);
    __atomic_fetch_add(&counters[my_slot * SLOT_WORDS + which], n, __ATOMIC_RELAXED);
}

void *malloc(size_t n)
{
    count(C_ALLOC, 1);
    count(C_BYTES, n);
    return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    count(C_ALLOC, 1);
    count(C_BYTES, a * b);
    return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    count(C_ALLOC, 1);
    count(C_REALLOC, 1);
    count(C_BYTES, n);
    return __libc_realloc(p, n);
}

void free(void *p)
{
    if (p)
        count(C_FREE, 1);
    __libc_free(p);
}

void *memalign(size_t align, size_t n)
{
    count(C_ALLOC, 1);
    count(C_BYTES, n);
    return __libc_memalign(align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    void *p = memalign(align, n);
    if (!p)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}
