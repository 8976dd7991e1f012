/* lean.c - the lean HTTP/1.1 upstream client (see lean.h): a pool of
 * kept-alive connections (plain or TLS) per host:port, one request buffer
 * (the head built once at submit, the body sent with it in one sendmsg)
 * and one response buffer per connection, responses framed by h1resp.c
 * and h1.c's chunked decoder.  No DNS on the loop: names come here once
 * resolve.c's thread has cached their address (until then libcurl
 * carries them).  Nothing here logs (request heads carry credentials). */
#include "http/lean.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "http/clock.h"
#include "http/h1.h"
#include "http/h1resp.h"
#include "http/resolve.h"
#include "util/buf.h"
#include "util/hash.h"

#define MAX_RESPONSE_HEAD (100 * 1024)      /* curl's CURL_MAX_HTTP_HEADER */
#define MAX_RESPONSE_HEADERS 1000
#define MAX_TRAILER (16 * 1024)
#define READ_CHUNK (16 * 1024)
#define IDLE_MAX_MS 55000                  /* older pooled connections are not reused */

typedef enum cstate {
    CS_CONNECTING,
    CS_HANDSHAKE,                          /* TLS */
    CS_SENDING,
    CS_HEAD,                               /* awaiting (the rest of) the head */
    CS_BODY,
    CS_IDLE
} cstate;

struct mc_lean_conn {
    int fd;
    cstate state;
    struct lhost *host;
    mc_lean_conn *next;                    /* the host's idle list */
    mc_lean_conn *aprev, *anext;           /* the client's busy list */
    mc_lean_req *q;
    uint64_t idle_since;
    unsigned served;                       /* requests answered on it */
    size_t sent;
    bool got_bytes;                        /* of this attempt's answer */
    bool keep;                             /* reusable after this answer */
    int want;                              /* MC_HTTP_WATCH_* announced */
    SSL *ssl;                              /* https */
    mc_buf out;                            /* https: head and body, for SSL_write */
    mc_buf in;                             /* unparsed response bytes */
    mc_h1_resp rh;
    mc_h1_chunked ch;
    uint64_t left;                         /* MC_H1_BODY_LENGTH: bytes to come */
};

typedef struct lhost {
    struct lhost *next;
    char *key;
    bool tls, insecure;                    /* never shared across these */
    SSL_SESSION *session;                  /* https: the last one, to resume */
    mc_lean_conn *idle;
} lhost;

/* A URL's origin ("http://host:port" exactly as written), parsed once:
 * requests to the same origin take only the path from the URL. */
#define LEAN_ORIGINS 8
#define LEAN_FAST_HEADERS 32                /* header lengths kept while the head is built */
typedef struct origin {
    char text[96];
    size_t len;                            /* 0: a free slot */
    size_t hlen;                           /* the host's bytes after "//" */
    uint16_t port;
    bool tls;
    bool literal;                          /* an IPv4 literal: addrs is it */
    mc_resolve_addrs addrs;                /* a name's: resolve.c's answer,
                                              reused until fresh_until */
    uint64_t used;                         /* for eviction */
} origin;

struct mc_lean {
    origin origins[LEAN_ORIGINS];
    uint64_t origin_clock;
    size_t max_idle, nidle;
    size_t max_response;
    mc_lean_done_fn done;
    void *ud;
    mc_http_watch_fn watch;
    void *watch_ud;
    bool curl_only;                        /* a proxy variable is set, or
                                              MC_HTTP_CLIENT=curl */
    bool https_proxy;                      /* https_proxy / HTTPS_PROXY set */
    SSL_CTX *tls;                          /* made at the first https request */
    lhost *hosts;
    mc_lean_conn *busy;
    mc_lean_conn **byfd;
    int nbyfd;
    size_t nconns;
};

/* ----------------------------------------------------------- sockets */

static void announce(mc_lean *l, mc_lean_conn *k, int want)
{
    if (k->want == want)
        return;
    k->want = want;
    if (l->watch)
        l->watch(l->watch_ud, k->fd, want);
}

static bool byfd_set(mc_lean *l, int fd, mc_lean_conn *k)
{
    if (fd >= l->nbyfd) {
        int n = l->nbyfd ? l->nbyfd : 64;
        while (n <= fd)
            n *= 2;
        mc_lean_conn **p = realloc(l->byfd, (size_t)n * sizeof *p);
        if (!p)
            return false;
        memset(p + l->nbyfd, 0, (size_t)(n - l->nbyfd) * sizeof *p);
        l->byfd = p;
        l->nbyfd = n;
    }
    l->byfd[fd] = k;
    return true;
}

static void busy_link(mc_lean *l, mc_lean_conn *k)
{
    k->aprev = NULL;
    k->anext = l->busy;
    if (l->busy)
        l->busy->aprev = k;
    l->busy = k;
}

static void busy_unlink(mc_lean *l, mc_lean_conn *k)
{
    if (k->aprev)
        k->aprev->anext = k->anext;
    else if (l->busy == k)
        l->busy = k->anext;
    if (k->anext)
        k->anext->aprev = k->aprev;
    k->aprev = k->anext = NULL;
}

static void idle_unlink(mc_lean *l, mc_lean_conn *k)
{
    for (mc_lean_conn **pp = &k->host->idle; *pp; pp = &(*pp)->next)
        if (*pp == k) {
            *pp = k->next;
            k->next = NULL;
            l->nidle--;
            return;
        }
}

/* Close k (it is on no list any more). */
static void conn_close(mc_lean *l, mc_lean_conn *k)
{
    if (l->watch)
        l->watch(l->watch_ud, k->fd, MC_HTTP_WATCH_CLOSED);
    if (k->fd < l->nbyfd)
        l->byfd[k->fd] = NULL;
    if (k->ssl) {
        /* no close_notify (the socket just closes), but a quiet shutdown:
         * SSL_free would otherwise mark the host's session unresumable */
        SSL_set_quiet_shutdown(k->ssl, 1);
        SSL_shutdown(k->ssl);
        SSL_free(k->ssl);
    }
    close(k->fd);
    mc_buf_free(&k->out);
    mc_buf_free(&k->in);
    l->nconns--;
    free(k);
}

