/* endpoint.c - compile <endpoint> elements (see endpoint.h): every kind
 * Synapse defines, each leaf's definition as EndpointDefinitionFactory
 * reads it, references by key, key-expression and template, endpoint
 * templates instantiated at link time (so a template may live in any
 * loaded file), WSDL endpoints resolved from a local WSDL 1.1 document, and
 * the refusal of transports other than HTTP(S). */
#include "config/endpoint.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/internal.h"
#include "msg/xmlsafe.h"

#define MAX_CODES 64
#define MAX_WSDL_BYTES (8u * 1024 * 1024)
#define WSDL11_NS "http://schemas.xmlsoap.org/wsdl/"
#define WSDL20_NS "http://www.w3.org/ns/wsdl"
#define WSDL_SOAP11_NS "http://schemas.xmlsoap.org/wsdl/soap/"
#define WSDL_SOAP12_NS "http://schemas.xmlsoap.org/wsdl/soap12/"
#define WSDL_HTTP_NS "http://schemas.xmlsoap.org/wsdl/http/"

static const char *const kinds[] = {"address", "http", "default", "wsdl",
    "loadbalance", "failover", "recipientlist"};
#define NKINDS (sizeof kinds / sizeof *kinds)

static bool named(xmlNodePtr n, const char *name)
{
    return strcmp((const char *)n->name, name) == 0;
}

void mc_endpoint_init(mc_endpoint *ep, mc_ep_state *st, mc_ep_kind kind)
{
    memset(ep, 0, sizeof *ep);
    memset(st, 0, sizeof *st);
    atomic_init(&st->state, MC_EPS_ACTIVE);
    atomic_init(&st->remaining, -1);
    atomic_init(&st->next_retry_ms, 0);
    atomic_init(&st->last_suspend_ms, -1);
    atomic_init(&st->cursor, 0);
    ep->state = st;
    ep->kind = kind;
    ep->initial_suspend_ms = -1;
    ep->progression = 1.0;
    ep->max_suspend_ms = LONG_MAX;
    ep->lb_failover = true;
    ep->fo_dynamic = true;
}

static mc_endpoint *new_endpoint(mc_compiler *cc, xmlNodePtr node, mc_ep_kind kind)
{
    mc_endpoint *ep = mc_alloc(cc, sizeof *ep);
    mc_ep_state *st = mc_alloc(cc, sizeof *st);
    if (!ep || !st)
        return NULL;
    mc_endpoint_init(ep, st, kind);
    ep->file = cc->file;
    mc_node_pos(cc, node, &ep->line, &ep->col);
    return ep;
}

const mc_endpoint *mc_endpoint_definition(const mc_endpoint *ep)
{
    for (int hops = 0; ep && ep->kind == MC_EP_INDIRECT && ep->target && hops < 16; hops++)
        ep = ep->target;
    return ep;
}

const char *mc_endpoint_type_name(const mc_endpoint *ep)
{
    static const char *const names[] = {"address", "http", "default", "wsdl",
        "loadbalance", "failover", "recipient_list"};
    if (!ep)
        return "indirect";
    if (ep->kind == MC_EP_INDIRECT)
        return ep->template_use ? "template" : "indirect";
    if (ep->kind == MC_EP_DYNAMIC)
        return "indirect";
    return names[ep->kind];
}

/* ---- transports --------------------------------------------------------- */

size_t mc_uri_foreign_scheme(const char *uri)
{
    if (!uri)
        return 0;
    size_t n = 0;
    /* RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    if (!((uri[0] >= 'a' && uri[0] <= 'z') || (uri[0] >= 'A' && uri[0] <= 'Z')))
        return 0;
    while ((uri[n] >= 'a' && uri[n] <= 'z') || (uri[n] >= 'A' && uri[n] <= 'Z') ||
           (uri[n] >= '0' && uri[n] <= '9') || uri[n] == '+' || uri[n] == '-' ||
           uri[n] == '.')
        n++;
    if (uri[n] != ':')
        return 0;
    if ((n == 4 && strncasecmp(uri, "http", 4) == 0) ||
        (n == 5 && strncasecmp(uri, "https", 5) == 0))
        return 0;
    return n;
}

/* A load error for a URI whose transport mediac does not have. */
bool mc_check_transport(mc_compiler *cc, xmlNodePtr node, const char *attr, const char *uri)
{
    while (uri && (*uri == ' ' || *uri == '\t' || *uri == '\n' || *uri == '\r'))
        uri++;
    size_t n = mc_uri_foreign_scheme(uri);
    if (!n)
        return true;
    char t[64];
    snprintf(t, sizeof t, "%.*s", (int)(n < sizeof t - 1 ? n : sizeof t - 1), uri);
    for (char *p = t; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    mc_diag(cc, node, attr, MC_DIAG_ERROR,
            "endpoint URI uses the '%s' transport; mediac sends over HTTP and HTTPS only", t);
    return false;
}

/* ---- the leaf definition ------------------------------------------------ */

/* "101503, 101504" -> codes; false (reported) on a token that is not a number. */
static bool parse_codes(mc_compiler *cc, xmlNodePtr node, mc_ep_codes *out)
{
    const char *text = mc_text(cc, node);
    int *v = mc_alloc(cc, MAX_CODES * sizeof *v);
    if (!v)
        return false;
    uint32_t n = 0;
    const char *p = text;
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        char *end;
        errno = 0;
        long c = strtol(p, &end, 10);
        if (end == p || errno || c < INT_MIN || c > INT_MAX ||
            (*end && !strchr(", \t\r\n", *end))) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                    "<%s>: error codes are numbers separated by commas, not '%s'",
                    (const char *)node->name, text);
            return false;
        }
        if (n == MAX_CODES) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<%s>: more than %d error codes",
                    (const char *)node->name, MAX_CODES);
            return false;
        }
        v[n++] = (int)c;
        p = end;
    }
    out->v = v;
    out->n = n;
    return true;
}

