/* payload_inline.c - MI 4.4's inline template syntax of <payloadFactory>:
 * ${...} Synapse Expressions written straight into the format, beside the
 * $1..$n arguments (MI's RegexTemplateProcessor, template-type="default").
 *
 * Each ${...} is compiled with the format at load.  Its value goes in by
 * the media type and by whether it stands in quotes ("${...}"):
 *   json, in quotes: the value's text as JSON string content (a JSON
 *     object or array as its JSON text, escaped);
 *   json, bare: JSON as JSON, numbers and booleans as they are, null as
 *     null, XML converted by the Synapse XML-to-JSON mapping, other text
 *     as it is (as MI: the format must then make it valid JSON);
 *   xml: JSON converted by the JSON-to-XML mapping, XML as XML, other
 *     text XML-escaped;
 *   text: the value's text.
 * An XML format reaches here serialized, so entities inside ${...} are
 * undone before the expression compiles. */
#include <string.h>

#include "json/json.h"
#include "mediators/mediators.h"
#include "mediators/payload_inline.h"
#include "msg/xmlsafe.h"

typedef struct inline_part {
    const char *lit;       /* literal text, or NULL for an expression */
    size_t len;
    mc_expr *expr;
    bool quoted;           /* written as "${...}" */
    bool string_mode;      /* has xpath(): MI takes its string value */
} inline_part;

struct mc_pf_inline {
    inline_part *parts;
    size_t nparts;
    int media;
};

/* The expression text with XML's five entities undone. */
static char *unentity(mc_compiler *cc, const char *s, size_t n)
{
    static const struct { const char *e; char c; } ents[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    char *d = mc_alloc(cc, n + 1);
    if (!d)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool done = false;
        for (size_t e = 0; s[i] == '&' && e < sizeof ents / sizeof *ents && !done; e++) {
            size_t l = strlen(ents[e].e);
            if (i + l <= n && memcmp(s + i, ents[e].e, l) == 0) {
                d[k++] = ents[e].c;
                i += l - 1;
                done = true;
            }
        }
        if (!done)
            d[k++] = s[i];
    }
    d[k] = '\0';
    return d;
}

/* End of the ${...} starting at s[i] ('$'), or 0 when unclosed: strings
 * and brackets inside may hold '}'. */
static size_t expr_end(const char *s, size_t n, size_t i)
{
    int depth = 0;
    char q = 0;
    for (size_t j = i + 2; j < n; j++) {
        char c = s[j];
        if (q) {
            if (c == '\\')
                j++;
            else if (c == q)
                q = 0;
        } else if (c == '"' || c == '\'') {
            q = c;
        } else if (c == '[' || c == '(') {
            depth++;
        } else if ((c == ']' || c == ')') && depth) {
            depth--;
        } else if (c == '}' && !depth) {
            return j;
        }
    }
    return 0;
}

mc_pf_inline *mc_pf_inline_compile(mc_compiler *cc, xmlNodePtr node, const char *lit,
                                   size_t n, int media, bool *failed)
{
    *failed = false;
    if (!memmem(lit, n, "${", 2))
        return NULL;
    size_t cap = 1;
    for (const char *p = lit; (p = memmem(p, n - (size_t)(p - lit), "${", 2)); p += 2)
        cap += 2;
    mc_pf_inline *t = mc_alloc(cc, sizeof *t);
    inline_part *parts = mc_alloc(cc, (cap + 1) * sizeof *parts);
    if (!t || !parts) {
        *failed = true;
        return NULL;
    }
    t->parts = parts;
    t->media = media;
    size_t from = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (lit[i] != '$' || lit[i + 1] != '{')
            continue;
        size_t end = expr_end(lit, n, i);
        if (!end) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                    "unclosed '${' in the payloadFactory format: a Synapse Expression ends "
                    "with '}'");
            *failed = true;
            return NULL;
        }
        if (i > from)
            parts[t->nparts++] = (inline_part){lit + from, i - from, NULL, false, false};
        char *src = unentity(cc, lit + i, end - i + 1);
        mc_expr *e = src ? mc_compile_expr(cc, node, NULL, src) : NULL;
        if (!e) {
            *failed = true;
            return NULL;
        }
        bool quoted = i > 0 && lit[i - 1] == '"' && end + 1 < n && lit[end + 1] == '"';
        parts[t->nparts++] = (inline_part){NULL, 0, e, quoted, strstr(src, "xpath(") != NULL};
        from = end + 1;
        i = end;
    }
    if (from < n)
        parts[t->nparts++] = (inline_part){lit + from, n - from, NULL, false, false};
    return t;
}

