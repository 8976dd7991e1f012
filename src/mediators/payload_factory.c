/* payload_factory.c - <payloadFactory media-type="json|xml|text">: a format
 * with $1..$n placeholders filled from <args>.  Each placeholder is checked
 * at load against the number of arguments.  "\$" writes a literal '$'.
 *
 * JSON formats: a placeholder inside a JSON string ("$1", "id-$1") gets
 * the value JSON-escaped, except that a placeholder that is the whole
 * string and whose value is an object or array replaces the quotes too; a
 * placeholder outside strings takes a JSON value as it is and quotes any
 * other text.
 * XML formats: string values are XML-escaped; the xml evaluator inserts the
 * selected node as XML.
 * MI 4.4 ${...} expressions in the literal text: payload_inline.c.
 * <format key="k">: a local entry or registry resource, read at link. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/json.h"
#include "mediators/mediators.h"
#include "mediators/payload_inline.h"
#include "msg/soap.h"
#include "msg/xmlsafe.h"

typedef enum { MT_JSON, MT_XML, MT_TEXT } media_type;

typedef struct pf_arg {
    const char *value;
    mc_expr *expr;
    bool xml_eval;       /* evaluator="xml" */
    bool literal;        /* literal="true": no JSON/XML interpretation */
} pf_arg;

typedef struct pf_piece {
    const char *lit;     /* literal text, or NULL for an argument */
    size_t len;
    int arg;             /* 0-based */
    bool in_string;      /* inside a JSON string literal of the format */
    bool quoted;         /* the whole string is the placeholder ("$1") */
} pf_piece;

typedef struct pf_m {
    mc_mediator base;
    media_type type;
    pf_piece *pieces;
    size_t npieces;
    pf_arg *args;
    size_t nargs;
    mc_pf_inline **inl;  /* per piece: literal text with MI 4.4 ${...} */
    const char *format_key; /* <format key>: pieces filled in at link */
} pf_m;

/* Split fmt into literal pieces and $n placeholders (arena of cfg): at
 * load for an inline format, at link for a <format key>. */
static bool parse_format(mc_config *cfg, pf_m *p, const char *fmt, mc_err *err)
{
    size_t n = strlen(fmt);
    p->npieces = 0;
    p->pieces = mc_arena_calloc(&cfg->arena, (2 * n + 2) * sizeof *p->pieces);
    char *lit = mc_arena_calloc(&cfg->arena, n + 1);  /* literal text with escapes removed */
    if (!p->pieces || !lit) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return false;
    }
    size_t ll = 0, lit_start = 0;
    bool in_str = false; /* JSON formats: inside a string literal */
    for (size_t i = 0; i < n; i++) {
        if (fmt[i] == '\\' && i + 1 < n && fmt[i + 1] == '$') {
            lit[ll++] = '$';
            i++;
            continue;
        }
        if (p->type == MT_JSON && fmt[i] == '"') {
            in_str = !in_str;
        } else if (p->type == MT_JSON && in_str && fmt[i] == '\\' && i + 1 < n) {
            lit[ll++] = fmt[i++]; /* keep the escape and its character */
            lit[ll++] = fmt[i];
            continue;
        }
        if (fmt[i] == '$' && i + 1 < n && isdigit((unsigned char)fmt[i + 1])) {
            size_t j = i + 1;
            int num = 0;
            while (j < n && isdigit((unsigned char)fmt[j]) && num < 100000)
                num = num * 10 + (fmt[j++] - '0');
            if (num < 1 || (size_t)num > p->nargs) {
                mc_err_set(err, MC_ECONFIG,
                           "$%d in the payloadFactory format has no argument (%zu <arg> given)",
                           num, p->nargs);
                return false;
            }
            if (ll > lit_start)
                p->pieces[p->npieces++] = (pf_piece){lit + lit_start, ll - lit_start, -1, false, false};
            bool quoted = in_str && i > 0 && fmt[i - 1] == '"' && j < n && fmt[j] == '"';
            p->pieces[p->npieces++] = (pf_piece){NULL, 0, num - 1, in_str, quoted};
            lit[ll] = '\0';
            lit_start = ++ll; /* keep the previous literal NUL-separated */
            i = j - 1;
            continue;
        }
        lit[ll++] = fmt[i];
    }
    if (ll > lit_start)
        p->pieces[p->npieces++] = (pf_piece){lit + lit_start, ll - lit_start, -1, false, false};
    return true;
}

