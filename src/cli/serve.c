/* serve.c - `mediac serve`: routes HTTP requests to proxies and APIs, turns
 * each request into a message, runs it without blocking (a suspended
 * message waits for its upstream answer in the worker's HTTP client and is
 * resumed from the client's callback), answers, and operates the whole:
 * metrics and health on the admin port, access log, SIGHUP reload with
 * refcounted configurations, SIGTERM drain.  See docs/serve.md. */
#include "cli/serve.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "api/api_internal.h"
#include "engine/engine.h"
#include "http/server.h"
#include "util/codec.h"

#define EXIT_USAGE 2

const char mc_serve_usage[] =
    "mediac serve [--bind ADDR] [--port N] [--admin-port N] [--workers N]\n"
    "             [--max-body BYTES] [--max-header BYTES] [--max-concurrent N]\n"
    "             [--request-timeout MS] [--idle-timeout S] [--drain-timeout S]\n"
    "             [--log-format text|json] [--log-level LEVEL] PATH...\n";

/* ---- configurations (one per load; refcounted across reloads) ---------- */

typedef struct deployment {
    mc_engine *e;
    atomic_int refs;
} deployment;

typedef struct host host;

/* ---- metrics -------------------------------------------------------------- */

enum { M_REQ, M_FAULT, M_LAT, M_UP, M_UPLAT, M_KINDS };
static const double bucket_le[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS (sizeof bucket_le / sizeof *bucket_le)

typedef struct series {
    struct series *next;
    int kind;
    char *labels;                  /* rendered: artifact="x",status="200" */
    double count, sum;
    unsigned long buckets[NBUCKETS];
} series;

typedef struct metrics {
    pthread_mutex_t lock;
    series *head;
    unsigned long reloads_ok, reloads_failed;
} metrics;

struct host {
    pthread_mutex_t lock;          /* guards current */
    deployment *current;
    const char *const *paths;
    size_t npaths;
    int log_level;
    bool json_log;
    mc_logger log;
    metrics met;
    mc_server *srv;
    double started;
};

/* One request in flight through a flow. */
typedef struct exchange {
    host *h;
    mc_server_req *r;
    deployment *dep;
    mc_message *m;
    double up_start;
} exchange;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void label_value(mc_buf *b, const char *v)
{
    mc_buf_putc(b, '"');
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            mc_buf_putc(b, '\\');
        if (*v == '\n')
            mc_buf_puts(b, "\\n");
        else
            mc_buf_putc(b, *v);
    }
    mc_buf_putc(b, '"');
}

static series *series_get(metrics *mt, int kind, const char *labels)
{
    for (series *s = mt->head; s; s = s->next)
        if (s->kind == kind && strcmp(s->labels, labels) == 0)
            return s;
    series *s = calloc(1, sizeof *s);
    if (!s || !(s->labels = strdup(labels))) {
        free(s);
        return NULL;
    }
    s->kind = kind;
    s->next = mt->head;
    mt->head = s;
    return s;
}

/* Count one observation (value in seconds; histograms only use it). */
static void observe(metrics *mt, int kind, const char *k1, const char *v1,
                    const char *k2, const char *v2, double value)
{
    mc_buf b = MC_BUF_INIT;
    mc_buf_printf(&b, "%s=", k1);
    label_value(&b, v1);
    if (k2) {
        mc_buf_printf(&b, ",%s=", k2);
        label_value(&b, v2);
    }
    pthread_mutex_lock(&mt->lock);
    series *s = b.oom ? NULL : series_get(mt, kind, mc_buf_cstr(&b));
    if (s) {
        s->count += 1;
        s->sum += value;
        for (size_t i = 0; i < NBUCKETS; i++)
            if (value <= bucket_le[i])
                s->buckets[i]++;
    }
    pthread_mutex_unlock(&mt->lock);
    mc_buf_free(&b);
}

static void render_kind(metrics *mt, mc_buf *b, int kind, const char *name,
                        const char *help, bool histogram)
{
    mc_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                  histogram ? "histogram" : "counter");
    for (series *s = mt->head; s; s = s->next) {
        if (s->kind != kind)
            continue;
        if (!histogram) {
            mc_buf_printf(b, "%s{%s} %.0f\n", name, s->labels, s->count);
            continue;
        }
        for (size_t i = 0; i < NBUCKETS; i++)
            mc_buf_printf(b, "%s_bucket{%s,le=\"%g\"} %lu\n", name, s->labels, bucket_le[i],
                          s->buckets[i]);
        mc_buf_printf(b, "%s_bucket{%s,le=\"+Inf\"} %.0f\n", name, s->labels, s->count);
        mc_buf_printf(b, "%s_sum{%s} %.6f\n%s_count{%s} %.0f\n", name, s->labels, s->sum,
                      name, s->labels, s->count);
    }
}

