/* test_buf.c - unit tests for util/buf.c: appends and growth, printf,
 * JSON string escaping (quotes, backslash, control characters, UTF-8
 * passed through), XML escaping for text and attributes, cstr/steal/reset,
 * and util/error.c (mc_err_set, mc_strerror). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/error.h"
#include "util/number.h"

static void test_append_grow(void **state)
{
    (void)state;
    mc_buf b = MC_BUF_INIT;
    assert_string_equal(mc_buf_cstr(&b), "");
    for (int i = 0; i < 1000; i++)
        mc_buf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 1000);
    assert_true(b.cap > 1000);
    assert_int_equal(b.data[1000], '\0');
    assert_int_equal(b.data[26], 'a');
    mc_buf_puts(&b, "XYZ");
    assert_memory_equal(b.data + 1000, "XYZ", 4);
    mc_buf_append(&b, "\0mid", 4); /* embedded NUL kept by length */
    assert_int_equal(b.len, 1007);
    assert_false(b.oom);
    mc_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(mc_buf_cstr(&b), "");
    mc_buf_printf(&b, "%d|%s|%.2f", -5, "x", 1.5);
    assert_string_equal(mc_buf_cstr(&b), "-5|x|1.50");
    mc_buf_printf(&b, "%s", "");
    assert_int_equal(b.len, 9);
    char *s = mc_buf_steal(&b);
    assert_string_equal(s, "-5|x|1.50");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(s);
    char *e = mc_buf_steal(&b); /* empty buffer steals "" */
    assert_non_null(e);
    assert_string_equal(e, "");
    free(e);
    mc_buf_free(&b);
}

static void test_reserve_overflow(void **state)
{
    (void)state;
    mc_buf b = MC_BUF_INIT;
    mc_buf_puts(&b, "ab");
    assert_false(mc_buf_reserve(&b, (size_t)-1));
    assert_true(b.oom);
    mc_buf_puts(&b, "cd"); /* ignored after oom */
    assert_int_equal(b.len, 2);
    mc_buf_free(&b);
}

static void test_json_string(void **state)
{
    (void)state;
    static const struct { const char *in; size_t n; const char *out; } cases[] = {
        {"plain", 5, "\"plain\""},
        {"", 0, "\"\""},
        {"a\"b", 3, "\"a\\\"b\""},
        {"back\\slash", 10, "\"back\\\\slash\""},
        {"l1\nl2\r\t", 7, "\"l1\\nl2\\r\\t\""},
        {"\b\f", 2, "\"\\b\\f\""},
        {"\x01\x1f", 2, "\"\\u0001\\u001f\""},
        {"nul\0x", 5, "\"nul\\u0000x\""},
        {"caf\xc3\xa9 \xe2\x82\xac", 9, "\"caf\xc3\xa9 \xe2\x82\xac\""},
        {"</script>", 9, "\"</script>\""},
        /* not UTF-8: U+FFFD per bad byte, so the output stays JSON (found
         * by fuzz_message_values: a query value %FD went into a body) */
        {"a\xfd\xfd" "b", 4, "\"a\xef\xbf\xbd\xef\xbf\xbd" "b\""},
        {"\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\""},
        {"\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
        {"x\xc3", 2, "\"x\xef\xbf\xbd\""},
        {"\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mc_buf b = MC_BUF_INIT;
        mc_buf_puts(&b, "pre:");
        mc_buf_json_string(&b, cases[i].in, cases[i].n);
        assert_string_equal(mc_buf_cstr(&b) + 4, cases[i].out);
        mc_buf_free(&b);
    }
}

static void test_xml_escape(void **state)
{
    (void)state;
    static const struct { const char *in; bool attr; const char *out; } cases[] = {
        {"a<b>&c", false, "a&lt;b&gt;&amp;c"},
        {"say \"hi\"", false, "say \"hi\""},
        {"say \"hi\"", true, "say &quot;hi&quot;"},
        {"it's", true, "it's"},
        {"&amp;", false, "&amp;amp;"},
        {"", false, ""},
        {"no specials", true, "no specials"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mc_buf b = MC_BUF_INIT;
        mc_buf_xml_escape(&b, cases[i].in, strlen(cases[i].in), cases[i].attr);
        assert_string_equal(mc_buf_cstr(&b), cases[i].out);
        mc_buf_free(&b);
    }
}

static void test_errors(void **state)
{
    (void)state;
    mc_err e = {0};
    assert_int_equal(mc_err_set(&e, MC_EPARSE, "bad %s at %d", "thing", 3), MC_EPARSE);
    assert_int_equal(e.code, MC_EPARSE);
    assert_string_equal(e.msg, "bad thing at 3");
    assert_int_equal(mc_err_set(NULL, MC_EIO, "x"), MC_EIO);
    char longmsg[2000];
    memset(longmsg, 'm', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    mc_err_set(&e, MC_EINVAL, "%s", longmsg); /* truncated, terminated */
    assert_int_equal(strlen(e.msg), sizeof e.msg - 1);
    mc_err_clear(&e);
    assert_int_equal(e.code, MC_OK);
    assert_string_equal(e.msg, "");
    for (int c = 0; c < MC_CODE_COUNT; c++) {
        assert_non_null(mc_strerror((mc_code)c));
        assert_true(strlen(mc_strerror((mc_code)c)) > 0);
    }
    assert_string_equal(mc_strerror(MC_EFAULT), "unhandled fault");
    assert_string_equal(mc_strerror((mc_code)999), "unknown error");
    assert_string_equal(mc_strerror((mc_code)-1), "unknown error");
}

/* The hot path's formatting without printf: the same text as "%d" and
 * "%.*s" into a fixed buffer, cut the way snprintf cuts. */
static void test_formatting_without_printf(void **state)
{
    (void)state;
    char out[21];
    const long long v[] = {0, 7, -7, 200, 101503, 2147483647LL, -2147483648LL,
                           9223372036854775807LL, -9223372036854775807LL - 1};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char want[32];
        snprintf(want, sizeof want, "%lld", v[i]);
        assert_int_equal(mc_format_int(v[i], out), strlen(want));
        assert_string_equal(out, want);
    }
    mc_buf b = MC_BUF_INIT;
    mc_buf_put_uint(&b, 0);
    mc_buf_putc(&b, ' ');
    mc_buf_put_uint(&b, 18446744073709551615ULL);
    assert_string_equal(mc_buf_cstr(&b), "0 18446744073709551615");
    mc_buf_free(&b);
    char f[8];
    size_t n = mc_fixed_put(f, sizeof f, 0, "abc", 3);
    n = mc_fixed_put(f, sizeof f, n, "\x1f", 1);
    assert_int_equal(n, 4);
    n = mc_fixed_put(f, sizeof f, n, "defgh", 5);   /* cut: 7 bytes and the NUL */
    assert_int_equal(n, 7);
    assert_string_equal(f, "abc\x1f" "def");
    assert_int_equal(mc_fixed_put(f, sizeof f, n, "x", 1), 7);
    assert_string_equal(f, "abc\x1f" "def");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_grow),
        cmocka_unit_test(test_reserve_overflow),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_xml_escape),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_formatting_without_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
