/* enrich.c - <enrich>: copy a source (custom XPath/JSONPath, envelope,
 * body, property, inline XML/JSON/text, a local-entry key) into a target
 * (custom XPath/JSONPath, envelope, body, property, a JSON key, an MI 4.4
 * variable) with an action (replace, child, sibling, remove), as Synapse's
 * EnrichMediator, Source and Target do.
 *
 * Two paths, chosen as Synapse chooses them: on a JSON payload, when the
 * configuration has no XPath, no envelope and no inline XML, the JSON is
 * edited directly (JSONPath set / delete / add / rename, json_edit.c);
 * otherwise the XML infoset is edited (a JSON payload through the Synapse
 * mapping, which keeps answering in JSON).  Differences from Synapse are
 * listed in docs/core.md (enrich). */
#include "mediators/enrich.h"

#include <string.h>
#include <strings.h>

#include <libxml/xpath.h>

#include "mediators/json_edit.h"
#include "mediators/mediators.h"
#include "msg/xmlsafe.h"

#define MAX_SOURCE_NODES 4096

struct mc_inline_part {
    size_t off, len;     /* the "{...}" in the inline text */
    mc_expr *expr;
    bool json_eval;
};

typedef struct enrich_m {
    mc_mediator base;
    mc_enrich_source source;
    mc_enrich_target target;
    bool native;
} enrich_m;

static void free_node(void *p) { xmlFreeNode(p); }
static void free_jsonpath(void *p) { mc_jsonpath_free(p); }

static int type_of(const char *t)
{
    static const char *const names[] = {"custom", "envelope", "body", "property", "inline",
                                        "key", "variable"};
    if (!t)
        return MC_EN_CUSTOM;
    for (int i = 0; i < 7; i++)
        if (strcmp(t, names[i]) == 0)
            return i;
    return -1;
}

static int action_of(const char *a)
{
    static const char *const names[] = {"replace", "child", "sibling", "remove"};
    if (!a)
        return MC_EN_REPLACE;
    for (int i = 0; i < 4; i++)
        if (strcmp(a, names[i]) == 0)
            return i;
    return -1;
}

/* "json-eval(PATH)" -> PATH (arena copy), else NULL. */
static char *json_eval_path(mc_compiler *cc, const char *src)
{
    while (*src == ' ')
        src++;
    size_t n = strlen(src);
    while (n && src[n - 1] == ' ')
        n--;
    if (n < 11 || strncmp(src, "json-eval(", 10) != 0 || src[n - 1] != ')')
        return NULL;
    char *p = mc_alloc(cc, n - 10);
    if (p)
        memcpy(p, src + 10, n - 11);
    return p;
}

static const mc_jsonpath *compile_jsonpath(mc_compiler *cc, xmlNodePtr e, const char *attr,
                                           const char *path)
{
    mc_err err = {0};
    mc_jsonpath *jp = mc_jsonpath_compile(path, &err);
    if (!jp) {
        mc_diag(cc, e, attr, MC_DIAG_ERROR, "%s", err.msg);
        return NULL;
    }
    mc_config_own(cc->cfg, jp, free_jsonpath);
    return jp;
}

/* Where the first top-level comma of a JSONPath list is, or NULL. */
static const char *list_comma(const char *p)
{
    int depth = 0;
    char quote = 0;
    for (; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '[' || *p == '(') {
            depth++;
        } else if (*p == ']' || *p == ')') {
            depth--;
        } else if (*p == ',' && depth == 0) {
            return p;
        }
    }
    return NULL;
}

/* The custom path: an expression, and its JSONPath when it is json-eval.
 * json-eval(P1,P2,...) lists paths for the remove action: the expression
 * and *jp are the first one's, *list the whole list's text. */
static bool compile_path(mc_compiler *cc, xmlNodePtr e, mc_expr **expr, const mc_jsonpath **jp,
                         const char **list)
{
    const char *x = mc_attr(cc, e, "xpath");
    if (!x || !*x) {
        mc_diag(cc, e, NULL, MC_DIAG_ERROR, "<%s type=\"custom\"> needs an 'xpath' attribute",
                (const char *)e->name);
        return false;
    }
    char *p = json_eval_path(cc, x);
    if (!p)
        return (*expr = mc_compile_expr(cc, e, "xpath", x)) != NULL;
    if (list)
        *list = mc_strdup(cc, p);
    const char *comma = list_comma(p);
    if (comma) {
        char *first = (char *)mc_strdup(cc, p);
        if (!first)
            return false;
        first[comma - p] = '\0';
        p = first;
        x = mc_arena_printf(&cc->cfg->arena, "json-eval(%s)", first);
    }
    return (*jp = compile_jsonpath(cc, e, "xpath", p)) && (*expr = mc_compile_expr(cc, e, "xpath", x));
}


/* Synapse's inline expressions: {X} where X has no space, quote, comma,
 * angle bracket, ']' or '}'. */
