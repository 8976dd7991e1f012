/* soap.c - SOAP envelopes as Axis2 and Synapse handle them: the format a
 * content type names, envelope versions and their conversion (Synapse's
 * SOAPUtils), faults, WS-Addressing header blocks in and out, and the
 * whole envelope serialised for the wire. */
#include "msg/soap.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlsave.h>

#include "msg/payload.h"

/* ---- formats ------------------------------------------------------------- */

static bool media_is(const char *ct, size_t n, const char *type)
{
    return strlen(type) == n && strncasecmp(ct, type, n) == 0;
}

mc_wire mc_wire_of(const char *ct)
{
    if (!ct)
        return MC_WIRE_NONE;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (!n)
        return MC_WIRE_NONE;
    if (media_is(ct, n, "text/xml"))
        return MC_WIRE_SOAP11;
    if (media_is(ct, n, "application/soap+xml"))
        return MC_WIRE_SOAP12;
    if (media_is(ct, n, "application/x-www-form-urlencoded"))
        return MC_WIRE_FORM;
    if (media_is(ct, n, "multipart/form-data"))
        return MC_WIRE_MULTIPART;
    const char *slash = memchr(ct, '/', n);
    if (slash) {
        size_t sn = n - (size_t)(slash + 1 - ct);
        if (sn >= 4 && strncasecmp(slash + 1 + sn - 4, "json", 4) == 0)
            return MC_WIRE_JSON;
        if (sn >= 3 && strncasecmp(slash + 1 + sn - 3, "xml", 3) == 0)
            return MC_WIRE_POX;
        if (strncasecmp(ct, "text/", 5) == 0)
            return MC_WIRE_TEXT;
    }
    return MC_WIRE_BINARY;
}

/* ---- envelopes ----------------------------------------------------------- */

int mc_soap_ns_version(const char *href)
{
    if (!href)
        return 0;
    if (strcmp(href, MC_SOAP11_NS) == 0)
        return 11;
    if (strcmp(href, MC_SOAP12_NS) == 0)
        return 12;
    return 0;
}

static int node_version(const xmlNode *n)
{
    return n && n->ns ? mc_soap_ns_version((const char *)n->ns->href) : 0;
}

int mc_soap_doc_version(xmlDocPtr doc)
{
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || strcmp((const char *)root->name, "Envelope") != 0)
        return 0;
    return node_version(root);
}

static xmlNodePtr first_elem(xmlNodePtr n)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return n;
    return NULL;
}

