/* functions.c - the one function table of both expression languages, and
 * the Synapse Expression functions (MI 4.4 PredefinedFunctionNode): string,
 * math, encoding, type checks and conversions, exists, not, date and time,
 * registry, secrets, xpath().  XPath rows name the libxml2 built-in or the
 * Synapse extension (xpath_env.c) that the XPath context registers. */
#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wctype.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <libxml/xpathInternals.h>

#include "expr/javanum.h"
#include "expr/sx.h"
#include "expr/xpath_env.h"
#include "util/codec.h"

/* ---- UTF-8 as Java's UTF-16 strings ---------------------------------- */

/* Length in bytes of the UTF-8 sequence starting with byte c (1 for a stray
 * continuation or invalid byte). */
static size_t u8len(unsigned char c)
{
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* UTF-16 units of the character at s (2 for 4-byte sequences). */
static size_t u16units(unsigned char c) { return c >= 0xF0 ? 2 : 1; }

static size_t utf16_length(const char *s, size_t n)
{
    size_t u = 0;
    for (size_t i = 0; i < n; i += u8len((unsigned char)s[i]))
        u += u16units((unsigned char)s[i]);
    return u;
}

/* Byte offset of UTF-16 index idx (n when idx is the length; SIZE_MAX when
 * beyond it). */
static size_t utf16_offset(const char *s, size_t n, size_t idx)
{
    size_t u = 0, i = 0;
    while (i < n && u < idx) {
        u += u16units((unsigned char)s[i]);
        i += u8len((unsigned char)s[i]);
    }
    return u >= idx ? (i > n ? n : i) : SIZE_MAX;
}

static size_t utf16_index(const char *s, size_t byte_off)
{
    return utf16_length(s, byte_off);
}

static bool text_arg(sx_ctx *c, const sx_val *v, const char **s, size_t *n)
{
    return sx_text(c, v, s, n);
}

static bool bool_val(sx_val *out, bool b)
{
    out->t = SX_BOOL;
    out->u.b = b;
    return true;
}

static bool int_val(sx_val *out, int64_t i)
{
    out->t = SX_INT;
    out->u.i = i;
    return true;
}

static bool dbl_val(sx_val *out, double d)
{
    out->t = SX_DOUBLE;
    out->u.d = d;
    return true;
}

/* "Invalid argument provided for NAME function[. source: X, argument1: Y]" */
static bool bad_args(sx_ctx *c, const sx_node *call, sx_val *a, size_t n)
{
    char msg[300];
    int k = snprintf(msg, sizeof msg, "Invalid argument provided for %s function", call->fn->name);
    static const char *const names[] = {"source", "argument1", "argument2"};
    for (size_t i = 0; n > 1 && i < n && i < 3 && k > 0 && (size_t)k < sizeof msg; i++) {
        const char *s;
        size_t len;
        if (!sx_text(c, &a[i], &s, &len))
            return false;
        k += snprintf(msg + k, sizeof msg - (size_t)k, "%s %s: %.*s", i ? "," : ".", names[i],
                      (int)(len > 60 ? 60 : len), s);
    }
    return sx_fail(c, "%s", msg);
}

/* ---- string functions ------------------------------------------------ */

static bool f_length(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    const char *s;
    size_t len;
    if (sx_is_string(&a[0])) {
        if (!text_arg(c, &a[0], &s, &len))
            return false;
        return int_val(out, (int64_t)utf16_length(s, len));
    }
    if (a[0].t == SX_LIST)
        return int_val(out, (int64_t)a[0].u.l.n);
    if (a[0].t == SX_JSON && sj_type(a[0].u.j) == SJ_ARRAY)
        return int_val(out, (int64_t)sj_len(a[0].u.j));
    return bad_args(c, call, a, 1);
}

static locale_t the_locale;
static pthread_once_t locale_once = PTHREAD_ONCE_INIT;
static void make_locale(void)
{
    the_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Decode one UTF-8 character (invalid bytes pass through as themselves). */
static unsigned long u8dec(const char *s, size_t n, size_t *len)
{
    unsigned char c = (unsigned char)s[0];
    size_t l = u8len(c);
    if (l == 1 || l > n) {
        *len = 1;
        return c;
    }
    unsigned long cp = c & (l == 2 ? 0x1F : l == 3 ? 0x0F : 0x07);
    for (size_t i = 1; i < l; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            *len = 1;
            return c;
        }
        cp = cp << 6 | ((unsigned char)s[i] & 0x3F);
    }
    *len = l;
    return cp;
}

static bool change_case(sx_ctx *c, const sx_node *call, sx_val *a, sx_val *out, bool upper)
{
    if (!sx_is_string(&a[0]))
        return bad_args(c, call, a, 1);
    const char *s;
    size_t n;
    if (!text_arg(c, &a[0], &s, &n))
        return false;
    pthread_once(&locale_once, make_locale);
    mc_buf b = MC_BUF_INIT;
    for (size_t i = 0; i < n;) {
        size_t l;
        unsigned long cp = u8dec(s + i, n - i, &l);
        if (cp < 0x80) {
            mc_buf_putc(&b, (char)(upper ? toupper((int)cp) : tolower((int)cp)));
        } else if (l == 1 || !the_locale) {
            mc_buf_append(&b, s + i, l);
        } else if (upper && cp == 0xDF) {
            mc_buf_puts(&b, "SS"); /* Java's full mapping of sharp s */
        } else {
            wint_t w = upper ? towupper_l((wint_t)cp, the_locale) : towlower_l((wint_t)cp, the_locale);
            mc_buf_put_utf8(&b, (unsigned long)w);
        }
        i += l;
    }
    return sx_string_buf(c, &b, out);
}

static bool f_upper(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    return change_case(c, call, a, out, true);
}

static bool f_lower(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    return change_case(c, call, a, out, false);
}

static bool f_trim(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!sx_is_string(&a[0]))
        return bad_args(c, call, a, 1);
    const char *s;
    size_t len;
    if (!text_arg(c, &a[0], &s, &len))
        return false;
    while (len && (unsigned char)*s <= ' ') {
        s++;
        len--;
    }
    while (len && (unsigned char)s[len - 1] <= ' ')
        len--;
    return sx_string(c, s, len, out);
}

