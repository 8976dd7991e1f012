/* json_schema.c - JSON Schema draft-04 over mediac's JSON tree (see
 * json_schema.h).  No JSON Schema library for C is packaged in Debian 12,
 * so this is written here: every draft-04 validation keyword, $ref within
 * the document (JSON pointers, "id" scopes and plain-name fragments), the
 * draft-04 formats (date-time, email, hostname, ipv4, ipv6, uri), ECMA 262
 * patterns through PCRE2.  The order of checks and the words of the first
 * error follow fge's json-schema-validator, which WSO2 MI uses: at each
 * level the keywords in name order, then (only when they passed) the array
 * items in index order or the object members in name order. */
#include "mediators/json_schema.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/uri.h>

#include "expr/regex.h"

/* Frames of one validation (schema x instance pairs on the way down). */
#define MAX_DEPTH 1024

typedef struct ref_entry {      /* a schema object with "$ref" -> target */
    mc_json node;
    mc_json target;
    const char *ptr;            /* the target's JSON pointer, for reports */
} ref_entry;

typedef struct pat_entry {      /* pattern text (arena address) -> regex */
    const char *text;
    mc_regex *re;
} pat_entry;

struct mc_json_schema {
    mc_arena arena;
    mc_json root;
    ref_entry *refs;
    size_t nrefs, caprefs;
    pat_entry *pats;
    size_t npats, cappats;
};

static bool grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 8;
    void *p = realloc(*items, c * size);
    if (!p)
        return false;
    *items = p;
    *cap = c;
    return true;
}

/* ---- small JSON helpers ------------------------------------------------ */

static mc_json member(mc_json obj, const char *name)
{
    return mc_json_get(obj, name, strlen(name));
}

static bool is_type(mc_json v, mc_json_type t) { return v && mc_json_type_of(v) == t; }

static bool is_bool(mc_json v)
{
    mc_json_type t = mc_json_type_of(v);
    return v && (t == MC_JSON_TRUE || t == MC_JSON_FALSE);
}

/* A number written without fraction or exponent (Jackson's integer). */
static bool is_integer_text(mc_json v)
{
    size_t n;
    const char *s = mc_json_str(v, &n);
    return s && !memchr(s, '.', n) && !memchr(s, 'e', n) && !memchr(s, 'E', n);
}

/* fge's type name of a value. */
static const char *type_name(mc_json v)
{
    switch (mc_json_type_of(v)) {
    case MC_JSON_NULL: return "null";
    case MC_JSON_FALSE:
    case MC_JSON_TRUE: return "boolean";
    case MC_JSON_NUMBER: return is_integer_text(v) ? "integer" : "number";
    case MC_JSON_STRING: return "string";
    case MC_JSON_ARRAY: return "array";
    case MC_JSON_OBJECT: return "object";
    }
    return "null";
}

static long double num(mc_json v)
{
    size_t n;
    const char *s = mc_json_str(v, &n);
    char tmp[64];
    if (!s || n >= sizeof tmp)
        return s ? (long double)mc_json_double(v) : 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return strtold(tmp, NULL);
}

static bool json_equal(mc_json a, mc_json b)
{
    mc_json_type ta = mc_json_type_of(a), tb = mc_json_type_of(b);
    if (ta == MC_JSON_NUMBER && tb == MC_JSON_NUMBER)
        return num(a) == num(b);
    if (ta != tb)
        return false;
    size_t na, nb;
    switch (ta) {
    case MC_JSON_STRING: {
        const char *sa = mc_json_str(a, &na), *sb = mc_json_str(b, &nb);
        return na == nb && (na == 0 || memcmp(sa, sb, na) == 0);
    }
    case MC_JSON_ARRAY:
        if (mc_json_count(a) != mc_json_count(b))
            return false;
        for (size_t i = 0; i < mc_json_count(a); i++)
            if (!json_equal(mc_json_at(a, i), mc_json_at(b, i)))
                return false;
        return true;
    case MC_JSON_OBJECT:
        if (mc_json_count(a) != mc_json_count(b))
            return false;
        for (size_t i = 0; i < mc_json_count(a); i++) {
            const char *k = mc_json_key(a, i, &na);
            mc_json other = mc_json_get(b, k, na);
            if (!other || !json_equal(mc_json_at(a, i), other))
                return false;
        }
        return true;
    default:
        return true;
    }
}

