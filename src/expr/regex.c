/* regex.c - PCRE2 wrapper with Java matches() semantics.  Each thread
 * keeps one match data block for all its matches (PCRE2 keeps its
 * backtracking frames there), so a match allocates nothing. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "expr/regex.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "util/buf.h"

struct mc_regex {
    pcre2_code *code;
    int groups;
    char *literal;       /* the pattern has no metacharacter: the text it
                            matches (escapes of punctuation undone), or NULL */
    size_t literal_len;
};

/* A pattern without metacharacters matches exactly one string: its own
 * characters, a backslash before ASCII punctuation taken literally (Java,
 * ECMAScript and PCRE2 agree there).  Anything else (classes, groups,
 * quantifiers, anchors, alternation, letter escapes, \Q..\E) is left to
 * PCRE2.  Returns the literal (malloc'd) or NULL. */
static char *literal_of(const char *pattern, size_t *len)
{
    size_t n = strlen(pattern), k = 0;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)pattern[i];
        if (c == '\\') {
            unsigned char e = (unsigned char)pattern[i + 1];
            if (!e || e >= 0x80 || (e >= '0' && e <= '9') || ((e | 0x20) >= 'a' && (e | 0x20) <= 'z') ||
                e <= ' ') {
                free(out);
                return NULL;
            }
            out[k++] = (char)e;
            i++;
        } else if (strchr("^$.[]|()?*+{}", c)) {
            free(out);
            return NULL;
        } else {
            out[k++] = (char)c;
        }
    }
    out[k] = '\0';
    *len = k;
    return out;
}

static mc_regex *compile(const char *pattern, uint32_t options, mc_err *err)
{
    int ec;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF | options, &ec,
                                     &off, NULL);
    if (!code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof msg);
        mc_err_set(err, MC_EPARSE, "bad regex '%s': %s at offset %zu", pattern,
                   (const char *)msg, (size_t)off);
        return NULL;
    }
    /* Not PCRE2_MATCH_INVALID_UTF: with it, PCRE2 10.42's JIT fails \D and \W
     * on non-ASCII characters.  A subject that is not UTF-8 never matches. */
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* best effort */
    mc_regex *re = malloc(sizeof *re);
    if (!re) {
        pcre2_code_free(code);
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    uint32_t n = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
    re->code = code;
    re->groups = (int)n;
    re->literal = literal_of(pattern, &re->literal_len);
    return re;
}

mc_regex *mc_regex_compile(const char *pattern, mc_err *err)
{
    return compile(pattern, 0, err);
}

mc_regex *mc_regex_compile_ecma(const char *pattern, mc_err *err)
{
    return compile(pattern, PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY, err);
}

void mc_regex_free(mc_regex *re)
{
    if (re) {
        pcre2_code_free(re->code);
        free(re->literal);
        free(re);
    }
}

int mc_regex_groups(const mc_regex *re) { return re->groups; }

static pthread_key_t md_key;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_free(void *md) { pcre2_match_data_free(md); }
static void md_key_create(void) { pthread_key_create(&md_key, md_free); }

/* The thread's match data, with room for re's groups; NULL without memory. */
static pcre2_match_data *thread_match_data(const mc_regex *re)
{
    pthread_once(&md_once, md_key_create);
    pcre2_match_data *md = pthread_getspecific(md_key);
    uint32_t need = (uint32_t)re->groups + 1;
    if (md && pcre2_get_ovector_count(md) >= need)
        return md;
    pcre2_match_data *bigger = pcre2_match_data_create(need < 16 ? 16 : need, NULL);
    if (!bigger || pthread_setspecific(md_key, bigger) != 0) {
        pcre2_match_data_free(bigger);
        return NULL;
    }
    pcre2_match_data_free(md);
    return bigger;
}

bool mc_regex_group(const mc_regex *re, const char *s, size_t n, int g,
                    const char **out, size_t *outlen)
{
    if (re->literal) {   /* the one string it matches; valid UTF-8 as the pattern is */
        if (g != 0 || n != re->literal_len || (n && memcmp(s, re->literal, n) != 0))
            return false;
        if (out)
            *out = s;
        if (outlen)
            *outlen = n;
        return true;
    }
    pcre2_match_data *md = thread_match_data(re);
    if (!md)
        return false;
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0,
                         PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, NULL);
    bool ok = false;
    if (rc > 0 && g >= 0 && g <= re->groups) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (g < rc && ov[2 * g] != PCRE2_UNSET) {
            if (out)
                *out = s + ov[2 * g];
            if (outlen)
                *outlen = ov[2 * g + 1] - ov[2 * g];
            ok = true;
        }
    }
    return ok;
}