static bool f_substring(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!sx_is_string(&a[0]) || !sx_is_int(&a[1]) || (n == 3 && !sx_is_int(&a[2])))
        return bad_args(c, call, a, n);
    const char *s;
    size_t len;
    if (!text_arg(c, &a[0], &s, &len))
        return false;
    int64_t from = a[1].u.i, u16 = (int64_t)utf16_length(s, len);
    int64_t to = n == 3 ? a[2].u.i : u16;
    if (n == 2 && (u16 < from || from < 0))
        return sx_fail(c, "Invalid index for subString: %lld, source string length: %lld",
                       (long long)from, (long long)u16);
    if (n == 3 && (to < 0 || from < 0 || from > to || to > u16))
        return sx_fail(c, "Invalid subString indices: start=%lld, end=%lld, string length=%lld",
                       (long long)from, (long long)to, (long long)u16);
    size_t b0 = utf16_offset(s, len, (size_t)from), b1 = utf16_offset(s, len, (size_t)to);
    return sx_string(c, s + b0, b1 - b0, out);
}

static bool two_strings(sx_ctx *c, const sx_node *call, sx_val *a, const char **s, size_t *sn,
                        const char **x, size_t *xn)
{
    if (!sx_is_string(&a[0]) || !sx_is_string(&a[1]))
        return bad_args(c, call, a, 2);
    return text_arg(c, &a[0], s, sn) && text_arg(c, &a[1], x, xn);
}

static bool f_starts(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    const char *s, *x;
    size_t sn, xn;
    if (!two_strings(c, call, a, &s, &sn, &x, &xn))
        return false;
    return bool_val(out, xn <= sn && memcmp(s, x, xn) == 0);
}

static bool f_ends(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    const char *s, *x;
    size_t sn, xn;
    if (!two_strings(c, call, a, &s, &sn, &x, &xn))
        return false;
    return bool_val(out, xn <= sn && memcmp(s + sn - xn, x, xn) == 0);
}

static const char *find(const char *s, size_t sn, const char *x, size_t xn)
{
    if (xn == 0)
        return s;
    return memmem(s, sn, x, xn);
}

static bool f_contains(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    const char *s, *x;
    size_t sn, xn;
    if (!two_strings(c, call, a, &s, &sn, &x, &xn))
        return false;
    return bool_val(out, find(s, sn, x, xn) != NULL);
}

static bool f_indexof(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (n == 3 && !sx_is_int(&a[2]))
        return bad_args(c, call, a, 3);
    const char *s, *x;
    size_t sn, xn;
    if (!two_strings(c, call, a, &s, &sn, &x, &xn))
        return false;
    size_t start = 0;
    if (n == 3 && a[2].u.i > 0) {
        start = utf16_offset(s, sn, (size_t)a[2].u.i);
        if (start == SIZE_MAX)
            return int_val(out, -1);
    }
    const char *hit = find(s + start, sn - start, x, xn);
    return int_val(out, hit ? (int64_t)utf16_index(s, (size_t)(hit - s)) : -1);
}

static bool f_charat(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!sx_is_string(&a[0]) || !sx_is_int(&a[1]))
        return bad_args(c, call, a, 2);
    const char *s;
    size_t len;
    if (!text_arg(c, &a[0], &s, &len))
        return false;
    int64_t i = a[1].u.i;
    size_t off = i >= 0 ? utf16_offset(s, len, (size_t)i) : SIZE_MAX;
    if (off == SIZE_MAX || off >= len)
        return sx_fail(c, "Invalid index provided for charAt function. source: %.*s, index: %lld",
                       (int)(len > 60 ? 60 : len), s, (long long)i);
    return sx_string(c, s + off, u8len((unsigned char)s[off]), out);
}

static bool f_replace(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!sx_is_string(&a[0]) || !sx_is_string(&a[1]) || !sx_is_string(&a[2]))
        return bad_args(c, call, a, 3);
    const char *s, *x, *y;
    size_t sn, xn, yn;
    if (!text_arg(c, &a[0], &s, &sn) || !text_arg(c, &a[1], &x, &xn) ||
        !text_arg(c, &a[2], &y, &yn))
        return false;
    mc_buf b = MC_BUF_INIT;
    if (xn == 0) {
        /* Java inserts the replacement around every character */
        mc_buf_append(&b, y, yn);
        for (size_t i = 0; i < sn;) {
            size_t l = u8len((unsigned char)s[i]);
            mc_buf_append(&b, s + i, l);
            mc_buf_append(&b, y, yn);
            i += l;
        }
        return sx_string_buf(c, &b, out);
    }
    const char *p = s, *end = s + sn, *hit;
    while ((hit = memmem(p, (size_t)(end - p), x, xn))) {
        mc_buf_append(&b, p, (size_t)(hit - p));
        mc_buf_append(&b, y, yn);
        p = hit + xn;
    }
    mc_buf_append(&b, p, (size_t)(end - p));
    return sx_string_buf(c, &b, out);
}

