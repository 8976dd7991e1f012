/* payload.c - the message payload in its four kinds, with the Synapse
 * envelope view used by XPath and the JSON view used by json-eval.
 *
 * JSON, text and binary payloads are authoritative as bytes; an XML payload
 * is authoritative as a SOAP envelope whose Body holds the payload element.
 * Other views are caches, dropped whenever the payload changes. */
#include "msg/payload.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "msg/soap.h"
#include "msg/xmlsafe.h"
#include "util/codec.h"

/* First chunk of a payload's JSON tree arena (it doubles from there). */
#define JSON_ARENA_CHUNK 2048

/* Payload bytes go into the message's arena (no malloc, gone with the
 * message) while the message has put fewer than this many there; a message
 * that replaces its payload often or with big ones uses the heap, where a
 * replaced payload's memory goes back at once. */
#define ARENA_PAYLOAD_BUDGET ((size_t)64 << 10)

void mc_payload_clear(mc_payload *p)
{
    if (!p->in_arena)
        free(p->bytes);
    mc_arena_free(&p->json_arena);
    free(p->json_text);
    if (p->env)
        xmlFreeDoc(p->env);
    free(p->xml_text);
    memset(p, 0, sizeof *p);
}

/* The kind of a payload by its first byte: XML, text (blank), none
 * (empty), or JSON when it may be JSON (the caller checks that). */
static mc_pl_kind sniff_kind(const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' ||
                       data[i] == '\t'))
        i++;
    if (i == len)
        return len ? MC_PL_TEXT : MC_PL_NONE;
    return data[i] == '<' ? MC_PL_XML : MC_PL_JSON;
}

/* The kind a content type names; MC_PL_NONE when there is none. */
static mc_pl_kind declared_kind(const char *ct)
{
    if (!ct || !*ct)
        return MC_PL_NONE;
    /* compare the media type only, ignoring parameters */
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    const char *slash = memchr(ct, '/', n);
    if (slash) {
        const char *sub = slash + 1;
        size_t sn = n - (size_t)(sub - ct);
        if ((sn >= 4 && strncasecmp(sub + sn - 4, "json", 4) == 0))
            return MC_PL_JSON;
        if (sn >= 3 && strncasecmp(sub + sn - 3, "xml", 3) == 0)
            return MC_PL_XML;
        if (strncasecmp(ct, "text/", 5) == 0)
            return MC_PL_TEXT;
        if (strncasecmp(ct, "application/x-www-form-urlencoded", n) == 0)
            return MC_PL_TEXT;
    }
    return MC_PL_BINARY;
}

mc_pl_kind mc_content_kind(const char *ct, const char *data, size_t len)
{
    mc_pl_kind k = declared_kind(ct);
    if (k != MC_PL_NONE)
        return k;
    k = sniff_kind(data, len);
    if (k == MC_PL_JSON && !mc_json_valid(data, len))
        return MC_PL_TEXT;
    return k;
}

/* A copy of data (NUL-terminated) in the message's arena while its budget
 * lasts (*in_arena), else on the heap. */
static char *copy_bytes(mc_message *m, const char *data, size_t len, bool *in_arena)
{
    *in_arena = len < ARENA_PAYLOAD_BUDGET - m->arena_payload;
    char *copy = *in_arena ? mc_arena_alloc_unaligned(&m->arena, len + 1) : malloc(len + 1);
    if (!copy)
        return NULL;
    if (*in_arena)
        m->arena_payload += len + 1;
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    return copy;
}

static void install_bytes(mc_message *m, mc_pl_kind kind, char *copy, size_t len,
                          bool in_arena)
{
    mc_payload_clear(&m->payload);
    m->payload.kind = kind;
    m->payload.bytes = copy;
    m->payload.len = len;
    m->payload.in_arena = in_arena;
}

/* The payload's bytes: data itself when lent (it outlives the message and
 * never changes: kept like arena bytes, never freed by the payload), else
 * a copy. */
static char *take_bytes(mc_message *m, const char *data, size_t len, bool lent,
                        bool *in_arena)
{
    if (lent) {
        *in_arena = true;
        return (char *)data;
    }
    return copy_bytes(m, data, len, in_arena);
}

