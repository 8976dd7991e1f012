/* log.c - log sinks, levels and secret redaction. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void mc_logger_init(mc_logger *lg)
{
    lg->level = MC_LOG_INFO;
    lg->sink = NULL;
    lg->userdata = NULL;
}

int mc_log_enabled(const mc_logger *lg, int level)
{
    return lg && level <= lg->level;
}

static void emit(const mc_logger *lg, int level, const char *line)
{
    if (lg->sink) {
        lg->sink(lg->userdata, level, line);
        return;
    }
    struct timespec ts;
    struct tm tm;
    char when[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    int li = level < 0 ? 0 : level > 3 ? 3 : level;
    fprintf(stderr, "%s.%03ldZ %-5s %s\n", when, ts.tv_nsec / 1000000L,
            level_names[li], line);
}

void mc_log(const mc_logger *lg, int level, const char *fmt, ...)
{
    if (!mc_log_enabled(lg, level))
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    emit(lg, level, line);
}

void mc_log_line(const mc_logger *lg, int level, const char *line,
                 const char *const *secrets, size_t nsecrets)
{
    if (!mc_log_enabled(lg, level))
        return;
    if (nsecrets == 0) {
        emit(lg, level, line);
        return;
    }
    mc_buf b = MC_BUF_INIT;
    mc_redact(&b, line, strlen(line), secrets, nsecrets);
    emit(lg, level, b.oom ? "(log line dropped: out of memory)" : mc_buf_cstr(&b));
    mc_buf_free(&b);
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
