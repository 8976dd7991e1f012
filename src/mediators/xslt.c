/* xslt.c - <xslt key source target>: transform the payload (or the node
 * `source` selects) with an XSLT 1.0 stylesheet through libxslt.
 *
 * A static key's stylesheet is compiled when the configuration links (its
 * errors are load errors); a dynamic key ({expr}) is compiled on first use
 * and cached per key.  <property name value|expression> children are
 * stylesheet parameters (strings, as Synapse passes them); <feature> must
 * be true or false and, like <attribute>, tunes Java's TransformerFactory,
 * which libxslt does not have: both are accepted and have no effect.
 * <resource location key> maps xsl:import / xsl:include; nothing else is
 * loaded: no files, no network, no document(). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>
#include <libxslt/imports.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>
#include <libexslt/exslt.h>

#include "mediators/mediators.h"
#include "mediators/key_cache.h"
#include "mediators/resources.h"

typedef struct xslt_param {
    const char *name;
    const char *value;      /* literal, or NULL */
    mc_expr *expr;
} xslt_param;

typedef struct xslt_m {
    mc_mediator base;
    const char *key;            /* source text of the key */
    mc_template *dyn_key;       /* key="{...}" */
    xsltStylesheetPtr sheet;    /* static key: compiled at link */
    mc_expr *source;            /* NULL: first child of Body */
    const char *target;         /* property for the result, or NULL */
    xslt_param *params;
    size_t nparams;
    mc_res_map res;
    mc_key_cache *cache;        /* dynamic key: key -> compiled sheet */
} xslt_m;

/* ---- libxslt set-up: errors to a thread-local buffer, security ------- */

static _Thread_local mc_buf *error_sink;
static xsltSecurityPrefsPtr deny_all;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void collect_error(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    if (!error_sink || error_sink->len > 400)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    for (char *p = line; *p; p++)
        if (*p == '\n')
            *p = ' ';
    mc_buf_puts(error_sink, line);
}

