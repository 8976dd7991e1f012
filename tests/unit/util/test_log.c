/* test_log.c - unit tests for util/log.c: levels and sinks; secret
 * redaction with mc_redact: single and repeated secrets, secrets that
 * overlap or contain each other (no byte of any secret may survive), empty
 * and NULL secrets, secrets written with JSON, percent or XML escapes; the
 * secret-name list and redaction by name wherever a name appears; URL
 * userinfo; the escaping that keeps a log line one line of safe text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/log.h"

typedef struct captured {
    mc_buf text;
    int last_level;
    int lines;
} captured;

static void sink(void *ud, int level, const char *line)
{
    captured *c = ud;
    mc_buf_puts(&c->text, line);
    mc_buf_putc(&c->text, '\n');
    c->last_level = level;
    c->lines++;
}

static void test_levels(void **state)
{
    (void)state;
    captured c = {MC_BUF_INIT, -1, 0};
    mc_logger lg;
    mc_logger_init(&lg);
    assert_int_equal(lg.level, MC_LOG_INFO);
    lg.sink = sink;
    lg.userdata = &c;
    assert_true(mc_log_enabled(&lg, MC_LOG_ERROR));
    assert_true(mc_log_enabled(&lg, MC_LOG_INFO));
    assert_false(mc_log_enabled(&lg, MC_LOG_DEBUG));
    assert_false(mc_log_enabled(NULL, MC_LOG_ERROR));
    mc_log(&lg, MC_LOG_DEBUG, "hidden %d", 1);
    assert_int_equal(c.lines, 0);
    mc_log(&lg, MC_LOG_WARN, "shown %d", 2);
    assert_int_equal(c.lines, 1);
    assert_int_equal(c.last_level, MC_LOG_WARN);
    assert_string_equal(mc_buf_cstr(&c.text), "shown 2\n");
    lg.level = MC_LOG_DEBUG;
    const char *secrets[] = {"hunter2"};
    mc_log_line(&lg, MC_LOG_DEBUG, "pw=hunter2;", secrets, 1);
    assert_string_equal(mc_buf_cstr(&c.text), "shown 2\npw=****;\n");
    mc_log_line(&lg, MC_LOG_ERROR, "no secrets here", NULL, 0);
    assert_int_equal(c.lines, 3);
    lg.level = MC_LOG_ERROR;
    mc_log_line(&lg, MC_LOG_INFO, "dropped hunter2", secrets, 1);
    assert_int_equal(c.lines, 3);
    mc_buf_free(&c.text);
}

static char *redact(const char *text, const char *const *secrets, size_t n)
{
    static char out[512];
    mc_buf b = MC_BUF_INIT;
    mc_redact(&b, text, strlen(text), secrets, n);
    snprintf(out, sizeof out, "%s", mc_buf_cstr(&b));
    mc_buf_free(&b);
    return out;
}

static void test_redact_basic(void **state)
{
    (void)state;
    const char *s1[] = {"SECRET"};
    assert_string_equal(redact("a SECRET b SECRET", s1, 1), "a **** b ****");
    assert_string_equal(redact("SECRETSECRET", s1, 1), "********");
    assert_string_equal(redact("nothing", s1, 1), "nothing");
    assert_string_equal(redact("", s1, 1), "");
    assert_string_equal(redact("SECRE", s1, 1), "SECRE");
    const char *empty[] = {"", NULL, "x"};
    assert_string_equal(redact("axb", empty, 3), "a****b");
    /* longest match wins when one secret contains another */
    const char *nested[] = {"key", "keyvalue"};
    assert_string_equal(redact("[keyvalue]", nested, 2), "[****]");
    const char *nested2[] = {"keyvalue", "key"};
    assert_string_equal(redact("[keyvalue][key]", nested2, 2), "[****][****]");
}

