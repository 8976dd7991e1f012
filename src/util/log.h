/* log.h - logging that never prints a secret or an attacker's bytes.
 *
 * A logger is a sink plus a level.  Every message line, before it reaches
 * the sink or the stderr writer, has the values of secret names hidden
 * wherever the names appear (mc_redact_names), URL userinfo hidden, and is
 * escaped into one line of safe text (mc_log_escape).  Lines written for a
 * message also have the message's secret values hidden however they were
 * escaped (mc_redact).  Hidden text becomes "****". */
#ifndef MC_LOG_H
#define MC_LOG_H

#include <stddef.h>

#include "mediac.h"
#include "util/buf.h"

/* Line formats of the stderr writer (one for run and serve alike):
 *   text: 2026-12-05T23:42:02.123Z info [activityid=ID] message
 *   json: {"time":"2026-12-05T23:42:02.123Z","level":"info","activityid":"ID","msg":"message"}
 * "[activityid=ID]" / "activityid" only on lines of a message that has one.
 * A message is always one line (mc_log_escape) and in json always a "msg"
 * string: only mc_log_fields (the access line) adds fields of its own. */
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
/* Emit an already formatted line, hiding the given secrets first. */
void mc_log_line(const mc_logger *lg, int level, const char *line,
                 const char *const *secrets, size_t nsecrets);
/* The same for line[0..n) of one message: activity_id (its correlation id,
 * may be NULL) goes into the line as the format says. */
void mc_log_line_id(const mc_logger *lg, int level, const char *activity_id,
                    const char *line, size_t n, const char *const *secrets,
                    size_t nsecrets);
/* A line of fields: fields[0..n) is a JSON object built by mediac itself
 * whose every value was written with mc_log_json_string (never message
 * text as it came).  In the json format its members follow time, level
 * and activityid; otherwise (a sink, the text format) it is logged like
 * any line. */
void mc_log_fields(const mc_logger *lg, int level, const char *activity_id,
                   const char *fields, size_t n);

/* Append text to out with every occurrence of each secret (non-empty)
 * replaced by "****": as it is, and written with JSON escapes
 * (backslash-slash, backslash-u0041 ...), percent escapes (%2F) or XML
 * character references (&#47; &amp; ...) in any mix. */
void mc_redact(mc_buf *out, const char *text, size_t n,
               const char *const *secrets, size_t nsecrets);

/* Append text to out with the value of every secret name hidden, wherever
 * it appears: a JSON member ("secretAccessKey": "..", the name itself
 * possibly escaped), an XML element (<sessionToken>..</sessionToken>), a
 * header or property line (Authorization: .., Cookie = ..), a query or
 * attribute (X-Amz-Security-Token=..); and the userinfo of URLs
 * (scheme://user:password@host). */
void mc_redact_names(mc_buf *out, const char *text, size_t n);

/* True when a property or header name denotes a secret whose value must
 * never be printed: secretAccessKey, sessionToken, Authorization,
 * Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key, X-Amz-Security-Token,
 * aws_secret_access_key, aws_session_token, password (any case). */
int mc_is_secret_name(const char *name);
int mc_is_secret_name_n(const char *name, size_t n);

/* Log text escaping: printable ASCII, tab and valid UTF-8 stay; a
 * backslash is written \\; control characters (CR, LF, ESC, ...), DEL, C1 controls,
 * U+2028/2029, bidirectional overrides and bytes that are not UTF-8 are
 * written \xHH per byte.  The result is one line that says what it got. */
void mc_log_escape(mc_buf *out, const char *s, size_t n);
/* The same text as a JSON string literal (always valid JSON). */
void mc_log_json_string(mc_buf *out, const char *s, size_t n);

/* url[0..n) without its userinfo (scheme://user:password@host ->
 * scheme://host), for metrics labels and logs. */
void mc_url_strip_userinfo(mc_buf *out, const char *url, size_t n);

#endif
