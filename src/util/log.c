/* log.c - log sinks, levels, the one line format of run and serve (text
 * or JSON, always timestamped, with the message's activity id), and what
 * keeps every line safe: secret redaction (by value, whatever the
 * escaping, and by name, wherever the name appears), URL userinfo removal
 * and the escaping that makes every message one line of safe text. */
#include "util/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util/codec.h"
#include "util/utf8.h"

static const char *const level_names[] = {"error", "warn", "info", "debug"};

/* Names whose values are never printed: the connector's secret parameters
 * and the credential headers.  Compared without regard to case. */
static const char *const secret_names[] = {
    "secretAccessKey", "sessionToken", "Authorization", "Proxy-Authorization",
    "Cookie", "Set-Cookie", "X-Api-Key", "X-Amz-Security-Token",
    "aws_secret_access_key", "aws_session_token", "password",
};
#define NSECRET_NAMES (sizeof secret_names / sizeof *secret_names)

void mc_logger_init(mc_logger *lg)
{
    lg->level = MC_LOG_INFO;
    lg->sink = NULL;
    lg->userdata = NULL;
    lg->format = MC_LOG_TEXT;
}

int mc_log_enabled(const mc_logger *lg, int level)
{
    return lg && level <= lg->level;
}

static void render_prefix(mc_buf *out, int format, int level, const char *activity_id)
{
    struct timespec ts;
    struct tm tm;
    char when[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof when - n, ".%03ldZ", ts.tv_nsec / 1000000L);
    const char *lv = level_names[level < 0 ? 0 : level > 3 ? 3 : level];
    if (format != MC_LOG_JSON) {
        mc_buf_printf(out, "%s %s ", when, lv);
        if (activity_id && *activity_id) {
            mc_buf_puts(out, "[activityid=");
            mc_log_escape(out, activity_id, strlen(activity_id));
            mc_buf_puts(out, "] ");
        }
        return;
    }
    mc_buf_printf(out, "{\"time\":\"%s\",\"level\":\"%s\"", when, lv);
    if (activity_id && *activity_id) {
        mc_buf_puts(out, ",\"activityid\":");
        mc_log_json_string(out, activity_id, strlen(activity_id));
    }
}

void mc_log_render(mc_buf *out, int format, int level, const char *activity_id,
                   const char *msg)
{
    render_prefix(out, format, level, activity_id);
    if (format != MC_LOG_JSON) {
        mc_buf_puts(out, msg);
    } else {
        mc_buf_puts(out, ",\"msg\":");
        mc_buf_json_string(out, msg, strlen(msg));
        mc_buf_putc(out, '}');
    }
    mc_buf_putc(out, '\n');
}

/* One write() per line, so lines of concurrent threads never mix. */
static void write_stderr(const mc_buf *b)
{
    if (!b->oom) {
        ssize_t w = write(STDERR_FILENO, b->data, b->len);
        (void)w;
    }
}

/* Every message line goes out here: secret names' values and URL
 * userinfo hidden, then escaped into one line of safe text.  Secret values
 * are hidden again after escaping: an escape such as \xff next to a
 * secret's tail would otherwise spell the secret in the output. */
static void emit_redacted(const mc_logger *lg, int level, const char *activity_id,
                          const char *line, size_t n, const char *const *secrets,
                          size_t nsecrets)
{
    mc_buf named = MC_BUF_INIT, safe = MC_BUF_INIT, last = MC_BUF_INIT;
    mc_redact_names(&named, line, n);
    mc_log_escape(&safe, named.data ? named.data : "", named.len);
    const mc_buf *out = &safe;
    if (nsecrets > 0 && !safe.oom) {
        mc_redact(&last, safe.data ? safe.data : "", safe.len, secrets, nsecrets);
        out = &last;
    }
    const char *text = named.oom || out->oom ? "(log line dropped: out of memory)"
                                             : mc_buf_cstr(out);
    if (lg->sink) {
        lg->sink(lg->userdata, level, text);
    } else {
        mc_buf b = MC_BUF_INIT;
        mc_log_render(&b, lg->format, level, activity_id, text);
        write_stderr(&b);
        mc_buf_free(&b);
    }
    mc_buf_free(&named);
    mc_buf_free(&safe);
    mc_buf_free(&last);
}