static bool compile_inline_parts(mc_compiler *cc, xmlNodePtr e, mc_enrich_source *s)
{
    const char *t = s->inline_text;
    uint32_t n = 0;
    for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{'))
        n++;
    if (!n)
        return true;
    s->parts = mc_alloc(cc, n * sizeof *s->parts);
    if (!s->parts)
        return false;
    for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{')) {
        size_t k = mc_inline_expr_len(p);
        if (!k--)
            continue;
        mc_inline_part *part = &s->parts[s->nparts];
        part->off = (size_t)(p - t);
        part->len = k + 1;
        char *src = mc_alloc(cc, k);
        if (!src)
            return false;
        memcpy(src, p + 1, k - 1);
        part->json_eval = strncmp(src, "json-eval(", 10) == 0;
        if (!(part->expr = mc_compile_expr(cc, e, NULL, src)))
            return false;
        s->nparts++;
        p += k;
    }
    return true;
}

/* Is an inline text JSON (Synapse tries Gson first; a text that fails but
 * is wrapped in braces is JSON with expressions in it)? */
static bool inline_is_json(const char *t)
{
    while (*t == ' ' || *t == '\n' || *t == '\t' || *t == '\r')
        t++;
    size_t n = strlen(t);
    while (n && strchr(" \n\t\r", t[n - 1]))
        n--;
    if (!n)
        return false;
    if ((t[0] == '{' && t[n - 1] == '}') || (t[0] == '[' && t[n - 1] == ']'))
        return true;
    if (t[0] == '<')
        return false;
    return mc_json_valid(t, n) || !strpbrk(t, " \t\r\n<>");
}

bool mc_enrich_compile_source(mc_compiler *cc, xmlNodePtr e, mc_enrich_source *s)
{
    static const char *const attrs[] = {"type", "clone", "xpath", "property", "key",
                                        "contentType", NULL};
    mc_check_attrs(cc, e, attrs);
    const char *type = mc_attr(cc, e, "type");
    s->type = type_of(type);
    if (s->type < 0 || s->type == MC_EN_KEY || s->type == MC_EN_VARIABLE) {
        mc_diag(cc, e, "type", MC_DIAG_ERROR,
                "unknown source type '%s' (custom, envelope, body, property, inline)", type);
        return false;
    }
    const char *clone = mc_attr(cc, e, "clone");
    s->clone = !clone || strcasecmp(clone, "false") != 0;
    s->content_type = mc_attr(cc, e, "contentType");
    switch (s->type) {
    case MC_EN_CUSTOM:
        return compile_path(cc, e, &s->path, &s->jp, &s->path_list);
    case MC_EN_PROPERTY:
        s->property = mc_attr(cc, e, "property");
        if (!s->property || !*s->property) {
            mc_diag(cc, e, NULL, MC_DIAG_ERROR, "<source type=\"property\"> needs a 'property' attribute");
            return false;
        }
        return true;
    case MC_EN_INLINE: {
        xmlNodePtr el = mc_first_elem(e);
        const char *key = mc_attr(cc, e, "key");
        if (el) {
            s->inline_xml = xmlCopyNode(el, 1);
            mc_config_own(cc->cfg, s->inline_xml, free_node);
            mc_xml_drop_empty_default_ns(s->inline_xml);
            return s->inline_xml != NULL;
        }
        const char *text = mc_text(cc, e);
        if (strspn(text, " \t\r\n") != strlen(text)) {
            s->inline_text = text;
            s->inline_json = inline_is_json(text);
            return compile_inline_parts(cc, e, s);
        }
        if (key && *key) {
            mc_ref_entry(cc, e, "key", key, &s->entry);
            return true;
        }
        mc_diag(cc, e, NULL, MC_DIAG_ERROR,
                "<source type=\"inline\"> needs inline XML, JSON or text, or a 'key'");
        return false;
    }
    default:
        return true;
    }
}

bool mc_enrich_compile_target(mc_compiler *cc, xmlNodePtr e, mc_enrich_target *t)
{
    static const char *const attrs[] = {"type", "action", "xpath", "property", NULL};
    mc_check_attrs(cc, e, attrs);
    const char *type = mc_attr(cc, e, "type");
    const char *action = mc_attr(cc, e, "action");
    t->type = type_of(type);
    t->action = action_of(action);
    if (t->type < 0 || t->type == MC_EN_INLINE) {
        mc_diag(cc, e, "type", MC_DIAG_ERROR,
                "%s target type '%s' (custom, envelope, body, property, key, variable)",
                t->type == MC_EN_INLINE ? "inline is not a" : "unknown", type);
        return false;
    }
    if (t->action < 0) {
        mc_diag(cc, e, "action", MC_DIAG_ERROR,
                "unknown action '%s' (replace, child, sibling, remove)", action);
        return false;
    }
    switch (t->type) {
    case MC_EN_CUSTOM: {
        if (!compile_path(cc, e, &t->path, &t->jp, NULL))
            return false;
        const char *src = mc_expr_source(t->path);
        if (t->jp && t->action == MC_EN_REPLACE && mc_jsonpath_is_definite(t->jp)) {
            char *p = json_eval_path(cc, src);
            if (p && (strcmp(p, "$") == 0 || strcmp(p, "$.") == 0)) {
                mc_diag(cc, e, "xpath", MC_DIAG_ERROR,
                        "replace is not supported for the root path in type custom; use "
                        "<target type=\"body\" action=\"replace\"/> instead (as Synapse)");
                return false;
            }
        }
        if (strncmp(src, "get-property(", 13) == 0) {
            /* get-property('name') or get-property('scope', 'name') */
            const char *q1 = strchr(src, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
            const char *q3 = q2 ? strchr(q2 + 1, '\'') : NULL, *q4 = q3 ? strchr(q3 + 1, '\'') : NULL;
            if (!q2) {
                mc_diag(cc, e, "xpath", MC_DIAG_ERROR, "get-property() needs a quoted name");
                return false;
            }
            char scope[32] = "default";
            if (q4) {
                snprintf(scope, sizeof scope, "%.*s", (int)(q2 - q1 - 1), q1 + 1);
                q1 = q3, q2 = q4;
            }
            char *name = mc_alloc(cc, (size_t)(q2 - q1));
            if (!name)
                return false;
            memcpy(name, q1 + 1, (size_t)(q2 - q1 - 1));
            t->property = name;
            t->prop_scope = mc_scope_from_name(scope);
            if (t->prop_scope < 0)
                t->prop_scope = MC_SCOPE_DEFAULT;
        }
        return true;
    }
    case MC_EN_KEY: {
        if (!compile_path(cc, e, &t->path, &t->jp, NULL))
            return false;
        char *p = json_eval_path(cc, mc_expr_source(t->path));
        char *dot = p ? strrchr(p, '.') : NULL;
        if (!t->jp || !dot || dot == p) {
            mc_diag(cc, e, "xpath", MC_DIAG_ERROR,
                    "a key target names the key with json-eval($.path.to.key)");
            return false;
        }
        *dot = '\0';
        t->key_name = dot + 1;
        t->key_parent = p;
        if (!(t->jp = compile_jsonpath(cc, e, "xpath", p)))
            return false;
        if (t->action != MC_EN_REPLACE) {
            mc_diag(cc, e, "action", MC_DIAG_ERROR,
                    "only the replace action is supported for the target type 'key'");
            return false;
        }
        return true;
    }
    case MC_EN_PROPERTY:
    case MC_EN_VARIABLE:
        t->property = mc_attr(cc, e, "property");
        if (!t->property || !*t->property) {
            mc_diag(cc, e, NULL, MC_DIAG_ERROR, "<target type=\"%s\"> needs a 'property' attribute",
                    type);
            return false;
        }
        return true;
    case MC_EN_ENVELOPE:
        if (t->action != MC_EN_REPLACE) {
            mc_diag(cc, e, "action", MC_DIAG_ERROR, "an envelope target only takes replace");
            return false;
        }
        return true;
    default:
        return true;
    }
}

bool mc_enrich_native(const mc_enrich_source *s, const mc_enrich_target *t)
{
    bool inline_xml = s->type == MC_EN_INLINE && (s->inline_xml || (s->inline_text && !s->inline_json));
    bool envelope = s->type == MC_EN_ENVELOPE || t->type == MC_EN_ENVELOPE;
    bool src_custom = s->type == MC_EN_CUSTOM, tgt_custom = t->type == MC_EN_CUSTOM;
    bool ok_custom = (!src_custom || s->jp) && (!tgt_custom || t->jp);
    return !inline_xml && !envelope && ok_custom;
}

/* EnrichMediatorFactory.validateTypeCombination */
static bool check_combination(mc_compiler *cc, xmlNodePtr node, const mc_enrich_source *s,
                              const mc_enrich_target *t)
{
    const char *bad = NULL;
    if (s->type == MC_EN_ENVELOPE &&
        (t->type == MC_EN_CUSTOM || t->type == MC_EN_ENVELOPE || t->type == MC_EN_BODY))
        bad = "Wrong combination of source and target type";
    else if (s->type == MC_EN_BODY && (t->type == MC_EN_ENVELOPE || t->type == MC_EN_BODY))
        bad = "Wrong combination of source and target type";
    else if (s->type == MC_EN_CUSTOM && t->type == MC_EN_ENVELOPE)
        bad = "Wrong combination of source and target type";
    else if (t->action == MC_EN_REMOVE && s->type != MC_EN_CUSTOM)
        bad = "Wrong combination of source type and target action (remove takes a custom source)";
    else if (t->action == MC_EN_REMOVE && (t->type == MC_EN_CUSTOM || t->type == MC_EN_ENVELOPE))
        bad = "Wrong combination of target type and target action (remove works on body or property)";
    else if (t->type == MC_EN_KEY && s->type == MC_EN_BODY)
        bad = "Wrong combination of source type and target type";
    if (bad)
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<enrich>: %s (source %s, target %s)", bad,
                (const char *[]){"custom", "envelope", "body", "property", "inline"}[s->type],
                (const char *[]){"custom", "envelope", "body", "property", "inline", "key",
                                 "variable"}[t->type]);
    return !bad;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    mc_check_attrs(cc, node, (const char *const[]){NULL});
    enrich_m *en = mc_new_mediator(cc, node, &mc_med_enrich, sizeof *en);
    if (!en)
        return NULL;
    xmlNodePtr src = NULL, tgt = NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *n = (const char *)c->name;
        if (strcmp(n, "source") == 0 && !src)
            src = c;
        else if (strcmp(n, "target") == 0 && !tgt)
            tgt = c;
        else if (strcmp(n, "description") != 0) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "unexpected <%s> in <enrich> (source, target)", n);
            return NULL;
        }
    }
    if (!src || !tgt) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<enrich> needs a <source> and a <target>");
        return NULL;
    }
    if (!mc_enrich_compile_source(cc, src, &en->source) ||
        !mc_enrich_compile_target(cc, tgt, &en->target) ||
        !check_combination(cc, node, &en->source, &en->target))
        return NULL;
    if (en->target.action == MC_EN_REMOVE) {
        /* the source's path may list several, separated by commas */
        char *p = en->source.path_list ? (char *)mc_strdup(cc, en->source.path_list) : NULL;
        uint32_t n = 1;
        for (char *c = p; c && *c; c++)
            n += *c == ',';
        en->target.remove = p ? mc_alloc(cc, n * sizeof *en->target.remove) : NULL;
        while (p && en->target.remove) {
            char *comma = (char *)list_comma(p);
            if (comma)
                *comma = '\0';
            const mc_jsonpath *jp = compile_jsonpath(cc, src, "xpath", mc_strdup_trimmed(cc, p));
            if (!jp)
                return NULL;
            en->target.remove[en->target.nremove++] = jp;
            p = comma ? comma + 1 : NULL;
        }
    }
    en->native = mc_enrich_native(&en->source, &en->target);
    return &en->base;
}

