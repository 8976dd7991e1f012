/* call.c - <call> and <send>: send the current message to an endpoint
 * through the runtime's one HTTP client.  The mediator suspends the
 * message with an outbound request; the host performs it and resumes.
 * <call> continues with the response as the payload; <send> hands the
 * response to the out sequence (or answers the caller).  <send/> without an
 * endpoint answers the caller with the current payload.
 *
 * Endpoint groups (failover, loadbalance) retry on another leaf by
 * suspending again from resume (dispatch.c decides where); the request for
 * each leaf is built here: its URL (address + REST_URL_POSTFIX as MI
 * appends it, http uri-template, the To address of a default endpoint),
 * method, headers, body and timeout.  A recipient list sends a copy to
 * each ready recipient, one after another, and the flow continues with the
 * first good answer (MI hands every answer to the out sequence, where an
 * <aggregate> usually collects them; that needs child messages).
 * mc_send_start / mc_send_answered are shared with <callout>. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mediators/dispatch.h"
#include "mediators/enrich.h"
#include "mediators/mediators.h"
#include "mediators/send.h"
#include "msg/soap.h"
#include "msg/xmlsafe.h"
#include "util/codec.h"

/* MI 4's <call> <source> and <target> (Synapse's CallMediator): the
 * request body taken from a source, the answer put into a property or
 * variable with the message's own body kept. */
typedef struct call_io {
    bool source;               /* isSourceAvailable: the body is replaced by src */
    bool target;               /* isTargetAvailable: the answer goes to dst */
    mc_enrich_source src;      /* MC_EN_BODY: the body as it is */
    mc_enrich_target dst;
    bool src_native;           /* src -> body may run on JSON (enrich.h) */
    bool dst_native;
    mc_template *dst_name;     /* variable target named by {expr} */
} call_io;

typedef struct call_m {
    mc_mediator base;
    const call_io *io;         /* NULL: no <source>/<target> */
    const mc_endpoint *ep;     /* inline, or a reference resolved at link */
    const mc_endpoint *to;     /* <send/>: the implicit default endpoint */
    bool is_send;
    /* <send receive="seq">: the sequence the answer goes to instead of the
     * out sequence (a static name resolved at link, or {expr}) */
    const mc_seq *receive;
    mc_template *receive_dynamic;
} call_m;

/* The request in flight; m->out points at .out. */
typedef struct send_req {
    mc_outbound out;           /* first: m->out is this */
    mc_ep_dispatch d;
    const char *body;          /* a body of the caller's (callout), or NULL */
    size_t body_len;
    const char *content_type;
    const char *soap_action;
    bool no_postfix;
    /* a recipient list: each ready recipient in turn, its own dispatch */
    const mc_endpoint *rl;
    const mc_endpoint **rcpt;
    uint32_t nrcpt, next;
    const mc_inbound *first_ok;   /* the answer the flow continues with */
} send_req;

/* The element names of endpoint kinds (what goes inside <endpoint>). */
static bool endpoint_kind_name(const char *n)
{
    static const char *const kinds[] = {"address", "http", "wsdl", "default", "loadbalance",
        "failover", "recipientlist", "dynamicLoadbalance", NULL};
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp(n, kinds[i]) == 0)
            return true;
    return false;
}

/* <source type="T">TEXT</source> or <target type="T">TEXT</target> as
 * enrich's attribute form (TEXT: custom's expression, property's or
 * variable's name; inline's content is copied), made under el so that the
 * namespaces in scope there hold, compiled by enrich.c, then removed. */
static xmlNodePtr enrich_form(xmlNodePtr el, const char *type, const char *attr,
                              const char *text)
{
    xmlNodePtr n = xmlNewNode(el->ns, el->name);
    if (!n)
        return NULL;
    n->line = el->line;
    bool ok = xmlAddChild(el, n) && xmlNewProp(n, BAD_CAST "type", BAD_CAST type);
    if (ok && attr)
        ok = xmlNewProp(n, BAD_CAST attr, BAD_CAST text) != NULL;
    for (xmlNodePtr c = el->children; ok && !attr && c; c = c->next)
        if (c != n)
            ok = xmlAddChild(n, xmlDocCopyNode(c, el->doc, 1)) != NULL;
    if (!ok) {
        xmlUnlinkNode(n);
        xmlFreeNode(n);
        return NULL;
    }
    return n;
}

/* Compile el (a <source> into io->src, a <target> into io->dst) through
 * its enrich form. */
static bool compile_form(mc_compiler *cc, xmlNodePtr el, const char *type, const char *attr,
                         const char *text, call_io *io)
{
    xmlNodePtr f = enrich_form(el, type, attr, text);
    if (!f) {
        mc_diag(cc, el, NULL, MC_DIAG_ERROR, "out of memory");
        return false;
    }
    bool ok = strcmp((const char *)el->name, "source") == 0 ?
              mc_enrich_compile_source(cc, f, &io->src) : mc_enrich_compile_target(cc, f, &io->dst);
    xmlUnlinkNode(f);
    xmlFreeNode(f);
    return ok;
}

/* The name or expression a <source>/<target> holds as its text. */
static const char *io_text(mc_compiler *cc, xmlNodePtr el, const char *type)
{
    const char *t = mc_text_trimmed(cc, el);
    if (!t || !*t) {
        mc_diag(cc, el, NULL, MC_DIAG_ERROR, "<%s type=\"%s\"> in <call> needs %s as its text",
                (const char *)el->name, type,
                strcmp(type, "custom") == 0 ? "an expression" : "a name");
        return NULL;
    }
    return t;
}

/* A variable target's name as CallMediatorFactory reads it (ValueFactory's
 * text value): "{expr}" names the variable by an expression evaluated for
 * each message (io->dst_name; the name returned stands in at load), and
 * "{{text}}" is the literal name "{text}".  A property target's text is
 * always the literal name, as MI takes it. */