static void emit(const mc_logger *lg, int level, const char *activity_id, const char *line,
                 size_t n)
{
    emit_redacted(lg, level, activity_id, line, n, NULL, 0);
}

void mc_log_fields(const mc_logger *lg, int level, const char *activity_id,
                   const char *fields, size_t n)
{
    if (!mc_log_enabled(lg, level))
        return;
    if (lg->format != MC_LOG_JSON || lg->sink || n < 2 || fields[0] != '{' ||
        fields[n - 1] != '}') {
        emit(lg, level, activity_id, fields, n);   /* as any other line */
        return;
    }
    mc_buf b = MC_BUF_INIT;
    render_prefix(&b, MC_LOG_JSON, level, activity_id);
    if (n > 2)
        mc_buf_putc(&b, ',');
    mc_buf_append(&b, fields + 1, n - 1);
    mc_buf_putc(&b, '\n');
    write_stderr(&b);
    mc_buf_free(&b);
}

void mc_log(const mc_logger *lg, int level, const char *fmt, ...)
{
    if (!mc_log_enabled(lg, level))
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n < (int)sizeof line) {
        emit(lg, level, NULL, line, (size_t)n);
        return;
    }
    /* longer lines (all diagnostics of a load) are written whole */
    mc_buf b = MC_BUF_INIT;
    if (mc_buf_reserve(&b, (size_t)n)) {
        va_start(ap, fmt);
        vsnprintf(b.data, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b.len = (size_t)n;
        emit(lg, level, NULL, b.data, b.len);
    }
    mc_buf_free(&b);
}

void mc_log_line_id(const mc_logger *lg, int level, const char *activity_id,
                    const char *line, size_t n, const char *const *secrets,
                    size_t nsecrets)
{
    if (!mc_log_enabled(lg, level))
        return;
    if (nsecrets == 0) {
        emit(lg, level, activity_id, line, n);
        return;
    }
    mc_buf b = MC_BUF_INIT;
    mc_redact(&b, line, n, secrets, nsecrets);
    if (b.oom)
        emit(lg, level, activity_id, "(log line dropped: out of memory)", 33);
    else
        emit_redacted(lg, level, activity_id, mc_buf_cstr(&b), b.len, secrets, nsecrets);
    mc_buf_free(&b);
}

void mc_log_line(const mc_logger *lg, int level, const char *line,
                 const char *const *secrets, size_t nsecrets)
{
    mc_log_line_id(lg, level, NULL, line, strlen(line), secrets, nsecrets);
}

/* ---- escaping -------------------------------------------------------------- */

/* Code points that stay out of a log line although they are valid UTF-8:
 * C1 controls, the line and paragraph separators, bidirectional
 * overrides and isolates (they can make a line read as another). */
static bool hidden_code_point(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

static void put_hex_bytes(mc_buf *out, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char e[4] = {'\\', 'x', hex[s[i] >> 4], hex[s[i] & 15]};
        mc_buf_append(out, e, 4);
    }
}