bool mc_regex_matches(const mc_regex *re, const char *s, size_t n)
{
    return mc_regex_group(re, s, n, 0, NULL, NULL);
}

bool mc_regex_replace_all(const mc_regex *re, const char *s, size_t n,
                          const char *replacement, mc_buf *out)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (!md) {
        out->oom = true;
        return false;
    }
    size_t at = 0;
    bool ok = true;
    while (at <= n) {
        int rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, at, 0, md, NULL);
        if (rc <= 0)
            break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        mc_buf_append(out, s + at, ov[0] - at);
        for (const char *r = replacement; *r; r++) {
            if (*r == '\\' && r[1]) {
                mc_buf_putc(out, *++r);
            } else if (*r == '$' && r[1] >= '0' && r[1] <= '9') {
                int g = 0;
                while (r[1] >= '0' && r[1] <= '9' && g * 10 + (r[1] - '0') <= re->groups)
                    g = g * 10 + (*++r - '0');
                if (g > re->groups || (g == 0 && r[0] == '$')) {
                    ok = false;
                    break;
                }
                if (g < rc && ov[2 * g] != PCRE2_UNSET)
                    mc_buf_append(out, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
            } else {
                mc_buf_putc(out, *r);
            }
        }
        if (!ok)
            break;
        if (ov[1] == ov[0]) { /* an empty match: step over one character */
            if (ov[0] < n)
                mc_buf_putc(out, s[ov[0]]);
            at = ov[0] + 1;
        } else {
            at = ov[1];
        }
    }
    if (ok && at < n)
        mc_buf_append(out, s + at, n - at);
    pcre2_match_data_free(md);
    return ok;
}

bool mc_regex_search(const mc_regex *re, const char *s, size_t n)
{
    pcre2_match_data *md = thread_match_data(re);
    if (!md)
        return false;
    return pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, md, NULL) > 0;
}

/* ---- XPath 2.0 regular expressions (fn:matches, fn:replace, fn:tokenize) --
 * F&O 7.6.1: the XML Schema regex syntax plus ^ $ anchors, reluctant
 * quantifiers and back-references.  PCRE2 matches it once the syntax PCRE2
 * has and XPath lacks is refused: (?...) groups (lookaround, options, named
 * and non-capturing groups), escapes other than XPath's, \p{IsBlock} block
 * names and \i \c (XML name classes PCRE2 has no equivalent for).  The x
 * flag removes whitespace outside character classes before compiling (PCRE2's
 * extended mode would also take '#' as a comment). */

static bool xpath_escape_ok(unsigned char e)
{
    return (e && strchr("nrt\\|.?*+(){}-[]^$sSdDwWpP", e)) || (e >= '1' && e <= '9');
}