/* Characters (code points) of UTF-8 text. */
static size_t code_points(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* Append "/" + key escaped as a JSON pointer token. */
static void ptr_push(mc_buf *b, const char *k, size_t n)
{
    mc_buf_putc(b, '/');
    for (size_t i = 0; i < n; i++) {
        if (k[i] == '~')
            mc_buf_puts(b, "~0");
        else if (k[i] == '/')
            mc_buf_puts(b, "~1");
        else
            mc_buf_putc(b, k[i]);
    }
}

static void ptr_push_index(mc_buf *b, size_t i) { mc_buf_printf(b, "/%zu", i); }

static void ptr_pop(mc_buf *b, size_t len)
{
    b->len = len;
    if (b->data)
        b->data[len] = '\0';
}

/* ---- compiling: checking keywords, patterns, ids and refs ------------- */

typedef struct id_entry {
    const char *uri;
    mc_json node;
    const char *ptr;
} id_entry;

typedef struct pending_ref {
    mc_json node;
    const char *ref;
    const char *base;
} pending_ref;

typedef struct compiler {
    mc_json_schema *s;
    id_entry *ids;
    size_t nids, capids;
    pending_ref *pend;
    size_t npend, cappend;
    mc_json *seen;
    size_t nseen, capseen;
    mc_err *err;
} compiler;

enum kind {
    K_SCHEMA, K_SCHEMA_MAP, K_SCHEMA_ARRAY, K_BOOL_OR_SCHEMA, K_SCHEMA_OR_ARRAY,
    K_COUNT, K_NUMBER, K_DIVISOR, K_BOOL, K_STRING, K_PATTERN, K_PATTERN_MAP,
    K_TYPE, K_STRING_ARRAY, K_ENUM, K_DEPS,
};

static const struct { const char *name; enum kind kind; } keywords[] = {
    {"additionalItems", K_BOOL_OR_SCHEMA}, {"additionalProperties", K_BOOL_OR_SCHEMA},
    {"allOf", K_SCHEMA_ARRAY}, {"anyOf", K_SCHEMA_ARRAY}, {"definitions", K_SCHEMA_MAP},
    {"dependencies", K_DEPS}, {"enum", K_ENUM}, {"exclusiveMaximum", K_BOOL},
    {"exclusiveMinimum", K_BOOL}, {"format", K_STRING}, {"items", K_SCHEMA_OR_ARRAY},
    {"maxItems", K_COUNT}, {"maxLength", K_COUNT}, {"maxProperties", K_COUNT},
    {"maximum", K_NUMBER}, {"minItems", K_COUNT}, {"minLength", K_COUNT},
    {"minProperties", K_COUNT}, {"minimum", K_NUMBER}, {"multipleOf", K_DIVISOR},
    {"not", K_SCHEMA}, {"oneOf", K_SCHEMA_ARRAY}, {"pattern", K_PATTERN},
    {"patternProperties", K_PATTERN_MAP}, {"properties", K_SCHEMA_MAP},
    {"required", K_STRING_ARRAY}, {"type", K_TYPE}, {"uniqueItems", K_BOOL},
};

static const char *const type_names[] = {"array", "boolean", "integer", "null",
                                         "number", "object", "string"};

static bool bad(compiler *c, mc_buf *ptr, const char *what)
{
    mc_err_set(c->err, MC_EPARSE, "JSON Schema %s: %s", ptr->len ? mc_buf_cstr(ptr) : "/", what);
    return false;
}

static bool oom(compiler *c) { return mc_err_set(c->err, MC_ENOMEM, "out of memory"), false; }

static bool walk(compiler *c, mc_json node, const char *base, mc_buf *ptr);

static bool add_pattern(compiler *c, mc_buf *ptr, const char *text, size_t n)
{
    if (n == 0)
        return true;                       /* "" matches everything */
    if (memchr(text, '\0', n))
        return bad(c, ptr, "a pattern must not contain NUL");
    mc_json_schema *s = c->s;
    for (size_t i = 0; i < s->npats; i++)
        if (s->pats[i].text == text)
            return true;
    char *z = mc_arena_strndup(&s->arena, text, n);
    if (!z || !grow((void **)&s->pats, &s->cappats, s->npats, sizeof *s->pats))
        return oom(c);
    mc_err e;
    mc_err_clear(&e);
    mc_regex *re = mc_regex_compile_ecma(z, &e);
    if (!re) {
        char why[600];
        snprintf(why, sizeof why, "not a valid ECMA 262 regular expression: %s", e.msg);
        return bad(c, ptr, why);
    }
    s->pats[s->npats++] = (pat_entry){text, re};
    return true;
}

static bool is_count(mc_json v)
{
    long long x;
    return is_type(v, MC_JSON_NUMBER) && is_integer_text(v) && mc_json_int(v, &x) && x >= 0;
}

/* A subschema: an object, walked. */
static bool walk_schema(compiler *c, mc_json sub, const char *base, mc_buf *ptr)
{
    if (!is_type(sub, MC_JSON_OBJECT))
        return bad(c, ptr, "must be a schema (an object)");
    return walk(c, sub, base, ptr);
}

/* Walk the schema members of v named by kind. */
static bool check_keyword(compiler *c, enum kind kind, mc_json v, const char *base, mc_buf *ptr)
{
    mc_json_type t = mc_json_type_of(v);
    size_t n = mc_json_count(v), len = ptr->len;
    switch (kind) {
    case K_SCHEMA:
        return t == MC_JSON_OBJECT ? walk(c, v, base, ptr) : bad(c, ptr, "must be a schema (an object)");
    case K_BOOL_OR_SCHEMA:
        if (is_bool(v))
            return true;
        return t == MC_JSON_OBJECT ? walk(c, v, base, ptr)
                                   : bad(c, ptr, "must be a boolean or a schema (an object)");
    case K_SCHEMA_OR_ARRAY:
        if (t == MC_JSON_OBJECT)
            return walk(c, v, base, ptr);
        if (t != MC_JSON_ARRAY)
            return bad(c, ptr, "must be a schema (an object) or an array of schemas");
        /* fall through */
    case K_SCHEMA_ARRAY:
        if (t != MC_JSON_ARRAY || (kind == K_SCHEMA_ARRAY && n == 0))
            return bad(c, ptr, "must be a non-empty array of schemas");
        for (size_t i = 0; i < n; i++) {
            ptr_push_index(ptr, i);
            if (!walk_schema(c, mc_json_at(v, i), base, ptr))
                return false;
            ptr_pop(ptr, len);
        }
        return true;
    case K_SCHEMA_MAP:
    case K_PATTERN_MAP:
        if (t != MC_JSON_OBJECT)
            return bad(c, ptr, "must be an object of schemas");
        for (size_t i = 0; i < n; i++) {
            size_t kl;
            const char *k = mc_json_key(v, i, &kl);
            ptr_push(ptr, k, kl);
            if ((kind == K_PATTERN_MAP && !add_pattern(c, ptr, k, kl)) ||
                !walk_schema(c, mc_json_at(v, i), base, ptr))
                return false;
            ptr_pop(ptr, len);
        }
        return true;
    case K_DEPS:
        if (t != MC_JSON_OBJECT)
            return bad(c, ptr, "must be an object");
        for (size_t i = 0; i < n; i++) {
            size_t kl;
            const char *k = mc_json_key(v, i, &kl);
            mc_json d = mc_json_at(v, i);
            ptr_push(ptr, k, kl);
            if (is_type(d, MC_JSON_OBJECT)) {
                if (!walk(c, d, base, ptr))
                    return false;
            } else if (is_type(d, MC_JSON_ARRAY)) {
                for (size_t j = 0; j < mc_json_count(d); j++)
                    if (!is_type(mc_json_at(d, j), MC_JSON_STRING))
                        return bad(c, ptr, "must be a schema or an array of property names");
            } else {
                return bad(c, ptr, "must be a schema or an array of property names");
            }
            ptr_pop(ptr, len);
        }
        return true;
    case K_COUNT:
        return is_count(v) || bad(c, ptr, "must be a non-negative integer");
    case K_NUMBER:
        return t == MC_JSON_NUMBER || bad(c, ptr, "must be a number");
    case K_DIVISOR:
        return (t == MC_JSON_NUMBER && num(v) > 0) || bad(c, ptr, "must be a number greater than 0");
    case K_BOOL:
        return is_bool(v) || bad(c, ptr, "must be true or false");
    case K_STRING:
        return t == MC_JSON_STRING || bad(c, ptr, "must be a string");
    case K_PATTERN: {
        size_t pl;
        const char *p = mc_json_str(v, &pl);
        return t == MC_JSON_STRING ? add_pattern(c, ptr, p, pl) : bad(c, ptr, "must be a string");
    }
    case K_ENUM:
        return (t == MC_JSON_ARRAY && n > 0) || bad(c, ptr, "must be a non-empty array");
    case K_STRING_ARRAY:
        if (t != MC_JSON_ARRAY)
            return bad(c, ptr, "must be an array of property names");
        for (size_t i = 0; i < n; i++)
            if (!is_type(mc_json_at(v, i), MC_JSON_STRING))
                return bad(c, ptr, "must be an array of property names");
        return true;
    case K_TYPE: {
        size_t k = t == MC_JSON_ARRAY ? n : 1;
        if (t == MC_JSON_ARRAY && n == 0)
            return bad(c, ptr, "must be a type name or a non-empty array of them");
        for (size_t i = 0; i < k; i++) {
            mc_json e = t == MC_JSON_ARRAY ? mc_json_at(v, i) : v;
            size_t el;
            const char *s = mc_json_str(e, &el);
            bool known = false;
            for (size_t j = 0; s && mc_json_type_of(e) == MC_JSON_STRING && j < 7; j++)
                known |= strlen(type_names[j]) == el && memcmp(type_names[j], s, el) == 0;
            if (!known)
                return bad(c, ptr, "must name types among array, boolean, integer, null, "
                                   "number, object, string");
        }
        return true;
    }
    }
    return true;
}

static char *resolve_uri(mc_arena *a, const char *ref, const char *base)
{
    if (!base || !*base)
        return mc_arena_strdup(a, ref);
    xmlChar *u = xmlBuildURI(BAD_CAST ref, BAD_CAST base);
    char *r = u ? mc_arena_strdup(a, (const char *)u) : NULL;
    xmlFree(u);
    return r;
}

static bool add_id(compiler *c, const char *uri, mc_json node, mc_buf *ptr)
{
    size_t n = strlen(uri);
    char *u = mc_arena_strndup(&c->s->arena, uri, n && uri[n - 1] == '#' ? n - 1 : n);
    char *p = mc_arena_strdup(&c->s->arena, mc_buf_cstr(ptr));
    if (!u || !p || !grow((void **)&c->ids, &c->capids, c->nids, sizeof *c->ids))
        return oom(c);
    c->ids[c->nids++] = (id_entry){u, node, p};
    return true;
}

static bool walk(compiler *c, mc_json node, const char *base, mc_buf *ptr)
{
    for (size_t i = 0; i < c->nseen; i++)
        if (c->seen[i] == node)
            return true;
    if (!grow((void **)&c->seen, &c->capseen, c->nseen, sizeof *c->seen))
        return oom(c);
    c->seen[c->nseen++] = node;
    size_t len = ptr->len;
    mc_json ref = member(node, "$ref");
    if (ref) {
        ptr_push(ptr, "$ref", 4);
        size_t n;
        const char *s = mc_json_str(ref, &n);
        if (!is_type(ref, MC_JSON_STRING) || memchr(s, '\0', n))
            return bad(c, ptr, "must be a URI reference (a string)");
        char *z = mc_arena_strndup(&c->s->arena, s, n);
        if (!z || !grow((void **)&c->pend, &c->cappend, c->npend, sizeof *c->pend))
            return oom(c);
        c->pend[c->npend++] = (pending_ref){node, z, base};
        ptr_pop(ptr, len);
        return true;                       /* draft-04: siblings of $ref, id too, are ignored */
    }
    mc_json id = member(node, "id");
    if (is_type(id, MC_JSON_STRING)) {
        size_t n;
        const char *s = mc_json_str(id, &n);
        char *z = mc_arena_strndup(&c->s->arena, s, n);
        if (!z || !(base = resolve_uri(&c->s->arena, z, base)))
            return oom(c);
        if (!add_id(c, base, node, ptr))
            return false;
    }
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++) {
        mc_json v = member(node, keywords[i].name);
        if (!v)
            continue;
        ptr_push(ptr, keywords[i].name, strlen(keywords[i].name));
        if (!check_keyword(c, keywords[i].kind, v, base, ptr))
            return false;
        ptr_pop(ptr, len);
    }
    return true;
}