static void render_metrics(host *h, mc_buf *b)
{
    metrics *mt = &h->met;
    pthread_mutex_lock(&mt->lock);
    render_kind(mt, b, M_REQ, "mediac_requests_total", "Requests answered, by artifact and status.", false);
    render_kind(mt, b, M_FAULT, "mediac_faults_total", "Messages that ended in an unhandled fault, by artifact.", false);
    render_kind(mt, b, M_LAT, "mediac_request_duration_seconds", "Time from request headers to answer, by artifact.", true);
    render_kind(mt, b, M_UP, "mediac_upstream_requests_total", "Upstream calls, by operation and status (transport faults by fault code).", false);
    render_kind(mt, b, M_UPLAT, "mediac_upstream_duration_seconds", "Upstream call time, by operation.", true);
    mc_buf_printf(b, "# HELP mediac_reloads_total Configuration reloads (SIGHUP) by result.\n"
                     "# TYPE mediac_reloads_total counter\n"
                     "mediac_reloads_total{result=\"ok\"} %lu\n"
                     "mediac_reloads_total{result=\"failed\"} %lu\n",
                  mt->reloads_ok, mt->reloads_failed);
    pthread_mutex_unlock(&mt->lock);
    mc_buf_printf(b, "# HELP mediac_inflight_requests Requests in progress.\n"
                     "# TYPE mediac_inflight_requests gauge\n"
                     "mediac_inflight_requests %u\n", mc_server_inflight(h->srv));
    mc_buf_printf(b, "# HELP mediac_uptime_seconds Seconds since start.\n"
                     "# TYPE mediac_uptime_seconds gauge\n"
                     "mediac_uptime_seconds %.3f\n", now_s() - h->started);
}

static void metrics_free(metrics *mt)
{
    for (series *s = mt->head, *n; s; s = n) {
        n = s->next;
        free(s->labels);
        free(s);
    }
    pthread_mutex_destroy(&mt->lock);
}

/* ---- logging -------------------------------------------------------------- */

static const char *level_name(int level)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    return level >= 0 && level <= MC_LOG_DEBUG ? names[level] : "info";
}

static void write_line(const mc_buf *b)
{
    if (!b->oom) {
        ssize_t n = write(STDERR_FILENO, b->data, b->len);
        (void)n;
    }
}

/* Lines come escaped and redacted from the logger (util/log.c); in json
 * mode each is wrapped in an object.  One write() per line. */
static void log_sink(void *ud, int level, const char *line)
{
    host *h = ud;
    mc_buf b = MC_BUF_INIT;
    if (h->json_log) {
        mc_buf_printf(&b, "{\"level\":\"%s\",\"msg\":", level_name(level));
        mc_buf_json_string(&b, line, strlen(line));
        mc_buf_puts(&b, "}\n");
    } else {
        char ts[32];
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        mc_buf_printf(&b, "%s %s %s\n", ts, level_name(level), line);
    }
    write_line(&b);
    mc_buf_free(&b);
}

/* The access line; in text mode through the logger (which escapes it), in
 * json mode as its own object with every field escaped. */
static void access_log(host *h, mc_server_req *r, int status, double ms)
{
    const char *tag = mc_server_req_tag(r);
    const char *method = mc_server_req_method(r), *path = mc_server_req_path(r);
    if (!h->json_log) {
        mc_log(&h->log, MC_LOG_INFO, "access %s %s %d %.3fms %s", method, path, status, ms,
               *tag ? tag : "-");
        return;
    }
    if (!mc_log_enabled(&h->log, MC_LOG_INFO))
        return;
    mc_buf b = MC_BUF_INIT, named = MC_BUF_INIT;
    mc_buf_puts(&b, "{\"type\":\"access\",\"method\":");
    mc_log_json_string(&b, method, strlen(method));
    mc_buf_puts(&b, ",\"path\":");
    mc_redact_names(&named, path, strlen(path));
    mc_log_json_string(&b, mc_buf_cstr(&named), named.len);
    mc_buf_printf(&b, ",\"status\":%d,\"duration_ms\":%.3f,\"artifact\":", status, ms);
    mc_log_json_string(&b, tag, strlen(tag));
    mc_buf_puts(&b, "}\n");
    if (named.oom)
        b.oom = true;
    write_line(&b);
    mc_buf_free(&named);
    mc_buf_free(&b);
}

