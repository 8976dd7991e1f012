/* shape.c - checks a parameter's value against the model shape it names,
 * before anything is sent: structure members (required, unknown), the
 * types of list items and map keys and values, numeric ranges, lengths
 * (in characters, as the SDKs count them) and enums.  Patterns are
 * recorded in the descriptors but not checked (the SDKs do not check them
 * either; the service does).  Also the timestamp forms the SDKs accept and
 * send. */
#include "connector/shape.h"

#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "util/codec.h"
#include "util/number.h"

#define PATH_MAX_LEN 200
#define ITEM_MAX 60

typedef struct checker {
    char path[PATH_MAX_LEN];     /* where in the value: "VpcConfig.SubnetIds[0]" */
    size_t plen;
    mc_err *err;
} checker;

/* ---- JSON access (one place that knows the tree's layout) --------------- */

typedef enum { J_STRING, J_NUMBER, J_OBJECT, J_ARRAY, J_BOOL, J_NULL } jkind;

static jkind json_kind(mc_json v)
{
    switch (mc_json_type_of(v)) {
    case MC_JSON_STRING: return J_STRING;
    case MC_JSON_NUMBER: return J_NUMBER;
    case MC_JSON_OBJECT: return J_OBJECT;
    case MC_JSON_ARRAY: return J_ARRAY;
    case MC_JSON_TRUE:
    case MC_JSON_FALSE: return J_BOOL;
    default: return J_NULL;
    }
}

static const char *const jkind_names[] = {"a string", "a number", "an object", "an array",
                                          "a boolean", "null"};

/* ---- messages ----------------------------------------------------------- */

static bool report(checker *ck, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool report(checker *ck, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ck->plen)
        mc_err_set(ck->err, MC_EPARSE, "%s: %s", ck->path, msg);
    else
        mc_err_set(ck->err, MC_EPARSE, "%s", msg);
    return false;
}

/* Extend the path with a member name (fmt: "%s" for the separator, then
 * "%.*s" for the name) or an index ("[%zu]"); the old length is returned
 * for pop. */
static size_t push_len(checker *ck, int k)
{
    size_t old = ck->plen;
    if (k > 0)
        ck->plen = ck->plen + (size_t)k < sizeof ck->path ? ck->plen + (size_t)k
                                                           : sizeof ck->path - 1;
    return old;
}

static size_t push_name(checker *ck, const char *fmt, const char *s, size_t n)
{
    return push_len(ck, snprintf(ck->path + ck->plen, sizeof ck->path - ck->plen, fmt,
                                 ck->plen ? "." : "", (int)(n > 40 ? 40 : n), s ? s : ""));
}

static size_t push_index(checker *ck, size_t index)
{
    return push_len(ck, snprintf(ck->path + ck->plen, sizeof ck->path - ck->plen, "[%zu]",
                                 index));
}

static void pop(checker *ck, size_t old)
{
    ck->plen = old;
    ck->path[old] = '\0';
}

/* A number as the model writes it: 128, 0.5. */
static void num_text(char *buf, size_t cap, double x)
{
    if (x == floor(x) && fabs(x) < 1e15)
        snprintf(buf, cap, "%.0f", x);
    else
        snprintf(buf, cap, "%g", x);
}

/* ---- scalar rules ------------------------------------------------------- */

/* Characters of UTF-8 text (what the SDKs count as a string's length). */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

static bool check_length(checker *ck, const mc_cshape *s, size_t len, const char *what)
{
    char lim[32];
    if (s->has_min && (double)len < s->min) {
        num_text(lim, sizeof lim, s->min);
        return report(ck, "%s %zu is below the minimum length %s", what, len, lim);
    }
    if (s->has_max && (double)len > s->max) {
        num_text(lim, sizeof lim, s->max);
        return report(ck, "%s %zu is above the maximum length %s", what, len, lim);
    }
    return true;
}

static bool check_range(checker *ck, const mc_cshape *s, double x, const char *text,
                        size_t tlen)
{
    char lim[32];
    if (s->has_min && x < s->min) {
        num_text(lim, sizeof lim, s->min);
        return report(ck, "%.*s is below the minimum %s", (int)tlen, text, lim);
    }
    if (s->has_max && x > s->max) {
        num_text(lim, sizeof lim, s->max);
        return report(ck, "%.*s is above the maximum %s", (int)tlen, text, lim);
    }
    return true;
}

