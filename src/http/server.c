/* server.c - mediac's HTTP/1.1 server (see server.h): N worker threads,
 * each one event loop over its own listening socket, its connections
 * (one epoll set, edge-triggered, each descriptor registered once: a
 * request waiting for its flow costs no syscall), its HTTP client and a
 * wake-up eventfd.  Requests are framed by h1.c (strict RFC 9112);
 * errors close the connection after a lingering close, so a client that
 * writes its whole request before reading still gets the answer.  The
 * admin server is the same machinery with one worker, a small connection
 * limit and a short idle timeout. */
#include "http/server.h"
#include "util/mem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/h1.h"
#include "http/tls.h"
#include "json/json.h"

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
    char *out;                     /* the answer being written */
    size_t outlen, outoff;
    mc_server_req *req;            /* the request being read or answered */
    uint64_t body_left;            /* Content-Length bytes still to read */
    mc_h1_chunked ck;
    double linger_start;
    size_t lingered;
    conn *all_prev, *all_next;     /* every connection of the worker */
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
    char *block;                   /* method, path, query and headers, one block */
    const char *method, *path, *query;
    mc_http_header *headers;
    size_t nheaders;
    mc_buf body;
    char tag[320];                 /* artifact and activity id */
};

struct worker {
    mc_server *s;
    int index;
    int ep;                        /* epoll */
    int lfd;                       /* listening socket, -1 once closed */
    int wake_fd;
    mc_http_client *client;
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
    atomic_uint inflight;
    atomic_bool stopping;
    _Atomic double drain_deadline;
    atomic_uint cut_off;
    mc_tls_server *tls;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- timer lists and the run queue -------------------------------------- */

static double list_timeout(const worker *w, int list)
{
    const mc_server_options *o = &w->s->o;
    switch (list) {
    case L_IDLE: return (double)o->idle_timeout_s * 1000.0;
    case L_RECV: return (double)o->request_timeout_ms;
    case L_SEND: return (double)o->idle_timeout_s * 1000.0;
    case L_LINGER: return LINGER_IDLE_MS;
    }
    return 0;
}

static void list_remove(conn *c)
{
    if (c->list == L_NONE)
        return;
    tlist *l = &c->w->lists[c->list];
    if (c->prev) c->prev->next = c->next; else l->head = c->next;
    if (c->next) c->next->prev = c->prev; else l->tail = c->prev;
    c->prev = c->next = NULL;
    c->list = L_NONE;
}

/* Put c on a list with a deadline from now (or from `from` for L_RECV). */
static void list_put(conn *c, int list, double from)
{
    list_remove(c);
    tlist *l = &c->w->lists[list];
    c->list = list;
    c->deadline = from + list_timeout(c->w, list);
    c->prev = l->tail;
    c->next = NULL;
    if (l->tail) l->tail->next = c; else l->head = c;
    l->tail = c;
}

static void run_later(conn *c)
{
    if (c->queued || c->dead)
        return;
    c->queued = true;
    c->run_next = NULL;
    worker *w = c->w;
    if (w->run_tail) w->run_tail->run_next = c; else w->run_head = c;
    w->run_tail = c;
}

/* ---- requests ----------------------------------------------------------- */

static void req_free(mc_server_req *r)
{
    size_t body = r->body.cap;
    free(r->block);
    mc_buf_free(&r->body);
    free(r);
    mc_mem_after_request(body);   /* after a big body: RSS goes back down */
}

static void req_unref(mc_server_req *r)
{
    if (--r->refs == 0)
        req_free(r);
}

static void pending_remove(mc_server_req *r)
{
    if (!r->pending)
        return;
    worker *w = r->w;
    if (r->prev) r->prev->next = r->next; else w->pend_head = r->next;
    if (r->next) r->next->prev = r->prev; else w->pend_tail = r->prev;
    r->prev = r->next = NULL;
    r->pending = false;
}

static void pending_add(mc_server_req *r)
{
    worker *w = r->w;
    r->pending = true;
    r->prev = w->pend_tail;
    r->next = NULL;
    if (w->pend_tail) w->pend_tail->next = r; else w->pend_head = r;
    w->pend_tail = r;
}

static void release_slot(mc_server_req *r)
{
    if (r->counted) {
        r->counted = false;
        atomic_fetch_sub(&r->w->s->inflight, 1);
        r->w->active--;
    }
}

/* Copy the parsed head into one block: strings NUL-terminated, headers an
 * array of pointers into it. */
static mc_server_req *req_from_head(worker *w, const mc_h1_head *h)
{
    size_t need = h->method.n + h->path.n + h->query.n + 3 + h->nheaders * sizeof(mc_http_header);
    for (size_t i = 0; i < h->nheaders; i++)
        need += h->names[i].n + h->values[i].n + 2;
    mc_server_req *r = calloc(1, sizeof *r);
    char *b = r ? malloc(need) : NULL;
    if (!b) {
        free(r);
        return NULL;
    }
    r->block = b;
    r->headers = (mc_http_header *)b;
    char *p = b + h->nheaders * sizeof(mc_http_header);
#define PUT(dst, s) do { memcpy(p, (s).p, (s).n); p[(s).n] = '\0'; (dst) = p; p += (s).n + 1; } while (0)
    PUT(r->method, h->method);
    PUT(r->path, h->path);
    if (h->query.p)
        PUT(r->query, h->query);
    for (size_t i = 0; i < h->nheaders; i++) {
        PUT(r->headers[i].name, h->names[i]);
        PUT(r->headers[i].value, h->values[i]);
    }
#undef PUT
    r->nheaders = h->nheaders;
    r->w = w;
    r->refs = 1;
    r->start = now_ms();
    r->head_method = strcmp(r->method, "HEAD") == 0;
    return r;
}

const char *mc_server_req_method(const mc_server_req *r) { return r->method; }
const char *mc_server_req_path(const mc_server_req *r) { return r->path; }
const char *mc_server_req_query(const mc_server_req *r) { return r->query; }
mc_http_client *mc_server_req_client(const mc_server_req *r) { return r->w->client; }
int mc_server_req_worker(const mc_server_req *r) { return r->w->index; }
const char *mc_server_req_tag(const mc_server_req *r) { return r->tag; }

const mc_http_header *mc_server_req_headers(const mc_server_req *r, size_t *n)
{
    *n = r->nheaders;
    return r->headers;
}

const char *mc_server_req_get_header(const mc_server_req *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (!strcasecmp(r->headers[i].name, name))
            return r->headers[i].value;
    return NULL;
}

const char *mc_server_req_body(const mc_server_req *r, size_t *len)
{
    *len = r->body.len;
    return r->body.data ? r->body.data : "";
}

void mc_server_req_set_tag(mc_server_req *r, const char *tag)
{
    snprintf(r->tag, sizeof r->tag, "%s", tag ? tag : "");
}

/* ---- answers ------------------------------------------------------------ */

static bool skip_header(const char *name)
{
    return !strcasecmp(name, "Content-Length") || !strcasecmp(name, "Transfer-Encoding") ||
           !strcasecmp(name, "Connection") || !strcasecmp(name, "Keep-Alive") ||
           !strcasecmp(name, "Date");
}

/* A header value that cannot split the answer: no CR, LF or NUL. */
static bool safe_value(const char *v)
{
    for (; *v; v++)
        if (*v == '\r' || *v == '\n')
            return false;
    return true;
}

static const char *http_date(worker *w)
{
    time_t t = time(NULL);
    if (t != w->date_at) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(w->date, sizeof w->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        w->date_at = t;
    }
    return w->date;
}

/* Write the answer into c->out. */
static bool build_answer(conn *c, mc_server_req *r, int status, const mc_http_header *h,
                         size_t nh, const char *body, size_t len)
{
    mc_buf b = MC_BUF_INIT;
    bool no_body = r->head_method || status == 204 || status == 304;
    mc_buf_printf(&b, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, mc_h1_reason(status),
                  http_date(c->w));
    if (status != 204 && status != 304)
        mc_buf_printf(&b, "Content-Length: %zu\r\n", len);
    if (c->close_after)
        mc_buf_puts(&b, "Connection: close\r\n");
    for (size_t i = 0; i < nh; i++) {
        if (!h[i].name || !h[i].value || skip_header(h[i].name) ||
            !mc_h1_token(h[i].name, strlen(h[i].name)) || !safe_value(h[i].value))
            continue;
        mc_buf_puts(&b, h[i].name);
        mc_buf_puts(&b, ": ");
        mc_buf_puts(&b, h[i].value);
        mc_buf_puts(&b, "\r\n");
    }
    mc_buf_puts(&b, "\r\n");
    if (!no_body && len)
        mc_buf_append(&b, body, len);
    if (b.oom) {
        mc_buf_free(&b);
        return false;
    }
    free(c->out);
    c->outlen = b.len;
    c->outoff = 0;
    c->out = mc_buf_steal(&b);
    return true;
}

/* Decide the answer of r: write it on its connection (if any), free the
 * slot, report it.  Later answers are ignored. */
static void answer(mc_server_req *r, int status, const mc_http_header *h, size_t nh,
                   const char *body, size_t len)
{
    if (r->answered)
        return;
    r->answered = true;
    r->status = status;
    pending_remove(r);
    conn *c = r->c;
    mc_server *s = r->w->s;
    if (c) {
        if (atomic_load(&s->stopping) || !r->dispatched)
            c->close_after = true;   /* refused before its body was read */
        if (!build_answer(c, r, status, h, nh, body, len)) {
            c->close_after = true;
            c->linger = false;
            build_answer(c, r, 500, NULL, 0, NULL, 0);
        }
        list_remove(c);
        c->state = S_WRITE;
        run_later(c);
    }
    release_slot(r);
    if (s->o.done)
        s->o.done(s->o.userdata, r, status, now_ms() - r->start);
}

static void error_answer(mc_server_req *r, int status, const char *message,
                         const mc_http_header *extra)
{
    mc_buf b = MC_BUF_INIT;
    char code[16];
    snprintf(code, sizeof code, "%d", status);
    mc_json_fault(&b, code, message);
    mc_http_header h[3] = {{"Content-Type", "application/json"}};
    size_t nh = 1;
    if (status == 503)
        h[nh++] = (mc_http_header){"Retry-After", "1"};
    if (extra)
        h[nh++] = *extra;
    answer(r, status, h, nh, b.oom ? "" : b.data, b.oom ? 0 : b.len);
    mc_buf_free(&b);
}

void mc_server_respond(mc_server_req *r, int status, const mc_http_header *headers,
                       size_t nheaders, const char *body, size_t len)
{
    answer(r, status, headers, nheaders, body, len);
    if (!r->in_handler)
        req_unref(r);
}

void mc_server_respond_error(mc_server_req *r, int status, const char *message,
                             const mc_http_header *extra)
{
    error_answer(r, status, message, extra);
    if (!r->in_handler)
        req_unref(r);
}

/* ---- connections -------------------------------------------------------- */

static void conn_close(conn *c)
{
    if (c->dead)
        return;
    worker *w = c->w;
    list_remove(c);
    mc_server_req *r = c->req;
    if (r) {
        c->req = NULL;
        r->c = NULL;
        if (!r->dispatched) {         /* never reached a handler: nobody will answer */
            r->answered = true;
            release_slot(r);
            pending_remove(r);
        }
        req_unref(r);
    }
    epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
    mc_tls_conn_free(c->tls);
    c->tls = NULL;
    close(c->fd);
    c->fd = -1;
    c->dead = true;
    if (c->all_prev) c->all_prev->all_next = c->all_next; else w->all = c->all_next;
    if (c->all_next) c->all_next->all_prev = c->all_prev;
    c->all_prev = NULL;
    c->all_next = w->dead;         /* freed after the loop pass */
    w->dead = c;
    w->conns--;
}

static void free_dead(worker *w)
{
    while (w->dead) {
        conn *c = w->dead;
        w->dead = c->all_next;
        free(c->in);
        free(c->out);
        free(c);
    }
}

/* For the access line of a refused head: the method and the target as
 * received (everything between the first and the last space of the first
 * line; the log escapes what it must), at most 2 KiB. */
static void request_line_for_log(conn *c, mc_server_req *r)
{
    size_t n = c->inlen < 2048 ? c->inlen : 2048;
    const char *line = c->in;
    const char *nl = line ? memchr(line, '\n', n) : NULL;
    size_t len = nl ? (size_t)(nl - line) : n;
    if (len && line[len - 1] == '\r')
        len--;
    const char *sp1 = len ? memchr(line, ' ', len) : NULL;
    if (!sp1)
        return;
    const char *end = line + len, *sp2 = end;
    for (const char *p = end; p > sp1 + 1; p--)
        if (p[-1] == ' ') {
            sp2 = p - 1;
            break;
        }
    size_t mlen = (size_t)(sp1 - line), tlen = (size_t)(sp2 - (sp1 + 1));
    char *b = malloc(mlen + tlen + 2);
    if (!b)
        return;
    memcpy(b, line, mlen);
    b[mlen] = '\0';
    memcpy(b + mlen + 1, sp1 + 1, tlen);
    b[mlen + 1 + tlen] = '\0';
    r->block = b;
    r->method = b;
    r->path = b + mlen + 1;
}

/* A server-decided error for the request being read: answer, then close
 * (after a lingering close when the client may still be sending). */
static void refuse(conn *c, int status, const char *message, bool linger)
{
    c->close_after = true;
    c->linger = linger;
    if (!c->req) {
        /* no request yet (bad head): a request just for the answer */
        mc_server_req *r = calloc(1, sizeof *r);
        if (!r) {
            conn_close(c);
            return;
        }
        r->w = c->w;
        r->c = c;
        r->refs = 1;
        r->start = now_ms();
        r->method = "-";
        r->path = "-";
        request_line_for_log(c, r);
        c->req = r;
    }
    error_answer(c->req, status, message, NULL);
}

/* recv()/send() on the connection, through TLS when it has it. */
static ssize_t conn_recv(conn *c, void *buf, size_t n)
{
    bool other;
    return c->tls ? mc_tls_recv(c->tls, buf, n, &other) : recv(c->fd, buf, n, 0);
}

static ssize_t conn_send(conn *c, const void *buf, size_t n)
{
    bool other;
    return c->tls ? mc_tls_send(c->tls, buf, n, &other) : send(c->fd, buf, n, MSG_NOSIGNAL);
}

static bool in_reserve(conn *c, size_t extra)
{
    if (c->incap - c->inlen >= extra)
        return true;
    size_t cap = c->incap ? c->incap : 4096;
    while (cap - c->inlen < extra)
        cap *= 2;
    char *p = realloc(c->in, cap);
    if (!p)
        return false;
    c->in = p;
    c->incap = cap;
    return true;
}

static void in_consume(conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->inlen - n);
    c->inlen -= n;
}

