/* config.c - the compiled configuration: artifact tables, ownership of
 * compiled objects, and the link step that resolves references. */
#include "config/config.h"

#include <stdlib.h>
#include <string.h>

#include "config/internal.h"

struct mc_link_hook {
    struct mc_link_hook *next;
    void (*fn)(mc_config *cfg, void *arg);
    void *arg;
};

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
    free(cfg->templates.items);
    free(cfg->broken.items);
    free(cfg->resource_props.items);
    free(cfg->natives.items);
    free(cfg->ep_templates.items);
    free(cfg->values.items);
    free(cfg->secrets.items);
    free(cfg->states.items);
    free(cfg->stores.items);
    free(cfg->processors.items);
    free(cfg->tasks.items);
    free(cfg->inbounds.items);
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

/* Sequences, endpoints, templates and entries may also come from the
 * registry (by key); proxies and APIs never do. */
const mc_seq *mc_config_sequence(const mc_config *cfg, const char *name)
{
    return mc_config_lookup(cfg, &cfg->sequences, name);
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
    return mc_config_lookup(cfg, &cfg->entries, key);
}
const mc_endpoint *mc_config_endpoint(const mc_config *cfg, const char *name)
{
    return mc_config_lookup(cfg, &cfg->endpoints, name);
}
const mc_seq_template *mc_config_template(const mc_config *cfg, const char *name)
{
    return mc_config_lookup(cfg, &cfg->templates, name);
}

unsigned mc_config_count(const mc_config *cfg)
{
    return (unsigned)(cfg->sequences.n + cfg->proxies.n + cfg->apis.n + cfg->entries.n +
                      cfg->endpoints.n + cfg->templates.n);
}

