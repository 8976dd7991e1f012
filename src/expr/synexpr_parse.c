/* synexpr_parse.c - the lexer and parser of MI 4.4 Synapse Expressions
 * (the text inside ${...}), compiling to the tree of sx.h with static types.
 *
 * Grammar (docs/expressions.md has the whole of it):
 *   expr     := logical ('?' expr ':' expr)?
 *   logical  := compare (('and'|'&&'|'or'|'||') logical)?     right-assoc
 *   compare  := additive (('=='|'!='|'<'|'<='|'>'|'>=') additive)*
 *   additive := term (('+'|'-') term)*
 *   term     := unary (('*'|'/'|'%') unary)*
 *   unary    := ('-'|'!') unary | primary
 *   primary  := NUMBER | STRING | true | false | null | '[' list ']'
 *             | '(' expr ')' | root | call
 *   root     := ('payload'|'$') path? | 'vars' name path? | 'headers' name
 *             | ('props'|'properties') ('.synapse'|'.axis2')? name
 *             | 'params' ('.queryParams'|'.pathParams'|'.functionParams') name
 *             | 'configs' name
 *   call     := FUNCTION '(' list ')' ('.property(' expr ')' | path)?
 * A path is JSONPath after the root: .name ..name .* [n] ['k'] [a:b] [?(filter)]
 * with expressions allowed inside brackets and access expressions inside
 * filters, and Jayway's trailing functions (.length(), .min(), ...).
 * Errors carry the offset they refer to (mc_err.at). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/javanum.h"
#include "expr/sx.h"
#include "expr/synexpr.h"
#include "util/suggest.h"

#define MAX_DEPTH 64          /* nesting of (), [], calls */
#define MAX_HEIGHT 256        /* height of the tree: bounds evaluation recursion */
#define MAX_SOURCE (64 * 1024)

/* ---- tokens ------------------------------------------------------------ */

typedef enum {
    T_EOF, T_NUM, T_STR, T_ID, T_DOLLAR, T_AT, T_DOT, T_DOTDOT, T_LBRACK,
    T_RBRACK, T_LPAREN, T_RPAREN, T_COMMA, T_COLON, T_QUEST, T_PLUS, T_MINUS,
    T_STAR, T_SLASH, T_PCT, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_ANDAND,
    T_OROR, T_BANG, T_MATCH, T_BAD,
} tkind;

typedef struct tok {
    tkind k;
    size_t pos, end;       /* whole token */
    size_t cpos, cend;     /* T_STR: between the quotes */
} tok;

typedef struct ps {
    const char *s;
    size_t n;              /* parsing stops here (a filter's end) */
    size_t pos;            /* next unread byte */
    tok t;                 /* current token */
    size_t last_end;       /* end of the token before it */
    mc_synexpr *x;
    mc_err *err;
    bool failed;
    int depth;
} ps;

static bool is_word_start(int c) { return isalpha(c) || c == '_' || c >= 0x80; }
static bool is_word_char(int c)
{
    return isalnum(c) || c == '_' || c == '-' || c >= 0x80;
}