/* String.split(regex): Java's rules for leading and trailing empties. */
static bool f_split(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    const char *s, *re;
    size_t sn, rn;
    if (!two_strings(c, call, a, &s, &sn, &re, &rn))
        return false;
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, rn, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                                     &ec, &eo, NULL);
    if (!code) {
        PCRE2_UCHAR msg[120];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return sx_fail(c, "Invalid regular expression for split: %s", (const char *)msg);
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
    /* pieces as (start, end) byte pairs */
    size_t cap = 16, np = 0;
    size_t *pieces = md ? malloc(cap * 2 * sizeof *pieces) : NULL;
    bool ok = pieces != NULL;
    size_t from = 0, pos = 0;
    while (ok && pos <= sn) {
        int rc = pcre2_match(code, (PCRE2_SPTR)s, sn, pos, 0, md, NULL);
        if (rc < 0)
            break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t ms = ov[0], me = ov[1];
        if (me == ms) {
            /* a zero-width match: never at 0, and step past it */
            if (ms == 0 || ms >= sn) {
                pos = ms + (ms < sn ? u8len((unsigned char)s[ms]) : 1);
                continue;
            }
        } else if (ms == 0 && from == 0 && np == 0) {
            /* a positive-width match at the start gives a leading "" */
        }
        if (np == cap) {
            cap *= 2;
            size_t *g = realloc(pieces, cap * 2 * sizeof *pieces);
            if (!g) {
                ok = false;
                break;
            }
            pieces = g;
        }
        pieces[2 * np] = from;
        pieces[2 * np + 1] = ms;
        np++;
        from = me;
        pos = me > ms ? me : me + u8len((unsigned char)s[me]);
    }
    if (ok && np == 0) {
        pieces[0] = 0;
        pieces[1] = sn;
        np = 1;
    } else if (ok) {
        if (np == cap) {
            size_t *g = realloc(pieces, (cap + 1) * 2 * sizeof *pieces);
            ok = g != NULL;
            if (g)
                pieces = g;
        }
        if (ok) {
            pieces[2 * np] = from;
            pieces[2 * np + 1] = sn;
            np++;
            while (np > 0 && pieces[2 * (np - 1)] == pieces[2 * (np - 1) + 1])
                np--; /* trailing empty strings go */
        }
    }
    mc_buf b = MC_BUF_INIT;
    if (ok) {
        mc_buf_putc(&b, '[');
        for (size_t i = 0; i < np; i++) {
            if (i)
                mc_buf_putc(&b, ',');
            mc_buf_json_string(&b, s + pieces[2 * i], pieces[2 * i + 1] - pieces[2 * i]);
        }
        mc_buf_putc(&b, ']');
    }
    free(pieces);
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    if (!ok || b.oom) {
        mc_buf_free(&b);
        return sx_fail(c, "out of memory");
    }
    mc_json j = sx_parse_json(c, b.data, b.len);
    mc_buf_free(&b);
    if (!j)
        return sx_fail(c, "split: the string is not valid UTF-8");
    out->t = SX_JSON;
    out->u.j = j;
    return true;
}

/* ---- math -------------------------------------------------------------- */

static bool is_num(const sx_val *v) { return sx_is_int(v) || sx_is_double(v); }

static bool f_abs(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (sx_is_int(&a[0]))
        return int_val(out, a[0].u.i == INT32_MIN ? INT32_MIN : llabs(a[0].u.i));
    if (sx_is_double(&a[0]))
        return dbl_val(out, fabs(a[0].u.d));
    return bad_args(c, call, a, 1);
}

static bool f_ceil(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (sx_is_int(&a[0]))
        return int_val(out, a[0].u.i);
    if (sx_is_double(&a[0]))
        return dbl_val(out, ceil(a[0].u.d));
    return bad_args(c, call, a, 1);
}

static bool f_floor(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (sx_is_int(&a[0]))
        return int_val(out, a[0].u.i);
    if (sx_is_double(&a[0]))
        return dbl_val(out, floor(a[0].u.d));
    return bad_args(c, call, a, 1);
}

/* Math.round(double) cast to int, as MI does */
static int64_t java_round_int(double d)
{
    if (isnan(d))
        return 0;
    double r = floor(d + 0.5);
    long long l = r >= 9.2233720368547758e18 ? LLONG_MAX : r <= -9.2233720368547758e18 ? LLONG_MIN : (long long)r;
    return (int32_t)(uint32_t)(unsigned long long)l;
}

static bool f_round(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (n == 1) {
        if (sx_is_double(&a[0]))
            return int_val(out, java_round_int(a[0].u.d));
        if (sx_is_int(&a[0]))
            return int_val(out, a[0].u.i);
        return bad_args(c, call, a, 1);
    }
    if (sx_is_double(&a[0]) && sx_is_int(&a[1]) && a[1].u.i > 0) {
        double d;
        if (!mc_decimal_round(a[0].u.d, (int)a[1].u.i, &d))
            return bad_args(c, call, a, 2);
        return dbl_val(out, d);
    }
    if (sx_is_int(&a[0]) || sx_is_long(&a[0])) {
        *out = a[0];
        return true;
    }
    return bad_args(c, call, a, 2);
}

