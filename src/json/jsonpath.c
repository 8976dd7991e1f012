/* jsonpath.c - JSONPath with Jayway JsonPath semantics (Synapse json-eval).
 *
 * A path compiles to a flat array of steps; evaluation walks the JSON tree
 * without allocating (filters with indefinite inner paths aside).
 *
 * Jayway behaviours kept on purpose (JsonPath 2.4, what Synapse ships):
 *  - a leaf multi-name selector ($['a','b']) is definite and yields ONE
 *    object holding the members present ("merge"); before other steps it
 *    iterates the names instead;
 *  - slices: [a:] and [:b] count negative bounds from the end, but [a:b]
 *    clamps b to the length without adjusting a negative b (so [1:-1] is
 *    empty) and maps each negative index inside the range separately;
 *  - a filter applied to an object tests the object itself;
 *  - deep scan order: an object's own match first, then its members in
 *    order; ".." followed by an array selector and more steps applies the
 *    following steps to every element of each array (Jayway's walkArray);
 *  - in filters, == between a number and a string compares numerically
 *    when the string is a number, string == number compares the text, a
 *    missing operand is never equal (so != is true), <, <=, >, >= compare
 *    only number/number and string/string, =~ is a whole-string match. */
#include "json/json.h"
#include "util/codec.h"
#include "json/json_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define MAX_NESTING 64  /* filter / parenthesis nesting in a path */

static bool is_array(mc_json v) { return mc_json_type_of(v) == MC_JSON_ARRAY; }
static bool is_object(mc_json v) { return mc_json_type_of(v) == MC_JSON_OBJECT; }
static bool is_container(mc_json v) { return is_array(v) || is_object(v); }

/* ---- compiled form ----------------------------------------------------- */

typedef enum {
    ST_NAME,     /* .a  ['a'] */
    ST_NAMES,    /* ['a','b'] */
    ST_INDEX,    /* [n] */
    ST_INDEXES,  /* [n,m] */
    ST_SLICE,    /* [a:b] */
    ST_WILD,     /* .*  [*] */
    ST_FILTER,   /* [?(...)] */
} step_kind;

typedef struct pname {
    char *s;
    size_t len;
} pname;

struct fexpr;

typedef struct step {
    uint8_t kind;
    bool deep;   /* preceded by ".." */
    bool merge;  /* ST_NAMES as the last step of a top-level path */
    uint32_t n;  /* number of names / indexes */
    union {
        pname name;
        pname *names;
        int32_t index;
        int32_t *indexes;
        struct {
            int32_t from, to;
            bool has_from, has_to;
        } slice;
        struct fexpr *filter;
    } u;
} step;

struct mc_jsonpath {
    step *steps;
    size_t n;
    size_t cap;
    bool definite;
    bool relative;   /* '@' path inside a filter */
};

typedef enum {
    OPD_PATH, OPD_STR, OPD_NUM, OPD_TRUE, OPD_FALSE, OPD_NULL, OPD_JSON,
    OPD_REGEX,
} opd_kind;

typedef struct operand {
    opd_kind kind;
    mc_jsonpath *path;
    char *s;          /* string literal / number text */
    size_t len;
    double d;
    long long i;
    bool int_ok;
    mc_json json;     /* JSON literal (in lit) */
    mc_arena lit;
    bool has_lit;
    pcre2_code *re;
    char *re_src;
} operand;

typedef enum {
    OP_EQ, OP_NE, OP_TSEQ, OP_TSNE, OP_LT, OP_LE, OP_GT, OP_GE, OP_REGEX,
    OP_IN, OP_NIN, OP_SIZE, OP_EMPTY,
} rel_op;

typedef enum { FX_OR, FX_AND, FX_NOT, FX_REL, FX_EXISTS } fx_kind;

typedef struct fexpr {
    fx_kind kind;
    struct fexpr *a, *b;
    rel_op op;
    operand l, r;     /* FX_EXISTS uses l (a path) */
} fexpr;

/* ---- freeing ----------------------------------------------------------- */

static void fexpr_free(fexpr *f);

static void operand_free(operand *o)
{
    mc_jsonpath_free(o->path);
    free(o->s);
    if (o->has_lit)
        mc_arena_free(&o->lit);
    if (o->re)
        pcre2_code_free(o->re);
    free(o->re_src);
}

static void fexpr_free(fexpr *f)
{
    if (!f)
        return;
    fexpr_free(f->a);
    fexpr_free(f->b);
    operand_free(&f->l);
    operand_free(&f->r);
    free(f);
}

static void step_free(step *s)
{
    switch (s->kind) {
    case ST_NAME:
        free(s->u.name.s);
        break;
    case ST_NAMES:
        for (uint32_t i = 0; i < s->n; i++)
            free(s->u.names[i].s);
        free(s->u.names);
        break;
    case ST_INDEXES:
        free(s->u.indexes);
        break;
    case ST_FILTER:
        fexpr_free(s->u.filter);
        break;
    default:
        break;
    }
}

void mc_jsonpath_free(mc_jsonpath *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        step_free(&p->steps[i]);
    free(p->steps);
    free(p);
}

bool mc_jsonpath_is_definite(const mc_jsonpath *p)
{
    return p && p->definite;
}

/* ---- compiler ---------------------------------------------------------- */

typedef struct cc {
    const char *src;
    size_t len;      /* end of the (trimmed) source */
    size_t pos;
    mc_err *err;
    bool failed;
    int nesting;
} cc;

