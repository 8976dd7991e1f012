/* msg.c - message context: properties, variables, status, secrets, faults. */
#include "msg/msg.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libxml/xpath.h>

#include "msg/payload.h"
#include "util/codec.h"
#include "util/hash.h"
#include "util/number.h"

static const char *const scope_names[MC_SCOPE_COUNT] = {
    "default", "transport", "axis2", "operation", "func", "url",
};

int mc_scope_from_name(const char *name)
{
    if (!name || !*name || strcmp(name, "default") == 0)
        return MC_SCOPE_DEFAULT;
    if (strcmp(name, "transport") == 0)
        return MC_SCOPE_TRANSPORT;
    if (strcmp(name, "axis2") == 0 || strcmp(name, "axis2-client") == 0)
        return MC_SCOPE_AXIS2;
    if (strcmp(name, "operation") == 0)
        return MC_SCOPE_OPERATION;
    return -1;
}

const char *mc_scope_name(mc_scope s)
{
    return (unsigned)s < MC_SCOPE_COUNT ? scope_names[s] : "?";
}

int mc_vtype_from_name(const char *name)
{
    static const char *const names[] = {
        "STRING", "INTEGER", "LONG", "SHORT", "FLOAT", "DOUBLE", "BOOLEAN",
        "JSON", "OM",
    };
    if (!name || !*name)
        return MC_VT_STRING;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i]) == 0)
            return (int)i;
    return -1;
}

static void make_message_id(mc_message *m)
{
    /* urn:uuid with a random-looking value from time, address and counter;
     * unique enough for correlation, not a security token. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t a = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec;
    uint64_t b = (uint64_t)(uintptr_t)m * 0x9E3779B97F4A7C15ull ^ a << 13;
    /* urn:uuid:AAAAAAAA-AAAA-4BBB-aBBB-BBBBBBBBBBBB (no printf per message) */
    unsigned char u[16];
    for (int i = 0; i < 6; i++)
        u[i] = (unsigned char)(a >> (56 - 8 * i));
    unsigned hi = (unsigned)(b >> 52) & 0xfff, mid = (unsigned)(b >> 40) & 0xfff;
    u[6] = (unsigned char)(0x40 | hi >> 8);
    u[7] = (unsigned char)hi;
    u[8] = (unsigned char)(0xa0 | mid >> 8);
    u[9] = (unsigned char)mid;
    for (int i = 0; i < 6; i++)
        u[10 + i] = (unsigned char)(b >> (40 - 8 * i));
    memcpy(m->message_id, "urn:uuid:", 9);
    mc_uuid_format(u, m->message_id + 9);
}

/* Ended messages are kept per thread, each with its arena's first chunk,
 * for the thread's next messages: a worker's request then costs neither
 * the message's allocation nor its first arena chunk (an 8 KiB block, past
 * malloc's per-thread cache).  Up to MC_MSG_SPARES are kept: a worker with
 * many exchanges in flight ends and starts messages in bursts (one epoll
 * pass answers several upstreams, the next starts several requests), and a
 * single spare was taken or refused most of the time (measured with an
 * allocation trace at 16 connections: a message and its chunk allocated
 * for nearly every request).  A thread's spares are freed when it ends
 * (the key's destructor), the main thread's at exit. */
#define MC_MSG_SPARES 32

typedef struct spare_pool {
    unsigned n;
    mc_message *m[MC_MSG_SPARES];
} spare_pool;

static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static bool spare_ok;

/* Under AddressSanitizer a kept message and its chunk are poisoned while
 * they wait, so a use after mc_msg_free is still reported. */
#if defined(__SANITIZE_ADDRESS__)
#define MC_MSG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MC_MSG_ASAN 1
#endif
#endif
#ifdef MC_MSG_ASAN
#include <sanitizer/asan_interface.h>
static void spare_poison(mc_message *m, bool on)
{
    if (!on)
        ASAN_UNPOISON_MEMORY_REGION(m, sizeof *m);
    mc_arena_chunk *c = m->arena.head;
    if (c && on)
        ASAN_POISON_MEMORY_REGION(c->data, c->size);
    else if (c)
        ASAN_UNPOISON_MEMORY_REGION(c->data, c->size);
    if (on)
        ASAN_POISON_MEMORY_REGION(m, sizeof *m);
}
#else
static void spare_poison(mc_message *m, bool on)
{
    (void)m;
    (void)on;
}
#endif