static mc_code set_bytes_lent(mc_message *m, mc_pl_kind kind, const char *data, size_t len,
                              bool lent)
{
    bool in_arena;
    char *copy = take_bytes(m, data, len, lent, &in_arena);
    if (!copy)
        return MC_ENOMEM;
    install_bytes(m, kind, copy, len, in_arena);
    return MC_OK;
}

static mc_code set_bytes(mc_message *m, mc_pl_kind kind, const char *data,
                         size_t len)
{
    bool in_arena;
    char *copy = copy_bytes(m, data, len, &in_arena);
    if (!copy)
        return MC_ENOMEM;
    install_bytes(m, kind, copy, len, in_arena);
    return MC_OK;
}

/* Most arena bytes the tree of a JSON text of len bytes can take: a value
 * is at least one byte of text (a container two), each node is 16 bytes in
 * its parent's array, each container's array up to 15 of padding, copied
 * strings at most the text, and the root. */
static size_t json_tree_bound(size_t len)
{
    return 16 * len + 8 * len + len + 32;
}

/* A JSON payload, checked.  One that fits the message's arena budget with
 * the most its tree can take is parsed in the same pass, bytes and tree
 * (borrowing from the bytes) in the arena, so the first expression that
 * reads it finds the tree; a bigger one is only checked, and parsed when
 * something first reads it (a proxy that passes big bodies through builds
 * no tree).  On failure the message is as it was and err says why. */
static mc_code set_json_payload(mc_message *m, const char *data, size_t len, bool lent,
                                mc_err *err)
{
    size_t room = ARENA_PAYLOAD_BUDGET - m->arena_payload;
    bool small = len < ARENA_PAYLOAD_BUDGET / 26 && len + 1 + json_tree_bound(len) < room;
    mc_err jerr = {0};
    if (!small) {
        mc_code rc = mc_json_check(data, len, MC_JSON_MAX_NODES, &jerr);
        if (rc == MC_ENOMEM)
            return mc_err_set(err, rc, "out of memory");
        if (rc != MC_OK)
            return mc_err_set(err, rc, "invalid JSON payload: %s", jerr.msg);
        if (set_bytes_lent(m, MC_PL_JSON, data, len, lent) != MC_OK)
            return mc_err_set(err, MC_ENOMEM, "out of memory");
        return MC_OK;
    }
    bool in_arena;
    char *copy = take_bytes(m, data, len, lent, &in_arena);   /* in the arena: it fits */
    if (!copy)
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    size_t used = 0;
    mc_json_opts o = {.max_nodes = MC_JSON_MAX_NODES, .borrow = true, .arena_bytes = &used};
    mc_json tree = mc_json_parse_opts(&m->arena, copy, len, &o, &jerr);
    m->arena_payload += used;
    if (!tree) {
        if (!in_arena)
            free(copy);
        if (jerr.code == MC_ENOMEM)
            return mc_err_set(err, MC_ENOMEM, "out of memory");
        return mc_err_set(err, jerr.code, "invalid JSON payload: %s", jerr.msg);
    }
    install_bytes(m, MC_PL_JSON, copy, len, in_arena);
    m->payload.json = tree;
    m->payload.json_tried = true;
    return MC_OK;
}

static xmlNodePtr first_element(xmlNodePtr n)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return n;
    return NULL;
}

static int is_soap_ns(const xmlNs *ns)
{
    return ns && (strcmp((const char *)ns->href, MC_SOAP11_NS) == 0 ||
                  strcmp((const char *)ns->href, MC_SOAP12_NS) == 0);
}

/* A new envelope doc with an empty Body; returns the Body. */
static xmlDocPtr new_envelope(xmlNodePtr *body_out)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    if (!doc)
        return NULL;
    xmlNodePtr env = xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL);
    xmlNsPtr ns = env ? xmlNewNs(env, BAD_CAST MC_SOAP11_NS, BAD_CAST "soapenv") : NULL;
    if (!env || !ns) {
        xmlFreeNode(env);
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlSetNs(env, ns);
    xmlDocSetRootElement(doc, env);
    xmlNodePtr body = xmlNewChild(env, ns, BAD_CAST "Body", NULL);
    if (!body) {
        xmlFreeDoc(doc);
        return NULL;
    }
    *body_out = body;
    return doc;
}

/* Drop the xmlns="" declarations that undeclare no default namespace
 * (none is in scope above them), as Axiom's serialiser writes no
 * redundant declaration: <messageformat xmlns=""> in a payloadFactory
 * format goes out as <messageformat>. */
