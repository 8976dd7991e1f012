/* test_server_listen.c - the listening socket (one SO_REUSEPORT socket a
 * worker, or one shared: shared_listener) and the connection limit
 * (src/http/server.c, conn.c) on a real server and real sockets:
 * --max-connections holds over all workers (also when it does not divide
 * by them); a worker at its share steps aside for one with room instead of
 * refusing; at the limit the connection idle the longest is closed for a
 * new one, and a new one is refused when every connection is busy; out of
 * descriptors (EMFILE) an idle connection is still closed for a new one;
 * the drain stops every worker accepting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http/client.h"
#include "http/server.h"

/* /hold: the request waits in its "flow" (the connection is busy) on an
 * upstream request due in an hour, until the server stops and its worker's
 * client reports "client closed"; then it is answered, as a flow answers.
 * Anything else: 200 "ok" at once (then the connection idles). */
static atomic_int held;
static atomic_int held_by[2];

static void upstream_done(void *ud, mc_http_response *resp)
{
    mc_server_respond(ud, 502, NULL, 0, NULL, 0);
    mc_http_response_free(resp);
    free(resp);
}

static void handler(void *ud, mc_server_req *r)
{
    (void)ud;
    if (strcmp(mc_server_req_path(r), "/hold") == 0) {
        int w = mc_server_req_worker(r);
        if (w >= 0 && w < 2)
            atomic_fetch_add(&held_by[w], 1);
        atomic_fetch_add(&held, 1);
        mc_http_request later = {.method = "GET", .url = "http://127.0.0.1:9/",
                                 .delay_ms = 3600 * 1000};
        mc_err err = {0};
        if (mc_http_submit(mc_server_req_client(r), &later, upstream_done, r, &err) != MC_OK)
            mc_server_respond(r, 500, NULL, 0, NULL, 0);
        return;
    }
    mc_server_respond(r, 200, NULL, 0, "ok", 2);
}

static mc_server *start(int workers, unsigned max_connections, bool shared)
{
    atomic_store(&held, 0);
    atomic_store(&held_by[0], 0);
    atomic_store(&held_by[1], 0);
    mc_server_options o = {.workers = workers, .max_connections = max_connections,
                           .shared_listener = shared, .handler = handler};
    mc_err err = {0};
    mc_server *s = mc_server_start(&o, &err);
    assert_non_null(s);
    return s;
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void send_req(int fd, const char *path)
{
    char req[128];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
    (void)!send(fd, req, (size_t)n, MSG_NOSIGNAL);
}

/* The answer's status after a request for /quick; 0 when the server closed
 * the connection (refused or evicted) or nothing came in 10 s. */
static int quick(int fd)
{
    send_req(fd, "/quick");
    char buf[512];
    size_t got = 0;
    while (got < sizeof buf - 1) {
        ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (n <= 0)
            return 0;
        got += (size_t)n;
        buf[got] = 0;
        if (strstr(buf, "\r\n\r\nok"))
            return atoi(buf + 9);
    }
    return 0;
}

/* True when the server closes fd after a request for /hold, as a refused
 * connection is closed (false: it was taken). */
static bool refused(int fd, int held_before)
{
    send_req(fd, "/hold");
    char c;
    ssize_t n = recv(fd, &c, 1, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET))
        return true;
    return atomic_load(&held) == held_before;
}

/* Wait (at most 10 s) until n requests are held. */
static void wait_held(int n)
{
    for (int i = 0; i < 1000 && atomic_load(&held) < n; i++)
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    assert_int_equal(atomic_load(&held), n);
}

static void hold_busy(int port, int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        fds[i] = dial(port);
        send_req(fds[i], "/hold");
        wait_held(i + 1);
    }
}

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* A limit the workers do not divide: 3 over 2 (each worker's share is 2),
 * and 5 over 2; the global count holds it, not the shares' sum. */
static void test_global_limit_holds_over_two_workers(void **state)
{
    (void)state;
    for (unsigned max = 3; max <= 5; max += 2) {
        mc_server *s = start(2, max, true);
        int fds[8];
        hold_busy(mc_server_port(s), fds, (int)max);
        int extra = dial(mc_server_port(s));
        assert_true(refused(extra, (int)max));
        assert_int_equal(atomic_load(&held), (int)max);
        close(extra);
        close_all(fds, (int)max);
        mc_server_stop(s, 0);
    }
}

/* Eight busy connections, a share of four each: whichever worker the
 * kernel wakes, a full one steps aside for the one with room, so all
 * eight are taken, four each, and only the ninth is refused. */
static void test_full_worker_steps_aside_for_one_with_room(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        mc_server *s = start(2, 8, true);
        int fds[8];
        hold_busy(mc_server_port(s), fds, 8);
        assert_int_equal(atomic_load(&held_by[0]), 4);
        assert_int_equal(atomic_load(&held_by[1]), 4);
        int extra = dial(mc_server_port(s));
        assert_true(refused(extra, 8));
        close(extra);
        close_all(fds, 8);
        mc_server_stop(s, 0);
    }
}

/* At the limit with idle keep-alive connections: a new connection closes
 * one of them (the one idle the longest in the worker that takes it) and
 * is answered; the others stay usable. */
