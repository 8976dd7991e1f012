/* lean.h - mediac's own HTTP/1.1 upstream client (internal to src/http):
 * http and https requests to IPv4 literals and to names whose addresses
 * resolve.h has cached (localhost too; IPv4 and IPv6, tried in turn when
 * a connect fails, as curl does) on a keep-alive pool
 * of non-blocking sockets, driven by the same loop as client.c's libcurl
 * path (watch mode or poll).  client.c owns requests, retries and
 * callbacks; this file owns one attempt at a time per request: connect or
 * reuse, send head and body in one sendmsg, read and frame the answer
 * (h1resp.h, h1.h's chunked decoder), and say how it ended.
 *
 * https through OpenSSL: verification unless insecure, SNI, sessions
 * resumed per host.  What goes to libcurl instead (mc_lean_prepare
 * answers false): a name not yet resolved (or whose resolution failed,
 * for 10 s) while resolve.c's thread looks it up, names of other than
 * letters, digits, '-', '.', '_', IPv6 literals and user info, every request while a proxy
 * variable (http_proxy, HTTP_PROXY, all_proxy, ALL_PROXY) is set, https
 * while https_proxy or HTTPS_PROXY is, or MC_HTTP_CLIENT=curl (all read
 * when the client is created). */
#ifndef MC_HTTP_LEAN_H
#define MC_HTTP_LEAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/client.h"
#include "http/client_internal.h"
#include "http/resolve.h"

typedef struct mc_lean mc_lean;
typedef struct mc_lean_conn mc_lean_conn;

/* One request's lean part, embedded in client.c's request. */
typedef struct mc_lean_req {
    /* set by mc_lean_prepare */
    char *head;                  /* request line and header lines, CRLF CRLF */
    size_t head_len;
    char *key;                   /* "host:port": the pool key and error texts */
    mc_resolve_addrs addrs;      /* the addresses to try, in order */
    uint16_t port;               /* host order */
    bool head_method;
    bool close_after;            /* the request said Connection: close */
    bool tls;                    /* https */
    bool insecure;               /* https without verification (set by the caller) */
    /* set by the caller before each attempt */
    const char *body;
    size_t body_len;
    long connect_timeout_ms;
    long timeout_ms;
    mc_http_response *resp;
    /* the attempt in progress */
    mc_lean_conn *conn;
    uint64_t deadline_ms;
    uint64_t connect_deadline_ms;
    uint64_t addr_deadline_ms;   /* this address's part of the connect time */
    unsigned addr_at;            /* the address being tried */
    bool stale_retried;          /* a dead pooled connection was replaced once */
} mc_lean_req;

/* done(ud, q, outcome): the attempt ended; q->resp holds the answer or a
 * fault (fault_code, error). */
typedef void (*mc_lean_done_fn)(void *ud, mc_lean_req *q, mc_http_outcome out);

mc_lean *mc_lean_new(size_t max_idle, size_t max_response_bytes, mc_lean_done_fn done,
                     void *ud);
/* Closes every connection (announced to the watcher); no callback fires. */
void mc_lean_free(mc_lean *l);
void mc_lean_set_watch(mc_lean *l, mc_http_watch_fn fn, void *ud);

/* May the lean client carry this request?  On true q is ready for
 * attempts (free with mc_lean_req_free); false: use libcurl (or err set
 * when out of memory).  headers were checked by the caller. */
bool mc_lean_prepare(mc_lean *l, mc_lean_req *q, const char *method, const char *url,
                     const mc_http_header *headers, size_t nheaders, bool has_body,
                     size_t body_len, bool http10, bool absolute_target, mc_err *err);
void mc_lean_req_free(mc_lean_req *q);

/* Start an attempt (done may fire before this returns). */
void mc_lean_start(mc_lean *l, mc_lean_req *q, uint64_t now);
/* End the attempt in progress without a callback (its connection closes). */
void mc_lean_cancel(mc_lean *l, mc_lean_req *q);

/* fd is ready (MC_HTTP_WATCH_*): false when fd is not the lean client's. */
bool mc_lean_socket_ready(mc_lean *l, int fd, int events);
/* Ends the attempts whose time is up; ms until the next deadline, -1: none. */
long mc_lean_timers(mc_lean *l, uint64_t now);
long mc_lean_timeout_ms(const mc_lean *l, uint64_t now);

/* Without watch mode: the sockets to poll (POLLIN/POLLOUT), up to max;
 * returns how many were written. */
size_t mc_lean_pollfds(const mc_lean *l, mc_http_waitfd *out, size_t max);
size_t mc_lean_nsockets(const mc_lean *l);

#endif
