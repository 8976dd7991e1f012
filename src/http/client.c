/* client.c - the HTTP client on the libcurl multi interface.
 *
 * One CURLM per client holds the keep-alive connection pool; a CURLSH shares
 * the DNS and TLS session caches between the client's easy handles, which
 * are recycled through a free list.  A request (an "xfer") lives on the
 * client's live list from submit until its callback fires; between attempts
 * it waits on the retry queue (sorted by due time) without an easy handle.
 * Driven by mc_http_run/mc_http_wait (curl_multi_perform and poll), or in
 * watch mode by the caller's event loop (curl_multi_socket_action).
 *
 * Nothing here logs: request headers carry credentials, and curl itself is
 * kept silent (no VERBOSE, our own write/header callbacks, stderr sent to
 * /dev/null). */
#include "http/client.h"
#include "http/client_internal.h"
#include "http/clock.h"
#include "http/h1.h"
#include "util/codec.h"
#include "http/lean.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEF_CONNECT_TIMEOUT_MS 10000L
#define DEF_TIMEOUT_MS 60000L
#define DEF_MAX_RESPONSE_BYTES ((size_t)64 * 1024 * 1024)
#define DEF_MAX_ATTEMPTS 3
#define DEF_BACKOFF_BASE_MS 100L
#define DEF_BACKOFF_CAP_MS 5000L
#define DEF_MAX_CONNECTIONS 64L
#define MAX_ATTEMPTS_LIMIT 100
#define MAX_RESPONSE_HEADERS 1000

typedef enum xfer_state {
    XS_ACTIVE,   /* easy handle in the multi */
    XS_WAITING,  /* on the retry queue */
    XS_DONE      /* on the done queue, callback not yet fired */
} xfer_state;

typedef struct xfer {
    mc_http_client *c;
    struct xfer *prev, *next;   /* live list (ACTIVE and WAITING) */
    struct xfer *qnext;         /* retry queue or done queue */
    xfer_state state;
    CURL *easy;

    /* the request, copied */
    char *method;
    char *url;
    CURLU *uh;                  /* the URL, parsed once: curl uses it as it is */
    char *target;               /* "host:port" for error texts */
    char *body;
    size_t body_len;
    bool has_body;
    struct curl_slist *headers;
    bool idempotent;
    bool insecure;
    bool http10, absolute_target;
    long connect_timeout_ms;
    long timeout_ms;
    int max_attempts;

    mc_http_done_fn done;
    void *userdata;

    bool lean;                  /* carried by lean.c, not libcurl */
    mc_lean_req lq;

    /* the attempt in progress */
    mc_http_response *resp;
    size_t hdr_cap;
    bool over_limit;
    bool oom;
    bool too_many_headers;
    uint64_t due_ms;            /* WAITING: when to start the next attempt */
    char errbuf[CURL_ERROR_SIZE];
} xfer;

struct mc_http_client {
    mc_lean *lean;     /* http(s) to literals and cached names (lean.h) */
    mc_http_waitfd *pfd;       /* poll mode: the lean sockets and the caller's */
    struct curl_waitfd *cwfd;
    size_t pfd_cap;
    CURLM *multi;
    CURLSH *share;
    FILE *devnull;
    char *ca_file;     /* SSL_CERT_FILE / SSL_CERT_DIR when set: libcurl does */
    char *ca_dir;      /* not read them, OpenSSL (the lean client) does */
    char *http_proxy;  /* HTTP_PROXY when http_proxy is unset (see new) */
    mc_http_options o;

    CURL **free_easy;
    size_t nfree;
    size_t free_cap;

    xfer *live;        /* all requests in flight */
    xfer *retry_q;     /* WAITING, sorted by due_ms */
    xfer *done_head;   /* finished, callbacks pending */
    xfer *done_tail;
    int inflight;

    uint64_t rng;
    mc_http_watch_fn watch;   /* watch mode: the caller's loop has the sockets */
    void *watch_ud;
    int run_depth;
    bool closing;
    bool free_deferred;
};

/* ---------------------------------------------------------------- utils */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void curl_init_once(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

uint64_t mc_http__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The client's time: a client a host's loop drives (watch mode) runs inside
 * that loop's passes and takes the pass time (clock.h); one that waits by
 * itself (mc_http_run, mc_http_do) reads the clock. */
static uint64_t client_now(const mc_http_client *c)
{
    return c->watch ? (uint64_t)mc_clock_now_ms() : mc_http__now_ms();
}

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t rng_seed(const void *salt)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t z = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    z ^= (uint64_t)getpid() << 32;
    z ^= (uint64_t)(uintptr_t)salt;
    /* splitmix64 finaliser so close seeds diverge */
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return z ? z : 0x9E3779B97F4A7C15ULL;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* --------------------------------------------------------- retry policy */

bool mc_http__retryable(mc_http_outcome out, int status, bool idempotent)
{
    switch (out) {
    case MC_HTTP_OUT_NOT_SENT:
        return true;            /* never reached the server */
    case MC_HTTP_OUT_RESET:
        return idempotent;
    case MC_HTTP_OUT_RESPONSE:
        if (status == 429 || status == 503)
            return true;        /* the server says it did not process it */
        if (status == 500 || status == 502 || status == 504)
            return idempotent;
        return false;
    case MC_HTTP_OUT_TIMEOUT:
    case MC_HTTP_OUT_OTHER:
    default:
        return false;
    }
}

long mc_http__backoff_ms(uint64_t *rng, int retry, long base_ms, long cap_ms)
{
    if (base_ms <= 0 || cap_ms <= 0)
        return 0;
    if (retry < 0)
        retry = 0;
    long ceil_ms = cap_ms;
    if (retry < 62 && base_ms <= (cap_ms >> (retry < 31 ? retry : 31))) {
        /* base * 2^retry <= cap is possible only when the shift fits */
        long long v = (long long)base_ms << retry;
        if (v < ceil_ms)
            ceil_ms = (long)v;
    }
    return (long)(rng_next(rng) % ((uint64_t)ceil_ms + 1));
}

/* ---------------------------------------------------------- responses */

void mc_http__response_clear_headers(mc_http_response *r)
{
    if (r->header_block) {
        /* arrays and strings in one block (lean.c): all go */
        free(r->header_block);
        r->header_block = NULL;
        r->header_names = NULL;
        r->header_values = NULL;
    } else {
        for (size_t i = 0; i < r->nheaders; i++) {
            free(r->header_names[i]);
            free(r->header_values[i]);
        }
    }
    r->nheaders = 0;
}

void mc_http_response_free(mc_http_response *r)
{
    if (!r)
        return;
    mc_buf_free(&r->body);
    mc_http__response_clear_headers(r);
    free(r->header_names);
    free(r->header_values);
    r->header_names = NULL;
    r->header_values = NULL;
}

const char *mc_http_response_header(const mc_http_response *r,
                                    const char *name)
{
    if (!r || !name)
        return NULL;
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->header_names[i], name) == 0)
            return r->header_values[i];
    return NULL;
}

