/* api.c - libmediac's public API (mediac.h): engines load and own a
 * compiled configuration; messages run through it, with connector I/O done
 * blocking through a small pool of HTTP clients shared by the threads that
 * use the engine. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "aws/sigv4.h"
#include "config/internal.h"
#include "engine/engine.h"
#include "http/client.h"
#include "http/msgio.h"
#include "mediators/mediators.h"

#define CLIENT_POOL 8

struct mc_engine {
    mc_config *cfg;
    mc_logger log;
    mc_connectors *connectors;
    bool failed;                 /* a load failed: messages refuse to run */
    pthread_mutex_t lock;        /* guards the client pool only */
    mc_http_client *pool[CLIENT_POOL];
    int npool;
};

static const mc_mediator_type *lookup(void *ud, const char *name)
{
    mc_engine *e = ud;
    const mc_mediator_type *t = mc_builtin_mediator(name);
    if (!t && e->connectors)
        t = mc_connectors_lookup(e->connectors, name);
    return t;
}

static const char *suggest(void *ud, const char *name)
{
    mc_engine *e = ud;
    if (strchr(name, '.') && e->connectors)
        return mc_connectors_suggest(e->connectors, name);
    return mc_builtin_suggest(name);
}

static void *compile_connection(void *ud, mc_compiler *cc, xmlNodePtr init)
{
    mc_engine *e = ud;
    if (!e->connectors) {
        mc_diag(cc, init, NULL, MC_DIAG_ERROR,
                "no connector descriptors found (set MEDIAC_CONNECTOR_PATH)");
        return NULL;
    }
    return mc_connectors_compile_connection(e->connectors, cc, init);
}

mc_engine *mc_engine_new(void)
{
    mc_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    mc_logger_init(&e->log);
    mc_registry reg = {lookup, e, compile_connection, suggest};
    e->cfg = mc_config_new(&reg);
    if (!e->cfg) {
        free(e);
        return NULL;
    }
    mc_err err = {0};
    e->connectors = mc_connectors_load(&err);
    if (!e->connectors)
        mc_buf_printf(&e->cfg->diags, "mediac: warning: connectors not loaded: %s\n",
                      err.msg);
    e->cfg->connector_ctx = e->connectors;
    pthread_mutex_init(&e->lock, NULL);
    return e;
}

void mc_engine_free(mc_engine *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->npool; i++)
        mc_http_client_free(e->pool[i]);
    pthread_mutex_destroy(&e->lock);
    mc_config_free(e->cfg);
    mc_connectors_free(e->connectors);
    free(e);
}

static mc_code finish_load(mc_engine *e, mc_code rc)
{
    mc_code lrc = mc_config_link(e->cfg);
    if (rc == MC_OK)
        rc = lrc;
    if (rc != MC_OK)
        e->failed = true;
    return rc == MC_EIO ? MC_ECONFIG : rc;
}

mc_code mc_engine_load_path(mc_engine *e, const char *path)
{
    if (!e || !path)
        return MC_EINVAL;
    return finish_load(e, mc_config_load_path(e->cfg, path));
}

mc_code mc_engine_load_paths(mc_engine *e, const char *const *paths, size_t n)
{
    mc_code rc = MC_OK;
    for (size_t i = 0; i < n; i++) {
        mc_code r = mc_config_load_path(e->cfg, paths[i]);
        if (rc == MC_OK)
            rc = r;
    }
    return finish_load(e, rc);
}

mc_code mc_engine_load_string(mc_engine *e, const char *xml, size_t len,
                              const char *name)
{
    if (!e || !xml)
        return MC_EINVAL;
    return finish_load(e, mc_config_load_memory(e->cfg, xml, len, name));
}

const char *mc_engine_diagnostics(const mc_engine *e)
{
    return e ? mc_buf_cstr(&e->cfg->diags) : "";
}

void mc_engine_set_log(mc_engine *e, int level, mc_log_sink sink, void *userdata)
{
    e->log.level = level;
    e->log.sink = sink;
    e->log.userdata = userdata;
}

