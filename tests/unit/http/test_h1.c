/* test_h1.c - the strict HTTP/1.1 request head parser and chunked decoder
 * (src/http/h1.c): every framing rule of docs/http.md's server section,
 * each as a request that must be refused with its status, beside the
 * well-formed forms that must pass (absolute-form, bare LF, empty lines
 * before the request, 500 query parameters, obs-text in values). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/h1.h"
#include "http/msgio.h"
#include "http/server_internal.h"

static mc_h1_head head;

static int parse(const char *req, size_t max)
{
    size_t used = 0;
    int status = 0;
    const char *msg = NULL;
    mc_h1_result r = mc_h1_parse_head(req, strlen(req), max, &head, &used, &status, &msg);
    if (r == MC_H1_DONE)
        return 0;
    if (r == MC_H1_MORE)
        return 1;
    assert_non_null(msg);
    return status;
}

static bool str_is(mc_h1_str s, const char *lit)
{
    return s.p && s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static void test_well_formed(void **state)
{
    assert_int_equal(parse("GET /a/b?x=1&y HTTP/1.1\r\nHost: h\r\nX-A:  v  \r\n\r\n", 8192), 0);
    assert_true(str_is(head.method, "GET"));
    assert_true(str_is(head.path, "/a/b"));
    assert_true(str_is(head.query, "x=1&y"));
    assert_int_equal(head.minor, 1);
    assert_int_equal(head.nheaders, 2);
    assert_true(str_is(head.values[1], "v"));
    assert_true(head.keep_alive);
    assert_false(head.has_length);
    /* bare LF line ends, empty lines first, HTTP/1.0 without Host */
    assert_int_equal(parse("\r\n\nPOST /p HTTP/1.0\nContent-Length: 12\n\n", 8192), 0);
    assert_true(head.has_length);
    assert_int_equal(head.content_length, 12);
    assert_false(head.keep_alive);
    assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 8192), 0);
    assert_true(head.keep_alive);
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, close\r\n\r\n", 8192), 0);
    assert_false(head.keep_alive);
    /* obs-text and tabs in values */
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\tok\r\n\r\n", 8192), 0);
    /* chunked, Expect */
    assert_int_equal(parse("PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n"
                           "Expect: 100-continue\r\n\r\n", 8192), 0);
    assert_true(head.chunked);
    assert_true(head.expect_continue);
}

