/* javanum.c - Java number text and BigDecimal arithmetic (javanum.h). */
#include "expr/javanum.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmp.h>

/* Longest number text and widest scale we do exact arithmetic on: double
 * texts have at most 17 digits and exponents within +-324, literals and
 * JSON numbers rarely more; beyond these the operation fails cleanly. */
#define MAX_DIGITS 1024
#define MAX_SCALE 4096

/* ---- Double.toString ------------------------------------------------- */

size_t mc_java_double_text(double d, char out[32])
{
    if (isnan(d))
        return (size_t)snprintf(out, 32, "NaN");
    if (isinf(d))
        return (size_t)snprintf(out, 32, d < 0 ? "-Infinity" : "Infinity");
    if (d == 0)
        return (size_t)snprintf(out, 32, signbit(d) ? "-0.0" : "0.0");
    /* shortest digits that read back as d (the closest such decimal) */
    char sci[40];
    for (int prec = 0; prec < 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec, d);
        if (strtod(sci, NULL) == d)
            break;
    }
    /* sci is "[-]D[.DDD]e[+-]XX" */
    const char *p = sci;
    bool neg = *p == '-';
    if (neg)
        p++;
    char digits[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    int exp10 = atoi(p + 1); /* value = D.DDD x 10^exp10 */
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    double a = fabs(d);
    if (a >= 1e-3 && a < 1e7) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++)
                out[o++] = (size_t)i < nd ? digits[i] : '0';
            out[o++] = '.';
            if ((size_t)exp10 + 1 < nd)
                for (size_t i = (size_t)exp10 + 1; i < nd; i++)
                    out[o++] = digits[i];
            else
                out[o++] = '0';
        } else {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = -1; i > exp10; i--)
                out[o++] = '0';
            for (size_t i = 0; i < nd; i++)
                out[o++] = digits[i];
        }
        out[o] = '\0';
        return o;
    }
    out[o++] = digits[0];
    out[o++] = '.';
    if (nd > 1)
        for (size_t i = 1; i < nd; i++)
            out[o++] = digits[i];
    else
        out[o++] = '0';
    o += (size_t)snprintf(out + o, 32 - o, "E%d", exp10);
    return o;
}

/* ---- parsing --------------------------------------------------------- */

static bool parse_integer(const char *s, size_t n, long long lo, long long hi,
                          long long *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == n)
        return false;
    /* accumulate negatively so LLONG_MIN fits */
    long long v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        int dgt = s[i] - '0';
        if (v < (LLONG_MIN + dgt) / 10)
            return false;
        v = v * 10 - dgt;
    }
    if (!neg) {
        if (v == LLONG_MIN)
            return false;
        v = -v;
    }
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool mc_java_parse_int(const char *s, size_t n, int32_t *out)
{
    long long v;
    if (!parse_integer(s, n, INT32_MIN, INT32_MAX, &v))
        return false;
    *out = (int32_t)v;
    return true;
}

bool mc_java_parse_long(const char *s, size_t n, int64_t *out)
{
    long long v;
    if (!parse_integer(s, n, LLONG_MIN, LLONG_MAX, &v))
        return false;
    *out = (int64_t)v;
    return true;
}

bool mc_java_parse_double(const char *s, size_t n, double *out)
{
    while (n && (unsigned char)*s <= ' ') {
        s++;
        n--;
    }
    while (n && (unsigned char)s[n - 1] <= ' ')
        n--;
    if (n == 0 || n > 400)
        return false;
    char buf[402];
    size_t i = 0, o = 0;
    if (s[i] == '+' || s[i] == '-')
        buf[o++] = s[i++];
    size_t rest = n - i;
    if ((rest == 3 && memcmp(s + i, "NaN", 3) == 0) ||
        (rest == 8 && memcmp(s + i, "Infinity", 8) == 0)) {
        bool neg = o && buf[0] == '-';
        *out = s[i] == 'N' ? NAN : (neg ? -INFINITY : INFINITY);
        return true;
    }
    size_t digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        buf[o++] = s[i++];
        digits++;
    }
    if (i < n && s[i] == '.') {
        buf[o++] = s[i++];
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            buf[o++] = s[i++];
            digits++;
        }
    }
    if (!digits)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        buf[o++] = s[i++];
        if (i < n && (s[i] == '+' || s[i] == '-'))
            buf[o++] = s[i++];
        size_t ed = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            buf[o++] = s[i++];
            ed++;
        }
        if (!ed)
            return false;
    }
    if (i < n && strchr("fFdD", s[i]))
        i++;
    if (i != n)
        return false;
    buf[o] = '\0';
    errno = 0;
    *out = strtod(buf, NULL);
    return true;
}

