/* conn.c - the HTTP server's connections (see server.h): reading and
 * framing requests (h1.c, strict RFC 9112), admission, handing complete
 * requests to the handler, writing answers, keep-alive, the timer lists
 * and the lingering close after an error, so a client that writes its
 * whole request before reading still gets the answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/server_internal.h"
#include "json/json.h"
#include "util/hash.h"
#include "util/mem.h"

#define OUT_KEEP_MAX ((size_t)16 << 10)   /* answer buffer kept per connection */

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

void mc_srv_list_remove(conn *c)
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
void mc_srv_list_put(conn *c, int list, double from)
{
    mc_srv_list_remove(c);
    tlist *l = &c->w->lists[list];
    c->list = list;
    c->deadline = from + list_timeout(c->w, list);
    c->prev = l->tail;
    c->next = NULL;
    if (l->tail) l->tail->next = c; else l->head = c;
    l->tail = c;
}

void mc_srv_run_later(conn *c)
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
    mc_buf_free(&r->h2_fields);
    free(r->h2_answer);
    mc_buf_free(&r->body);
    free(r);
    mc_mem_after_request(body);   /* after a big body: RSS goes back down */
}

void mc_srv_req_unref(mc_server_req *r)
{
    if (--r->refs == 0)
        req_free(r);
}

void mc_srv_pending_remove(mc_server_req *r)
{
    if (!r->pending)
        return;
    worker *w = r->w;
    if (r->prev) r->prev->next = r->next; else w->pend_head = r->next;
    if (r->next) r->next->prev = r->prev; else w->pend_tail = r->prev;
    r->prev = r->next = NULL;
    r->pending = false;
}

void mc_srv_pending_add(mc_server_req *r)
{
    worker *w = r->w;
    r->pending = true;
    r->prev = w->pend_tail;
    r->next = NULL;
    if (w->pend_tail) w->pend_tail->next = r; else w->pend_head = r;
    w->pend_tail = r;
}

void mc_srv_release_slot(mc_server_req *r)
{
    if (r->counted) {
        r->counted = false;
        atomic_fetch_sub(&r->w->s->inflight, 1);
        r->w->active--;
    }
}

bool mc_srv_admit(mc_server_req *r)
{
    mc_server *s = r->w->s;
    r->w->active++;
    r->counted = true;
    return atomic_fetch_add(&s->inflight, 1) + 1 <= s->o.max_concurrent;
}

void mc_srv_req_detach(mc_server_req *r)
{
    r->c = NULL;
    if (!r->dispatched) {             /* never reached a handler: nobody will answer */
        r->answered = true;
        mc_srv_release_slot(r);
        mc_srv_pending_remove(r);
    }
    mc_srv_req_unref(r);
}

/* Copy the parsed head into the block after the request: strings
 * NUL-terminated, headers an array of pointers into it. */
static mc_server_req *req_from_head(worker *w, const mc_h1_head *h)
{
    size_t need = h->method.n + h->path.n + h->query.n + 3 + h->nheaders * sizeof(mc_http_header);
    for (size_t i = 0; i < h->nheaders; i++)
        need += h->names[i].n + h->values[i].n + 2;
    /* the request and its head in one allocation (r->block stays NULL) */
    mc_server_req *r = malloc(sizeof *r + need);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    char *b = (char *)(r + 1);
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
    mc_fixed_put(r->tag, sizeof r->tag, 0, tag ? tag : "", tag ? strlen(tag) : 0);
}

/* ---- answers ------------------------------------------------------------ */

/* The answer's own headers (framing, connection, date), known by length
 * and first letter: at most one strcasecmp a name (two for Keep-Alive). */
