/* javatime.c - java.time's DateTimeFormatter.ofPattern for the pattern
 * letters integration flows use, formatting and parsing LocalDateTime,
 * LocalDate and LocalTime values the way MI's formatDateTime() does
 * (ResolverStyle.SMART, English text).  Unsupported letters (zones, week
 * fields) fail rather than print something else. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "expr/sx.h"

static const char *const months[] = {"January", "February", "March", "April", "May",
    "June", "July", "August", "September", "October", "November", "December"};
static const char *const days[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
    "Friday", "Saturday", "Sunday"};

/* ISO day of week, 1 = Monday. */
static int day_of_week(int y, int m, int d)
{
    static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3)
        y -= 1;
    int w = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7; /* 0 = Sunday */
    if (w < 0)
        w += 7;
    return w == 0 ? 7 : w;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int y, int m)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : md[m - 1];
}

static int day_of_year(int y, int m, int d)
{
    int n = d;
    for (int i = 1; i < m; i++)
        n += month_days(y, i);
    return n;
}

void mc_jtime_from_millis(long long ms, mc_jtime *t)
{
    long long s = ms / 1000, r = ms % 1000;
    if (r < 0) {
        r += 1000;
        s -= 1;
    }
    time_t secs = (time_t)s;
    struct tm tm;
    localtime_r(&secs, &tm);
    *t = (mc_jtime){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                    tm.tm_sec, (long)r * 1000000L, true, true};
}

/* A pattern element: a letter run or literal text. */
typedef struct pel {
    char letter;       /* 0: literal */
    int count;
    const char *lit;
    size_t litlen;
    char litbuf[64];   /* quoted text with '' undone */
} pel;

/* Next element of pattern at *p; false at the end or on a bad pattern
 * (*bad set). */
static bool next_el(const char **p, pel *e, bool *bad)
{
    const char *s = *p;
    if (!*s)
        return false;
    e->letter = 0;
    e->count = 0;
    if (isalpha((unsigned char)*s)) {
        e->letter = *s;
        while (*s == e->letter) {
            s++;
            e->count++;
        }
    } else if (*s == '\'') {
        s++;
        size_t k = 0;
        if (*s == '\'') { /* '' is one quote */
            e->litbuf[k++] = '\'';
            s++;
        } else {
            while (*s && (*s != '\'' || s[1] == '\'')) {
                if (*s == '\'')
                    s++;
                if (k + 1 < sizeof e->litbuf)
                    e->litbuf[k++] = *s;
                s++;
            }
            if (*s != '\'') {
                *bad = true;
                return false;
            }
            s++;
        }
        e->lit = e->litbuf;
        e->litlen = k;
    } else if (*s == '#' || *s == '{' || *s == '}') {
        *bad = true;
        return false;
    } else {
        e->lit = s;
        e->litlen = 1;
        s++;
    }
    *p = s;
    return true;
}

static bool why(char *buf, size_t len, const char *fmt, char letter)
{
    if (buf)
        snprintf(buf, len, fmt, letter);
    return false;
}

static void num(mc_buf *out, long v, int width)
{
    if (v < 0) {
        mc_buf_putc(out, '-');
        v = -v;
    }
    mc_buf_printf(out, "%0*ld", width, v);
}

