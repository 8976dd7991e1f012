/* test_http_client.c - the HTTP client against a real local server.
 *
 * The group setup starts tests/unit/http/fault_server.py (python3) with
 * fork/exec and reads its port from its stdout; the teardown (and an atexit
 * hook) stops it by PID.  Should this process die without either, the
 * server still goes (see fault_server_harness.h).  The TLS test starts a
 * second, HTTPS instance with a throwaway self-signed certificate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_tmpdir.h"
#include "http/client.h"
#include "http/client_internal.h"
#include "http/clock.h"
#include "http/resolve.h"

#include "fault_server_harness.h"

static int group_setup(void **state)
{
    signal(SIGPIPE, SIG_IGN);
    return start_server();
}

static int group_teardown(void **state)
{
    stop_server();
    return 0;
}

/* ------------------------------------------------------------ helpers */

static const char *url(const char *fmt, ...)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    int n = snprintf(b, 512, "http://127.0.0.1:%d", srv_port);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b + n, 512 - (size_t)n, fmt, ap);
    va_end(ap);
    return b;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A unique key per call, so server-side counters never collide. */
static const char *new_key(const char *tag)
{
    static char bufs[4][64];
    static int next, serial;
    char *b = bufs[next++ % 4];
    snprintf(b, 64, "%s-%d-%d", tag, (int)getpid(), ++serial);
    return b;
}

/* Integer field "name" of a flat JSON object (good enough for our server). */
static long json_int(const char *body, const char *name)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", name);
    const char *p = body ? strstr(body, pat) : NULL;
    return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* url() with a host name instead of 127.0.0.1 */
static const char *name_url(const char *host, const char *path)
{
    static char b[256];
    snprintf(b, sizeof b, "http://%s:%d%s", host, srv_port, path);
    return b;
}

static mc_http_client *client(long timeout_ms, int attempts, size_t limit)
{
    mc_http_options o = {0};
    o.timeout_ms = timeout_ms;
    o.connect_timeout_ms = 2000;
    o.max_attempts = attempts;
    o.max_response_bytes = limit;
    o.backoff_base_ms = 10;
    o.backoff_cap_ms = 50;
    mc_http_client *c = mc_http_client_new(&o);
    assert_non_null(c);
    return c;
}

static void do_req(mc_http_client *c, const char *method, const char *u,
                   bool idempotent, mc_http_response *out)
{
    mc_http_request r = {0};
    r.method = method;
    r.url = u;
    r.idempotent = idempotent;
    mc_err err = {0};
    assert_int_equal(mc_http_do(c, &r, out, &err), MC_OK);
}

static long key_count(mc_http_client *c, const char *key)
{
    mc_http_response r;
    do_req(c, "GET", url("/count?key=%s", key), true, &r);
    assert_int_equal(r.status, 200);
    long n = json_int(r.body.data, "count");
    mc_http_response_free(&r);
    return n;
}

static long server_stat(mc_http_client *c, const char *name, bool reset)
{
    mc_http_response r;
    do_req(c, "GET", url("/stats%s", reset ? "?reset=1" : ""), true, &r);
    assert_int_equal(r.status, 200);
    long n = json_int(r.body.data, name);
    mc_http_response_free(&r);
    return n;
}

/* A port on which nothing listens. */
static int dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* ------------------------------------------------------------- tests */

static void test_get_ok_headers(void **state)
{
    mc_http_client *c = client(5000, 1, 0);
    mc_http_response r;
    do_req(c, "GET", url("/ok"), true, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.fault_code, 0);
    assert_int_equal(r.attempts, 1);
    assert_string_equal(r.body.data, "{\"ok\": true}");
    assert_string_equal(mc_http_response_header(&r, "x-test"), "yes");
    assert_string_equal(mc_http_response_header(&r, "CONTENT-TYPE"),
                        "application/json");
    assert_null(mc_http_response_header(&r, "X-Absent"));
    /* headers in order received, duplicates kept */
    int multi = 0;
    for (size_t i = 0; i < r.nheaders; i++)
        if (strcmp(r.header_names[i], "X-Multi") == 0)
            assert_string_equal(r.header_values[i], multi++ ? "b" : "a");
    assert_int_equal(multi, 2);
    mc_http_response_free(&r);

    /* HEAD: headers, no body, no hang waiting for one */
    do_req(c, "HEAD", url("/ok"), true, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    assert_string_equal(mc_http_response_header(&r, "Content-Length"), "12");
    mc_http_response_free(&r);

    do_req(c, "GET", url("/no-such-mode"), true, &r);
    assert_int_equal(r.status, 404);      /* an answer, not a fault */
    assert_int_equal(r.fault_code, 0);
    assert_int_equal(r.attempts, 1);
    mc_http_response_free(&r);
    mc_http_client_free(c);
}

static void test_methods_round_trip(void **state)
{
    mc_http_client *c = client(5000, 1, 0);
    const char *methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH"};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        char body[64], hv[64], want[128];
        snprintf(body, sizeof body, "{\"m\":\"%s\"}", methods[i]);
        snprintf(hv, sizeof hv, "v-%s", methods[i]);
        mc_http_header h[] = {{"X-Custom", hv},
                              {"Content-Type", "application/json"},
                              {"X-Empty", ""}};
        mc_http_request rq = {.method = methods[i], .url = url("/echo"),
                              .headers = h, .nheaders = 3, .body = body,
                              .body_len = strlen(body)};
        mc_http_response r;
        mc_err err = {0};
        assert_int_equal(mc_http_do(c, &rq, &r, &err), MC_OK);
        assert_int_equal(r.status, 200);
        const char *b = r.body.data;
        snprintf(want, sizeof want, "\"method\": \"%s\"", methods[i]);
        assert_non_null(strstr(b, want));
        snprintf(want, sizeof want, "[\"X-Custom\", \"%s\"]", hv);
        assert_non_null(strstr(b, want));
        assert_non_null(strstr(b, "[\"Content-Type\", \"application/json\"]"));
        assert_non_null(strstr(b, "[\"X-Empty\", \"\"]"));
        assert_null(strstr(b, "Expect"));
        assert_int_equal(json_int(b, "body_len"), (long)strlen(body));
        assert_non_null(strstr(b, "{\\\"m\\\":"));
        mc_http_response_free(&r);
    }

    /* POST without Content-Type: curl's form default must not leak in;
     * binary bodies (NUL bytes) go through intact */
    static const char bin[] = {'a', '\0', 'b', '\0', 'c'};
    mc_http_request rq = {.method = "POST", .url = url("/echo"),
                          .body = bin, .body_len = sizeof bin};
    mc_http_response r;
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body.data, "x-www-form-urlencoded"));
    assert_null(strstr(r.body.data, "Content-Type"));
    assert_int_equal(json_int(r.body.data, "body_len"), 5);
    assert_non_null(strstr(r.body.data, "\"a\\u0000b\\u0000c\""));
    mc_http_response_free(&r);

    /* PUT without a body still sends Content-Length: 0 */
    mc_http_request put = {.method = "PUT", .url = url("/echo")};
    assert_int_equal(mc_http_do(c, &put, &r, NULL), MC_OK);
    assert_non_null(strstr(r.body.data, "[\"Content-Length\", \"0\"]"));
    mc_http_response_free(&r);

    /* a big body (over curl's 1 MiB Expect threshold) */
    size_t big = (1u << 20) + 10;
    char *bb = malloc(big);
    assert_non_null(bb);
    memset(bb, 'q', big);
    mc_http_request bigr = {.method = "POST", .url = url("/echo"),
                            .body = bb, .body_len = big};
    assert_int_equal(mc_http_do(c, &bigr, &r, NULL), MC_OK);
    free(bb);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_int(r.body.data, "body_len"), (long)big);
    mc_http_response_free(&r);
    mc_http_client_free(c);
}

