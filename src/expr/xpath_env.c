/* xpath_env.c - Synapse variables, functions and properties for XPath. */
#include "expr/xpath_env.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libxml/xpathInternals.h>

#include "expr/javanum.h"
#include "expr/sx.h"
#include "msg/soap.h"
#include "msg/xmlsafe.h"
#include "util/codec.h"

/* From the config layer: secrets belong to the loaded configuration
 * (secrets file, environment), read-only while messages run. */
const char *mc_config_secret(const struct mc_config *cfg, const char *alias);
/* Registry resources and their properties, likewise read-only. */
const char *mc_config_registry_lookup(const struct mc_config *cfg, const char *key, size_t *len);

void mc_xml_quiet_errors(void) { mc_xml_quiet(); }

int mc_xpath_prefix_scope(const char *p, size_t n)
{
    if (n == 3 && memcmp(p, "ctx", 3) == 0) return MC_SCOPE_DEFAULT;
    if (n == 3 && memcmp(p, "trp", 3) == 0) return MC_SCOPE_TRANSPORT;
    if (n == 5 && memcmp(p, "axis2", 5) == 0) return MC_SCOPE_AXIS2;
    if (n == 4 && memcmp(p, "func", 4) == 0) return MC_SCOPE_FUNC;
    if (n == 3 && memcmp(p, "url", 3) == 0) return MC_SCOPE_URL;
    return -1;
}

int mc_xpath_scope_from_name(const char *name)
{
    int s = mc_scope_from_name(name);
    if (s >= 0) return s;
    if (strcmp(name, "system") == 0) return MC_XSCOPE_SYSTEM;
    if (strcmp(name, "env") == 0) return MC_XSCOPE_ENV;
    if (strcmp(name, "registry") == 0) return MC_XSCOPE_REGISTRY;
    if (strcmp(name, "func") == 0) return MC_SCOPE_FUNC;
    return -1;
}

/* The names get-property and $ctx: answer from the message itself rather
 * than from the default scope: decided by the first byte, then one compare
 * (most property names start with none of these letters). */
bool mc_xpath_is_special_property(const char *name)
{
    switch (name[0]) {
    case 'A': return strcmp(name, "Action") == 0;
    case 'F': return strcmp(name, "From") == 0 || strcmp(name, "FaultTo") == 0 ||
                     strcmp(name, "FAULT") == 0;
    case 'M': return strcmp(name, "MESSAGE_ID") == 0 || strcmp(name, "MESSAGE_FORMAT") == 0;
    case 'O': return strcmp(name, "OperationName") == 0;
    case 'R': return strcmp(name, "ReplyTo") == 0;
    case 'S': return strcmp(name, "SYSTEM_TIME") == 0 || strcmp(name, "SYSTEM_DATE") == 0;
    case 'T': return strcmp(name, "To") == 0;
    default: return false;
    }
}

bool mc_xpath_known_function(const char *prefix, const char *local,
                             const mc_nsbind *ns, size_t nns)
{
    size_t len = strlen(local);
    if (!*prefix)
        return mc_fn_lookup(local, len, FN_XPATH) != NULL;
    const char *uri = NULL;
    for (size_t i = 0; i < nns; i++)
        if (ns[i].prefix && strcmp(ns[i].prefix, prefix) == 0)
            uri = ns[i].uri;
    if (strcmp(prefix, "fn") == 0 || (uri && strcmp(uri, MC_NS_FN) == 0))
        return mc_fn_lookup(local, len, FN_XPATH_FN) != NULL;
    if (strcmp(prefix, "wso2") == 0 || (uri && strcmp(uri, MC_NS_WSO2) == 0))
        return mc_fn_lookup(local, len, FN_XPATH_WSO2) != NULL;
    return false;
}

/* ---- dates ------------------------------------------------------------- */