/* Called by the server for every answer. */
static void on_answered(void *ud, mc_server_req *r, int status, double ms)
{
    host *h = ud;
    const char *tag = mc_server_req_tag(r);
    char st[16];
    snprintf(st, sizeof st, "%d", status);
    observe(&h->met, M_REQ, "artifact", *tag ? tag : "-", "status", st, 0);
    observe(&h->met, M_LAT, "artifact", *tag ? tag : "-", NULL, NULL, ms / 1000.0);
    access_log(h, r, status, ms);
}

/* ---- deployments ---------------------------------------------------------- */

static deployment *deployment_load(host *h)
{
    mc_engine *e = mc_engine_new();
    if (!e)
        return NULL;
    mc_engine_set_log(e, h->log_level, log_sink, h);
    mc_code rc = mc_engine_load_paths(e, h->paths, h->npaths);
    const char *diags = mc_engine_diagnostics(e);
    if (*diags)
        mc_log(&h->log, rc == MC_OK ? MC_LOG_WARN : MC_LOG_ERROR, "%s", diags);
    deployment *d = rc == MC_OK ? calloc(1, sizeof *d) : NULL;
    if (!d) {
        mc_engine_free(e);
        return NULL;
    }
    d->e = e;
    atomic_init(&d->refs, 1);
    return d;
}

static void deployment_put(deployment *d)
{
    if (d && atomic_fetch_sub(&d->refs, 1) == 1) {
        mc_engine_free(d->e);
        free(d);
    }
}

static deployment *deployment_get(host *h)
{
    pthread_mutex_lock(&h->lock);
    deployment *d = h->current;
    atomic_fetch_add(&d->refs, 1);
    pthread_mutex_unlock(&h->lock);
    return d;
}

static void reload(host *h)
{
    mc_log(&h->log, MC_LOG_INFO, "SIGHUP: reloading configuration");
    deployment *d = deployment_load(h);
    pthread_mutex_lock(&h->met.lock);
    if (d) h->met.reloads_ok++; else h->met.reloads_failed++;
    pthread_mutex_unlock(&h->met.lock);
    if (!d) {
        mc_log(&h->log, MC_LOG_ERROR, "reload failed: the previous configuration keeps serving");
        return;
    }
    pthread_mutex_lock(&h->lock);
    deployment *old = h->current;
    h->current = d;
    pthread_mutex_unlock(&h->lock);
    deployment_put(old);
    mc_log(&h->log, MC_LOG_INFO, "reload done: new requests use the new configuration");
}

/* ---- routing -------------------------------------------------------------- */

typedef struct route {
    const mc_proxy *proxy;
    const mc_api *api;
    const mc_resource *res;
    const char *sub;               /* path below the proxy or API context */
    char allow[64];                /* for 405 */
} route;

enum { ROUTE_OK, ROUTE_NOTFOUND, ROUTE_METHOD };