static bool skip_header(const char *name, size_t n)
{
    static const char first[18] = {[4] = 'd', [10] = 'c', [14] = 'c', [17] = 't'};
    unsigned char c = mc_ascii_lower((unsigned char)name[0]);
    if (n >= sizeof first || (c != first[n] && !(n == 10 && c == 'k')))
        return false;
    switch (n) {
    case 4: return !strcasecmp(name, "Date");
    case 10: return !strcasecmp(name, "Connection") || !strcasecmp(name, "Keep-Alive");
    case 14: return !strcasecmp(name, "Content-Length");
    case 17: return !strcasecmp(name, "Transfer-Encoding");
    default: return false;
    }
}

/* A header value that cannot split the answer: no CR, LF or NUL. */
static bool safe_value(const char *v)
{
    return v[strcspn(v, "\r\n")] == '\0';
}

bool mc_srv_skip_answer_header(const char *name, const char *value)
{
    if (!name || !value)
        return true;
    size_t n = strlen(name);
    return skip_header(name, n) || !mc_h1_token(name, n) || !safe_value(value);
}

const char *mc_srv_http_date(worker *w)
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
    /* into the connection's buffer of the last answer: no malloc, no printf */
    mc_buf b = {c->out, 0, c->outcap, false, NULL};
    c->out = NULL;
    c->outcap = 0;
    bool no_body = r->head_method || status == 204 || status == 304;
    mc_buf_puts(&b, "HTTP/1.1 ");
    if (status < 0)
        mc_buf_putc(&b, '-');
    mc_buf_put_uint(&b, status < 0 ? -(unsigned long long)status : (unsigned long long)status);
    mc_buf_putc(&b, ' ');
    mc_buf_puts(&b, mc_h1_reason(status));
    mc_buf_puts(&b, "\r\nDate: ");
    mc_buf_puts(&b, mc_srv_http_date(c->w));
    mc_buf_puts(&b, "\r\n");
    if (status != 204 && status != 304) {
        mc_buf_puts(&b, "Content-Length: ");
        mc_buf_put_uint(&b, len);
        mc_buf_puts(&b, "\r\n");
    }
    if (c->close_after)
        mc_buf_puts(&b, "Connection: close\r\n");
    for (size_t i = 0; i < nh; i++) {
        if (mc_srv_skip_answer_header(h[i].name, h[i].value))
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
    c->outlen = b.len;
    c->outoff = 0;
    c->out = b.data;
    c->outcap = b.cap;
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
    mc_srv_pending_remove(r);
    conn *c = r->c;
    mc_server *s = r->w->s;
    if (c && c->h2) {
        mc_h2_answer(r, status, h, nh, body, len);
        mc_srv_run_later(c);
    } else if (c) {
        if (atomic_load(&s->stopping) || !r->dispatched)
            c->close_after = true;   /* refused before its body was read */
        if (!build_answer(c, r, status, h, nh, body, len)) {
            c->close_after = true;
            c->linger = false;
            build_answer(c, r, 500, NULL, 0, NULL, 0);
        }
        mc_srv_list_remove(c);
        c->state = S_WRITE;
        mc_srv_run_later(c);
    }
    mc_srv_release_slot(r);
    if (s->o.done)
        s->o.done(s->o.userdata, r, status, mc_clock_read_ms() - r->start);  /* the end, read now */
}

void mc_srv_error_answer(mc_server_req *r, int status, const char *message,
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
        mc_srv_req_unref(r);
}

void mc_server_respond_error(mc_server_req *r, int status, const char *message,
                             const mc_http_header *extra)
{
    mc_srv_error_answer(r, status, message, extra);
    if (!r->in_handler)
        mc_srv_req_unref(r);
}

/* ---- connections -------------------------------------------------------- */

void mc_srv_conn_close(conn *c)
{
    if (c->dead)
        return;
    worker *w = c->w;
    mc_srv_list_remove(c);
    mc_server_req *r = c->req;
    if (r) {
        c->req = NULL;
        mc_srv_req_detach(r);
    }
    mc_h2_free(c);
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
    atomic_fetch_sub(&w->s->conns, 1);
}

