/* operation.c - the generic operation mediator <name.op>: compiles the
 * flow's parameters against the operation's descriptor, and per message
 * picks the connection, resolves the parameters (defaults, the 400 rule for
 * required ones, typed checks), and suspends with the signed request. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>


#include "connector/internal.h"
#include "connector/shape.h"
#include "util/codec.h"

static mc_mediator *op_compile(mc_compiler *cc, xmlNodePtr node);
static mc_flow op_exec(const mc_mediator *self, mc_message *m);
static mc_flow op_resume(const mc_mediator *self, mc_message *m);

const mc_mediator_type mc_med_connector_op = {"connector.operation", op_compile,
                                              op_exec, op_resume, false};

/* ---- compile ------------------------------------------------------------ */

static const mc_coperation *op_of(mc_compiler *cc, xmlNodePtr node)
{
    const mc_connectors *cs = cc->cfg->connector_ctx;
    const char *el = (const char *)node->name;
    const char *dot = strrchr(el, '.');
    const mc_connector *c = cs && dot ? mc_connector_find(cs, el, (size_t)(dot - el)) : NULL;
    const mc_coperation *op = c ? mc_connector_op(c, dot + 1) : NULL;
    if (!op)
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<%s>: no such connector operation%s", el,
                cs ? "" : " (no connector descriptors are loaded)");
    return op;
}

/* Compile text as the value of p into *slot; literal values are checked. */
static bool compile_value(mc_compiler *cc, mc_op_m *o, xmlNodePtr node, const char *attr,
                          const mc_cparam *p, const char *raw_text, mc_template **slot)
{
    const char *text = mc_strdup_trimmed(cc, raw_text);
    if (*slot)
        mc_diag(cc, node, attr, MC_DIAG_WARNING,
                "parameter '%s' is given twice; the last one is used", p->name);
    if (p->deprecated)
        mc_diag(cc, node, attr, MC_DIAG_WARNING, "parameter '%s' is deprecated", p->name);
    if (!text || !(*slot = mc_compile_template(cc, node, attr, text)))
        return false;
    mc_err err = {0};
    if (mc_template_is_literal(*slot) && *text &&
        !mc_cparam_check(p, text, strlen(text), &err)) {
        mc_diag(cc, node, attr, MC_DIAG_ERROR, "%s: parameter '%s': %s", o->op->element,
                p->name, err.msg);
        return false;
    }
    return true;
}

static void set_config_key(mc_compiler *cc, mc_op_m *o, xmlNodePtr node, const char *attr,
                           const char *key)
{
    o->config_key = mc_strdup_trimmed(cc, key);
    if (!o->config_key || !*o->config_key)
        mc_diag(cc, node, attr, MC_DIAG_ERROR, "%s: configKey is empty", o->op->element);
    else
        mc_ref_entry(cc, node, attr, o->config_key, &o->entry);
}

static void warn_unknown(mc_compiler *cc, const mc_coperation *op, xmlNodePtr node,
                         const char *name)
{
    const char *near = mc_cparam_suggest(op->params, op->nparams, name);
    if (!near)
        near = mc_cparam_suggest(op->common, op->ncommon, name);
    mc_diag(cc, node, NULL, MC_DIAG_WARNING, "unknown parameter '%s' for %s%s%s%s", name,
            op->element, near ? "; did you mean '" : "", near ? near : "",
            near ? "'?" : "");
}

/* "{base64Decode(X)}" as a raw payload: XPath strings stop at a NUL, so
 * the connector evaluates "{X}" and decodes the bytes itself. */
static const char *raw_payload_text(mc_op_m *o, const char *text, mc_compiler *cc)
{
    static const char head[] = "{base64Decode(", tail[] = ")}";
    const char *t = mc_strdup_trimmed(cc, text);
    size_t n = t ? strlen(t) : 0, hl = sizeof head - 1, tl = sizeof tail - 1;
    if (n <= hl + tl || strncmp(t, head, hl) != 0 || strcmp(t + n - tl, tail) != 0 ||
        memchr(t + 1, '{', n - 2) || memchr(t + 1, '}', n - 2))
        return text;
    o->decode_payload = true;
    return mc_arena_printf(&cc->cfg->arena, "{%.*s}", (int)(n - hl - tl), t + hl);
}