static bool method_allowed(const char *methods, const char *method)
{
    if (!methods || !*methods)
        return true;
    size_t n = strlen(method);
    for (const char *p = methods; (p = strstr(p, method)); p += n)
        if ((p == methods || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

static void add_allow(char *allow, size_t cap, const char *methods)
{
    char copy[64];
    snprintf(copy, sizeof copy, "%s", methods ? methods : "");
    char *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (*allow && method_allowed(allow, t))
            continue;
        size_t len = strlen(allow);
        snprintf(allow + len, cap - len, "%s%s", len ? " " : "", t);
    }
}

static bool resource_matches(const mc_resource *res, const char *sub, const char *query,
                             mc_message *m)
{
    if (res->tpl)
        return mc_uri_template_match(res->tpl, sub, query, m);
    if (res->url_mapping)
        return mc_url_mapping_match(res->url_mapping, sub);
    return true;
}

static const mc_api *api_for(const mc_config *cfg, const char *path, size_t *ctx_len)
{
    const mc_api *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < cfg->apis.n; i++) {
        const mc_api *a = cfg->apis.items[i].item;
        size_t n = strlen(a->context);
        while (n > 1 && a->context[n - 1] == '/')
            n--;
        if (strncmp(path, a->context, n) != 0 || (path[n] && path[n] != '/' && n > 1))
            continue;
        if (!best || n > best_len) {
            best = a;
            best_len = n;
        }
    }
    *ctx_len = best_len == 1 ? 0 : best_len;
    return best;
}

static int route_api(const mc_api *a, const char *sub, const char *method, const char *query,
                     mc_message *m, route *rt)
{
    rt->api = a;
    rt->sub = *sub ? sub : "/";
    bool path_matched = false;
    for (size_t i = 0; i < a->nres; i++) {
        const mc_resource *res = &a->res[i];
        if (!resource_matches(res, rt->sub, query, m))
            continue;
        path_matched = true;
        if (method_allowed(res->methods, method)) {
            rt->res = res;
            return ROUTE_OK;
        }
        add_allow(rt->allow, sizeof rt->allow, res->methods);
    }
    return path_matched ? ROUTE_METHOD : ROUTE_NOTFOUND;
}

static int route_find(const mc_config *cfg, const char *path, const char *method,
                      const char *query, mc_message *m, route *rt)
{
    static const char prefix[] = "/services/";
    if (strncmp(path, prefix, sizeof prefix - 1) == 0) {
        const char *name = path + sizeof prefix - 1;
        const char *slash = strchr(name, '/');
        size_t n = slash ? (size_t)(slash - name) : strlen(name);
        char buf[256];
        if (n && n < sizeof buf) {
            memcpy(buf, name, n);
            buf[n] = '\0';
            if ((rt->proxy = mc_config_proxy(cfg, buf))) {
                rt->sub = slash ? slash : "";
                return ROUTE_OK;
            }
        }
    }
    size_t ctx_len;
    const mc_api *a = api_for(cfg, path, &ctx_len);
    return a ? route_api(a, path + ctx_len, method, query, m, rt) : ROUTE_NOTFOUND;
}

/* ---- building the message -------------------------------------------------- */

static void set_query_params(mc_message *m, const char *query)
{
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t kl = eq ? (size_t)(eq - p) : len;
        mc_buf k = MC_BUF_INIT, v = MC_BUF_INIT, name = MC_BUF_INIT;
        if (kl && mc_url_decode(&k, p, kl, true) &&
            mc_url_decode(&v, eq ? eq + 1 : "", eq ? len - kl - 1 : 0, true)) {
            mc_buf_printf(&name, "query.param.%s", mc_buf_cstr(&k));
            mc_msg_set_prop(m, MC_SCOPE_DEFAULT, mc_buf_cstr(&name), mc_buf_cstr(&v), v.len,
                            MC_VT_STRING);
            mc_msg_set_prop(m, MC_SCOPE_URL, mc_buf_cstr(&k), mc_buf_cstr(&v), v.len,
                            MC_VT_STRING);
        }
        mc_buf_free(&k);
        mc_buf_free(&v);
        mc_buf_free(&name);
        p = amp ? amp + 1 : NULL;
    }
}

/* uri.var.x (set by the template match) is also $url:x. */
static void copy_uri_vars(mc_message *m)
{
    for (const mc_prop *p = m->props[MC_SCOPE_DEFAULT]; p; p = p->next)
        if (strncmp(p->name, "uri.var.", 8) == 0)
            mc_msg_set_prop(m, MC_SCOPE_URL, p->name + 8, p->value, p->len, MC_VT_STRING);
}

static void set_request_props(mc_message *m, mc_server_req *r, const route *rt)
{
    const char *query = mc_server_req_query(r);
    for (size_t i = 0; i < mc_server_req_nheaders(r); i++) {
        const char *n, *v;
        mc_server_req_header(r, i, &n, &v);
        mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, n, v);
    }
    mc_buf url = MC_BUF_INIT, post = MC_BUF_INIT;
    mc_buf_printf(&url, "%s%s%s", mc_server_req_path(r), query ? "?" : "", query ? query : "");
    /* the path below the proxy or API, with its dot segments resolved inside
     * it: appended to an endpoint address, it can never climb above it */
    mc_buf raw = MC_BUF_INIT;
    mc_buf_printf(&raw, "%s%s%s", rt->sub, query ? "?" : "", query ? query : "");
    mc_url_clean_postfix(&post, mc_buf_cstr(&raw), raw.len);
    mc_buf_free(&raw);
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "HTTP_METHOD", mc_server_req_method(r));
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "TransportInURL", mc_buf_cstr(&url));
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "REST_URL_POSTFIX", mc_buf_cstr(&post));
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "REST_FULL_REQUEST_PATH", mc_buf_cstr(&url));
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "REST_METHOD", mc_server_req_method(r));
    if (rt->api) {
        mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "REST_API_CONTEXT", rt->api->context);
        mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "SYNAPSE_REST_API", rt->api->name);
        mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "REST_SUB_REQUEST_PATH", mc_buf_cstr(&post));
    }
    mc_buf_free(&url);
    mc_buf_free(&post);
    copy_uri_vars(m);
    set_query_params(m, query);
}