static bool f_sqrt(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!is_num(&a[0]))
        return bad_args(c, call, a, 1);
    return dbl_val(out, sqrt(sx_as_double(&a[0])));
}

static bool f_log(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (n == 1) {
        if (!is_num(&a[0]))
            return bad_args(c, call, a, 1);
        return dbl_val(out, log10(sx_as_double(&a[0])));
    }
    if (!is_num(&a[0]) || !is_num(&a[1]))
        return bad_args(c, call, a, 2);
    return dbl_val(out, log(sx_as_double(&a[0])) / log(sx_as_double(&a[1])));
}

static bool f_pow(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!is_num(&a[0]) || !is_num(&a[1]))
        return bad_args(c, call, a, 2);
    return dbl_val(out, pow(sx_as_double(&a[0]), sx_as_double(&a[1])));
}

/* ---- encodings ---------------------------------------------------------- */

typedef enum { CS_UTF8, CS_ASCII, CS_LATIN1, CS_UTF16, CS_UTF16BE, CS_UTF16LE, CS_BAD } charset;

static charset charset_of(const char *s, size_t n)
{
    static const struct { const char *name; charset cs; } names[] = {
        {"UTF-8", CS_UTF8}, {"UTF8", CS_UTF8}, {"US-ASCII", CS_ASCII}, {"ASCII", CS_ASCII},
        {"ISO-8859-1", CS_LATIN1}, {"ISO8859_1", CS_LATIN1}, {"LATIN1", CS_LATIN1},
        {"ISO-LATIN-1", CS_LATIN1}, {"UTF-16", CS_UTF16}, {"UTF-16BE", CS_UTF16BE},
        {"UTF-16LE", CS_UTF16LE},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i].name) == n && strncasecmp(names[i].name, s, n) == 0)
            return names[i].cs;
    return CS_BAD;
}

/* The bytes of a string in a charset (unmappable characters as '?'). */
static void encode_charset(mc_buf *b, const char *s, size_t n, charset cs)
{
    if (cs == CS_UTF8) {
        mc_buf_append(b, s, n);
        return;
    }
    if (cs == CS_UTF16)
        mc_buf_append(b, "\xFE\xFF", 2);
    for (size_t i = 0; i < n;) {
        size_t l;
        unsigned long cp = u8dec(s + i, n - i, &l);
        i += l;
        if (cs == CS_ASCII || cs == CS_LATIN1) {
            mc_buf_putc(b, (char)(cp < (cs == CS_ASCII ? 0x80u : 0x100u) ? cp : '?'));
            continue;
        }
        unsigned units[2];
        int nu = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units[0] = 0xD800 + (unsigned)(cp >> 10);
            units[1] = 0xDC00 + (unsigned)(cp & 0x3FF);
            nu = 2;
        } else {
            units[0] = (unsigned)cp;
        }
        for (int k = 0; k < nu; k++) {
            char hi = (char)(units[k] >> 8), lo = (char)(units[k] & 0xFF);
            mc_buf_putc(b, cs == CS_UTF16LE ? lo : hi);
            mc_buf_putc(b, cs == CS_UTF16LE ? hi : lo);
        }
    }
}

static bool f_b64enc(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!sx_is_string(&a[0]) || (n == 2 && !sx_is_string(&a[1])))
        return bad_args(c, call, a, n);
    const char *s, *cs = "UTF-8";
    size_t sn, csn = 5;
    if (!text_arg(c, &a[0], &s, &sn) || (n == 2 && !text_arg(c, &a[1], &cs, &csn)))
        return false;
    charset k = charset_of(cs, csn);
    if (k == CS_BAD)
        return sx_fail(c, "Invalid charset provided for base64Encode function. Charset: %.*s",
                       (int)csn, cs);
    mc_buf raw = MC_BUF_INIT, b = MC_BUF_INIT;
    encode_charset(&raw, s, sn, k);
    mc_base64_encode(&b, raw.data ? raw.data : "", raw.len);
    mc_buf_free(&raw);
    return sx_string_buf(c, &b, out);
}

/* new String(bytes): malformed UTF-8 becomes U+FFFD */
static void utf8_sanitize(mc_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        size_t l = ch < 0x80 ? 1 : (ch >= 0xC2 && ch < 0xE0) ? 2 : (ch >= 0xE0 && ch < 0xF0) ? 3
                 : (ch >= 0xF0 && ch < 0xF5) ? 4 : 0;
        bool ok = l > 0 && i + l <= n;
        for (size_t k = 1; ok && k < l; k++)
            ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
        if (ok && l == 3) {
            unsigned char c1 = (unsigned char)s[i + 1];
            ok = !(ch == 0xE0 && c1 < 0xA0) && !(ch == 0xED && c1 >= 0xA0);
        } else if (ok && l == 4) {
            unsigned char c1 = (unsigned char)s[i + 1];
            ok = !(ch == 0xF0 && c1 < 0x90) && !(ch == 0xF4 && c1 >= 0x90);
        }
        if (ok) {
            mc_buf_append(out, s + i, l);
            i += l;
        } else {
            mc_buf_puts(out, "\xEF\xBF\xBD");
            i++;
        }
    }
}

static bool f_b64dec(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!sx_is_string(&a[0]))
        return bad_args(c, call, a, 1);
    const char *s;
    size_t sn;
    if (!text_arg(c, &a[0], &s, &sn))
        return false;
    mc_buf raw = MC_BUF_INIT, b = MC_BUF_INIT;
    if (!mc_base64_decode(&raw, s, sn)) {
        mc_buf_free(&raw);
        return sx_fail(c, "Illegal base64 character in: %.*s", (int)(sn > 60 ? 60 : sn), s);
    }
    utf8_sanitize(&b, raw.data ? raw.data : "", raw.len);
    mc_buf_free(&raw);
    return sx_string_buf(c, &b, out);
}