bool mc_jtime_format(mc_buf *out, const char *pattern, const mc_jtime *t, char *whybuf,
                     size_t whylen)
{
    const char *p = pattern;
    pel e;
    bool bad = false;
    int optional = 0;
    while (next_el(&p, &e, &bad)) {
        if (!e.letter) {
            if (e.lit[0] == '[' && e.lit != e.litbuf) {
                optional++;
                continue;
            }
            if (e.lit[0] == ']' && e.lit != e.litbuf) {
                if (!optional)
                    return why(whybuf, whylen, "unbalanced ']'", 0);
                optional--;
                continue;
            }
            mc_buf_append(out, e.lit, e.litlen);
            continue;
        }
        char L = e.letter;
        int n = e.count;
        bool date = strchr("GuyDMLdQqEe", L) != NULL, time = strchr("ahKkHmsSAnN", L) != NULL;
        if (!date && !time)
            return why(whybuf, whylen, "unsupported pattern letter '%c'", L);
        if ((date && !t->has_date) || (time && !t->has_time)) {
            if (optional)
                continue;
            return why(whybuf, whylen, "Unsupported field for '%c'", L);
        }
        int hour12 = t->hour % 12;
        switch (L) {
        case 'G':
            if (n > 5) return why(whybuf, whylen, "Too many pattern letters: %c", L);
            mc_buf_puts(out, n == 4 ? "Anno Domini" : n == 5 ? "A" : "AD");
            break;
        case 'u':
        case 'y':
            if (n == 2)
                num(out, ((t->year % 100) + 100) % 100, 2);
            else
                num(out, t->year, n == 1 ? 1 : n);
            break;
        case 'D':
            if (n > 3) return why(whybuf, whylen, "Too many pattern letters: %c", L);
            num(out, day_of_year(t->year, t->month, t->day), n);
            break;
        case 'M':
        case 'L':
            if (n == 1 || n == 2) num(out, t->month, n);
            else if (n == 3) mc_buf_printf(out, "%.3s", months[t->month - 1]);
            else if (n == 4) mc_buf_puts(out, months[t->month - 1]);
            else if (n == 5) mc_buf_putc(out, months[t->month - 1][0]);
            else return why(whybuf, whylen, "Too many pattern letters: %c", L);
            break;
        case 'd':
            if (n > 2) return why(whybuf, whylen, "Too many pattern letters: %c", L);
            num(out, t->day, n);
            break;
        case 'Q':
        case 'q': {
            int q = (t->month - 1) / 3 + 1;
            static const char *const ord[] = {"1st", "2nd", "3rd", "4th"};
            if (n <= 2) num(out, q, n);
            else if (n == 3) mc_buf_printf(out, "Q%d", q);
            else if (n == 4) mc_buf_printf(out, "%s quarter", ord[q - 1]);
            else if (n == 5) num(out, q, 1);
            else return why(whybuf, whylen, "Too many pattern letters: %c", L);
            break;
        }
        case 'E': {
            const char *dn = days[day_of_week(t->year, t->month, t->day) - 1];
            if (n <= 3) mc_buf_printf(out, "%.3s", dn);
            else if (n == 4) mc_buf_puts(out, dn);
            else if (n == 5) mc_buf_putc(out, dn[0]);
            else return why(whybuf, whylen, "Too many pattern letters: %c", L);
            break;
        }
        case 'e':
            return why(whybuf, whylen, "unsupported pattern letter '%c'", L);
        case 'a':
            if (n > 1) return why(whybuf, whylen, "Too many pattern letters: %c", L);
            mc_buf_puts(out, t->hour < 12 ? "AM" : "PM");
            break;
        case 'h':
        case 'K':
        case 'k':
        case 'H':
        case 'm':
        case 's': {
            if (n > 2) return why(whybuf, whylen, "Too many pattern letters: %c", L);
            long v = L == 'h' ? (hour12 ? hour12 : 12) : L == 'K' ? hour12
                   : L == 'k' ? (t->hour ? t->hour : 24) : L == 'H' ? t->hour
                   : L == 'm' ? t->minute : t->second;
            num(out, v, n);
            break;
        }
        case 'S': {
            char frac[10];
            snprintf(frac, sizeof frac, "%09ld", t->nano);
            if (n > 9) return why(whybuf, whylen, "Too many pattern letters: %c", L);
            mc_buf_append(out, frac, (size_t)n);
            break;
        }
        case 'A':
            num(out, ((t->hour * 60L + t->minute) * 60 + t->second) * 1000 + t->nano / 1000000, n);
            break;
        case 'n':
            num(out, t->nano, n);
            break;
        case 'N':
            num(out, ((t->hour * 60L + t->minute) * 60 + t->second) * 1000000000L + t->nano, n);
            break;
        }
    }
    if (bad)
        return why(whybuf, whylen, "invalid pattern", 0);
    return !out->oom;
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct pstate {
    const char *s;
    size_t n, i;
    int year, month, day, doy, hour, hour12, ampm, minute, second;
    long nano;
} pstate;

static bool digits(pstate *st, int min, int max, long *v)
{
    size_t k = 0;
    long x = 0;
    bool neg = false;
    if (st->i < st->n && (st->s[st->i] == '-' || st->s[st->i] == '+') && max > 4)
        neg = st->s[st->i++] == '-';
    while (st->i + k < st->n && isdigit((unsigned char)st->s[st->i + k]) && (int)k < max) {
        x = x * 10 + (st->s[st->i + k] - '0');
        k++;
    }
    if ((int)k < min)
        return false;
    st->i += k;
    *v = neg ? -x : x;
    return true;
}

static bool word(pstate *st, const char *w, size_t len)
{
    if (st->i + len > st->n || memcmp(st->s + st->i, w, len) != 0)
        return false;
    st->i += len;
    return true;
}

static bool text_month(pstate *st, int n, int *month)
{
    for (int m = 0; m < 12; m++) {
        size_t len = n == 3 ? 3 : strlen(months[m]);
        if (word(st, months[m], len)) {
            *month = m + 1;
            return true;
        }
    }
    return false;
}

bool mc_jtime_parse(const char *text, size_t n, const char *pattern, mc_jtime *t)
{
    pstate st = {text, n, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0};
    const char *p = pattern;
    pel e;
    bool bad = false;
    while (next_el(&p, &e, &bad)) {
        long v;
        if (!e.letter) {
            if (e.lit != e.litbuf && (e.lit[0] == '[' || e.lit[0] == ']'))
                return false; /* optional sections are not parsed here */
            if (!word(&st, e.lit, e.litlen))
                return false;
            continue;
        }
        int c = e.count;
        bool fixed = c == 2;
        switch (e.letter) {
        case 'u':
        case 'y':
            if (c == 2) {
                if (!digits(&st, 2, 2, &v)) return false;
                st.year = 2000 + (int)v;
            } else {
                if (!digits(&st, c < 4 ? 1 : c, 19, &v)) return false;
                st.year = (int)v;
            }
            break;
        case 'M':
        case 'L':
            if (c >= 3) {
                if (c > 4 || !text_month(&st, c, &st.month)) return false;
            } else {
                if (!digits(&st, fixed ? 2 : 1, fixed ? 2 : 19, &v)) return false;
                st.month = (int)v;
            }
            break;
        case 'D':
            if (!digits(&st, c, c == 1 ? 19 : 3, &v)) return false;
            st.doy = (int)v;
            break;
        case 'E': {
            bool ok = false;
            for (int d = 0; d < 7 && !ok; d++)
                ok = word(&st, days[d], c <= 3 ? 3 : strlen(days[d]));
            if (!ok) return false;
            break;
        }
        case 'a':
            if (word(&st, "AM", 2)) st.ampm = 0;
            else if (word(&st, "PM", 2)) st.ampm = 1;
            else return false;
            break;
        case 'd': case 'H': case 'h': case 'K': case 'k': case 'm': case 's':
            if (c > 2 || !digits(&st, fixed ? 2 : 1, fixed ? 2 : 19, &v)) return false;
            switch (e.letter) {
            case 'd': st.day = (int)v; break;
            case 'H': st.hour = (int)v; break;
            case 'k': st.hour = v == 24 ? 0 : (int)v; if (v < 1 || v > 24) return false; break;
            case 'h': if (v < 1 || v > 12) return false; st.hour12 = (int)v % 12; break;
            case 'K': if (v > 11) return false; st.hour12 = (int)v; break;
            case 'm': st.minute = (int)v; break;
            default: st.second = (int)v; break;
            }
            break;
        case 'S': {
            size_t k = 0;
            long x = 0;
            while (st.i < st.n && isdigit((unsigned char)st.s[st.i]) && (int)k < c) {
                x = x * 10 + (st.s[st.i++] - '0');
                k++;
            }
            if ((int)k != c) return false;
            for (; k < 9; k++)
                x *= 10;
            st.nano = x;
            break;
        }
        default:
            return false;
        }
    }
    if (bad || st.i != st.n)
        return false;
    if (st.hour12 >= 0) {
        if (st.ampm < 0)
            return false;
        st.hour = st.hour12 + 12 * st.ampm;
    }
    memset(t, 0, sizeof *t);
    if (st.year >= 0 && st.doy > 0 && st.month < 0) {
        if (st.doy > (leap(st.year) ? 366 : 365)) return false;
        int m = 1, d = st.doy;
        while (d > month_days(st.year, m)) d -= month_days(st.year, m++);
        st.month = m;
        st.day = d;
    }
    if (st.year >= 0 && st.month >= 0 && st.day >= 0) {
        if (st.month < 1 || st.month > 12 || st.day < 1 || st.day > 31)
            return false;
        int last = month_days(st.year, st.month);
        t->year = st.year;
        t->month = st.month;
        t->day = st.day > last ? last : st.day; /* SMART */
        t->has_date = true;
    }
    if (st.hour >= 0) {
        if (st.hour > 23 || st.minute > 59 || st.second > 59)
            return false;
        t->hour = st.hour;
        t->minute = st.minute < 0 ? 0 : st.minute;
        t->second = st.second < 0 ? 0 : st.second;
        t->nano = st.nano;
        t->has_time = true;
    }
    return t->has_date || t->has_time;
}