static void test_idle_connection_evicted_at_the_limit(void **state)
{
    (void)state;
    mc_server *s = start(2, 4, true);
    int fds[5];
    for (int i = 0; i < 4; i++) {
        fds[i] = dial(mc_server_port(s));
        assert_int_equal(quick(fds[i]), 200);
    }
    fds[4] = dial(mc_server_port(s));
    assert_int_equal(quick(fds[4]), 200);
    int open = 0;
    for (int i = 0; i < 4; i++)
        open += quick(fds[i]) == 200;
    assert_int_equal(open, 3);
    close_all(fds, 5);
    mc_server_stop(s, 0);
}

static int count_fds(int *highest)
{
    int n = 0;
    *highest = -1;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int fd = atoi(e->d_name);
        if (fd != dirfd(d)) {
            n++;
            if (fd > *highest)
                *highest = fd;
        }
    }
    closedir(d);
    return n;
}

/* The server in a child process whose descriptor limit leaves it room for
 * a few connections: every new connection is still answered, because
 * accept's EMFILE closes an idle one (whichever worker is woken); and
 * none is closed while no connection waits (accept fails with EMFILE on
 * an empty queue too: the last descriptor taken used to cost an idle
 * connection, or the new one itself). */
static void out_of_descriptors_evicts_an_idle_connection(int workers, bool shared)
{
    int up[2], down[2];
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(up[0]);
        close(down[1]);
        mc_server_options o = {.workers = workers, .shared_listener = shared,
                               .handler = handler};
        mc_err err = {0};
        mc_server *s = mc_server_start(&o, &err);
        if (!s)
            _exit(3);
        /* the free numbers below the highest open descriptor filled, so
         * the limit leaves room for exactly four more */
        int highest;
        count_fds(&highest);
        int f;
        while ((f = fcntl(up[1], F_DUPFD, 0)) >= 0 && f < highest)
            ;
        if (f >= 0)
            close(f);
        int used = count_fds(&highest);
        struct rlimit rl;
        getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_cur = (rlim_t)highest + 1 + 4;
        int info[2] = {mc_server_port(s), (int)rl.rlim_cur - used};
        if (used < 0 || setrlimit(RLIMIT_NOFILE, &rl) != 0 ||
            write(up[1], info, sizeof info) != (ssize_t)sizeof info)
            _exit(4);
        char c;
        (void)!read(down[0], &c, 1);   /* until the parent is done */
        mc_server_stop(s, 0);
        _exit(0);
    }
    close(up[1]);
    close(down[0]);
    int info[2];
    assert_int_equal(read(up[0], info, sizeof info), (ssize_t)sizeof info);
    int room = info[1];
    assert_true(room >= 4 && room < 16);
    enum { N = 20 };
    int fds[N];
    for (int i = 0; i < N; i++) {
        fds[i] = dial(info[0]);
        assert_int_equal(quick(fds[i]), 200);
        if (i + 1 == room)         /* the last descriptor taken: none closed */
            for (int k = 0; k < room; k++)
                assert_int_equal(quick(fds[k]), 200);
    }
    int open = 0;
    for (int i = 0; i < N; i++)
        open += quick(fds[i]) == 200;
    assert_true(open >= 1 && open <= room);
    close_all(fds, N);
    close(down[1]);
    close(up[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* With the shared listener whichever of two workers is woken; with one
 * SO_REUSEPORT socket a worker, one worker (two would each evict only
 * their own idle connections, and a connection queued at a worker with
 * none would wait for a descriptor). */
static void test_out_of_descriptors_evicts_an_idle_connection(void **state)
{
    (void)state;
    out_of_descriptors_evicts_an_idle_connection(2, true);
    out_of_descriptors_evicts_an_idle_connection(1, false);
}

/* The drain: every worker stops accepting (the shared socket closes with
 * the last worker's descriptor), held requests are answered 503 at the
 * deadline, and a connection that arrives after it is refused. */
static void drain_stops_every_worker_accepting(bool shared)
{
    mc_server *s = start(4, 100, shared);
    int port = mc_server_port(s);
    int fds[4];
    hold_busy(port, fds, 4);
    mc_server_drain(s, 200);
    char buf[256];
    for (int i = 0; i < 4; i++) {
        ssize_t n = recv(fds[i], buf, sizeof buf - 1, 0);
        assert_true(n > 12);
        buf[n] = 0;
        assert_int_equal(atoi(buf + 9), 503);
    }
    assert_int_equal(mc_server_stop(s, 200), 4);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_not_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(errno, ECONNREFUSED);
    close(fd);
    close_all(fds, 4);
}

static void test_drain_stops_every_worker_accepting(void **state)
{
    (void)state;
    drain_stops_every_worker_accepting(true);
    drain_stops_every_worker_accepting(false);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        /* first: it forks, while this process runs no threads */
        cmocka_unit_test(test_out_of_descriptors_evicts_an_idle_connection),
        cmocka_unit_test(test_global_limit_holds_over_two_workers),
        cmocka_unit_test(test_full_worker_steps_aside_for_one_with_room),
        cmocka_unit_test(test_idle_connection_evicted_at_the_limit),
        cmocka_unit_test(test_drain_stops_every_worker_accepting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