static void setup(void)
{
    exsltRegisterAll();
    xsltSetGenericErrorFunc(NULL, collect_error);
    deny_all = xsltNewSecurityPrefs();
    if (deny_all) {
        xsltSetSecurityPrefs(deny_all, XSLT_SECPREF_READ_FILE, xsltSecurityForbid);
        xsltSetSecurityPrefs(deny_all, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
        xsltSetSecurityPrefs(deny_all, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid);
        xsltSetSecurityPrefs(deny_all, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
        xsltSetSecurityPrefs(deny_all, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
    }
}

/* The collected error text, trimmed, or fallback. */
static const char *error_text(mc_buf *b, const char *fallback)
{
    while (b->len && (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\n'))
        b->data[--b->len] = '\0';
    return b->len ? mc_buf_cstr(b) : fallback;
}

static void free_sheet(void *p) { xsltFreeStylesheet(p); }

/* Compile entry e as a stylesheet, with res mapping its imports. */
static xsltStylesheetPtr compile_sheet(const mc_local_entry *e,
                                       const mc_res_map *res, mc_err *err)
{
    pthread_once(&once, setup);
    xmlDocPtr doc = mc_res_entry_doc(e, err);
    if (!doc)
        return NULL;
    mc_buf errors = MC_BUF_INIT;
    error_sink = &errors;
    mc_res_begin(res);
    xsltStylesheetPtr sheet = xsltParseStylesheetDoc(doc);
    mc_res_end();
    error_sink = NULL;
    if (sheet && sheet->errors) {
        xsltFreeStylesheet(sheet); /* frees doc too */
        sheet = NULL;
    } else if (!sheet) {
        xmlFreeDoc(doc);
    }
    if (!sheet)
        mc_err_set(err, MC_EPARSE, "local entry '%s' is not a valid XSLT stylesheet: %s",
                   e->key, error_text(&errors, "compilation failed"));
    mc_buf_free(&errors);
    return sheet;
}

static bool link_sheet(const mc_local_entry *e, void *target, mc_config *cfg,
                       mc_err *err)
{
    xslt_m *x = target;
    x->sheet = compile_sheet(e, &x->res, err);
    if (!x->sheet)
        return false;
    mc_config_own(cfg, x->sheet, free_sheet);
    return true;
}

static void *compile_cached(const mc_local_entry *e, void *ud, mc_err *err)
{
    const xslt_m *x = ud;
    return compile_sheet(e, &x->res, err);
}

/* ---- compile ---------------------------------------------------------- */

static bool compile_params(mc_compiler *cc, xmlNodePtr node, xslt_m *x)
{
    size_t n = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        n += strcmp((const char *)c->name, "property") == 0;
    x->params = n ? mc_alloc(cc, n * sizeof *x->params) : NULL;
    bool ok = true;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "property") == 0) {
            static const char *const attrs[] = {"name", "value", "expression", NULL};
            mc_check_attrs(cc, c, attrs);
            xslt_param *p = &x->params[x->nparams];
            p->name = mc_attr(cc, c, "name");
            p->value = mc_attr(cc, c, "value");
            const char *ex = mc_attr(cc, c, "expression");
            if (!p->name || (!p->value == !ex)) {
                mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                        "<property> of <xslt> needs 'name' and one of 'value' or 'expression'");
                ok = false;
                continue;
            }
            if (ex && !(p->expr = mc_compile_expr(cc, c, "expression", ex))) {
                ok = false;
                continue;
            }
            x->nparams++;
        } else if (strcmp(cn, "feature") == 0) {
            static const char *const attrs[] = {"name", "value", NULL};
            mc_check_attrs(cc, c, attrs);
            const char *v = mc_attr(cc, c, "value");
            if (!mc_attr(cc, c, "name") || !v || (strcmp(v, "true") && strcmp(v, "false"))) {
                mc_diag(cc, c, v ? "value" : NULL, MC_DIAG_ERROR,
                        "<feature> needs a 'name' and a 'value' of true or false");
                ok = false;
            }
        } else if (strcmp(cn, "attribute") == 0) {
            static const char *const attrs[] = {"name", "value", NULL};
            mc_check_attrs(cc, c, attrs);
        } else if (strcmp(cn, "resource") != 0) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <xslt> (property, feature, attribute or resource)", cn);
            ok = false;
        }
    }
    return ok;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"key", "source", "target", "useCache", NULL};
    mc_check_attrs(cc, node, attrs);
    xslt_m *x = mc_new_mediator(cc, node, &mc_med_xslt, sizeof *x);
    if (!x)
        return NULL;
    x->key = mc_attr(cc, node, "key");
    if (!x->key || !*x->key) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "the 'key' attribute is required for the XSLT mediator");
        return NULL;
    }
    const char *src = mc_attr(cc, node, "source");
    if (src && !(x->source = mc_compile_expr(cc, node, "source", src)))
        return NULL;
    if (x->source && mc_expr_kind_of(x->source) != MC_EXPR_XPATH) {
        mc_diag(cc, node, "source", MC_DIAG_ERROR, "the xslt 'source' must be an XPath");
        return NULL;
    }
    x->target = mc_attr(cc, node, "target");
    if (!compile_params(cc, node, x))
        return NULL;
    mc_res_compile(cc, node, &x->res);
    size_t kl = strlen(x->key);
    if (x->key[0] == '{' && x->key[kl - 1] == '}') {
        if (!(x->dyn_key = mc_compile_template(cc, node, "key", x->key)))
            return NULL;
        if (!(x->cache = mc_key_cache_new(cc->cfg, free_sheet)))
            return NULL;
    } else {
        mc_ref_entry_compile(cc, node, "key", x->key, link_sheet, x);
    }
    return &x->base;
}

/* ---- run -------------------------------------------------------------- */

static xsltStylesheetPtr dynamic_sheet(const xslt_m *x, mc_message *m, mc_err *err)
{
    const char *key;
    size_t kl;
    if (mc_template_eval(x->dyn_key, m, &key, &kl, err) != MC_OK)
        return NULL;
    mc_err e;
    mc_err_clear(&e);
    xsltStylesheetPtr sheet = mc_key_cache_get(x->cache, m->cfg, key, compile_cached, (void *)x, &e);
    if (!sheet && e.code == MC_ENOTFOUND)
        mc_err_set(err, MC_ENOTFOUND, "no local entry '%s' for the stylesheet", key);
    else if (!sheet)
        *err = e;
    return sheet;
}