static const char *variable_name(mc_compiler *cc, xmlNodePtr te, const char *text,
                                 call_io *io)
{
    size_t n = strlen(text);
    if (n < 2 || text[0] != '{' || text[n - 1] != '}')
        return text;
    if (n > 3 && text[1] == '{' && text[n - 2] == '}') {
        char *lit = mc_alloc(cc, n - 1);
        if (lit) {
            memcpy(lit, text + 1, n - 2);
            lit[n - 2] = '\0';
        }
        return lit;
    }
    if (!(io->dst_name = mc_compile_template(cc, te, NULL, text)))
        return NULL;
    return text;
}

/* As CallMediatorFactory: a source of type custom (the default), property
 * or inline replaces the body that is sent, with contentType its message
 * type; body, envelope, key and variable leave the body (MI ignores the
 * last three).  A target of type property or variable receives the answer
 * and the body is kept; others leave the answer as the body.  A target
 * without a source has the body as its source (the body is kept). */
static const call_io *compile_io(mc_compiler *cc, xmlNodePtr se, xmlNodePtr te)
{
    call_io *io = mc_alloc(cc, sizeof *io);
    if (!io)
        return NULL;
    io->src.type = MC_EN_BODY;
    io->dst.type = MC_EN_BODY;
    if (se) {
        static const char *const attrs[] = {"type", "contentType", NULL};
        mc_check_attrs(cc, se, attrs);
        const char *type = mc_attr(cc, se, "type");
        if (!type)
            type = "custom";
        const char *attr = strcmp(type, "custom") == 0 ? "xpath" :
                           strcmp(type, "property") == 0 ? "property" : NULL;
        if (attr || strcmp(type, "inline") == 0) {
            const char *text = attr ? io_text(cc, se, type) : NULL;
            if (attr && !text)
                return NULL;
            if (!compile_form(cc, se, type, attr, text, io))
                return NULL;
            io->source = true;
        } else if (strcmp(type, "body") != 0 && strcmp(type, "envelope") != 0 &&
                   strcmp(type, "key") != 0 && strcmp(type, "variable") != 0) {
            mc_diag(cc, se, "type", MC_DIAG_ERROR, "unknown source type '%s' in <call> "
                    "(custom, property, inline, body)", type);
            return NULL;
        } else if (strcmp(type, "body") != 0) {
            mc_diag(cc, se, "type", MC_DIAG_WARNING, "a <call> source of type '%s' sends the "
                    "body, as MI's call mediator does", type);
        }
        io->src.content_type = mc_strdup(cc, mc_attr(cc, se, "contentType"));
    }
    if (te) {
        static const char *const attrs[] = {"type", NULL};
        mc_check_attrs(cc, te, attrs);
        const char *type = mc_attr(cc, te, "type");
        if (!type)
            type = "custom";
        if (strcmp(type, "property") == 0 || strcmp(type, "variable") == 0) {
            const char *text = io_text(cc, te, type);
            if (!text)
                return NULL;
            if (strcmp(type, "variable") == 0 && !(text = variable_name(cc, te, text, io)))
                return NULL;
            if (!compile_form(cc, te, type, "property", text, io))
                return NULL;
            io->target = true;
        } else if (strcmp(type, "body") != 0 && strcmp(type, "custom") != 0 &&
                   strcmp(type, "envelope") != 0 && strcmp(type, "key") != 0) {
            mc_diag(cc, te, "type", MC_DIAG_ERROR, "Un-expected type : %s (a <call> target is "
                    "property, variable or body)", type);
            return NULL;
        }
        if (!se)
            io->source = true;   /* the body, kept while the answer goes to dst */
    }
    mc_enrich_source body = {.type = MC_EN_BODY, .clone = true};
    io->src_native = mc_enrich_native(&io->src, &(mc_enrich_target){.type = MC_EN_BODY});
    io->dst_native = mc_enrich_native(&body, &io->dst);
    return io;
}