/* ---- BigDecimal ------------------------------------------------------ */

typedef struct bigdec {
    mpz_t u;     /* unscaled value */
    long scale;  /* value = u x 10^-scale */
} bigdec;

static void bd_init(bigdec *b)
{
    mpz_init(b->u);
    b->scale = 0;
}

static void bd_clear(bigdec *b) { mpz_clear(b->u); }

/* new BigDecimal(text) */
static bool bd_parse(bigdec *b, const char *s, size_t n)
{
    if (n == 0 || n > MAX_DIGITS)
        return false;
    char digits[MAX_DIGITS + 2];
    size_t nd = 0, i = 0;
    bool neg = false;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    long frac = 0;
    bool dot = false;
    for (; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            digits[nd++] = s[i];
            if (dot)
                frac++;
        } else if (s[i] == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (!nd)
        return false;
    long exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        size_t ed = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ed++) {
            if (exp > MAX_SCALE * 10)
                return false;
            exp = exp * 10 + (s[i] - '0');
        }
        if (!ed)
            return false;
        if (eneg)
            exp = -exp;
    }
    if (i != n)
        return false;
    digits[nd] = '\0';
    if (mpz_set_str(b->u, digits, 10) != 0)
        return false;
    if (neg)
        mpz_neg(b->u, b->u);
    b->scale = frac - exp;
    return b->scale <= MAX_SCALE && b->scale >= -MAX_SCALE;
}

static double bd_to_double(const bigdec *b)
{
    char *txt = mpz_get_str(NULL, 10, b->u);
    if (!txt)
        return NAN;
    size_t n = strlen(txt);
    char *buf = malloc(n + 32);
    double d = NAN;
    if (buf) {
        snprintf(buf, n + 32, "%se%ld", txt, -b->scale);
        d = strtod(buf, NULL);
        free(buf);
    }
    void (*freefn)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &freefn);
    freefn(txt, n + 1);
    return d;
}

/* u := u x 10^k (k >= 0) */
static void mul_pow10(mpz_t u, unsigned long k)
{
    if (!k)
        return;
    mpz_t p;
    mpz_init(p);
    mpz_ui_pow_ui(p, 10, k);
    mpz_mul(u, u, p);
    mpz_clear(p);
}

/* q := num / den rounded HALF_UP (ties away from zero); den != 0 */
static void div_half_up(mpz_t q, const mpz_t num, const mpz_t den)
{
    mpz_t r, r2;
    mpz_inits(r, r2, NULL);
    mpz_tdiv_qr(q, r, num, den);
    mpz_abs(r2, r);
    mpz_mul_2exp(r2, r2, 1);
    mpz_t ad;
    mpz_init(ad);
    mpz_abs(ad, den);
    if (mpz_cmp(r2, ad) >= 0) {
        if (mpz_sgn(num) * mpz_sgn(den) >= 0)
            mpz_add_ui(q, q, 1);
        else
            mpz_sub_ui(q, q, 1);
    }
    mpz_clears(r, r2, ad, NULL);
}

/* Bring a and b to the same scale (the larger one) in place. */
static void align(bigdec *a, bigdec *b)
{
    if (a->scale < b->scale) {
        mul_pow10(a->u, (unsigned long)(b->scale - a->scale));
        a->scale = b->scale;
    } else if (b->scale < a->scale) {
        mul_pow10(b->u, (unsigned long)(a->scale - b->scale));
        b->scale = a->scale;
    }
}

bool mc_decimal_arith(char op, const char *as, size_t an, const char *bs,
                      size_t bn, double *out)
{
    bigdec a, b, r;
    bd_init(&a);
    bd_init(&b);
    bd_init(&r);
    bool ok = bd_parse(&a, as, an) && bd_parse(&b, bs, bn);
    if (ok && (op == '/' || op == '%') && mpz_sgn(b.u) == 0)
        ok = false;
    if (ok) {
        switch (op) {
        case '+':
        case '-':
            align(&a, &b);
            if (op == '+')
                mpz_add(r.u, a.u, b.u);
            else
                mpz_sub(r.u, a.u, b.u);
            r.scale = a.scale;
            break;
        case '*':
            mpz_mul(r.u, a.u, b.u);
            r.scale = a.scale + b.scale;
            break;
        case '/': {
            /* result scale is a's: q = a x 10^sb / b, sign-adjusted */
            mpz_t num, den;
            mpz_init_set(num, a.u);
            mpz_init_set(den, b.u);
            if (b.scale > 0)
                mul_pow10(num, (unsigned long)b.scale);
            else
                mul_pow10(den, (unsigned long)-b.scale);
            div_half_up(r.u, num, den);
            mpz_clears(num, den, NULL);
            r.scale = a.scale;
            break;
        }
        case '%':
            align(&a, &b);
            mpz_tdiv_r(r.u, a.u, b.u);
            r.scale = a.scale;
            break;
        default:
            ok = false;
        }
    }
    if (ok)
        *out = bd_to_double(&r);
    bd_clear(&a);
    bd_clear(&b);
    bd_clear(&r);
    return ok;
}