static lhost *host_get(mc_lean *l, const mc_lean_req *q)
{
    const char *key = q->key;
    for (lhost *h = l->hosts; h; h = h->next)
        if (strcmp(h->key, key) == 0 && h->tls == q->tls && h->insecure == q->insecure)
            return h;
    lhost *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    size_t n = strlen(key) + 1;
    h->key = malloc(n);
    if (!h->key) {
        free(h);
        return NULL;
    }
    memcpy(h->key, key, n);
    h->tls = q->tls;
    h->insecure = q->tls && q->insecure;
    h->next = l->hosts;
    l->hosts = h;
    return h;
}

/* ------------------------------------------------------------ outcome */

static void fault(mc_lean_req *q, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fault(mc_lean_req *q, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mc_http__response_vfault(q->resp, code, fmt, ap);
    va_end(ap);
}

/* The attempt on k ended: k goes back to the pool or closes; then done. */
static void attempt_end(mc_lean *l, mc_lean_conn *k, mc_http_outcome out, bool reusable)
{
    mc_lean_req *q = k->q;
    busy_unlink(l, k);
    k->q = NULL;
    if (q)
        q->conn = NULL;
    if (reusable && k->keep && l->nidle < l->max_idle) {
        k->state = CS_IDLE;
        k->served++;
        k->in.len = 0;
        k->idle_since = (uint64_t)mc_clock_now_ms();   /* the pass time in a loop */
        k->next = k->host->idle;
        k->host->idle = k;
        l->nidle++;
        announce(l, k, MC_HTTP_WATCH_IN);      /* notice the server closing it */
    } else {
        conn_close(l, k);
    }
    if (q)
        l->done(l->ud, q, out);
}

static void start_on(mc_lean *l, mc_lean_req *q, mc_lean_conn *k);
static void start_fresh(mc_lean *l, mc_lean_req *q);

/* k's attempt is given up: k closes and q starts again on a fresh
 * connection. */
static void restart_fresh(mc_lean *l, mc_lean_conn *k)
{
    mc_lean_req *q = k->q;
    busy_unlink(l, k);
    k->q = NULL;
    q->conn = NULL;
    conn_close(l, k);
    start_fresh(l, q);
}

/* The connection failed before any byte of the answer: a pooled one that
 * the server had closed is replaced once by a fresh one, as curl does. */
static bool stale_retry(mc_lean *l, mc_lean_conn *k)
{
    mc_lean_req *q = k->q;
    if (!q || k->served == 0 || k->got_bytes || q->stale_retried)
        return false;
    q->stale_retried = true;
    restart_fresh(l, k);
    return true;
}

/* The connect to q's current address failed or ran out of its time: the
 * next address gets a fresh connection (true), while the name has one. */
static bool next_address(mc_lean *l, mc_lean_conn *k)
{
    mc_lean_req *q = k->q;
    if (!q || k->state != CS_CONNECTING || q->addr_at + 1 >= q->addrs.n)
        return false;
    q->addr_at++;
    restart_fresh(l, k);
    return true;
}

/* --------------------------------------------------------------- I/O */

static void send_failed(mc_lean *l, mc_lean_conn *k, const char *why)
{
    if (stale_retry(l, k))
        return;
    fault(k->q, MC_FAULT_HTTP_OTHER, "Send failure: %s", why);
    attempt_end(l, k, MC_HTTP_OUT_RESET, false);
}

/* https: head and body in one buffer, written as one record where it fits. */
static void send_tls(mc_lean *l, mc_lean_conn *k)
{
    mc_lean_req *q = k->q;
    if (k->sent == 0 && k->out.len == 0) {
        mc_buf_append(&k->out, q->head, q->head_len);
        if (q->body_len)
            mc_buf_append(&k->out, q->body, q->body_len);
        if (k->out.oom) {
            fault(q, MC_FAULT_HTTP_OTHER, "out of memory");
            attempt_end(l, k, MC_HTTP_OUT_OTHER, false);
            return;
        }
    }
    while (k->sent < k->out.len) {
        size_t w = 0;
        ERR_clear_error();
        if (SSL_write_ex(k->ssl, k->out.data + k->sent, k->out.len - k->sent, &w) == 1) {
            k->sent += w;
            continue;
        }
        int e = SSL_get_error(k->ssl, 0);
        if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
            k->state = CS_SENDING;
            announce(l, k, e == SSL_ERROR_WANT_WRITE ? MC_HTTP_WATCH_OUT : MC_HTTP_WATCH_IN);
            return;
        }
        ERR_clear_error();
        send_failed(l, k, e == SSL_ERROR_SYSCALL && errno ? strerror(errno) : "TLS write failed");
        return;
    }
    k->out.len = 0;
    k->state = CS_HEAD;
    announce(l, k, MC_HTTP_WATCH_IN);
}

static void send_request(mc_lean *l, mc_lean_conn *k)
{
    mc_lean_req *q = k->q;
    if (k->ssl) {
        send_tls(l, k);
        return;
    }
    size_t total = q->head_len + q->body_len;
    while (k->sent < total) {
        struct iovec iov[2];
        int n = 0;
        if (k->sent < q->head_len) {
            iov[n++] = (struct iovec){q->head + k->sent, q->head_len - k->sent};
            if (q->body_len)
                iov[n++] = (struct iovec){(void *)q->body, q->body_len};
        } else {
            size_t off = k->sent - q->head_len;
            iov[n++] = (struct iovec){(char *)q->body + off, q->body_len - off};
        }
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(k->fd, &m, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            k->state = CS_SENDING;
            announce(l, k, MC_HTTP_WATCH_OUT);
            return;
        }
        if (w < 0) {
            send_failed(l, k, strerror(errno));
            return;
        }
        k->sent += (size_t)w;
    }
    k->state = CS_HEAD;
    announce(l, k, MC_HTTP_WATCH_IN);
}

