/* bench_http_client.c - rough throughput of the HTTP client against the
 * local fault server (tests/unit/http/fault_server.py).  Not a test: run it
 * by hand from the build directory,
 *
 *     MC_SOURCE_ROOT=.. ./tests/unit/http/bench_http_client [N]
 *
 * and read docs/http.md for what the numbers mean.  The server is Python,
 * so it bounds requests/s; the client's own CPU time per request is printed
 * too (getrusage of this process, the server being another one). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "http/client.h"
#include "fault_server_harness.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static char target[128];

static int one_h(mc_http_client *c, const mc_http_header *h, size_t nh)
{
    mc_http_request rq = {.method = "GET", .url = target, .idempotent = true,
                          .headers = h, .nheaders = nh};
    mc_http_response r;
    if (mc_http_do(c, &rq, &r, NULL) != MC_OK || r.status != 200) {
        fprintf(stderr, "request failed: %d %s\n", r.status, r.error);
        mc_http_response_free(&r);
        return -1;
    }
    mc_http_response_free(&r);
    return 0;
}

static int one(mc_http_client *c) { return one_h(c, NULL, 0); }

static void report(const char *what, int n, double t0, double c0)
{
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    printf("%-34s %6d req  %8.0f req/s  %6.1f us client CPU/req\n", what, n,
           n / wall, cpu * 1e6 / n);
}

static int inflight_done;
static void done_cb(void *ud, mc_http_response *r)
{
    int *bad = ud;
    if (r->status != 200)
        (*bad)++;
    inflight_done++;
    mc_http_response_free(r);
    free(r);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    if (n <= 0)
        n = 2000;
    signal(SIGPIPE, SIG_IGN);
    if (start_server() != 0)
        return 1;
    snprintf(target, sizeof target, "http://127.0.0.1:%d/ok", srv_port);

    /* warm-up */
    mc_http_client *c = mc_http_client_new(NULL);
    for (int i = 0; i < 50; i++)
        one(c);

    double t0 = now_s(), c0 = cpu_s();
    for (int i = 0; i < n; i++)
        if (one(c))
            return 1;
    report("sequential, keep-alive (1 client)", n, t0, c0);

    static const mc_http_header close_h[] = {{"Connection", "close"}};
    t0 = now_s(), c0 = cpu_s();
    for (int i = 0; i < n; i++)
        if (one_h(c, close_h, 1))
            return 1;
    report("sequential, Connection: close", n, t0, c0);

    t0 = now_s(), c0 = cpu_s();
    for (int i = 0; i < n; i++) {
        mc_http_client *f = mc_http_client_new(NULL);
        if (one(f))
            return 1;
        mc_http_client_free(f);
    }
    report("sequential, new client each", n, t0, c0);

    /* a window of 16 in flight on one client */
    int bad = 0, submitted = 0;
    inflight_done = 0;
    t0 = now_s(), c0 = cpu_s();
    while (inflight_done < n) {
        while (submitted < n && submitted - inflight_done < 16) {
            mc_http_request rq = {.method = "GET", .url = target,
                                  .idempotent = true};
            mc_http_submit(c, &rq, done_cb, &bad, NULL);
            submitted++;
        }
        mc_http_run(c, 100);
    }
    report("16 in flight, keep-alive", n, t0, c0);
    if (bad)
        fprintf(stderr, "%d requests failed\n", bad);
    mc_http_client_free(c);
    stop_server();
    return bad ? 1 : 0;
}