bool mc_format_java_date(mc_buf *out, const char *pat, long long ms,
                         const char *tz)
{
    static const char *const mon[] = {"January", "February", "March", "April",
        "May", "June", "July", "August", "September", "October", "November",
        "December"};
    static const char *const day[] = {"Sunday", "Monday", "Tuesday",
        "Wednesday", "Thursday", "Friday", "Saturday"};
    time_t secs = (time_t)(ms / 1000);
    int msec = (int)(ms % 1000);
    struct tm tm;
    bool local = tz && strcasecmp(tz, "local") == 0;
    if (local)
        localtime_r(&secs, &tm);
    else
        gmtime_r(&secs, &tm);
    long off = local ? tm.tm_gmtoff : 0;
    for (const char *p = pat; *p;) {
        char c = *p;
        if (c == '\'') {
            p++;
            if (*p == '\'') {
                mc_buf_putc(out, '\'');
                p++;
                continue;
            }
            /* quoted text; a doubled quote inside it is a literal quote */
            while (*p && (*p != '\'' || p[1] == '\'')) {
                if (*p == '\'')
                    p++;
                mc_buf_putc(out, *p++);
            }
            if (*p)
                p++;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            mc_buf_putc(out, c);
            p++;
            continue;
        }
        int n = 0;
        while (p[n] == c)
            n++;
        p += n;
        switch (c) {
        case 'y':
            if (n == 2) mc_buf_printf(out, "%02d", (tm.tm_year + 1900) % 100);
            else mc_buf_printf(out, "%0*d", n, tm.tm_year + 1900);
            break;
        case 'M':
            if (n >= 4) mc_buf_puts(out, mon[tm.tm_mon]);
            else if (n == 3) mc_buf_printf(out, "%.3s", mon[tm.tm_mon]);
            else mc_buf_printf(out, "%0*d", n, tm.tm_mon + 1);
            break;
        case 'd': mc_buf_printf(out, "%0*d", n, tm.tm_mday); break;
        case 'H': mc_buf_printf(out, "%0*d", n, tm.tm_hour); break;
        case 'h': mc_buf_printf(out, "%0*d", n, tm.tm_hour % 12 ? tm.tm_hour % 12 : 12); break;
        case 'm': mc_buf_printf(out, "%0*d", n, tm.tm_min); break;
        case 's': mc_buf_printf(out, "%0*d", n, tm.tm_sec); break;
        case 'S': mc_buf_printf(out, "%0*d", n, msec); break;
        case 'a': mc_buf_puts(out, tm.tm_hour < 12 ? "AM" : "PM"); break;
        case 'E':
            if (n >= 4) mc_buf_puts(out, day[tm.tm_wday]);
            else mc_buf_printf(out, "%.3s", day[tm.tm_wday]);
            break;
        case 'D': mc_buf_printf(out, "%0*d", n, tm.tm_yday + 1); break;
        case 'Z':
            mc_buf_printf(out, "%c%02ld%02ld", off < 0 ? '-' : '+',
                          labs(off) / 3600, labs(off) % 3600 / 60);
            break;
        case 'X':
            if (off == 0) mc_buf_putc(out, 'Z');
            else if (n == 1) mc_buf_printf(out, "%c%02ld", off < 0 ? '-' : '+', labs(off) / 3600);
            else if (n == 2) mc_buf_printf(out, "%c%02ld%02ld", off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60);
            else mc_buf_printf(out, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60);
            break;
        case 'z': mc_buf_puts(out, local ? tm.tm_zone : "UTC"); break;
        default:
            return false;
        }
    }
    return !out->oom;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define DEFAULT_DATE_FORMAT "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"

static const char *arena_buf(mc_message *m, mc_buf *b, size_t *len)
{
    const char *r = b->oom ? NULL : mc_arena_strndup(&m->arena, mc_buf_cstr(b), b->len);
    if (len)
        *len = r ? b->len : 0;
    mc_buf_free(b);
    return r;
}

static const char *special_value(mc_message *m, const char *name,
                                 const char *fmt, const char *tz, size_t *len)
{
    mc_buf b = MC_BUF_INIT;
    if (strcmp(name, "MESSAGE_ID") == 0) {
        mc_buf_puts(&b, m->message_id);
    } else if (strcmp(name, "SYSTEM_TIME") == 0) {
        mc_buf_printf(&b, "%lld", now_ms());
    } else if (strcmp(name, "SYSTEM_DATE") == 0) {
        if (!mc_format_java_date(&b, fmt && *fmt ? fmt : DEFAULT_DATE_FORMAT,
                                 now_ms(), tz)) {
            mc_buf_free(&b);
            return NULL;
        }
    } else if (strcmp(name, "Action") == 0) {
        const char *v = mc_msg_soap_action(m);
        if (!*v) v = mc_msg_prop(m, MC_SCOPE_TRANSPORT, "Action");
        mc_buf_free(&b);
        if (len) *len = v ? strlen(v) : 0;
        return v;
    } else if (strcmp(name, "To") == 0) {
        const char *v = mc_msg_prop(m, MC_SCOPE_DEFAULT, "To");
        if (!v) v = mc_msg_prop(m, MC_SCOPE_AXIS2, "TransportInURL");
        mc_buf_free(&b);
        if (len) *len = v ? strlen(v) : 0;
        return v;
    } else if (strcmp(name, "MESSAGE_FORMAT") == 0) {
        mc_buf_puts(&b, mc_msg_format_name(m));
    } else if (strcmp(name, "FAULT") == 0 && m->payload.kind == MC_PL_XML &&
               mc_soap_has_fault(m->payload.env)) {
        mc_buf_puts(&b, "true");   /* Synapse: the envelope has a Fault */
    } else {
        const char *v = mc_msg_prop(m, MC_SCOPE_DEFAULT, name);
        mc_buf_free(&b);
        if (len) *len = v ? strlen(v) : 0;
        return v;
    }
    return arena_buf(m, &b, len);
}

const char *mc_xpath_lookup(mc_message *m, int scope, const char *name,
                            size_t *len)
{
    const char *v = NULL;
    size_t n = 0;
    if (scope == MC_XSCOPE_SYSTEM || scope == MC_XSCOPE_ENV) {
        v = getenv(name);
        n = v ? strlen(v) : 0;
    } else if (scope == MC_XSCOPE_REGISTRY) {
        v = m->cfg ? mc_config_registry_lookup(m->cfg, name, &n) : NULL;
    } else if (scope == MC_XSCOPE_VARS) {
        const mc_prop *p = mc_msg_get_var(m, name);
        if (p) { v = p->value; n = p->len; }
    } else if (scope == MC_SCOPE_DEFAULT && mc_xpath_is_special_property(name)) {
        v = special_value(m, name, NULL, NULL, &n);
    } else if (scope == MC_SCOPE_URL) {
        const mc_prop *p = mc_msg_get_prop(m, MC_SCOPE_URL, name);
        if (p) { v = p->value; n = p->len; }
    } else if (scope >= 0 && scope < MC_SCOPE_COUNT) {
        const mc_prop *p = mc_msg_get_prop(m, (mc_scope)scope, name);
        if (p) { v = p->value; n = p->len; }
    }
    if (len)
        *len = n;
    return v;
}

/* ---- XPath functions ---------------------------------------------------- */

static mc_message *msg_of(xmlXPathParserContextPtr ctxt)
{
    return ctxt->context->userData;
}

/* Pop nargs strings (in call order) into arg[], which the caller frees. */
static bool pop_strings(xmlXPathParserContextPtr ctxt, int nargs, xmlChar **arg)
{
    for (int i = nargs - 1; i >= 0; i--) {
        arg[i] = xmlXPathPopString(ctxt);
        if (ctxt->error) {
            for (int j = i + 1; j < nargs; j++)
                xmlFree(arg[j]);
            return false;
        }
    }
    return true;
}

static void free_strings(xmlChar **arg, int n)
{
    for (int i = 0; i < n; i++)
        xmlFree(arg[i]);
}

static void push_text(xmlXPathParserContextPtr ctxt, const char *s, size_t n)
{
    xmlChar *t = xmlStrndup(BAD_CAST(s ? s : ""), (int)(s ? n : 0));
    valuePush(ctxt, xmlXPathWrapString(t));
}

void mc_xpfn_get_property(xmlXPathParserContextPtr ctxt, int nargs)
{
    if (nargs < 1 || nargs > 3) {
        xmlXPathSetArityError(ctxt);
        return;
    }
    xmlChar *arg[3] = {0};
    if (!pop_strings(ctxt, nargs, arg))
        return;
    mc_message *m = msg_of(ctxt);
    const char *v = NULL;
    size_t n = 0;
    const char *a0 = (const char *)arg[0];
    if (nargs == 1) {
        v = mc_xpath_lookup(m, MC_SCOPE_DEFAULT, a0, &n);
    } else if (strcmp(a0, "SYSTEM_DATE") == 0) {
        v = special_value(m, "SYSTEM_DATE", (const char *)arg[1],
                          nargs == 3 ? (const char *)arg[2] : NULL, &n);
        if (!v) {
            free_strings(arg, nargs);
            XP_ERROR(XPATH_INVALID_ARITY);
        }
    } else if (nargs == 2) {
        int scope = mc_xpath_scope_from_name(a0);
        if (scope < 0) {
            free_strings(arg, nargs);
            XP_ERROR(XPATH_INVALID_ARITY);
        }
        v = mc_xpath_lookup(m, scope, (const char *)arg[1], &n);
    } else {
        free_strings(arg, nargs);
        xmlXPathSetArityError(ctxt);
        return;
    }
    free_strings(arg, nargs);
    push_text(ctxt, v, n);
}

typedef enum { ENC_B64, DEC_B64, ENC_URL, DEC_URL } codec_op;

static void run_codec(xmlXPathParserContextPtr ctxt, int nargs, codec_op op)
{
    if (nargs < 1 || nargs > 2) {
        xmlXPathSetArityError(ctxt);
        return;
    }
    xmlChar *arg[2] = {0};
    if (!pop_strings(ctxt, nargs, arg))
        return;
    const char *s = (const char *)arg[0];
    size_t n = strlen(s);
    mc_buf b = MC_BUF_INIT;
    bool ok = true;
    switch (op) {
    case ENC_B64: mc_base64_encode(&b, s, n); break;
    case DEC_B64: ok = mc_base64_decode(&b, s, n); break;
    case ENC_URL: mc_url_encode_form(&b, s, n); break;
    case DEC_URL: ok = mc_url_decode(&b, s, n, true); break;
    }
    free_strings(arg, nargs);
    if (!ok) {
        mc_buf_free(&b);
        XP_ERROR(XPATH_INVALID_TYPE);
    }
    push_text(ctxt, b.data, b.len);
    mc_buf_free(&b);
}

void mc_xpfn_base64_encode(xmlXPathParserContextPtr c, int n) { run_codec(c, n, ENC_B64); }
void mc_xpfn_base64_decode(xmlXPathParserContextPtr c, int n) { run_codec(c, n, DEC_B64); }
void mc_xpfn_url_encode(xmlXPathParserContextPtr c, int n) { run_codec(c, n, ENC_URL); }
void mc_xpfn_url_decode(xmlXPathParserContextPtr c, int n) { run_codec(c, n, DEC_URL); }

static void change_case(xmlXPathParserContextPtr ctxt, int nargs, int upper)
{
    CHECK_ARITY(1);
    xmlChar *s = xmlXPathPopString(ctxt);
    if (!s)
        return;
    for (xmlChar *p = s; *p; p++)
        if (*p < 0x80)
            *p = (xmlChar)(upper ? toupper(*p) : tolower(*p));
    valuePush(ctxt, xmlXPathWrapString(s));
}
void mc_xpfn_upper_case(xmlXPathParserContextPtr c, int n) { change_case(c, n, 1); }
void mc_xpfn_lower_case(xmlXPathParserContextPtr c, int n) { change_case(c, n, 0); }

void mc_xpfn_ends_with(xmlXPathParserContextPtr ctxt, int nargs)
{
    CHECK_ARITY(2);
    xmlChar *suffix = xmlXPathPopString(ctxt);
    xmlChar *s = xmlXPathPopString(ctxt);
    int ls = xmlStrlen(s), lx = xmlStrlen(suffix);
    int r = ls >= lx && memcmp(s + ls - lx, suffix, (size_t)lx) == 0;
    xmlFree(s);
    xmlFree(suffix);
    valuePush(ctxt, xmlXPathNewBoolean(r));
}

/* wso2:vault-lookup('alias'[, type, encrypted]): the secret (secrets file,
 * else the environment variable, resolved when the configuration loaded);
 * empty when there is none, as MI's lookup gives.  The value is registered
 * with the message's redaction so no log line can show it. */
void mc_xpfn_vault_lookup(xmlXPathParserContextPtr ctxt, int nargs)
{
    if (nargs < 1 || nargs > 3) {
        xmlXPathSetArityError(ctxt);
        return;
    }
    xmlChar *arg[3] = {0};
    if (!pop_strings(ctxt, nargs, arg))
        return;
    mc_message *m = msg_of(ctxt);
    const char *v = m->cfg ? mc_config_secret(m->cfg, (const char *)arg[0]) : NULL;
    free_strings(arg, nargs);
    if (v)
        mc_msg_add_secret(m, v);
    push_text(ctxt, v, v ? strlen(v) : 0);
}

/* ---- variables ---------------------------------------------------------- */

static xmlNodePtr child_named(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
            return n;
    return NULL;
}

static xmlXPathObjectPtr lookup_var(void *data, const xmlChar *name,
                                    const xmlChar *ns_uri)
{
    mc_message *m = data;
    const char *nm = (const char *)name;
    if (!ns_uri) {
        xmlDocPtr env = mc_msg_envelope(m);
        xmlNodePtr root = env ? xmlDocGetRootElement(env) : NULL;
        if (strcmp(nm, "body") == 0)
            return xmlXPathNewNodeSet(child_named(root, "Body"));
        if (strcmp(nm, "header") == 0)
            return xmlXPathNewNodeSet(child_named(root, "Header"));
        if (strcmp(nm, "envelope") == 0)
            return xmlXPathNewNodeSet(root);
        return NULL;
    }
    const char *uri = (const char *)ns_uri;
    if (strcmp(uri, MC_NS_SYSTEM) == 0) {
        const char *v = getenv(nm);
        return xmlXPathWrapString(xmlStrdup(BAD_CAST(v ? v : "")));
    }
    int scope = strcmp(uri, MC_NS_CTX) == 0     ? MC_SCOPE_DEFAULT
                : strcmp(uri, MC_NS_TRP) == 0   ? MC_SCOPE_TRANSPORT
                : strcmp(uri, MC_NS_AXIS2) == 0 ? MC_SCOPE_AXIS2
                : strcmp(uri, MC_NS_FUNC) == 0  ? MC_SCOPE_FUNC
                : strcmp(uri, MC_NS_URL) == 0   ? MC_SCOPE_URL
                                                : -1;
    if (scope < 0)
        return NULL;
    size_t n = 0;
    const char *v = mc_xpath_lookup(m, scope, nm, &n);
    return xmlXPathWrapString(xmlStrndup(BAD_CAST(v ? v : ""), (int)(v ? n : 0)));
}

/* ---- context ------------------------------------------------------------ */

/* Every XPath row of the function table: Synapse's extensions under no
 * prefix, XPath 1.0 and the 2.0 extras under fn:, vault-lookup under wso2:. */
static void register_functions(xmlXPathContextPtr ctx)
{
    size_t n;
    const mc_fn *t = mc_fn_table(&n);
    for (size_t i = 0; i < n; i++) {
        if (!t[i].xpath)
            continue;
        if ((t[i].flags & FN_XPATH) && (!(t[i].flags & FN_XPATH_FN) || (t[i].flags & FN_XPATH2)))
            xmlXPathRegisterFunc(ctx, BAD_CAST t[i].name, t[i].xpath);
        if (t[i].flags & FN_XPATH_FN)
            xmlXPathRegisterFuncNS(ctx, BAD_CAST t[i].name, BAD_CAST MC_NS_FN, t[i].xpath);
        if (t[i].flags & FN_XPATH_WSO2)
            xmlXPathRegisterFuncNS(ctx, BAD_CAST t[i].name, BAD_CAST MC_NS_WSO2, t[i].xpath);
    }
}

xmlXPathContextPtr mc_xpath_context(mc_message *m)
{
    xmlDocPtr env = mc_msg_envelope(m);
    xmlXPathContextPtr ctx = m->xpath_ctx;
    if (!ctx) {
        ctx = xmlXPathNewContext(env);
        if (!ctx)
            return NULL;
        ctx->userData = m;
        xmlXPathRegisterNs(ctx, BAD_CAST "ctx", BAD_CAST MC_NS_CTX);
        xmlXPathRegisterNs(ctx, BAD_CAST "trp", BAD_CAST MC_NS_TRP);
        xmlXPathRegisterNs(ctx, BAD_CAST "axis2", BAD_CAST MC_NS_AXIS2);
        xmlXPathRegisterNs(ctx, BAD_CAST "func", BAD_CAST MC_NS_FUNC);
        xmlXPathRegisterNs(ctx, BAD_CAST "url", BAD_CAST MC_NS_URL);
        xmlXPathRegisterNs(ctx, BAD_CAST "fn", BAD_CAST MC_NS_FN);
        xmlXPathRegisterNs(ctx, BAD_CAST "wso2", BAD_CAST MC_NS_WSO2);
        xmlXPathRegisterNs(ctx, BAD_CAST "SYSTEM", BAD_CAST MC_NS_SYSTEM);
        register_functions(ctx);
        xmlXPathRegisterVariableLookup(ctx, lookup_var, m);
        m->xpath_ctx = ctx;
    }
    ctx->doc = env;
    ctx->node = env ? (xmlNodePtr)env : NULL;
    if (env && xmlDocGetRootElement(env))
        ctx->node = xmlDocGetRootElement(env);
    ctx->contextSize = -1;
    ctx->proximityPosition = -1;
    return ctx;
}

void mc_xpath_string_value(xmlXPathObjectPtr r, mc_buf *out)
{
    if (r->type == XPATH_NODESET || r->type == XPATH_XSLT_TREE) {
        xmlNodeSetPtr ns = r->nodesetval;
        for (int i = 0; ns && i < ns->nodeNr; i++) {
            xmlChar *s = xmlXPathCastNodeToString(ns->nodeTab[i]);
            if (s) {
                mc_buf_puts(out, (const char *)s);
                xmlFree(s);
            }
        }
        return;
    }
    xmlChar *s = xmlXPathCastToString(r);
    if (s) {
        mc_buf_puts(out, (const char *)s);
        xmlFree(s);
    }
}

/* ---- SynapseXPath.stringValueOf ------------------------------------------ */

static void dump_node(mc_buf *out, xmlNodePtr n)
{
    xmlBufferPtr xb = xmlBufferCreate();
    if (!xb) {
        out->oom = true;
        return;
    }
    xmlNodeDump(xb, n->doc, n, 0, 0);
    mc_buf_append(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
    xmlBufferFree(xb);
}

/* OMElement.getText(): the element's own text children, concatenated. */
static void own_text(mc_buf *out, xmlNodePtr el)
{
    for (xmlNodePtr k = el->children; k; k = k->next)
        if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content)
            mc_buf_puts(out, (const char *)k->content);
}

/* Trim as Java's String.trim after turning no-break spaces into spaces. */
static void trimmed_text(mc_buf *out, const char *s, size_t n)
{
    mc_buf t = MC_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
            mc_buf_putc(&t, ' ');
            i++;
        } else {
            mc_buf_putc(&t, s[i]);
        }
    }
    const char *p = t.data ? t.data : "";
    size_t len = t.len;
    while (len && (unsigned char)*p <= ' ') {
        p++;
        len--;
    }
    while (len && (unsigned char)p[len - 1] <= ' ')
        len--;
    mc_buf_append(out, p, len);
    mc_buf_free(&t);
}