/* The answer's headers into one allocation: the two pointer arrays,
 * then each name and value with its NUL. */
static bool copy_headers(mc_lean_conn *k, mc_http_response *r)
{
    size_t n = k->rh.nfields;
    mc_http__response_clear_headers(r);
    free(r->header_names);                 /* a per-string response's arrays */
    free(r->header_values);
    r->header_names = r->header_values = NULL;
    if (n == 0)
        return true;
    /* a field's name and value are shorter than its line by the colon at
     * least: the fields' bytes and two NULs a field bound the text (no
     * pass to measure it) */
    size_t bytes = 2 * n * sizeof(char *) + k->rh.fields_len + 2 * n, pos = 0;
    mc_h1_str name, value;
    char *block = malloc(bytes);
    if (!block)
        return false;
    char **names = (char **)(void *)block, **values = names + n;
    char *text = (char *)(values + n);
    size_t i = 0;
    pos = 0;
    while (i < n && mc_h1_resp_next_field(&k->rh, &pos, &name, &value)) {
        names[i] = text;
        memcpy(text, name.p, name.n);
        text += name.n;
        *text++ = '\0';
        values[i] = text;
        memcpy(text, value.p, value.n);
        text += value.n;
        *text++ = '\0';
        i++;
    }
    r->header_block = block;
    r->header_names = names;
    r->header_values = values;
    r->nheaders = i;
    return true;
}

static bool body_append(mc_lean *l, mc_lean_conn *k, const char *p, size_t n)
{
    mc_buf *b = &k->q->resp->body;
    if (n > l->max_response || b->len > l->max_response - n) {
        fault(k->q, MC_FAULT_HTTP_OTHER, "response body exceeds %zu bytes", l->max_response);
        attempt_end(l, k, MC_HTTP_OUT_OTHER, false);
        return false;
    }
    mc_buf_append(b, p, n);
    if (b->oom) {
        fault(k->q, MC_FAULT_HTTP_OTHER, "out of memory");
        attempt_end(l, k, MC_HTTP_OUT_OTHER, false);
        return false;
    }
    return true;
}

/* Drop the first n bytes of k->in. */
static void in_consume(mc_lean_conn *k, size_t n)
{
    if (n >= k->in.len) {
        k->in.len = 0;
        return;
    }
    memmove(k->in.data, k->in.data + n, k->in.len - n);
    k->in.len -= n;
}

/* Frame what k->in holds; eof: the server closed the connection.  False
 * when the attempt ended (k may be freed). */
static bool process(mc_lean *l, mc_lean_conn *k, bool eof)
{
    mc_lean_req *q = k->q;
    while (k->state == CS_HEAD) {
        const char *why = NULL;
        mc_h1_result rc = k->in.len ? mc_h1_parse_response(k->in.data, k->in.len,
                                                           MAX_RESPONSE_HEAD, q->head_method,
                                                           &k->rh, &why)
                                    : MC_H1_MORE;
        if (rc == MC_H1_ERROR) {
            fault(q, MC_FAULT_HTTP_OTHER, "%s", why);
            attempt_end(l, k, MC_HTTP_OUT_OTHER, false);
            return false;
        }
        if (rc == MC_H1_MORE) {
            if (!eof)
                return true;
            if (stale_retry(l, k))
                return false;
            fault(q, MC_FAULT_HTTP_OTHER, "%s",
                  k->in.len ? "connection closed in the response head" : "Empty reply from server");
            attempt_end(l, k, MC_HTTP_OUT_RESET, false);
            return false;
        }
        size_t head_len = k->rh.head_len;
        if (k->rh.status < 200) {              /* 1xx: skipped */
            in_consume(k, head_len);
            continue;
        }
        mc_http_response *r = q->resp;
        if (k->rh.nfields > MAX_RESPONSE_HEADERS) {
            fault(q, MC_FAULT_HTTP_OTHER, "more than %d response headers", MAX_RESPONSE_HEADERS);
            attempt_end(l, k, MC_HTTP_OUT_OTHER, false);
            return false;
        }
        r->status = k->rh.status;
        if (!copy_headers(k, r)) {
            fault(q, MC_FAULT_HTTP_OTHER, "out of memory");
            attempt_end(l, k, MC_HTTP_OUT_OTHER, false);
            return false;
        }
        k->keep = k->rh.keep_alive && !q->close_after;
        in_consume(k, head_len);
        k->state = CS_BODY;
        if (k->rh.body == MC_H1_BODY_LENGTH) {
            if (k->rh.content_length > l->max_response) {
                fault(q, MC_FAULT_HTTP_OTHER, "response body exceeds %zu bytes", l->max_response);
                attempt_end(l, k, MC_HTTP_OUT_OTHER, false);
                return false;
            }
            k->left = k->rh.content_length;
            if (!mc_buf_reserve(&r->body, (size_t)k->left + 1)) {
                fault(q, MC_FAULT_HTTP_OTHER, "out of memory");
                attempt_end(l, k, MC_HTTP_OUT_OTHER, false);
                return false;
            }
        } else if (k->rh.body == MC_H1_BODY_CHUNKED) {
            memset(&k->ch, 0, sizeof k->ch);
        }
    }
    if (k->state != CS_BODY)
        return true;
    switch (k->rh.body) {
    case MC_H1_BODY_NONE:
        attempt_end(l, k, MC_HTTP_OUT_RESPONSE, k->in.len == 0 && !eof);
        return false;
    case MC_H1_BODY_LENGTH: {
        size_t n = k->in.len < k->left ? k->in.len : (size_t)k->left;
        if (n && !body_append(l, k, k->in.data, n))
            return false;
        k->left -= n;
        in_consume(k, n);
        if (k->left == 0) {
            attempt_end(l, k, MC_HTTP_OUT_RESPONSE, k->in.len == 0 && !eof);
            return false;
        }
        if (eof) {
            fault(q, MC_FAULT_HTTP_OTHER, "transfer closed with %llu bytes remaining to read",
                  (unsigned long long)k->left);
            attempt_end(l, k, MC_HTTP_OUT_RESET, false);
            return false;
        }
        return true;
    }
    case MC_H1_BODY_CHUNKED: {
        size_t used = 0, data = 0;
        const char *why = NULL;
        mc_h1_result rc = k->in.len ? mc_h1_chunked_decode(&k->ch, k->in.data, k->in.len,
                                                           MAX_TRAILER, &used, &data, &why)
                                    : MC_H1_MORE;
        if (rc == MC_H1_ERROR) {
            fault(q, MC_FAULT_HTTP_OTHER, "bad chunked response: %s", why ? why : "framing");
            attempt_end(l, k, MC_HTTP_OUT_OTHER, false);
            return false;
        }
        if (data && !body_append(l, k, k->in.data, data))
            return false;
        in_consume(k, used);
        if (rc == MC_H1_DONE) {
            attempt_end(l, k, MC_HTTP_OUT_RESPONSE, k->in.len == 0 && !eof);
            return false;
        }
        if (eof) {
            fault(q, MC_FAULT_HTTP_OTHER,
                  "transfer closed with outstanding read data remaining");
            attempt_end(l, k, MC_HTTP_OUT_RESET, false);
            return false;
        }
        return true;
    }
    case MC_H1_BODY_CLOSE:
        if (k->in.len && !body_append(l, k, k->in.data, k->in.len))
            return false;
        k->in.len = 0;
        if (eof) {
            attempt_end(l, k, MC_HTTP_OUT_RESPONSE, false);
            return false;
        }
        return true;
    }
    return true;
}