static bool named(const xmlNode *n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

xmlNodePtr mc_soap_part(xmlDocPtr doc, const char *local)
{
    xmlNodePtr env = doc ? xmlDocGetRootElement(doc) : NULL;
    for (xmlNodePtr n = env ? env->children : NULL; n; n = n->next)
        if (named(n, local) && n->ns && env->ns &&
            strcmp((const char *)n->ns->href, (const char *)env->ns->href) == 0)
            return n;
    return NULL;
}

xmlNodePtr mc_soap_header(xmlDocPtr doc, bool create)
{
    xmlNodePtr h = mc_soap_part(doc, "Header");
    if (h || !create)
        return h;
    xmlNodePtr env = xmlDocGetRootElement(doc);
    if (!env)
        return NULL;
    h = xmlNewDocNode(doc, env->ns, BAD_CAST "Header", NULL);
    if (!h)
        return NULL;
    xmlNodePtr first = first_elem(env->children);
    if (first ? !xmlAddPrevSibling(first, h) : !xmlAddChild(env, h)) {
        xmlFreeNode(h);
        return NULL;
    }
    return h;
}

bool mc_soap_has_fault(xmlDocPtr doc)
{
    xmlNodePtr body = mc_soap_part(doc, "Body");
    xmlNodePtr f = body ? first_elem(body->children) : NULL;
    return named(f, "Fault") && node_version(f) == node_version(body);
}

/* ---- conversion ------------------------------------------------------------ */

static const char *const code_map[][2] = {   /* SOAP 1.1, SOAP 1.2 */
    {"Client", "Sender"}, {"Server", "Receiver"},
    {"VersionMismatch", "VersionMismatch"}, {"MustUnderstand", "MustUnderstand"},
    {"DataEncodingUnknown", "DataEncodingUnknown"},
};

static const char *map_code(const char *local, int to)
{
    for (size_t i = 0; i < sizeof code_map / sizeof *code_map; i++)
        if (strcmp(local, code_map[i][to == 12 ? 0 : 1]) == 0)
            return code_map[i][to == 12 ? 1 : 0];
    return local;
}

/* "prefix:Local" text of a fault code -> the mapped code with env's prefix. */
static void mapped_code_text(mc_buf *b, const xmlChar *text, const xmlNs *ns, int to)
{
    const char *t = text ? (const char *)text : "";
    while (*t == ' ' || *t == '\n' || *t == '\t' || *t == '\r')
        t++;
    const char *colon = strchr(t, ':');
    const char *local = colon ? colon + 1 : t;
    char lbuf[128];
    snprintf(lbuf, sizeof lbuf, "%.*s", (int)strcspn(local, " \n\t\r"), local);
    if (ns->prefix)
        mc_buf_printf(b, "%s:", (const char *)ns->prefix);
    mc_buf_puts(b, map_code(lbuf, to));
}

/* An unqualified child element <name>text</name> of parent. */
static xmlNodePtr plain_child(xmlNodePtr parent, const char *name, const xmlChar *text)
{
    xmlNodePtr e = xmlNewDocNode(parent->doc, NULL, BAD_CAST name, NULL);
    if (!e)
        return NULL;
    if (text)
        xmlNodeAddContent(e, text);
    if (!xmlAddChild(parent, e)) {
        xmlFreeNode(e);
        return NULL;
    }
    return e;
}

static xmlNodePtr child_named(xmlNodePtr parent, const char *local)
{
    for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
        if (named(n, local))
            return n;
    return NULL;
}

static void move_children(xmlNodePtr from, xmlNodePtr to)
{
    while (from && from->children) {
        xmlNodePtr c = from->children;
        xmlUnlinkNode(c);
        xmlAddChild(to, c);
    }
}

/* Rebuild the Fault element f (already in the new namespace ns). */
static void convert_fault(xmlDocPtr doc, xmlNodePtr f, xmlNsPtr ns, int to)
{
    xmlNodePtr nf = xmlNewDocNode(doc, ns, BAD_CAST "Fault", NULL);
    if (!nf)
        return;
    mc_buf code = MC_BUF_INIT;
    if (to == 12) {
        xmlNodePtr fc = child_named(f, "faultcode"), fs = child_named(f, "faultstring");
        xmlNodePtr fa = child_named(f, "faultactor"), fd = child_named(f, "detail");
        if (fc) {
            xmlChar *t = xmlNodeGetContent(fc);
            mapped_code_text(&code, t, ns, to);
            xmlFree(t);
            xmlNodePtr c = xmlNewChild(nf, ns, BAD_CAST "Code", NULL);
            if (c)
                xmlNewTextChild(c, ns, BAD_CAST "Value", BAD_CAST mc_buf_cstr(&code));
        }
        if (fs) {
            xmlChar *t = xmlNodeGetContent(fs);
            xmlNodePtr r = xmlNewChild(nf, ns, BAD_CAST "Reason", NULL);
            xmlNodePtr tx = r ? xmlNewTextChild(r, ns, BAD_CAST "Text", t) : NULL;
            if (tx)
                xmlNodeSetLang(tx, BAD_CAST "en");
            xmlFree(t);
        }
        if (fa) {
            xmlChar *t = xmlNodeGetContent(fa);
            xmlNewTextChild(nf, ns, BAD_CAST "Role", t);
            xmlFree(t);
        }
        if (fd) {
            xmlNodePtr d = xmlNewChild(nf, ns, BAD_CAST "Detail", NULL);
            move_children(fd, d);
        }
    } else {
        xmlNodePtr c = child_named(f, "Code"), r = child_named(f, "Reason");
        xmlNodePtr role = child_named(f, "Role"), d = child_named(f, "Detail");
        xmlNodePtr v = child_named(c, "Value");
        if (v) {
            xmlChar *t = xmlNodeGetContent(v);
            mapped_code_text(&code, t, ns, to);
            xmlFree(t);
            plain_child(nf, "faultcode", BAD_CAST mc_buf_cstr(&code));
        }
        xmlNodePtr tx = child_named(r, "Text");
        if (r) {
            xmlChar *t = tx ? xmlNodeGetContent(tx) : NULL;
            plain_child(nf, "faultstring", t ? t : BAD_CAST "");
            xmlFree(t);
        }
        if (role) {
            xmlChar *t = xmlNodeGetContent(role);
            plain_child(nf, "faultactor", t);
            xmlFree(t);
        }
        if (d) {
            xmlNodePtr nd = plain_child(nf, "detail", NULL);
            move_children(d, nd);
        }
    }
    mc_buf_free(&code);
    xmlReplaceNode(f, nf);
    xmlFreeNode(f);
}

/* Header block attributes in the envelope namespace: actor <-> role,
 * mustUnderstand 1/0 <-> true/false; others in it are dropped (Synapse
 * logs and removes them). */
static void convert_block_attrs(xmlNodePtr blk, xmlNsPtr ns, int to)
{
    xmlChar *actor = NULL;
    int must = -1;
    for (xmlAttrPtr a = blk->properties, next; a; a = next) {
        next = a->next;
        if (!a->ns || strcmp((const char *)a->ns->href, (const char *)ns->href) != 0)
            continue;
        const char *name = (const char *)a->name;
        if (strcmp(name, "mustUnderstand") == 0) {
            xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
            must = v && (strcmp((const char *)v, "1") == 0 || strcmp((const char *)v, "true") == 0);
            xmlFree(v);
        } else if (strcmp(name, to == 12 ? "actor" : "role") == 0 && !actor) {
            actor = xmlNodeGetContent((xmlNodePtr)a);
        }
        xmlRemoveProp(a);
    }
    if (must >= 0)
        xmlSetNsProp(blk, ns, BAD_CAST "mustUnderstand",
                     BAD_CAST(to == 12 ? (must ? "true" : "false") : (must ? "1" : "0")));
    if (actor)
        xmlSetNsProp(blk, ns, BAD_CAST(to == 12 ? "role" : "actor"), actor);
    xmlFree(actor);
}

static void rename_ns(xmlNodePtr n, const char *old, const char *href)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (xmlNsPtr d = n->nsDef; d; d = d->next)
            if (d->href && strcmp((const char *)d->href, old) == 0) {
                xmlFree((xmlChar *)d->href);
                d->href = xmlStrdup(BAD_CAST href);
            }
        rename_ns(n->children, old, href);
    }
}