static bool parse_long(mc_compiler *cc, xmlNodePtr node, long min, long *out)
{
    const char *t = mc_text_trimmed(cc, node);
    char *end;
    errno = 0;
    long v = strtol(t, &end, 10);
    if (!*t || *end || errno || v < min) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<%s> must be a whole number%s, not '%s'",
                (const char *)node->name, min >= 0 ? " >= 0" : "", t);
        return false;
    }
    *out = v;
    return true;
}

static void compile_timeout(mc_compiler *cc, xmlNodePtr t, mc_endpoint *ep)
{
    for (xmlNodePtr c = mc_first_elem(t); c; c = mc_next_elem(c)) {
        if (named(c, "duration")) {
            const char *d = mc_text_trimmed(cc, c);
            size_t n = strlen(d);
            if (n >= 2 && d[0] == '{' && d[n - 1] == '}') {
                char *src = (char *)mc_strdup(cc, d + 1);
                if (src)
                    src[n - 2] = '\0';
                ep->timeout_expr = src ? mc_compile_expr(cc, c, NULL, src) : NULL;
            } else {
                parse_long(cc, c, 0, &ep->timeout_ms);
            }
        } else if (named(c, "responseAction")) {
            const char *a = mc_text_trimmed(cc, c);
            if (strcasecmp(a, "discard") == 0)
                ep->timeout_action = MC_EPT_DISCARD;
            else if (strcasecmp(a, "fault") == 0)
                ep->timeout_action = MC_EPT_FAULT;
            else if (strcasecmp(a, "never") != 0 && *a)
                mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                        "unknown responseAction '%s' (fault or discard)", a);
        } else if (!named(c, "description")) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <timeout> (duration, responseAction)",
                    (const char *)c->name);
        }
    }
}

static void compile_mark_for_suspension(mc_compiler *cc, xmlNodePtr e, mc_endpoint *ep)
{
    for (xmlNodePtr c = mc_first_elem(e); c; c = mc_next_elem(c)) {
        long v;
        if (named(c, "errorCodes"))
            parse_codes(cc, c, &ep->timeout_codes);
        else if (named(c, "retriesBeforeSuspension")) {
            if (parse_long(cc, c, 0, &v))
                ep->retries_before_suspend = v > INT_MAX ? INT_MAX : (int)v;
        } else if (named(c, "retryDelay"))
            parse_long(cc, c, 0, &ep->retry_delay_ms);
        else
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <markForSuspension> (errorCodes, "
                    "retriesBeforeSuspension, retryDelay)", (const char *)c->name);
    }
}

static void compile_suspend_on_failure(mc_compiler *cc, xmlNodePtr e, mc_endpoint *ep)
{
    for (xmlNodePtr c = mc_first_elem(e); c; c = mc_next_elem(c)) {
        if (named(c, "errorCodes")) {
            parse_codes(cc, c, &ep->suspend_codes);
        } else if (named(c, "initialDuration")) {
            parse_long(cc, c, -1, &ep->initial_suspend_ms);
        } else if (named(c, "maximumDuration")) {
            parse_long(cc, c, 0, &ep->max_suspend_ms);
        } else if (named(c, "progressionFactor")) {
            const char *t = mc_text_trimmed(cc, c);
            char *end;
            double f = strtod(t, &end);
            if (!*t || *end || f < 0)
                mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                        "<progressionFactor> must be a number >= 0, not '%s'", t);
            else
                ep->progression = f;
        } else {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <suspendOnFailure> (errorCodes, initialDuration, "
                    "progressionFactor, maximumDuration)", (const char *)c->name);
        }
    }
}

static void compile_retry_config(mc_compiler *cc, xmlNodePtr e, mc_endpoint *ep)
{
    for (xmlNodePtr c = mc_first_elem(e); c; c = mc_next_elem(c)) {
        if (named(c, "disabledErrorCodes"))
            parse_codes(cc, c, &ep->retry_disabled);
        else if (named(c, "enabledErrorCodes"))
            parse_codes(cc, c, &ep->retry_enabled);
        else
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <retryConfig> (disabledErrorCodes, enabledErrorCodes)",
                    (const char *)c->name);
    }
}

static void compile_authentication(mc_compiler *cc, xmlNodePtr e, mc_endpoint *ep)
{
    xmlNodePtr a = mc_first_elem(e);
    if (!a || !named(a, "basicAuth")) {
        mc_diag(cc, a ? a : e, NULL, MC_DIAG_ERROR,
                "endpoint authentication: only <basicAuth> is supported (OAuth is not)");
        return;
    }
    for (xmlNodePtr c = mc_first_elem(a); c; c = mc_next_elem(c)) {
        mc_template **slot = named(c, "username") ? &ep->basic_user
                             : named(c, "password") ? &ep->basic_pass : NULL;
        if (!slot) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <basicAuth> (username, password)",
                    (const char *)c->name);
            continue;
        }
        *slot = mc_compile_template(cc, c, NULL, mc_text_trimmed(cc, c));
    }
    if (!ep->basic_user || !ep->basic_pass)
        mc_diag(cc, a, NULL, MC_DIAG_ERROR, "<basicAuth> needs <username> and <password>");
}

static mc_ep_format parse_format(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const names[] = {"soap11", "soap12", "pox", "get", "rest", "json"};
    const char *f = mc_attr(cc, node, "format");
    if (!f || !*f || strcmp(f, "leave-as-is") == 0)
        return MC_EPF_NONE;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(f, names[i]) == 0)
            return (mc_ep_format)(MC_EPF_SOAP11 + i);
    mc_diag(cc, node, "format", MC_DIAG_ERROR,
            "unknown format '%s' (soap11, soap12, pox, get, rest, json, leave-as-is)", f);
    return MC_EPF_NONE;
}