static bool looks_xml(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
        s++, n--;
    if (!n || *s != '<')
        return false;
    mc_xml_error xe;
    xmlDocPtr d = mc_xml_parse(s, n, NULL, 1, &xe);
    if (d)
        xmlFreeDoc(d);
    return d != NULL;
}

/* JSON text as XML by the Synapse mapping (the members of a top object). */
static bool json_as_xml(mc_message *m, const char *s, size_t n, mc_buf *out)
{
    mc_json j = mc_json_parse(&m->arena, s, n, NULL);
    xmlDocPtr doc = j ? xmlNewDoc(BAD_CAST "1.0") : NULL;
    xmlNodePtr el = doc ? mc_json_to_xml(j, doc) : NULL;
    if (!el) {
        if (doc)
            xmlFreeDoc(doc);
        return false;
    }
    xmlDocSetRootElement(doc, el);
    xmlBufferPtr xb = xmlBufferCreate();
    bool ok = xb != NULL;
    bool unwrap = strcmp((const char *)el->name, "jsonObject") == 0;
    for (xmlNodePtr k = unwrap ? el->children : el; ok && k; k = unwrap ? k->next : NULL)
        xmlNodeDump(xb, doc, k, 0, 0);
    if (ok) {
        mc_buf_append(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
        xmlBufferFree(xb);
    }
    xmlFreeDoc(doc);
    return ok;
}

/* XML text as JSON by the Synapse mapping, as MI's convertXMLToJSON. */
static bool xml_as_json(const char *s, size_t n, mc_buf *out)
{
    mc_buf w = MC_BUF_INIT;
    mc_buf_puts(&w, "<jsonObject>");
    mc_buf_append(&w, s, n);
    mc_buf_puts(&w, "</jsonObject>");
    mc_xml_error xe;
    xmlDocPtr d = w.oom ? NULL : mc_xml_parse(w.data, w.len, NULL, 0, &xe);
    mc_buf_free(&w);
    if (!d)
        return false;
    mc_xml_to_json(out, xmlDocGetRootElement(d));
    xmlFreeDoc(d);
    return true;
}

static void put_value(const mc_pf_inline *t, const inline_part *pt, mc_message *m,
                      const mc_value *v, mc_buf *out)
{
    const char *s = v->text;
    size_t n = v->len;
    switch (t->media) {
    case MC_PF_JSON:
        if (pt->quoted) {
            mc_buf tmp = MC_BUF_INIT;
            mc_buf_json_string(&tmp, s, n);
            if (tmp.len >= 2)
                mc_buf_append(out, tmp.data + 1, tmp.len - 2);
            mc_buf_free(&tmp);
        } else if (v->kind == MC_V_NULL) {
            mc_buf_puts(out, "null");
        } else if ((v->kind == MC_V_XML || (v->kind == MC_V_STRING && looks_xml(s, n))) &&
                   xml_as_json(s, n, out)) {
            /* converted */
        } else {
            mc_buf_append(out, s, n);
        }
        return;
    case MC_PF_XML: {
        if (pt->quoted || v->kind == MC_V_NULL) {
            mc_buf_xml_escape(out, s, n, pt->quoted);
        } else if (v->kind == MC_V_JSON) {
            if (!json_as_xml(m, s, n, out))
                mc_buf_xml_escape(out, s, n, false);
        } else if (v->kind == MC_V_XML || looks_xml(s, n)) {
            mc_buf_append(out, s, n);
        } else {
            mc_buf_xml_escape(out, s, n, false);
        }
        return;
    }
    default:
        mc_buf_append(out, s, n);
    }
}

mc_code mc_pf_inline_render(const mc_pf_inline *t, mc_message *m, mc_buf *out, mc_err *err)
{
    for (size_t i = 0; i < t->nparts; i++) {
        const inline_part *pt = &t->parts[i];
        if (pt->lit) {
            mc_buf_append(out, pt->lit, pt->len);
            continue;
        }
        mc_value v;
        mc_code rc;
        if (pt->string_mode) {
            memset(&v, 0, sizeof v);
            v.kind = MC_V_STRING;
            rc = mc_expr_string(pt->expr, m, &v.text, &v.len, err);
        } else {
            rc = mc_expr_value(pt->expr, m, &v, err);
        }
        if (rc != MC_OK)
            return rc;
        put_value(t, pt, m, &v, out);
    }
    return out->oom ? MC_ENOMEM : MC_OK;
}