static void resp_clear_headers(xfer *x)
{
    mc_http__response_clear_headers(x->resp);
}

/* Reset the response for a new attempt, keeping `attempts`. */
static void resp_reset(xfer *x)
{
    mc_http_response *r = x->resp;
    resp_clear_headers(x);
    mc_buf_free(&r->body);
    r->status = 0;
    r->fault_code = 0;
    r->error[0] = '\0';
    x->over_limit = false;
    x->oom = false;
    x->too_many_headers = false;
    x->errbuf[0] = '\0';
}

static void resp_fault(xfer *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void mc_http__response_vfault(mc_http_response *r, int code, const char *fmt, va_list ap)
{
    mc_http__response_clear_headers(r);
    mc_buf_free(&r->body);
    r->status = 0;
    r->fault_code = code;
    vsnprintf(r->error, sizeof r->error, fmt, ap);
}

static void resp_fault(xfer *x, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mc_http__response_vfault(x->resp, code, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------- curl callbacks */

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = sz * n;
    mc_buf *b = &x->resp->body;
    if (len > x->c->o.max_response_bytes ||
        b->len > x->c->o.max_response_bytes - len) {
        x->over_limit = true;
        return 0;               /* aborts: CURLE_WRITE_ERROR */
    }
    mc_buf_append(b, p, len);
    if (b->oom) {
        x->oom = true;
        return 0;
    }
    return len;
}

static bool is_ws(char ch) { return ch == ' ' || ch == '\t'; }

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    xfer *x = ud;
    mc_http_response *r = x->resp;
    size_t total = sz * n, len = total;
    while (len && (p[len - 1] == '\r' || p[len - 1] == '\n'))
        len--;
    if (len == 0)
        return total;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        /* a new response (1xx, or the final one): keep only the last */
        resp_clear_headers(x);
        return total;
    }
    if (is_ws(p[0])) {
        /* obsolete line folding: continue the previous value */
        if (r->nheaders == 0)
            return total;
        size_t s = 0;
        while (s < len && is_ws(p[s]))
            s++;
        char *old = r->header_values[r->nheaders - 1];
        size_t ol = strlen(old);
        char *nv = realloc(old, ol + 1 + (len - s) + 1);
        if (!nv) {
            x->oom = true;
            return 0;
        }
        nv[ol] = ' ';
        memcpy(nv + ol + 1, p + s, len - s);
        nv[ol + 1 + (len - s)] = '\0';
        r->header_values[r->nheaders - 1] = nv;
        return total;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon || colon == p)
        return total;           /* not a header line: ignore */
    size_t nl = (size_t)(colon - p);
    while (nl && is_ws(p[nl - 1]))
        nl--;
    const char *v = colon + 1, *end = p + len;
    while (v < end && is_ws(*v))
        v++;
    while (end > v && is_ws(end[-1]))
        end--;
    if (r->nheaders >= MAX_RESPONSE_HEADERS) {
        x->too_many_headers = true;
        return 0;
    }
    if (r->nheaders == x->hdr_cap) {
        size_t cap = x->hdr_cap ? x->hdr_cap * 2 : 16;
        char **nn = realloc(r->header_names, cap * sizeof *nn);
        if (!nn) {
            x->oom = true;
            return 0;
        }
        r->header_names = nn;
        char **vv = realloc(r->header_values, cap * sizeof *vv);
        if (!vv) {
            x->oom = true;
            return 0;
        }
        r->header_values = vv;
        x->hdr_cap = cap;
    }
    char *name = xstrndup(p, nl);
    char *value = xstrndup(v, (size_t)(end - v));
    if (!name || !value) {
        free(name);
        free(value);
        x->oom = true;
        return 0;
    }
    r->header_names[r->nheaders] = name;
    r->header_values[r->nheaders] = value;
    r->nheaders++;
    return total;
}

/* --------------------------------------------------------- easy handles */

static CURL *easy_get(mc_http_client *c)
{
    if (c->nfree)
        return c->free_easy[--c->nfree];
    return curl_easy_init();
}

static void easy_put(mc_http_client *c, CURL *e)
{
    if (!e)
        return;
    if (c->closing || c->nfree >= (size_t)c->o.max_connections) {
        curl_easy_cleanup(e);
        return;
    }
    if (c->nfree == c->free_cap) {
        size_t cap = c->free_cap ? c->free_cap * 2 : 8;
        CURL **p = realloc(c->free_easy, cap * sizeof *p);
        if (!p) {
            curl_easy_cleanup(e);
            return;
        }
        c->free_easy = p;
        c->free_cap = cap;
    }
    curl_easy_reset(e);
    c->free_easy[c->nfree++] = e;
}

/* ---------------------------------------------------------- watch mode */