static void fail(cc *c, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(cc *c, size_t at, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    size_t n = strlen(c->src);
    if (n > 160)
        mc_err_set(c->err, MC_EPARSE, "bad JSONPath '%.160s...': %s at offset %zu",
                   c->src, what, at);
    else
        mc_err_set(c->err, MC_EPARSE, "bad JSONPath '%s': %s at offset %zu",
                   c->src, what, at);
}

static void oom(cc *c)
{
    if (c->failed)
        return;
    c->failed = true;
    mc_err_set(c->err, MC_ENOMEM, "out of memory");
}

static bool is_ws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static bool is_alpha(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static void skip_ws(cc *c)
{
    while (c->pos < c->len && is_ws(c->src[c->pos]))
        c->pos++;
}

static bool at_end(cc *c) { return c->pos >= c->len; }

static char cur(cc *c) { return c->pos < c->len ? c->src[c->pos] : '\0'; }

/* Characters that end a path inside a filter expression. */
static bool filter_term(char ch)
{
    return is_ws(ch) || strchr("=!<>~)&|,", ch) != NULL;
}

static bool expect(cc *c, char ch)
{
    if (c->failed)
        return false;
    if (at_end(c)) {
        fail(c, c->pos, "unexpected end, expected '%c'", ch);
        return false;
    }
    if (c->src[c->pos] != ch) {
        fail(c, c->pos, "expected '%c' but found '%c'", ch, c->src[c->pos]);
        return false;
    }
    c->pos++;
    return true;
}

static step *new_step(cc *c, mc_jsonpath *p, step_kind kind, bool deep)
{
    if (p->n == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 4;
        step *s = realloc(p->steps, ncap * sizeof *s);
        if (!s) {
            oom(c);
            return NULL;
        }
        p->steps = s;
        p->cap = ncap;
    }
    step *s = &p->steps[p->n++];
    memset(s, 0, sizeof *s);
    s->kind = (uint8_t)kind;
    s->deep = deep;
    return s;
}


static bool read_hex4(cc *c, size_t at, unsigned long *out)
{
    if (at + 4 > c->len)
        return false;
    unsigned long v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = mc_hex_value((unsigned char)c->src[at + k]);
        if (h < 0)
            return false;
        v = v * 16 + (unsigned long)h;
    }
    *out = v;
    return true;
}

/* A quoted string at c->pos ('...' or "..."), with backslash escapes.
 * Returns a malloc'd NUL-terminated copy, its length in *len. */
static char *parse_quoted(cc *c, size_t *len)
{
    char q = c->src[c->pos];
    size_t start = c->pos++;
    mc_buf b = MC_BUF_INIT;
    while (c->pos < c->len) {
        char ch = c->src[c->pos];
        if (ch == q) {
            c->pos++;
            if (b.oom) {
                mc_buf_free(&b);
                oom(c);
                return NULL;
            }
            *len = b.len;
            char *s = mc_buf_steal(&b);
            if (!s)
                oom(c);
            return s;
        }
        if (ch != '\\') {
            mc_buf_putc(&b, ch);
            c->pos++;
            continue;
        }
        size_t esc = c->pos++;
        if (at_end(c))
            break;
        char e = c->src[c->pos++];
        switch (e) {
        case 'n': mc_buf_putc(&b, '\n'); break;
        case 't': mc_buf_putc(&b, '\t'); break;
        case 'r': mc_buf_putc(&b, '\r'); break;
        case 'b': mc_buf_putc(&b, '\b'); break;
        case 'f': mc_buf_putc(&b, '\f'); break;
        case 'u': {
            unsigned long cp;
            if (!read_hex4(c, c->pos, &cp)) {
                fail(c, esc, "bad \\u escape");
                mc_buf_free(&b);
                return NULL;
            }
            c->pos += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && c->pos + 6 <= c->len &&
                c->src[c->pos] == '\\' && c->src[c->pos + 1] == 'u') {
                unsigned long lo;
                if (read_hex4(c, c->pos + 2, &lo) && lo >= 0xDC00 &&
                    lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    c->pos += 6;
                }
            }
            if (cp >= 0xD800 && cp < 0xE000)
                cp = 0xFFFD;
            mc_buf_put_utf8(&b, cp);
            break;
        }
        default:
            /* \\ \' \" \/ and anything else: the character itself */
            mc_buf_putc(&b, e);
            break;
        }
    }
    mc_buf_free(&b);
    fail(c, start, "unterminated string");
    return NULL;
}

static bool read_int(cc *c, int32_t *out)
{
    size_t start = c->pos;
    bool neg = false;
    if (cur(c) == '-') {
        neg = true;
        c->pos++;
    }
    if (!is_digit(cur(c))) {
        if (at_end(c))
            fail(c, c->pos, "unexpected end, expected a number");
        else
            fail(c, c->pos, "expected a number but found '%c'", cur(c));
        return false;
    }
    long long v = 0;
    while (is_digit(cur(c))) {
        v = v * 10 + (cur(c) - '0');
        if (v > 2147483648LL) {
            fail(c, start, "array index out of range");
            return false;
        }
        c->pos++;
    }
    if (neg)
        v = -v;
    if (v > INT32_MAX || v < INT32_MIN) {
        fail(c, start, "array index out of range");
        return false;
    }
    *out = (int32_t)v;
    return true;
}

static fexpr *parse_or(cc *c);
static void parse_steps(cc *c, mc_jsonpath *p, bool in_filter);

static void parse_index(cc *c, mc_jsonpath *p, bool deep, size_t open)
{
    int32_t first = 0;
    bool has_first = false;
    if (cur(c) != ':') {
        if (!read_int(c, &first))
            return;
        has_first = true;
        skip_ws(c);
    }
    if (at_end(c)) {
        fail(c, c->pos, "unexpected end");
        return;
    }
    char ch = cur(c);
    if (ch == ':') {
        c->pos++;
        skip_ws(c);
        if (at_end(c)) {
            fail(c, c->pos, "unexpected end");
            return;
        }
        int32_t to = 0;
        bool has_to = false;
        if (cur(c) == '-' || is_digit(cur(c))) {
            if (!read_int(c, &to))
                return;
            has_to = true;
            skip_ws(c);
        }
        if (cur(c) == ':') {
            fail(c, c->pos, "slice step is not supported");
            return;
        }
        if (!has_first && !has_to) {
            fail(c, open, "empty slice");
            return;
        }
        if (!expect(c, ']'))
            return;
        step *s = new_step(c, p, ST_SLICE, deep);
        if (!s)
            return;
        s->u.slice.from = first;
        s->u.slice.to = to;
        s->u.slice.has_from = has_first;
        s->u.slice.has_to = has_to;
        return;
    }
    if (ch == ']') {
        c->pos++;
        step *s = new_step(c, p, ST_INDEX, deep);
        if (s)
            s->u.index = first;
        return;
    }
    if (ch != ',') {
        fail(c, c->pos, "expected ',', ':' or ']' but found '%c'", ch);
        return;
    }
    size_t n = 1, cap = 4;
    int32_t *idx = malloc(cap * sizeof *idx);
    if (!idx) {
        oom(c);
        return;
    }
    idx[0] = first;
    while (cur(c) == ',') {
        c->pos++;
        skip_ws(c);
        int32_t v;
        if (!read_int(c, &v))
            goto bad;
        skip_ws(c);
        if (n == cap) {
            cap *= 2;
            int32_t *ni = realloc(idx, cap * sizeof *ni);
            if (!ni) {
                oom(c);
                goto bad;
            }
            idx = ni;
        }
        idx[n++] = v;
    }
    if (!expect(c, ']'))
        goto bad;
    step *s = new_step(c, p, ST_INDEXES, deep);
    if (!s)
        goto bad;
    s->n = (uint32_t)n;
    s->u.indexes = idx;
    return;
bad:
    free(idx);
}