void mc_engine_set_log_format(mc_engine *e, int format)
{
    e->log.format = format;
}

mc_code mc_engine_register_mediator(mc_engine *e, const char *name,
                                    mc_native_fn fn, void *userdata)
{
    if (!e || !name || !*name || !fn)
        return MC_EINVAL;
    if (mc_table_get(&e->cfg->natives, name))
        return MC_EINVAL;
    mc_native *n = mc_arena_calloc(&e->cfg->arena, sizeof *n);
    if (!n || !(n->name = mc_arena_strdup(&e->cfg->arena, name)))
        return MC_ENOMEM;
    n->fn = fn;
    n->userdata = userdata;
    return mc_table_put(&e->cfg->natives, n->name, n) ? MC_OK : MC_ENOMEM;
}

const mc_config *mc_engine_config(const mc_engine *e) { return e->cfg; }
const mc_connectors *mc_engine_connectors(const mc_engine *e) { return e->connectors; }
const mc_logger *mc_engine_logger(const mc_engine *e) { return &e->log; }

/* ---- messages ------------------------------------------------------------ */

mc_message *mc_message_new(const mc_engine *e)
{
    if (!e)
        return NULL;
    mc_message *m = mc_msg_new(e->cfg, &e->log);
    if (m)
        m->engine = e;
    return m;
}

void mc_message_free(mc_message *m)
{
    mc_msg_free(m);
}

mc_code mc_message_set_payload(mc_message *m, const char *data, size_t len,
                               const char *content_type)
{
    if (!m || (!data && len))
        return MC_EINVAL;
    mc_err err = {0};
    mc_code rc = mc_msg_set_payload(m, data ? data : "", len, content_type, &err);
    if (rc != MC_OK)
        mc_msg_set_fault(m, "400", err.msg, NULL);
    return rc;
}

mc_code mc_message_set_property(mc_message *m, const char *name, const char *value)
{
    if (!m || !name)
        return MC_EINVAL;
    return mc_msg_set_propz(m, MC_SCOPE_DEFAULT, name, value ? value : "");
}

mc_code mc_message_set_header(mc_message *m, const char *name, const char *value)
{
    if (!m || !name || !*name)
        return MC_EINVAL;
    return mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, name, value ? value : "");
}

/* ---- blocking I/O --------------------------------------------------------- */

static mc_http_client *borrow_client(mc_engine *e)
{
    mc_http_client *c = NULL;
    pthread_mutex_lock(&e->lock);
    if (e->npool)
        c = e->pool[--e->npool];
    pthread_mutex_unlock(&e->lock);
    return c ? c : mc_http_client_new(NULL);
}