/* The body by Content-Type; false after answering 400. */
static bool set_body(mc_message *m, mc_server_req *r)
{
    size_t len;
    const char *body = mc_server_req_body(r, &len);
    const char *ctype = mc_server_req_get_header(r, "Content-Type");
    if (!len && !ctype)
        return true;
    mc_err err = {0};
    mc_code rc = mc_msg_set_payload(m, body, len, ctype, &err);
    if (rc == MC_OK)
        return true;
    char msg[600];
    if (rc == MC_ELIMIT)
        snprintf(msg, sizeof msg, "request body is over a limit: %s", err.msg);
    else
        snprintf(msg, sizeof msg, "request body does not parse as %s: %s",
                 ctype ? ctype : "its content", err.msg);
    mc_server_respond_error(r, mc_payload_error_status(rc), msg, NULL);
    return false;
}

/* ---- answering ----------------------------------------------------------------- */

static bool hop_by_hop(const char *n)
{
    static const char *const names[] = {"Host", "Content-Length", "Transfer-Encoding",
        "Connection", "Keep-Alive", "Expect", "Upgrade", "Content-Type", "TE",
        "Trailer", "Proxy-Connection", "Accept-Encoding"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcasecmp(n, names[i]) == 0)
            return true;
    return false;
}

/* A transport header goes back unless it is the request's own, unchanged. */
static bool echoed_request_header(mc_server_req *r, const mc_prop *p)
{
    const char *v = mc_server_req_get_header(r, p->name);
    return v && strcmp(v, p->value) == 0;
}

static void respond_payload(exchange *x, int default_status)
{
    mc_message *m = x->m;
    size_t n = 0;
    for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; p; p = p->next)
        n++;
    mc_http_header *hs = calloc(n + 1, sizeof *hs);
    size_t nh = 0;
    size_t len;
    const char *body = mc_msg_payload_bytes(m, &len);
    if (hs) {
        for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; p; p = p->next)
            if (!hop_by_hop(p->name) && !echoed_request_header(x->r, p))
                hs[nh++] = (mc_http_header){p->name, p->value};
        if (m->payload.kind != MC_PL_NONE)
            hs[nh++] = (mc_http_header){"Content-Type", mc_msg_content_type(m)};
    }
    int status = mc_msg_answer_status(m, default_status);
    if (status < 0) {
        const char *sc = mc_msg_prop(m, MC_SCOPE_AXIS2, "HTTP_SC");
        mc_msg_log(m, MC_LOG_ERROR, "HTTP_SC '%.32s' is not a status from 200 to 599; "
                   "answering 500", sc ? sc : "");
        mc_server_respond_error(x->r, 500, "the flow set HTTP_SC to a value that is not "
                                "an HTTP status from 200 to 599", NULL);
    } else {
        mc_server_respond(x->r, status, hs, nh, body, body ? len : 0);
    }
    free(hs);
}

static void respond_fault(exchange *x)
{
    mc_message *m = x->m;
    observe(&x->h->met, M_FAULT, "artifact", mc_server_req_tag(x->r), NULL, NULL, 0);
    if (m->fault_response) {
        respond_payload(x, 500);
        return;
    }
    const char *code = mc_message_error_code(m), *msg = mc_message_error_message(m);
    mc_buf b = MC_BUF_INIT;
    mc_buf_puts(&b, "{\"ERROR_CODE\":");
    mc_buf_json_string(&b, code ? code : "", code ? strlen(code) : 0);
    mc_buf_puts(&b, ",\"ERROR_MESSAGE\":");
    mc_buf_json_string(&b, msg ? msg : "", msg ? strlen(msg) : 0);
    mc_buf_puts(&b, "}");
    mc_http_header ct = {"Content-Type", "application/json"};
    mc_server_respond(x->r, 500, &ct, 1, b.data, b.oom ? 0 : b.len);
    mc_buf_free(&b);
}

static void exchange_end(exchange *x)
{
    mc_message_free(x->m);
    deployment_put(x->dep);
    free(x);
}

static void finish(exchange *x, mc_code rc)
{
    if (rc == MC_OK && x->m->responded)
        respond_payload(x, 200);
    else if (rc == MC_OK)
        mc_server_respond(x->r, 202, NULL, 0, NULL, 0);
    else if (rc == MC_EFAULT)
        respond_fault(x);
    else
        mc_server_respond_error(x->r, 500, mc_strerror(rc), NULL);
    exchange_end(x);
}

/* ---- running, suspended I/O -------------------------------------------------------- */