static void parse_names(cc *c, mc_jsonpath *p, bool deep)
{
    size_t n = 0, cap = 0;
    pname *names = NULL;
    for (;;) {
        size_t at = c->pos;
        size_t len;
        char *s = parse_quoted(c, &len);
        if (!s)
            goto bad;
        if (memchr(s, '\0', len)) {
            free(s);
            fail(c, at, "NUL character in a name");
            goto bad;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 2;
            pname *nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                free(s);
                oom(c);
                goto bad;
            }
            names = nn;
        }
        names[n].s = s;
        names[n].len = len;
        n++;
        skip_ws(c);
        if (at_end(c)) {
            fail(c, c->pos, "unexpected end, expected ',' or ']'");
            goto bad;
        }
        char ch = cur(c);
        if (ch == ']') {
            c->pos++;
            break;
        }
        if (ch != ',') {
            fail(c, c->pos, "expected ',' or ']' but found '%c'", ch);
            goto bad;
        }
        c->pos++;
        skip_ws(c);
        if (at_end(c)) {
            fail(c, c->pos, "unexpected end, expected a quoted name");
            goto bad;
        }
        if (cur(c) != '\'' && cur(c) != '"') {
            fail(c, c->pos, "expected a quoted name but found '%c'", cur(c));
            goto bad;
        }
    }
    step *s;
    if (n == 1) {
        s = new_step(c, p, ST_NAME, deep);
        if (!s)
            goto bad;
        s->u.name = names[0];
        free(names);
        return;
    }
    s = new_step(c, p, ST_NAMES, deep);
    if (!s)
        goto bad;
    s->n = (uint32_t)n;
    s->u.names = names;
    return;
bad:
    for (size_t i = 0; i < n; i++)
        free(names[i].s);
    free(names);
}

static void parse_bracket(cc *c, mc_jsonpath *p, bool deep)
{
    size_t open = c->pos++;
    skip_ws(c);
    if (at_end(c)) {
        fail(c, c->pos, "unexpected end");
        return;
    }
    char ch = cur(c);
    if (ch == '\'' || ch == '"') {
        parse_names(c, p, deep);
    } else if (ch == '*') {
        c->pos++;
        skip_ws(c);
        if (expect(c, ']'))
            new_step(c, p, ST_WILD, deep);
    } else if (ch == '?') {
        c->pos++;
        skip_ws(c);
        if (!expect(c, '('))
            return;
        if (++c->nesting > MAX_NESTING) {
            fail(c, c->pos, "filters nested too deeply");
            return;
        }
        fexpr *f = parse_or(c);
        c->nesting--;
        if (!f)
            return;
        skip_ws(c);
        if (!expect(c, ')') || (skip_ws(c), !expect(c, ']'))) {
            fexpr_free(f);
            return;
        }
        step *s = new_step(c, p, ST_FILTER, deep);
        if (!s) {
            fexpr_free(f);
            return;
        }
        s->u.filter = f;
    } else if (is_digit(ch) || ch == '-' || ch == ':') {
        parse_index(c, p, deep, open);
    } else if (ch == ']') {
        fail(c, open, "empty brackets");
    } else {
        fail(c, c->pos, "unexpected character '%c' in brackets", ch);
    }
}

static void parse_dot_name(cc *c, mc_jsonpath *p, bool deep, bool in_filter)
{
    size_t start = c->pos;
    while (c->pos < c->len) {
        char ch = c->src[c->pos];
        if (ch == '.' || ch == '[')
            break;
        if (in_filter && filter_term(ch))
            break;
        if (is_ws(ch)) {
            fail(c, c->pos, "whitespace in a name (use ['...'])");
            return;
        }
        if (ch == '(') {
            fail(c, start, "function calls are not supported");
            return;
        }
        if (ch == ']' || ch == ')') {
            fail(c, c->pos, "unexpected '%c'", ch);
            return;
        }
        c->pos++;
    }
    if (c->pos == start) {
        if (at_end(c))
            fail(c, c->pos, "unexpected end, expected a name");
        else
            fail(c, c->pos, "empty name");
        return;
    }
    size_t n = c->pos - start;
    char *s = malloc(n + 1);
    if (!s) {
        oom(c);
        return;
    }
    memcpy(s, c->src + start, n);
    s[n] = '\0';
    step *st = new_step(c, p, ST_NAME, deep);
    if (!st) {
        free(s);
        return;
    }
    st->u.name.s = s;
    st->u.name.len = n;
}

static void parse_wild(cc *c, mc_jsonpath *p, bool deep, bool in_filter)
{
    c->pos++; /* '*' */
    char ch = cur(c);
    if (!at_end(c) && ch != '.' && ch != '[' && !(in_filter && filter_term(ch))) {
        fail(c, c->pos, "unexpected character '%c' after '*'", ch);
        return;
    }
    new_step(c, p, ST_WILD, deep);
}

/* The segment after a '.' or '..' (c->pos at its first character). */
static void parse_after_dot(cc *c, mc_jsonpath *p, bool deep, bool in_filter,
                            size_t dot)
{
    if (at_end(c)) {
        fail(c, dot, deep ? "path must not end with '..'"
                          : "path must not end with '.'");
        return;
    }
    char ch = cur(c);
    if (ch == '.') {
        fail(c, c->pos, "unexpected '.'");
        return;
    }
    if (ch == '[')
        parse_bracket(c, p, deep);
    else if (ch == '*')
        parse_wild(c, p, deep, in_filter);
    else if (in_filter && filter_term(ch))
        fail(c, c->pos, "expected a name after '%s'", deep ? ".." : ".");
    else
        parse_dot_name(c, p, deep, in_filter);
}

static void parse_steps(cc *c, mc_jsonpath *p, bool in_filter)
{
    while (!c->failed && c->pos < c->len) {
        char ch = c->src[c->pos];
        if (in_filter && filter_term(ch))
            break;
        if (ch == '.') {
            size_t dot = c->pos;
            if (c->pos + 1 < c->len && c->src[c->pos + 1] == '.') {
                c->pos += 2;
                parse_after_dot(c, p, true, in_filter, dot);
            } else {
                c->pos++;
                parse_after_dot(c, p, false, in_filter, dot);
            }
        } else if (ch == '[') {
            parse_bracket(c, p, false);
        } else {
            fail(c, c->pos, "expected '.' or '[' but found '%c'", ch);
        }
    }
}

static void finish_path(mc_jsonpath *p, bool top)
{
    bool definite = true;
    for (size_t i = 0; i < p->n; i++) {
        step *s = &p->steps[i];
        if (s->kind == ST_NAMES && top && i + 1 == p->n)
            s->merge = true;
        if (s->deep || !(s->kind == ST_NAME || s->kind == ST_INDEX || s->merge))
            definite = false;
    }
    p->definite = definite;
}

/* ---- filter expressions ------------------------------------------------ */

static bool bigdecimal_text(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && is_digit(s[i])) {
        i++;
        digits++;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit(s[i])) {
            i++;
            digits++;
        }
    }
    if (!digits)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