static bool f_urlenc(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!sx_is_string(&a[0]) || (n == 2 && !sx_is_string(&a[1])))
        return bad_args(c, call, a, n);
    const char *s, *cs = "UTF-8";
    size_t sn, csn = 5;
    if (!text_arg(c, &a[0], &s, &sn) || (n == 2 && !text_arg(c, &a[1], &cs, &csn)))
        return false;
    charset k = charset_of(cs, csn);
    if (k == CS_BAD)
        return sx_fail(c, "Invalid charset provided for urlEncode function. Charset: %.*s",
                       (int)csn, cs);
    mc_buf raw = MC_BUF_INIT, enc = MC_BUF_INIT;
    encode_charset(&raw, s, sn, k == CS_UTF16 ? CS_UTF16BE : k);
    if (k == CS_UTF16) {
        /* URLEncoder writes a byte-order mark before every run it encodes */
        mc_buf tmp = MC_BUF_INIT;
        mc_buf_append(&tmp, "\xFE\xFF", 2);
        mc_buf_append(&tmp, raw.data ? raw.data : "", raw.len);
        mc_buf_free(&raw);
        raw = tmp;
    }
    mc_url_encode_form(&enc, raw.data ? raw.data : "", raw.len);
    mc_buf_free(&raw);
    /* MI: for exactly "UTF-8" (and the default) '+' -> %20 and '*' -> %2A */
    bool utf8_default = n == 1 || (csn == 5 && memcmp(cs, "UTF-8", 5) == 0);
    if (!utf8_default)
        return sx_string_buf(c, &enc, out);
    mc_buf b = MC_BUF_INIT;
    for (size_t i = 0; i < enc.len; i++) {
        if (enc.data[i] == '+')
            mc_buf_puts(&b, "%20");
        else if (enc.data[i] == '*')
            mc_buf_puts(&b, "%2A");
        else
            mc_buf_putc(&b, enc.data[i]);
    }
    mc_buf_free(&enc);
    return sx_string_buf(c, &b, out);
}

static bool f_urldec(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!sx_is_string(&a[0]))
        return bad_args(c, call, a, 1);
    const char *s;
    size_t sn;
    if (!text_arg(c, &a[0], &s, &sn))
        return false;
    mc_buf raw = MC_BUF_INIT, b = MC_BUF_INIT;
    if (!mc_url_decode(&raw, s, sn, true)) {
        mc_buf_free(&raw);
        return sx_fail(c, "URLDecoder: Illegal hex characters in escape (%%) pattern");
    }
    utf8_sanitize(&b, raw.data ? raw.data : "", raw.len);
    mc_buf_free(&raw);
    return sx_string_buf(c, &b, out);
}

/* ---- types -------------------------------------------------------------- */

static bool f_isstring(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    return bool_val(out, sx_is_string(&a[0]));
}

static bool f_isnumber(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    return bool_val(out, sx_is_int(&a[0]) || sx_is_double(&a[0]));
}

static bool f_isarray(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    return bool_val(out, sx_is_array(c, &a[0]));
}

static bool f_isobject(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    return bool_val(out, sx_is_object(c, &a[0]));
}

static bool f_string(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    const char *s;
    size_t len;
    if (!sx_text(c, &a[0], &s, &len))
        return false;
    out->t = SX_STRING;
    out->lit = true; /* already MI's string value */
    out->u.s.p = s;
    out->u.s.n = len;
    return true;
}

static bool f_integer(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (sx_is_int(&a[0]))
        return int_val(out, a[0].u.i);
    const char *s;
    size_t len;
    int32_t i;
    if (!sx_text(c, &a[0], &s, &len))
        return false;
    if (!mc_java_parse_int(s, len, &i))
        return sx_fail(c, "Invalid argument provided for integer conversion");
    return int_val(out, i);
}

static bool f_float(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (sx_is_double(&a[0]))
        return dbl_val(out, a[0].u.d);
    const char *s;
    size_t len;
    double d;
    if (!sx_text(c, &a[0], &s, &len))
        return false;
    if (!mc_java_parse_double(s, len, &d))
        return sx_fail(c, "Invalid argument provided for float conversion");
    return dbl_val(out, d);
}

static bool f_boolean(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (a[0].t == SX_BOOL)
        return bool_val(out, a[0].u.b);
    const char *s;
    size_t len;
    if (!sx_text(c, &a[0], &s, &len))
        return false;
    return bool_val(out, len == 4 && strncasecmp(s, "true", 4) == 0);
}

static bool to_json(sx_ctx *c, const sx_node *call, sx_val *a, sx_val *out, int kind)
{
    mc_json j;
    if (!sx_as_json(c, &a[0], kind, &j))
        return sx_fail(c, "Argument cannot be converted to a JSON %s",
                       kind == SJ_OBJECT ? "object" : "array");
    out->t = SX_JSON;
    out->u.j = j;
    return true;
}

static bool f_object(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    return to_json(c, call, a, out, SJ_OBJECT);
}

static bool f_array(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (a[0].t == SX_LIST) {
        *out = a[0];
        return true;
    }
    return to_json(c, call, a, out, SJ_ARRAY);
}