static bool uses_ns(const xmlNode *n, const xmlNs *ns)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && (n->ns == ns || uses_ns(n->children, ns)))
            return true;
    return false;
}

static void drop_empty_default_ns(xmlNodePtr n, bool default_in_scope)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        bool in_scope = default_in_scope;
        for (xmlNsPtr *link = &n->nsDef; *link;) {
            xmlNsPtr d = *link;
            if (d->prefix) {
                link = &d->next;
                continue;
            }
            bool empty = !d->href || !*d->href;
            if (empty && !default_in_scope && n->ns != d && !uses_ns(n->children, d)) {
                *link = d->next;
                d->next = NULL;
                xmlFreeNs(d);
                continue;
            }
            in_scope = !empty;
            link = &d->next;
        }
        drop_empty_default_ns(n->children, in_scope);
    }
}

/* Is a non-empty default namespace in scope at n? */
static bool default_ns_at(xmlDocPtr doc, xmlNodePtr n)
{
    xmlNsPtr d = xmlSearchNs(doc, n, NULL);
    return d && d->href && *d->href;
}

/* Wrap a parsed document in an envelope unless it already is one.  The
 * root element moves under a new Body in the same document (no copy: a
 * big payload's tree exists once); what else stood at the top (comments,
 * processing instructions) goes. */
static xmlDocPtr envelope_for(xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root && is_soap_ns(root->ns) &&
        strcmp((const char *)root->name, "Envelope") == 0)
        return doc;
    xmlNodePtr env = xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL);
    xmlNsPtr ns = env ? xmlNewNs(env, BAD_CAST MC_SOAP11_NS, BAD_CAST "soapenv") : NULL;
    xmlNodePtr body = ns ? xmlNewDocNode(doc, ns, BAD_CAST "Body", NULL) : NULL;
    if (!body) {
        xmlFreeNode(env);
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlSetNs(env, ns);
    xmlAddChild(env, body);
    if (root)
        xmlUnlinkNode(root);
    while (doc->children) {             /* comments, PIs around the root */
        xmlNodePtr c = doc->children;
        xmlUnlinkNode(c);
        xmlFreeNode(c);
    }
    xmlDocSetRootElement(doc, env);
    if (root && !xmlAddChild(body, root)) {
        xmlFreeNode(root);
        xmlFreeDoc(doc);
        return NULL;
    }
    if (root) {
        /* only this element: drop_empty_default_ns walks its siblings too */
        xmlNodePtr next = root->next;
        root->next = NULL;
        drop_empty_default_ns(root, default_ns_at(doc, body));
        root->next = next;
    }
    return doc;
}

static bool in_envelope_ns(const xmlNode *n, const xmlNode *env)
{
    return n->ns && strcmp((const char *)n->ns->href, (const char *)env->ns->href) == 0;
}

/* The envelope's shape as Axiom's SOAP builder checks it: at most one
 * Header, before the Body; exactly one Body; after the Body further
 * elements only in SOAP 1.1; no text but white space. */
static mc_code check_envelope_shape(const xmlNode *env, int v, mc_err *err)
{
    bool header = false, body = false;
    for (const xmlNode *n = env->children; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (!xmlIsBlankNode((xmlNodePtr)n))
                return mc_err_set(err, MC_EPARSE, "the SOAP envelope has text outside "
                                  "its Header and Body");
            continue;
        }
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)n->name;
        if (in_envelope_ns(n, env) && strcmp(name, "Header") == 0) {
            if (header || body)
                return mc_err_set(err, MC_EPARSE, "the SOAP envelope has %s",
                                  header ? "more than one Header" : "a Header after its Body");
            header = true;
        } else if (in_envelope_ns(n, env) && strcmp(name, "Body") == 0) {
            if (body)
                return mc_err_set(err, MC_EPARSE, "the SOAP envelope has more than one Body");
            body = true;
        } else if (!body || v == 12) {
            return mc_err_set(err, MC_EPARSE, "the SOAP %s envelope has <%s> %s", v == 12 ?
                              "1.2" : "1.1", name, body ? "after its Body" :
                              "where only Header and Body may be");
        }
    }
    if (!body)
        return mc_err_set(err, MC_EPARSE, "the SOAP envelope has no Body");
    return MC_OK;
}