/* Like recv(): > 0 bytes, 0 at the end, -1 with errno (EAGAIN: nothing
 * for now).  Through TLS when the connection has it. */
static ssize_t conn_read(mc_lean_conn *k, char *buf, size_t n)
{
    if (!k->ssl)
        return recv(k->fd, buf, n, 0);
    size_t got = 0;
    ERR_clear_error();
    if (SSL_read_ex(k->ssl, buf, n, &got) == 1)
        return (ssize_t)got;
    int e = SSL_get_error(k->ssl, 0);
    ERR_clear_error();
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        errno = EAGAIN;
        return -1;
    }
    if (e == SSL_ERROR_ZERO_RETURN)
        return 0;
    if (e != SSL_ERROR_SYSCALL || errno == 0)
        errno = EPROTO;
    return -1;
}

static void on_readable(mc_lean *l, mc_lean_conn *k)
{
    if (k->state == CS_IDLE) {
        /* the server closed it (or sent what nobody asked for; through
         * TLS, a session ticket is read here and nothing more) */
        char b[64];
        ssize_t r = conn_read(k, b, sizeof b);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        idle_unlink(l, k);
        conn_close(l, k);
        return;
    }
    for (;;) {
        if (!mc_buf_reserve(&k->in, READ_CHUNK)) {
            fault(k->q, MC_FAULT_HTTP_OTHER, "out of memory");
            attempt_end(l, k, MC_HTTP_OUT_OTHER, false);
            return;
        }
        size_t room = k->in.cap - k->in.len - 1;
        ssize_t r = conn_read(k, k->in.data + k->in.len, room);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r < 0) {
            int e = errno;
            if (stale_retry(l, k))
                return;
            fault(k->q, MC_FAULT_HTTP_OTHER, "Recv failure: %s", strerror(e));
            attempt_end(l, k, MC_HTTP_OUT_RESET, false);
            return;
        }
        if (r > 0)
            k->got_bytes = true;
        k->in.len += (size_t)r;
        k->in.data[k->in.len] = '\0';
        if (!process(l, k, r == 0) || r == 0)
            return;                            /* ended */
        if ((size_t)r < room && !(k->ssl && SSL_pending(k->ssl) > 0))
            return;                            /* the socket is drained */
    }
}

static void tls_handshake(mc_lean *l, mc_lean_conn *k)
{
    ERR_clear_error();
    int rc = SSL_connect(k->ssl);
    if (rc == 1) {
        k->state = CS_SENDING;
        send_request(l, k);
        return;
    }
    int e = SSL_get_error(k->ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        announce(l, k, e == SSL_ERROR_WANT_READ ? MC_HTTP_WATCH_IN : MC_HTTP_WATCH_OUT);
        return;
    }
    mc_lean_req *q = k->q;
    long verify = SSL_get_verify_result(k->ssl);
    unsigned long err = ERR_peek_last_error();
    if (verify != X509_V_OK)
        fault(q, MC_FAULT_HTTP_OTHER, "SSL certificate problem: %s",
              X509_verify_cert_error_string(verify));
    else if (err)
        fault(q, MC_FAULT_HTTP_OTHER, "TLS handshake failed: %s: %s",
              ERR_reason_error_string(err) ? ERR_reason_error_string(err) : "error", q->key);
    else
        fault(q, MC_FAULT_HTTP_OTHER, "TLS handshake failed: connection closed: %s", q->key);
    ERR_clear_error();
    attempt_end(l, k, MC_HTTP_OUT_OTHER, false);
}

/* A new session from the server (after the handshake in TLS 1.3): kept on
 * the host for the next connection to resume. */
static int on_new_session(SSL *ssl, SSL_SESSION *sess)
{
    mc_lean_conn *k = SSL_get_app_data(ssl);
    if (!k || !k->host)
        return 0;
    if (k->host->session)
        SSL_SESSION_free(k->host->session);
    k->host->session = sess;
    return 1;                              /* we keep the reference */
}