/* The string parameters as libxslt wants them: name, value, ..., NULL. */
static const char **eval_params(const xslt_m *x, mc_message *m, mc_err *err)
{
    const char **p = mc_arena_calloc(&m->arena, (2 * x->nparams + 1) * sizeof *p);
    if (!p) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < x->nparams; i++) {
        const char *v = x->params[i].value;
        size_t n;
        if (!v && mc_expr_string(x->params[i].expr, m, &v, &n, err) != MC_OK)
            return NULL;
        p[k++] = x->params[i].name;
        p[k++] = v;
    }
    return p;
}

/* Drop xmlns="" where no default namespace is in scope: libxslt copies the
 * stylesheet's own xmlns="" onto literal result elements, which Java's
 * processors do not emit. */
static void drop_empty_default_ns(xmlNodePtr n, bool default_in_scope)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        bool in_scope = default_in_scope;
        for (xmlNsPtr *pp = &n->nsDef; *pp;) {
            xmlNsPtr ns = *pp;
            if (!ns->prefix && (!ns->href || !*ns->href) && !default_in_scope &&
                n->ns != ns) {
                *pp = ns->next;
                ns->next = NULL;
                xmlFreeNs(ns);
                continue;
            }
            if (!ns->prefix)
                in_scope = ns->href && *ns->href;
            pp = &ns->next;
        }
        drop_empty_default_ns(n->children, in_scope);
    }
}

/* The transformation's output as a node to put in place of the source:
 * the result's root element, or the text of a method="text" sheet in
 * Synapse's <text> wrapper.  Owned by env. */
static xmlNodePtr result_node(xsltStylesheetPtr sheet, xmlDocPtr res,
                              xmlDocPtr env, mc_err *err)
{
    const xmlChar *method = NULL;
    XSLT_GET_IMPORT_PTR(method, sheet, method);
    if (method && xmlStrEqual(method, BAD_CAST "text")) {
        xmlChar *text = NULL;
        int len = 0;
        xsltSaveResultToString(&text, &len, res, sheet);
        xmlNodePtr wrap = xmlNewDocNode(env, NULL, BAD_CAST "text", NULL);
        xmlNsPtr ns = wrap ? xmlNewNs(wrap, BAD_CAST MC_TEXT_NS, NULL) : NULL;
        if (ns)
            xmlSetNs(wrap, ns);
        if (wrap && text && len)
            xmlAddChild(wrap, xmlNewDocTextLen(env, text, len));
        xmlFree(text);
        if (!wrap)
            mc_err_set(err, MC_ENOMEM, "out of memory");
        return wrap;
    }
    xmlNodePtr root = xmlDocGetRootElement(res);
    if (!root) {
        mc_err_set(err, MC_EPARSE, "the transformation produced no element");
        return NULL;
    }
    xmlNodePtr copy = xmlDocCopyNode(root, env, 1);
    if (!copy)
        mc_err_set(err, MC_ENOMEM, "out of memory");
    else
        drop_empty_default_ns(copy, false);
    return copy;
}

static bool is_named(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0 &&
           n->ns && (strcmp((const char *)n->ns->href, MC_SOAP11_NS) == 0 ||
                     strcmp((const char *)n->ns->href, MC_SOAP12_NS) == 0);
}

/* Put result in place of source inside env (Body or Header: their
 * children are replaced by the result's children, as Synapse does). */
static void replace(xmlNodePtr source, xmlNodePtr result)
{
    if (is_named(source, "Body") || is_named(source, "Header")) {
        xmlNodePtr c = source->children;
        while (c) {
            xmlNodePtr next = c->next;
            xmlUnlinkNode(c);
            xmlFreeNode(c);
            c = next;
        }
        c = result->children;
        while (c) {
            xmlNodePtr next = c->next;
            xmlUnlinkNode(c);
            xmlAddChild(source, c);
            c = next;
        }
        xmlFreeNode(result);
        xmlReconciliateNs(source->doc, source);
        return;
    }
    xmlReplaceNode(source, result);
    xmlFreeNode(source);
    xmlReconciliateNs(result->doc, result);
}