mc_code mc_soap_convert(xmlDocPtr doc, int to)
{
    int from = mc_soap_doc_version(doc);
    if (!from || (to != 11 && to != 12))
        return MC_EINVAL;
    if (from == to)
        return MC_OK;
    xmlNodePtr env = xmlDocGetRootElement(doc);
    const char *href = to == 12 ? MC_SOAP12_NS : MC_SOAP11_NS;
    const char *old = from == 12 ? MC_SOAP12_NS : MC_SOAP11_NS;
    /* every declaration of the old namespace in the document names the new
     * one: envelope, header, body and attributes follow at once */
    rename_ns(env, old, href);
    xmlNsPtr ns = env->ns;
    xmlNodePtr header = mc_soap_part(doc, "Header");
    for (xmlNodePtr b = header ? header->children : NULL; b; b = b->next)
        if (b->type == XML_ELEMENT_NODE)
            convert_block_attrs(b, ns, to);
    xmlNodePtr body = mc_soap_part(doc, "Body");
    xmlNodePtr f = body ? first_elem(body->children) : NULL;
    if (named(f, "Fault") && f->ns == ns)
        convert_fault(doc, f, ns, to);
    return MC_OK;
}

void mc_soap_fault_text(mc_buf *b, int version, const char *code, const char *reason)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr env = doc ? xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL) : NULL;
    xmlNsPtr ns = env ? xmlNewNs(env, BAD_CAST(version == 12 ? MC_SOAP12_NS : MC_SOAP11_NS),
                                 BAD_CAST "soapenv") : NULL;
    if (!ns) {
        xmlFreeNode(env);
        xmlFreeDoc(doc);
        b->oom = true;
        return;
    }
    xmlSetNs(env, ns);
    xmlDocSetRootElement(doc, env);
    xmlNodePtr body = xmlNewChild(env, ns, BAD_CAST "Body", NULL);
    xmlNodePtr f = body ? xmlNewChild(body, ns, BAD_CAST "Fault", NULL) : NULL;
    char qcode[160];
    snprintf(qcode, sizeof qcode, "soapenv:%s", version == 12 ? map_code(code, 12) : code);
    if (f && version == 12) {
        xmlNodePtr c = xmlNewChild(f, ns, BAD_CAST "Code", NULL);
        if (c)
            xmlNewTextChild(c, ns, BAD_CAST "Value", BAD_CAST qcode);
        xmlNodePtr r = xmlNewChild(f, ns, BAD_CAST "Reason", NULL);
        xmlNodePtr t = r ? xmlNewTextChild(r, ns, BAD_CAST "Text", BAD_CAST reason) : NULL;
        if (t)
            xmlNodeSetLang(t, BAD_CAST "en");
    } else if (f) {
        plain_child(f, "faultcode", BAD_CAST qcode);
        plain_child(f, "faultstring", BAD_CAST reason);
    }
    mc_buf_puts(b, "<?xml version='1.0' encoding='UTF-8'?>");
    xmlBufferPtr xb = xmlBufferCreate();
    if (xb) {
        xmlNodeDump(xb, doc, env, 0, 0);
        mc_buf_append(b, (const char *)xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
        xmlBufferFree(xb);
    } else {
        b->oom = true;
    }
    xmlFreeDoc(doc);
}