/* curl says what it awaits on a socket (CURLMOPT_SOCKETFUNCTION). */
static int on_socket(CURL *e, curl_socket_t s, int what, void *ud, void *sockp)
{
    (void)e;
    (void)sockp;
    mc_http_client *c = ud;
    int ev = what == CURL_POLL_IN ? MC_HTTP_WATCH_IN
             : what == CURL_POLL_OUT ? MC_HTTP_WATCH_OUT
             : what == CURL_POLL_INOUT ? MC_HTTP_WATCH_IN | MC_HTTP_WATCH_OUT : 0;
    c->watch(c->watch_ud, (int)s, ev);
    return 0;
}

/* A connection's socket opens (CURLOPT_OPENSOCKETFUNCTION): the loop
 * learns it will hear of its closing (close-on-exec, unlike curl's own). */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)purpose;
    mc_http_client *c = ud;
    int fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (fd < 0)
        return CURL_SOCKET_BAD;
    c->watch(c->watch_ud, fd, MC_HTTP_WATCH_OPENED);
    return fd;
}

/* A connection's socket closes (CURLOPT_CLOSESOCKETFUNCTION): the loop
 * forgets it first, since the number may come back as another socket. */
static int on_close_socket(void *ud, curl_socket_t s)
{
    mc_http_client *c = ud;
    c->watch(c->watch_ud, (int)s, MC_HTTP_WATCH_CLOSED);
    return close((int)s);
}

/* Configure x->easy for one attempt.  Returns a curl error or CURLE_OK. */
static CURLcode easy_setup(xfer *x)
{
    mc_http_client *c = x->c;
    CURL *e = x->easy;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                      \
    do {                                                                   \
        if (rc == CURLE_OK)                                                \
            rc = curl_easy_setopt(e, opt, val);                            \
    } while (0)
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_VERBOSE, 0L);
    if (c->devnull)
        SET(CURLOPT_STDERR, c->devnull);
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
    SET(CURLOPT_PRIVATE, (void *)x);
    SET(CURLOPT_SHARE, c->share);
    SET(CURLOPT_CURLU, x->uh);   /* parsed at submit, not again here */
    /* the path goes out exactly as built: no dot segment removed */
    SET(CURLOPT_PATH_AS_IS, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)x);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)x);
    SET(CURLOPT_CONNECTTIMEOUT_MS, x->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, x->timeout_ms);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->o.max_response_bytes);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, x->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, x->insecure ? 0L : 2L);
    if (c->ca_file)
        SET(CURLOPT_CAINFO, c->ca_file);
    if (c->ca_dir)
        SET(CURLOPT_CAPATH, c->ca_dir);
    if (c->http_proxy && strncasecmp(x->url, "http://", 7) == 0)
        SET(CURLOPT_PROXY, c->http_proxy);   /* no_proxy still applies */
    if (x->http10)
        SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_0);
    if (x->absolute_target)
        SET(CURLOPT_REQUEST_TARGET, x->url);

    if (strcmp(x->method, "HEAD") == 0 && !x->has_body) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (x->has_body) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
        SET(CURLOPT_POSTFIELDS, x->body);
        if (strcmp(x->method, "POST") != 0)
            SET(CURLOPT_CUSTOMREQUEST, x->method);
    } else if (strcmp(x->method, "GET") == 0) {
        SET(CURLOPT_HTTPGET, 1L);
    } else {
        SET(CURLOPT_CUSTOMREQUEST, x->method);
    }
    if (x->headers)
        SET(CURLOPT_HTTPHEADER, x->headers);
    if (c->watch) {
        /* the connection keeps these for its life, beyond this transfer */
        SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
        SET(CURLOPT_OPENSOCKETDATA, (void *)c);
        SET(CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
        SET(CURLOPT_CLOSESOCKETDATA, (void *)c);
    }
#undef SET
    return rc;
}

/* ------------------------------------------------------------- queues */

static void live_unlink(mc_http_client *c, xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        c->live = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
}

static void retry_q_insert(mc_http_client *c, xfer *x)
{
    xfer **pp = &c->retry_q;
    while (*pp && (*pp)->due_ms <= x->due_ms)
        pp = &(*pp)->qnext;
    x->qnext = *pp;
    *pp = x;
    x->state = XS_WAITING;
}

static void xfer_free(xfer *x)
{
    if (!x)
        return;
    free(x->method);
    free(x->url);
    if (x->lean)
        mc_lean_req_free(&x->lq);
    curl_url_cleanup(x->uh);
    free(x->target);
    free(x->headers);               /* (the body is in x's own block) */               /* one block (build_headers) */
    if (x->resp) {
        mc_http_response_free(x->resp);
        free(x->resp);
    }
    free(x);
}

/* Take x off the live list and queue its callback. */
static void finish(mc_http_client *c, xfer *x)
{
    live_unlink(c, x);
    c->inflight--;
    x->state = XS_DONE;
    x->qnext = NULL;
    if (c->done_tail)
        c->done_tail->qnext = x;
    else
        c->done_head = x;
    c->done_tail = x;
}

static void fire_done(mc_http_client *c)
{
    while (c->done_head) {
        xfer *x = c->done_head;
        c->done_head = x->qnext;
        if (!c->done_head)
            c->done_tail = NULL;
        mc_http_response *r = x->resp;
        x->resp = NULL;
        mc_http_done_fn done = x->done;
        void *ud = x->userdata;
        xfer_free(x);
        done(ud, r);
    }
}

/* Start an attempt: take an easy handle, configure it, add it to the multi.
 * On failure the request finishes with a fault. */