/* The loop clock (clock.h): a pass's time stays put until the next tick;
 * a thread with no loop reads the clock; and a client that waits by itself
 * (mc_http_do) reads the clock even in a thread that ticks (a credential
 * fetch from inside a worker), so its timeouts and retry delays still run
 * out instead of waiting on a time that never moves. */
static void test_loop_clock(void **state)
{
    (void)state;
    struct timespec two_ms = {0, 2000000};
    mc_clock_stop();
    double a = mc_clock_now_ms();
    nanosleep(&two_ms, NULL);
    assert_true(mc_clock_now_ms() > a);
    double t = mc_clock_tick();
    nanosleep(&two_ms, NULL);
    assert_true(mc_clock_now_ms() == t);
    assert_true(mc_clock_read_ms() > t);
    mc_http_client *c = client(300, 3, 0);
    mc_http_response r;
    do_req(c, "GET", url("/stall?ms=3000"), true, &r);
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_TIMEOUT);
    mc_http_response_free(&r);
    const char *k = new_key("ticked");
    do_req(c, "GET", url("/503-then-200?key=%s&n=2", k), true, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 3);
    mc_http_response_free(&r);
    assert_true(mc_clock_now_ms() == t);  /* the blocking calls left it alone */
    mc_http_client_free(c);
    mc_clock_stop();
    assert_true(mc_clock_now_ms() > t);
}

/* The lean client's head: the caller's Host and Accept replace the
 * defaults, the body's framing is always its own, whatever the case of
 * the names; without them, Host is host:port and Accept is curl's. */
static void test_lean_head_names(void **state)
{
    (void)state;
    mc_http_client *c = client(5000, 1, 0);
    mc_http_header given[] = {{"hOST", "h.example"}, {"accept", "text/x"},
                              {"CONTENT-length", "999"}, {"Transfer-encoding", "chunked"},
                              {"X-Len-14-Chars", "v"}, {"Connection", "keep-alive"}};
    mc_http_request rq = {.method = "POST", .url = url("/echo"), .headers = given,
                          .nheaders = sizeof given / sizeof *given, .body = "abc", .body_len = 3};
    mc_http_response r;
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    const char *b = r.body.data;
    assert_non_null(strstr(b, "[\"hOST\", \"h.example\"]"));
    assert_non_null(strstr(b, "[\"accept\", \"text/x\"]"));
    assert_null(strstr(b, "*/*"));
    assert_non_null(strstr(b, "[\"Content-Length\", \"3\"]"));
    assert_null(strstr(b, "999"));
    assert_null(strstr(b, "chunked"));
    assert_non_null(strstr(b, "[\"X-Len-14-Chars\", \"v\"]"));
    assert_int_equal(json_int(b, "body_len"), 3);
    mc_http_response_free(&r);
    mc_http_request plain = {.method = "POST", .url = url("/echo"), .body = "{}", .body_len = 2};
    assert_int_equal(mc_http_do(c, &plain, &r, NULL), MC_OK);
    char host[64];
    snprintf(host, sizeof host, "[\"Host\", \"127.0.0.1:%d\"]", srv_port);
    assert_non_null(strstr(r.body.data, host));
    assert_non_null(strstr(r.body.data, "[\"Accept\", \"*/*\"]"));
    assert_non_null(strstr(r.body.data, "[\"Content-Length\", \"2\"]"));
    mc_http_response_free(&r);
    mc_http_client_free(c);
}

/* More headers than the lean client keeps lengths for while it builds
 * the head (32): each is sent once with its value from its first byte
 * that is no space or tab, a blank value as an empty one, and a Host
 * given late still replaces the default one. */
static void test_lean_head_many_headers(void **state)
{
    (void)state;
    mc_http_client *c = client(5000, 1, 0);
    enum { N = 40 };
    mc_http_header hs[N];
    char names[N][16], values[N][32];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "X-H%02d", i);
        snprintf(values[i], sizeof values[i], "%.*sv%d-%s", i % 3, " \t", i,
                 i % 2 ? "odd" : "even");
        hs[i] = (mc_http_header){names[i], values[i]};
    }
    hs[7].value = " \t ";                 /* blank, among the first 32 */
    hs[35].value = "\t";                  /* blank, past them */
    hs[38] = (mc_http_header){"host", "late.example"};
    mc_http_request rq = {.method = "GET", .url = url("/echo"), .headers = hs, .nheaders = N};
    mc_http_response r;
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    assert_int_equal(r.status, 200);
    const char *b = r.body.data;
    char want[96];
    for (int i = 0; i < N; i++) {
        if (i == 38)
            snprintf(want, sizeof want, "[\"host\", \"late.example\"]");
        else if (i == 7 || i == 35)
            snprintf(want, sizeof want, "[\"%s\", \"\"]", names[i]);
        else
            snprintf(want, sizeof want, "[\"%s\", \"v%d-%s\"]", names[i], i,
                     i % 2 ? "odd" : "even");
        const char *at = strstr(b, want);
        assert_non_null(at);
        assert_null(strstr(at + 1, want));     /* once */
    }
    assert_null(strstr(b, "\"Host\""));      /* no default Host besides */
    mc_http_response_free(&r);
    mc_http_client_free(c);
}

/* A host name goes through libcurl while resolve.c's thread looks it
 * up, then through the lean client: a cache hit, and the lean client's own
 * kept-alive connection (another peer port than libcurl's, then the same
 * one).  The name is what the Host header says. */
static void test_names_go_lean_once_resolved(void **state)
{
    mc_http_client *c = client(5000, 1, 0);
    mc_resolve_stats s0 = mc_resolve_get_stats();
    mc_http_response r;
    do_req(c, "GET", name_url("localhost", "/echo"), true, &r);
    assert_int_equal(r.status, 200);
    long curl_port = json_int(r.body.data, "peer_port");
    mc_http_response_free(&r);
    mc_resolve_stats s1 = mc_resolve_get_stats();
    assert_int_equal(s1.misses - s0.misses, 1);
    assert_int_equal(s1.hits - s0.hits, 0);
    assert_true(mc_resolve_wait_settled("localhost", 10000));
    long lean_port = -1;
    for (int i = 0; i < 2; i++) {
        do_req(c, "GET", name_url("LOCALHOST", "/echo"), true, &r);
        assert_int_equal(r.status, 200);
        long port = json_int(r.body.data, "peer_port");
        if (i == 0)
            lean_port = port;
        assert_int_equal(port, lean_port);
        assert_true(port != curl_port);
        char host[64];
        snprintf(host, sizeof host, "\"LOCALHOST:%d\"", srv_port);
        assert_non_null(strstr(r.body.data, host));
        mc_http_response_free(&r);
    }
    /* one lookup: the client keeps a fresh answer with the parsed origin
     * and asks resolve.c again only when its TTL has run out */
    mc_resolve_stats s2 = mc_resolve_get_stats();
    assert_int_equal(s2.hits - s1.hits, 1);
    assert_int_equal(s2.misses - s1.misses, 0);
    mc_http_client_free(c);
}