static void step(exchange *x, mc_code rc);

static mc_code to_inbound(mc_message *m, int status, int fault, const char *error,
                          const mc_http_response *r)
{
    mc_inbound *in = mc_arena_calloc(&m->arena, sizeof *in);
    if (!in)
        return MC_ENOMEM;
    in->status = status;
    in->fault_code = fault;
    in->error = fault ? mc_arena_strdup(&m->arena, error) : NULL;
    size_t blen = r ? r->body.len : 0;
    in->body = mc_arena_strndup(&m->arena, r && r->body.data ? r->body.data : "", blen);
    in->body_len = blen;
    size_t nh = r ? r->nheaders : 0;
    in->headers = nh ? mc_arena_alloc(&m->arena, nh * sizeof *in->headers) : NULL;
    if (!in->body || (nh && !in->headers))
        return MC_ENOMEM;
    for (size_t i = 0; i < nh; i++) {
        in->headers[i].name = mc_arena_strdup(&m->arena, r->header_names[i]);
        in->headers[i].value = mc_arena_strdup(&m->arena, r->header_values[i]);
    }
    in->nheaders = nh;
    m->in = in;
    return MC_OK;
}

/* The operation label for metrics: never the query (it may carry keys)
 * nor a URL's user:password. */
static void op_label(const mc_outbound *out, char *buf, size_t cap)
{
    const char *l = out->label ? out->label : out->url;
    mc_buf b = MC_BUF_INIT;
    mc_url_strip_userinfo(&b, l, strcspn(l, "?#"));
    snprintf(buf, cap, "%.*s", (int)(b.len < cap ? b.len : cap - 1), mc_buf_cstr(&b));
    mc_buf_free(&b);
}

static void on_upstream(void *ud, mc_http_response *resp)
{
    exchange *x = ud;
    mc_message *m = x->m;
    char op[160], st[16];
    op_label(m->out, op, sizeof op);
    snprintf(st, sizeof st, "%d", resp->fault_code ? resp->fault_code : resp->status);
    observe(&x->h->met, M_UP, "operation", op, "status", st, 0);
    observe(&x->h->met, M_UPLAT, "operation", op, NULL, NULL, now_s() - x->up_start);
    mc_code rc = to_inbound(m, resp->status, resp->fault_code, resp->error, resp);
    mc_http_response_free(resp);
    free(resp);
    step(x, rc == MC_OK ? mc_engine_resume(m) : rc);
}

/* Submit m->out on the worker's client; false when it cannot be queued. */
static bool submit(exchange *x, mc_err *err)
{
    const mc_outbound *out = x->m->out;
    mc_http_request req = {
        .method = out->method, .url = out->url,
        .headers = (const mc_http_header *)out->headers, .nheaders = out->nheaders,
        .body = out->body, .body_len = out->body_len, .idempotent = out->idempotent,
        .timeout_ms = out->timeout_ms, .insecure = out->insecure,
    };
    x->up_start = now_s();
    return mc_http_submit(mc_server_req_client(x->r), &req, on_upstream, x, err) == MC_OK;
}

/* Drive the message: wait for I/O, or answer. */
static void step(exchange *x, mc_code rc)
{
    while (rc == MC_ESUSPENDED) {
        mc_err err = {0};
        if (submit(x, &err))
            return;
        rc = to_inbound(x->m, 0, MC_FAULT_HTTP_OTHER, err.msg, NULL);
        if (rc == MC_OK)
            rc = mc_engine_resume(x->m);
    }
    finish(x, rc);
}

static void tag_route(mc_server_req *r, const route *rt)
{
    char tag[160];
    if (rt->proxy)
        snprintf(tag, sizeof tag, "proxy:%s", rt->proxy->name);
    else
        snprintf(tag, sizeof tag, "api:%s", rt->api->name);
    mc_server_req_set_tag(r, tag);
}

static mc_code start_flow(mc_message *m, const route *rt)
{
    if (rt->proxy) {
        if (!rt->proxy->in)
            return MC_ECONFIG;
        m->proxy = rt->proxy;
        return mc_engine_start(m, rt->proxy->in, rt->proxy->out, rt->proxy->fault);
    }
    if (!rt->res->in)
        return MC_ECONFIG;
    return mc_engine_start(m, rt->res->in, rt->res->out, rt->res->fault);
}

