/* callout.c - <callout>: a request that the flow waits for, as Synapse's
 * CalloutMediator: to serviceURL, an endpoint key or an inline endpoint,
 * with the SOAP action `action`; the request is the envelope (the
 * default, or <source type="envelope"/>), the first node an XPath selects
 * or an XML property (<source xpath|key>), sent as a SOAP envelope when the
 * message is SOAP and as plain XML otherwise; the answer replaces the node
 * <target xpath> selects, goes to the property <target key>, or becomes the
 * message.  A JSON answer always becomes the message's payload.  Like
 * <call>, it suspends the message while the request is out (the engine
 * never blocks) and fails over like any endpoint group. */
#include <string.h>
#include <strings.h>

#include <libxml/xpath.h>

#include "mediators/mediators.h"
#include "mediators/send.h"
#include "msg/xmlsafe.h"

typedef struct callout_m {
    mc_mediator base;
    const mc_endpoint *ep;
    const char *action;
    bool src_envelope;
    mc_expr *src_xpath;
    const char *src_key;
    mc_expr *tgt_xpath;
    const char *tgt_key;
} callout_m;

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"serviceURL", "endpointKey", "action",
        "useServerConfig", "initAxis2ClientOptions", NULL};
    mc_check_attrs(cc, node, attrs);
    callout_m *c = mc_new_mediator(cc, node, &mc_med_callout, sizeof *c);
    if (!c)
        return NULL;
    const char *url = mc_attr(cc, node, "serviceURL");
    const char *key = mc_attr(cc, node, "endpointKey");
    c->action = mc_attr(cc, node, "action");
    c->src_envelope = true;
    for (xmlNodePtr e = mc_first_elem(node); e; e = mc_next_elem(e)) {
        const char *n = (const char *)e->name;
        if (strcmp(n, "endpoint") == 0) {
            if (!(c->ep = mc_compile_endpoint(cc, e)))
                return NULL;
        } else if (strcmp(n, "source") == 0) {
            static const char *const sattrs[] = {"xpath", "key", "type", NULL};
            mc_check_attrs(cc, e, sattrs);
            const char *type = mc_attr(cc, e, "type"), *x = mc_attr(cc, e, "xpath");
            c->src_key = mc_attr(cc, e, "key");
            c->src_envelope = type && strcmp(type, "envelope") == 0;
            if (!c->src_envelope && x) {
                if (!(c->src_xpath = mc_compile_expr(cc, e, "xpath", x)))
                    return NULL;
            } else if (!c->src_envelope && !c->src_key) {
                mc_diag(cc, e, NULL, MC_DIAG_ERROR,
                        "a callout <source> needs an 'xpath' or a 'key' attribute (or type=\"envelope\")");
                return NULL;
            }
        } else if (strcmp(n, "target") == 0) {
            static const char *const tattrs[] = {"xpath", "key", NULL};
            mc_check_attrs(cc, e, tattrs);
            const char *x = mc_attr(cc, e, "xpath");
            c->tgt_key = mc_attr(cc, e, "key");
            if (x) {
                if (!(c->tgt_xpath = mc_compile_expr(cc, e, "xpath", x)))
                    return NULL;
            } else if (!c->tgt_key) {
                mc_diag(cc, e, NULL, MC_DIAG_ERROR, "a callout <target> needs an 'xpath' or a 'key' attribute");
                return NULL;
            }
        } else if (strcmp(n, "enableSec") == 0) {
            mc_diag(cc, e, NULL, MC_DIAG_ERROR, "<enableSec>: WS-Security is not supported by mediac");
            return NULL;
        } else if (strcmp(n, "configuration") != 0 && strcmp(n, "description") != 0) {
            mc_diag(cc, e, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <callout> (endpoint, source, target, configuration)", n);
            return NULL;
        }
    }
    int ways = (url != NULL) + (key != NULL) + (c->ep != NULL);
    if (ways != 1) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<callout> needs one of serviceURL, endpointKey or an <endpoint>");
        return NULL;
    }
    if (url || key) {
        mc_endpoint *ep = mc_alloc(cc, sizeof *ep);
        mc_ep_state *st = mc_alloc(cc, sizeof *st);
        if (!ep || !st)
            return NULL;
        mc_endpoint_init(ep, st, url ? MC_EP_ADDRESS : MC_EP_INDIRECT);
        ep->file = cc->file;
        mc_node_pos(cc, node, &ep->line, &ep->col);
        if (url) {
            if (!mc_check_transport(cc, node, "serviceURL", url))
                return NULL;
            ep->uri = url;
        } else {
            ep->key = key;
            mc_ref_endpoint(cc, node, "endpointKey", key, &ep->target);
        }
        c->ep = ep;
    }
    return &c->base;
}

