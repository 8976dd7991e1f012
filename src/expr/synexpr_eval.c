/* synexpr_eval.c - evaluating a compiled Synapse Expression on a message,
 * with MI's typing: Integer, Long, Double and BigDecimal numbers, strings,
 * booleans, null, JSON elements and XML, and MI's rules for each operator
 * (BinaryOperationNode, PayloadAccessNode, ...). */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/javanum.h"
#include "expr/sx.h"
#include "expr/synexpr.h"
#include "util/log.h"

#define MAX_MATCHES (1u << 20)   /* JSONPath matches per evaluation */

bool sx_fail(sx_ctx *c, const char *fmt, ...)
{
    if (!c->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, sizeof c->err, fmt, ap);
        va_end(ap);
        if (!c->err[0])
            snprintf(c->err, sizeof c->err, "evaluation error");
    }
    return false;
}

static bool oom(sx_ctx *c) { return sx_fail(c, "out of memory"); }

/* ---- values -------------------------------------------------------------- */

bool sx_string(sx_ctx *c, const char *s, size_t n, sx_val *out)
{
    char *d = mc_arena_strndup(&c->m->arena, s ? s : "", s ? n : 0);
    if (!d)
        return oom(c);
    out->t = SX_STRING;
    out->lit = false;
    out->u.s.p = d;
    out->u.s.n = s ? n : 0;
    return true;
}

bool sx_string_buf(sx_ctx *c, mc_buf *b, sx_val *out)
{
    if (b->oom) {
        mc_buf_free(b);
        return oom(c);
    }
    bool ok = sx_string(c, b->data, b->len, out);
    mc_buf_free(b);
    return ok;
}

mc_json sx_parse_json(sx_ctx *c, const char *s, size_t n)
{
    return mc_json_parse(&c->m->arena, s, n, NULL);
}

void sx_unwrap(mc_json node, sx_val *out)
{
    out->lit = false;
    switch (sj_type(node)) {
    case SJ_NULL:
        out->t = SX_NULL;
        return;
    case SJ_TRUE:
    case SJ_FALSE:
        out->t = SX_BOOL;
        out->u.b = sj_type(node) == SJ_TRUE;
        return;
    case SJ_STRING:
        out->t = SX_STRING;
        out->u.s.p = sj_text(node, &out->u.s.n);
        return;
    case SJ_NUMBER: {
        size_t n;
        const char *s = sj_text(node, &n);
        int64_t iv;
        double dv;
        switch (mc_java_classify_number(s, n, &iv, &dv)) {
        case MC_JNUM_INT: out->t = SX_INT; out->u.i = iv; return;
        case MC_JNUM_LONG: out->t = SX_LONG; out->u.i = iv; return;
        case MC_JNUM_DOUBLE: out->t = SX_DOUBLE; out->u.d = dv; return;
        case MC_JNUM_BIG:
            out->t = SX_BIG;
            out->u.s.p = s;
            out->u.s.n = n;
            return;
        }
        return;
    }
    default:
        out->t = SX_JSON;
        out->u.j = node;
        return;
    }
}

void sx_typed_text(const char *s, size_t n, sx_val *out)
{
    int32_t i;
    int64_t l;
    double d;
    out->lit = false;
    if (mc_java_parse_int(s, n, &i)) {
        out->t = SX_INT;
        out->u.i = i;
    } else if (mc_java_parse_long(s, n, &l)) {
        out->t = SX_LONG;
        out->u.i = l;
    } else if (mc_java_parse_double(s, n, &d)) {
        out->t = SX_DOUBLE;
        out->u.d = d;
    } else {
        out->t = SX_STRING;
        out->u.s.p = s;
        out->u.s.n = n;
    }
}

static void write_json(mc_buf *b, const sx_val *v)
{
    if (v->t == SX_JSON) {
        mc_json_write(b, v->u.j);
        return;
    }
    mc_buf_putc(b, '[');
    for (size_t i = 0; i < v->u.l.n; i++) {
        if (i)
            mc_buf_putc(b, ',');
        mc_json_write(b, v->u.l.v[i]);
    }
    mc_buf_putc(b, ']');
}