/* Decode %XX in a URI fragment. */
static void percent_decode(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
            char hex[3] = {r[1], r[2], 0};
            *w++ = (char)strtol(hex, NULL, 16);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* Follow JSON pointer p (after '#') from node; NULL when it leads nowhere. */
static mc_json follow_pointer(mc_json node, char *p)
{
    while (node && *p == '/') {
        char *tok = ++p;
        while (*p && *p != '/')
            p++;
        char save = *p;
        *p = '\0';
        char *w = tok;                     /* unescape ~1 and ~0 */
        for (char *r = tok; *r; r++) {
            if (r[0] == '~' && (r[1] == '0' || r[1] == '1'))
                *w++ = *++r == '0' ? '~' : '/';
            else
                *w++ = *r;
        }
        size_t tl = (size_t)(w - tok);
        if (mc_json_type_of(node) == MC_JSON_OBJECT) {
            node = mc_json_get(node, tok, tl);
        } else if (mc_json_type_of(node) == MC_JSON_ARRAY && tl > 0 &&
                   strspn(tok, "0123456789") == tl) {
            node = mc_json_at(node, (size_t)strtoull(tok, NULL, 10));
        } else {
            node = NULL;
        }
        *p = save;
    }
    return *p ? NULL : node;
}

static bool resolve_refs(compiler *c)
{
    mc_json_schema *s = c->s;
    for (size_t i = 0; i < c->npend; i++) {  /* walks below may add more */
        pending_ref pr = c->pend[i];
        mc_buf ptr = MC_BUF_INIT;
        char *abs = resolve_uri(&s->arena, pr.ref, pr.base);
        if (!abs)
            return oom(c);
        char *hash = strchr(abs, '#');
        char *frag = hash ? hash + 1 : abs + strlen(abs);
        if (hash)
            *hash = '\0';
        percent_decode(frag);
        mc_json doc = NULL, target = NULL;
        const char *docptr = "";
        for (size_t k = 0; k < c->nids && !doc; k++)
            if (strcmp(c->ids[k].uri, abs) == 0)
                doc = c->ids[k].node, docptr = c->ids[k].ptr;
        if (!doc && !*abs)
            doc = s->root;
        if (doc && (!*frag || *frag == '/')) {
            mc_buf_puts(&ptr, docptr);
            mc_buf_puts(&ptr, frag);
            target = follow_pointer(doc, frag);
        } else if (doc) {                  /* a plain-name fragment: an id */
            char *full = mc_arena_printf(&s->arena, "%s#%s", abs, frag);
            for (size_t k = 0; full && k < c->nids && !target; k++)
                if (strcmp(c->ids[k].uri, full) == 0)
                    target = c->ids[k].node, mc_buf_puts(&ptr, c->ids[k].ptr);
        }
        if (!target) {
            mc_buf_free(&ptr);
            if (!doc)
                return mc_err_set(c->err, MC_EPARSE, "JSON Schema: $ref '%s' points outside "
                                  "this schema; mediac loads no other schema (no files, no "
                                  "network)", pr.ref), false;
            return mc_err_set(c->err, MC_EPARSE, "JSON Schema: $ref '%s' points to nothing "
                              "in this schema", pr.ref), false;
        }
        const char *tp = mc_arena_strdup(&s->arena, mc_buf_cstr(&ptr));
        if (!tp || !grow((void **)&s->refs, &s->caprefs, s->nrefs, sizeof *s->refs)) {
            mc_buf_free(&ptr);
            return oom(c);
        }
        s->refs[s->nrefs++] = (ref_entry){pr.node, target, tp};
        bool ok = !is_type(target, MC_JSON_OBJECT) || walk(c, target, *abs ? abs : NULL, &ptr);
        mc_buf_free(&ptr);
        if (!ok)
            return false;
    }
    return true;
}

static const ref_entry *ref_of(const mc_json_schema *s, mc_json node);

/* A chain of $refs that comes back to where it started, never reaching a
 * schema, is an error (fge: "JSON Reference loop detected"). */
static bool check_ref_loops(compiler *c)
{
    const mc_json_schema *s = c->s;
    for (size_t i = 0; i < s->nrefs; i++) {
        const ref_entry *r = &s->refs[i];
        for (size_t hops = 0; r; hops++) {
            if (hops > s->nrefs)
                return mc_err_set(c->err, MC_EPARSE, "JSON Schema: $ref loop: %s leads back to "
                                  "itself", s->refs[i].ptr[0] ? s->refs[i].ptr : "#"), false;
            r = member(r->target, "$ref") ? ref_of(s, r->target) : NULL;
        }
    }
    return true;
}

mc_json_schema *mc_json_schema_compile(const char *text, size_t len, mc_err *err)
{
    mc_json_schema *s = calloc(1, sizeof *s);
    if (!s)
        return mc_err_set(err, MC_ENOMEM, "out of memory"), NULL;
    mc_arena_init(&s->arena, 4096);
    mc_err perr = {0};
    s->root = mc_json_parse(&s->arena, text, len, &perr);
    if (!s->root) {
        mc_err_set(err, perr.code, "JSON Schema is not JSON: %s", perr.msg);
        mc_json_schema_free(s);
        return NULL;
    }
    if (mc_json_type_of(s->root) != MC_JSON_OBJECT) {
        mc_err_set(err, MC_EPARSE, "JSON Schema must be an object");
        mc_json_schema_free(s);
        return NULL;
    }
    compiler c = {.s = s, .err = err};
    mc_buf ptr = MC_BUF_INIT;
    bool ok = walk(&c, s->root, NULL, &ptr) && resolve_refs(&c) && check_ref_loops(&c);
    mc_buf_free(&ptr);
    free(c.ids);
    free(c.pend);
    free(c.seen);
    if (!ok) {
        mc_json_schema_free(s);
        return NULL;
    }
    return s;
}

void mc_json_schema_free(mc_json_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->npats; i++)
        mc_regex_free(s->pats[i].re);
    free(s->pats);
    free(s->refs);
    mc_arena_free(&s->arena);
    free(s);
}

