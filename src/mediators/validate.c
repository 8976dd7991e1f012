/* validate.c - <validate source>: check the payload (or what `source`
 * selects) against the schemas of its <schema key> children, as Synapse's
 * ValidateMediator does.  A JSON payload, or a JSONPath / Synapse
 * Expression source, is checked against a JSON Schema (draft-04,
 * json_schema.c; the last <schema> names it, as in MI); anything else
 * against XML Schemas through libxml2 (source default: the first child of
 * the SOAP Body; the schema whose targetNamespace is the element's).  A
 * static key is compiled when the configuration links, a dynamic one
 * (key="{...}") on first use and then cached; <resource location key> maps
 * xs:include / xs:import.  On failure ERROR_MESSAGE and ERROR_DETAIL are
 * set and the <on-fail> mediators run; the flow then goes on after
 * <validate> unless they end it.  <feature> and Synapse's older <property>
 * (name, value true/false) tune Java's SchemaFactory: accepted, no effect. */
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "mediators/json_schema.h"
#include "mediators/key_cache.h"
#include "mediators/mediators.h"
#include "mediators/resources.h"

/* One compiled schema: an XML Schema or a JSON Schema. */
typedef struct compiled_schema {
    xmlSchemaPtr xsd;
    char *target_ns;           /* the XSD's targetNamespace or NULL */
    mc_json_schema *json;
} compiled_schema;

typedef struct schema_ref {
    const char *key;           /* source text of the key */
    mc_template *dyn_key;      /* key="{...}" */
    compiled_schema *compiled; /* static key: compiled at link */
    struct validate_m *owner;
} schema_ref;

typedef struct validate_m {
    mc_mediator base;
    mc_expr *source;
    bool json_source;          /* source is a JSONPath or Synapse Expression */
    schema_ref *schemas;
    size_t nschemas;
    mc_res_map res;
    mc_key_cache *cache;       /* dynamic keys */
    const mc_seq *on_fail;
} validate_m;

static void free_compiled(void *p)
{
    compiled_schema *c = p;
    if (!c)
        return;
    if (c->xsd)
        xmlSchemaFree(c->xsd);
    mc_json_schema_free(c->json);
    free(c->target_ns);
    free(c);
}

/* First structured error, as text. */
static void collect(void *ud, xmlErrorPtr e)
{
    mc_buf *b = ud;
    if (!e || !e->message || b->len)
        return;
    mc_buf_puts(b, e->message);
    while (b->len && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == ' '))
        b->data[--b->len] = '\0';
}

static bool compile_xsd(const mc_local_entry *e, const mc_res_map *res, compiled_schema *out,
                        mc_err *err)
{
    xmlDocPtr doc = mc_res_entry_doc(e, err);
    if (!doc)
        return false;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "schema") != 0) {
        xmlFreeDoc(doc);
        return mc_err_set(err, MC_EPARSE, "local entry '%s' is not an XML Schema", e->key), false;
    }
    xmlChar *tns = xmlGetNoNsProp(root, BAD_CAST "targetNamespace");
    if (tns) {
        out->target_ns = strdup((const char *)tns);
        xmlFree(tns);
    }
    mc_buf errors = MC_BUF_INIT;
    mc_res_begin(res);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewDocParserCtxt(doc);
    if (pc)
        xmlSchemaSetParserStructuredErrors(pc, collect, &errors);
    out->xsd = pc ? xmlSchemaParse(pc) : NULL;
    xmlSchemaFreeParserCtxt(pc);
    mc_res_end();
    xmlFreeDoc(doc);
    if (!out->xsd)
        mc_err_set(err, MC_EPARSE, "local entry '%s' is not a valid XML Schema: %s", e->key,
                   errors.len ? mc_buf_cstr(&errors) : "compilation failed");
    mc_buf_free(&errors);
    return out->xsd != NULL;
}

/* Compile entry e: a JSON Schema when its text is a JSON object, else an
 * XML Schema. */