static mc_mediator *compile_any(mc_compiler *cc, xmlNodePtr node,
                                const mc_mediator_type *t)
{
    static const char *const attrs[] = {"blocking", "buildmessage", "receive",
        "initAxis2ClientOptions", "axis2xml", "repository", NULL};
    mc_check_attrs(cc, node, attrs);
    call_m *c = mc_new_mediator(cc, node, t, sizeof *c);
    if (!c)
        return NULL;
    c->is_send = t == &mc_med_send;
    /* Synapse's Send/CallMediatorFactory read the first <endpoint> and
     * ignore other children (the rest/...-synapse.xml files of MI's tests put a <header> there);
     * <call> also reads MI 4's first <source> and <target> */
    xmlNodePtr ep = NULL, src = NULL, dst = NULL;
    for (xmlNodePtr k = mc_first_elem(node); k; k = mc_next_elem(k)) {
        const char *kn = (const char *)k->name;
        if (strcmp(kn, "endpoint") == 0) {
            if (!ep)
                ep = k;
        } else if (!c->is_send && strcmp(kn, "source") == 0) {
            if (!src)
                src = k;   /* CallMediatorFactory reads the first of each */
        } else if (!c->is_send && strcmp(kn, "target") == 0) {
            if (!dst)
                dst = k;
        } else if (endpoint_kind_name(kn)) {
            /* an endpoint written without its <endpoint>: MI would ignore it
             * and send to the To address, surely not what was meant */
            mc_diag(cc, k, NULL, MC_DIAG_ERROR, "unexpected <%s> in <%s> (only <endpoint>; "
                    "write <endpoint><%s .../></endpoint>)", kn, t->name, kn);
            return NULL;
        } else if (strcmp(kn, "description") != 0) {
            mc_diag(cc, k, NULL, MC_DIAG_WARNING, "<%s> in <%s> is ignored, as MI ignores it "
                    "(only <endpoint>)", kn, t->name);
        }
    }
    if ((src || dst) && !(c->io = compile_io(cc, src, dst)))
        return NULL;
    if (ep) {
        if (!(c->ep = mc_compile_endpoint(cc, ep)))
            return NULL;
    } else {
        /* <send/> and <call/> in the in-flow go to the To address when the
         * flow set one (header To, rewrite), as Synapse's implicit endpoint
         * does */
        mc_endpoint *d = mc_alloc(cc, sizeof *d);
        mc_ep_state *st = mc_alloc(cc, sizeof *st);
        if (!d || !st)
            return NULL;
        mc_endpoint_init(d, st, MC_EP_DEFAULT);
        d->file = cc->file;
        mc_node_pos(cc, node, &d->line, &d->col);
        c->to = d;
    }
    const char *receive = c->is_send ? mc_attr(cc, node, "receive") : NULL;
    if (receive && receive[0] == '{') {
        if (!(c->receive_dynamic = mc_compile_template(cc, node, "receive", receive)))
            return NULL;
    } else if (receive && *receive) {
        mc_ref_sequence(cc, node, "receive", receive, &c->receive);
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

/* Did the request come in as SOAP (Synapse's isDoingREST is false)? */
static bool request_is_soap(const mc_message *m)
{
    const char *ct = mc_msg_prop(m, MC_SCOPE_TRANSPORT, "Content-Type");
    if (!ct)
        return false;
    if (strncasecmp(ct, "application/soap+xml", 20) == 0)
        return true;
    return strncasecmp(ct, "text/xml", 8) == 0 &&
           mc_msg_prop(m, MC_SCOPE_TRANSPORT, "SOAPAction") != NULL;
}

/* Axis2FlexibleMEPClient: an address (not an <http> endpoint) gets the
 * REST_URL_POSTFIX of a REST request appended, joined with one '/'. */
static const char *with_postfix(mc_message *m, const mc_endpoint *leaf, const char *addr)
{
    const mc_prop *sp = mc_msg_get_prop(m, MC_SCOPE_AXIS2, "REST_URL_POSTFIX");
    if (!sp || !sp->len || leaf->kind == MC_EP_HTTP)
        return addr;
    const char *suffix;
    bool rest = leaf->format == MC_EPF_REST ||
                (leaf->format != MC_EPF_SOAP11 && leaf->format != MC_EPF_SOAP12 &&
                 !request_is_soap(m));
    if (!rest)
        return addr;
    /* a flow may set it from message data: its dot segments stay inside
     * it and bytes that cannot stand in a URL are encoded, as for the one
     * taken from the request (mediac's choice; MI appends it as it is) */
    mc_buf clean = MC_BUF_INIT;
    mc_url_clean_postfix(&clean, sp->value, sp->len);
    if (clean.oom) {
        mc_buf_free(&clean);
        return NULL;
    }
    suffix = mc_buf_cstr(&clean);
    size_t al = strlen(addr);
    bool a_slash = al && addr[al - 1] == '/';
    mc_buf b = MC_BUF_INIT;
    if (!a_slash && suffix[0] != '/' && suffix[0] != '?')
        mc_buf_printf(&b, "%s/%s", addr, suffix);
    else if (a_slash && suffix[0] == '/')
        mc_buf_printf(&b, "%s%s", addr, suffix + 1);
    else if (a_slash && suffix[0] == '?')
        mc_buf_printf(&b, "%.*s%s", (int)(al - 1), addr, suffix);
    else
        mc_buf_printf(&b, "%s%s", addr, suffix);
    const char *r = b.oom ? NULL : mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
    mc_buf_free(&b);
    mc_buf_free(&clean);
    return r;
}

/* Endpoint <property> elements: set on the message before it is sent. */
static bool apply_props(mc_message *m, const mc_endpoint *ep)
{
    for (uint32_t i = 0; i < ep->nprops; i++) {
        const mc_ep_prop *p = &ep->props[i];
        const char *v = p->value;
        size_t n = v ? strlen(v) : 0;
        mc_err err;
        mc_err_clear(&err);
        if (p->expr && mc_expr_string(p->expr, m, &v, &n, &err) != MC_OK) {
            mc_fault(m, "0", "endpoint property '%s': %s", p->name, err.msg);
            return false;
        }
        if (p->scope == MC_SCOPE_TRANSPORT && !mc_header_value_ok(v, n)) {
            mc_fault(m, "0", "endpoint property '%s': a header value cannot hold a control "
                     "character (CR, LF, NUL, ...)", p->name);
            return false;
        }
        mc_msg_set_prop(m, (mc_scope)p->scope, p->name, v, n, MC_VT_STRING);
    }
    return true;
}

static long eval_timeout(mc_message *m, const mc_endpoint *leaf)
{
    if (!leaf->timeout_expr)
        return leaf->timeout_ms;
    const char *v;
    size_t n;
    mc_err err;
    mc_err_clear(&err);
    if (mc_expr_string(leaf->timeout_expr, m, &v, &n, &err) != MC_OK || !n)
        return leaf->timeout_ms;
    char *end;
    long t = strtol(v, &end, 10);
    return t > 0 && end != v ? t : leaf->timeout_ms;
}

/* "Basic base64(user:password)"; the password is a secret of the message. */
static const char *basic_auth(mc_message *m, const mc_endpoint *leaf)
{
    const char *u, *p;
    size_t un, pn;
    mc_err err;
    mc_err_clear(&err);
    if (mc_template_eval(leaf->basic_user, m, &u, &un, &err) != MC_OK ||
        mc_template_eval(leaf->basic_pass, m, &p, &pn, &err) != MC_OK)
        return NULL;
    mc_msg_add_secret(m, p);
    mc_buf raw = MC_BUF_INIT, b = MC_BUF_INIT;
    mc_buf_append(&raw, u, un);
    mc_buf_putc(&raw, ':');
    mc_buf_append(&raw, p, pn);
    mc_buf_puts(&b, "Basic ");
    mc_base64_encode(&b, raw.data, raw.len);
    const char *r = b.oom || raw.oom ? NULL : mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
    mc_msg_add_secret(m, r);
    mc_buf_free(&raw);
    mc_buf_free(&b);
    return r;
}

/* Set a header of the request, replacing one of that name. */
static bool set_header(mc_outbound *out, const char *name, const char *value)
{
    size_t i = 0;
    while (i < out->nheaders && strcasecmp(out->headers[i].name, name) != 0)
        i++;
    out->headers[i] = (mc_kv){name, value};
    if (i == out->nheaders)
        out->nheaders++;
    return value != NULL;
}

/* The body, Content-Type and SOAP headers of the request in the format
 * the endpoint names (format="soap11|soap12|pox|json|get|rest") or, with
 * none, the message's own (messageType; a SOAP message stays SOAP), as
 * Synapse's Axis2FlexibleMEPClient and Axis2's formatters make them. */
static bool format_body(mc_message *m, const mc_endpoint *leaf, mc_outbound *out)
{
    mc_wire w = mc_wire_of(mc_msg_content_type(m));
    switch (leaf->format) {
    case MC_EPF_SOAP11: w = MC_WIRE_SOAP11; out->method = "POST"; break;
    case MC_EPF_SOAP12: w = MC_WIRE_SOAP12; out->method = "POST"; break;
    case MC_EPF_POX: w = MC_WIRE_POX; break;
    case MC_EPF_JSON: w = MC_WIRE_JSON; break;
    case MC_EPF_GET: w = MC_WIRE_FORM; out->method = "GET"; break;
    case MC_EPF_REST:
        if (w == MC_WIRE_SOAP11)
            w = MC_WIRE_POX;
        break;
    default:
        if (w == MC_WIRE_SOAP11 && !mc_msg_is_soap(m))
            w = MC_WIRE_POX;   /* a REST message in text/xml stays plain XML */
        break;
    }
    out->idempotent = strcmp(out->method, "POST") != 0 && strcmp(out->method, "PATCH") != 0;
    const char *h10 = mc_msg_prop(m, MC_SCOPE_AXIS2, "FORCE_HTTP_1.0");
    const char *uri = mc_msg_prop(m, MC_SCOPE_AXIS2, "POST_TO_URI");
    out->http10 = h10 && strcasecmp(h10, "true") == 0;
    out->absolute_target = uri && strcasecmp(uri, "true") == 0;
    if (leaf->format == MC_EPF_GET) {
        /* the payload's fields as the query (XFormURLEncodedFormatter) */
        size_t n;
        const char *q = mc_msg_bytes_as(m, MC_WIRE_FORM, &n);
        if (q && n) {
            out->url = mc_arena_printf(&m->arena, "%s%c%s", out->url,
                                       strchr(out->url, '?') ? '&' : '?', q);
            if (!out->url)
                return false;
        }
        return true;
    }
    if (strcmp(out->method, "GET") == 0 || strcmp(out->method, "DELETE") == 0 ||
        strcmp(out->method, "HEAD") == 0)
        return true;
    const char *nobody = mc_msg_prop(m, MC_SCOPE_AXIS2, "NO_ENTITY_BODY");
    if (nobody && strcasecmp(nobody, "true") == 0)
        return true;
    if (w == MC_WIRE_SOAP11 || w == MC_WIRE_SOAP12) {
        const char *action = mc_msg_soap_action(m);
        const char *pa = mc_msg_prop(m, MC_SCOPE_DEFAULT, "PRESERVE_WS_ADDRESSING");
        const char *ph = mc_msg_prop(m, MC_SCOPE_DEFAULT, "preserveProcessedHeaders");
        mc_envelope_opts o = {
            .version = w == MC_WIRE_SOAP12 ? 12 : 11,
            .keep_addressing = (pa && strcasecmp(pa, "true") == 0) ||
                               (ph && strcasecmp(ph, "true") == 0),
            .addressing = leaf->addressing,
            .submission = leaf->addressing_submission,
            .to = out->url,
            .action = action,
            .message_id = m->message_id,
        };
        mc_buf b = MC_BUF_INIT;
        if (mc_msg_envelope_text(m, &o, &b) != MC_OK) {
            mc_buf_free(&b);
            return false;
        }
        out->body = mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
        out->body_len = b.len;
        mc_buf_free(&b);
        for (size_t i = 0; i < out->nheaders; i++)
            if (strcasecmp(out->headers[i].name, "SOAPAction") == 0)
                out->headers[i--] = out->headers[--out->nheaders];
        if (o.version == 11) {
            if (*action && !set_header(out, "SOAPAction",
                                       mc_arena_printf(&m->arena, "\"%s\"", action)))
                return false;
            return set_header(out, "Content-Type", "text/xml; charset=UTF-8") && out->body;
        }
        return set_header(out, "Content-Type", *action ?
                          mc_arena_printf(&m->arena, "application/soap+xml; charset=UTF-8; "
                                          "action=\"%s\"", action) :
                          "application/soap+xml; charset=UTF-8") && out->body;
    }
    size_t n;
    const char *body = mc_msg_bytes_as(m, w, &n);
    out->body = mc_arena_strndup(&m->arena, body ? body : "", n);
    out->body_len = n;
    const char *ct = leaf->format == MC_EPF_POX ? "application/xml" :
                     leaf->format == MC_EPF_JSON ? "application/json" : mc_msg_content_type(m);
    return set_header(out, "Content-Type", ct) && out->body;
}

/* Fill req->out for req->d.leaf.  MC_FLOW_SUSPEND, or MC_FLOW_FAULT. */
static mc_flow build_request(mc_message *m, send_req *req)
{
    const mc_endpoint *leaf = req->d.leaf;
    for (uint32_t i = 0; i < req->d.depth; i++)
        if (!apply_props(m, req->d.path[i]))
            return MC_FLOW_FAULT;
    if (!apply_props(m, leaf))
        return MC_FLOW_FAULT;
    mc_outbound *out = &req->out;
    memset(out, 0, sizeof *out);
    const char *method = leaf->method;
    size_t method_len = method ? strlen(method) : 0;
    if (!method) {
        const mc_prop *mp = mc_msg_get_prop(m, MC_SCOPE_AXIS2, "HTTP_METHOD");
        method = mp ? mp->value : NULL;
        method_len = mp ? mp->len : 0;
    }
    if (!method || !method_len) {
        method = "POST";
        method_len = 4;
    }
    out->method = method;
    switch (leaf->kind) {
    case MC_EP_HTTP:
        out->url = expand_uri(m, leaf->uri);
        break;
    case MC_EP_DEFAULT: {
        const mc_prop *tp = mc_msg_get_prop(m, MC_SCOPE_DEFAULT, "To");
        const char *to = tp ? tp->value : NULL;
        if (tp && !mc_url_text_ok(tp->value, tp->len))
            return mc_fault(m, "0", "default endpoint: a To address (URL) cannot hold a space "
                            "or a control character (CR, LF, NUL, ...)");
        if (!to || !*to || *to == '/')      /* none, or the request URI the transport set */
            return mc_fault(m, "303001",
                            "default endpoint: the message has no To address (set it with <header name=\"To\">)");
        if (mc_uri_foreign_scheme(to))
            return mc_fault(m, "303001", "default endpoint: To address '%s' is not HTTP(S)", to);
        out->url = req->no_postfix ? to : with_postfix(m, leaf, to);
        break;
    }
    default:
        out->url = req->no_postfix ? leaf->uri : with_postfix(m, leaf, leaf->uri);
        break;
    }
    /* refused before anything is sent, so the endpoint is not blamed
     * (suspended) for what a message carried */
    if (!mc_http_token_ok(method, method_len))
        return mc_fault(m, "0", "HTTP_METHOD: the method is not an HTTP token "
                        "(a letter, digit or one of !#$%%&'*+-.^_`|~)");
    if (out->url && !mc_url_text_ok(out->url, strlen(out->url)))
        return mc_fault(m, "0", "endpoint URL: a URL cannot hold a space or a control "
                        "character (CR, LF, NUL, ...)");
    out->timeout_ms = eval_timeout(m, leaf);
    out->insecure = leaf->insecure || (req->d.root && req->d.root->insecure);
    out->label = leaf->name ? leaf->name : req->d.root->name ? req->d.root->name : leaf->uri;
    out->idempotent = strcmp(out->method, "POST") != 0 && strcmp(out->method, "PATCH") != 0;
    size_t nh = 5;
    for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; p; p = p->next)
        nh++;
    out->headers = mc_arena_calloc(&m->arena, nh * sizeof *out->headers);
    if (!out->url || !out->headers)
        return mc_fault(m, "0", "out of memory");
    bool has_auth = false;
    for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; p; p = p->next) {
        if (mc_msg_hop_header(p->name))
            continue;
        if (leaf->basic_user && strcasecmp(p->name, "Authorization") == 0)
            continue;
        if (req->soap_action && strcasecmp(p->name, "SOAPAction") == 0)
            continue;
        if (!mc_header_value_ok(p->value, p->len))
            return mc_fault(m, "0", "header '%s': a header value cannot hold a control "
                            "character (CR, LF, NUL, ...)", p->name);
        out->headers[out->nheaders++] = (mc_kv){p->name, p->value};
    }
    if (leaf->basic_user) {
        const char *a = basic_auth(m, leaf);
        if (!a)
            return mc_fault(m, "0", "endpoint basicAuth: cannot evaluate username or password");
        out->headers[out->nheaders++] = (mc_kv){"Authorization", a};
        has_auth = true;
    }
    (void)has_auth;
    if (req->soap_action)
        out->headers[out->nheaders++] = (mc_kv){"SOAPAction", req->soap_action};
    if (req->body) {
        if (strcmp(out->method, "GET") != 0 && strcmp(out->method, "DELETE") != 0 &&
            strcmp(out->method, "HEAD") != 0) {
            out->body = req->body;
            out->body_len = req->body_len;
            out->headers[out->nheaders++] = (mc_kv){"Content-Type", req->content_type};
        }
    } else if (!format_body(m, leaf, out)) {
        return mc_fault(m, "0", "out of memory");
    }
    m->out = out;
    m->in = NULL;
    return MC_FLOW_SUSPEND;
}

