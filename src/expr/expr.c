/* expr.c - compile and evaluate Synapse expressions (see expr.h).
 *
 * Compilation picks the cheapest form: a property lookup for $ctx:x and
 * get-property('x'), a compiled JSONPath for json-eval(), and a libxml2
 * compiled XPath for everything else.  XPath is checked at load for syntax
 * and for unknown functions, so a typo never waits for the first message. */
#include "expr/expr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "expr/sx.h"
#include "expr/synexpr.h"
#include "expr/regex.h"
#include "expr/xpath_env.h"
#include "json/json.h"
#include "msg/xmlsafe.h"
#include "util/suggest.h"

struct mc_expr {
    mc_expr_kind kind;
    char *src;
    /* property */
    int scope;                 /* mc_scope, or MC_XSCOPE_* (xpath_env.h) */
    char *name;
    /* jsonpath; as Synapse's json-eval also: a property root
     * ($ctx:p.a: the property's JSON), a trailing Jayway function
     * ($.a.length()) and inline {expr} pieces resolved per message */
    mc_jsonpath *path;
    char *jprop;               /* the property ($ctx:, $trp:, $axis2:) or NULL */
    int jscope;
    bool jwhole;               /* the path is "$": the property's text as it is */
    bool jroot;                /* the whole expression is json-eval($) */
    uint8_t jfn;               /* sx_pathfn */
    char *jtext;               /* the path text (with {expr} pieces) */
    struct jpiece {
        size_t at, len;        /* the "{...}" in jtext */
        char quote;            /* the quote around it, or 0 */
        mc_expr *e;
    } *jpieces;
    size_t njpieces;
    /* Synapse expression */
    mc_synexpr *syn;
    /* xpath */
    xmlXPathCompExprPtr comp;
    xmlNsPtr *ns;              /* expression's own namespace bindings */
    int nns;
    bool xpath2;               /* calls an XPath 2.0 function: MI evaluates it
                                  with Saxon, whose string result is the
                                  first item's string value */
};

/* json-eval with a property root, a path function or inline pieces: a kind
 * of its own inside, so the plain path pays nothing for them. */
#define KIND_JSON_EVAL_MORE ((mc_expr_kind)(MC_EXPR_SYNAPSE + 1))

static bool jsonpath_is_root(const char *src);

mc_expr_kind mc_expr_kind_of(const mc_expr *e)
{
    return e->kind == KIND_JSON_EVAL_MORE ? MC_EXPR_JSONPATH : e->kind;
}
const char *mc_expr_source(const mc_expr *e) { return e->src; }

void mc_expr_free(mc_expr *e)
{
    if (!e)
        return;
    free(e->src);
    free(e->name);
    if (e->path)
        mc_jsonpath_free(e->path);
    free(e->jprop);
    free(e->jtext);
    for (size_t i = 0; i < e->njpieces; i++)
        mc_expr_free(e->jpieces[i].e);
    free(e->jpieces);
    mc_synexpr_free(e->syn);
    if (e->comp)
        xmlXPathFreeCompExpr(e->comp);
    for (int i = 0; i < e->nns; i++)
        xmlFreeNs(e->ns[i]);
    free(e->ns);
    free(e);
}

const struct mc_jsonpath *mc_expr_jsonpath(const mc_expr *e)
{
    return e && e->kind == MC_EXPR_JSONPATH ? e->path : NULL;
}

/* ---- lexical helpers --------------------------------------------------- */

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static int is_name_start(int c) { return isalpha(c) || c == '_' || c >= 0x80; }
static int is_name_char(int c)
{
    return isalnum(c) || c == '_' || c == '-' || c == '.' || c >= 0x80;
}

