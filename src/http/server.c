/* server.c - the HTTP server host layer (see server.h): worker threads,
 * each one event loop over a libmicrohttpd epoll daemon, the worker's curl
 * multi client and an eventfd; request collection, limits, suspended
 * connections answered later, drain on stop; plus the small admin server. */
#include "http/server.h"
#include "util/mem.h"

#include "util/codec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "json/json.h"

#define MAX_POLL_FDS 1024

typedef struct worker worker;

struct mc_server_req {
    worker *w;
    struct MHD_Connection *conn;   /* NULL once MHD closed it */
    int refs;                      /* MHD + (handler while it owns it) */
    bool dispatched;               /* handler called */
    bool in_handler;               /* inside the handler call */
    bool suspended;
    bool answered;                 /* an answer was decided */
    bool queued;                   /* given to MHD */
    bool counted;                  /* holds a max_concurrent slot */
    bool too_large;
    int status;
    struct MHD_Response *resp;
    double start;                  /* monotonic ms */
    double deadline;               /* for request_timeout */
    struct mc_server_req *prev, *next; /* worker's pending list */
    char *method, *path, *query;
    mc_http_header *headers;       /* names and values malloc'd */
    size_t nheaders;
    mc_buf body;
    char tag[320];                 /* artifact and activity id */
};

struct worker {
    mc_server *s;
    int index;
    struct MHD_Daemon *d;
    mc_http_client *client;
    int wake_fd;
    pthread_t thread;
    bool started;
    unsigned active;               /* requests in progress on this worker */
    mc_server_req *pending_head, *pending_tail; /* suspended, by deadline */
    bool quiesced;
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
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- requests ---------------------------------------------------------- */

static void req_free(mc_server_req *r)
{
    if (r->resp)
        MHD_destroy_response(r->resp);
    for (size_t i = 0; i < r->nheaders; i++) {
        free((char *)r->headers[i].name);
        free((char *)r->headers[i].value);
    }
    free(r->headers);
    free(r->method);
    free(r->path);
    free(r->query);
    size_t body = r->body.cap;
    mc_buf_free(&r->body);
    free(r);
    mc_mem_after_request(body);   /* after a big body: RSS goes back down */
}

static void req_unref(mc_server_req *r)
{
    if (--r->refs == 0)
        req_free(r);
}

static void pending_remove(worker *w, mc_server_req *r)
{
    if (!r->suspended)
        return;
    if (r->prev) r->prev->next = r->next; else w->pending_head = r->next;
    if (r->next) r->next->prev = r->prev; else w->pending_tail = r->prev;
    r->prev = r->next = NULL;
    r->suspended = false;
}

static void pending_add(worker *w, mc_server_req *r)
{
    r->suspended = true;
    r->prev = w->pending_tail;
    r->next = NULL;
    if (w->pending_tail) w->pending_tail->next = r; else w->pending_head = r;
    w->pending_tail = r;
}

static void release_slot(mc_server_req *r)
{
    if (r->counted) {
        r->counted = false;
        atomic_fetch_sub(&r->w->s->inflight, 1);
    }
}

static bool skip_header(const char *name)
{
    return !strcasecmp(name, "Content-Length") || !strcasecmp(name, "Transfer-Encoding") ||
           !strcasecmp(name, "Connection") || !strcasecmp(name, "Keep-Alive");
}

static struct MHD_Response *make_response(const mc_http_header *h, size_t nh,
                                          const char *body, size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, (void *)(body ? body : ""), MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return NULL;
    for (size_t i = 0; i < nh; i++)
        if (h[i].name && h[i].value && !skip_header(h[i].name))
            MHD_add_response_header(resp, h[i].name, h[i].value);
    return resp;
}

/* Give the decided answer to MHD (inside the access handler). */
static enum MHD_Result queue_answer(mc_server_req *r)
{
    mc_server *s = r->w->s;
    if (atomic_load(&s->stopping))
        MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, r->resp);
    MHD_destroy_response(r->resp);
    r->resp = NULL;
    r->queued = true;
    release_slot(r);
    if (s->o.done)
        s->o.done(s->o.userdata, r, r->status, now_ms() - r->start);
    return ok;
}

/* Record the answer; queue it now when MHD is calling us, else resume. */
static void decide(mc_server_req *r, int status, struct MHD_Response *resp)
{
    if (r->answered) {
        if (resp)
            MHD_destroy_response(resp);
        return;
    }
    r->answered = true;
    r->status = resp ? status : 500;
    r->resp = resp ? resp : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (r->suspended && r->conn) {
        pending_remove(r->w, r);
        MHD_resume_connection(r->conn);
    }
}