/* A SOAP request's envelope: its namespace must be the one its content
 * type names (text/xml: SOAP 1.1, application/soap+xml: SOAP 1.2) and it
 * must have a Body; application/soap+xml must carry an envelope.  *soap
 * gets the version when the content type is a SOAP one. */
static mc_code check_soap(xmlDocPtr doc, mc_wire w, int *soap, mc_err *err)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int v = mc_soap_doc_version(doc);
    int cv = w == MC_WIRE_SOAP11 ? 11 : w == MC_WIRE_SOAP12 ? 12 : 0;
    bool envelope = root && strcmp((const char *)root->name, "Envelope") == 0;
    if (cv && envelope && v != cv)
        return mc_err_set(err, MC_EPARSE, MC_SOAP_VERSION_MISMATCH ": a %s envelope "
                          "(namespace '%s') sent as %s, which is SOAP %s",
                          v == 11 ? "SOAP 1.1" : v == 12 ? "SOAP 1.2" : "non-SOAP",
                          root->ns ? (const char *)root->ns->href : "",
                          cv == 11 ? "text/xml" : "application/soap+xml",
                          cv == 11 ? "1.1" : "1.2");
    if (cv == 12 && !v)
        return mc_err_set(err, MC_EPARSE, "an application/soap+xml body must be a SOAP 1.2 "
                          "Envelope, not <%s>", root ? (const char *)root->name : "");
    if (v) {
        mc_code rc = check_envelope_shape(root, v, err);
        if (rc != MC_OK)
            return rc;
    }
    *soap = cv ? v : 0;
    return MC_OK;
}

static void set_type_props(mc_message *m, const char *ct)
{
    if (ct && *ct) {
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", ct);
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "ContentType", ct);
    }
}

static mc_code set_payload(mc_message *m, const char *data, size_t len, const char *ct,
                           bool lent, mc_err *err)
{
    mc_pl_kind kind = declared_kind(ct);
    bool sniffed = kind == MC_PL_NONE;
    if (sniffed)
        kind = sniff_kind(data, len);
    if (len == 0) {
        mc_payload_clear(&m->payload);
        set_type_props(m, ct);
        return MC_OK;
    }
    if (kind == MC_PL_JSON) {
        /* checked (syntax, strict UTF-8, the node limit) and parsed at once;
         * without a content type, text that is not JSON is text */
        mc_err jerr = {0};
        mc_code rc = set_json_payload(m, data, len, lent, &jerr);
        if (rc == MC_OK) {
            set_type_props(m, ct);
            return MC_OK;
        }
        if (!sniffed || rc == MC_ENOMEM || (rc == MC_ELIMIT && mc_json_valid(data, len)))
            return mc_err_set(err, rc, "%s", jerr.msg);
        kind = MC_PL_TEXT;
    }
    mc_wire w = mc_wire_of(ct);
    if (w == MC_WIRE_FORM || w == MC_WIRE_MULTIPART)
        return mc_msg_set_form(m, data, len, ct, err);
    if (kind == MC_PL_XML) {
        mc_xml_error xe;
        xmlDocPtr doc = mc_xml_parse(data, len, "payload", 1, &xe);
        if (!doc)
            return mc_err_set(err, xe.too_big ? MC_ELIMIT : MC_EPARSE, "%s XML payload: line %d: %s",
                              xe.too_big ? "over-limit" : "invalid", xe.line, xe.msg);
        int soap = 0;
        mc_code rc = check_soap(doc, w, &soap, err);
        if (rc != MC_OK) {
            xmlFreeDoc(doc);
            return rc;
        }
        xmlDocPtr env = envelope_for(doc);
        if (!env)
            return mc_err_set(err, MC_ENOMEM, "out of memory");
        mc_payload_clear(&m->payload);
        m->payload.kind = MC_PL_XML;
        m->payload.env = env;
        m->payload.soap = soap;
        set_type_props(m, ct);
        return MC_OK;
    }
    mc_code rc = set_bytes_lent(m, kind, data, len, lent);
    if (rc == MC_OK)
        set_type_props(m, ct);
    return rc;
}

mc_code mc_msg_set_payload(mc_message *m, const char *data, size_t len,
                           const char *ct, mc_err *err)
{
    return set_payload(m, data, len, ct, false, err);
}