/* <endpoints value="url,url,...">: address endpoints made per message. */
static bool dynamic_recipients(mc_message *m, send_req *req)
{
    const char *v;
    size_t n;
    mc_err err;
    mc_err_clear(&err);
    if (mc_template_eval(req->rl->recipients, m, &v, &n, &err) != MC_OK) {
        mc_fault(m, "303000", "recipient list: %s", err.msg);
        return false;
    }
    uint32_t cnt = 1;
    for (size_t i = 0; i < n; i++)
        cnt += v[i] == ',';
    req->rcpt = mc_arena_calloc(&m->arena, cnt * sizeof *req->rcpt);
    if (!req->rcpt)
        return mc_fault(m, "0", "out of memory"), false;
    for (const char *p = v, *end = v + n; p < end;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
            p++;
        const char *q = e;
        while (q > p && (q[-1] == ' ' || q[-1] == '\n' || q[-1] == '\t' || q[-1] == '\r'))
            q--;
        if (q > p) {
            mc_endpoint *ep = mc_arena_calloc(&m->arena, sizeof *ep);
            mc_ep_state *st = mc_arena_calloc(&m->arena, sizeof *st);
            const char *uri = mc_arena_strndup(&m->arena, p, (size_t)(q - p));
            if (!ep || !st || !uri)
                return mc_fault(m, "0", "out of memory"), false;
            mc_endpoint_init(ep, st, MC_EP_ADDRESS);
            ep->uri = uri;
            if (mc_uri_foreign_scheme(uri))
                return mc_fault(m, "303000", "recipient '%s' is not an HTTP(S) URL", uri), false;
            req->rcpt[req->nrcpt++] = ep;
        }
        p = e + 1;
    }
    return true;
}