static void *compile_schema(const mc_local_entry *e, void *ud, mc_err *err)
{
    const validate_m *v = ud;
    compiled_schema *c = calloc(1, sizeof *c);
    if (!c)
        return mc_err_set(err, MC_ENOMEM, "out of memory"), NULL;
    const char *t = e->text;
    while (t && (*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t'))
        t++;
    bool ok;
    if (!e->xml && t && *t == '{') {
        mc_err je = {0};
        c->json = mc_json_schema_compile(t, strlen(t), &je);
        ok = c->json != NULL;
        if (!ok)
            mc_err_set(err, je.code, "local entry '%s': %s", e->key, je.msg);
    } else {
        ok = compile_xsd(e, &v->res, c, err);
    }
    if (!ok) {
        free_compiled(c);
        return NULL;
    }
    return c;
}

static bool link_schema(const mc_local_entry *e, void *target, mc_config *cfg, mc_err *err)
{
    schema_ref *s = target;
    s->compiled = compile_schema(e, s->owner, err);
    if (!s->compiled)
        return false;
    mc_config_own(cfg, s->compiled, free_compiled);
    return true;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"source", "cache-schema", NULL};
    mc_check_attrs(cc, node, attrs);
    validate_m *v = mc_new_mediator(cc, node, &mc_med_validate, sizeof *v);
    if (!v)
        return NULL;
    const char *src = mc_attr(cc, node, "source");
    if (src && !(v->source = mc_compile_expr(cc, node, "source", src)))
        return NULL;
    v->json_source = v->source && (mc_expr_kind_of(v->source) == MC_EXPR_JSONPATH ||
                                   mc_expr_kind_of(v->source) == MC_EXPR_SYNAPSE);
    size_t n = 0;
    xmlNodePtr on_fail = NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "schema") == 0)
            n++;
        else if (strcmp(cn, "on-fail") == 0 && !on_fail)
            on_fail = c;
        else if (strcmp(cn, "feature") == 0 || strcmp(cn, "property") == 0) {
            const char *val = mc_attr(cc, c, "value");
            if (!mc_attr(cc, c, "name") || !val || (strcmp(val, "true") && strcmp(val, "false"))) {
                mc_diag(cc, c, val ? "value" : NULL, MC_DIAG_ERROR,
                        "<%s> needs a 'name' and a 'value' of true or false", cn);
                return NULL;
            }
        } else if (strcmp(cn, "resource") != 0) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <validate> (schema, resource, feature or on-fail)", cn);
            return NULL;
        }
    }
    if (!n) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<validate> needs at least one <schema key>");
        return NULL;
    }
    if (!on_fail) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<validate> needs an <on-fail> sequence");
        return NULL;
    }
    mc_res_compile(cc, node, &v->res);
    v->schemas = mc_alloc(cc, n * sizeof *v->schemas);
    if (!v->schemas)
        return NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, "schema") != 0)
            continue;
        schema_ref *s = &v->schemas[v->nschemas++];
        s->owner = v;
        s->key = mc_attr(cc, c, "key");
        if (!s->key) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "<schema> needs a 'key'");
            return NULL;
        }
        if (s->key[0] == '{') {
            if (!(s->dyn_key = mc_compile_template(cc, c, "key", s->key)))
                return NULL;
            if (!v->cache && !(v->cache = mc_key_cache_new(cc->cfg, free_compiled)))
                return NULL;
        } else {
            mc_ref_entry_compile(cc, c, "key", s->key, link_schema, s);
        }
    }
    v->on_fail = mc_compile_children(cc, on_fail);
    return v->on_fail ? &v->base : NULL;
}

/* The element to validate, or NULL with err. */
static xmlNodePtr select_source(const validate_m *v, mc_message *m, mc_err *err)
{
    if (!v->source) {
        xmlNodePtr root = mc_msg_payload_root(m);
        if (!root)
            mc_err_set(err, MC_ENOTFOUND, "the SOAP Body is empty");
        return root;
    }
    return mc_select_element(v->source, m, err);
}

/* The compiled schema of a <schema>: compiled at link, or for a dynamic key
 * looked up (compiled on first use). */
static const compiled_schema *schema_of(const validate_m *v, const schema_ref *s, mc_message *m,
                                        const char **key, mc_err *err)
{
    *key = s->key;
    if (!s->dyn_key && !s->compiled)       /* the key named no entry (a load warning) */
        mc_err_set(err, MC_ENOTFOUND, "no local entry '%s'", s->key);
    if (!s->dyn_key)
        return s->compiled;
    size_t kl;
    if (mc_template_eval(s->dyn_key, m, key, &kl, err) != MC_OK)
        return NULL;
    return mc_key_cache_get(v->cache, m->cfg, *key, compile_schema, (void *)v, err);
}

/* The XML Schema for the element: the one whose targetNamespace is the
 * element's namespace, else the first. */
static const compiled_schema *xsd_for(const validate_m *v, mc_message *m, xmlNodePtr n,
                                      const char **key, mc_err *err)
{
    const char *ns = n->ns ? (const char *)n->ns->href : NULL;
    const compiled_schema *first = NULL;
    const char *first_key = NULL;
    for (size_t i = 0; i < v->nschemas; i++) {
        const compiled_schema *c = schema_of(v, &v->schemas[i], m, key, err);
        if (!c)
            return NULL;
        const char *t = c->target_ns;
        if ((t && ns && strcmp(t, ns) == 0) || (!t && !ns))
            return c;
        if (!first)
            first = c, first_key = *key;
    }
    *key = first_key;
    return first;
}

static mc_flow on_failure(const validate_m *v, mc_message *m, const char *message,
                          const char *detail)
{
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE", message);
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "ERROR_DETAIL", detail);
    if (v->on_fail->n && mc_msg_push_frame(m, v->on_fail, NULL, 0) != MC_OK)
        return mc_fault(m, "0", "sequences nested too deeply");
    return MC_FLOW_NEXT;
}