/* Children of a leaf element (<address>, <http>, <default>, <wsdl>). */
static void compile_definition(mc_compiler *cc, xmlNodePtr leaf, mc_endpoint *ep)
{
    ep->format = parse_format(cc, leaf);
    for (xmlNodePtr c = mc_first_elem(leaf); c; c = mc_next_elem(c)) {
        const char *n = (const char *)c->name;
        if (!mc_is_synapse(c))
            continue; /* inline WSDL documents and foreign extensions */
        if (strcmp(n, "timeout") == 0) {
            compile_timeout(cc, c, ep);
        } else if (strcmp(n, "markForSuspension") == 0) {
            compile_mark_for_suspension(cc, c, ep);
        } else if (strcmp(n, "suspendOnFailure") == 0) {
            compile_suspend_on_failure(cc, c, ep);
        } else if (strcmp(n, "suspendDurationOnFailure") == 0) {
            long s;
            if (parse_long(cc, c, 0, &s)) { /* seconds, the Synapse 1.x form */
                ep->initial_suspend_ms = s > LONG_MAX / 1000 ? LONG_MAX : s * 1000;
                ep->progression = 1.0;
            }
        } else if (strcmp(n, "retryConfig") == 0) {
            compile_retry_config(cc, c, ep);
        } else if (strcmp(n, "authentication") == 0) {
            compile_authentication(cc, c, ep);
        } else if (strcmp(n, "enableAddressing") == 0) {
            const char *v = mc_attr(cc, c, "version");
            ep->addressing = true;
            ep->addressing_submission = v && strcmp(v, "submission") == 0;
            if (v && !ep->addressing_submission && strcmp(v, "final") != 0)
                mc_diag(cc, c, "version", MC_DIAG_ERROR,
                        "unknown WS-Addressing version '%s' (final or submission)", v);
        } else if (strcmp(n, "enableSec") == 0 || strcmp(n, "enableRM") == 0) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "<%s>: WS-Security and WS-ReliableMessaging are not supported by mediac", n);
        } else if (strcmp(n, "description") != 0) {
            static const char *const known[] = {"timeout", "markForSuspension",
                "suspendOnFailure", "retryConfig", "authentication"};
            const char *near = mc_closest(n, known, sizeof known / sizeof *known);
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "unexpected <%s> in <%s>%s%s%s", n,
                    (const char *)leaf->name, near ? "; did you mean <" : "",
                    near ? near : "", near ? ">?" : "");
        }
    }
}

static const char *check_method(mc_compiler *cc, xmlNodePtr node, const char *m)
{
    static const char *const known[] = {"GET", "POST", "PUT", "DELETE", "PATCH",
        "HEAD", "OPTIONS"};
    char *u = (char *)mc_strdup(cc, m);
    for (char *p = u; p && *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);
    for (size_t i = 0; u && i < sizeof known / sizeof *known; i++)
        if (strcmp(u, known[i]) == 0)
            return u;
    mc_diag(cc, node, "method", MC_DIAG_ERROR,
            "unknown HTTP method '%s' (get, post, put, delete, patch, head, options)", m);
    return NULL;
}

/* ---- WSDL ------------------------------------------------------------------ */

static bool ns_is(xmlNodePtr n, const char *ns)
{
    return n->ns && strcmp((const char *)n->ns->href, ns) == 0;
}

static const char *local_part(const char *qname)
{
    const char *c = qname ? strchr(qname, ':') : NULL;
    return c ? c + 1 : qname;
}

/* service/port of a WSDL 1.1 definitions element: the address and format. */
static void wsdl_address(mc_compiler *cc, xmlNodePtr at, xmlNodePtr defs,
                         const char *service, const char *port, mc_endpoint *ep)
{
    if (ns_is(defs, WSDL20_NS)) {
        mc_diag(cc, at, NULL, MC_DIAG_ERROR, "WSDL 2.0 endpoints are not supported (nor by Synapse)");
        return;
    }
    if (!ns_is(defs, WSDL11_NS) || !named(defs, "definitions")) {
        mc_diag(cc, at, NULL, MC_DIAG_ERROR, "not a WSDL 1.1 document (<%s>)",
                (const char *)defs->name);
        return;
    }
    xmlNodePtr svc = NULL, prt = NULL;
    for (xmlNodePtr s = mc_first_elem(defs); s && !svc; s = mc_next_elem(s)) {
        if (!ns_is(s, WSDL11_NS) || !named(s, "service"))
            continue;
        xmlChar *sn = xmlGetNoNsProp(s, BAD_CAST "name");
        if (sn && strcmp((const char *)sn, service) == 0)
            svc = s;
        xmlFree(sn);
    }
    if (!svc) {
        mc_diag(cc, at, "service", MC_DIAG_ERROR, "WSDL has no service '%s'", service);
        return;
    }
    for (xmlNodePtr p = mc_first_elem(svc); p && !prt; p = mc_next_elem(p)) {
        if (!ns_is(p, WSDL11_NS) || !named(p, "port"))
            continue;
        xmlChar *pn = xmlGetNoNsProp(p, BAD_CAST "name");
        if (pn && strcmp((const char *)pn, port) == 0)
            prt = p;
        xmlFree(pn);
    }
    if (!prt) {
        mc_diag(cc, at, "port", MC_DIAG_ERROR, "WSDL service '%s' has no port '%s'", service, port);
        return;
    }
    for (xmlNodePtr a = mc_first_elem(prt); a; a = mc_next_elem(a)) {
        if (!named(a, "address"))
            continue;
        mc_ep_format f = ns_is(a, WSDL_SOAP11_NS)   ? MC_EPF_SOAP11
                         : ns_is(a, WSDL_SOAP12_NS) ? MC_EPF_SOAP12
                         : ns_is(a, WSDL_HTTP_NS)   ? MC_EPF_REST
                                                    : MC_EPF_NONE;
        if (f == MC_EPF_NONE)
            continue;
        ep->uri = mc_attr(cc, a, "location");
        if (f == MC_EPF_REST) {
            /* <http:binding verb="GET"> of the port's binding */
            xmlChar *b = xmlGetNoNsProp(prt, BAD_CAST "binding");
            const char *bl = local_part((const char *)b);
            for (xmlNodePtr bn = mc_first_elem(defs); bl && bn; bn = mc_next_elem(bn)) {
                xmlChar *name = xmlGetNoNsProp(bn, BAD_CAST "name");
                bool match = named(bn, "binding") && ns_is(bn, WSDL11_NS) && name &&
                             strcmp((const char *)name, bl) == 0;
                xmlFree(name);
                if (!match)
                    continue;
                for (xmlNodePtr hb = mc_first_elem(bn); hb; hb = mc_next_elem(hb)) {
                    xmlChar *verb = ns_is(hb, WSDL_HTTP_NS) && named(hb, "binding")
                                        ? xmlGetNoNsProp(hb, BAD_CAST "verb") : NULL;
                    if (verb && strcasecmp((const char *)verb, "GET") == 0)
                        f = MC_EPF_GET;
                    xmlFree(verb);
                }
            }
            xmlFree(b);
        }
        if (ep->format == MC_EPF_NONE)
            ep->format = f;
        break;
    }
    if (!ep->uri || !*ep->uri)
        mc_diag(cc, at, NULL, MC_DIAG_ERROR,
                "WSDL port '%s' of service '%s' has no SOAP or HTTP address", port, service);
    else
        mc_check_transport(cc, at, NULL, ep->uri);
}

