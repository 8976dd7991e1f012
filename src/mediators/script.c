/* script.c - <script language="js">: JavaScript, inline or from a key with
 * a `function` (default "mediate") called with the `mc` object MI scripts
 * use.  Compiled once at load (js_engine.h); each message runs in a fresh
 * heap with an instruction budget and a memory cap.  Other languages
 * (groovy, py, rb, ...) are refused at load.
 *
 * mc: getPayloadJSON, setPayloadJSON, getPayloadXML, setPayloadXML,
 * getPayloadText, getJsonText, getProperty, setProperty, removeProperty
 * (optional scope argument), getVariable, setVariable, getHeader,
 * setHeader, removeHeader (transport headers), getMessageID, log; and the
 * global print(). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/json.h"
#include "mediators/js_engine.h"
#include "mediators/mediators.h"
#include "msg/xmlsafe.h"

typedef struct script_include {
    const char *key;
    mc_js_code code;
} script_include;

typedef struct script_m {
    mc_mediator base;
    const char *key;            /* NULL: inline */
    const char *function;       /* with a key: "mediate" unless given */
    mc_js_code code;
    script_include *includes;
    size_t nincludes;
    uint64_t budget;            /* mc:instructionBudget */
    size_t memory;              /* mc:memoryLimit (bytes) */
} script_m;

/* ---- mc: payload ------------------------------------------------------ */

/* messageType before a payload change, to put back after it (Synapse's
 * setPayloadJSON/setPayloadXML leave it alone). */
static const char *saved_type(mc_message *m)
{
    const char *t = mc_msg_prop(m, MC_SCOPE_AXIS2, "messageType");
    return t ? mc_arena_strdup(&m->arena, t) : NULL;
}

static void restore_type(mc_message *m, const char *t)
{
    if (t)
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", t);
}

/* The payload's JSON text (an XML payload through the Synapse mapping), or
 * NULL when it has none. */
static const char *payload_json_text(mc_message *m, size_t *n)
{
    if (m->payload.kind == MC_PL_JSON) {
        *n = m->payload.len;
        return m->payload.bytes;
    }
    xmlNodePtr root = m->payload.kind == MC_PL_XML ? mc_msg_payload_root(m) : NULL;
    if (!root)
        return NULL;
    mc_buf b = MC_BUF_INIT;
    mc_xml_to_json(&b, root);
    const char *r = b.oom ? NULL : mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
    *n = b.len;
    mc_buf_free(&b);
    return r;
}

static duk_ret_t get_payload_json(duk_context *ctx)
{
    size_t n;
    const char *t = payload_json_text(mc_js_message(ctx), &n);
    if (!t)
        return 0; /* undefined */
    duk_push_lstring(ctx, t, n);
    duk_json_decode(ctx, -1);
    return 1;
}

static duk_ret_t set_payload_json(duk_context *ctx)
{
    mc_message *m = mc_js_message(ctx);
    duk_size_t n;
    const char *text;
    if (duk_is_null_or_undefined(ctx, 0)) {
        text = "{}";
        n = 2;
    } else if (duk_is_string(ctx, 0)) {
        text = duk_get_lstring(ctx, 0, &n);
    } else {
        text = duk_json_encode(ctx, 0);
        text = duk_get_lstring(ctx, 0, &n);
    }
    if (!mc_json_valid(text, n))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "setPayloadJSON: not JSON");
    const char *type = saved_type(m);
    if (mc_msg_set_json(m, text, n) != MC_OK)
        return duk_error(ctx, DUK_ERR_ERROR, "setPayloadJSON: out of memory");
    restore_type(m, type);
    return 0;
}

static void push_node_xml(duk_context *ctx, xmlNodePtr n)
{
    xmlBufferPtr xb = xmlBufferCreate();
    if (!xb) {
        duk_push_undefined(ctx);
        return;
    }
    if (n)
        xmlNodeDump(xb, n->doc, n, 0, 0);
    duk_push_lstring(ctx, (const char *)xmlBufferContent(xb), (duk_size_t)xmlBufferLength(xb));
    xmlBufferFree(xb);
}

static duk_ret_t get_payload_xml(duk_context *ctx)
{
    xmlNodePtr root = mc_msg_payload_root(mc_js_message(ctx));
    if (!root)
        return 0;
    push_node_xml(ctx, root);
    return 1;
}