/* ---- inline text ---------------------------------------------------------- */

static bool looks_like_xml(const char *v, size_t n)
{
    if (!n || v[0] != '<')
        return false;
    mc_xml_error xe;
    xmlDocPtr d = mc_xml_parse(v, n, "value", 1, &xe);
    xmlFreeDoc(d);
    return d != NULL;
}

/* InlineExpressionUtil.replaceDynamicValues: each {expr} becomes its value;
 * a value that is neither XML nor JSON is quoted (JSON-escaped), unless the
 * text already quotes it, where it is escaped in place. */
static const char *expand_inline(const mc_enrich_source *s, mc_message *m, size_t *len)
{
    const char *t = s->inline_text;
    if (!s->nparts) {
        *len = strlen(t);
        return t;
    }
    mc_buf b = MC_BUF_INIT;
    size_t at = 0;
    for (uint32_t i = 0; i < s->nparts; i++) {
        const mc_inline_part *p = &s->parts[i];
        mc_buf_append(&b, t + at, p->off - at);
        at = p->off + p->len;
        const char *v;
        size_t n;
        mc_err err;
        mc_err_clear(&err);
        if (mc_expr_string(p->expr, m, &v, &n, &err) != MC_OK)
            v = "", n = 0;
        bool quoted = p->off > 0 && t[p->off - 1] == '"' && t[at] == '"';
        if (!s->inline_json) {
            if (looks_like_xml(v, n))
                mc_buf_append(&b, v, n);
            else
                mc_buf_xml_escape(&b, v, n, false);
        } else if (quoted) {
            mc_buf b2 = MC_BUF_INIT;
            mc_buf_json_string(&b2, v, n);
            mc_buf_append(&b, b2.data + 1, b2.len - 2);
            mc_buf_free(&b2);
        } else if ((n == 0 && p->json_eval) || (n && !mc_json_valid(v, n) && !looks_like_xml(v, n)) ||
                   n == 0) {
            mc_buf_json_string(&b, v, n);
        } else {
            mc_buf_append(&b, v, n);
        }
    }
    mc_buf_puts(&b, t + at);
    *len = b.len;
    const char *r = b.oom ? NULL : mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
    mc_buf_free(&b);
    return r;
}