static void route_error(mc_server_req *r, int st, const route *rt)
{
    char msg[300];
    snprintf(msg, sizeof msg, "%s %.200s", st == ROUTE_METHOD ? "method not allowed:" :
             "no proxy or API resource at", st == ROUTE_METHOD ? mc_server_req_method(r) :
             mc_server_req_path(r));
    if (st == ROUTE_METHOD) {
        mc_http_header allow = {"Allow", rt->allow};
        mc_server_respond_error(r, 405, msg, &allow);
    } else {
        mc_server_respond_error(r, 404, msg, NULL);
    }
}

static void handle(void *ud, mc_server_req *r)
{
    host *h = ud;
    exchange *x = calloc(1, sizeof *x);
    deployment *dep = deployment_get(h);
    mc_message *m = x ? mc_message_new(dep->e) : NULL;
    if (!m) {
        free(x);
        deployment_put(dep);
        mc_server_respond_error(r, 500, "out of memory", NULL);
        return;
    }
    *x = (exchange){h, r, dep, m, 0};
    route rt = {0};
    int st = route_find(mc_engine_config(dep->e), mc_server_req_path(r),
                        mc_server_req_method(r), mc_server_req_query(r), m, &rt);
    if (st != ROUTE_OK) {
        route_error(r, st, &rt);
        exchange_end(x);
        return;
    }
    tag_route(r, &rt);
    if (!set_body(m, r)) {
        exchange_end(x);
        return;
    }
    set_request_props(m, r, &rt);
    mc_code rc = start_flow(m, &rt);
    step(x, rc == MC_OK ? mc_engine_run(m) : rc);
}

/* ---- admin ------------------------------------------------------------------------- */

static int admin(void *ud, const char *method, const char *path, mc_buf *body,
                 const char **ctype)
{
    host *h = ud;
    if (strcmp(path, "/healthz") == 0) {
        *ctype = "application/json";
        mc_buf_printf(body, "{\"status\":\"ok\",\"inflight\":%u}\n", mc_server_inflight(h->srv));
        return 200;
    }
    if (strcmp(path, "/metrics") == 0) {
        *ctype = "text/plain; version=0.0.4; charset=utf-8";
        render_metrics(h, body);
        return 200;
    }
    *ctype = "application/json";
    mc_buf_puts(body, "{\"ERROR_CODE\":\"404\",\"ERROR_MESSAGE\":\"try /healthz or /metrics\"}\n");
    return 404;
}

/* ---- the command ------------------------------------------------------------------- */

typedef struct serve_opts {
    mc_server_options srv;
    int admin_port;
    long drain_ms;
    int log_level;
    bool json_log;
} serve_opts;

static bool parse_num(const char *s, const char *flag, long min, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min) {
        fprintf(stderr, "mediac: %s needs a number >= %ld, got '%s'\n", flag, min, s);
        return false;
    }
    *out = v;
    return true;
}

static int parse_level(const char *s)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (!strcasecmp(s, names[i]))
            return i;
    return -1;
}

