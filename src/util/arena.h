/* arena.h - per-message bump allocator.
 *
 * Everything a message allocates while it runs comes from its arena and is
 * released in one go when the message ends.  Allocation never fails
 * silently: on out-of-memory the functions return NULL and callers turn that
 * into an error value.  Chunks of 256 KiB and more are mapped from the
 * kernel directly and given back when the arena is freed. */
#ifndef MC_ARENA_H
#define MC_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mc_arena_chunk mc_arena_chunk;

/* A chunk: only arena.c and the inline fast paths below look inside. */
struct mc_arena_chunk {
    mc_arena_chunk *next;
    size_t size;   /* usable bytes in data[] */
    size_t used;   /* never more than size */
    bool mapped;   /* from mmap (else malloc) */
    _Alignas(16) unsigned char data[];
};

typedef struct mc_arena_owned mc_arena_owned;

typedef struct mc_arena {
    mc_arena_chunk *head;   /* current chunk (newest first) */
    mc_arena_owned *owned;  /* heap blocks freed with the arena (adopt) */
    size_t chunk_size;      /* size of the first chunk */
    size_t next_size;       /* size of the next regular chunk (doubles) */
    size_t total;           /* bytes obtained from malloc, for metrics */
} mc_arena;

void  mc_arena_init(mc_arena *a, size_t chunk_size);
/* The slow path of the two allocators below (align 1 or 16): a new chunk,
 * n == 0, or a size too large. */
void *mc_arena__take(mc_arena *a, size_t n, size_t align);

/* 16-byte aligned.  Inline: a bump of the current chunk is the common
 * case on every message's path (tens of calls per request). */
static inline void *mc_arena_alloc(mc_arena *a, size_t n)
{
    mc_arena_chunk *c = a->head;
    if (c) {
        size_t at = (c->used + 15u) & ~(size_t)15u;
        if (at <= c->size && n - 1 < c->size - at) {   /* 1 <= n <= room */
            c->used = at + n;
            return c->data + at;
        }
    }
    return mc_arena__take(a, n, 16);
}

/* No alignment: for character data, which packs tighter. */
static inline void *mc_arena_alloc_unaligned(mc_arena *a, size_t n)
{
    mc_arena_chunk *c = a->head;
    if (c && n - 1 < c->size - c->used) {   /* 1 <= n <= room */
        void *p = c->data + c->used;
        c->used += n;
        return p;
    }
    return mc_arena__take(a, n, 1);
}
void *mc_arena_calloc(mc_arena *a, size_t n);
char *mc_arena_strdup(mc_arena *a, const char *s);
char *mc_arena_strndup(mc_arena *a, const char *s, size_t n);
char *mc_arena_printf(mc_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Resizes block p of old bytes (unaligned, from this arena) to n bytes and
 * returns it: in place when p is the newest block of the current chunk and
 * the chunk has room (growing or shrinking), else p itself when shrinking
 * (its tail stays unused until the arena ends), else a new block holding
 * p's old bytes (p's bytes then stay unused until the arena ends).
 * p NULL takes a new block.  NULL when out of memory (p stays valid). */
void *mc_arena_resize(mc_arena *a, void *p, size_t old, size_t n);
/* The arena takes heap block p (from malloc): it is freed when the arena
 * is reset or freed, so a block handed over with its bytes (an upstream
 * answer's body) lives as long as the message without a copy.  false
 * when out of memory (p is then still the caller's). */
bool  mc_arena_adopt(mc_arena *a, void *p);
void  mc_arena_reset(mc_arena *a);                     /* keep first chunk */
void  mc_arena_free(mc_arena *a);

#endif