mc_code mc_msg_set_payload_lent(mc_message *m, const char *data, size_t len,
                                const char *ct, mc_err *err)
{
    return set_payload(m, data, len, ct, true, err);
}

mc_code mc_msg_set_body(mc_message *m, const char *data, size_t len, const char *ct,
                        mc_err *err)
{
    mc_payload *p = &m->payload;
    if (p->kind != MC_PL_XML || !p->soap || mc_content_kind(ct, data, len) != MC_PL_XML)
        return mc_msg_set_payload(m, data, len, ct, err);
    mc_xml_error xe;
    xmlDocPtr doc = mc_xml_parse(data, len, "payload", 1, &xe);
    if (!doc)
        return mc_err_set(err, MC_EPARSE, "invalid XML payload: line %d: %s", xe.line, xe.msg);
    if (mc_soap_doc_version(doc)) {
        /* a whole envelope replaces the message's */
        xmlFreeDoc(doc);
        return mc_msg_set_payload(m, data, len, ct, err);
    }
    xmlDocPtr env = p->env;
    p->env = NULL;
    int soap = p->soap;
    xmlNodePtr body = mc_soap_part(env, "Body");
    while (body && body->children) {
        xmlNodePtr c = body->children;
        xmlUnlinkNode(c);
        xmlFreeNode(c);
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr copy = root && body ? xmlDocCopyNode(root, env, 1) : NULL;
    if (copy && !xmlAddChild(body, copy)) {
        xmlFreeNode(copy);
        copy = NULL;
    }
    /* the copy declares what it uses (no xmlReconciliateNs: libxml2 2.9 turns an
     * inner default namespace into "default:" prefixes) */
    if (copy)
        drop_empty_default_ns(copy, default_ns_at(env, body));
    xmlFreeDoc(doc);
    mc_payload_clear(p);
    p->kind = MC_PL_XML;
    p->env = env;
    p->soap = soap;
    if (!copy && root)
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    set_type_props(m, ct);
    return MC_OK;
}

int mc_payload_error_status(mc_code rc)
{
    return rc == MC_ELIMIT ? 413 : rc == MC_ENOMEM ? 500 : 400;
}

mc_code mc_msg_set_json(mc_message *m, const char *text, size_t len)
{
    mc_code rc = set_bytes(m, MC_PL_JSON, text, len);
    if (rc == MC_OK)
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", "application/json");
    return rc;
}

mc_code mc_msg_set_text(mc_message *m, const char *text, size_t len)
{
    mc_code rc = set_bytes(m, MC_PL_TEXT, text, len);
    if (rc == MC_OK)
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", "text/plain");
    return rc;
}

mc_code mc_msg_set_xml_node(mc_message *m, xmlNodePtr node)
{
    xmlNodePtr body;
    xmlDocPtr env = new_envelope(&body);
    if (!env)
        return MC_ENOMEM;
    if (node) {
        xmlNodePtr copy = xmlDocCopyNode(node, env, 1);
        if (!copy || !xmlAddChild(body, copy)) {
            xmlFreeNode(copy);
            xmlFreeDoc(env);
            return MC_ENOMEM;
        }
    }
    mc_payload_clear(&m->payload);
    m->payload.kind = MC_PL_XML;
    m->payload.env = env;
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", "application/xml");
    return MC_OK;
}

mc_code mc_msg_copy_payload(mc_message *dst, mc_message *src)
{
    const mc_payload *p = &src->payload;
    if (p->kind == MC_PL_XML || (p->kind == MC_PL_NONE && p->env)) {
        xmlDocPtr env = p->env ? xmlCopyDoc(p->env, 1) : NULL;
        if (!env)
            return p->env ? MC_ENOMEM : MC_OK;
        return mc_msg_take_envelope(dst, env) == MC_OK ? MC_OK : MC_ENOMEM;
    }
    if (p->kind == MC_PL_NONE) {
        mc_payload_clear(&dst->payload);
        return MC_OK;
    }
    return set_bytes(dst, p->kind, p->bytes ? p->bytes : "", p->len);
}

mc_code mc_msg_take_envelope(mc_message *m, xmlDocPtr env)
{
    xmlNodePtr root = env ? xmlDocGetRootElement(env) : NULL;
    if (!root || !is_soap_ns(root->ns) ||
        strcmp((const char *)root->name, "Envelope") != 0) {
        if (env && env != m->payload.env)
            xmlFreeDoc(env);
        return MC_EINVAL;
    }
    bool soap = m->payload.soap || m->client_soap;
    if (m->payload.env == env)
        m->payload.env = NULL;  /* the message's own envelope, edited */
    mc_payload_clear(&m->payload);
    m->payload.kind = MC_PL_XML;
    m->payload.env = env;
    m->payload.soap = soap ? mc_soap_doc_version(env) : 0;
    return MC_OK;
}

xmlNodePtr mc_msg_body(mc_message *m)
{
    xmlDocPtr env = mc_msg_envelope(m);
    if (!env)
        return NULL;
    xmlNodePtr root = xmlDocGetRootElement(env);
    for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE &&
            strcmp((const char *)n->name, "Body") == 0)
            return n;
    return NULL;
}

