/* exchange.c - one HTTP request through a flow: route it, turn it into a
 * message (the one inbound conversion), run the message, send every
 * upstream request it waits for on the caller's HTTP client and hand the
 * answers back, and turn the finished message into the answer (the one
 * outbound conversion, with the one copy of the fault JSON). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/engine.h"
#include "host/inbound.h"
#include "host/internal.h"
#include "http/msgio.h"
#include "msg/soap.h"
#include "util/codec.h"
#include "util/hash.h"
#include "util/number.h"
#include "util/mem.h"

struct mc_exchange {
    mc_host *h;
    mc_deployment *dep;
    mc_message *m;
    mc_host_request req;
    mc_http_client *client;
    mc_exchange_answer_fn answer;
    void *ud;
    mc_host_answer ans;
    char artifact[160];
    bool answered;          /* the answer went to the owner */
    bool running;           /* the message still runs (children, late answers) */
    bool released;          /* the owner called mc_exchange_free */
};

static void release(mc_exchange *x);

/* ---- request -> message ------------------------------------------------------ */

static void set_query_params(mc_message *m, const char *query)
{
    mc_buf k = MC_BUF_INIT, v = MC_BUF_INIT, name = MC_BUF_INIT;
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t kl = eq ? (size_t)(eq - p) : len;
        mc_buf_reset(&k);
        mc_buf_reset(&v);
        mc_buf_reset(&name);
        if (kl && mc_url_decode(&k, p, kl, true) &&
            mc_url_decode(&v, eq ? eq + 1 : "", eq ? len - kl - 1 : 0, true)) {
            mc_buf_puts(&name, "query.param.");
            mc_buf_puts(&name, mc_buf_cstr(&k));
            mc_msg_set_prop(m, MC_SCOPE_DEFAULT, mc_buf_cstr(&name), mc_buf_cstr(&v), v.len,
                            MC_VT_STRING);
            mc_msg_set_prop(m, MC_SCOPE_URL, mc_buf_cstr(&k), mc_buf_cstr(&v), v.len,
                            MC_VT_STRING);
        }
        p = amp ? amp + 1 : NULL;
    }
    mc_buf_free(&k);
    mc_buf_free(&v);
    mc_buf_free(&name);
}

/* uri.var.x (set by the template match) is also $url:x. */
static void copy_uri_vars(mc_message *m)
{
    for (const mc_prop *p = m->props[MC_SCOPE_DEFAULT]; p; p = p->next)
        if (strncmp(p->name, "uri.var.", 8) == 0)
            mc_msg_set_prop(m, MC_SCOPE_URL, p->name + 8, p->value, p->len, MC_VT_STRING);
}

static const char *request_header(const mc_host_request *req, const char *name)
{
    /* the first letters first: most names differ there (no call) */
    unsigned char first = mc_ascii_lower((unsigned char)name[0]);
    for (size_t i = 0; i < req->nheaders; i++)
        if (mc_ascii_lower((unsigned char)req->headers[i].name[0]) == first &&
            !strcasecmp(req->headers[i].name, name))
            return req->headers[i].value;
    return NULL;
}

static void set_request_props(mc_message *m, const mc_host_request *req, const mc_route *rt)
{
    const char *query = req->query;
    for (size_t i = 0; i < req->nheaders; i++)
        mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, req->headers[i].name, req->headers[i].value);
    /* scratch text in the message's arena: no malloc, no printf */
    mc_buf url = MC_BUF_ARENA(&m->arena), post = MC_BUF_ARENA(&m->arena);
    mc_buf_puts(&url, req->path);
    if (query) {
        mc_buf_putc(&url, '?');
        mc_buf_puts(&url, query);
    }
    /* the path below the proxy or API, with its dot segments resolved inside
     * it: appended to an endpoint address, it can never climb above it */
    mc_buf raw = MC_BUF_ARENA(&m->arena);
    mc_buf_puts(&raw, rt->sub ? rt->sub : "");
    if (query) {
        mc_buf_putc(&raw, '?');
        mc_buf_puts(&raw, query);
    }
    mc_url_clean_postfix(&post, mc_buf_cstr(&raw), raw.len);
    mc_buf_free(&raw);
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "HTTP_METHOD", req->method);
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "TransportInURL", mc_buf_cstr(&url));
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "REST_URL_POSTFIX", mc_buf_cstr(&post));
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "REST_FULL_REQUEST_PATH", mc_buf_cstr(&url));
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "REST_METHOD", req->method);
    if (rt->api) {
        mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "REST_API_CONTEXT", rt->api->context);
        mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "SYNAPSE_REST_API", rt->api->name);
        /* the sub-path of a request to the context itself is "/" */
        const char *subp = mc_buf_cstr(&post);
        mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "REST_SUB_REQUEST_PATH",
                         subp[0] == '/' ? subp : mc_arena_printf(&m->arena, "/%s", subp));
    }
    mc_buf_free(&url);
    mc_buf_free(&post);
    copy_uri_vars(m);
    set_query_params(m, query);
}