/* An origin the lean client has parsed once takes only the path from
 * each later URL: the target is still exactly the bytes built (message
 * data in a path, percent escapes, '@' and ':' after the first '/', a
 * query right after the authority), and a URL that spells the origin
 * differently (another port, an '@') is parsed on its own. */
static void test_lean_origin_cached_path_exact(void **state)
{
    (void)state;
    mc_http_client *c = client(5000, 1, 0);
    /* /echo answers the whole target; another path answers 404 with
     * its path part (the fault server's "no such mode") */
    static const struct { const char *path, *seen; int status; } cases[] = {
        {"/echo", "/echo", 200},
        {"/echo?x=1&y=%41&z=a%2Fb%20c", "/echo?x=1&y=%41&z=a%2Fb%20c", 200},
        {"/echo?u=@evil.example:1/x", "/echo?u=@evil.example:1/x", 200},
        {"/echo#frag", "/echo", 200},
        {"/a%2Fb%20c/@evil.example:1/x", "/a%2Fb%20c/@evil.example:1/x", 404},
        {"/..%2F..%2Fetc/a:b@c", "/..%2F..%2Fetc/a:b@c", 404},
        {"?q=only", "/", 404},
    };
    for (int round = 0; round < 2; round++)   /* the second: a cached origin */
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            mc_http_response r;
            do_req(c, "GET", url("%s", cases[i].path), true, &r);
            assert_int_equal(r.status, cases[i].status);
            char want[128];
            snprintf(want, sizeof want, "\"path\": \"%s\"", cases[i].seen);
            assert_non_null(strstr(r.body.data, want));
            mc_http_response_free(&r);
        }
    /* the same host with user info is libcurl's (refused as before), and
     * another port is another origin */
    mc_http_response r;
    char u[128];
    snprintf(u, sizeof u, "http://user@127.0.0.1:%d/echo", srv_port);
    do_req(c, "GET", u, true, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "\"path\": \"/echo\""));
    mc_http_response_free(&r);
    snprintf(u, sizeof u, "http://127.0.0.1:%d/echo", dead_port());
    do_req(c, "GET", u, true, &r);
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_UNREACHABLE);
    mc_http_response_free(&r);
    mc_http_client_free(c);
}

/* A name with several addresses (resolve.c keeps them all, IPv6 too):
 * the lean client tries them in order when a connect fails, as curl does.
 * The names come from a fake resolver (no real one here answers a name
 * with a dead address first); the addresses are real: the fault server
 * listens on 127.0.0.1 only, so 127.0.0.2 and ::1 refuse at its port,
 * and a listener on 127.0.0.3 whose accept queue is full never answers a
 * SYN (a black hole: that address gets half the connect time). */
static struct sockaddr_in6 fake_addrs[MC_RESOLVE_MAX_ADDRS];
static unsigned fake_naddrs;

static void fake_resolver(const char *name, mc_resolve_addrs *out)
{
    (void)name;
    out->n = fake_naddrs;
    for (unsigned i = 0; i < fake_naddrs; i++) {
        const struct sockaddr_in6 *a = &fake_addrs[i];
        out->a[i].family = a->sin6_family;
        if (a->sin6_family == AF_INET6)
            memcpy(out->a[i].bytes, &a->sin6_addr, 16);
        else
            memcpy(out->a[i].bytes, &((const struct sockaddr_in *)(const void *)a)->sin_addr, 4);
    }
}

static void fake_set(const char *const *addrs, unsigned n)
{
    fake_naddrs = n;
    for (unsigned i = 0; i < n; i++) {
        memset(&fake_addrs[i], 0, sizeof fake_addrs[i]);
        if (strchr(addrs[i], ':')) {
            fake_addrs[i].sin6_family = AF_INET6;
            assert_int_equal(inet_pton(AF_INET6, addrs[i], &fake_addrs[i].sin6_addr), 1);
        } else {
            struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)&fake_addrs[i];
            a4->sin_family = AF_INET;
            assert_int_equal(inet_pton(AF_INET, addrs[i], &a4->sin_addr), 1);
        }
    }
}

/* name resolved through the fake to addrs, then one GET of /echo */
static void get_via_addrs(const char *name, const char *const *addrs, unsigned n,
                          mc_http_response *r)
{
    fake_set(addrs, n);
    mc_resolve_addrs got;
    mc_resolve_lookup(name, mc_http__now_ms(), &got);
    assert_true(mc_resolve_wait_settled(name, 10000));
    assert_true(mc_resolve_lookup(name, mc_http__now_ms(), &got));
    assert_int_equal(got.n, n);
    mc_http_client *c = client(5000, 1, 0);
    do_req(c, "GET", name_url(name, "/echo"), true, r);
    mc_http_client_free(c);
}

static void test_lean_tries_every_address(void **state)
{
    (void)state;
    mc_resolve_acquire();
    mc_resolve__set_resolver(fake_resolver);
    mc_http_response r;
    char host[64];

    /* dead first (IPv6, IPv4), live after; live first; only dead ones */
    static const char *const v6_dead[] = {"::1", "127.0.0.1"};
    static const char *const v4_dead[] = {"127.0.0.2", "127.0.0.2", "127.0.0.1"};
    static const char *const live_first[] = {"127.0.0.1", "::1"};
    static const char *const all_dead[] = {"::1", "127.0.0.2"};
    struct { const char *name; const char *const *addrs; unsigned n; int status; } cases[] = {
        {"v6-dead.example", v6_dead, 2, 200},
        {"v4-dead.example", v4_dead, 3, 200},
        {"live-first.example", live_first, 2, 200},
        {"all-dead.example", all_dead, 2, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        get_via_addrs(cases[i].name, cases[i].addrs, cases[i].n, &r);
        assert_int_equal(r.status, cases[i].status);
        if (cases[i].status) {
            snprintf(host, sizeof host, "\"%s:%d\"", cases[i].name, srv_port);
            assert_non_null(strstr(r.body.data, host));   /* the name, not an address */
        } else {
            /* a name no real resolver knows: only the lean client could
             * have tried it, and its fault names the name */
            assert_int_equal(r.fault_code, MC_FAULT_HTTP_UNREACHABLE);
            assert_non_null(strstr(r.error, "connection refused: all-dead.example:"));
        }
        mc_http_response_free(&r);
    }

    /* a black hole first: it gets half the connect time, the next the rest */
    int hole = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(hole >= 0);
    struct sockaddr_in ha = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv_port)};
    inet_pton(AF_INET, "127.0.0.3", &ha.sin_addr);
    assert_int_equal(bind(hole, (struct sockaddr *)&ha, sizeof ha), 0);
    assert_int_equal(listen(hole, 0), 0);
    int fill[4];                           /* the accept queue, filled */
    for (size_t i = 0; i < 4; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fill[i], (struct sockaddr *)&ha, sizeof ha);
    }
    static const char *const hole_first[] = {"127.0.0.3", "127.0.0.1"};
    get_via_addrs("hole-first.example", hole_first, 2, &r);
    assert_int_equal(r.status, 200);
    mc_http_response_free(&r);
    for (size_t i = 0; i < 4; i++)
        close(fill[i]);
    close(hole);

    mc_resolve__set_resolver(NULL);
    mc_resolve_release();
}

/* The lean client (src/http/lean.c) frames every kind of answer: chunked
 * in uneven pieces with an extension and a trailer, HTTP/1.0 ending at
 * close, 1xx heads skipped, HEAD without a body on a kept-alive
 * connection; a head over the limit is a fault. */
