/* log.h - logging with secret redaction.
 *
 * A logger is a sink plus a level.  Text that may contain secrets is passed
 * through mc_redact() with the list of secret values in force (the message's
 * credentials), which replaces every occurrence with "****". */
#ifndef MC_LOG_H
#define MC_LOG_H

#include <stddef.h>

#include "mediac.h"
#include "util/buf.h"

/* Line formats of the stderr writer (one for run and serve alike):
 *   text: 2026-12-05T23:42:02.123Z info [activityid=ID] message
 *   json: {"time":"2026-12-05T23:42:02.123Z","level":"info","activityid":"ID","msg":"message"}
 * "[activityid=ID]" / "activityid" only on lines of a message that has one.
 * In json, a message that is itself a JSON object (an access line) has its
 * fields merged after time, level and activityid instead of a "msg". */
enum { MC_LOG_TEXT = 0, MC_LOG_JSON };

typedef struct mc_logger {
    int level;            /* MC_LOG_* : lines above this level are dropped */
    mc_log_sink sink;     /* NULL: stderr, rendered in `format` */
    void *userdata;
    int format;           /* MC_LOG_TEXT or MC_LOG_JSON (stderr writer) */
} mc_logger;

void mc_logger_init(mc_logger *lg);
/* Render one complete line (with its newline) in a format. */
void mc_log_render(mc_buf *out, int format, int level, const char *activity_id,
                   const char *msg);
int mc_log_enabled(const mc_logger *lg, int level);
void mc_log(const mc_logger *lg, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Emit an already formatted line, redacting the given secrets first. */
void mc_log_line(const mc_logger *lg, int level, const char *line,
                 const char *const *secrets, size_t nsecrets);
/* The same for a line of one message: activity_id (its correlation id, may
 * be NULL) goes into the line as the format says. */
void mc_log_line_id(const mc_logger *lg, int level, const char *activity_id,
                    const char *line, const char *const *secrets, size_t nsecrets);

/* Append text to out with every occurrence of each secret (non-empty)
 * replaced by "****". */
void mc_redact(mc_buf *out, const char *text, size_t n,
               const char *const *secrets, size_t nsecrets);

/* True when a property or header name denotes a secret whose value must
 * never be printed (secretAccessKey, sessionToken, Authorization, ...). */
int mc_is_secret_name(const char *name);

#endif