void mc_srv_free_dead(worker *w)
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
void mc_srv_refuse(conn *c, int status, const char *message, bool linger)
{
    c->close_after = true;
    c->linger = linger;
    if (!c->req) {
        /* no request yet (bad head): a request just for the answer */
        mc_server_req *r = calloc(1, sizeof *r);
        if (!r) {
            mc_srv_conn_close(c);
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
    mc_srv_error_answer(c->req, status, message, NULL);
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

/* Read what is there (edge-triggered: until EAGAIN, a short read or the
 * buffer limit).
 * Returns false when the connection is gone. */
bool mc_srv_read_some(conn *c, size_t limit)
{
    while (c->readable && c->inlen < limit) {
        if (!in_reserve(c, READ_CHUNK))
            return false;
        size_t want = c->incap - c->inlen;
        ssize_t n = conn_recv(c, c->in + c->inlen, want);
        if (n > 0) {
            c->inlen += (size_t)n;
            /* A short read drained the socket: bytes arriving later raise a
             * new edge, so the recv() that would only say EAGAIN is saved
             * (as nginx does).  Not when a FIN was signalled (its edge is
             * spent: read on to the 0), nor through TLS (records). */
            if ((size_t)n < want && !c->tls && !c->rdhup)
                c->readable = false;
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

void mc_srv_dispatch_req(mc_server_req *r)
{
    mc_server *s = r->w->s;
    r->dispatched = true;
    r->refs++;                    /* the handler's */
    r->in_handler = true;
    r->deadline = r->start + (double)s->o.request_timeout_ms;
    if (!r->pending)
        mc_srv_pending_add(r);
    s->o.handler(s->o.userdata, r);
    r->in_handler = false;
    if (r->answered)
        mc_srv_req_unref(r);      /* answered before returning */
}

static void dispatch(conn *c)
{
    c->state = S_HANDLER;
    mc_srv_list_remove(c);
    mc_srv_dispatch_req(c->req);
}

/* The head of a new request: admission, then its body. */
static void start_request(conn *c, const mc_h1_head *h, size_t used)
{
    worker *w = c->w;
    mc_server *s = w->s;
    mc_server_req *r = req_from_head(w, h);
    if (!r) {
        mc_srv_refuse(c, 500, "out of memory", true);
        return;
    }
    in_consume(c, used);
    r->c = c;
    r->chunked = h->chunked;
    c->req = r;
    c->close_after = !h->keep_alive || atomic_load(&s->stopping);
    c->linger = false;
    c->served = true;
    bool has_body = h->chunked || (h->has_length && h->content_length > 0);
    if (!mc_srv_admit(r)) {
        mc_srv_refuse(c, 503, "too many requests in progress; retry later", has_body);
        return;
    }
    if (h->has_length && h->content_length > s->o.max_body) {
        char msg[96];
        snprintf(msg, sizeof msg, "request body exceeds %zu bytes", s->o.max_body);
        mc_srv_refuse(c, 413, msg, true);
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
            mc_srv_refuse(c, 500, "out of memory", true);
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
        mc_srv_refuse(c, 413, m, true);
        return;
    }
    mc_buf_append(&r->body, c->in, data);
    in_consume(c, used);
    if (res == MC_H1_ERROR)
        mc_srv_refuse(c, 400, msg, true);
    else if (r->body.oom)
        mc_srv_refuse(c, 500, "out of memory", true);
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
        if (!c->served && !o->no_http2 &&
            !memcmp(c->in, MC_H2_PREFACE, c->inlen < MC_H2_PREFACE_LEN ? c->inlen
                                                                       : MC_H2_PREFACE_LEN)) {
            /* HTTP/2: by ALPN or prior knowledge, the client starts with
             * the preface (RFC 9113 3.4) */
            if (c->inlen < MC_H2_PREFACE_LEN) {
                if (c->list != L_RECV)
                    mc_srv_list_put(c, L_RECV, now_ms());
                return;
            }
            if (!mc_h2_begin(c))
                mc_srv_conn_close(c);
            return;
        }
        mc_h1_head h;
        size_t used = 0;
        int status = 0;
        const char *msg = NULL;
        mc_h1_result res = mc_h1_parse_head(c->in, c->inlen, o->max_header, &h, &used, &status,
                                            &msg);
        if (res == MC_H1_MORE) {
            if (c->list != L_RECV)
                mc_srv_list_put(c, L_RECV, now_ms());
            return;
        }
        if (res == MC_H1_ERROR) {
            mc_srv_refuse(c, status, msg, true);
            return;
        }
        start_request(c, &h, used);
    }
}

bool mc_srv_write(conn *c, const char *buf, size_t len, size_t *off)
{
    while (*off < len) {
        ssize_t n = conn_send(c, buf + *off, len - *off);
        if (n > 0) {
            *off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->writable = false;
            if (c->list != L_SEND)
                mc_srv_list_put(c, L_SEND, now_ms());
            return false;
        }
        if (n < 0 && errno == EINTR)
            continue;
        mc_srv_conn_close(c);
        return false;
    }
    return true;
}

/* Write what is left of the answer.  True when all of it is written. */
static bool flush(conn *c)
{
    if (!mc_srv_write(c, c->out, c->outlen, &c->outoff))
        return false;
    if (c->outcap > OUT_KEEP_MAX) {   /* a big answer's memory goes back */
        free(c->out);
        c->out = NULL;
        c->outcap = 0;
    }
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
    mc_srv_list_put(c, L_LINGER, now_ms());
}

/* The answer is out: close, linger, or wait for the next request. */
static void answered(conn *c)
{
    mc_server_req *r = c->req;
    c->req = NULL;
    if (r) {
        r->c = NULL;
        mc_srv_req_unref(r);
    }
    mc_srv_list_remove(c);
    if (c->close_after) {
        if (c->linger && !c->eof)
            start_linger(c);
        else
            mc_srv_conn_close(c);
        return;
    }
    c->state = S_HEAD;
    if (c->inlen == 0 && c->incap > READ_CHUNK * 2) {
        free(c->in);               /* idle connections keep no buffer */
        c->in = NULL;
        c->incap = 0;
    }
    if (c->inlen)
        mc_srv_list_put(c, L_RECV, now_ms());
    else
        mc_srv_list_put(c, L_IDLE, now_ms());
}

static void linger_read(conn *c)
{
    while (c->readable) {
        ssize_t n = conn_recv(c, c->w->scratch, sizeof c->w->scratch);
        if (n > 0) {
            c->lingered += (size_t)n;
            if (c->lingered > LINGER_BYTES || mc_clock_read_ms() - c->linger_start > LINGER_MS) {
                mc_srv_conn_close(c);
                return;
            }
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            mc_srv_conn_close(c);
            return;
        }
        if (errno != EINTR)
            c->readable = false;
    }
    mc_srv_list_put(c, L_LINGER, now_ms());
}

/* Do everything the connection's state and readiness allow. */
void mc_srv_conn_run(conn *c)
{
    const mc_server_options *o = &c->w->s->o;
    for (int guard = 0; !c->dead && guard < 64; guard++) {
        if (c->h2) {
            mc_h2_run(c);
            return;
        }
        switch (c->state) {
        case S_HEAD:
        case S_BODY: {
            int before = c->state;
            size_t had = c->inlen;
            /* read no more than one head or one body's worth ahead */
            size_t limit = c->state == S_HEAD ? o->max_header + READ_CHUNK
                                              : (size_t)c->inlen + READ_CHUNK;
            if (!mc_srv_read_some(c, limit)) {
                mc_srv_conn_close(c);
                return;
            }
            if (c->state == S_HEAD && c->list == L_IDLE && c->inlen)
                mc_srv_list_put(c, L_RECV, now_ms());
            parse_input(c);
            if (c->dead)
                return;
            if (c->state == before && (c->state == S_HEAD || c->state == S_BODY)) {
                if (c->eof) {          /* the client left mid-request (or between) */
                    mc_srv_conn_close(c);
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
        mc_srv_run_later(c);                  /* more to do: next pass */
}

/* A connection for fd, which holds a slot of the global count (mc_srv_accept_all
 * took it); false when it could not be set up (fd closed). */
static bool conn_new(worker *w, int fd)
{
    conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return false;
    }
    c->w = w;
    c->fd = fd;
    if (w->s->tls && !(c->tls = mc_tls_conn_new(w->s->tls, fd))) {
        close(fd);
        free(c);
        return false;
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
        return false;
    }
    c->all_next = w->all;
    if (w->all)
        w->all->all_prev = c;
    w->all = c;
    w->conns++;
    mc_srv_list_put(c, L_IDLE, now_ms());
    return true;
}

/* At the connection limit: the connection idle the longest (a keep-alive
 * one, or one that has not sent a whole head), as nginx reuses idle
 * connections; NULL when every connection is busy. */
static conn *evictable(worker *w)
{
    conn *c = w->lists[L_IDLE].head;
    if (!c)
        for (c = w->lists[L_RECV].head; c && c->state != S_HEAD; c = c->next)
            ;
    return c;
}

static bool evict_one(worker *w)
{
    conn *c = evictable(w);
    if (!c)
        return false;
    mc_srv_conn_close(c);
    return true;
}

/* Connections taken per wakeup of the listener (docs/bench.md, "One
 * listening socket"). */
enum { ACCEPTS_PER_WAKEUP = 64 };

void mc_srv_accept_all(worker *w)
{
    mc_server *s = w->s;
    for (int k = 0; k < ACCEPTS_PER_WAKEUP && w->lfd >= 0 && !w->listen_off; k++) {
        /* shared listener, at its share while the workers together are
         * under max_connections: another has room, so step aside (the
         * listener leaves this epoll set) rather than refuse or close an
         * idle connection, as nginx stops accepting near its limit */
        if (s->o.shared_listener && w->conns >= s->worker_max_conns &&
            atomic_load(&s->conns) < s->o.max_connections) {
            mc_srv_listen_pause(w);
            return;
        }
        int fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                /* accept fails so with an empty queue too (the descriptor
                 * is taken first): close an idle connection only for one
                 * that waits */
                struct pollfd p = {.fd = w->lfd, .events = POLLIN};
                if (poll(&p, 1, 0) != 1)
                    return;
                if (evict_one(w))
                    continue;
                /* out of descriptors with nothing idle here: step aside a
                 * moment (another worker may have an idle one to close),
                 * rather than be woken again at once by the waiting
                 * connection, as nginx pauses accepting */
                mc_srv_listen_pause(w);
                w->listen_resume_at = now_ms() + LISTEN_RETRY_MS;
            }
            return;
        }
        /* a slot under the worker's share and the global limit, taken
         * atomically; at either limit the slot of an evicted connection
         * (counted before the eviction frees it, so the count never
         * falls short) or, every connection busy, refused */
        bool room = w->conns < s->worker_max_conns;
        if (room && atomic_fetch_add(&s->conns, 1) >= s->o.max_connections) {
            atomic_fetch_sub(&s->conns, 1);
            room = false;
        }
        if (!room) {
            mc_srv_listen_recall(w);   /* their idle connections count again */
            atomic_fetch_add(&s->conns, 1);
            if (!evict_one(w)) {
                atomic_fetch_sub(&s->conns, 1);
                close(fd);
                continue;
            }
        }
        if (!conn_new(w, fd))
            atomic_fetch_sub(&s->conns, 1);
    }
}
