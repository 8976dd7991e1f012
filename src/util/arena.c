/* arena.c - chunked bump allocator used for all per-message memory. */
#include "util/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mc_arena_chunk {
    mc_arena_chunk *next;
    size_t size;   /* usable bytes in data[] */
    size_t used;
    _Alignas(16) unsigned char data[];
};

#define ALIGN16(n) (((n) + 15u) & ~(size_t)15u)

void mc_arena_init(mc_arena *a, size_t chunk_size)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 4096;
    a->total = 0;
}

static mc_arena_chunk *new_chunk(mc_arena *a, size_t need)
{
    size_t size = need > a->chunk_size ? need : a->chunk_size;
    mc_arena_chunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->size = size;
    c->used = 0;
    a->total += sizeof *c + size;
    return c;
}

void *mc_arena_alloc(mc_arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / 2)
        return NULL;
    n = ALIGN16(n);
    mc_arena_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        mc_arena_chunk *fresh = new_chunk(a, n);
        if (!fresh)
            return NULL;
        if (c && n > a->chunk_size / 2) {
            /* big one-off block: keep the current chunk as the head so its
             * free space stays usable */
            fresh->next = c->next;
            c->next = fresh;
            fresh->used = n;
            return fresh->data;
        }
        fresh->next = c;
        a->head = c = fresh;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
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
    char *p = mc_arena_alloc(a, n + 1);
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
    char *p = mc_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void mc_arena_reset(mc_arena *a)
{
    mc_arena_chunk *c = a->head;
    if (!c)
        return;
    /* keep the oldest chunk (the last in the list), free the rest */
    while (c->next) {
        mc_arena_chunk *n = c->next;
        if (!n->next) {
            free(c);
            c = n;
            break;
        }
        free(c);
        c = n;
    }
    c->used = 0;
    c->next = NULL;
    a->head = c;
    a->total = sizeof *c + c->size;
}

void mc_arena_free(mc_arena *a)
{
    mc_arena_chunk *c = a->head;
    while (c) {
        mc_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
}