static bool parse_regex(cc *c, operand *o)
{
    size_t start = c->pos++; /* '/' */
    size_t body = c->pos;
    while (c->pos < c->len && c->src[c->pos] != '/') {
        if (c->src[c->pos] == '\\' && c->pos + 1 < c->len)
            c->pos++;
        c->pos++;
    }
    if (at_end(c)) {
        fail(c, start, "unterminated regular expression");
        return false;
    }
    size_t body_end = c->pos++;
    uint32_t opts = PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED;
    while (is_alpha(cur(c))) {
        switch (cur(c)) {
        case 'i': opts |= PCRE2_CASELESS; break;
        case 'm': opts |= PCRE2_MULTILINE; break;
        case 's': opts |= PCRE2_DOTALL; break;
        case 'x': opts |= PCRE2_EXTENDED; break;
        case 'u': opts |= PCRE2_UCP; break;
        case 'd': break; /* UNIX_LINES: no equivalent needed */
        default:
            fail(c, c->pos, "unknown regular expression flag '%c'", cur(c));
            return false;
        }
        c->pos++;
    }
    o->kind = OPD_REGEX;
    size_t n = body_end - body;
    o->re_src = malloc(n + 1);
    if (!o->re_src) {
        oom(c);
        return false;
    }
    memcpy(o->re_src, c->src + body, n);
    o->re_src[n] = '\0';
    int ecode;
    PCRE2_SIZE eoff;
    o->re = pcre2_compile((PCRE2_SPTR)o->re_src, n, opts, &ecode, &eoff, NULL);
    if (o->re)
        pcre2_jit_compile(o->re, PCRE2_JIT_COMPLETE); /* optional speed-up */
    if (!o->re) {
        PCRE2_UCHAR msg[128];
        pcre2_get_error_message(ecode, msg, sizeof msg);
        fail(c, body + (eoff < n ? eoff : n), "bad regular expression: %s",
             (const char *)msg);
        return false;
    }
    return true;
}

/* A JSON literal ([...] or {...}) at c->pos.  Like Jayway (whose JSON
 * providers are lenient) strings may use single quotes; they are turned
 * into standard JSON before parsing. */
static bool parse_json_literal(cc *c, operand *o)
{
    size_t start = c->pos;
    char open = c->src[c->pos], close = open == '[' ? ']' : '}';
    int depth = 0;
    char quote = 0;
    mc_buf b = MC_BUF_INIT;
    while (c->pos < c->len) {
        char ch = c->src[c->pos++];
        if (quote) {
            if (ch == '\\' && c->pos < c->len) {
                char e = c->src[c->pos++];
                if (quote == '\'' && e == '\'') {
                    mc_buf_putc(&b, '\'');
                } else {
                    mc_buf_putc(&b, '\\');
                    mc_buf_putc(&b, e);
                }
            } else if (ch == quote) {
                quote = 0;
                mc_buf_putc(&b, '"');
            } else if (ch == '"') { /* inside '...' */
                mc_buf_puts(&b, "\\\"");
            } else {
                mc_buf_putc(&b, ch);
            }
            continue;
        }
        if (ch == '"' || ch == '\'') {
            quote = ch;
            mc_buf_putc(&b, '"');
            continue;
        }
        mc_buf_putc(&b, ch);
        if (ch == open)
            depth++;
        else if (ch == close && --depth == 0)
            break;
    }
    if (depth != 0 || quote) {
        mc_buf_free(&b);
        fail(c, start, "unterminated JSON literal");
        return false;
    }
    if (b.oom) {
        mc_buf_free(&b);
        oom(c);
        return false;
    }
    mc_err jerr = {0};
    mc_arena_init(&o->lit, 256);
    o->has_lit = true;
    o->json = mc_json_parse(&o->lit, b.data, b.len, &jerr);
    mc_buf_free(&b);
    if (!o->json) {
        if (jerr.code == MC_ENOMEM)
            oom(c);
        else
            fail(c, start, "bad JSON literal (%s)", jerr.msg);
        return false;
    }
    o->kind = OPD_JSON;
    return true;
}

static bool parse_keyword(cc *c, const char *kw)
{
    size_t n = strlen(kw);
    if (c->pos + n <= c->len && memcmp(c->src + c->pos, kw, n) == 0 &&
        !(c->pos + n < c->len && (is_alpha(c->src[c->pos + n]) ||
                                  is_digit(c->src[c->pos + n])))) {
        c->pos += n;
        return true;
    }
    return false;
}

static bool parse_operand(cc *c, operand *o)
{
    skip_ws(c);
    if (at_end(c)) {
        fail(c, c->pos, "unexpected end, expected a value");
        return false;
    }
    char ch = cur(c);
    size_t start = c->pos;
    if (ch == '@' || ch == '$') {
        o->kind = OPD_PATH;
        o->path = calloc(1, sizeof *o->path);
        if (!o->path) {
            oom(c);
            return false;
        }
        o->path->relative = ch == '@';
        c->pos++;
        parse_steps(c, o->path, true);
        if (c->failed)
            return false;
        finish_path(o->path, false);
        return true;
    }
    if (ch == '\'' || ch == '"') {
        o->kind = OPD_STR;
        o->s = parse_quoted(c, &o->len);
        return o->s != NULL;
    }
    if (ch == '-' || ch == '+' || ch == '.' || is_digit(ch)) {
        while (c->pos < c->len &&
               (is_digit(cur(c)) || strchr("+-.eE", cur(c))))
            c->pos++;
        size_t n = c->pos - start;
        if (!bigdecimal_text(c->src + start, n)) {
            fail(c, start, "bad number '%.*s'", (int)n, c->src + start);
            return false;
        }
        o->kind = OPD_NUM;
        o->s = malloc(n + 1);
        if (!o->s) {
            oom(c);
            return false;
        }
        memcpy(o->s, c->src + start, n);
        o->s[n] = '\0';
        o->len = n;
        mc_json_number_value(o->s, n, &o->d, &o->i, &o->int_ok);
        return true;
    }
    if (ch == '[' || ch == '{')
        return parse_json_literal(c, o);
    if (ch == '/')
        return parse_regex(c, o);
    if (parse_keyword(c, "true")) {
        o->kind = OPD_TRUE;
        return true;
    }
    if (parse_keyword(c, "false")) {
        o->kind = OPD_FALSE;
        return true;
    }
    if (parse_keyword(c, "null")) {
        o->kind = OPD_NULL;
        return true;
    }
    fail(c, start, "expected a value but found '%c'", ch);
    return false;
}

static fexpr *new_fexpr(cc *c, fx_kind k)
{
    fexpr *f = calloc(1, sizeof *f);
    if (!f)
        oom(c);
    else
        f->kind = k;
    return f;
}