/* ---- validating -------------------------------------------------------- */

typedef struct vctx {
    const mc_json_schema *s;
    mc_buf *msg, *detail;
    bool quiet;                  /* only the answer counts (anyOf, not, ...) */
    mc_buf sp, ip;               /* schema and instance pointers */
    struct { mc_json s, i; } stack[MAX_DEPTH];
    unsigned depth;
} vctx;

static bool check(vctx *c, mc_json sch, mc_json inst);

static const mc_regex *pattern_of(const mc_json_schema *s, const char *text)
{
    for (size_t i = 0; i < s->npats; i++)
        if (s->pats[i].text == text)
            return s->pats[i].re;
    return NULL;
}

static bool pattern_matches(const mc_json_schema *s, const char *pat, size_t pl,
                            const char *str, size_t n)
{
    if (pl == 0)
        return true;
    const mc_regex *re = pattern_of(s, pat);
    return re && mc_regex_search(re, str, n);
}

/* Report the first error: fge's message and its report.  args are name,
 * JSON text pairs, NULL-terminated. */
static bool report(vctx *c, const char *keyword, const char *message, ...)
{
    if (c->quiet)
        return false;
    if (c->msg)
        mc_buf_puts(c->msg, message);
    if (c->detail) {
        mc_buf *d = c->detail;
        mc_buf_printf(d, "error: %s\n    level: \"error\"\n    schema: {\"loadingURI\":\"#\","
                      "\"pointer\":", message);
        mc_buf_json_string(d, c->sp.data ? c->sp.data : "", c->sp.len);
        mc_buf_puts(d, "}\n    instance: {\"pointer\":");
        mc_buf_json_string(d, c->ip.data ? c->ip.data : "", c->ip.len);
        mc_buf_printf(d, "}\n    domain: \"validation\"\n    keyword: \"%s\"\n", keyword);
        va_list ap;
        va_start(ap, message);
        for (const char *name; (name = va_arg(ap, const char *));)
            mc_buf_printf(d, "    %s: %s\n", name, va_arg(ap, const char *));
        va_end(ap);
    }
    return false;
}

/* JSON text of v into a fresh buffer (freed by the caller). */
static char *jtext(mc_json v)
{
    mc_buf b = MC_BUF_INIT;
    mc_json_write(&b, v);
    return b.oom ? NULL : mc_buf_steal(&b);
}

static char *jstring(const char *s, size_t n)
{
    mc_buf b = MC_BUF_INIT;
    mc_buf_json_string(&b, s, n);
    return b.oom ? NULL : mc_buf_steal(&b);
}

/* Check inst against sub, the schema reached by the keyword path kw/idx
 * (idx < 0: none; key != NULL: a member name). */
static bool check_sub(vctx *c, mc_json sub, mc_json inst, const char *kw, const char *key,
                      size_t kl, long idx)
{
    size_t len = c->sp.len;
    ptr_push(&c->sp, kw, strlen(kw));
    if (key)
        ptr_push(&c->sp, key, kl);
    if (idx >= 0)
        ptr_push_index(&c->sp, (size_t)idx);
    bool ok = check(c, sub, inst);
    ptr_pop(&c->sp, len);
    return ok;
}

/* Does inst match sub?  (No report.) */
static bool matches(vctx *c, mc_json sub, mc_json inst, const char *kw, long idx)
{
    bool quiet = c->quiet;
    c->quiet = true;
    bool ok = check_sub(c, sub, inst, kw, NULL, 0, idx);
    c->quiet = quiet;
    return ok;
}

/* "multipleOf": exact in decimal for numbers of up to 36 digits, as fge's
 * BigDecimal; beyond that through long double. */
static bool decimal_parts(mc_json v, unsigned __int128 *mant, int *exp10)
{
    size_t n;
    const char *s = mc_json_str(v, &n);
    unsigned __int128 m = 0;
    int digits = 0, e = 0;
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    for (; i < n && (isdigit((unsigned char)s[i]) || s[i] == '.'); i++) {
        if (s[i] == '.') {
            for (i++; i < n && isdigit((unsigned char)s[i]); i++, e--)
                if (digits++ < 36)
                    m = m * 10 + (unsigned)(s[i] - '0');
                else
                    return false;
            break;
        }
        if (digits++ >= 36)
            return false;
        m = m * 10 + (unsigned)(s[i] - '0');
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E'))
        e += atoi(s + i + 1);
    *mant = m;
    *exp10 = e;
    return true;
}

static bool is_multiple(mc_json v, mc_json d)
{
    unsigned __int128 a, b;
    int ea, eb;
    if (decimal_parts(v, &a, &ea) && decimal_parts(d, &b, &eb) && b != 0) {
        int e = ea < eb ? ea : eb;
        for (int k = ea; k > e; k--) {
            if (a > ((unsigned __int128)-1) / 10)
                goto approx;
            a *= 10;
        }
        for (int k = eb; k > e; k--) {
            if (b > ((unsigned __int128)-1) / 10)
                goto approx;
            b *= 10;
        }
        return a % b == 0;
    }
approx:;
    long double q = num(v) / num(d);
    if (isinf(q))
        return is_integer_text(v) && floorl(num(d) * 2) == num(d) * 2;
    return fabsl(q - roundl(q)) < 1e-9L;
}

/* ---- formats (draft-04) ------------------------------------------------ */

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int num2(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

static bool date_time_ok(const char *s, size_t n)
{
    if (n < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) ||
        s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year = num2(s) * 100 + num2(s + 2), mon = num2(s + 5), day = num2(s + 8);
    int hour = num2(s + 11), min = num2(s + 14), sec = num2(s + 17);
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] ||
        (mon == 2 && day == 29 && !leap) || hour > 23 || min > 59 || sec > 60)
        return false;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        size_t j = ++i;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        if (i == j)
            return false;
    }
    int off = 0;                           /* minutes east of UTC */
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        if (i + 1 != n)
            return false;
    } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && digits(s + i + 1, 2) &&
               s[i + 3] == ':' && digits(s + i + 4, 2) && num2(s + i + 1) <= 23 &&
               num2(s + i + 4) <= 59) {
        off = (num2(s + i + 1) * 60 + num2(s + i + 4)) * (s[i] == '-' ? -1 : 1);
    } else {
        return false;
    }
    if (sec == 60) {                       /* a leap second is 23:59:60 UTC */
        int utc = ((hour * 60 + min - off) % 1440 + 1440) % 1440;
        return utc == 23 * 60 + 59;
    }
    return true;
}