static bool translate_xpath(const char *pattern, bool strip_ws, bool dotall, mc_buf *out,
                            char *why, size_t whylen)
{
    bool in_class = false;
    for (size_t i = 0; pattern[i]; i++) {
        unsigned char c = (unsigned char)pattern[i];
        if (strip_ws && !in_class && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
            continue;
        if (c == '\\') {
            unsigned char e = (unsigned char)pattern[i + 1];
            if (!xpath_escape_ok(e)) {
                snprintf(why, whylen, "'\\%c' is not an XPath regex escape at offset %zu",
                         e ? e : ' ', i);
                return false;
            }
            if ((e == 'p' || e == 'P') && pattern[i + 2] == '{' &&
                strncmp(pattern + i + 3, "Is", 2) == 0) {
                snprintf(why, whylen, "Unicode block names (\\%c{Is...}) are not supported, offset %zu",
                         e, i);
                return false;
            }
            if (e >= '1' && e <= '9' && in_class) {
                snprintf(why, whylen, "a back-reference inside a character class at offset %zu", i);
                return false;
            }
            i++;
            /* XPath's \s is the four XML spaces; its \w is every character
             * but punctuation, separators and others (so '_' is not one) */
            if (e == 's')
                mc_buf_puts(out, in_class ? " \\t\\n\\r" : "[ \\t\\n\\r]");
            else if (e == 'S' && !in_class)
                mc_buf_puts(out, "[^ \\t\\n\\r]");
            else if (e == 'w' && !in_class)
                mc_buf_puts(out, "[^\\p{P}\\p{Z}\\p{C}]");
            else if (e == 'W' && !in_class)
                mc_buf_puts(out, "[\\p{P}\\p{Z}\\p{C}]");
            else {
                mc_buf_putc(out, '\\');
                mc_buf_putc(out, (char)e);
            }
            continue;
        }
        if (!in_class && c == '(' && pattern[i + 1] == '?') {
            snprintf(why, whylen, "'(?' groups (lookaround, options, non-capturing) are not "
                     "XPath 2.0 regex syntax, offset %zu", i);
            return false;
        }
        if (c == '[' && in_class) {
            if (pattern[i - 1] == '-') {
                snprintf(why, whylen, "character class subtraction is not supported, offset %zu", i);
                return false;
            }
            mc_buf_puts(out, "\\[");
            continue;
        }
        if (c == '[')
            in_class = true;
        else if (c == ']' && in_class)
            in_class = false;
        else if (c == '.' && !in_class && !dotall) { /* '.' never matches \n or \r */
            mc_buf_puts(out, "[^\\n\\r]");
            continue;
        }
        mc_buf_putc(out, (char)c);
    }
    return true;
}

mc_regex *mc_regex_compile_xpath(const char *pattern, const char *flags, mc_err *err)
{
    uint32_t opts = PCRE2_UCP | PCRE2_DOLLAR_ENDONLY;
    bool strip_ws = false;
    for (const char *f = flags ? flags : ""; *f; f++) {
        switch (*f) {
        case 's': opts |= PCRE2_DOTALL; break;
        case 'm': opts |= PCRE2_MULTILINE; break;
        case 'i': opts |= PCRE2_CASELESS; break;
        case 'x': strip_ws = true; break;
        default:
            mc_err_set(err, MC_EPARSE, "invalid regex flags '%s' (XPath allows s, m, i, x)",
                       flags);
            return NULL;
        }
    }
    mc_buf pcre = {0};
    char why[160] = "";
    if (!translate_xpath(pattern, strip_ws, (opts & PCRE2_DOTALL) != 0, &pcre, why, sizeof why)) {
        mc_buf_free(&pcre);
        mc_err_set(err, MC_EPARSE, "bad regex '%s': %s", pattern, why);
        return NULL;
    }
    if (pcre.oom) {
        mc_buf_free(&pcre);
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    mc_regex *re = compile(mc_buf_cstr(&pcre), opts, err);
    mc_buf_free(&pcre);
    if (!re) {
        /* name the pattern as written, not the translation */
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        const char *at = strstr(msg, "': ");
        mc_err_set(err, MC_EPARSE, "bad regex '%s'%s", pattern, at ? at + 1 : "");
        return NULL;
    }
    free(re->literal); /* flags may change what a literal matches */
    re->literal = NULL;
    return re;
}

/* XPath regexes compiled for fn:matches/replace/tokenize while a message
 * is evaluated: a small per-thread cache keyed by the exact pattern and
 * flags, so an expression that runs for every message compiles its regex
 * once per thread rather than once per evaluation (a literal one as much
 * as one computed from the message).  Round-robin replacement; a refused
 * pattern is not cached (its error is rare and reported each time). */
#define XPATH_RE_CACHE 16

typedef struct xre_entry {
    char *pattern, *flags;
    mc_regex *re;
} xre_entry;

typedef struct xre_cache {
    unsigned next;
    xre_entry e[XPATH_RE_CACHE];
} xre_cache;

static pthread_key_t xre_key;
static pthread_once_t xre_once = PTHREAD_ONCE_INIT;
static bool xre_ok;

static void xre_free(void *p)
{
    xre_cache *c = p;
    for (unsigned i = 0; i < XPATH_RE_CACHE; i++) {
        free(c->e[i].pattern);
        free(c->e[i].flags);
        mc_regex_free(c->e[i].re);
    }
    free(c);
}

/* The key's destructor does not run for the thread that calls exit. */
static void xre_at_exit(void)
{
    xre_cache *c = pthread_getspecific(xre_key);
    if (c) {
        pthread_setspecific(xre_key, NULL);
        xre_free(c);
    }
}

static void xre_init(void)
{
    xre_ok = pthread_key_create(&xre_key, xre_free) == 0 && atexit(xre_at_exit) == 0;
}

const mc_regex *mc_regex_xpath_cached(const char *pattern, const char *flags, mc_err *err)
{
    pthread_once(&xre_once, xre_init);
    xre_cache *c = xre_ok ? pthread_getspecific(xre_key) : NULL;
    if (c)
        for (unsigned i = 0; i < XPATH_RE_CACHE; i++)
            if (c->e[i].re && strcmp(c->e[i].pattern, pattern) == 0 &&
                strcmp(c->e[i].flags, flags) == 0)
                return c->e[i].re;
    mc_regex *re = mc_regex_compile_xpath(pattern, flags, err);
    if (!re)
        return NULL;
    if (!c && xre_ok && (c = calloc(1, sizeof *c)) && pthread_setspecific(xre_key, c) != 0) {
        free(c);
        c = NULL;
    }
    char *p = c ? strdup(pattern) : NULL, *f = p ? strdup(flags) : NULL;
    if (!f) {                       /* out of memory: nothing is kept */
        free(p);
        mc_regex_free(re);
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    xre_entry *slot = &c->e[c->next];
    c->next = (c->next + 1) % XPATH_RE_CACHE;
    free(slot->pattern);
    free(slot->flags);
    mc_regex_free(slot->re);
    *slot = (xre_entry){p, f, re};
    return re;
}

bool mc_regex_matches_empty(const mc_regex *re)
{
    pcre2_match_data *md = thread_match_data(re);
    return md && pcre2_match(re->code, (PCRE2_SPTR) "", 0, 0, 0, md, NULL) > 0;
}

bool mc_regex_find(const mc_regex *re, const char *s, size_t n, size_t from,
                   size_t *start, size_t *end)
{
    pcre2_match_data *md = thread_match_data(re);
    if (!md || from > n ||
        pcre2_match(re->code, (PCRE2_SPTR)s, n, from, 0, md, NULL) <= 0)
        return false;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    *start = ov[0];
    *end = ov[1];
    return true;
}

/* F&O 7.6.3: $N is group N (the longest N not above the group count; a group
 * that took no part gives ""), \$ and \\ are literal; any other $ or \ is an
 * error (FORX0004).  Checked before any match so a bad replacement fails
 * even when nothing matches, as Saxon does. */
bool mc_regex_xpath_replacement_ok(const char *rep)
{
    for (const char *r = rep; *r; r++) {
        if (*r == '\\') {
            if (r[1] != '\\' && r[1] != '$')
                return false;
            r++;
        } else if (*r == '$' && !(r[1] >= '0' && r[1] <= '9')) {
            return false;
        }
    }
    return true;
}

bool mc_regex_replace_xpath(const mc_regex *re, const char *s, size_t n,
                            const char *rep, mc_buf *out)
{
    if (!mc_regex_xpath_replacement_ok(rep))
        return false;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (!md) {
        out->oom = true;
        return false;
    }
    size_t at = 0;
    int rc;
    while (at <= n && (rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, at, 0, md, NULL)) > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        mc_buf_append(out, s + at, ov[0] - at);
        for (const char *r = rep; *r; r++) {
            if (*r == '\\') {
                mc_buf_putc(out, *++r);
            } else if (*r == '$') {
                int g = *++r - '0';
                while (r[1] >= '0' && r[1] <= '9' && g * 10 + (r[1] - '0') <= re->groups)
                    g = g * 10 + (*++r - '0');
                if (g <= re->groups && g < rc && ov[2 * g] != PCRE2_UNSET)
                    mc_buf_append(out, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
            } else {
                mc_buf_putc(out, *r);
            }
        }
        at = ov[1]; /* never empty: callers refuse regexes that match "" */
        if (ov[1] == ov[0])
            break;
    }
    if (at < n)
        mc_buf_append(out, s + at, n - at);
    pcre2_match_data_free(md);
    return true;
}
