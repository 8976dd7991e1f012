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

typedef struct mc_logger {
    int level;            /* MC_LOG_* : lines above this level are dropped */
    mc_log_sink sink;     /* NULL: stderr */
    void *userdata;
} mc_logger;

void mc_logger_init(mc_logger *lg);
int mc_log_enabled(const mc_logger *lg, int level);
void mc_log(const mc_logger *lg, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Emit an already formatted line, redacting the given secrets first. */
void mc_log_line(const mc_logger *lg, int level, const char *line,
                 const char *const *secrets, size_t nsecrets);

/* Append text to out with every occurrence of each secret (non-empty)
 * replaced by "****". */
void mc_redact(mc_buf *out, const char *text, size_t n,
               const char *const *secrets, size_t nsecrets);

/* True when a property or header name denotes a secret whose value must
 * never be printed (secretAccessKey, sessionToken, Authorization, ...). */
int mc_is_secret_name(const char *name);

#endif