static void spare_free(void *p)
{
    spare_pool *pool = p;
    for (unsigned i = 0; i < pool->n; i++) {
        mc_message *m = pool->m[i];
        spare_poison(m, false);
        mc_arena_free(&m->arena);
        free(m);
    }
    free(pool);
}

/* The key's destructor runs when a thread ends, not for the thread that
 * calls exit (usually the main one): its spares are freed here. */
static void spare_at_exit(void)
{
    spare_pool *pool = pthread_getspecific(spare_key);
    if (pool) {
        pthread_setspecific(spare_key, NULL);
        spare_free(pool);
    }
}

static void spare_init(void)
{
    spare_ok = pthread_key_create(&spare_key, spare_free) == 0 && atexit(spare_at_exit) == 0;
}

mc_message *mc_msg_new(const struct mc_config *cfg, const mc_logger *log)
{
    pthread_once(&spare_once, spare_init);
    spare_pool *pool = spare_ok ? pthread_getspecific(spare_key) : NULL;
    mc_message *m;
    if (pool && pool->n) {
        m = pool->m[--pool->n];             /* zeroed, arena reset */
        spare_poison(m, false);
    } else {
        m = calloc(1, sizeof *m);
        if (!m)
            return NULL;
        mc_arena_init(&m->arena, 8192);
    }
    m->cfg = cfg;
    m->log = log;
    make_message_id(m);
    return m;
}

unsigned mc_msg__spares(void)
{
    pthread_once(&spare_once, spare_init);
    spare_pool *pool = spare_ok ? pthread_getspecific(spare_key) : NULL;
    return pool ? pool->n : 0;
}

/* Keep m among the thread's spares (true), or say it was not kept. */
static bool keep_spare(mc_message *m)
{
    if (!spare_ok)
        return false;
    spare_pool *pool = pthread_getspecific(spare_key);
    if (!pool) {
        pool = calloc(1, sizeof *pool);
        if (!pool)
            return false;
        if (pthread_setspecific(spare_key, pool) != 0) {
            free(pool);
            return false;
        }
    }
    if (pool->n == MC_MSG_SPARES)
        return false;
    mc_arena_reset(&m->arena);
    if (m->arena.total > 64 * 1024)     /* a big first block: not kept */
        return false;
    mc_arena a = m->arena;
    memset(m, 0, sizeof *m);
    m->arena = a;
    pool->m[pool->n++] = m;
    spare_poison(m, true);
    return true;
}

struct mc_msg_hook {
    struct mc_msg_hook *next;
    void (*fn)(void *ud);
    void *ud;
};

mc_code mc_msg_on_free(mc_message *m, void (*fn)(void *ud), void *ud)
{
    struct mc_msg_hook *h = mc_arena_alloc(&m->arena, sizeof *h);
    if (!h)
        return MC_ENOMEM;
    *h = (struct mc_msg_hook){m->on_free, fn, ud};
    m->on_free = h;
    return MC_OK;
}

void mc_msg_free(mc_message *m)
{
    if (!m)
        return;
    for (struct mc_msg_hook *h = m->on_free; h; h = h->next)
        h->fn(h->ud);
    mc_payload_clear(&m->payload);
    if (m->xpath_ctx)
        xmlXPathFreeContext(m->xpath_ctx);
    if (keep_spare(m))
        return;
    mc_arena_free(&m->arena);
    free(m);
}

/* A property name as the store compares it: its length and a tag of its
 * first, middle and last bytes (ASCII letters folded in the transport scope,
 * whose names are HTTP header names and compare case-insensitively, as
 * strcasecmp does in the C locale).  Entries whose length or tag differ are
 * passed over without reading their names.  strlen and three loads: cheaper
 * than hashing every byte (measured: an FNV-1a pass cost more than the
 * strcmp calls it saved). */
typedef struct {
    const char *name;
    size_t len;
    uint32_t tag;
} prop_key;

static prop_key key_of(mc_scope s, const char *name)
{
    size_t n = strlen(name);
    if (!n)
        return (prop_key){name, 0, 0};
    const unsigned char *p = (const unsigned char *)name;
    unsigned a = p[0], b = p[n / 2], c = p[n - 1];
    if (s == MC_SCOPE_TRANSPORT) {
        a = mc_ascii_lower((unsigned char)a);
        b = mc_ascii_lower((unsigned char)b);
        c = mc_ascii_lower((unsigned char)c);
    }
    return (prop_key){name, n, (uint32_t)(a << 16 | b << 8 | c)};
}

