/* number.c - strict parsing of decimal numbers from length-delimited text. */
#include "util/number.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Copy v[0..n) to tmp (NUL-terminated); false when it does not fit or
 * does not start like a decimal number. */
static bool copy_number(const char *v, size_t n, char *tmp, size_t cap)
{
    if (n == 0 || n >= cap)
        return false;
    char c = v[0] == '+' || v[0] == '-' ? (n > 1 ? v[1] : '\0') : v[0];
    if (!((c >= '0' && c <= '9') || c == '.'))
        return false;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    return true;
}

bool mc_parse_int64(const char *v, size_t n, long long *out)
{
    char tmp[32], *end;
    if (!copy_number(v, n, tmp, sizeof tmp) || strpbrk(tmp, ".eE"))
        return false;
    errno = 0;
    *out = strtoll(tmp, &end, 10);
    return *end == '\0' && errno == 0;
}

bool mc_parse_double(const char *v, size_t n, double *out)
{
    char tmp[64], *end;
    if (!copy_number(v, n, tmp, sizeof tmp) || strpbrk(tmp, "xXpP"))
        return false;
    errno = 0;
    *out = strtod(tmp, &end);
    return *end == '\0' && errno == 0 && isfinite(*out);
}

size_t mc_format_int(long long v, char out[21])
{
    char tmp[20];
    size_t i = sizeof tmp;
    unsigned long long u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
    do
        tmp[--i] = (char)('0' + u % 10);
    while ((u /= 10) && i);
    size_t n = 0;
    if (v < 0)
        out[n++] = '-';
    memcpy(out + n, tmp + i, sizeof tmp - i);
    n += sizeof tmp - i;
    out[n] = '\0';
    return n;
}