/* Read what is there (edge-triggered: until EAGAIN or the buffer limit).
 * Returns false when the connection is gone. */
static bool read_some(conn *c, size_t limit)
{
    while (c->readable && c->inlen < limit) {
        if (!in_reserve(c, READ_CHUNK))
            return false;
        ssize_t n = conn_recv(c, c->in + c->inlen, c->incap - c->inlen);
        if (n > 0) {
            c->inlen += (size_t)n;
            continue;
        }
        if (n == 0) {
            c->eof = true;
            c->readable = false;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            c->readable = false;
        } else if (errno != EINTR) {
            return false;
        }
    }
    return true;
}

static void dispatch(conn *c)
{
    mc_server_req *r = c->req;
    mc_server *s = c->w->s;
    c->state = S_HANDLER;
    list_remove(c);
    r->dispatched = true;
    r->refs++;                    /* the handler's */
    r->in_handler = true;
    r->deadline = r->start + (double)s->o.request_timeout_ms;
    pending_add(r);
    s->o.handler(s->o.userdata, r);
    r->in_handler = false;
    if (r->answered)
        req_unref(r);             /* answered before returning */
}

/* The head of a new request: admission, then its body. */
static void start_request(conn *c, const mc_h1_head *h, size_t used)
{
    worker *w = c->w;
    mc_server *s = w->s;
    mc_server_req *r = req_from_head(w, h);
    if (!r) {
        refuse(c, 500, "out of memory", true);
        return;
    }
    in_consume(c, used);
    r->c = c;
    r->chunked = h->chunked;
    c->req = r;
    c->close_after = !h->keep_alive || atomic_load(&s->stopping);
    c->linger = false;
    w->active++;
    r->counted = true;
    unsigned n = atomic_fetch_add(&s->inflight, 1) + 1;
    bool has_body = h->chunked || (h->has_length && h->content_length > 0);
    if (n > s->o.max_concurrent) {
        refuse(c, 503, "too many requests in progress; retry later", has_body);
        return;
    }
    if (h->has_length && h->content_length > s->o.max_body) {
        char msg[96];
        snprintf(msg, sizeof msg, "request body exceeds %zu bytes", s->o.max_body);
        refuse(c, 413, msg, true);
        return;
    }
    c->body_left = h->has_length ? h->content_length : 0;
    memset(&c->ck, 0, sizeof c->ck);
    if (!has_body) {
        dispatch(c);
        return;
    }
    if (h->expect_continue && h->minor == 1) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        ssize_t k = conn_send(c, cont, sizeof cont - 1);
        (void)k;                   /* a client that misses it sends anyway */
    }
    c->state = S_BODY;
}