static void return_client(mc_engine *e, mc_http_client *c)
{
    pthread_mutex_lock(&e->lock);
    if (e->npool < CLIENT_POOL) {
        e->pool[e->npool++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&e->lock);
    if (c)
        mc_http_client_free(c);
}

/* ---- non-blocking runs -------------------------------------------------- */

static bool usable(mc_message *m)
{
    const mc_engine *e = m->engine;
    return e && !e->failed;
}

mc_code mc_start_sequence(mc_message *m, const char *name)
{
    if (!m || !name)
        return MC_EINVAL;
    if (!usable(m))
        return MC_ECONFIG;
    const mc_seq *seq = mc_config_sequence(m->cfg, name);
    if (!seq)
        return MC_ENOTFOUND;
    mc_code rc = mc_engine_start(m, seq, NULL, NULL);
    return rc == MC_OK ? mc_engine_run(m) : rc;
}

mc_code mc_start_proxy(mc_message *m, const char *name)
{
    if (!m || !name)
        return MC_EINVAL;
    if (!usable(m))
        return MC_ECONFIG;
    const mc_proxy *p = mc_config_proxy(m->cfg, name);
    if (!p)
        return MC_ENOTFOUND;
    if (!p->in)
        return MC_ECONFIG;
    m->proxy = p;
    mc_code rc = mc_engine_start(m, p->in, p->out, p->fault);
    return rc == MC_OK ? mc_engine_run(m) : rc;
}

/* A handle is the engine's pending entry; it stays at its address. */
static mc_pending *pend(const mc_request *r) { return (mc_pending *)r; }

mc_request *mc_message_next_request(mc_message *m)
{
    return m ? (mc_request *)mc_engine_next_request(m) : NULL;
}

size_t mc_message_waiting(const mc_message *m) { return m ? mc_engine_outstanding(m) : 0; }

unsigned mc_request_id(const mc_request *r) { return pend(r)->id; }
const char *mc_request_method(const mc_request *r) { return pend(r)->req->method; }
const char *mc_request_url(const mc_request *r) { return pend(r)->req->url; }
size_t mc_request_header_count(const mc_request *r) { return pend(r)->req->nheaders; }
long mc_request_timeout_ms(const mc_request *r) { return pend(r)->req->timeout_ms; }
long mc_request_delay_ms(const mc_request *r) { return pend(r)->req->delay_ms; }
int mc_request_no_retry(const mc_request *r) { return pend(r)->req->max_attempts == 1; }
int mc_request_idempotent(const mc_request *r) { return pend(r)->req->idempotent; }
int mc_request_verify_tls(const mc_request *r) { return !pend(r)->req->insecure; }

mc_header mc_request_header(const mc_request *r, size_t i)
{
    const mc_outbound *o = pend(r)->req;
    return i < o->nheaders ? (mc_header){o->headers[i].name, o->headers[i].value}
                           : (mc_header){NULL, NULL};
}

const char *mc_request_body(const mc_request *r, size_t *len)
{
    const mc_outbound *o = pend(r)->req;
    if (len)
        *len = o->body ? o->body_len : 0;
    return o->body;
}

const char *mc_request_label(const mc_request *r)
{
    const mc_outbound *o = pend(r)->req;
    return o->label ? o->label : "";
}

mc_code mc_request_answer(mc_message *m, mc_request *r, int status, const mc_header *headers,
                          size_t nheaders, const char *body, size_t len)
{
    if (!m || !r || (!body && len) || (!headers && nheaders))
        return MC_EINVAL;
    if (pend(r)->answer)
        return MC_ESTATE;
    mc_inbound *in = mc_arena_calloc(&m->arena, sizeof *in);
    if (!in)
        return MC_ENOMEM;
    in->status = status;
    in->body = mc_arena_strndup(&m->arena, body ? body : "", len);
    in->body_len = len;
    in->headers = nheaders ? mc_arena_alloc(&m->arena, nheaders * sizeof *in->headers) : NULL;
    if (!in->body || (nheaders && !in->headers))
        return MC_ENOMEM;
    for (size_t i = 0; i < nheaders; i++) {
        in->headers[i].name = mc_arena_strdup(&m->arena, headers[i].name ? headers[i].name : "");
        in->headers[i].value = mc_arena_strdup(&m->arena, headers[i].value ? headers[i].value : "");
        if (!in->headers[i].name || !in->headers[i].value)
            return MC_ENOMEM;
    }
    in->nheaders = nheaders;
    return mc_engine_answer(m, pend(r)->id, in);
}

mc_code mc_request_fail(mc_message *m, mc_request *r, int fault_code, const char *error)
{
    if (!m || !r)
        return MC_EINVAL;
    if (pend(r)->answer)
        return MC_ESTATE;
    mc_inbound *in = mc_http_inbound_fault(m, fault_code, error);
    return in ? mc_engine_answer(m, pend(r)->id, in) : MC_ENOMEM;
}

mc_code mc_resume(mc_message *m)
{
    return m ? mc_engine_resume(m) : MC_EINVAL;
}

/* ---- blocking runs, on the non-blocking ones --------------------------------- */

typedef struct blocking_io {
    mc_message *m;
    mc_request *r;
    mc_code rc;
} blocking_io;

static void blocking_done(void *ud, mc_http_response *resp)
{
    blocking_io *io = ud;
    mc_message *m = io->m;
    const mc_outbound *out = pend(io->r)->req;
    mc_msg_log(m, MC_LOG_DEBUG, "%s %s -> %d%s%s", out->method,
               out->label ? out->label : out->url, resp->status,
               resp->fault_code ? " " : "", resp->fault_code ? resp->error : "");
    mc_inbound *in = mc_http_inbound(m, resp);
    io->rc = in ? mc_engine_answer(m, pend(io->r)->id, in) : MC_ENOMEM;
    mc_http_response_free(resp);
    free(resp);
}

/* Send every request the message waits for on one pooled client, all at
 * once, and wait for their answers. */
static mc_code perform_requests(mc_message *m)
{
    mc_engine *e = (mc_engine *)m->engine;
    mc_http_client *c = borrow_client(e);
    if (!c)
        return MC_ENOMEM;
    mc_code rc = MC_OK;
    for (mc_request *r; rc == MC_OK && (r = mc_message_next_request(m));) {
        const mc_outbound *out = pend(r)->req;
        blocking_io *io = mc_arena_alloc(&m->arena, sizeof *io);
        if (!io) {
            rc = MC_ENOMEM;
            break;
        }
        *io = (blocking_io){m, r, MC_OK};
        mc_http_request req = mc_http_request_of(out);
        mc_err err = {0};
        if (mc_http_submit(c, &req, blocking_done, io, &err) != MC_OK)
            rc = mc_request_fail(m, r, MC_FAULT_HTTP_OTHER, err.msg);
    }
    while (mc_http_run(c, 1000) > 0)
        ;
    return_client(e, c);
    return rc;
}

static mc_code run_blocking(mc_message *m, mc_code rc)
{
    while (rc == MC_ESUSPENDED) {
        rc = perform_requests(m);
        if (rc != MC_OK)
            return rc;
        if (mc_engine_outstanding(m))   /* an answer could not be stored */
            return MC_ENOMEM;
        rc = mc_engine_resume(m);
    }
    return rc;
}

mc_code mc_run_sequence(mc_message *m, const char *name)
{
    mc_code rc = mc_start_sequence(m, name);
    return run_blocking(m, rc);
}

mc_code mc_run_flow(mc_message *m, const mc_seq *in, const mc_seq *out, const mc_seq *fault)
{
    if (!m || !in)
        return MC_EINVAL;
    if (!usable(m))
        return MC_ECONFIG;
    mc_code rc = mc_engine_start(m, in, out, fault);
    return run_blocking(m, rc == MC_OK ? mc_engine_run(m) : rc);
}

mc_code mc_run_proxy(mc_message *m, const char *name)
{
    mc_code rc = mc_start_proxy(m, name);
    return run_blocking(m, rc);
}

/* ---- results -------------------------------------------------------------- */

const char *mc_message_payload(mc_message *m, size_t *len)
{
    size_t dummy;
    return mc_msg_payload_bytes(m, len ? len : &dummy);
}

const char *mc_message_content_type(const mc_message *m)
{
    return mc_msg_content_type(m);
}

const char *mc_message_property(const mc_message *m, const char *name)
{
    return mc_msg_prop(m, MC_SCOPE_DEFAULT, name);
}

const char *mc_message_header(const mc_message *m, const char *name)
{
    return mc_msg_prop(m, MC_SCOPE_TRANSPORT, name);
}

int mc_message_status(const mc_message *m) { return mc_msg_status(m); }

const char *mc_message_error_code(const mc_message *m)
{
    return mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_CODE");
}

const char *mc_message_error_message(const mc_message *m)
{
    return mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE");
}

mc_code mc_message_fault(mc_message *m, const char *code, const char *message)
{
    if (!m)
        return MC_EINVAL;
    mc_msg_set_fault(m, code ? code : "0", message ? message : "", NULL);
    return MC_EFAULT;
}