/* ---- the JSON path -------------------------------------------------------- */

static mc_json parse_json(mc_message *m, const char *text, size_t n)
{
    mc_err err = {0};
    return mc_json_parse(&m->arena, text, n, &err);
}

/* A string as a JSON string value (Gson wraps a text that is not JSON). */
static mc_json json_or_string(mc_message *m, const char *v, size_t n)
{
    mc_json j = n ? parse_json(m, v, n) : NULL;
    if (j)
        return j;
    mc_buf b = MC_BUF_INIT;
    mc_buf_json_string(&b, v, n);
    j = parse_json(m, b.data, b.len);
    mc_buf_free(&b);
    return j;
}

static const char *json_text(mc_message *m, mc_json v, size_t *len)
{
    mc_buf b = MC_BUF_INIT;
    mc_json_write(&b, v);
    *len = b.len;
    const char *r = b.oom ? NULL : mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
    mc_buf_free(&b);
    return r;
}

static mc_flow set_payload_text(mc_message *m, const char *text, size_t n)
{
    if (n == 0) {
        mc_msg_set_payload(m, "", 0, NULL, NULL);
        return MC_FLOW_NEXT;
    }
    if (mc_msg_set_json(m, text, n) != MC_OK)
        return mc_fault(m, "0", "out of memory");
    return MC_FLOW_NEXT;
}

/* Write root with an edit and make it the payload. */
static mc_flow edit_payload(mc_message *m, mc_json root, const mc_json_edit *e)
{
    mc_buf b = MC_BUF_INIT;
    bool wrote = mc_json_write_edited(&b, root, e);
    if (b.oom) {
        mc_buf_free(&b);
        return mc_fault(m, "0", "out of memory");
    }
    mc_flow f = set_payload_text(m, wrote ? b.data : "", wrote ? b.len : 0);
    mc_buf_free(&b);
    return f;
}

static size_t select_all(mc_message *m, const mc_jsonpath *jp, mc_json root, mc_json **out)
{
    size_t n = mc_jsonpath_select(jp, root, NULL, 0);
    *out = n ? mc_arena_alloc(&m->arena, n * sizeof **out) : NULL;
    if (n && *out)
        mc_jsonpath_select(jp, root, *out, n);
    return *out ? n : 0;
}

/* Source.evaluateJson */
static mc_flow json_source(mc_message *m, const mc_enrich_source *s, mc_json *out)
{
    *out = NULL;
    switch (s->type) {
    case MC_EN_CUSTOM: {
        mc_json root = mc_msg_json(m);
        mc_json *hits;
        size_t n = select_all(m, s->jp, root, &hits);
        if (mc_jsonpath_is_definite(s->jp)) {
            if (!n)
                return mc_fault(m, "0", "Failed to get the source for Enriching : No results for path: %s",
                                mc_expr_source(s->path));
            *out = hits[0];
        } else {
            mc_buf b = MC_BUF_INIT;
            mc_buf_putc(&b, '[');
            for (size_t i = 0; i < n; i++) {
                if (i)
                    mc_buf_putc(&b, ',');
                mc_json_write(&b, hits[i]);
            }
            mc_buf_putc(&b, ']');
            *out = parse_json(m, b.data, b.len);
            mc_buf_free(&b);
        }
        if (!s->clone && n) {
            /* Synapse moves the source out of the payload */
            size_t tl;
            const char *text = json_text(m, *out, &tl);
            *out = parse_json(m, text, tl); /* a copy: the payload is about to change */
            mc_json_edit e = {.op = MC_JE_DELETE, .matches = hits, .nmatches = n};
            if (edit_payload(m, root, &e) != MC_FLOW_NEXT)
                return MC_FLOW_FAULT;
        }
        break;
    }
    case MC_EN_BODY:
        *out = mc_msg_json(m);
        break;
    case MC_EN_INLINE: {
        size_t n;
        const char *t = s->inline_text;
        if (t) {
            t = expand_inline(s, m, &n);
        } else if (s->entry && s->entry->text) {
            t = s->entry->text;
            n = strlen(t);
        } else {
            return mc_fault(m, "0", "Failed to get the source for Enriching : inline key has no JSON text");
        }
        *out = t ? json_or_string(m, t, n) : NULL;
        break;
    }
    case MC_EN_PROPERTY: {
        const mc_prop *p = mc_msg_get_prop(m, MC_SCOPE_DEFAULT, s->property);
        if (p)
            *out = json_or_string(m, p->value, p->len);
        break;
    }
    default:
        break;
    }
    if (!*out)
        return mc_fault(m, "0", "Failed to get the source for Enriching : ");
    return MC_FLOW_NEXT;
}