/* Returns -1 to go on, else an exit code. */
static int parse_opts(int argc, char **argv, serve_opts *o)
{
    static const struct option opts[] = {
        {"bind", required_argument, 0, 'b'}, {"port", required_argument, 0, 'p'},
        {"admin-port", required_argument, 0, 'a'}, {"workers", required_argument, 0, 'w'},
        {"max-body", required_argument, 0, 'B'}, {"max-header", required_argument, 0, 'H'},
        {"max-concurrent", required_argument, 0, 'c'},
        {"request-timeout", required_argument, 0, 't'},
        {"idle-timeout", required_argument, 0, 'i'}, {"drain-timeout", required_argument, 0, 'd'},
        {"log-format", required_argument, 0, 'f'}, {"log-level", required_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    int c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char *flag = argv[optind - 1];
        switch (c) {
        case 'b': o->srv.bind = optarg; break;
        case 'p': if (!parse_num(optarg, flag, 0, &v) || v > 65535) return EXIT_USAGE; o->srv.port = (int)v; break;
        case 'a': if (!parse_num(optarg, flag, 0, &v) || v > 65535) return EXIT_USAGE; o->admin_port = (int)v; break;
        case 'w': if (!parse_num(optarg, flag, 1, &v) || v > 256) return EXIT_USAGE; o->srv.workers = (int)v; break;
        case 'B': if (!parse_num(optarg, flag, 1, &v)) return EXIT_USAGE; o->srv.max_body = (size_t)v; break;
        case 'H': if (!parse_num(optarg, flag, 1024, &v)) return EXIT_USAGE; o->srv.max_header = (size_t)v; break;
        case 'c': if (!parse_num(optarg, flag, 1, &v)) return EXIT_USAGE; o->srv.max_concurrent = (unsigned)v; break;
        case 't': if (!parse_num(optarg, flag, 1, &v)) return EXIT_USAGE; o->srv.request_timeout_ms = v; break;
        case 'i': if (!parse_num(optarg, flag, 1, &v)) return EXIT_USAGE; o->srv.idle_timeout_s = (unsigned)v; break;
        case 'd': if (!parse_num(optarg, flag, 0, &v)) return EXIT_USAGE; o->drain_ms = v * 1000; break;
        case 'f':
            if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
                fprintf(stderr, "mediac: unknown log format '%s' (text, json)\n", optarg);
                return EXIT_USAGE;
            }
            o->json_log = strcmp(optarg, "json") == 0;
            break;
        case 'l':
            if ((o->log_level = parse_level(optarg)) < 0) {
                fprintf(stderr, "mediac: unknown log level '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h': fputs(mc_serve_usage, stdout); return 0;
        default: fputs(mc_serve_usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "mediac: serve needs at least one PATH\n%s", mc_serve_usage);
        return EXIT_USAGE;
    }
    return -1;
}

/* Wait for signals: SIGHUP reloads, SIGTERM/SIGINT return. */
static void wait_signals(host *h, const sigset_t *set)
{
    for (;;) {
        int sig = sigwaitinfo(set, NULL);
        if (sig == SIGHUP)
            reload(h);
        else if (sig == SIGTERM || sig == SIGINT)
            return;
    }
}

static int serve(host *h, serve_opts *o, const sigset_t *set)
{
    /* A worker's upstream pool may hold as many connections as the server
     * admits requests (--max-concurrent).  With the client's default of 64,
     * messages waiting on a slow upstream queued in curl behind 64
     * connections per worker, whatever the number of clients. */
    mc_http_options client = {
        .max_connections = o->srv.max_concurrent ? (long)o->srv.max_concurrent : 1024,
    };
    o->srv.client = &client;
    o->srv.handler = handle;
    o->srv.done = on_answered;
    o->srv.userdata = h;
    mc_err err = {0};
    h->srv = mc_server_start(&o->srv, &err);
    if (!h->srv) {
        fprintf(stderr, "mediac: %s\n", err.msg);
        return EXIT_USAGE;
    }
    mc_admin_server *adm = mc_admin_server_start(o->srv.bind, o->admin_port, admin, h, &err);
    if (!adm) {
        fprintf(stderr, "mediac: %s\n", err.msg);
        mc_server_stop(h->srv, 0);
        return EXIT_USAGE;
    }
    const char *bind = o->srv.bind ? o->srv.bind : "127.0.0.1";
    /* always printed (whatever --log-level): hosts and tests wait for it */
    fprintf(stderr, h->json_log ? "{\"level\":\"info\",\"msg\":\"listening on %s:%d admin "
                                  "%s:%d workers %d\"}\n"
                                : "listening on %s:%d admin %s:%d workers %d\n",
            bind, mc_server_port(h->srv), bind, mc_admin_server_port(adm),
            mc_server_workers(h->srv));
    fflush(stderr);
    wait_signals(h, set);
    mc_log(&h->log, MC_LOG_INFO, "SIGTERM: draining %u request(s), up to %ld ms",
           mc_server_inflight(h->srv), o->drain_ms);
    unsigned cut = mc_server_stop(h->srv, o->drain_ms);
    h->srv = NULL;
    mc_admin_server_stop(adm);
    mc_log(&h->log, MC_LOG_INFO, "stopped (%u request(s) cut off by the drain timeout)", cut);
    return 0;
}

int mc_cmd_serve(int argc, char **argv)
{
    serve_opts o = {.drain_ms = 10000, .log_level = MC_LOG_INFO};
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;
    host h = {.paths = (const char *const *)argv + optind, .npaths = (size_t)(argc - optind),
              .log_level = o.log_level, .json_log = o.json_log, .started = now_s()};
    mc_logger_init(&h.log);
    h.log.level = o.log_level;
    h.log.sink = log_sink;
    h.log.userdata = &h;
    pthread_mutex_init(&h.lock, NULL);
    pthread_mutex_init(&h.met.lock, NULL);
    /* every thread inherits the mask; the main thread takes the signals */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    h.current = deployment_load(&h);
    if (!h.current) {
        fprintf(stderr, "mediac: configuration failed to load\n");
        rc = EXIT_USAGE;
    } else {
        rc = serve(&h, &o, &set);
        deployment_put(h.current);
    }
    metrics_free(&h.met);
    pthread_mutex_destroy(&h.lock);
    return rc;
}