static void fail_at(ps *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_at(ps *p, size_t at, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mc_err_set(p->err, MC_EPARSE, "%s", msg);
    if (p->err)
        p->err->at = at + 1;
}

/* Read the token at p->pos into p->t. */
static void lex(ps *p)
{
    const char *s = p->s;
    size_t i = p->pos;
    while (i < p->n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    tok t = {T_EOF, i, i, 0, 0};
    if (i >= p->n) {
        p->t = t;
        p->pos = i;
        return;
    }
    unsigned char c = (unsigned char)s[i];
    char c1 = i + 1 < p->n ? s[i + 1] : '\0';
    size_t e = i + 1;
    if (isdigit(c)) {
        while (e < p->n && isdigit((unsigned char)s[e]))
            e++;
        if (e + 1 < p->n && s[e] == '.' && isdigit((unsigned char)s[e + 1])) {
            e++;
            while (e < p->n && isdigit((unsigned char)s[e]))
                e++;
        }
        t.k = T_NUM;
    } else if (c == '"' || c == '\'') {
        while (e < p->n && s[e] != (char)c) {
            if (s[e] == '\\' && e + 1 < p->n)
                e++;
            e++;
        }
        if (e >= p->n) {
            fail_at(p, i, "unterminated string (no closing %c)", c);
            t.k = T_BAD;
            e = p->n;
        } else {
            t.k = T_STR;
            t.cpos = i + 1;
            t.cend = e;
            e++;
        }
    } else if (is_word_start(c)) {
        while (e < p->n && is_word_char((unsigned char)s[e]))
            e++;
        t.k = T_ID;
    } else {
        /* operators and punctuation: the two-character ones first */
        static const struct { char text[3]; tkind k; } ops[] = {
            {"..", T_DOTDOT}, {"==", T_EQ}, {"=~", T_MATCH}, {"!=", T_NE}, {"<=", T_LE},
            {">=", T_GE}, {"&&", T_ANDAND}, {"||", T_OROR},
            {"$", T_DOLLAR}, {"@", T_AT}, {".", T_DOT}, {"[", T_LBRACK}, {"]", T_RBRACK},
            {"(", T_LPAREN}, {")", T_RPAREN}, {",", T_COMMA}, {":", T_COLON},
            {"?", T_QUEST}, {"+", T_PLUS}, {"-", T_MINUS}, {"*", T_STAR}, {"/", T_SLASH},
            {"%", T_PCT}, {"!", T_BANG}, {"<", T_LT}, {">", T_GT},
        };
        t.k = T_BAD;
        for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
            if (ops[k].text[0] == (char)c && (!ops[k].text[1] || ops[k].text[1] == c1)) {
                t.k = ops[k].k;
                e = i + (ops[k].text[1] ? 2 : 1);
                break;
            }
        }
    }
    t.end = e;
    p->t = t;
    p->pos = e;
}

static void next(ps *p)
{
    p->last_end = p->t.end;
    lex(p);
}

static bool word_is(const ps *p, const tok *t, const char *w)
{
    size_t n = strlen(w);
    return t->k == T_ID && t->end - t->pos == n && memcmp(p->s + t->pos, w, n) == 0;
}

/* Describe the current token for a message. */
static const char *tok_desc(const ps *p, char *buf, size_t len)
{
    if (p->t.k == T_EOF)
        return "the end of the expression";
    size_t n = p->t.end - p->t.pos;
    if (n > 24)
        n = 24;
    snprintf(buf, len, "'%.*s'", (int)n, p->s + p->t.pos);
    return buf;
}

/* A message for a token that does not belong where it is. */
static void unexpected(ps *p, const char *fmt, const char *what)
{
    char b[40];
    if (p->t.k == T_BAD && p->s[p->t.pos] == '=')
        fail_at(p, p->t.pos, "unexpected '=': use '==' to compare");
    else if (p->t.k == T_BAD && (p->s[p->t.pos] == '&' || p->s[p->t.pos] == '|'))
        fail_at(p, p->t.pos, "unexpected '%c': use '%c%c' or '%s'", p->s[p->t.pos],
                p->s[p->t.pos], p->s[p->t.pos], p->s[p->t.pos] == '&' ? "and" : "or");
    else
        fail_at(p, p->t.pos, fmt, what, tok_desc(p, b, sizeof b));
}

static bool expect(ps *p, tkind k, const char *what)
{
    if (p->t.k == k) {
        next(p);
        return true;
    }
    char b[40];
    if (p->t.k == T_BAD && p->s[p->t.pos] == '=')
        fail_at(p, p->t.pos, "unexpected '=': use '==' to compare");
    else if (p->t.k == T_BAD && (p->s[p->t.pos] == '&' || p->s[p->t.pos] == '|'))
        fail_at(p, p->t.pos, "unexpected '%c': use '%c%c' or '%s'", p->s[p->t.pos],
                p->s[p->t.pos], p->s[p->t.pos], p->s[p->t.pos] == '&' ? "and" : "or");
    else
        fail_at(p, p->t.pos, "expected %s but found %s", what, tok_desc(p, b, sizeof b));
    return false;
}

/* ---- tree building ------------------------------------------------------ */

static sx_node *new_node(ps *p, sx_kind k, size_t pos)
{
    sx_node *n = mc_arena_calloc(&p->x->arena, sizeof *n);
    if (!n) {
        fail_at(p, pos, "out of memory");
        return NULL;
    }
    n->kind = (uint8_t)k;
    n->pos = (uint32_t)pos;
    n->end = (uint32_t)pos;
    return n;
}

/* Grow n's height over a child's; false (and an error) past MAX_HEIGHT. */
static bool above(ps *p, sx_node *n, const sx_node *child)
{
    if (child && child->depth + 1 > n->depth)
        n->depth = (uint16_t)(child->depth + 1);
    if (n->depth > MAX_HEIGHT) {
        fail_at(p, n->pos, "expression more than %d operations deep", MAX_HEIGHT);
        return false;
    }
    return true;
}

static const char *arena_text(ps *p, const char *s, size_t n)
{
    char *d = mc_arena_strndup(&p->x->arena, s, n);
    if (!d)
        fail_at(p, p->t.pos, "out of memory");
    return d;
}

static bool own(ps *p, void *obj, void (*destroy)(void *))
{
    mc_synexpr *x = p->x;
    if (x->nowned == x->capowned) {
        size_t cap = x->capowned ? x->capowned * 2 : 4;
        struct sx_owned *o = realloc(x->owned, cap * sizeof *o);
        if (!o)
            return false;
        x->owned = o;
        x->capowned = cap;
    }
    x->owned[x->nowned].obj = obj;
    x->owned[x->nowned++].destroy = destroy;
    return true;
}

static void free_jsonpath(void *jp) { mc_jsonpath_free(jp); }
static void free_expr(void *e) { mc_expr_free(e); }

/* Java's typing of a number literal: Integer, else Long, else Double. */
static void number_literal(const char *s, size_t n, sx_val *v)
{
    int32_t i;
    int64_t l;
    double d;
    if (mc_java_parse_int(s, n, &i)) {
        v->t = SX_INT;
        v->u.i = i;
    } else if (mc_java_parse_long(s, n, &l)) {
        v->t = SX_LONG;
        v->u.i = l;
    } else {
        mc_java_parse_double(s, n, &d);
        v->t = SX_DOUBLE;
        v->u.d = d;
    }
}

static const char *type_name(unsigned m)
{
    switch (m) {
    case TM_NULL: return "null";
    case TM_BOOL: return "a boolean";
    case TM_NUM: return "a number";
    case TM_STR: return "a string";
    case TM_JSON: return "a JSON object or array";
    case TM_XML: return "XML";
    case TM_TEXT: return "a number or a string";
    case TM_STR | TM_XML: return "a string";
    case TM_NUM | TM_NULL: return "a number or null";
    case TM_STR | TM_NULL: return "a string or null";
    case TM_BOOL | TM_NULL: return "a boolean or null";
    default: return "a value of another type";
    }
}

static const char *want_name(unsigned m)
{
    switch (m) {
    case TM_NUM: return "a number";
    case TM_STR: return "a string";
    case TM_BOOL: return "a boolean";
    case TM_STR | TM_JSON: return "a string or a JSON array/object";
    case TM_TEXT: return "a number or a string";
    case TM_STR | TM_XML: return "a string";
    default: return "a value";
    }
}

static const char *op_text(sx_binop op)
{
    static const char *const t[] = {"+", "-", "*", "/", "%", "==", "!=", "<",
                                    "<=", ">", ">=", "and", "or"};
    return t[op];
}

/* Static check of a binary operator; fills n->types. */
static void type_binary(ps *p, sx_node *n)
{
    unsigned l = n->a->types, r = n->b->types;
    sx_binop op = (sx_binop)n->op;
    if (op == OP_EQ || op == OP_NE) {
        n->types = TM_BOOL;
        return;
    }
    if (l == TM_NULL || r == TM_NULL) {
        fail_at(p, n->pos, "type mismatch: '%s' on null", op_text(op));
        return;
    }
    if (op == OP_ADD) {
        bool num = (l & TM_NUM) && (r & TM_NUM), str = (l & TM_STR) && (r & TM_STR);
        if (!num && !str) {
            fail_at(p, n->pos,
                    "type mismatch: '+' adds two numbers or joins two strings, not %s and %s",
                    type_name(l & ~TM_NULL), type_name(r & ~TM_NULL));
            return;
        }
        n->types = (uint8_t)((num ? TM_NUM : 0) | (str ? TM_STR : 0));
        return;
    }
    unsigned need = op == OP_AND || op == OP_OR ? TM_BOOL : TM_NUM;
    const sx_node *bad = !(l & need) ? n->a : !(r & need) ? n->b : NULL;
    if (bad) {
        fail_at(p, n->pos, "type mismatch: '%s' needs %s, but its %s operand is %s",
                op_text(op), want_name(need), bad == n->a ? "left" : "right",
                type_name(bad->types & ~TM_NULL));
        return;
    }
    n->types = op <= OP_MOD ? TM_NUM : TM_BOOL;
}

/* ---- expressions ------------------------------------------------------- */

static sx_node *parse_expr(ps *p);
static sx_node *parse_unary(ps *p);
static sx_node *parse_access(ps *p);

static bool enter(ps *p)
{
    if (++p->depth > MAX_DEPTH) {
        fail_at(p, p->t.pos, "expression nested deeper than %d levels", MAX_DEPTH);
        return false;
    }
    return true;
}

/* name after a root: .id  .'str'  ["str"]  .["str"]  .123 */
static const char *parse_name(ps *p, const char *root, size_t *len)
{
    size_t at = p->t.pos;
    bool dot = p->t.k == T_DOT;
    if (dot)
        next(p);
    if (dot && (p->t.k == T_ID || p->t.k == T_NUM)) {
        const char *s = p->s + p->t.pos;
        *len = p->t.end - p->t.pos;
        next(p);
        return arena_text(p, s, *len);
    }
    if (dot && p->t.k == T_STR) {
        const char *s = p->s + p->t.cpos;
        *len = p->t.cend - p->t.cpos;
        next(p);
        return arena_text(p, s, *len);
    }
    if (p->t.k == T_LBRACK) {
        next(p);
        if (p->t.k != T_STR) {
            char b[40];
            fail_at(p, p->t.pos, "expected a quoted name in '[...]' after '%s' but found %s",
                    root, tok_desc(p, b, sizeof b));
            return NULL;
        }
        const char *s = p->s + p->t.cpos;
        *len = p->t.cend - p->t.cpos;
        next(p);
        if (!expect(p, T_RBRACK, "']'"))
            return NULL;
        return arena_text(p, s, *len);
    }
    fail_at(p, at, "a name must follow '%s' (%s.name or %s[\"name\"])", root, root, root);
    return NULL;
}

/* ---- JSONPath ----------------------------------------------------------- */

typedef struct pbuild {
    mc_buf text;        /* literal JSONPath text pending */
    mc_buf whole;       /* the whole path text, for messages */
    sx_piece *pieces;
    size_t npieces, cap;
    bool dynamic;
} pbuild;

static void pb_lit(pbuild *b, const char *s, size_t n)
{
    mc_buf_append(&b->text, s, n);
    mc_buf_append(&b->whole, s, n);
}

static bool pb_push(ps *p, pbuild *b, sx_piece pc)
{
    if (b->npieces == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        sx_piece *np = mc_arena_alloc(&p->x->arena, cap * sizeof *np);
        if (!np)
            return false;
        if (b->npieces)
            memcpy(np, b->pieces, b->npieces * sizeof *np);
        b->pieces = np;
        b->cap = cap;
    }
    b->pieces[b->npieces++] = pc;
    return true;
}

static bool pb_flush(ps *p, pbuild *b)
{
    if (!b->text.len)
        return true;
    const char *t = arena_text(p, b->text.data, b->text.len);
    if (!t)
        return false;
    bool ok = pb_push(p, b, (sx_piece){t, b->text.len, NULL, false});
    mc_buf_reset(&b->text);
    return ok;
}

static bool pb_expr(ps *p, pbuild *b, sx_node *e, bool in_filter)
{
    if (!pb_flush(p, b))
        return false;
    b->dynamic = true;
    mc_buf_append(&b->whole, p->s + e->pos, e->end - e->pos);
    return pb_push(p, b, (sx_piece){NULL, 0, e, in_filter});
}

/* A name as a JSONPath bracket step: ['a b'] with ' and \ escaped. */
static void pb_name(pbuild *b, const char *s, size_t n, bool deep)
{
    pb_lit(b, deep ? "..['" : "['", deep ? 4 : 2);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'' || s[i] == '\\')
            pb_lit(b, "\\", 1);
        pb_lit(b, s + i, 1);
    }
    pb_lit(b, "']", 2);
}