static void start_attempt(mc_http_client *c, xfer *x)
{
    resp_reset(x);
    x->resp->attempts++;
    if (x->lean) {
        x->state = XS_ACTIVE;
        x->lq.body = x->has_body ? x->body : NULL;
        x->lq.body_len = x->has_body ? x->body_len : 0;
        x->lq.connect_timeout_ms = x->connect_timeout_ms;
        x->lq.timeout_ms = x->timeout_ms;
        x->lq.resp = x->resp;
        mc_lean_start(c->lean, &x->lq, client_now(c));   /* may end at once */
        return;
    }
    x->easy = easy_get(c);
    if (!x->easy) {
        resp_fault(x, MC_FAULT_HTTP_OTHER, "cannot create transfer");
        finish(c, x);
        return;
    }
    CURLcode rc = easy_setup(x);
    if (rc != CURLE_OK) {
        resp_fault(x, MC_FAULT_HTTP_OTHER, "%s", curl_easy_strerror(rc));
        easy_put(c, x->easy);
        x->easy = NULL;
        finish(c, x);
        return;
    }
    CURLMcode mrc = curl_multi_add_handle(c->multi, x->easy);
    if (mrc != CURLM_OK) {
        resp_fault(x, MC_FAULT_HTTP_OTHER, "%s", curl_multi_strerror(mrc));
        easy_put(c, x->easy);
        x->easy = NULL;
        finish(c, x);
        return;
    }
    x->state = XS_ACTIVE;
}

static void start_due_retries(mc_http_client *c)
{
    if (!c->retry_q)
        return;
    uint64_t now = client_now(c);
    while (c->retry_q && c->retry_q->due_ms <= now) {
        xfer *x = c->retry_q;
        c->retry_q = x->qnext;
        x->qnext = NULL;
        start_attempt(c, x);
    }
}

/* Classify a finished attempt and fill the response accordingly. */
static mc_http_outcome classify(xfer *x, CURLcode res)
{
    mc_http_response *r = x->resp;
    CURL *e = x->easy;
    if (res == CURLE_OK) {
        long code = 0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
        r->status = (int)code;
        if (x->oom) {
            resp_fault(x, MC_FAULT_HTTP_OTHER, "out of memory");
            return MC_HTTP_OUT_OTHER;
        }
        return MC_HTTP_OUT_RESPONSE;
    }
    if (x->over_limit || res == CURLE_FILESIZE_EXCEEDED) {
        resp_fault(x, MC_FAULT_HTTP_OTHER, "response body exceeds %zu bytes",
                   x->c->o.max_response_bytes);
        return MC_HTTP_OUT_OTHER;
    }
    if (x->oom) {
        resp_fault(x, MC_FAULT_HTTP_OTHER, "out of memory");
        return MC_HTTP_OUT_OTHER;
    }
    if (x->too_many_headers) {
        resp_fault(x, MC_FAULT_HTTP_OTHER, "more than %d response headers",
                   MAX_RESPONSE_HEADERS);
        return MC_HTTP_OUT_OTHER;
    }
    const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(res);
    switch (res) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        resp_fault(x, MC_FAULT_HTTP_UNREACHABLE, "cannot resolve host: %s",
                   x->target);
        return MC_HTTP_OUT_NOT_SENT;
    case CURLE_COULDNT_CONNECT: {
        long oserr = 0;
        curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
        const char *what = "cannot connect";
        if (oserr == ECONNREFUSED)
            what = "connection refused";
        else if (oserr == EHOSTUNREACH || oserr == ENETUNREACH)
            what = "host unreachable";
        resp_fault(x, MC_FAULT_HTTP_UNREACHABLE, "%s: %s", what, x->target);
        return MC_HTTP_OUT_NOT_SENT;
    }
    case CURLE_OPERATION_TIMEDOUT: {
        /* Did the connection ever open?  Neither a connect time nor any
         * request bytes sent means it did not: the connect timed out, or
         * the transfer waited for a free pooled connection the whole
         * time.  (A reused connection has sent its request.) */
        curl_off_t connect_us = 0, req_size = 0;
        curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connect_us);
        curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &req_size);
        if (connect_us == 0 && req_size == 0) {
            long ms = x->connect_timeout_ms < x->timeout_ms
                          ? x->connect_timeout_ms : x->timeout_ms;
            resp_fault(x, MC_FAULT_HTTP_TIMEOUT,
                       "connect timeout after %ld ms: %s", ms, x->target);
            return MC_HTTP_OUT_NOT_SENT;
        }
        resp_fault(x, MC_FAULT_HTTP_TIMEOUT, "timeout after %ld ms: %s",
                   x->timeout_ms, x->target);
        return MC_HTTP_OUT_TIMEOUT;
    }
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        resp_fault(x, MC_FAULT_HTTP_OTHER, "%s", why);
        return MC_HTTP_OUT_RESET;
    default:
        resp_fault(x, MC_FAULT_HTTP_OTHER, "%s", why);
        return MC_HTTP_OUT_OTHER;
    }
}

/* Retry-After as delta-seconds, or -1. */
static long retry_after_ms(const mc_http_response *r)
{
    const char *v = mc_http_response_header(r, "Retry-After");
    if (!v || !*v)
        return -1;
    long s = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;          /* HTTP-date form: not honoured */
        if (s > 86400)
            return 86400L * 1000;
        s = s * 10 + (*p - '0');
    }
    return s * 1000;
}

/* An attempt ended (either path): retry it, or finish the request. */
static void attempt_done(mc_http_client *c, xfer *x, mc_http_outcome out)
{
    mc_http_response *r = x->resp;
    if (r->attempts < x->max_attempts && !c->closing &&
        mc_http__retryable(out, r->status, x->idempotent)) {
        long wait = mc_http__backoff_ms(&c->rng, r->attempts - 1,
                                        c->o.backoff_base_ms,
                                        c->o.backoff_cap_ms);
        if (out == MC_HTTP_OUT_RESPONSE) {
            long ra = retry_after_ms(r);
            if (ra > c->o.backoff_cap_ms)
                ra = c->o.backoff_cap_ms;
            if (ra > wait)
                wait = ra;
        }
        x->due_ms = client_now(c) + (uint64_t)wait;
        retry_q_insert(c, x);
        return;
    }
    finish(c, x);
}