static void test_answer_framings(void **state)
{
    mc_http_client *c = client(5000, 1, 0);
    mc_http_response r;
    do_req(c, "GET", url("/chunks"), true, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 12);
    assert_memory_equal(r.body.data, "hello world!", 12);
    assert_string_equal(mc_http_response_header(&r, "Content-Type"), "text/plain");
    mc_http_response_free(&r);

    for (int i = 0; i < 2; i++) {              /* a fresh connection each time */
        do_req(c, "GET", url("/http10?n=%d", 2500 + i), true, &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.body.len, 2500 + i);
        assert_int_equal(r.body.data[0], 'y');
        assert_int_equal(r.body.data[r.body.len - 1], 'y');
        mc_http_response_free(&r);
    }

    do_req(c, "GET", url("/continue"), true, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "{\"ok\": true}");
    assert_null(mc_http_response_header(&r, "X-Early"));
    mc_http_response_free(&r);

    do_req(c, "HEAD", url("/ok"), true, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    assert_string_equal(mc_http_response_header(&r, "Content-Length"), "12");
    mc_http_response_free(&r);
    do_req(c, "GET", url("/ok"), true, &r);    /* the connection still frames */
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "{\"ok\": true}");
    mc_http_response_free(&r);

    do_req(c, "GET", url("/big-head"), true, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_OTHER);
    assert_string_equal(r.error, "response head too large");
    assert_int_equal(r.nheaders, 0);
    mc_http_response_free(&r);
    mc_http_client_free(c);
}

/* A pooled connection the server closed meanwhile: the request goes again
 * once on a fresh connection, and that is no retry of the policy (one
 * attempt allowed, one counted, the server saw the request once). */
static void test_stale_pooled_connection(void **state)
{
    mc_http_client *c = client(5000, 1, 0);
    const char *k = new_key("stale");
    for (int i = 0; i < 3; i++) {
        mc_http_response r;
        if (i < 2) {
            do_req(c, "GET", url("/ka-then-close?key=%s", k), true, &r);
        } else {                               /* not idempotent: still safe */
            mc_http_request rq = {.method = "POST", .url = url("/ka-then-close?key=%s", k),
                                  .body = "{}", .body_len = 2};
            assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
        }
        assert_int_equal(r.status, 200);
        assert_int_equal(r.attempts, 1);
        assert_int_equal(json_int(r.body.data, "try"), i + 1);
        mc_http_response_free(&r);
    }
    mc_http_client_free(c);
    c = client(5000, 1, 0);
    assert_int_equal(key_count(c, k), 3);
    mc_http_client_free(c);
}

/* A proxy variable sends plain-HTTP requests through libcurl, which
 * honours it (the lean client has no proxy support): the fault server as
 * the proxy sees the absolute-form target of a port where nothing
 * listens; NO_PROXY for the host goes direct again (refused).  And
 * MC_HTTP_CLIENT=curl puts every request on libcurl. */
static void test_proxy_variables_use_curl(void **state)
{
    char proxy[64], u[128], want[160];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", srv_port);
    int port = dead_port();
    snprintf(u, sizeof u, "http://127.0.0.1:%d/echo", port);
    snprintf(want, sizeof want, "\"path\": \"http://127.0.0.1:%d/echo\"", port);
    setenv("http_proxy", proxy, 1);
    mc_http_client *c = client(5000, 1, 0);
    mc_http_response r;
    do_req(c, "GET", u, true, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, want));
    mc_http_response_free(&r);
    mc_http_client_free(c);

    setenv("NO_PROXY", "127.0.0.1", 1);
    c = client(5000, 1, 0);
    do_req(c, "GET", u, true, &r);
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_UNREACHABLE);
    mc_http_response_free(&r);
    mc_http_client_free(c);
    unsetenv("NO_PROXY");
    unsetenv("http_proxy");

    /* the curl path frames the same answers */
    setenv("MC_HTTP_CLIENT", "curl", 1);
    c = client(5000, 1, 0);
    do_req(c, "GET", url("/chunks"), true, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 12);
    mc_http_response_free(&r);
    mc_http_client_free(c);
    unsetenv("MC_HTTP_CLIENT");
}

static void test_keepalive_reuse(void **state)
{
    mc_http_client *probe = client(5000, 1, 0);
    long before = server_stat(probe, "connections", false);

    mc_http_client *c = client(5000, 1, 0);
    long port0 = -1;
    for (int i = 0; i < 20; i++) {
        mc_http_response r;
        do_req(c, "GET", url("/echo?i=%d", i), true, &r);
        assert_int_equal(r.status, 200);
        long port = json_int(r.body.data, "peer_port");
        assert_true(port > 0);
        if (i == 0)
            port0 = port;
        assert_int_equal(port, port0);   /* same source port: same socket */
        mc_http_response_free(&r);
    }
    /* the probe's own connection is reused, so any growth is c's */
    long after = server_stat(probe, "connections", false);
    assert_int_equal(after - before, 1);
    mc_http_client_free(c);
    mc_http_client_free(probe);
}

static void test_timeout(void **state)
{
    mc_http_client *c = client(300, 3, 0);
    char want[128];
    snprintf(want, sizeof want, "timeout after 300 ms: 127.0.0.1:%d",
             srv_port);
    /* first on a fresh connection, then (after /ok) on a reused one */
    for (int i = 0; i < 2; i++) {
        mc_http_response r;
        long t0 = now_ms();
        do_req(c, "GET", url("/stall?ms=3000"), true, &r);
        long took = now_ms() - t0;
        assert_int_equal(r.status, 0);
        assert_int_equal(r.fault_code, MC_FAULT_HTTP_TIMEOUT);
        assert_string_equal(r.error, want);
        /* a timeout after the request went out is not retried */
        assert_int_equal(r.attempts, 1);
        assert_true(took < 2500);
        mc_http_response_free(&r);
        do_req(c, "GET", url("/ok"), true, &r);
        assert_int_equal(r.status, 200);
        mc_http_response_free(&r);
    }

    /* the per-request timeout overrides the client's */
    mc_http_request rq = {.method = "GET", .url = url("/slow?ms=600"),
                          .idempotent = true, .timeout_ms = 5000};
    mc_http_response r;
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    assert_int_equal(r.status, 200);
    mc_http_response_free(&r);
    mc_http_client_free(c);
}

static void test_refused(void **state)
{
    int port = dead_port();
    char u[128], want[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/x", port);
    snprintf(want, sizeof want, "connection refused: 127.0.0.1:%d", port);
    mc_http_client *c = client(2000, 3, 0);
    mc_http_response r;

    do_req(c, "GET", u, true, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_UNREACHABLE);
    assert_string_equal(r.error, want);
    assert_int_equal(r.attempts, 3);
    mc_http_response_free(&r);

    /* not idempotent, but the connection never opened: retried */
    mc_http_request rq = {.method = "POST", .url = u, .body = "x",
                          .body_len = 1};
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_UNREACHABLE);
    assert_string_equal(r.error, want);
    assert_int_equal(r.attempts, 3);
    mc_http_response_free(&r);
    mc_http_client_free(c);
}

