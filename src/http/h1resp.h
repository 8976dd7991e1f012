/* h1resp.h - the HTTP/1.x response head parser of the upstream client
 * (lean.c): the status line, the header lines and the body framing of
 * RFC 9112 section 6.3.  Pure functions over bytes, no I/O, no
 * allocation; fuzzed by tests/fuzz/fuzz_h1resp.c.
 *
 * Lenient where curl is (so upstreams that work today keep working): lines
 * may end in a bare LF, a missing reason phrase is fine, obsolete folded
 * lines continue the previous value, lines without a colon are skipped.
 * Refused (MC_H1_ERROR, *message says why): a status line that is not
 * "HTTP/1.x NNN"; a head over max_head bytes; a Content-Length that is not
 * digits or too large, or two different ones. */
#ifndef MC_HTTP_H1RESP_H
#define MC_HTTP_H1RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/h1.h"

typedef enum mc_h1_body {
    MC_H1_BODY_NONE,             /* 1xx, 204, 304, or an answer to HEAD */
    MC_H1_BODY_LENGTH,           /* content_length bytes */
    MC_H1_BODY_CHUNKED,
    MC_H1_BODY_CLOSE             /* until the server closes (HTTP/1.0 style) */
} mc_h1_body;

typedef struct mc_h1_resp {
    int status;
    int minor;                   /* HTTP/1.<minor> */
    size_t head_len;             /* bytes of the head, the empty line included */
    const char *fields;          /* the header lines (for mc_h1_resp_next_field) */
    size_t fields_len;
    size_t nfields;
    mc_h1_body body;
    uint64_t content_length;
    bool keep_alive;             /* the connection may serve another request */
} mc_h1_resp;

/* Parse the head at buf[0..len) of an answer to a request (head_request:
 * it was HEAD).  Folded lines are joined in place (buf is changed). */
mc_h1_result mc_h1_parse_response(char *buf, size_t len, size_t max_head, bool head_request,
                                  mc_h1_resp *r, const char **message);

/* The next header field of a parsed head: *pos starts at 0.  False after
 * the last.  name and value point into the buffer (value trimmed). */
bool mc_h1_resp_next_field(const mc_h1_resp *r, size_t *pos, mc_h1_str *name,
                           mc_h1_str *value);

#endif
