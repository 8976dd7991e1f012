/* validate.c - <validate source>: check the payload (or the node `source`
 * selects; default the first child of the SOAP Body) against XML Schemas
 * from local entries or registry resources (<schema key>), compiled by
 * libxml2 when the configuration links; <resource location key> maps
 * xs:include / xs:import.  On failure ERROR_MESSAGE and ERROR_DETAIL are
 * set and the <on-fail> mediators run; the flow then goes on after
 * <validate> unless they end it, as in Synapse.  <feature> (true/false)
 * tunes Java's SchemaFactory: accepted, no effect. */
#include <string.h>

#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "mediators/mediators.h"
#include "mediators/resources.h"

typedef struct schema_ref {
    const char *key;
    xmlSchemaPtr xsd;          /* compiled at link */
    const char *target_ns;     /* the schema's targetNamespace or NULL */
    struct validate_m *owner;
} schema_ref;

typedef struct validate_m {
    mc_mediator base;
    mc_expr *source;
    schema_ref *schemas;
    size_t nschemas;
    mc_res_map res;
    const mc_seq *on_fail;
} validate_m;

static void free_schema(void *p) { xmlSchemaFree(p); }

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

static bool link_schema(const mc_local_entry *e, void *target, mc_config *cfg, mc_err *err)
{
    schema_ref *s = target;
    const char *t = e->text;
    while (t && (*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t'))
        t++;
    if (!e->xml && t && *t == '{')
        return mc_err_set(err, MC_EPARSE, "local entry '%s' is a JSON Schema: mediac validates "
                          "XML Schema only so far", e->key), false;
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
        s->target_ns = mc_arena_strdup(&cfg->arena, (const char *)tns);
        xmlFree(tns);
    }
    mc_buf errors = MC_BUF_INIT;
    mc_res_begin(&s->owner->res);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewDocParserCtxt(doc);
    if (pc)
        xmlSchemaSetParserStructuredErrors(pc, collect, &errors);
    s->xsd = pc ? xmlSchemaParse(pc) : NULL;
    xmlSchemaFreeParserCtxt(pc);
    mc_res_end();
    xmlFreeDoc(doc);
    if (!s->xsd) {
        mc_err_set(err, MC_EPARSE, "local entry '%s' is not a valid XML Schema: %s", e->key,
                   errors.len ? mc_buf_cstr(&errors) : "compilation failed");
        mc_buf_free(&errors);
        return false;
    }
    mc_buf_free(&errors);
    mc_config_own(cfg, s->xsd, free_schema);
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
    if (v->source && mc_expr_kind_of(v->source) != MC_EXPR_XPATH) {
        mc_diag(cc, node, "source", MC_DIAG_ERROR,
                "a JSON 'source' needs JSON Schema validation, which mediac does not do yet");
        return NULL;
    }
    size_t n = 0;
    xmlNodePtr on_fail = NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "schema") == 0)
            n++;
        else if (strcmp(cn, "on-fail") == 0 && !on_fail)
            on_fail = c;
        else if (strcmp(cn, "feature") == 0) {
            const char *val = mc_attr(cc, c, "value");
            if (!mc_attr(cc, c, "name") || !val || (strcmp(val, "true") && strcmp(val, "false"))) {
                mc_diag(cc, c, val ? "value" : NULL, MC_DIAG_ERROR,
                        "<feature> needs a 'name' and a 'value' of true or false");
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
            mc_diag(cc, c, "key", MC_DIAG_ERROR, "dynamic schema keys are not supported");
            return NULL;
        }
        mc_ref_entry_compile(cc, c, "key", s->key, link_schema, s);
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

/* The schema for the element: the one whose targetNamespace is the
 * element's namespace, else the first. */
static const schema_ref *schema_for(const validate_m *v, xmlNodePtr n)
{
    const char *ns = n->ns ? (const char *)n->ns->href : NULL;
    for (size_t i = 0; i < v->nschemas; i++) {
        const char *t = v->schemas[i].target_ns;
        if ((t && ns && strcmp(t, ns) == 0) || (!t && !ns))
            return &v->schemas[i];
    }
    return &v->schemas[0];
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

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const validate_m *v = (const validate_m *)self;
    mc_err err = {0};
    xmlNodePtr n = select_source(v, m, &err);
    if (!n) {
        char msg[256];
        snprintf(msg, sizeof msg, "Error occurred while accessing source element: %s",
                 v->source ? mc_expr_source(v->source) : "the first child of the SOAP Body");
        return on_failure(v, m, msg, err.msg);
    }
    const schema_ref *s = schema_for(v, n);
    if (!s->xsd)
        return mc_fault(m, "0", "No Schema is available with the key  : %s", s->key);
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
                   v->source ? mc_expr_source(v->source) : "payload", s->key, why);
        flow = on_failure(v, m, why, why);
    }
    mc_buf_free(&errors);
    return flow;
}

const mc_mediator_type mc_med_validate = {"validate", compile, exec, NULL, false};