static bool is_root_word(const char *s, size_t n)
{
    static const char *const roots[] = {"payload", "vars", "var", "headers", "props",
                                        "properties", "params", "configs", "config"};
    for (size_t i = 0; i < sizeof roots / sizeof *roots; i++)
        if (strlen(roots[i]) == n && memcmp(roots[i], s, n) == 0)
            return true;
    return false;
}

/* Scan a filter body from p->pos to its closing ')', keeping the text
 * as JSONPath and replacing access expressions and function calls with
 * pieces evaluated per message (MI injects their values). */
static bool parse_filter_body(ps *p, pbuild *b)
{
    const char *s = p->s;
    size_t i = p->pos, lit = i;
    int depth = 0;
    char prev = '(';
    size_t limit = p->n;
    while (i < limit) {
        char c = s[i];
        if (c == '\'' || c == '"') {
            size_t j = i + 1;
            while (j < limit && s[j] != c) {
                if (s[j] == '\\')
                    j++;
                j++;
            }
            if (j >= limit) {
                fail_at(p, i, "unterminated string in filter");
                return false;
            }
            i = j + 1;
            prev = 'x';
            continue;
        }
        if (c == '=' && i + 1 < limit && s[i + 1] == '~') {
            /* a regex literal: =~ /.../flags */
            size_t j = i + 2;
            while (j < limit && (s[j] == ' ' || s[j] == '\t'))
                j++;
            if (j < limit && s[j] == '/') {
                j++;
                while (j < limit && s[j] != '/') {
                    if (s[j] == '\\')
                        j++;
                    j++;
                }
                if (j >= limit) {
                    fail_at(p, i, "unterminated regular expression in filter");
                    return false;
                }
                j++;
                while (j < limit && isalpha((unsigned char)s[j]))
                    j++;
                i = j;
                prev = 'x';
                continue;
            }
        }
        if (c == '(') {
            depth++;
        } else if (c == ')') {
            if (depth == 0)
                break;
            depth--;
        }
        bool boundary = !(isalnum((unsigned char)prev) || prev == '_' || prev == '@' ||
                          prev == '.' || prev == '$' || prev == '-');
        size_t wend = i;
        if (is_word_start((unsigned char)c))
            while (wend < limit && is_word_char((unsigned char)s[wend]))
                wend++;
        size_t after = wend;
        while (after < limit && (s[after] == ' ' || s[after] == '\t'))
            after++;
        bool access = false;
        if (boundary && c == '$')
            access = true;
        else if (boundary && wend > i) {
            if (is_root_word(s + i, wend - i) && after < limit &&
                (s[after] == '.' || s[after] == '['))
                access = true;
            else if (after < limit && s[after] == '(' &&
                     mc_fn_lookup(s + i, wend - i, FN_SX))
                access = true;
        }
        if (access) {
            mc_buf_append(&b->text, s + lit, i - lit);
            mc_buf_append(&b->whole, s + lit, i - lit);
            p->pos = i;
            next(p);
            sx_node *e = parse_access(p);
            if (!e || !pb_expr(p, b, e, true))
                return false;
            /* resume right after the access, keeping what follows it */
            i = lit = p->last_end;
            prev = 'x';
            continue;
        }
        if (wend > i) {
            i = wend;
            prev = 'x';
            continue;
        }
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            prev = c;
        i++;
    }
    if (i >= limit) {
        fail_at(p, p->pos, "unclosed filter: missing ')'");
        return false;
    }
    mc_buf_append(&b->text, s + lit, i - lit);
    mc_buf_append(&b->whole, s + lit, i - lit);
    p->pos = i + 1; /* past ')' */
    next(p);
    return true;
}

