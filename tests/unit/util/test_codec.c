/* test_codec.c - unit tests for util/codec.c: base64 known vectors (RFC
 * 4648), round trips of every length and byte value, optional padding,
 * whitespace, bad input; form and RFC 3986 URL encodings and decoding;
 * version 4 UUIDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/codec.h"

static void test_base64_vectors(void **state)
{
    (void)state;
    static const struct { const char *plain, *enc; } v[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
        {"{\"a\":1}", "eyJhIjoxfQ=="},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        mc_buf b = MC_BUF_INIT;
        mc_base64_encode(&b, v[i].plain, strlen(v[i].plain));
        assert_string_equal(mc_buf_cstr(&b), v[i].enc);
        mc_buf_reset(&b);
        assert_true(mc_base64_decode(&b, v[i].enc, strlen(v[i].enc)));
        assert_int_equal(b.len, strlen(v[i].plain));
        assert_memory_equal(mc_buf_cstr(&b), v[i].plain, b.len);
        mc_buf_free(&b);
    }
}

static void test_base64_round_trip(void **state)
{
    (void)state;
    unsigned char data[300];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7 + 3);
    for (size_t n = 0; n <= sizeof data; n += (n < 20 ? 1 : 37)) {
        mc_buf enc = MC_BUF_INIT, dec = MC_BUF_INIT;
        mc_base64_encode(&enc, data, n);
        assert_int_equal(enc.len, (n + 2) / 3 * 4);
        assert_true(mc_base64_decode(&dec, mc_buf_cstr(&enc), enc.len));
        assert_int_equal(dec.len, n);
        if (n)
            assert_memory_equal(dec.data, data, n);
        mc_buf_free(&enc);
        mc_buf_free(&dec);
    }
    /* every byte value */
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    mc_buf enc = MC_BUF_INIT, dec = MC_BUF_INIT;
    mc_base64_encode(&enc, all, 256);
    assert_true(mc_base64_decode(&dec, enc.data, enc.len));
    assert_int_equal(dec.len, 256);
    assert_memory_equal(dec.data, all, 256);
    mc_buf_free(&enc);
    mc_buf_free(&dec);
}

static void test_base64_lenient_and_bad(void **state)
{
    (void)state;
    static const struct { const char *in; bool ok; const char *out; } v[] = {
        {"Zm8", true, "fo"},             /* padding optional */
        {"Zg", true, "f"},
        {"Zm9v\nYmFy", true, "foobar"},  /* whitespace ignored */
        {" Zm 9v ", true, "foo"},
        {"Zm9v!", false, NULL},          /* bad character */
        {"Z", false, NULL},              /* impossible length */
        {"Zm9vY", false, NULL},
        {"Zg=x", false, NULL},           /* data after padding */
        {"Zg===", false, NULL},          /* too much padding */
        {"Zm9v\x80", false, NULL},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        mc_buf b = MC_BUF_INIT;
        bool ok = mc_base64_decode(&b, v[i].in, strlen(v[i].in));
        if (ok != v[i].ok)
            fail_msg("base64 decode of '%s': expected %s", v[i].in, v[i].ok ? "ok" : "failure");
        if (ok)
            assert_string_equal(mc_buf_cstr(&b), v[i].out);
        mc_buf_free(&b);
    }
}

static void test_url_encodings(void **state)
{
    (void)state;
    static const struct { const char *in, *form, *rfc; } v[] = {
        {"abcXYZ019", "abcXYZ019", "abcXYZ019"},
        {"a b", "a+b", "a%20b"},
        {".-*_~", ".-*_%7E", ".-%2A_~"},
        {"a/b?c=d&e", "a%2Fb%3Fc%3Dd%26e", "a%2Fb%3Fc%3Dd%26e"},
        {"caf\xc3\xa9", "caf%C3%A9", "caf%C3%A9"},
        {"100%", "100%25", "100%25"},
        {"+", "%2B", "%2B"},
        {"", "", ""},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        mc_buf f = MC_BUF_INIT, r = MC_BUF_INIT, d = MC_BUF_INIT;
        mc_url_encode_form(&f, v[i].in, strlen(v[i].in));
        mc_url_encode_rfc3986(&r, v[i].in, strlen(v[i].in));
        assert_string_equal(mc_buf_cstr(&f), v[i].form);
        assert_string_equal(mc_buf_cstr(&r), v[i].rfc);
        /* decoding inverts both */
        assert_true(mc_url_decode(&d, f.data ? f.data : "", f.len, true));
        assert_string_equal(mc_buf_cstr(&d), v[i].in);
        mc_buf_reset(&d);
        assert_true(mc_url_decode(&d, r.data ? r.data : "", r.len, false));
        assert_string_equal(mc_buf_cstr(&d), v[i].in);
        mc_buf_free(&f);
        mc_buf_free(&r);
        mc_buf_free(&d);
    }
}