static struct MHD_Response *error_response(int status, const char *message,
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
    struct MHD_Response *resp = b.oom ? NULL : make_response(h, nh, b.data, b.len);
    mc_buf_free(&b);
    return resp;
}

void mc_server_respond(mc_server_req *r, int status, const mc_http_header *headers,
                       size_t nheaders, const char *body, size_t len)
{
    decide(r, status, r->answered ? NULL : make_response(headers, nheaders, body, len));
    if (!r->in_handler)
        req_unref(r);
}

void mc_server_respond_error(mc_server_req *r, int status, const char *message,
                             const mc_http_header *extra)
{
    decide(r, status, r->answered ? NULL : error_response(status, message, extra));
    if (!r->in_handler)
        req_unref(r);
}

/* An answer decided by the server itself (the handler keeps its ref). */
static void server_answer(mc_server_req *r, int status, const char *message)
{
    decide(r, status, r->answered ? NULL : error_response(status, message, NULL));
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

/* ---- collecting a request from MHD -------------------------------------- */

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind,
                                  const char *key, const char *value)
{
    mc_server_req *r = cls;
    mc_http_header *hs = realloc(r->headers, (r->nheaders + 1) * sizeof *hs);
    if (!hs)
        return MHD_NO;
    r->headers = hs;
    char *n = strdup(key), *v = strdup(value ? value : "");
    if (!n || !v) {
        free(n);
        free(v);
        return MHD_NO;
    }
    hs[r->nheaders++] = (mc_http_header){n, v};
    return MHD_YES;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind,
                               const char *key, const char *value)
{
    mc_buf *q = cls;
    if (q->len)
        mc_buf_putc(q, '&');
    mc_buf_puts(q, key);
    if (value) {
        mc_buf_putc(q, '=');
        mc_buf_puts(q, value);
    }
    return MHD_YES;
}

static mc_server_req *req_new(worker *w, struct MHD_Connection *c, const char *url,
                              const char *method)
{
    mc_server_req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->w = w;
    r->conn = c;
    r->refs = 1;
    r->start = now_ms();
    r->method = strdup(method);
    r->path = strdup(url);
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, r);
    mc_buf q = MC_BUF_INIT;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &q);
    if (q.len)
        r->query = mc_buf_steal(&q);
    mc_buf_free(&q);
    if (!r->method || !r->path || q.oom) {
        req_free(r);
        return NULL;
    }
    return r;
}

static bool declared_too_large(const mc_server_req *r, size_t max)
{
    const char *cl = mc_server_req_get_header(r, "Content-Length");
    if (!cl)
        return false;
    errno = 0;
    unsigned long long n = strtoull(cl, NULL, 10);
    return errno == 0 && n > max;
}

/* First call for a request: admission checks. */
static enum MHD_Result first_call(worker *w, struct MHD_Connection *c, const char *url,
                                  const char *method, void **con_cls)
{
    mc_server *s = w->s;
    mc_server_req *r = req_new(w, c, url, method);
    if (!r)
        return MHD_NO;
    *con_cls = r;
    w->active++;
    unsigned n = atomic_fetch_add(&s->inflight, 1) + 1;
    r->counted = true;
    if (n > s->o.max_concurrent) {
        server_answer(r, 503, "too many requests in progress; retry later");
        return queue_answer(r);
    }
    if (declared_too_large(r, s->o.max_body)) {
        char msg[96];
        snprintf(msg, sizeof msg, "request body exceeds %zu bytes", s->o.max_body);
        server_answer(r, 413, msg);
        return queue_answer(r);
    }
    return MHD_YES;
}