static void read_body(conn *c)
{
    mc_server_req *r = c->req;
    size_t max = c->w->s->o.max_body;
    if (!r->chunked) {
        size_t n = c->inlen < c->body_left ? c->inlen : (size_t)c->body_left;
        mc_buf_append(&r->body, c->in, n);
        in_consume(c, n);
        c->body_left -= n;
        if (r->body.oom) {
            refuse(c, 500, "out of memory", true);
            return;
        }
        if (!c->body_left)
            dispatch(c);
        return;
    }
    size_t used, data;
    const char *msg = "";
    mc_h1_result res = mc_h1_chunked_decode(&c->ck, c->in, c->inlen, MAX_TRAILER, &used, &data,
                                            &msg);
    if (r->body.len + data > max) {
        char m[96];
        snprintf(m, sizeof m, "request body exceeds %zu bytes", max);
        refuse(c, 413, m, true);
        return;
    }
    mc_buf_append(&r->body, c->in, data);
    in_consume(c, used);
    if (res == MC_H1_ERROR)
        refuse(c, 400, msg, true);
    else if (r->body.oom)
        refuse(c, 500, "out of memory", true);
    else if (res == MC_H1_DONE)
        dispatch(c);
}

static void parse_input(conn *c)
{
    const mc_server_options *o = &c->w->s->o;
    while (!c->dead && (c->state == S_HEAD || c->state == S_BODY)) {
        if (c->state == S_BODY) {
            if (!c->inlen)
                return;
            read_body(c);
            continue;
        }
        if (!c->inlen)
            return;
        mc_h1_head h;
        size_t used = 0;
        int status = 0;
        const char *msg = NULL;
        mc_h1_result res = mc_h1_parse_head(c->in, c->inlen, o->max_header, &h, &used, &status,
                                            &msg);
        if (res == MC_H1_MORE) {
            if (c->list != L_RECV)
                list_put(c, L_RECV, now_ms());
            return;
        }
        if (res == MC_H1_ERROR) {
            refuse(c, status, msg, true);
            return;
        }
        start_request(c, &h, used);
    }
}