xmlNodePtr mc_msg_payload_root(mc_message *m)
{
    xmlNodePtr body = mc_msg_body(m);
    return body ? first_element(body->children) : NULL;
}

mc_json mc_msg_json(mc_message *m)
{
    mc_payload *p = &m->payload;
    if (p->json || p->json_tried)
        return p->json;
    p->json_tried = true;
    mc_arena_init(&p->json_arena, JSON_ARENA_CHUNK);
    if (p->kind == MC_PL_JSON) {
        /* the tree may point into the bytes: both go with the payload */
        mc_json_opts o = {.max_nodes = MC_JSON_MAX_NODES, .borrow = true};
        p->json = mc_json_parse_opts(&p->json_arena, p->bytes, p->len, &o, NULL);
    } else if (p->kind == MC_PL_XML) {
        xmlNodePtr root = mc_msg_payload_root(m);
        if (root) {
            mc_buf b = MC_BUF_INIT;
            mc_xml_to_json(&b, root);
            if (!b.oom)
                p->json = mc_json_parse(&p->json_arena, b.data, b.len, NULL);
            mc_buf_free(&b);
        }
    }
    return p->json;
}

xmlDocPtr mc_msg_envelope(mc_message *m)
{
    mc_payload *p = &m->payload;
    if (p->env)
        return p->env;
    xmlNodePtr body;
    xmlDocPtr env = new_envelope(&body);
    if (!env)
        return NULL;
    xmlNodePtr child = NULL;
    if (p->kind == MC_PL_JSON) {
        mc_json v = mc_msg_json(m);
        if (v && !(child = mc_json_to_xml(v, env)))
            mc_msg_log(m, MC_LOG_WARN, "the JSON payload has no XML view: it would have more "
                       "than %d nodes (or memory ran out); XPath sees an empty body",
                       MC_XML_MAX_NODES);
    } else if (p->kind == MC_PL_TEXT || p->kind == MC_PL_BINARY) {
        int text = p->kind == MC_PL_TEXT;
        mc_buf b64 = MC_BUF_INIT;
        if (!text)
            mc_base64_encode(&b64, p->bytes, p->len);
        child = xmlNewDocNode(env, NULL, BAD_CAST(text ? "text" : "binary"), NULL);
        if (child) {
            xmlNsPtr ns = xmlNewNs(child, BAD_CAST MC_TEXT_NS, NULL); /* as Axiom writes it */
            xmlSetNs(child, ns);
            xmlNodePtr t = xmlNewDocTextLen(env, BAD_CAST(text ? p->bytes : mc_buf_cstr(&b64)),
                                            text ? (int)p->len : (int)b64.len);
            if (t)
                xmlAddChild(child, t);
        }
        mc_buf_free(&b64);
    }
    if (child)
        xmlAddChild(body, child);
    p->env = env;
    return env;
}

static const char *default_type(mc_pl_kind k)
{
    switch (k) {
    case MC_PL_JSON: return "application/json";
    case MC_PL_XML: return "application/xml";
    case MC_PL_TEXT: return "text/plain";
    case MC_PL_BINARY: return "application/octet-stream";
    default: return "application/json";
    }
}

const char *mc_msg_content_type(const mc_message *m)
{
    const char *t = mc_msg_prop(m, MC_SCOPE_AXIS2, "messageType");
    return t && *t ? t : default_type(m->payload.kind);
}

