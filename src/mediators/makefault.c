/* makefault.c - <makefault>: replace the message with a SOAP 1.1, SOAP 1.2
 * or POX fault, as Synapse's FaultMediator builds it: code (a QName in the
 * SOAP envelope namespace, or an expression), reason, node, role and
 * detail (text, an expression's nodes, or inline XML); the SOAP headers of
 * the message are kept; To becomes FaultTo (or ReplyTo), RelatesTo the
 * MessageID.  The answer's status is 500 unless HTTP_SC was set before or
 * FAULTS_AS_HTTP_200 is true (PassThroughTransportUtils); what a SOAP
 * envelope looks like on the wire is the SOAP layer's (the message keeps
 * its messageType, as in MI). */
#include <string.h>
#include <strings.h>

#include <libxml/xpath.h>

#include "mediators/mediators.h"

enum { V_SOAP11, V_SOAP12, V_POX };

typedef struct text_src {      /* a value= literal or an expression= */
    const char *value;
    mc_expr *expr;
} text_src;

typedef struct makefault_m {
    mc_mediator base;
    int version;
    bool response;
    text_src code, reason, detail;
    const char *code_local;    /* local name of a literal code */
    const char *code_prefix;   /* its prefix as written, and the namespace */
    const char *code_ns;       /* the prefix names (NULL: a code from an expression) */
    const char *node, *role;
    xmlNodePtr detail_xml;     /* inline detail children (config copy) */
} makefault_m;

static void free_node(void *p) { xmlFreeNodeList(p); }

static bool compile_text(mc_compiler *cc, xmlNodePtr e, text_src *t, bool required)
{
    static const char *const attrs[] = {"value", "expression", NULL};
    mc_check_attrs(cc, e, attrs);
    t->value = mc_attr(cc, e, "value");
    const char *ex = mc_attr(cc, e, "expression");
    if (ex && !(t->expr = mc_compile_expr(cc, e, "expression", ex)))
        return false;
    if (required && !t->value && !t->expr) {
        mc_diag(cc, e, NULL, MC_DIAG_ERROR, "<%s> needs a 'value' or an 'expression'",
                (const char *)e->name);
        return false;
    }
    return true;
}

/* value="prefix:Name": the prefix must name the version's envelope
 * namespace and Name be one of its fault codes (FaultMediatorFactory). */