/* Send to the next recipient that has a leaf to send to. */
static mc_flow next_recipient(mc_message *m, send_req *req)
{
    while (req->next < req->nrcpt) {
        memset(&req->d, 0, sizeof req->d);
        req->d.root = req->rcpt[req->next++];
        if (mc_ep_first(m, &req->d))
            return build_request(m, req);
    }
    return MC_FLOW_NEXT; /* every recipient has been tried */
}

static mc_flow start_recipients(mc_message *m, send_req *req, const mc_endpoint *rl)
{
    req->rl = rl;
    if (rl->recipients) {
        if (!dynamic_recipients(m, req))
            return MC_FLOW_FAULT;
    } else {
        /* sendToEndpointList: every child that is ready now */
        req->rcpt = mc_arena_calloc(&m->arena, (rl->nchildren + 1) * sizeof *req->rcpt);
        if (!req->rcpt)
            return mc_fault(m, "0", "out of memory");
        int64_t now = mc_ep_now_ms();
        for (uint32_t i = 0; i < rl->nchildren; i++)
            if (mc_ep_ready(m, rl->children[i], now))
                req->rcpt[req->nrcpt++] = rl->children[i];
    }
    if (req->nrcpt == 0)
        return mc_fault(m, "303000", "Recipient List endpoint : %s - no ready child endpoints",
                        rl->name ? rl->name : "AnonymousEndpoint");
    mc_flow f = next_recipient(m, req);
    return f == MC_FLOW_NEXT ? MC_FLOW_FAULT : f;
}