/* Is ns declared on one of n's ancestors (the Body, the Envelope)? */
static bool ancestor_ns(xmlNodePtr n, const xmlNs *ns)
{
    for (xmlNodePtr a = n->parent; a && a->type == XML_ELEMENT_NODE; a = a->parent)
        for (xmlNsPtr d = a->nsDef; d; d = d->next)
            if (d == ns)
                return true;
    return false;
}

/* Does the subtree use a prefix declared above it (soapenv:Fault)?  Then
 * serialising it alone would leave the prefix unbound. */
static bool uses_ancestor_ns(xmlNodePtr root, xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (n->ns && ancestor_ns(root, n->ns))
            return true;
        for (xmlAttrPtr a = n->properties; a; a = a->next)
            if (a->ns && ancestor_ns(root, a->ns))
                return true;
        if (uses_ancestor_ns(root, n->children))
            return true;
    }
    return false;
}

/* Cache text for the XML payload in wire w (one form cached at a time). */
static const char *cache_text(mc_payload *p, int w, mc_buf *b, size_t *len)
{
    free(p->xml_text);
    size_t n = b->len;
    p->xml_text = b->oom ? NULL : mc_buf_steal(b);
    p->xml_len = p->xml_text ? n : 0;
    p->xml_wire = w;
    mc_buf_free(b);
    *len = p->xml_len;
    return p->xml_text;
}

static bool cached(mc_payload *p, int w, size_t *len)
{
    if (!p->xml_text || p->xml_wire != w)
        return false;
    *len = p->xml_len;
    return true;
}

/* The payload root alone (application/xml). */
static const char *xml_text(mc_message *m, size_t *len)
{
    mc_payload *p = &m->payload;
    if (cached(p, MC_WIRE_POX, len))
        return p->xml_text;
    xmlNodePtr root = mc_msg_payload_root(m);
    xmlBufferPtr xb = xmlBufferCreate();
    if (!xb)
        return NULL;
    xmlDocPtr alone = NULL;
    if (root && uses_ancestor_ns(root, root)) {
        /* a copy as the root of its own document declares them */
        alone = xmlNewDoc(BAD_CAST "1.0");
        xmlNodePtr copy = alone ? xmlDocCopyNode(root, alone, 1) : NULL;
        if (copy) {
            xmlDocSetRootElement(alone, copy);
            /* the element's own namespace, declared for it, comes first
             * (as Axiom writes it), then the ones the element declares */
            bool own = false;
            for (xmlNsPtr ns = root->nsDef; ns; ns = ns->next)
                own |= root->ns && xmlStrEqual(ns->prefix, root->ns->prefix);
            xmlNsPtr *link = &copy->nsDef;
            while (!own && copy->ns && *link && *link != copy->ns)
                link = &(*link)->next;
            if (!own && copy->ns && *link == copy->ns && link != &copy->nsDef) {
                *link = copy->ns->next;
                copy->ns->next = copy->nsDef;
                copy->nsDef = copy->ns;
            }
            root = copy;
        }
    }
    if (root)
        xmlNodeDump(xb, root->doc, root, 0, 0);
    xmlFreeDoc(alone);
    mc_buf b = MC_BUF_INIT;
    mc_buf_append(&b, (const char *)xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
    xmlBufferFree(xb);
    return cache_text(p, MC_WIRE_POX, &b, len);
}

/* The wrapper element <ns:text>/<ns:binary> at the payload root, or NULL. */
static xmlNodePtr wrapper(mc_message *m, const char *local)
{
    xmlNodePtr root = mc_msg_payload_root(m);
    if (!root || !root->ns || strcmp((const char *)root->ns->href, MC_TEXT_NS) != 0 ||
        strcmp((const char *)root->name, local) != 0)
        return NULL;
    return root;
}

/* Text wrapper payloads (<ns:text>) serialise as their text content,
 * binary ones (<ns:binary>) as the bytes their base64 holds. */
static const char *wrapped_bytes(mc_message *m, mc_wire w, size_t *len)
{
    mc_payload *p = &m->payload;
    bool text = true;
    xmlNodePtr root = wrapper(m, "text");
    if (!root && w == MC_WIRE_BINARY) {
        root = wrapper(m, "binary");
        text = false;
    }
    if (!root)
        return NULL;
    if (cached(p, MC_WIRE_TEXT, len))
        return p->xml_text;
    xmlChar *t = xmlNodeGetContent(root);
    mc_buf b = MC_BUF_INIT;
    const char *v = t ? (const char *)t : "";
    if (text || !mc_base64_decode(&b, v, strlen(v)))
        mc_buf_puts(&b, v);
    xmlFree(t);
    return cache_text(p, MC_WIRE_TEXT, &b, len);
}

/* application/x-www-form-urlencoded: each element child of the payload
 * root as name=value (Axis2's XFormURLEncodedFormatter). */
static const char *form_text(mc_message *m, size_t *len)
{
    mc_payload *p = &m->payload;
    if (cached(p, MC_WIRE_FORM, len))
        return p->xml_text;
    mc_buf b = MC_BUF_INIT;
    xmlNodePtr root = mc_msg_payload_root(m);
    for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        xmlChar *v = xmlNodeGetContent(c);
        if (b.len)
            mc_buf_putc(&b, '&');
        mc_url_encode_form(&b, (const char *)c->name, strlen((const char *)c->name));
        mc_buf_putc(&b, '=');
        mc_url_encode_form(&b, v ? (const char *)v : "", v ? strlen((const char *)v) : 0);
        xmlFree(v);
    }
    if (!b.data)
        mc_buf_puts(&b, "");
    return cache_text(p, MC_WIRE_FORM, &b, len);
}