static bool check_code(mc_compiler *cc, xmlNodePtr e, makefault_m *f)
{
    const char *v = f->code.value;
    const char *colon = strchr(v, ':');
    if (!colon) {
        mc_diag(cc, e, "value", MC_DIAG_ERROR,
                "the fault code must be a QName prefix:name, not '%s'", v);
        return false;
    }
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%.*s", (int)(colon - v), v);
    xmlNsPtr ns = xmlSearchNs(e->doc, e, BAD_CAST prefix);
    if (!ns) {
        mc_diag(cc, e, "value", MC_DIAG_ERROR, "invalid namespace prefix '%s' in the fault code",
                prefix);
        return false;
    }
    f->code_local = mc_strdup(cc, colon + 1);
    f->code_prefix = mc_strdup(cc, prefix);
    f->code_ns = mc_strdup(cc, (const char *)ns->href);
    if (f->version == V_POX)
        return true;
    bool v11 = f->version == V_SOAP11;
    const char *want = v11 ? MC_SOAP11_NS : MC_SOAP12_NS;
    if (strcmp((const char *)ns->href, want) != 0) {
        /* Apache Synapse takes it (its samples do this), WSO2 MI refuses */
        mc_diag(cc, e, "value", MC_DIAG_WARNING,
                "the fault code of a %s fault should be in the namespace %s (WSO2 MI "
                "refuses this code; mediac, like Apache Synapse, writes it as %s:%s with its "
                "namespace)", v11 ? "soap11" : "soap12", want, f->code_prefix, f->code_local);
        return true;
    }
    static const char *const c11[] = {"VersionMismatch", "MustUnderstand", "Client", "Server"};
    static const char *const c12[] = {"VersionMismatch", "MustUnderstand",
                                      "DataEncodingUnknown", "Sender", "Receiver"};
    const char *const *codes = v11 ? c11 : c12;
    size_t n = v11 ? 4 : 5;
    for (size_t i = 0; i < n; i++)
        if (strcmp(f->code_local, codes[i]) == 0)
            return true;
    mc_diag(cc, e, "value", MC_DIAG_ERROR,
            "'%s' is not a %s fault code (%s)", f->code_local, v11 ? "soap11" : "soap12",
            v11 ? "VersionMismatch, MustUnderstand, Client, Server"
                : "VersionMismatch, MustUnderstand, DataEncodingUnknown, Sender, Receiver");
    return false;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"version", "response", NULL};
    mc_check_attrs(cc, node, attrs);
    makefault_m *f = mc_new_mediator(cc, node, &mc_med_makefault, sizeof *f);
    if (!f)
        return NULL;
    const char *v = mc_attr(cc, node, "version");
    if (!v || strcmp(v, "soap11") == 0)
        f->version = V_SOAP11;
    else if (strcmp(v, "soap12") == 0)
        f->version = V_SOAP12;
    else if (strcmp(v, "pox") == 0)
        f->version = V_POX;
    else {
        mc_diag(cc, node, "version", MC_DIAG_ERROR, "unknown fault version '%s' (soap11, soap12, pox)", v);
        return NULL;
    }
    const char *r = mc_attr(cc, node, "response");
    if (r && strcmp(r, "true") && strcmp(r, "false")) {
        mc_diag(cc, node, "response", MC_DIAG_ERROR, "response must be true or false, not '%s'", r);
        return NULL;
    }
    f->response = r && strcmp(r, "true") == 0;
    xmlNodePtr code = NULL, reason = NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *n = (const char *)c->name;
        if (strcmp(n, "code") == 0) {
            code = c;
            if (!compile_text(cc, c, &f->code, true) || (f->code.value && !check_code(cc, c, f)))
                return NULL;
        } else if (strcmp(n, "reason") == 0) {
            reason = c;
            if (!compile_text(cc, c, &f->reason, true))
                return NULL;
        } else if (strcmp(n, "node") == 0) {
            f->node = mc_text_trimmed(cc, c);
        } else if (strcmp(n, "role") == 0) {
            f->role = mc_text_trimmed(cc, c);
        } else if (strcmp(n, "detail") == 0) {
            if (!compile_text(cc, c, &f->detail, false))
                return NULL;
            if (!f->detail.value && !f->detail.expr) {
                xmlNodePtr kids = c->children ? xmlCopyNodeList(c->children) : NULL;
                bool elems = false;
                for (xmlNodePtr k = kids; k; k = k->next)
                    elems = elems || k->type == XML_ELEMENT_NODE;
                if (elems) {
                    f->detail_xml = kids;
                    mc_config_own(cc->cfg, kids, free_node);
                } else {
                    xmlFreeNodeList(kids);
                    f->detail.value = mc_text_trimmed(cc, c);
                }
            }
        } else if (strcmp(n, "description") != 0) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <makefault> (code, reason, node, role, detail)", n);
            return NULL;
        }
    }
    if (f->version != V_POX && (!code || !reason)) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<makefault> needs a <code> and a <reason>%s",
                " (only a pox fault may go without)");
        return NULL;
    }
    return &f->base;
}

/* The text of a value or an expression; "" when there is neither. */
static bool eval_text(const text_src *t, mc_message *m, const char **out)
{
    size_t n;
    mc_err err;
    mc_err_clear(&err);
    *out = t->value ? t->value : "";
    if (t->expr && mc_expr_string(t->expr, m, out, &n, &err) != MC_OK) {
        mc_fault(m, "0", "makefault: %s", err.msg);
        return false;
    }
    return true;
}

static void set_status(mc_message *m)
{
    const char *as200 = mc_msg_prop(m, MC_SCOPE_AXIS2, "FAULTS_AS_HTTP_200");
    if (mc_msg_status(m) == 0 && !(as200 && strcasecmp(as200, "true") == 0))
        mc_msg_set_status(m, 500);
}