/* <format key="k">: the entry's XML (an XML format) or text, as MI reads
 * the resource; MI 4.4 ${...} in it is refused (inline formats only). */
static bool link_format(const mc_local_entry *e, void *target, mc_config *cfg, mc_err *err)
{
    pf_m *p = target;
    mc_buf b = MC_BUF_INIT;
    if (e->xml) {
        xmlBufferPtr xb = xmlBufferCreate();
        if (xb) {
            xmlNodeDump(xb, e->xml->doc, e->xml, 0, 0);
            mc_buf_puts(&b, (const char *)xmlBufferContent(xb));
            xmlBufferFree(xb);
        }
    } else if (e->text) {
        const char *t = e->text;
        while (*t == ' ' || *t == '\n' || *t == '\t' || *t == '\r')
            t++;
        mc_buf_puts(&b, t);
    }
    bool ok = false;
    if (b.oom)
        mc_err_set(err, MC_ENOMEM, "out of memory");
    else if (!b.len)
        mc_err_set(err, MC_ECONFIG, "payloadFactory format '%s' is empty", e->key);
    else if (strstr(mc_buf_cstr(&b), "${"))
        mc_err_set(err, MC_ECONFIG, "payloadFactory format '%s': ${...} expressions are "
                   "supported in inline formats only", e->key);
    else
        ok = parse_format(cfg, p, mc_buf_cstr(&b), err);
    if (ok && !(p->inl = mc_arena_calloc(&cfg->arena, (p->npieces + 1) * sizeof *p->inl))) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        ok = false;
    }
    if (!ok)
        p->npieces = 0, p->pieces = NULL;
    mc_buf_free(&b);
    return ok;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"media-type", "template-type", NULL};
    mc_check_attrs(cc, node, attrs);
    pf_m *p = mc_new_mediator(cc, node, &mc_med_payload_factory, sizeof *p);
    if (!p)
        return NULL;
    const char *mt = mc_attr(cc, node, "media-type");
    p->type = MT_XML;
    if (mt && strcmp(mt, "json") == 0)
        p->type = MT_JSON;
    else if (mt && strcmp(mt, "text") == 0)
        p->type = MT_TEXT;
    else if (mt && strcmp(mt, "xml") != 0) {
        mc_diag(cc, node, "media-type", MC_DIAG_ERROR,
                "unknown media-type '%s' (json, xml, text)", mt);
        return NULL;
    }
    const char *tt = mc_attr(cc, node, "template-type");
    if (tt && strcmp(tt, "default") != 0) {
        mc_diag(cc, node, "template-type", MC_DIAG_ERROR,
                "template-type '%s' is not supported (only 'default')", tt);
        return NULL;
    }
    xmlNodePtr format = NULL, args = NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "format") == 0)
            format = c;
        else if (strcmp(cn, "args") == 0)
            args = c;
        else
            mc_diag(cc, c, NULL, MC_DIAG_WARNING, "unexpected <%s> in <payloadFactory>", cn);
    }
    if (!format) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<payloadFactory> needs a <format>");
        return NULL;
    }
    size_t na = 0;
    for (xmlNodePtr a = mc_first_elem(args); a; a = mc_next_elem(a))
        na++;
    p->args = na ? mc_alloc(cc, na * sizeof *p->args) : NULL;
    for (xmlNodePtr a = mc_first_elem(args); a; a = mc_next_elem(a)) {
        static const char *const aattrs[] = {"value", "expression", "evaluator",
                                             "literal", NULL};
        mc_check_attrs(cc, a, aattrs);
        pf_arg *arg = &p->args[p->nargs++];
        arg->value = mc_attr(cc, a, "value");
        const char *expr = mc_attr(cc, a, "expression");
        const char *ev = mc_attr(cc, a, "evaluator");
        const char *literal = mc_attr(cc, a, "literal");
        arg->xml_eval = ev && strcmp(ev, "xml") == 0;
        arg->literal = literal && strcmp(literal, "true") == 0;
        if (ev && strcmp(ev, "xml") && strcmp(ev, "json")) {
            mc_diag(cc, a, "evaluator", MC_DIAG_ERROR, "unknown evaluator '%s' (xml, json)", ev);
            return NULL;
        }
        if (expr) {
            if (!(arg->expr = mc_compile_expr(cc, a, "expression", expr)))
                return NULL;
        } else if (!arg->value) {
            mc_diag(cc, a, NULL, MC_DIAG_ERROR, "<arg> needs 'value' or 'expression'");
            return NULL;
        }
    }
    const char *fmt;
    xmlNodePtr inner = mc_first_elem(format);
    const char *key = mc_attr(cc, format, "key");
    if (key && key[0] == '{') {
        mc_diag(cc, format, "key", MC_DIAG_ERROR,
                "<format key=\"{...}\"> (a format chosen per message) is not supported; "
                "use a static key or put the format inline");
        return NULL;
    }
    if (key) {
        /* a local entry or registry resource, read when the configuration
         * links (every file and the registry loaded) */
        p->format_key = key;
        mc_ref_entry_compile(cc, format, "key", key, link_format, p);
        return &p->base;
    }
    if (p->type == MT_XML && inner) {
        xmlBufferPtr xb = xmlBufferCreate();
        xmlNodeDump(xb, node->doc, inner, 0, 0);
        fmt = mc_strdup(cc, (const char *)xmlBufferContent(xb));
        xmlBufferFree(xb);
    } else {
        fmt = mc_text(cc, format);
        if (p->type == MT_JSON) {
            while (*fmt == ' ' || *fmt == '\n' || *fmt == '\t' || *fmt == '\r')
                fmt++;
        }
    }
    mc_err perr = {0};
    if (!parse_format(cc->cfg, p, fmt, &perr)) {
        mc_diag(cc, format, NULL, MC_DIAG_ERROR, "%s", perr.msg);
        return NULL;
    }
    /* MI 4.4 inline ${...} expressions in the literal text */
    static const int media[] = {[MT_JSON] = MC_PF_JSON, [MT_XML] = MC_PF_XML,
                                [MT_TEXT] = MC_PF_TEXT};
    p->inl = mc_alloc(cc, (p->npieces + 1) * sizeof *p->inl);
    for (size_t i = 0; p->inl && i < p->npieces; i++) {
        bool failed = false;
        if (p->pieces[i].lit)
            p->inl[i] = mc_pf_inline_compile(cc, format, p->pieces[i].lit, p->pieces[i].len,
                                             media[p->type], &failed);
        if (failed)
            return NULL;
    }
    if (!p->inl)
        return NULL;
    return &p->base;
}