static duk_ret_t set_payload_xml(duk_context *ctx)
{
    mc_message *m = mc_js_message(ctx);
    duk_size_t n;
    const char *text = duk_safe_to_lstring(ctx, 0, &n);
    mc_xml_error xe = {0};
    xmlDocPtr doc = mc_xml_parse(text, n, NULL, 1, &xe);
    if (!doc)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "setPayloadXML: %s", xe.msg);
    const char *type = saved_type(m);
    mc_code rc = mc_msg_set_xml_node(m, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    if (rc != MC_OK)
        return duk_error(ctx, DUK_ERR_ERROR, "setPayloadXML: out of memory");
    restore_type(m, type);
    return 0;
}

static duk_ret_t get_payload_text(duk_context *ctx)
{
    mc_message *m = mc_js_message(ctx);
    size_t n;
    const char *t;
    if (m->payload.kind == MC_PL_JSON) {
        duk_push_lstring(ctx, m->payload.bytes, m->payload.len);
    } else if (m->payload.kind == MC_PL_TEXT) {
        t = mc_msg_payload_bytes(m, &n);
        duk_push_lstring(ctx, t, n);
    } else {
        xmlDocPtr env = mc_msg_envelope(m);
        push_node_xml(ctx, env ? xmlDocGetRootElement(env) : NULL);
    }
    return 1;
}

static duk_ret_t get_json_text(duk_context *ctx)
{
    size_t n;
    const char *t = payload_json_text(mc_js_message(ctx), &n);
    if (t)
        duk_push_lstring(ctx, t, n);
    else
        duk_push_string(ctx, "{}");
    return 1;
}

/* ---- mc: properties, variables, headers -------------------------------- */

static mc_scope scope_arg(duk_context *ctx, duk_idx_t i)
{
    if (duk_is_null_or_undefined(ctx, i))
        return MC_SCOPE_DEFAULT;
    int s = mc_scope_from_name(duk_safe_to_string(ctx, i));
    if (s < 0)
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "unknown scope '%s'", duk_safe_to_string(ctx, i));
    return (mc_scope)s;
}

static void push_prop(duk_context *ctx, const mc_prop *p)
{
    if (p)
        duk_push_lstring(ctx, p->value, p->len);
    else
        duk_push_null(ctx);
}

/* Store the value at idx: text as it is, objects as JSON (type JSON). */
static void store_value(duk_context *ctx, duk_idx_t idx, mc_message *m, bool var,
                        mc_scope scope, const char *name)
{
    mc_vtype type = MC_VT_STRING;
    duk_size_t n;
    const char *v;
    if (duk_is_object(ctx, idx) && !duk_is_function(ctx, idx)) {
        duk_dup(ctx, idx);
        v = duk_json_encode(ctx, -1);
        v = duk_get_lstring(ctx, -1, &n);
        type = MC_VT_JSON;
    } else {
        v = duk_safe_to_lstring(ctx, idx, &n);
        if (duk_is_number(ctx, idx))
            type = MC_VT_DOUBLE;
        else if (duk_is_boolean(ctx, idx))
            type = MC_VT_BOOLEAN;
    }
    mc_code rc = var ? mc_msg_set_var(m, name, v, n, type)
                     : mc_msg_set_prop(m, scope, name, v, n, type);
    if (rc != MC_OK)
        (void)duk_error(ctx, DUK_ERR_ERROR, "out of memory");
}

static duk_ret_t get_property(duk_context *ctx)
{
    mc_message *m = mc_js_message(ctx);
    const char *name = duk_safe_to_string(ctx, 0);
    push_prop(ctx, mc_msg_get_prop(m, scope_arg(ctx, 1), name));
    return 1;
}

static duk_ret_t set_property(duk_context *ctx)
{
    mc_message *m = mc_js_message(ctx);
    const char *name = duk_safe_to_string(ctx, 0);
    mc_scope s = scope_arg(ctx, 2);
    if (duk_is_null_or_undefined(ctx, 1))
        mc_msg_remove_prop(m, s, name);
    else
        store_value(ctx, 1, m, false, s, name);
    return 0;
}

static duk_ret_t remove_property(duk_context *ctx)
{
    mc_message *m = mc_js_message(ctx);
    mc_msg_remove_prop(m, scope_arg(ctx, 1), duk_safe_to_string(ctx, 0));
    return 0;
}

static duk_ret_t get_variable(duk_context *ctx)
{
    push_prop(ctx, mc_msg_get_var(mc_js_message(ctx), duk_safe_to_string(ctx, 0)));
    return 1;
}

static duk_ret_t set_variable(duk_context *ctx)
{
    const char *name = duk_safe_to_string(ctx, 0);
    store_value(ctx, 1, mc_js_message(ctx), true, MC_SCOPE_DEFAULT, name);
    return 0;
}

