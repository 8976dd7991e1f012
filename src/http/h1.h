/* h1.h - HTTP/1.1 request framing as strict as nginx's (RFC 9112): the
 * request head parser and the chunked body decoder of mediac's server.
 * Pure functions over bytes, no I/O, no allocation: the server feeds
 * them its read buffer, and tests/fuzz/fuzz_h1.c feeds them anything.
 *
 * What the head parser refuses (status, then the connection is closed):
 *   400  a method that is not a token; a target that is empty, has spaces
 *        or control bytes, or is neither origin-form ("/..."), absolute-form
 *        ("http://host/...") nor "*"; a header line with whitespace before
 *        the colon, a name that is not a token, an obsolete folded line, or
 *        a value with control bytes (tab allowed); a bare CR; HTTP/1.1
 *        without Host, or two Host headers, or a Host with bytes no host
 *        name has; two Content-Length headers or a list ("5, 5"), a value
 *        that is not digits or is too large; Content-Length together with
 *        Transfer-Encoding; two Transfer-Encoding headers; Transfer-Encoding
 *        in HTTP/1.0
 *   501  a transfer coding other than chunked ("gzip", "gzip, chunked")
 *   505  an HTTP version other than 1.0 and 1.1
 *   414  a request line longer than the head limit
 *   431  a head longer than the limit, or more than MC_H1_MAX_HEADERS
 * Lines may end in CRLF or, as nginx accepts, a bare LF; empty lines before
 * the request line are skipped. */
#ifndef MC_HTTP_H1_H
#define MC_HTTP_H1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MC_H1_MAX_HEADERS 128

typedef struct mc_h1_str {
    const char *p;
    size_t n;
} mc_h1_str;

typedef struct mc_h1_head {
    mc_h1_str method;
    mc_h1_str target;            /* as received */
    mc_h1_str path;              /* origin-form path of the target, without the query */
    mc_h1_str query;             /* after '?', p NULL when there is none */
    int minor;                   /* HTTP/1.<minor>: 0 or 1 */
    size_t nheaders;
    bool chunked;                /* Transfer-Encoding: chunked */
    bool has_length;
    uint64_t content_length;
    bool keep_alive;             /* by version and Connection */
    bool expect_continue;        /* Expect: 100-continue */
    /* last: the parser clears what is above and fills these up to nheaders
     * (4 KiB it does not clear for every request) */
    mc_h1_str names[MC_H1_MAX_HEADERS];
    mc_h1_str values[MC_H1_MAX_HEADERS];   /* without surrounding whitespace */
} mc_h1_head;

typedef enum mc_h1_result {
    MC_H1_DONE,                  /* a complete head: *used bytes */
    MC_H1_MORE,                  /* no complete head yet, and within the limit */
    MC_H1_ERROR,                 /* *status and *message say why */
} mc_h1_result;

/* Parse the head at buf[0..len).  max_head bounds the head's size.  On
 * MC_H1_DONE the strings in h point into buf. */
mc_h1_result mc_h1_parse_head(const char *buf, size_t len, size_t max_head, mc_h1_head *h,
                              size_t *used, int *status, const char **message);

/* ---- chunked bodies --------------------------------------------------- */

typedef struct mc_h1_chunked {
    int state;
    uint64_t left;               /* bytes left in the current chunk */
    unsigned digits;
    size_t line;                 /* bytes of the current size/trailer line */
    size_t trailer;              /* bytes of trailers so far */
} mc_h1_chunked;

/* Decode in[0..len): data bytes are moved to the front of in (in place;
 * *data counts them), *used counts the input bytes consumed.  Returns
 * MC_H1_MORE to be called again with more input, MC_H1_DONE after the last
 * chunk and its trailers (the bytes after it are not used), or MC_H1_ERROR
 * (400: bad chunk size, line or framing; trailers over max_trailer). */
mc_h1_result mc_h1_chunked_decode(mc_h1_chunked *c, char *in, size_t len, size_t max_trailer,
                                  size_t *used, size_t *data, const char **message);

/* The reason phrase for a status ("OK", "Not Found"; "" when unknown). */
const char *mc_h1_reason(int status);
/* True when s is a token (RFC 9110 tchar+). */
bool mc_h1_token(const char *s, size_t n);

#endif
