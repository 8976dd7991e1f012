/* cache.c - <cache>, WSO2 MI's response cache, in memory and per process.
 * A finder (collector="false") before the call hashes the request (method,
 * URL, transport headers, payload); when the cache holds a response for
 * that hash it becomes the message (payload, status, headers) and is
 * answered, or handed to <onCacheHit>, and the flow ends there.  Otherwise
 * the message remembers the hash and the collector (collector="true")
 * after the call stores the response under it.  Both the MI 4 form
 * (<protocol type="HTTP"> with methods, headersToIncludeInHash,
 * headersToExcludeInHash, responseCodes, enableCacheControl,
 * includeAgeHeader, hashGenerator; <implementation maxSize>) and the older
 * Synapse form (id, scope, hashGenerator attributes; <implementation
 * type="memory" maxSize>) load.  Stores are named by id (no id: one shared
 * store, as in MI), live as long as the configuration, are bounded in
 * entries and bytes, and evict the least recently used entry first.  Each
 * mediac process keeps its own: several processes behind a load balancer
 * do not share responses. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "mediators/mediators.h"
#include "util/codec.h"

#define DEFAULT_TIMEOUT_S 5000            /* MI's CachingConstants.DEFAULT_TIMEOUT */
#define DEFAULT_MAX_ENTRIES 10000         /* MI: unbounded; mediac bounds it */
#define DEFAULT_MAX_BYTES (64u << 20)

typedef struct entry {
    struct entry *hnext;                  /* hash chain */
    struct entry *prev, *next;            /* recency list, newest first */
    char key[65];
    long long stored_ms, expires_ms;
    int status;
    char *content_type;
    char *body;
    size_t len;
    mc_kv *headers;
    size_t nheaders;
    size_t bytes;                         /* what it counts against max_bytes */
} entry;

typedef struct store {
    pthread_mutex_t lock;
    entry **buckets;
    size_t nbuckets;
    entry *head, *tail;
    size_t count, bytes, max_entries, max_bytes;
} store;

enum hash_kind { HASH_HTTP, HASH_PAYLOAD, HASH_PAYLOAD_URL };

typedef struct cache_m {
    mc_mediator base;
    bool collector;
    char finder_name[32];                 /* "cache.finder.N": the message names it */
    store *st;
    long long timeout_ms;
    long max_message_size;                /* -1: any */
    enum hash_kind hash;
    bool http;                            /* <protocol type="HTTP"> rules apply */
    const char **methods;                 /* NULL: all ("*") */
    size_t nmethods;
    const char **headers;                 /* include or exclude list */
    size_t nheaders;
    bool include_mode, exclude_all;
    mc_regex *response_codes;             /* NULL: any */
    bool cache_control, age_header;
    const mc_seq *on_hit;
} cache_m;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the store ------------------------------------------------------------ */

static void free_entry(entry *e)
{
    if (!e)
        return;
    free(e->content_type);
    free(e->body);
    free(e->headers);                     /* names and values live in the block */
    free(e);
}

