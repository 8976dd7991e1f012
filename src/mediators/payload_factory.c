/* payload_factory.c - <payloadFactory media-type="json|xml|text">: a format
 * with $1..$n placeholders filled from <args>, as MI's PayloadFactory
 * (RegexTemplateProcessor) does.  Each placeholder is checked at load
 * against the number of arguments.  "\$" writes a literal '$'.
 *
 * Arguments: value="..." (XPath-typed), expression="XPath" (Synapse's
 * stringValueOf: a lone element gives its text, an element with only
 * children its XML), evaluator="json" expression="$.x" or "json-eval(..)"
 * (JSONPath).  Each value gets a type as MI infers it: literal="true" is a
 * string; an XPath or value argument whose text is XML is XML, else a
 * string; a JSONPath argument that gives an object or array is JSON.
 * A value argument that is not XML is XML-escaped for every media type,
 * as MI's getArgValues does.
 *
 * JSON formats: an XML value becomes JSON (Synapse's mapping of
 * <jsonObject>value</jsonObject>); a JSON value is put as it is, and when
 * it fills a whole quoted string ("$1") it replaces the quotes too; a
 * string inside a JSON string is escaped as MI escapes it (\ " \b \f \n
 * \r \t); outside strings a valid JSON scalar goes as it is, other text
 * quoted (MI would write it bare and produce invalid JSON).
 * XML formats: the format element is written with every namespace it uses
 * declared (so elements without a prefix are in the Synapse namespace, as
 * MI emits them) and without whitespace-only text, as MI's factory strips
 * it; string values are XML-escaped, XML values inserted as they are (an
 * XPath that selects several elements inserts them all), a JSON value
 * becomes XML.
 * Text formats: values as they are.  The result is trimmed, as MI does.
 * MI 4.4 ${...} expressions in the literal text: payload_inline.c. */
#include <ctype.h>
#include <stdio.h>
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
    bool json_path;      /* evaluator="json": the expression is JSONPath */
    bool literal;        /* literal="true": a string, whatever it holds */
} pf_arg;

/* The type MI's TemplateProcessor infers for an argument's value. */
typedef enum { ARG_STR, ARG_XML, ARG_JSON } arg_type;

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
    const char *key;     /* <format key>: compiled when the config links */
} pf_m;

static bool parse_format(mc_compiler *cc, xmlNodePtr fmt_node, const mc_local_entry *entry,
                         pf_m *p, const char *fmt)
{
    size_t n = strlen(fmt);
    p->pieces = mc_alloc(cc, (2 * n + 2) * sizeof *p->pieces);
    char *lit = mc_alloc(cc, n + 1);  /* literal text with escapes removed */
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
                if (entry) /* a format from a local entry or registry resource */
                    mc_diag_at(cc->cfg, entry->file, entry->line, entry->col, MC_DIAG_ERROR,
                               "$%d in the payloadFactory format '%s' has no argument (%zu <arg> "
                               "given)", num, entry->key, p->nargs);
                else
                    mc_diag(cc, fmt_node, NULL, MC_DIAG_ERROR,
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

/* Drop whitespace-only text, as MI's factory does to the format. */
static void strip_indentation(xmlNodePtr n)
{
    for (xmlNodePtr c = n->children, next; c; c = next) {
        next = c->next;
        if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        } else if (c->type == XML_ELEMENT_NODE) {
            strip_indentation(c);
        }
    }
}

/* Point n (and its attributes) at a declaration in scope in the copy
 * instead of one of the declarations libxml2 put on the copy's root;
 * declare it on n (first) when none is, as Axiom declares a namespace on
 * the first element that uses it. */
static bool is_hoisted(const xmlNs *ns, const xmlNs *hoisted)
{
    for (; hoisted; hoisted = hoisted->next)
        if (ns == hoisted)
            return true;
    return false;
}

static xmlNsPtr declare_here(xmlDocPtr d, xmlNodePtr n, const xmlNs *ns)
{
    xmlNsPtr in_scope = xmlSearchNs(d, n, ns->prefix);
    if (in_scope && xmlStrEqual(in_scope->href, ns->href))
        return in_scope;
    xmlNsPtr decl = xmlNewNs(NULL, ns->href, ns->prefix);
    if (decl) {
        decl->next = n->nsDef;
        n->nsDef = decl;
    }
    return decl;
}

static void place_namespaces(xmlDocPtr d, xmlNodePtr n, xmlNodePtr orig,
                             const xmlNs *hoisted)
{
    /* orig: the same element in the configuration, whose namespaces keep
     * their prefixes (libxml2 names a hoisted default namespace "default") */
    if (n->ns && orig->ns && is_hoisted(n->ns, hoisted))
        n->ns = declare_here(d, n, orig->ns);
    xmlAttrPtr oa = orig->properties;
    for (xmlAttrPtr a = n->properties; a && oa; a = a->next, oa = oa->next)
        if (a->ns && oa->ns && is_hoisted(a->ns, hoisted))
            a->ns = declare_here(d, n, oa->ns);
    xmlNodePtr oc = orig->children;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        while (oc && oc->type != XML_ELEMENT_NODE)
            oc = oc->next;
        if (!oc)
            break;
        place_namespaces(d, c, oc, hoisted);
        oc = oc->next;
    }
}