/* ---- WS-Addressing -------------------------------------------------------------- */

static bool wsa_ns(const xmlNode *n)
{
    return n && n->ns && (strcmp((const char *)n->ns->href, MC_WSA_NS) == 0 ||
                          strcmp((const char *)n->ns->href, MC_WSA_SUBMISSION_NS) == 0);
}

void mc_msg_read_addressing(mc_message *m)
{
    if (!m->payload.soap)
        return;
    xmlNodePtr h = mc_soap_header(m->payload.env, false);
    static const char *const names[] = {"To", "From", "Action", "MessageID", "ReplyTo",
                                        "FaultTo", "RelatesTo"};
    for (xmlNodePtr b = h ? h->children : NULL; b; b = b->next) {
        if (b->type != XML_ELEMENT_NODE || !wsa_ns(b))
            continue;
        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
            if (strcmp((const char *)b->name, names[i]) != 0)
                continue;
            /* an endpoint reference: its Address */
            xmlNodePtr addr = child_named(b, "Address");
            xmlChar *v = xmlNodeGetContent(addr ? addr : b);
            if (v) {
                char *s = (char *)v;
                size_t n = strlen(s);
                while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' ||
                             s[n - 1] == '\t'))
                    s[--n] = '\0';
                while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
                    s++;
                mc_msg_set_propz(m, MC_SCOPE_DEFAULT, names[i], s);
            }
            xmlFree(v);
        }
    }
}

static void drop_addressing(xmlDocPtr doc)
{
    xmlNodePtr h = mc_soap_header(doc, false);
    for (xmlNodePtr b = h ? h->children : NULL, next; b; b = next) {
        next = b->next;
        if (b->type == XML_ELEMENT_NODE && wsa_ns(b)) {
            xmlUnlinkNode(b);
            xmlFreeNode(b);
        }
    }
}