/* Two secrets that overlap in the text: every byte of both must go. */
static void test_redact_overlapping(void **state)
{
    (void)state;
    const char *s[] = {"abcd", "cdef"};
    const char *r = redact("<abcdef>", s, 2);
    assert_null(strstr(r, "ef"));
    assert_null(strstr(r, "cd"));
    assert_string_equal(r, "<****>");
    const char *s2[] = {"cdef", "abcd"};
    assert_string_equal(redact("<abcdef>", s2, 2), "<****>");
    const char *s3[] = {"xyz", "zzz"};
    const char *r3 = redact("xyzzz!", s3, 2);
    assert_null(strstr(r3, "z"));
    assert_string_equal(r3, "****!");
    /* a secret that is a suffix of the text after another */
    const char *s4[] = {"aaa"};
    assert_string_equal(redact("aaaa", s4, 1), "****");
}

/* A secret is found however it was escaped: JSON (as PHP's json_encode
 * writes '/'), percent-encoding, XML references, in any mix. */
static void test_redact_escaped(void **state)
{
    (void)state;
    const char *s[] = {"wJalr/K7MDENG+bPx=RfiCY"};
    static const char *const texts[] = {
        "k=wJalr/K7MDENG+bPx=RfiCY;",
        "k=wJalr\\/K7MDENG+bPx=RfiCY;",
        "k=\\u0077Jalr\\u002fK7MDENG\\u002BbPx\\u003dRfiCY;",
        "k=wJalr%2FK7MDENG%2BbPx%3DRfiCY;",
        "k=wJalr%2fK7MDENG%2bbPx%3dRfiCY;",
        "k=wJalr&#47;K7MDENG&#x2B;bPx&#61;RfiCY;",
        "k=wJalr\\/K7MDENG%2BbPx&#61;RfiCY;",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        const char *r = redact(texts[i], s, 1);
        if (strcmp(r, "k=****;") != 0)
            fail_msg("'%s' -> '%s'", texts[i], r);
    }
    /* non-ASCII secrets through backslash-u escapes and surrogate pairs */
    const char *u[] = {"p\xc3\xa4ss\xf0\x9f\x98\x80"};
    assert_string_equal(redact("x \\u0070\\u00e4ss\\ud83d\\ude00 y", u, 1), "x **** y");
    /* escapes that decode to something else do not match */
    assert_string_equal(redact("wJalr\\nK7", s, 1), "wJalr\\nK7");
    /* a secret holding a backslash is still found as written */
    const char *b[] = {"a\\/b"};
    assert_string_equal(redact("[a\\/b]", b, 1), "[****]");
}

/* Names hide their values wherever they appear. */
static void test_redact_names(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } v[] = {
        {"{\"secretAccessKey\":\"wJalr\\/K7\"}", "{\"secretAccessKey\":\"****\"}"},
        {"{\"a\":1, \"sessionToken\" : \"T\\u0041K\", \"b\":2}",
         "{\"a\":1, \"sessionToken\" : \"****\", \"b\":2}"},
        {"{\"secret\\u0041ccessKey\":\"S\"}", "{\"secret\\u0041ccessKey\":\"****\"}"},
        {"{\"password\":12345,\"x\":true}", "{\"password\":****,\"x\":true}"},
        {"{\"auth\":{\"Authorization\":\"Bearer abc\"}}", "{\"auth\":{\"Authorization\":\"****\"}}"},
        {"<creds><secretAccessKey>S</secretAccessKey></creds>",
         "<creds><secretAccessKey>****</secretAccessKey></creds>"},
        {"<ns:sessionToken xmlns:ns=\"u\">T</ns:sessionToken>",
         "<ns:sessionToken xmlns:ns=\"u\">****</ns:sessionToken>"},
        {"Authorization: AWS4-HMAC-SHA256 Credential=AK/x, SignedHeaders=host, Signature=ab",
         "Authorization: ****"},
        {"cookie: a=1; b=2\nnext", "cookie: ****\nnext"},
        /* an unquoted value runs to the end of the line: an AWS
         * Authorization value holds ", " itself */
        {"X-Api-Key = k123, Host = h\nnext", "X-Api-Key = ****\nnext"},
        {"GET /p?X-Amz-Security-Token=tok&x=1", "GET /p?X-Amz-Security-Token=****&x=1"},
        {"<a password='pw' b=\"1\">", "<a password='****' b=\"1\">"},
        {"{'Authorization': 'Basic dTpw'}", "{'Authorization': '****'}"},
        {"Authorization = ****, To: x", "Authorization = ****, To: x"},
        {"the password was wrong", "the password was wrong"},
        {"mySessionToken: x", "mySessionToken: x"},
        {"{\"passwords\":\"x\"}", "{\"passwords\":\"x\"}"},
        {"GET http://user:pa55@host:8080/p ok", "GET http://****@host:8080/p ok"},
        {"to https://u@h/x", "to https://****@h/x"},
        {"mailto: a@b and http://h/x@y", "mailto: a@b and http://h/x@y"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        mc_buf b = MC_BUF_INIT;
        mc_redact_names(&b, v[i].in, strlen(v[i].in));
        if (strcmp(mc_buf_cstr(&b), v[i].out) != 0)
            fail_msg("'%s' -> '%s', expected '%s'", v[i].in, mc_buf_cstr(&b), v[i].out);
        mc_buf_free(&b);
    }
}