/* xmlns="" where no default namespace is in scope says nothing: Axiom
 * does not write it. */
static void drop_needless_undeclare(xmlNodePtr n, bool dflt)
{
    for (xmlNsPtr *d = &n->nsDef; *d;) {
        xmlNsPtr ns = *d;
        if (!ns->prefix && (!ns->href || !*ns->href) && !dflt) {
            *d = ns->next;
            ns->next = NULL;
            xmlFreeNs(ns);
            continue;
        }
        if (!ns->prefix)
            dflt = ns->href && *ns->href;
        d = &ns->next;
    }
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            drop_needless_undeclare(c, dflt);
}

/* The format element as text, as MI's OMElement.toString() writes it:
 * copied into a document of its own, each namespace it uses from further
 * up (the Synapse default namespace of unprefixed elements, a soapenv:
 * declared on the proxy) declared where it is first used. */
static const char *format_xml(mc_compiler *cc, xmlNodePtr inner)
{
    xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr copy = d ? xmlDocCopyNode(inner, d, 1) : NULL;
    xmlBufferPtr xb = copy ? xmlBufferCreate() : NULL;
    const char *out = NULL;
    if (xb) {
        xmlDocSetRootElement(d, copy);
        strip_indentation(copy);
        /* the declarations the copy hoisted to its root: not the element's */
        size_t own = 0;
        for (xmlNsPtr ns = inner->nsDef; ns; ns = ns->next)
            own++;
        xmlNsPtr *link = &copy->nsDef;
        for (size_t i = 0; *link && i < own; i++)
            link = &(*link)->next;
        xmlNsPtr hoisted = *link;
        *link = NULL;
        place_namespaces(d, copy, inner, hoisted);
        xmlFreeNsList(hoisted);
        drop_needless_undeclare(copy, false);
        xmlNodeDump(xb, d, copy, 0, 0);
        out = mc_strdup(cc, (const char *)xmlBufferContent(xb));
        xmlBufferFree(xb);
    } else if (copy) {
        xmlFreeNode(copy);
    }
    xmlFreeDoc(d);
    return out;
}

/* The format's text (inner: its element for XML formats; text: its text
 * otherwise) into pieces and MI 4.4 inline expressions. */
static bool compile_format(mc_compiler *cc, xmlNodePtr node, const mc_local_entry *entry,
                           xmlNodePtr inner, const char *text, pf_m *p)
{
    const char *fmt;
    if (p->type == MT_XML && inner) {
        if (!(fmt = format_xml(cc, inner)))
            return false;
    } else {
        fmt = text ? text : "";
        if (p->type == MT_JSON) {
            while (*fmt == ' ' || *fmt == '\n' || *fmt == '\t' || *fmt == '\r')
                fmt++;
        }
    }
    if (!parse_format(cc, node, entry, p, fmt))
        return false;
    /* MI 4.4 inline ${...} expressions in the literal text */
    static const int media[] = {[MT_JSON] = MC_PF_JSON, [MT_XML] = MC_PF_XML,
                                [MT_TEXT] = MC_PF_TEXT};
    p->inl = mc_alloc(cc, (p->npieces + 1) * sizeof *p->inl);
    for (size_t i = 0; p->inl && i < p->npieces; i++) {
        bool failed = false;
        if (p->pieces[i].lit)
            p->inl[i] = mc_pf_inline_compile(cc, node, p->pieces[i].lit, p->pieces[i].len,
                                             media[p->type], &failed);
        if (failed)
            return false;
    }
    return p->inl != NULL;
}

