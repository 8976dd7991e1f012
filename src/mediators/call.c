/* call.c - <call> and <send>: send the current message to an endpoint
 * through the runtime's one HTTP client.  The mediator suspends the
 * message with an outbound request; the host performs it and resumes.
 * <call> continues with the response as the payload; <send> hands the
 * response to the out sequence (or answers the caller).  <send/> without an
 * endpoint answers the caller with the current payload. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mediators/mediators.h"
#include "util/codec.h"

typedef struct call_m {
    mc_mediator base;
    const mc_endpoint *ep;     /* inline, or by key (resolved at link) */
    const char *ep_key;        /* the key, when by key */
    bool is_send;
} call_m;

static mc_mediator *compile_any(mc_compiler *cc, xmlNodePtr node,
                                const mc_mediator_type *t)
{
    static const char *const attrs[] = {"blocking", "buildmessage", "receive", NULL};
    mc_check_attrs(cc, node, attrs);
    call_m *c = mc_new_mediator(cc, node, t, sizeof *c);
    if (!c)
        return NULL;
    c->is_send = t == &mc_med_send;
    xmlNodePtr ep = mc_first_elem(node);
    if (ep && strcmp((const char *)ep->name, "endpoint") != 0) {
        mc_diag(cc, ep, NULL, MC_DIAG_ERROR, "unexpected <%s> in <%s> (only <endpoint>)",
                (const char *)ep->name, t->name);
        return NULL;
    }
    if (ep) {
        const char *key = mc_attr(cc, ep, "key");
        if (key && *key) {
            c->ep_key = key;
            mc_ref_endpoint(cc, ep, "key", key, &c->ep);
        }
        else if (!(c->ep = mc_compile_endpoint(cc, ep)))
            return NULL;
    } else if (!c->is_send) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<call> needs an <endpoint>");
        return NULL;
    }
    return &c->base;
}

/* Expand {name} in an endpoint URI from default-scope properties
 * (uri.var.x, query.param.y, ...): each value, with its length, becomes
 * exactly one percent-encoded segment (a "." or ".." value as %2E). */
static const char *expand_uri(mc_message *m, const char *uri)
{
    if (!strchr(uri, '{'))
        return uri;
    mc_buf b = MC_BUF_INIT;
    for (const char *p = uri; *p;) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            mc_buf_puts(&b, p);
            break;
        }
        mc_buf_append(&b, p, (size_t)(open - p));
        char name[256];
        size_t nl = (size_t)(close - open - 1);
        if (nl >= sizeof name)
            nl = sizeof name - 1;
        memcpy(name, open + 1, nl);
        name[nl] = '\0';
        const mc_prop *v = mc_msg_get_prop(m, MC_SCOPE_DEFAULT, name);
        if (v)
            mc_url_encode_segment(&b, v->value, v->len);
        p = close + 1;
    }
    const char *r = b.oom ? NULL : mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
    mc_buf_free(&b);
    return r;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const call_m *c = (const call_m *)self;
    if (!c->ep && c->ep_key) /* a key that named nothing at load: Synapse's fault */
        return mc_fault(m, "305100", "Couldn't find the endpoint with the key : %s", c->ep_key);
    if (!c->ep) {
        m->responded = true; /* <send/>: answer the caller */
        return MC_FLOW_STOP;
    }
    mc_outbound *out = mc_arena_calloc(&m->arena, sizeof *out);
    if (!out)
        return mc_fault(m, "0", "out of memory");
    const char *method = c->ep->method;
    if (!method)
        method = mc_msg_prop(m, MC_SCOPE_AXIS2, "HTTP_METHOD");
    out->method = method && *method ? method : "POST";
    out->url = expand_uri(m, c->ep->uri);
    out->timeout_ms = c->ep->timeout_ms;
    out->insecure = c->ep->insecure;
    out->label = c->ep->name ? c->ep->name : c->ep->uri;
    out->idempotent = strcmp(out->method, "POST") != 0 && strcmp(out->method, "PATCH") != 0;
    size_t nh = 1;
    for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; p; p = p->next)
        nh++;
    out->headers = mc_arena_calloc(&m->arena, nh * sizeof *out->headers);
    if (!out->url || !out->headers)
        return mc_fault(m, "0", "out of memory");
    for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; p; p = p->next) {
        if (mc_msg_hop_header(p->name))
            continue;
        if (!mc_header_value_ok(p->value, p->len))
            return mc_fault(m, "0", "header '%s': a header value cannot hold a control "
                            "character (CR, LF, NUL, ...)", p->name);
        out->headers[out->nheaders++] = (mc_kv){p->name, p->value};
    }
    bool has_body = strcmp(out->method, "GET") != 0 && strcmp(out->method, "DELETE") != 0 &&
                    strcmp(out->method, "HEAD") != 0;
    if (has_body) {
        size_t n;
        const char *body = mc_msg_payload_bytes(m, &n);
        out->body = mc_arena_strndup(&m->arena, body ? body : "", n);
        out->body_len = n;
        out->headers[out->nheaders++] = (mc_kv){"Content-Type", mc_msg_content_type(m)};
    }
    m->out = out;
    m->in = NULL;
    return MC_FLOW_SUSPEND;
}

static mc_flow resume(const mc_mediator *self, mc_message *m)
{
    const call_m *c = (const call_m *)self;
    const mc_inbound *in = m->in;
    m->out = NULL;
    if (!in)
        return mc_fault(m, "101500", "no response from endpoint");
    if (in->fault_code) {
        char code[16];
        snprintf(code, sizeof code, "%d", in->fault_code);
        return mc_fault(m, code, "%s", in->error ? in->error : "endpoint failed");
    }
    const char *ct = NULL;
    mc_msg_clear_scope(m, MC_SCOPE_TRANSPORT);
    for (size_t i = 0; i < in->nheaders; i++) {
        if (strcasecmp(in->headers[i].name, "Content-Type") == 0)
            ct = in->headers[i].value;
        else if (!mc_msg_hop_header(in->headers[i].name))
            mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, in->headers[i].name,
                             in->headers[i].value);
    }
    mc_err err = {0};
    if (mc_msg_set_payload(m, in->body ? in->body : "", in->body_len, ct, &err) != MC_OK)
        mc_msg_set_payload(m, in->body, in->body_len, "application/octet-stream", NULL);
    mc_msg_set_status(m, in->status);
    if (c->is_send) {
        m->loopback = true; /* on to the out sequence, or answer */
        return MC_FLOW_STOP;
    }
    return MC_FLOW_NEXT;
}

static mc_mediator *compile_call(mc_compiler *cc, xmlNodePtr node)
{
    return compile_any(cc, node, &mc_med_call);
}
static mc_mediator *compile_send(mc_compiler *cc, xmlNodePtr node)
{
    return compile_any(cc, node, &mc_med_send);
}

const mc_mediator_type mc_med_call = {"call", compile_call, exec, resume, false};
const mc_mediator_type mc_med_send = {"send", compile_send, exec, resume, true};
