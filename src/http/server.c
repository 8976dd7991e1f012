/* server.c - mediac's HTTP/1.1 server (see server.h): N worker threads,
 * each one event loop over its own SO_REUSEPORT listening socket (or one
 * socket shared with EPOLLEXCLUSIVE, as nginx does: shared_listener), its
 * connections (conn.c; one epoll set, edge-triggered, each descriptor
 * registered once: a request waiting for its flow costs no syscall), its
 * HTTP client's sockets (upwatch.c) and a wake-up eventfd, waited on once
 * per pass; the sockets, start, drain and stop.  The admin port
 * (admin_server.c) is the same machinery with one worker. */
#include "http/server.h"
#include "http/server_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>


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
    if (atomic_load(&w->listen_off) && w->listen_resume_at > now && w->listen_resume_at - now < t)
        t = w->listen_resume_at - now;
    if (w->run_head)
        t = 0;
    return t < 0 ? 0 : (int)t + (t > (int)t);
}

static void expire(worker *w, double now)
{
    conn *c;
    while ((c = w->lists[L_IDLE].head) && c->deadline <= now) {
        if (c->h2)
            mc_h2_goaway(c);       /* leaves the list: closed, or writing it */
        else
            mc_srv_conn_close(c);
    }
    while ((c = w->lists[L_SEND].head) && c->deadline <= now)
        mc_srv_conn_close(c);
    while ((c = w->lists[L_LINGER].head) && c->deadline <= now)
        mc_srv_conn_close(c);
    while ((c = w->lists[L_RECV].head) && c->deadline <= now) {
        /* the request did not arrive in time: 408 frees its slot, then a
         * (bounded) lingering close so the answer is not lost in a reset */
        mc_srv_list_remove(c);
        mc_srv_refuse(c, 408, "request not received within the request timeout", true);
    }
    while (w->pend_head && w->pend_head->deadline <= now) {
        if (w->pend_head->dispatched)
            mc_srv_error_answer(w->pend_head, 504, "request timed out", NULL);
        else                       /* an HTTP/2 stream still arriving */
            mc_srv_error_answer(w->pend_head, 408,
                                "request not received within the request timeout", NULL);
    }
}

static void run_queue(worker *w)
{
    while (w->run_head) {
        conn *c = w->run_head;
        w->run_head = c->run_next;
        if (!w->run_head)
            w->run_tail = NULL;
        c->queued = false;
        mc_srv_conn_run(c);
    }
}

static void stop_listening(worker *w)
{
    if (w->lfd >= 0) {
        if (!atomic_load(&w->listen_off))
            epoll_ctl(w->ep, EPOLL_CTL_DEL, w->lfd, NULL);
        close(w->lfd);
        w->lfd = -1;
    }
}

/* The listener in the worker's epoll set; shared, with EPOLLEXCLUSIVE, so
 * a connection wakes one waiting worker, not all of them (level-triggered:
 * what one wakeup leaves in the backlog wakes a worker again). */
static int watch_listener(worker *w)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (w->s->o.shared_listener)
        ev.events |= EPOLLEXCLUSIVE;
    return epoll_ctl(w->ep, EPOLL_CTL_ADD, w->lfd, &ev);
}

void mc_srv_listen_pause(worker *w)
{
    if (w->lfd < 0 || atomic_load(&w->listen_off) ||
        epoll_ctl(w->ep, EPOLL_CTL_DEL, w->lfd, NULL) != 0)
        return;
    atomic_store(&w->listen_off, true);
    /* the connection that woke this worker wakes no other (EPOLLEXCLUSIVE
     * handed its event here): the next worker still listening is asked
     * to accept */
    mc_server *s = w->s;
    if (!s->o.shared_listener)
        return;
    for (int k = 1; k < s->nworkers; k++) {
        worker *o = &s->workers[(w->index + k) % s->nworkers];
        if (!atomic_load(&o->listen_off)) {
            atomic_store(&o->try_accept, true);
            wake(o);
            return;
        }
    }
}

void mc_srv_listen_again(worker *w)
{
    if (!atomic_load(&w->listen_off) || w->lfd < 0 || now_ms() < w->listen_resume_at)
        return;
    if (!w->s->o.shared_listener || w->conns < w->s->worker_max_conns ||
        atomic_load(&w->s->conns) >= w->s->o.max_connections) {
        if (watch_listener(w) == 0)
            atomic_store(&w->listen_off, false);
    }
}

void mc_srv_listen_recall(worker *w)
{
    mc_server *s = w->s;
    for (int i = 0; i < s->nworkers; i++)
        if (&s->workers[i] != w && atomic_load(&s->workers[i].listen_off))
            wake(&s->workers[i]);
}

/* Shutdown: stop accepting, close idle connections; at the deadline
 * answer what is left 503.  True when the worker may exit. */
static bool drain_step(worker *w, double now)
{
    mc_server *s = w->s;
    stop_listening(w);
    conn *c;
    for (c = w->all; c;) {         /* HTTP/2: GOAWAY, streams in progress finish */
        conn *n = c->all_next;
        if (c->h2)
            mc_h2_goaway(c);
        c = n;
    }
    while ((c = w->lists[L_IDLE].head))
        mc_srv_conn_close(c);
    for (c = w->lists[L_RECV].head; c;) {
        conn *n = c->next;
        if (c->state == S_HEAD)
            mc_srv_conn_close(c);
        c = n;
    }
    if (w->active == 0)
        return true;
    if (now >= atomic_load(&s->drain_deadline)) {
        while (w->pend_head) {
            atomic_fetch_add(&s->cut_off, 1);
            mc_srv_error_answer(w->pend_head, 503, "server shutting down", NULL);
        }
        /* a little longer for the answers to leave */
        return now >= atomic_load(&s->drain_deadline) + 1000;
    }
    return false;
}