/* 11 or 12 when the request is a SOAP one: application/soap+xml, or
 * text/xml with a SOAPAction header (text/xml alone may be a REST
 * client's plain XML, answered as REST). */
static int soap_request_version(const mc_host_request *req)
{
    mc_wire w = mc_wire_of(request_header(req, "Content-Type"));
    if (w == MC_WIRE_SOAP11 && request_header(req, "SOAPAction"))
        return 11;
    return w == MC_WIRE_SOAP12 ? 12 : 0;
}

/* The default envelope of each SOAP version (Axiom's getDefaultEnvelope):
 * what an empty SOAP request becomes, as in Axis2's ServerWorker. */
static const char *const empty_envelope[] = {
    "<soapenv:Envelope xmlns:soapenv=\"" MC_SOAP11_NS "\"><soapenv:Header/><soapenv:Body/>"
    "</soapenv:Envelope>",
    "<soapenv:Envelope xmlns:soapenv=\"" MC_SOAP12_NS "\"><soapenv:Header/><soapenv:Body/>"
    "</soapenv:Envelope>",
};

mc_code mc_host_request_to_message(mc_message *m, const mc_host_request *req,
                                   const mc_route *rt, mc_err *err)
{
    const char *ctype = request_header(req, "Content-Type");
    if (req->body_len || ctype) {
        const char *body = req->body ? req->body : "";
        size_t len = req->body_len;
        int empty_soap = len ? 0 : soap_request_version(req);
        if (empty_soap) {
            body = empty_envelope[empty_soap == 12];
            len = strlen(body);
        }
        mc_err perr = {0};
        mc_code rc = mc_msg_set_payload(m, body, len, ctype, &perr);
        if (rc == MC_ELIMIT)
            mc_err_set(err, rc, "request body is over a limit: %s", perr.msg);
        else if (rc != MC_OK)
            mc_err_set(err, rc, "request body does not parse as %s: %s",
                       ctype ? ctype : "its content", perr.msg);
        if (rc != MC_OK)
            return rc;
    }
    set_request_props(m, req, rt);
    /* a SOAP request: the client gets SOAP of its version back, and the
     * envelope's WS-Addressing headers are the message's To, Action, ... */
    m->client_soap = (uint8_t)m->payload.soap;
    mc_msg_read_addressing(m);
    /* the transport's To is the request URI (MI's ServerWorker), unless the
     * envelope's WS-Addressing To named another address */
    if (!mc_msg_prop(m, MC_SCOPE_DEFAULT, "To"))
        mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "To", mc_msg_prop(m, MC_SCOPE_AXIS2,
                                                                 "TransportInURL"));
    /* the correlation id: the one the host already took, else the client's
     * activityid (or a new one); never a client value that failed the check */
    if (m->activity_id)
        mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, MC_ACTIVITY_ID_HEADER, m->activity_id);
    else
        mc_msg_set_activity_id(m, request_header(req, MC_ACTIVITY_ID_HEADER));
    return MC_OK;
}

/* ---- message -> answer -------------------------------------------------------- */

/* A transport header goes back unless it is the request's own, unchanged. */
static bool echoed_request_header(const mc_host_request *req, const mc_prop *p)
{
    const char *v = request_header(req, p->name);
    return v && strcmp(v, p->value) == 0;
}

