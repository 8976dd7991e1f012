/* arena.h - per-message bump allocator.
 *
 * Everything a message allocates while it runs comes from its arena and is
 * released in one go when the message ends.  Allocation never fails
 * silently: on out-of-memory the functions return NULL and callers turn that
 * into an error value.  Chunks of 256 KiB and more are mapped from the
 * kernel directly and given back when the arena is freed. */
#ifndef MC_ARENA_H
#define MC_ARENA_H

#include <stddef.h>

typedef struct mc_arena_chunk mc_arena_chunk;

typedef struct mc_arena {
    mc_arena_chunk *head;   /* current chunk (newest first) */
    size_t chunk_size;      /* size of the first chunk */
    size_t next_size;       /* size of the next regular chunk (doubles) */
    size_t total;           /* bytes obtained from malloc, for metrics */
} mc_arena;

void  mc_arena_init(mc_arena *a, size_t chunk_size);
void *mc_arena_alloc(mc_arena *a, size_t n);          /* 16-byte aligned */
/* No alignment: for character data, which packs tighter. */
void *mc_arena_alloc_unaligned(mc_arena *a, size_t n);
void *mc_arena_calloc(mc_arena *a, size_t n);
char *mc_arena_strdup(mc_arena *a, const char *s);
char *mc_arena_strndup(mc_arena *a, const char *s, size_t n);
char *mc_arena_printf(mc_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Resizes block p of old bytes (unaligned, from this arena) to n bytes and
 * returns it: in place when p is the newest block of the current chunk and
 * the chunk has room (growing or shrinking), else a new block holding the
 * first min(old, n) bytes (p's bytes then stay unused until the arena ends).
 * p NULL takes a new block.  NULL when out of memory (p stays valid). */
void *mc_arena_resize(mc_arena *a, void *p, size_t old, size_t n);
void  mc_arena_reset(mc_arena *a);                     /* keep first chunk */
void  mc_arena_free(mc_arena *a);

#endif