/* Parse a quoted XPath string literal at p; returns pointer after it. */
static const char *quoted(const char *p, const char **start, size_t *len)
{
    char q = *p;
    if (q != '\'' && q != '"')
        return NULL;
    const char *end = strchr(p + 1, q);
    if (!end)
        return NULL;
    *start = p + 1;
    *len = (size_t)(end - p - 1);
    return end + 1;
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* $ctx:name and friends, as the whole expression. */
static bool parse_var_fast(const char *src, int *scope, char **name)
{
    const char *p = skip_ws(src);
    if (*p != '$')
        return false;
    p++;
    const char *colon = strchr(p, ':');
    if (!colon)
        return false;
    int sc = mc_xpath_prefix_scope(p, (size_t)(colon - p));
    if (sc < 0)
        return false;
    const char *n = colon + 1, *e = n;
    if (!is_name_start((unsigned char)*e))
        return false;
    while (is_name_char((unsigned char)*e))
        e++;
    if (*skip_ws(e) != '\0')
        return false;
    *scope = sc;
    *name = dupn(n, (size_t)(e - n));
    return *name != NULL;
}

/* get-property('name') or get-property('scope', 'name') as the whole
 * expression, with a plain property name (specials go through XPath). */
static bool parse_getprop_fast(const char *src, int *scope, char **name)
{
    const char *p = skip_ws(src);
    if (strncmp(p, "get-property", 12) != 0)
        return false;
    p = skip_ws(p + 12);
    if (*p++ != '(')
        return false;
    const char *a, *b = NULL;
    size_t al, bl = 0;
    p = quoted(skip_ws(p), &a, &al);
    if (!p)
        return false;
    p = skip_ws(p);
    if (*p == ',') {
        p = quoted(skip_ws(p + 1), &b, &bl);
        if (!p)
            return false;
        p = skip_ws(p);
    }
    if (*p++ != ')' || *skip_ws(p) != '\0')
        return false;
    int sc = MC_SCOPE_DEFAULT;
    const char *n = a;
    size_t nl = al;
    if (b) {
        char sname[32];
        if (al >= sizeof sname)
            return false;
        memcpy(sname, a, al);
        sname[al] = '\0';
        sc = mc_xpath_scope_from_name(sname);
        if (sc < 0)
            return false;
        n = b;
        nl = bl;
    }
    char *nm = dupn(n, nl);
    if (!nm)
        return false;
    if (sc == MC_SCOPE_DEFAULT && mc_xpath_is_special_property(nm)) {
        free(nm);
        return false;
    }
    *scope = sc;
    *name = nm;
    return true;
}

/* json-eval(...) as the whole expression: returns the inner path. */
static char *parse_json_eval(const char *src)
{
    const char *p = skip_ws(src);
    if (strncmp(p, "json-eval(", 10) != 0)
        return NULL;
    p += 10;
    size_t n = strlen(p);
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    if (!n || p[n - 1] != ')')
        return NULL;
    n--;
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    while (n && isspace((unsigned char)*p)) {
        p++;
        n--;
    }
    return dupn(p, n);
}

size_t mc_inline_expr_len(const char *p)
{
    if (*p != '{')
        return 0;
    size_t i = 1;
    while (p[i] && !strchr(" \t\n\r\f\v\",<>}]", p[i]))
        i++;
    return p[i] == '}' && i > 1 ? i + 1 : 0;
}

/* json-eval(PATH): PATH may start at a property ($ctx:name, $trp:name,
 * $axis2:name: the path runs on the property's JSON text), end in a
 * Jayway function (.length(), .min(), ...), and hold inline {expr}
 * pieces (an XPath or json-eval each) whose values are written into the
 * path per message. Without those it is one path compiled here. */
static bool compile_json_eval(mc_expr *e, const char *jp, const mc_expr_opts *o,
                              mc_err *err)
{
    static const char *const roots[] = {"$ctx:", "$trp:", "$axis2:"};
    char *text = NULL;
    for (size_t i = 0; i < 3 && !e->jprop; i++) {
        size_t rl = strlen(roots[i]);
        if (strncmp(jp, roots[i], rl) != 0)
            continue;
        const char *n = jp + rl, *end = n;
        while (isalnum((unsigned char)*end) || *end == '_' || *end == '-')
            end++;
        if (end == n)
            break;
        e->jscope = mc_xpath_prefix_scope(roots[i] + 1, rl - 2);
        e->jprop = dupn(n, (size_t)(end - n));
        size_t rest = strlen(end);
        if (!e->jprop || !(text = malloc(rest + 2)))
            return mc_err_set(err, MC_ENOMEM, "out of memory"), false;
        text[0] = '$';
        memcpy(text + 1, end, rest + 1);
    }
    if (!text && !(text = strdup(jp)))
        return mc_err_set(err, MC_ENOMEM, "out of memory"), false;
    e->jtext = text;
    /* "$." is "$" (SynapseJsonPath drops a trailing dot) */
    size_t tl = strlen(text);
    if (tl > 1 && text[tl - 1] == '.' && text[tl - 2] != '.')
        text[--tl] = '\0';
    /* Jayway's path functions end the path: $.a.length() */
    if (tl > 3 && strcmp(text + tl - 2, "()") == 0) {
        size_t s = tl - 2;
        while (s && isalpha((unsigned char)text[s - 1]))
            s--;
        int fn = s && text[s - 1] == '.' ? sx_pathfn_named(text + s, tl - 2 - s) : PF_NONE;
        if (fn != PF_NONE) {
            e->jfn = (uint8_t)fn;
            text[s - 1] = '\0';
        }
    }
    e->jwhole = e->jprop && strcmp(text, "$") == 0 && e->jfn == PF_NONE;
    /* inline pieces; at load the path is checked with each replaced by a
     * stand-in value of its kind */
    mc_buf probe = MC_BUF_INIT;
    for (size_t i = 0; text[i];) {
        size_t n = mc_inline_expr_len(text + i);
        if (!n) {
            mc_buf_putc(&probe, text[i++]);
            continue;
        }
        struct jpiece *grown = realloc(e->jpieces, (e->njpieces + 1) * sizeof *grown);
        if (!grown) {
            mc_buf_free(&probe);
            return mc_err_set(err, MC_ENOMEM, "out of memory"), false;
        }
        e->jpieces = grown;
        struct jpiece *pc = &grown[e->njpieces];
        memset(pc, 0, sizeof *pc);
        pc->at = i;
        pc->len = n;
        if (i && (text[i - 1] == '\'' || text[i - 1] == '"') && text[i + n] == text[i - 1])
            pc->quote = text[i - 1];
        char *inner = dupn(text + i + 1, n - 2);
        mc_err ierr;
        mc_err_clear(&ierr);
        pc->e = inner ? mc_expr_compile_opts(inner, o, &ierr) : NULL;
        free(inner);
        if (!pc->e) {
            mc_err_set(err, MC_EPARSE, "inline expression %.*s in JSONPath '%s': %s",
                       (int)n, text + i, jp, inner ? ierr.msg : "out of memory");
            mc_buf_free(&probe);
            return false;
        }
        e->njpieces++;
        mc_buf_puts(&probe, pc->quote ? "x" : "0");
        i += n;
    }
    mc_err jerr;
    mc_err_clear(&jerr);
    e->path = probe.oom ? NULL : mc_jsonpath_compile(mc_buf_cstr(&probe), &jerr);
    mc_buf_free(&probe);
    if (!e->path) {
        mc_err_set(err, MC_EPARSE, "%s", jerr.msg[0] ? jerr.msg : "out of memory");
        return false;
    }
    if (e->njpieces) {
        mc_jsonpath_free(e->path);
        e->path = NULL;
    }
    if (e->jprop || e->jfn != PF_NONE || e->njpieces)
        e->kind = KIND_JSON_EVAL_MORE;
    return true;
}

/* ---- XPath load-time checks ------------------------------------------- */

static bool is_operator_name(const char *s, size_t n)
{
    return (n == 3 && (memcmp(s, "and", 3) == 0 || memcmp(s, "div", 3) == 0 ||
                       memcmp(s, "mod", 3) == 0)) ||
           (n == 2 && memcmp(s, "or", 2) == 0);
}

/* The arguments of the call whose '(' is at open: their count, and each
 * one's text when it is a lone string literal (else NULL), up to 4. */
typedef struct call_args {
    int n;
    char *literal[4];
} call_args;

static void call_args_free(call_args *a)
{
    for (int i = 0; i < 4; i++)
        free(a->literal[i]);
}

static void scan_call_args(const char *open, call_args *a)
{
    memset(a, 0, sizeof *a);
    int depth = 0;
    const char *arg = open + 1;
    bool any = false;
    for (const char *p = open + 1; *p; p++) {
        if (*p == '\'' || *p == '"') {
            const char *e = strchr(p + 1, *p);
            if (!e)
                return;
            p = e;
            any = true;
        } else if (*p == '(' || *p == '[') {
            depth++;
        } else if ((*p == ')' || *p == ']') && depth) {
            depth--;
        } else if ((*p == ',' && !depth) || *p == ')') {
            if (any || *p == ',') {
                const char *s = skip_ws(arg), *e = p;
                while (e > s && isspace((unsigned char)e[-1]))
                    e--;
                if (a->n < 4 && e - s >= 2 && (*s == '\'' || *s == '"') && e[-1] == *s &&
                    !memchr(s + 1, *s, (size_t)(e - s - 2)))
                    a->literal[a->n] = dupn(s + 1, (size_t)(e - s - 2));
                a->n++;
            }
            if (*p == ')')
                return;
            arg = p + 1;
        } else if (!isspace((unsigned char)*p)) {
            any = true;
        }
    }
}

/* Load-time checks of an XPath 2.0 call: its arity, and literal regex,
 * flags and replacement arguments (Saxon refuses bad ones when it compiles
 * the expression). */
static bool check_xpath2_call(const mc_fn *fn, const char *name, size_t len,
                              const char *open, const char *src, mc_err *err)
{
    call_args a;
    scan_call_args(open, &a);
    bool ok = true;
    if (a.n < fn->min || a.n > fn->max) {
        if (fn->min == fn->max)
            mc_err_set(err, MC_EPARSE, "%.*s() takes %u argument%s, not %d, in '%s'", (int)len,
                       name, fn->min, fn->min == 1 ? "" : "s", a.n, src);
        else
            mc_err_set(err, MC_EPARSE, "%.*s() takes %u to %u arguments, not %d, in '%s'",
                       (int)len, name, fn->min, fn->max, a.n, src);
        ok = false;
    }
    bool regex = strcmp(fn->name, "matches") == 0 || strcmp(fn->name, "replace") == 0 ||
                 strcmp(fn->name, "tokenize") == 0;
    int flags_at = strcmp(fn->name, "replace") == 0 ? 3 : 2;
    if (ok && regex && a.literal[1] && (a.n <= flags_at || a.literal[flags_at])) {
        mc_err rerr;
        mc_err_clear(&rerr);
        mc_regex *re = mc_regex_compile_xpath(a.literal[1], a.n > flags_at ? a.literal[flags_at] : "",
                                              &rerr);
        if (!re) {
            mc_err_set(err, MC_EPARSE, "%.*s(): %s, in '%s'", (int)len, name, rerr.msg, src);
            ok = false;
        } else if (strcmp(fn->name, "matches") != 0 && mc_regex_matches_empty(re)) {
            mc_err_set(err, MC_EPARSE, "%.*s(): the regex '%s' matches the empty string, in '%s'",
                       (int)len, name, a.literal[1], src);
            ok = false;
        }
        mc_regex_free(re);
    }
    if (ok && strcmp(fn->name, "replace") == 0 && a.literal[2] &&
        !mc_regex_xpath_replacement_ok(a.literal[2])) {
        mc_err_set(err, MC_EPARSE,
                   "%.*s(): bad replacement '%s' ($ must be followed by a group number; "
                   "only \\$ and \\\\ escape), in '%s'", (int)len, name, a.literal[2], src);
        ok = false;
    }
    call_args_free(&a);
    return ok;
}

/* Every name(...) in the expression must be a known function or node
 * test.  Returns false and fills err on the first unknown one.  *xpath2 is
 * set when it calls an XPath 2.0 function (MI evaluates it with Saxon). */
static bool check_functions(const char *src, const mc_nsbind *ns, size_t nns,
                            bool *xpath2, mc_err *err)
{
    const char *p = src;
    char prev = 0; /* last significant char before the name */
    while (*p) {
        unsigned char c = (unsigned char)*p;
        if (c == '\'' || c == '"') {
            const char *e = strchr(p + 1, c);
            if (!e)
                return true; /* libxml2 reports the syntax error */
            p = e + 1;
            prev = 'x';
            continue;
        }
        if (is_name_start(c)) {
            const char *s = p;
            while (is_name_char((unsigned char)*p) ||
                   (*p == ':' && p[1] != ':' && is_name_start((unsigned char)p[1]) &&
                    p[-1] != ':'))
                p++;
            size_t n = (size_t)(p - s);
            const char *after = skip_ws(p);
            bool is_var = prev == '$';
            bool is_axis = after[0] == ':' && after[1] == ':';
            if (*after == '(' && !is_var && !is_axis && !is_operator_name(s, n)) {
                const char *colon = memchr(s, ':', n);
                char pre[64] = "", local[128];
                size_t ln = colon ? n - (size_t)(colon - s) - 1 : n;
                if (colon && (size_t)(colon - s) < sizeof pre) {
                    memcpy(pre, s, (size_t)(colon - s));
                    pre[colon - s] = '\0';
                }
                if (ln >= sizeof local)
                    ln = sizeof local - 1;
                memcpy(local, colon ? colon + 1 : s, ln);
                local[ln] = '\0';
                if (!mc_xpath_known_function(pre, local, ns, nns)) {
                    /* a suggestion from the one function table */
                    const char *cands[160];
                    const char *near = NULL;
                    if (!pre[0] || strcmp(pre, "fn") == 0)
                        near = mc_closest(local, cands,
                                          mc_fn_names(pre[0] ? FN_XPATH_FN : FN_XPATH, cands, 160));
                    mc_err_set(err, MC_EPARSE,
                               "unknown XPath function '%.*s' in '%s'%s%s%s%s", (int)n, s, src,
                               near ? "; did you mean '" : "", near && pre[0] ? "fn:" : "",
                               near ? near : "", near ? "'?" : "");
                    return false;
                }
                const mc_fn *fn = mc_fn_lookup(local, strlen(local), FN_XPATH2);
                if (fn && (!pre[0] || strcmp(pre, "fn") == 0 ||
                           mc_xpath_known_function(pre, local, ns, nns))) {
                    *xpath2 = true;
                    if (!check_xpath2_call(fn, s, n, after, src, err))
                        return false;
                }
            }
            prev = 'x';
            continue;
        }
        if (!isspace(c))
            prev = (char)c;
        p++;
    }
    return true;
}

typedef struct capture {
    char msg[200];
    int offset;
} capture;

static void capture_error(void *ud, xmlErrorPtr e)
{
    capture *c = ud;
    if (c->msg[0] || !e || !e->message)
        return;
    snprintf(c->msg, sizeof c->msg, "%s", e->message);
    size_t n = strlen(c->msg);
    while (n && (c->msg[n - 1] == '\n' || c->msg[n - 1] == ' '))
        c->msg[--n] = '\0';
    c->offset = e->int1;
}

static bool compile_xpath(mc_expr *e, const mc_nsbind *ns, size_t nns,
                          mc_err *err)
{
    if (!check_functions(e->src, ns, nns, &e->xpath2, err))
        return false;
    capture cap = {{0}, -1};
    xmlSetStructuredErrorFunc(&cap, capture_error);
    xmlXPathContextPtr ctx = xmlXPathNewContext(NULL);
    if (ctx) {
        e->comp = xmlXPathCtxtCompile(ctx, BAD_CAST e->src);
        xmlXPathFreeContext(ctx);
    }
    xmlSetStructuredErrorFunc(NULL, NULL);
    mc_xml_quiet_errors();
    if (!e->comp) {
        if (cap.offset >= 0)
            mc_err_set(err, MC_EPARSE, "bad XPath '%s': %s at offset %d", e->src,
                       cap.msg[0] ? cap.msg : "invalid expression", cap.offset);
        else
            mc_err_set(err, MC_EPARSE, "bad XPath '%s': %s", e->src,
                       cap.msg[0] ? cap.msg : "invalid expression");
        return false;
    }
    if (nns) {
        e->ns = calloc(nns + 1, sizeof *e->ns);
        if (!e->ns)
            return mc_err_set(err, MC_ENOMEM, "out of memory"), false;
        for (size_t i = 0; i < nns; i++) {
            if (!ns[i].prefix)
                continue; /* default namespace does not apply to XPath */
            xmlNsPtr n = xmlNewNs(NULL, BAD_CAST ns[i].uri, BAD_CAST ns[i].prefix);
            if (!n)
                return mc_err_set(err, MC_ENOMEM, "out of memory"), false;
            e->ns[e->nns++] = n;
        }
    }
    return true;
}

/* ${...}: the inner text goes to the Synapse Expression compiler; error
 * offsets are made relative to src. */
static bool compile_synapse(mc_expr *e, const char *src, const mc_expr_opts *o, mc_err *err)
{
    const char *t = skip_ws(src);
    size_t tl = strlen(t);
    while (tl && isspace((unsigned char)t[tl - 1]))
        tl--;
    size_t open = (size_t)(t - src);
    if (tl < 3 || t[tl - 1] != '}') {
        mc_err_set(err, MC_EPARSE, "unclosed '${': a Synapse Expression ends with '}'");
        err->at = open + 1;
        return false;
    }
    e->syn = mc_synexpr_compile(t + 2, tl - 3, o, err);
    if (!e->syn) {
        if (err && err->at)
            err->at += open + 2;
        return false;
    }
    return true;
}

mc_expr *mc_expr_compile(const char *src, const mc_nsbind *ns, size_t nns,
                         mc_err *err)
{
    mc_expr_opts o = {ns, nns, NULL};
    return mc_expr_compile_opts(src, &o, err);
}

mc_expr *mc_expr_compile_opts(const char *src, const mc_expr_opts *o, mc_err *err)
{
    mc_err dummy;
    mc_err_clear(&dummy);
    if (!err)
        err = &dummy;
    const mc_nsbind *ns = o ? o->ns : NULL;
    size_t nns = o ? o->nns : 0;
    if (!src || !*skip_ws(src)) {
        mc_err_set(err, MC_EPARSE, "empty expression");
        return NULL;
    }
    mc_expr *e = calloc(1, sizeof *e);
    if (!e || !(e->src = strdup(src))) {
        free(e);
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    const char *t = skip_ws(src);
    if (t[0] == '$' && t[1] == '{') {
        e->kind = MC_EXPR_SYNAPSE;
        if (!compile_synapse(e, src, o, err)) {
            mc_expr_free(e);
            return NULL;
        }
        return e;
    }
    char *jp = parse_json_eval(src);
    if (jp) {
        e->kind = MC_EXPR_JSONPATH;
        bool ok = compile_json_eval(e, jp, o, err);
        free(jp);
        if (!ok) {
            mc_expr_free(e);
            return NULL;
        }
        e->jroot = jsonpath_is_root(e->src);   /* once, not per message */
        return e;
    }
    if (parse_var_fast(src, &e->scope, &e->name) ||
        parse_getprop_fast(src, &e->scope, &e->name)) {
        e->kind = MC_EXPR_PROPERTY;
        return e;
    }
    e->kind = MC_EXPR_XPATH;
    if (!compile_xpath(e, ns, nns, err)) {
        mc_expr_free(e);
        return NULL;
    }
    return e;
}

/* ---- evaluation -------------------------------------------------------- */

/* b is an arena buffer of m (MC_BUF_ARENA(&m->arena)): its text stays there. */
static mc_code out_buf(mc_message *m, mc_buf *b, const char **out, size_t *len)
{
    (void)m;
    if (b->oom) {
        mc_buf_free(b);
        return MC_ENOMEM;
    }
    *len = b->len;
    if (!b->len) {
        mc_buf_free(b);
        *out = "";
        return MC_OK;
    }
    *out = mc_buf_keep(b);
    return *out ? MC_OK : MC_ENOMEM;
}

/* Is src json-eval($) (spaces allowed)? */
static bool jsonpath_is_root(const char *src)
{
    const char *p = strchr(src, '(');
    if (!p || strncmp(src, "json-eval", 9) != 0)
        return false;
    for (p++; *p == ' '; p++)
        ;
    if (*p++ != '$')
        return false;
    while (*p == ' ')
        p++;
    return p[0] == ')' && p[1] == '\0';
}

/* An inline piece's value written into the path: inside quotes with its
 * quote and backslashes escaped; bare only when it is a name or a number
 * (so message data never changes the path's shape; Synapse writes any
 * text as it is). */
static bool splice_piece(const struct jpiece *pc, const char *v, size_t n, mc_buf *b)
{
    if (pc->quote) {
        for (size_t i = 0; i < n; i++) {
            if (v[i] == '\\' || v[i] == pc->quote)
                mc_buf_putc(b, '\\');
            mc_buf_putc(b, v[i]);
        }
        return true;
    }
    size_t i = v[0] == '-' ? 1 : 0;
    bool number = i < n && isdigit((unsigned char)v[i]);
    for (; i < n && number; i++)
        number = isdigit((unsigned char)v[i]) || v[i] == '.' || v[i] == 'e' || v[i] == 'E' ||
                 ((v[i] == '+' || v[i] == '-') && (v[i - 1] == 'e' || v[i - 1] == 'E'));
    bool name = n > 0;
    for (i = 0; i < n && name; i++)
        name = isalnum((unsigned char)v[i]) || v[i] == '_' || v[i] == '-';
    if (!number && !name)
        return false;
    mc_buf_append(b, v, n);
    return true;
}

/* The path for this message: compiled at load, or built from the inline
 * pieces' values and compiled now (*tmp, to free). */
static const mc_jsonpath *json_eval_path(const mc_expr *e, mc_message *m, mc_jsonpath **tmp)
{
    *tmp = NULL;
    if (!e->njpieces)
        return e->path;
    mc_buf b = MC_BUF_INIT;
    size_t from = 0;
    for (size_t i = 0; i < e->njpieces; i++) {
        const struct jpiece *pc = &e->jpieces[i];
        mc_buf_append(&b, e->jtext + from, pc->at - from);
        from = pc->at + pc->len;
        const char *v;
        size_t n;
        mc_err ierr;
        mc_err_clear(&ierr);
        if (mc_expr_string(pc->e, m, &v, &n, &ierr) != MC_OK || !splice_piece(pc, v, n, &b)) {
            mc_msg_log(m, MC_LOG_WARN, "Error evaluating JSONPath %s: the value of %.*s %s",
                       e->src, (int)pc->len, e->jtext + pc->at,
                       ierr.msg[0] ? ierr.msg : "is neither a name nor a number");
            mc_buf_free(&b);
            return NULL;
        }
    }
    mc_buf_puts(&b, e->jtext + from);
    mc_err jerr;
    mc_err_clear(&jerr);
    *tmp = b.oom ? NULL : mc_jsonpath_compile(mc_buf_cstr(&b), &jerr);
    if (!*tmp)
        mc_msg_log(m, MC_LOG_WARN, "Error evaluating JSONPath %s: %s", e->src,
                   jerr.msg[0] ? jerr.msg : "out of memory");
    mc_buf_free(&b);
    return *tmp;
}

__attribute__((noinline))
static mc_code eval_jsonpath_synapse(const mc_expr *e, mc_message *m, mc_buf *b,
                                     bool *found)
{
    *found = false;
    mc_json root;
    if (e->jprop) {
        size_t n;
        const char *s = mc_xpath_lookup(m, e->jscope, e->jprop, &n);
        if (!s)
            return MC_OK;
        if (e->jwhole) {
            mc_buf_append(b, s, n);
            *found = true;
            return MC_OK;
        }
        root = mc_json_parse(&m->arena, s, n, NULL);
    } else {
        root = mc_msg_json(m);
    }
    if (!root)
        return MC_OK;
    mc_jsonpath *tmp;
    const mc_jsonpath *jp = json_eval_path(e, m, &tmp);
    if (!jp)
        return MC_OK;
    if (e->jfn == PF_NONE) {
        mc_jsonpath_eval(jp, root, b, found);
    } else {
        sx_path sp = {.jp = (mc_jsonpath *)jp, .text = e->jtext, .fn = e->jfn};
        const char *s;
        size_t n;
        char why[200];
        if (mc_jsonpath_fn_text(m, &sp, root, &s, &n, why, sizeof why)) {
            mc_buf_append(b, s, n);
            *found = true;
        } else {
            mc_msg_log(m, MC_LOG_WARN, "Error evaluating JSONPath %s: %s", e->src, why);
        }
    }
    mc_jsonpath_free(tmp);
    return MC_OK;
}

static mc_code eval_jsonpath(const mc_expr *e, mc_message *m, mc_buf *b,
                             bool *found)
{
    *found = false;
    if (e->jroot && m->payload.kind == MC_PL_JSON && m->payload.bytes) {
        /* json-eval($) of a JSON payload: its text as it came, as Synapse
         * gives the payload stream (not reformatted) */
        if (!mc_json_valid(m->payload.bytes, m->payload.len))
            return MC_OK;
        mc_buf_append(b, m->payload.bytes, m->payload.len);
        *found = true;
        return MC_OK;
    }
    mc_json root = mc_msg_json(m);
    if (!root)
        return MC_OK;
    mc_jsonpath_eval(e->path, root, b, found);
    return MC_OK;
}

static xmlXPathObjectPtr eval_xpath_in(const mc_expr *e, xmlXPathContextPtr ctx,
                                       mc_err *err);

static xmlXPathObjectPtr eval_xpath(const mc_expr *e, mc_message *m,
                                    mc_err *err)
{
    xmlXPathContextPtr ctx = mc_xpath_context(m);
    if (!ctx) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    return eval_xpath_in(e, ctx, err);
}

static xmlXPathObjectPtr eval_xpath_in(const mc_expr *e, xmlXPathContextPtr ctx,
                                       mc_err *err)
{
    ctx->namespaces = e->ns;
    ctx->nsNr = e->nns;
    capture cap = {{0}, -1};
    xmlSetStructuredErrorFunc(&cap, capture_error);
    mc_xpath_eval_begin();
    xmlXPathObjectPtr r = xmlXPathCompiledEval(e->comp, ctx);
    mc_xpath_eval_end();
    xmlSetStructuredErrorFunc(NULL, NULL);
    mc_xml_quiet_errors();
    ctx->namespaces = NULL;
    ctx->nsNr = 0;
    if (!r)
        mc_err_set(err, MC_EPARSE, "XPath '%s' failed: %s", e->src,
                   cap.msg[0] ? cap.msg : "evaluation error");
    return r;
}

/* MI logs a failed Synapse Expression and goes on with null. */
static mc_code synapse_value(const mc_expr *e, mc_message *m, bool object_mode,
                             mc_value *v, mc_err *err)
{
    mc_err ev; /* not zeroed: it is set when anything fails */
    ev.msg[0] = '\0';
    mc_code rc = mc_synexpr_eval(e->syn, m, object_mode, v, &ev);
    if (rc == MC_EINVAL) {
        mc_msg_log(m, MC_LOG_WARN, "Error evaluating expression: %s cause : %s",
                   mc_synexpr_source(e->syn), ev.msg);
        return MC_OK;
    }
    if (rc != MC_OK)
        mc_err_set(err, rc, "%s", ev.msg);
    return rc;
}

/* An expression MI evaluates with Saxon (DOM failover) gives JAXP's string
 * result: the string value of the first item, XPath numbers without ".0". */
static void saxon_string(xmlXPathObjectPtr r, mc_buf *out)
{
    xmlChar *s = xmlXPathCastToString(r);
    if (s)
        mc_buf_puts(out, (const char *)s);
    else
        out->oom = true;
    xmlFree(s);
}

mc_code mc_expr_string(const mc_expr *e, mc_message *m, const char **out,
                       size_t *len, mc_err *err)
{
    size_t dummy;
    if (!len)
        len = &dummy;
    switch ((int)e->kind) {
    case MC_EXPR_PROPERTY: {
        const char *v = mc_xpath_lookup(m, e->scope, e->name, len);
        *out = v ? v : "";
        if (!v)
            *len = 0;
        return MC_OK;
    }
    case MC_EXPR_SYNAPSE: {
        mc_value v;
        mc_code rc = synapse_value(e, m, false, &v, err);
        *out = v.text;
        *len = v.len;
        return rc;
    }
    case MC_EXPR_JSONPATH: {
        mc_buf b = MC_BUF_ARENA(&m->arena);
        bool found;
        eval_jsonpath(e, m, &b, &found);
        return out_buf(m, &b, out, len);
    }
    case KIND_JSON_EVAL_MORE: {
        mc_buf b = MC_BUF_ARENA(&m->arena);
        bool found;
        eval_jsonpath_synapse(e, m, &b, &found);
        return out_buf(m, &b, out, len);
    }
    case MC_EXPR_XPATH: {
        xmlXPathObjectPtr r = eval_xpath(e, m, err);
        if (!r)
            return MC_EPARSE;
        mc_buf b = MC_BUF_ARENA(&m->arena);
        if (e->xpath2)
            saxon_string(r, &b);
        else
            mc_xpath_string_value(r, &b);
        xmlXPathFreeObject(r);
        return out_buf(m, &b, out, len);
    }
    }
    return MC_EINVAL;
}

/* A property that holds XML (type OM, enrich's target) is an OMElement to
 * Synapse: its string value follows the element rules (stringValueOf). */
static mc_code om_property_string(const mc_expr *e, mc_message *m, const char **out,
                                  size_t *len, mc_err *err)
{
    const mc_prop *pr = mc_msg_get_prop(m, e->scope, e->name);
    mc_code rc = mc_expr_string(e, m, out, len, err);
    if (rc != MC_OK || !pr || pr->type != MC_VT_OM)
        return rc;
    mc_xml_error xe;
    xmlDocPtr d = mc_xml_parse(*out, len ? *len : strlen(*out), "property", 1, &xe);
    xmlNodePtr root = d ? xmlDocGetRootElement(d) : NULL;
    xmlXPathObjectPtr r = root ? xmlXPathNewNodeSet(root) : NULL;
    if (r) {
        mc_buf b = MC_BUF_ARENA(&m->arena);
        mc_xpath_synapse_string(r, "", &b);
        xmlXPathFreeObject(r);
        xmlFreeDoc(d);
        size_t dummy;
        return out_buf(m, &b, out, len ? len : &dummy);
    }
    xmlFreeDoc(d);
    return rc;
}

mc_code mc_expr_synapse_string(const mc_expr *e, mc_message *m, const char **out,
                               size_t *len, mc_err *err)
{
    if (e->kind == MC_EXPR_PROPERTY)
        return om_property_string(e, m, out, len, err);
    if (e->kind != MC_EXPR_XPATH)
        return mc_expr_string(e, m, out, len, err);
    xmlXPathObjectPtr r = eval_xpath(e, m, err);
    if (!r)
        return MC_EPARSE;
    mc_buf b = MC_BUF_ARENA(&m->arena);
    if (e->xpath2)
        saxon_string(r, &b);
    else
        mc_xpath_synapse_string(r, e->src, &b);
    xmlXPathFreeObject(r);
    size_t dummy;
    return out_buf(m, &b, out, len ? len : &dummy);
}

bool mc_expr_property_absent(const mc_expr *e, mc_message *m)
{
    size_t len;
    return e && e->kind == MC_EXPR_PROPERTY && !mc_xpath_lookup(m, e->scope, e->name, &len);
}

mc_code mc_expr_bool(const mc_expr *e, mc_message *m, bool *out, mc_err *err)
{
    if (e->kind == MC_EXPR_SYNAPSE) {
        /* FilterMediator: Boolean.parseBoolean(stringValueOf) */
        mc_value v;
        mc_code rc = synapse_value(e, m, false, &v, err);
        *out = rc == MC_OK && v.len == 4 && strncasecmp(v.text, "true", 4) == 0;
        return rc;
    }
    if (e->kind == MC_EXPR_XPATH) {
        xmlXPathObjectPtr r = eval_xpath(e, m, err);
        if (!r)
            return MC_EPARSE;
        *out = xmlXPathCastToBoolean(r) != 0;
        xmlXPathFreeObject(r);
        return MC_OK;
    }
    const char *s;
    size_t n;
    mc_code rc = mc_expr_string(e, m, &s, &n, err);
    if (rc != MC_OK)
        return rc;
    *out = n > 0 && strcmp(s, "false") != 0 && strcmp(s, "[]") != 0;
    return MC_OK;
}

mc_code mc_expr_xpath_object(const mc_expr *e, mc_message *m,
                             xmlXPathObjectPtr *out, mc_err *err)
{
    *out = NULL;
    if (e->kind != MC_EXPR_XPATH)
        return mc_err_set(err, MC_EINVAL, "'%s' is not an XPath expression", e->src);
    *out = eval_xpath(e, m, err);
    return *out ? MC_OK : MC_EPARSE;
}

mc_code mc_expr_xml(const mc_expr *e, mc_message *m, const char **out,
                    size_t *len, mc_err *err)
{
    if (e->kind == MC_EXPR_SYNAPSE) {
        mc_value v;
        mc_code rc = synapse_value(e, m, true, &v, err);
        *out = v.text;
        *len = v.len;
        return rc;
    }
    if (e->kind == MC_EXPR_PROPERTY)
        return om_property_string(e, m, out, len, err);
    if (e->kind != MC_EXPR_XPATH)
        return mc_expr_string(e, m, out, len, err);
    xmlXPathObjectPtr r = eval_xpath(e, m, err);
    if (!r)
        return MC_EPARSE;
    mc_buf b = MC_BUF_ARENA(&m->arena);
    if (r->type == XPATH_NODESET && r->nodesetval && r->nodesetval->nodeNr > 0) {
        xmlNodePtr n = r->nodesetval->nodeTab[0];
        if (n->type == XML_ELEMENT_NODE) {
            xmlBufferPtr xb = xmlBufferCreate();
            if (xb) {
                xmlNodeDump(xb, n->doc, n, 0, 0);
                mc_buf_append(&b, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
                xmlBufferFree(xb);
            }
        } else {
            mc_xpath_string_value(r, &b);
        }
    } else {
        mc_xpath_string_value(r, &b);
    }
    xmlXPathFreeObject(r);
    return out_buf(m, &b, out, len);
}

mc_code mc_expr_value(const mc_expr *e, mc_message *m, mc_value *out, mc_err *err)
{
    if (e->kind == MC_EXPR_SYNAPSE)
        return synapse_value(e, m, true, out, err);
    memset(out, 0, sizeof *out);
    out->kind = MC_V_STRING;
    return mc_expr_string(e, m, &out->text, &out->len, err);
}

int mc_value_vtype(mc_vkind k)
{
    switch (k) {
    case MC_V_BOOL: return MC_VT_BOOLEAN;
    case MC_V_INT: return MC_VT_INTEGER;
    case MC_V_LONG: return MC_VT_LONG;
    case MC_V_DOUBLE: return MC_VT_DOUBLE;
    case MC_V_JSON: return MC_VT_JSON;
    case MC_V_XML: return MC_VT_OM;
    default: return MC_VT_STRING;
    }
}

/* ---- xpath() inside Synapse Expressions ---------------------------------- */

/* The XML a variable holds: an OM variable, or the XML text of a member
 * of a JSON variable ("var.payload", a connector's response). */
static const char *var_xml(sx_ctx *c, const char *var, size_t varn, size_t *len)
{
    const char *dot = memchr(var, '.', varn);
    char *name = mc_arena_strndup(&c->m->arena, var, dot ? (size_t)(dot - var) : varn);
    if (!name)
        return NULL;
    const mc_prop *p = mc_msg_get_var(c->m, name);
    if (!p) {
        sx_fail(c, dot ? "Variable '%s' is not defined" : "Variable %s is not defined", name);
        return NULL;
    }
    if (!dot) {
        if (p->type != MC_VT_OM && (p->len == 0 || p->value[0] != '<')) {
            sx_fail(c, "Variable '%s' does not hold XML", name);
            return NULL;
        }
        *len = p->len;
        return p->value;
    }
    mc_json j = p->type == MC_VT_JSON ? sx_parse_json(c, p->value, p->len) : NULL;
    if (!j || sj_type(j) != SJ_OBJECT) {
        sx_fail(c, "Variable '%s' is not a Map type", name);
        return NULL;
    }
    const char *field = dot + 1;
    size_t fl = varn - (size_t)(dot - var) - 1;
    for (size_t i = 0; i < sj_len(j); i++) {
        size_t kn;
        const char *k = sj_key(j, i, &kn);
        if (kn == fl && memcmp(k, field, fl) == 0) {
            mc_json v = mc_json_at(j, i);
            if (sj_type(v) == SJ_STRING) {
                const char *s = sj_text(v, len);
                if (*len && s[0] == '<') {
                    char *copy = mc_arena_strndup(&c->m->arena, s, *len);
                    if (!copy)
                        sx_fail(c, "out of memory");
                    return copy;
                }
            }
            break;
        }
    }
    sx_fail(c, "Field '%.*s' of variable '%s' is not an XML element", (int)fl, field, name);
    return NULL;
}

bool sx_xpath(sx_ctx *c, const sx_node *call, const char *xp, size_t n, const char *var,
              size_t varn, sx_val *out)
{
    mc_message *m = c->m;
    const mc_expr *e = call->cache;
    mc_expr *tmp = NULL;
    if (!e) {
        char *s = strndup(xp, n);
        mc_err xerr;
        mc_err_clear(&xerr);
        e = tmp = s ? mc_expr_compile(s, c->x->ns, c->x->nns, &xerr) : NULL;
        free(s);
        if (!e)
            return sx_fail(c, "Invalid XPATH expression : %.*s", (int)n, xp);
    }
    bool ok;
    if (e->kind != MC_EXPR_XPATH && !var) {
        const char *s;
        size_t len;
        mc_err xerr;
        mc_err_clear(&xerr);
        ok = mc_expr_string(e, m, &s, &len, &xerr) == MC_OK;
        ok = ok ? sx_string(c, s, len, out) : sx_fail(c, "%s", xerr.msg);
        mc_expr_free(tmp);
        return ok;
    }
    if (e->kind != MC_EXPR_XPATH) {
        mc_expr_free(tmp);
        return sx_fail(c, "Invalid XPATH expression : %.*s", (int)n, xp);
    }
    xmlDocPtr vdoc = NULL;
    if (var) {
        size_t xl;
        const char *xml = var_xml(c, var, varn, &xl);
        if (!xml) {
            mc_expr_free(tmp);
            return false;
        }
        mc_xml_error xe;
        vdoc = mc_xml_parse(xml, xl, NULL, 1, &xe);
        if (!vdoc) {
            mc_expr_free(tmp);
            return sx_fail(c, "Variable XML is not well-formed: %s", xe.msg);
        }
    }
    mc_err xerr;
    mc_err_clear(&xerr);
    xmlXPathObjectPtr r = NULL;
    xmlXPathContextPtr ctx = mc_xpath_context(m);
    if (ctx && vdoc) {
        ctx->doc = vdoc;
        ctx->node = xmlDocGetRootElement(vdoc);
    }
    r = ctx ? eval_xpath_in(e, ctx, &xerr) : NULL;
    mc_buf b = MC_BUF_INIT;
    if (r && c->object_mode && r->type == XPATH_NODESET && r->nodesetval &&
        r->nodesetval->nodeNr > 0) {
        for (int i = 0; i < r->nodesetval->nodeNr; i++) {
            xmlNodePtr k = r->nodesetval->nodeTab[i];
            if (k->type == XML_ELEMENT_NODE) {
                xmlBufferPtr xb = xmlBufferCreate();
                if (xb) {
                    xmlNodeDump(xb, k->doc, k, 0, 0);
                    mc_buf_append(&b, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
                    xmlBufferFree(xb);
                }
            } else {
                xmlChar *t = xmlXPathCastNodeToString(k);
                if (t) {
                    mc_buf_puts(&b, (const char *)t);
                    xmlFree(t);
                }
            }
        }
        ok = sx_string_buf(c, &b, out);
        if (ok)
            out->t = SX_XML;
    } else if (r) {
        mc_xpath_synapse_string(r, e->src, &b);
        ok = sx_string_buf(c, &b, out);
    } else {
        ok = sx_fail(c, "Invalid XPATH expression : %.*s", (int)n, xp);
    }
    if (r)
        xmlXPathFreeObject(r);
    if (vdoc)
        xmlFreeDoc(vdoc);
    mc_expr_free(tmp);
    return ok;
}