static void test_connect_timeout(void **state)
{
    /* A listener whose backlog is full: the kernel drops further SYNs, so
     * a new connect hangs until the connect timeout. */
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 0), 0);
    socklen_t al = sizeof a;
    getsockname(lfd, (struct sockaddr *)&a, &al);
    int fill[4];
    for (int i = 0; i < 4; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fill[i], (struct sockaddr *)&a, sizeof a);
    }
    usleep(100000);

    mc_http_options o = {.connect_timeout_ms = 200, .timeout_ms = 5000,
                         .max_attempts = 2, .backoff_base_ms = 10,
                         .backoff_cap_ms = 20};
    mc_http_client *c = mc_http_client_new(&o);
    char u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/x", ntohs(a.sin_port));
    mc_http_request rq = {.method = "POST", .url = u, .body = "x",
                          .body_len = 1};
    mc_http_response r;
    long t0 = now_ms();
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    long took = now_ms() - t0;
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_TIMEOUT);
    assert_non_null(strstr(r.error, "connect timeout after 200 ms"));
    /* the connection never opened, so even a POST is retried */
    assert_int_equal(r.attempts, 2);
    assert_true(took < 3000);
    mc_http_response_free(&r);
    mc_http_client_free(c);
    for (int i = 0; i < 4; i++)
        close(fill[i]);
    close(lfd);
}

static void test_reset(void **state)
{
    mc_http_client *c = client(5000, 3, 0);
    mc_http_response r;
    const char *k = new_key("reset-get");
    do_req(c, "GET", url("/reset?key=%s", k), true, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_OTHER);
    assert_true(r.error[0] != '\0');
    print_message("reset: %s\n", r.error);
    assert_int_equal(r.body.len, 0);
    assert_int_equal(r.nheaders, 0);
    assert_int_equal(r.attempts, 3);       /* idempotent: retried */
    mc_http_response_free(&r);
    assert_int_equal(key_count(c, k), 3);

    k = new_key("reset-post");
    mc_http_request rq = {.method = "POST", .url = url("/reset?key=%s", k),
                          .body = "{}", .body_len = 2};
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_OTHER);
    assert_int_equal(r.attempts, 1);       /* may have been processed */
    mc_http_response_free(&r);
    assert_int_equal(key_count(c, k), 1);
    mc_http_client_free(c);
}

static void test_garbage(void **state)
{
    mc_http_client *c = client(5000, 3, 0);
    mc_http_response r;
    do_req(c, "GET", url("/garbage"), true, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_OTHER);
    assert_true(r.error[0] != '\0');
    print_message("garbage: %s\n", r.error);
    assert_int_equal(r.attempts, 1);       /* a protocol error: no retry */
    mc_http_response_free(&r);
    mc_http_client_free(c);
}

static void test_429_503_then_200(void **state)
{
    mc_http_client *c = client(5000, 3, 0);
    const char *modes[] = {"/429-then-200", "/503-then-200"};
    for (int i = 0; i < 2; i++) {
        /* POST: 429 and 503 mean "not processed", so it is retried too */
        const char *k = new_key("busy");
        mc_http_request rq = {.method = "POST",
                              .url = url("%s?key=%s&n=2", modes[i], k),
                              .body = "{}", .body_len = 2};
        mc_http_response r;
        assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.fault_code, 0);
        assert_int_equal(r.attempts, 3);
        assert_int_equal(json_int(r.body.data, "try"), 3);
        mc_http_response_free(&r);
        assert_int_equal(key_count(c, k), 3);
    }
    /* more refusals than attempts: the last answer is returned as is */
    const char *k = new_key("busy-long");
    mc_http_response r;
    do_req(c, "GET", url("/429-then-200?key=%s&n=5", k), true, &r);
    assert_int_equal(r.status, 429);
    assert_int_equal(r.fault_code, 0);
    assert_int_equal(r.attempts, 3);
    assert_int_equal(json_int(r.body.data, "try"), 3);
    mc_http_response_free(&r);
    /* a request can lower its own attempts */
    k = new_key("busy-one");
    mc_http_request one = {.method = "GET", .idempotent = true,
                           .url = url("/503-then-200?key=%s", k),
                           .max_attempts = 1};
    assert_int_equal(mc_http_do(c, &one, &r, NULL), MC_OK);
    assert_int_equal(r.status, 503);
    assert_int_equal(r.attempts, 1);
    mc_http_response_free(&r);
    mc_http_client_free(c);
}

static void test_500_always(void **state)
{
    mc_http_client *c = client(5000, 4, 0);
    mc_http_response r;
    const char *k = new_key("500-post");
    mc_http_request rq = {.method = "POST", .url = url("/500-always?key=%s", k),
                          .body = "{}", .body_len = 2};
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    assert_int_equal(r.status, 500);
    assert_int_equal(r.fault_code, 0);
    assert_int_equal(r.attempts, 1);
    mc_http_response_free(&r);
    assert_int_equal(key_count(c, k), 1);

    k = new_key("500-get");
    do_req(c, "GET", url("/500-always?key=%s", k), true, &r);
    assert_int_equal(r.status, 500);
    assert_int_equal(r.attempts, 4);
    mc_http_response_free(&r);
    assert_int_equal(key_count(c, k), 4);

    /* idempotent is the caller's word: a GET marked otherwise is not
     * retried on a 500 */
    k = new_key("500-get-ni");
    do_req(c, "GET", url("/500-always?key=%s", k), false, &r);
    assert_int_equal(r.attempts, 1);
    mc_http_response_free(&r);
    mc_http_client_free(c);
}

static void test_huge(void **state)
{
    mc_http_client *c = client(10000, 3, 65536);
    mc_http_response r;
    const char *paths[] = {"/huge?bytes=1048576",
                           "/huge?bytes=1048576&chunked=1",
                           "/huge?bytes=65537&chunked=1"};
    for (int i = 0; i < 3; i++) {
        do_req(c, "GET", url("%s", paths[i]), true, &r);
        assert_int_equal(r.status, 0);
        assert_int_equal(r.fault_code, MC_FAULT_HTTP_OTHER);
        assert_string_equal(r.error, "response body exceeds 65536 bytes");
        assert_int_equal(r.body.len, 0);
        assert_int_equal(r.attempts, 1);
        mc_http_response_free(&r);
    }
    /* exactly the limit is fine, with either framing */
    do_req(c, "GET", url("/huge?bytes=65536"), true, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 65536);
    mc_http_response_free(&r);
    do_req(c, "GET", url("/huge?bytes=65536&chunked=1"), true, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 65536);
    mc_http_response_free(&r);
    mc_http_client_free(c);
}

typedef struct tally {
    int fired;
    int ok;
    int faults;
    int last_fault;
    char last_error[256];
} tally;

static void count_done(void *ud, mc_http_response *r)
{
    tally *t = ud;
    t->fired++;
    if (r->status == 200)
        t->ok++;
    if (r->fault_code) {
        t->faults++;
        t->last_fault = r->fault_code;
        snprintf(t->last_error, sizeof t->last_error, "%s", r->error);
    }
    mc_http_response_free(r);
    free(r);
}