static void element_string(mc_buf *out, xmlNodePtr el, bool alone, bool node_expr)
{
    mc_buf tmp = MC_BUF_INIT, trim = MC_BUF_INIT;
    own_text(&tmp, el);
    trimmed_text(&trim, tmp.data ? tmp.data : "", tmp.len);
    if (trim.len == 0) {
        dump_node(out, el);
    } else if (alone && !node_expr) {
        mc_buf_append(out, trim.data, trim.len);
    } else {
        /* the XML with the element's text replaced by its trimmed form */
        mc_buf xml = MC_BUF_INIT;
        dump_node(&xml, el);
        const char *x = xml.data ? xml.data : "", *hit;
        size_t xl = xml.len;
        if (tmp.len && (hit = memmem(x, xl, tmp.data, tmp.len))) {
            mc_buf_append(out, x, (size_t)(hit - x));
            mc_buf_append(out, trim.data, trim.len);
            mc_buf_append(out, hit + tmp.len, xl - (size_t)(hit - x) - tmp.len);
        } else {
            mc_buf_append(out, x, xl);
        }
        mc_buf_free(&xml);
    }
    mc_buf_free(&tmp);
    mc_buf_free(&trim);
}

void mc_xpath_synapse_string(xmlXPathObjectPtr r, const char *expr, mc_buf *out)
{
    size_t el = strlen(expr);
    bool node_expr = strstr(expr, "node()") != NULL;
    bool ends_node = el >= 6 && strcmp(expr + el - 6, "node()") == 0;
    switch (r->type) {
    case XPATH_NODESET:
    case XPATH_XSLT_TREE: {
        xmlNodeSetPtr ns = r->nodesetval;
        int count = ns ? ns->nodeNr : 0;
        for (int i = 0; i < count; i++) {
            xmlNodePtr n = ns->nodeTab[i];
            if (count == 1 && ends_node && n->type == XML_TEXT_NODE && n->parent)
                n = n->parent;
            switch (n->type) {
            case XML_TEXT_NODE:
            case XML_CDATA_SECTION_NODE:
                if (n->content)
                    mc_buf_puts(out, (const char *)n->content);
                break;
            case XML_ELEMENT_NODE:
                element_string(out, n, count == 1, node_expr);
                break;
            case XML_DOCUMENT_NODE: {
                xmlNodePtr root = xmlDocGetRootElement((xmlDocPtr)n);
                if (root)
                    dump_node(out, root);
                break;
            }
            default: {
                xmlChar *s = xmlXPathCastNodeToString(n);
                if (s) {
                    mc_buf_puts(out, (const char *)s);
                    xmlFree(s);
                }
            }
            }
        }
        return;
    }
    case XPATH_NUMBER: {
        char num[32];
        mc_java_double_text(r->floatval, num);
        mc_buf_puts(out, num);
        return;
    }
    default:
        mc_xpath_string_value(r, out);
    }
}