static void handle_events(worker *w, struct epoll_event *ev, int n)
{
    for (int i = 0; i < n; i++) {
        if (ev[i].data.u64 == WAKE_TAG) {
            uint64_t v;
            ssize_t r = read(w->wake_fd, &v, sizeof v);
            (void)r;
            if (atomic_exchange(&w->try_accept, false))
                mc_srv_accept_all(w);
            continue;
        }
        if (ev[i].data.u64 & UP_TAG) {
            mc_upwatch_event(&w->up, (int)(ev[i].data.u64 & ~UP_TAG), ev[i].events);
            continue;
        }
        conn *c = ev[i].data.ptr;
        if (!c) {
            mc_srv_accept_all(w);
            continue;
        }
        if (c->dead)
            continue;
        if (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            c->readable = true;
        if (ev[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            c->rdhup = true;
        if (ev[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            c->writable = true;
        if (c->tls)                /* a TLS read may wait to write, and the reverse */
            c->readable = c->writable = true;
        mc_srv_conn_run(c);
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    struct epoll_event ev[MAX_EVENTS];
    /* one clock read a pass, after the wait (clock.h); the next pass's
     * timeout is reckoned from it */
    double now = mc_clock_tick();
    for (;;) {
        if (atomic_load(&w->s->stopping) && drain_step(w, now))
            break;
        int timeout = poll_timeout(w, now);
        if (atomic_load(&w->s->stopping) && timeout > 50)
            timeout = 50;
        /* the one wait of the pass: connections, listener, wake-ups and
         * the upstream client's sockets */
        int n = epoll_wait(w->ep, ev, MAX_EVENTS, timeout);
        now = mc_clock_tick();
        handle_events(w, ev, n < 0 ? 0 : n);
        mc_http_run(w->client, 0);
        expire(w, now);
        run_queue(w);
        mc_srv_free_dead(w);
        if (atomic_load_explicit(&w->listen_off, memory_order_relaxed))
            mc_srv_listen_again(w);
    }
    mc_clock_stop();
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
        mc_srv_conn_close(w->all);
    while (w->pend_head) {
        mc_server_req *r = w->pend_head;
        mc_srv_pending_remove(r);
    }
    mc_srv_free_dead(w);
    stop_listening(w);
    mc_upwatch_free(&w->up);
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
    struct epoll_event wake = {.events = EPOLLIN, .data.u64 = WAKE_TAG};
    w->up = (mc_upwatch){.ep = w->ep, .client = w->client};
    if (w->client)
        mc_http_set_watch(w->client, mc_upwatch_on_watch, &w->up);
    if (w->ep < 0 || w->wake_fd < 0 || !w->client ||
        watch_listener(w) != 0 ||
        epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake_fd, &wake) != 0) {
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

/* Each worker listens on its own SO_REUSEPORT socket (the kernel spreads
 * connections evenly), or, with shared_listener, on its own descriptor of
 * one socket (closed at drain; the socket closes with the last).  Both
 * keep SO_REUSEPORT so that a server started on the port of one still
 * draining (an inbound endpoint's reload, src/host/scheduler.c: join_port)
 * listens beside it.  Otherwise a probe bound without SO_REUSEPORT first
 * proves the port is not in use (by another server's reuseport socket
 * included): a second server on the same port fails with "address already
 * in use" instead of sharing the traffic. */
static bool open_workers(mc_server *s, mc_err *err)
{
    for (int i = 0; i < s->nworkers; i++)
        s->workers[i].ep = s->workers[i].wake_fd = s->workers[i].lfd = -1;
    int port = s->o.port;
    if (!s->o.join_port || port == 0) {
        int probe = bound_socket(s->o.bind, port, false, false, err);
        if (probe < 0)
            return false;
        port = bound_port(probe);
        /* reuseport sockets cannot join a socket bound without the
         * option, so the probe is closed right before the listener binds:
         * another process could only take the port in that moment, and
         * then this start fails */
        close(probe);
    }
    int fds[256];
    int n = 0;
    bool ok = true;
    for (; n < s->nworkers && ok; n++) {
        fds[n] = n == 0 || !s->o.shared_listener
                     ? bound_socket(s->o.bind, port, true, true, err)
                     : fcntl(fds[0], F_DUPFD_CLOEXEC, 0);
        ok = fds[n] >= 0;
        if (!ok && n > 0)
            mc_err_set(err, MC_EIO, "cannot share the listening socket: %s", strerror(errno));
    }
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
    /* each worker's share, rounded up; the global count holds the limit */
    s->worker_max_conns = (s->o.max_connections + (unsigned)s->nworkers - 1) /
                          (unsigned)s->nworkers;
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
        if (!(s->tls = mc_tls_server_new(s->o.tls_cert, s->o.tls_key, !s->o.no_http2, err))) {
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

void mc_server_drain(mc_server *s, long drain_ms)
{
    if (!s || atomic_load(&s->stopping))
        return;
    atomic_store(&s->drain_deadline, now_ms() + (double)(drain_ms > 0 ? drain_ms : 0));
    atomic_store(&s->stopping, true);
    for (int i = 0; i < s->nworkers; i++)
        wake(&s->workers[i]);
}

unsigned mc_server_stop(mc_server *s, long drain_ms)
{
    if (!s)
        return 0;
    mc_server_drain(s, drain_ms);
    join_workers(s);
    unsigned cut = atomic_load(&s->cut_off);
    free_server(s);
    return cut;
}