/* Select the source element; *none when the Body is empty (skip). */
static xmlNodePtr select_source(const xslt_m *x, mc_message *m, bool *none,
                                mc_err *err)
{
    *none = false;
    if (!x->source) {
        xmlNodePtr root = mc_msg_payload_root(m);
        *none = root == NULL;
        return root;
    }
    return mc_select_element(x->source, m, err);
}

static mc_flow transform(const xslt_m *x, mc_message *m, mc_err *err)
{
    bool none;
    xmlNodePtr source = select_source(x, m, &none, err);
    if (none) {
        mc_msg_log(m, MC_LOG_WARN, "xslt: empty SOAP body, transformation skipped");
        return MC_FLOW_NEXT;
    }
    if (!source)
        return MC_FLOW_FAULT;
    xsltStylesheetPtr sheet = x->dyn_key ? dynamic_sheet(x, m, err) : x->sheet;
    if (!sheet)
        return MC_FLOW_FAULT;
    const char **params = eval_params(x, m, err);
    if (!params)
        return MC_FLOW_FAULT;

    xmlDocPtr in = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr copy = in ? xmlDocCopyNode(source, in, 1) : NULL;
    if (!copy) {
        xmlFreeDoc(in);
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return MC_FLOW_FAULT;
    }
    xmlDocSetRootElement(in, copy);
    xmlReconciliateNs(in, copy);

    mc_buf errors = MC_BUF_INIT;
    xsltTransformContextPtr ctxt = xsltNewTransformContext(sheet, in);
    xmlDocPtr res = NULL;
    if (ctxt) {
        xsltSetCtxtSecurityPrefs(deny_all, ctxt);
        xsltSetTransformErrorFunc(ctxt, NULL, collect_error);
        error_sink = &errors;
        mc_res_begin(NULL);
        if (xsltQuoteUserParams(ctxt, params) == 0)
            res = xsltApplyStylesheetUser(sheet, in, NULL, NULL, NULL, ctxt);
        mc_res_end();
        error_sink = NULL;
        if (ctxt->state != XSLT_STATE_OK && res) {
            xmlFreeDoc(res);
            res = NULL;
        }
        xsltFreeTransformContext(ctxt);
    }
    xmlFreeDoc(in);
    if (!res) {
        mc_err_set(err, MC_EPARSE, "%s", error_text(&errors, "transformation failed"));
        mc_buf_free(&errors);
        return MC_FLOW_FAULT;
    }
    mc_buf_free(&errors);

    mc_flow flow = MC_FLOW_FAULT;
    xmlDocPtr env = source->doc;
    xmlNodePtr result = result_node(sheet, res, env, err);
    if (result && x->target) {
        xmlBufferPtr xb = xmlBufferCreate();
        if (xb) {
            xmlNodeDump(xb, env, result, 0, 0);
            mc_msg_set_prop(m, MC_SCOPE_DEFAULT, x->target, (const char *)xmlBufferContent(xb),
                            (size_t)xmlBufferLength(xb), MC_VT_OM);
            xmlBufferFree(xb);
        }
        xmlFreeNode(result);
        flow = MC_FLOW_NEXT;
    } else if (result) {
        /* the message's own envelope, edited in place, becomes the payload
         * (for a JSON payload it was the JSON's XML view) */
        if (is_named(source, "Envelope")) {
            mc_err_set(err, MC_EINVAL, "replacing the whole envelope is not supported");
            xmlFreeNode(result);
        } else {
            replace(source, result);
            if (mc_msg_take_envelope(m, env) == MC_OK)
                flow = MC_FLOW_NEXT;
            else
                mc_err_set(err, MC_ENOMEM, "out of memory");
        }
    }
    xmlFreeDoc(res);
    return flow;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const xslt_m *x = (const xslt_m *)self;
    mc_err err;
    mc_err_clear(&err);
    if (transform(x, m, &err) == MC_FLOW_NEXT)
        return MC_FLOW_NEXT;
    return mc_fault(m, "0", "Unable to perform XSLT transformation using : %s "
                    "against source XPath : %s reason : %s", x->key,
                    x->source ? mc_expr_source(x->source)
                              : "s11:Body/child::*[position()=1] | s12:Body/child::*[position()=1]",
                    err.msg);
}

const mc_mediator_type mc_med_xslt = {"xslt", compile, exec, NULL, false};