/* Every answer carries the message's correlation id (MI returns it). */
static void add_activity_id(mc_message *m, mc_host_answer *a)
{
    if (!m->activity_id)
        return;
    mc_http_header *hs = mc_arena_alloc(&m->arena, (a->nheaders + 1) * sizeof *hs);
    if (!hs)
        return;
    if (a->nheaders)
        memcpy(hs, a->headers, a->nheaders * sizeof *hs);
    hs[a->nheaders++] = (mc_http_header){MC_ACTIVITY_ID_HEADER, m->activity_id};
    a->headers = hs;
}

static void error_answer(mc_message *m, int status, const char *message, mc_host_answer *a,
                         const mc_http_header *extra)
{
    char code[21];
    mc_format_int(status, code);
    mc_buf b = MC_BUF_INIT;
    mc_json_fault(&b, code, message);
    mc_http_header *hs = mc_arena_alloc(&m->arena, 2 * sizeof *hs);
    a->status = status;
    a->body = b.oom ? NULL : mc_arena_strndup(&m->arena, b.data, b.len);
    a->body_len = a->body ? b.len : 0;
    a->nheaders = 0;
    if (hs) {
        hs[a->nheaders++] = (mc_http_header){"Content-Type", "application/json"};
        if (extra)
            hs[a->nheaders++] = *extra;
    }
    a->headers = hs;
    mc_buf_free(&b);
    add_activity_id(m, a);
}

/* A SOAP request that cannot become a message: a SOAP fault of the
 * request's version (VersionMismatch for an envelope of the other
 * version, else Client/Sender), 500 as MI answers faults (413 over a
 * limit). */
static void soap_error_answer(mc_message *m, int version, mc_code rc, const char *why,
                              mc_host_answer *a)
{
    bool mismatch = why && strstr(why, MC_SOAP_VERSION_MISMATCH) != NULL;
    mc_buf b = MC_BUF_INIT;
    mc_soap_fault_text(&b, version, rc == MC_ENOMEM || rc == MC_EFAULT ? "Server" :
                       mismatch ? "VersionMismatch" : "Client", why ? why : "");
    mc_http_header *hs = mc_arena_alloc(&m->arena, sizeof *hs);
    a->status = rc == MC_ELIMIT ? 413 : 500;
    a->body = b.oom ? NULL : mc_arena_strndup(&m->arena, b.data, b.len);
    a->body_len = a->body ? b.len : 0;
    a->nheaders = 0;
    if (hs)
        hs[a->nheaders++] = (mc_http_header){"Content-Type", version == 12 ?
            "application/soap+xml; charset=UTF-8" : "text/xml; charset=UTF-8"};
    a->headers = hs;
    mc_buf_free(&b);
    add_activity_id(m, a);
}

static void payload_answer(mc_message *m, int default_status, const mc_host_request *req,
                           mc_host_answer *a)
{
    mc_msg_answer_format(m);
    /* a SOAP fault goes back with 500, as MI sends every fault */
    if (default_status == 200 && m->payload.kind == MC_PL_XML && mc_msg_is_soap(m) &&
        mc_soap_has_fault(m->payload.env))
        default_status = 500;
    int status = mc_msg_answer_status(m, default_status);
    if (status < 0) {
        /* a 1xx is no final answer and 600+ no status at all */
        const char *sc = mc_msg_prop(m, MC_SCOPE_AXIS2, "HTTP_SC");
        mc_msg_log(m, MC_LOG_ERROR, "HTTP_SC '%.32s' is not a status from 200 to 599; "
                   "answering 500", sc ? sc : "");
        error_answer(m, 500, "the flow set HTTP_SC to a value that is not an HTTP status "
                     "from 200 to 599", a, NULL);
        return;
    }
    /* the answer's Content-Type comes from these: message data in them
     * never shapes the answer's headers (refused loudly, as a header is) */
    static const char *const type_props[] = {"messageType", "ContentType"};
    for (size_t i = 0; i < 2; i++) {
        const mc_prop *p = mc_msg_get_prop(m, MC_SCOPE_AXIS2, type_props[i]);
        if (p && !mc_header_value_ok(p->value, p->len)) {
            mc_msg_log(m, MC_LOG_ERROR, "property '%s' holds a control character; answering 500",
                       type_props[i]);
            char msg[160];
            snprintf(msg, sizeof msg, "property '%s': a content type cannot hold a control "
                     "character (CR, LF, NUL, ...)", type_props[i]);
            error_answer(m, 500, msg, a, NULL);
            return;
        }
    }
    size_t n = 0;
    for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; p; p = p->next) {
        n++;
        if (!mc_header_value_ok(p->value, p->len) && !mc_msg_hop_header(p->name)) {
            /* as <header> refuses it: never split the answer nor cut the
             * value at a NUL */
            mc_msg_log(m, MC_LOG_ERROR, "transport header '%.64s' holds a control character; "
                       "answering 500", p->name);
            char msg[160];
            snprintf(msg, sizeof msg, "header '%.64s': a header value cannot hold a control "
                     "character (CR, LF, NUL, ...)", p->name);
            error_answer(m, 500, msg, a, NULL);
            return;
        }
    }
    mc_http_header *hs = mc_arena_alloc(&m->arena, (n + 1) * sizeof *hs);
    size_t nh = 0;
    size_t len = 0;
    const char *body = mc_msg_payload_bytes(m, &len);
    if (hs) {
        for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; p; p = p->next)
            if (!mc_msg_hop_header(p->name) && !echoed_request_header(req, p) &&
                strcasecmp(p->name, MC_ACTIVITY_ID_HEADER) != 0)
                hs[nh++] = (mc_http_header){p->name, p->value};
        if (m->payload.kind != MC_PL_NONE)
            hs[nh++] = (mc_http_header){"Content-Type", mc_msg_content_type(m)};
    }
    *a = (mc_host_answer){status, hs, nh, body, body ? len : 0};
    add_activity_id(m, a);
}