static duk_ret_t get_header(duk_context *ctx)
{
    push_prop(ctx, mc_msg_get_prop(mc_js_message(ctx), MC_SCOPE_TRANSPORT,
                                   duk_safe_to_string(ctx, 0)));
    return 1;
}

static duk_ret_t set_header(duk_context *ctx)
{
    const char *name = duk_safe_to_string(ctx, 0);
    duk_size_t n;
    const char *v = duk_safe_to_lstring(ctx, 1, &n);
    if (memchr(v, '\r', n) || memchr(v, '\n', n) || memchr(v, '\0', n) ||
        strpbrk(name, "\r\n:"))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "setHeader: CR, LF or NUL in a header");
    mc_msg_set_prop(mc_js_message(ctx), MC_SCOPE_TRANSPORT, name, v, n, MC_VT_STRING);
    return 0;
}

static duk_ret_t remove_header(duk_context *ctx)
{
    mc_msg_remove_prop(mc_js_message(ctx), MC_SCOPE_TRANSPORT, duk_safe_to_string(ctx, 0));
    return 0;
}

static duk_ret_t get_message_id(duk_context *ctx)
{
    duk_push_string(ctx, mc_js_message(ctx)->message_id);
    return 1;
}

/* Arguments joined by spaces, as print() does. */
static const char *joined_args(duk_context *ctx, duk_idx_t from)
{
    duk_idx_t n = duk_get_top(ctx);
    duk_push_string(ctx, " ");
    for (duk_idx_t i = from; i < n; i++)
        duk_dup(ctx, i);
    duk_join(ctx, n - from);
    return duk_get_string(ctx, -1);
}

static duk_ret_t js_log(duk_context *ctx)
{
    const char *text = duk_safe_to_string(ctx, 0);
    int level = MC_LOG_INFO;
    if (duk_is_string(ctx, 1)) {
        const char *l = duk_get_string(ctx, 1);
        level = strcasecmp(l, "error") == 0   ? MC_LOG_ERROR
                : strcasecmp(l, "warn") == 0  ? MC_LOG_WARN
                : strcasecmp(l, "debug") == 0 ? MC_LOG_DEBUG
                                              : MC_LOG_INFO;
    }
    mc_msg_log(mc_js_message(ctx), level, "script: %s", text);
    return 0;
}

static duk_ret_t js_print(duk_context *ctx)
{
    mc_msg_log(mc_js_message(ctx), MC_LOG_INFO, "script: %s", joined_args(ctx, 0));
    return 0;
}

static void push_mc(duk_context *ctx)
{
    static const duk_function_list_entry methods[] = {
        {"getPayloadJSON", get_payload_json, 0},
        {"setPayloadJSON", set_payload_json, 1},
        {"getPayloadXML", get_payload_xml, 0},
        {"setPayloadXML", set_payload_xml, 1},
        {"getPayloadText", get_payload_text, 0},
        {"getJsonText", get_json_text, 0},
        {"getProperty", get_property, 2},
        {"setProperty", set_property, 3},
        {"removeProperty", remove_property, 2},
        {"getVariable", get_variable, 1},
        {"setVariable", set_variable, 2},
        {"getHeader", get_header, 1},
        {"setHeader", set_header, 2},
        {"removeHeader", remove_header, 1},
        {"getMessageID", get_message_id, 0},
        {"log", js_log, 2},
        {NULL, NULL, 0},
    };
    duk_push_object(ctx);
    duk_put_function_list(ctx, -1, methods);
}

static duk_ret_t install_mc(duk_context *ctx, void *ud)
{
    (void)ud;
    duk_push_global_object(ctx);
    push_mc(ctx);
    duk_put_prop_string(ctx, -2, "mc");
    duk_push_c_function(ctx, js_print, DUK_VARARGS);
    duk_put_prop_string(ctx, -2, "print");
    duk_pop(ctx);
    return 0;
}

/* ---- compile ---------------------------------------------------------- */

static bool is_javascript(const char *lang)
{
    return strcmp(lang, "js") == 0 || strcmp(lang, "javascript") == 0 ||
           strcmp(lang, "nashornJs") == 0 || strcmp(lang, "rhinoJs") == 0 ||
           strcmp(lang, "graalJs") == 0;
}