static bool parse_operator(cc *c, rel_op *op)
{
    size_t start = c->pos;
    char ch = cur(c);
    if (strchr("=!<>~", ch)) {
        while (c->pos < c->len && strchr("=!<>~", cur(c)))
            c->pos++;
        size_t n = c->pos - start;
        const char *s = c->src + start;
        static const struct {
            const char *t;
            rel_op op;
        } ops[] = {
            {"==", OP_EQ}, {"!=", OP_NE}, {"===", OP_TSEQ}, {"!==", OP_TSNE},
            {"<", OP_LT}, {"<=", OP_LE}, {">", OP_GT}, {">=", OP_GE},
            {"=~", OP_REGEX},
        };
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
            if (strlen(ops[i].t) == n && memcmp(ops[i].t, s, n) == 0) {
                *op = ops[i].op;
                return true;
            }
        }
        fail(c, start, "unknown operator '%.*s'", (int)n, s);
        return false;
    }
    if (is_alpha(ch)) {
        while (is_alpha(cur(c)))
            c->pos++;
        size_t n = c->pos - start;
        const char *s = c->src + start;
        if (n == 2 && memcmp(s, "in", 2) == 0)
            *op = OP_IN;
        else if (n == 3 && memcmp(s, "nin", 3) == 0)
            *op = OP_NIN;
        else if (n == 4 && memcmp(s, "size", 4) == 0)
            *op = OP_SIZE;
        else if (n == 5 && memcmp(s, "empty", 5) == 0)
            *op = OP_EMPTY;
        else {
            fail(c, start, "unsupported operator '%.*s'", (int)n, s);
            return false;
        }
        return true;
    }
    fail(c, start, "expected an operator but found '%c'", ch);
    return false;
}

static fexpr *parse_rel(cc *c)
{
    fexpr *f = new_fexpr(c, FX_REL);
    if (!f)
        return NULL;
    size_t lstart = (skip_ws(c), c->pos);
    if (!parse_operand(c, &f->l))
        goto bad;
    skip_ws(c);
    if (at_end(c) || strchr(")&|", cur(c))) {
        if (f->l.kind != OPD_PATH) {
            fail(c, lstart, "a literal needs an operator");
            goto bad;
        }
        f->kind = FX_EXISTS;
        return f;
    }
    if (!parse_operator(c, &f->op))
        goto bad;
    size_t rstart = (skip_ws(c), c->pos);
    if (!parse_operand(c, &f->r))
        goto bad;
    if (f->op == OP_EMPTY && f->r.kind != OPD_TRUE && f->r.kind != OPD_FALSE) {
        fail(c, rstart, "'empty' needs true or false");
        goto bad;
    }
    return f;
bad:
    fexpr_free(f);
    return NULL;
}

static fexpr *parse_unary(cc *c)
{
    skip_ws(c);
    if (at_end(c)) {
        fail(c, c->pos, "unexpected end of filter");
        return NULL;
    }
    if (++c->nesting > MAX_NESTING) {
        fail(c, c->pos, "filter nested too deeply");
        return NULL;
    }
    fexpr *r = NULL;
    char ch = cur(c);
    if (ch == '!') {
        c->pos++;
        skip_ws(c);
        fexpr *a = (cur(c) == '@' || cur(c) == '$') ? parse_rel(c)
                                                    : parse_unary(c);
        if (a) {
            r = new_fexpr(c, FX_NOT);
            if (r)
                r->a = a;
            else
                fexpr_free(a);
        }
    } else if (ch == '(') {
        c->pos++;
        fexpr *a = parse_or(c);
        if (a) {
            skip_ws(c);
            if (expect(c, ')'))
                r = a;
            else
                fexpr_free(a);
        }
    } else {
        r = parse_rel(c);
    }
    c->nesting--;
    return r;
}

static fexpr *parse_binary(cc *c, bool is_or)
{
    char opch = is_or ? '|' : '&';
    fexpr *l = is_or ? parse_binary(c, false) : parse_unary(c);
    while (l) {
        skip_ws(c);
        if (cur(c) != opch)
            return l;
        if (c->pos + 1 >= c->len || c->src[c->pos + 1] != opch) {
            fail(c, c->pos, "expected '%c%c'", opch, opch);
            break;
        }
        c->pos += 2;
        fexpr *r = is_or ? parse_binary(c, false) : parse_unary(c);
        if (!r)
            break;
        fexpr *n = new_fexpr(c, is_or ? FX_OR : FX_AND);
        if (!n) {
            fexpr_free(r);
            break;
        }
        n->a = l;
        n->b = r;
        l = n;
    }
    fexpr_free(l);
    return NULL;
}

static fexpr *parse_or(cc *c)
{
    return parse_binary(c, true);
}

mc_jsonpath *mc_jsonpath_compile(const char *src, mc_err *err)
{
    if (!src)
        src = "";
    cc c = {.src = src, .len = strlen(src), .err = err};
    size_t start = 0;
    while (start < c.len && is_ws(src[start]))
        start++;
    while (c.len > start && is_ws(src[c.len - 1]))
        c.len--;
    c.pos = start;
    if (start == c.len) {
        fail(&c, start, "empty path");
        return NULL;
    }
    mc_jsonpath *p = calloc(1, sizeof *p);
    if (!p) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    char ch = src[c.pos];
    if (ch == '$' || ch == '@') {
        c.pos++;
        if (!at_end(&c) && cur(&c) != '.' && cur(&c) != '[')
            fail(&c, c.pos, "expected '.' or '[' after '%c' but found '%c'",
                 ch, cur(&c));
    } else if (ch == '[') {
        /* Jayway reads a path without '$' as "$." + path */
    } else if (ch == '*') {
        parse_wild(&c, p, false, false);
    } else if (ch == '.' || ch == ']' || ch == '(' || ch == ')') {
        fail(&c, c.pos, "path must start with '$'");
    } else {
        parse_dot_name(&c, p, false, false);
    }
    parse_steps(&c, p, false);
    if (c.failed) {
        mc_jsonpath_free(p);
        return NULL;
    }
    finish_path(p, true);
    return p;
}

/* ---- evaluation -------------------------------------------------------- */

typedef struct ev {
    mc_json root;
    mc_buf *out;      /* text mode: write matches as a JSON array body */
    mc_json *vals;    /* select mode */
    size_t max;
    size_t count;
} ev;

static void emit(ev *e, mc_json v)
{
    if (e->out) {
        if (e->count)
            mc_buf_putc(e->out, ',');
        mc_json_write(e->out, v);
    } else if (e->count < e->max) {
        e->vals[e->count] = v;
    }
    e->count++;
}

static bool names_before(const step *s, uint32_t k)
{
    for (uint32_t j = 0; j < k; j++)
        if (s->u.names[j].len == s->u.names[k].len &&
            memcmp(s->u.names[j].s, s->u.names[k].s, s->u.names[k].len) == 0)
            return true;
    return false;
}

/* The merged object of a leaf multi-name selector, written as JSON. */
static void write_merged(mc_buf *out, const step *s, mc_json obj)
{
    mc_buf_putc(out, '{');
    bool first = true;
    for (uint32_t k = 0; k < s->n; k++) {
        if (names_before(s, k))
            continue;
        mc_json v = mc_json_get(obj, s->u.names[k].s, s->u.names[k].len);
        if (!v)
            continue;
        if (!first)
            mc_buf_putc(out, ',');
        first = false;
        mc_buf_json_string(out, s->u.names[k].s, s->u.names[k].len);
        mc_buf_putc(out, ':');
        mc_json_write(out, v);
    }
    mc_buf_putc(out, '}');
}

