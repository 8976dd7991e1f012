/* header.c - <header>: set or remove a transport header (scope="transport"),
 * one of the addressing headers kept as message properties in the default
 * scope (To, From, Action, ReplyTo, FaultTo, MessageID, RelatesTo), or,
 * for any other name in the default scope, a SOAP header block of the
 * envelope: <header name="p:Name" xmlns:p="..." value="v"/> adds
 * <p:Name>v</p:Name>, an inline XML child is added as it is, and
 * action="remove" removes every block of that name. */
#include <stdio.h>
#include <string.h>

#include "mediators/mediators.h"
#include "msg/soap.h"
#include "msg/xmlsafe.h"
#include "util/codec.h"

typedef struct header_m {
    mc_mediator base;
    const char *name;
    mc_scope scope;
    bool remove;
    const char *value;
    mc_expr *expr;
    const char *ns;            /* SOAP header block: its namespace, or NULL */
    bool block;                /* a SOAP header block, not a property */
    const char *inline_xml;    /* <header><p:block/></header>: the block as
                                  text, its namespaces declared */
} header_m;

static bool addressing_header(const char *n)
{
    static const char *const names[] = {"To", "From", "Action", "ReplyTo",
                                        "FaultTo", "MessageID", "RelatesTo"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(n, names[i]) == 0)
            return true;
    return false;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "value", "expression", "scope",
                                        "action", NULL};
    mc_check_attrs(cc, node, attrs);
    header_m *h = mc_new_mediator(cc, node, &mc_med_header, sizeof *h);
    if (!h)
        return NULL;
    h->name = mc_attr(cc, node, "name");
    if (!h->name || !*h->name) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<header> needs a 'name' attribute");
        return NULL;
    }
    const char *scope = mc_attr(cc, node, "scope");
    if (scope && strcmp(scope, "transport") == 0) {
        h->scope = MC_SCOPE_TRANSPORT;
    } else if (!scope || strcmp(scope, "default") == 0) {
        h->scope = MC_SCOPE_DEFAULT;
        const char *local = strchr(h->name, ':');
        local = local ? local + 1 : h->name;
        if (addressing_header(local)) {
            h->name = local;
        } else {
            h->block = true;
            if (local != h->name) {
                char prefix[128];
                snprintf(prefix, sizeof prefix, "%.*s", (int)(local - 1 - h->name), h->name);
                xmlNsPtr ns = xmlSearchNs(node->doc, node, BAD_CAST prefix);
                if (!ns) {
                    mc_diag(cc, node, "name", MC_DIAG_ERROR,
                            "SOAP header '%s': the prefix '%s' is not declared", h->name,
                            prefix);
                    return NULL;
                }
                h->ns = mc_strdup(cc, (const char *)ns->href);
            }
            h->name = local;
        }
    } else {
        mc_diag(cc, node, "scope", MC_DIAG_ERROR,
                "unknown header scope '%s' (default or transport)", scope);
        return NULL;
    }
    const char *action = mc_attr(cc, node, "action");
    h->remove = action && strcmp(action, "remove") == 0;
    if (action && !h->remove && strcmp(action, "set") != 0) {
        mc_diag(cc, node, "action", MC_DIAG_ERROR, "unknown action '%s' (set or remove)", action);
        return NULL;
    }
    h->value = mc_attr(cc, node, "value");
    xmlNodePtr child = mc_first_elem(node);
    if (child && h->scope == MC_SCOPE_DEFAULT && !h->remove) {
        /* an inline header block, kept as its own document */
        h->block = true;
        xmlDocPtr alone = xmlNewDoc(BAD_CAST "1.0");
        xmlNodePtr copy = alone ? xmlDocCopyNode(child, alone, 1) : NULL;
        xmlBufferPtr xb = copy ? xmlBufferCreate() : NULL;
        if (xb) {
            xmlDocSetRootElement(alone, copy);
            xmlNodeDump(xb, alone, copy, 0, 0);
            h->inline_xml = mc_strdup(cc, (const char *)xmlBufferContent(xb));
            xmlBufferFree(xb);
        } else {
            xmlFreeNode(copy);
        }
        xmlFreeDoc(alone);
        if (!h->inline_xml)
            return NULL;
    }
    const char *expr = mc_attr(cc, node, "expression");
    if (expr && !(h->expr = mc_compile_expr(cc, node, "expression", expr)))
        return NULL;
    if (!h->remove && !h->value && !h->expr && !h->inline_xml) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<header name=\"%s\"> needs 'value' or 'expression'", h->name);
        return NULL;
    }
    return &h->base;
}