static void set_addressing(mc_message *m)
{
    const char *to = mc_msg_prop(m, MC_SCOPE_DEFAULT, "FaultTo");
    if (!to)
        to = mc_msg_prop(m, MC_SCOPE_DEFAULT, "ReplyTo");
    if (to)
        mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "To", to);
    else
        mc_msg_remove_prop(m, MC_SCOPE_DEFAULT, "To");
    const char *id = mc_msg_prop(m, MC_SCOPE_DEFAULT, "MessageID");
    if (!id && m->message_id[0])
        id = m->message_id;
    if (id)
        mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "RelatesTo", id);
}

static mc_flow make_pox(const makefault_m *f, mc_message *m)
{
    const char *text = "";
    const text_src *src = f->detail.value || f->detail.expr ? &f->detail : &f->reason;
    if (!eval_text(src, m, &text))
        return MC_FLOW_FAULT;
    xmlNodePtr ex = xmlNewNode(NULL, BAD_CAST "Exception");
    if (!ex)
        return mc_fault(m, "0", "out of memory");
    xmlNodeAddContent(ex, BAD_CAST text);
    const char *mt = mc_msg_prop(m, MC_SCOPE_AXIS2, "messageType");
    char *keep = mt ? mc_arena_strdup(&m->arena, mt) : NULL;
    mc_code rc = mc_msg_set_xml_node(m, ex);
    xmlFreeNode(ex);
    if (rc != MC_OK)
        return mc_fault(m, "0", "out of memory");
    if (keep)
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", keep);
    else
        mc_msg_remove_prop(m, MC_SCOPE_AXIS2, "messageType");
    return MC_FLOW_NEXT;
}

/* Add the detail (text, nodes an expression selects, or inline XML). */
static bool add_detail(const makefault_m *f, mc_message *m, xmlNodePtr detail)
{
    if (f->detail_xml) {
        xmlNodePtr copy = xmlDocCopyNodeList(detail->doc, f->detail_xml);
        xmlAddChildList(detail, copy);
        return true;
    }
    if (f->detail.expr && mc_expr_kind_of(f->detail.expr) == MC_EXPR_XPATH) {
        xmlXPathObjectPtr obj = NULL;
        mc_err err;
        mc_err_clear(&err);
        if (mc_expr_xpath_object(f->detail.expr, m, &obj, &err) != MC_OK) {
            mc_fault(m, "0", "makefault: %s", err.msg);
            return false;
        }
        bool nodes = obj && obj->type == XPATH_NODESET && obj->nodesetval &&
                     obj->nodesetval->nodeNr > 0;
        if (nodes) {
            for (int i = 0; i < obj->nodesetval->nodeNr; i++) {
                xmlNodePtr n = obj->nodesetval->nodeTab[i];
                if (n->type == XML_ELEMENT_NODE || n->type == XML_TEXT_NODE)
                    xmlAddChild(detail, xmlDocCopyNode(n, detail->doc, 1));
            }
            xmlXPathFreeObject(obj);
            return true;
        }
        xmlXPathFreeObject(obj);
    }
    const char *text;
    if (!eval_text(&f->detail, m, &text))
        return false;
    xmlNodeAddContent(detail, BAD_CAST text);
    return true;
}

/* A child element in no namespace (xmlNewChild would inherit the parent's). */
static xmlNodePtr plain_child(xmlNodePtr parent, const char *name, const char *text)
{
    xmlNodePtr e = xmlNewDocNode(parent->doc, NULL, BAD_CAST name, NULL);
    if (!e)
        return NULL;
    if (text)
        xmlNodeAddContent(e, BAD_CAST text);
    return xmlAddChild(parent, e);
}