static void emit_merged(ev *e, const step *s, mc_json obj)
{
    if (e->out) {
        if (e->count)
            mc_buf_putc(e->out, ',');
        write_merged(e->out, s, obj);
        e->count++;
        return;
    }
    for (uint32_t k = 0; k < s->n; k++) {
        if (names_before(s, k))
            continue;
        mc_json v = mc_json_get(obj, s->u.names[k].s, s->u.names[k].len);
        if (v)
            emit(e, v);
    }
}

static bool accept(const ev *e, const fexpr *f, mc_json item);
static void eval_from(ev *e, const mc_jsonpath *p, size_t i, mc_json node);

static mc_json array_at(mc_json arr, long long idx)
{
    long long len = (long long)mc_json_count(arr);
    if (idx < 0)
        idx += len;
    if (idx < 0 || idx >= len)
        return NULL;
    return mc_json_at(arr, (size_t)idx);
}

static void apply_slice(ev *e, const mc_jsonpath *p, size_t i, const step *s,
                        mc_json arr)
{
    long long len = (long long)mc_json_count(arr);
    if (len == 0)
        return;
    long long from = s->u.slice.from, to = s->u.slice.to;
    if (s->u.slice.has_from && !s->u.slice.has_to) {
        if (from < 0)
            from += len;
        if (from < 0)
            from = 0;
        for (long long k = from; k < len; k++)
            eval_from(e, p, i + 1, mc_json_at(arr, (size_t)k));
    } else if (s->u.slice.has_from) {
        if (to > len)
            to = len;
        for (long long k = from; k < to; k++) {
            mc_json v = array_at(arr, k);
            if (v)
                eval_from(e, p, i + 1, v);
        }
    } else {
        if (to < 0)
            to += len;
        if (to > len)
            to = len;
        for (long long k = 0; k < to; k++)
            eval_from(e, p, i + 1, mc_json_at(arr, (size_t)k));
    }
}

/* Apply step i to node (Jayway's PathToken.evaluate). */
static void apply(ev *e, const mc_jsonpath *p, size_t i, mc_json node)
{
    const step *s = &p->steps[i];
    switch (s->kind) {
    case ST_NAME: {
        mc_json v = mc_json_get(node, s->u.name.s, s->u.name.len);
        if (v)
            eval_from(e, p, i + 1, v);
        break;
    }
    case ST_NAMES:
        if (!is_object(node))
            break;
        if (s->merge) {
            emit_merged(e, s, node);
            break;
        }
        for (uint32_t k = 0; k < s->n; k++) {
            mc_json v = mc_json_get(node, s->u.names[k].s, s->u.names[k].len);
            if (v)
                eval_from(e, p, i + 1, v);
        }
        break;
    case ST_INDEX:
        if (is_array(node)) {
            mc_json v = array_at(node, s->u.index);
            if (v)
                eval_from(e, p, i + 1, v);
        }
        break;
    case ST_INDEXES:
        if (is_array(node)) {
            for (uint32_t k = 0; k < s->n; k++) {
                mc_json v = array_at(node, s->u.indexes[k]);
                if (v)
                    eval_from(e, p, i + 1, v);
            }
        }
        break;
    case ST_SLICE:
        if (is_array(node))
            apply_slice(e, p, i, s, node);
        break;
    case ST_WILD:
        if (is_container(node)) {
            size_t n = mc_json_count(node);
            for (size_t k = 0; k < n; k++)
                eval_from(e, p, i + 1, mc_json_at(node, k));
        }
        break;
    case ST_FILTER:
        if (is_object(node)) {
            if (accept(e, s->u.filter, node))
                eval_from(e, p, i + 1, node);
        } else if (is_array(node)) {
            size_t n = mc_json_count(node);
            for (size_t k = 0; k < n; k++) {
                mc_json v = mc_json_at(node, k);
                if (accept(e, s->u.filter, v))
                    eval_from(e, p, i + 1, v);
            }
        }
        break;
    }
}

/* Whether deep scan applies step i at node (Jayway's scan predicates). */
static bool scan_matches(const ev *e, const step *s, mc_json node)
{
    switch (s->kind) {
    case ST_NAME:
        return mc_json_get(node, s->u.name.s, s->u.name.len) != NULL;
    case ST_NAMES:
        if (!is_object(node))
            return false;
        if (!s->merge)
            return true;
        for (uint32_t k = 0; k < s->n; k++)
            if (!mc_json_get(node, s->u.names[k].s, s->u.names[k].len))
                return false;
        return true;
    case ST_INDEX:
    case ST_INDEXES:
    case ST_SLICE:
        return is_array(node);
    case ST_WILD:
        return true;
    case ST_FILTER:
        return accept(e, s->u.filter, node);
    }
    return false;
}

static void walk(ev *e, const mc_jsonpath *p, size_t i, mc_json node)
{
    const step *s = &p->steps[i];
    size_t n = mc_json_count(node);
    if (is_object(node)) {
        if (scan_matches(e, s, node))
            apply(e, p, i, node);
        for (size_t k = 0; k < n; k++)
            walk(e, p, i, mc_json_at(node, k));
    } else if (is_array(node)) {
        if (scan_matches(e, s, node)) {
            if (i + 1 == p->n) {
                apply(e, p, i, node);
            } else {
                for (size_t k = 0; k < n; k++)
                    eval_from(e, p, i + 1, mc_json_at(node, k));
            }
        }
        for (size_t k = 0; k < n; k++)
            walk(e, p, i, mc_json_at(node, k));
    }
}

static void eval_from(ev *e, const mc_jsonpath *p, size_t i, mc_json node)
{
    if (!node)
        return;
    if (i == p->n) {
        emit(e, node);
        return;
    }
    if (p->steps[i].deep)
        walk(e, p, i, node);
    else
        apply(e, p, i, node);
}

/* Definite path: the selected node (or NULL), no allocation.  When the
 * last step is a merge, *merge is set and the object it applies to is
 * returned. */
static mc_json definite_node(const mc_jsonpath *p, mc_json root,
                             const step **merge)
{
    mc_json v = root;
    *merge = NULL;
    for (size_t i = 0; v && i < p->n; i++) {
        const step *s = &p->steps[i];
        switch (s->kind) {
        case ST_NAME:
            v = mc_json_get(v, s->u.name.s, s->u.name.len);
            break;
        case ST_INDEX:
            v = is_array(v) ? array_at(v, s->u.index) : NULL;
            break;
        case ST_NAMES: /* merge: last step */
            if (!is_object(v))
                return NULL;
            *merge = s;
            return v;
        default:
            return NULL;
        }
    }
    return v;
}