static void dispatch(worker *w, mc_server_req *r)
{
    mc_server *s = w->s;
    r->dispatched = true;
    r->refs++;                    /* the handler's */
    r->in_handler = true;
    s->o.handler(s->o.userdata, r);
    r->in_handler = false;
    if (r->answered) {
        /* answered before returning: the handler already gave its ref back
         * in spirit; drop it now that we're outside the call */
        req_unref(r);
        return;
    }
    r->deadline = r->start + (double)s->o.request_timeout_ms;
    pending_add(w, r);
    MHD_suspend_connection(r->conn);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size,
                                  void **con_cls)
{
    worker *w = cls;
    mc_server_req *r = *con_cls;
    if (!r)
        return first_call(w, c, url, method, con_cls);
    if (r->queued)
        return MHD_YES;
    if (*upload_size) {
        if (!r->too_large && r->body.len + *upload_size > w->s->o.max_body)
            r->too_large = true;
        if (!r->too_large)
            mc_buf_append(&r->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->answered)
        return queue_answer(r);
    if (r->too_large || r->body.oom) {
        char msg[96];
        snprintf(msg, sizeof msg, "request body exceeds %zu bytes", w->s->o.max_body);
        server_answer(r, 413, msg);
        return queue_answer(r);
    }
    if (!r->dispatched)
        dispatch(w, r);
    return r->answered ? queue_answer(r) : MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    worker *w = cls;
    mc_server_req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    pending_remove(w, r);
    release_slot(r);
    r->conn = NULL;
    r->answered = true;           /* a late handler answer goes nowhere */
    w->active--;
    req_unref(r);
}

/* MHD would percent-decode the path and query; keep them as received. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
    return strlen(s);
}

/* ---- sockets and daemons ------------------------------------------------ */

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

static int listen_socket(const char *bind_addr, int port, bool reuseport, mc_err *err)
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
        bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 1024) != 0) {
        mc_err_set(err, MC_EIO, "cannot listen on %s:%d: %s", bind_addr, port, strerror(errno));
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

static struct MHD_Daemon *start_worker_daemon(worker *w, int fd)
{
    const mc_server_options *o = &w->s->o;
    return MHD_start_daemon(
        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, on_request, w,
        MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
        MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, o->idle_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->max_header + (size_t)16384,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)10000,
        MHD_OPTION_END);
}

/* ---- the worker loop ---------------------------------------------------- */

static void wake(worker *w)
{
    uint64_t one = 1;
    ssize_t n = write(w->wake_fd, &one, sizeof one);
    (void)n;
}

static int poll_timeout(worker *w, double now)
{
    double t = 1000;
    MHD_UNSIGNED_LONG_LONG mt;
    if (MHD_get_timeout(w->d, &mt) == MHD_YES && (double)mt < t)
        t = (double)mt;
    long ct = mc_http_timeout_ms(w->client);
    if (ct >= 0 && (double)ct < t)
        t = (double)ct;
    if (w->pending_head && w->pending_head->deadline - now < t)
        t = w->pending_head->deadline - now;
    return t < 0 ? 0 : (int)t + (t > (int)t);
}

/* The worker's own descriptors: its wake-up eventfd and libmicrohttpd's
 * epoll fd.  The HTTP client adds its sockets itself (mc_http_wait). */
static unsigned collect_fds(worker *w, mc_http_waitfd *p)
{
    unsigned n = 0;
    p[n++] = (mc_http_waitfd){.fd = w->wake_fd, .events = POLLIN};
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_EPOLL_FD);
    if (info)
        p[n++] = (mc_http_waitfd){.fd = info->epoll_fd, .events = POLLIN};
    return n;
}

static void expire_pending(worker *w, double now)
{
    while (w->pending_head && w->pending_head->deadline <= now)
        server_answer(w->pending_head, 504, "request timed out");
}