mc_flow mc_send_start(mc_message *m, const mc_endpoint *ep, const mc_send_body *body)
{
    send_req *req = mc_arena_calloc(&m->arena, sizeof *req);
    if (!req)
        return mc_fault(m, "0", "out of memory");
    req->d.root = ep;
    if (body) {
        req->body = body->data;
        req->body_len = body->len;
        req->content_type = body->content_type;
        req->soap_action = body->soap_action;
        req->no_postfix = body->no_postfix;
    }
    const mc_endpoint *root = mc_ep_resolve(m, ep);
    if (!root)
        return MC_FLOW_FAULT;
    if (root->kind == MC_EP_RECIPIENTLIST)
        return start_recipients(m, req, root);
    if (!mc_ep_first(m, &req->d))
        return MC_FLOW_FAULT;
    return build_request(m, req);
}

/* One recipient is done (ok or failed for good): on to the next, or
 * finish with the first good answer. */
static mc_send_outcome recipient_done(mc_message *m, send_req *req, bool ok)
{
    if (ok && !req->first_ok)
        req->first_ok = m->in;
    if (next_recipient(m, req) == MC_FLOW_SUSPEND)
        return MC_SENT_AGAIN;
    if (!req->first_ok)
        return MC_SENT_FAULT; /* ERROR_* of the last recipient */
    m->in = (mc_inbound *)req->first_ok;
    m->out = NULL;
    mc_msg_remove_prop(m, MC_SCOPE_DEFAULT, "ERROR_CODE");
    mc_msg_remove_prop(m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE");
    mc_msg_remove_prop(m, MC_SCOPE_DEFAULT, "ERROR_DETAIL");
    return MC_SENT_OK;
}

/* FORCE_ERROR_ON_SOAP_FAULT: a SOAP fault answer counts as a failure. */
static bool is_soap_fault(const mc_inbound *in)
{
    if (!in->body || !in->body_len || !memmem(in->body, in->body_len, "Fault", 5))
        return false;
    mc_xml_error xe;
    xmlDocPtr doc = mc_xml_parse(in->body, in->body_len, "response", 0, &xe);
    if (!doc)
        return false;
    bool fault = false;
    xmlNodePtr env = xmlDocGetRootElement(doc);
    if (env && env->ns && strcmp((const char *)env->name, "Envelope") == 0 &&
        (strcmp((const char *)env->ns->href, MC_SOAP11_NS) == 0 ||
         strcmp((const char *)env->ns->href, MC_SOAP12_NS) == 0)) {
        for (xmlNodePtr b = env->children; b; b = b->next) {
            if (b->type != XML_ELEMENT_NODE || strcmp((const char *)b->name, "Body"))
                continue;
            for (xmlNodePtr f = b->children; f; f = f->next)
                if (f->type == XML_ELEMENT_NODE) {
                    fault = strcmp((const char *)f->name, "Fault") == 0;
                    break;
                }
        }
    }
    xmlFreeDoc(doc);
    return fault;
}

mc_send_outcome mc_send_answered(mc_message *m)
{
    send_req *req = (send_req *)m->out;
    const mc_inbound *in = m->in;
    m->out = NULL;
    if (!req)
        return (mc_fault(m, "101500", "no request in flight"), MC_SENT_FAULT);
    const mc_endpoint *leaf = req->d.leaf;
    int code = 0;
    const char *why = NULL;
    if (!in) {
        code = 101500;
        why = "no response from endpoint";
    } else if (in->fault_code) {
        code = in->fault_code;
        why = in->error ? in->error : "endpoint failed";
    } else {
        const char *force = mc_msg_prop(m, MC_SCOPE_DEFAULT, "FORCE_ERROR_ON_SOAP_FAULT");
        if (force && strcasecmp(force, "true") == 0 && is_soap_fault(in)) {
            code = 500000;
            why = "SOAP fault in the response";
        }
    }
    if (!code) {
        mc_ep_succeeded(leaf);
        return req->rl ? recipient_done(m, req, true) : MC_SENT_OK;
    }
    char cs[16];
    snprintf(cs, sizeof cs, "%d", code);
    mc_msg_set_fault(m, cs, why, NULL);
    if (leaf && leaf->timeout_action == MC_EPT_DISCARD) {
        /* Synapse ignores the fault handlers: the message goes nowhere */
        mc_ep_state_fault(leaf, code, mc_ep_now_ms());
        mc_msg_log(m, MC_LOG_WARN, "endpoint %s failed (%d %s); responseAction discard drops the message",
                   leaf->name ? leaf->name : leaf->uri ? leaf->uri : "(anonymous)", code, why);
        return MC_SENT_DISCARD;
    }
    if (mc_ep_failed(m, &req->d, code)) {
        mc_msg_log(m, MC_LOG_INFO, "endpoint failed (%d %s); failing over to %s", code, why,
                   req->d.leaf->name ? req->d.leaf->name : req->d.leaf->uri ? req->d.leaf->uri : "(default)");
        return build_request(m, req) == MC_FLOW_SUSPEND ? MC_SENT_AGAIN : MC_SENT_FAULT;
    }
    return req->rl ? recipient_done(m, req, false) : MC_SENT_FAULT;
}

/* WS-Addressing's anonymous address (final or 2004/08): "answer the
 * caller", as Axis2's getDestinationEPR reads it */
static bool anonymous_address(const char *to)
{
    return strcmp(to, "http://www.w3.org/2005/08/addressing/anonymous") == 0 ||
           strcmp(to, "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous") == 0;
}

/* Does the To address name the service the request came in to?  (An
 * addressing client that sets wsa:To to the proxy's own URL: sending there
 * would send the message back to itself for ever; it is answered instead.) */
static bool names_this_service(mc_message *m, const char *to)
{
    const char *path = strchr(to + (to[4] == ':' ? 7 : 8), '/');
    const char *in = mc_msg_prop(m, MC_SCOPE_AXIS2, "TransportInURL");
    if (!path || !in)
        return false;
    size_t pn = strcspn(path, "?#"), in_n = strcspn(in, "?#");
    return pn == in_n && strncmp(path, in, pn) == 0;
}

static void free_saved(void *saved)
{
    mc_msg_free(saved);
}

/* The source replaces the body, as MediatorEnrichUtil.doEnrich does by
 * the source's message type (contentType, else the message's): JSON puts
 * the source's JSON in the body (a message with another body gets a JSON
 * one), text/plain its text, anything else its XML. */
static mc_flow source_to_body(const call_io *io, mc_message *m)
{
    const char *type = io->src.content_type && *io->src.content_type ?
                       io->src.content_type : mc_msg_content_type(m);
    bool json = type && strncasecmp(type, "application/json", 16) == 0;
    bool text = type && strncasecmp(type, "text/plain", 10) == 0;
    if (text && (io->src.type == MC_EN_PROPERTY || io->src.type == MC_EN_CUSTOM ||
                 (io->src.inline_text && !io->src.nparts))) {
        const char *v = NULL;
        size_t n = 0;
        if (io->src.type == MC_EN_PROPERTY) {
            const mc_prop *p = mc_msg_get_prop(m, MC_SCOPE_DEFAULT, io->src.property);
            if (p)
                v = p->value, n = p->len;
        } else if (io->src.type == MC_EN_CUSTOM) {
            mc_err err;
            mc_err_clear(&err);
            if (mc_expr_string(io->src.path, m, &v, &n, &err) != MC_OK)
                return mc_fault(m, "0", "call source: %s", err.msg);
        } else {
            v = io->src.inline_text, n = strlen(v);
        }
        if (!v)
            return mc_fault(m, "0", "Property value must be a string for text/plain");
        return mc_msg_set_payload(m, v, n, "text/plain", NULL) == MC_OK ? MC_FLOW_NEXT
               : mc_fault(m, "0", "out of memory");
    }
    if (json && m->payload.kind != MC_PL_JSON && io->src.type != MC_EN_CUSTOM &&
        mc_msg_set_json(m, "{}", 2) != MC_OK)
        return mc_fault(m, "0", "out of memory");
    static const mc_enrich_target body = {.type = MC_EN_BODY};
    return mc_enrich_apply(m, &io->src, &body, json && io->src_native);
}

/* Before the request (CallMediator.mediate): with a target as well, a copy
 * of the message as it is, for its body, message type and transport
 * headers to come back after the answer; then the source replaces the body
 * (an inline JSON source on a message without a body still becomes it),
 * and contentType becomes the message type of what is sent. */
static mc_flow io_before(const call_m *c, mc_message *m)
{
    const call_io *io = c->io;
    if (!io->source)
        return MC_FLOW_NEXT;
    if (io->target) {
        mc_message *saved = mc_msg_clone(m, true);
        if (!saved)
            return mc_fault(m, "0", "out of memory");
        if (mc_msg_on_free(m, free_saved, saved) != MC_OK) {
            mc_msg_free(saved);
            return mc_fault(m, "0", "out of memory");
        }
        saved->answer_rest = m->answer_rest;   /* the clone leaves it; kept for io_after */
        if (mc_msg_set_slot(m, c, saved) != MC_OK)
            return mc_fault(m, "0", "out of memory");
    }
    if (io->src.type == MC_EN_BODY)
        return MC_FLOW_NEXT;
    mc_flow f = source_to_body(io, m);
    if (f != MC_FLOW_NEXT)
        return f;
    const char *ct = io->src.content_type;
    if (ct && *ct) {
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", ct);
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "ContentType", ct);
        if (mc_msg_prop(m, MC_SCOPE_TRANSPORT, "Content-Type"))
            mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "Content-Type", ct);
    }
    return MC_FLOW_NEXT;
}