void mc_host_message_to_answer(mc_message *m, mc_code rc, const mc_host_request *req,
                               mc_host_answer *a)
{
    const char *accepted = mc_msg_prop(m, MC_SCOPE_AXIS2, "FORCE_SC_ACCEPTED");
    if (rc == MC_OK && accepted && strcasecmp(accepted, "true") == 0) {
        /* MI answers 202 with no body at once */
        *a = (mc_host_answer){202, NULL, 0, NULL, 0};
        add_activity_id(m, a);
    } else if (rc == MC_OK && m->responded)
        payload_answer(m, 200, req, a);
    else if (rc == MC_OK) {
        *a = (mc_host_answer){202, NULL, 0, NULL, 0};
        add_activity_id(m, a);
    }
    else if (rc == MC_EFAULT && m->fault_response)
        payload_answer(m, 500, req, a);
    else if (rc == MC_EFAULT && m->client_soap)
        soap_error_answer(m, m->client_soap, MC_EFAULT, mc_message_error_message(m), a);
    else if (rc == MC_EFAULT) {
        mc_buf b = MC_BUF_INIT;
        mc_json_fault(&b, mc_message_error_code(m), mc_message_error_message(m));
        static const mc_http_header json = {"Content-Type", "application/json"};
        a->status = 500;
        a->headers = &json;
        a->nheaders = 1;
        a->body = b.oom ? NULL : mc_arena_strndup(&m->arena, b.data, b.len);
        a->body_len = a->body ? b.len : 0;
        mc_buf_free(&b);
        add_activity_id(m, a);
    } else
        error_answer(m, 500, mc_strerror(rc), a, NULL);
}

/* ---- running with pending requests -------------------------------------------- */

typedef struct upstream {
    mc_exchange *x;
    uint32_t id;
    double start;
    const mc_outbound *out;
} upstream;

/* Give the owner the answer: the message's, or the child's that answered
 * first while children still run. */
static void answer_now(mc_exchange *x, mc_code rc)
{
    x->answered = true;
    if (rc == MC_EFAULT)
        mc_metrics_observe(&x->h->met, MC_M_FAULT, "artifact", x->artifact, NULL, NULL, 0);
    mc_host_message_to_answer(mc_engine_answerer(x->m), rc, &x->req, &x->ans);
    x->answer(x->ud, x, &x->ans);   /* may release x */
}

/* The message ended: answer if that is still to do; free when released. */
static void finish(mc_exchange *x, mc_code rc)
{
    x->running = false;
    if (!x->answered)
        answer_now(x, rc);          /* may free x */
    else if (x->released)
        release(x);
}

/* The operation label for metrics: never the query (it may carry keys)
 * nor a URL's user:password.  Scratch text in the message's arena. */