/* Raw text up to the ')' matching an open '(' (script index). */
static bool copy_parens(ps *p, pbuild *b)
{
    size_t i = p->pos;
    int depth = 0;
    char q = 0;
    for (; i < p->n; i++) {
        char c = p->s[i];
        if (q) {
            if (c == '\\')
                i++;
            else if (c == q)
                q = 0;
            continue;
        }
        if (c == '\'' || c == '"')
            q = c;
        else if (c == '(')
            depth++;
        else if (c == ')' && depth-- == 0)
            break;
    }
    if (i >= p->n) {
        fail_at(p, p->pos, "unclosed '(' in path");
        return false;
    }
    pb_lit(b, p->s + p->pos, i - p->pos);
    p->pos = i + 1;
    next(p);
    return true;
}

/* One slice bound or index inside [ ]: a literal integer is kept as text,
 * anything else becomes an expression piece. */
static bool bracket_value(ps *p, pbuild *b)
{
    size_t at = p->t.pos;
    sx_node *e = parse_expr(p);
    if (!e)
        return false;
    if (e->kind == N_LIT && (e->lit.t == SX_INT || e->lit.t == SX_LONG)) {
        char num[24];
        int k = snprintf(num, sizeof num, "%lld", (long long)e->lit.u.i);
        pb_lit(b, num, (size_t)k);
        return true;
    }
    if (e->types == TM_BOOL || e->types == TM_NULL || e->types == TM_JSON) {
        fail_at(p, at, "an index must be a number or a string, not %s", type_name(e->types));
        return false;
    }
    return pb_expr(p, b, e, false);
}

static bool parse_bracket(ps *p, pbuild *b, bool deep)
{
    size_t open = p->t.pos;
    next(p); /* '[' */
    pb_lit(b, deep ? "..[" : "[", deep ? 3 : 1);
    if (p->t.k == T_STAR) {
        next(p);
        pb_lit(b, "*", 1);
    } else if (p->t.k == T_QUEST) {
        next(p);
        if (p->t.k != T_LPAREN)
            return expect(p, T_LPAREN, "'(' after '?'");
        pb_lit(b, "?(", 2);
        if (!parse_filter_body(p, b))
            return false;
        pb_lit(b, ")", 1);
    } else if (p->t.k == T_LPAREN) {
        /* a script index: Jayway's parser decides, per message, as in MI */
        pb_lit(b, "(", 1);
        if (!copy_parens(p, b))
            return false;
        pb_lit(b, ")", 1);
        b->dynamic = true;
    } else {
        /* names ['a','b'] when only strings; else indexes and slices */
        size_t save = p->pos;
        tok savet = p->t;
        bool names = p->t.k == T_STR;
        if (names) {
            for (;;) {
                if (p->t.k != T_STR) {
                    names = false;
                    break;
                }
                next(p);
                if (p->t.k == T_RBRACK)
                    break;
                if (p->t.k != T_COMMA) {
                    names = false;
                    break;
                }
                next(p);
            }
        }
        p->pos = save;
        p->t = savet;
        if (names) {
            bool first = true;
            while (p->t.k == T_STR) {
                if (!first)
                    pb_lit(b, ",", 1);
                first = false;
                pb_lit(b, "'", 1);
                for (size_t i = p->t.cpos; i < p->t.cend; i++) {
                    if (p->s[i] == '\'')
                        pb_lit(b, "\\", 1);
                    if (p->s[i] == '\\' && i + 1 < p->t.cend) {
                        pb_lit(b, p->s + i, 2);
                        i++;
                        continue;
                    }
                    pb_lit(b, p->s + i, 1);
                }
                pb_lit(b, "'", 1);
                next(p);
                if (p->t.k == T_COMMA)
                    next(p);
            }
        } else {
            for (;;) {
                bool slice = false;
                if (p->t.k != T_COLON && p->t.k != T_RBRACK && p->t.k != T_COMMA) {
                    if (!bracket_value(p, b))
                        return false;
                }
                for (int k = 0; k < 2 && p->t.k == T_COLON; k++) {
                    slice = true;
                    next(p);
                    pb_lit(b, ":", 1);
                    if (p->t.k != T_COLON && p->t.k != T_RBRACK && p->t.k != T_COMMA &&
                        !bracket_value(p, b))
                        return false;
                }
                (void)slice;
                if (p->t.k != T_COMMA)
                    break;
                next(p);
                pb_lit(b, ",", 1);
            }
        }
    }
    if (p->t.k != T_RBRACK) {
        char d[40];
        fail_at(p, p->t.pos, "expected ']' to close the '[' at offset %zu but found %s",
                open, tok_desc(p, d, sizeof d));
        return false;
    }
    next(p);
    pb_lit(b, "]", 1);
    return true;
}

static const struct { const char *name; sx_pathfn fn; } path_fns[] = {
    {"length", PF_LENGTH}, {"size", PF_SIZE}, {"min", PF_MIN}, {"max", PF_MAX},
    {"avg", PF_AVG}, {"sum", PF_SUM}, {"stddev", PF_STDDEV}, {"keys", PF_KEYS},
    {"first", PF_FIRST}, {"last", PF_LAST},
};

