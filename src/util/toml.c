/* toml.c - the TOML subset reader behind `--config FILE` (see toml.h for the
 * subset).  A single pass over the text with a cursor that knows its line
 * and column; every error stops the parse and names the position. */
#include "util/toml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

typedef struct parser {
    const char *p, *end;
    const char *line_start;
    int line;
    const char *name;
    mc_toml *t;
    size_t cap;
    const char *table;           /* current [table] prefix, "" at top */
    const char **tables;         /* headers seen, for duplicates */
    size_t ntables, tcap;
    mc_err *err;
    bool failed;
} parser;

static int col_of(const parser *ps, const char *at)
{
    return (int)(at - ps->line_start) + 1;
}

static bool fail_at(parser *ps, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail_at(parser *ps, const char *at, const char *fmt, ...)
{
    if (ps->failed)
        return false;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mc_err_set(ps->err, MC_ECONFIG, "%s:%d:%d: %s", ps->name, ps->line, col_of(ps, at), msg);
    ps->failed = true;
    return false;
}

static bool at_end(const parser *ps)
{
    return ps->p >= ps->end;
}

static void skip_ws(parser *ps)
{
    while (!at_end(ps) && (*ps->p == ' ' || *ps->p == '\t'))
        ps->p++;
}

static void skip_comment(parser *ps)
{
    if (!at_end(ps) && *ps->p == '#')
        while (!at_end(ps) && *ps->p != '\n')
            ps->p++;
}

/* At a newline (LF or CRLF): consume it and start the next line. */
static bool take_newline(parser *ps)
{
    if (!at_end(ps) && *ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')
        ps->p++;
    if (at_end(ps) || *ps->p != '\n')
        return false;
    ps->p++;
    ps->line++;
    ps->line_start = ps->p;
    return true;
}

/* Whitespace, comments and newlines (inside arrays). */
static void skip_space_lines(parser *ps)
{
    for (;;) {
        skip_ws(ps);
        skip_comment(ps);
        if (!take_newline(ps))
            return;
    }
}

/* After a key/value or a header: only a comment may follow on the line. */
static bool expect_line_end(parser *ps)
{
    skip_ws(ps);
    skip_comment(ps);
    if (at_end(ps) || take_newline(ps))
        return true;
    return fail_at(ps, ps->p, "unexpected '%c' after the value; one key = value per line",
                   *ps->p);
}

static bool is_bare(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool basic_escape(parser *ps, mc_buf *out)
{
    const char *esc = ps->p++;            /* at the backslash */
    if (at_end(ps))
        return fail_at(ps, esc, "unterminated string");
    char c = *ps->p++;
    switch (c) {
    case 'b': mc_buf_putc(out, '\b'); return true;
    case 't': mc_buf_putc(out, '\t'); return true;
    case 'n': mc_buf_putc(out, '\n'); return true;
    case 'f': mc_buf_putc(out, '\f'); return true;
    case 'r': mc_buf_putc(out, '\r'); return true;
    case '"': mc_buf_putc(out, '"'); return true;
    case '\\': mc_buf_putc(out, '\\'); return true;
    case 'u':
    case 'U': {
        int digits = c == 'u' ? 4 : 8;
        unsigned long cp = 0;
        for (int i = 0; i < digits; i++) {
            int h = at_end(ps) ? -1 : hexval(*ps->p);
            if (h < 0)
                return fail_at(ps, esc, "\\%c needs %d hex digits", c, digits);
            cp = cp * 16 + (unsigned long)h;
            ps->p++;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return fail_at(ps, esc, "\\%c escape is not a Unicode scalar value", c);
        mc_buf_put_utf8(out, cp);
        return true;
    }
    default:
        return fail_at(ps, esc, "unknown escape '\\%c' in a string", c);
    }
}

/* A "basic" or 'literal' string on one line; the cursor is at the quote. */
static bool parse_string(parser *ps, mc_buf *out)
{
    const char *start = ps->p;
    char q = *ps->p;
    if (ps->end - ps->p >= 3 && ps->p[1] == q && ps->p[2] == q)
        return fail_at(ps, start, "multi-line strings are not supported; "
                                  "use a single-line string");
    ps->p++;
    for (;;) {
        if (at_end(ps) || *ps->p == '\n' || *ps->p == '\r')
            return fail_at(ps, start, "unterminated string");
        char c = *ps->p;
        if (c == q) {
            ps->p++;
            return !out->oom || fail_at(ps, start, "out of memory");
        }
        if (q == '"' && c == '\\') {
            if (!basic_escape(ps, out))
                return false;
            continue;
        }
        if ((unsigned char)c < 0x20 ? c != '\t' : c == 0x7f)
            return fail_at(ps, ps->p, "control character 0x%02x in a string; escape it",
                           (unsigned char)c);
        mc_buf_putc(out, c);
        ps->p++;
    }
}

/* One part of a key: bare or quoted.  Appends it to key. */
static bool parse_simple_key(parser *ps, mc_buf *key)
{
    if (at_end(ps))
        return fail_at(ps, ps->p, "expected a key");
    if (*ps->p == '"' || *ps->p == '\'') {
        mc_buf part = MC_BUF_INIT;
        bool ok = parse_string(ps, &part);
        if (ok && memchr(part.data ? part.data : "", '\0', part.len))
            ok = fail_at(ps, ps->p, "a key may not contain NUL");
        if (ok)
            mc_buf_append(key, part.data, part.len);
        mc_buf_free(&part);
        return ok;
    }
    const char *s = ps->p;
    while (!at_end(ps) && is_bare(*ps->p))
        ps->p++;
    if (ps->p == s)
        return fail_at(ps, s, at_end(ps) || *s == '\n' ? "expected a key" :
                       "'%c' cannot start a key; quote keys with other characters", *s);
    mc_buf_append(key, s, (size_t)(ps->p - s));
    return true;
}

/* key = simple { '.' simple }; the cursor stops before '=' or ']'. */
static bool parse_key(parser *ps, mc_buf *key)
{
    for (;;) {
        skip_ws(ps);
        if (!parse_simple_key(ps, key))
            return false;
        skip_ws(ps);
        if (at_end(ps) || *ps->p != '.')
            break;
        ps->p++;
        mc_buf_putc(key, '.');
    }
    if (key->len > MC_TOML_MAX_KEY)
        return fail_at(ps, ps->p, "key longer than %d bytes", MC_TOML_MAX_KEY);
    return !key->oom || fail_at(ps, ps->p, "out of memory");
}

static bool parse_value(parser *ps, mc_toml_value *v, int depth);

static bool value_end(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '#' || c == ',' || c == ']';
}

static bool parse_integer(parser *ps, mc_toml_value *v)
{
    const char *s = ps->p;
    const char *q = s;
    while (q < ps->end && !value_end(*q))
        q++;
    size_t n = (size_t)(q - s);
    char text[80];
    if (n >= sizeof text)
        return fail_at(ps, s, "number too long");
    memcpy(text, s, n);
    text[n] = '\0';
    if (strpbrk(text, ".eE") && !(n > 2 && text[0] == '0' && text[1] == 'x'))
        return fail_at(ps, s, "floating-point numbers are not supported; use an integer");
    if (strpbrk(text, ":") || (n > 4 && strchr(text + 1, '-')))
        return fail_at(ps, s, "dates and times are not supported");
    if (!strcmp(text, "inf") || !strcmp(text, "nan") || !strcmp(text + (n > 0), "inf") ||
        !strcmp(text + (n > 0), "nan"))
        return fail_at(ps, s, "floating-point numbers are not supported; use an integer");
    /* digits, with single underscores between digits */
    char digits[80];
    size_t nd = 0;
    const char *d = text;
    bool neg = false;
    if (*d == '+' || *d == '-')
        neg = *d++ == '-';
    int base = 10;
    if (d[0] == '0' && (d[1] == 'x' || d[1] == 'o' || d[1] == 'b')) {
        if (d != text)
            return fail_at(ps, s, "a sign is not allowed before 0%c", d[1]);
        base = d[1] == 'x' ? 16 : d[1] == 'o' ? 8 : 2;
        d += 2;
    }
    for (const char *c = d; *c; c++) {
        if (*c == '_') {
            if (c == d || !c[1] || c[1] == '_')
                return fail_at(ps, s, "'_' in a number must sit between two digits");
            continue;
        }
        int h = hexval(*c);
        if (h < 0 || h >= base)
            return fail_at(ps, s, "'%s' is not a value (strings need quotes)", text);
        digits[nd++] = *c;
    }
    digits[nd] = '\0';
    if (!nd)
        return fail_at(ps, s, "'%s' is not a value (strings need quotes)", text);
    if (base == 10 && nd > 1 && digits[0] == '0')
        return fail_at(ps, s, "leading zeros are not allowed in '%s'", text);
    errno = 0;
    unsigned long long u = strtoull(digits, NULL, base);
    if (errno || u > (unsigned long long)9223372036854775807LL + (neg ? 1 : 0))
        return fail_at(ps, s, "integer '%s' is out of range", text);
    v->type = MC_TOML_INT;
    v->num = neg ? (long long)(0 - u) : (long long)u;
    ps->p = q;
    return true;
}

static bool parse_array(parser *ps, mc_toml_value *v, int depth)
{
    const char *start = ps->p++;
    int start_line = ps->line;
    const char *start_ls = ps->line_start;
    if (depth > 0)
        return fail_at(ps, start, "nested arrays are not supported");
    v->type = MC_TOML_ARRAY;
    size_t cap = 0;
    for (;;) {
        skip_space_lines(ps);
        if (at_end(ps)) {
            ps->line = start_line;            /* report where it opened */
            ps->line_start = start_ls;
            return fail_at(ps, start, "unterminated array");
        }
        if (*ps->p == ']') {
            ps->p++;
            return true;
        }
        if (v->n == MC_TOML_MAX_ARRAY)
            return fail_at(ps, ps->p, "more than %d items in an array", MC_TOML_MAX_ARRAY);
        if (v->n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            mc_toml_value *items = mc_arena_alloc(&ps->t->arena, ncap * sizeof *items);
            if (!items)
                return fail_at(ps, ps->p, "out of memory");
            if (v->n)
                memcpy(items, v->items, v->n * sizeof *items);
            v->items = items;
            cap = ncap;
        }
        mc_toml_value *item = &v->items[v->n];
        memset(item, 0, sizeof *item);
        const char *item_start = ps->p;
        if (!parse_value(ps, item, depth + 1))
            return false;
        if (v->n && item->type != v->items[0].type)
            return fail_at(ps, item_start, "array items must all have one type (%s, then %s)",
                           mc_toml_type_name(v->items[0].type), mc_toml_type_name(item->type));
        v->n++;
        skip_space_lines(ps);
        if (!at_end(ps) && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (at_end(ps) || *ps->p == ']')
            continue;
        return fail_at(ps, ps->p, "expected ',' or ']' in an array");
    }
}

static bool parse_value(parser *ps, mc_toml_value *v, int depth)
{
    if (at_end(ps) || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '#')
        return fail_at(ps, ps->p, "expected a value after '='");
    char c = *ps->p;
    if (c == '"' || c == '\'') {
        mc_buf b = MC_BUF_INIT;
        bool ok = parse_string(ps, &b);
        if (ok) {
            v->type = MC_TOML_STRING;
            v->len = b.len;
            v->str = mc_arena_strndup(&ps->t->arena, b.data ? b.data : "", b.len);
            ok = v->str || fail_at(ps, ps->p, "out of memory");
        }
        mc_buf_free(&b);
        return ok;
    }
    if (c == '[')
        return parse_array(ps, v, depth);
    if (c == '{')
        return fail_at(ps, ps->p, "inline tables are not supported; use a [table] section");
    const char *q = ps->p;
    while (q < ps->end && !value_end(*q))
        q++;
    size_t n = (size_t)(q - ps->p);
    if ((n == 4 && !memcmp(ps->p, "true", 4)) || (n == 5 && !memcmp(ps->p, "false", 5))) {
        v->type = MC_TOML_BOOL;
        v->yes = n == 4;
        ps->p = q;
        return true;
    }
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'i' || c == 'n')
        return parse_integer(ps, v);
    return fail_at(ps, ps->p, "'%.*s' is not a value (strings need quotes)", (int)(n > 40 ? 40 : n),
                   ps->p);
}

/* Is key, or a table it would need, already taken by a value? */
static bool check_new_key(parser *ps, const char *at, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < ps->t->n; i++) {
        const char *k = ps->t->entries[i].key;
        size_t l = strlen(k);
        if (strcmp(k, key) == 0)
            return fail_at(ps, at, "duplicate key '%s' (first set on line %d)", key,
                           ps->t->entries[i].line);
        if (l < kl && strncmp(k, key, l) == 0 && key[l] == '.')
            return fail_at(ps, at, "'%s' is a value (line %d), not a table", k,
                           ps->t->entries[i].line);
        if (kl < l && strncmp(k, key, kl) == 0 && k[kl] == '.')
            return fail_at(ps, at, "'%s' is a table (line %d), not a value", key,
                           ps->t->entries[i].line);
    }
    return true;
}

static bool parse_table_header(parser *ps)
{
    const char *start = ps->p++;
    if (!at_end(ps) && *ps->p == '[')
        return fail_at(ps, start, "arrays of tables ([[...]]) are not supported");
    mc_buf key = MC_BUF_INIT;
    bool ok = parse_key(ps, &key);
    if (ok && (at_end(ps) || *ps->p != ']'))
        ok = fail_at(ps, ps->p, "expected ']' to close the table header");
    const char *name = ok ? mc_arena_strndup(&ps->t->arena, key.data, key.len) : NULL;
    mc_buf_free(&key);
    if (ok && !name)
        return fail_at(ps, start, "out of memory");
    if (!ok)
        return false;
    ps->p++;
    for (size_t i = 0; i < ps->ntables; i++)
        if (strcmp(ps->tables[i], name) == 0)
            return fail_at(ps, start, "duplicate table [%s]", name);
    for (size_t i = 0; i < ps->t->n; i++) {
        const char *k = ps->t->entries[i].key;
        size_t l = strlen(k), nl = strlen(name);
        if (l <= nl && strncmp(k, name, l) == 0 && (name[l] == '.' || !name[l]))
            return fail_at(ps, start, "'%s' is a value (line %d), not a table", k,
                           ps->t->entries[i].line);
    }
    if (ps->ntables == ps->tcap) {
        size_t ncap = ps->tcap ? ps->tcap * 2 : 16;
        const char **nt = mc_arena_alloc(&ps->t->arena, ncap * sizeof *nt);
        if (!nt)
            return fail_at(ps, start, "out of memory");
        if (ps->ntables)
            memcpy(nt, ps->tables, ps->ntables * sizeof *nt);
        ps->tables = nt;
        ps->tcap = ncap;
    }
    ps->tables[ps->ntables++] = name;
    ps->table = name;
    return expect_line_end(ps);
}

static bool parse_keyval(parser *ps)
{
    const char *start = ps->p;
    int line = ps->line, col = col_of(ps, start);
    mc_buf key = MC_BUF_INIT;
    if (*ps->table) {
        mc_buf_puts(&key, ps->table);
        mc_buf_putc(&key, '.');
    }
    bool ok = parse_key(ps, &key);
    if (ok && (at_end(ps) || *ps->p != '='))
        ok = fail_at(ps, ps->p, "expected '=' after the key");
    const char *name = ok ? mc_arena_strndup(&ps->t->arena, key.data, key.len) : NULL;
    mc_buf_free(&key);
    if (!ok)
        return false;
    if (!name)
        return fail_at(ps, start, "out of memory");
    if (!check_new_key(ps, start, name))
        return false;
    ps->p++;
    skip_ws(ps);
    mc_toml_value v = {0};
    if (!parse_value(ps, &v, 0))
        return false;
    if (ps->t->n == MC_TOML_MAX_ENTRIES)
        return fail_at(ps, start, "more than %d keys", MC_TOML_MAX_ENTRIES);
    if (ps->t->n == ps->cap) {
        size_t ncap = ps->cap ? ps->cap * 2 : 32;
        mc_toml_entry *ne = mc_arena_alloc(&ps->t->arena, ncap * sizeof *ne);
        if (!ne)
            return fail_at(ps, start, "out of memory");
        if (ps->t->n)
            memcpy(ne, ps->t->entries, ps->t->n * sizeof *ne);
        ps->t->entries = ne;
        ps->cap = ncap;
    }
    ps->t->entries[ps->t->n++] = (mc_toml_entry){name, v, line, col};
    return expect_line_end(ps);
}

mc_toml *mc_toml_parse(const char *text, size_t len, const char *name, mc_err *err)
{
    if (len > MC_TOML_MAX_BYTES) {
        mc_err_set(err, MC_EINVAL, "%s: larger than %u bytes", name, MC_TOML_MAX_BYTES);
        return NULL;
    }
    mc_toml *t = calloc(1, sizeof *t);
    if (!t) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    mc_arena_init(&t->arena, 4096);
    parser ps = {.p = text, .end = text + len, .line_start = text, .line = 1,
                 .name = name, .t = t, .table = "", .err = err};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        ps.p += 3, ps.line_start = ps.p;
    while (!at_end(&ps)) {
        skip_ws(&ps);
        skip_comment(&ps);
        if (at_end(&ps) || take_newline(&ps))
            continue;
        bool ok = *ps.p == '[' ? parse_table_header(&ps) : parse_keyval(&ps);
        if (!ok)
            break;
    }
    if (ps.failed) {
        mc_toml_free(t);
        return NULL;
    }
    return t;
}

mc_toml *mc_toml_load(const char *path, mc_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        mc_err_set(err, MC_ENOTFOUND, "%s: %s", path, strerror(errno));
        return NULL;
    }
    mc_buf b = MC_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= MC_TOML_MAX_BYTES)
        mc_buf_append(&b, chunk, n);
    bool rerr = ferror(f);
    fclose(f);
    mc_toml *t = NULL;
    if (rerr || b.oom)
        mc_err_set(err, MC_EIO, "%s: cannot read: %s", path, b.oom ? "out of memory" : strerror(errno));
    else
        t = mc_toml_parse(b.data ? b.data : "", b.len, path, err);
    mc_buf_free(&b);
    return t;
}

void mc_toml_free(mc_toml *t)
{
    if (!t)
        return;
    mc_arena_free(&t->arena);
    free(t);
}

const char *mc_toml_type_name(mc_toml_type t)
{
    switch (t) {
    case MC_TOML_STRING: return "string";
    case MC_TOML_INT: return "integer";
    case MC_TOML_BOOL: return "boolean";
    case MC_TOML_ARRAY: return "array";
    }
    return "value";
}
