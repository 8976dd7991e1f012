/* json.c - mediac's JSON value tree: parsing (yajl's event parser building
 * nodes in an arena), the strict-text rules yajl does not apply, checking
 * without a tree, accessors, compact serialisation and scalar text.
 *
 * While a container is open its children wait on one growing stack of
 * nodes; when it closes they are copied into the arena as one array of
 * exactly the right size, so a tree costs 16 bytes a node plus the text
 * of strings that had escapes (the rest can point into the input). */
#include "json/json.h"
#include "json/json_internal.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "util/codec.h"
#include "util/utf8.h"

/* ---- numbers ----------------------------------------------------------- */

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

void mc_json_number_value(const char *s, size_t n, double *d, long long *iv,
                          bool *int_ok)
{
    char tmp[64];
    char *heap = NULL, *t = tmp;
    *d = 0;
    *int_ok = false;
    if (n >= sizeof tmp) {
        if (!(heap = malloc(n + 1)))
            return;
        t = heap;
    }
    memcpy(t, s, n);
    t[n] = '\0';
    *d = mc_json_strtod(t, NULL);
    if (!memchr(t, '.', n) && !memchr(t, 'e', n) && !memchr(t, 'E', n)) {
        char *end;
        errno = 0;
        long long v = strtoll(t, &end, 10);
        if (errno == 0 && end == t + n && n > 0) {
            *iv = v;
            *int_ok = true;
        }
    }
    free(heap);
}

/* ---- accessors ---------------------------------------------------------- */

mc_json_type mc_json_type_of(mc_json v)
{
    return v ? (mc_json_type)v->type : MC_JSON_NULL;
}

const char *mc_json_str(mc_json v, size_t *len)
{
    if (v && (v->type == MC_JSON_STRING || v->type == MC_JSON_NUMBER)) {
        if (len)
            *len = v->len;
        return v->u.text ? v->u.text : "";
    }
    if (len)
        *len = 0;
    return NULL;
}

size_t mc_json_count(mc_json v)
{
    return v && (v->type == MC_JSON_ARRAY || v->type == MC_JSON_OBJECT) ? v->len : 0;
}

mc_json mc_json_at(mc_json v, size_t i)
{
    if (!v || i >= v->len)
        return NULL;
    if (v->type == MC_JSON_ARRAY)
        return &v->u.kids[i];
    if (v->type == MC_JSON_OBJECT)
        return &v->u.kids[2 * i + 1];
    return NULL;
}

const char *mc_json_key(mc_json v, size_t i, size_t *len)
{
    if (!v || v->type != MC_JSON_OBJECT || i >= v->len) {
        if (len)
            *len = 0;
        return NULL;
    }
    return mc_json_str(&v->u.kids[2 * i], len);
}

mc_json mc_json_get(mc_json v, const char *name, size_t n)
{
    if (!v || v->type != MC_JSON_OBJECT)
        return NULL;
    for (size_t i = v->len; i-- > 0;) {
        mc_json k = &v->u.kids[2 * i];
        if (k->len == n && (n == 0 || memcmp(k->u.text, name, n) == 0))
            return &v->u.kids[2 * i + 1];
    }
    return NULL;
}

bool mc_json_int(mc_json v, long long *out)
{
    if (!v || v->type != MC_JSON_NUMBER)
        return false;
    double d;
    long long i = 0;
    bool ok;
    mc_json_number_value(v->u.text, v->len, &d, &i, &ok);
    if (ok && out)
        *out = i;
    return ok;
}

double mc_json_double(mc_json v)
{
    if (!v || v->type != MC_JSON_NUMBER)
        return 0;
    double d;
    long long i;
    bool ok;
    mc_json_number_value(v->u.text, v->len, &d, &i, &ok);
    return d;
}

/* ---- strict text --------------------------------------------------------- */