/* Write what is left of the answer.  True when all of it is written. */
static bool flush(conn *c)
{
    while (c->outoff < c->outlen) {
        ssize_t n = conn_send(c, c->out + c->outoff, c->outlen - c->outoff);
        if (n > 0) {
            c->outoff += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->writable = false;
            if (c->list != L_SEND)
                list_put(c, L_SEND, now_ms());
            return false;
        }
        if (n < 0 && errno == EINTR)
            continue;
        conn_close(c);
        return false;
    }
    free(c->out);
    c->out = NULL;
    c->outlen = c->outoff = 0;
    return true;
}

static void start_linger(conn *c)
{
    if (c->tls)
        mc_tls_shutdown(c->tls);
    shutdown(c->fd, SHUT_WR);
    c->state = S_LINGER;
    c->linger_start = now_ms();
    c->lingered = 0;
    c->inlen = 0;
    list_put(c, L_LINGER, now_ms());
}

/* The answer is out: close, linger, or wait for the next request. */
static void answered(conn *c)
{
    mc_server_req *r = c->req;
    c->req = NULL;
    if (r) {
        r->c = NULL;
        req_unref(r);
    }
    list_remove(c);
    if (c->close_after) {
        if (c->linger && !c->eof)
            start_linger(c);
        else
            conn_close(c);
        return;
    }
    c->state = S_HEAD;
    if (c->inlen == 0 && c->incap > READ_CHUNK * 2) {
        free(c->in);               /* idle connections keep no buffer */
        c->in = NULL;
        c->incap = 0;
    }
    if (c->inlen)
        list_put(c, L_RECV, now_ms());
    else
        list_put(c, L_IDLE, now_ms());
}

