/* key_cache.h - what a mediator compiles from a dynamic key
 * (key="{$ctx:k}"): the first message that names an entry compiles it, and
 * every later one uses the compiled form.  One cache per mediator, owned by
 * the configuration (freed with it), safe for any number of threads.  The
 * keys are local entry (or registry resource) names, so a cache never
 * holds more items than the configuration has entries. */
#ifndef MC_KEY_CACHE_H
#define MC_KEY_CACHE_H

#include "config/config.h"

typedef struct mc_key_cache mc_key_cache;

/* Compile entry e (ud: the mediator's own data); NULL with err. */
typedef void *(*mc_key_compile_fn)(const mc_local_entry *e, void *ud, mc_err *err);

/* A cache whose items are freed with destroy; owned by cfg.  NULL when out
 * of memory. */
mc_key_cache *mc_key_cache_new(mc_config *cfg, void (*destroy)(void *));
/* The compiled form of the entry named key: cached, or compiled now.  NULL
 * with err when there is no such entry (MC_ENOTFOUND, "no local entry
 * 'KEY'") or it does not compile. */
void *mc_key_cache_get(mc_key_cache *c, const mc_config *cfg, const char *key,
                       mc_key_compile_fn compile, void *ud, mc_err *err);

#endif
