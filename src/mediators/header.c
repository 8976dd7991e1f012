/* header.c - <header>, as Synapse's HeaderMediator: with scope="transport"
 * an HTTP header (set or remove); in the default scope an addressing
 * header kept as a message property (To, From, Action, ReplyTo, FaultTo,
 * RelatesTo, and mediac's MessageID) when the name has no prefix, a SOAP
 * header block when it is a QName (prefix:name, the prefix declared in
 * scope; type="OM" makes the value XML), and the inline XML children as
 * header blocks when there is no name.  SOAP headers live in the message's
 * envelope (for a JSON payload, its XML view). */
#include <string.h>
#include <strings.h>

#include "mediators/mediators.h"
#include "msg/soap.h"
#include "msg/xmlsafe.h"
#include "util/codec.h"

enum { H_TRANSPORT, H_ADDRESSING, H_SOAP, H_EMBEDDED };

typedef struct header_m {
    mc_mediator base;
    int kind;
    const char *name;          /* transport/addressing name, SOAP local name */
    const char *ns_uri;        /* SOAP: the header's namespace */
    const char *prefix;
    bool remove;
    bool om;                   /* type="OM": the value is XML */
    const char *value;
    mc_expr *expr;
    xmlNodePtr embedded;       /* inline header elements (config copies) */
} header_m;

static void free_list(void *p) { xmlFreeNodeList(p); }

static bool addressing_header(const char *n)
{
    static const char *const names[] = {"To", "From", "Action", "ReplyTo",
                                        "FaultTo", "MessageID", "RelatesTo"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(n, names[i]) == 0)
            return true;
    return false;
}

static bool compile_default_scope(mc_compiler *cc, xmlNodePtr node, header_m *h)
{
    const char *colon = strchr(h->name, ':');
    if (!colon) {
        if (!addressing_header(h->name)) {
            mc_diag(cc, node, "name", MC_DIAG_ERROR,
                    "Invalid SOAP header: %s specified at the header mediator. All SOAP "
                    "headers must be namespace qualified (prefix:name); use "
                    "scope=\"transport\" for an HTTP header", h->name);
            return false;
        }
        h->kind = H_ADDRESSING;
        return true;
    }
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%.*s", (int)(colon - h->name), h->name);
    xmlNsPtr ns = xmlSearchNs(node->doc, node, BAD_CAST prefix);
    if (!ns) {
        mc_diag(cc, node, "name", MC_DIAG_ERROR, "Invalid namespace prefix '%s' in name attribute",
                prefix);
        return false;
    }
    h->kind = H_SOAP;
    h->prefix = mc_strdup(cc, prefix);
    h->ns_uri = mc_strdup(cc, (const char *)ns->href);
    h->name = colon + 1;
    return true;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "value", "expression", "scope",
                                        "action", "type", NULL};
    mc_check_attrs(cc, node, attrs);
    header_m *h = mc_new_mediator(cc, node, &mc_med_header, sizeof *h);
    if (!h)
        return NULL;
    h->name = mc_attr(cc, node, "name");
    const char *scope = mc_attr(cc, node, "scope");
    const char *action = mc_attr(cc, node, "action");
    const char *type = mc_attr(cc, node, "type");
    h->remove = action && strcmp(action, "remove") == 0;
    h->om = type && strcasecmp(type, "OM") == 0;
    if (action && !h->remove && strcmp(action, "set") != 0) {
        mc_diag(cc, node, "action", MC_DIAG_ERROR, "unknown action '%s' (set or remove)", action);
        return NULL;
    }
    if (scope && strcmp(scope, "transport") != 0 && strcmp(scope, "default") != 0) {
        mc_diag(cc, node, "scope", MC_DIAG_ERROR,
                "unknown header scope '%s' (default or transport)", scope);
        return NULL;
    }
    bool transport = scope && strcmp(scope, "transport") == 0;
    if (!h->name || !*h->name) {
        xmlNodePtr kids = mc_first_elem(node);
        if (!kids || transport) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<header> needs a 'name' attribute%s",
                    transport ? "" : " (or inline SOAP header elements)");
            return NULL;
        }
        h->kind = H_EMBEDDED;
        xmlNodePtr copy = xmlDocCopyNodeList(NULL, kids);
        for (xmlNodePtr c = copy, n; c; c = n) { /* elements only */
            n = c->next;
            if (c->type != XML_ELEMENT_NODE) {
                xmlUnlinkNode(c);
                xmlFreeNode(c);
            }
        }
        h->embedded = copy;
        mc_config_own(cc->cfg, copy, free_list);
        mc_xml_drop_empty_default_ns(copy);
        return copy ? &h->base : NULL;
    }
    if (transport)
        h->kind = H_TRANSPORT;
    else if (!compile_default_scope(cc, node, h))
        return NULL;
    h->value = mc_attr(cc, node, "value");
    const char *expr = mc_attr(cc, node, "expression");
    if (!h->value && expr && !(h->expr = mc_compile_expr(cc, node, "expression", expr)))
        return NULL;
    if (!h->remove && !h->value && !h->expr) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<header name=\"%s\"> needs 'value' or 'expression'", mc_attr(cc, node, "name"));
        return NULL;
    }
    return &h->base;
}