static void test_concurrency(void **state)
{
    mc_http_client *probe = client(5000, 1, 0);
    server_stat(probe, "max_concurrency", true);

    mc_http_client *c = client(10000, 1, 0);
    tally t = {0};
    long t0 = now_ms();
    for (int i = 0; i < 50; i++) {
        mc_http_request rq = {.method = "GET", .url = url("/slow?ms=200"),
                              .idempotent = true};
        assert_int_equal(mc_http_submit(c, &rq, count_done, &t, NULL), MC_OK);
    }
    assert_int_equal(t.fired, 0);          /* callbacks only from run */
    while (mc_http_run(c, 1000) > 0 && now_ms() - t0 < 20000)
        ;
    long took = now_ms() - t0;
    assert_int_equal(t.fired, 50);
    assert_int_equal(t.ok, 50);
    long maxc = server_stat(probe, "max_concurrency", false);
    print_message("50 x /slow?ms=200: %ld ms, server saw %ld at once\n",
                  took, maxc);
    assert_true(maxc >= 25);   /* concurrency shown by the server, not a clock */
    mc_http_client_free(c);
    mc_http_client_free(probe);
}

typedef struct closer {
    tally t;
    mc_http_client *c;
    mc_code resubmit;
} closer;

static void closing_done(void *ud, mc_http_response *r)
{
    closer *k = ud;
    count_done(&k->t, r);
    /* inside mc_http_client_free: no new work, and a second free is a
     * no-op */
    mc_http_request rq = {.method = "GET", .url = url("/ok")};
    k->resubmit = mc_http_submit(k->c, &rq, count_done, &k->t, NULL);
    mc_http_client_free(k->c);
}

static void test_free_with_inflight(void **state)
{
    mc_http_options o = {.timeout_ms = 10000, .max_attempts = 3,
                         .backoff_base_ms = 5000, .backoff_cap_ms = 5000};
    mc_http_client *c = mc_http_client_new(&o);
    tally t = {0};
    for (int i = 0; i < 5; i++) {
        mc_http_request rq = {.method = "GET", .url = url("/stall?ms=3000")};
        assert_int_equal(mc_http_submit(c, &rq, count_done, &t, NULL), MC_OK);
    }
    /* one waiting for its retry timer */
    mc_http_request rq = {.method = "GET", .idempotent = true,
                          .url = url("/500-always?key=%s", new_key("free"))};
    assert_int_equal(mc_http_submit(c, &rq, count_done, &t, NULL), MC_OK);
    closer k = {.c = c};
    mc_http_request rq2 = {.method = "GET", .url = url("/stall?ms=3000")};
    assert_int_equal(mc_http_submit(c, &rq2, closing_done, &k, NULL), MC_OK);
    long t0 = now_ms();
    while (now_ms() - t0 < 400)
        assert_int_equal(mc_http_run(c, 100), 7);
    assert_int_equal(t.fired, 0);
    mc_http_client_free(c);
    assert_int_equal(k.t.fired, 1);
    assert_string_equal(k.t.last_error, "client closed");
    assert_int_equal(k.resubmit, MC_ESTATE);
    assert_int_equal(t.fired, 6);
    assert_int_equal(t.faults, 6);
    assert_int_equal(t.last_fault, MC_FAULT_HTTP_OTHER);
    assert_string_equal(t.last_error, "client closed");
}

/* Drive the client the way an event loop would: mc_http_wait() on its
 * sockets plus one of the caller's, then mc_http_run(c, 0). */
static void test_event_loop_driving(void **state)
{
    mc_http_options o = {.timeout_ms = 5000, .max_attempts = 4,
                         .backoff_base_ms = 100, .backoff_cap_ms = 200};
    mc_http_client *c = mc_http_client_new(&o);
    tally t = {0};
    const char *k = new_key("loop");
    mc_http_request rq = {.method = "POST", .body = "{}", .body_len = 2,
                          .url = url("/429-then-200?key=%s&n=3", k)};
    assert_int_equal(mc_http_submit(c, &rq, count_done, &t, NULL), MC_OK);
    long t0 = now_ms();
    int left = 1, loops = 0;
    while (left > 0 && now_ms() - t0 < 10000) {
        long to = mc_http_timeout_ms(c);
        /* in flight means there is always something to wake up for: a
         * socket, or curl's timer, or a waiting retry's */
        assert_true(to >= -1);
        /* an extra descriptor of the caller's, as a server's wake-up fd */
        int pipefd[2];
        assert_int_equal(pipe(pipefd), 0);
        mc_http_waitfd extra = {.fd = pipefd[0], .events = POLLIN};
        assert_true(mc_http_wait(c, &extra, 1, 1000) >= 0);
        assert_int_equal(extra.revents & POLLIN, 0);  /* nothing written */
        close(pipefd[0]);
        close(pipefd[1]);
        left = mc_http_run(c, 0);
        loops++;
    }
    assert_int_equal(left, 0);
    assert_int_equal(t.fired, 1);
    assert_int_equal(t.ok, 1);
    assert_int_equal(key_count(c, k), 4);
    mc_http_client_free(c);
}

/* ---- watch mode: the client's sockets on the caller's epoll ---------------- */

typedef struct watch_loop {
    int ep;
    int closed;
    bool reg[4096];
} watch_loop;

static void wl_watch(void *ud, int fd, int events)
{
    watch_loop *l = ud;
    assert_true(fd >= 0 && fd < 4096);
    if (events & MC_HTTP_WATCH_CLOSED) {
        l->reg[fd] = false;        /* close() takes it out of the set */
        l->closed++;
        return;
    }
    struct epoll_event ev = {.events = ((events & MC_HTTP_WATCH_IN) ? EPOLLIN : 0u) |
                                       ((events & MC_HTTP_WATCH_OUT) ? EPOLLOUT : 0u),
                             .data.fd = fd};
    if (!events) {
        if (l->reg[fd])
            assert_int_equal(epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL), 0);
        l->reg[fd] = false;
        return;
    }
    assert_int_equal(epoll_ctl(l->ep, l->reg[fd] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev), 0);
    l->reg[fd] = true;
}