bool mc_decimal_round(double v, int places, double *out)
{
    if (!isfinite(v))
        return false;
    char txt[32];
    size_t n = mc_java_double_text(v, txt);
    bigdec a;
    bd_init(&a);
    bool ok = bd_parse(&a, txt, n) && places >= -MAX_SCALE && places <= MAX_SCALE;
    if (ok) {
        if (places >= a.scale) {
            mul_pow10(a.u, (unsigned long)(places - a.scale));
        } else {
            mpz_t den, q;
            mpz_init(den);
            mpz_init(q);
            mpz_ui_pow_ui(den, 10, (unsigned long)(a.scale - places));
            div_half_up(q, a.u, den);
            mpz_set(a.u, q);
            mpz_clears(den, q, NULL);
        }
        a.scale = places;
        *out = bd_to_double(&a);
    }
    bd_clear(&a);
    return ok;
}

/* ---- classifying JSON numbers ---------------------------------------- */

/* The common forms without big numbers: "-123" up to 18 digits, and
 * "-1.25" with at most 15 significant digits (DBL_DIG: such a decimal
 * always survives the round trip through double). */
static bool classify_fast(const char *s, size_t n, mc_jnum_kind *k, int64_t *iv, double *dv)
{
    size_t i = s[0] == '-' ? 1 : 0;
    size_t digits = 0, sig = 0, dot = 0;
    bool leading = true;
    int64_t v = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            digits++;
            if (leading && c == '0')
                continue;
            leading = false;
            sig++;
            if (!dot)
                v = v * 10 + (c - '0');
            if (sig > 18)
                return false;
        } else if (c == '.' && !dot) {
            dot = i;
        } else {
            return false; /* an exponent: the general way */
        }
    }
    if (!digits)
        return false;
    if (!dot) {
        if (s[0] == '-')
            v = -v;
        *iv = v;
        *dv = (double)v;
        *k = v >= -(int64_t)INT32_MAX && v <= INT32_MAX ? MC_JNUM_INT : MC_JNUM_LONG;
        return true;
    }
    if (sig > 15)
        return false;
    char buf[40];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *dv = strtod(buf, NULL);
    *iv = 0;
    *k = MC_JNUM_DOUBLE;
    return true;
}

mc_jnum_kind mc_java_classify_number(const char *s, size_t n, int64_t *iv,
                                     double *dv)
{
    mc_jnum_kind fast;
    if (n && classify_fast(s, n, &fast, iv, dv))
        return fast;
    bigdec a;
    bd_init(&a);
    mc_jnum_kind k = MC_JNUM_BIG;
    *iv = 0;
    *dv = 0;
    if (!bd_parse(&a, s, n))
        goto out;
    if (a.scale <= 0) {
        mul_pow10(a.u, (unsigned long)-a.scale);
        mpz_t lim;
        mpz_init_set_si(lim, INT32_MAX);
        mpz_t ab;
        mpz_init(ab);
        mpz_abs(ab, a.u);
        if (mpz_cmp(ab, lim) <= 0) {
            k = MC_JNUM_INT;
            *iv = mpz_get_si(a.u);
        } else {
            mpz_set_si(lim, LONG_MAX);
            if (mpz_cmp(ab, lim) <= 0) {
                k = MC_JNUM_LONG;
                *iv = mpz_get_si(a.u);
            }
        }
        mpz_clears(lim, ab, NULL);
        *dv = mpz_get_d(a.u);
        goto out;
    }
    /* a fraction: a double when BigDecimal.valueOf(d) equals it */
    double d = bd_to_double(&a);
    *dv = d;
    if (!isfinite(d))
        goto out;
    char txt[32];
    size_t tn = mc_java_double_text(d, txt);
    bigdec b;
    bd_init(&b);
    if (bd_parse(&b, txt, tn)) {
        align(&a, &b);
        if (mpz_cmp(a.u, b.u) == 0)
            k = MC_JNUM_DOUBLE;
    }
    bd_clear(&b);
out:
    bd_clear(&a);
    return k;
}