/* One child element <paramName>template</paramName>. */
static bool compile_child(mc_compiler *cc, mc_op_m *o, xmlNodePtr ch)
{
    const mc_coperation *op = o->op;
    const char *name = (const char *)ch->name;
    if (strcmp(name, "configKey") == 0) {
        set_config_key(cc, o, ch, NULL, mc_text(cc, ch));
        return true;
    }
    const mc_cparam *p = mc_cparam_find(op->params, op->nparams, name);
    if (p && p == op->raw)
        return compile_value(cc, o, ch, NULL, p, raw_payload_text(o, mc_text(cc, ch), cc),
                             &o->values[p - op->params]);
    if (p)
        return compile_value(cc, o, ch, NULL, p, mc_text(cc, ch), &o->values[p - op->params]);
    p = mc_cparam_find(op->common, op->ncommon, name);
    if (p)
        return compile_value(cc, o, ch, NULL, p, mc_text(cc, ch), &o->common[p - op->common]);
    warn_unknown(cc, op, ch, name);
    return true;
}

/* Attributes: configKey and the common parameters (responseVariable...). */
static bool compile_attrs(mc_compiler *cc, mc_op_m *o, xmlNodePtr node)
{
    const mc_coperation *op = o->op;
    bool ok = true;
    for (xmlAttrPtr at = node->properties; at; at = at->next) {
        const char *name = (const char *)at->name;
        xmlChar *v = xmlGetProp(node, at->name);
        const char *value = v ? (const char *)v : "";
        const mc_cparam *p = mc_cparam_find(op->common, op->ncommon, name);
        if (strcmp(name, "configKey") == 0)
            set_config_key(cc, o, node, name, value);
        else if (p)
            ok = compile_value(cc, o, node, name, p, value, &o->common[p - op->common]) && ok;
        else if (strcmp(name, "description") != 0)
            mc_diag(cc, node, name, MC_DIAG_WARNING, "unknown attribute '%s' on <%s>", name,
                    op->element);
        xmlFree(v);
    }
    return ok;
}

static bool missing(const mc_cparam *p, const mc_template *t)
{
    bool given = t && !(mc_template_is_literal(t) && !*mc_template_source(t));
    return p->required && !given && !(p->def && *p->def);
}

/* Required parameters must be given (or have a default); the common ones
 * with usage="connection" only when a v2 connection is used. */
static bool check_required(mc_compiler *cc, const mc_op_m *o, xmlNodePtr node)
{
    const mc_coperation *op = o->op;
    bool ok = true;
    for (size_t i = 0; i < op->nparams; i++)
        if (missing(&op->params[i], o->values[i])) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR, "%s: required parameter '%s' is missing",
                    op->element, op->params[i].name);
            ok = false;
        }
    for (size_t i = 0; i < op->ncommon; i++) {
        const mc_cparam *p = &op->common[i];
        if ((!p->connection_only || o->config_key) && missing(p, o->common[i])) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                    "%s: required parameter '%s' is missing%s", op->element, p->name,
                    p->connection_only ? " (the operation uses a connection, configKey)" : "");
            ok = false;
        }
    }
    return ok;
}

static mc_mediator *op_compile(mc_compiler *cc, xmlNodePtr node)
{
    const mc_coperation *op = op_of(cc, node);
    if (!op)
        return NULL;
    mc_op_m *o = mc_new_mediator(cc, node, &mc_med_connector_op, sizeof *o);
    if (!o)
        return NULL;
    o->op = op;
    o->aws = ((mc_connectors *)cc->cfg->connector_ctx)->aws;
    o->response_variable = mc_cparam_find(op->common, op->ncommon, "responseVariable");
    o->overwrite_body = mc_cparam_find(op->common, op->ncommon, "overwriteBody");
    o->values = mc_alloc(cc, (op->nparams ? op->nparams : 1) * sizeof *o->values);
    o->common = mc_alloc(cc, (op->ncommon ? op->ncommon : 1) * sizeof *o->common);
    if (!o->values || !o->common)
        return NULL;
    bool ok = compile_attrs(cc, o, node);
    for (xmlNodePtr ch = mc_first_elem(node); ch; ch = mc_next_elem(ch))
        ok = compile_child(cc, o, ch) && ok;
    ok = check_required(cc, o, node) && ok;
    return ok ? &o->base : NULL;
}

/* ---- run ---------------------------------------------------------------- */

