/* test_log.c - unit tests for util/log.c: levels and sinks, and secret
 * redaction with mc_redact: single and repeated secrets, secrets that
 * overlap or contain each other (no byte of any secret may survive), empty
 * and NULL secrets, and the secret-name list. */
#include <setjmp.h>
#include <stdarg.h>
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

static void test_secret_names(void **state)
{
    (void)state;
    static const char *const yes[] = {"secretAccessKey", "SECRETACCESSKEY",
        "sessionToken", "Authorization", "authorization", "X-Amz-Security-Token",
        "Proxy-Authorization", "password"};
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
