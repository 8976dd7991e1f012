/* server.h - mediac's HTTP/1.1 and HTTP/2 server, with no knowledge of flows.
 *
 * N worker threads each run one event loop: its own SO_REUSEPORT listening
 * socket (all on the same port, which no other process may share), its
 * connections, the sockets of the worker's mc_http_client (curl multi in
 * watch mode) and an eventfd for wake-ups, all in one epoll set waited on
 * once per pass.  Requests are framed strictly (h1.h); a
 * malformed one is answered 400/414/431/501/505 and the connection closed
 * after a lingering close.  A request is handed to the handler once its
 * body is complete (a body over max_body is answered 413 without calling
 * it; more than max_concurrent requests in progress are answered 503 with
 * Retry-After; a request not received within request_timeout_ms, body
 * included, is answered 408).  The handler answers with mc_server_respond(), either
 * before it returns or later from the same worker thread, for example from
 * a done callback of the worker's HTTP client; until then the connection is
 * suspended and holds no thread.  A request the handler leaves unanswered
 * for request_timeout_ms is answered 504.
 *
 * HTTP/2 (h2.c, libnghttp2): "h2" by ALPN on a TLS port, h2c by prior
 * knowledge (the connection preface) on a plain one; each stream is a
 * request like an HTTP/1.1 one, under the same limits.
 *
 * Server-generated answers are JSON: {"ERROR_CODE":"413","ERROR_MESSAGE":..}. */
#ifndef MC_HTTP_SERVER_H
#define MC_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "http/client.h"
#include "util/buf.h"
#include "util/error.h"

typedef struct mc_server mc_server;
typedef struct mc_server_req mc_server_req;

/* Called on the worker thread with a complete request.  The handler owns
 * one answer: exactly one mc_server_respond() call, now or later. */
typedef void (*mc_server_handler)(void *userdata, mc_server_req *r);
/* Called on the worker thread when an answer is queued (for every request,
 * also the ones the server answers itself): for access logs and metrics.
 * elapsed_ms counts from the arrival of the request headers. */
typedef void (*mc_server_done_fn)(void *userdata, mc_server_req *r, int status,
                                  double elapsed_ms);

typedef struct mc_server_options {
    const char *bind;            /* IPv4/IPv6 literal, default 127.0.0.1 */
    int port;                    /* 0: a free port (see mc_server_port) */
    int workers;                 /* <= 0: number of online CPUs */
    size_t max_body;             /* default 10 MiB; over it: 413 */
    size_t max_header;           /* default 8 KiB: request line and headers;
                                    over it: 414 / 431 */
    unsigned idle_timeout_s;     /* default 60: idle keep-alive closed */
    long request_timeout_ms;     /* default 60000; unanswered: 504 */
    unsigned max_concurrent;     /* default 1024, over all workers: 503 */
    unsigned max_connections;    /* default 10000 over all workers; at the
                                    limit the connection idle the longest
                                    is closed for a new one */
    const char *tls_cert;        /* PEM certificate chain and key: the port */
    const char *tls_key;         /* serves HTTPS; NULL: plain */
    bool no_http2;               /* HTTP/1.1 only: no h2 in ALPN, no h2c
                                    prior knowledge (the preface gets 505) */
    bool shared_listener;        /* one listening socket shared by the
                                    workers, each woken alone
                                    (EPOLLEXCLUSIVE, as nginx); default:
                                    one SO_REUSEPORT socket a worker */
    bool join_port;              /* listen beside a server of this process
                                    still on the port (a reload's overlap,
                                    SO_REUSEPORT) instead of failing with
                                    "address already in use" */
    const mc_http_options *client; /* each worker's HTTP client (NULL: defaults) */
    mc_server_handler handler;
    mc_server_done_fn done;      /* may be NULL */
    void *userdata;
} mc_server_options;

/* Bind, start the workers.  NULL with err set on failure. */
mc_server *mc_server_start(const mc_server_options *opts, mc_err *err);
/* The port actually bound. */
int mc_server_port(const mc_server *s);
int mc_server_workers(const mc_server *s);
/* Requests in progress (headers received, not yet answered), all workers. */
unsigned mc_server_inflight(const mc_server *s);
/* Stop accepting; wait up to drain_ms for the requests in progress, answer
 * those still waiting 503, then stop the workers (their clients report
 * "client closed" to pending requests) and free everything.  Returns the
 * number of requests cut off by the drain timeout. */
unsigned mc_server_stop(mc_server *s, long drain_ms);
/* Begin that drain without waiting (mc_server_stop then keeps this
 * deadline): several servers drain at once. */
void mc_server_drain(mc_server *s, long drain_ms);

/* ---- a request (valid until answered) ------------------------------ */

const char *mc_server_req_method(const mc_server_req *r);
/* Path as received (still percent-encoded), without the query. */
const char *mc_server_req_path(const mc_server_req *r);
/* Raw query string without '?', or NULL. */
const char *mc_server_req_query(const mc_server_req *r);
/* The request headers in the order received. */
const mc_http_header *mc_server_req_headers(const mc_server_req *r, size_t *n);
/* Case-insensitive header lookup; NULL when absent. */
const char *mc_server_req_get_header(const mc_server_req *r, const char *name);
const char *mc_server_req_body(const mc_server_req *r, size_t *len);
/* The worker's HTTP client: submit here, callbacks fire on this thread. */
mc_http_client *mc_server_req_client(const mc_server_req *r);
int mc_server_req_worker(const mc_server_req *r);
/* A short label carried to the done callback (copied, truncated at 319). */
void mc_server_req_set_tag(mc_server_req *r, const char *tag);
const char *mc_server_req_tag(const mc_server_req *r);

/* Answer.  headers/body are copied; Content-Length, Transfer-Encoding and
 * Connection given here are ignored.  After the call r belongs to the
 * server again: the handler must not use it (also when the server had
 * already answered it, e.g. 504 or the drain's 503). */
void mc_server_respond(mc_server_req *r, int status,
                       const mc_http_header *headers, size_t nheaders,
                       const char *body, size_t len);
/* Answer with {"ERROR_CODE":"<status>","ERROR_MESSAGE":message} and the
 * extra header (e.g. Allow), which may be NULL. */
void mc_server_respond_error(mc_server_req *r, int status, const char *message,
                             const mc_http_header *extra);

/* ---- admin server (one worker thread, answers at once) ------------- */

/* The admin port's own limits, so a health check is always answered: at
 * most this many connections (then the one idle the longest is closed for
 * a new one), idle ones closed after this many seconds. */
#define MC_ADMIN_MAX_CONNECTIONS 64
#define MC_ADMIN_IDLE_S 5

typedef struct mc_admin_server mc_admin_server;
/* Fill body and *content_type; return the status. */
typedef int (*mc_admin_handler)(void *userdata, const char *method,
                                const char *path, mc_buf *body,
                                const char **content_type);

mc_admin_server *mc_admin_server_start(const char *bind, int port,
                                       mc_admin_handler h, void *userdata,
                                       mc_err *err);
/* Ask for "Authorization: Bearer TOKEN" on every admin path but /healthz
 * and /liveness (401 JSON without it); NULL or "" asks for none. */
void mc_admin_server_set_token(mc_admin_server *a, const char *token);
int mc_admin_server_port(const mc_admin_server *a);
void mc_admin_server_stop(mc_admin_server *a);

#endif