void mc_config_note_source(mc_config *cfg, const char *path, const char *layout,
                           unsigned artifacts, unsigned resources)
{
    mc_source *s = mc_arena_calloc(&cfg->arena, sizeof *s);
    if (!s || !(s->path = mc_arena_strdup(&cfg->arena, path)))
        return;
    s->layout = mc_arena_strdup(&cfg->arena, layout);
    s->artifacts = artifacts;
    s->resources = resources;
    s->next = cfg->sources;
    cfg->sources = s;
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

const char *mc_table_closest(const mc_table *t, const char *name)
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

void mc_config_at_link(mc_config *cfg, void (*fn)(mc_config *cfg, void *arg),
                       void *arg)
{
    struct mc_link_hook *h = mc_arena_calloc(&cfg->arena, sizeof *h);
    if (!h) {
        mc_diag_at(cfg, "<config>", 0, 0, MC_DIAG_ERROR, "out of memory");
        return;
    }
    h->fn = fn;
    h->arg = arg;
    h->next = cfg->link_hooks; /* newest first; link reverses */
    cfg->link_hooks = h;
}

/* What a reference that names nothing does at run time: fault with MI's
 * message, as Synapse does when a message reaches it. */
typedef struct missing_m {
    mc_mediator base;
    const char *message;
} missing_m;

static mc_flow missing_exec(const mc_mediator *self, mc_message *m)
{
    const missing_m *mm = (const missing_m *)self;
    mc_msg_set_fault(m, "0", mm->message, NULL);
    return MC_FLOW_FAULT;
}

static const mc_mediator_type missing_type = {"(missing reference)", NULL, missing_exec,
                                              NULL, false};

static const mc_seq *missing_sequence(mc_config *cfg, const struct mc_fixup *f)
{
    mc_seq *s = mc_arena_calloc(&cfg->arena, sizeof *s);
    missing_m *mm = mc_arena_calloc(&cfg->arena, sizeof *mm);
    mc_mediator **items = mc_arena_calloc(&cfg->arena, sizeof *items);
    if (!s || !mm || !items)
        return NULL;
    mm->base.type = &missing_type;
    mm->base.file = f->file;
    mm->base.line = f->line;
    mm->base.col = f->col;
    mm->message = mc_arena_printf(&cfg->arena, f->missing_fmt, f->key);
    items[0] = &mm->base;
    s->items = items;
    s->n = 1;
    s->file = f->file;
    s->line = f->line;
    s->col = f->col;
    return s;
}

static bool is_registry_key(const char *key)
{
    static const char *const prefixes[] = {"conf:", "gov:", "local:", "resources:", "/_system/"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (strncmp(key, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

static void report_missing(mc_config *cfg, const struct mc_fixup *f, const mc_table *t)
{
    static const char *const what[] = {"sequence", "local entry", "endpoint",
                                       "sequence template"};
    if (is_registry_key(f->key) && cfg->nregistries) {
        /* a registry was given and the key is not in it */
        mc_diag_at(cfg, f->file, f->line, f->col, MC_DIAG_ERROR,
                   "registry key '%s' resolves to nothing in the loaded registry", f->key);
        return;
    }
    const char *near = is_registry_key(f->key) ? NULL : mc_table_closest(t, f->key);
    mc_diag_at(cfg, f->file, f->line, f->col, MC_DIAG_WARNING,
               "unknown %s '%s'%s%s%s%s", what[f->kind], f->key,
               near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "",
               is_registry_key(f->key) ? " (no registry loaded: use --registry DIR)" : "");
}

static void resolve(mc_config *cfg, struct mc_fixup *f)
{
    const mc_table *t = f->kind == MC_REF_SEQUENCE   ? &cfg->sequences
                        : f->kind == MC_REF_ENDPOINT ? &cfg->endpoints
                        : f->kind == MC_REF_TEMPLATE ? &cfg->templates
                                                     : &cfg->entries;
    void *item = mc_config_lookup(cfg, t, f->key);
    if (item) {
        if (f->slot)
            *f->slot = item;
        if (f->check)
            f->check(cfg, item, f->ud, f->file, f->line, f->col);
        mc_err err = {0};
        if (f->compile && !f->compile(item, f->target, cfg, &err))
            mc_diag_at(cfg, f->file, f->line, f->col, MC_DIAG_ERROR, "%s", err.msg);
        return;
    }
    const char *broken = mc_config_lookup(cfg, &cfg->broken, f->key);
    if (broken)
        mc_diag_at(cfg, f->file, f->line, f->col, MC_DIAG_ERROR,
                   "registry resource '%s' does not compile: %s", f->key, broken);
    else
        report_missing(cfg, f, t);
    if (f->kind == MC_REF_SEQUENCE && f->missing_fmt)
        *f->slot = (void *)missing_sequence(cfg, f);
}

mc_code mc_config_link(mc_config *cfg)
{
    /* in the order registered; hooks may register more (a template that
     * uses a template), run in the next round */
    while (cfg->link_hooks) {
        struct mc_link_hook *rev = NULL;
        for (struct mc_link_hook *h = cfg->link_hooks, *n; h; h = n) {
            n = h->next;
            h->next = rev;
            rev = h;
        }
        cfg->link_hooks = NULL;
        for (struct mc_link_hook *h = rev; h; h = h->next)
            h->fn(cfg, h->arg);
    }
    /* resource callbacks may compile more and add references: repeat until
     * none are left (bounded, in case a callback keeps adding) */
    for (int round = 0; cfg->fixups && round < 64; round++) {
        /* fixups were pushed newest first: resolve in source order */
        struct mc_fixup *rev = NULL;
        for (struct mc_fixup *f = cfg->fixups, *n; f; f = n) {
            n = f->next;
            f->next = rev;
            rev = f;
        }
        cfg->fixups = NULL;
        for (struct mc_fixup *f = rev; f; f = f->next)
            resolve(cfg, f);
    }
    cfg->fixups = NULL;
    cfg->fault_seq = mc_config_sequence(cfg, "fault");
    cfg->main_seq = mc_config_sequence(cfg, "main");
    return cfg->nerrors ? MC_ECONFIG : MC_OK;
}