static void free_store(void *p)
{
    store *s = p;
    for (entry *e = s->head, *n; e; e = n) {
        n = e->next;
        free_entry(e);
    }
    free(s->buckets);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static void *new_store(void *ud)
{
    const size_t *max = ud;
    store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->max_entries = max[0];
    s->max_bytes = max[1];
    s->nbuckets = 64;
    while (s->nbuckets < s->max_entries / 2 && s->nbuckets < 65536)
        s->nbuckets *= 2;
    if (!(s->buckets = calloc(s->nbuckets, sizeof *s->buckets))) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

static size_t bucket_of(const store *s, const char *key)
{
    size_t h = 0;
    for (int i = 0; i < 16; i++)          /* the key is hex of a SHA-256 */
        h = h * 16 + (size_t)mc_hex_value(key[i]);
    return h & (s->nbuckets - 1);
}

static void unlink_entry(store *s, entry *e)
{
    entry **pp = &s->buckets[bucket_of(s, e->key)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    if (e->prev)
        e->prev->next = e->next;
    else
        s->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        s->tail = e->prev;
    s->count--;
    s->bytes -= e->bytes;
}

static void push_front(store *s, entry *e)
{
    e->prev = NULL;
    e->next = s->head;
    if (s->head)
        s->head->prev = e;
    s->head = e;
    if (!s->tail)
        s->tail = e;
}

/* The live entry for key (moved to the front), or NULL; the lock is held. */
static entry *lookup(store *s, const char *key, long long now)
{
    entry *e = s->buckets[bucket_of(s, key)];
    while (e && strcmp(e->key, key) != 0)
        e = e->hnext;
    if (!e)
        return NULL;
    if (e->expires_ms <= now) {
        unlink_entry(s, e);
        free_entry(e);
        return NULL;
    }
    if (e != s->head) {
        if (e->prev)
            e->prev->next = e->next;
        if (e->next)
            e->next->prev = e->prev;
        else
            s->tail = e->prev;
        push_front(s, e);
    }
    return e;
}

static void insert(store *s, entry *e, long long now)
{
    pthread_mutex_lock(&s->lock);
    entry *old = lookup(s, e->key, now);
    if (old) {
        unlink_entry(s, old);
        free_entry(old);
    }
    while (s->tail && (s->count >= s->max_entries || s->bytes + e->bytes > s->max_bytes)) {
        entry *victim = s->tail;          /* least recently used */
        unlink_entry(s, victim);
        free_entry(victim);
    }
    size_t b = bucket_of(s, e->key);
    e->hnext = s->buckets[b];
    s->buckets[b] = e;
    push_front(s, e);
    s->count++;
    s->bytes += e->bytes;
    pthread_mutex_unlock(&s->lock);
}

/* ---- compile ---------------------------------------------------------------- */

static const char *const known_methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS",
                                            "CONNECT", "PATCH", "*", NULL};

/* Split a comma separated list into trimmed, non-empty items. */
static const char **split_list(mc_compiler *cc, const char *text, size_t *n)
{
    size_t k = 1;
    for (const char *p = text; *p; p++)
        k += *p == ',';
    const char **items = mc_alloc(cc, k * sizeof *items);
    *n = 0;
    if (!items)
        return NULL;
    for (const char *p = text; *p;) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        while (p < end && isspace((unsigned char)*p))
            p++;
        const char *q = end;
        while (q > p && isspace((unsigned char)q[-1]))
            q--;
        if (q > p) {
            char *item = mc_alloc(cc, (size_t)(q - p) + 1);
            if (!item)
                return NULL;
            memcpy(item, p, (size_t)(q - p));
            items[(*n)++] = item;
        }
        p = *end ? end + 1 : end;
    }
    return items;
}

static bool parse_long(mc_compiler *cc, xmlNodePtr node, const char *attr, long min, long *out)
{
    const char *v = mc_attr(cc, node, attr);
    if (!v)
        return true;
    char *end;
    long x = strtol(v, &end, 10);
    while (*end == ' ')
        end++;
    if (end == v || *end || x < min) {
        mc_diag(cc, node, attr, MC_DIAG_ERROR, "<cache> '%s' must be a whole number%s, got '%s'",
                attr, min >= 0 ? " (0 or more)" : "", v);
        return false;
    }
    *out = x;
    return true;
}

static bool hash_generator(mc_compiler *cc, xmlNodePtr node, const char *attr, const char *cls,
                           cache_m *c)
{
    const char *dot = strrchr(cls, '.');
    const char *simple = dot ? dot + 1 : cls;
    if (strcmp(simple, "HttpRequestHashGenerator") == 0)
        c->hash = HASH_HTTP;
    else if (strcmp(simple, "DOMHASHGenerator") == 0)
        c->hash = HASH_PAYLOAD;
    else if (strcmp(simple, "REQUESTHASHGenerator") == 0)
        c->hash = HASH_PAYLOAD_URL;
    else {
        mc_diag(cc, node, attr, MC_DIAG_ERROR,
                "hashGenerator '%s' is a Java class: mediac runs no Java code; use "
                "HttpRequestHashGenerator (method, URL, headers, payload), DOMHASHGenerator "
                "(payload) or REQUESTHASHGenerator (URL and payload)", cls);
        return false;
    }
    return true;
}

static bool compile_protocol(mc_compiler *cc, xmlNodePtr p, cache_m *c)
{
    const char *type = mc_attr(cc, p, "type");
    if (type && strcasecmp(type, "HTTP") != 0) {
        mc_diag(cc, p, "type", MC_DIAG_ERROR, "<protocol type> must be HTTP, got '%s'", type);
        return false;
    }
    c->http = true;
    for (xmlNodePtr e = mc_first_elem(p); e; e = mc_next_elem(e)) {
        const char *n = (const char *)e->name;
        const char *text = mc_text_trimmed(cc, e);
        if (strcmp(n, "methods") == 0) {
            size_t k;
            const char **m = split_list(cc, text, &k);
            for (size_t i = 0; m && i < k; i++) {
                char *up = (char *)m[i];
                for (char *q = up; *q; q++)
                    *q = (char)toupper((unsigned char)*q);
                bool known = false;
                for (size_t j = 0; known_methods[j]; j++)
                    known |= strcmp(up, known_methods[j]) == 0;
                if (!known) {
                    mc_diag(cc, e, NULL, MC_DIAG_ERROR, "Unexpected method type: %s", up);
                    return false;
                }
                if (strcmp(up, "*") == 0)
                    k = 0;
            }
            c->methods = k ? m : NULL;
            c->nmethods = k;
        } else if (strcmp(n, "headersToIncludeInHash") == 0 ||
                   strcmp(n, "headersToExcludeInHash") == 0) {
            size_t k;
            const char **h = split_list(cc, text, &k);
            if (k == 0)
                continue;
            if (c->nheaders && c->include_mode != (n[9] == 'I')) {
                mc_diag(cc, e, NULL, MC_DIAG_ERROR, "<cache> hashes either the headers it "
                        "includes or all but those it excludes, not both");
                return false;
            }
            c->include_mode = n[9] == 'I';
            c->headers = h;
            c->nheaders = k;
            c->exclude_all = strcmp(h[0], "*") == 0;
        } else if (strcmp(n, "responseCodes") == 0) {
            if (*text && !(c->response_codes = mc_compile_regex(cc, e, NULL, text)))
                return false;
        } else if (strcmp(n, "enableCacheControl") == 0) {
            c->cache_control = strcmp(text, "true") == 0;
        } else if (strcmp(n, "includeAgeHeader") == 0) {
            c->age_header = strcmp(text, "true") == 0;
        } else if (strcmp(n, "hashGenerator") == 0) {
            if (*text && !hash_generator(cc, e, NULL, text, c))
                return false;
        } else {
            mc_diag(cc, e, NULL, MC_DIAG_WARNING, "unknown <%s> in <protocol>; ignored", n);
        }
    }
    return true;
}

static void *finder_ref(void *ud) { return ud; }
static void no_destroy(void *p) { (void)p; }

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"collector", "timeout", "maxMessageSize", "id", "scope",
                                        "hashGenerator", NULL};
    mc_check_attrs(cc, node, attrs);
    cache_m *c = mc_new_mediator(cc, node, &mc_med_cache, sizeof *c);
    if (!c)
        return NULL;
    const char *coll = mc_attr(cc, node, "collector");
    if (!coll) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "The collector attribute must be specified");
        return NULL;
    }
    if (strcmp(coll, "true") != 0 && strcmp(coll, "false") != 0) {
        mc_diag(cc, node, "collector", MC_DIAG_ERROR,
                "The value for collector has to be either true or false");
        return NULL;
    }
    c->collector = strcmp(coll, "true") == 0;
    if (c->collector)
        return &c->base;                  /* MI reads nothing else of a collector */
    long timeout = DEFAULT_TIMEOUT_S, max_msg = -1, max_entries = DEFAULT_MAX_ENTRIES;
    long max_bytes = DEFAULT_MAX_BYTES;
    if (!parse_long(cc, node, "timeout", 0, &timeout) ||
        !parse_long(cc, node, "maxMessageSize", -1, &max_msg))
        return NULL;
    c->timeout_ms = (long long)timeout * 1000;
    c->max_message_size = max_msg;
    c->hash = HASH_HTTP;
    c->http = true;
    const char *hg = mc_attr(cc, node, "hashGenerator");
    if (hg && !hash_generator(cc, node, "hashGenerator", hg, c))
        return NULL;
    for (xmlNodePtr e = mc_first_elem(node); e; e = mc_next_elem(e)) {
        const char *n = (const char *)e->name;
        if (strcmp(n, "protocol") == 0) {
            if (!compile_protocol(cc, e, c))
                return NULL;
        } else if (strcmp(n, "implementation") == 0) {
            static const char *const iattrs[] = {"type", "maxSize", NULL};
            mc_check_attrs(cc, e, iattrs);
            const char *type = mc_attr(cc, e, "type");
            if (type && strcmp(type, "memory") != 0) {
                mc_diag(cc, e, "type", MC_DIAG_ERROR, "<implementation type> must be memory "
                        "(mediac keeps its cache in memory, per process), got '%s'", type);
                return NULL;
            }
            if (!parse_long(cc, e, "maxSize", -1, &max_entries))
                return NULL;
            if (max_entries < 0)
                max_entries = DEFAULT_MAX_ENTRIES;
            static const char *const ext[] = {"maxBytes", NULL};
            unsigned long long mb = (unsigned long long)max_bytes;
            if (!mc_ext_numbers(cc, e, ext, &mb))
                return NULL;
            max_bytes = (long)mb;
        } else if (strcmp(n, "onCacheHit") == 0) {
            const char *seq = mc_attr(cc, e, "sequence");
            if (seq)
                mc_ref_sequence(cc, e, "sequence", seq, &c->on_hit);   /* missing: faults */
            else if (mc_first_elem(e) && !(c->on_hit = mc_compile_children(cc, e)))
                return NULL;
        } else {
            mc_diag(cc, e, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <cache> (protocol, implementation or onCacheHit)", n);
            return NULL;
        }
    }
    const char *id = mc_attr(cc, node, "id");
    char name[300];
    snprintf(name, sizeof name, "cache.store.%s", id ? id : "");
    size_t max[2] = {(size_t)(max_entries ? max_entries : 1), (size_t)max_bytes};
    if (!(c->st = mc_config_state(cc->cfg, name, new_store, max, free_store)))
        return NULL;
    snprintf(c->finder_name, sizeof c->finder_name, "cache.finder.%zu", cc->cfg->states.n);
    if (!mc_config_state(cc->cfg, c->finder_name, finder_ref, c, no_destroy))
        return NULL;
    return &c->base;
}