static void complete(mc_http_client *c, xfer *x, CURLcode res)
{
    mc_http_outcome out = classify(x, res);
    curl_multi_remove_handle(c->multi, x->easy);
    easy_put(c, x->easy);
    x->easy = NULL;
    attempt_done(c, x, out);
}

/* lean.c ended an attempt of x (lq is embedded in x). */
static void on_lean_done(void *ud, mc_lean_req *q, mc_http_outcome out)
{
    xfer *x = (xfer *)(void *)((char *)q - offsetof(xfer, lq));
    attempt_done(ud, x, out);
}

static void harvest(mc_http_client *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode res = m->data.result;  /* m is invalid after remove */
        if (x)
            complete(c, x, res);
    }
}

/* ------------------------------------------------------------ client */

static void apply_defaults(mc_http_options *o, const mc_http_options *in)
{
    mc_http_options d = {
        .connect_timeout_ms = DEF_CONNECT_TIMEOUT_MS,
        .timeout_ms = DEF_TIMEOUT_MS,
        .max_response_bytes = DEF_MAX_RESPONSE_BYTES,
        .max_attempts = DEF_MAX_ATTEMPTS,
        .backoff_base_ms = DEF_BACKOFF_BASE_MS,
        .backoff_cap_ms = DEF_BACKOFF_CAP_MS,
        .max_connections = DEF_MAX_CONNECTIONS,
    };
    *o = d;
    if (!in)
        return;
    if (in->connect_timeout_ms > 0)
        o->connect_timeout_ms = in->connect_timeout_ms;
    if (in->timeout_ms > 0)
        o->timeout_ms = in->timeout_ms;
    if (in->max_response_bytes > 0)
        o->max_response_bytes = in->max_response_bytes;
    if (in->max_attempts > 0)
        o->max_attempts = in->max_attempts > MAX_ATTEMPTS_LIMIT
                              ? MAX_ATTEMPTS_LIMIT : in->max_attempts;
    if (in->backoff_base_ms > 0)
        o->backoff_base_ms = in->backoff_base_ms;
    if (in->backoff_cap_ms > 0)
        o->backoff_cap_ms = in->backoff_cap_ms;
    if (o->backoff_cap_ms < o->backoff_base_ms)
        o->backoff_cap_ms = o->backoff_base_ms;
    if (in->max_connections > 0)
        o->max_connections = in->max_connections;
}

mc_http_client *mc_http_client_new(const mc_http_options *opts)
{
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK)
        return NULL;
    mc_http_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    apply_defaults(&c->o, opts);
    c->rng = rng_seed(c);
    c->multi = curl_multi_init();
    c->share = curl_share_init();
    if (!c->multi || !c->share)
        goto fail;
    if (curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
        curl_share_setopt(c->share, CURLSHOPT_SHARE,
                          CURL_LOCK_DATA_SSL_SESSION))
        goto fail;
    c->lean = mc_lean_new((size_t)c->o.max_connections, c->o.max_response_bytes,
                          on_lean_done, c);
    if (!c->lean)
        goto fail;
    if (curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS,
                          c->o.max_connections) ||
        curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                          c->o.max_connections))
        goto fail;
    c->devnull = fopen("/dev/null", "w");  /* optional: curl stays quiet */
    /* one CA store for both transports: the lean client's OpenSSL reads
     * these variables itself, libcurl only when told (read once, here) */
    const char *ca_file = getenv("SSL_CERT_FILE"), *ca_dir = getenv("SSL_CERT_DIR");
    /* libcurl reads only the lower-case http_proxy (its guard against
     * "httpoxy" in CGI programs); boto3 and the AWS SDKs honour HTTP_PROXY
     * too, and a server's environment is its operator's, so mediac does */
    const char *lower = getenv("http_proxy"), *upper = getenv("HTTP_PROXY");
    if ((ca_file && *ca_file && !(c->ca_file = strdup(ca_file))) ||
        (ca_dir && *ca_dir && !(c->ca_dir = strdup(ca_dir))) ||
        (!(lower && *lower) && upper && *upper && !(c->http_proxy = strdup(upper)))) {
        if (c->devnull)
            fclose(c->devnull);
        goto fail;
    }
    return c;
fail:
    free(c->ca_file);
    free(c->ca_dir);
    free(c->http_proxy);
    mc_lean_free(c->lean);
    if (c->multi)
        curl_multi_cleanup(c->multi);
    if (c->share)
        curl_share_cleanup(c->share);
    free(c);
    return NULL;
}

/* End a live request with a fault now (its callback is queued). */
static void abort_xfer(mc_http_client *c, xfer *x, const char *why)
{
    if (x->state == XS_WAITING) {
        xfer **pp = &c->retry_q;
        while (*pp && *pp != x)
            pp = &(*pp)->qnext;
        if (*pp)
            *pp = x->qnext;
        x->qnext = NULL;
    }
    if (x->lean)
        mc_lean_cancel(c->lean, &x->lq);
    if (x->easy) {
        curl_multi_remove_handle(c->multi, x->easy);
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    resp_fault(x, MC_FAULT_HTTP_OTHER, "%s", why);
    finish(c, x);
}

static void client_destroy(mc_http_client *c)
{
    c->closing = true;
    /* Requests that already finished keep their real outcome. */
    fire_done(c);
    /* Everything else ends with "client closed". */
    while (c->live)
        abort_xfer(c, c->live, "client closed");
    fire_done(c);
    /* A callback may not submit (closing), so the lists are empty now. */
    for (size_t i = 0; i < c->nfree; i++)
        curl_easy_cleanup(c->free_easy[i]);
    free(c->free_easy);
    mc_lean_free(c->lean);
    free(c->pfd);
    free(c->cwfd);
    curl_multi_cleanup(c->multi);
    curl_share_cleanup(c->share);
    if (c->devnull)
        fclose(c->devnull);
    free(c->ca_file);
    free(c->ca_dir);
    free(c->http_proxy);
    free(c);
}

void mc_http_client_free(mc_http_client *c)
{
    if (!c || c->closing)
        return;                 /* closing: called again from a callback */
    if (c->run_depth > 0) {
        /* Called from a done callback: finish when mc_http_run unwinds. */
        c->free_deferred = true;
        return;
    }
    client_destroy(c);
}

static bool has_ctl(const char *s, bool allow_tab)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '\r' || ch == '\n' || (ch < 0x20 && !(allow_tab && ch == '\t'))
            || ch == 0x7f)
            return true;
    }
    return false;
}