int sx_pathfn_named(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof path_fns / sizeof *path_fns; i++)
        if (strlen(path_fns[i].name) == n && memcmp(path_fns[i].name, s, n) == 0)
            return path_fns[i].fn;
    return PF_NONE;
}

/* A Jayway function at the current token (an identifier followed by "()"). */
static sx_pathfn path_fn_here(ps *p)
{
    if (p->t.k != T_ID)
        return PF_NONE;
    size_t j = p->t.end;
    while (j < p->n && p->s[j] == ' ')
        j++;
    if (j >= p->n || p->s[j] != '(')
        return PF_NONE;
    for (size_t i = 0; i < sizeof path_fns / sizeof *path_fns; i++)
        if (word_is(p, &p->t, path_fns[i].name))
            return path_fns[i].fn;
    return PF_NONE;
}

static bool path_continues(const ps *p)
{
    return p->t.k == T_DOT || p->t.k == T_DOTDOT || p->t.k == T_LBRACK;
}

/* Parse JSONPath steps after a root; NULL (no error) when there are none. */
static sx_path *parse_path(ps *p, size_t start)
{
    if (!path_continues(p))
        return NULL;
    pbuild b = {MC_BUF_INIT, MC_BUF_INIT, NULL, 0, 0, false};
    pb_lit(&b, "$", 1);
    uint8_t fn = PF_NONE;
    while (!p->failed && path_continues(p)) {
        if (fn != PF_NONE) {
            fail_at(p, p->t.pos, "a JSONPath function such as .%s() must end the path",
                    path_fns[fn - 1].name);
            break;
        }
        if (p->t.k == T_LBRACK) {
            parse_bracket(p, &b, false);
            continue;
        }
        bool deep = p->t.k == T_DOTDOT;
        size_t dot = p->t.pos;
        next(p);
        if (!deep && (fn = path_fn_here(p)) != PF_NONE) {
            next(p);
            next(p); /* '(' */
            expect(p, T_RPAREN, "')' (JSONPath functions take no arguments)");
            continue;
        }
        switch (p->t.k) {
        case T_ID:
        case T_NUM:
            pb_name(&b, p->s + p->t.pos, p->t.end - p->t.pos, deep);
            next(p);
            break;
        case T_STR:
            pb_name(&b, p->s + p->t.cpos, p->t.cend - p->t.cpos, deep);
            next(p);
            break;
        case T_STAR:
            pb_lit(&b, deep ? "..*" : "[*]", 3);
            next(p);
            break;
        case T_LBRACK:
            parse_bracket(p, &b, deep);
            break;
        default: {
            char d[40];
            fail_at(p, p->t.pos, "expected a name after '%s' but found %s",
                    deep ? ".." : ".", tok_desc(p, d, sizeof d));
            (void)dot;
        }
        }
    }
    sx_path *path = NULL;
    if (!p->failed && pb_flush(p, &b) && (path = mc_arena_calloc(&p->x->arena, sizeof *path))) {
        path->fn = fn;
        path->text = arena_text(p, mc_buf_cstr(&b.whole), b.whole.len);
        if (!b.dynamic) {
            mc_err jerr = {0};
            path->jp = mc_jsonpath_compile(path->text, &jerr);
            if (!path->jp)
                fail_at(p, start, "%s", jerr.msg);
            else if (!own(p, path->jp, free_jsonpath)) {
                mc_jsonpath_free(path->jp);
                path->jp = NULL;
                fail_at(p, start, "out of memory");
            }
        } else {
            path->pieces = b.pieces;
            path->npieces = b.npieces;
        }
    } else if (!p->failed) {
        fail_at(p, start, "out of memory");
    }
    mc_buf_free(&b.text);
    mc_buf_free(&b.whole);
    return p->failed ? NULL : path;
}

static sx_node *with_path(ps *p, sx_node *base, unsigned types_after)
{
    if (!base)
        return NULL;
    size_t start = p->t.pos;
    sx_path *path = parse_path(p, start);
    if (p->failed)
        return NULL;
    if (!path)
        return base;
    sx_node *n = new_node(p, N_PATH, base->pos);
    if (!n)
        return NULL;
    n->a = base;
    n->path = path;
    if (!above(p, n, base))
        return NULL;
    for (size_t i = 0; i < path->npieces; i++)
        if (path->pieces[i].expr && !above(p, n, path->pieces[i].expr))
            return NULL;
    n->types = path->fn == PF_LENGTH || path->fn == PF_SIZE || (path->fn >= PF_MIN && path->fn <= PF_STDDEV)
                   ? TM_NUM
                   : (uint8_t)types_after;
    n->end = (uint32_t)p->t.pos;
    return n;
}

/* ---- roots and calls ---------------------------------------------------- */