/* ---- the request's hash ------------------------------------------------------ */

static int cmp_names(const void *a, const void *b)
{
    return strcasecmp((*(const mc_prop *const *)a)->name, (*(const mc_prop *const *)b)->name);
}

static bool header_hashed(const cache_m *c, const char *name)
{
    if (strcasecmp(name, "activityid") == 0)       /* MI's correlation header */
        return false;
    if (c->exclude_all && !c->include_mode)
        return false;
    bool listed = false;
    for (size_t i = 0; i < c->nheaders && !listed; i++)
        listed = strcasecmp(c->headers[i], name) == 0 || strcmp(c->headers[i], "*") == 0;
    return c->include_mode ? listed : !listed;
}

static void digest_part(EVP_MD_CTX *d, const char *s, size_t n)
{
    EVP_DigestUpdate(d, s, n);
    EVP_DigestUpdate(d, "", 1);            /* a separator no part can forge */
}

static bool request_hash(const cache_m *c, mc_message *m, char out[65])
{
    const char *method = mc_msg_prop(m, MC_SCOPE_AXIS2, "HTTP_METHOD");
    const char *url = mc_msg_prop(m, MC_SCOPE_AXIS2, "TransportInURL");
    method = method ? method : "POST";
    url = url ? url : "";
    bool no_body = strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0 ||
                   strcmp(method, "HEAD") == 0;
    EVP_MD_CTX *d = EVP_MD_CTX_new();
    if (!d || !EVP_DigestInit_ex(d, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(d);
        return false;
    }
    if (c->hash != HASH_PAYLOAD) {
        digest_part(d, method, strlen(method));
        digest_part(d, url, strlen(url));
    }
    if (c->hash == HASH_HTTP) {
        size_t n = 0;
        for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; p; p = p->next)
            n++;
        const mc_prop **hs = n ? mc_arena_alloc(&m->arena, n * sizeof *hs) : NULL;
        size_t k = 0;
        for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; p && hs; p = p->next)
            if (header_hashed(c, p->name))
                hs[k++] = p;
        if (k)
            qsort(hs, k, sizeof *hs, cmp_names);
        for (size_t i = 0; i < k; i++) {
            char lower[256];
            size_t nl = strlen(hs[i]->name);
            nl = nl < sizeof lower ? nl : sizeof lower;
            for (size_t j = 0; j < nl; j++)
                lower[j] = (char)tolower((unsigned char)hs[i]->name[j]);
            digest_part(d, lower, nl);
            digest_part(d, hs[i]->value, hs[i]->len);
        }
    }
    if (!no_body || c->hash != HASH_HTTP) {
        size_t n;
        const char *body = mc_msg_payload_bytes(m, &n);
        if (body)
            EVP_DigestUpdate(d, body, n);
    }
    unsigned char md[32];
    unsigned mdlen = 0;
    bool ok = EVP_DigestFinal_ex(d, md, &mdlen) == 1 && mdlen == 32;
    EVP_MD_CTX_free(d);
    for (int i = 0; ok && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return ok;
}