static bool compile_entry(const mc_local_entry *e, void *target, mc_config *cfg,
                          mc_err *err)
{
    mc_js_code *code = target;
    const char *src = e->text;
    xmlChar *xml_text = NULL;
    if (!src && e->xml) /* a script kept as an element's text */
        src = (const char *)(xml_text = xmlNodeGetContent(e->xml));
    int line = 0;
    mc_err e2 = {0};
    bool ok = mc_js_compile(cfg, e->key, src ? src : "", src ? strlen(src) : 0, code, &line, &e2);
    if (!ok)
        mc_err_set(err, MC_EPARSE, "script '%s': %s", e->key, e2.msg);
    xmlFree(xml_text);
    return ok;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"language", "key", "function", NULL};
    mc_check_attrs(cc, node, attrs);
    script_m *s = mc_new_mediator(cc, node, &mc_med_script, sizeof *s);
    if (!s)
        return NULL;
    const char *lang = mc_attr(cc, node, "language");
    if (!lang) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "the 'language' attribute is required for a script mediator");
        return NULL;
    }
    if (!is_javascript(lang)) {
        mc_diag(cc, node, "language", MC_DIAG_ERROR,
                "script language '%s' is not supported: mediac runs JavaScript only "
                "(language=\"js\"); rewrite the script in JavaScript or as a native "
                "mediator (mc_engine_register_mediator)", lang);
        return NULL;
    }
    s->key = mc_attr(cc, node, "key");
    s->function = mc_attr(cc, node, "function");
    if (!s->key && s->function) {
        mc_diag(cc, node, "function", MC_DIAG_ERROR,
                "cannot use 'function' attribute without 'key' attribute for a script mediator");
        return NULL;
    }
    static const char *const ext[] = {"instructionBudget", "memoryLimit", NULL};
    unsigned long long limits[2] = {s->budget, s->memory};
    if (!mc_ext_numbers(cc, node, ext, limits))
        return NULL;
    s->budget = limits[0];
    s->memory = (size_t)limits[1];
    size_t ninc = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        ninc += strcmp((const char *)c->name, "include") == 0;
    s->includes = ninc ? mc_alloc(cc, ninc * sizeof *s->includes) : NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, "include") != 0) {
            if (!s->key)
                continue; /* inline script text may hold markup-like text */
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "unexpected <%s> in <script> (only <include key>)",
                    (const char *)c->name);
            return NULL;
        }
        const char *k = mc_attr(cc, c, "key");
        if (!k) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "<include> needs a 'key'");
            return NULL;
        }
        script_include *inc = &s->includes[s->nincludes++];
        inc->key = k;
        mc_ref_entry_compile(cc, c, "key", k, compile_entry, &inc->code);
    }
    if (s->key) {
        if (!s->function)
            s->function = "mediate";
        mc_ref_entry_compile(cc, node, "key", s->key, compile_entry, &s->code);
        return &s->base;
    }
    const char *src = mc_text(cc, node);
    int line = 0;
    mc_err err = {0};
    if (!mc_js_compile(cc->cfg, "inline", src, strlen(src), &s->code, &line, &err)) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "script: %s", err.msg);
        return NULL;
    }
    return &s->base;
}

/* ---- run -------------------------------------------------------------- */

static mc_flow script_fault(const script_m *s, mc_message *m, const char *detail)
{
    char msg[512];
    snprintf(msg, sizeof msg, "The script engine returned an error executing the %s js script%s%s%s%s",
             s->key ? "external" : "inlined", s->key ? " : " : "", s->key ? s->key : "",
             s->key ? " function " : "", s->key ? s->function : "");
    mc_msg_set_fault(m, "0", msg, detail);
    return MC_FLOW_FAULT;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const script_m *s = (const script_m *)self;
    mc_js_run *r = mc_js_begin(m, s->budget, s->memory);
    if (!r)
        return script_fault(s, m, "cannot create a JavaScript heap");
    duk_context *ctx = mc_js_ctx(r);
    mc_err err;
    mc_err_clear(&err);
    bool ok = duk_safe_call(ctx, install_mc, NULL, 0, 1) == 0;
    duk_pop(ctx);
    for (size_t i = 0; ok && i < s->nincludes; i++) {
        ok = mc_js_run_program(r, &s->includes[i].code, &err);
        if (ok)
            duk_pop(ctx);
    }
    if (ok)
        ok = mc_js_run_program(r, &s->code, &err);
    if (ok && s->key) {
        duk_pop(ctx);
        duk_get_global_string(ctx, "mc");
        ok = mc_js_call_global(r, s->function, 1, &err);
    }
    bool stop = ok && duk_is_boolean(ctx, -1) && !duk_get_boolean(ctx, -1);
    mc_js_end(r);
    if (!ok)
        return script_fault(s, m, err.msg[0] ? err.msg : "script failed");
    /* a script (or function) whose value is false ends the flow here, as a
     * Synapse mediator returning false does */
    return stop ? MC_FLOW_STOP : MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_script = {"script", compile, exec, NULL, false};