static mc_flow make_soap(const makefault_m *f, mc_message *m)
{
    bool v11 = f->version == V_SOAP11;
    const char *code_local = f->code_local, *reason = "";
    if (f->code.expr && !eval_text(&f->code, m, &code_local))
        return MC_FLOW_FAULT;
    if (!eval_text(&f->reason, m, &reason))
        return MC_FLOW_FAULT;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr env = doc ? xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL) : NULL;
    xmlNsPtr ns = env ? xmlNewNs(env, BAD_CAST(v11 ? MC_SOAP11_NS : MC_SOAP12_NS),
                                 BAD_CAST "soapenv") : NULL;
    if (!ns) {
        xmlFreeNode(env);
        xmlFreeDoc(doc);
        return mc_fault(m, "0", "out of memory");
    }
    xmlSetNs(env, ns);
    xmlDocSetRootElement(doc, env);
    /* the message's SOAP headers go on the fault */
    xmlNodePtr old_body = mc_msg_body(m);
    xmlNodePtr old_header = NULL;
    for (xmlNodePtr n = old_body ? old_body->parent->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "Header") == 0)
            old_header = n;
    xmlNodePtr header = xmlNewChild(env, ns, BAD_CAST "Header", NULL);
    if (old_header && old_header->children)
        xmlAddChildList(header, xmlDocCopyNodeList(doc, old_header->children));
    xmlNodePtr body = xmlNewChild(env, ns, BAD_CAST "Body", NULL);
    xmlNodePtr fault = xmlNewChild(body, ns, BAD_CAST "Fault", NULL);
    /* Axiom's setText(QName): a literal code keeps the prefix it was written
     * with, declared on the element unless the envelope's declaration is that
     * very prefix and namespace; a code from an expression is in the
     * envelope's namespace (FaultMediator.setFaultCode) */
    bool own_prefix = f->code_ns && !f->code.expr &&
                      (strcmp(f->code_prefix, "soapenv") != 0 ||
                       strcmp(f->code_ns, (const char *)ns->href) != 0);
    char *code_text = mc_arena_printf(&m->arena, "%s:%s", own_prefix ? f->code_prefix : "soapenv",
                                      code_local ? code_local : "");
    xmlNodePtr code_el;
    if (v11) {
        code_el = plain_child(fault, "faultcode", code_text);
        plain_child(fault, "faultstring", reason);
        if (f->role)
            plain_child(fault, "faultactor", f->role);
    } else {
        xmlNodePtr code = xmlNewChild(fault, ns, BAD_CAST "Code", NULL);
        code_el = xmlNewTextChild(code, ns, BAD_CAST "Value", BAD_CAST code_text);
        xmlNodePtr rs = xmlNewChild(fault, ns, BAD_CAST "Reason", NULL);
        xmlNodePtr text = xmlNewTextChild(rs, ns, BAD_CAST "Text", BAD_CAST reason);
        xmlNsPtr xml = xmlSearchNs(doc, text, BAD_CAST "xml");
        xmlSetNsProp(text, xml, BAD_CAST "lang", BAD_CAST "en");
        if (f->node)
            xmlNewTextChild(fault, ns, BAD_CAST "Node", BAD_CAST f->node);
        if (f->role)
            xmlNewTextChild(fault, ns, BAD_CAST "Role", BAD_CAST f->role);
    }
    if (own_prefix && code_el)
        xmlNewNs(code_el, BAD_CAST f->code_ns, BAD_CAST f->code_prefix);
    if (f->detail.value || f->detail.expr || f->detail_xml) {
        xmlNodePtr detail = v11 ? plain_child(fault, "detail", NULL)
                                : xmlNewChild(fault, ns, BAD_CAST "Detail", NULL);
        if (!add_detail(f, m, detail)) {
            xmlFreeDoc(doc);
            return MC_FLOW_FAULT;
        }
    }
    if (mc_msg_take_envelope(m, doc) != MC_OK)
        return mc_fault(m, "0", "out of memory");
    return MC_FLOW_NEXT;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const makefault_m *f = (const makefault_m *)self;
    mc_flow flow = f->version == V_POX ? make_pox(f, m) : make_soap(f, m);
    if (flow != MC_FLOW_NEXT)
        return flow;
    set_status(m);
    set_addressing(m);
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_makefault = {"makefault", compile, exec, NULL, false};