static void linger_read(conn *c)
{
    while (c->readable) {
        ssize_t n = conn_recv(c, c->w->scratch, sizeof c->w->scratch);
        if (n > 0) {
            c->lingered += (size_t)n;
            if (c->lingered > LINGER_BYTES || now_ms() - c->linger_start > LINGER_MS) {
                conn_close(c);
                return;
            }
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            conn_close(c);
            return;
        }
        if (errno != EINTR)
            c->readable = false;
    }
    list_put(c, L_LINGER, now_ms());
}

/* Do everything the connection's state and readiness allow. */
static void conn_run(conn *c)
{
    const mc_server_options *o = &c->w->s->o;
    for (int guard = 0; !c->dead && guard < 64; guard++) {
        switch (c->state) {
        case S_HEAD:
        case S_BODY: {
            int before = c->state;
            size_t had = c->inlen;
            /* read no more than one head or one body's worth ahead */
            size_t limit = c->state == S_HEAD ? o->max_header + READ_CHUNK
                                              : (size_t)c->inlen + READ_CHUNK;
            if (!read_some(c, limit)) {
                conn_close(c);
                return;
            }
            if (c->state == S_HEAD && c->list == L_IDLE && c->inlen)
                list_put(c, L_RECV, now_ms());
            parse_input(c);
            if (c->dead)
                return;
            if (c->state == before && (c->state == S_HEAD || c->state == S_BODY)) {
                if (c->eof) {          /* the client left mid-request (or between) */
                    conn_close(c);
                    return;
                }
                if (c->inlen == had && !c->readable)
                    return;            /* wait for more */
                if (c->state == S_HEAD && c->inlen >= limit)
                    return;
            }
            continue;
        }
        case S_HANDLER:
            return;                    /* the flow has it; reading waits */
        case S_WRITE:
            if (!c->writable && c->outoff < c->outlen)
                return;
            if (!flush(c))
                return;
            answered(c);
            continue;
        case S_LINGER:
            linger_read(c);
            return;
        }
    }
    if (!c->dead)
        run_later(c);                  /* more to do: next pass */
}

static void conn_new(worker *w, int fd)
{
    conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->w = w;
    c->fd = fd;
    if (w->s->tls && !(c->tls = mc_tls_conn_new(w->s->tls, fd))) {
        close(fd);
        free(c);
        return;
    }
    c->state = S_HEAD;
    c->writable = true;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        mc_tls_conn_free(c->tls);
        close(fd);
        free(c);
        return;
    }
    c->all_next = w->all;
    if (w->all)
        w->all->all_prev = c;
    w->all = c;
    w->conns++;
    list_put(c, L_IDLE, now_ms());
}

/* At the connection limit: close the connection idle the longest (a
 * keep-alive one, or one that has not sent a whole head), as nginx reuses
 * idle connections.  False when every connection is busy. */
static bool evict_one(worker *w)
{
    conn *c = w->lists[L_IDLE].head;
    if (!c)
        for (c = w->lists[L_RECV].head; c && c->state != S_HEAD; c = c->next)
            ;
    if (!c)
        return false;
    conn_close(c);
    return true;
}

static void accept_all(worker *w)
{
    const mc_server_options *o = &w->s->o;
    for (int k = 0; k < 64 && w->lfd >= 0; k++) {
        int fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if ((errno == EMFILE || errno == ENFILE) && evict_one(w))
                continue;
            return;
        }
        if (w->conns >= o->max_connections && !evict_one(w)) {
            close(fd);
            continue;
        }
        conn_new(w, fd);
    }
}

/* ---- the worker loop ------------------------------------------------------ */

static void wake(worker *w)
{
    uint64_t one = 1;
    ssize_t n = write(w->wake_fd, &one, sizeof one);
    (void)n;
}