/* Read a WSDL named by uri: a local file (file:path or a plain path),
 * relative to the configuration file's folder, then to the working folder. */
static xmlDocPtr read_wsdl(mc_compiler *cc, xmlNodePtr at, const char *uri)
{
    const char *path = uri;
    if (strncmp(path, "file://", 7) == 0)
        path += 7;
    else if (strncmp(path, "file:", 5) == 0)
        path += 5;
    else if (mc_uri_foreign_scheme(uri) || strncasecmp(uri, "http", 4) == 0) {
        mc_diag(cc, at, "uri", MC_DIAG_ERROR,
                "WSDL '%s': mediac reads WSDLs from local files only (no network at load); "
                "save it next to the configuration and use uri=\"file:NAME.wsdl\"", uri);
        return NULL;
    }
    /* relative to the configuration file's folder, then the working folder */
    char full[4096];
    mc_buf b = MC_BUF_INIT;
    const char *slash = path[0] != '/' ? strrchr(cc->file, '/') : NULL;
    bool ok = false;
    if (slash) {
        snprintf(full, sizeof full, "%.*s/%s", (int)(slash - cc->file), cc->file, path);
        ok = mc_buf_read_file(&b, full, MAX_WSDL_BYTES);
    }
    if (!ok && (!slash || errno == ENOENT)) {
        mc_buf_reset(&b);
        ok = mc_buf_read_file(&b, path, MAX_WSDL_BYTES);
    }
    xmlDocPtr doc = NULL;
    if (!ok) {
        mc_diag(cc, at, "uri", MC_DIAG_ERROR, "cannot read WSDL '%s': %s", uri,
                errno == EFBIG ? "larger than 8 MiB" : strerror(errno));
    } else {
        mc_xml_error xe;
        doc = mc_xml_parse(mc_buf_cstr(&b), b.len, "WSDL", 0, &xe);
        if (!doc)
            mc_diag(cc, at, "uri", MC_DIAG_ERROR, "WSDL '%s': line %d: %s", uri, xe.line, xe.msg);
    }
    mc_buf_free(&b);
    return doc;
}

static void compile_wsdl(mc_compiler *cc, xmlNodePtr w, mc_endpoint *ep)
{
    const char *uri = mc_attr(cc, w, "uri");
    const char *service = mc_attr(cc, w, "service");
    const char *port = mc_attr(cc, w, "port");
    if (!service || !*service || !port || !*port) {
        mc_diag(cc, w, NULL, MC_DIAG_ERROR, "<wsdl> needs 'service' and 'port' attributes");
        return;
    }
    xmlNodePtr inline_defs = NULL;
    for (xmlNodePtr c = mc_first_elem(w); c; c = mc_next_elem(c))
        if (!mc_is_synapse(c))
            inline_defs = c;
    if (uri && *uri) {
        xmlDocPtr doc = read_wsdl(cc, w, uri);
        if (doc) {
            xmlNodePtr root = xmlDocGetRootElement(doc);
            if (root)
                wsdl_address(cc, w, root, service, port, ep);
            xmlFreeDoc(doc);
        }
    } else if (inline_defs) {
        wsdl_address(cc, w, inline_defs, service, port, ep);
    } else {
        mc_diag(cc, w, NULL, MC_DIAG_ERROR,
                "<wsdl> needs a 'uri' or an inline <wsdl:definitions>");
    }
}

/* ---- groups ---------------------------------------------------------------- */

static bool compile_children(mc_compiler *cc, xmlNodePtr g, mc_endpoint *ep)
{
    uint32_t n = 0;
    for (xmlNodePtr c = mc_first_elem(g); c; c = mc_next_elem(c))
        n++;
    ep->children = mc_alloc(cc, (n ? n : 1) * sizeof *ep->children);
    uint32_t *w = mc_alloc(cc, (n ? n : 1) * sizeof *w);
    if (!ep->children || !w)
        return false;
    bool weighted = false, ok = true;
    for (xmlNodePtr c = mc_first_elem(g); c; c = mc_next_elem(c)) {
        if (named(c, "member")) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "<member> (cluster members) is not supported; list the members as "
                    "<endpoint><address uri=\"...\"/></endpoint>");
            ok = false;
            continue;
        }
        if (named(c, "endpoints") && ep->kind == MC_EP_RECIPIENTLIST) {
            static const char *const attrs[] = {"value", "max-cache", NULL};
            mc_check_attrs(cc, c, attrs);
            const char *v = mc_attr(cc, c, "value");
            if (!v || !*v) {
                mc_diag(cc, c, NULL, MC_DIAG_ERROR, "<endpoints> needs a 'value' (URLs, or {expression})");
                ok = false;
            } else if (!(ep->recipients = mc_compile_template(cc, c, "value", v))) {
                ok = false;
            }
            continue;
        }
        if (!named(c, "endpoint")) {
            if (!named(c, "description")) {
                mc_diag(cc, c, NULL, MC_DIAG_ERROR, "unexpected <%s> in <%s> (only <endpoint>)",
                        (const char *)c->name, (const char *)g->name);
                ok = false;
            }
            continue;
        }
        mc_endpoint *child = mc_compile_endpoint(cc, c);
        if (!child) {
            ok = false;
            continue;
        }
        w[ep->nchildren] = 1;
        /* <property name="loadbalance.weight" value="N"/> of the child */
        for (xmlNodePtr p = mc_first_elem(c); p; p = mc_next_elem(p)) {
            xmlChar *pn = named(p, "property") ? xmlGetNoNsProp(p, BAD_CAST "name") : NULL;
            bool isw = pn && strcmp((const char *)pn, "loadbalance.weight") == 0;
            xmlFree(pn);
            if (!isw)
                continue;
            const char *v = mc_attr(cc, p, "value");
            char *end;
            long x = v ? strtol(v, &end, 10) : 0;
            if (!v || !*v || *end || x <= 0 || x > 1000000) {
                mc_diag(cc, p, "value", MC_DIAG_ERROR,
                        "loadbalance.weight must be a whole number from 1 to 1000000");
                ok = false;
            } else {
                w[ep->nchildren] = (uint32_t)x;
                weighted = true;
            }
        }
        ep->total_weight += w[ep->nchildren];
        ep->children[ep->nchildren++] = child;
    }
    if (ok && ep->nchildren == 0 && !ep->recipients) {
        mc_diag(cc, g, NULL, MC_DIAG_ERROR, "<%s> needs at least one child <endpoint>",
                (const char *)g->name);
        ok = false;
    }
    if (weighted)
        ep->weights = w;
    return ok;
}