/* ---- run ------------------------------------------------------------------- */

/* Cache-Control of the request asks to bypass an entry stored at stored_ms. */
static bool request_refuses(mc_message *m, long long stored_ms, long long now)
{
    const char *cc = mc_msg_prop(m, MC_SCOPE_TRANSPORT, "Cache-Control");
    if (!cc)
        return false;
    if (strcasestr(cc, "no-cache"))
        return true;
    const char *ma = strcasestr(cc, "max-age=");
    return ma && (now - stored_ms) / 1000 > atoll(ma + 8);
}

/* The message becomes the cached response; the flow ends with it answered,
 * or after onCacheHit. */
static mc_flow serve_hit(const cache_m *c, mc_message *m, const char *body, size_t len,
                         const char *ct, int status, const mc_kv *hs, size_t nh, long long age_s)
{
    mc_err err;
    mc_err_clear(&err);
    if (mc_msg_set_payload(m, body, len, ct, &err) != MC_OK)
        return mc_fault(m, "0", "Error creating response OM from cache : %s", err.msg);
    if (status)
        mc_msg_set_status(m, status);
    mc_msg_clear_scope(m, MC_SCOPE_TRANSPORT);
    for (size_t i = 0; i < nh; i++)
        mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, hs[i].name, hs[i].value);
    if (c->age_header) {
        char age[32];
        snprintf(age, sizeof age, "%lld", age_s);
        mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "Age", age);
    }
    mc_msg_log(m, MC_LOG_DEBUG, "cache: request served from the cache");
    if (!c->on_hit) {
        m->responded = true;
        return MC_FLOW_STOP;
    }
    /* onCacheHit runs, and the flow ends after it (MI returns false) */
    for (uint32_t i = 0; i < m->nframes; i++)
        m->frames[i].pc = ((const mc_seq *)m->frames[i].seq)->n;
    if (mc_msg_push_frame(m, c->on_hit, NULL, 0) != MC_OK)
        return mc_fault(m, "0", "sequences nested more than 256 deep");
    return MC_FLOW_NEXT;
}

