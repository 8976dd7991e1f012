/* server_internal.h - what the HTTP server's files share (server.c: the
 * worker loop, sockets and lifecycle; conn.c: connections, requests and
 * answers): the structures of a server, its workers, connections and
 * requests, and the functions one file calls in the other. */
#ifndef MC_HTTP_SERVER_INTERNAL_H
#define MC_HTTP_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "http/clock.h"
#include "http/h1.h"
#include "http/server.h"
#include "http/tls.h"
#include "http/upwatch.h"

#define READ_CHUNK 16384
#define MAX_EVENTS 256
#define LINGER_MS 5000.0            /* lingering close: at most this long */
#define LINGER_IDLE_MS 2000.0       /* ... and this long without data */
#define LINGER_BYTES (64u << 20)    /* ... discarding at most this much */
#define MAX_TRAILER 8192

typedef struct worker worker;
typedef struct conn conn;

/* Timer lists: every member has the same timeout, so appending keeps each
 * list in deadline order. */
enum { L_NONE, L_IDLE, L_RECV, L_SEND, L_LINGER, L_COUNT };

typedef struct tlist {
    conn *head, *tail;
} tlist;

enum { S_HEAD, S_BODY, S_HANDLER, S_WRITE, S_LINGER };

struct conn {
    worker *w;
    int fd;
    mc_tls_conn *tls;              /* NULL on a plain-HTTP listener */
    int state;
    bool readable, writable, eof;
    bool rdhup;                    /* the peer's FIN or an error was signalled */
    bool close_after;              /* close once the answer is written */
    bool linger;                   /* ... after a lingering close */
    bool queued;                   /* on the worker's run queue */
    bool dead;                     /* closed; freed at the end of the loop pass */
    int list;
    double deadline;
    conn *prev, *next;             /* timer list */
    conn *run_next;
    char *in;                      /* bytes read, not yet used */
    size_t inlen, incap;
    char *out;                     /* the answer being written; kept for the
                                      next answer of the connection */
    size_t outlen, outoff, outcap;
    mc_server_req *req;            /* the request being read or answered */
    uint64_t body_left;            /* Content-Length bytes still to read */
    mc_h1_chunked ck;
    double linger_start;
    size_t lingered;
    conn *all_prev, *all_next;     /* every connection of the worker */
    bool served;                   /* a request was framed as HTTP/1.1 */
    struct mc_h2 *h2;              /* an HTTP/2 connection (h2.c), else NULL */
};

struct mc_server_req {
    worker *w;
    conn *c;                       /* NULL once the connection closed */
    int refs;                      /* connection + handler */
    bool in_handler, answered, counted, dispatched, head_method, chunked;
    int status;
    double start, deadline;
    mc_server_req *prev, *next;    /* worker's list of requests in flows */
    bool pending;
    char *block;                   /* method and path of a refused head (a
                                      parsed head lives right after r) */
    const char *method, *path, *query;
    mc_http_header *headers;
    size_t nheaders;
    mc_buf body;
    char tag[320];                 /* artifact and activity id */
    /* HTTP/2 (h2.c): the stream, its place on the connection's list, the
     * header fields while they arrive and the answer while it is sent */
    int32_t stream_id;
    mc_server_req *h2_prev, *h2_next;
    mc_buf h2_fields;              /* name\0value\0 pairs as received */
    size_t h2_nfields, h2_list_size;
    bool h2_too_big, h2_bad;
    char *h2_answer;               /* the answer's header names and body */
    const char *h2_body;
    size_t h2_body_len, h2_body_off;
};

struct worker {
    mc_server *s;
    int index;
    int ep;                        /* epoll */
    int lfd;                       /* this worker's descriptor of the shared
                                      listening socket, -1 once closed */
    atomic_bool listen_off;        /* lfd out of ep: at its share while another
                                      has room, or out of descriptors */
    double listen_resume_at;       /* out of descriptors: back at this time */
    atomic_bool try_accept;        /* a worker that stepped aside asks this
                                      one to accept (on its wake-up) */
    int wake_fd;
    mc_http_client *client;
    mc_upwatch up;                 /* the client's sockets on ep */
    pthread_t thread;
    bool started;
    unsigned conns, active;        /* connections; requests in progress */
    tlist lists[L_COUNT];
    mc_server_req *pend_head, *pend_tail;
    conn *run_head, *run_tail;
    conn *all;
    conn *dead;
    char date[40];
    time_t date_at;
    char scratch[READ_CHUNK];
};