static bool block_named(const xmlNode *b, const header_m *h)
{
    return b->type == XML_ELEMENT_NODE && strcmp((const char *)b->name, h->name) == 0 &&
           (h->ns ? b->ns && strcmp((const char *)b->ns->href, h->ns) == 0 : !b->ns);
}

/* Add or remove a SOAP header block in the message's envelope. */
static mc_flow exec_block(const header_m *h, mc_message *m)
{
    xmlDocPtr env = mc_msg_envelope(m);
    xmlNodePtr hdr = env ? mc_soap_header(env, !h->remove) : NULL;
    if (h->remove) {
        for (xmlNodePtr b = hdr ? hdr->children : NULL, next; b; b = next) {
            next = b->next;
            if (block_named(b, h)) {
                xmlUnlinkNode(b);
                xmlFreeNode(b);
            }
        }
    } else {
        if (!hdr)
            return mc_fault(m, "0", "out of memory");
        xmlNodePtr blk;
        if (h->inline_xml) {
            mc_xml_error xe;
            xmlDocPtr d = mc_xml_parse(h->inline_xml, strlen(h->inline_xml), "header", 0, &xe);
            blk = d ? xmlDocCopyNode(xmlDocGetRootElement(d), env, 1) : NULL;
            xmlFreeDoc(d);
        } else {
            const char *v = h->value;
            size_t n = v ? strlen(v) : 0;
            mc_err err = {0};
            if (h->expr && mc_expr_string(h->expr, m, &v, &n, &err) != MC_OK)
                return mc_fault(m, "0", "header '%s': %s", h->name, err.msg);
            blk = xmlNewDocNode(env, NULL, BAD_CAST h->name, NULL);
            if (blk && h->ns) {
                xmlNsPtr ns = xmlNewNs(blk, BAD_CAST h->ns, NULL);
                xmlSetNs(blk, ns);
            }
            xmlNodePtr t = blk ? xmlNewDocTextLen(env, BAD_CAST v, (int)n) : NULL;
            if (t)
                xmlAddChild(blk, t);
        }
        if (!blk || !xmlAddChild(hdr, blk)) {
            xmlFreeNode(blk);
            return mc_fault(m, "0", "out of memory");
        }
        xmlReconciliateNs(env, blk);
    }
    /* the envelope changed: the payload's cached forms go */
    return mc_msg_take_envelope(m, env) == MC_OK ? MC_FLOW_NEXT
                                                 : mc_fault(m, "0", "header: no envelope");
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const header_m *h = (const header_m *)self;
    if (h->block)
        return exec_block(h, m);
    if (h->remove) {
        mc_msg_remove_prop(m, h->scope, h->name);
        return MC_FLOW_NEXT;
    }
    const char *v = h->value;
    size_t n = v ? strlen(v) : 0;
    mc_err err = {0};
    if (h->expr && mc_expr_string(h->expr, m, &v, &n, &err) != MC_OK)
        return mc_fault(m, "0", "header '%s': %s", h->name, err.msg);
    if (!mc_header_value_ok(v, n))
        return mc_fault(m, "0", "header '%s': a header value cannot hold a control "
                        "character (CR, LF, NUL, ...)", h->name);
    if (mc_msg_set_prop(m, h->scope, h->name, v, n, MC_VT_STRING) != MC_OK)
        return mc_fault(m, "0", "out of memory");
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_header = {"header", compile, exec, NULL, false};