static bool valid_token(const char *s)
{
    return mc_h1_token(s, strlen(s));
}

/* Parse url once (kept in *parsed for curl; the path as it is, no dot
 * segment removed) and make "host:port" for error texts (no path or
 * query: they may carry secrets). */
static mc_code url_target(const char *url, CURLU **parsed, char **out, mc_err *err)
{
    CURLU *u = curl_url();
    if (!u)
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    char *scheme = NULL, *host = NULL, *port = NULL;
    mc_code rc = MC_OK;
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_PATH_AS_IS) != CURLUE_OK) {
        rc = mc_err_set(err, MC_EINVAL, "invalid URL");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        rc = mc_err_set(err, MC_EINVAL, "URL scheme must be http or https");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
            CURLUE_OK) {
        rc = mc_err_set(err, MC_EINVAL, "invalid URL");
        goto out;
    }
    size_t n = strlen(host) + strlen(port) + 2;
    *out = malloc(n);
    if (!*out) {
        rc = mc_err_set(err, MC_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(*out, n, "%s:%s", host, port);
    *parsed = u;
    u = NULL;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

static bool header_is(const char *name, const char *want)
{
    return strcasecmp(name, want) == 0;
}

/* Header names are tokens, values have no control bytes (tab allowed). */
static mc_code check_headers(const mc_http_request *req, mc_err *err)
{
    for (size_t i = 0; i < req->nheaders; i++) {
        const mc_http_header *h = &req->headers[i];
        if (!h->name || !valid_token(h->name))
            return mc_err_set(err, MC_EINVAL, "invalid header name");
        if (h->value && !mc_header_value_ok(h->value, strlen(h->value)))
            return mc_err_set(err, MC_EINVAL, "control character in header %s", h->name);
    }
    return MC_OK;
}

/* The header lines as curl's list, built in one allocation: the list
 * nodes, then the lines ("Name: value", or "Name;" for an empty value). */
static mc_code build_headers(xfer *x, const mc_http_request *req, mc_err *err)
{
    bool have_ct = false, have_expect = false;
    mc_buf lines = MC_BUF_INIT;    /* each line and its NUL */
    size_t n = 0;
    for (size_t i = 0; i < req->nheaders; i++) {
        const mc_http_header *h = &req->headers[i];
        const char *v = h->value ? h->value : "";
        /* curl computes the framing of the body itself */
        if (x->has_body && (header_is(h->name, "Content-Length") ||
                            header_is(h->name, "Transfer-Encoding")))
            continue;
        if (header_is(h->name, "Content-Type"))
            have_ct = true;
        if (header_is(h->name, "Expect"))
            have_expect = true;
        while (*v == ' ' || *v == '\t')
            v++;
        mc_buf_puts(&lines, h->name);
        if (*v) {
            mc_buf_append(&lines, ": ", 2);
            mc_buf_puts(&lines, v);
        } else {
            mc_buf_putc(&lines, ';');          /* curl: empty value */
        }
        mc_buf_append(&lines, "", 1);
        n++;
    }
    if (x->has_body) {
        /* no curl default "application/x-www-form-urlencoded", and no
         * "Expect: 100-continue" round trip */
        if (!have_ct) {
            mc_buf_append(&lines, "Content-Type:", sizeof "Content-Type:");
            n++;
        }
        if (!have_expect) {
            mc_buf_append(&lines, "Expect:", sizeof "Expect:");
            n++;
        }
    }
    if (n == 0 || lines.oom) {
        bool oom = lines.oom;
        mc_buf_free(&lines);
        return oom ? mc_err_set(err, MC_ENOMEM, "out of memory") : MC_OK;
    }
    struct curl_slist *nodes = malloc(n * sizeof *nodes + lines.len);
    if (!nodes) {
        mc_buf_free(&lines);
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    }
    char *text = (char *)(nodes + n);
    memcpy(text, lines.data, lines.len);
    mc_buf_free(&lines);
    for (size_t i = 0; i < n; i++) {
        nodes[i].data = text;
        nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
        text += strlen(text) + 1;
    }
    x->headers = nodes;
    return MC_OK;
}

mc_code mc_http_submit(mc_http_client *c, const mc_http_request *req,
                       mc_http_done_fn done, void *userdata, mc_err *err)
{
    if (!c || !req || !req->url || !done)
        return mc_err_set(err, MC_EINVAL, "mc_http_submit: missing argument");
    if (c->closing || c->free_deferred)
        return mc_err_set(err, MC_ESTATE, "HTTP client is closing");
    if (req->nheaders && !req->headers)
        return mc_err_set(err, MC_EINVAL, "mc_http_submit: headers missing");
    if (req->body_len && !req->body)
        return mc_err_set(err, MC_EINVAL, "mc_http_submit: body missing");
    const char *method = req->method && *req->method ? req->method : "GET";
    if (!valid_token(method))
        return mc_err_set(err, MC_EINVAL, "invalid HTTP method");
    if (has_ctl(req->url, false))
        return mc_err_set(err, MC_EINVAL, "control character in URL");

    /* the transfer and its copy of the body in one block */
    if (req->body_len > SIZE_MAX - sizeof(xfer))
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    xfer *x = malloc(sizeof *x + req->body_len);
    if (!x)
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    memset(x, 0, sizeof *x);
    x->c = c;
    mc_code rc = check_headers(req, err);
    if (rc != MC_OK) {
        xfer_free(x);
        return rc;
    }
    x->has_body = req->body != NULL || strcmp(method, "POST") == 0 ||
                  strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
    mc_err lean_err = {0};
    x->lean = mc_lean_prepare(c->lean, &x->lq, method, req->url, req->headers, req->nheaders,
                              x->has_body, req->body_len, req->http10, req->absolute_target,
                              &lean_err);
    x->lq.insecure = req->insecure;    /* a pool of its own (lean.h) */
    if (!x->lean && lean_err.code != MC_OK) {
        xfer_free(x);
        return mc_err_set(err, lean_err.code, "%s", lean_err.msg);
    }
    if (!x->lean) {
        rc = url_target(req->url, &x->uh, &x->target, err);
        if (rc != MC_OK) {
            xfer_free(x);
            return rc;
        }
    }
    if (!x->lean) {              /* the lean head holds both already */
        x->method = xstrdup(method);
        x->url = xstrdup(req->url);
    }
    x->resp = calloc(1, sizeof *x->resp);
    if (req->body_len) {
        x->body = (char *)(x + 1);
        memcpy(x->body, req->body, req->body_len);
        x->body_len = req->body_len;
    } else {
        x->body = (char *)"";
    }
    if ((!x->lean && (!x->method || !x->url)) || !x->resp) {
        xfer_free(x);
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    }
    rc = x->lean ? MC_OK : build_headers(x, req, err);
    if (rc != MC_OK) {
        xfer_free(x);
        return rc;
    }
    x->idempotent = req->idempotent;
    x->insecure = req->insecure;
    x->http10 = req->http10;
    x->absolute_target = req->absolute_target;
    x->connect_timeout_ms = req->connect_timeout_ms > 0
                                ? req->connect_timeout_ms
                                : c->o.connect_timeout_ms;
    x->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : c->o.timeout_ms;
    x->max_attempts = req->max_attempts > 0 ? req->max_attempts
                                            : c->o.max_attempts;
    if (x->max_attempts > MAX_ATTEMPTS_LIMIT)
        x->max_attempts = MAX_ATTEMPTS_LIMIT;
    x->done = done;
    x->userdata = userdata;

    /* onto the live list, then start (a failed start finishes it with a
     * fault, still reported through the callback) */
    x->next = c->live;
    if (c->live)
        c->live->prev = x;
    c->live = x;
    c->inflight++;
    if (req->delay_ms > 0) {     /* waits like a retry, then starts */
        x->due_ms = client_now(c) + (uint64_t)(req->delay_ms > 600000 ? 600000 : req->delay_ms);
        retry_q_insert(c, x);
        return MC_OK;
    }
    start_attempt(c, x);
    return MC_OK;
}

static long until_next_retry(mc_http_client *c, uint64_t now)
{
    if (!c->retry_q)
        return -1;
    return c->retry_q->due_ms <= now ? 0 : (long)(c->retry_q->due_ms - now);
}

void mc_http_set_watch(mc_http_client *c, mc_http_watch_fn fn, void *ud)
{
    c->watch = fn;
    c->watch_ud = ud;
    mc_lean_set_watch(c->lean, fn, ud);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, fn ? on_socket : NULL);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, fn ? (void *)c : NULL);
}

