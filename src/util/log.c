/* log.c - log sinks, levels, the one line format of run and serve (text
 * or JSON, always timestamped, with the message's activity id), and secret
 * redaction. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {"error", "warn", "info", "debug"};

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

void mc_log_render(mc_buf *out, int format, int level, const char *activity_id,
                   const char *msg)
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
        /* a message of several lines: each line gets the prefix */
        const char *p = msg;
        do {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            mc_buf_printf(out, "%s %s ", when, lv);
            if (activity_id && *activity_id) {
                mc_buf_puts(out, "[activityid=");
                mc_buf_puts(out, activity_id);
                mc_buf_puts(out, "] ");
            }
            mc_buf_append(out, p, len);
            mc_buf_putc(out, '\n');
            p = nl ? nl + 1 : p + len;
        } while (*p);
        return;
    }
    mc_buf_printf(out, "{\"time\":\"%s\",\"level\":\"%s\"", when, lv);
    if (activity_id && *activity_id) {
        mc_buf_puts(out, ",\"activityid\":");
        mc_buf_json_string(out, activity_id, strlen(activity_id));
    }
    size_t ml = strlen(msg);
    if (ml >= 2 && msg[0] == '{' && msg[ml - 1] == '}') {
        /* fields of a line that is already a JSON object */
        if (ml > 2)
            mc_buf_putc(out, ',');
        mc_buf_append(out, msg + 1, ml - 1);
    } else {
        mc_buf_puts(out, ",\"msg\":");
        mc_buf_json_string(out, msg, ml);
        mc_buf_putc(out, '}');
    }
    mc_buf_putc(out, '\n');
}

static void emit(const mc_logger *lg, int level, const char *activity_id, const char *line)
{
    if (lg->sink) {
        lg->sink(lg->userdata, level, line);
        return;
    }
    mc_buf b = MC_BUF_INIT;
    mc_log_render(&b, lg->format, level, activity_id, line);
    if (!b.oom) {
        /* one write() per line, so lines of concurrent threads never mix */
        ssize_t w = write(STDERR_FILENO, b.data, b.len);
        (void)w;
    }
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
    if (n < (int)sizeof line) {
        emit(lg, level, NULL, line);
        return;
    }
    /* longer lines (all diagnostics of a load) are written whole */
    mc_buf b = MC_BUF_INIT;
    if (mc_buf_reserve(&b, (size_t)n)) {
        va_start(ap, fmt);
        vsnprintf(b.data, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b.len = (size_t)n;
        emit(lg, level, NULL, b.data);
    }
    mc_buf_free(&b);
}

void mc_log_line_id(const mc_logger *lg, int level, const char *activity_id,
                    const char *line, const char *const *secrets, size_t nsecrets)
{
    if (!mc_log_enabled(lg, level))
        return;
    if (nsecrets == 0) {
        emit(lg, level, activity_id, line);
        return;
    }
    mc_buf b = MC_BUF_INIT;
    mc_redact(&b, line, strlen(line), secrets, nsecrets);
    emit(lg, level, activity_id, b.oom ? "(log line dropped: out of memory)" : mc_buf_cstr(&b));
    mc_buf_free(&b);
}

void mc_log_line(const mc_logger *lg, int level, const char *line,
                 const char *const *secrets, size_t nsecrets)
{
    mc_log_line_id(lg, level, NULL, line, secrets, nsecrets);
}

/* End of the longest secret that starts at text[i], or 0 when none does. */
static size_t secret_end(const char *text, size_t n, size_t i,
                         const char *const *secrets, size_t nsecrets)
{
    size_t end = 0;
    for (size_t s = 0; s < nsecrets; s++) {
        const char *sec = secrets[s];
        size_t sl = sec ? strlen(sec) : 0;
        if (sl && sl <= n - i && memcmp(text + i, sec, sl) == 0 && i + sl > end)
            end = i + sl;
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

int mc_is_secret_name(const char *name)
{
    static const char *const names[] = {
        "secretAccessKey", "sessionToken", "Authorization",
        "X-Amz-Security-Token", "aws_secret_access_key", "aws_session_token",
        "Proxy-Authorization", "password",
    };
    if (!name)
        return 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcasecmp(name, names[i]) == 0)
            return 1;
    return 0;
}
