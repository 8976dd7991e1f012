/* synexpr.c - compile and evaluate the path subset of Synapse Expressions
 * (see synexpr.h): a root (payload, a variable, a header, a property, a
 * request parameter) and, for JSON roots, a JSONPath below it. */
#include "expr/synexpr.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef enum { ROOT_PAYLOAD, ROOT_VAR, ROOT_HEADER, ROOT_PROP, ROOT_PARAM } root_kind;

struct mc_synexpr {
    root_kind root;
    int scope;              /* ROOT_PROP / ROOT_PARAM: where to look */
    char *prefix;           /* ROOT_PARAM: "uri.var." or "query.param." */
    char *name;             /* variable, header, property or parameter */
    mc_jsonpath *path;      /* below a JSON root; NULL: the whole value */
};

void mc_synexpr_free(mc_synexpr *x)
{
    if (!x)
        return;
    free(x->prefix);
    free(x->name);
    if (x->path)
        mc_jsonpath_free(x->path);
    free(x);
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* An identifier ([A-Za-z_][A-Za-z0-9_-]*) at p; returns its end. */
static const char *ident(const char *p)
{
    if (!isalpha((unsigned char)*p) && *p != '_')
        return p;
    while (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
        p++;
    return p;
}

/* A member name: .name or ["name"] / ['name']. Returns the end, sets
 * *name (malloc) or NULL when there is none. */
static const char *member(const char *p, char **name)
{
    *name = NULL;
    if (*p == '.') {
        const char *e = ident(p + 1);
        if (e == p + 1)
            return p;
        *name = strndup(p + 1, (size_t)(e - p - 1));
        return e;
    }
    if (p[0] == '[' && (p[1] == '"' || p[1] == '\'')) {
        const char *close = strchr(p + 2, p[1]);
        if (!close || close[1] != ']')
            return p;
        *name = strndup(p + 2, (size_t)(close - p - 2));
        return close + 2;
    }
    return p;
}

static mc_synexpr *fail(mc_synexpr *x, mc_err *err, const char *src, const char *why)
{
    mc_err_set(err, MC_EPARSE,
               "unsupported Synapse expression '%s': %s (mediac supports paths on "
               "payload, vars, headers, properties and params)", src, why);
    mc_synexpr_free(x);
    return NULL;
}

/* The JSONPath "$" + rest, when rest is a plain path (.a, [0], ["k"]). */
static bool compile_rest(mc_synexpr *x, const char *rest, size_t n, mc_err *err)
{
    if (n == 0)
        return true;
    if (rest[0] != '.' && rest[0] != '[')
        return false;
    for (size_t i = 0; i < n; i++)
        if (strchr("+*/%<>=!&|?:,() ", rest[i]) && rest[i] != ' ')
            return false;
    char *jp = malloc(n + 2);
    if (!jp)
        return false;
    jp[0] = '$';
    memcpy(jp + 1, rest, n);
    jp[n + 1] = '\0';
    mc_err jerr = {0};
    x->path = mc_jsonpath_compile(jp, &jerr);
    free(jp);
    if (!x->path)
        mc_err_set(err, MC_EPARSE, "%s", jerr.msg);
    return x->path != NULL;
}

mc_synexpr *mc_synexpr_compile(const char *src, mc_err *err)
{
    size_t n = strlen(src);
    if (n < 3 || src[0] != '$' || src[1] != '{' || src[n - 1] != '}') {
        mc_err_set(err, MC_EPARSE, "bad Synapse expression '%s'", src);
        return NULL;
    }
    mc_synexpr *x = calloc(1, sizeof *x);
    if (!x) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    const char *p = skip_ws(src + 2);
    const char *end = src + n - 1;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    const char *e = ident(p);
    size_t rl = (size_t)(e - p);
    char *name = NULL;
    if (rl == 7 && strncmp(p, "payload", 7) == 0) {
        x->root = ROOT_PAYLOAD;
    } else if (rl == 4 && strncmp(p, "vars", 4) == 0) {
        x->root = ROOT_VAR;
        e = member(e, &x->name);
        if (!x->name)
            return fail(x, err, src, "a variable name must follow 'vars'");
    } else if (rl == 7 && strncmp(p, "headers", 7) == 0) {
        x->root = ROOT_HEADER;
        x->scope = MC_SCOPE_TRANSPORT;
        e = member(e, &x->name);
        if (!x->name)
            return fail(x, err, src, "a header name must follow 'headers'");
    } else if ((rl == 10 && strncmp(p, "properties", 10) == 0) ||
               (rl == 5 && strncmp(p, "props", 5) == 0)) {
        x->root = ROOT_PROP;
        x->scope = MC_SCOPE_DEFAULT;
        e = member(e, &name);
        if (name && (strcmp(name, "synapse") == 0 || strcmp(name, "axis2") == 0)) {
            x->scope = name[0] == 'a' ? MC_SCOPE_AXIS2 : MC_SCOPE_DEFAULT;
            free(name);
            e = member(e, &name);
        }
        x->name = name;
        if (!x->name)
            return fail(x, err, src, "a property name must follow 'properties'");
    } else if (rl == 6 && strncmp(p, "params", 6) == 0) {
        x->root = ROOT_PARAM;
        e = member(e, &name);
        const char *prefix = NULL;
        if (name && strcmp(name, "queryParams") == 0)
            prefix = "query.param.";
        else if (name && (strcmp(name, "uriParams") == 0 || strcmp(name, "pathParams") == 0))
            prefix = "uri.var.";
        else if (name && strcmp(name, "functionParams") == 0)
            prefix = "";
        free(name);
        if (!prefix)
            return fail(x, err, src, "params takes queryParams, uriParams or functionParams");
        x->scope = *prefix ? MC_SCOPE_DEFAULT : MC_SCOPE_FUNC;
        x->prefix = strdup(prefix);
        e = member(e, &x->name);
        if (!x->name || !x->prefix)
            return fail(x, err, src, "a parameter name must follow params.<kind>");
    } else {
        return fail(x, err, src, "unknown root");
    }
    if (e > end)
        return fail(x, err, src, "unexpected end");
    size_t rest = (size_t)(end - e);
    if (x->root == ROOT_HEADER || x->root == ROOT_PARAM) {
        if (rest)
            return fail(x, err, src, "nothing may follow a header or parameter name");
        return x;
    }
    mc_err perr = {0};
    if (!compile_rest(x, e, rest, &perr))
        return fail(x, err, src, perr.msg[0] ? perr.msg : "only paths are supported");
    return x;
}

/* A text value: as JSON when it parses as an object/array, else as is. */
static void eval_text(const mc_synexpr *x, const char *v, size_t n, mc_buf *out)
{
    if (!x->path) {
        mc_buf_append(out, v, n);
        return;
    }
    mc_arena a;
    mc_arena_init(&a, 1024);
    mc_json j = mc_json_parse(&a, v, n, NULL);
    bool found;
    if (j)
        mc_jsonpath_eval(x->path, j, out, &found);
    mc_arena_free(&a);
}

void mc_synexpr_eval(const mc_synexpr *x, mc_message *m, mc_buf *out)
{
    switch (x->root) {
    case ROOT_PAYLOAD: {
        mc_json j = mc_msg_json(m);
        bool found;
        if (j && x->path)
            mc_jsonpath_eval(x->path, j, out, &found);
        else if (j)
            mc_json_write(out, j);
        else {
            size_t len;
            const char *b = mc_msg_payload_bytes(m, &len);
            mc_buf_append(out, b, len);
        }
        return;
    }
    case ROOT_VAR: {
        const mc_prop *v = mc_msg_get_var(m, x->name);
        if (v)
            eval_text(x, v->value, v->len, out);
        return;
    }
    case ROOT_PROP: {
        const mc_prop *v = mc_msg_get_prop(m, (mc_scope)x->scope, x->name);
        if (v)
            eval_text(x, v->value, v->len, out);
        return;
    }
    case ROOT_HEADER: {
        const char *v = mc_msg_prop(m, MC_SCOPE_TRANSPORT, x->name);
        if (v)
            mc_buf_puts(out, v);
        return;
    }
    case ROOT_PARAM: {
        mc_buf key = MC_BUF_INIT;
        mc_buf_printf(&key, "%s%s", x->prefix, x->name);
        const char *v = mc_msg_prop(m, (mc_scope)x->scope, mc_buf_cstr(&key));
        if (v)
            mc_buf_puts(out, v);
        mc_buf_free(&key);
        return;
    }
    }
}