static bool compile_loadbalance(mc_compiler *cc, xmlNodePtr g, mc_endpoint *ep)
{
    static const char *const attrs[] = {"algorithm", "policy", "failover", "buildMessage", NULL};
    mc_check_attrs(cc, g, attrs);
    const char *algo = mc_attr(cc, g, "algorithm");
    const char *policy = mc_attr(cc, g, "policy");
    bool weighted = false;
    if (algo && policy) {
        mc_diag(cc, g, "policy", MC_DIAG_ERROR,
                "give 'algorithm' or 'policy', not both (as Synapse)");
        return false;
    }
    if (algo) {
        const char *a = strrchr(algo, '.');
        a = a ? a + 1 : algo;
        if (strcmp(a, "WeightedRoundRobin") == 0) {
            weighted = true;
        } else if (strcmp(a, "RoundRobin") != 0) {
            mc_diag(cc, g, "algorithm", MC_DIAG_ERROR,
                    "load-balance algorithm '%s' is not supported (RoundRobin, "
                    "WeightedRoundRobin); mediac cannot load Java classes", algo);
            return false;
        }
    } else if (policy && strcmp(policy, "roundRobin") != 0) {
        mc_diag(cc, g, "policy", MC_DIAG_ERROR, "unknown policy '%s' (roundRobin)", policy);
        return false;
    }
    const char *fo = mc_attr(cc, g, "failover");
    ep->lb_failover = !(fo && strcasecmp(fo, "false") == 0);
    if (!compile_children(cc, g, ep))
        return false;
    if (!weighted)
        ep->weights = NULL; /* weights count only with WeightedRoundRobin */
    else if (!ep->weights) {
        uint32_t *w = mc_alloc(cc, ep->nchildren * sizeof *w);
        if (!w)
            return false;
        for (uint32_t i = 0; i < ep->nchildren; i++)
            w[i] = 1;
        ep->weights = w;
    }
    return true;
}

/* ---- the endpoint element --------------------------------------------------- */

static mc_ep_prop *compile_props(mc_compiler *cc, xmlNodePtr node, uint32_t *n)
{
    uint32_t cnt = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        cnt += named(c, "property");
    *n = 0;
    if (!cnt)
        return NULL;
    mc_ep_prop *props = mc_alloc(cc, cnt * sizeof *props);
    if (!props)
        return NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (!named(c, "property"))
            continue;
        static const char *const attrs[] = {"name", "value", "expression", "scope", "type", NULL};
        mc_check_attrs(cc, c, attrs);
        mc_ep_prop *p = &props[*n];
        p->name = mc_attr(cc, c, "name");
        p->value = mc_attr(cc, c, "value");
        const char *ex = mc_attr(cc, c, "expression");
        const char *scope = mc_attr(cc, c, "scope");
        p->scope = mc_scope_from_name(scope);
        if (!p->name || !*p->name) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "endpoint <property> needs a 'name' attribute");
            continue;
        }
        if (p->scope < 0) {
            mc_diag(cc, c, "scope", MC_DIAG_ERROR,
                    "unknown scope '%s' (default, transport, axis2, axis2-client)", scope);
            continue;
        }
        if (ex && !(p->expr = mc_compile_expr(cc, c, "expression", ex)))
            continue;
        if (!p->value && !p->expr) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "endpoint <property name=\"%s\"> needs 'value' or 'expression'", p->name);
            continue;
        }
        ++*n;
    }
    return props;
}

/* Java-only endpoint kinds and what mediac says about them. */
static const char *refused_kind(const char *n)
{
    if (strcmp(n, "class") == 0)
        return "class endpoints run Java code, which mediac cannot do";
    if (strcmp(n, "dynamicLoadbalance") == 0 || strcmp(n, "serviceDynamicLoadbalance") == 0)
        return "dynamic load balancing needs cluster membership, which mediac does not have";
    return NULL;
}