void mc_log_escape(mc_buf *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0, i = 0;
    while (i < n) {
        unsigned char c = u[i];
        if ((c >= 0x20 && c < 0x7f && c != '\\') || c == '\t') {
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t k = c >= 0x80 ? mc_utf8_next(u + i, n - i, &cp) : 0;
        if (k && !hidden_code_point(cp)) {
            i += k;
            continue;
        }
        mc_buf_append(out, s + run, i - run);
        if (c == '\\')
            mc_buf_append(out, "\\\\", 2);
        else
            put_hex_bytes(out, u + i, k ? k : 1);
        i += k ? k : 1;
        run = i;
    }
    mc_buf_append(out, s + run, n - run);
}

void mc_log_json_string(mc_buf *out, const char *s, size_t n)
{
    mc_buf t = MC_BUF_INIT;
    mc_log_escape(&t, s, n);
    if (t.oom)
        out->oom = true;
    else
        mc_buf_json_string(out, t.data ? t.data : "", t.len);
    mc_buf_free(&t);
}

/* ---- redaction by value ------------------------------------------------------- */

/* One unit of text at s[i]: the bytes it stands for (in dec, up to 4) once
 * a JSON escape (backslash-slash, backslash-u00e9), a percent escape (%2F) or an XML
 * character reference (&#47; &amp; ...) is decoded.  Returns the text
 * bytes it takes (0 at the end). */
static size_t decode_unit(const char *s, size_t n, size_t i, unsigned char dec[4],
                          size_t *nd)
{
    static const char simple_from[] = "/\\\"'bfnrt";
    static const char simple_to[] = "/\\\"'\b\f\n\r\t";
    unsigned char c = (unsigned char)s[i];
    if (c == '\\' && i + 1 < n) {
        const char *p = strchr(simple_from, s[i + 1]);
        if (p && s[i + 1]) {
            dec[0] = (unsigned char)simple_to[p - simple_from];
            *nd = 1;
            return 2;
        }
        if (s[i + 1] == 'u' && i + 6 <= n) {
            long v = 0;
            for (int k = 0; k < 4; k++) {
                int h = mc_hex_value((unsigned char)s[i + 2 + k]);
                if (h < 0)
                    goto raw;
                v = v * 16 + h;
            }
            size_t used = 6;
            if (v >= 0xD800 && v <= 0xDBFF && i + 12 <= n && s[i + 6] == '\\' &&
                s[i + 7] == 'u') {
                long lo = 0;
                for (int k = 0; k < 4 && lo >= 0; k++) {
                    int h = mc_hex_value((unsigned char)s[i + 8 + k]);
                    lo = h < 0 ? -1 : lo * 16 + h;
                }
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                    used = 12;
                }
            }
            *nd = mc_utf8_encode((uint32_t)v, dec);
            return used;
        }
    } else if (c == '%' && i + 2 < n) {
        int h = mc_hex_value((unsigned char)s[i + 1]), l = mc_hex_value((unsigned char)s[i + 2]);
        if (h >= 0 && l >= 0) {
            dec[0] = (unsigned char)(h << 4 | l);
            *nd = 1;
            return 3;
        }
    } else if (c == '&' && i + 3 < n) {
        static const struct { const char *name; char ch; } ents[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''},
        };
        for (size_t e = 0; e < sizeof ents / sizeof *ents; e++) {
            size_t el = strlen(ents[e].name);
            if (n - i >= el && memcmp(s + i, ents[e].name, el) == 0) {
                dec[0] = (unsigned char)ents[e].ch;
                *nd = 1;
                return el;
            }
        }
        if (s[i + 1] == '#') {
            bool hex = s[i + 2] == 'x' || s[i + 2] == 'X';
            size_t k = i + (hex ? 3 : 2);
            unsigned long v = 0;
            size_t digits = 0;
            while (k < n && digits < 8) {
                int d = hex ? mc_hex_value((unsigned char)s[k])
                            : (s[k] >= '0' && s[k] <= '9' ? s[k] - '0' : -1);
                if (d < 0)
                    break;
                v = v * (hex ? 16 : 10) + (unsigned long)d;
                k++, digits++;
            }
            if (digits && k < n && s[k] == ';' && v < 0x80) {
                dec[0] = (unsigned char)v;
                *nd = 1;
                return k + 1 - i;
            }
        }
    }
raw:
    dec[0] = c;
    *nd = 1;
    return 1;
}

/* End of the secret sec[0..sl) read at text[i] through escapes, or 0. */
static size_t decoded_match(const char *text, size_t n, size_t i, const char *sec,
                            size_t sl)
{
    size_t j = 0;
    while (j < sl) {
        if (i >= n)
            return 0;
        unsigned char dec[4];
        size_t nd;
        size_t used = decode_unit(text, n, i, dec, &nd);
        if (nd > sl - j || memcmp(dec, sec + j, nd) != 0)
            return 0;
        j += nd;
        i += used;
    }
    return i;
}

