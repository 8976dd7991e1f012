/* client.h - the one HTTP client of the runtime (libcurl multi).
 *
 * A client owns a curl multi handle and its pool of keep-alive connections
 * (with shared DNS and TLS session caches).  It is not thread-safe: use one
 * per thread/worker.  Requests are asynchronous: mc_http_submit() queues a
 * transfer and the done callback fires from mc_http_run(); mc_http_do() is
 * the blocking wrapper over the same path.
 *
 * Transport failures are reported as Synapse fault codes:
 *   101503 connection refused / host unreachable / DNS failure
 *   101504 timeout (connect or total)
 *   101500 anything else (reset, protocol error, body over limit, ...)
 * Retries: 429, 500, 502, 503, 504 and connection resets are retried with
 * exponential backoff and full jitter up to max_attempts, but a request that
 * is not idempotent is retried only when the failure proves it never reached
 * the server (connect refused/failed, DNS), or on 429/503 answers. */
#ifndef MC_HTTP_CLIENT_H
#define MC_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

#define MC_FAULT_HTTP_OTHER 101500
#define MC_FAULT_HTTP_UNREACHABLE 101503
#define MC_FAULT_HTTP_TIMEOUT 101504

typedef struct mc_http_header {
    const char *name;
    const char *value;
} mc_http_header;

typedef struct mc_http_options {
    long connect_timeout_ms;   /* default 10000 */
    long timeout_ms;           /* total, default 60000 */
    size_t max_response_bytes; /* default 64 MiB */
    int max_attempts;          /* default 3 (1 = no retry) */
    long backoff_base_ms;      /* default 100 */
    long backoff_cap_ms;       /* default 5000 */
    long max_connections;      /* pool size, default 64 */
} mc_http_options;

typedef struct mc_http_request {
    const char *method;        /* "GET", "POST", ... */
    const char *url;
    const mc_http_header *headers;
    size_t nheaders;
    const char *body;
    size_t body_len;
    bool idempotent;           /* GET/PUT/DELETE/HEAD are; POST usually not */
    long connect_timeout_ms;   /* 0: client default */
    long timeout_ms;           /* 0: client default */
    int max_attempts;          /* 0: client default */
    bool insecure;             /* TLS verification off: only when a flow says so */
    long delay_ms;             /* start no sooner than this (a caller's own
                                  retry backoff); 0: now */
    bool http10;               /* HTTP/1.0 (MI's FORCE_HTTP_1.0) */
    bool absolute_target;      /* the whole URL in the request line (MI's
                                  POST_TO_URI) */
} mc_http_request;

typedef struct mc_http_response {
    int status;                /* HTTP status, 0 on transport failure */
    mc_buf body;
    char **header_names;       /* response headers, in order received */
    char **header_values;
    size_t nheaders;
    char *header_block;        /* when set, the arrays and strings above
                                  live in this one allocation (the lean
                                  client's); mc_http_response_free knows */
    int fault_code;            /* 0, or one of MC_FAULT_HTTP_* */
    char error[256];           /* human text for fault_code */
    int attempts;              /* how many tries were made */
} mc_http_response;

typedef struct mc_http_client mc_http_client;
typedef void (*mc_http_done_fn)(void *userdata, mc_http_response *resp);

/* opts may be NULL for defaults. */
mc_http_client *mc_http_client_new(const mc_http_options *opts);
void mc_http_client_free(mc_http_client *c);

/* Queue a request.  Everything in req is copied.  done is called exactly
 * once, from mc_http_run() (or mc_http_client_free() with a transport fault
 * "client closed"); the callee owns resp and frees it with
 * mc_http_response_free() + free(). */
mc_code mc_http_submit(mc_http_client *c, const mc_http_request *req,
                       mc_http_done_fn done, void *userdata, mc_err *err);
/* Drive transfers for up to timeout_ms (0: don't wait); fires callbacks.
 * Returns the number of requests still in flight (incl. waiting retries). */
int mc_http_run(mc_http_client *c, int timeout_ms);
/* For event loops.  mc_http_wait() blocks up to timeout_ms (less when
 * the client's transfers, retries or finished callbacks need it sooner)
 * until one of the client's sockets or of the caller's extra descriptors
 * is ready; it uses poll(), so descriptors of any number work.  events and
 * revents are POLLIN / POLLOUT / POLLPRI from <poll.h>.  Returns the number
 * of ready descriptors, or -1.  Then call mc_http_run(c, 0). */
typedef struct mc_http_waitfd {
    int fd;
    short events;
    short revents;
} mc_http_waitfd;

#define MC_HTTP_MAX_WAITFDS 16
int mc_http_wait(mc_http_client *c, mc_http_waitfd *extra, unsigned n,
                 int timeout_ms);
long mc_http_timeout_ms(mc_http_client *c);      /* -1: no timer */

/* Watch mode: the caller's event loop watches the client's sockets, in
 * place of mc_http_wait's poll() (no system call spent on waiting but the
 * loop's own).  fn(ud, fd, events) is called whenever what the client
 * waits for on fd changes: events is MC_HTTP_WATCH_IN | _OUT, 0 when
 * nothing is awaited on fd for now (it may be awaited again later: the
 * loop may keep fd registered, and then pass on only awaited readiness),
 * or MC_HTTP_WATCH_CLOSED just before the client closes fd (a later fd of
 * the same number is a new socket).  MC_HTTP_WATCH_OPENED comes when the
 * client opens a connection socket: only those are announced closed, so
 * only those may stay registered while nothing is awaited; any other
 * socket (libcurl's resolver wake-up pair, ...) may be closed without
 * notice once its events went to 0.  Level-triggered: the client may leave
 * readable bytes for a later call.  The loop reports readiness with
 * mc_http_socket_ready() and calls mc_http_run(c, 0) once its wait is over
 * (that runs the client's timers, retries and callbacks); it waits no
 * longer than mc_http_timeout_ms().  Set before the first request; then
 * mc_http_wait() is not used and mc_http_run() does not wait. */
#define MC_HTTP_WATCH_IN 1
#define MC_HTTP_WATCH_OUT 2
#define MC_HTTP_WATCH_ERR 4        /* for mc_http_socket_ready */
#define MC_HTTP_WATCH_CLOSED 8
#define MC_HTTP_WATCH_OPENED 16
typedef void (*mc_http_watch_fn)(void *ud, int fd, int events);
void mc_http_set_watch(mc_http_client *c, mc_http_watch_fn fn, void *ud);
/* fd is ready for events (MC_HTTP_WATCH_IN / _OUT / _ERR): the client
 * does what it can on that socket and fires the callbacks that finish. */
void mc_http_socket_ready(mc_http_client *c, int fd, int events);

/* Blocking: submit and run until done.  Fills out (caller frees with
 * mc_http_response_free).  Returns MC_OK whenever a response or a
 * transport fault was recorded in out. */
mc_code mc_http_do(mc_http_client *c, const mc_http_request *req,
                   mc_http_response *out, mc_err *err);

/* Case-insensitive lookup; NULL when absent. */
const char *mc_http_response_header(const mc_http_response *r,
                                    const char *name);
void mc_http_response_free(mc_http_response *r);

#endif