struct mc_server {
    mc_server_options o;
    int port;
    int nworkers;
    worker *workers;
    unsigned worker_max_conns;     /* max_connections / workers, rounded up */
    atomic_uint conns;             /* connections over all workers */
    atomic_uint inflight;
    atomic_bool stopping;
    _Atomic double drain_deadline;
    atomic_uint cut_off;
    mc_tls_server *tls;
};

/* The worker's pass time (clock.h): timers, deadlines, request starts. */
static inline double now_ms(void)
{
    return mc_clock_now_ms();
}

/* conn.c, for the loop */
void mc_srv_list_remove(conn *c);
void mc_srv_pending_remove(mc_server_req *r);
void mc_srv_error_answer(mc_server_req *r, int status, const char *message,
                         const mc_http_header *extra);
void mc_srv_conn_close(conn *c);
void mc_srv_free_dead(worker *w);
void mc_srv_refuse(conn *c, int status, const char *message, bool linger);
void mc_srv_conn_run(conn *c);
/* The listener is readable: accept what this worker may take (conn.c). */
void mc_srv_accept_all(worker *w);
/* The listener leaves the worker's epoll set (server.c): at its share
 * while another worker has room, or out of descriptors (then for
 * LISTEN_RETRY_MS at least). */
#define LISTEN_RETRY_MS 100
void mc_srv_listen_pause(worker *w);
/* Back in, once the worker can take a connection: one of its own closed,
 * or the workers together are at max_connections (then an idle
 * connection of any worker may be closed for a new one). */
void mc_srv_listen_again(worker *w);
/* At the global limit: wake the workers that stepped aside, so they come
 * back (their idle connections may be evicted). */
void mc_srv_listen_recall(worker *w);

/* conn.c, for h2.c: the request life cycle shared by both protocols */
void mc_srv_req_unref(mc_server_req *r);
void mc_srv_release_slot(mc_server_req *r);
/* Count r in the admission (false: over --max-concurrent). */
bool mc_srv_admit(mc_server_req *r);
void mc_srv_pending_add(mc_server_req *r);
/* Hand a complete request to the handler. */
void mc_srv_dispatch_req(mc_server_req *r);
/* Header names and values an answer must not carry through. */
bool mc_srv_skip_answer_header(const char *name, const char *value);
const char *mc_srv_http_date(worker *w);
bool mc_srv_read_some(conn *c, size_t limit);
/* Write buf from *off on; true when all of it is written, false when the
 * socket is full (the connection waits on L_SEND) or the connection closed. */
bool mc_srv_write(conn *c, const char *buf, size_t len, size_t *off);
void mc_srv_list_put(conn *c, int list, double from);
void mc_srv_run_later(conn *c);
/* The connection that answered for r left: nobody will answer an
 * undispatched request. */
void mc_srv_req_detach(mc_server_req *r);

/* h2.c: HTTP/2 on a connection (nghttp2) */
#define MC_H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define MC_H2_PREFACE_LEN 24
/* Turn c into an HTTP/2 connection (its input starts with the preface).
 * False when out of memory. */
bool mc_h2_begin(conn *c);
/* Read, feed the session, write: everything readiness allows. */
void mc_h2_run(conn *c);
/* Feed bytes as if read and write the frames due (dropped when c->fd < 0:
 * the fuzz target); false on a connection error. */
bool mc_h2_feed(conn *c, const uint8_t *data, size_t len);
/* Queue the answer of a stream. */
void mc_h2_answer(mc_server_req *r, int status, const mc_http_header *h, size_t nh,
                  const char *body, size_t len);
/* GOAWAY (graceful: streams in progress finish), once; closes the
 * connection when nothing is left. */
void mc_h2_goaway(conn *c);
/* Free the session; requests of its streams are detached. */
void mc_h2_free(conn *c);
#endif