static char *arena_copy(mc_message *m, const char *s, size_t n)
{
    return s ? mc_arena_strndup(&m->arena, s, n) : NULL;
}

static mc_flow find(const cache_m *c, mc_message *m)
{
    char key[65];
    if (!request_hash(c, m, key))
        return mc_fault(m, "0", "Error in calculating the hash value of the request");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "requestHash", key);
    const char *method = mc_msg_prop(m, MC_SCOPE_AXIS2, "HTTP_METHOD");
    char note[64];
    snprintf(note, sizeof note, "%s %s", c->finder_name, method ? method : "POST");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "CachableResponse", note);
    long long now = now_ms();
    store *s = c->st;
    pthread_mutex_lock(&s->lock);
    entry *e = lookup(s, key, now);
    if (!e || (c->cache_control && request_refuses(m, e->stored_ms, now))) {
        pthread_mutex_unlock(&s->lock);
        return MC_FLOW_NEXT;
    }
    /* copy out under the lock: another thread may evict the entry */
    size_t nh = e->nheaders, len = e->len;
    int status = e->status;
    long long age = (now - e->stored_ms) / 1000;
    char *body = arena_copy(m, e->body ? e->body : "", len);
    char *ct = arena_copy(m, e->content_type, e->content_type ? strlen(e->content_type) : 0);
    mc_kv *hs = nh ? mc_arena_alloc(&m->arena, nh * sizeof *hs) : NULL;
    for (size_t i = 0; hs && i < nh; i++)
        hs[i] = (mc_kv){mc_arena_strdup(&m->arena, e->headers[i].name),
                        mc_arena_strdup(&m->arena, e->headers[i].value)};
    pthread_mutex_unlock(&s->lock);
    if (!body || (nh && !hs))
        return mc_fault(m, "0", "out of memory");
    return serve_hit(c, m, body, len, ct, status, hs, nh, age);
}