static void free_scratch(void *n) { xmlFreeNode(n); }

/* <format key>: the entry's XML (or text) is the format, as MI reads it
 * from the registry (an element as its XML, text as it is). */
static bool link_format(const mc_local_entry *e, void *target, mc_config *cfg, mc_err *err)
{
    pf_m *p = target;
    mc_compiler lc = {.cfg = cfg, .file = e->file};
    unsigned before = cfg->nerrors;
    bool ok;
    if (e->xml && p->type != MT_XML) {
        /* a JSON or text format kept as XML: its serialised form */
        const char *fmt = format_xml(&lc, e->xml);
        ok = fmt && compile_format(&lc, e->xml, e, NULL, fmt, p);
    } else {
        if (!e->xml) {
            /* a text resource: a bare element to compile its expressions
             * against (no namespaces in scope), kept with the config */
            xmlNodePtr scratch = xmlNewNode(NULL, BAD_CAST "format");
            if (!scratch)
                return mc_err_set(err, MC_ENOMEM, "out of memory"), false;
            mc_config_own(cfg, scratch, free_scratch);
            size_t n = e->text ? (e->len ? e->len : strlen(e->text)) : 0;
            char *text = mc_alloc(&lc, n + 1);
            if (text && e->text)
                memcpy(text, e->text, n);
            ok = text && compile_format(&lc, scratch, e, NULL, text, p);
            goto done;
        }
        size_t n = e->text ? (e->len ? e->len : strlen(e->text)) : 0;
        char *text = e->text ? mc_alloc(&lc, n + 1) : NULL;
        if (text)
            memcpy(text, e->text, n);
        ok = compile_format(&lc, e->xml, e, e->xml, text, p);
    }
done:
    if (!ok) {
        p->npieces = 0;
        p->inl = NULL;
        if (cfg->nerrors == before)
            mc_err_set(err, MC_EPARSE, "payloadFactory format '%s' does not compile", e->key);
        else
            mc_err_set(err, MC_EPARSE, "payloadFactory format '%s': see above", e->key);
        return false;
    }
    return true;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"media-type", "template-type", "escapeXmlChars", NULL};
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
        arg->literal = literal && strcasecmp(literal, "true") == 0;
        if (ev && strcmp(ev, "xml") && strcmp(ev, "json")) {
            mc_diag(cc, a, "evaluator", MC_DIAG_ERROR, "unknown evaluator '%s' (xml, json)", ev);
            return NULL;
        }
        if (arg->value) {
            /* value wins over expression, as MI's factory reads them */
        } else if (expr && ev && strcmp(ev, "json") == 0) {
            /* JSONPath, with or without json-eval( ) around it */
            const char *path = expr;
            size_t n = strlen(path);
            if (strncmp(path, "json-eval(", 10) == 0 && n > 11 && path[n - 1] == ')') {
                path += 10;
                n -= 11;
            }
            char *src = mc_alloc(cc, n + sizeof "json-eval()");
            if (!src)
                return NULL;
            snprintf(src, n + sizeof "json-eval()", "json-eval(%.*s)", (int)n, path);
            if (!(arg->expr = mc_compile_expr(cc, a, "expression", src)))
                return NULL;
            arg->json_path = mc_expr_kind_of(arg->expr) == MC_EXPR_JSONPATH;
        } else if (expr) {
            /* MI types it as an XPath argument even when it is json-eval() */
            if (!(arg->expr = mc_compile_expr(cc, a, "expression", expr)))
                return NULL;
        } else {
            mc_diag(cc, a, NULL, MC_DIAG_ERROR, "<arg> needs 'value' or 'expression'");
            return NULL;
        }
    }
    const char *key = mc_attr(cc, format, "key");
    if (key) {
        /* a local entry or registry resource, compiled when it resolves */
        if (strchr(key, '{')) {
            mc_diag(cc, format, "key", MC_DIAG_ERROR,
                    "a format chosen per message (<format key=\"{...}\">) is not supported; "
                    "use a static key");
            return NULL;
        }
        p->key = mc_strdup(cc, key);
        mc_ref_entry_compile(cc, format, "key", key, link_format, p);
        return &p->base;
    }
    if (!compile_format(cc, format, NULL, mc_first_elem(format), mc_text(cc, format), p))
        return NULL;
    return &p->base;
}

