/* regex.c - PCRE2 wrapper with Java matches() semantics. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "expr/regex.h"

#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "util/buf.h"

struct mc_regex {
    pcre2_code *code;
    int groups;
};

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
        free(re);
    }
}

int mc_regex_groups(const mc_regex *re) { return re->groups; }

bool mc_regex_group(const mc_regex *re, const char *s, size_t n, int g,
                    const char **out, size_t *outlen)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
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
    pcre2_match_data_free(md);
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
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (!md)
        return false;
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc > 0;
}
