/* sigv4.h - AWS Signature Version 4 request signing (header form).
 *
 * A signer is a small object owned by one worker (not thread-safe, no
 * global state).  It keeps the derived signing keys of the last few
 * (secret, date, region, service) tuples, each as the SHA-256 states after
 * the key's HMAC pad blocks (wiped when replaced or freed), the last date
 * text, and the buffers it builds the canonical request in, so after
 * warm-up a signature costs one body hash (none when the caller passes
 * it), one canonical-request hash and an HMAC of the string to sign
 * without its two pad blocks, and no heap allocation.
 *
 * Paths.  req->path is the exact path that goes on the wire: already
 * percent-encoded per RFC 3986 (build it with mc_aws_uri_encode()).  With
 * MC_SIGV4_ENCODE_PATH (every service but S3) the canonical URI is that
 * wire path with each byte outside the unreserved set and '/' encoded once
 * more, so "fn%3A%24LATEST" is signed as "fn%253A%2524LATEST", exactly as
 * botocore and the AWS services do.  MC_SIGV4_NORMALIZE_PATH removes "."
 * and ".." segments and collapses "//" first (RFC 3986 5.2.4, as botocore).
 * mc_sigv4_service_flags() gives the right flags for a service.
 *
 * Queries.  req->query is the wire query (without '?').  Each name and
 * value is decoded and re-encoded canonically (so a query built with
 * mc_aws_uri_encode() is signed as it is sent), a missing '=' means an
 * empty value, pairs are sorted by name then value.  '+' is a literal
 * plus, not a space.
 *
 * Headers.  Names are lower-cased, values trimmed with inner runs of
 * whitespace folded to one space, repeated names joined with ',' in the
 * order given.  The signer owns Host, X-Amz-Date, X-Amz-Security-Token
 * and Authorization (and X-Amz-Content-Sha256 with that flag): caller
 * headers of those names are ignored.  Like botocore it does not sign
 * User-Agent, Expect, Transfer-Encoding and X-Amzn-Trace-Id, which proxies
 * may change. */
#ifndef MC_AWS_SIGV4_H
#define MC_AWS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util/buf.h"
#include "util/error.h"

typedef struct mc_sigv4_header {
    const char *name;
    const char *value;
} mc_sigv4_header;

enum {
    MC_SIGV4_NORMALIZE_PATH = 1u << 0,  /* remove dot segments, collapse // */
    MC_SIGV4_ENCODE_PATH = 1u << 1,     /* encode the wire path once more */
    MC_SIGV4_CONTENT_SHA256 = 1u << 2,  /* add and sign X-Amz-Content-Sha256 */
    MC_SIGV4_UNSIGNED_TOKEN = 1u << 3,  /* send the token but do not sign it */
};

typedef struct mc_sigv4_request {
    const char *method;            /* "GET", "POST", ... (upper-cased) */
    const char *host;              /* host[:port] contacted; see endpoint.h */
    const char *path;              /* wire path; NULL or "" means "/" */
    const char *query;             /* wire query without '?', or NULL */
    const mc_sigv4_header *headers;
    size_t nheaders;
    const void *body;
    size_t body_len;
    /* 64 lower-case hex digits of SHA-256(body) when the caller has it, or
     * "UNSIGNED-PAYLOAD"; NULL to hash body here. */
    const char *body_sha256;
} mc_sigv4_request;

typedef struct mc_sigv4_params {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;     /* NULL or "" for long-term keys */
    const char *region;
    const char *service;           /* signing name, e.g. "lambda" */
    time_t when;                   /* signing time, UTC seconds */
    unsigned flags;                /* MC_SIGV4_* */
} mc_sigv4_params;

/* The headers to add to the request.  Names are static strings; values
 * stay valid until the next call on the same signer (or its free); the
 * token header's value is p->session_token itself. */
typedef struct mc_sigv4_result {
    mc_sigv4_header headers[4];    /* Authorization, X-Amz-Date, then
                                      X-Amz-Security-Token and
                                      X-Amz-Content-Sha256 when they apply */
    size_t nheaders;
    const char *authorization;
    char amz_date[17];             /* 20150830T123600Z */
    char signature[65];
    char content_sha256[65];       /* payload hash as signed (hex or
                                      "UNSIGNED-PAYLOAD") */
} mc_sigv4_result;

typedef struct mc_sigv4_signer mc_sigv4_signer;

mc_sigv4_signer *mc_sigv4_signer_new(void);
void mc_sigv4_signer_free(mc_sigv4_signer *s);
/* The calling thread's signer, made on first use and freed (its keys
 * wiped) when the thread ends or, for the thread that calls exit, then:
 * signing is synchronous, so one per thread serves every message it runs
 * and each thread derives a key once a day per secret, however many
 * messages are in flight.  NULL when out of memory. */
mc_sigv4_signer *mc_sigv4_thread_signer(void);

/* Flags botocore uses for a signing name: S3 signs the wire path as is,
 * every other service normalises and encodes it. */
unsigned mc_sigv4_service_flags(const char *service);

/* Sign req.  Fails with MC_EINVAL (missing field, bad body_sha256) or
 * MC_ENOMEM; error messages never contain the secret or the token. */
mc_code mc_sigv4_sign(mc_sigv4_signer *s, const mc_sigv4_request *req,
                      const mc_sigv4_params *p, mc_sigv4_result *out,
                      mc_err *err);

/* The canonical request and string to sign of the last successful
 * mc_sigv4_sign() on s, for tests and debug logs ("" before). */
const char *mc_sigv4_canonical_request(const mc_sigv4_signer *s);
const char *mc_sigv4_string_to_sign(const mc_sigv4_signer *s);
/* How many signing keys s has derived: signatures minus cache hits. */
unsigned long mc_sigv4_key_derivations(const mc_sigv4_signer *s);

/* Append s[0..n) percent-encoded per RFC 3986: every byte but A-Z a-z 0-9
 * - . _ ~ (and '/' when keep_slash) becomes %XX with upper-case hex.  Use
 * it for path segments (keep_slash false, so "a/b" stays one segment),
 * greedy path labels (keep_slash true) and query names and values. */
void mc_aws_uri_encode(mc_buf *out, const char *s, size_t n, bool keep_slash);

#endif
