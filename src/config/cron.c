/* cron.c - Quartz cron expressions, as <task><trigger cron="..."/> and
 * Quartz take them: "SEC MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK [YEAR]",
 * each field *, a value, a range a-b, a list a,b and steps x/n; months
 * JAN-DEC, days of week SUN-SAT (1 = Sunday); '?' in exactly one of the
 * two day fields.  Quartz's L, W and # are refused.  Times are local, as
 * Quartz's default time zone is the server's. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/cron.h"

enum { F_SEC, F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_YEAR, NFIELDS };

static const struct {
    const char *what;
    int lo, hi;
} fields[NFIELDS] = {
    {"seconds", 0, 59},      {"minutes", 0, 59}, {"hours", 0, 23},   {"day of month", 1, 31},
    {"month", 1, 12},        {"day of week", 1, 7}, {"year", 1970, 2099},
};

static const char *const months[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                      "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const days[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

static bool set_bit(mc_cron *c, int f, int v)
{
    int i = v - fields[f].lo;
    c->bits[f][i / 64] |= 1ull << (i % 64);
    return true;
}

static bool has_bit(const mc_cron *c, int f, int v)
{
    int i = v - fields[f].lo;
    return i >= 0 && v <= fields[f].hi && (c->bits[f][i / 64] >> (i % 64) & 1);
}

/* A number or (months, days of week) a name; advances *s. */
static bool value(int f, const char **s, int *out)
{
    if (isdigit((unsigned char)**s)) {
        char *end;
        long v = strtol(*s, &end, 10);
        if (end - *s > 4)
            return false;
        *s = end;
        *out = (int)v;
        return v >= fields[f].lo && v <= fields[f].hi;
    }
    const char *const *names = f == F_MON ? months : f == F_DOW ? days : NULL;
    int n = f == F_MON ? 12 : 7;
    for (int i = 0; names && i < n; i++)
        if (strncasecmp(*s, names[i], 3) == 0) {
            *s += 3;
            *out = i + 1;
            return true;
        }
    return false;
}

static bool parse_field(mc_cron *c, int f, const char *s, size_t len, char *why, size_t cap)
{
    char buf[128];
    if (len >= sizeof buf) {
        snprintf(why, cap, "the %s field is too long", fields[f].what);
        return false;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (strcmp(buf, "?") == 0) {
        if (f != F_DOM && f != F_DOW) {
            snprintf(why, cap, "'?' is only for the day-of-month and day-of-week fields");
            return false;
        }
        c->any[f] = true;
        return true;
    }
    for (char *part = strtok(buf, ","); part; part = strtok(NULL, ",")) {
        const char *p = part;
        int lo, hi, step = 1;
        if (*p == '*') {
            lo = fields[f].lo;
            hi = fields[f].hi;
            p++;
        } else {
            if (!value(f, &p, &lo))
                goto bad;
            hi = lo;
            if (*p == '-') {
                p++;
                if (!value(f, &p, &hi) || hi < lo)
                    goto bad;
            }
        }
        if (*p == '/') {
            p++;
            char *end;
            long st = strtol(p, &end, 10);
            if (end == p || st < 1 || st > fields[f].hi)
                goto bad;
            step = (int)st;
            p = end;
            if (hi == lo)
                hi = fields[f].hi;      /* "5/15": from 5 on */
        }
        if (*p)
            goto bad;
        for (int v = lo; v <= hi; v += step)
            set_bit(c, f, v);
    }
    return true;
bad:
    snprintf(why, cap, "bad %s field '%.*s' (values %d-%d%s; L, W and # are not supported)",
             fields[f].what, (int)len, s, fields[f].lo, fields[f].hi,
             f == F_MON ? " or JAN-DEC" : f == F_DOW ? " or SUN-SAT" : "");
    return false;
}

bool mc_cron_parse(mc_cron *c, const char *expr, char *why, size_t cap)
{
    memset(c, 0, sizeof *c);
    const char *s = expr;
    int n = 0;
    while (*s) {
        while (isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        const char *start = s;
        while (*s && !isspace((unsigned char)*s))
            s++;
        if (n == NFIELDS) {
            snprintf(why, cap, "a cron expression has 6 or 7 fields, not more");
            return false;
        }
        if (!parse_field(c, n, start, (size_t)(s - start), why, cap))
            return false;
        n++;
    }
    if (n < 6) {
        snprintf(why, cap, "a cron expression has 6 or 7 fields (seconds minutes hours "
                           "day-of-month month day-of-week [year]), not %d", n);
        return false;
    }
    if (n == 6)
        parse_field(c, F_YEAR, "*", 1, why, cap);
    if (c->any[F_DOM] == c->any[F_DOW]) {
        snprintf(why, cap, "exactly one of day-of-month and day-of-week must be '?'");
        return false;
    }
    return true;
}

time_t mc_cron_next(const mc_cron *c, time_t after)
{
    struct tm day;
    localtime_r(&after, &day);
    day.tm_hour = day.tm_min = day.tm_sec = 0;
    day.tm_isdst = -1;
    for (int d = 0; d < 366 * 8; d++) {
        struct tm t = day;
        t.tm_mday += d;
        t.tm_isdst = -1;
        if (mktime(&t) == (time_t)-1)
            return 0;
        if (!has_bit(c, F_YEAR, t.tm_year + 1900) || !has_bit(c, F_MON, t.tm_mon + 1))
            continue;
        if (c->any[F_DOW] ? !has_bit(c, F_DOM, t.tm_mday) : !has_bit(c, F_DOW, t.tm_wday + 1))
            continue;
        for (int h = 0; h < 24; h++) {
            if (!has_bit(c, F_HOUR, h))
                continue;
            for (int m = 0; m < 60; m++) {
                if (!has_bit(c, F_MIN, m))
                    continue;
                for (int sec = 0; sec < 60; sec++) {
                    if (!has_bit(c, F_SEC, sec))
                        continue;
                    struct tm cand = t;
                    cand.tm_hour = h;
                    cand.tm_min = m;
                    cand.tm_sec = sec;
                    cand.tm_isdst = -1;
                    time_t when = mktime(&cand);
                    if (when > after)
                        return when;
                }
            }
        }
    }
    return 0;
}