/* Run the loop until the client has nothing in flight (or 10 s). */
static int wl_run(watch_loop *l, mc_http_client *c)
{
    int left = mc_http_run(c, 0);
    for (long t0 = now_ms(); left > 0 && now_ms() - t0 < 10000;) {
        long to = mc_http_timeout_ms(c);
        struct epoll_event ev[16];
        int n = epoll_wait(l->ep, ev, 16, to < 0 || to > 1000 ? 1000 : (int)to);
        for (int i = 0; i < n; i++)
            mc_http_socket_ready(c, ev[i].data.fd,
                                 ((ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ?
                                      MC_HTTP_WATCH_IN : 0) |
                                 ((ev[i].events & EPOLLOUT) ? MC_HTTP_WATCH_OUT : 0) |
                                 ((ev[i].events & (EPOLLHUP | EPOLLERR)) ? MC_HTTP_WATCH_ERR : 0));
        left = mc_http_run(c, 0);
    }
    return left;
}

typedef struct kept {
    int fired, status, fault;
    long peer_port;
    size_t body_len;
} kept;

static void keep_done(void *ud, mc_http_response *r)
{
    kept *k = ud;
    k->fired++;
    k->status = r->status;
    k->fault = r->fault_code;
    k->body_len = r->body.len;
    k->peer_port = r->status == 200 && r->body.data ? json_int(r->body.data, "peer_port") : -1;
    mc_http_response_free(r);
    free(r);
}

/* Requests driven from the caller's epoll: keep-alive reuse, a body larger
 * than curl reads at once (level-triggered), a retry on curl's timer, a
 * reset that faults, every socket reported closed before it is closed. */
static void test_watch_mode(void **state)
{
    (void)state;
    watch_loop *l = calloc(1, sizeof *l);
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    mc_http_client *c = client(5000, 4, 0);
    mc_http_set_watch(c, wl_watch, l);
    long port0 = -1;
    for (int i = 0; i < 10; i++) {
        kept k = {0};
        mc_http_request rq = {.method = "GET", .url = url("/echo?i=%d", i), .idempotent = true};
        assert_int_equal(mc_http_submit(c, &rq, keep_done, &k, NULL), MC_OK);
        assert_int_equal(wl_run(l, c), 0);
        assert_int_equal(k.fired, 1);
        assert_int_equal(k.status, 200);
        if (i == 0)
            port0 = k.peer_port;
        assert_int_equal(k.peer_port, port0);      /* one connection, kept alive */
    }
    kept big = {0};
    mc_http_request rq = {.method = "GET", .url = url("/huge?bytes=1048576&chunked=1"),
                          .idempotent = true};
    assert_int_equal(mc_http_submit(c, &rq, keep_done, &big, NULL), MC_OK);
    assert_int_equal(wl_run(l, c), 0);
    assert_int_equal(big.status, 200);
    assert_int_equal(big.body_len, 1048576);
    tally t = {0};
    const char *key = new_key("watch");
    mc_http_request retry = {.method = "POST", .body = "{}", .body_len = 2,
                             .url = url("/429-then-200?key=%s&n=2", key)};
    assert_int_equal(mc_http_submit(c, &retry, count_done, &t, NULL), MC_OK);
    assert_int_equal(wl_run(l, c), 0);
    assert_int_equal(t.ok, 1);
    kept reset = {0};
    mc_http_request rs = {.method = "POST", .url = url("/reset?key=%s", new_key("wreset")),
                          .body = "{}", .body_len = 2};
    assert_int_equal(mc_http_submit(c, &rs, keep_done, &reset, NULL), MC_OK);
    assert_int_equal(wl_run(l, c), 0);
    assert_int_equal(reset.fault, MC_FAULT_HTTP_OTHER);
    assert_true(l->closed >= 1);                   /* the reset connection */
    kept again = {0};                              /* a new connection for the pool */
    mc_http_request rq2 = {.method = "GET", .url = url("/echo"), .idempotent = true};
    assert_int_equal(mc_http_submit(c, &rq2, keep_done, &again, NULL), MC_OK);
    assert_int_equal(wl_run(l, c), 0);
    assert_int_equal(again.status, 200);
    int closed = l->closed;
    mc_http_client_free(c);                        /* closes the pool */
    assert_true(l->closed > closed);
    for (int fd = 0; fd < 4096; fd++)
        assert_false(l->reg[fd]);
    close(l->ep);
    free(l);
}

typedef struct chain {
    mc_http_client *c;
    int fired;
    int status[3];
} chain;

static void chain_done(void *ud, mc_http_response *r)
{
    chain *ch = ud;
    ch->status[ch->fired++] = r->status;
    mc_http_response_free(r);
    free(r);
    if (ch->fired < 3) {
        mc_http_request rq = {.method = "GET", .url = url("/ok")};
        assert_int_equal(mc_http_submit(ch->c, &rq, chain_done, ch, NULL),
                         MC_OK);
    }
}

typedef struct freer {
    tally t;
    mc_http_client *c;
} freer;

static void free_done(void *ud, mc_http_response *r)
{
    freer *f = ud;
    count_done(&f->t, r);
    mc_http_client_free(f->c);      /* from inside a callback */
}

static void test_callbacks_reenter(void **state)
{
    /* submit from a callback */
    mc_http_client *c = client(5000, 1, 0);
    chain ch = {.c = c};
    mc_http_request rq = {.method = "GET", .url = url("/ok")};
    assert_int_equal(mc_http_submit(c, &rq, chain_done, &ch, NULL), MC_OK);
    while (mc_http_run(c, 1000) > 0)
        ;
    assert_int_equal(ch.fired, 3);
    assert_int_equal(ch.status[2], 200);
    mc_http_client_free(c);

    /* free from a callback: deferred until mc_http_run unwinds, and the
     * other request still gets its callback */
    c = client(5000, 1, 0);
    freer f = {.c = c};
    mc_http_request fast = {.method = "GET", .url = url("/ok")};
    mc_http_request slow = {.method = "GET", .url = url("/stall?ms=3000")};
    assert_int_equal(mc_http_submit(c, &fast, free_done, &f, NULL), MC_OK);
    tally t2 = {0};
    assert_int_equal(mc_http_submit(c, &slow, count_done, &t2, NULL), MC_OK);
    assert_int_equal(mc_http_run(c, 2000), 0);
    assert_int_equal(f.t.fired, 1);
    assert_int_equal(f.t.ok, 1);
    assert_int_equal(t2.fired, 1);
    assert_int_equal(t2.faults, 1);
    assert_string_equal(t2.last_error, "client closed");
}

/* HTTPS against a self-signed certificate: refused unless insecure. */
static void test_tls_verification(void **state)
{
    char dir[128];
    assert_non_null(mc_test_tmpdir(dir, sizeof dir, "http-tls"));
    char cmd[1024], cert[256], key[256];
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
             "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
             "-keyout %s -out %s >/dev/null 2>&1", key, cert);
    if (system(cmd) != 0) {
        rmdir(dir);
        print_message("openssl not usable: TLS test skipped\n");
        skip();
    }
    fault_server tls;
    const char *args[] = {"--tls-cert", cert, "--tls-key", key, NULL};
    int rc = fault_server_start(&tls, args);
    unlink(cert);
    unlink(key);
    rmdir(dir);
    assert_int_equal(rc, 0);

    char u[128];
    snprintf(u, sizeof u, "https://127.0.0.1:%d/ok", tls.port);
    mc_http_client *c = client(5000, 3, 0);
    mc_http_request rq = {.method = "GET", .url = u, .idempotent = true};
    mc_http_response r;
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_OTHER);
    assert_non_null(strstr(r.error, "certificate"));
    print_message("self-signed: %s\n", r.error);
    assert_int_equal(r.attempts, 1);
    mc_http_response_free(&r);

    rq.insecure = true;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body.data, "{\"ok\": true}");
        mc_http_response_free(&r);
    }
    /* an insecure connection is not handed to a verifying request */
    rq.insecure = false;
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_OTHER);
    mc_http_response_free(&r);
    mc_http_client_free(c);
    fault_server_stop(&tls);
}

/* https through the lean client: a certificate trusted through
 * SSL_CERT_FILE (OpenSSL's default verify paths) for the name localhost
 * is verified with SNI; the connection is kept alive across requests; a
 * new connection to the host resumes the TLS session; the same
 * certificate for 127.0.0.1 (not among its names) is refused. */
