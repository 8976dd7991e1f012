/* js_budget.c - put the instruction budget's ticks into ES5 source (see
 * js_budget.h). */
#include "mediators/js_budget.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 512

enum frame_kind { F_OTHER, F_WHILE, F_FOR, F_PARAMS };

typedef struct frame {
    char open;              /* ( [ { */
    enum frame_kind kind;
    size_t after_open;      /* offset just after the bracket */
    int semis;              /* ';' seen directly in a for head */
    size_t semi1;           /* offset after the first ';' */
    size_t semi2;           /* offset of the second ';' */
    bool cond_tokens;       /* tokens between the two ';' */
} frame;

typedef struct insertion {
    size_t at;
    size_t seq;             /* generation order, for equal offsets */
    const char *text;
} insertion;

typedef struct lexer {
    const char *s;
    size_t n, i;
    frame stack[MAX_DEPTH];
    int depth;
    insertion *ins;
    size_t nins, capins;
    bool regex_ok;          /* a '/' here starts a regular expression */
    bool prev_dot;          /* previous token was '.' */
    int pending;            /* F_WHILE/F_FOR/F_PARAMS awaiting '(' */
    bool body_next;         /* the next '{' opens a function body */
    bool failed;
} lexer;

static void insert(lexer *lx, size_t at, const char *text)
{
    if (lx->nins == lx->capins) {
        size_t cap = lx->capins ? lx->capins * 2 : 16;
        insertion *p = realloc(lx->ins, cap * sizeof *p);
        if (!p) {
            lx->failed = true;
            return;
        }
        lx->ins = p;
        lx->capins = cap;
    }
    lx->ins[lx->nins] = (insertion){at, lx->nins, text};
    lx->nins++;
}

static bool is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
           c == '\\' || c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* Keywords after which an expression (so a regex) may follow. */
static bool expects_expression(const char *w, size_t n)
{
    static const char *const kw[] = {"return", "typeof", "instanceof", "in", "of",
        "new", "delete", "void", "throw", "case", "do", "else", "yield"};
    for (size_t k = 0; k < sizeof kw / sizeof *kw; k++)
        if (strlen(kw[k]) == n && memcmp(kw[k], w, n) == 0)
            return true;
    return false;
}

static bool word_is(const char *w, size_t n, const char *k)
{
    return strlen(k) == n && memcmp(w, k, n) == 0;
}

/* A token other than a bracket or ';' appeared (for-head bookkeeping). */
static void saw_token(lexer *lx)
{
    if (lx->depth > 0) {
        frame *f = &lx->stack[lx->depth - 1];
        if (f->kind == F_FOR && f->semis == 1)
            f->cond_tokens = true;
    }
}

static void skip_string(lexer *lx, char q)
{
    lx->i++;
    while (lx->i < lx->n && lx->s[lx->i] != q) {
        if (lx->s[lx->i] == '\\')
            lx->i++;
        else if (lx->s[lx->i] == '\n') {
            lx->failed = true;
            return;
        }
        lx->i++;
    }
    if (lx->i >= lx->n)
        lx->failed = true;
    lx->i++;
}

static void skip_regex(lexer *lx)
{
    bool in_class = false;
    lx->i++;
    while (lx->i < lx->n) {
        char c = lx->s[lx->i];
        if (c == '\n') {
            lx->failed = true;
            return;
        }
        if (c == '\\')
            lx->i++;
        else if (c == '[')
            in_class = true;
        else if (c == ']')
            in_class = false;
        else if (c == '/' && !in_class)
            break;
        lx->i++;
    }
    if (lx->i >= lx->n) {
        lx->failed = true;
        return;
    }
    lx->i++;
    while (lx->i < lx->n && is_ident_char((unsigned char)lx->s[lx->i]))
        lx->i++;
}

static void open_bracket(lexer *lx, char c)
{
    if (lx->depth == MAX_DEPTH) {
        lx->failed = true;
        return;
    }
    frame *f = &lx->stack[lx->depth++];
    memset(f, 0, sizeof *f);
    f->open = c;
    f->after_open = lx->i + 1;
    f->kind = F_OTHER;
    if (c == '(' && lx->pending != F_OTHER)
        f->kind = (enum frame_kind)lx->pending;
    if (c == '{' && lx->body_next) {
        insert(lx, lx->i + 1, MC_JS_TICK "();");
        lx->body_next = false;
    }
    lx->pending = F_OTHER;
}

static void close_bracket(lexer *lx)
{
    if (lx->depth == 0) {
        lx->failed = true;
        return;
    }
    frame *f = &lx->stack[--lx->depth];
    if (f->kind == F_WHILE) {
        insert(lx, f->after_open, MC_JS_TICK "() && (");
        insert(lx, lx->i, ")");
    } else if (f->kind == F_FOR && f->semis == 2) {
        if (f->cond_tokens) {
            insert(lx, f->semi1, MC_JS_TICK "() && (");
            insert(lx, f->semi2, ")");
        } else {
            insert(lx, f->semi1, MC_JS_TICK "()");
        }
    } else if (f->kind == F_PARAMS) {
        lx->body_next = true;
    }
}

