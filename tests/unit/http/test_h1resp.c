/* test_h1resp.c - the upstream client's response head parser
 * (src/http/h1resp.c): the framing of RFC 9112 6.3 (length, chunked,
 * close-delimited, none for HEAD/1xx/204/304), keep-alive by version and
 * Connection, folded lines, partial heads, and what it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/h1resp.h"

static mc_h1_resp rh;
static char buf[8192];
static const char *why;

/* 0 done, 1 more, -1 refused */
static int parse_max(const char *text, size_t max, bool head_request)
{
    snprintf(buf, sizeof buf, "%s", text);
    why = NULL;
    mc_h1_result r = mc_h1_parse_response(buf, strlen(buf), max, head_request, &rh, &why);
    if (r == MC_H1_ERROR)
        assert_non_null(why);
    return r == MC_H1_DONE ? 0 : r == MC_H1_MORE ? 1 : -1;
}

static int parse(const char *text) { return parse_max(text, 4096, false); }

static bool str_is(mc_h1_str s, const char *lit)
{
    return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static void test_length_and_fields(void **state)
{
    (void)state;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A :  v w \r\n"
                           "bogus line\r\nX-Empty:\r\n\r\nhello"), 0);
    assert_int_equal(rh.status, 200);
    assert_int_equal(rh.minor, 1);
    assert_int_equal(rh.body, MC_H1_BODY_LENGTH);
    assert_int_equal(rh.content_length, 5);
    assert_true(rh.keep_alive);
    assert_int_equal(rh.head_len, strlen(buf) - 5);
    assert_int_equal(rh.nfields, 3);
    size_t pos = 0;
    mc_h1_str n, v;
    assert_true(mc_h1_resp_next_field(&rh, &pos, &n, &v));
    assert_true(str_is(n, "Content-Length") && str_is(v, "5"));
    assert_true(mc_h1_resp_next_field(&rh, &pos, &n, &v));
    assert_true(str_is(n, "X-A") && str_is(v, "v w"));
    assert_true(mc_h1_resp_next_field(&rh, &pos, &n, &v));
    assert_true(str_is(n, "X-Empty") && str_is(v, ""));
    assert_false(mc_h1_resp_next_field(&rh, &pos, &n, &v));
    /* no reason phrase, bare LF */
    assert_int_equal(parse("HTTP/1.1 404\nContent-Length: 0\n\n"), 0);
    assert_int_equal(rh.status, 404);
    assert_int_equal(rh.content_length, 0);
    /* the same length twice is fine */
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n"), 0);
}

static void test_framing(void **state)
{
    (void)state;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 0);
    assert_int_equal(rh.body, MC_H1_BODY_CHUNKED);
    assert_true(rh.keep_alive);
    /* chunked wins over a length, and the connection closes after */
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n"), 0);
    assert_int_equal(rh.body, MC_H1_BODY_CHUNKED);
    assert_false(rh.keep_alive);
    /* a coding that is not chunked last: read until close */
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), 0);
    assert_int_equal(rh.body, MC_H1_BODY_CLOSE);
    assert_false(rh.keep_alive);
    /* neither: close-delimited (HTTP/1.0 style) */
    assert_int_equal(parse("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"), 0);
    assert_int_equal(rh.body, MC_H1_BODY_CLOSE);
    assert_false(rh.keep_alive);
    assert_int_equal(rh.minor, 0);
    /* no body: HEAD, 1xx, 204, 304, whatever the length says */
    assert_int_equal(parse_max("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", 4096, true), 0);
    assert_int_equal(rh.body, MC_H1_BODY_NONE);
    assert_true(rh.keep_alive);
    assert_int_equal(parse("HTTP/1.1 100 Continue\r\n\r\n"), 0);
    assert_int_equal(rh.body, MC_H1_BODY_NONE);
    assert_int_equal(rh.status, 100);
    assert_int_equal(parse("HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"), 0);
    assert_int_equal(rh.body, MC_H1_BODY_NONE);
    assert_int_equal(parse("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"), 0);
    assert_int_equal(rh.body, MC_H1_BODY_NONE);
}

static void test_keep_alive(void **state)
{
    (void)state;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n"), 0);
    assert_false(rh.keep_alive);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nConnection: x, close\r\nContent-Length: 0\r\n\r\n"), 0);
    assert_false(rh.keep_alive);
    assert_int_equal(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), 0);
    assert_false(rh.keep_alive);
    assert_int_equal(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"), 0);
    assert_true(rh.keep_alive);
}

static void test_folding(void **state)
{
    (void)state;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nX-F: a\r\n  b\r\n\tc\r\nX-G: d\r\n\r\n"), 0);
    assert_int_equal(rh.nfields, 2);
    size_t pos = 0;
    mc_h1_str n, v;
    assert_true(mc_h1_resp_next_field(&rh, &pos, &n, &v));
    assert_true(str_is(n, "X-F"));
    assert_non_null(memchr(v.p, 'b', v.n));
    assert_true(v.p[v.n - 1] == 'c');
    assert_true(mc_h1_resp_next_field(&rh, &pos, &n, &v));
    assert_true(str_is(n, "X-G") && str_is(v, "d"));
}

static void test_partial_and_refused(void **state)
{
    (void)state;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Len"), 1);
    assert_int_equal(parse("HTTP/1.1 200"), 1);
    assert_int_equal(parse("HTT"), 1);
    assert_int_equal(parse("garbage that is not HTTP\r\n\r\n"), -1);
    assert_int_equal(parse("HTTP/2 200\r\n\r\n"), -1);
    assert_int_equal(parse("HTTP/1.1 20 OK\r\n\r\n"), -1);
    assert_int_equal(parse("HTTP/1.1 2000 OK\r\n\r\n"), -1);
    assert_int_equal(parse("HTTP/1.1 099 x\r\n\r\n"), -1);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n"), -1);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), -1);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"), -1);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), -1);
    /* over the head limit, complete or not */
    assert_int_equal(parse_max("HTTP/1.1 200 OK\r\nX-Long: 0123456789012345678901234567890123456789\r\n\r\n", 40, false), -1);
    assert_int_equal(parse_max("HTTP/1.1 200 OK\r\nX-Long: 0123456789012345678901234567890123456789", 40, false), -1);
    assert_string_equal(why, "response head too large");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length_and_fields),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_folding),
        cmocka_unit_test(test_partial_and_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
