/* test_h2.c - the HTTP/2 glue of the server (src/http/h2.c) on a real
 * socket pair, with nghttp2's client session on the other end: a stream's
 * pseudo-headers become the request's method, path, query and Host; the
 * answer's header names are lower-cased, connection-specific and framing
 * headers dropped, content-length and date added; HEAD gets no DATA; a
 * header list over --max-header is 431 without calling the handler; two
 * streams in flows at once are answered in the order their flows finish;
 * an answer after the connection is gone frees everything and the slot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include "http/server_internal.h"

/* ---- the server side: one connection without a worker loop -------------- */

static mc_server srv;
static worker wk;
static mc_server_req *kept[4];
static size_t nkept, calls;
static bool keep_requests;
static char seen[1024];            /* what the handler saw */

static void handler(void *ud, mc_server_req *r)
{
    (void)ud;
    calls++;
    size_t nh;
    const mc_http_header *h = mc_server_req_headers(r, &nh);
    int n = snprintf(seen, sizeof seen, "%s %s ?%s", mc_server_req_method(r),
                     mc_server_req_path(r), mc_server_req_query(r) ? mc_server_req_query(r) : "-");
    for (size_t i = 0; i < nh && n < (int)sizeof seen; i++)
        n += snprintf(seen + n, sizeof seen - (size_t)n, " [%s=%s]", h[i].name, h[i].value);
    if (keep_requests) {
        kept[nkept++] = r;
        return;
    }
    static const mc_http_header answer[] = {
        {"X-Mixed-Case", "v"}, {"Connection", "close"}, {"Upgrade", "h2c"},
        {"Transfer-Encoding", "chunked"}, {"Content-Length", "999"}, {"Bad Name", "x"},
        {"X-Split", "a\r\nb"}};
    size_t len;
    const char *body = mc_server_req_body(r, &len);
    mc_server_respond(r, 201, answer, sizeof answer / sizeof *answer, len ? body : "hello",
                      len ? len : 5);
}

static int sv[2];
static conn *server_conn(void)
{
    memset(&srv, 0, sizeof srv);
    memset(&wk, 0, sizeof wk);
    srv.o = (mc_server_options){.max_body = 1024, .max_header = 512, .idle_timeout_s = 60,
                                .request_timeout_ms = 60000, .max_concurrent = 8,
                                .max_connections = 8, .handler = handler};
    wk.s = &srv;
    wk.ep = -1;
    nkept = calls = 0;
    keep_requests = false;
    seen[0] = '\0';
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    conn *c = calloc(1, sizeof *c);
    c->w = &wk;
    c->fd = sv[0];
    c->writable = true;
    assert_true(mc_h2_begin(c));
    return c;
}

static void server_free(conn *c)
{
    if (c->h2)
        mc_h2_free(c);
    free(c->in);
    free(c);
    close(sv[0]);
    close(sv[1]);
    assert_int_equal(atomic_load(&srv.inflight), 0);
    assert_null(wk.pend_head);
}

/* Hand the server what the client wrote. */
static void server_read(conn *c)
{
    uint8_t buf[65536];
    ssize_t n;
    while ((n = recv(sv[0], buf, sizeof buf, 0)) > 0)
        assert_true(mc_h2_feed(c, buf, (size_t)n));
    assert_true(mc_h2_feed(c, (const uint8_t *)"", 0));   /* answers given since */
}

/* ---- the client side: nghttp2's client session -------------------------- */

typedef struct answer {
    int status;
    char fields[1024];
    char body[2048];
    size_t body_len;
    bool done;
    uint32_t reset;
} answer;

static answer answers[8];          /* by (stream id - 1) / 2 */

static answer *for_stream(int32_t id)
{
    return &answers[(id - 1) / 2 % 8];
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                     size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *ud)
{
    (void)s, (void)flags, (void)ud;
    answer *a = for_stream(f->hd.stream_id);
    if (nl == 7 && !memcmp(name, ":status", 7))
        a->status = atoi((const char *)value);
    size_t n = strlen(a->fields);
    snprintf(a->fields + n, sizeof a->fields - n, "[%.*s=%.*s]", (int)nl, name, (int)vl, value);
    return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
                   size_t len, void *ud)
{
    (void)s, (void)flags, (void)ud;
    answer *a = for_stream(id);
    memcpy(a->body + a->body_len, data, len);
    a->body_len += len;
    return 0;
}

static int on_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud)
{
    (void)s, (void)ud;
    for_stream(id)->done = true;
    for_stream(id)->reset = code;
    return 0;
}

static nghttp2_session *client(void)
{
    memset(answers, 0, sizeof answers);
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
    nghttp2_session *s;
    assert_int_equal(nghttp2_session_client_new(&s, cb, NULL), 0);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0);
    return s;
}

static void client_write(nghttp2_session *s)
{
    const uint8_t *data;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(s, &data)) > 0)
        assert_int_equal(send(sv[1], data, (size_t)n, 0), n);
}

static void client_read(nghttp2_session *s)
{
    uint8_t buf[65536];
    ssize_t n;
    while ((n = recv(sv[1], buf, sizeof buf, 0)) > 0)
        assert_int_equal(nghttp2_session_mem_recv(s, buf, (size_t)n), n);
}