static char *escaped(const char *s, size_t n, bool json)
{
    static char out[512];
    mc_buf b = MC_BUF_INIT;
    if (json)
        mc_log_json_string(&b, s, n);
    else
        mc_log_escape(&b, s, n);
    snprintf(out, sizeof out, "%s", mc_buf_cstr(&b));
    mc_buf_free(&b);
    return out;
}

/* One line of safe text whatever the bytes: a forged access line cannot
 * be written, a JSON log line stays valid JSON. */
static void test_escape(void **state)
{
    (void)state;
    assert_string_equal(escaped("plain /path?q=1", 15, false), "plain /path?q=1");
    assert_string_equal(escaped("a\x1b[31mred", 9, false), "a\\x1b[31mred");
    assert_string_equal(escaped("a\rGET /fake 200\nb", 17, false),
                        "a\\x0dGET /fake 200\\x0ab");
    assert_string_equal(escaped("back\\slash", 10, false), "back\\\\slash");
    assert_string_equal(escaped("nul\0x", 5, false), "nul\\x00x");
    assert_string_equal(escaped("tab\tok", 6, false), "tab\tok");   /* cannot break a line */
    assert_string_equal(escaped("\x7f\x80\xff", 3, false), "\\x7f\\x80\\xff");
    assert_string_equal(escaped("caf\xc3\xa9 \xe2\x82\xac", 9, false), "caf\xc3\xa9 \xe2\x82\xac");
    assert_string_equal(escaped("\xc0\xaf", 2, false), "\\xc0\\xaf");               /* overlong */
    assert_string_equal(escaped("x\xc2\x85y", 4, false), "x\\xc2\\x85y");         /* NEL */
    assert_string_equal(escaped("\xe2\x80\xa8\xe2\x80\xae", 6, false),
                        "\\xe2\\x80\\xa8\\xe2\\x80\\xae");                /* LS, RLO */
    assert_string_equal(escaped("a\"\x1b\xff", 4, true), "\"a\\\"\\\\x1b\\\\xff\"");
    assert_string_equal(escaped("caf\xc3\xa9", 5, true), "\"caf\xc3\xa9\"");
}

/* What a sink receives: names hidden, userinfo hidden, escaped. */
static void test_sink_gets_safe_lines(void **state)
{
    (void)state;
    captured c = {MC_BUF_INIT, -1, 0};
    mc_logger lg;
    mc_logger_init(&lg);
    lg.sink = sink;
    lg.userdata = &c;
    mc_log(&lg, MC_LOG_INFO, "access GET /a\r\x1b[2J%s 200", "\xff");
    assert_string_equal(mc_buf_cstr(&c.text), "access GET /a\\x0d\\x1b[2J\\xff 200\n");
    mc_buf_reset(&c.text);
    const char line[] = "body {\"sessionToken\":\"T\"} via http://u:p@h/ and \0tail";
    mc_log_line_id(&lg, MC_LOG_INFO, NULL, line, sizeof line - 1, NULL, 0);
    assert_string_equal(mc_buf_cstr(&c.text),
                        "body {\"sessionToken\":\"****\"} via http://****@h/ and \\x00tail\n");
    mc_buf_free(&c.text);
}

