/* template.c - text with {expression} parts, compiled once.
 *
 * "{$ctx:functionName}" is one expression; "arn:aws:{$ctx:r}" mixes a
 * literal and an expression; a Synapse Expression may stand bare
 * ("${payload.name}") or in braces ("{${payload.name}}").  Braces inside
 * quotes or brackets of the expression ("{json-eval($.a[?(@.b == '}')])}",
 * "${'}' + payload.a}") do not end it.  A text that is itself a JSON object
 * or array is taken literally, so a literal
 * <environmentVariables>{"Variables":{"A":"1"}}</environmentVariables> works.
 * In inline mode (MI 4.4 log messages and inline templates) only ${...}
 * parts are expressions and every other brace is text. */
#include <stdlib.h>
#include <string.h>

#include "expr/expr.h"
#include "json/json.h"

typedef struct part {
    const char *lit;     /* literal text, or NULL when expr is set */
    size_t len;
    mc_expr *expr;
} part;

struct mc_template {
    char *src;
    part *parts;
    size_t nparts;
};

void mc_template_free(mc_template *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nparts; i++)
        mc_expr_free(t->parts[i].expr);
    free(t->parts);
    free(t->src);
    free(t);
}

bool mc_template_is_literal(const mc_template *t)
{
    return t->nparts == 0 || (t->nparts == 1 && !t->parts[0].expr);
}

const char *mc_template_source(const mc_template *t) { return t->src; }

/* Index of the '}' closing the '{' at open, or 0 when unbalanced.  In a
 * Synapse Expression a backslash escapes the next character of a string. */
static size_t closing_brace(const char *s, size_t open, bool synapse)
{
    int depth = 0, brackets = 0;
    char quote = 0;
    for (size_t i = open; s[i]; i++) {
        char c = s[i];
        if (quote) {
            if (synapse && c == '\\' && s[i + 1])
                i++;
            else if (c == quote)
                quote = 0;
            continue;
        }
        switch (c) {
        case '\'': case '"': quote = c; break;
        case '[': case '(': brackets++; break;
        case ']': case ')': if (brackets) brackets--; break;
        case '{': if (!brackets) depth++; break;
        case '}':
            if (!brackets && --depth == 0)
                return i;
            break;
        default: break;
        }
    }
    return 0;
}

static bool add_part(mc_template *t, const char *lit, size_t len, mc_expr *e)
{
    part *p = realloc(t->parts, (t->nparts + 1) * sizeof *p);
    if (!p)
        return false;
    t->parts = p;
    p[t->nparts++] = (part){lit, len, e};
    return true;
}

static bool is_json_literal(const char *s)
{
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
        s++;
    if (*s != '{' && *s != '[')
        return false;
    return mc_json_valid(s, strlen(s));
}

mc_template *mc_template_compile(const char *text, const mc_nsbind *ns,
                                 size_t nns, mc_err *err)
{
    mc_expr_opts o = {ns, nns, NULL};
    return mc_template_compile_opts(text, &o, false, err);
}

mc_template *mc_template_compile_opts(const char *text, const mc_expr_opts *o,
                                      bool inline_only, mc_err *err)
{
    mc_err dummy = {0};
    if (!err)
        err = &dummy;
    mc_template *t = calloc(1, sizeof *t);
    if (!t || !(t->src = strdup(text ? text : ""))) {
        free(t);
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    const char *s = t->src;
    size_t n = strlen(s);
    if (!inline_only && is_json_literal(s)) {
        if (!add_part(t, s, n, NULL))
            goto oom;
        return t;
    }
    size_t lit = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '{')
            continue;
        /* "${...}" written without outer braces is one Synapse expression */
        bool synapse = i > 0 && s[i - 1] == '$';
        if (inline_only && !synapse)
            continue;
        size_t start = synapse ? i - 1 : i;
        size_t close = closing_brace(s, i, synapse);
        if (!close) {
            if (synapse)
                mc_err_set(err, MC_EPARSE, "unclosed '${': a Synapse Expression ends with '}'");
            else
                mc_err_set(err, MC_EPARSE, "unclosed '{' at offset %zu in '%s'", i, s);
            err->at = start + 1;
            mc_template_free(t);
            return NULL;
        }
        if (start > lit && !add_part(t, s + lit, start - lit, NULL))
            goto oom;
        size_t inner_at = synapse ? start : i + 1;
        char *inner = synapse ? strndup(s + start, close - start + 1)
                              : strndup(s + i + 1, close - i - 1);
        if (!inner)
            goto oom;
        mc_expr *e = mc_expr_compile_opts(inner, o, err);
        free(inner);
        if (!e) {
            if (err->at)
                err->at += inner_at;
            else
                err->at = inner_at + 1;
            mc_template_free(t);
            return NULL;
        }
        if (!add_part(t, NULL, 0, e)) {
            mc_expr_free(e);
            goto oom;
        }
        i = close;
        lit = close + 1;
    }
    if (lit < n && !add_part(t, s + lit, n - lit, NULL))
        goto oom;
    return t;
oom:
    mc_template_free(t);
    mc_err_set(err, MC_ENOMEM, "out of memory");
    return NULL;
}

size_t mc_template_parts(const mc_template *t) { return t->nparts; }

const mc_expr *mc_template_part(const mc_template *t, size_t i, const char **lit,
                                size_t *len)
{
    *lit = t->parts[i].lit;
    *len = t->parts[i].len;
    return t->parts[i].expr;
}

mc_code mc_template_eval(const mc_template *t, mc_message *m, const char **out,
                         size_t *len, mc_err *err)
{
    if (t->nparts == 0) {
        *out = "";
        *len = 0;
        return MC_OK;
    }
    if (t->nparts == 1) {
        if (!t->parts[0].expr) {
            *out = t->parts[0].lit; /* NUL-terminated: it ends the source */
            *len = t->parts[0].len;
            return MC_OK;
        }
        return mc_expr_string(t->parts[0].expr, m, out, len, err);
    }
    mc_buf b = MC_BUF_INIT;
    for (size_t i = 0; i < t->nparts; i++) {
        if (!t->parts[i].expr) {
            mc_buf_append(&b, t->parts[i].lit, t->parts[i].len);
            continue;
        }
        const char *v;
        size_t vl;
        mc_code rc = mc_expr_string(t->parts[i].expr, m, &v, &vl, err);
        if (rc != MC_OK) {
            mc_buf_free(&b);
            return rc;
        }
        mc_buf_append(&b, v, vl);
    }
    if (b.oom) {
        mc_buf_free(&b);
        return MC_ENOMEM;
    }
    *out = mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
    *len = b.len;
    mc_buf_free(&b);
    return *out ? MC_OK : MC_ENOMEM;
}
