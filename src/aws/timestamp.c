/* timestamp.c - the timestamp forms AWS uses: ISO 8601 (what the SDKs
 * send in a query, what STS and the credential endpoints answer) and epoch
 * seconds (what they send in a JSON body). */
#include "aws/timestamp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/number.h"

static bool digits(const char *v, size_t n, size_t at, size_t count, int *out)
{
    int x = 0;
    if (at + count > n)
        return false;
    for (size_t i = at; i < at + count; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (v[i] - '0');
    }
    *out = x;
    return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool parse_iso(const char *v, size_t n, int64_t *sec, int32_t *usec)
{
    int y, mo, d, h = 0, mi = 0, s = 0;
    if (!digits(v, n, 0, 4, &y) || n < 10 || v[4] != '-' || !digits(v, n, 5, 2, &mo) ||
        v[7] != '-' || !digits(v, n, 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return false;
    size_t i = 10;
    int32_t frac = 0;
    int off = 0;
    if (i < n) {
        if ((v[i] != 'T' && v[i] != 't' && v[i] != ' ') || !digits(v, n, i + 1, 2, &h) ||
            i + 3 >= n || v[i + 3] != ':' || !digits(v, n, i + 4, 2, &mi))
            return false;
        i += 6;
        if (i < n && v[i] == ':') {
            if (!digits(v, n, i + 1, 2, &s))
                return false;
            i += 3;
        }
        if (i < n && (v[i] == '.' || v[i] == ',')) {
            int scale = 100000, dgt;
            for (i++; i < n && digits(v, n, i, 1, &dgt); i++, scale /= 10)
                frac += scale ? dgt * scale : 0;
        }
        if (i < n && (v[i] == 'Z' || v[i] == 'z')) {
            i++;
        } else if (i < n && (v[i] == '+' || v[i] == '-')) {
            int oh, om = 0;
            if (!digits(v, n, i + 1, 2, &oh))
                return false;
            size_t k = i + 3;
            if (k < n && v[k] == ':')
                k++;
            if (k < n && !digits(v, n, k, 2, &om))
                return false;
            off = (oh * 60 + om) * 60 * (v[i] == '-' ? -1 : 1);
            i = k < n ? k + 2 : k;
        }
    }
    if (i != n || h > 23 || mi > 59 || s > 60)
        return false;
    *sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off;
    *usec = frac;
    return true;
}

bool mc_aws_time_parse(const char *v, size_t n, int64_t *sec, int32_t *usec)
{
    double d;
    size_t i = n && v[0] == '-', dots = 0;
    for (; i < n && ((v[i] >= '0' && v[i] <= '9') || v[i] == '.'); i++)
        dots += v[i] == '.';
    if (n && i == n && dots <= 1 && mc_parse_double(v, n, &d) && fabs(d) < 1e13) {
        *sec = (int64_t)floor(d);
        *usec = (int32_t)llround((d - floor(d)) * 1e6);
        if (*usec >= 1000000)
            *sec += 1, *usec -= 1000000;
        return true;
    }
    return parse_iso(v, n, sec, usec);
}

void mc_aws_time_iso8601(mc_buf *out, int64_t sec, int32_t usec)
{
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    if (usec)
        mc_buf_printf(out, "%s.%06dZ", buf, (int)usec);
    else
        mc_buf_printf(out, "%sZ", buf);
}