static bool hostname_ok(const char *s, size_t n)
{
    if (n == 0 || n > 255)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)ch) && ch != '-')
            return false;
        if (ch == '-' && label == 0)
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0 && s[n - 1] != '-';
}

static bool email_ok(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (!at || at == s || at == s + n - 1 || memchr(at + 1, '@', (size_t)(s + n - at - 1)))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == '\x7f')
            return false;
    size_t local = (size_t)(at - s);       /* no dot first, last or twice */
    if (s[0] == '.' || s[local - 1] == '.')
        return false;
    for (size_t i = 0; i + 1 < local; i++)
        if (s[i] == '.' && s[i + 1] == '.')
            return false;
    return true;
}

static bool ip_ok(int af, const char *s, size_t n)
{
    char tmp[64];
    unsigned char out[16];
    if (n >= sizeof tmp || memchr(s, '\0', n))
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return inet_pton(af, tmp, out) == 1;
}

static bool uri_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !isalpha((unsigned char)s[0]))
        return false;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    if (i == n || s[i] != ':')
        return false;
    for (i++; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '%') {
            if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2]))
                return false;
        } else if (ch <= ' ' || ch >= 0x7f || strchr("\"<>\\^`{|}", ch)) {
            return false;
        }
    }
    return true;
}

static bool check_format(vctx *c, mc_json fmt, mc_json inst)
{
    size_t fl, n;
    const char *f = mc_json_str(fmt, &fl);
    const char *s = mc_json_str(inst, &n);
    if (mc_json_type_of(inst) != MC_JSON_STRING)
        return true;
#define IS(name) (fl == sizeof name - 1 && memcmp(f, name, fl) == 0)
    const char *msg = NULL;
    bool ok = true;
    if (IS("date-time")) {
        ok = date_time_ok(s, n);
        msg = "string \"%.*s\" is invalid against requested date format(s) "
              "[yyyy-MM-dd'T'HH:mm:ssZ, yyyy-MM-dd'T'HH:mm:ss.[0-9]{1,12}Z]";
    } else if (IS("email")) {
        ok = email_ok(s, n);
        msg = "string \"%.*s\" is not a valid email address";
    } else if (IS("hostname")) {
        ok = hostname_ok(s, n);
        msg = "string \"%.*s\" is not a valid hostname";
    } else if (IS("ipv4")) {
        ok = ip_ok(AF_INET, s, n);
        msg = "string \"%.*s\" is not a valid IPv4 address";
    } else if (IS("ipv6")) {
        ok = ip_ok(AF_INET6, s, n);
        msg = "string \"%.*s\" is not a valid IPv6 address";
    } else if (IS("uri")) {
        ok = uri_ok(s, n);
        msg = "string \"%.*s\" is not a valid URI";
    }
#undef IS
    if (ok || c->quiet)
        return ok;
    mc_buf m = MC_BUF_INIT;
    mc_buf_printf(&m, msg, (int)n, s);
    char *attr = jstring(f, fl), *val = jstring(s, n);
    report(c, "format", mc_buf_cstr(&m), "attribute", attr, "value", val, NULL);
    free(attr);
    free(val);
    mc_buf_free(&m);
    return false;
}

/* ---- keywords, in fge's (name) order ----------------------------------- */

static bool check_type(vctx *c, mc_json types, mc_json inst)
{
    const char *found = type_name(inst);
    bool allowed[7] = {false};
    size_t k = mc_json_type_of(types) == MC_JSON_ARRAY ? mc_json_count(types) : 1;
    for (size_t i = 0; i < k; i++) {
        mc_json t = mc_json_type_of(types) == MC_JSON_ARRAY ? mc_json_at(types, i) : types;
        size_t tl;
        const char *ts = mc_json_str(t, &tl);
        for (size_t j = 0; j < 7; j++)
            if (strlen(type_names[j]) == tl && memcmp(type_names[j], ts, tl) == 0)
                allowed[j] = true;
    }
    if (allowed[4])
        allowed[2] = true;                 /* number includes integer */
    for (size_t j = 0; j < 7; j++)
        if (allowed[j] && strcmp(type_names[j], found) == 0)
            return true;
    if (c->quiet)
        return false;
    mc_buf list = MC_BUF_INIT, m = MC_BUF_INIT, f = MC_BUF_INIT;
    mc_buf_putc(&list, '[');
    for (size_t j = 0, first = 1; j < 7; j++)
        if (allowed[j]) {
            mc_buf_printf(&list, "%s\"%s\"", first ? "" : ",", type_names[j]);
            first = 0;
        }
    mc_buf_putc(&list, ']');
    mc_buf_printf(&m, "instance type (%s) does not match any allowed primitive type (allowed: %s)",
                  found, mc_buf_cstr(&list));
    mc_buf_printf(&f, "\"%s\"", found);
    report(c, "type", mc_buf_cstr(&m), "found", mc_buf_cstr(&f), "expected", mc_buf_cstr(&list),
           NULL);
    mc_buf_free(&list);
    mc_buf_free(&m);
    mc_buf_free(&f);
    return false;
}

static bool check_enum(vctx *c, mc_json values, mc_json inst)
{
    for (size_t i = 0; i < mc_json_count(values); i++)
        if (json_equal(mc_json_at(values, i), inst))
            return true;
    if (c->quiet)
        return false;
    char *v = jtext(inst), *all = jtext(values);
    mc_buf m = MC_BUF_INIT;
    mc_buf_printf(&m, "instance value (%s) not found in enum (possible values: %s)", v ? v : "",
                  all ? all : "");
    report(c, "enum", mc_buf_cstr(&m), "value", v ? v : "", "enum", all ? all : "", NULL);
    mc_buf_free(&m);
    free(v);
    free(all);
    return false;
}