#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, 0}

static int32_t get(nghttp2_session *s, const char *method, const char *path)
{
    nghttp2_nv nv[] = {NV(":method", ""), NV(":scheme", "http"), NV(":path", ""),
                       NV(":authority", "example.org:8290"), NV("x-one", "1")};
    nv[0].value = (uint8_t *)method;
    nv[0].valuelen = strlen(method);
    nv[2].value = (uint8_t *)path;
    nv[2].valuelen = strlen(path);
    return nghttp2_submit_request(s, NULL, nv, 5, NULL, NULL);
}

/* One round trip: the client writes, the server reads and answers, the
 * client reads. */
static void round_trip(conn *c, nghttp2_session *s)
{
    client_write(s);
    server_read(c);
    client_read(s);
    client_write(s);               /* SETTINGS ACK */
    server_read(c);
}

/* ---- tests ------------------------------------------------------------- */

static void test_request_head_and_answer_fields(void **state)
{
    (void)state;
    conn *c = server_conn();
    nghttp2_session *s = client();
    int32_t id = get(s, "GET", "/p/a%20b?x=1&y");
    round_trip(c, s);
    assert_int_equal(calls, 1);
    assert_string_equal(seen, "GET /p/a%20b ?x=1&y [host=example.org:8290] [x-one=1]");
    answer *a = for_stream(id);
    assert_true(a->done);
    assert_int_equal(a->status, 201);
    assert_non_null(strstr(a->fields, "[x-mixed-case=v]"));
    assert_non_null(strstr(a->fields, "[content-length=5]"));
    assert_non_null(strstr(a->fields, "[date="));
    assert_null(strstr(a->fields, "connection"));
    assert_null(strstr(a->fields, "upgrade"));
    assert_null(strstr(a->fields, "transfer-encoding"));
    assert_null(strstr(a->fields, "bad name"));
    assert_null(strstr(a->fields, "x-split"));
    assert_null(strstr(a->fields, "999"));
    assert_int_equal(a->body_len, 5);
    assert_memory_equal(a->body, "hello", 5);
    nghttp2_session_del(s);
    server_free(c);
}

static void test_head_answer_has_no_data(void **state)
{
    (void)state;
    conn *c = server_conn();
    nghttp2_session *s = client();
    int32_t id = get(s, "HEAD", "/h");
    round_trip(c, s);
    answer *a = for_stream(id);
    assert_true(a->done);
    assert_int_equal(a->status, 201);
    assert_non_null(strstr(a->fields, "[content-length=5]"));
    assert_int_equal(a->body_len, 0);
    nghttp2_session_del(s);
    server_free(c);
}

static void test_header_list_over_limit_is_431(void **state)
{
    (void)state;
    conn *c = server_conn();
    nghttp2_session *s = client();
    char big[600];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    nghttp2_nv nv[] = {NV(":method", "GET"), NV(":scheme", "http"), NV(":path", "/"),
                       NV(":authority", "h"), NV("x-big", "")};
    nv[4].value = (uint8_t *)big;
    nv[4].valuelen = strlen(big);
    int32_t id = nghttp2_submit_request(s, NULL, nv, 5, NULL, NULL);
    round_trip(c, s);
    assert_int_equal(calls, 0);
    assert_int_equal(for_stream(id)->status, 431);
    assert_non_null(strstr(for_stream(id)->body, "\"431\""));
    nghttp2_session_del(s);
    server_free(c);
}

static void test_streams_answered_as_their_flows_finish(void **state)
{
    (void)state;
    conn *c = server_conn();
    nghttp2_session *s = client();
    int32_t one = get(s, "GET", "/one"), two = get(s, "GET", "/two");
    keep_requests = true;
    round_trip(c, s);
    assert_int_equal(nkept, 2);
    assert_int_equal(atomic_load(&srv.inflight), 2);
    mc_server_respond(kept[1], 200, NULL, 0, "second", 6);
    server_read(c);
    client_read(s);
    assert_true(for_stream(two)->done);
    assert_false(for_stream(one)->done);
    assert_memory_equal(for_stream(two)->body, "second", 6);
    mc_server_respond(kept[0], 200, NULL, 0, "first", 5);
    server_read(c);
    client_read(s);
    assert_true(for_stream(one)->done);
    assert_memory_equal(for_stream(one)->body, "first", 5);
    nghttp2_session_del(s);
    server_free(c);
}

static void test_answer_after_the_connection_left(void **state)
{
    (void)state;
    conn *c = server_conn();
    nghttp2_session *s = client();
    get(s, "GET", "/slow");
    keep_requests = true;
    round_trip(c, s);
    assert_int_equal(nkept, 1);
    mc_h2_free(c);                 /* the client went away */
    assert_int_equal(atomic_load(&srv.inflight), 1);   /* the flow still runs */
    mc_server_respond(kept[0], 200, NULL, 0, "late", 4);
    nghttp2_session_del(s);
    server_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_head_and_answer_fields),
        cmocka_unit_test(test_head_answer_has_no_data),
        cmocka_unit_test(test_header_list_over_limit_is_431),
        cmocka_unit_test(test_streams_answered_as_their_flows_finish),
        cmocka_unit_test(test_answer_after_the_connection_left),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