/* Watch mode's pass: due retries, curl's expired timers, then callbacks. */
static void run_watched(mc_http_client *c, curl_socket_t s, int select)
{
    int running = 0;
    start_due_retries(c);
    if (s != CURL_SOCKET_TIMEOUT) {
        int ev = ((select & CURL_CSELECT_IN) ? MC_HTTP_WATCH_IN : 0) |
                 ((select & CURL_CSELECT_OUT) ? MC_HTTP_WATCH_OUT : 0) |
                 ((select & CURL_CSELECT_ERR) ? MC_HTTP_WATCH_ERR : 0);
        if (!mc_lean_socket_ready(c->lean, (int)s, ev))
            curl_multi_socket_action(c->multi, s, select, &running);
    }
    mc_lean_timers(c->lean, client_now(c));
    long t = -1;
    if (curl_multi_timeout(c->multi, &t) == CURLM_OK && t == 0)
        curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    harvest(c);
    fire_done(c);
}

void mc_http_socket_ready(mc_http_client *c, int fd, int events)
{
    if (!c || !c->watch || c->closing)
        return;
    int sel = ((events & MC_HTTP_WATCH_IN) ? CURL_CSELECT_IN : 0) |
              ((events & MC_HTTP_WATCH_OUT) ? CURL_CSELECT_OUT : 0) |
              ((events & MC_HTTP_WATCH_ERR) ? CURL_CSELECT_ERR : 0);
    c->run_depth++;
    run_watched(c, fd, sel);
    if (--c->run_depth == 0 && c->free_deferred)
        client_destroy(c);
}

static int poll_with_lean(mc_http_client *c, mc_http_waitfd *extra, unsigned n, int timeout_ms);

int mc_http_run(mc_http_client *c, int timeout_ms)
{
    if (!c)
        return 0;
    if (timeout_ms < 0)
        timeout_ms = 0;
    if (c->watch) {
        c->run_depth++;
        run_watched(c, CURL_SOCKET_TIMEOUT, 0);
        int left = c->inflight;
        if (--c->run_depth == 0 && c->free_deferred) {
            client_destroy(c);
            return 0;
        }
        return left;
    }
    c->run_depth++;
    uint64_t deadline = mc_http__now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        start_due_retries(c);
        mc_lean_timers(c->lean, mc_http__now_ms());
        int running = 0;
        curl_multi_perform(c->multi, &running);
        harvest(c);
        fire_done(c);
        if (c->free_deferred || c->inflight == 0)
            break;
        uint64_t now = mc_http__now_ms();
        if (now >= deadline)
            break;
        long wait = (long)(deadline - now);
        long r = until_next_retry(c, now);
        if (r >= 0 && r < wait)
            wait = r;
        r = mc_lean_timeout_ms(c->lean, now);
        if (r >= 0 && r < wait)
            wait = r;
        if (wait > 0)
            poll_with_lean(c, NULL, 0, (int)wait);
    }
    int left = c->inflight;
    if (--c->run_depth == 0 && c->free_deferred) {
        client_destroy(c);
        return 0;
    }
    return left;
}