static bool soap_message(mc_message *m, const char **ns)
{
    const char *ct = mc_msg_content_type(m);
    if (ct && strncasecmp(ct, "application/soap+xml", 20) == 0) {
        *ns = MC_SOAP12_NS;
        return true;
    }
    if (ct && strncasecmp(ct, "text/xml", 8) == 0) {
        *ns = MC_SOAP11_NS;
        return true;
    }
    return false;
}

/* The request payload: a copy of what the source names, in doc. */
static xmlNodePtr request_payload(const callout_m *c, mc_message *m, xmlDocPtr doc)
{
    if (c->src_xpath) {
        xmlXPathObjectPtr o = NULL;
        mc_err err = {0};
        xmlNodePtr r = NULL;
        if (mc_expr_xpath_object(c->src_xpath, m, &o, &err) == MC_OK && o->type == XPATH_NODESET &&
            o->nodesetval && o->nodesetval->nodeNr &&
            o->nodesetval->nodeTab[0]->type == XML_ELEMENT_NODE)
            r = xmlDocCopyNode(o->nodesetval->nodeTab[0], doc, 1);
        xmlXPathFreeObject(o);
        return r;
    }
    const mc_prop *p = mc_msg_get_prop(m, MC_SCOPE_DEFAULT, c->src_key);
    if (!p)
        return NULL;
    mc_xml_error xe;
    xmlDocPtr d = mc_xml_parse(p->value, p->len, "property", 1, &xe);
    xmlNodePtr root = d ? xmlDocGetRootElement(d) : NULL;
    xmlNodePtr r = root ? xmlDocCopyNode(root, doc, 1) : NULL;
    xmlFreeDoc(d);
    return r;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const callout_m *c = (const callout_m *)self;
    mc_send_body body = {0};
    body.soap_action = c->action;
    body.no_postfix = true;
    if (!c->src_envelope) {
        const char *env_ns = MC_SOAP11_NS;
        bool soap = soap_message(m, &env_ns);
        xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
        if (!doc)
            return mc_fault(m, "0", "out of memory");
        xmlNodePtr payload = request_payload(c, m, doc);
        if (!payload) {
            xmlFreeDoc(doc);
            return mc_fault(m, "401000", "Error invoking service : the callout source selects no "
                            "element (%s)", c->src_xpath ? mc_expr_source(c->src_xpath) : c->src_key);
        }
        xmlNodePtr top = payload;
        if (soap) {
            xmlNodePtr env = xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL);
            xmlNsPtr ns = xmlNewNs(env, BAD_CAST env_ns, BAD_CAST "soapenv");
            xmlSetNs(env, ns);
            xmlNodePtr b = xmlNewChild(env, ns, BAD_CAST "Body", NULL);
            xmlAddChild(b, payload);
            top = env;
        }
        xmlDocSetRootElement(doc, top);
        xmlBufferPtr xb = xmlBufferCreate();
        xmlNodeDump(xb, doc, top, 0, 0);
        body.data = mc_arena_strndup(&m->arena, (const char *)xmlBufferContent(xb),
                                     (size_t)xmlBufferLength(xb));
        body.len = (size_t)xmlBufferLength(xb);
        xmlBufferFree(xb);
        xmlFreeDoc(doc);
        body.content_type = soap ? mc_msg_content_type(m) : "application/xml";
        if (!body.data)
            return mc_fault(m, "0", "out of memory");
    }
    return mc_send_start(m, c->ep, &body);
}