/* Value of the four hex digits at s[0..n), or -1. */
static long hex4(const unsigned char *s, size_t n)
{
    if (n < 4)
        return -1;
    long v = 0;
    for (int k = 0; k < 4; k++) {
        int h = mc_hex_value(s[k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* What yajl lets through: bytes that are not strict UTF-8, and escapes
 * that leave a surrogate unpaired (yajl turns a lone high one into '?'
 * and a lone low one into invalid UTF-8).  Returns the offset of the
 * first such place, or len; *why says what it is. */
static size_t strict_scan(const char *text, size_t len, const char **why)
{
    /* no backslash, so no escape: only the UTF-8 is left to check (the
     * common case, at a word a step) */
    if (!memchr(text, '\\', len)) {
        size_t ok = mc_utf8_check(text, len);
        if (ok < len)
            *why = "invalid UTF-8";
        return ok;
    }
    const unsigned char *s = (const unsigned char *)text;
    bool in_string = false;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t k = mc_utf8_next(s + i, len - i, &cp);
            if (!k) {
                *why = "invalid UTF-8";
                return i;
            }
            i += k;
        } else if (c == '"') {
            in_string = !in_string;
            i++;
        } else if (c == '\\' && in_string && i + 1 < len) {
            if (s[i + 1] != 'u') {
                i += 2;
                continue;
            }
            long u = hex4(s + i + 2, len - i - 2);
            if (u >= 0xDC00 && u <= 0xDFFF) {
                *why = "unpaired surrogate escape";
                return i;
            }
            if (u >= 0xD800 && u <= 0xDBFF) {
                long lo = i + 8 <= len && s[i + 6] == '\\' && s[i + 7] == 'u'
                              ? hex4(s + i + 8, len - i - 8) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    *why = "unpaired surrogate escape";
                    return i;
                }
                i += 12;
                continue;
            }
            i += 2;
        } else {
            i++;
        }
    }
    return len;
}

/* ---- parser ------------------------------------------------------------ */

typedef struct open_frame {
    size_t start;    /* index in the pending stack of its first child */
    uint32_t type;   /* MC_JSON_ARRAY or MC_JSON_OBJECT */
} open_frame;

/* Pending children held in the parse context itself before the stack
 * moves to the heap: a small document's parse needs no malloc. */
enum { PENDING_INLINE = 64 };

typedef struct pctx {
    yajl_handle h;
    mc_arena *a;          /* NULL: check only, no tree */
    size_t arena_bytes;   /* taken from a, counting alignment padding */
    const char *text;
    size_t len;
    bool borrow;
    struct mc_json_node *pending; /* children of the open containers */
    size_t top, cap;
    size_t depth;
    struct mc_json_node root;
    size_t nodes, max_nodes;
    bool oom;
    bool too_deep;
    bool too_many;
    bool too_long;
    size_t deep_at;  /* offset of the bracket that went too deep */
    size_t last_end; /* offset after the last token a callback saw */
    int last_kind;   /* that token: 0 none or '{' '[', 1 value or end, 2 key */
    struct mc_json_node pending_inline[PENDING_INLINE];
    open_frame open[MC_JSON_MAX_DEPTH];  /* last: pctx_init leaves it as it is */
} pctx;

/* Zero everything but the pending and open-container stacks (written
 * before they are read): clearing them cost a tenth of a gateway
 * request's instructions. */
static void pctx_init(pctx *c)
{
    memset(c, 0, offsetof(pctx, pending_inline));
    c->pending = c->pending_inline;
    c->cap = PENDING_INLINE;
}

static void pctx_release(pctx *c)
{
    if (c->pending != c->pending_inline)
        free(c->pending);
}

static void seen(pctx *c, int kind)
{
    c->last_end = yajl_get_bytes_consumed(c->h);
    c->last_kind = kind;
}

/* Count a node against the limit; false (parse stops) when over it. */
static bool count_node(pctx *c)
{
    if (c->max_nodes && ++c->nodes > c->max_nodes) {
        c->too_many = true;
        return false;
    }
    return true;
}

/* Place a finished node: the root, or the next child of the open
 * container. */
static int place(pctx *c, const struct mc_json_node *v)
{
    if (!c->a)
        return 1;
    if (c->depth == 0) {
        c->root = *v;
        return 1;
    }
    if (c->top == c->cap) {
        size_t ncap = c->cap * 2;
        bool inline_stack = c->pending == c->pending_inline;
        struct mc_json_node *p = realloc(inline_stack ? NULL : c->pending,
                                         ncap * sizeof *p);
        if (!p) {
            c->oom = true;
            return 0;
        }
        if (inline_stack)
            memcpy(p, c->pending_inline, c->top * sizeof *p);
        c->pending = p;
        c->cap = ncap;
    }
    c->pending[c->top++] = *v;
    return 1;
}

/* Text of a string, key or number: borrowed from the input when it lies
 * there and the caller allows it, else copied into the arena. */
static int text_node(pctx *c, uint32_t type, const unsigned char *s, size_t n)
{
    if (!count_node(c))
        return 0;
    if (!c->a)
        return 1;
    if (n > UINT32_MAX) {
        c->too_long = true;
        return 0;
    }
    struct mc_json_node v = {.type = type, .len = (uint32_t)n};
    const char *p = (const char *)s;
    if (n && !(c->borrow && p >= c->text && p + n <= c->text + c->len)) {
        char *copy = mc_arena_alloc_unaligned(c->a, n);
        if (!copy) {
            c->oom = true;
            return 0;
        }
        c->arena_bytes += n;
        memcpy(copy, s, n);
        p = copy;
    }
    v.u.text = n ? p : "";
    return place(c, &v);
}

static int scalar(pctx *c, uint32_t type)
{
    seen(c, 1);
    if (!count_node(c))
        return 0;
    struct mc_json_node v = {.type = type};
    return place(c, &v);
}

static int cb_null(void *ctx) { return scalar(ctx, MC_JSON_NULL); }

static int cb_boolean(void *ctx, int b)
{
    return scalar(ctx, b ? MC_JSON_TRUE : MC_JSON_FALSE);
}

static int cb_number(void *ctx, const char *s, size_t n)
{
    pctx *c = ctx;
    seen(c, 1);
    return text_node(c, MC_JSON_NUMBER, (const unsigned char *)s, n);
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
    pctx *c = ctx;
    seen(c, 1);
    return text_node(c, MC_JSON_STRING, s, n);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t n)
{
    pctx *c = ctx;
    seen(c, 2);
    return text_node(c, MC_JSON_STRING, s, n);
}

static int push(pctx *c, uint32_t type)
{
    seen(c, 0);
    if (c->depth >= MC_JSON_MAX_DEPTH) {
        c->too_deep = true;
        size_t at = yajl_get_bytes_consumed(c->h);
        c->deep_at = at ? at - 1 : 0;
        return 0;
    }
    if (!count_node(c))
        return 0;
    c->open[c->depth].start = c->top;
    c->open[c->depth].type = type;
    c->depth++;
    return 1;
}

static int cb_start_map(void *ctx) { return push(ctx, MC_JSON_OBJECT); }
static int cb_start_array(void *ctx) { return push(ctx, MC_JSON_ARRAY); }

static int cb_end(void *ctx)
{
    pctx *c = ctx;
    seen(c, 1);
    open_frame f = c->open[--c->depth];
    if (!c->a)
        return 1;
    size_t n = c->top - f.start;
    struct mc_json_node v = {.type = f.type};
    if (n) {
        struct mc_json_node *kids = mc_arena_alloc(c->a, n * sizeof *kids);
        if (!kids) {
            c->oom = true;
            return 0;
        }
        c->arena_bytes += n * sizeof *kids + 15;
        memcpy(kids, c->pending + f.start, n * sizeof *kids);
        v.u.kids = kids;
    }
    size_t count = f.type == MC_JSON_OBJECT ? n / 2 : n;
    if (count > UINT32_MAX) {
        c->too_long = true;
        return 0;
    }
    v.len = (uint32_t)count;
    c->top = f.start;
    return place(c, &v);
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

/* Where yajl stopped on a syntax error (it has parsed text[0..len)). */
static size_t yajl_error_offset(const pctx *c, const char *text, size_t len,
                                bool at_end)
{
    if (at_end)
        return len;
    size_t off = yajl_get_bytes_consumed(c->h);
    if (off > len)
        off = len;
    unsigned char *m = yajl_get_error(c->h, 0, (const unsigned char *)text, len);
    const char *ms = m ? (const char *)m : "";
    if (strncmp(ms, "lexical", 7) != 0)
        off = bad_token(c, text, len);
    else if ((strstr(ms, "invalid char in json text") ||
              strstr(ms, "invalid bytes in UTF8")) && off > 0)
        off--; /* yajl has consumed the offending byte */
    if (m)
        yajl_free_error(c->h, m);
    return off;
}

/* yajl's own memory for one parse (its handle, lexer, byte stack and
 * buffers, a few KiB) comes from a block on the stack; only what outgrows
 * the block (long strings with escapes, deep nesting) goes to malloc.
 * Each piece in the block has its size in front, for realloc. */
enum { YBLOCK = 8192, YHEAD = 16 };
typedef struct yblock {
    _Alignas(16) unsigned char mem[YBLOCK];
    size_t used;
} yblock;

static bool in_yblock(const yblock *y, const void *p)
{
    return (const unsigned char *)p >= y->mem && (const unsigned char *)p < y->mem + YBLOCK;
}

static void *yblock_malloc(void *ctx, size_t n)
{
    yblock *y = ctx;
    if (n <= YBLOCK) {
        size_t need = YHEAD + ((n + 15) & ~(size_t)15);
        if (need <= YBLOCK - y->used) {
            unsigned char *p = y->mem + y->used;
            y->used += need;
            memcpy(p, &n, sizeof n);
            return p + YHEAD;
        }
    }
    return malloc(n);
}

static void yblock_free(void *ctx, void *p)
{
    if (p && !in_yblock(ctx, p))
        free(p);
}

static void *yblock_realloc(void *ctx, void *p, size_t n)
{
    if (!p)
        return yblock_malloc(ctx, n);
    if (!in_yblock(ctx, p))
        return realloc(p, n);
    size_t old;
    memcpy(&old, (unsigned char *)p - YHEAD, sizeof old);
    if (n <= old)
        return p;
    void *q = yblock_malloc(ctx, n);
    if (q)
        memcpy(q, p, old);
    return q;
}

/* Run yajl over text[0..len) (to the end when complete); MC_OK or the
 * error, with err filled. */
static mc_code run_yajl(pctx *c, const char *text, size_t len, bool complete,
                        mc_err *err)
{
    yblock block;
    block.used = 0;
    yajl_alloc_funcs funcs = {yblock_malloc, yblock_realloc, yblock_free, &block};
    yajl_handle h = yajl_alloc(&tree_callbacks, &funcs, c);
    if (!h)
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    c->h = h;
    yajl_status st = yajl_parse(h, (const unsigned char *)text, len);
    bool at_end = false;
    if (st == yajl_status_ok && complete) {
        st = yajl_complete_parse(h);
        at_end = true;
    }
    mc_code rc = MC_OK;
    if (st != yajl_status_ok) {
        if (c->oom) {
            rc = mc_err_set(err, MC_ENOMEM, "out of memory");
        } else if (c->too_many) {
            rc = mc_err_set(err, MC_ELIMIT,
                            "JSON has more than %zu values (the limit)",
                            c->max_nodes);
        } else if (c->too_long) {
            rc = mc_err_set(err, MC_ELIMIT, "JSON string or container too long");
        } else if (c->too_deep) {
            rc = mc_err_set(err, MC_EPARSE,
                            "invalid JSON at offset %zu: nesting deeper than %d levels",
                            c->deep_at, MC_JSON_MAX_DEPTH);
        } else {
            size_t off = yajl_error_offset(c, text, len, at_end);
            set_yajl_error(err, h, text, len, off);
            rc = MC_EPARSE;
        }
    }
    yajl_free(h);
    c->h = NULL;
    return rc;
}

/* The whole parse: strict text rules, then yajl; the earlier of the two
 * errors is the one reported. */
static mc_code parse(pctx *c, const char *text, size_t len, mc_err *err)
{
    if (!text) {
        text = "";
        len = 0;
    }
    c->text = text;
    c->len = len;
    const char *why = NULL;
    size_t bad = strict_scan(text, len, &why);
    if (bad < len) {
        /* a syntax error before the bad byte is the one to report */
        struct mc_json_node *saved = c->pending;
        mc_arena *a = c->a;
        c->a = NULL; /* no tree for the prefix */
        mc_code rc = run_yajl(c, text, bad, false, err);
        c->a = a;
        c->pending = saved;
        if (rc != MC_OK)
            return rc;
        return mc_err_set(err, MC_EPARSE, "invalid JSON at offset %zu: %s",
                          bad, why);
    }
    return run_yajl(c, text, len, true, err);
}

mc_json mc_json_parse_opts(mc_arena *a, const char *text, size_t len,
                           const mc_json_opts *o, mc_err *err)
{
    if (!a) {
        mc_err_set(err, MC_EINVAL, "no arena for the JSON tree");
        return NULL;
    }
    pctx c;
    pctx_init(&c);
    c.a = a;
    c.borrow = o && o->borrow;
    c.max_nodes = o ? o->max_nodes : 0;
    mc_code rc = parse(&c, text, len, err);
    pctx_release(&c);
    struct mc_json_node *root = rc == MC_OK ? mc_arena_alloc(a, sizeof *root) : NULL;
    if (root) {
        *root = c.root;
        c.arena_bytes += sizeof *root + 15;
    } else if (rc == MC_OK) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
    }
    if (o && o->arena_bytes)
        *o->arena_bytes = c.arena_bytes;
    return root;
}

mc_json mc_json_parse(mc_arena *a, const char *text, size_t len, mc_err *err)
{
    return mc_json_parse_opts(a, text, len, NULL, err);
}

mc_code mc_json_check(const char *text, size_t len, size_t max_nodes,
                      mc_err *err)
{
    if (!text)
        return mc_err_set(err, MC_EPARSE, "invalid JSON at offset 0: no text");
    pctx c;
    pctx_init(&c);
    c.max_nodes = max_nodes;
    mc_code rc = parse(&c, text, len, err);
    pctx_release(&c);
    return rc;
}

bool mc_json_valid(const char *text, size_t len)
{
    return text && mc_json_check(text, len, 0, NULL) == MC_OK;
}

/* ---- output ------------------------------------------------------------ */

void mc_json_write(mc_buf *out, mc_json v)
{
    switch (mc_json_type_of(v)) {
    case MC_JSON_STRING:
        mc_buf_json_string(out, v->u.text, v->len);
        break;
    case MC_JSON_NUMBER:
        if (v->len)
            mc_buf_append(out, v->u.text, v->len);
        else
            mc_buf_putc(out, '0');
        break;
    case MC_JSON_TRUE:
        mc_buf_append(out, "true", 4);
        break;
    case MC_JSON_FALSE:
        mc_buf_append(out, "false", 5);
        break;
    case MC_JSON_OBJECT:
        mc_buf_putc(out, '{');
        for (size_t i = 0; i < v->len; i++) {
            if (i)
                mc_buf_putc(out, ',');
            mc_json k = &v->u.kids[2 * i];
            mc_buf_json_string(out, k->u.text, k->len);
            mc_buf_putc(out, ':');
            mc_json_write(out, &v->u.kids[2 * i + 1]);
        }
        mc_buf_putc(out, '}');
        break;
    case MC_JSON_ARRAY:
        mc_buf_putc(out, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i)
                mc_buf_putc(out, ',');
            mc_json_write(out, &v->u.kids[i]);
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
    if (v && v->type == MC_JSON_STRING)
        mc_buf_append(out, v->u.text, v->len);
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