/* The envelope changed: an XML payload takes it back (its cached forms go);
 * a JSON payload keeps its JSON and the blocks live in its XML view. */
static mc_flow envelope_edited(mc_message *m, xmlDocPtr env)
{
    if (m->payload.kind == MC_PL_JSON)
        return MC_FLOW_NEXT;
    return mc_msg_take_envelope(m, env) == MC_OK ? MC_FLOW_NEXT
                                                 : mc_fault(m, "0", "header: no envelope");
}

static mc_flow soap_exec(const header_m *h, mc_message *m, const char *v, size_t n)
{
    xmlDocPtr env = mc_msg_envelope(m);
    if (!env)
        return mc_fault(m, "0", "header: the message has no envelope");
    if (h->remove) {
        xmlNodePtr hdr = mc_soap_header(env, false);
        for (xmlNodePtr c = hdr ? hdr->children : NULL, next; c; c = next) {
            next = c->next;
            if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, h->name) == 0 &&
                c->ns && strcmp((const char *)c->ns->href, h->ns_uri) == 0) {
                xmlUnlinkNode(c);
                xmlFreeNode(c);
            }
        }
        return envelope_edited(m, env);
    }
    xmlNodePtr hdr = mc_soap_header(env, true);
    if (!hdr)
        return mc_fault(m, "0", "out of memory");
    if (h->kind == H_EMBEDDED) {
        xmlNodePtr copy = xmlDocCopyNodeList(hdr->doc, h->embedded);
        if (!copy)
            return mc_fault(m, "0", "out of memory");
        xmlAddChildList(hdr, copy);
        return envelope_edited(m, env);
    }
    xmlNodePtr block = xmlNewDocNode(hdr->doc, NULL, BAD_CAST h->name, NULL);
    xmlNsPtr ns = block ? xmlNewNs(block, BAD_CAST h->ns_uri, BAD_CAST h->prefix) : NULL;
    if (!ns) {
        xmlFreeNode(block);
        return mc_fault(m, "0", "out of memory");
    }
    xmlSetNs(block, ns);
    if (h->om) {
        mc_xml_error xe;
        xmlDocPtr d = mc_xml_parse(v, n, "header value", 1, &xe);
        xmlNodePtr root = d ? xmlDocGetRootElement(d) : NULL;
        if (!root) {
            xmlFreeDoc(d);
            xmlFreeNode(block);
            return mc_fault(m, "0", "header '%s:%s': the OM value is not XML", h->prefix, h->name);
        }
        xmlAddChild(block, xmlDocCopyNode(root, hdr->doc, 1));
        xmlFreeDoc(d);
    } else {
        xmlNodePtr t = xmlNewDocTextLen(hdr->doc, BAD_CAST v, (int)n);
        if (t)
            xmlAddChild(block, t);
    }
    xmlAddChild(hdr, block);
    return envelope_edited(m, env);
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const header_m *h = (const header_m *)self;
    mc_scope scope = h->kind == H_TRANSPORT ? MC_SCOPE_TRANSPORT : MC_SCOPE_DEFAULT;
    if (h->remove && h->kind != H_SOAP) {
        mc_msg_remove_prop(m, scope, h->name);
        return MC_FLOW_NEXT;
    }
    const char *v = h->value ? h->value : "";
    size_t n = strlen(v);
    mc_err err;
    mc_err_clear(&err);
    if (h->expr && mc_expr_string(h->expr, m, &v, &n, &err) != MC_OK)
        return mc_fault(m, "0", "header '%s': %s", h->name, err.msg);
    if (h->kind == H_SOAP || h->kind == H_EMBEDDED)
        return soap_exec(h, m, v, n);
    if (!mc_header_value_ok(v, n))
        return mc_fault(m, "0", "header '%s': a header value cannot hold a control "
                        "character (CR, LF, NUL, ...)", h->name);
    if (mc_msg_set_prop(m, scope, h->name, v, n, MC_VT_STRING) != MC_OK)
        return mc_fault(m, "0", "out of memory");
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_header = {"header", compile, exec, NULL, false};