static void op_label(mc_message *m, const mc_outbound *out, char *buf, size_t cap)
{
    const char *l = out->label ? out->label : out->url;
    mc_buf b = MC_BUF_ARENA(&m->arena);
    mc_url_strip_userinfo(&b, l, strcspn(l, "?#"));
    mc_fixed_put(buf, cap, 0, mc_buf_cstr(&b), b.len);
    mc_buf_free(&b);
}

static void drive(mc_exchange *x, mc_code rc);

static void on_upstream(void *ud, mc_http_response *resp)
{
    upstream *u = ud;
    mc_exchange *x = u->x;
    mc_message *m = x->m;
    char op[160], st[21];
    op_label(m, u->out, op, sizeof op);
    mc_format_int(resp->fault_code ? resp->fault_code : resp->status, st);
    mc_metrics_observe(&x->h->met, MC_M_UP, "operation", op, "status", st, 0);
    mc_metrics_observe(&x->h->met, MC_M_UPLAT, "operation", op, NULL, NULL,
                       mc_host_now() - u->start);
    mc_inbound *in = mc_http_inbound(m, resp);
    mc_http_response_free(resp);
    free(resp);
    if (!in || mc_engine_answer(m, u->id, in) != MC_OK) {
        drive(x, MC_ENOMEM);
        return;
    }
    drive(x, mc_engine_resume(m));
}

/* Send every request the message has not handed out yet.  A request that
 * cannot be queued is answered at once with a transport fault.  Returns
 * how many were answered that way, or -1 when out of memory. */
static int send_new(mc_exchange *x)
{
    mc_message *m = x->m;
    int failed = 0;
    for (mc_pending *p; (p = mc_engine_next_request(m));) {
        const mc_outbound *out = p->req;
        upstream *u = mc_arena_alloc(&m->arena, sizeof *u);
        if (!u)
            return -1;
        *u = (upstream){x, p->id, mc_host_now(), out};
        mc_http_request req = mc_http_request_of(out);
        mc_err err = {0};
        if (mc_http_submit(x->client, &req, on_upstream, u, &err) != MC_OK) {
            mc_inbound *in = mc_http_inbound_fault(m, MC_FAULT_HTTP_OTHER, err.msg);
            if (!in || mc_engine_answer(m, p->id, in) != MC_OK)
                return -1;
            failed++;
        }
    }
    return failed;
}

/* Drive the message: send what it waits for and wait for the answers
 * (their callbacks drive it on), or answer. */
static void drive(mc_exchange *x, mc_code rc)
{
    x->running = true;
    while (rc == MC_ESUSPENDED) {
        mc_code decided;
        if (!x->answered && mc_engine_decided(x->m, &decided)) {
            /* a child answered (or the message faulted) while children
             * still run: answer now, keep driving them to their end */
            answer_now(x, decided);
        }
        int failed = send_new(x);
        if (failed < 0) {
            rc = MC_ENOMEM;
            break;
        }
        if (failed == 0)
            return;
        rc = mc_engine_resume(x->m);
    }
    finish(x, rc);
}