static bool check_string(checker *ck, const mc_cshape *s, const char *v, size_t n)
{
    if (s->nenums) {
        for (size_t i = 0; i < s->nenums; i++)
            if (strlen(s->enums[i]) == n && memcmp(s->enums[i], v, n) == 0)
                return true;
        mc_buf b = MC_BUF_INIT;
        for (size_t i = 0; i < s->nenums; i++)
            mc_buf_printf(&b, "%s%s", i ? ", " : "", s->enums[i]);
        bool r = report(ck, "'%.*s%s' is not one of the allowed values: %s",
                        (int)(n > ITEM_MAX ? ITEM_MAX : n), v, n > ITEM_MAX ? "..." : "",
                        mc_buf_cstr(&b));
        mc_buf_free(&b);
        return r;
    }
    return check_length(ck, s, utf8_chars(v, n), "length");
}

/* A scalar given as text (path, query, header, or a typed body member). */
static bool check_text(checker *ck, const mc_cshape *s, mc_cp_type t, const char *v, size_t n)
{
    long long i;
    double d;
    mc_buf b = MC_BUF_INIT;
    bool ok = true;
    switch (s->kind) {
    case MC_SK_STRING:
        return check_string(ck, s, v, n);
    case MC_SK_INTEGER:
    case MC_SK_LONG:
        return !mc_parse_int64(v, n, &i) || check_range(ck, s, (double)i, v, n);
    case MC_SK_DOUBLE:
        return !mc_parse_double(v, n, &d) || check_range(ck, s, d, v, n);
    case MC_SK_BLOB:
        if (t == MC_CPT_BASE64 && mc_base64_decode(&b, v, n))
            ok = check_length(ck, s, b.len, "decoded length");
        else if (t == MC_CPT_RAW)
            ok = check_length(ck, s, n, "length");
        mc_buf_free(&b);
        return ok;
    default:
        return true;
    }
}

/* ---- JSON values -------------------------------------------------------- */

static bool check_json(checker *ck, const mc_cshape *s, mc_json v, unsigned depth);

static bool want(checker *ck, mc_json v, jkind k, const char *what)
{
    jkind have = json_kind(v);
    if (have == k || (k == J_BOOL && have == J_BOOL))
        return true;
    return report(ck, "must be %s, not %s", what, jkind_names[have]);
}

static bool check_structure(checker *ck, const mc_cshape *s, mc_json v, unsigned depth)
{
    if (!want(ck, v, J_OBJECT, "a JSON object"))
        return false;
    size_t n = mc_json_count(v);
    for (size_t i = 0; i < n; i++) {
        size_t kl;
        const char *key = mc_json_key(v, i, &kl);
        const mc_cmember *m = NULL;
        for (size_t j = 0; j < s->nmembers && !m; j++)
            if (strlen(s->members[j].name) == kl && memcmp(s->members[j].name, key, kl) == 0)
                m = &s->members[j];
        if (!m) {
            mc_buf b = MC_BUF_INIT;
            for (size_t j = 0; j < s->nmembers; j++)
                mc_buf_printf(&b, "%s%s", j ? ", " : "", s->members[j].name);
            bool r = report(ck, "unknown member '%.*s'; the members are %s",
                            (int)(kl > ITEM_MAX ? ITEM_MAX : kl), key, mc_buf_cstr(&b));
            mc_buf_free(&b);
            return r;
        }
        size_t old = push_name(ck, "%s%.*s", key, kl);
        bool ok = check_json(ck, m->shape, mc_json_at(v, i), depth + 1);
        pop(ck, old);
        if (!ok)
            return false;
    }
    for (size_t j = 0; j < s->nmembers; j++) {
        if (!s->members[j].required)
            continue;
        bool found = mc_json_get(v, s->members[j].name, strlen(s->members[j].name)) != NULL;
        if (!found)
            return report(ck, "required member '%s' is missing", s->members[j].name);
    }
    return true;
}

static bool check_map(checker *ck, const mc_cshape *s, mc_json v, unsigned depth)
{
    if (!want(ck, v, J_OBJECT, "a JSON object"))
        return false;
    size_t n = mc_json_count(v);
    if (!check_length(ck, s, n, "number of entries"))
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t kl;
        const char *key = mc_json_key(v, i, &kl);
        size_t old = push_name(ck, "%skey '%.*s'", key, kl);
        bool ok = !s->key || check_string(ck, s->key, key, kl);
        pop(ck, old);
        old = push_name(ck, "%s'%.*s'", key, kl);
        ok = ok && (!s->value || check_json(ck, s->value, mc_json_at(v, i), depth + 1));
        pop(ck, old);
        if (!ok)
            return false;
    }
    return true;
}

