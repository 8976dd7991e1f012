/* shape.c - checks a parameter's value against the model shape it names,
 * before anything is sent: structure members (required, unknown), the
 * types of list items and map keys and values, numeric ranges, lengths
 * (in characters, as the SDKs count them) and enums.  Patterns are
 * recorded in the descriptors but not checked (the SDKs do not check them
 * either; the service does).  Also the timestamp forms the SDKs accept and
 * send. */
#include "connector/shape.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json/json.h"
#include "util/codec.h"

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
    if (YAJL_IS_STRING(v))
        return J_STRING;
    if (YAJL_IS_NUMBER(v))
        return J_NUMBER;
    if (YAJL_IS_OBJECT(v))
        return J_OBJECT;
    if (YAJL_IS_ARRAY(v))
        return J_ARRAY;
    if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
        return J_BOOL;
    return J_NULL;
}

static const char *json_string(mc_json v, size_t *len)
{
    *len = strlen(v->u.string);
    return v->u.string;
}

static const char *json_number_text(mc_json v) { return v->u.number.r; }
static size_t json_object_len(mc_json v) { return v->u.object.len; }
static const char *json_object_key(mc_json v, size_t i) { return v->u.object.keys[i]; }
static mc_json json_object_value(mc_json v, size_t i) { return v->u.object.values[i]; }
static size_t json_array_len(mc_json v) { return v->u.array.len; }
static mc_json json_array_at(mc_json v, size_t i) { return v->u.array.values[i]; }

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

static size_t push(checker *ck, const char *fmt, const char *s, size_t n, size_t index)
{
    size_t old = ck->plen;
    int k;
    if (s)
        k = snprintf(ck->path + ck->plen, sizeof ck->path - ck->plen, fmt,
                     ck->plen ? "." : "", (int)(n > 40 ? 40 : n), s);
    else
        k = snprintf(ck->path + ck->plen, sizeof ck->path - ck->plen, fmt, index);
    if (k > 0)
        ck->plen = ck->plen + (size_t)k < sizeof ck->path ? ck->plen + (size_t)k
                                                           : sizeof ck->path - 1;
    return old;
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

/* Text of a whole number (no fraction, no exponent) within 64 bits. */
static bool parse_whole(const char *v, size_t n, long long *out)
{
    char tmp[32];
    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    char *end;
    errno = 0;
    *out = strtoll(tmp, &end, 10);
    return *end == '\0' && errno == 0;
}

static bool parse_real(const char *v, size_t n, double *out)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    char *end;
    errno = 0;
    *out = strtod(tmp, &end);
    return *end == '\0' && errno == 0 && isfinite(*out);
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
        return !parse_whole(v, n, &i) || check_range(ck, s, (double)i, v, n);
    case MC_SK_DOUBLE:
        return !parse_real(v, n, &d) || check_range(ck, s, d, v, n);
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
    size_t n = json_object_len(v);
    for (size_t i = 0; i < n; i++) {
        const char *key = json_object_key(v, i);
        const mc_cmember *m = NULL;
        for (size_t j = 0; j < s->nmembers && !m; j++)
            if (strcmp(s->members[j].name, key) == 0)
                m = &s->members[j];
        if (!m) {
            mc_buf b = MC_BUF_INIT;
            for (size_t j = 0; j < s->nmembers; j++)
                mc_buf_printf(&b, "%s%s", j ? ", " : "", s->members[j].name);
            bool r = report(ck, "unknown member '%.*s'; the members are %s", ITEM_MAX, key,
                            mc_buf_cstr(&b));
            mc_buf_free(&b);
            return r;
        }
        size_t old = push(ck, "%s%.*s", key, strlen(key), 0);
        bool ok = check_json(ck, m->shape, json_object_value(v, i), depth + 1);
        pop(ck, old);
        if (!ok)
            return false;
    }
    for (size_t j = 0; j < s->nmembers; j++) {
        if (!s->members[j].required)
            continue;
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(json_object_key(v, i), s->members[j].name) == 0;
        if (!found)
            return report(ck, "required member '%s' is missing", s->members[j].name);
    }
    return true;
}

static bool check_map(checker *ck, const mc_cshape *s, mc_json v, unsigned depth)
{
    if (!want(ck, v, J_OBJECT, "a JSON object"))
        return false;
    size_t n = json_object_len(v);
    if (!check_length(ck, s, n, "number of entries"))
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *key = json_object_key(v, i);
        size_t old = push(ck, "%skey '%.*s'", key, strlen(key), 0);
        bool ok = !s->key || check_string(ck, s->key, key, strlen(key));
        pop(ck, old);
        old = push(ck, "%s'%.*s'", key, strlen(key), 0);
        ok = ok && (!s->value || check_json(ck, s->value, json_object_value(v, i), depth + 1));
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
    size_t n = json_array_len(v);
    if (!check_length(ck, s, n, "number of items"))
        return false;
    for (size_t i = 0; i < n && s->member; i++) {
        size_t old = push(ck, "[%zu]", NULL, 0, i);
        bool ok = check_json(ck, s->member, json_array_at(v, i), depth + 1);
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
    const char *t = json_number_text(v);
    long long i;
    double d;
    if (whole && !parse_whole(t, strlen(t), &i))
        return report(ck, "must be a whole number, not %s", t);
    if (!parse_real(t, strlen(t), &d))
        return report(ck, "%s is not a finite number", t);
    return check_range(ck, s, d, t, strlen(t));
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
        str = json_string(v, &n);
        ok = n % 4 == 0 && mc_base64_decode(&b, str, n);
        ok = ok ? check_length(ck, s, b.len, "decoded length")
                : report(ck, "must be base64 text (standard alphabet, padded)");
        mc_buf_free(&b);
        return ok;
    case MC_SK_STRING:
    default:
        if (!want(ck, v, J_STRING, "a string"))
            return false;
        str = json_string(v, &n);
        return check_string(ck, s, str, n);
    }
}