static mc_code start_flow(mc_message *m, const mc_route *rt)
{
    if (rt->main) {
        /* the main sequence mediates requests and responses alike (<in>,
         * <out>); faults go to the sequence named "fault" */
        const mc_seq *fault = mc_config_sequence(m->cfg, "fault");
        return mc_engine_start(m, rt->main, rt->main, fault);
    }
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

static void route_error(mc_exchange *x, mc_route_result st, const mc_route *rt)
{
    char msg[300];
    snprintf(msg, sizeof msg, "%s %.200s", st == MC_ROUTE_METHOD ? "method not allowed:" :
             "no proxy or API resource at", st == MC_ROUTE_METHOD ? x->req.method :
             x->req.path);
    if (st == MC_ROUTE_METHOD) {
        mc_http_header allow = {"Allow", mc_arena_strdup(&x->m->arena, rt->allow)};
        error_answer(x->m, 405, msg, &x->ans, allow.value ? &allow : NULL);
    } else {
        error_answer(x->m, 404, msg, &x->ans, NULL);
    }
    x->answer(x->ud, x, &x->ans);
}

/* A new exchange on dep (whose reference it takes over): the message, and
 * the exchange itself in the message's arena (no allocation of its own; it
 * ends with the message).  NULL, dep released, when out of memory. */
static mc_exchange *exchange_new(mc_deployment *dep)
{
    mc_message *m = mc_message_new(dep->e);
    mc_exchange *x = m ? mc_arena_calloc(&m->arena, sizeof *x) : NULL;
    if (!x) {
        mc_message_free(m);
        mc_deployment_release(dep);
        return NULL;
    }
    x->dep = dep;
    x->m = m;
    return x;
}

mc_code mc_exchange_start(mc_host *h, const mc_host_request *req, mc_http_client *client,
                          mc_exchange_answer_fn answer, void *ud)
{
    mc_exchange *x = exchange_new(mc_host_acquire(h));
    if (!x)
        return MC_ENOMEM;
    mc_msg_set_activity_id(x->m, request_header(req, MC_ACTIVITY_ID_HEADER));
    x->h = h;
    x->req = *req;
    x->client = client;
    x->answer = answer;
    x->ud = ud;
    strcpy(x->artifact, "-");
    mc_route rt;
    mc_route_result st = mc_host_route(mc_engine_config(x->dep->e), req->path, req->method,
                                       req->query, x->m, &rt);
    if (st != MC_ROUTE_OK) {
        route_error(x, st, &rt);
        return MC_OK;
    }
    mc_route_artifact(&rt, x->artifact, sizeof x->artifact);
    mc_err err = {0};
    mc_code prc = mc_host_request_to_message(x->m, req, &rt, &err);
    if (prc != MC_OK && soap_request_version(req)) {
        soap_error_answer(x->m, soap_request_version(req), prc, err.msg, &x->ans);
        x->answer(x->ud, x, &x->ans);
        return MC_OK;
    }
    if (prc != MC_OK) {
        error_answer(x->m, mc_payload_error_status(prc), err.msg, &x->ans, NULL);
        x->answer(x->ud, x, &x->ans);
        return MC_OK;
    }
    mc_code rc = start_flow(x->m, &rt);
    drive(x, rc == MC_OK ? mc_engine_run(x->m) : rc);
    return MC_OK;
}

/* An inbound endpoint's request: no routing, the flow's sequence runs with
 * its fault handler, on the deployment the endpoint belongs to. */
mc_code mc_exchange_start_flow(mc_host *h, const mc_inject_flow *f, const mc_host_request *req,
                               mc_http_client *client, mc_exchange_answer_fn answer, void *ud)
{
    atomic_fetch_add(&f->dep->refs, 1);
    mc_exchange *x = exchange_new(f->dep);
    if (!x)
        return MC_ENOMEM;
    mc_msg_set_activity_id(x->m, request_header(req, MC_ACTIVITY_ID_HEADER));
    x->h = h;
    x->req = *req;
    x->client = client;
    x->answer = answer;
    x->ud = ud;
    snprintf(x->artifact, sizeof x->artifact, "%s", f->label);
    mc_route rt = {.sub = req->path};
    mc_err err = {0};
    mc_code prc = mc_host_request_to_message(x->m, req, &rt, &err);
    if (prc != MC_OK) {
        error_answer(x->m, mc_payload_error_status(prc), err.msg, &x->ans, NULL);
        x->answer(x->ud, x, &x->ans);
        return MC_OK;
    }
    const mc_seq *fault = f->fault ? f->fault : mc_engine_config(x->dep->e)->fault_seq;
    mc_code rc = f->seq ? mc_engine_start(x->m, f->seq, NULL, fault) : MC_ECONFIG;
    drive(x, rc == MC_OK ? mc_engine_run(x->m) : rc);
    return MC_OK;
}

const char *mc_exchange_artifact(const mc_exchange *x) { return x->artifact; }

const char *mc_exchange_activity_id(const mc_exchange *x) { return x->m->activity_id; }

static void release(mc_exchange *x)
{
    size_t body = x->req.body_len;
    mc_deployment *dep = x->dep;
    mc_message_free(x->m);        /* x too: it is in the message's arena */
    mc_deployment_release(dep);
    mc_mem_after_request(body);   /* a big message: RSS goes back down */
}

void mc_exchange_free(mc_exchange *x)
{
    if (!x)
        return;
    if (x->running) {               /* children still run: free when they end */
        x->released = true;
        return;
    }
    release(x);
}