/* maxItems, maxLength, maxProperties, minItems, minLength, minProperties. */
static bool check_count(vctx *c, mc_json sch, mc_json inst, const char *kw, bool is_max,
                        size_t size, const char *fmt, bool value_first)
{
    mc_json limit = member(sch, kw);
    long long lim;
    if (!limit || !mc_json_int(limit, &lim))
        return true;
    if (is_max ? (long long)size <= lim : (long long)size >= lim)
        return true;
    if (c->quiet)
        return false;
    mc_buf m = MC_BUF_INIT, f = MC_BUF_INIT, l = MC_BUF_INIT;
    mc_buf_printf(&f, "%zu", size);
    mc_buf_printf(&l, "%lld", lim);
    if (value_first) {                     /* strings: the value comes first */
        size_t n;
        const char *s = mc_json_str(inst, &n);
        mc_buf_printf(&m, fmt, (int)n, s, size, lim);
        char *v = jstring(s, n);
        report(c, kw, mc_buf_cstr(&m), "value", v ? v : "", "found", mc_buf_cstr(&f), kw,
               mc_buf_cstr(&l), NULL);
        free(v);
    } else if (strstr(kw, "Properties")) {
        mc_buf_printf(&m, fmt, size, lim);
        report(c, kw, mc_buf_cstr(&m), "found", mc_buf_cstr(&f), "required", mc_buf_cstr(&l),
               NULL);
    } else {
        mc_buf_printf(&m, fmt, lim, size);
        report(c, kw, mc_buf_cstr(&m), kw, mc_buf_cstr(&l), "found", mc_buf_cstr(&f), NULL);
    }
    mc_buf_free(&m);
    mc_buf_free(&f);
    mc_buf_free(&l);
    return false;
}

static bool check_bound(vctx *c, mc_json sch, mc_json inst, bool is_max)
{
    mc_json limit = member(sch, is_max ? "maximum" : "minimum");
    if (!limit)
        return true;
    mc_json excl = member(sch, is_max ? "exclusiveMaximum" : "exclusiveMinimum");
    bool exclusive = mc_json_type_of(excl) == MC_JSON_TRUE && excl;
    long double a = num(inst), b = num(limit);
    int cmp = a < b ? -1 : a > b ? 1 : 0;
    if (is_max ? cmp < 0 : cmp > 0)
        return true;
    if (cmp == 0 && !exclusive)
        return true;
    if (c->quiet)
        return false;
    const char *kw = is_max ? "maximum" : "minimum";
    size_t ln, in;
    const char *lt = mc_json_str(limit, &ln), *it = mc_json_str(inst, &in);
    mc_buf m = MC_BUF_INIT, l = MC_BUF_INIT, f = MC_BUF_INIT;
    mc_buf_append(&l, lt, ln);
    mc_buf_append(&f, it, in);
    if (cmp != 0) {
        mc_buf_printf(&m, is_max ? "numeric instance is greater than the required maximum "
                                   "(maximum: %s, found: %s)"
                                 : "numeric instance is lower than the required minimum "
                                   "(minimum: %s, found: %s)",
                      mc_buf_cstr(&l), mc_buf_cstr(&f));
        report(c, kw, mc_buf_cstr(&m), kw, mc_buf_cstr(&l), "found", mc_buf_cstr(&f), NULL);
    } else {
        mc_buf_printf(&m, is_max ? "numeric instance is not strictly lower than the required "
                                   "maximum %s"
                                 : "numeric instance is not strictly greater than the required "
                                   "minimum %s",
                      mc_buf_cstr(&l));
        report(c, kw, mc_buf_cstr(&m), kw, mc_buf_cstr(&l),
               is_max ? "exclusiveMaximum" : "exclusiveMinimum", "true", NULL);
    }
    mc_buf_free(&m);
    mc_buf_free(&l);
    mc_buf_free(&f);
    return false;
}

static bool check_required(vctx *c, mc_json req, mc_json inst)
{
    mc_buf missing = MC_BUF_INIT;
    size_t nmiss = 0;
    for (size_t i = 0; i < mc_json_count(req); i++) {
        size_t n;
        const char *k = mc_json_str(mc_json_at(req, i), &n);
        if (mc_json_get(inst, k, n))
            continue;
        if (c->quiet)
            return false;
        mc_buf_putc(&missing, nmiss++ ? ',' : '[');
        mc_buf_json_string(&missing, k, n);
    }
    if (!nmiss)
        return true;
    mc_buf_putc(&missing, ']');
    char *all = jtext(req);
    mc_buf m = MC_BUF_INIT;
    mc_buf_printf(&m, "object has missing required properties (%s)", mc_buf_cstr(&missing));
    report(c, "required", mc_buf_cstr(&m), "required", all ? all : "", "missing",
           mc_buf_cstr(&missing), NULL);
    free(all);
    mc_buf_free(&m);
    mc_buf_free(&missing);
    return false;
}

static bool check_dependencies(vctx *c, mc_json deps, mc_json inst)
{
    for (size_t i = 0; i < mc_json_count(deps); i++) {
        size_t kl;
        const char *k = mc_json_key(deps, i, &kl);
        mc_json d = mc_json_at(deps, i);
        if (!mc_json_get(inst, k, kl) || mc_json_type_of(d) != MC_JSON_ARRAY)
            continue;
        mc_buf missing = MC_BUF_INIT;
        size_t nmiss = 0;
        for (size_t j = 0; j < mc_json_count(d); j++) {
            size_t n;
            const char *p = mc_json_str(mc_json_at(d, j), &n);
            if (!mc_json_get(inst, p, n)) {
                mc_buf_putc(&missing, nmiss++ ? ',' : '[');
                mc_buf_json_string(&missing, p, n);
            }
        }
        if (nmiss) {
            mc_buf_putc(&missing, ']');
            if (!c->quiet) {
                char *req = jtext(d), *prop = jstring(k, kl);
                mc_buf m = MC_BUF_INIT;
                mc_buf_printf(&m, "property \"%.*s\" of object has missing property dependencies "
                              "(schema requires %s; missing: %s)", (int)kl, k, req ? req : "",
                              mc_buf_cstr(&missing));
                report(c, "dependencies", mc_buf_cstr(&m), "property", prop ? prop : "",
                       "required", req ? req : "", "missing", mc_buf_cstr(&missing), NULL);
                mc_buf_free(&m);
                free(req);
                free(prop);
            }
            mc_buf_free(&missing);
            return false;
        }
        mc_buf_free(&missing);
    }
    for (size_t i = 0; i < mc_json_count(deps); i++) {   /* schema dependencies */
        size_t kl;
        const char *k = mc_json_key(deps, i, &kl);
        mc_json d = mc_json_at(deps, i);
        if (mc_json_get(inst, k, kl) && mc_json_type_of(d) == MC_JSON_OBJECT &&
            !check_sub(c, d, inst, "dependencies", k, kl, -1))
            return false;
    }
    return true;
}

static int cmp_keys(const void *a, const void *b, void *obj)
{
    size_t la, lb;
    const char *ka = mc_json_key(obj, *(const size_t *)a, &la);
    const char *kb = mc_json_key(obj, *(const size_t *)b, &lb);
    int r = memcmp(ka, kb, la < lb ? la : lb);
    return r ? r : (la > lb) - (la < lb);
}

/* Member indices of obj in name order (malloc'd), or NULL. */
static size_t *sorted_members(mc_json obj)
{
    size_t n = mc_json_count(obj);
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return NULL;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    qsort_r(idx, n, sizeof *idx, cmp_keys, (void *)obj);
    return idx;
}