/* An escape must not spell a secret: "\xff" written before the secret's
 * tail reads as the whole secret ("...ffuzz...") once escaped (found by
 * fuzz_connector_response). */
static void test_escape_never_spells_a_secret(void **state)
{
    (void)state;
    captured c = {MC_BUF_INIT, -1, 0};
    mc_logger lg;
    mc_logger_init(&lg);
    lg.sink = sink;
    lg.userdata = &c;
    const char *secrets[] = {"fuzzKey42"};
    const char line[] = "type: A\xff\xff" "uzzKey42 and fuzzKey42";
    mc_log_line_id(&lg, MC_LOG_INFO, NULL, line, sizeof line - 1, secrets, 1);
    assert_int_equal(c.lines, 1);
    assert_null(strstr(mc_buf_cstr(&c.text), "fuzzKey42"));
    mc_buf_free(&c.text);
}

/* json: a message is always a "msg" string, even one that looks like an
 * object; only mc_log_fields adds fields. */
static void test_json_lines(void **state)
{
    (void)state;
    mc_buf b = MC_BUF_INIT;
    mc_log_render(&b, MC_LOG_JSON, MC_LOG_INFO, NULL, "{\"type\":\"access\",\"forged\":1}");
    assert_non_null(strstr(mc_buf_cstr(&b), ",\"msg\":\"{\\\"type\\\":\\\"access\\\""));
    assert_null(strstr(mc_buf_cstr(&b), ",\"type\":\"access\""));
    mc_buf_free(&b);
    /* a logger with a sink gets fields as a plain (escaped) line */
    captured c = {MC_BUF_INIT, -1, 0};
    mc_logger lg;
    mc_logger_init(&lg);
    lg.sink = sink;
    lg.userdata = &c;
    lg.format = MC_LOG_JSON;
    const char f[] = "{\"type\":\"access\",\"path\":\"/\\\\x1b\"}";
    mc_log_fields(&lg, MC_LOG_INFO, NULL, f, sizeof f - 1);
    assert_int_equal(c.lines, 1);
    mc_buf_free(&c.text);
}

static void test_strip_userinfo(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } v[] = {
        {"http://user:pw@host:1/p", "http://host:1/p"},
        {"https://tok@h/x?y=@z", "https://h/x?y=@z"},
        {"http://h/p", "http://h/p"},
        {"amazonlambda.invoke", "amazonlambda.invoke"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        mc_buf b = MC_BUF_INIT;
        mc_url_strip_userinfo(&b, v[i].in, strlen(v[i].in));
        assert_string_equal(mc_buf_cstr(&b), v[i].out);
        mc_buf_free(&b);
    }
}

static void test_secret_names(void **state)
{
    (void)state;
    static const char *const yes[] = {"secretAccessKey", "SECRETACCESSKEY",
        "sessionToken", "Authorization", "authorization", "X-Amz-Security-Token",
        "Proxy-Authorization", "password", "Cookie", "set-cookie", "X-API-KEY"};
    static const char *const no[] = {"accessKeyId", "region", "Auth", "",
        "secretAccessKeyX", "Content-Type"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (!mc_is_secret_name(yes[i]))
            fail_msg("'%s' should be a secret name", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (mc_is_secret_name(no[i]))
            fail_msg("'%s' should not be a secret name", no[i]);
    assert_false(mc_is_secret_name(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_redact_basic),
        cmocka_unit_test(test_redact_overlapping),
        cmocka_unit_test(test_secret_names),
        cmocka_unit_test(test_redact_escaped),
        cmocka_unit_test(test_redact_names),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_sink_gets_safe_lines),
        cmocka_unit_test(test_escape_never_spells_a_secret),
        cmocka_unit_test(test_strip_userinfo),
        cmocka_unit_test(test_json_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
