/* json.c - JSON parsing (yajl event parser building a yajl_val tree),
 * compact serialisation and scalar text.
 *
 * The tree is the one yajl_tree builds (every node, string, key and number
 * text is its own malloc block), so yajl_tree_free would free it too.  We
 * build it ourselves from the event API to get byte offsets in errors, a
 * nesting limit, and no need for NUL-terminated input. */
#include "json/json.h"
#include "json/json_internal.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

/* ---- small helpers ----------------------------------------------------- */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

double mc_json_strtod(const char *s, char **end)
{
    pthread_once(&c_locale_once, c_locale_init);
    if (c_locale)
        return strtod_l(s, end, c_locale);
    return strtod(s, end);
}

bool mc_json_number_text(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return false;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return false;
    }
    if (i < n && s[i] == '.') {
        i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

mc_json mc_json_member(mc_json v, const char *name, size_t n)
{
    if (!v || v->type != yajl_t_object)
        return NULL;
    for (size_t i = v->u.object.len; i-- > 0;) {
        const char *k = v->u.object.keys[i];
        if ((n == 0 || k[0] == name[0]) && strncmp(k, name, n) == 0 &&
            k[n] == '\0')
            return v->u.object.values[i];
    }
    return NULL;
}

void mc_json_number_init(mc_json v, char *text, size_t n)
{
    v->type = yajl_t_number;
    v->u.number.r = text;
    v->u.number.flags = 0;
    v->u.number.i = 0;
    v->u.number.d = 0;
    char *end;
    bool integral = true;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '.' || text[i] == 'e' || text[i] == 'E') {
            integral = false;
            break;
        }
    }
    if (integral) {
        errno = 0;
        long long i = strtoll(text, &end, 10);
        if (errno == 0 && end == text + n) {
            v->u.number.i = i;
            v->u.number.flags |= YAJL_NUMBER_INT_VALID;
        }
    }
    errno = 0;
    double d = mc_json_strtod(text, &end);
    v->u.number.d = d; /* kept even when out of range (inf or 0) */
    if (errno == 0 && end == text + n)
        v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
}

void mc_json_free(mc_json v)
{
    if (!v)
        return;
    switch (v->type) {
    case yajl_t_string:
        free(v->u.string);
        break;
    case yajl_t_number:
        free(v->u.number.r);
        break;
    case yajl_t_object:
        for (size_t i = 0; i < v->u.object.len; i++) {
            free((char *)v->u.object.keys[i]);
            mc_json_free(v->u.object.values[i]);
        }
        free(v->u.object.keys);
        free(v->u.object.values);
        break;
    case yajl_t_array:
        for (size_t i = 0; i < v->u.array.len; i++)
            mc_json_free(v->u.array.values[i]);
        free(v->u.array.values);
        break;
    default:
        break;
    }
    free(v);
}

/* ---- parser ------------------------------------------------------------ */

typedef struct frame {
    mc_json v;       /* object or array being filled */
    size_t cap;      /* capacity of its values (and keys) arrays */
    char *key;       /* pending object key, owned */
} frame;

typedef struct pctx {
    yajl_handle h;
    mc_json root;
    frame *stack;
    size_t depth;    /* frames in use */
    size_t cap;      /* frames allocated */
    bool oom;
    bool too_deep;
    size_t deep_at;  /* offset of the bracket that went too deep */
    size_t last_end; /* offset after the last token a callback saw */
    int last_kind;   /* that token: 0 none or '{' '[', 1 value or end, 2 key */
} pctx;

static void seen(pctx *c, int kind)
{
    c->last_end = yajl_get_bytes_consumed(c->h);
    c->last_kind = kind;
}

static mc_json new_node(pctx *c, yajl_type t)
{
    mc_json v = calloc(1, sizeof *v);
    if (!v)
        c->oom = true;
    else
        v->type = t;
    return v;
}

/* Attach v (already allocated) to the current container, or make it the
 * root.  Frees v on failure. */
static int attach(pctx *c, mc_json v)
{
    if (!v)
        return 0;
    if (c->depth == 0) {
        c->root = v;
        return 1;
    }
    frame *f = &c->stack[c->depth - 1];
    mc_json p = f->v;
    if (p->type == yajl_t_object) {
        if (p->u.object.len == f->cap) {
            size_t ncap = f->cap ? f->cap * 2 : 8;
            const char **k = realloc(p->u.object.keys, ncap * sizeof *k);
            if (!k)
                goto oom;
            p->u.object.keys = k;
            mc_json *vals = realloc(p->u.object.values, ncap * sizeof *vals);
            if (!vals)
                goto oom;
            p->u.object.values = vals;
            f->cap = ncap;
        }
        p->u.object.keys[p->u.object.len] = f->key;
        p->u.object.values[p->u.object.len] = v;
        p->u.object.len++;
        f->key = NULL;
    } else {
        if (p->u.array.len == f->cap) {
            size_t ncap = f->cap ? f->cap * 2 : 8;
            mc_json *vals = realloc(p->u.array.values, ncap * sizeof *vals);
            if (!vals)
                goto oom;
            p->u.array.values = vals;
            f->cap = ncap;
        }
        p->u.array.values[p->u.array.len++] = v;
    }
    return 1;
oom:
    c->oom = true;
    mc_json_free(v);
    return 0;
}