static bool f_exists(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    sx_val v;
    char saved[sizeof c->err];
    memcpy(saved, c->err, sizeof saved);
    bool ok = sx_eval(c, call->args[0], &v);
    memcpy(c->err, saved, sizeof saved); /* the only place errors are caught */
    return bool_val(out, ok && v.t != SX_NULL);
}

static bool f_not(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (a[0].t != SX_BOOL) {
        const char *s;
        size_t len;
        if (!sx_text(c, &a[0], &s, &len))
            return false;
        return sx_fail(c, "Value : %.*s cannot be converted to boolean", (int)len, s);
    }
    return bool_val(out, !a[0].u.b);
}

/* ---- date and time ------------------------------------------------------ */

static bool f_now(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    out->t = SX_LONG;
    out->u.i = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    return true;
}

static bool f_formatdate(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    char why[160] = "";
    const char *fmt, *s;
    size_t fn, sn;
    mc_jtime t;
    mc_buf b = MC_BUF_INIT;
    if (n == 2) {
        if (!sx_is_string(&a[1]) || !(sx_is_int(&a[0]) || sx_is_long(&a[0]) || sx_is_double(&a[0])))
            return bad_args(c, call, a, 2);
        if (!text_arg(c, &a[1], &fmt, &fn))
            return false;
        long long ms = a[0].t == SX_DOUBLE ? (long long)a[0].u.d : (long long)a[0].u.i;
        mc_jtime_from_millis(ms, &t);
        char *pat = mc_arena_strndup(&c->m->arena, fmt, fn);
        if (!pat || !mc_jtime_format(&b, pat, &t, why, sizeof why)) {
            mc_buf_free(&b);
            return sx_fail(c, "Invalid date format provided for formatDateTime function. "
                              "Format: %.*s", (int)fn, fmt);
        }
        return sx_string_buf(c, &b, out);
    }
    if (!sx_is_string(&a[0]) || !sx_is_string(&a[1]) || !sx_is_string(&a[2]))
        return bad_args(c, call, a, 3);
    const char *nf;
    size_t nfn;
    if (!text_arg(c, &a[0], &s, &sn) || !text_arg(c, &a[1], &fmt, &fn) ||
        !text_arg(c, &a[2], &nf, &nfn))
        return false;
    char *old = mc_arena_strndup(&c->m->arena, fmt, fn);
    char *neu = mc_arena_strndup(&c->m->arena, nf, nfn);
    if (!old || !neu)
        return sx_fail(c, "out of memory");
    if (!mc_jtime_format(&b, neu, &(mc_jtime){2000, 1, 1, 0, 0, 0, 0, true, true}, why,
                         sizeof why)) {
        mc_buf_free(&b);
        return sx_fail(c, "Invalid target format provided for formatDateTime function. "
                          "Format: %s", neu);
    }
    mc_buf_reset(&b);
    if (!mc_jtime_parse(s, sn, old, &t) || !mc_jtime_format(&b, neu, &t, why, sizeof why)) {
        mc_buf_free(&b);
        return sx_fail(c, "Invalid date/time or source format provided for formatDateTime "
                          "function. Source: %.*s Format: %s", (int)sn, s, old);
    }
    return sx_string_buf(c, &b, out);
}

/* ---- configuration: registry, secrets ------------------------------------ */

static bool f_registry(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!sx_is_string(&a[0]) || (n == 2 && !sx_is_string(&a[1])))
        return bad_args(c, call, a, n);
    const char *key, *prop;
    size_t kn, pn;
    if (!text_arg(c, &a[0], &key, &kn) || (n == 2 && !text_arg(c, &a[1], &prop, &pn)))
        return false;
    const mc_expr_env *env = &c->x->env;
    char *k = mc_arena_strndup(&c->m->arena, key, kn);
    if (!k)
        return sx_fail(c, "out of memory");
    if (n == 2) {
        char *p = mc_arena_strndup(&c->m->arena, prop, pn);
        mc_buf b = MC_BUF_INIT;
        if (!p || !env->registry_property || !env->registry_property(env->ud, k, p, &b)) {
            mc_buf_free(&b);
            return sx_fail(c, "Could not find the property: %.*s in the registry resource: %s",
                           (int)pn, prop, k);
        }
        return sx_string_buf(c, &b, out);
    }
    size_t len = 0;
    const char *v = env->registry ? env->registry(env->ud, k, &len) : NULL;
    if (!v)
        return sx_fail(c, "Could not find the registry resource: %s", k);
    out->t = SX_STRING;
    out->u.s.p = v;
    out->u.s.n = len;
    return true;
}

static bool f_secret(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!sx_is_string(&a[0]))
        return bad_args(c, call, a, 1);
    const char *alias;
    size_t an;
    if (!text_arg(c, &a[0], &alias, &an))
        return false;
    const mc_expr_env *env = &c->x->env;
    char *k = mc_arena_strndup(&c->m->arena, alias, an);
    const char *v = k && env->secret ? env->secret(env->ud, k) : NULL;
    if (!v)
        return sx_fail(c, "Error fetching secret value for alias: %.*s", (int)an, alias);
    mc_msg_add_secret(c->m, v); /* redacted from everything this message logs */
    out->t = SX_STRING;
    out->u.s.p = v;
    out->u.s.n = strlen(v);
    return true;
}

/* ---- xpath() ---------------------------------------------------------- */