static const char *envelope_text(mc_message *m, int version, size_t *len)
{
    mc_payload *p = &m->payload;
    int w = version == 12 ? MC_WIRE_SOAP12 : MC_WIRE_SOAP11;
    if (cached(p, w, len))
        return p->xml_text;
    mc_envelope_opts o = {.version = version, .keep_addressing = true};
    mc_buf b = MC_BUF_INIT;
    if (mc_msg_envelope_text(m, &o, &b) != MC_OK) {
        mc_buf_free(&b);
        return NULL;
    }
    return cache_text(p, w, &b, len);
}

static const char *json_of_xml(mc_message *m, size_t *len)
{
    mc_payload *p = &m->payload;
    if (!p->json_text) {
        mc_buf b = MC_BUF_INIT;
        xmlNodePtr root = mc_msg_payload_root(m);
        if (root)
            mc_xml_to_json(&b, root);
        else
            mc_buf_puts(&b, "{}");
        p->json_text = mc_buf_steal(&b);
    }
    *len = p->json_text ? strlen(p->json_text) : 0;
    return p->json_text ? p->json_text : "";
}

const char *mc_msg_bytes_as(mc_message *m, mc_wire w, size_t *len)
{
    mc_payload *p = &m->payload;
    *len = 0;
    if (p->kind == MC_PL_NONE)
        return "";
    if (w == MC_WIRE_SOAP11 || w == MC_WIRE_SOAP12)
        return envelope_text(m, w == MC_WIRE_SOAP12 ? 12 : 11, len);
    if (w == MC_WIRE_FORM && p->kind != MC_PL_TEXT && p->kind != MC_PL_BINARY)
        return form_text(m, len);
    switch (p->kind) {
    case MC_PL_JSON:
        if (w == MC_WIRE_POX)
            return xml_text(m, len);
        *len = p->len;
        return p->bytes;
    case MC_PL_XML: {
        /* text/xml to a REST client writes the Body's element as it is,
         * the <text> wrapper too (MI's SOAP formatter doing REST) */
        const char *mt = mc_msg_prop(m, MC_SCOPE_AXIS2, "messageType");
        bool keep_wrapper = w == MC_WIRE_POX && mt && strcasecmp(mt, "text/xml") == 0;
        const char *t = keep_wrapper ? NULL : wrapped_bytes(m, w, len);
        if (t)
            return t;
        if (w == MC_WIRE_JSON)
            return json_of_xml(m, len);
        return xml_text(m, len);
    }
    default:
        *len = p->len;
        return p->bytes;
    }
}

const char *mc_msg_payload_bytes(mc_message *m, size_t *len)
{
    mc_wire w = mc_wire_of(mc_msg_content_type(m));
    /* text/xml is a SOAP 1.1 envelope for a SOAP message, plain XML for a
     * REST one (what a REST client that sent text/xml gets back) */
    if (w == MC_WIRE_SOAP11 && !mc_msg_is_soap(m))
        w = MC_WIRE_POX;
    return mc_msg_bytes_as(m, w, len);
}