static bool is_json_container(const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\n' || *v == '\t' || *v == '\r'))
        v++, n--;
    return n && (*v == '{' || *v == '[') && mc_json_valid(v, n);
}

/* MI's isJson: the trimmed text starts an object or array. */
static bool starts_json(const char *v, size_t n)
{
    while (n && (unsigned char)*v <= ' ')
        v++, n--;
    return n && (*v == '{' || *v == '[');
}

/* MI's isXML: text that ends with '>' and parses as XML (several elements
 * count, as Axiom reads only the first). */
static bool looks_xml(const char *v, size_t n)
{
    while (n && (unsigned char)*v <= ' ')
        v++, n--;
    while (n && (unsigned char)v[n - 1] <= ' ')
        n--;
    if (n < 4 || v[0] != '<' || v[n - 1] != '>')
        return false;
    mc_buf w = MC_BUF_INIT;
    mc_buf_puts(&w, "<pfPadding>");
    mc_buf_append(&w, v, n);
    mc_buf_puts(&w, "</pfPadding>");
    mc_xml_error xe;
    xmlDocPtr d = w.oom ? NULL : mc_xml_parse(w.data, w.len, "argument", 1, &xe);
    mc_buf_free(&w);
    bool ok = d != NULL;
    xmlFreeDoc(d);
    return ok;
}

/* An XML value as JSON: <jsonObject>value</jsonObject> in Synapse's
 * mapping (MI's convertXmlArgumentToJson).  False when it does not parse. */
static bool xml_value_to_json(mc_buf *b, const char *v, size_t n)
{
    mc_buf w = MC_BUF_INIT;
    mc_buf_puts(&w, "<jsonObject>");
    mc_buf_append(&w, v, n);
    mc_buf_puts(&w, "</jsonObject>");
    mc_xml_error xe;
    xmlDocPtr d = w.oom ? NULL : mc_xml_parse(w.data, w.len, "argument", 0, &xe);
    mc_buf_free(&w);
    if (!d)
        return false;
    mc_xml_to_json(b, xmlDocGetRootElement(d));
    xmlFreeDoc(d);
    return true;
}

/* A JSON value as XML: the children of Synapse's <jsonObject>/<jsonArray>
 * (MI's convertJsonArgumentToXml).  False when it is not JSON. */