/* After the answer became the message (CallMediator.postMediate): a
 * property or variable target receives it, and with a source the message
 * gets back the body, message type and transport headers it had; the
 * status stays the answer's, as in MI. */
static mc_flow io_after(const call_m *c, mc_message *m)
{
    const call_io *io = c->io;
    if (!io->target)
        return MC_FLOW_NEXT;
    static const mc_enrich_source body = {.type = MC_EN_BODY, .clone = true};
    mc_enrich_target named = io->dst;
    if (io->dst_name) {
        const char *name;
        size_t n;
        mc_err err = {0};
        if (mc_template_eval(io->dst_name, m, &name, &n, &err) != MC_OK)
            return mc_fault(m, "0", "<call> target variable name: %s", err.msg);
        named.property = name;
    }
    mc_flow f = mc_enrich_apply(m, &body, &named, io->dst_native);
    mc_message *saved = io->source ? mc_msg_slot(m, c) : NULL;
    if (f != MC_FLOW_NEXT || !saved)
        return f;
    int status = mc_msg_status(m);
    bool responded = m->responded, fault_response = m->fault_response;
    if (mc_msg_adopt_answer(m, saved) != MC_OK)
        return mc_fault(m, "0", "out of memory");
    m->responded = responded;
    m->fault_response = fault_response;
    mc_msg_set_status(m, status);
    m->answer_rest = saved->answer_rest;
    return MC_FLOW_NEXT;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const call_m *c = (const call_m *)self;
    if (c->io) {
        mc_flow f = io_before(c, m);
        if (f != MC_FLOW_NEXT)
            return f;
    }
    if (!c->ep && !c->is_send) {
        const char *to = mc_msg_prop(m, MC_SCOPE_DEFAULT, "To");
        if (!to || !*to || *to == '/' || anonymous_address(to) ||
            ((!strncasecmp(to, "http://", 7) || !strncasecmp(to, "https://", 8)) &&
             names_this_service(m, to)))
            return mc_fault(m, "303001", "<call> without an endpoint: the message has no To "
                            "address to send to (set it with <header name=\"To\">)");
        return mc_send_start(m, c->to, NULL);   /* a non-HTTP To faults there */
    }
    if (!c->ep) {
        /* <send/> on the request path of a message addressed elsewhere (a
         * WS-Addressing To, <header name="To">, rewrite) goes there, as
         * Synapse sends to the implicit To; otherwise it answers the caller */
        const char *to = mc_msg_prop(m, MC_SCOPE_DEFAULT, "To");
        const char *resp = mc_msg_prop(m, MC_SCOPE_DEFAULT, "RESPONSE");
        if (!m->in_out_sequence && to && (!strncasecmp(to, "http://", 7) ||
            !strncasecmp(to, "https://", 8)) && !(resp && strcasecmp(resp, "true") == 0) &&
            !names_this_service(m, to) && !anonymous_address(to))
            return mc_send_start(m, c->to, NULL);
        m->responded = true; /* <send/>: answer the caller */
        return MC_FLOW_STOP;
    }
    return mc_send_start(m, c->ep, NULL);
}