static short to_curl_events(short ev)
{
    return (short)(((ev & POLLIN) ? CURL_WAIT_POLLIN : 0) |
                   ((ev & POLLPRI) ? CURL_WAIT_POLLPRI : 0) |
                   ((ev & POLLOUT) ? CURL_WAIT_POLLOUT : 0));
}

static short from_curl_events(short ev)
{
    return (short)(((ev & CURL_WAIT_POLLIN) ? POLLIN : 0) |
                   ((ev & CURL_WAIT_POLLPRI) ? POLLPRI : 0) |
                   ((ev & CURL_WAIT_POLLOUT) ? POLLOUT : 0));
}

/* One poll() over curl's sockets, the lean client's and the caller's
 * extra ones (curl_multi_poll, which never waits past curl's next
 * timeout); the lean sockets that are ready are served at once.  Returns
 * the number of ready descriptors among curl's and the caller's, or -1. */
static int poll_with_lean(mc_http_client *c, mc_http_waitfd *extra, unsigned n, int timeout_ms)
{
    size_t nl = mc_lean_nsockets(c->lean), total = n + nl;
    if (total > c->pfd_cap) {
        size_t cap = total < 16 ? 16 : total * 2;
        mc_http_waitfd *p = realloc(c->pfd, cap * sizeof *p);
        if (p)
            c->pfd = p;
        struct curl_waitfd *w = realloc(c->cwfd, cap * sizeof *w);
        if (w)
            c->cwfd = w;
        if (!p || !w)
            return -1;
        c->pfd_cap = cap;
    }
    nl = mc_lean_pollfds(c->lean, c->pfd, nl);
    for (size_t i = 0; i < nl; i++)
        c->cwfd[i] = (struct curl_waitfd){c->pfd[i].fd, to_curl_events(c->pfd[i].events), 0};
    for (unsigned i = 0; i < n; i++)
        c->cwfd[nl + i] = (struct curl_waitfd){extra[i].fd, to_curl_events(extra[i].events), 0};
    int ready = 0;
    CURLMcode rc = curl_multi_poll(c->multi, nl + n ? c->cwfd : NULL, (unsigned)(nl + n),
                                   timeout_ms, &ready);
    for (unsigned i = 0; i < n; i++)
        extra[i].revents = from_curl_events(c->cwfd[nl + i].revents);
    for (size_t i = 0; i < nl; i++) {
        short re = c->cwfd[i].revents;
        if (!re)
            continue;
        ready--;
        int ev = ((re & CURL_WAIT_POLLIN) ? MC_HTTP_WATCH_IN : 0) |
                 ((re & CURL_WAIT_POLLOUT) ? MC_HTTP_WATCH_OUT : 0);
        mc_lean_socket_ready(c->lean, c->pfd[i].fd, ev ? ev : MC_HTTP_WATCH_ERR);
    }
    return rc == CURLM_OK ? (ready < 0 ? 0 : ready) : -1;
}

int mc_http_wait(mc_http_client *c, mc_http_waitfd *extra, unsigned n,
                 int timeout_ms)
{
    if (!c || n > MC_HTTP_MAX_WAITFDS || (n && !extra))
        return -1;
    long t = mc_http_timeout_ms(c);
    if (t >= 0 && t < timeout_ms)
        timeout_ms = (int)t;
    if (timeout_ms < 0)
        timeout_ms = 0;
    int ready = poll_with_lean(c, extra, n, timeout_ms);
    /* a lean socket served counts as ready: the caller runs the client */
    if (ready == 0 && c->done_head)
        ready = 1;
    return ready;
}

long mc_http_timeout_ms(mc_http_client *c)
{
    if (!c)
        return -1;
    long t = -1;
    if (c->done_head)
        return 0;
    if (curl_multi_timeout(c->multi, &t) != CURLM_OK)
        t = -1;
    uint64_t now = client_now(c);
    long r = until_next_retry(c, now);
    if (r >= 0 && (t < 0 || r < t))
        t = r;
    r = mc_lean_timeout_ms(c->lean, now);
    if (r >= 0 && (t < 0 || r < t))
        t = r;
    return t;
}

typedef struct do_ctx {
    mc_http_response *out;
    bool done;
} do_ctx;

static void do_done(void *ud, mc_http_response *r)
{
    do_ctx *d = ud;
    *d->out = *r;
    free(r);
    d->done = true;
}

mc_code mc_http_do(mc_http_client *c, const mc_http_request *req,
                   mc_http_response *out, mc_err *err)
{
    if (!out)
        return mc_err_set(err, MC_EINVAL, "mc_http_do: missing response");
    memset(out, 0, sizeof *out);
    do_ctx d = {out, false};
    mc_code rc = mc_http_submit(c, req, do_done, &d, err);
    if (rc != MC_OK)
        return rc;
    while (!d.done) {
        if (c->free_deferred) {
            /* a callback freed the client while we were nested inside
             * mc_http_run: end our request now, d is about to go away */
            for (xfer *x = c->live; x; x = x->next)
                if (x->done == do_done && x->userdata == &d) {
                    abort_xfer(c, x, "client closed");
                    break;
                }
            fire_done(c);
            break;
        }
        mc_http_run(c, 1000);
    }
    return MC_OK;
}
