/* key_cache.c - compiled forms of dynamically named entries (see
 * key_cache.h): a list behind a mutex, compiled under it so that two
 * messages naming a new key at once compile it once. */
#include "mediators/key_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct mc_key_cache {
    pthread_mutex_t lock;
    struct cached {
        char *key;
        void *item;
    } *items;
    size_t n, cap;
    void (*destroy)(void *);
};

static void free_cache(void *p)
{
    mc_key_cache *c = p;
    for (size_t i = 0; i < c->n; i++) {
        c->destroy(c->items[i].item);
        free(c->items[i].key);
    }
    free(c->items);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

mc_key_cache *mc_key_cache_new(mc_config *cfg, void (*destroy)(void *))
{
    mc_key_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->lock, NULL);
    c->destroy = destroy;
    mc_config_own(cfg, c, free_cache);
    return c;
}

static void *compile_and_keep(mc_key_cache *c, const mc_config *cfg, const char *key,
                              mc_key_compile_fn compile, void *ud, mc_err *err)
{
    const mc_local_entry *e = cfg ? mc_config_entry(cfg, key) : NULL;
    if (!e) {
        mc_err_set(err, MC_ENOTFOUND, "no local entry '%s'", key);
        return NULL;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        struct cached *items = realloc(c->items, cap * sizeof *items);
        if (!items)
            return mc_err_set(err, MC_ENOMEM, "out of memory"), NULL;
        c->items = items;
        c->cap = cap;
    }
    char *k = strdup(key);
    void *item = k ? compile(e, ud, err) : NULL;
    if (!k)
        mc_err_set(err, MC_ENOMEM, "out of memory");
    if (!item) {
        free(k);
        return NULL;
    }
    c->items[c->n++] = (struct cached){k, item};
    return item;
}

void *mc_key_cache_get(mc_key_cache *c, const mc_config *cfg, const char *key,
                       mc_key_compile_fn compile, void *ud, mc_err *err)
{
    pthread_mutex_lock(&c->lock);
    void *item = NULL;
    for (size_t i = 0; i < c->n && !item; i++)
        if (strcmp(c->items[i].key, key) == 0)
            item = c->items[i].item;
    if (!item)
        item = compile_and_keep(c, cfg, key, compile, ud, err);
    pthread_mutex_unlock(&c->lock);
    return item;
}