/* A comma-separated list: each trimmed non-empty item as a string item. */
static bool check_comma_list(checker *ck, const mc_cshape *s, const char *v, size_t n)
{
    if (s->member && s->member->kind != MC_SK_STRING)
        return report(ck, "must be a JSON array (its items are not strings)");
    size_t count = 0;
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && v[j] != ',')
            j++;
        const char *item = v + i;
        size_t len = j - i;
        while (len && (*item == ' ' || *item == '\t' || *item == '\n' || *item == '\r'))
            item++, len--;
        while (len && (item[len - 1] == ' ' || item[len - 1] == '\t' ||
                       item[len - 1] == '\n' || item[len - 1] == '\r'))
            len--;
        if (len) {
            size_t old = push(ck, "[%zu]", NULL, 0, count);
            bool ok = !s->member || check_string(ck, s->member, item, len);
            pop(ck, old);
            if (!ok)
                return false;
            count++;
        }
        i = j + 1;
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
    checker ck = {.err = err};
    switch (p->type) {
    case MC_CPT_JSON:
    case MC_CPT_OBJECT:
    case MC_CPT_LIST: {
        if (p->type == MC_CPT_LIST && (n == 0 || v[0] != '['))
            return check_comma_list(&ck, s, v, n);
        mc_json j = mc_json_parse(v, n, err);
        if (!j)
            return false;
        bool ok = check_json(&ck, s, j, 0);
        mc_json_free(j);
        return ok;
    }
    default:
        return check_text(&ck, s, p->type, v, n);
    }
}

/* ---- timestamps --------------------------------------------------------- */

static bool digits(const char *v, size_t n, size_t at, size_t count, int *out)
{
    int x = 0;
    if (at + count > n)
        return false;
    for (size_t i = at; i < at + count; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (v[i] - '0');
    }
    *out = x;
    return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool parse_iso(const char *v, size_t n, int64_t *sec, int32_t *usec)
{
    int y, mo, d, h = 0, mi = 0, s = 0;
    if (!digits(v, n, 0, 4, &y) || n < 10 || v[4] != '-' || !digits(v, n, 5, 2, &mo) ||
        v[7] != '-' || !digits(v, n, 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return false;
    size_t i = 10;
    int32_t frac = 0;
    int off = 0;
    if (i < n) {
        if ((v[i] != 'T' && v[i] != 't' && v[i] != ' ') || !digits(v, n, i + 1, 2, &h) ||
            i + 3 >= n || v[i + 3] != ':' || !digits(v, n, i + 4, 2, &mi))
            return false;
        i += 6;
        if (i < n && v[i] == ':') {
            if (!digits(v, n, i + 1, 2, &s))
                return false;
            i += 3;
        }
        if (i < n && (v[i] == '.' || v[i] == ',')) {
            int scale = 100000, dgt;
            for (i++; i < n && digits(v, n, i, 1, &dgt); i++, scale /= 10)
                frac += scale ? dgt * scale : 0;
        }
        if (i < n && (v[i] == 'Z' || v[i] == 'z')) {
            i++;
        } else if (i < n && (v[i] == '+' || v[i] == '-')) {
            int oh, om = 0;
            if (!digits(v, n, i + 1, 2, &oh))
                return false;
            size_t k = i + 3;
            if (k < n && v[k] == ':')
                k++;
            if (k < n && !digits(v, n, k, 2, &om))
                return false;
            off = (oh * 60 + om) * 60 * (v[i] == '-' ? -1 : 1);
            i = k < n ? k + 2 : k;
        }
    }
    if (i != n || h > 23 || mi > 59 || s > 60)
        return false;
    *sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off;
    *usec = frac;
    return true;
}

bool mc_timestamp_parse(const char *v, size_t n, int64_t *sec, int32_t *usec)
{
    double d;
    size_t i = n && v[0] == '-', dots = 0;
    for (; i < n && ((v[i] >= '0' && v[i] <= '9') || v[i] == '.'); i++)
        dots += v[i] == '.';
    if (n && i == n && dots <= 1 && parse_real(v, n, &d) && fabs(d) < 1e13) {
        *sec = (int64_t)floor(d);
        *usec = (int32_t)llround((d - floor(d)) * 1e6);
        if (*usec >= 1000000)
            *sec += 1, *usec -= 1000000;
        return true;
    }
    return parse_iso(v, n, sec, usec);
}

void mc_timestamp_query(mc_buf *out, int64_t sec, int32_t usec)
{
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    if (usec)
        mc_buf_printf(out, "%s.%06dZ", buf, (int)usec);
    else
        mc_buf_printf(out, "%sZ", buf);
}

void mc_timestamp_json(mc_buf *out, int64_t sec)
{
    mc_buf_printf(out, "%lld", (long long)sec);
}