static bool is_json_container(const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\n' || *v == '\t' || *v == '\r'))
        v++, n--;
    return n && (*v == '{' || *v == '[') && mc_json_valid(v, n);
}

static void put_json_value(mc_buf *b, const pf_piece *pc, const pf_arg *a,
                           const char *v, size_t n)
{
    if (!a->literal && is_json_container(v, n)) {
        if (pc->quoted) {
            b->len--; /* drop the opening quote already written */
            mc_buf_append(b, v, n);
            return;    /* the closing quote is dropped by the caller */
        }
        mc_buf_append(b, v, n);
        return;
    }
    if (pc->in_string) {
        mc_buf tmp = MC_BUF_INIT;
        mc_buf_json_string(&tmp, v, n);
        mc_buf_append(b, tmp.data + 1, tmp.len - 2); /* without the quotes */
        mc_buf_free(&tmp);
        return;
    }
    if (!a->literal && n && mc_json_valid(v, n))
        mc_buf_append(b, v, n);           /* number, boolean, null, "str" */
    else
        mc_buf_json_string(b, v, n);
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const pf_m *p = (const pf_m *)self;
    if (p->format_key && !p->inl)   /* the key named nothing when it linked */
        return mc_fault(m, "0", "payloadFactory: the format '%s' cannot be found", p->format_key);
    const char **vals = mc_arena_alloc(&m->arena, (p->nargs + 1) * sizeof *vals);
    size_t *lens = mc_arena_alloc(&m->arena, (p->nargs + 1) * sizeof *lens);
    if (!vals || !lens)
        return mc_fault(m, "0", "out of memory");
    for (size_t i = 0; i < p->nargs; i++) {
        const pf_arg *a = &p->args[i];
        mc_err err = {0};
        if (a->expr) {
            mc_code rc = a->xml_eval && p->type == MT_XML
                             ? mc_expr_xml(a->expr, m, &vals[i], &lens[i], &err)
                             : mc_expr_string(a->expr, m, &vals[i], &lens[i], &err);
            if (rc != MC_OK)
                return mc_fault(m, "0", "payloadFactory argument %zu: %s", i + 1, err.msg);
        } else {
            vals[i] = a->value;
            lens[i] = strlen(a->value);
        }
    }
    mc_buf b = MC_BUF_INIT;
    bool skip_quote = false;
    for (size_t i = 0; i < p->npieces; i++) {
        const pf_piece *pc = &p->pieces[i];
        if (pc->lit) {
            const char *s = pc->lit;
            size_t n = pc->len;
            mc_buf inl = MC_BUF_INIT;
            if (p->inl[i]) {
                mc_err err = {0};
                mc_code rc = mc_pf_inline_render(p->inl[i], m, &inl, &err);
                if (rc != MC_OK) {
                    mc_buf_free(&inl);
                    mc_buf_free(&b);
                    return mc_fault(m, "0", "payloadFactory: %s", err.msg);
                }
                s = inl.data ? inl.data : "";
                n = inl.len;
            }
            if (skip_quote && n && *s == '"') {
                s++;
                n--;
            }
            skip_quote = false;
            mc_buf_append(&b, s, n);
            mc_buf_free(&inl);
            continue;
        }
        const pf_arg *a = &p->args[pc->arg];
        const char *v = vals[pc->arg];
        size_t n = lens[pc->arg];
        if (p->type == MT_JSON) {
            put_json_value(&b, pc, a, v, n);
            skip_quote = pc->quoted && !a->literal && is_json_container(v, n);
        } else if (p->type == MT_XML && !(a->xml_eval && a->expr)) {
            mc_buf_xml_escape(&b, v, n, false);
        } else {
            mc_buf_append(&b, v, n);
        }
    }
    if (b.oom) {
        mc_buf_free(&b);
        return mc_fault(m, "0", "out of memory");
    }
    mc_flow flow = MC_FLOW_NEXT;
    mc_err err = {0};
    switch (p->type) {
    case MT_JSON:
        if (mc_msg_set_payload(m, b.data ? b.data : "", b.len, "application/json", &err) != MC_OK)
            flow = mc_fault(m, "0", "payloadFactory produced invalid JSON: %s", err.msg);
        break;
    case MT_XML: {
        /* the result replaces the Body's content, the envelope and its
         * header blocks stay (a whole Envelope replaces the message); the
         * messageType becomes application/xml unless it is already an XML
         * one (Synapse's PayloadFactoryMediator) */
        const char *mt = mc_msg_prop(m, MC_SCOPE_AXIS2, "messageType");
        mc_wire w = mc_wire_of(mt);
        char *keep = w == MC_WIRE_SOAP11 || w == MC_WIRE_SOAP12 ||
                     (w == MC_WIRE_POX && strncasecmp(mt, "application/xml", 15) == 0)
                         ? mc_arena_strdup(&m->arena, mt) : NULL;
        if (mc_msg_set_body(m, b.data ? b.data : "", b.len, "application/xml", &err) != MC_OK)
            flow = mc_fault(m, "0", "payloadFactory produced invalid XML: %s", err.msg);
        else if (keep) {
            mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", keep);
            mc_msg_set_propz(m, MC_SCOPE_AXIS2, "ContentType", keep);
        }
        break;
    }
    case MT_TEXT:
        if (mc_msg_set_text(m, b.data ? b.data : "", b.len) != MC_OK)
            flow = mc_fault(m, "0", "out of memory");
        break;
    }
    mc_buf_free(&b);
    return flow;
}

const mc_mediator_type mc_med_payload_factory = {"payloadFactory", compile, exec, NULL, false};