/* The answer's payload element: the Body's first child of an envelope, or
 * the root element. */
static xmlNodePtr answer_element(xmlDocPtr d)
{
    xmlNodePtr root = xmlDocGetRootElement(d);
    if (root && root->ns && strcmp((const char *)root->name, "Envelope") == 0 &&
        (strcmp((const char *)root->ns->href, MC_SOAP11_NS) == 0 ||
         strcmp((const char *)root->ns->href, MC_SOAP12_NS) == 0)) {
        for (xmlNodePtr b = root->children; b; b = b->next)
            if (b->type == XML_ELEMENT_NODE && strcmp((const char *)b->name, "Body") == 0)
                for (xmlNodePtr e = b->children; e; e = e->next)
                    if (e->type == XML_ELEMENT_NODE)
                        return e;
        return NULL;
    }
    return root;
}

static mc_flow resume(const mc_mediator *self, mc_message *m)
{
    const callout_m *c = (const callout_m *)self;
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
    const mc_inbound *in = m->in;
    const char *ct = NULL;
    for (size_t i = 0; i < in->nheaders; i++)
        if (strcasecmp(in->headers[i].name, "Content-Type") == 0)
            ct = in->headers[i].value;
    mc_pl_kind kind = mc_content_kind(ct, in->body, in->body_len);
    if ((!c->tgt_xpath && !c->tgt_key) || kind == MC_PL_JSON || kind != MC_PL_XML) {
        /* no target, or a JSON answer: the answer becomes the message */
        mc_send_take_answer(m);
        return MC_FLOW_NEXT;
    }
    mc_xml_error xe;
    xmlDocPtr d = mc_xml_parse(in->body, in->body_len, "response", 1, &xe);
    xmlNodePtr result = d ? answer_element(d) : NULL;
    if (!result) {
        xmlFreeDoc(d);
        return mc_fault(m, "401000", "Error invoking service : the answer has no XML payload");
    }
    mc_msg_set_status(m, in->status);
    if (c->tgt_key) {
        xmlBufferPtr xb = xmlBufferCreate();
        xmlNodeDump(xb, d, result, 0, 0);
        mc_msg_set_prop(m, MC_SCOPE_DEFAULT, c->tgt_key, (const char *)xmlBufferContent(xb),
                        (size_t)xmlBufferLength(xb), MC_VT_OM);
        xmlBufferFree(xb);
        xmlFreeDoc(d);
        return MC_FLOW_NEXT;
    }
    xmlDocPtr env = mc_msg_envelope(m);
    xmlXPathObjectPtr o = NULL;
    mc_err err;
    mc_err_clear(&err);
    xmlNodePtr tgt = NULL;
    if (mc_expr_xpath_object(c->tgt_xpath, m, &o, &err) == MC_OK && o->type == XPATH_NODESET &&
        o->nodesetval && o->nodesetval->nodeNr && o->nodesetval->nodeTab[0]->type == XML_ELEMENT_NODE)
        tgt = o->nodesetval->nodeTab[0];
    xmlXPathFreeObject(o);
    if (!tgt) {
        xmlFreeDoc(d);
        return mc_fault(m, "401000", "Evaluation of target XPath expression : %s did not yeild an OMNode",
                        mc_expr_source(c->tgt_xpath));
    }
    xmlNodePtr copy = xmlDocCopyNode(result, env, 1);
    xmlFreeDoc(d);
    if (!copy || !xmlAddNextSibling(tgt, copy))
        return mc_fault(m, "0", "out of memory");
    xmlUnlinkNode(tgt);
    xmlFreeNode(tgt);
    if (mc_msg_take_envelope(m, env) != MC_OK)
        return mc_fault(m, "0", "out of memory");
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_callout = {"callout", compile, exec, resume, false};