static entry *new_entry(const cache_m *f, mc_message *m, const char *key, const char *body,
                        size_t len)
{
    entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    memcpy(e->key, key, 64);
    e->stored_ms = now_ms();
    e->expires_ms = e->stored_ms + f->timeout_ms;
    e->status = mc_msg_status(m);
    const char *ct = mc_msg_content_type(m);
    e->content_type = ct ? strdup(ct) : NULL;
    e->body = malloc(len ? len : 1);
    if (e->body)
        memcpy(e->body, body, len);
    e->len = len;
    size_t nh = 0, text = 0;
    for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; p; p = p->next, nh++)
        text += strlen(p->name) + p->len + 2;
    e->headers = nh ? malloc(nh * sizeof *e->headers + text) : NULL;
    char *w = e->headers ? (char *)(e->headers + nh) : NULL;
    for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; w && p; p = p->next) {
        mc_kv *kv = &e->headers[e->nheaders++];
        size_t nl = strlen(p->name);
        kv->name = memcpy(w, p->name, nl + 1);
        w += nl + 1;
        kv->value = memcpy(w, p->value, p->len + 1);
        w += p->len + 1;
    }
    e->bytes = sizeof *e + len + text + (ct ? strlen(ct) : 0);
    if (!e->body || (ct && !e->content_type) || (nh && !e->headers)) {
        free_entry(e);
        return NULL;
    }
    return e;
}

static mc_flow collect(const cache_m *c, mc_message *m)
{
    (void)c;
    const char *note = mc_msg_prop(m, MC_SCOPE_DEFAULT, "CachableResponse");
    const char *key = mc_msg_prop(m, MC_SCOPE_DEFAULT, "requestHash");
    char name[32] = "";
    const char *sp = note ? strchr(note, ' ') : NULL;
    if (sp && (size_t)(sp - note) < sizeof name)
        memcpy(name, note, (size_t)(sp - note)), name[sp - note] = '\0';
    const cache_m *f = m->cfg && *name ? mc_config_find_state(m->cfg, name) : NULL;
    if (!f || !key || strlen(key) != 64 || strspn(key, "0123456789abcdef") != 64) {
        mc_msg_log(m, MC_LOG_WARN, "A response message without a valid mapping to the request "
                   "hash found. Unable to store the response in cache");
        return MC_FLOW_NEXT;
    }
    const char *method = sp + 1;
    if (f->http) {
        if (f->cache_control) {
            const char *cc = mc_msg_prop(m, MC_SCOPE_TRANSPORT, "Cache-Control");
            if (cc && strcasestr(cc, "no-store"))
                return MC_FLOW_NEXT;
        }
        char code[16];
        snprintf(code, sizeof code, "%d", mc_msg_status(m) ? mc_msg_status(m) : 200);
        if (f->response_codes && !mc_regex_matches(f->response_codes, code, strlen(code)))
            return MC_FLOW_NEXT;
        bool method_ok = !f->methods;
        for (size_t i = 0; i < f->nmethods && !method_ok; i++)
            method_ok = strcmp(f->methods[i], method) == 0;
        if (!method_ok)
            return MC_FLOW_NEXT;
    }
    size_t len;
    const char *body = mc_msg_payload_bytes(m, &len);
    if (f->max_message_size > -1 && len > (size_t)f->max_message_size) {
        mc_msg_log(m, MC_LOG_DEBUG, "Message size exceeds the upper bound for caching, request "
                   "will not be cached");
        return MC_FLOW_NEXT;
    }
    entry *e = new_entry(f, m, key, body ? body : "", body ? len : 0);
    if (!e)
        return mc_fault(m, "0", "out of memory");
    if (e->bytes > f->st->max_bytes) {
        free_entry(e);
        return MC_FLOW_NEXT;
    }
    insert(f->st, e, now_ms());
    mc_msg_log(m, MC_LOG_DEBUG, "cache: stored the response for request hash %s", key);
    return MC_FLOW_NEXT;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const cache_m *c = (const cache_m *)self;
    return c->collector ? collect(c, m) : find(c, m);
}

const mc_mediator_type mc_med_cache = {"cache", compile, exec, NULL, false};