static int cb_null(void *ctx)
{
    pctx *c = ctx;
    seen(c, 1);
    return attach(c, new_node(c, yajl_t_null));
}

static int cb_boolean(void *ctx, int b)
{
    pctx *c = ctx;
    seen(c, 1);
    return attach(c, new_node(c, b ? yajl_t_true : yajl_t_false));
}

static int cb_number(void *ctx, const char *s, size_t n)
{
    pctx *c = ctx;
    seen(c, 1);
    mc_json v = new_node(c, yajl_t_number);
    if (!v)
        return 0;
    char *r = malloc(n + 1);
    if (!r) {
        free(v);
        c->oom = true;
        return 0;
    }
    memcpy(r, s, n);
    r[n] = '\0';
    mc_json_number_init(v, r, n);
    return attach(c, v);
}

static char *dup_bytes(pctx *c, const unsigned char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) {
        c->oom = true;
        return NULL;
    }
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
    pctx *c = ctx;
    seen(c, 1);
    mc_json v = new_node(c, yajl_t_string);
    if (!v)
        return 0;
    if (!(v->u.string = dup_bytes(c, s, n))) {
        free(v);
        return 0;
    }
    return attach(c, v);
}

static int push(pctx *c, yajl_type t)
{
    seen(c, 0);
    if (c->depth >= MC_JSON_MAX_DEPTH) {
        c->too_deep = true;
        size_t at = yajl_get_bytes_consumed(c->h);
        c->deep_at = at ? at - 1 : 0;
        return 0;
    }
    if (c->depth == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        frame *s = realloc(c->stack, ncap * sizeof *s);
        if (!s) {
            c->oom = true;
            return 0;
        }
        c->stack = s;
        c->cap = ncap;
    }
    mc_json v = new_node(c, t);
    if (!attach(c, v))
        return 0;
    frame *f = &c->stack[c->depth++];
    f->v = v;
    f->cap = 0;
    f->key = NULL;
    return 1;
}

static int cb_start_map(void *ctx) { return push(ctx, yajl_t_object); }
static int cb_start_array(void *ctx) { return push(ctx, yajl_t_array); }

static int cb_map_key(void *ctx, const unsigned char *s, size_t n)
{
    pctx *c = ctx;
    seen(c, 2);
    frame *f = &c->stack[c->depth - 1];
    free(f->key);
    f->key = dup_bytes(c, s, n);
    return f->key != NULL;
}

static int cb_end(void *ctx)
{
    pctx *c = ctx;
    seen(c, 1);
    c->depth--;
    return 1;
}

static const yajl_callbacks tree_callbacks = {
    cb_null, cb_boolean, NULL, NULL, cb_number, cb_string,
    cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end,
};

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Offset of the token the parser refused: the first one after the last
 * token it accepted, past the separator that token may be followed by. */
static size_t bad_token(const pctx *c, const char *t, size_t len)
{
    size_t i = c->last_end;
    while (i < len && is_space(t[i]))
        i++;
    if (i < len && ((c->last_kind == 1 && t[i] == ',') ||
                    (c->last_kind == 2 && t[i] == ':'))) {
        i++;
        while (i < len && is_space(t[i]))
            i++;
    }
    return i < len ? i : len;
}

static void set_yajl_error(mc_err *err, yajl_handle h, const char *text,
                           size_t len, size_t off)
{
    if (!err)
        return;
    unsigned char *m = yajl_get_error(h, 0, (const unsigned char *)text, len);
    const char *msg = m ? (const char *)m : "syntax error";
    const char *colon = strstr(msg, "error: ");
    if (colon)
        msg = colon + 7;
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '.'))
        n--;
    mc_err_set(err, MC_EPARSE, "invalid JSON at offset %zu: %.*s", off,
               (int)n, msg);
    if (m)
        yajl_free_error(h, m);
}