static mc_flow json_remove(mc_message *m, const mc_enrich_source *s, const mc_enrich_target *t)
{
    if (!s->jp)
        return mc_fault(m, "0", "source Xpath is mandatory for the Remove action");
    mc_json doc;
    if (t->type == MC_EN_BODY) {
        doc = mc_msg_json(m);
    } else if (t->type == MC_EN_PROPERTY) {
        const mc_prop *p = mc_msg_get_prop(m, MC_SCOPE_DEFAULT, t->property);
        if (!p)
            return mc_fault(m, "0", "Cannot perform the remove operation. Data type of the property %s "
                            "is not string | JSON", t->property);
        doc = parse_json(m, p->value, p->len);
        if (!doc)
            return mc_fault(m, "0", "Cannot perform the remove operation: property %s is not JSON",
                            t->property);
    } else {
        return mc_fault(m, "0", "Target type %d is invalid for the remove action", t->type);
    }
    mc_buf b = MC_BUF_INIT;
    bool wrote = true;
    for (uint32_t i = 0; i < t->nremove && doc; i++) {
        mc_json *hits;
        size_t n = select_all(m, t->remove[i], doc, &hits);
        if (!n)
            continue; /* "No matching elements were found ... no elements were removed" */
        mc_json_edit e = {.op = MC_JE_DELETE, .matches = hits, .nmatches = n};
        mc_buf_reset(&b);
        wrote = mc_json_write_edited(&b, doc, &e);
        doc = wrote ? parse_json(m, b.data, b.len) : NULL;
    }
    size_t n = 0;
    const char *text = doc ? json_text(m, doc, &n) : "";
    mc_buf_free(&b);
    if (t->type == MC_EN_BODY)
        return set_payload_text(m, text, n);
    mc_msg_set_prop(m, MC_SCOPE_DEFAULT, t->property, text, n, MC_VT_STRING);
    return MC_FLOW_NEXT;
}

/* Target.insertJson (and renameKey) */
static mc_flow json_target(mc_message *m, const mc_enrich_target *t, mc_json v)
{
    switch (t->type) {
    case MC_EN_CUSTOM: {
        if (t->action == MC_EN_SIBLING) {
            mc_msg_log(m, MC_LOG_ERROR, "Action sibling is not supported. Please use child action instead");
            return MC_FLOW_NEXT;
        }
        mc_json root = mc_msg_json(m);
        mc_json *hits;
        size_t n = select_all(m, t->jp, root, &hits);
        mc_json_edit e = {.op = t->action == MC_EN_CHILD ? MC_JE_ADD : MC_JE_SET,
                          .matches = hits, .nmatches = n, .value = v};
        if (e.op == MC_JE_ADD)
            for (size_t i = 0; i < n; i++)
                if (mc_json_type_of(hits[i]) != MC_JSON_ARRAY &&
                    !(mc_json_type_of(hits[i]) == MC_JSON_OBJECT && mc_json_type_of(v) == MC_JSON_OBJECT))
                    mc_msg_log(m, MC_LOG_ERROR, "Cannot append since the target element is not a "
                               "JSON array or JSONObject");
        return edit_payload(m, root, &e);
    }
    case MC_EN_BODY: {
        if (t->action != MC_EN_REPLACE) {
            mc_msg_log(m, MC_LOG_ERROR, "Only replace is supported for target body.");
            return MC_FLOW_NEXT;
        }
        mc_json_type ty = mc_json_type_of(v);
        if (ty != MC_JSON_OBJECT && ty != MC_JSON_ARRAY) {
            mc_msg_log(m, MC_LOG_ERROR, "Only JSON arrays and objects can be enriched to the body");
            return MC_FLOW_NEXT;
        }
        size_t n;
        const char *text = json_text(m, v, &n);
        return set_payload_text(m, text, n);
    }
    case MC_EN_PROPERTY: {
        size_t n;
        const char *text = json_text(m, v, &n);
        if (t->action == MC_EN_REPLACE) {
            mc_msg_set_prop(m, MC_SCOPE_DEFAULT, t->property, text, n, MC_VT_STRING);
        } else if (t->action == MC_EN_CHILD) {
            const mc_prop *p = mc_msg_get_prop(m, MC_SCOPE_DEFAULT, t->property);
            mc_json cur = p ? parse_json(m, p->value, p->len) : NULL;
            if (mc_json_type_of(cur) == MC_JSON_ARRAY) {
                mc_json_edit e = {.op = MC_JE_ADD, .matches = &cur, .nmatches = 1, .value = v};
                mc_buf b = MC_BUF_INIT;
                mc_json_write_edited(&b, cur, &e);
                mc_msg_set_prop(m, MC_SCOPE_DEFAULT, t->property, b.data, b.len, MC_VT_STRING);
                mc_buf_free(&b);
            } else {
                mc_msg_log(m, MC_LOG_ERROR, "Cannot add a child: property %s is not a JSON array",
                           t->property);
            }
        }
        return MC_FLOW_NEXT;
    }
    case MC_EN_KEY: {
        size_t kl;
        const char *k = mc_json_type_of(v) == MC_JSON_STRING ? mc_json_str(v, &kl) : NULL;
        if (!k)
            return mc_fault(m, "0", "Failed to get the new key name from source for Enriching. "
                            "Key name must be a string.");
        mc_json root = mc_msg_json(m);
        mc_json *hits;
        size_t n = select_all(m, t->jp, root, &hits);
        mc_json_edit e = {.op = MC_JE_RENAME, .matches = hits, .nmatches = n, .key = t->key_name,
                          .key_len = strlen(t->key_name), .new_key = k, .new_key_len = kl};
        return edit_payload(m, root, &e);
    }
    case MC_EN_VARIABLE: {
        if (t->action != MC_EN_REPLACE)
            return MC_FLOW_NEXT;
        size_t n;
        const char *text = json_text(m, v, &n);
        mc_json_type ty = mc_json_type_of(v);
        if (ty == MC_JSON_STRING) {
            const char *s = mc_json_str(v, &n);
            mc_msg_set_var(m, t->property, s, n, MC_VT_STRING);
        } else {
            mc_msg_set_var(m, t->property, text, n, MC_VT_JSON);
        }
        return MC_FLOW_NEXT;
    }
    default:
        return mc_fault(m, "0", "Invalid Target type");
    }
}