void mc_jsonpath_eval(const mc_jsonpath *p, mc_json root, mc_buf *out,
                      bool *found)
{
    bool dummy;
    if (!found)
        found = &dummy;
    *found = false;
    if (!p || !out)
        return;
    if (p->definite) {
        if (!root)
            return;
        const step *merge;
        mc_json v = definite_node(p, root, &merge);
        if (!v)
            return;
        *found = true;
        if (merge)
            write_merged(out, merge, v);
        else
            mc_json_text(out, v);
        return;
    }
    *found = true;
    mc_buf_putc(out, '[');
    ev e = {.root = root, .out = out};
    eval_from(&e, p, 0, root);
    mc_buf_putc(out, ']');
}

size_t mc_jsonpath_select(const mc_jsonpath *p, mc_json root, mc_json *out,
                          size_t max)
{
    if (!p || !root)
        return 0;
    if (!out)
        max = 0;
    ev e = {.root = root, .vals = out, .max = max};
    if (p->definite) {
        const step *merge;
        mc_json v = definite_node(p, root, &merge);
        if (!v)
            return 0;
        if (merge)
            emit_merged(&e, merge, v);
        else
            emit(&e, v);
        return e.count;
    }
    eval_from(&e, p, 0, root);
    return e.count;
}

/* ---- filter evaluation ------------------------------------------------- */

typedef enum { V_UNDEF, V_NULL, V_BOOL, V_NUM, V_STR, V_NODE, V_LIST, V_REGEX } vkind;

typedef struct val {
    vkind k;
    bool b;
    bool int_ok;
    long long i;
    double d;
    const char *s;    /* V_STR characters, V_NUM text */
    size_t len;
    mc_json node;     /* V_NODE: object or array */
    mc_json *list;    /* V_LIST: matches of an indefinite path */
    size_t nlist;
    const pcre2_code *re;
} val;

static void val_of_node(mc_json v, val *out)
{
    memset(out, 0, sizeof *out);
    if (!v) {
        out->k = V_NULL;
        return;
    }
    switch (mc_json_type_of(v)) {
    case MC_JSON_STRING:
        out->k = V_STR;
        out->s = mc_json_str(v, &out->len);
        break;
    case MC_JSON_NUMBER:
        out->k = V_NUM;
        out->s = mc_json_str(v, &out->len);
        mc_json_number_value(out->s, out->len, &out->d, &out->i, &out->int_ok);
        break;
    case MC_JSON_TRUE:
    case MC_JSON_FALSE:
        out->k = V_BOOL;
        out->b = mc_json_type_of(v) == MC_JSON_TRUE;
        break;
    case MC_JSON_OBJECT:
    case MC_JSON_ARRAY:
        out->k = V_NODE;
        out->node = v;
        break;
    default:
        out->k = V_NULL;
        break;
    }
}

#define LIST_STACK 16

/* Value of an operand for item.  An indefinite path needs a list: up to
 * LIST_STACK matches live in stackbuf, more are malloc'd (*heap). */
static void operand_value(const ev *e, const operand *o, mc_json item,
                          val *out, mc_json *stackbuf, mc_json **heap)
{
    memset(out, 0, sizeof *out);
    switch (o->kind) {
    case OPD_STR:
        out->k = V_STR;
        out->s = o->s;
        out->len = o->len;
        return;
    case OPD_NUM:
        out->k = V_NUM;
        out->s = o->s;
        out->len = o->len;
        out->d = o->d;
        out->i = o->i;
        out->int_ok = o->int_ok;
        return;
    case OPD_TRUE:
    case OPD_FALSE:
        out->k = V_BOOL;
        out->b = o->kind == OPD_TRUE;
        return;
    case OPD_NULL:
        out->k = V_NULL;
        return;
    case OPD_JSON:
        val_of_node(o->json, out);
        return;
    case OPD_REGEX:
        out->k = V_REGEX;
        out->re = o->re;
        return;
    case OPD_PATH:
        break;
    }
    const mc_jsonpath *p = o->path;
    mc_json start = p->relative ? item : e->root;
    if (!start) {
        out->k = V_UNDEF;
        return;
    }
    if (p->definite) {
        const step *merge;
        mc_json v = definite_node(p, start, &merge);
        if (!v) {
            out->k = V_UNDEF;
            return;
        }
        val_of_node(v, out);
        return;
    }
    ev sub = {.root = e->root, .vals = stackbuf, .max = LIST_STACK};
    eval_from(&sub, p, 0, start);
    out->k = V_LIST;
    out->list = stackbuf;
    out->nlist = sub.count;
    if (sub.count > LIST_STACK) {
        mc_json *h = malloc(sub.count * sizeof *h);
        if (!h) {
            out->nlist = LIST_STACK;
            return;
        }
        ev again = {.root = e->root, .vals = h, .max = sub.count};
        eval_from(&again, p, 0, start);
        *heap = h;
        out->list = h;
        out->nlist = again.count < sub.count ? again.count : sub.count;
    }
}

static bool path_exists(const ev *e, const mc_jsonpath *p, mc_json item)
{
    mc_json start = p->relative ? item : e->root;
    if (!start)
        return false;
    if (p->definite) {
        const step *merge;
        return definite_node(p, start, &merge) != NULL;
    }
    mc_json one;
    ev sub = {.root = e->root, .vals = &one, .max = 1};
    eval_from(&sub, p, 0, start);
    return sub.count > 0;
}

static int num_cmp(const val *a, const val *b)
{
    if (a->int_ok && b->int_ok)
        return a->i < b->i ? -1 : a->i > b->i;
    if (a->d < b->d)
        return -1;
    if (a->d > b->d)
        return 1;
    if (a->d == b->d)
        return 0;
    return 2; /* NaN: unordered */
}

static int str_cmp(const val *a, const val *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int r = memcmp(a->s, b->s, n);
    if (r)
        return r < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
}

static bool is_jsonish(const val *v) { return v->k == V_NODE || v->k == V_LIST; }

static bool json_equal(mc_json a, mc_json b);

static bool scalar_node_equal(mc_json a, mc_json b)
{
    val va, vb;
    val_of_node(a, &va);
    val_of_node(b, &vb);
    if (va.k != vb.k)
        return false;
    switch (va.k) {
    case V_NULL: return true;
    case V_BOOL: return va.b == vb.b;
    case V_NUM: return num_cmp(&va, &vb) == 0;
    case V_STR: return str_cmp(&va, &vb) == 0;
    default: return json_equal(a, b);
    }
}