/* A message value is one path segment: dot segments, separators, '%'
 * and NUL cannot change the path's shape. */
static void test_url_segment(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } v[] = {
        {".", 1, "%2E"},
        {"..", 2, "%2E%2E"},
        {"...", 3, "..."},
        {"a..b", 4, "a..b"},
        {".a", 2, ".a"},
        {"", 0, ""},
        {"a/b", 3, "a%2Fb"},
        {"../x", 4, "..%2Fx"},
        {"%2e%2e", 6, "%252e%252e"},
        {"a\0b", 3, "a%00b"},
        {"edge-fn\0../other", 16, "edge-fn%00..%2Fother"},
        {"sp ace?#&=+", 11, "sp%20ace%3F%23%26%3D%2B"},
        {"~_-.", 4, "~_-."},
        {"\xc3\xa9", 2, "%C3%A9"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        mc_buf b = MC_BUF_INIT;
        mc_url_encode_segment(&b, v[i].in, v[i].n);
        if (strcmp(mc_buf_cstr(&b), v[i].out) != 0)
            fail_msg("case %zu: got '%s', expected '%s'", i, mc_buf_cstr(&b), v[i].out);
        mc_buf_free(&b);
    }
}

/* REST_URL_POSTFIX made safe to append: dot segments, in any spelling,
 * resolve inside the postfix; encodings are kept; bad bytes encoded. */
static void test_url_clean_postfix(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } v[] = {
        {"", ""},
        {"/", "/"},
        {"/a/b", "/a/b"},
        {"/a/b/", "/a/b/"},
        {"/../x", "/x"},
        {"/a/../../b", "/b"},
        {"/a/%2e%2e/%2E%2E/b", "/b"},
        {"/a/.%2e/b", "/b"},
        {"/a/%2e/b", "/a/b"},
        {"/a/./b/.", "/a/b/"},
        {"/a/..", "/"},
        {"/a/b/..", "/a/"},
        {"/..", "/"},
        {"/x%2Fy/%2e%2e/z?q=%26a", "/z?q=%26a"},
        {"/x%2F..%2Fy", "/x%2F..%2Fy"},
        {"/...", "/..."},
        {"/a..b/", "/a..b/"},
        {"/%2e%2e%2e", "/%2e%2e%2e"},
        {"//x", "//x"},
        {"?a=1&b=/../", "?a=1&b=/../"},
        {"/p?x=1", "/p?x=1"},
        {"a/../b", "b"},
        {"/sp ace/\x01/\xc3\xa9/<x>", "/sp%20ace/%01/%C3%A9/%3Cx%3E"},
        /* '#' would start a fragment: "/a/.#x" sent as the dot segment "/a/."
         * (found by fuzz_message_values); '[' ']' belong to IP literals */
        {"/a/.#/n", "/a/.%23/n"},
        {"/a/b?q=#f", "/a/b?q=%23f"},
        {"/[v]", "/%5Bv%5D"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        mc_buf b = MC_BUF_INIT;
        mc_buf_puts(&b, "http://h/base");
        mc_url_clean_postfix(&b, v[i].in, strlen(v[i].in));
        char want[256];
        snprintf(want, sizeof want, "http://h/base%s", v[i].out);
        if (strcmp(mc_buf_cstr(&b), want) != 0)
            fail_msg("'%s': got '%s', expected '%s'", v[i].in, mc_buf_cstr(&b), want);
        mc_buf_free(&b);
    }
}

static void test_header_value_ok(void **state)
{
    (void)state;
    assert_true(mc_header_value_ok("plain value", 11));
    assert_true(mc_header_value_ok("tab\there", 8));
    assert_true(mc_header_value_ok("\xc3\xa9 obs-text", 11));
    assert_true(mc_header_value_ok("", 0));
    assert_false(mc_header_value_ok("a\rb", 3));
    assert_false(mc_header_value_ok("a\nb", 3));
    assert_false(mc_header_value_ok("a\0b", 3));
    assert_false(mc_header_value_ok("a\x01", 2));
    assert_false(mc_header_value_ok("a\x7f", 2));
    assert_false(mc_header_value_ok("Tail\r\nX-Evil: 1", 17));
    /* every byte at every place of a 19-byte value (two 8-byte steps and
     * a tail), among plain bytes and among bytes with the high bit set */
    for (int fill = 0; fill < 2; fill++)
        for (int c = 0; c < 256; c++)
            for (size_t at = 0; at < 19; at++) {
                char v[19];
                memset(v, fill ? '\xe9' : 'a', sizeof v);
                v[at] = (char)c;
                bool want = !((c < 0x20 && c != '\t') || c == 0x7f);
                if (mc_header_value_ok(v, sizeof v) != want)
                    fail_msg("byte 0x%02x at %zu: %d", c, at, !want);
            }
}