static mc_flow apply_json(mc_message *m, const mc_enrich_source *s, const mc_enrich_target *t)
{
    if (t->action == MC_EN_REMOVE)
        return json_remove(m, s, t);
    mc_json v;
    if (json_source(m, s, &v) != MC_FLOW_NEXT)
        return MC_FLOW_FAULT;
    return json_target(m, t, v);
}

/* ---- the XML path ---------------------------------------------------------- */

typedef struct nodes {
    xmlNodePtr *v;
    size_t n;
    bool moved;                /* v are the message's own nodes (clone="false") */
    xmlDocPtr owner;           /* a scratch document owning parsed sources */
} nodes;

static void nodes_add(mc_message *m, nodes *ns, xmlNodePtr n)
{
    if (!ns->v)
        ns->v = mc_arena_calloc(&m->arena, MAX_SOURCE_NODES * sizeof *ns->v);
    if (ns->v && ns->n < MAX_SOURCE_NODES)
        ns->v[ns->n++] = n;
}

static xmlDocPtr scratch(nodes *ns)
{
    if (!ns->owner) {
        ns->owner = xmlNewDoc(BAD_CAST "1.0");
        xmlNodePtr root = ns->owner ? xmlNewDocNode(ns->owner, NULL, BAD_CAST "r", NULL) : NULL;
        if (root)
            xmlDocSetRootElement(ns->owner, root);
    }
    return ns->owner;
}

static void add_text(mc_message *m, nodes *ns, const char *v, size_t n)
{
    xmlDocPtr d = scratch(ns);
    xmlNodePtr t = d ? xmlNewDocTextLen(d, BAD_CAST v, (int)n) : NULL;
    if (t) {
        xmlAddChild(xmlDocGetRootElement(d), t);
        nodes_add(m, ns, t);
    }
}

/* Parse XML text (one element or a sequence of them) into sources. */
static bool add_xml(mc_message *m, nodes *ns, const char *v, size_t n)
{
    mc_buf b = MC_BUF_INIT;
    mc_buf_puts(&b, "<r>");
    mc_buf_append(&b, v, n);
    mc_buf_puts(&b, "</r>");
    mc_xml_error xe;
    xmlDocPtr d = mc_xml_parse(b.data, b.len, "value", 1, &xe);
    mc_buf_free(&b);
    if (!d)
        return false;
    if (ns->owner)
        xmlFreeDoc(ns->owner);
    ns->owner = d;
    for (xmlNodePtr c = xmlDocGetRootElement(d)->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE || c->type == XML_TEXT_NODE)
            nodes_add(m, ns, c);
    return true;
}

static mc_flow xml_source(mc_message *m, const mc_enrich_source *s, nodes *ns)
{
    switch (s->type) {
    case MC_EN_CUSTOM:
        if (mc_expr_kind_of(s->path) == MC_EXPR_XPATH) {
            xmlXPathObjectPtr o = NULL;
            mc_err err;
            mc_err_clear(&err);
            if (mc_expr_xpath_object(s->path, m, &o, &err) != MC_OK)
                return mc_fault(m, "0", "Failed to get the source for Enriching: %s", err.msg);
            if (o->type == XPATH_NODESET) {
                for (int i = 0; o->nodesetval && i < o->nodesetval->nodeNr; i++) {
                    xmlNodePtr n = o->nodesetval->nodeTab[i];
                    if (n->type == XML_ELEMENT_NODE || n->type == XML_TEXT_NODE ||
                        n->type == XML_CDATA_SECTION_NODE)
                        nodes_add(m, ns, n);
                }
                ns->moved = !s->clone;
            } else {
                xmlChar *str = xmlXPathCastToString(o);
                add_text(m, ns, (const char *)str, strlen((const char *)str));
                xmlFree(str);
            }
            xmlXPathFreeObject(o);
        } else {
            const char *v;
            size_t n;
            mc_err err;
            mc_err_clear(&err);
            if (mc_expr_string(s->path, m, &v, &n, &err) != MC_OK)
                return mc_fault(m, "0", "Failed to get the source for Enriching: %s", err.msg);
            /* get-property() of an XML property gives its nodes in Synapse */
            if (!(mc_expr_kind_of(s->path) == MC_EXPR_PROPERTY && looks_like_xml(v, n) &&
                  add_xml(m, ns, v, n)))
                add_text(m, ns, v, n);
        }
        break;
    case MC_EN_BODY: {
        xmlNodePtr root = mc_msg_payload_root(m);
        if (root) {
            nodes_add(m, ns, root);
            ns->moved = !s->clone;
        }
        break;
    }
    case MC_EN_ENVELOPE:
        nodes_add(m, ns, xmlDocGetRootElement(mc_msg_envelope(m)));
        break;
    case MC_EN_PROPERTY: {
        const mc_prop *p = mc_msg_get_prop(m, MC_SCOPE_DEFAULT, s->property);
        if (!p)
            break;
        if (p->type == MC_VT_OM && add_xml(m, ns, p->value, p->len))
            break;
        add_text(m, ns, p->value, p->len);
        break;
    }
    case MC_EN_INLINE:
        if (s->inline_xml) {
            nodes_add(m, ns, s->inline_xml);
        } else if (s->inline_text) {
            size_t n;
            const char *t = expand_inline(s, m, &n);
            if (!t || !looks_like_xml(t, n) || !add_xml(m, ns, t, n))
                add_text(m, ns, t ? t : "", t ? n : 0);
        } else if (s->entry && s->entry->xml) {
            nodes_add(m, ns, s->entry->xml);
        } else if (s->entry && s->entry->text) {
            add_text(m, ns, s->entry->text, strlen(s->entry->text));
        }
        break;
    default:
        break;
    }
    if (!ns->n && s->type != MC_EN_CUSTOM)
        return mc_fault(m, "0", "Failed to get the source for Enriching : ");
    return MC_FLOW_NEXT;
}