static mc_code set_in(mc_message *m, mc_prop **head, mc_scope s, prop_key k,
                      const char *value, size_t len, mc_vtype type);

/* Copy a property list keeping its order (set_in prepends). */
static mc_code copy_props(mc_message *dst, mc_prop **head, const mc_prop *src, mc_scope s)
{
    size_t n = 0;
    for (const mc_prop *p = src; p; p = p->next)
        n++;
    const mc_prop **all = n ? malloc(n * sizeof *all) : NULL;
    if (n && !all)
        return MC_ENOMEM;
    size_t i = 0;
    for (const mc_prop *p = src; p; p = p->next)
        all[i++] = p;
    mc_code rc = MC_OK;
    while (i-- > 0 && rc == MC_OK)   /* same scope: the stored tag holds */
        rc = set_in(dst, head, s, (prop_key){all[i]->name, all[i]->name_len, all[i]->name_tag},
                    all[i]->value, all[i]->len, all[i]->type);
    free(all);
    return rc;
}

mc_message *mc_msg_clone(mc_message *m, bool with_payload)
{
    mc_message *c = mc_msg_new(m->cfg, m->log);
    if (!c)
        return NULL;
    mc_code rc = MC_OK;
    for (int s = 0; s < MC_SCOPE_COUNT && rc == MC_OK; s++)
        rc = copy_props(c, &c->props[s], m->props[s], (mc_scope)s);
    if (rc == MC_OK)
        rc = copy_props(c, &c->vars, m->vars, MC_SCOPE_DEFAULT);
    if (rc == MC_OK && with_payload)
        rc = mc_msg_copy_payload(c, m);
    if (rc != MC_OK) {
        mc_msg_free(c);
        return NULL;
    }
    c->engine = m->engine;
    c->proxy = m->proxy;
    c->out_seq = m->out_seq;
    c->in_out_sequence = m->in_out_sequence;
    memcpy(c->secrets, m->secrets, sizeof c->secrets);
    c->nsecrets = m->nsecrets;
    c->connector_state = m->connector_state;
    c->activity_id = m->activity_id;
    return c;
}

struct mc_msg_slot {
    struct mc_msg_slot *next;
    const void *key;
    void *value;
};

void *mc_msg_slot(const mc_message *m, const void *key)
{
    for (const struct mc_msg_slot *s = m->slots; s; s = s->next)
        if (s->key == key)
            return s->value;
    return NULL;
}

mc_code mc_msg_set_slot(mc_message *m, const void *key, void *value)
{
    for (struct mc_msg_slot *s = m->slots; s; s = s->next)
        if (s->key == key) {
            s->value = value;
            return MC_OK;
        }
    struct mc_msg_slot *s = mc_arena_alloc(&m->arena, sizeof *s);
    if (!s)
        return MC_ENOMEM;
    *s = (struct mc_msg_slot){m->slots, key, value};
    m->slots = s;
    return MC_OK;
}

mc_code mc_msg_adopt_answer(mc_message *dst, mc_message *src)
{
    mc_code rc = mc_msg_copy_payload(dst, src);
    mc_msg_clear_scope(dst, MC_SCOPE_AXIS2);
    mc_msg_clear_scope(dst, MC_SCOPE_TRANSPORT);
    if (rc == MC_OK)
        rc = copy_props(dst, &dst->props[MC_SCOPE_AXIS2], src->props[MC_SCOPE_AXIS2],
                        MC_SCOPE_AXIS2);
    if (rc == MC_OK)
        rc = copy_props(dst, &dst->props[MC_SCOPE_TRANSPORT], src->props[MC_SCOPE_TRANSPORT],
                        MC_SCOPE_TRANSPORT);
    dst->responded = true;
    dst->fault_response = src->fault_response;
    return rc;
}

static bool same_name(mc_scope s, const mc_prop *p, prop_key k)
{
    if (p->name_tag != k.tag || p->name_len != k.len)
        return false;
    if (s != MC_SCOPE_TRANSPORT)
        return memcmp(p->name, k.name, k.len) == 0;
    for (size_t i = 0; i < k.len; i++)
        if (mc_ascii_lower((unsigned char)p->name[i]) != mc_ascii_lower((unsigned char)k.name[i]))
            return false;
    return true;
}