static sx_node *parse_call(ps *p)
{
    size_t at = p->t.pos, len = p->t.end - p->t.pos;
    const char *name = p->s + at;
    const mc_fn *fn = mc_fn_lookup(name, len, FN_SX);
    if (!fn) {
        char nm[64];
        snprintf(nm, sizeof nm, "%.*s", (int)(len < 63 ? len : 63), name);
        const char *cands[96];
        size_t nc = mc_fn_names(FN_SX, cands, 96);
        const char *near = mc_closest(nm, cands, nc);
        if (near)
            fail_at(p, at, "unknown function '%s'; did you mean '%s'?", nm, near);
        else
            fail_at(p, at, "unknown function '%s'", nm);
        return NULL;
    }
    if (fn->flags & FN_UNSUPPORTED) {
        fail_at(p, at, "%s() is not available in mediac: %s", fn->name, fn->note);
        return NULL;
    }
    next(p);
    next(p); /* '(' */
    sx_node *args[4] = {0};
    size_t nargs = 0;
    if (p->t.k != T_RPAREN) {
        for (;;) {
            sx_node *a = parse_expr(p);
            if (!a)
                return NULL;
            if (nargs < 4)
                args[nargs] = a;
            nargs++;
            if (p->t.k != T_COMMA)
                break;
            next(p);
        }
    }
    if (p->t.k != T_RPAREN) {
        char d[40];
        fail_at(p, p->t.pos, "expected ',' or ')' in the call of %s() but found %s",
                fn->name, tok_desc(p, d, sizeof d));
        return NULL;
    }
    next(p);
    /* registry(key).property(name) */
    if (strcmp(fn->name, "registry") == 0 && p->t.k == T_DOT) {
        size_t save = p->pos;
        tok st = p->t;
        next(p);
        if (word_is(p, &p->t, "property")) {
            next(p);
            if (!expect(p, T_LPAREN, "'(' after property"))
                return NULL;
            sx_node *a = parse_expr(p);
            if (!a || !expect(p, T_RPAREN, "')'"))
                return NULL;
            if (nargs < 4)
                args[nargs] = a;
            nargs++;
        } else {
            p->pos = save;
            p->t = st;
        }
    }
    if (nargs < fn->min || nargs > fn->max) {
        if (fn->min == fn->max)
            fail_at(p, at, "%s() takes %u argument%s, not %zu", fn->name, fn->min,
                    fn->min == 1 ? "" : "s", nargs);
        else if (fn->max == fn->min + 1)
            fail_at(p, at, "%s() takes %u or %u arguments, not %zu", fn->name, fn->min,
                    fn->max, nargs);
        else
            fail_at(p, at, "%s() takes %u to %u arguments, not %zu", fn->name, fn->min,
                    fn->max, nargs);
        return NULL;
    }
    sx_node *n = new_node(p, N_CALL, at);
    if (!n)
        return NULL;
    n->fn = fn;
    n->nargs = (uint16_t)nargs;
    n->args = nargs ? mc_arena_alloc(&p->x->arena, nargs * sizeof *n->args) : NULL;
    if (nargs && !n->args) {
        fail_at(p, at, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < nargs; i++) {
        n->args[i] = args[i];
        if (!above(p, n, args[i]))
            return NULL;
        unsigned got = args[i]->types, want = fn->args[i < 3 ? i : 2];
        if (fn->flags & FN_LAZY)
            continue;
        if (got == TM_NULL) {
            fail_at(p, args[i]->pos, "%s() needs a value as argument %zu, not null",
                    fn->name, i + 1);
            return NULL;
        }
        if (!(got & want)) {
            fail_at(p, args[i]->pos, "type mismatch: %s() needs %s as argument %zu, not %s",
                    fn->name, want_name(want), i + 1, type_name(got & ~TM_NULL));
            return NULL;
        }
    }
    /* formatDateTime(millis, pattern) takes a number first */
    if (strcmp(fn->name, "formatDateTime") == 0 && nargs == 2 &&
        !(args[0]->types & TM_NUM)) {
        fail_at(p, args[0]->pos,
                "type mismatch: formatDateTime(time, pattern) needs a number (milliseconds) "
                "first, not %s", type_name(args[0]->types & ~TM_NULL));
        return NULL;
    }
    /* secret('alias'): a literal alias must be known when the flow loads */
    if (nargs && fn->impl && p->x->env.secret_at_load && args[0]->kind == N_LIT &&
        (strcmp(fn->name, "secret") == 0 || strcmp(fn->name, "wso2-vault") == 0)) {
        char *alias = strndup(args[0]->lit.u.s.p, args[0]->lit.u.s.n);
        const char *v = alias ? p->x->env.secret_at_load(p->x->env.ud, alias) : NULL;
        if (!v) {
            fail_at(p, args[0]->pos, "vault alias '%s' not found (not in the secrets file, "
                    "--secrets FILE, nor an environment variable)", alias ? alias : "");
            free(alias);
            return NULL;
        }
        free(alias);
    }
    /* xpath('literal'): the XPath compiles now, with the namespaces in scope */
    if (nargs && strcmp(fn->name, "xpath") == 0 && args[0]->kind == N_LIT) {
        mc_err xerr = {0};
        char *xp = strndup(args[0]->lit.u.s.p, args[0]->lit.u.s.n);
        mc_expr *xe = xp ? mc_expr_compile(xp, p->x->ns, p->x->nns, &xerr) : NULL;
        free(xp);
        if (!xe) {
            fail_at(p, args[0]->pos, "xpath(): %s", xerr.msg[0] ? xerr.msg : "out of memory");
            return NULL;
        }
        if (!own(p, xe, free_expr)) {
            mc_expr_free(xe);
            fail_at(p, at, "out of memory");
            return NULL;
        }
        n->cache = xe;
    }
    n->types = fn->ret;
    n->end = (uint32_t)p->t.pos;
    return with_path(p, n, TM_DATA);
}

static sx_node *root_node(ps *p, sx_kind k, size_t at, uint8_t op, const char *root)
{
    size_t len;
    const char *name = parse_name(p, root, &len);
    if (!name)
        return NULL;
    sx_node *n = new_node(p, k, at);
    if (!n)
        return NULL;
    n->op = op;
    n->name = name;
    n->types = TM_TEXT;
    n->end = (uint32_t)p->t.pos;
    return n;
}

/* A scope or kind word after a root: .synapse, .queryParams, ... */
static bool sub_word(ps *p, const char *w)
{
    if (p->t.k != T_DOT)
        return false;
    size_t save = p->pos;
    tok st = p->t;
    next(p);
    if (word_is(p, &p->t, w)) {
        next(p);
        return true;
    }
    p->pos = save;
    p->t = st;
    return false;
}

/* An access expression or a function call (also what a filter embeds). */
static sx_node *parse_access(ps *p)
{
    size_t at = p->t.pos;
    if (p->t.k == T_DOLLAR) {
        next(p);
        sx_node *n = new_node(p, N_PAYLOAD, at);
        if (n)
            n->types = TM_DATA;
        return with_path(p, n, TM_DATA);
    }
    if (p->t.k != T_ID) {
        char d[40];
        fail_at(p, at, "expected a value but found %s", tok_desc(p, d, sizeof d));
        return NULL;
    }
    size_t j = p->t.end;
    while (j < p->n && (p->s[j] == ' ' || p->s[j] == '\t' || p->s[j] == '\n'))
        j++;
    if (j < p->n && p->s[j] == '(')
        return parse_call(p);
    if (word_is(p, &p->t, "payload")) {
        next(p);
        sx_node *n = new_node(p, N_PAYLOAD, at);
        if (n)
            n->types = TM_DATA;
        return with_path(p, n, TM_DATA);
    }
    if (word_is(p, &p->t, "vars") || word_is(p, &p->t, "var")) {
        next(p);
        sx_node *n = root_node(p, N_VAR, at, 0, "vars");
        if (n)
            n->types = TM_ANY;
        return with_path(p, n, TM_DATA);
    }
    if (word_is(p, &p->t, "headers")) {
        next(p);
        return root_node(p, N_HEADER, at, 0, "headers");
    }
    if (word_is(p, &p->t, "props") || word_is(p, &p->t, "properties")) {
        next(p);
        uint8_t scope = MC_SCOPE_DEFAULT;
        if (sub_word(p, "axis2"))
            scope = MC_SCOPE_AXIS2;
        else
            sub_word(p, "synapse");
        return root_node(p, N_PROP, at, scope, "props.synapse");
    }
    if (word_is(p, &p->t, "params")) {
        next(p);
        uint8_t kind;
        if (sub_word(p, "queryParams"))
            kind = PARAM_QUERY;
        else if (sub_word(p, "pathParams") || sub_word(p, "uriParams"))
            kind = PARAM_PATH;
        else if (sub_word(p, "functionParams"))
            kind = PARAM_FUNC;
        else {
            fail_at(p, p->t.pos, "params takes queryParams, pathParams or functionParams "
                                 "(params.queryParams.name)");
            return NULL;
        }
        return root_node(p, N_PARAM, at, kind, "params");
    }
    if (word_is(p, &p->t, "configs") || word_is(p, &p->t, "config")) {
        next(p);
        return root_node(p, N_CONFIG, at, 0, "configs");
    }
    char nm[64];
    size_t len = p->t.end - p->t.pos;
    snprintf(nm, sizeof nm, "%.*s", (int)(len < 63 ? len : 63), p->s + at);
    static const char *const roots[] = {"payload", "vars", "headers", "props",
                                        "properties", "params", "configs", "true",
                                        "false", "null"};
    const char *near = mc_closest(nm, roots, sizeof roots / sizeof *roots);
    if (near)
        fail_at(p, at, "unknown name '%s'; did you mean '%s'?", nm, near);
    else
        fail_at(p, at, "unknown name '%s' (expressions start with payload, $, vars, "
                       "headers, props, params, configs, a literal or a function)", nm);
    return NULL;
}

static sx_node *parse_primary(ps *p)
{
    size_t at = p->t.pos;
    sx_node *n;
    switch (p->t.k) {
    case T_NUM:
        if (!(n = new_node(p, N_LIT, at)))
            return NULL;
        number_literal(p->s + at, p->t.end - at, &n->lit);
        n->types = TM_NUM;
        next(p);
        n->end = (uint32_t)p->t.pos;
        return n;
    case T_STR:
        if (!(n = new_node(p, N_LIT, at)))
            return NULL;
        n->lit.t = SX_STRING;
        n->lit.lit = true;
        n->lit.u.s.n = p->t.cend - p->t.cpos;
        n->lit.u.s.p = arena_text(p, p->s + p->t.cpos, n->lit.u.s.n);
        n->types = TM_STR;
        next(p);
        n->end = (uint32_t)p->t.pos;
        return n->lit.u.s.p ? n : NULL;
    case T_ID: {
        size_t j = p->t.end;
        while (j < p->n && p->s[j] == ' ')
            j++;
        bool call = j < p->n && p->s[j] == '(';
        if (!call && (word_is(p, &p->t, "true") || word_is(p, &p->t, "false"))) {
            if (!(n = new_node(p, N_LIT, at)))
                return NULL;
            n->lit.t = SX_BOOL;
            n->lit.u.b = p->s[at] == 't';
            n->types = TM_BOOL;
            next(p);
            n->end = (uint32_t)p->t.pos;
            return n;
        }
        if (!call && word_is(p, &p->t, "null")) {
            if (!(n = new_node(p, N_LIT, at)))
                return NULL;
            n->lit.t = SX_NULL;
            n->types = TM_NULL;
            next(p);
            n->end = (uint32_t)p->t.pos;
            return n;
        }
        return parse_access(p);
    }
    case T_DOLLAR:
        return parse_access(p);
    case T_LPAREN: {
        next(p);
        n = parse_expr(p); /* parse_expr counts the nesting */
        if (!n)
            return NULL;
        if (p->t.k != T_RPAREN) {
            char d[40];
            fail_at(p, p->t.pos, "expected ')' to close the '(' at offset %zu but found %s",
                    at, tok_desc(p, d, sizeof d));
            return NULL;
        }
        next(p);
        return n;
    }
    case T_LBRACK: {
        next(p);
        sx_node *items[256];
        size_t ni = 0;
        if (p->t.k != T_RBRACK) {
            for (;;) {
                if (ni == 256) {
                    fail_at(p, p->t.pos, "array literal with more than 256 items");
                    return NULL;
                }
                if (!(items[ni++] = parse_expr(p)))
                    return NULL;
                if (p->t.k != T_COMMA)
                    break;
                next(p);
            }
        }
        if (p->t.k != T_RBRACK) {
            char d[40];
            fail_at(p, p->t.pos, "expected ',' or ']' in the array at offset %zu but found %s",
                    at, tok_desc(p, d, sizeof d));
            return NULL;
        }
        next(p);
        if (!(n = new_node(p, N_ARRAY, at)))
            return NULL;
        n->nargs = (uint16_t)ni;
        n->args = ni ? mc_arena_alloc(&p->x->arena, ni * sizeof *n->args) : NULL;
        if (ni && !n->args)
            return NULL;
        if (ni)
            memcpy(n->args, items, ni * sizeof *items);
        for (size_t i = 0; i < ni; i++)
            if (!above(p, n, items[i]))
                return NULL;
        n->types = TM_JSON;
        n->end = (uint32_t)p->t.pos;
        return n;
    }
    case T_EOF:
        fail_at(p, at, "unexpected end of expression: a value is missing");
        return NULL;
    default: {
        char d[40];
        fail_at(p, at, "expected a value but found %s", tok_desc(p, d, sizeof d));
        return NULL;
    }
    }
}

static sx_node *parse_unary(ps *p)
{
    size_t at = p->t.pos;
    if (p->t.k == T_MINUS || p->t.k == T_BANG) {
        bool neg = p->t.k == T_MINUS;
        if (!enter(p))
            return NULL;
        next(p);
        /* -5 is one literal, typed as Java types "-5" */
        if (neg && p->t.k == T_NUM && p->t.pos == at + 1) {
            sx_node *n = new_node(p, N_LIT, at);
            if (!n)
                return NULL;
            number_literal(p->s + at, p->t.end - at, &n->lit);
            n->types = TM_NUM;
            next(p);
            n->end = (uint32_t)p->t.pos;
            p->depth--;
            return n;
        }
        sx_node *a = parse_unary(p);
        p->depth--;
        if (!a)
            return NULL;
        sx_node *n = new_node(p, neg ? N_NEG : N_NOT, at);
        if (!n || !above(p, n, a))
            return NULL;
        n->a = a;
        unsigned need = neg ? TM_NUM : TM_BOOL;
        if (!(a->types & need)) {
            fail_at(p, at, "type mismatch: '%c' needs %s, not %s", neg ? '-' : '!',
                    want_name(need), type_name(a->types));
            return NULL;
        }
        n->types = (uint8_t)need;
        n->end = a->end;
        return n;
    }
    return parse_primary(p);
}

static sx_node *binary(ps *p, sx_node *l, sx_binop op, size_t at, sx_node *r)
{
    if (!r)
        return NULL;
    sx_node *n = new_node(p, op == OP_AND || op == OP_OR ? N_LOGIC : N_BIN, at);
    if (!n)
        return NULL;
    n->op = (uint8_t)op;
    n->a = l;
    n->b = r;
    n->end = r->end;
    if (!above(p, n, l) || !above(p, n, r))
        return NULL;
    type_binary(p, n);
    return p->failed ? NULL : n;
}

/* The left-associative binary levels, loosest first. */
static const struct level_op {
    tkind tok;
    sx_binop op;
} levels[][7] = {
    {{T_EQ, OP_EQ}, {T_NE, OP_NE}, {T_LT, OP_LT}, {T_LE, OP_LE}, {T_GT, OP_GT},
     {T_GE, OP_GE}, {T_EOF, 0}},
    {{T_PLUS, OP_ADD}, {T_MINUS, OP_SUB}, {T_EOF, 0}},
    {{T_STAR, OP_MUL}, {T_SLASH, OP_DIV}, {T_PCT, OP_MOD}, {T_EOF, 0}},
};
#define NLEVELS (sizeof levels / sizeof *levels)

static sx_node *parse_level(ps *p, size_t level)
{
    sx_node *l = level + 1 < NLEVELS ? parse_level(p, level + 1) : parse_unary(p);
    while (l) {
        const struct level_op *o = levels[level];
        while (o->tok != T_EOF && o->tok != p->t.k)
            o++;
        if (o->tok == T_EOF)
            return l;
        size_t at = p->t.pos;
        next(p);
        sx_node *r = level + 1 < NLEVELS ? parse_level(p, level + 1) : parse_unary(p);
        l = binary(p, l, o->op, at, r);
    }
    return NULL;
}

static sx_node *parse_logical(ps *p)
{
    sx_node *l = parse_level(p, 0);
    if (!l)
        return NULL;
    sx_binop op;
    if (p->t.k == T_ANDAND || word_is(p, &p->t, "and"))
        op = OP_AND;
    else if (p->t.k == T_OROR || word_is(p, &p->t, "or"))
        op = OP_OR;
    else
        return l;
    size_t at = p->t.pos;
    if (!enter(p))
        return NULL;
    next(p);
    sx_node *r = parse_logical(p); /* MI: right-associative, one level */
    p->depth--;
    return binary(p, l, op, at, r);
}

static sx_node *parse_expr(ps *p)
{
    if (!enter(p))
        return NULL;
    sx_node *c = parse_logical(p);
    if (c && p->t.k == T_QUEST) {
        size_t at = p->t.pos;
        if (!(c->types & TM_BOOL)) {
            fail_at(p, c->pos, "type mismatch: the condition before '?' must be a boolean, "
                               "not %s", type_name(c->types));
            return NULL;
        }
        next(p);
        sx_node *t = parse_expr(p);
        if (!t)
            return NULL;
        if (p->t.k != T_COLON) {
            char d[40];
            fail_at(p, p->t.pos, "expected ':' for the '?' at offset %zu but found %s", at,
                    tok_desc(p, d, sizeof d));
            return NULL;
        }
        next(p);
        sx_node *f = parse_expr(p);
        if (!f)
            return NULL;
        sx_node *n = new_node(p, N_COND, at);
        if (!n)
            return NULL;
        n->a = c;
        n->b = t;
        n->c = f;
        if (!above(p, n, c) || !above(p, n, t) || !above(p, n, f))
            return NULL;
        n->types = (uint8_t)(t->types | f->types);
        n->end = f->end;
        c = n;
    }
    p->depth--;
    return c;
}

/* ---- public ------------------------------------------------------------- */

void mc_synexpr_free(mc_synexpr *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->nowned; i++)
        x->owned[i].destroy(x->owned[i].obj);
    free(x->owned);
    free(x->src);
    mc_arena_free(&x->arena);
    free(x);
}

