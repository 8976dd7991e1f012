/* config.c - the compiled configuration: artifact tables, ownership of
 * compiled objects, and the link step that resolves references. */
#include "config/config.h"

#include <stdlib.h>
#include <string.h>

#include "config/internal.h"

struct mc_owned {
    struct mc_owned *next;
    void *obj;
    void (*destroy)(void *);
};

mc_config *mc_config_new(const mc_registry *reg)
{
    mc_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return NULL;
    mc_arena_init(&cfg->arena, 64 * 1024);
    if (reg)
        cfg->reg = *reg;
    return cfg;
}

void mc_config_free(mc_config *cfg)
{
    if (!cfg)
        return;
    for (struct mc_owned *o = cfg->owned, *n; o; o = n) {
        n = o->next;
        o->destroy(o->obj);
        free(o);
    }
    free(cfg->sequences.items);
    free(cfg->proxies.items);
    free(cfg->apis.items);
    free(cfg->entries.items);
    free(cfg->endpoints.items);
    free(cfg->natives.items);
    free(cfg->values.items);
    free(cfg->secrets.items);
    free(cfg->states.items);
    mc_buf_free(&cfg->diags);
    mc_arena_free(&cfg->arena);
    free(cfg);
}

void mc_config_own(mc_config *cfg, void *obj, void (*destroy)(void *))
{
    if (!obj)
        return;
    struct mc_owned *o = malloc(sizeof *o);
    if (!o) {
        destroy(obj); /* cannot keep it: free now rather than leak */
        return;
    }
    o->obj = obj;
    o->destroy = destroy;
    o->next = cfg->owned;
    cfg->owned = o;
}

void *mc_config_state(mc_config *cfg, const char *name, void *(*create)(void *ud), void *ud,
                      void (*destroy)(void *))
{
    void *st = mc_table_get(&cfg->states, name);
    if (st)
        return st;
    const char *n = mc_arena_strdup(&cfg->arena, name);
    if (!n || !(st = create(ud)))
        return NULL;
    if (!mc_table_put(&cfg->states, n, st)) {
        destroy(st);
        return NULL;
    }
    mc_config_own(cfg, st, destroy);
    return st;
}

void *mc_config_find_state(const mc_config *cfg, const char *name)
{
    return mc_table_get(&cfg->states, name);
}

/* ---- tables ------------------------------------------------------------- */

void *mc_table_get(const mc_table *t, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->items[i].name, name) == 0)
            return t->items[i].item;
    return NULL;
}

bool mc_table_put(mc_table *t, const char *name, void *item)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        mc_named *p = realloc(t->items, cap * sizeof *p);
        if (!p)
            return false;
        t->items = p;
        t->cap = cap;
    }
    t->items[t->n++] = (mc_named){name, item};
    return true;
}

const mc_seq *mc_config_sequence(const mc_config *cfg, const char *name)
{
    return mc_table_get(&cfg->sequences, name);
}
const mc_proxy *mc_config_proxy(const mc_config *cfg, const char *name)
{
    return mc_table_get(&cfg->proxies, name);
}
const mc_api *mc_config_api(const mc_config *cfg, const char *name)
{
    return mc_table_get(&cfg->apis, name);
}
const mc_local_entry *mc_config_entry(const mc_config *cfg, const char *key)
{
    return mc_table_get(&cfg->entries, key);
}
const mc_endpoint *mc_config_endpoint(const mc_config *cfg, const char *name)
{
    return mc_table_get(&cfg->endpoints, name);
}

/* ---- values and secrets ---------------------------------------------- */

static mc_code put_string(mc_config *cfg, mc_table *t, const char *name,
                          const char *value)
{
    if (!name || !value)
        return MC_EINVAL;
    char *v = mc_arena_strdup(&cfg->arena, value);
    if (!v)
        return MC_ENOMEM;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->items[i].name, name) == 0) {
            t->items[i].item = v;
            return MC_OK;
        }
    char *n = mc_arena_strdup(&cfg->arena, name);
    if (!n || !mc_table_put(t, n, v))
        return MC_ENOMEM;
    return MC_OK;
}

mc_code mc_config_set_value(mc_config *cfg, const char *name, const char *value)
{
    return put_string(cfg, &cfg->values, name, value);
}
mc_code mc_config_set_secret(mc_config *cfg, const char *alias, const char *value)
{
    return put_string(cfg, &cfg->secrets, alias, value);
}
const char *mc_config_value(const mc_config *cfg, const char *name)
{
    return mc_table_get(&cfg->values, name);
}
const char *mc_config_secret(const mc_config *cfg, const char *alias)
{
    return mc_table_get(&cfg->secrets, alias);
}

/* ---- suggestions -------------------------------------------------------- */

size_t mc_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev + cost;
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

const char *mc_closest(const char *name, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bd = (size_t)-1, limit = strlen(name) / 3 + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = mc_edit_distance(name, cands[i]);
        if (d < bd) {
            bd = d;
            best = cands[i];
        }
    }
    return bd <= limit && bd > 0 ? best : NULL;
}

static const char *closest_in(const mc_table *t, const char *name)
{
    const char *best = NULL;
    size_t bd = (size_t)-1, limit = strlen(name) / 3 + 1;
    for (size_t i = 0; i < t->n; i++) {
        size_t d = mc_edit_distance(name, t->items[i].name);
        if (d < bd) {
            bd = d;
            best = t->items[i].name;
        }
    }
    return bd <= limit ? best : NULL;
}

/* ---- link ---------------------------------------------------------------- */

mc_code mc_config_link(mc_config *cfg)
{
    /* fixups were pushed newest first: report in source order */
    struct mc_fixup *rev = NULL;
    for (struct mc_fixup *f = cfg->fixups, *n; f; f = n) {
        n = f->next;
        f->next = rev;
        rev = f;
    }
    for (struct mc_fixup *f = rev; f; f = f->next) {
        const mc_table *t = f->kind == MC_REF_SEQUENCE ? &cfg->sequences
                            : f->kind == MC_REF_ENTRY  ? &cfg->entries
                                                       : &cfg->endpoints;
        void *item = mc_table_get(t, f->key);
        if (item) {
            if (f->slot)
                *f->slot = item;
            mc_err err = {0};
            if (f->compile && !f->compile(item, f->target, cfg, &err))
                mc_diag_at(cfg, f->file, f->line, f->col, MC_DIAG_ERROR,
                           "%s", err.msg);
            continue;
        }
        const char *what = f->kind == MC_REF_SEQUENCE ? "sequence"
                           : f->kind == MC_REF_ENTRY  ? "local entry"
                                                      : "endpoint";
        const char *near = closest_in(t, f->key);
        mc_diag_at(cfg, f->file, f->line, f->col, MC_DIAG_ERROR,
                   "unknown %s '%s'%s%s%s", what, f->key,
                   near ? "; did you mean '" : "", near ? near : "",
                   near ? "'?" : "");
    }
    cfg->fixups = NULL;
    cfg->fault_seq = mc_config_sequence(cfg, "fault");
    cfg->main_seq = mc_config_sequence(cfg, "main");
    return cfg->nerrors ? MC_ECONFIG : MC_OK;
}