static mc_prop *find(mc_prop *head, mc_scope s, prop_key k)
{
    for (mc_prop *p = head; p; p = p->next)
        if (same_name(s, p, k))
            return p;
    return NULL;
}

static mc_code set_in(mc_message *m, mc_prop **head, mc_scope s, prop_key k,
                      const char *value, size_t len, mc_vtype type)
{
    if (!value)
        len = 0;
    mc_prop *p = find(*head, s, k);
    char *v;
    if (p) {
        v = mc_arena_strndup(&m->arena, value ? value : "", len);
        if (!v)
            return MC_ENOMEM;
    } else {
        /* a new name: the entry, its name and its value in one allocation */
        if (k.len > SIZE_MAX / 2 - sizeof *p || len > SIZE_MAX / 2)
            return MC_ENOMEM;
        p = mc_arena_alloc(&m->arena, sizeof *p + k.len + 1 + len + 1);
        if (!p)
            return MC_ENOMEM;
        char *name = (char *)(p + 1);
        memcpy(name, k.name, k.len);
        name[k.len] = '\0';
        p->name = name;
        p->name_tag = k.tag;
        p->name_len = k.len;
        p->next = *head;
        *head = p;
        v = name + k.len + 1;
        if (len)
            memcpy(v, value, len);
        v[len] = '\0';
    }
    p->value = v;
    p->len = len;
    p->type = type;
    return MC_OK;
}

mc_code mc_msg_set_prop(mc_message *m, mc_scope s, const char *name,
                        const char *value, size_t len, mc_vtype type)
{
    if ((unsigned)s >= MC_SCOPE_COUNT || !name)
        return MC_EINVAL;
    return set_in(m, &m->props[s], s, key_of(s, name), value, len, type);
}

mc_code mc_msg_set_propz(mc_message *m, mc_scope s, const char *name,
                         const char *value)
{
    return mc_msg_set_prop(m, s, name, value, value ? strlen(value) : 0,
                           MC_VT_STRING);
}

const mc_prop *mc_msg_get_prop(const mc_message *m, mc_scope s,
                               const char *name)
{
    if ((unsigned)s >= MC_SCOPE_COUNT || !name)
        return NULL;
    return find(m->props[s], s, key_of(s, name));
}

const char *mc_msg_prop(const mc_message *m, mc_scope s, const char *name)
{
    const mc_prop *p = mc_msg_get_prop(m, s, name);
    return p ? p->value : NULL;
}

void mc_msg_remove_prop(mc_message *m, mc_scope s, const char *name)
{
    /* MI: removing the axis2 TRANSPORT_HEADERS map drops every header */
    if (s == MC_SCOPE_AXIS2 && name && strcmp(name, "TRANSPORT_HEADERS") == 0) {
        mc_msg_clear_scope(m, MC_SCOPE_TRANSPORT);
        return;
    }
    if ((unsigned)s >= MC_SCOPE_COUNT || !name)
        return;
    prop_key k = key_of(s, name);
    for (mc_prop **pp = &m->props[s]; *pp; pp = &(*pp)->next) {
        if (same_name(s, *pp, k)) {
            *pp = (*pp)->next;
            return;
        }
    }
}

void mc_msg_clear_scope(mc_message *m, mc_scope s)
{
    if ((unsigned)s < MC_SCOPE_COUNT)
        m->props[s] = NULL;
}

mc_code mc_msg_set_var(mc_message *m, const char *name, const char *value,
                       size_t len, mc_vtype type)
{
    if (!name)
        return MC_EINVAL;
    return set_in(m, &m->vars, MC_SCOPE_DEFAULT, key_of(MC_SCOPE_DEFAULT, name), value, len,
                  type);
}

const mc_prop *mc_msg_get_var(const mc_message *m, const char *name)
{
    return name ? find(m->vars, MC_SCOPE_DEFAULT, key_of(MC_SCOPE_DEFAULT, name)) : NULL;
}

int mc_msg_status(const mc_message *m)
{
    const char *v = mc_msg_prop(m, MC_SCOPE_AXIS2, "HTTP_SC");
    return v ? atoi(v) : 0;
}

