/* client_internal.h - pieces of the HTTP client exposed for unit tests.
 *
 * Not part of the layer contract: other layers use client.h only. */
#ifndef MC_HTTP_CLIENT_INTERNAL_H
#define MC_HTTP_CLIENT_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

/* What ended one attempt, as the retry policy sees it. */
typedef enum mc_http_outcome {
    MC_HTTP_OUT_RESPONSE,      /* an HTTP response arrived (see status) */
    MC_HTTP_OUT_NOT_SENT,      /* DNS failure, connect refused/failed or
                                  connect timeout: never reached the server */
    MC_HTTP_OUT_RESET,         /* connection reset/closed after sending */
    MC_HTTP_OUT_TIMEOUT,       /* total timeout after the connection opened */
    MC_HTTP_OUT_OTHER          /* protocol error, body over limit, ... */
} mc_http_outcome;

/* The retry rule of client.h: may another attempt be made after this one?
 * (Does not look at the attempt count.) */
bool mc_http__retryable(mc_http_outcome out, int status, bool idempotent);

/* Full-jitter backoff before retry number `retry` (0 for the first retry):
 * uniform in [0, min(cap, base * 2^retry)].  *rng is xorshift state. */
long mc_http__backoff_ms(uint64_t *rng, int retry, long base_ms, long cap_ms);

/* Free a response's headers (strings one by one, or lean.c's single
 * block); nheaders becomes 0, per-string arrays stay for reuse. */
struct mc_http_response;
void mc_http__response_clear_headers(struct mc_http_response *r);
/* The response becomes a fault: no status, headers or body; `code` and the
 * formatted text in r->error (libcurl's and the lean transport's faults). */
void mc_http__response_vfault(struct mc_http_response *r, int code, const char *fmt,
                              va_list ap);

/* CLOCK_MONOTONIC in milliseconds (the client's timers). */
uint64_t mc_http__now_ms(void);

#endif