mc_json mc_json_parse(const char *text, size_t len, mc_err *err)
{
    if (!text)
        len = 0;
    pctx c = {0};
    yajl_handle h = yajl_alloc(&tree_callbacks, NULL, &c);
    if (!h) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    c.h = h;
    yajl_status st = yajl_parse(h, (const unsigned char *)(text ? text : ""), len);
    bool at_end = false;
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
        at_end = true;
    }
    if (st != yajl_status_ok) {
        if (c.oom) {
            mc_err_set(err, MC_ENOMEM, "out of memory");
        } else if (c.too_deep) {
            mc_err_set(err, MC_EPARSE,
                       "invalid JSON at offset %zu: nesting deeper than %d levels",
                       c.deep_at, MC_JSON_MAX_DEPTH);
        } else {
            size_t off;
            if (at_end) {
                off = len;
            } else {
                off = yajl_get_bytes_consumed(h);
                if (off > len)
                    off = len;
                unsigned char *m =
                    yajl_get_error(h, 0, (const unsigned char *)text, len);
                const char *ms = m ? (const char *)m : "";
                if (strncmp(ms, "lexical", 7) != 0)
                    off = bad_token(&c, text, len);
                else if ((strstr(ms, "invalid char in json text") ||
                          strstr(ms, "invalid bytes in UTF8")) && off > 0)
                    off--; /* yajl has consumed the offending byte */
                if (m)
                    yajl_free_error(h, m);
            }
            set_yajl_error(err, h, text, len, off);
        }
        for (size_t i = 0; i < c.depth; i++)
            free(c.stack[i].key);
        mc_json_free(c.root);
        free(c.stack);
        yajl_free(h);
        return NULL;
    }
    free(c.stack);
    yajl_free(h);
    return c.root;
}

/* ---- validation -------------------------------------------------------- */

typedef struct vctx {
    size_t depth;
} vctx;

static int vc_start(void *ctx)
{
    vctx *c = ctx;
    return ++c->depth <= MC_JSON_MAX_DEPTH;
}

static int vc_end(void *ctx)
{
    vctx *c = ctx;
    c->depth--;
    return 1;
}

static const yajl_callbacks valid_callbacks = {
    NULL, NULL, NULL, NULL, NULL, NULL,
    vc_start, NULL, vc_end, vc_start, vc_end,
};

bool mc_json_valid(const char *text, size_t len)
{
    if (!text)
        return false;
    vctx c = {0};
    yajl_handle h = yajl_alloc(&valid_callbacks, NULL, &c);
    if (!h)
        return false;
    yajl_status st = yajl_parse(h, (const unsigned char *)text, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    yajl_free(h);
    return st == yajl_status_ok;
}

/* ---- output ------------------------------------------------------------ */

void mc_json_write(mc_buf *out, mc_json v)
{
    if (!v) {
        mc_buf_append(out, "null", 4);
        return;
    }
    switch (v->type) {
    case yajl_t_string:
        mc_buf_json_string(out, v->u.string, strlen(v->u.string));
        break;
    case yajl_t_number:
        if (v->u.number.r)
            mc_buf_puts(out, v->u.number.r);
        else if (v->u.number.flags & YAJL_NUMBER_INT_VALID)
            mc_buf_printf(out, "%lld", v->u.number.i);
        else if ((v->u.number.flags & YAJL_NUMBER_DOUBLE_VALID) &&
                 isfinite(v->u.number.d))
            mc_buf_printf(out, "%.17g", v->u.number.d);
        else
            mc_buf_append(out, "0", 1);
        break;
    case yajl_t_true:
        mc_buf_append(out, "true", 4);
        break;
    case yajl_t_false:
        mc_buf_append(out, "false", 5);
        break;
    case yajl_t_object:
        mc_buf_putc(out, '{');
        for (size_t i = 0; i < v->u.object.len; i++) {
            if (i)
                mc_buf_putc(out, ',');
            const char *k = v->u.object.keys[i];
            mc_buf_json_string(out, k, strlen(k));
            mc_buf_putc(out, ':');
            mc_json_write(out, v->u.object.values[i]);
        }
        mc_buf_putc(out, '}');
        break;
    case yajl_t_array:
        mc_buf_putc(out, '[');
        for (size_t i = 0; i < v->u.array.len; i++) {
            if (i)
                mc_buf_putc(out, ',');
            mc_json_write(out, v->u.array.values[i]);
        }
        mc_buf_putc(out, ']');
        break;
    default:
        mc_buf_append(out, "null", 4);
        break;
    }
}

void mc_json_text(mc_buf *out, mc_json v)
{
    if (v && v->type == yajl_t_string)
        mc_buf_puts(out, v->u.string);
    else
        mc_json_write(out, v);
}

void mc_json_fault(mc_buf *out, const char *code, const char *message)
{
    code = code ? code : "";
    message = message ? message : "";
    mc_buf_puts(out, "{\"ERROR_CODE\":");
    mc_buf_json_string(out, code, strlen(code));
    mc_buf_puts(out, ",\"ERROR_MESSAGE\":");
    mc_buf_json_string(out, message, strlen(message));
    mc_buf_putc(out, '}');
}