int mc_msg_answer_status(const mc_message *m, int default_status)
{
    const mc_prop *p = mc_msg_get_prop(m, MC_SCOPE_AXIS2, "HTTP_SC");
    if (!p)
        return default_status;
    size_t i = 0, n = p->len;
    while (i < n && (p->value[i] == ' ' || p->value[i] == '\t'))
        i++;
    while (n > i && (p->value[n - 1] == ' ' || p->value[n - 1] == '\t'))
        n--;
    if (n - i != 3)
        return -1;
    int status = 0;
    for (; i < n; i++) {
        if (p->value[i] < '0' || p->value[i] > '9')
            return -1;
        status = status * 10 + (p->value[i] - '0');
    }
    return status >= 200 && status <= 599 ? status : -1;
}

void mc_msg_set_status(mc_message *m, int status)
{
    char b[21];
    mc_format_int(status, b);
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "HTTP_SC", b);
}

void mc_msg_add_secret(mc_message *m, const char *value)
{
    if (!value || !*value)
        return;
    for (size_t i = 0; i < m->nsecrets; i++)
        if (strcmp(m->secrets[i], value) == 0)
            return;
    if (m->nsecrets == MC_MAX_SECRETS) {
        /* keep the newest: drop the oldest */
        memmove(m->secrets, m->secrets + 1,
                (MC_MAX_SECRETS - 1) * sizeof *m->secrets);
        m->nsecrets--;
    }
    const char *copy = mc_arena_strdup(&m->arena, value);
    if (copy)
        m->secrets[m->nsecrets++] = copy;
}

void mc_msg_log(const mc_message *m, int level, const char *fmt, ...)
{
    if (!mc_log_enabled(m->log, level))
        return;
    mc_buf b = MC_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && mc_buf_reserve(&b, (size_t)n)) {
        va_start(ap, fmt);
        vsnprintf(b.data, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b.len = (size_t)n;
        mc_log_line_id(m->log, level, mc_msg_activity_id(m), b.data, b.len, m->secrets,
                       m->nsecrets);
    }
    mc_buf_free(&b);
}

static bool activity_id_ok(const char *v)
{
    size_t n = 0;
    for (; v && v[n]; n++)
        if ((unsigned char)v[n] <= 0x20 || (unsigned char)v[n] >= 0x7f || n >= MC_ACTIVITY_ID_MAX)
            return false;
    return n > 0;
}

const char *mc_msg_set_activity_id(mc_message *m, const char *from_client)
{
    char uuid[40];
    const char *id = from_client;
    if (!activity_id_ok(id)) {
        if (!mc_uuid_v4(uuid)) {
            unsigned char r[16];
            struct timespec ts;            /* no entropy: time and address */
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t a = (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)m;
            uint64_t b = (uint64_t)ts.tv_sec * 0x9E3779B97F4A7C15ull;
            memcpy(r, &a, 8);
            memcpy(r + 8, &b, 8);
            mc_uuid_format(r, uuid);
        }
        id = uuid;
    }
    const char *copy = mc_arena_strdup(&m->arena, id);
    if (!copy)
        return NULL;
    m->activity_id = copy;
    mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, MC_ACTIVITY_ID_HEADER, copy);
    return copy;
}

const char *mc_msg_activity_id(const mc_message *m)
{
    return m->activity_id;
}

mc_code mc_msg_outbound_add_activity_id(mc_message *m, mc_outbound *out)
{
    if (!out || !m->activity_id)
        return MC_OK;
    for (size_t i = 0; i < out->nheaders; i++)
        if (strcasecmp(out->headers[i].name, MC_ACTIVITY_ID_HEADER) == 0)
            return MC_OK;
    mc_kv *h = mc_arena_alloc(&m->arena, (out->nheaders + 1) * sizeof *h);
    if (!h)
        return MC_ENOMEM;
    if (out->nheaders)
        memcpy(h, out->headers, out->nheaders * sizeof *h);
    h[out->nheaders++] = (mc_kv){MC_ACTIVITY_ID_HEADER, m->activity_id};
    out->headers = h;
    return MC_OK;
}

void mc_msg_set_fault(mc_message *m, const char *code, const char *message,
                      const char *detail)
{
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "ERROR_CODE", code ? code : "0");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE",
                     message ? message : "");
    if (detail)
        mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "ERROR_DETAIL", detail);
    else
        mc_msg_remove_prop(m, MC_SCOPE_DEFAULT, "ERROR_DETAIL");
}