static SSL_CTX *tls_ctx(mc_lean *l)
{
    if (l->tls)
        return l->tls;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_default_verify_paths(ctx);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, on_new_session);
    static const unsigned char alpn[] = "\x08http/1.1";
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1);
    l->tls = ctx;
    return ctx;
}

/* The TCP connection is up: start TLS on it (verification on unless the
 * request is insecure, the host name or address checked, SNI for names,
 * the host's last session offered for resumption). */
static void tls_start(mc_lean *l, mc_lean_conn *k)
{
    mc_lean_req *q = k->q;
    SSL_CTX *ctx = tls_ctx(l);
    k->ssl = ctx ? SSL_new(ctx) : NULL;
    if (!k->ssl || SSL_set_fd(k->ssl, k->fd) != 1) {
        fault(q, MC_FAULT_HTTP_OTHER, "cannot start TLS: %s", q->key);
        attempt_end(l, k, MC_HTTP_OUT_OTHER, false);
        return;
    }
    SSL_set_app_data(k->ssl, k);
    char host[64];
    size_t hl = strcspn(q->key, ":");
    memcpy(host, q->key, hl < sizeof host ? hl : sizeof host - 1);
    host[hl < sizeof host ? hl : sizeof host - 1] = '\0';
    struct in_addr a;
    bool literal = inet_pton(AF_INET, host, &a) == 1;
    if (!literal)
        SSL_set_tlsext_host_name(k->ssl, host);
    if (q->insecure) {
        SSL_set_verify(k->ssl, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_set_verify(k->ssl, SSL_VERIFY_PEER, NULL);
        X509_VERIFY_PARAM *vp = SSL_get0_param(k->ssl);
        if (literal)
            X509_VERIFY_PARAM_set1_ip_asc(vp, host);
        else
            X509_VERIFY_PARAM_set1_host(vp, host, 0);
    }
    if (k->host->session)
        SSL_set_session(k->ssl, k->host->session);
    k->state = CS_HANDSHAKE;
    tls_handshake(l, k);
}

/* The socket is connected: TLS first for https, then the request. */
static void connected(mc_lean *l, mc_lean_conn *k)
{
    if (k->q->tls) {
        tls_start(l, k);
        return;
    }
    k->state = CS_SENDING;
    send_request(l, k);
}

/* The connect to the current address failed (err: errno): the next
 * address, when the name has one, else the fault, as curl does. */
static void connect_failed(mc_lean *l, mc_lean_conn *k, int err)
{
    mc_lean_req *q = k->q;
    if (next_address(l, k))
        return;
    const char *what = err == ECONNREFUSED ? "connection refused"
                       : err == EHOSTUNREACH || err == ENETUNREACH ? "host unreachable"
                                                                   : "cannot connect";
    fault(q, MC_FAULT_HTTP_UNREACHABLE, "%s: %s", what, q->key);
    attempt_end(l, k, MC_HTTP_OUT_NOT_SENT, false);
}

static void on_connected(mc_lean *l, mc_lean_conn *k)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err == 0) {
        connected(l, k);
        return;
    }
    connect_failed(l, k, err);
}

bool mc_lean_socket_ready(mc_lean *l, int fd, int events)
{
    if (!l || fd < 0 || fd >= l->nbyfd || !l->byfd[fd])
        return false;
    mc_lean_conn *k = l->byfd[fd];
    switch (k->state) {
    case CS_CONNECTING:
        if (events & (MC_HTTP_WATCH_OUT | MC_HTTP_WATCH_ERR))
            on_connected(l, k);
        break;
    case CS_HANDSHAKE:
        tls_handshake(l, k);
        break;
    case CS_SENDING:
        if (k->ssl || (events & (MC_HTTP_WATCH_OUT | MC_HTTP_WATCH_ERR)))
            send_request(l, k);
        else if (events & MC_HTTP_WATCH_IN)
            on_readable(l, k);                 /* an early answer, or the close */
        break;
    default:
        if (events & (MC_HTTP_WATCH_IN | MC_HTTP_WATCH_ERR))
            on_readable(l, k);
        break;
    }
    return true;
}

/* ------------------------------------------------------------ attempts */