static bool allowed_member(const vctx *c, mc_json props, mc_json pp, const char *k, size_t kl)
{
    if (mc_json_get(props, k, kl))
        return true;
    for (size_t j = 0; j < mc_json_count(pp); j++) {
        size_t pl;
        const char *p = mc_json_key(pp, j, &pl);
        if (pattern_matches(c->s, p, pl, k, kl))
            return true;
    }
    return false;
}

static bool check_additional_properties(vctx *c, mc_json sch, mc_json inst)
{
    mc_json ap = member(sch, "additionalProperties");
    if (!ap || mc_json_type_of(ap) != MC_JSON_FALSE)
        return true;
    mc_json props = member(sch, "properties"), pp = member(sch, "patternProperties");
    size_t n = mc_json_count(inst);
    if (c->quiet) {
        for (size_t i = 0; i < n; i++) {
            size_t kl;
            const char *k = mc_json_key(inst, i, &kl);
            if (!allowed_member(c, props, pp, k, kl))
                return false;
        }
        return true;
    }
    size_t *idx = sorted_members(inst);
    if (!idx)
        return report(c, "additionalProperties", "out of memory", NULL);
    mc_buf unwanted = MC_BUF_INIT;
    size_t nun = 0;
    for (size_t i = 0; i < n; i++) {
        size_t kl;
        const char *k = mc_json_key(inst, idx[i], &kl);
        if (allowed_member(c, props, pp, k, kl))
            continue;
        mc_buf_putc(&unwanted, nun++ ? ',' : '[');
        mc_buf_json_string(&unwanted, k, kl);
    }
    free(idx);
    if (!nun)
        return true;
    mc_buf_putc(&unwanted, ']');
    mc_buf m = MC_BUF_INIT;
    mc_buf_printf(&m, "object instance has properties which are not allowed by the schema: %s",
                  mc_buf_cstr(&unwanted));
    report(c, "additionalProperties", mc_buf_cstr(&m), "unwanted", mc_buf_cstr(&unwanted), NULL);
    mc_buf_free(&m);
    mc_buf_free(&unwanted);
    return false;
}

static bool check_combinator(vctx *c, mc_json sch, mc_json inst, const char *kw)
{
    mc_json list = member(sch, kw);
    if (!list)
        return true;
    size_t n = mc_json_count(list), ok = 0;
    for (size_t i = 0; i < n; i++)
        ok += matches(c, mc_json_at(list, i), inst, kw, (long)i);
    mc_buf m = MC_BUF_INIT, a = MC_BUF_INIT, b = MC_BUF_INIT;
    bool pass;
    if (strcmp(kw, "allOf") == 0) {
        pass = ok == n;
        mc_buf_printf(&m, "instance failed to match all required schemas (matched only %zu out of %zu)",
                      ok, n);
    } else if (strcmp(kw, "anyOf") == 0) {
        pass = ok >= 1;
        mc_buf_printf(&m, "instance failed to match at least one required schema among %zu", n);
    } else {
        pass = ok == 1;
        mc_buf_printf(&m, "instance failed to match exactly one schema (matched %zu out of %zu)",
                      ok, n);
    }
    if (!pass && !c->quiet) {
        mc_buf_printf(&a, "%zu", ok);
        mc_buf_printf(&b, "%zu", n);
        if (strcmp(kw, "anyOf") == 0)
            report(c, kw, mc_buf_cstr(&m), "nrSchemas", mc_buf_cstr(&b), NULL);
        else
            report(c, kw, mc_buf_cstr(&m), "matched", mc_buf_cstr(&a), "nrSchemas",
                   mc_buf_cstr(&b), NULL);
    }
    mc_buf_free(&m);
    mc_buf_free(&a);
    mc_buf_free(&b);
    return pass;
}

static bool check_unique(vctx *c, mc_json inst)
{
    size_t n = mc_json_count(inst);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (json_equal(mc_json_at(inst, i), mc_json_at(inst, j)))
                return report(c, "uniqueItems", "array must not contain duplicate elements", NULL);
    return true;
}

static bool check_keywords(vctx *c, mc_json sch, mc_json inst)
{
    mc_json_type t = mc_json_type_of(inst);
    bool is_array = t == MC_JSON_ARRAY, is_object = t == MC_JSON_OBJECT;
    bool is_string = t == MC_JSON_STRING, is_number = t == MC_JSON_NUMBER;
    mc_json v;
    if (is_array && (v = member(sch, "additionalItems")) && mc_json_type_of(v) == MC_JSON_FALSE) {
        mc_json items = member(sch, "items");
        if (mc_json_type_of(items) == MC_JSON_ARRAY && mc_json_count(inst) > mc_json_count(items)) {
            if (c->quiet)
                return false;
            mc_buf m = MC_BUF_INIT, a = MC_BUF_INIT, f = MC_BUF_INIT;
            mc_buf_printf(&a, "%zu", mc_json_count(items));
            mc_buf_printf(&f, "%zu", mc_json_count(inst));
            mc_buf_printf(&m, "schema only allows %s elements in array but instance has %s elements",
                          mc_buf_cstr(&a), mc_buf_cstr(&f));
            report(c, "additionalItems", mc_buf_cstr(&m), "allowed", mc_buf_cstr(&a), "found",
                   mc_buf_cstr(&f), NULL);
            mc_buf_free(&m);
            mc_buf_free(&a);
            mc_buf_free(&f);
            return false;
        }
    }
    if (is_object && !check_additional_properties(c, sch, inst))
        return false;
    if (!check_combinator(c, sch, inst, "allOf") || !check_combinator(c, sch, inst, "anyOf"))
        return false;
    if (is_object && (v = member(sch, "dependencies")) && !check_dependencies(c, v, inst))
        return false;
    if ((v = member(sch, "enum")) && !check_enum(c, v, inst))
        return false;
    if ((v = member(sch, "format")) && !check_format(c, v, inst))
        return false;
    size_t slen = 0;
    if (is_string) {
        const char *s = mc_json_str(inst, &slen);
        slen = code_points(s, slen);
    }
    if (is_array && !check_count(c, sch, inst, "maxItems", true, mc_json_count(inst),
                                 "array is too long: must have at most %lld elements but "
                                 "instance has %zu elements", false))
        return false;
    if (is_string && !check_count(c, sch, inst, "maxLength", true, slen,
                                  "string \"%.*s\" is too long (length: %zu, maximum allowed: %lld)",
                                  true))
        return false;
    if (is_object && !check_count(c, sch, inst, "maxProperties", true, mc_json_count(inst),
                                  "object has too many properties (found %zu but schema requires "
                                  "at most %lld)", false))
        return false;
    if (is_number && !check_bound(c, sch, inst, true))
        return false;
    if (is_array && !check_count(c, sch, inst, "minItems", false, mc_json_count(inst),
                                 "array is too short: must have at least %lld elements but "
                                 "instance has %zu elements", false))
        return false;
    if (is_string && !check_count(c, sch, inst, "minLength", false, slen,
                                  "string \"%.*s\" is too short (length: %zu, required minimum: "
                                  "%lld)", true))
        return false;
    if (is_object && !check_count(c, sch, inst, "minProperties", false, mc_json_count(inst),
                                  "object has too few properties (found %zu but schema requires "
                                  "at least %lld)", false))
        return false;
    if (is_number && !check_bound(c, sch, inst, false))
        return false;
    if (is_number && (v = member(sch, "multipleOf")) && !is_multiple(inst, v)) {
        if (c->quiet)
            return false;
        char *a = jtext(inst), *b = jtext(v);
        mc_buf m = MC_BUF_INIT;
        mc_buf_printf(&m, "remainder of division is not zero (%s / %s)", a ? a : "", b ? b : "");
        report(c, "multipleOf", mc_buf_cstr(&m), "value", a ? a : "", "divisor", b ? b : "", NULL);
        mc_buf_free(&m);
        free(a);
        free(b);
        return false;
    }
    if ((v = member(sch, "not")) && matches(c, v, inst, "not", -1))
        return report(c, "not", "instance matched a schema which it should not have", NULL);
    if (!check_combinator(c, sch, inst, "oneOf"))
        return false;
    if (is_string && (v = member(sch, "pattern"))) {
        size_t pl, n;
        const char *p = mc_json_str(v, &pl), *s = mc_json_str(inst, &n);
        if (!pattern_matches(c->s, p, pl, s, n)) {
            if (c->quiet)
                return false;
            mc_buf m = MC_BUF_INIT;
            mc_buf_printf(&m, "ECMA 262 regex \"%.*s\" does not match input string \"%.*s\"",
                          (int)pl, p, (int)n, s);
            char *re = jstring(p, pl), *str = jstring(s, n);
            report(c, "pattern", mc_buf_cstr(&m), "regex", re ? re : "", "string", str ? str : "",
                   NULL);
            free(re);
            free(str);
            mc_buf_free(&m);
            return false;
        }
    }
    if (is_object && (v = member(sch, "required")) && !check_required(c, v, inst))
        return false;
    if ((v = member(sch, "type")) && !check_type(c, v, inst))
        return false;
    if (is_array && mc_json_type_of(v = member(sch, "uniqueItems")) == MC_JSON_TRUE && v &&
        !check_unique(c, inst))
        return false;
    return true;
}