/* The body of an <endpoint> that defines one (not key/template). */
static bool compile_body(mc_compiler *cc, xmlNodePtr node, mc_endpoint *ep)
{
    xmlNodePtr kind = NULL;
    bool ok = true;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *n = (const char *)c->name;
        if (strcmp(n, "property") == 0 || strcmp(n, "description") == 0 ||
            strcmp(n, "parameter") == 0)
            continue;
        if (strcmp(n, "session") == 0) {
            mc_diag(cc, c, NULL, MC_DIAG_WARNING,
                    "<session> (sticky sessions) is not supported; the load balancer "
                    "ignores sessions");
            continue;
        }
        const char *why = refused_kind(n);
        if (why) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "<%s> endpoint: %s", n, why);
            return false;
        }
        size_t k = 0;
        while (k < NKINDS && strcmp(n, kinds[k]) != 0)
            k++;
        if (k == NKINDS) {
            const char *near = mc_closest(n, kinds, NKINDS);
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "unknown endpoint type <%s>%s%s%s", n,
                    near ? "; did you mean <" : "", near ? near : "", near ? ">?" : "");
            return false;
        }
        if (kind) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "an <endpoint> has one type: <%s> and <%s> given",
                    (const char *)kind->name, n);
            return false;
        }
        kind = c;
        ep->kind = (mc_ep_kind)k;
    }
    if (!kind) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<endpoint> needs a type: <address>, <http>, <default>, <wsdl>, "
                "<loadbalance>, <failover> or <recipientlist> (or a 'key' or 'template')");
        return false;
    }
    unsigned before = cc->cfg->nerrors;
    switch (ep->kind) {
    case MC_EP_ADDRESS: {
        static const char *const attrs[] = {"uri", "format", "optimize", "encoding",
            "statistics", "trace", NULL};
        mc_check_attrs(cc, kind, attrs);
        ep->uri = mc_attr(cc, kind, "uri");
        if (!ep->uri || !*ep->uri)
            mc_diag(cc, kind, NULL, MC_DIAG_ERROR, "<address> needs a 'uri' attribute");
        else
            mc_check_transport(cc, kind, "uri", ep->uri);
        compile_definition(cc, kind, ep);
        break;
    }
    case MC_EP_HTTP: {
        static const char *const attrs[] = {"uri-template", "method", "format",
            "optimize", "encoding", "statistics", "trace", NULL};
        mc_check_attrs(cc, kind, attrs);
        ep->uri = mc_attr(cc, kind, "uri-template");
        const char *m = mc_attr(cc, kind, "method");
        if (m && *m)
            ep->method = check_method(cc, kind, m);
        if (!ep->uri || !*ep->uri)
            mc_diag(cc, kind, NULL, MC_DIAG_ERROR, "<http> needs a 'uri-template' attribute");
        else
            mc_check_transport(cc, kind, "uri-template", ep->uri);
        compile_definition(cc, kind, ep);
        break;
    }
    case MC_EP_DEFAULT: {
        static const char *const attrs[] = {"format", "optimize", "encoding",
            "statistics", "trace", NULL};
        mc_check_attrs(cc, kind, attrs);
        compile_definition(cc, kind, ep);
        break;
    }
    case MC_EP_WSDL: {
        static const char *const attrs[] = {"uri", "service", "port", "format",
            "optimize", "encoding", "statistics", "trace", NULL};
        mc_check_attrs(cc, kind, attrs);
        compile_definition(cc, kind, ep);
        compile_wsdl(cc, kind, ep);
        break;
    }
    case MC_EP_LOADBALANCE:
        compile_loadbalance(cc, kind, ep);
        break;
    case MC_EP_FAILOVER: {
        static const char *const attrs[] = {"dynamic", "buildMessage", NULL};
        mc_check_attrs(cc, kind, attrs);
        const char *d = mc_attr(cc, kind, "dynamic");
        ep->fo_dynamic = !(d && strcasecmp(d, "false") == 0);
        compile_children(cc, kind, ep);
        break;
    }
    case MC_EP_RECIPIENTLIST: {
        static const char *const attrs[] = {NULL};
        mc_check_attrs(cc, kind, attrs);
        compile_children(cc, kind, ep);
        break;
    }
    default:
        break;
    }
    ep->props = compile_props(cc, node, &ep->nprops);
    return ok && cc->cfg->nerrors == before;
}

/* ---- templates ------------------------------------------------------------ */

typedef struct ep_template {
    const char *name;
    const char **params;       /* declared, plus "name" and "uri" */
    uint32_t nparams;
    xmlNodePtr body;           /* copy of the <endpoint>, positions kept */
    const char *file;
    const char *text;          /* the file's bytes, for positions */
    size_t len;
    int line, col;
} ep_template;

typedef struct ep_use {
    mc_endpoint *ep;           /* the INDIRECT node to fill */
    const char *tname;
    const char **names, **values;
    uint32_t n;
    const char *file;
    int line, col;
    int tline, tcol;           /* the template attribute */
    unsigned depth;            /* templates instantiating templates */
} ep_use;

#define MAX_TEMPLATE_DEPTH 16

static void free_node(void *p) { xmlFreeNode(p); }

/* xmlCopyNode drops the parser's start-tag offsets (psvi): copy them over
 * so diagnostics inside an instantiated template keep their columns. */
static void copy_positions(xmlNodePtr from, xmlNodePtr to)
{
    for (; from && to; from = from->next, to = to->next) {
        to->psvi = from->psvi;
        if (from->type == XML_ELEMENT_NODE)
            copy_positions(from->children, to->children);
    }
}

void mc_compile_endpoint_template(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "onError", "trace", "statistics", NULL};
    mc_check_attrs(cc, node, attrs);
    const char *name = mc_artifact_name(cc, node);
    if (!name)
        return;
    ep_template *t = mc_alloc(cc, sizeof *t);
    uint32_t n = 2;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        n += named(c, "parameter");
    if (!t || !(t->params = mc_alloc(cc, n * sizeof *t->params)))
        return;
    t->name = name;
    xmlNodePtr body = NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (named(c, "parameter")) {
            const char *pn = mc_attr(cc, c, "name");
            if (!pn || !*pn) {
                mc_diag(cc, c, NULL, MC_DIAG_ERROR, "template <parameter> needs a 'name'");
                return;
            }
            t->params[t->nparams++] = mc_strdup_trimmed(cc, pn);
        } else if (named(c, "endpoint")) {
            if (body) {
                mc_diag(cc, c, NULL, MC_DIAG_ERROR, "an endpoint template has one <endpoint>");
                return;
            }
            body = c;
        } else if (!named(c, "description")) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in an endpoint template (parameter, endpoint)",
                    (const char *)c->name);
            return;
        }
    }
    bool has_name = false, has_uri = false;
    for (uint32_t i = 0; i < t->nparams; i++) {
        has_name = has_name || strcmp(t->params[i], "name") == 0;
        has_uri = has_uri || strcmp(t->params[i], "uri") == 0;
    }
    if (!has_name)
        t->params[t->nparams++] = "name";
    if (!has_uri)
        t->params[t->nparams++] = "uri";
    t->body = xmlCopyNode(body, 1);
    if (!t->body)
        return;
    copy_positions(body, t->body);
    /* the copy must not see the template's siblings */
    mc_config_own(cc->cfg, t->body, free_node);
    t->file = cc->file;
    char *text = mc_alloc(cc, cc->len + 1);
    if (!text)
        return;
    memcpy(text, cc->text, cc->len);
    t->text = text;
    t->len = cc->len;
    mc_node_pos(cc, node, &t->line, &t->col);
    void *prev = mc_table_get(&cc->cfg->ep_templates, name);
    if (prev) {
        const ep_template *p = prev;
        mc_diag(cc, node, "name", MC_DIAG_ERROR, "duplicate endpoint template name '%s'", name);
        mc_diag_at(cc->cfg, p->file, p->line, p->col, MC_DIAG_NOTE, "previous definition is here");
        return;
    }
    mc_table_put(&cc->cfg->ep_templates, name, t);
}