bool sx_text(sx_ctx *c, const sx_val *v, const char **s, size_t *n)
{
    char num[32];
    size_t k;
    switch (v->t) {
    case SX_NULL:
        *s = "null";
        *n = 4;
        return true;
    case SX_BOOL:
        *s = v->u.b ? "true" : "false";
        *n = v->u.b ? 4 : 5;
        return true;
    case SX_INT:
    case SX_LONG: {
        /* digits backwards: this is on every path that yields a number */
        char tmp[24];
        size_t t = 0;
        uint64_t u = v->u.i < 0 ? 0 - (uint64_t)v->u.i : (uint64_t)v->u.i;
        do {
            tmp[t++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        k = 0;
        if (v->u.i < 0)
            num[k++] = '-';
        while (t)
            num[k++] = tmp[--t];
        break;
    }
    case SX_DOUBLE:
        k = mc_java_double_text(v->u.d, num);
        break;
    case SX_STRING: {
        const char *p = v->u.s.p;
        size_t len = v->u.s.n;
        /* MI's asString drops one pair of surrounding quotes */
        if (!v->lit && len >= 2 && (p[0] == '"' || p[0] == '\'') && p[len - 1] == p[0]) {
            p++;
            len -= 2;
        }
        *s = p;
        *n = len;
        return true;
    }
    case SX_BIG:
    case SX_XML:
        *s = v->u.s.p;
        *n = v->u.s.n;
        return true;
    default: {
        mc_buf b = MC_BUF_INIT;
        write_json(&b, v);
        if (b.oom) {
            mc_buf_free(&b);
            return oom(c);
        }
        *n = b.len;
        *s = mc_arena_strndup(&c->m->arena, b.data ? b.data : "", b.len);
        mc_buf_free(&b);
        return *s ? true : oom(c);
    }
    }
    char *d = mc_arena_strndup(&c->m->arena, num, k);
    if (!d)
        return oom(c);
    *s = d;
    *n = k;
    return true;
}

bool sx_is_string(const sx_val *v) { return v->t == SX_STRING; }
bool sx_is_int(const sx_val *v) { return v->t == SX_INT; }
bool sx_is_long(const sx_val *v) { return v->t == SX_LONG; }
bool sx_is_double(const sx_val *v) { return v->t == SX_DOUBLE; }
static bool is_numeric(const sx_val *v)
{
    return v->t == SX_INT || v->t == SX_LONG || v->t == SX_DOUBLE;
}

double sx_as_double(const sx_val *v)
{
    return v->t == SX_DOUBLE ? v->u.d : (double)v->u.i;
}

/* MI parses a string as JSON after dropping one pair of double quotes
 * around it and every backslash in it (ExpressionResult.parseStringToJson*). */
static mc_json parse_string_json(sx_ctx *c, const sx_val *v)
{
    const char *s = v->u.s.p;
    size_t n = v->u.s.n;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s++;
        n -= 2;
    }
    if (!memchr(s, '\\', n))
        return sx_parse_json(c, s, n);
    char *d = mc_arena_alloc(&c->m->arena, n + 1);
    if (!d)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\\')
            d[k++] = s[i];
    return sx_parse_json(c, d, k);
}

/* LIST (matches) as one JSON array node. */
static mc_json list_node(sx_ctx *c, const sx_val *v)
{
    mc_buf b = MC_BUF_INIT;
    write_json(&b, v);
    mc_json j = b.oom ? NULL : sx_parse_json(c, b.data, b.len);
    mc_buf_free(&b);
    return j;
}

bool sx_as_json(sx_ctx *c, const sx_val *v, int want, mc_json *out)
{
    mc_json j = NULL;
    if (v->t == SX_JSON)
        j = v->u.j;
    else if (v->t == SX_LIST)
        j = list_node(c, v);
    else if (v->t == SX_STRING)
        j = parse_string_json(c, v);
    if (!j)
        return false;
    sj_kind k = sj_type(j);
    if (want ? (int)k != want : (k != SJ_OBJECT && k != SJ_ARRAY))
        return false;
    *out = j;
    return true;
}

bool sx_is_array(sx_ctx *c, const sx_val *v)
{
    mc_json j;
    return v->t == SX_LIST || sx_as_json(c, v, SJ_ARRAY, &j);
}

bool sx_is_object(sx_ctx *c, const sx_val *v)
{
    mc_json j;
    return sx_as_json(c, v, SJ_OBJECT, &j);
}

/* ---- roots ---------------------------------------------------------------- */

static bool xml_body_text(sx_ctx *c, sx_val *out)
{
    xmlNodePtr body = mc_msg_body(c->m);
    if (!body)
        return sx_fail(c, "Payload is empty");
    mc_buf b = MC_BUF_INIT;
    const char *pre = body->ns && body->ns->prefix ? (const char *)body->ns->prefix : NULL;
    mc_buf_printf(&b, "<%s%sBody", pre ? pre : "", pre ? ":" : "");
    if (body->ns)
        mc_buf_printf(&b, " xmlns%s%s=\"%s\"", pre ? ":" : "", pre ? pre : "",
                      (const char *)body->ns->href);
    mc_buf_putc(&b, '>');
    xmlBufferPtr xb = xmlBufferCreate();
    for (xmlNodePtr k = body->children; xb && k; k = k->next)
        xmlNodeDump(xb, body->doc, k, 0, 0);
    if (xb) {
        mc_buf_append(&b, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
        xmlBufferFree(xb);
    } else {
        b.oom = true;
    }
    mc_buf_printf(&b, "</%s%sBody>", pre ? pre : "", pre ? ":" : "");
    if (!sx_string_buf(c, &b, out))
        return false;
    out->t = SX_XML;
    return true;
}

static bool eval_payload(sx_ctx *c, sx_val *out)
{
    mc_message *m = c->m;
    if (m->payload.kind == MC_PL_XML)
        return xml_body_text(c, out);
    mc_json j = mc_msg_json(m);
    if (j) {
        sx_unwrap(j, out);
        return true;
    }
    size_t n;
    const char *b = mc_msg_payload_bytes(m, &n);
    if (!b || !n)
        return sx_fail(c, "Payload is empty");
    return sx_string(c, b, n, out);
}

static bool eval_var(sx_ctx *c, const sx_node *n, sx_val *out)
{
    const mc_prop *v = mc_msg_get_var(c->m, n->name);
    if (!v)
        return sx_fail(c, "Variable %s is not defined", n->name);
    out->lit = false;
    int32_t i;
    int64_t l;
    double d;
    switch (v->type) {
    case MC_VT_INTEGER:
    case MC_VT_SHORT:
        if (mc_java_parse_int(v->value, v->len, &i)) {
            out->t = SX_INT;
            out->u.i = i;
            return true;
        }
        break;
    case MC_VT_LONG:
        if (mc_java_parse_long(v->value, v->len, &l)) {
            out->t = SX_LONG;
            out->u.i = l;
            return true;
        }
        break;
    case MC_VT_FLOAT:
    case MC_VT_DOUBLE:
        if (mc_java_parse_double(v->value, v->len, &d)) {
            out->t = SX_DOUBLE;
            out->u.d = d;
            return true;
        }
        break;
    case MC_VT_BOOLEAN:
        out->t = SX_BOOL;
        out->u.b = v->len == 4 && strncasecmp(v->value, "true", 4) == 0;
        return true;
    case MC_VT_JSON: {
        mc_json j = sx_parse_json(c, v->value, v->len);
        if (j) {
            sx_unwrap(j, out);
            return true;
        }
        break;
    }
    case MC_VT_OM:
        out->t = SX_XML;
        out->u.s.p = v->value;
        out->u.s.n = v->len;
        return true;
    default:
        break;
    }
    out->t = SX_STRING;
    out->u.s.p = v->value;
    out->u.s.n = v->len;
    return true;
}

static bool eval_lookup(sx_ctx *c, const sx_node *n, sx_val *out)
{
    const char *v = NULL;
    size_t len = 0;
    if (n->kind == N_CONFIG) {
        v = c->x->env.config_value ? c->x->env.config_value(c->x->env.ud, n->name) : NULL;
        if (!v)
            return sx_fail(c, "The value of the key:[%s] is null", n->name);
        len = strlen(v);
    } else {
        const mc_prop *p;
        if (n->kind == N_HEADER) {
            p = mc_msg_get_prop(c->m, MC_SCOPE_TRANSPORT, n->name);
        } else if (n->kind == N_PROP) {
            p = mc_msg_get_prop(c->m, (mc_scope)n->op, n->name);
        } else if (n->op == PARAM_FUNC) {
            p = mc_msg_get_prop(c->m, MC_SCOPE_FUNC, n->name);
        } else {
            char *key = mc_arena_printf(&c->m->arena, "%s%s",
                                        n->op == PARAM_QUERY ? "query.param." : "uri.var.",
                                        n->name);
            if (!key)
                return oom(c);
            p = mc_msg_get_prop(c->m, MC_SCOPE_DEFAULT, key);
        }
        if (!p)
            return sx_fail(c, "Could not fetch the value of the key: %s", n->name);
        v = p->value;
        len = p->len;
    }
    sx_typed_text(v, len, out);
    return true;
}

/* ---- paths ---------------------------------------------------------------- */

/* The JSON a path is applied to. */
static bool path_root(sx_ctx *c, const sx_node *n, mc_json *root)
{
    const sx_node *base = n->a;
    if (base->kind == N_PAYLOAD) {
        *root = mc_msg_json(c->m);
        if (!*root) {
            size_t len;
            const char *b = mc_msg_payload_bytes(c->m, &len);
            return sx_fail(c, b && len ? "Could not evaluate JSONPath expression: %s on a "
                                         "non-JSON payload"
                                       : "Payload is empty",
                           n->path->text);
        }
        return true;
    }
    sx_val v;
    if (!sx_eval(c, base, &v))
        return false;
    switch (v.t) {
    case SX_JSON:
        *root = v.u.j;
        return true;
    case SX_LIST:
        return (*root = list_node(c, &v)) != NULL || oom(c);
    case SX_XML:
        return sx_fail(c, "Could not evaluate JSONPath expression: %s on non-JSON %s value",
                       n->path->text, base->kind == N_VAR ? "variable" : "XML");
    case SX_NULL:
        return sx_fail(c, "Could not evaluate JSONPath expression: %s on null",
                       n->path->text);
    default: {
        /* MI reads the value's text as JSON: JsonPath.parse(value.toString()) */
        const char *s;
        size_t len;
        if (!sx_text(c, &v, &s, &len))
            return false;
        *root = sx_parse_json(c, s, len);
        if (!*root)
            return sx_fail(c, "Could not evaluate JSONPath expression: %s on non-JSON value",
                           n->path->text);
        return true;
    }
    }
}

/* Splice one evaluated piece into a dynamic JSONPath. */
static bool splice(sx_ctx *c, const sx_piece *pc, mc_buf *b)
{
    sx_val v;
    if (!sx_eval(c, pc->expr, &v))
        return false;
    if (v.t == SX_NULL) {
        if (!pc->in_filter)
            return sx_fail(c, "Null array index in a JSONPath expression");
        mc_buf_puts(b, "null");
        return true;
    }
    const char *s;
    size_t n;
    if (!sx_text(c, &v, &s, &n))
        return false;
    if (v.t == SX_STRING)
        mc_buf_json_string(b, s, n);  /* a quoted name or filter operand */
    else
        mc_buf_append(b, s, n);
    return true;
}

/* The matches: in a per-thread buffer when few (valid until the next
 * select on this thread; keep_matches copies them for a value), else in
 * the message arena. */
static bool select_all(sx_ctx *c, const mc_jsonpath *jp, mc_json root, mc_json **out,
                       size_t *count)
{
    static __thread mc_json small[64];
    size_t n = mc_jsonpath_select(jp, root, small, 64);
    if (n <= 64) {
        *out = small;
        *count = n;
        return true;
    }
    if (n > MAX_MATCHES)
        return sx_fail(c, "JSONPath selected more than %u values", MAX_MATCHES);
    mc_json *v = mc_arena_alloc(&c->m->arena, n * sizeof *v);
    if (!v)
        return oom(c);
    *count = mc_jsonpath_select(jp, root, v, n);
    *out = v;
    return true;
}

static bool apply_fn(sx_ctx *c, const sx_path *path, mc_json *v, size_t n, bool definite,
                     sx_val *out)
{
    /* the input: one node (a definite path) or the matches as an array */
    mc_json one = definite && n == 1 ? v[0] : NULL;
    mc_json *items = v;
    size_t count = n;
    if (one && sj_type(one) == SJ_ARRAY) {
        count = sj_len(one);
        items = count ? mc_arena_alloc(&c->m->arena, count * sizeof *items) : NULL;
        if (count && !items)
            return oom(c);
        for (size_t i = 0; i < count; i++)
            items[i] = sj_at(one, i);
    } else if (definite && !one) {
        return sx_fail(c, "No results for path: %s", path->text);
    }
    switch ((sx_pathfn)path->fn) {
    case PF_LENGTH:
    case PF_SIZE:
        out->t = SX_INT;
        if (one && sj_type(one) == SJ_OBJECT)
            out->u.i = (int64_t)sj_len(one);
        else if (one && sj_type(one) != SJ_ARRAY)
            return sx_fail(c, "length() needs an array or an object: %s", path->text);
        else
            out->u.i = (int64_t)count;
        return true;
    case PF_FIRST:
    case PF_LAST:
        if ((one && sj_type(one) != SJ_ARRAY) || !count)
            return sx_fail(c, "%s() on an empty or non-array result: %s",
                           path->fn == PF_FIRST ? "first" : "last", path->text);
        sx_unwrap(items[path->fn == PF_FIRST ? 0 : count - 1], out);
        return true;
    case PF_KEYS: {
        if (!one || sj_type(one) != SJ_OBJECT)
            return sx_fail(c, "keys() needs an object: %s", path->text);
        mc_buf b = MC_BUF_INIT;
        mc_buf_putc(&b, '[');
        for (size_t i = 0; i < sj_len(one); i++) {
            size_t kn;
            const char *k = sj_key(one, i, &kn);
            if (i)
                mc_buf_putc(&b, ',');
            mc_buf_json_string(&b, k, kn);
        }
        mc_buf_putc(&b, ']');
        mc_json j = b.oom ? NULL : sx_parse_json(c, b.data, b.len);
        mc_buf_free(&b);
        if (!j)
            return oom(c);
        out->t = SX_JSON;
        out->u.j = j;
        return true;
    }
    default:
        break;
    }
    /* numeric aggregations (Jayway: always a Double) */
    if (one && sj_type(one) != SJ_ARRAY)
        return sx_fail(c, "Aggregation function attempted to calculate value using empty array");
    double sum = 0, sq = 0, mn = INFINITY, mx = -INFINITY;
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        if (sj_type(items[i]) != SJ_NUMBER)
            continue;
        size_t tn;
        const char *t = sj_text(items[i], &tn);
        double d;
        if (!mc_java_parse_double(t, tn, &d))
            continue;
        sum += d;
        sq += d * d;
        if (d < mn) mn = d;
        if (d > mx) mx = d;
        k++;
    }
    if (!k)
        return sx_fail(c, "Aggregation function attempted to calculate value using empty array");
    out->t = SX_DOUBLE;
    switch ((sx_pathfn)path->fn) {
    case PF_MIN: out->u.d = mn; break;
    case PF_MAX: out->u.d = mx; break;
    case PF_SUM: out->u.d = sum; break;
    case PF_AVG: out->u.d = sum / (double)k; break;
    default: out->u.d = sqrt(sq / (double)k - (sum / (double)k) * (sum / (double)k)); break;
    }
    return true;
}

static bool eval_path(sx_ctx *c, const sx_node *n, sx_val *out)
{
    const sx_path *path = n->path;
    mc_json root;
    if (!path_root(c, n, &root))
        return false;
    mc_jsonpath *jp = path->jp, *tmp = NULL;
    if (!jp) {
        mc_buf b = MC_BUF_INIT;
        for (size_t i = 0; i < path->npieces; i++) {
            if (path->pieces[i].expr) {
                if (!splice(c, &path->pieces[i], &b)) {
                    mc_buf_free(&b);
                    return false;
                }
            } else {
                mc_buf_append(&b, path->pieces[i].text, path->pieces[i].len);
            }
        }
        mc_err jerr;
        mc_err_clear(&jerr);
        tmp = jp = b.oom ? NULL : mc_jsonpath_compile(mc_buf_cstr(&b), &jerr);
        mc_buf_free(&b);
        if (!jp)
            return sx_fail(c, "%s", jerr.msg[0] ? jerr.msg : "out of memory");
    }
    mc_json *v = NULL;
    size_t count = 0;
    bool ok = select_all(c, jp, root, &v, &count);
    bool definite = mc_jsonpath_is_definite(jp);
    if (ok && path->fn != PF_NONE) {
        ok = apply_fn(c, path, v, count, definite, out);
    } else if (ok && !definite) {
        out->t = SX_LIST;
        out->u.l.n = count;
        out->u.l.v = v;
        if (count && count <= 64) {
            out->u.l.v = mc_arena_alloc(&c->m->arena, count * sizeof *v);
            if (out->u.l.v)
                memcpy(out->u.l.v, v, count * sizeof *v);
            else
                ok = oom(c);
        }
    } else if (ok && count == 0) {
        ok = sx_fail(c, "No results for path: %s", path->text);
    } else if (ok && count == 1) {
        sx_unwrap(v[0], out);
    } else if (ok) {
        /* a merged multi-name step: one object of the members found */
        mc_buf b = MC_BUF_INIT;
        bool found;
        mc_jsonpath_eval(jp, root, &b, &found);
        mc_json j = b.oom ? NULL : sx_parse_json(c, b.data, b.len);
        mc_buf_free(&b);
        if (j) {
            out->t = SX_JSON;
            out->u.j = j;
        } else {
            ok = oom(c);
        }
    }
    if (tmp)
        mc_jsonpath_free(tmp);
    return ok;
}

bool mc_jsonpath_fn_text(mc_message *m, const sx_path *path, mc_json root,
                         const char **out, size_t *len, char *why, size_t whylen)
{
    sx_ctx c = {.m = m};
    c.err[0] = '\0';
    mc_json *v = NULL;
    size_t count = 0;
    sx_val r;
    bool ok = select_all(&c, path->jp, root, &v, &count) &&
              apply_fn(&c, path, v, count, mc_jsonpath_is_definite(path->jp), &r) &&
              sx_text(&c, &r, out, len);
    if (!ok)
        snprintf(why, whylen, "%s", c.err);
    return ok;
}

/* ---- operators ------------------------------------------------------------ */

static bool java_text(sx_ctx *c, const sx_val *v, const char **s, size_t *n)
{
    return sx_text(c, v, s, n);
}

/* double operands go through BigDecimal in MI */
static bool decimal_op(sx_ctx *c, char op, const sx_val *l, const sx_val *r, bool via_double,
                       sx_val *out)
{
    char lb[32], rb[32];
    const char *ls, *rs;
    size_t ln, rn;
    if (via_double) {
        /* BigDecimal(String.valueOf(asDouble())) */
        ln = mc_java_double_text(sx_as_double(l), lb);
        rn = mc_java_double_text(sx_as_double(r), rb);
        ls = lb;
        rs = rb;
    } else if (!java_text(c, l, &ls, &ln) || !java_text(c, r, &rs, &rn)) {
        return false;
    }
    double d;
    if (!mc_decimal_arith(op, ls, ln, rs, rn, &d))
        return sx_fail(c, "Arithmetic on a value that is not a finite number: %.*s %c %.*s",
                       (int)ln, ls, op, (int)rn, rs);
    out->t = SX_DOUBLE;
    out->u.d = d;
    return true;
}

static bool arith(sx_ctx *c, sx_binop op, const sx_val *l, const sx_val *r, sx_val *out)
{
    static const char sym[] = "+-*/%";
    const char *name[] = {"ADD", "SUBTRACT", "MULTIPLY", "DIVIDE", "MODULO"};
    char o = sym[op];
    if (op == OP_ADD && !(is_numeric(l) && is_numeric(r))) {
        if (l->t == SX_STRING && r->t == SX_STRING) {
            const char *a, *b;
            size_t an, bn;
            if (!sx_text(c, l, &a, &an) || !sx_text(c, r, &b, &bn))
                return false;
            char *d = mc_arena_alloc(&c->m->arena, an + bn + 1);
            if (!d)
                return oom(c);
            memcpy(d, a, an);
            memcpy(d + an, b, bn);
            d[an + bn] = '\0';
            out->t = SX_STRING;
            out->lit = false;
            out->u.s.p = d;
            out->u.s.n = an + bn;
            return true;
        }
        const char *a, *b;
        size_t an, bn;
        sx_text(c, l, &a, &an);
        sx_text(c, r, &b, &bn);
        return sx_fail(c, "Addition between non-numeric values: %.*s and %.*s", (int)an, a,
                       (int)bn, b);
    }
    if (!is_numeric(l) || !is_numeric(r)) {
        const char *a, *b;
        size_t an, bn;
        sx_text(c, l, &a, &an);
        sx_text(c, r, &b, &bn);
        return sx_fail(c, "Arithmetic operation: %s between non-numeric values: %.*s and %.*s",
                       name[op], (int)an, a, (int)bn, b);
    }
    out->lit = false;
    if (l->t == SX_DOUBLE || r->t == SX_DOUBLE) {
        if ((op == OP_DIV || op == OP_MOD) && sx_as_double(r) == 0)
            return sx_fail(c, op == OP_DIV ? "Division by zero" : "Modulo by zero");
        /* addition reads the operands' texts; the others their doubles */
        return decimal_op(c, o, l, r, op != OP_ADD, out);
    }
    int64_t a = l->u.i, b = r->u.i;
    if (l->t == SX_LONG || r->t == SX_LONG) {
        out->t = SX_LONG;
        switch (op) {
        case OP_ADD: out->u.i = (int64_t)((uint64_t)a + (uint64_t)b); return true;
        case OP_SUB: out->u.i = (int64_t)((uint64_t)a - (uint64_t)b); return true;
        case OP_MUL: out->u.i = (int64_t)((uint64_t)a * (uint64_t)b); return true;
        case OP_DIV:
            if (b == 0)
                return sx_fail(c, "Division by zero");
            out->t = SX_DOUBLE;
            out->u.d = (double)a / (double)b;
            return true;
        default:
            if (b == 0)
                return sx_fail(c, "Modulo by zero");
            out->u.i = b == -1 ? 0 : a % b;
            return true;
        }
    }
    /* int: overflow of + and * widens to long, - wraps (as MI) */
    int64_t w;
    switch (op) {
    case OP_ADD:
        w = a + b;
        out->t = w < INT32_MIN || w > INT32_MAX ? SX_LONG : SX_INT;
        out->u.i = w;
        return true;
    case OP_SUB:
        out->t = SX_INT;
        out->u.i = (int32_t)(uint32_t)((uint32_t)a - (uint32_t)b);
        return true;
    case OP_MUL:
        w = a * b;
        out->t = w < INT32_MIN || w > INT32_MAX ? SX_LONG : SX_INT;
        out->u.i = w;
        return true;
    case OP_DIV:
        if (b == 0)
            return sx_fail(c, "Division by zero");
        if (b == -1 || a % b == 0) {
            out->t = SX_INT;
            out->u.i = (int32_t)(uint32_t)(b == -1 ? (uint32_t)0 - (uint32_t)a : (uint32_t)(a / b));
        } else {
            out->t = SX_DOUBLE;
            out->u.d = (double)a / (double)b;
        }
        return true;
    default:
        if (b == 0)
            return sx_fail(c, "Modulo by zero");
        out->t = SX_INT;
        out->u.i = b == -1 ? 0 : a % b;
        return true;
    }
}

static bool compare(sx_ctx *c, sx_binop op, const sx_val *l, const sx_val *r, sx_val *out)
{
    out->t = SX_BOOL;
    out->lit = false;
    if (op == OP_EQ || op == OP_NE) {
        bool eq;
        if (l->t == SX_NULL || r->t == SX_NULL) {
            eq = l->t == r->t;
        } else {
            const char *a, *b;
            size_t an, bn;
            if (!sx_text(c, l, &a, &an) || !sx_text(c, r, &b, &bn))
                return false;
            eq = an == bn && memcmp(a, b, an) == 0;
        }
        out->u.b = op == OP_EQ ? eq : !eq;
        return true;
    }
    bool ln = l->t == SX_INT || l->t == SX_DOUBLE, rn = r->t == SX_INT || r->t == SX_DOUBLE;
    if (!ln || !rn) {
        const char *a, *b;
        size_t an, bn;
        sx_text(c, l, &a, &an);
        sx_text(c, r, &b, &bn);
        return sx_fail(c, "Comparison between non-numeric values: %.*s and %.*s", (int)an, a,
                       (int)bn, b);
    }
    double a = sx_as_double(l), b = sx_as_double(r);
    switch (op) {
    case OP_LT: out->u.b = a < b; break;
    case OP_LE: out->u.b = a <= b; break;
    case OP_GT: out->u.b = a > b; break;
    default: out->u.b = a >= b; break;
    }
    return true;
}

static bool eval_binary(sx_ctx *c, const sx_node *n, sx_val *out)
{
    sx_val l, r;
    if (!sx_eval(c, n->a, &l) || !sx_eval(c, n->b, &r))
        return false;
    sx_binop op = (sx_binop)n->op;
    if ((l.t == SX_NULL || r.t == SX_NULL) && op != OP_EQ && op != OP_NE) {
        static const char *const names[] = {"ADD", "SUBTRACT", "MULTIPLY", "DIVIDE", "MODULO",
            "EQUALS", "NOT_EQUALS", "LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN",
            "GREATER_THAN_OR_EQUAL", "AND", "OR"};
        return sx_fail(c, "Null inputs for %s operation", names[op]);
    }
    if (op == OP_AND || op == OP_OR) {
        if (l.t != SX_BOOL || r.t != SX_BOOL) {
            const char *a, *b;
            size_t an, bn;
            sx_text(c, &l, &a, &an);
            sx_text(c, &r, &b, &bn);
            return sx_fail(c, "Logical operation between non-boolean values: %.*s and %.*s",
                           (int)an, a, (int)bn, b);
        }
        out->t = SX_BOOL;
        out->lit = false;
        out->u.b = op == OP_AND ? l.u.b && r.u.b : l.u.b || r.u.b;
        return true;
    }
    if (op <= OP_MOD)
        return arith(c, op, &l, &r, out);
    return compare(c, op, &l, &r, out);
}

static bool eval_array(sx_ctx *c, const sx_node *n, sx_val *out)
{
    mc_buf b = MC_BUF_INIT;
    mc_buf_putc(&b, '[');
    for (size_t i = 0; i < n->nargs; i++) {
        sx_val v;
        if (!sx_eval(c, n->args[i], &v)) {
            mc_buf_free(&b);
            return false;
        }
        if (i)
            mc_buf_putc(&b, ',');
        const char *s;
        size_t len;
        if (v.t == SX_NULL) {
            mc_buf_free(&b);
            return sx_fail(c, "Null value in an array literal");
        }
        if (!sx_text(c, &v, &s, &len)) {
            mc_buf_free(&b);
            return false;
        }
        /* MI keeps JSON, Integer and Double items; anything else as its text */
        if (v.t == SX_JSON || v.t == SX_LIST || v.t == SX_INT || v.t == SX_DOUBLE)
            mc_buf_append(&b, s, len);
        else
            mc_buf_json_string(&b, s, len);
    }
    mc_buf_putc(&b, ']');
    mc_json j = b.oom ? NULL : sx_parse_json(c, b.data, b.len);
    mc_buf_free(&b);
    if (!j)
        return sx_fail(c, "array literal: not JSON (a non-finite number?)");
    out->t = SX_JSON;
    out->u.j = j;
    return true;
}

static bool eval_call(sx_ctx *c, const sx_node *n, sx_val *out)
{
    sx_val args[4];
    const mc_fn *fn = n->fn;
    if (!(fn->flags & FN_LAZY)) {
        static const char *const which[] = {"source", "argument1", "argument2", "argument3"};
        for (size_t i = 0; i < n->nargs; i++)
            if (!sx_eval(c, n->args[i], &args[i]))
                return false;
        for (size_t i = 0; i < n->nargs; i++)
            if (args[i].t == SX_NULL)
                return sx_fail(c, "Null %s value provided for the function: %s", which[i],
                               fn->name);
    }
    out->lit = false;
    return fn->impl(c, n, args, n->nargs, out);
}

bool sx_eval(sx_ctx *c, const sx_node *n, sx_val *out)
{
    switch ((sx_kind)n->kind) {
    case N_LIT:
        *out = n->lit;
        return true;
    case N_ARRAY:
        return eval_array(c, n, out);
    case N_NEG: {
        if (!sx_eval(c, n->a, out))
            return false;
        if (out->t == SX_INT) {
            out->u.i = (int32_t)(0u - (uint32_t)out->u.i);
        } else if (out->t == SX_LONG) {
            out->u.i = (int64_t)(0ull - (uint64_t)out->u.i);
        } else if (out->t == SX_DOUBLE) {
            out->u.d = -out->u.d;
        } else {
            const char *s;
            size_t len;
            sx_text(c, out, &s, &len);
            return sx_fail(c, "Cannot negate a non-numeric value : %.*s", (int)len, s);
        }
        return true;
    }
    case N_NOT:
        if (!sx_eval(c, n->a, out))
            return false;
        if (out->t != SX_BOOL)
            return sx_fail(c, "Value : %s cannot be converted to boolean",
                           out->t == SX_NULL ? "null" : "a non-boolean");
        out->u.b = !out->u.b;
        return true;
    case N_BIN:
    case N_LOGIC:
        return eval_binary(c, n, out);
    case N_COND: {
        sx_val cond;
        if (!sx_eval(c, n->a, &cond))
            return false;
        if (cond.t == SX_NULL)
            return sx_fail(c, "Condition is null in conditional expression");
        if (cond.t != SX_BOOL)
            return sx_fail(c, "Condition is not a boolean in conditional expression");
        return sx_eval(c, cond.u.b ? n->b : n->c, out);
    }
    case N_PAYLOAD:
        return eval_payload(c, out);
    case N_VAR:
        return eval_var(c, n, out);
    case N_HEADER:
    case N_PROP:
    case N_PARAM:
    case N_CONFIG:
        return eval_lookup(c, n, out);
    case N_CALL:
        return eval_call(c, n, out);
    case N_PATH:
        return eval_path(c, n, out);
    }
    return sx_fail(c, "invalid expression");
}

/* ---- public ---------------------------------------------------------------- */

mc_code mc_synexpr_eval(const mc_synexpr *x, mc_message *m, bool object_mode,
                        mc_value *out, mc_err *err)
{
    sx_ctx c;
    c.m = m;
    c.x = x;
    c.object_mode = object_mode;
    c.err[0] = '\0';
    sx_val v;
    memset(out, 0, sizeof *out);
    out->text = "";
    bool ok = sx_eval(&c, x->root, &v);
    if (ok && v.t != SX_NULL) {
        const char *s;
        size_t n;
        /* the text is NUL-terminated for callers (JSON strings are not) */
        ok = sx_text(&c, &v, &s, &n);
        if (ok && (v.t == SX_STRING || v.t == SX_BIG)) {
            char *d = mc_arena_strndup(&m->arena, s, n);
            ok = d != NULL;
            s = d;
            if (!ok)
                oom(&c);
        }
        if (ok) {
            out->text = s;
            out->len = n;
            static const mc_vkind kinds[] = {
                [SX_NULL] = MC_V_NULL, [SX_BOOL] = MC_V_BOOL, [SX_INT] = MC_V_INT,
                [SX_LONG] = MC_V_LONG, [SX_DOUBLE] = MC_V_DOUBLE, [SX_BIG] = MC_V_BIG,
                [SX_STRING] = MC_V_STRING, [SX_JSON] = MC_V_JSON, [SX_LIST] = MC_V_JSON,
                [SX_XML] = MC_V_XML};
            out->kind = kinds[v.t];
            out->b = v.t == SX_BOOL && v.u.b;
            out->i = v.t == SX_INT || v.t == SX_LONG ? v.u.i : 0;
            out->d = v.t == SX_DOUBLE ? v.u.d : 0;
        }
    }
    if (ok)
        return MC_OK;
    bool nomem = strcmp(c.err, "out of memory") == 0;
    mc_err_set(err, nomem ? MC_ENOMEM : MC_EINVAL, "%s", c.err);
    out->kind = MC_V_NULL;
    out->text = "";
    out->len = 0;
    return nomem ? MC_ENOMEM : MC_EINVAL;
}
