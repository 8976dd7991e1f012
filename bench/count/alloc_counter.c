/* alloc_counter.c - an LD_PRELOAD library that counts heap calls of a
 * process (malloc, calloc, realloc, the aligned forms, and free) into a
 * small file the benchmark reads while the process runs, so allocations
 * per request come from two snapshots around a fixed load:
 *
 *   cc -O2 -shared -fPIC -o alloc_counter.so bench/count/alloc_counter.c
 *   MC_ALLOC_COUNT_FILE=/tmp/x LD_PRELOAD=./alloc_counter.so mediac serve ...
 *
 * The file holds four little-endian uint64: allocations, frees, reallocs
 * (also counted in allocations) and bytes requested.  Each call forwards to
 * glibc's own __libc_* entry points; counting is one relaxed atomic add,
 * so the process runs at nearly full speed (unlike valgrind). */
#define _GNU_SOURCE
#include <fcntl.h>
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

static uint64_t early[C_N];
static uint64_t *counters = early;

__attribute__((constructor)) static void map_counters(void)
{
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
            for (int i = 0; i < C_N; i++)
                m[i] = early[i];
            counters = m;
        }
    }
    close(fd);
}

static void count(int which, uint64_t n)
{
    __atomic_fetch_add(&counters[which], n, __ATOMIC_RELAXED);
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