/* Shutdown: stop accepting once; at the deadline answer what is left. */
static bool drain_step(worker *w, double now)
{
    mc_server *s = w->s;
    if (!w->quiesced) {
        w->quiesced = true;
        MHD_socket fd = MHD_quiesce_daemon(w->d);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
    if (w->active == 0)
        return true;
    if (now >= atomic_load(&s->drain_deadline)) {
        while (w->pending_head) {
            atomic_fetch_add(&s->cut_off, 1);
            server_answer(w->pending_head, 503, "server shutting down");
        }
        /* a little longer for the answers to leave */
        return now >= atomic_load(&s->drain_deadline) + 1000;
    }
    return false;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    mc_http_waitfd p[2];
    for (;;) {
        double now = now_ms();
        if (atomic_load(&w->s->stopping) && drain_step(w, now))
            break;
        unsigned n = collect_fds(w, p);
        int timeout = poll_timeout(w, now);
        if (atomic_load(&w->s->stopping) && timeout > 50)
            timeout = 50;
        mc_http_wait(w->client, p, n, timeout);
        if (p[0].revents & POLLIN) {
            uint64_t v;
            ssize_t r = read(w->wake_fd, &v, sizeof v);
            (void)r;
        }
        mc_http_run(w->client, 0);
        MHD_run(w->d);
        expire_pending(w, now_ms());
        MHD_run(w->d);
    }
    return NULL;
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
}

static void worker_free(worker *w)
{
    /* pending requests finish here: the handler sees "client closed" */
    if (w->client)
        mc_http_client_free(w->client);
    w->client = NULL;
    if (w->d)
        MHD_stop_daemon(w->d);
    w->d = NULL;
    if (w->wake_fd >= 0)
        close(w->wake_fd);
    w->wake_fd = -1;
}

static bool worker_init(mc_server *s, worker *w, int index, int fd, mc_err *err)
{
    w->s = s;
    w->index = index;
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    w->client = mc_http_client_new(s->o.client);
    if (w->wake_fd < 0 || !w->client) {
        close(fd);
        mc_err_set(err, MC_ENOMEM, "cannot create worker %d", index);
        return false;
    }
    w->d = start_worker_daemon(w, fd);
    if (!w->d) {
        close(fd);
        mc_err_set(err, MC_EIO, "cannot start HTTP daemon for worker %d", index);
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
    free(s);
}

static bool open_workers(mc_server *s, mc_err *err)
{
    int port = s->o.port;
    for (int i = 0; i < s->nworkers; i++)
        s->workers[i].wake_fd = -1;
    for (int i = 0; i < s->nworkers; i++) {
        int fd = listen_socket(s->o.bind, port, true, err);
        if (fd < 0)
            return false;
        if (i == 0)
            s->port = port = bound_port(fd);
        if (!worker_init(s, &s->workers[i], i, fd, err))
            return false;
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
    s->nworkers = s->o.workers;
    s->workers = calloc((size_t)s->nworkers, sizeof *s->workers);
    if (!s->workers) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        free(s);
        return NULL;
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
    struct MHD_Daemon *d;
    mc_admin_handler h;
    void *userdata;
    int port;
    char *token;                  /* NULL: no token asked */
};

/* The query as the client sent it, rebuilt from libmicrohttpd's decoded
 * arguments (it strips it from url) and re-encoded. */
static enum MHD_Result add_admin_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    mc_buf *b = cls;
    (void)kind;
    mc_buf_putc(b, b->len ? '&' : '?');
    mc_url_encode_rfc3986(b, key, strlen(key));
    if (value) {
        mc_buf_putc(b, '=');
        mc_url_encode_rfc3986(b, value, strlen(value));
    }
    return MHD_YES;
}

/* A token is asked for everything but the probes; compared in constant time. */
static bool admin_authorized(const mc_admin_server *a, struct MHD_Connection *c, const char *url)
{
    if (!a->token || strcmp(url, "/healthz") == 0 || strcmp(url, "/liveness") == 0)
        return true;
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
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

static enum MHD_Result on_admin(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version,
                                const char *upload, size_t *upload_size, void **con_cls)
{
    mc_admin_server *a = cls;
    if (!*con_cls) {              /* wait for the (ignored) body */
        *con_cls = a;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    mc_buf body = MC_BUF_INIT;
    const char *ctype = "text/plain; charset=utf-8";
    int status;
    if (!admin_authorized(a, c, url)) {
        ctype = "application/json";
        mc_buf_puts(&body, "{\"Error\":\"a management token is required: "
                           "Authorization: Bearer TOKEN\"}\n");
        status = 401;
    } else {
        mc_buf target = MC_BUF_INIT;
        mc_buf_puts(&target, url);
        mc_buf q = MC_BUF_INIT;
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_admin_arg, &q);
        mc_buf_append(&target, q.data, q.len);
        status = a->h(a->userdata, method, target.oom ? url : mc_buf_cstr(&target), &body,
                      &ctype);
        mc_buf_free(&q);
        mc_buf_free(&target);
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        body.len, body.data ? body.data : (void *)"", MHD_RESPMEM_MUST_COPY);
    mc_buf_free(&body);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ok;
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
    int fd = listen_socket(bind_addr && *bind_addr ? bind_addr : "127.0.0.1", port, false, err);
    if (fd < 0) {
        free(a);
        return NULL;
    }
    a->port = bound_port(fd);
    a->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
                            on_admin, a, MHD_OPTION_LISTEN_SOCKET, fd,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    if (!a->d) {
        close(fd);
        free(a);
        mc_err_set(err, MC_EIO, "cannot start the admin HTTP daemon");
        return NULL;
    }
    return a;
}

int mc_admin_server_port(const mc_admin_server *a) { return a->port; }

void mc_admin_server_stop(mc_admin_server *a)
{
    if (!a)
        return;
    MHD_stop_daemon(a->d);
    free(a->token);
    free(a);
}