static bool json_equal(mc_json a, mc_json b)
{
    if (!a || !b)
        return a == b;
    size_t n = mc_json_count(a);
    if (is_array(a) && is_array(b)) {
        if (n != mc_json_count(b))
            return false;
        for (size_t i = 0; i < n; i++)
            if (!scalar_node_equal(mc_json_at(a, i), mc_json_at(b, i)))
                return false;
        return true;
    }
    if (is_object(a) && is_object(b)) {
        if (n != mc_json_count(b))
            return false;
        for (size_t i = 0; i < n; i++) {
            size_t kn;
            const char *k = mc_json_key(a, i, &kn);
            mc_json bv = mc_json_get(b, k, kn);
            if (!bv || !scalar_node_equal(mc_json_at(a, i), bv))
                return false;
        }
        return true;
    }
    if (is_container(a) || is_container(b))
        return false;
    return scalar_node_equal(a, b);
}

static size_t list_len(const val *v)
{
    if (v->k == V_LIST)
        return v->nlist;
    if (v->k == V_NODE && is_array(v->node))
        return mc_json_count(v->node);
    return 0;
}

static mc_json list_at(const val *v, size_t i)
{
    return v->k == V_LIST ? v->list[i] : mc_json_at(v->node, i);
}

static bool jsonish_equal(const val *a, const val *b)
{
    if (a->k == V_NODE && b->k == V_NODE)
        return json_equal(a->node, b->node);
    /* at least one list: compare as arrays */
    bool a_arr = a->k == V_LIST || is_array(a->node);
    bool b_arr = b->k == V_LIST || is_array(b->node);
    if (!a_arr || !b_arr)
        return false;
    size_t n = list_len(a);
    if (n != list_len(b))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!scalar_node_equal(list_at(a, i), list_at(b, i)))
            return false;
    return true;
}

/* Jayway's left.equals(right). */
static bool val_equal(const val *l, const val *r)
{
    if (is_jsonish(l) && is_jsonish(r))
        return jsonish_equal(l, r);
    switch (l->k) {
    case V_NUM:
        if (r->k == V_NUM)
            return num_cmp(l, r) == 0;
        if (r->k == V_STR && bigdecimal_text(r->s, r->len)) {
            val rn = *r;
            mc_json_number_value(r->s, r->len, &rn.d, &rn.i, &rn.int_ok);
            return num_cmp(l, &rn) == 0;
        }
        return false;
    case V_STR:
        if (r->k == V_STR || r->k == V_NUM)
            return str_cmp(l, r) == 0;
        return false;
    case V_BOOL:
        return r->k == V_BOOL && l->b == r->b;
    case V_NULL:
        return r->k == V_NULL;
    case V_REGEX:
        return r->k == V_REGEX && l->re == r->re;
    default:
        return false;
    }
}

/* One match block per thread, kept for the thread's life (patterns only
 * need the whole-match pair, so any pattern can use it). */
static pthread_key_t md_key;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static bool md_key_ok;

static void md_free(void *p) { pcre2_match_data_free(p); }

static void md_init(void)
{
    md_key_ok = pthread_key_create(&md_key, md_free) == 0;
}

static pcre2_match_data *thread_match_data(void)
{
    pthread_once(&md_once, md_init);
    if (!md_key_ok)
        return NULL;
    pcre2_match_data *md = pthread_getspecific(md_key);
    if (!md) {
        md = pcre2_match_data_create(1, NULL);
        if (md && pthread_setspecific(md_key, md) != 0) {
            pcre2_match_data_free(md);
            md = NULL;
        }
    }
    return md;
}

static bool regex_match(const pcre2_code *re, const val *v)
{
    const char *s = "";
    size_t n = 0;
    if (v->k == V_STR || v->k == V_NUM) {
        s = v->s;
        n = v->len;
    } else if (v->k == V_BOOL) {
        s = v->b ? "true" : "false";
        n = strlen(s);
    }
    pcre2_match_data *md = thread_match_data();
    if (!md)
        return false;
    return pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL) >= 0;
}

static size_t utf16_len(const char *s, size_t n)
{
    size_t units = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch & 0xC0) != 0x80)
            units += ch >= 0xF0 ? 2 : 1;
    }
    return units;
}

static bool compare(rel_op op, const val *l, const val *r)
{
    int c;
    switch (op) {
    case OP_EQ:
        return val_equal(l, r);
    case OP_NE:
        return !val_equal(l, r);
    case OP_TSEQ:
        return (l->k == r->k || (is_jsonish(l) && is_jsonish(r))) &&
               val_equal(l, r);
    case OP_TSNE:
        return !((l->k == r->k || (is_jsonish(l) && is_jsonish(r))) &&
                 val_equal(l, r));
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE:
        if (l->k == V_NUM && r->k == V_NUM)
            c = num_cmp(l, r);
        else if (l->k == V_STR && r->k == V_STR)
            c = str_cmp(l, r);
        else
            return false;
        if (c == 2)
            return false;
        return op == OP_LT ? c < 0 : op == OP_LE ? c <= 0
             : op == OP_GT ? c > 0 : c >= 0;
    case OP_REGEX:
        if ((l->k == V_REGEX) == (r->k == V_REGEX))
            return false;
        return l->k == V_REGEX ? regex_match(l->re, r) : regex_match(r->re, l);
    case OP_IN:
    case OP_NIN: {
        bool in = false;
        if (r->k == V_LIST || (r->k == V_NODE && is_array(r->node))) {
            size_t n = list_len(r);
            for (size_t i = 0; i < n && !in; i++) {
                val item;
                val_of_node(list_at(r, i), &item);
                in = val_equal(l, &item);
            }
        }
        return op == OP_IN ? in : !in;
    }
    case OP_SIZE: {
        if (r->k != V_NUM)
            return false;
        long long want = r->int_ok ? r->i : (long long)r->d;
        if (l->k == V_STR)
            return (long long)utf16_len(l->s, l->len) == want;
        if (l->k == V_LIST || (l->k == V_NODE && is_array(l->node)))
            return (long long)list_len(l) == want;
        return false;
    }
    case OP_EMPTY: {
        bool empty;
        if (l->k == V_STR)
            empty = l->len == 0;
        else if (l->k == V_LIST)
            empty = l->nlist == 0;
        else if (l->k == V_NODE)
            empty = mc_json_count(l->node) == 0;
        else
            return false;
        return empty == r->b;
    }
    }
    return false;
}

static bool accept(const ev *e, const fexpr *f, mc_json item)
{
    switch (f->kind) {
    case FX_OR:
        return accept(e, f->a, item) || accept(e, f->b, item);
    case FX_AND:
        return accept(e, f->a, item) && accept(e, f->b, item);
    case FX_NOT:
        return !accept(e, f->a, item);
    case FX_EXISTS:
        return path_exists(e, f->l.path, item);
    case FX_REL: {
        mc_json lbuf[LIST_STACK], rbuf[LIST_STACK];
        mc_json *lheap = NULL, *rheap = NULL;
        val l, r;
        operand_value(e, &f->l, item, &l, lbuf, &lheap);
        operand_value(e, &f->r, item, &r, rbuf, &rheap);
        bool res = compare(f->op, &l, &r);
        free(lheap);
        free(rheap);
        return res;
    }
    }
    return false;
}