/* A source node ready to go in next to ctx: the node itself when moved,
 * else a copy (without xmlns="" where no default namespace is in scope,
 * as Axiom writes it). */
static xmlNodePtr take(const nodes *ns, size_t i, xmlNodePtr ctx)
{
    xmlNodePtr n = ns->v[i];
    if (ns->moved && n->doc == ctx->doc) {
        xmlUnlinkNode(n);
        return n;
    }
    xmlNodePtr c = xmlDocCopyNode(n, ctx->doc, 1);
    xmlNsPtr def = xmlSearchNs(ctx->doc, ctx, NULL);
    if (c && (!def || !def->href || !*def->href))
        mc_xml_drop_empty_default_ns(c);
    return c;
}

static bool is_text(xmlNodePtr n)
{
    return n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE;
}

static void set_text(xmlNodePtr e, xmlNodePtr src)
{
    xmlChar *c = xmlNodeGetContent(src);
    xmlNodeSetContent(e, NULL);
    xmlNodeAddContent(e, c ? c : BAD_CAST "");
    xmlFree(c);
}

/* Target.insertElement */
static void insert_element(const nodes *ns, xmlNodePtr e, int action)
{
    if (action == MC_EN_REPLACE) {
        bool inserted = false;
        for (size_t i = 0; i < ns->n; i++) {
            if (ns->v[i] == e)
                continue; /* the target itself: stays */
            if (is_text(ns->v[i])) {
                set_text(e, ns->v[i]);
            } else {
                xmlNodePtr c = take(ns, i, e);
                if (c && xmlAddPrevSibling(e, c))
                    inserted = true;
            }
        }
        if (inserted) {
            xmlUnlinkNode(e);
            xmlFreeNode(e);
        }
    } else if (action == MC_EN_CHILD) {
        for (size_t i = 0; i < ns->n; i++)
            if (!is_text(ns->v[i])) {
                xmlNodePtr c = take(ns, i, e);
                if (c)
                    xmlAddChild(e, c);
            }
    } else if (action == MC_EN_SIBLING) {
        for (size_t i = 0; i < ns->n; i++) /* each right after e, as insertSiblingAfter */
            if (!is_text(ns->v[i])) {
                xmlNodePtr c = take(ns, i, e);
                if (c)
                    xmlAddNextSibling(e, c);
            }
    }
}

/* The sources as property text: one text node as it is, else XML (OM). */
static void set_prop_nodes(mc_message *m, mc_scope scope, const char *name, const nodes *ns)
{
    if (ns->n == 1 && is_text(ns->v[0])) {
        xmlChar *c = xmlNodeGetContent(ns->v[0]);
        mc_msg_set_prop(m, scope, name, (const char *)c, strlen((const char *)c), MC_VT_STRING);
        xmlFree(c);
        return;
    }
    xmlBufferPtr b = xmlBufferCreate();
    for (size_t i = 0; b && i < ns->n; i++)
        xmlNodeDump(b, ns->v[i]->doc, ns->v[i], 0, 0);
    if (b)
        mc_msg_set_prop(m, scope, name, (const char *)xmlBufferContent(b),
                        (size_t)xmlBufferLength(b), MC_VT_OM);
    xmlBufferFree(b);
}

/* Target.handleProperty / the property target: child into an OM
 * property, else the property becomes the sources. */
static void property_target(mc_message *m, mc_scope scope, const char *name, int action,
                            const nodes *ns)
{
    const mc_prop *p = mc_msg_get_prop(m, scope, name);
    if (action == MC_EN_CHILD && p && p->type == MC_VT_OM) {
        mc_xml_error xe;
        xmlDocPtr d = mc_xml_parse(p->value, p->len, "property", 1, &xe);
        xmlNodePtr root = d ? xmlDocGetRootElement(d) : NULL;
        if (root) {
            insert_element(ns, root, MC_EN_CHILD);
            xmlBufferPtr b = xmlBufferCreate();
            xmlNodeDump(b, d, root, 0, 0);
            mc_msg_set_prop(m, scope, name, (const char *)xmlBufferContent(b),
                            (size_t)xmlBufferLength(b), MC_VT_OM);
            xmlBufferFree(b);
            xmlFreeDoc(d);
            return;
        }
        xmlFreeDoc(d);
    }
    set_prop_nodes(m, scope, name, ns);
}