/* End of the longest secret that starts at text[i], however it is
 * escaped there, or 0 when none does. */
static size_t secret_end(const char *text, size_t n, size_t i,
                         const char *const *secrets, size_t nsecrets)
{
    size_t end = 0;
    for (size_t s = 0; s < nsecrets; s++) {
        const char *sec = secrets[s];
        size_t sl = sec ? strlen(sec) : 0;
        if (!sl)
            continue;
        size_t e = 0;
        if (sl <= n - i && memcmp(text + i, sec, sl) == 0)
            e = i + sl;
        size_t d = decoded_match(text, n, i, sec, sl);
        if (d > e)
            e = d;
        if (e > end)
            end = e;
    }
    return end;
}

void mc_redact(mc_buf *out, const char *text, size_t n,
               const char *const *secrets, size_t nsecrets)
{
    size_t i = 0, run = 0;
    while (i < n) {
        size_t end = secret_end(text, n, i, secrets, nsecrets);
        if (!end) {
            i++;
            continue;
        }
        /* secrets overlapping this one extend the hidden span, so no byte
         * of any of them survives */
        for (size_t j = i + 1; j < end; j++) {
            size_t e = secret_end(text, n, j, secrets, nsecrets);
            if (e > end)
                end = e;
        }
        mc_buf_append(out, text + run, i - run);
        mc_buf_puts(out, "****");
        i = run = end;
    }
    mc_buf_append(out, text + run, n - run);
}

/* ---- redaction by name ---------------------------------------------------------- */

int mc_is_secret_name(const char *name)
{
    return name && mc_is_secret_name_n(name, strlen(name));
}

int mc_is_secret_name_n(const char *name, size_t n)
{
    for (size_t i = 0; i < NSECRET_NAMES; i++)
        if (strlen(secret_names[i]) == n && strncasecmp(name, secret_names[i], n) == 0)
            return 1;
    return 0;
}

static bool name_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