static void add_addressing(xmlDocPtr doc, const mc_envelope_opts *o)
{
    xmlNodePtr h = mc_soap_header(doc, true);
    if (!h)
        return;
    const char *href = o->submission ? MC_WSA_SUBMISSION_NS : MC_WSA_NS;
    xmlNsPtr ns = xmlSearchNsByHref(doc, h, BAD_CAST href);
    if (!ns)
        ns = xmlNewNs(h, BAD_CAST href, xmlSearchNs(doc, h, BAD_CAST "wsa") ? NULL : BAD_CAST "wsa");
    if (!ns)
        return;
    if (o->to)
        xmlNewTextChild(h, ns, BAD_CAST "To", BAD_CAST o->to);
    if (o->message_id)
        xmlNewTextChild(h, ns, BAD_CAST "MessageID", BAD_CAST o->message_id);
    xmlNodePtr rt = xmlNewChild(h, ns, BAD_CAST "ReplyTo", NULL);
    if (rt)
        xmlNewTextChild(rt, ns, BAD_CAST "Address", BAD_CAST(o->submission ?
            "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous" :
            MC_WSA_ANONYMOUS));
    if (o->action && *o->action)
        xmlNewTextChild(h, ns, BAD_CAST "Action", BAD_CAST o->action);
}

/* ---- serialising ------------------------------------------------------------------ */

mc_code mc_msg_envelope_text(mc_message *m, const mc_envelope_opts *o, mc_buf *b)
{
    xmlDocPtr env = mc_msg_envelope(m);
    if (!env)
        return MC_ENOMEM;
    bool edit = o->addressing || !o->keep_addressing || mc_soap_doc_version(env) != o->version;
    xmlDocPtr doc = edit ? xmlCopyDoc(env, 1) : env;
    if (!doc)
        return MC_ENOMEM;
    if (edit) {
        if (!o->keep_addressing)
            drop_addressing(doc);
        if (o->addressing)
            add_addressing(doc, o);
        mc_soap_convert(doc, o->version);
        /* an empty Header says nothing: Axis2 leaves it out */
        xmlNodePtr h = mc_soap_header(doc, false);
        if (h && !first_elem(h->children)) {
            xmlUnlinkNode(h);
            xmlFreeNode(h);
        }
    }
    mc_buf_puts(b, "<?xml version='1.0' encoding='UTF-8'?>");
    xmlBufferPtr xb = xmlBufferCreate();
    mc_code rc = MC_ENOMEM;
    if (xb && xmlNodeDump(xb, doc, xmlDocGetRootElement(doc), 0, 0) >= 0) {
        mc_buf_append(b, (const char *)xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
        rc = b->oom ? MC_ENOMEM : MC_OK;
    }
    if (xb)
        xmlBufferFree(xb);
    if (edit)
        xmlFreeDoc(doc);
    return rc;
}

const char *mc_msg_soap_action(mc_message *m)
{
    const char *a = mc_msg_prop(m, MC_SCOPE_DEFAULT, "Action");
    if (a && *a)
        return a;
    a = mc_msg_prop(m, MC_SCOPE_TRANSPORT, "SOAPAction");
    if (a && *a) {
        size_t n = strlen(a);
        if (n >= 2 && a[0] == '"' && a[n - 1] == '"')
            return mc_arena_strndup(&m->arena, a + 1, n - 2);
        return a;
    }
    const char *ct = mc_msg_prop(m, MC_SCOPE_TRANSPORT, "Content-Type");
    const char *p = ct ? strcasestr(ct, "action=") : NULL;
    if (p) {
        p += 7;
        bool q = *p == '"';
        p += q;
        size_t n = q ? strcspn(p, "\"") : strcspn(p, "; ");
        return mc_arena_strndup(&m->arena, p, n);
    }
    return "";
}

const char *mc_msg_format_name(const mc_message *m)
{
    int v = m->payload.kind == MC_PL_XML && m->payload.soap ? m->payload.soap : m->client_soap;
    if (!mc_msg_is_soap(m))
        return "pox";
    return v == 12 ? "soap12" : "soap11";
}

bool mc_msg_is_soap(const mc_message *m)
{
    return m->payload.soap != 0 || m->client_soap != 0;
}

void mc_msg_answer_format(mc_message *m)
{
    if (!m->client_soap || m->payload.kind == MC_PL_NONE)
        return;
    int v = m->payload.kind == MC_PL_XML ? m->payload.soap : 0;
    if (!m->answer_rest && (!v || v == m->client_soap))
        return;
    const char *ct = m->client_soap == 12 ? "application/soap+xml" : "text/xml";
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", ct);
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "ContentType", ct);
}