mc_synexpr *mc_synexpr_compile(const char *src, size_t n, const mc_expr_opts *o,
                               mc_err *err)
{
    if (n > MAX_SOURCE) {
        mc_err_set(err, MC_EPARSE, "expression longer than %d bytes", MAX_SOURCE);
        return NULL;
    }
    mc_synexpr *x = calloc(1, sizeof *x);
    if (!x || !(x->src = malloc(n + 1))) {
        free(x);
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    memcpy(x->src, src, n);
    x->src[n] = '\0';
    x->len = n;
    mc_arena_init(&x->arena, 1024);
    if (o && o->env)
        x->env = *o->env;
    if (o && o->nns) {
        x->ns = mc_arena_alloc(&x->arena, o->nns * sizeof *x->ns);
        for (size_t i = 0; x->ns && i < o->nns; i++) {
            x->ns[i].prefix = o->ns[i].prefix ? mc_arena_strdup(&x->arena, o->ns[i].prefix) : NULL;
            x->ns[i].uri = mc_arena_strdup(&x->arena, o->ns[i].uri ? o->ns[i].uri : "");
        }
        x->nns = x->ns ? o->nns : 0;
    }
    ps p = {x->src, n, 0, {0}, 0, x, err, false, 0};
    next(&p);
    if (p.t.k == T_EOF && !p.failed) {
        fail_at(&p, 0, "empty expression");
    } else if (!p.failed) {
        x->root = parse_expr(&p);
        if (x->root && !p.failed && p.t.k != T_EOF)
            unexpected(&p, "unexpected %s%s after a complete expression", "");
    }
    if (p.failed || !x->root) {
        mc_synexpr_free(x);
        return NULL;
    }
    return x;
}

const char *mc_synexpr_source(const mc_synexpr *x) { return x->src; }