static mc_flow no_schema(mc_message *m, const char *key, const mc_err *err)
{
    if (err->code == MC_ENOTFOUND)
        return mc_fault(m, "0", "No Schema is available with the key  : %s", key);
    return mc_fault(m, "0", "Error creating a new schema objects for schemas : %s: %s", key,
                    err->msg);
}

/* JSON: MI checks a JSON payload, or what a JSON source selects, against the
 * JSON Schema the last <schema> names. */
static mc_flow validate_json(const validate_m *v, mc_message *m, const compiled_schema *c,
                             const char *key)
{
    mc_json doc;
    if (v->source) {
        const char *text;
        size_t n;
        mc_err err;
        mc_err_clear(&err);
        if (mc_expr_string(v->source, m, &text, &n, &err) != MC_OK)
            return mc_fault(m, "0", "Error while validating the JSON Schema for JSONPath %s: %s",
                            mc_expr_source(v->source), err.msg);
        if (n == 0)
            text = "{}", n = 2;
        doc = mc_json_parse(&m->arena, text, n, &err);
        if (!doc)
            return mc_fault(m, "0", "Error while validating the JSON Schema for JSONPath %s: %s",
                            mc_expr_source(v->source), err.msg);
    } else if (!(doc = mc_msg_json(m))) {
        doc = mc_json_parse(&m->arena, "{}", 2, NULL);
    }
    mc_buf msg = MC_BUF_INIT, detail = MC_BUF_INIT;
    mc_flow flow = MC_FLOW_NEXT;
    if (!mc_json_schema_validate(c->json, doc, &msg, &detail)) {
        mc_buf full = MC_BUF_INIT;
        mc_buf_puts(&full, "Error while validating Json message ");
        mc_buf_append(&full, detail.data, detail.len);
        mc_msg_log(m, MC_LOG_DEBUG, "validate: JSON failed against %s: %s; running on-fail", key,
                   mc_buf_cstr(&msg));
        flow = on_failure(v, m, mc_buf_cstr(&msg), mc_buf_cstr(&full));
        mc_buf_free(&full);
    }
    mc_buf_free(&msg);
    mc_buf_free(&detail);
    return flow;
}

static mc_flow validate_xml(const validate_m *v, mc_message *m, xmlNodePtr n,
                            const compiled_schema *s, const char *key)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr copy = doc ? xmlDocCopyNode(n, doc, 1) : NULL;
    if (!copy) {
        xmlFreeDoc(doc);
        return mc_fault(m, "0", "out of memory");
    }
    xmlDocSetRootElement(doc, copy);
    xmlReconciliateNs(doc, copy);
    mc_buf errors = MC_BUF_INIT;
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(s->xsd);
    int rc = -1;
    if (vc) {
        xmlSchemaSetValidStructuredErrors(vc, collect, &errors);
        mc_res_begin(NULL);
        rc = xmlSchemaValidateDoc(vc, doc);
        mc_res_end();
        xmlSchemaFreeValidCtxt(vc);
    }
    xmlFreeDoc(doc);
    mc_flow flow = MC_FLOW_NEXT;
    if (rc != 0) {
        const char *why = errors.len ? mc_buf_cstr(&errors) : "validation failed";
        mc_msg_log(m, MC_LOG_DEBUG, "validate: %s failed against %s: %s; running on-fail",
                   v->source ? mc_expr_source(v->source) : "payload", key, why);
        flow = on_failure(v, m, why, why);
    }
    mc_buf_free(&errors);
    return flow;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const validate_m *v = (const validate_m *)self;
    mc_err err;
    mc_err_clear(&err);
    const char *key;
    if (v->json_source || m->payload.kind == MC_PL_JSON) {
        const compiled_schema *c = schema_of(v, &v->schemas[v->nschemas - 1], m, &key, &err);
        if (!c)
            return no_schema(m, key, &err);
        if (c->json)
            return validate_json(v, m, c, key);
        if (v->json_source)
            return mc_fault(m, "0", "Error while validating the JSON Schema for JSONPath %s: "
                            "local entry '%s' is not a JSON Schema", mc_expr_source(v->source), key);
        /* a JSON payload and XML Schemas: its XML view (a mediac extension) */
    }
    xmlNodePtr n = select_source(v, m, &err);
    if (!n) {
        char msg[256];
        snprintf(msg, sizeof msg, "Error occurred while accessing source element: %s",
                 v->source ? mc_expr_source(v->source) : "the first child of the SOAP Body");
        return on_failure(v, m, msg, err.msg);
    }
    const compiled_schema *s = xsd_for(v, m, n, &key, &err);
    if (!s)
        return no_schema(m, key, &err);
    if (!s->xsd)
        return mc_fault(m, "0", "Error creating a new schema objects for schemas : %s: a JSON "
                        "Schema cannot validate an XML payload", key);
    return validate_xml(v, m, n, s, key);
}

const mc_mediator_type mc_med_validate = {"validate", compile, exec, NULL, false};