/* ---- children: array items, object members ----------------------------- */

static bool check_items(vctx *c, mc_json sch, mc_json inst)
{
    mc_json items = member(sch, "items"), extra = member(sch, "additionalItems");
    for (size_t i = 0; i < mc_json_count(inst); i++) {
        size_t len = c->ip.len;
        ptr_push_index(&c->ip, i);
        bool ok = true;
        if (mc_json_type_of(items) == MC_JSON_OBJECT)
            ok = check_sub(c, items, mc_json_at(inst, i), "items", NULL, 0, -1);
        else if (mc_json_type_of(items) == MC_JSON_ARRAY && i < mc_json_count(items))
            ok = check_sub(c, mc_json_at(items, i), mc_json_at(inst, i), "items", NULL, 0, (long)i);
        else if (mc_json_type_of(items) == MC_JSON_ARRAY && mc_json_type_of(extra) == MC_JSON_OBJECT)
            ok = check_sub(c, extra, mc_json_at(inst, i), "additionalItems", NULL, 0, -1);
        ptr_pop(&c->ip, len);
        if (!ok)
            return false;
    }
    return true;
}

static bool check_members(vctx *c, mc_json sch, mc_json inst)
{
    mc_json props = member(sch, "properties"), pp = member(sch, "patternProperties");
    mc_json ap = member(sch, "additionalProperties");
    if (!props && !pp && mc_json_type_of(ap) != MC_JSON_OBJECT)
        return true;
    size_t *idx = sorted_members(inst);
    if (!idx)
        return report(c, "properties", "out of memory", NULL);
    bool ok = true;
    for (size_t i = 0; ok && i < mc_json_count(inst); i++) {
        size_t kl;
        const char *k = mc_json_key(inst, idx[i], &kl);
        mc_json val = mc_json_at(inst, idx[i]);
        size_t len = c->ip.len;
        ptr_push(&c->ip, k, kl);
        bool matched = false;
        mc_json sub = mc_json_get(props, k, kl);
        if (sub) {
            matched = true;
            ok = check_sub(c, sub, val, "properties", k, kl, -1);
        }
        for (size_t j = 0; ok && j < mc_json_count(pp); j++) {
            size_t pl;
            const char *p = mc_json_key(pp, j, &pl);
            if (pattern_matches(c->s, p, pl, k, kl)) {
                matched = true;
                ok = check_sub(c, mc_json_at(pp, j), val, "patternProperties", p, pl, -1);
            }
        }
        if (ok && !matched && mc_json_type_of(ap) == MC_JSON_OBJECT)
            ok = check_sub(c, ap, val, "additionalProperties", NULL, 0, -1);
        ptr_pop(&c->ip, len);
    }
    free(idx);
    return ok;
}

static const ref_entry *ref_of(const mc_json_schema *s, mc_json node)
{
    for (size_t i = 0; i < s->nrefs; i++)
        if (s->refs[i].node == node)
            return &s->refs[i];
    return NULL;
}

static bool check(vctx *c, mc_json sch, mc_json inst)
{
    if (mc_json_type_of(sch) != MC_JSON_OBJECT)
        return true;
    const ref_entry *r = member(sch, "$ref") ? ref_of(c->s, sch) : NULL;
    if (r) {
        mc_buf saved = c->sp, sp = MC_BUF_INIT;
        mc_buf_puts(&sp, r->ptr);
        c->sp = sp;
        bool ok = check(c, r->target, inst);
        mc_buf_free(&c->sp);
        c->sp = saved;
        return ok;
    }
    for (unsigned i = 0; i < c->depth; i++)
        if (c->stack[i].s == sch && c->stack[i].i == inst) {
            if (c->quiet)
                return false;
            mc_buf m = MC_BUF_INIT;
            mc_buf_printf(&m, "validation loop: schema \"%s\" visited twice for pointer \"%s\" of "
                          "validated instance", mc_buf_cstr(&c->sp), mc_buf_cstr(&c->ip));
            report(c, "$ref", mc_buf_cstr(&m), NULL);
            mc_buf_free(&m);
            return false;
        }
    if (c->depth == MAX_DEPTH)
        return report(c, "$ref", "schema nested too deeply", NULL);
    c->stack[c->depth].s = sch;
    c->stack[c->depth].i = inst;
    c->depth++;
    bool ok = check_keywords(c, sch, inst);
    if (ok && mc_json_type_of(inst) == MC_JSON_ARRAY)
        ok = check_items(c, sch, inst);
    else if (ok && mc_json_type_of(inst) == MC_JSON_OBJECT)
        ok = check_members(c, sch, inst);
    c->depth--;
    return ok;
}

bool mc_json_schema_validate(const mc_json_schema *s, mc_json v, mc_buf *message, mc_buf *detail)
{
    vctx *c = calloc(1, sizeof *c);
    if (!c) {
        if (message)
            mc_buf_puts(message, "out of memory");
        return false;
    }
    c->s = s;
    c->msg = message;
    c->detail = detail;
    c->quiet = !message && !detail;
    bool ok = check(c, s->root, v);
    mc_buf_free(&c->sp);
    mc_buf_free(&c->ip);
    free(c);
    return ok;
}