static double next_deadline(worker *w)
{
    double t = -1;
    for (int l = L_IDLE; l < L_COUNT; l++)
        if (w->lists[l].head && (t < 0 || w->lists[l].head->deadline < t))
            t = w->lists[l].head->deadline;
    if (w->pend_head && (t < 0 || w->pend_head->deadline < t))
        t = w->pend_head->deadline;
    return t;
}

static int poll_timeout(worker *w, double now)
{
    double t = 1000;
    double d = next_deadline(w);
    if (d >= 0 && d - now < t)
        t = d - now;
    long ct = mc_http_timeout_ms(w->client);
    if (ct >= 0 && (double)ct < t)
        t = (double)ct;
    if (w->run_head)
        t = 0;
    return t < 0 ? 0 : (int)t + (t > (int)t);
}

static void expire(worker *w, double now)
{
    conn *c;
    while ((c = w->lists[L_IDLE].head) && c->deadline <= now)
        conn_close(c);
    while ((c = w->lists[L_SEND].head) && c->deadline <= now)
        conn_close(c);
    while ((c = w->lists[L_LINGER].head) && c->deadline <= now)
        conn_close(c);
    while ((c = w->lists[L_RECV].head) && c->deadline <= now) {
        /* the request did not arrive in time: 408 frees its slot, then a
         * (bounded) lingering close so the answer is not lost in a reset */
        list_remove(c);
        refuse(c, 408, "request not received within the request timeout", true);
    }
    while (w->pend_head && w->pend_head->deadline <= now)
        error_answer(w->pend_head, 504, "request timed out", NULL);
}

static void run_queue(worker *w)
{
    while (w->run_head) {
        conn *c = w->run_head;
        w->run_head = c->run_next;
        if (!w->run_head)
            w->run_tail = NULL;
        c->queued = false;
        conn_run(c);
    }
}

static void stop_listening(worker *w)
{
    if (w->lfd >= 0) {
        epoll_ctl(w->ep, EPOLL_CTL_DEL, w->lfd, NULL);
        close(w->lfd);
        w->lfd = -1;
    }
}

/* Shutdown: stop accepting, close idle connections; at the deadline
 * answer what is left 503.  True when the worker may exit. */
static bool drain_step(worker *w, double now)
{
    mc_server *s = w->s;
    stop_listening(w);
    conn *c;
    while ((c = w->lists[L_IDLE].head))
        conn_close(c);
    for (c = w->lists[L_RECV].head; c;) {
        conn *n = c->next;
        if (c->state == S_HEAD)
            conn_close(c);
        c = n;
    }
    if (w->active == 0)
        return true;
    if (now >= atomic_load(&s->drain_deadline)) {
        while (w->pend_head) {
            atomic_fetch_add(&s->cut_off, 1);
            error_answer(w->pend_head, 503, "server shutting down", NULL);
        }
        /* a little longer for the answers to leave */
        return now >= atomic_load(&s->drain_deadline) + 1000;
    }
    return false;
}