static bool f_xpath(sx_ctx *c, const sx_node *call, sx_val *a, size_t n, sx_val *out)
{
    if (!sx_is_string(&a[0]) || (n == 2 && !sx_is_string(&a[1])))
        return bad_args(c, call, a, n);
    const char *xp, *var = NULL;
    size_t xn, vn = 0;
    if (!text_arg(c, &a[0], &xp, &xn) || (n == 2 && !text_arg(c, &a[1], &var, &vn)))
        return false;
    if (n == 2 && vn == 0)
        return sx_fail(c, "Invalid variable name provided for XPATH function");
    return sx_xpath(c, call, xp, xn, var, vn, out);
}

/* ---- the table ------------------------------------------------------------ */

#define S(name, min, max, ret, a0, a1, a2, impl) \
    {name, FN_SX, min, max, ret, {a0, a1, a2}, impl, NULL, NULL}
#define XC(name, impl) {name, FN_XPATH | FN_XPATH_FN, 0, 255, 0, {0, 0, 0}, NULL, impl, NULL}
#define X2(name, min, max, impl) \
    {name, FN_XPATH | FN_XPATH_FN | FN_XPATH2, min, max, 0, {0, 0, 0}, NULL, impl, NULL}
#define XN(name) {name, FN_XPATH | FN_NODE_TEST, 0, 1, 0, {0, 0, 0}, NULL, NULL, NULL}