static bool declared(const ep_template *t, const char *p)
{
    for (uint32_t i = 0; i < t->nparams; i++)
        if (strcmp(t->params[i], p) == 0)
            return true;
    return false;
}

static const char *param_value(const ep_use *u, const char *p)
{
    for (uint32_t i = 0; i < u->n; i++)
        if (strcmp(u->names[i], p) == 0)
            return u->values[i];
    return NULL;
}

/* Record a declared parameter the use does not give (once). */
static void add_missing(const ep_template *t, const char *p, const char **missing,
                        uint32_t *n)
{
    for (uint32_t i = 0; i < t->nparams; i++) {
        if (strcmp(t->params[i], p) != 0)
            continue;
        for (uint32_t k = 0; k < *n; k++)
            if (missing[k] == t->params[i])
                return;
        if (*n < 16)
            missing[(*n)++] = t->params[i];
    }
}

/* Synapse's Template.replaceElement: an attribute value or an element's
 * text that is exactly "$param" (a declared parameter given at the use)
 * becomes the value.  Unresolved "$param"s are collected in missing. */
static void substitute(const ep_template *t, const ep_use *u, xmlNodePtr e,
                       const char **missing, uint32_t *nmissing)
{
    for (xmlAttrPtr a = e->properties, next; a; a = next) {
        next = a->next; /* unsetting frees a */
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        if (v && v[0] == '$' && declared(t, (const char *)v + 1)) {
            const char *val = param_value(u, (const char *)v + 1);
            if (val)
                xmlSetNsProp(e, a->ns, a->name, BAD_CAST val);
            else if (strcmp((const char *)v + 1, "name") == 0)
                xmlUnsetNsProp(e, a->ns, a->name); /* anonymous use */
            else
                add_missing(t, (const char *)v + 1, missing, nmissing);
        }
        xmlFree(v);
    }
    bool has_elem = false;
    for (xmlNodePtr c = e->children; c; c = c->next)
        has_elem = has_elem || c->type == XML_ELEMENT_NODE;
    if (!has_elem && e->children) {
        xmlChar *v = xmlNodeGetContent(e);
        if (v && v[0] == '$' && declared(t, (const char *)v + 1)) {
            const char *val = param_value(u, (const char *)v + 1);
            if (val)
                xmlNodeSetContent(e, NULL), xmlNodeAddContent(e, BAD_CAST val);
            else
                add_missing(t, (const char *)v + 1, missing, nmissing);
        }
        xmlFree(v);
    }
    for (xmlNodePtr c = mc_first_elem(e); c; c = mc_next_elem(c))
        substitute(t, u, c, missing, nmissing);
}

/* At link: compile the template's body with the use's parameters. */
static void instantiate(mc_config *cfg, void *arg)
{
    ep_use *u = arg;
    const ep_template *t = mc_table_get(&cfg->ep_templates, u->tname);
    if (u->depth > MAX_TEMPLATE_DEPTH) {
        mc_diag_at(cfg, u->file, u->tline, u->tcol, MC_DIAG_ERROR,
                   "endpoint templates nested more than %d deep (does '%s' use itself?)",
                   MAX_TEMPLATE_DEPTH, u->tname);
        return;
    }
    if (!t) {
        const char *near = mc_table_closest(&cfg->ep_templates, u->tname);
        mc_diag_at(cfg, u->file, u->tline, u->tcol, MC_DIAG_ERROR,
                   "unknown endpoint template '%s'%s%s%s", u->tname,
                   near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        return;
    }
    for (uint32_t i = 0; i < u->n; i++)
        if (!declared(t, u->names[i]))
            mc_diag_at(cfg, u->file, u->line, u->col, MC_DIAG_WARNING,
                       "endpoint template '%s' has no parameter '%s'; ignored", t->name,
                       u->names[i]);
    xmlNodePtr copy = xmlCopyNode(t->body, 1);
    if (!copy)
        return;
    copy_positions(t->body, copy);
    mc_config_own(cfg, copy, free_node);
    const char *missing[16];
    uint32_t nmissing = 0;
    substitute(t, u, copy, missing, &nmissing);
    unsigned before = cfg->nerrors;
    for (uint32_t i = 0; i < nmissing; i++) {
        mc_diag_at(cfg, u->file, u->line, u->col, MC_DIAG_ERROR,
                   "endpoint template '%s' needs parameter '%s' (give <parameter name=\"%s\" value=\"...\"/>)",
                   t->name, missing[i], missing[i]);
    }
    if (cfg->nerrors != before)
        return;
    mc_compiler tc = {0};
    tc.cfg = cfg;
    tc.file = t->file;
    tc.text = t->text;
    tc.len = t->len;
    tc.template_depth = u->depth + 1;
    size_t nl = 1;
    for (size_t i = 0; i < t->len; i++)
        nl += t->text[i] == '\n';
    tc.line_starts = malloc(nl * sizeof *tc.line_starts);
    if (!tc.line_starts)
        return;
    tc.line_starts[0] = 0;
    tc.nlines = 1;
    for (size_t i = 0; i < t->len; i++)
        if (t->text[i] == '\n')
            tc.line_starts[tc.nlines++] = i + 1;
    mc_endpoint *real = mc_compile_endpoint(&tc, copy);
    free(tc.line_starts);
    if (cfg->nerrors != before) {
        mc_diag_at(cfg, u->file, u->line, u->col, MC_DIAG_NOTE,
                   "in endpoint template '%s' used here", t->name);
        return;
    }
    if (real && u->ep->name && !real->name)
        real->name = u->ep->name;
    u->ep->target = real;
}

static void use_template(mc_compiler *cc, xmlNodePtr node, mc_endpoint *ep,
                         const char *tname)
{
    static const char *const attrs[] = {"name", "template", "uri", "statistics", "trace", NULL};
    mc_check_attrs(cc, node, attrs);
    ep_use *u = mc_alloc(cc, sizeof *u);
    uint32_t n = 2;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        n++;
    if (!u || !(u->names = mc_alloc(cc, n * sizeof *u->names)) ||
        !(u->values = mc_alloc(cc, n * sizeof *u->values)))
        return;
    u->ep = ep;
    u->tname = tname;
    u->depth = cc->template_depth;
    u->file = cc->file;
    mc_node_pos(cc, node, &u->line, &u->col);
    mc_attr_pos(cc, node, "template", &u->tline, &u->tcol);
    const char *uri = mc_attr(cc, node, "uri");
    if (ep->name) {
        u->names[u->n] = "name";
        u->values[u->n++] = ep->name;
    }
    if (uri) {
        u->names[u->n] = "uri";
        u->values[u->n++] = uri;
    }
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (named(c, "description"))
            continue;
        if (!named(c, "parameter")) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in a template endpoint (only <parameter name value>)",
                    (const char *)c->name);
            continue;
        }
        const char *pn = mc_attr(cc, c, "name"), *pv = mc_attr(cc, c, "value");
        if (!pn || !*pn || !pv) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "<parameter> needs 'name' and 'value'");
            continue;
        }
        u->names[u->n] = pn;
        u->values[u->n++] = pv;
    }
    mc_config_at_link(cc->cfg, instantiate, u);
}