static size_t skip_space(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* End of the JSON string whose opening quote is at s[i] (after its closing
 * quote), or 0 when it does not close. */
static size_t json_string_end(const char *s, size_t n, size_t i)
{
    for (size_t k = i + 1; k < n; k++) {
        if (s[k] == '\\')
            k++;
        else if (s[k] == '"')
            return k + 1;
        else if (s[k] == '\n')
            return 0;
    }
    return 0;
}

/* A JSON string key at s[i] ('"') naming a secret, followed by ':' :
 * the offset of its value, else 0. */
static size_t json_secret_key(const char *s, size_t n, size_t i)
{
    size_t end = json_string_end(s, n, i);
    if (!end || end - i > 96)
        return 0;
    char name[96];
    size_t nl = 0;
    for (size_t k = i + 1; k < end - 1;) {
        unsigned char dec[4];
        size_t nd;
        k += decode_unit(s, end - 1, k, dec, &nd);
        if (nl + nd > sizeof name)
            return 0;
        memcpy(name + nl, dec, nd);
        nl += nd;
    }
    if (!mc_is_secret_name_n(name, nl))
        return 0;
    size_t k = skip_space(s, n, end);
    if (k >= n || s[k] != ':')
        return 0;
    return skip_space(s, n, k + 1);
}

/* The value at s[v]: [*from, *to) is what to hide.  Quoted values hide
 * their inside; others run to the end of the line or of the structure
 * around them. */
static bool value_span(const char *s, size_t n, size_t v, size_t *from, size_t *to)
{
    if (v >= n)
        return false;
    if (s[v] == '"') {
        size_t end = json_string_end(s, n, v);
        if (!end)
            end = n;
        *from = v + 1;
        *to = end > v + 1 && s[end - 1] == '"' ? end - 1 : end;
        return *to > *from;
    }
    if (s[v] == '\'') {
        const char *q = memchr(s + v + 1, '\'', n - v - 1);
        *from = v + 1;
        *to = q ? (size_t)(q - s) : n;
        return *to > *from;
    }
    if (s[v] == '{' || s[v] == '[')
        return false; /* a structure: the names inside it are looked at */
    size_t k = v;
    while (k < n && !strchr("\r\n&\"'<>}]", s[k]))
        k++;
    while (k > v && (s[k - 1] == ' ' || s[k - 1] == '\t' || s[k - 1] == ','))
        k--;
    *from = v;
    *to = k;
    return k > v;
}

/* A name at s[i] in plain text (a header line, "name = value", a query
 * "name=value", an attribute): the offset of its value, else 0. */
static size_t plain_secret_key(const char *s, size_t n, size_t i)
{
    if (i > 0 && (name_char((unsigned char)s[i - 1]) || s[i - 1] == '<'))
        return 0;
    size_t k = i;
    while (k < n && name_char((unsigned char)s[k]))
        k++;
    if (k == i || !mc_is_secret_name_n(s + i, k - i))
        return 0;
    k = skip_space(s, n, k);
    if (k < n && (s[k] == '"' || s[k] == '\''))   /* 'Authorization': ... */
        k = skip_space(s, n, k + 1);
    if (k >= n || (s[k] != ':' && s[k] != '='))
        return 0;
    return skip_space(s, n, k + 1);
}

/* <name ...>value< : the offset of the value, else 0. */
static size_t xml_secret_element(const char *s, size_t n, size_t i)
{
    size_t k = i + 1, start = k;
    while (k < n && (name_char((unsigned char)s[k]) || s[k] == ':' || s[k] == '.')) {
        if (s[k] == ':')
            start = k + 1;
        k++;
    }
    if (k == start || !mc_is_secret_name_n(s + start, k - start))
        return 0;
    while (k < n && s[k] != '>' && s[k] != '<')
        k++;
    if (k >= n || s[k] != '>' || s[k - 1] == '/')
        return 0;
    return k + 1;
}

/* scheme://user:password@host -> the span of "user:password", else 0. */
static bool userinfo_span(const char *s, size_t n, size_t i, size_t *from, size_t *to)
{
    if (n - i < 3 || memcmp(s + i, "://", 3) != 0)
        return false;
    size_t k = i + 3, at = 0;
    while (k < n && !strchr("/?#\"'<> \t\r\n", s[k])) {
        if (s[k] == '@')
            at = k;
        k++;
    }
    if (!at || at == i + 3)
        return false;
    *from = i + 3;
    *to = at;
    return true;
}

void mc_redact_names(mc_buf *out, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        size_t v = 0, from = 0, to = 0;
        bool hide = false;
        if (s[i] == '"' && (v = json_secret_key(s, n, i)))
            hide = value_span(s, n, v, &from, &to);
        else if (s[i] == '<' && (v = xml_secret_element(s, n, i))) {
            const char *lt = memchr(s + v, '<', n - v);
            from = v, to = lt ? (size_t)(lt - s) : n;
            hide = to > from;
        } else if (s[i] == ':' && userinfo_span(s, n, i, &from, &to)) {
            hide = true;
        } else if (name_char((unsigned char)s[i]) && (v = plain_secret_key(s, n, i))) {
            hide = value_span(s, n, v, &from, &to);
        }
        if (!hide || (to - from >= 4 && memcmp(s + from, "****", 4) == 0))
            continue;   /* nothing there, or hidden already (the log mediator) */
        mc_buf_append(out, s + run, from - run);
        mc_buf_puts(out, "****");
        run = to;
        i = to > i ? to - 1 : i;
    }
    mc_buf_append(out, s + run, n - run);
}

void mc_url_strip_userinfo(mc_buf *out, const char *url, size_t n)
{
    const char *sep = n >= 3 ? memmem(url, n, "://", 3) : NULL;
    size_t from, to;
    if (sep && userinfo_span(url, n, (size_t)(sep - url), &from, &to)) {
        mc_buf_append(out, url, from);
        mc_buf_append(out, url + to + 1, n - to - 1);   /* past the '@' */
        return;
    }
    mc_buf_append(out, url, n);
}