mc_flow mc_op_param_fault(mc_message *m, const char *code, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mc_buf b = MC_BUF_INIT;
    mc_buf_puts(&b, "{\"error\":");
    mc_buf_json_string(&b, msg, strlen(msg));
    mc_buf_putc(&b, '}');
    mc_msg_set_fault(m, code, msg, NULL);
    if (!b.oom)
        mc_msg_set_payload(m, b.data, b.len, "application/json", NULL);
    mc_buf_free(&b);
    mc_msg_set_status(m, 400);
    m->fault_response = true;
    m->out = NULL;
    return MC_FLOW_FAULT;
}

static bool blank(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] != ' ' && v[i] != '\t' && v[i] != '\n' && v[i] != '\r')
            return false;
    return true;
}

const char *mc_op_common(const mc_op_m *p, mc_message *m, const mc_cparam *cp)
{
    if (!cp)
        return NULL;
    const mc_template *t = p->common[cp - p->op->common];
    const char *v = "";
    size_t n = 0;
    if (t && mc_template_eval(t, m, &v, &n, NULL) == MC_OK)
        mc_conn_trim(&v, &n);
    if (n == 0)
        return cp->def && *cp->def ? cp->def : NULL;
    return mc_arena_strndup(&m->arena, v, n);
}

/* A version 4 UUID (what the SDKs fill an idempotency token with). */
static const char *new_uuid(mc_message *m)
{
    char u[37];
    return mc_uuid_v4(u) ? mc_arena_strdup(&m->arena, u) : NULL;
}

/* The raw payload as the bytes to send: decoded when its template was
 * {base64Decode(X)} or its encoding parameter says base64. */
static bool decode_payload(const mc_op_m *o, mc_message *m, mc_op_call *call, mc_flow *flow)
{
    const mc_coperation *op = o->op;
    if (!op->raw)
        return true;
    size_t i = (size_t)(op->raw - op->params);
    const char *enc = op->encoding ? call->values[op->encoding - op->params] : NULL;
    bool b64 = o->decode_payload || (enc && strcmp(enc, "base64") == 0);
    if (!b64 || !call->values[i])
        return true;
    const char *v = call->values[i];
    size_t n = call->lens[i];
    mc_conn_trim(&v, &n);
    mc_buf d = MC_BUF_INIT;
    bool ok = mc_base64_decode(&d, v, n) && !d.oom;
    char *bytes = ok ? mc_arena_alloc(&m->arena, d.len + 1) : NULL;
    if (bytes) {
        memcpy(bytes, d.data ? d.data : "", d.len);
        bytes[d.len] = '\0';
        call->values[i] = bytes;
        call->lens[i] = d.len;
    }
    mc_buf_free(&d);
    if (!ok)
        *flow = mc_op_param_fault(m, "InvalidParameter", "%s: parameter '%s': not valid "
                                  "base64 (it is decoded before sending)", op->element,
                                  op->raw->name);
    return ok;
}

/* <require member>: some parameter that builds the member must be set. */
static bool check_requires(const mc_coperation *op, mc_message *m, const mc_op_call *call,
                           mc_flow *flow)
{
    for (size_t r = 0; r < op->nrequires; r++) {
        const mc_crequire *req = &op->requires[r];
        size_t ml = strlen(req->member);
        bool found = false;
        for (size_t i = 0; i < op->nparams && !found; i++) {
            const mc_cparam *p = &op->params[i];
            found = p->in == MC_CP_BODY && call->values[i] &&
                    strncmp(p->as, req->member, ml) == 0 &&
                    (p->as[ml] == '\0' || p->as[ml] == '.');
        }
        if (!found) {
            *flow = mc_op_param_fault(m, "MissingParameter", "%s: required member %s is "
                                      "missing: give one of %s", op->element, req->member,
                                      req->params);
            return false;
        }
    }
    return true;
}

/* Resolve every parameter of the call: evaluate, apply defaults, leave out
 * empty optional ones; then the client-side rules (required, types,
 * shapes), as the AWS SDKs check them before sending anything. */