/* q's current address as a socket address; its length */
static socklen_t sockaddr_of(const mc_lean_req *q, struct sockaddr_storage *ss)
{
    const mc_resolve_addr *a = &q->addrs.a[q->addr_at];
    memset(ss, 0, sizeof *ss);
    if (a->family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(q->port);
        memcpy(&s6->sin6_addr, a->bytes, 16);
        return sizeof *s6;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(q->port);
    memcpy(&s4->sin_addr, a->bytes, 4);
    return sizeof *s4;
}

/* A new connection to q's current address.  An address that is not the
 * last gets half the connect time left, as curl gives it. */
static void start_fresh(mc_lean *l, mc_lean_req *q)
{
    lhost *h = host_get(l, q);
    mc_lean_conn *k = h ? calloc(1, sizeof *k) : NULL;
    if (!k) {
        fault(q, MC_FAULT_HTTP_OTHER, "out of memory");
        l->done(l->ud, q, MC_HTTP_OUT_OTHER);
        return;
    }
    struct sockaddr_storage ss;
    socklen_t sslen = sockaddr_of(q, &ss);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || !byfd_set(l, fd, k)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        free(k);
        if (fd < 0 && e == EAFNOSUPPORT && q->addr_at + 1 < q->addrs.n) {
            q->addr_at++;                      /* no IPv6 here: the next one */
            start_fresh(l, q);
            return;
        }
        fault(q, MC_FAULT_HTTP_OTHER, "cannot create socket: %s", strerror(e));
        l->done(l->ud, q, MC_HTTP_OUT_NOT_SENT);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    k->fd = fd;
    k->host = h;
    k->state = CS_CONNECTING;
    l->nconns++;
    if (l->watch)
        l->watch(l->watch_ud, fd, MC_HTTP_WATCH_OPENED);
    k->q = q;
    q->conn = k;
    busy_link(l, k);
    q->addr_deadline_ms = q->connect_deadline_ms;
    if (q->addr_at + 1 < q->addrs.n) {
        uint64_t now = (uint64_t)mc_clock_now_ms();
        if (now < q->connect_deadline_ms)
            q->addr_deadline_ms = now + (q->connect_deadline_ms - now) / 2;
    }
    int rc;
    do
        rc = connect(fd, (struct sockaddr *)&ss, sslen);
    while (rc != 0 && errno == EINTR);
    if (rc == 0) {
        connected(l, k);
        return;
    }
    if (errno == EINPROGRESS) {
        announce(l, k, MC_HTTP_WATCH_OUT);
        return;
    }
    connect_failed(l, k, errno);
}

static void start_on(mc_lean *l, mc_lean_req *q, mc_lean_conn *k)
{
    k->q = q;
    q->conn = k;
    k->sent = 0;
    k->got_bytes = false;
    k->in.len = 0;
    k->state = CS_SENDING;
    busy_link(l, k);
    send_request(l, k);
}

void mc_lean_start(mc_lean *l, mc_lean_req *q, uint64_t now)
{
    q->stale_retried = false;
    q->conn = NULL;
    q->addr_at = 0;                        /* each attempt from the first */
    q->deadline_ms = now + (uint64_t)(q->timeout_ms > 0 ? q->timeout_ms : 0);
    /* the connect phase ends no later than its own timeout */
    long ct = q->connect_timeout_ms < q->timeout_ms ? q->connect_timeout_ms : q->timeout_ms;
    q->connect_deadline_ms = now + (uint64_t)(ct > 0 ? ct : 0);
    lhost *h = host_get(l, q);
    while (h && h->idle) {
        mc_lean_conn *k = h->idle;
        h->idle = k->next;
        k->next = NULL;
        l->nidle--;
        if (now > k->idle_since + IDLE_MAX_MS) {
            conn_close(l, k);
            continue;
        }
        start_on(l, q, k);
        return;
    }
    start_fresh(l, q);
}

void mc_lean_cancel(mc_lean *l, mc_lean_req *q)
{
    mc_lean_conn *k = q->conn;
    if (!k)
        return;
    busy_unlink(l, k);
    k->q = NULL;
    q->conn = NULL;
    conn_close(l, k);
}

/* When k's phase runs out: connecting to one address, the TLS handshake,
 * or the whole request. */
static uint64_t deadline_of(const mc_lean_conn *k)
{
    const mc_lean_req *q = k->q;
    if (k->state == CS_CONNECTING)
        return q->addr_deadline_ms;
    return k->state == CS_HANDSHAKE ? q->connect_deadline_ms : q->deadline_ms;
}

long mc_lean_timers(mc_lean *l, uint64_t now)
{
    long next = -1;
    mc_lean_conn *k = l->busy;
    while (k) {
        mc_lean_conn *after = k->anext;
        mc_lean_req *q = k->q;
        uint64_t due = deadline_of(k);
        if (due <= now) {
            if (next_address(l, k)) {
                k = l->busy;
                continue;
            }
            if (k->state <= CS_HANDSHAKE) {
                long ms = q->connect_timeout_ms < q->timeout_ms ? q->connect_timeout_ms
                                                                : q->timeout_ms;
                fault(q, MC_FAULT_HTTP_TIMEOUT, "connect timeout after %ld ms: %s", ms, q->key);
                attempt_end(l, k, MC_HTTP_OUT_NOT_SENT, false);
            } else {
                fault(q, MC_FAULT_HTTP_TIMEOUT, "timeout after %ld ms: %s", q->timeout_ms,
                      q->key);
                attempt_end(l, k, MC_HTTP_OUT_TIMEOUT, false);
            }
            k = l->busy;                       /* the list changed under us */
            continue;
        }
        long t = (long)(due - now);
        if (next < 0 || t < next)
            next = t;
        k = after;
    }
    return next;
}

long mc_lean_timeout_ms(const mc_lean *l, uint64_t now)
{
    long next = -1;
    for (const mc_lean_conn *k = l->busy; k; k = k->anext) {
        uint64_t due = deadline_of(k);
        long t = due <= now ? 0 : (long)(due - now);
        if (next < 0 || t < next)
            next = t;
    }
    return next;
}

size_t mc_lean_nsockets(const mc_lean *l)
{
    return l ? l->nconns : 0;
}

size_t mc_lean_pollfds(const mc_lean *l, mc_http_waitfd *out, size_t max)
{
    size_t n = 0;
    for (const mc_lean_conn *k = l->busy; k && n < max; k = k->anext)
        if (k->want)
            out[n++] = (mc_http_waitfd){k->fd, (short)(((k->want & MC_HTTP_WATCH_IN) ? POLLIN : 0) |
                                                       ((k->want & MC_HTTP_WATCH_OUT) ? POLLOUT : 0)), 0};
    for (const lhost *h = l->hosts; h; h = h->next)
        for (const mc_lean_conn *k = h->idle; k && n < max; k = k->next)
            out[n++] = (mc_http_waitfd){k->fd, POLLIN, 0};
    return n;
}

/* ------------------------------------------------------------ requests */

static bool ieq_prefix(const char *s, const char *lit)
{
    return strncasecmp(s, lit, strlen(lit)) == 0;
}

/* The request header names lean looks at, known by length and first
 * letter: one strlen and at most one strcasecmp a header. */
typedef enum { H_OTHER, H_HOST, H_ACCEPT, H_CONNECTION, H_CONTENT_LENGTH,
               H_TRANSFER_ENCODING } header_kind;

static header_kind kind_of(const char *name, size_t n)
{
    static const char first[18] = {[4] = 'h', [6] = 'a', [10] = 'c', [14] = 'c', [17] = 't'};
    if (n >= sizeof first || mc_ascii_lower((unsigned char)name[0]) != first[n])
        return H_OTHER;
    switch (n) {
    case 4: return strcasecmp(name, "Host") == 0 ? H_HOST : H_OTHER;
    case 6: return strcasecmp(name, "Accept") == 0 ? H_ACCEPT : H_OTHER;
    case 10: return strcasecmp(name, "Connection") == 0 ? H_CONNECTION : H_OTHER;
    case 14: return strcasecmp(name, "Content-Length") == 0 ? H_CONTENT_LENGTH : H_OTHER;
    case 17:
        return strcasecmp(name, "Transfer-Encoding") == 0 ? H_TRANSFER_ENCODING : H_OTHER;
    default: return H_OTHER;
    }
}

/* A DNS name lean may carry: letters, digits, '-', '.', '_', not all
 * digits and dots (curl reads "127.1" as 127.0.0.1; so it goes there). */
static bool plain_host_name(const char *host)
{
    bool named = false;
    for (const char *p = host; *p; p++) {
        char c = *p;
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
        if (!alpha && c != '.' && !(c >= '0' && c <= '9'))
            return false;
        named |= alpha;
    }
    return named;
}

/* The origin a URL names, parsed: what lean needs of it, or false when
 * the request is libcurl's (user info, a port that is no port, IPv6
 * literals, names of other characters). */
static bool parse_origin(const char *url, bool tls, size_t olen, origin *o)
{
    const char *auth = url + (tls ? 8 : 7);
    size_t alen = (size_t)(url + olen - auth);
    unsigned default_port = tls ? 443 : 80;
    const char *colon = memchr(auth, ':', alen);
    size_t hlen = colon ? (size_t)(colon - auth) : alen;
    if (hlen == 0 || hlen > MC_RESOLVE_MAX_NAME || memchr(auth, '@', alen))
        return false;
    char host[MC_RESOLVE_MAX_NAME + 1];
    memcpy(host, auth, hlen);
    host[hlen] = '\0';
    unsigned port = default_port;
    if (colon) {
        const char *p = colon + 1, *e = auth + alen;
        if (p == e || e - p > 5)
            return false;
        port = 0;
        for (; p < e; p++) {
            if (*p < '0' || *p > '9')
                return false;
            port = port * 10 + (unsigned)(*p - '0');
        }
        if (port == 0 || port > 65535)
            return false;
    }
    memset(o, 0, sizeof *o);
    struct in_addr a;
    if (inet_pton(AF_INET, host, &a) == 1) {
        o->literal = true;
        o->addrs.n = 1;
        o->addrs.a[0].family = AF_INET;
        memcpy(o->addrs.a[0].bytes, &a, 4);
    } else if (!plain_host_name(host)) {
        return false;
    }
    memcpy(o->text, url, olen);
    o->len = olen;
    o->hlen = hlen;
    o->port = (uint16_t)port;
    o->tls = tls;
    return true;
}

/* The parsed origin of url (its first olen bytes): from the client's
 * cache, else parsed and cached (the least recently used goes).  NULL:
 * libcurl's request. */
static origin *origin_of(mc_lean *l, const char *url, bool tls, size_t olen)
{
    origin *slot = &l->origins[0];
    for (size_t i = 0; i < LEAN_ORIGINS; i++) {
        origin *o = &l->origins[i];
        if (o->len == olen && memcmp(o->text, url, olen) == 0) {
            o->used = ++l->origin_clock;
            return o;
        }
        if (o->used < slot->used)
            slot = o;
    }
    origin parsed;
    if (olen >= sizeof parsed.text || !parse_origin(url, tls, olen, &parsed))
        return NULL;
    *slot = parsed;
    slot->used = ++l->origin_clock;
    return slot;
}

bool mc_lean_prepare(mc_lean *l, mc_lean_req *q, const char *method, const char *url,
                     const mc_http_header *headers, size_t nheaders, bool has_body,
                     size_t body_len, bool http10, bool absolute_target, mc_err *err)
{
    memset(q, 0, sizeof *q);
    bool tls = ieq_prefix(url, "https://");
    if (!l || l->curl_only || (!tls && !ieq_prefix(url, "http://")) || (tls && l->https_proxy))
        return false;
    const char *auth = url + (tls ? 8 : 7);
    size_t alen = strcspn(auth, "/?#");
    origin *o = origin_of(l, url, tls, (size_t)(auth - url) + alen);
    if (!o)
        return false;
    size_t hlen = o->hlen;
    unsigned port = o->port, default_port = tls ? 443 : 80;
    if (!o->literal) {
        /* a name (localhost too): its cached addresses while fresh, else
         * resolve.c's, or libcurl while its thread looks it up */
        uint64_t now = (uint64_t)mc_clock_now_ms();
        if (now >= o->addrs.fresh_until) {
            char host[MC_RESOLVE_MAX_NAME + 1];
            memcpy(host, auth, hlen);
            host[hlen] = '\0';
            if (!mc_resolve_lookup(host, now, &o->addrs)) {
                o->addrs.n = 0;
                o->addrs.fresh_until = 0;
                return false;
            }
        }
    }
    /* the target exactly as built: no byte curl would refuse or change */
    const char *path = auth + alen;
    size_t plen = strcspn(path, "#");
    for (size_t i = 0; i < plen; i++) {
        unsigned char ch = (unsigned char)path[i];
        if (ch <= 0x20 || ch >= 0x7f)
            return false;
    }
    if (absolute_target)
        for (const unsigned char *p = (const unsigned char *)url; *p; p++)
            if (*p <= 0x20 || *p >= 0x7f)
                return false;

    mc_buf b = MC_BUF_INIT;
    /* one pass over the headers: their lengths (kept for the first
     * LEAN_FAST_HEADERS, so each name and value is measured once), which
     * of Host and Accept the caller gave, and the head's size */
    size_t nlens[LEAN_FAST_HEADERS], vlens[LEAN_FAST_HEADERS];
    bool have_host = false, have_accept = false;
    size_t guess = strlen(method) + strlen(url) + alen + 96;
    for (size_t i = 0; i < nheaders; i++) {
        size_t nlen = strlen(headers[i].name);
        size_t vlen = headers[i].value ? strlen(headers[i].value) : 0;
        if (i < LEAN_FAST_HEADERS) {
            nlens[i] = nlen;
            vlens[i] = vlen;
        }
        header_kind k = kind_of(headers[i].name, nlen);
        have_host |= k == H_HOST;
        have_accept |= k == H_ACCEPT;
        guess += nlen + vlen + 4;
    }
    mc_buf_reserve(&b, guess);             /* one allocation for head and key */
    mc_buf_puts(&b, method);
    mc_buf_putc(&b, ' ');
    if (absolute_target) {
        mc_buf_puts(&b, url);
    } else {
        if (plen == 0 || path[0] == '?')
            mc_buf_putc(&b, '/');
        mc_buf_append(&b, path, plen);
    }
    mc_buf_puts(&b, http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
    if (!have_host) {
        mc_buf_append(&b, "Host: ", 6);
        mc_buf_append(&b, auth, port == default_port ? hlen : alen);
        mc_buf_append(&b, "\r\n", 2);
    }
    for (size_t i = 0; i < nheaders; i++) {
        const mc_http_header *h = &headers[i];
        bool fast = i < LEAN_FAST_HEADERS;
        size_t nlen = fast ? nlens[i] : strlen(h->name);
        header_kind k = kind_of(h->name, nlen);
        /* the body's framing is ours */
        if (has_body && (k == H_CONTENT_LENGTH || k == H_TRANSFER_ENCODING))
            continue;
        const char *v = h->value ? h->value : "";
        size_t vlen = fast ? vlens[i] : strlen(v);
        while (*v == ' ' || *v == '\t') {
            v++;
            vlen--;
        }
        if (k == H_CONNECTION && strcasestr(v, "close"))
            q->close_after = true;
        mc_buf_append(&b, h->name, nlen);
        mc_buf_putc(&b, ':');
        if (vlen) {
            mc_buf_putc(&b, ' ');
            mc_buf_append(&b, v, vlen);
        }
        mc_buf_append(&b, "\r\n", 2);
    }
    if (!have_accept)
        mc_buf_puts(&b, "Accept: */*\r\n");   /* as curl sends it */
    if (has_body) {
        mc_buf_puts(&b, "Content-Length: ");
        mc_buf_put_uint(&b, body_len);
        mc_buf_append(&b, "\r\n", 2);
    }
    mc_buf_append(&b, "\r\n", 2);
    size_t head_len = b.len;
    mc_buf_append(&b, "", 1);              /* the key after the head */
    mc_buf_append(&b, auth, hlen);
    mc_buf_putc(&b, ':');
    mc_buf_put_uint(&b, port);
    if (b.oom) {
        mc_buf_free(&b);
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return false;
    }
    q->head_len = head_len;
    q->head = mc_buf_steal(&b);
    q->key = q->head + head_len + 1;
    q->addrs = o->addrs;
    q->port = (uint16_t)port;
    q->head_method = strcmp(method, "HEAD") == 0;
    q->tls = tls;
    return true;
}

void mc_lean_req_free(mc_lean_req *q)
{
    free(q->head);                         /* the key is in the same block */
    q->head = q->key = NULL;
}

/* -------------------------------------------------------------- client */

mc_lean *mc_lean_new(size_t max_idle, size_t max_response_bytes, mc_lean_done_fn done, void *ud)
{
    mc_lean *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->max_idle = max_idle;
    l->max_response = max_response_bytes;
    l->done = done;
    l->ud = ud;
    mc_resolve_acquire();
    static const char *const proxy_vars[] = {"http_proxy", "HTTP_PROXY", "all_proxy",
                                             "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxy_vars / sizeof *proxy_vars; i++) {
        const char *v = getenv(proxy_vars[i]);
        if (v && *v)
            l->curl_only = true;
    }
    /* MC_HTTP_CLIENT=curl: everything through libcurl (a fallback, and the
     * "before" of bench/count's comparisons in one binary) */
    static const char *const https_vars[] = {"https_proxy", "HTTPS_PROXY"};
    for (size_t i = 0; i < sizeof https_vars / sizeof *https_vars; i++) {
        const char *v = getenv(https_vars[i]);
        if (v && *v)
            l->https_proxy = true;
    }
    const char *which = getenv("MC_HTTP_CLIENT");
    if (which && strcmp(which, "curl") == 0)
        l->curl_only = true;
    return l;
}

void mc_lean_set_watch(mc_lean *l, mc_http_watch_fn fn, void *ud)
{
    l->watch = fn;
    l->watch_ud = ud;
}

void mc_lean_free(mc_lean *l)
{
    if (!l)
        return;
    while (l->busy) {
        mc_lean_conn *k = l->busy;
        busy_unlink(l, k);
        if (k->q)
            k->q->conn = NULL;
        conn_close(l, k);
    }
    while (l->hosts) {
        lhost *h = l->hosts;
        l->hosts = h->next;
        while (h->idle) {
            mc_lean_conn *k = h->idle;
            h->idle = k->next;
            conn_close(l, k);
        }
        if (h->session)
            SSL_SESSION_free(h->session);
        free(h->key);
        free(h);
    }
    if (l->tls)
        SSL_CTX_free(l->tls);
    free(l->byfd);
    free(l);
    mc_resolve_release();
}