static void handle_events(worker *w)
{
    struct epoll_event ev[MAX_EVENTS];
    int n = epoll_wait(w->ep, ev, MAX_EVENTS, 0);
    for (int i = 0; i < n; i++) {
        conn *c = ev[i].data.ptr;
        if (!c) {
            accept_all(w);
            continue;
        }
        if (c->dead)
            continue;
        if (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            c->readable = true;
        if (ev[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            c->writable = true;
        if (c->tls)                /* a TLS read may wait to write, and the reverse */
            c->readable = c->writable = true;
        conn_run(c);
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    mc_http_waitfd p[2];
    for (;;) {
        double now = now_ms();
        if (atomic_load(&w->s->stopping) && drain_step(w, now))
            break;
        p[0] = (mc_http_waitfd){.fd = w->wake_fd, .events = POLLIN};
        p[1] = (mc_http_waitfd){.fd = w->ep, .events = POLLIN};
        int timeout = poll_timeout(w, now);
        if (atomic_load(&w->s->stopping) && timeout > 50)
            timeout = 50;
        mc_http_wait(w->client, p, 2, timeout);
        if (p[0].revents & POLLIN) {
            uint64_t v;
            ssize_t r = read(w->wake_fd, &v, sizeof v);
            (void)r;
        }
        handle_events(w);
        mc_http_run(w->client, 0);
        expire(w, now_ms());
        run_queue(w);
        free_dead(w);
    }
    return NULL;
}

/* ---- sockets ---------------------------------------------------------- */

static int parse_addr(const char *bind_addr, int port, struct sockaddr_storage *ss,
                      socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, bind_addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *len = sizeof *a4;
        return AF_INET;
    }
    if (inet_pton(AF_INET6, bind_addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof *a6;
        return AF_INET6;
    }
    return -1;
}

/* A socket bound to the address; reuseport for the workers of one server. */
static int bound_socket(const char *bind_addr, int port, bool reuseport, bool listening,
                        mc_err *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int family = parse_addr(bind_addr, port, &ss, &len);
    if (family < 0) {
        mc_err_set(err, MC_EINVAL, "bind address '%s' is not an IP address", bind_addr);
        return -1;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
        bind(fd, (struct sockaddr *)&ss, len) != 0 || (listening && listen(fd, 1024) != 0)) {
        mc_err_set(err, MC_EIO, "cannot listen on %s:%d: %s", bind_addr, port,
                   errno == EADDRINUSE ? "address already in use" : strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* ---- lifecycle ---------------------------------------------------------- */

static void apply_defaults(mc_server_options *o)
{
    if (!o->bind || !*o->bind) o->bind = "127.0.0.1";
    if (o->workers <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o->workers = n > 0 ? (int)n : 1;
    }
    if (!o->max_body) o->max_body = 10u << 20;
    if (!o->max_header) o->max_header = 8u << 10;  /* as nginx and Apache */
    if (!o->idle_timeout_s) o->idle_timeout_s = 60;
    if (o->request_timeout_ms <= 0) o->request_timeout_ms = 60000;
    if (!o->max_concurrent) o->max_concurrent = 1024;
    if (!o->max_connections) o->max_connections = 10000;
}

static void worker_free(worker *w)
{
    /* requests still in flows finish here: their handlers see "client
     * closed" and answer into closed connections */
    if (w->client)
        mc_http_client_free(w->client);
    w->client = NULL;
    while (w->all)
        conn_close(w->all);
    while (w->pend_head) {
        mc_server_req *r = w->pend_head;
        pending_remove(r);
    }
    free_dead(w);
    stop_listening(w);
    if (w->ep >= 0)
        close(w->ep);
    if (w->wake_fd >= 0)
        close(w->wake_fd);
    w->ep = w->wake_fd = -1;
}

static bool worker_init(mc_server *s, worker *w, int index, int fd, mc_err *err)
{
    w->s = s;
    w->index = index;
    w->lfd = fd;
    w->ep = epoll_create1(EPOLL_CLOEXEC);
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    w->client = mc_http_client_new(s->o.client);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (w->ep < 0 || w->wake_fd < 0 || !w->client ||
        epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        mc_err_set(err, MC_ENOMEM, "cannot create worker %d", index);
        return false;
    }
    return true;
}

static void join_workers(mc_server *s)
{
    for (int i = 0; i < s->nworkers; i++)
        if (s->workers[i].started)
            pthread_join(s->workers[i].thread, NULL);
}

static void free_server(mc_server *s)
{
    for (int i = 0; i < s->nworkers; i++)
        worker_free(&s->workers[i]);
    free(s->workers);
    mc_tls_server_free(s->tls);
    free(s);
}

/* Each worker listens on its own SO_REUSEPORT socket.  A probe bound
 * without SO_REUSEPORT first proves the port is not in use (by another
 * server's reuseport sockets included): a second server on the same port
 * fails with "address already in use" instead of sharing the traffic. */
static bool open_workers(mc_server *s, mc_err *err)
{
    for (int i = 0; i < s->nworkers; i++)
        s->workers[i].ep = s->workers[i].wake_fd = s->workers[i].lfd = -1;
    int probe = bound_socket(s->o.bind, s->o.port, false, false, err);
    if (probe < 0)
        return false;
    int port = bound_port(probe);
    int fds[256];
    int n = 0;
    bool ok = true;
    /* reuseport sockets cannot join a socket bound without the option, so
     * the probe is closed right before the workers bind: another process
     * could only take the port in that moment, and then this start fails */
    close(probe);
    for (; n < s->nworkers && ok; n++)
        ok = (fds[n] = bound_socket(s->o.bind, port, true, true, err)) >= 0;
    if (!ok) {
        for (int i = 0; i < n - 1; i++)
            close(fds[i]);
        return false;
    }
    s->port = port;
    for (int i = 0; i < s->nworkers; i++) {
        if (!worker_init(s, &s->workers[i], i, fds[i], err)) {
            for (int k = i + 1; k < s->nworkers; k++)
                close(fds[k]);
            return false;
        }
    }
    return true;
}

mc_server *mc_server_start(const mc_server_options *opts, mc_err *err)
{
    if (!opts || !opts->handler) {
        mc_err_set(err, MC_EINVAL, "server needs a handler");
        return NULL;
    }
    mc_server *s = calloc(1, sizeof *s);
    if (!s) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    s->o = *opts;
    apply_defaults(&s->o);
    if (s->o.workers > 256)
        s->o.workers = 256;
    s->nworkers = s->o.workers;
    s->o.max_connections = (s->o.max_connections + (unsigned)s->nworkers - 1) /
                           (unsigned)s->nworkers;   /* per worker */
    s->workers = calloc((size_t)s->nworkers, sizeof *s->workers);
    if (!s->workers) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        free(s);
        return NULL;
    }
    if (s->o.tls_cert || s->o.tls_key) {
        if (!s->o.tls_cert || !s->o.tls_key) {
            mc_err_set(err, MC_EINVAL, "TLS needs both a certificate and a key");
            free_server(s);
            return NULL;
        }
        if (!(s->tls = mc_tls_server_new(s->o.tls_cert, s->o.tls_key, err))) {
            free_server(s);
            return NULL;
        }
    }
    if (!open_workers(s, err)) {
        free_server(s);
        return NULL;
    }
    for (int i = 0; i < s->nworkers; i++) {
        if (pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]) != 0) {
            mc_err_set(err, MC_EIO, "cannot start worker thread");
            atomic_store(&s->drain_deadline, 0.0);
            atomic_store(&s->stopping, true);
            for (int k = 0; k < i; k++)
                wake(&s->workers[k]);
            join_workers(s);
            free_server(s);
            return NULL;
        }
        s->workers[i].started = true;
    }
    return s;
}

int mc_server_port(const mc_server *s) { return s->port; }
int mc_server_workers(const mc_server *s) { return s->nworkers; }
unsigned mc_server_inflight(const mc_server *s) { return atomic_load(&s->inflight); }

unsigned mc_server_stop(mc_server *s, long drain_ms)
{
    if (!s)
        return 0;
    atomic_store(&s->drain_deadline, now_ms() + (double)(drain_ms > 0 ? drain_ms : 0));
    atomic_store(&s->stopping, true);
    for (int i = 0; i < s->nworkers; i++)
        wake(&s->workers[i]);
    join_workers(s);
    unsigned cut = atomic_load(&s->cut_off);
    free_server(s);
    return cut;
}

/* ---- admin server -------------------------------------------------------- */

struct mc_admin_server {
    mc_server *srv;
    mc_admin_handler h;
    void *userdata;
    char *token;                  /* NULL: no token asked */
};

/* A token is asked for everything but the probes; compared in constant time. */
static bool admin_authorized(const mc_admin_server *a, const mc_server_req *r)
{
    const char *path = mc_server_req_path(r);
    if (!a->token || strcmp(path, "/healthz") == 0 || strcmp(path, "/liveness") == 0)
        return true;
    const char *auth = mc_server_req_get_header(r, "Authorization");
    if (!auth || strncmp(auth, "Bearer ", 7) != 0)
        return false;
    const char *got = auth + 7;
    size_t n = strlen(a->token), m = strlen(got);
    unsigned diff = (unsigned)(n ^ m);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)a->token[i] ^ (unsigned char)(i < m ? got[i] : 0);
    return diff == 0;
}

void mc_admin_server_set_token(mc_admin_server *a, const char *token)
{
    free(a->token);
    a->token = token && *token ? strdup(token) : NULL;
}

static void on_admin(void *ud, mc_server_req *r)
{
    mc_admin_server *a = ud;
    mc_buf body = MC_BUF_INIT;
    const char *ctype = "text/plain; charset=utf-8";
    int status;
    if (!admin_authorized(a, r)) {
        ctype = "application/json";
        mc_buf_puts(&body, "{\"Error\":\"a management token is required: "
                           "Authorization: Bearer TOKEN\"}\n");
        status = 401;
    } else {
        /* the handler gets the target as the client sent it: path?query */
        mc_buf target = MC_BUF_INIT;
        const char *query = mc_server_req_query(r);
        mc_buf_puts(&target, mc_server_req_path(r));
        if (query) {
            mc_buf_putc(&target, '?');
            mc_buf_puts(&target, query);
        }
        status = a->h(a->userdata, mc_server_req_method(r),
                      target.oom ? mc_server_req_path(r) : mc_buf_cstr(&target), &body, &ctype);
        mc_buf_free(&target);
    }
    mc_http_header h = {"Content-Type", ctype};
    if (body.oom)
        mc_server_respond_error(r, 500, "out of memory", NULL);
    else
        mc_server_respond(r, status, &h, 1, body.data ? body.data : "", body.len);
    mc_buf_free(&body);
}

mc_admin_server *mc_admin_server_start(const char *bind_addr, int port,
                                       mc_admin_handler h, void *userdata, mc_err *err)
{
    mc_admin_server *a = calloc(1, sizeof *a);
    if (!a) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    a->h = h;
    a->userdata = userdata;
    mc_http_options client = {.max_connections = 1};
    mc_server_options o = {
        .bind = bind_addr, .port = port, .workers = 1, .max_body = 64u << 10,
        .max_header = 8u << 10, .idle_timeout_s = MC_ADMIN_IDLE_S,
        .request_timeout_ms = MC_ADMIN_IDLE_S * 1000, .max_concurrent = 64,
        .max_connections = MC_ADMIN_MAX_CONNECTIONS, .client = &client,
        .handler = on_admin, .userdata = a,
    };
    a->srv = mc_server_start(&o, err);
    if (!a->srv) {
        free(a);
        return NULL;
    }
    return a;
}

int mc_admin_server_port(const mc_admin_server *a) { return mc_server_port(a->srv); }

void mc_admin_server_stop(mc_admin_server *a)
{
    if (!a)
        return;
    mc_server_stop(a->srv, 0);
    free(a->token);
    free(a);
}