static bool json_value_to_xml(mc_buf *b, mc_message *m, const char *v, size_t n)
{
    mc_err err;
    mc_err_clear(&err);
    mc_json j = mc_json_parse(&m->arena, v, n, &err);
    if (!j)
        return false;
    xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = d ? mc_json_to_xml(j, d) : NULL;
    if (!root) {
        xmlFreeDoc(d);
        return false;
    }
    xmlDocSetRootElement(d, root);
    xmlBufferPtr xb = xmlBufferCreate();
    for (xmlNodePtr c = root->children; xb && c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            xmlNodeDump(xb, d, c, 0, 0);
    if (xb) {
        mc_buf_append(b, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
        xmlBufferFree(xb);
    }
    xmlFreeDoc(d);
    return xb != NULL;
}

/* MI's escapeSpecialChars: a string put inside a JSON string. */
static void json_escape_in_string(mc_buf *b, const char *v, size_t n)
{
    mc_buf tmp = MC_BUF_INIT;
    mc_buf_json_string(&tmp, v, n);
    if (tmp.len >= 2)
        mc_buf_append(b, tmp.data + 1, tmp.len - 2); /* without the quotes */
    b->oom |= tmp.oom;
    mc_buf_free(&tmp);
}

/* A string outside a JSON string: a JSON scalar as it is, other text as a
 * JSON string (mediac's choice where MI writes invalid JSON). */
static void json_bare_string(mc_buf *b, const char *v, size_t n)
{
    if (n && mc_json_valid(v, n))
        mc_buf_append(b, v, n);
    else
        mc_buf_json_string(b, v, n);
}

/* Write one argument into a JSON format; *dropped_quote: the placeholder's
 * opening quote was taken back (the closing one goes too). */
static void put_json_value(mc_buf *b, const pf_piece *pc, arg_type t, const char *v,
                           size_t n, bool *dropped_quote)
{
    *dropped_quote = false;
    if (t == ARG_XML) {
        mc_buf conv = MC_BUF_INIT;
        if (xml_value_to_json(&conv, v, n)) {
            if (pc->in_string)
                json_escape_in_string(b, conv.data, conv.len);
            else
                mc_buf_append(b, conv.data, conv.len);
            mc_buf_free(&conv);
            return;
        }
        mc_buf_free(&conv);
        t = ARG_STR;
    }
    if (t == ARG_JSON && is_json_container(v, n)) {
        if (pc->quoted) {
            b->len--; /* the opening quote already written */
            *dropped_quote = true;
        }
        if (pc->in_string && !pc->quoted)
            json_escape_in_string(b, v, n);
        else
            mc_buf_append(b, v, n);
        return;
    }
    if (pc->in_string)
        json_escape_in_string(b, v, n);
    else
        json_bare_string(b, v, n);
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const pf_m *p = (const pf_m *)self;
    if (p->key && !p->inl)
        return mc_fault(m, "0", "Key %s not found ", p->key); /* MI's words */
    const char **vals = mc_arena_alloc(&m->arena, (p->nargs + 1) * sizeof *vals);
    size_t *lens = mc_arena_alloc(&m->arena, (p->nargs + 1) * sizeof *lens);
    arg_type *types = mc_arena_alloc(&m->arena, (p->nargs + 1) * sizeof *types);
    if (!vals || !lens || !types)
        return mc_fault(m, "0", "out of memory");
    for (size_t i = 0; i < p->nargs; i++) {
        const pf_arg *a = &p->args[i];
        mc_err err;
        mc_err_clear(&err);
        if (a->value) {
            vals[i] = a->value;
            lens[i] = strlen(a->value);
        } else if (mc_expr_synapse_string(a->expr, m, &vals[i], &lens[i], &err) != MC_OK) {
            return mc_fault(m, "0", "payloadFactory argument %zu: %s", i + 1, err.msg);
        }
        if (a->literal)
            types[i] = ARG_STR;
        else if (a->json_path)
            types[i] = starts_json(vals[i], lens[i]) ? ARG_JSON : ARG_STR;
        else
            types[i] = looks_xml(vals[i], lens[i]) ? ARG_XML : ARG_STR;
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
                mc_err err;
                mc_err_clear(&err);
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
        arg_type t = types[pc->arg];
        bool xml_text = a->value ? t != ARG_XML : false; /* MI escapes values */
        if (p->type == MT_JSON) {
            if (xml_text) {
                mc_buf esc = MC_BUF_INIT;
                mc_buf_xml_escape(&esc, v, n, true);
                put_json_value(&b, pc, t, esc.data ? esc.data : "", esc.len, &skip_quote);
                mc_buf_free(&esc);
            } else {
                put_json_value(&b, pc, t, v, n, &skip_quote);
            }
        } else if (p->type == MT_XML) {
            if (t == ARG_XML) {
                mc_buf_append(&b, v, n);
            } else if (t == ARG_JSON && json_value_to_xml(&b, m, v, n)) {
                /* converted */
            } else {
                mc_buf_xml_escape(&b, v, n, true);
            }
        } else if (xml_text) {
            mc_buf_xml_escape(&b, v, n, true);
        } else {
            mc_buf_append(&b, v, n);
        }
    }
    if (b.oom) {
        mc_buf_free(&b);
        return mc_fault(m, "0", "out of memory");
    }
    /* MI trims what the template gives */
    const char *out = b.data ? b.data : "";
    size_t olen = b.len;
    while (olen && (unsigned char)*out <= ' ')
        out++, olen--;
    while (olen && (unsigned char)out[olen - 1] <= ' ')
        olen--;
    mc_flow flow = MC_FLOW_NEXT;
    mc_err err;
    mc_err_clear(&err);
    switch (p->type) {
    case MT_JSON:
        if (mc_msg_set_payload(m, out, olen, "application/json", &err) != MC_OK)
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
        if (mc_msg_set_body(m, out, olen, "application/xml", &err) != MC_OK)
            flow = mc_fault(m, "0", "payloadFactory produced invalid XML: %s", err.msg);
        else if (keep) {
            mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", keep);
            mc_msg_set_propz(m, MC_SCOPE_AXIS2, "ContentType", keep);
        }
        break;
    }
    case MT_TEXT:
        if (mc_msg_set_text(m, out, olen) != MC_OK)
            flow = mc_fault(m, "0", "out of memory");
        break;
    }
    mc_buf_free(&b);
    return flow;
}

const mc_mediator_type mc_med_payload_factory = {"payloadFactory", compile, exec, NULL, false};