/* ---- entry points ---------------------------------------------------------- */

static mc_endpoint *compile_endpoint(mc_compiler *cc, xmlNodePtr node)
{
    mc_endpoint *ep = new_endpoint(cc, node, MC_EP_INDIRECT);
    if (!ep)
        return NULL;
    unsigned before = cc->cfg->nerrors;
    ep->name = mc_attr(cc, node, "name");
    const char *key = mc_attr(cc, node, "key");
    const char *kex = mc_attr(cc, node, "key-expression");
    const char *tpl = mc_attr(cc, node, "template");
    int forms = (key != NULL) + (kex != NULL) + (tpl != NULL);
    if (forms > 1) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<endpoint> takes one of 'key', 'key-expression' and 'template'");
        return NULL;
    }
    if (key) {
        static const char *const attrs[] = {"key", "name", NULL};
        mc_check_attrs(cc, node, attrs);
        if (!*key) {
            mc_diag(cc, node, "key", MC_DIAG_ERROR, "empty endpoint key");
            return NULL;
        }
        ep->key = key;
        mc_ref_endpoint(cc, node, "key", key, &ep->target);
        return ep;
    }
    if (kex) {
        static const char *const attrs[] = {"key-expression", "name", NULL};
        mc_check_attrs(cc, node, attrs);
        ep->kind = MC_EP_DYNAMIC;
        ep->key_expr = mc_compile_expr(cc, node, "key-expression", kex);
        return ep->key_expr ? ep : NULL;
    }
    if (tpl) {
        if (!*tpl) {
            mc_diag(cc, node, "template", MC_DIAG_ERROR, "empty template name");
            return NULL;
        }
        ep->key = tpl;
        ep->template_use = true;
        use_template(cc, node, ep, tpl);
        return cc->cfg->nerrors == before ? ep : NULL;
    }
    static const char *const attrs[] = {"name", "onError", "statistics", "trace", NULL};
    mc_check_attrs(cc, node, attrs);
    if (mc_attr(cc, node, "onError"))
        mc_diag(cc, node, "onError", MC_DIAG_WARNING,
                "an endpoint's onError sequence is not supported; faults go to the "
                "enclosing fault sequence");
    if (!compile_body(cc, node, ep))
        return NULL;
    return cc->cfg->nerrors == before ? ep : NULL;
}

mc_endpoint *mc_compile_endpoint(mc_compiler *cc, xmlNodePtr node)
{
    if (xmlHasNsProp(node, BAD_CAST "tlsVerify", BAD_CAST MC_EXT_NS)) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "mc:tlsVerify is only allowed on a named <endpoint> artifact");
        return NULL;
    }
    return compile_endpoint(cc, node);
}

void mc_compile_named_endpoint(mc_compiler *cc, xmlNodePtr node)
{
    const char *name = mc_artifact_name(cc, node);
    if (!name)
        return;
    mc_endpoint *ep = compile_endpoint(cc, node);
    if (!ep)
        return;
    /* TLS verification is always on, unless a named endpoint turns it off
     * explicitly with mc:tlsVerify="false" */
    xmlChar *verify = xmlGetNsProp(node, BAD_CAST "tlsVerify", BAD_CAST MC_EXT_NS);
    if (verify) {
        if (strcmp((const char *)verify, "false") == 0) {
            ep->insecure = true;
            mc_diag(cc, node, NULL, MC_DIAG_WARNING,
                    "TLS certificate verification is off for endpoint '%s'", name);
        } else if (strcmp((const char *)verify, "true") != 0) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                    "mc:tlsVerify must be true or false, not '%s'", (const char *)verify);
        }
        xmlFree(verify);
    }
    if (!mc_name_taken(cc, node, "name", &cc->cfg->endpoints, "endpoint", name))
        mc_table_put(&cc->cfg->endpoints, name, ep);
}