static void test_absolute_form_routed_by_path(void **state)
{
    assert_int_equal(parse("GET http://example.com:8080/services/Echo?a=1 HTTP/1.1\r\nHost: x\r\n\r\n", 8192), 0);
    assert_true(str_is(head.path, "/services/Echo"));
    assert_true(str_is(head.query, "a=1"));
    assert_int_equal(parse("GET HTTPS://h HTTP/1.1\r\nHost: x\r\n\r\n", 8192), 0);
    assert_true(str_is(head.path, "/"));
    assert_null(head.query.p);
    assert_int_equal(parse("GET http://h?q HTTP/1.1\r\nHost: x\r\n\r\n", 8192), 0);
    assert_true(str_is(head.path, "/"));
    assert_true(str_is(head.query, "q"));
    assert_int_equal(parse("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 8192), 0);
    assert_int_equal(parse("GET http:///x HTTP/1.1\r\nHost: x\r\n\r\n", 8192), 400);
    assert_int_equal(parse("GET ftp://h/x HTTP/1.1\r\nHost: x\r\n\r\n", 8192), 400);
    assert_int_equal(parse("GET x HTTP/1.1\r\nHost: x\r\n\r\n", 8192), 400);
}

static void test_many_query_parameters(void **state)
{
    char req[8192] = "GET /q?";
    for (int i = 0; i < 500; i++)
        snprintf(req + strlen(req), sizeof req - strlen(req), "%sp%d=%d", i ? "&" : "", i, i);
    strcat(req, " HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_int_equal(parse(req, 8192), 0);
    assert_true(head.query.n > 3000);
}

static void test_refused(void **state)
{
    static const struct { const char *req; int status; } cases[] = {
        /* Content-Length */
        {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", 400},
        /* Transfer-Encoding */
        {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
        {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
        {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", 501},
        {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n", 400},
        /* Host */
        {"GET / HTTP/1.1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
        /* methods, targets, versions */
        {"G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        {"GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        {"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        {"GET / x HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        {"GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        {"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
        {"GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505},
        {"GET / HTTX/1.1\r\nHost: h\r\n\r\n", 400},
        {"GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400},
        {"GET /\rx HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        /* header lines */
        {"GET / HTTP/1.1\r\nHost: h\r\n X: folded\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tfolded\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7f\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nX(A): a\r\n\r\n", 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int st = parse(cases[i].req, 8192);
        if (st != cases[i].status)
            fail_msg("case %zu: %s -> %d, want %d", i, cases[i].req, st, cases[i].status);
    }
    /* a NUL in a value */
    static const char nul[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
    size_t used;
    int status;
    const char *msg;
    assert_int_equal(mc_h1_parse_head(nul, sizeof nul - 1, 8192, &head, &used, &status, &msg),
                     MC_H1_ERROR);
    assert_int_equal(status, 400);
}

static void test_limits_and_partial_heads(void **state)
{
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\n", 8192), 1);
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\n\r", 8192), 1);
    assert_int_equal(parse("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 16), 414);
    assert_int_equal(parse("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n", 16), 414);
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 32), 431);
    char req[16384] = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i <= MC_H1_MAX_HEADERS; i++)
        strcat(req, "X: y\r\n");
    strcat(req, "\r\n");
    assert_int_equal(parse(req, sizeof req), 431);
    /* the byte count of a head and what follows it */
    const char two[] = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
    size_t used;
    int status;
    const char *msg;
    assert_int_equal(mc_h1_parse_head(two, sizeof two - 1, 8192, &head, &used, &status, &msg),
                     MC_H1_DONE);
    assert_int_equal(used, (sizeof two - 1) / 2);
}

static int dechunk(const char *in, size_t step, char *out, size_t *outlen, size_t *rest)
{
    mc_h1_chunked c = {0};
    char buf[4096];
    size_t len = strlen(in), have = 0, pos = 0;
    *outlen = 0;
    for (;;) {
        size_t n = len - pos < step ? len - pos : step;
        memcpy(buf + have, in + pos, n);
        have += n;
        pos += n;
        size_t used, data;
        const char *msg;
        mc_h1_result r = mc_h1_chunked_decode(&c, buf, have, 1024, &used, &data, &msg);
        memcpy(out + *outlen, buf, data);
        *outlen += data;
        memmove(buf, buf + used, have - used);
        have -= used;
        if (r == MC_H1_ERROR)
            return -1;
        if (r == MC_H1_DONE) {
            *rest = have + (len - pos);
            return 0;
        }
        if (pos == len)
            return 1;
    }
}

static void test_chunked(void **state)
{
    const char *body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-T: 1\r\n\r\nNEXT";
    for (size_t step = 1; step <= strlen(body); step++) {
        char out[64];
        size_t n, rest;
        assert_int_equal(dechunk(body, step, out, &n, &rest), 0);
        assert_int_equal(n, 12);
        assert_memory_equal(out, "hello, world", 12);
        assert_int_equal(rest, 4);
    }
    static const char *const bad[] = {
        "x\r\n", "5\nhello\r\n0\r\n\r\n", "5\r\nhelloX\r\n", "5\r\nhello\n0\r\n\r\n",
        "ffffffffffffffff1\r\n", "\r\n", "-5\r\n", "5\r\nhello\r\n0\r\n\n",
        "5\r\nhello\r\n0\r\nX: 1\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char out[64];
        size_t n, rest;
        if (dechunk(bad[i], 64, out, &n, &rest) != -1)
            fail_msg("bad chunked body %zu accepted", i);
    }
    /* trailers over the limit */
    char big[4096] = "0\r\n";
    for (int i = 0; i < 100; i++)
        strcat(big, "X-Trailer: 0123456789abcdef\r\n");
    strcat(big, "\r\n");
    char out[64];
    size_t n, rest;
    assert_int_equal(dechunk(big, 4096, out, &n, &rest), -1);
}

/* What a flow may not put in an answer: the framing, connection and date
 * headers in any case, names that are not tokens, values that would split
 * the head; everything else goes out. */
static void test_answer_headers_skipped(void **state)
{
    (void)state;
    static const char *const own[] = {"Date", "date", "CONNECTION", "Keep-Alive", "keep-alive",
                                      "Content-Length", "content-LENGTH", "Transfer-Encoding",
                                      "transfer-encoding"};
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        assert_true(mc_srv_skip_answer_header(own[i], "x"));
    static const char *const kept[] = {"Dates", "Dat", "X-Date", "Connectiom", "Keep-Alivx",
                                       "Content-Type", "Content-Lengths", "Transfer-Encodinf",
                                       "X-Amz-Function-Error", "Server"};
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
        assert_false(mc_srv_skip_answer_header(kept[i], "x"));
    assert_true(mc_srv_skip_answer_header("Bad Name", "x"));
    assert_true(mc_srv_skip_answer_header("X:y", "x"));
    assert_true(mc_srv_skip_answer_header("", "x"));
    assert_true(mc_srv_skip_answer_header(NULL, "x"));
    assert_true(mc_srv_skip_answer_header("X-A", NULL));
    assert_true(mc_srv_skip_answer_header("X-A", "a\rb"));
    assert_true(mc_srv_skip_answer_header("X-A", "a\nb"));
    assert_true(mc_srv_skip_answer_header("X-A", "a\r\nX-Evil: 1"));
    assert_false(mc_srv_skip_answer_header("X-A", "a\tb \xc3\xa9"));
    assert_false(mc_srv_skip_answer_header("X-A", ""));
}

/* The client's response as the message sees it: status, body (with its
 * NULs) and every header in order, copied into the message's arena. */
static void test_inbound_of_response(void **state)
{
    (void)state;
    mc_message *m = mc_msg_new(NULL, NULL);
    assert_non_null(m);
    char *names[] = {"Content-Type", "X-Amz-Executed-Version", "X-Empty", "x-dup", "x-dup"};
    char *values[] = {"application/json", "$LATEST", "", "1", "2"};
    mc_http_response r = {.status = 200, .header_names = names, .header_values = values,
                          .nheaders = 5};
    mc_buf_append(&r.body, "{\"a\":\"\0\"}", 9);
    const char *read_into = r.body.data;
    mc_inbound *in = mc_http_inbound(m, &r);
    assert_non_null(in);
    assert_int_equal(in->status, 200);
    assert_int_equal(in->body_len, 9);
    assert_memory_equal(in->body, "{\"a\":\"\0\"}", 9);
    /* lent, not copied: the message owns the block now (freed with it,
     * which ASan and the leak check see), the response has none */
    assert_ptr_equal(in->body, read_into);
    assert_int_equal(in->body[9], '\0');
    assert_null(r.body.data);
    assert_int_equal(r.body.len, 0);
    assert_int_equal(in->nheaders, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(in->headers[i].name, names[i]);
        assert_string_equal(in->headers[i].value, values[i]);
        assert_ptr_not_equal(in->headers[i].name, names[i]);
    }
    mc_buf_free(&r.body);
    /* the lean client's single block of arrays and strings: lent as well,
     * the response left without headers (ASan: freed once, with m) */
    static const char *const bn[] = {"Content-Type", "X-Empty"}, *const bv[] = {"text/plain", ""};
    char *block = malloc(4 * sizeof(char *) + 64);
    assert_non_null(block);
    char **bnames = (char **)(void *)block, **bvalues = bnames + 2;
    char *text = block + 4 * sizeof(char *);
    for (size_t i = 0; i < 2; i++) {
        bnames[i] = text;
        text = stpcpy(text, bn[i]) + 1;
        bvalues[i] = text;
        text = stpcpy(text, bv[i]) + 1;
    }
    mc_http_response lean = {.status = 201, .header_names = bnames, .header_values = bvalues,
                             .nheaders = 2, .header_block = block};
    in = mc_http_inbound(m, &lean);
    assert_non_null(in);
    assert_int_equal(in->nheaders, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_ptr_equal(in->headers[i].name, bnames[i]);
        assert_string_equal(in->headers[i].name, bn[i]);
        assert_string_equal(in->headers[i].value, bv[i]);
    }
    assert_null(lean.header_block);
    assert_int_equal(lean.nheaders, 0);
    mc_http_response_free(&lean);
    mc_http_response none = {.status = 204};
    in = mc_http_inbound(m, &none);
    assert_non_null(in);
    assert_int_equal(in->nheaders, 0);
    assert_int_equal(in->body_len, 0);
    mc_msg_free(m);
}

/* Every byte in a Host value and in another header's value, against the
 * rules in words: a Host is ALPHA, DIGIT and -._~!$&'()*+,;=:[]%; a value
 * is HTAB, SP, visible ASCII and obs-text. */
static void test_host_and_value_bytes(void **state)
{
    (void)state;
    for (int c = 1; c < 256; c++) {
        char req[64];
        int n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: a%cb\r\n\r\n", c);
        size_t used = 0;
        int status = 0;
        const char *msg = NULL;
        bool host_ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || strchr("-._~!$&'()*+,;=:[]%", c);
        mc_h1_result r = mc_h1_parse_head(req, (size_t)n, 8192, &head, &used, &status, &msg);
        if ((r == MC_H1_DONE) != host_ok)
            fail_msg("Host byte 0x%02x: %s", c, msg ? msg : "accepted");
        n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: h\r\nX-V: a%cb\r\n\r\n", c);
        bool value_ok = c == '\t' || (c >= 0x20 && c != 0x7f);
        r = mc_h1_parse_head(req, (size_t)n, 8192, &head, &used, &status, &msg);
        if ((r == MC_H1_DONE) != value_ok && c != '\n')   /* LF: a line of its own */
            fail_msg("value byte 0x%02x: %s", c, msg ? msg : "accepted");
    }
    /* NUL inside a value */
    static const char nul[] = "GET / HTTP/1.1\r\nHost: h\r\nX-V: a\0b\r\n\r\n";
    size_t used = 0;
    int status = 0;
    const char *msg = NULL;
    assert_int_equal(mc_h1_parse_head(nul, sizeof nul - 1, 8192, &head, &used, &status, &msg),
                     MC_H1_ERROR);
    assert_int_equal(status, 400);
}

static void test_tokens_and_reasons(void **state)
{
    assert_true(mc_h1_token("X-Custom_1", 10));
    assert_false(mc_h1_token("a b", 3));
    assert_false(mc_h1_token("", 0));
    /* every byte against RFC 9110's words: visible ASCII but the 17
     * delimiters "(),/:;<=>?@[\]{} and DQUOTE */
    for (int c = 0; c < 256; c++) {
        char ch = (char)c;
        bool want = c > 0x20 && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", c);
        if (mc_h1_token(&ch, 1) != want)
            fail_msg("byte 0x%02x: token %d, RFC 9110 says %d", c, !want, want);
        char name[4] = {'a', ch, 'b', 0};
        assert_int_equal(mc_h1_token(name, 3), want);
    }
    assert_string_equal(mc_h1_reason(413), "Content Too Large");
    assert_string_equal(mc_h1_reason(299), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_host_and_value_bytes),
        cmocka_unit_test(test_inbound_of_response),
        cmocka_unit_test(test_answer_headers_skipped),
        cmocka_unit_test(test_absolute_form_routed_by_path),
        cmocka_unit_test(test_many_query_parameters),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_limits_and_partial_heads),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_tokens_and_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