#define MAX_FRAMES 256

mc_code mc_msg_push_frame(mc_message *m, const void *seq, const void *on_error,
                          uint32_t flags)
{
    if (m->nframes == MAX_FRAMES)
        return MC_ESTATE;
    if (m->nframes == m->capframes) {
        /* in the arena: no allocation for the usual few frames; a deeper
         * stack leaves its old copy behind (at most 8 KiB in all) */
        uint32_t cap = m->capframes ? m->capframes * 2 : 8;
        mc_frame *f = mc_arena_alloc(&m->arena, cap * sizeof *f);
        if (!f)
            return MC_ENOMEM;
        if (m->nframes)
            memcpy(f, m->frames, m->nframes * sizeof *f);
        m->frames = f;
        m->capframes = cap;
    }
    m->frames[m->nframes++] = (mc_frame){seq, 0, flags, on_error, NULL};
    return MC_OK;
}

static size_t add_unique(const char **out, size_t n, size_t max, const char *v)
{
    if (!v || !*v || n >= max)
        return n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(out[i], v) == 0)
            return n;
    out[n] = v;
    return n + 1;
}

/* Values of members with secret names, copied NUL-terminated into the
 * message arena (tree strings carry a length instead). */
static size_t json_secrets(mc_message *m, mc_json v, const char **out,
                           size_t n, size_t max, int depth)
{
    if (!v || depth > 32)
        return n;
    size_t count = mc_json_count(v);
    bool object = mc_json_type_of(v) == MC_JSON_OBJECT;
    for (size_t i = 0; i < count && n < max; i++) {
        mc_json c = mc_json_at(v, i);
        size_t kn, vn;
        const char *k = object ? mc_json_key(v, i, &kn) : NULL;
        if (k && mc_json_type_of(c) == MC_JSON_STRING && !memchr(k, 0, kn)) {
            char name[64];
            if (kn < sizeof name) {
                memcpy(name, k, kn);
                name[kn] = '\0';
                if (mc_is_secret_name(name)) {
                    const char *s = mc_json_str(c, &vn);
                    n = add_unique(out, n, max, mc_arena_strndup(&m->arena, s, vn));
                    continue;
                }
            }
        }
        n = json_secrets(m, c, out, n, max, depth + 1);
    }
    return n;
}

size_t mc_msg_collect_secrets(mc_message *m, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nsecrets; i++)
        n = add_unique(out, n, max, m->secrets[i]);
    for (int s = 0; s < MC_SCOPE_COUNT; s++)
        for (const mc_prop *p = m->props[s]; p; p = p->next)
            if (mc_is_secret_name(p->name))
                n = add_unique(out, n, max, p->value);
    for (const mc_prop *p = m->vars; p; p = p->next)
        if (mc_is_secret_name(p->name))
            n = add_unique(out, n, max, p->value);
    if (m->payload.kind == MC_PL_JSON || m->payload.kind == MC_PL_XML)
        n = json_secrets(m, mc_msg_json(m), out, n, max, 0);
    return n;
}

/* The headers a gateway never copies between a request and an answer:
 * Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding,
 * Upgrade, Host, Content-Length, Content-Type, Expect, Accept-Encoding.
 * Chosen by length, then one case-insensitive compare (two for 7 and 10). */
bool mc_msg_hop_header(const char *name)
{
    switch (strlen(name)) {
    case 2: return strcasecmp(name, "TE") == 0;
    case 4: return strcasecmp(name, "Host") == 0;
    case 6: return strcasecmp(name, "Expect") == 0;
    case 7: return strcasecmp(name, "Trailer") == 0 || strcasecmp(name, "Upgrade") == 0;
    case 10: return strcasecmp(name, "Connection") == 0 || strcasecmp(name, "Keep-Alive") == 0;
    case 12: return strcasecmp(name, "Content-Type") == 0;
    case 14: return strcasecmp(name, "Content-Length") == 0;
    case 15: return strcasecmp(name, "Accept-Encoding") == 0;
    case 16: return strcasecmp(name, "Proxy-Connection") == 0;
    case 17: return strcasecmp(name, "Transfer-Encoding") == 0;
    default: return false;
    }
}