static const mc_fn table[] = {
    /* Synapse Expressions (MI 4.4) */
    S("length", 1, 1, TM_NUM, TM_STR | TM_JSON, 0, 0, f_length),
    S("toUpper", 1, 1, TM_STR, TM_STR, 0, 0, f_upper),
    S("toLower", 1, 1, TM_STR, TM_STR, 0, 0, f_lower),
    S("subString", 2, 3, TM_STR, TM_STR, TM_NUM, TM_NUM, f_substring),
    S("startsWith", 2, 2, TM_BOOL, TM_STR, TM_STR, 0, f_starts),
    S("endsWith", 2, 2, TM_BOOL, TM_STR, TM_STR, 0, f_ends),
    S("contains", 2, 2, TM_BOOL, TM_STR, TM_STR, 0, f_contains),
    S("trim", 1, 1, TM_STR, TM_STR, 0, 0, f_trim),
    S("replace", 3, 3, TM_STR, TM_STR, TM_STR, TM_STR, f_replace),
    S("split", 2, 2, TM_JSON, TM_STR, TM_STR, 0, f_split),
    S("indexOf", 2, 3, TM_NUM, TM_STR, TM_STR, TM_NUM, f_indexof),
    S("charAt", 2, 2, TM_STR, TM_STR, TM_NUM, 0, f_charat),
    S("abs", 1, 1, TM_NUM, TM_NUM, 0, 0, f_abs),
    S("ceil", 1, 1, TM_NUM, TM_NUM, 0, 0, f_ceil),
    S("floor", 1, 1, TM_NUM, TM_NUM, 0, 0, f_floor),
    S("round", 1, 2, TM_NUM, TM_NUM, TM_NUM, 0, f_round),
    S("sqrt", 1, 1, TM_NUM, TM_NUM, 0, 0, f_sqrt),
    S("log", 1, 2, TM_NUM, TM_NUM, TM_NUM, 0, f_log),
    S("pow", 2, 2, TM_NUM, TM_NUM, TM_NUM, 0, f_pow),
    S("base64encode", 1, 2, TM_STR, TM_STR, TM_STR, 0, f_b64enc),
    S("base64decode", 1, 1, TM_STR, TM_STR, 0, 0, f_b64dec),
    S("urlEncode", 1, 2, TM_STR, TM_STR, TM_STR, 0, f_urlenc),
    S("urlDecode", 1, 1, TM_STR, TM_STR, 0, 0, f_urldec),
    S("isString", 1, 1, TM_BOOL, TM_ANY, 0, 0, f_isstring),
    S("isNumber", 1, 1, TM_BOOL, TM_ANY, 0, 0, f_isnumber),
    S("isArray", 1, 1, TM_BOOL, TM_ANY, 0, 0, f_isarray),
    S("isObject", 1, 1, TM_BOOL, TM_ANY, 0, 0, f_isobject),
    S("string", 1, 1, TM_STR, TM_ANY, 0, 0, f_string),
    S("integer", 1, 1, TM_NUM, TM_ANY, 0, 0, f_integer),
    S("float", 1, 1, TM_NUM, TM_ANY, 0, 0, f_float),
    S("boolean", 1, 1, TM_BOOL, TM_ANY, 0, 0, f_boolean),
    S("object", 1, 1, TM_JSON, TM_STR | TM_JSON, 0, 0, f_object),
    S("array", 1, 1, TM_JSON, TM_STR | TM_JSON, 0, 0, f_array),
    {"exists", FN_SX | FN_LAZY, 1, 1, TM_BOOL, {TM_ANY, 0, 0}, f_exists, NULL, NULL},
    S("not", 1, 1, TM_BOOL, TM_BOOL, 0, 0, f_not),
    S("now", 0, 0, TM_NUM, 0, 0, 0, f_now),
    S("formatDateTime", 2, 3, TM_STR, TM_NUM | TM_STR, TM_STR, TM_STR, f_formatdate),
    S("xpath", 1, 2, TM_STR | TM_XML, TM_STR, TM_STR, 0, f_xpath),
    S("registry", 1, 2, TM_STR, TM_STR, TM_STR, 0, f_registry),
    S("secret", 1, 1, TM_STR, TM_STR, 0, 0, f_secret),
    S("wso2-vault", 1, 1, TM_STR, TM_STR, 0, 0, f_secret),
    {"hashicorp-vault", FN_SX | FN_UNSUPPORTED, 2, 3, TM_STR, {TM_STR, TM_STR, TM_STR}, NULL,
     NULL, "mediac has no HashiCorp Vault client; use secret('alias') with a secrets file"},

    /* XPath 1.0 core functions: libxml2 implements them; also fn:NAME */
    XC("last", xmlXPathLastFunction), XC("position", xmlXPathPositionFunction),
    XC("count", xmlXPathCountFunction), XC("id", xmlXPathIdFunction),
    XC("local-name", xmlXPathLocalNameFunction),
    XC("namespace-uri", xmlXPathNamespaceURIFunction),
    {"name", FN_XPATH, 0, 1, 0, {0, 0, 0}, NULL, NULL, NULL},
    XC("string", xmlXPathStringFunction), XC("concat", xmlXPathConcatFunction),
    XC("starts-with", xmlXPathStartsWithFunction), XC("contains", xmlXPathContainsFunction),
    XC("substring-before", xmlXPathSubstringBeforeFunction),
    XC("substring-after", xmlXPathSubstringAfterFunction),
    XC("substring", xmlXPathSubstringFunction),
    XC("string-length", xmlXPathStringLengthFunction),
    XC("normalize-space", xmlXPathNormalizeFunction),
    XC("translate", xmlXPathTranslateFunction), XC("boolean", xmlXPathBooleanFunction),
    XC("not", xmlXPathNotFunction), XC("true", xmlXPathTrueFunction),
    XC("false", xmlXPathFalseFunction), XC("lang", xmlXPathLangFunction),
    XC("number", xmlXPathNumberFunction), XC("sum", xmlXPathSumFunction),
    XC("floor", xmlXPathFloorFunction), XC("ceiling", xmlXPathCeilingFunction),
    XC("round", xmlXPathRoundFunction),
    XN("node"), XN("text"), XN("comment"), XN("processing-instruction"),

    /* Synapse's XPath extension functions (xpath_env.c) */
    {"get-property", FN_XPATH, 1, 3, 0, {0, 0, 0}, NULL, mc_xpfn_get_property, NULL},
    {"base64Encode", FN_XPATH, 1, 2, 0, {0, 0, 0}, NULL, mc_xpfn_base64_encode, NULL},
    {"base64Decode", FN_XPATH, 1, 2, 0, {0, 0, 0}, NULL, mc_xpfn_base64_decode, NULL},
    {"url-encode", FN_XPATH, 1, 2, 0, {0, 0, 0}, NULL, mc_xpfn_url_encode, NULL},
    {"url-decode", FN_XPATH, 1, 2, 0, {0, 0, 0}, NULL, mc_xpfn_url_decode, NULL},
    /* XPath 2.0 functions Synapse offers under fn: */
    {"upper-case", FN_XPATH_FN, 1, 1, 0, {0, 0, 0}, NULL, mc_xpfn_upper_case, NULL},
    {"lower-case", FN_XPATH_FN, 1, 1, 0, {0, 0, 0}, NULL, mc_xpfn_lower_case, NULL},
    {"ends-with", FN_XPATH_FN, 2, 2, 0, {0, 0, 0}, NULL, mc_xpfn_ends_with, NULL},
    /* XPath 2.0 functions MI evaluates with Saxon (xpath2.c) */
    X2("matches", 2, 3, mc_xpfn_matches), X2("replace", 3, 4, mc_xpfn_replace),
    X2("tokenize", 2, 3, mc_xpfn_tokenize), X2("string-join", 1, 2, mc_xpfn_string_join),
    X2("compare", 2, 2, mc_xpfn_compare), X2("encode-for-uri", 1, 1, mc_xpfn_encode_for_uri),
    X2("iri-to-uri", 1, 1, mc_xpfn_iri_to_uri),
    X2("escape-html-uri", 1, 1, mc_xpfn_escape_html_uri),
    X2("exists", 1, 1, mc_xpfn_exists), X2("empty", 1, 1, mc_xpfn_empty),
    X2("distinct-values", 1, 1, mc_xpfn_distinct_values), X2("abs", 1, 1, mc_xpfn_abs),
    X2("min", 1, 1, mc_xpfn_min), X2("max", 1, 1, mc_xpfn_max), X2("avg", 1, 1, mc_xpfn_avg),
    X2("round-half-to-even", 1, 2, mc_xpfn_round_half_to_even),
    X2("current-dateTime", 0, 0, mc_xpfn_current_datetime),
    X2("current-date", 0, 0, mc_xpfn_current_date),
    X2("current-time", 0, 0, mc_xpfn_current_time),
    /* MI's secure vault under wso2: */
    {"vault-lookup", FN_XPATH_WSO2, 1, 3, 0, {0, 0, 0}, NULL, mc_xpfn_vault_lookup, NULL},
};

const mc_fn *mc_fn_table(size_t *n)
{
    *n = sizeof table / sizeof *table;
    return table;
}

const mc_fn *mc_fn_lookup(const char *name, size_t len, unsigned flags)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if ((table[i].flags & flags) && strlen(table[i].name) == len &&
            memcmp(table[i].name, name, len) == 0)
            return &table[i];
    return NULL;
}

size_t mc_fn_names(unsigned flags, const char **out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < sizeof table / sizeof *table && k < max; i++)
        if ((table[i].flags & flags) && !(table[i].flags & FN_NODE_TEST))
            out[k++] = table[i].name;
    return k;
}