/* The answer becomes the message: payload, transport headers, status. */
void mc_send_take_answer(mc_message *m)
{
    const mc_inbound *in = m->in;
    const char *ct = NULL;
    mc_msg_clear_scope(m, MC_SCOPE_TRANSPORT);
    for (size_t i = 0; i < in->nheaders; i++) {
        if (strcasecmp(in->headers[i].name, "Content-Type") == 0)
            ct = in->headers[i].value;
        else if (!mc_msg_hop_header(in->headers[i].name))
            mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, in->headers[i].name,
                             in->headers[i].value);
    }
    mc_err err;
    mc_err_clear(&err);
    if (mc_msg_set_payload_lent(m, in->body ? in->body : "", in->body_len, ct, &err) != MC_OK)
        mc_msg_set_payload(m, in->body, in->body_len, "application/octet-stream", NULL);
    /* a SOAP answer keeps its envelope; any other is a REST answer, which
     * a SOAP client gets back as SOAP of its version */
    m->answer_rest = m->payload.soap == 0;
    mc_msg_set_status(m, in->status);
}

static mc_flow resume(const mc_mediator *self, mc_message *m)
{
    const call_m *c = (const call_m *)self;
    switch (mc_send_answered(m)) {
    case MC_SENT_AGAIN:
        return MC_FLOW_SUSPEND;
    case MC_SENT_FAULT:
        return MC_FLOW_FAULT;
    case MC_SENT_DISCARD:
        m->dropped = true;
        return MC_FLOW_STOP;
    case MC_SENT_OK:
        break;
    }
    mc_send_take_answer(m);
    if (c->is_send) {
        const mc_seq *receive = c->receive;
        if (c->receive_dynamic) {
            const char *name;
            size_t n;
            mc_err err;
            mc_err_clear(&err);
            if (mc_template_eval(c->receive_dynamic, m, &name, &n, &err) != MC_OK)
                return mc_fault(m, "0", "send receive: %s", err.msg);
            if (!(receive = mc_config_sequence(m->cfg, name)))
                return mc_fault(m, "0", "Sequence named %s cannot be found", name);
        }
        if (receive)
            m->out_seq = receive; /* MI: the answer goes there, not to the out sequence */
        /* the response is addressed back to the client: no To of the
         * request (empty, so get-property('To') does not fall back to the
         * request's URL either) */
        mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "To", "");
        m->loopback = true; /* on to the out sequence, or answer */
        return MC_FLOW_STOP;
    }
    return c->io ? io_after(c, m) : MC_FLOW_NEXT;
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