static bool check_list(checker *ck, const mc_cshape *s, mc_json v, unsigned depth)
{
    if (!want(ck, v, J_ARRAY, "a JSON array"))
        return false;
    size_t n = mc_json_count(v);
    if (!check_length(ck, s, n, "number of items"))
        return false;
    for (size_t i = 0; i < n && s->member; i++) {
        size_t old = push_index(ck, i);
        bool ok = check_json(ck, s->member, mc_json_at(v, i), depth + 1);
        pop(ck, old);
        if (!ok)
            return false;
    }
    return true;
}

static bool check_number(checker *ck, const mc_cshape *s, mc_json v, bool whole)
{
    if (!want(ck, v, J_NUMBER, whole ? "a whole number" : "a number"))
        return false;
    size_t tl;
    const char *t = mc_json_str(v, &tl);
    long long i;
    double d;
    if (whole && !mc_parse_int64(t, tl, &i))
        return report(ck, "must be a whole number, not %.*s", (int)tl, t);
    if (!mc_parse_double(t, tl, &d))
        return report(ck, "%.*s is not a finite number", (int)tl, t);
    return check_range(ck, s, d, t, tl);
}

static bool check_json(checker *ck, const mc_cshape *s, mc_json v, unsigned depth)
{
    size_t n;
    const char *str;
    mc_buf b = MC_BUF_INIT;
    bool ok;
    if (depth > 64)
        return report(ck, "nested too deeply");
    switch (s->kind) {
    case MC_SK_STRUCTURE:
        return check_structure(ck, s, v, depth);
    case MC_SK_MAP:
        return check_map(ck, s, v, depth);
    case MC_SK_LIST:
        return check_list(ck, s, v, depth);
    case MC_SK_INTEGER:
    case MC_SK_LONG:
        return check_number(ck, s, v, true);
    case MC_SK_DOUBLE:
        return check_number(ck, s, v, false);
    case MC_SK_BOOLEAN:
        return want(ck, v, J_BOOL, "true or false");
    case MC_SK_TIMESTAMP:
        return want(ck, v, J_NUMBER, "a number (epoch seconds)");
    case MC_SK_BLOB:
        if (!want(ck, v, J_STRING, "a string (base64)"))
            return false;
        str = mc_json_str(v, &n);
        ok = n % 4 == 0 && mc_base64_decode(&b, str, n);
        ok = ok ? check_length(ck, s, b.len, "decoded length")
                : report(ck, "must be base64 text (standard alphabet, padded)");
        mc_buf_free(&b);
        return ok;
    case MC_SK_STRING:
    default:
        if (!want(ck, v, J_STRING, "a string"))
            return false;
        str = mc_json_str(v, &n);
        return check_string(ck, s, str, n);
    }
}

/* A comma-separated list: each trimmed non-empty item as a string item. */
static bool check_comma_list(checker *ck, const mc_cshape *s, const char *v, size_t n)
{
    if (s->member && s->member->kind != MC_SK_STRING)
        return report(ck, "must be a JSON array (its items are not strings)");
    size_t count = 0, pos = 0, len;
    const char *item;
    while (mc_cp_comma_item(v, n, &pos, &item, &len)) {
        size_t old = push_index(ck, count);
        bool ok = !s->member || check_string(ck, s->member, item, len);
        pop(ck, old);
        if (!ok)
            return false;
        count++;
    }
    return check_length(ck, s, count, "number of items");
}

bool mc_cparam_check(const mc_cparam *p, const char *v, size_t n, mc_err *err)
{
    if (!mc_cp_check(p->type, v, n, err))
        return false;
    const mc_cshape *s = p->shape;
    if (!s)
        return true;
    checker ck;    /* not zeroed whole: the path is a C string */
    ck.plen = 0;
    ck.path[0] = '\0';
    ck.err = err;
    switch (p->type) {
    case MC_CPT_JSON:
    case MC_CPT_OBJECT:
    case MC_CPT_LIST: {
        if (p->type == MC_CPT_LIST && (n == 0 || v[0] != '['))
            return check_comma_list(&ck, s, v, n);
        mc_arena a;
        mc_arena_init(&a, 4096);
        mc_json j = mc_json_parse(&a, v, n, err);
        bool ok = j && check_json(&ck, s, j, 0);
        mc_arena_free(&a);
        return ok;
    }
    default:
        return check_text(&ck, s, p->type, v, n);
    }
}