static void test_token_and_url_text(void **state)
{
    (void)state;
    assert_true(mc_http_token_ok("GET", 3));
    assert_true(mc_http_token_ok("M-SEARCH", 8));
    assert_true(mc_http_token_ok("x!#$%&'*+-.^_`|~9", 17));
    assert_false(mc_http_token_ok("", 0));
    assert_false(mc_http_token_ok("G ET", 4));
    assert_false(mc_http_token_ok("GET\0", 4));   /* not cut at the NUL */
    assert_false(mc_http_token_ok("GET /x HTTP/1.1\r\n", 17));
    assert_false(mc_http_token_ok("(GET)", 5));
    assert_false(mc_http_token_ok("G\xc3\xa9T", 4));
    assert_true(mc_url_text_ok("http://h:1/a%20b?q=1", 20));
    assert_true(mc_url_text_ok("", 0));
    assert_false(mc_url_text_ok("http://h/a b", 12));
    assert_false(mc_url_text_ok("http://h/a\0b", 12));
    assert_false(mc_url_text_ok("http://h/\r\nX: 1", 15));
    assert_false(mc_url_text_ok("http://h/\x7f", 10));
}

static void test_url_decode(void **state)
{
    (void)state;
    static const struct { const char *in; bool plus; bool ok; const char *out; } v[] = {
        {"a+b", false, true, "a+b"},
        {"a+b", true, true, "a b"},
        {"%41%62", false, true, "Ab"},
        {"%4a%4A", false, true, "JJ"},
        {"%", false, false, NULL},
        {"%4", false, false, NULL},
        {"ab%4", false, false, NULL},
        {"%zz", false, false, NULL},
        {"%41", false, true, "A"},
        {"x%2", false, false, NULL},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        mc_buf b = MC_BUF_INIT;
        bool ok = mc_url_decode(&b, v[i].in, strlen(v[i].in), v[i].plus);
        if (ok != v[i].ok)
            fail_msg("url decode of '%s': expected %s", v[i].in, v[i].ok ? "ok" : "failure");
        if (ok)
            assert_string_equal(mc_buf_cstr(&b), v[i].out);
        mc_buf_free(&b);
    }
}

/* UUIDs: the layout of version 4 / RFC 4122 variant, lower-case hex, and
 * two in a row differ. */
static void test_uuid_v4(void **state)
{
    (void)state;
    static const unsigned char ff[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    char u[37], v[37];
    mc_uuid_format(ff, u);
    assert_string_equal(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    static const unsigned char zero[16] = {0};
    mc_uuid_format(zero, u);
    assert_string_equal(u, "00000000-0000-4000-8000-000000000000");
    assert_true(mc_uuid_v4(u));
    assert_true(mc_uuid_v4(v));
    assert_int_equal(strlen(u), 36);
    assert_string_not_equal(u, v);
    assert_int_equal(u[14], '4');
    assert_non_null(strchr("89ab", u[19]));
    assert_int_equal(strspn(u, "0123456789abcdef-"), 36);
}

/* A forked child does not repeat the UUIDs its parent makes next (the
 * per-thread random buffer is refilled after fork). */
static void test_uuid_after_fork(void **state)
{
    (void)state;
    char first[37], parent[37], child[37] = "";
    assert_true(mc_uuid_v4(first));          /* the buffer is filled */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char u[37];
        ssize_t n = mc_uuid_v4(u) ? write(fds[1], u, 37) : -1;
        _exit(n == 37 ? 0 : 1);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], child, 37), 37);
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(mc_uuid_v4(parent));
    assert_string_not_equal(child, parent);
    assert_string_not_equal(child, first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_vectors),
        cmocka_unit_test(test_base64_round_trip),
        cmocka_unit_test(test_base64_lenient_and_bad),
        cmocka_unit_test(test_url_encodings),
        cmocka_unit_test(test_url_decode),
        cmocka_unit_test(test_url_segment),
        cmocka_unit_test(test_header_value_ok),
        cmocka_unit_test(test_token_and_url_text),
        cmocka_unit_test(test_url_clean_postfix),
        cmocka_unit_test(test_uuid_v4),
        cmocka_unit_test(test_uuid_after_fork),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