static void test_tls_trusted_keepalive_resumed(void **state)
{
    char dir[128];
    assert_non_null(mc_test_tmpdir(dir, sizeof dir, "http-tls"));
    char cmd[1024], cert[256], key[256];
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
             "-subj /CN=localhost -addext subjectAltName=DNS:localhost "
             "-addext basicConstraints=critical,CA:TRUE "
             "-keyout %s -out %s >/dev/null 2>&1", key, cert);
    if (system(cmd) != 0) {
        rmdir(dir);
        print_message("openssl not usable: TLS test skipped\n");
        skip();
    }
    fault_server tls;
    const char *args[] = {"--tls-cert", cert, "--tls-key", key, NULL};
    assert_int_equal(fault_server_start(&tls, args), 0);
    setenv("SSL_CERT_FILE", cert, 1);
    mc_http_client *c = client(5000, 1, 0);
    char u[128];
    /* the first request to the name goes through libcurl (its address is
     * not cached yet, resolve.c): it must trust the same SSL_CERT_FILE as
     * the lean client does (libcurl is told it; it does not read it) */
    snprintf(u, sizeof u, "https://localhost:%d/echo", tls.port);
    mc_http_request rq = {.method = "GET", .url = u, .idempotent = true};
    mc_http_response r;
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    assert_int_equal(r.status, 200);
    mc_http_response_free(&r);
    assert_true(mc_resolve_wait_settled("localhost", 10000));
    long port0 = -1;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
        assert_int_equal(r.status, 200);
        long port = json_int(r.body.data, "peer_port");
        if (i == 0)
            port0 = port;
        assert_int_equal(port, port0);         /* one kept-alive connection */
        mc_http_response_free(&r);
    }
    /* the server closes it; the next request gets a new connection */
    snprintf(u, sizeof u, "https://localhost:%d/ka-then-close", tls.port);
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    assert_int_equal(r.status, 200);
    mc_http_response_free(&r);
    snprintf(u, sizeof u, "https://localhost:%d/echo", tls.port);
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    assert_int_equal(r.status, 200);
    assert_true(json_int(r.body.data, "peer_port") != port0);
    mc_http_response_free(&r);

    /* session resumption, seen by openssl s_server -www (its page says
     * "New," or "Reused,"; it answers HTTP/1.0 and closes, so each
     * request is a new connection with a close-delimited body) */
    int sport = dead_port();
    char accept[32];
    snprintf(accept, sizeof accept, "127.0.0.1:%d", sport);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
        execlp("openssl", "openssl", "s_server", "-accept", accept, "-cert", cert, "-key",
               key, "-www", "-quiet", (char *)NULL);
        _exit(127);
    }
    snprintf(u, sizeof u, "https://localhost:%d/", sport);
    for (int i = 0; i < 100; i++) {            /* until it listens (5 s at most) */
        assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
        bool up = r.status == 200;
        mc_http_response_free(&r);
        if (up)
            break;
        usleep(50000);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body.data, "Reused,"));
        mc_http_response_free(&r);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);

    snprintf(u, sizeof u, "https://127.0.0.1:%d/echo", tls.port);
    assert_int_equal(mc_http_do(c, &rq, &r, NULL), MC_OK);
    assert_int_equal(r.fault_code, MC_FAULT_HTTP_OTHER);
    assert_non_null(strstr(r.error, "SSL certificate problem"));
    print_message("wrong name: %s\n", r.error);
    mc_http_response_free(&r);
    mc_http_client_free(c);
    unsetenv("SSL_CERT_FILE");
    fault_server_stop(&tls);
    unlink(cert);
    unlink(key);
    rmdir(dir);
}

static void test_bad_requests(void **state)
{
    mc_http_client *c = client(5000, 1, 0);
    mc_http_response r;
    mc_err err = {0};
    mc_http_request rq = {.method = "GET", .url = "not a url"};
    assert_int_equal(mc_http_do(c, &rq, &r, &err), MC_EINVAL);
    rq.url = "ftp://127.0.0.1/x";
    assert_int_equal(mc_http_do(c, &rq, &r, &err), MC_EINVAL);
    assert_non_null(strstr(err.msg, "http or https"));
    rq.url = url("/ok");
    mc_http_header h[] = {{"X-Evil", "a\r\nX-Injected: 1"}};
    rq.headers = h;
    rq.nheaders = 1;
    assert_int_equal(mc_http_do(c, &rq, &r, &err), MC_EINVAL);
    mc_http_header h2[] = {{"Bad Name", "x"}};
    rq.headers = h2;
    assert_int_equal(mc_http_do(c, &rq, &r, &err), MC_EINVAL);
    rq.headers = NULL;
    rq.nheaders = 0;
    rq.method = "GE T";
    assert_int_equal(mc_http_do(c, &rq, &r, &err), MC_EINVAL);
    assert_int_equal(mc_http_submit(c, NULL, count_done, NULL, &err),
                     MC_EINVAL);
    /* nothing was queued by the failures */
    assert_int_equal(mc_http_run(c, 0), 0);
    assert_int_equal(mc_http_timeout_ms(c), -1);
    mc_http_client_free(c);
    mc_http_client_free(NULL);
}

static void test_retry_policy_and_backoff(void **state)
{
    /* the rule of client.h */
    assert_true(mc_http__retryable(MC_HTTP_OUT_NOT_SENT, 0, false));
    assert_true(mc_http__retryable(MC_HTTP_OUT_RESET, 0, true));
    assert_false(mc_http__retryable(MC_HTTP_OUT_RESET, 0, false));
    assert_false(mc_http__retryable(MC_HTTP_OUT_TIMEOUT, 0, true));
    assert_false(mc_http__retryable(MC_HTTP_OUT_OTHER, 0, true));
    int st[] = {429, 503, 500, 502, 504, 200, 404, 501};
    bool any[] = {true, true, false, false, false, false, false, false};
    bool idem[] = {true, true, true, true, true, false, false, false};
    for (int i = 0; i < 8; i++) {
        assert_int_equal(mc_http__retryable(MC_HTTP_OUT_RESPONSE, st[i], false),
                         any[i]);
        assert_int_equal(mc_http__retryable(MC_HTTP_OUT_RESPONSE, st[i], true),
                         idem[i]);
    }

    /* full jitter: uniform in [0, min(cap, base * 2^retry)] */
    uint64_t rng = 0x1234567u;
    for (int retry = 0; retry < 70; retry++) {
        long bound = retry < 20 ? (100L << retry) : 5000;
        if (bound > 5000)
            bound = 5000;
        long lo = bound, hi = 0;
        for (int i = 0; i < 2000; i++) {
            long v = mc_http__backoff_ms(&rng, retry, 100, 5000);
            assert_true(v >= 0 && v <= bound);
            if (v < lo)
                lo = v;
            if (v > hi)
                hi = v;
        }
        assert_true(lo < bound / 10 + 1);   /* spread over the range */
        assert_true(hi > bound * 9 / 10);
    }
    assert_int_equal(mc_http__backoff_ms(&rng, 3, 0, 5000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_policy_and_backoff),
        cmocka_unit_test(test_get_ok_headers),
        cmocka_unit_test(test_methods_round_trip),
        cmocka_unit_test(test_keepalive_reuse),
        cmocka_unit_test(test_answer_framings),
        cmocka_unit_test(test_stale_pooled_connection),
        cmocka_unit_test(test_proxy_variables_use_curl),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_429_503_then_200),
        cmocka_unit_test(test_500_always),
        cmocka_unit_test(test_huge),
        cmocka_unit_test(test_concurrency),
        cmocka_unit_test(test_free_with_inflight),
        cmocka_unit_test(test_event_loop_driving),
        cmocka_unit_test(test_callbacks_reenter),
        cmocka_unit_test(test_lean_head_names),
        cmocka_unit_test(test_lean_head_many_headers),
        cmocka_unit_test(test_loop_clock),
        cmocka_unit_test(test_names_go_lean_once_resolved),
        cmocka_unit_test(test_lean_tries_every_address),
        cmocka_unit_test(test_lean_origin_cached_path_exact),
        cmocka_unit_test(test_tls_verification),
        cmocka_unit_test(test_tls_trusted_keepalive_resumed),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_watch_mode),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