static bool resolve_params(const mc_op_m *o, mc_message *m, mc_op_call *call, mc_flow *flow)
{
    const mc_coperation *op = o->op;
    call->op = op;
    call->aws = o->aws;
    call->values = mc_arena_calloc(&m->arena, (op->nparams ? op->nparams : 1) * sizeof *call->values);
    call->lens = mc_arena_calloc(&m->arena, (op->nparams ? op->nparams : 1) * sizeof *call->lens);
    if (!call->values || !call->lens) {
        mc_msg_set_fault(m, "0", "out of memory", NULL);
        return *flow = MC_FLOW_FAULT, false;
    }
    mc_err err;    /* written only on failure: cleared once, not zeroed per parameter */
    mc_err_clear(&err);
    for (size_t i = 0; i < op->nparams; i++) {
        const mc_cparam *p = &op->params[i];
        const char *v = "";
        size_t n = 0;
        if (o->values[i] && mc_template_eval(o->values[i], m, &v, &n, &err) != MC_OK)
            return *flow = mc_op_param_fault(m, "InvalidParameter",
                                             "%s: parameter '%s': %s", op->element, p->name,
                                             err.msg), false;
        if (blank(v, n) && p->def && *p->def)
            v = p->def, n = strlen(p->def);
        if (blank(v, n) && p->idempotency_token && (v = new_uuid(m)))
            n = strlen(v);
        if (blank(v, n)) {
            if (p->required)
                return *flow = mc_op_param_fault(m, "MissingParameter",
                                                 "%s: required parameter '%s' is empty",
                                                 op->element, p->name), false;
            continue;
        }
        if (p->type != MC_CPT_STRING && p->type != MC_CPT_RAW && p->type != MC_CPT_BASE64)
            mc_conn_trim(&v, &n);
        bool encoded = p == op->raw && (o->decode_payload || op->encoding);
        if (!(encoded ? mc_cp_check(p->type, v, n, &err) : mc_cparam_check(p, v, n, &err)))
            return *flow = mc_op_param_fault(m, "InvalidParameter", "%s: parameter '%s': %s",
                                             op->element, p->name, err.msg), false;
        call->values[i] = v;
        call->lens[i] = n;
    }
    if (!decode_payload(o, m, call, flow) || !check_requires(op, m, call, flow))
        return false;
    if (op->raw && call->values[op->raw - op->params] && op->raw->shape) {
        size_t i = (size_t)(op->raw - op->params);
        if (!mc_cparam_check(op->raw, call->values[i], call->lens[i], &err))
            return *flow = mc_op_param_fault(m, "InvalidParameter", "%s: parameter '%s': %s",
                                             op->element, op->raw->name, err.msg), false;
    }
    return true;
}

static mc_flow conn_fault(mc_message *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static mc_flow conn_fault(mc_message *m, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mc_msg_set_fault(m, "InvalidConnection", msg, NULL);
    return MC_FLOW_FAULT;
}

/* configKey's connection evaluated now, else a preceding init's settings,
 * else the defaults. */
static const mc_conn_state *pick_connection(const mc_op_m *o, mc_message *m, mc_flow *flow)
{
    const mc_connector *c = o->op->connector;
    mc_err err;
    mc_err_clear(&err);
    const mc_conn_state *st;
    if (o->config_key) {
        const mc_conn *conn = o->entry ? o->entry->connection : NULL;
        if (!conn || conn->c != c) {
            *flow = conn_fault(m, "%s: local entry '%s' is not a %s connection", o->op->element,
                               o->config_key, c->name);
            return NULL;
        }
        st = mc_conn_eval(conn, c, m, &err);
    } else {
        st = mc_conn_state_get(m, c);
        if (!st)
            st = mc_conn_eval(NULL, c, m, &err);
    }
    if (!st && err.code == MC_EPARSE)   /* a bad typed value: the 400 rule */
        *flow = mc_op_param_fault(m, "InvalidParameter", "%s: %s", o->op->element, err.msg);
    else if (!st)
        *flow = conn_fault(m, "%s: %s", o->op->element, err.msg);
    return st;
}

static mc_flow op_exec(const mc_mediator *self, mc_message *m)
{
    const mc_op_m *o = (const mc_op_m *)self;
    mc_flow flow = MC_FLOW_FAULT;
    const mc_conn_state *st = pick_connection(o, m, &flow);
    if (!st)
        return flow;
    mc_conn_msg *cm = mc_conn_msg_of(m);
    mc_op_pending *pd = cm ? mc_arena_calloc(&m->arena, sizeof *pd) : NULL;
    if (!pd) {
        mc_msg_set_fault(m, "0", "out of memory", NULL);
        return MC_FLOW_FAULT;
    }
    if (!resolve_params(o, m, &pd->call, &flow))
        return flow;
    pd->st = st;
    pd->attempts = 1;
    cm->pending = pd;
    mc_build_result r = mc_op_build_request(&pd->call, st, m);
    return r.ok ? MC_FLOW_SUSPEND : r.flow;
}

static mc_flow op_resume(const mc_mediator *self, mc_message *m)
{
    return mc_op_map_response((const mc_op_m *)self, m);
}