static void word(lexer *lx, size_t start)
{
    const char *w = lx->s + start;
    size_t n = lx->i - start;
    bool keyword_ok = !lx->prev_dot;
    if (keyword_ok && (word_is(w, n, "while") || word_is(w, n, "for")))
        lx->pending = word_is(w, n, "for") ? F_FOR : F_WHILE;
    else if (keyword_ok && word_is(w, n, "function"))
        lx->pending = F_PARAMS;
    else if (lx->pending != F_PARAMS)  /* function NAME ( keeps waiting */
        lx->pending = F_OTHER;
    lx->regex_ok = keyword_ok && expects_expression(w, n);
}

static void lex(lexer *lx)
{
    while (lx->i < lx->n && !lx->failed) {
        char c = lx->s[lx->i];
        char d = lx->i + 1 < lx->n ? lx->s[lx->i + 1] : '\0';
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            lx->i++;
            continue;
        }
        if (c == '/' && d == '/') {
            while (lx->i < lx->n && lx->s[lx->i] != '\n')
                lx->i++;
            continue;
        }
        if (c == '/' && d == '*') {
            const char *end = NULL;
            for (size_t k = lx->i + 2; k + 1 < lx->n; k++)
                if (lx->s[k] == '*' && lx->s[k + 1] == '/') {
                    end = lx->s + k;
                    break;
                }
            if (!end) {
                lx->failed = true;
                return;
            }
            lx->i = (size_t)(end - lx->s) + 2;
            continue;
        }
        bool was_dot = false;
        if (c == '"' || c == '\'') {
            saw_token(lx);
            skip_string(lx, c);
            lx->regex_ok = false;
            lx->pending = lx->pending == F_PARAMS ? F_PARAMS : F_OTHER;
        } else if (c == '/' && lx->regex_ok) {
            saw_token(lx);
            skip_regex(lx);
            lx->regex_ok = false;
        } else if (is_ident_start((unsigned char)c)) {
            saw_token(lx);
            size_t start = lx->i;
            while (lx->i < lx->n && is_ident_char((unsigned char)lx->s[lx->i]))
                lx->i++;
            word(lx, start);
        } else if (c >= '0' && c <= '9') {
            saw_token(lx);
            while (lx->i < lx->n && (is_ident_char((unsigned char)lx->s[lx->i]) ||
                                     lx->s[lx->i] == '.' ||
                                     ((lx->s[lx->i] == '+' || lx->s[lx->i] == '-') &&
                                      (lx->s[lx->i - 1] == 'e' || lx->s[lx->i - 1] == 'E'))))
                lx->i++;
            lx->regex_ok = false;
            lx->pending = F_OTHER;
        } else if (c == '(' || c == '[' || c == '{') {
            if (c != '(' || lx->pending == F_OTHER)
                saw_token(lx);
            open_bracket(lx, c);
            lx->i++;
            lx->regex_ok = true;
        } else if (c == ')' || c == ']' || c == '}') {
            close_bracket(lx);
            if (lx->depth > 0)
                saw_token(lx);
            lx->i++;
            lx->regex_ok = c == '}';
            lx->pending = F_OTHER;
        } else if (c == ';') {
            if (lx->depth > 0) {
                frame *f = &lx->stack[lx->depth - 1];
                if (f->kind == F_FOR && f->semis < 2) {
                    if (f->semis++ == 0)
                        f->semi1 = lx->i + 1;
                    else
                        f->semi2 = lx->i;
                }
            }
            lx->i++;
            lx->regex_ok = true;
            lx->pending = F_OTHER;
            lx->body_next = false;
        } else {
            saw_token(lx);
            was_dot = c == '.' && !(d >= '0' && d <= '9');
            lx->i++;
            lx->regex_ok = true;
            if (lx->pending != F_PARAMS)
                lx->pending = F_OTHER;
        }
        lx->prev_dot = was_dot;
    }
}

static int by_offset(const void *a, const void *b)
{
    const insertion *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    /* same place: keep the order of generation */
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void mc_js_instrument(const char *src, size_t len, mc_buf *out)
{
    lexer *lx = calloc(1, sizeof *lx);
    if (!lx) {
        mc_buf_append(out, src, len);
        return;
    }
    lx->s = src;
    lx->n = len;
    lx->regex_ok = true;
    lx->pending = F_OTHER;
    lex(lx);
    /* when the lexer lost track, the insertions it made before that point
     * are still sound: they only wrap complete loop tests and open bodies */
    size_t limit = lx->failed ? lx->i : len;
    size_t n = 0;
    for (size_t k = 0; k < lx->nins; k++)
        if (lx->ins[k].at <= limit)
            lx->ins[n++] = lx->ins[k];
    if (n > 1)
        qsort(lx->ins, n, sizeof *lx->ins, by_offset);
    size_t pos = 0;
    for (size_t k = 0; k < n; k++) {
        mc_buf_append(out, src + pos, lx->ins[k].at - pos);
        mc_buf_puts(out, lx->ins[k].text);
        pos = lx->ins[k].at;
    }
    mc_buf_append(out, src + pos, len - pos);
    free(lx->ins);
    free(lx);
}