static mc_flow xml_target(mc_message *m, const mc_enrich_target *t, nodes *ns, bool *changed)
{
    switch (t->type) {
    case MC_EN_CUSTOM: {
        if (!ns->n)
            return MC_FLOW_NEXT;
        if (t->property) {
            property_target(m, (mc_scope)t->prop_scope, t->property, t->action, ns);
            return MC_FLOW_NEXT;
        }
        if (mc_expr_kind_of(t->path) != MC_EXPR_XPATH)
            return mc_fault(m, "0", "Invalid Target object to be enrich.");
        xmlXPathObjectPtr o = NULL;
        mc_err err;
        mc_err_clear(&err);
        if (mc_expr_xpath_object(t->path, m, &o, &err) != MC_OK)
            return mc_fault(m, "0", "enrich target: %s", err.msg);
        xmlNodePtr target = o->type == XPATH_NODESET && o->nodesetval && o->nodesetval->nodeNr
                                ? o->nodesetval->nodeTab[0] : NULL;
        xmlXPathFreeObject(o);
        if (!target)
            return mc_fault(m, "0", "Invalid Target object to be enrich.");
        *changed = true;
        if (target->type == XML_ELEMENT_NODE) {
            insert_element(ns, target, t->action);
        } else if (is_text(target)) {
            xmlNodePtr parent = target->parent;
            if (is_text(ns->v[0])) {
                if (parent)
                    set_text(parent, ns->v[0]);
            } else if (parent) {
                xmlUnlinkNode(target);
                xmlFreeNode(target);
                xmlNodePtr c = take(ns, 0, parent);
                if (c)
                    xmlAddChild(parent, c);
            }
        } else if (target->type == XML_ATTRIBUTE_NODE) {
            xmlChar *c = xmlNodeGetContent(ns->v[0]);
            xmlNodeSetContent(target, c ? c : BAD_CAST "");
            xmlFree(c);
        } else {
            return mc_fault(m, "0", "Invalid Target object to be enrich.");
        }
        return MC_FLOW_NEXT;
    }
    case MC_EN_BODY: {
        xmlNodePtr first = mc_msg_payload_root(m);
        if (first && t->action == MC_EN_REPLACE && ns->n && is_text(ns->v[0])) {
            /* a JSON object or array of text becomes a JSON payload */
            xmlChar *c = xmlNodeGetContent(ns->v[0]);
            size_t n = strlen((const char *)c);
            mc_json j = n ? parse_json(m, (const char *)c, n) : NULL;
            mc_json_type ty = mc_json_type_of(j);
            if (j && (ty == MC_JSON_OBJECT || ty == MC_JSON_ARRAY)) {
                mc_flow f = set_payload_text(m, (const char *)c, n);
                xmlFree(c);
                return f;
            }
            xmlFree(c);
        }
        *changed = true;
        if (first) {
            insert_element(ns, first, t->action);
        } else {
            /* an empty body takes the elements as children; text (a JSON
             * inline or a string property into a message with no body
             * yet) is left out with Target.insert's error */
            xmlNodePtr body = mc_msg_body(m);
            for (size_t i = 0; body && i < ns->n; i++)
                if (!is_text(ns->v[i])) {
                    xmlNodePtr c = take(ns, i, body);
                    if (c)
                        xmlAddChild(body, c);
                } else {
                    mc_msg_log(m, MC_LOG_ERROR,
                               "Invalid Object type to be inserted into message body");
                }
        }
        return MC_FLOW_NEXT;
    }
    case MC_EN_ENVELOPE: {
        xmlNodePtr e = ns->n ? ns->v[0] : NULL;
        if (!e || e->type != XML_ELEMENT_NODE || strcmp((const char *)e->name, "Envelope") != 0 ||
            !e->ns || (strcmp((const char *)e->ns->href, MC_SOAP11_NS) != 0 &&
                       strcmp((const char *)e->ns->href, MC_SOAP12_NS) != 0))
            return mc_fault(m, "0", "A SOAPEnvelope is expected");
        xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
        xmlNodePtr c = d ? xmlDocCopyNode(e, d, 1) : NULL;
        if (!c) {
            xmlFreeDoc(d);
            return mc_fault(m, "0", "out of memory");
        }
        xmlDocSetRootElement(d, c);
        if (mc_msg_take_envelope(m, d) != MC_OK)
            return mc_fault(m, "0", "A SOAPEnvelope is expected");
        return MC_FLOW_NEXT;
    }
    case MC_EN_PROPERTY:
        property_target(m, MC_SCOPE_DEFAULT, t->property, t->action, ns);
        return MC_FLOW_NEXT;
    case MC_EN_VARIABLE: {
        if (t->action != MC_EN_REPLACE)
            return MC_FLOW_NEXT;
        for (size_t i = 0; i < ns->n; i++)
            if (!is_text(ns->v[i])) {
                xmlBufferPtr b = xmlBufferCreate();
                xmlNodeDump(b, ns->v[i]->doc, ns->v[i], 0, 0);
                mc_msg_set_var(m, t->property, (const char *)xmlBufferContent(b),
                               (size_t)xmlBufferLength(b), MC_VT_OM);
                xmlBufferFree(b);
                return MC_FLOW_NEXT;
            }
        if (ns->n) {
            xmlChar *c = xmlNodeGetContent(ns->v[0]);
            mc_msg_set_var(m, t->property, (const char *)c, strlen((const char *)c), MC_VT_STRING);
            xmlFree(c);
        }
        return MC_FLOW_NEXT;
    }
    default:
        return mc_fault(m, "0", "Invalid Target type");
    }
}

static mc_flow apply_xml(mc_message *m, const mc_enrich_source *s, const mc_enrich_target *t)
{
    if (t->action == MC_EN_REMOVE)
        return mc_fault(m, "0", "the remove action needs a JSON payload and a json-eval source");
    xmlDocPtr env = mc_msg_envelope(m);
    if (!env)
        return mc_fault(m, "0", "out of memory");
    nodes ns = {0};
    mc_flow f = xml_source(m, s, &ns);
    bool changed = false;
    if (f == MC_FLOW_NEXT)
        f = xml_target(m, t, &ns, &changed);
    xmlFreeDoc(ns.owner);
    /* a JSON or text payload edited through its XML view becomes XML (it
     * still answers in its messageType) */
    if (f == MC_FLOW_NEXT && changed && mc_msg_envelope(m) == env &&
        mc_msg_take_envelope(m, env) != MC_OK)
        return mc_fault(m, "0", "out of memory");
    return f;
}

mc_flow mc_enrich_apply(mc_message *m, const mc_enrich_source *s, const mc_enrich_target *t,
                        bool native)
{
    bool json = native && m->payload.kind == MC_PL_JSON;
    if (json && s->type == MC_EN_PROPERTY) {
        const mc_prop *p = mc_msg_get_prop(m, MC_SCOPE_DEFAULT, s->property);
        json = !(p && p->type == MC_VT_OM);
    }
    if (json && s->type == MC_EN_INLINE && s->entry && s->entry->xml)
        json = false;
    return json ? apply_json(m, s, t) : apply_xml(m, s, t);
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const enrich_m *en = (const enrich_m *)self;
    return mc_enrich_apply(m, &en->source, &en->target, en->native);
}

const mc_mediator_type mc_med_enrich = {"enrich", compile, exec, NULL, false};
