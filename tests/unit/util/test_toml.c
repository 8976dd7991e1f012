/* test_toml.c - unit tests for util/toml.c: every construct of the subset
 * (tables, dotted and quoted keys, both string kinds and their escapes,
 * integers in every base, booleans, arrays over several lines), and the
 * refusals with their file:line:col (duplicates, value/table clashes,
 * unsupported TOML, malformed input, limits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/toml.h"
#include "../test_tmpdir.h"

static mc_toml *parse(const char *text, mc_err *err)
{
    return mc_toml_parse(text, strlen(text), "d.toml", err);
}

static const mc_toml_entry *get(const mc_toml *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->entries[i].key, key) == 0)
            return &t->entries[i];
    return NULL;
}

static void test_tables_keys_values(void **state)
{
    (void)state;
    mc_err err = {0};
    mc_toml *t = parse("# comment\n"
                       "top = 1\n"
                       "[server]   # the server\n"
                       "bind = \"::1\"\n"
                       "port = 8_290\n"
                       "tls.enabled = true\n"
                       "\"quoted key\" = 'C:\\path'\n"
                       "\n"
                       "[ a . b ]\r\n"
                       "neg = -42\n"
                       "hex = 0xff\n"
                       "oct = 0o17\n"
                       "bin = 0b101\n"
                       "list = [ \"x\",\n  'y', # a comment\n  \"z\", ]\n"
                       "empty = []\n"
                       "off = false\n", &err);
    assert_non_null(t);
    assert_int_equal(t->n, 12);
    assert_int_equal(get(t, "top")->v.num, 1);
    assert_string_equal(get(t, "server.bind")->v.str, "::1");
    const mc_toml_entry *port = get(t, "server.port");
    assert_int_equal(port->v.type, MC_TOML_INT);
    assert_int_equal(port->v.num, 8290);
    assert_int_equal(port->line, 5);
    assert_int_equal(port->col, 1);
    assert_true(get(t, "server.tls.enabled")->v.yes);
    assert_string_equal(get(t, "server.quoted key")->v.str, "C:\\path");
    assert_int_equal(get(t, "a.b.neg")->v.num, -42);
    assert_int_equal(get(t, "a.b.hex")->v.num, 255);
    assert_int_equal(get(t, "a.b.oct")->v.num, 15);
    assert_int_equal(get(t, "a.b.bin")->v.num, 5);
    const mc_toml_entry *l = get(t, "a.b.list");
    assert_int_equal(l->v.type, MC_TOML_ARRAY);
    assert_int_equal(l->v.n, 3);
    assert_string_equal(l->v.items[2].str, "z");
    assert_int_equal(get(t, "a.b.empty")->v.n, 0);
    assert_false(get(t, "a.b.off")->v.yes);
    assert_int_equal(get(t, "a.b.off")->line, 18);
    mc_toml_free(t);
}

static void test_escapes(void **state)
{
    (void)state;
    mc_err err = {0};
    mc_toml *t = parse("s = \"a\\tb\\n\\\"q\\\" \\\\ \\u00e9 \\U0001F600 \\u0000end\"\n", &err);
    assert_non_null(t);
    const mc_toml_value *v = &t->entries[0].v;
    const char want[] = "a\tb\n\"q\" \\ \xc3\xa9 \xf0\x9f\x98\x80 \0end";
    assert_int_equal(v->len, sizeof want - 1);
    assert_memory_equal(v->str, want, sizeof want - 1);
    mc_toml_free(t);
}

static void test_extremes(void **state)
{
    (void)state;
    mc_err err = {0};
    mc_toml *t = parse("max = 9223372036854775807\nmin = -9223372036854775808\n", &err);
    assert_non_null(t);
    assert_true(t->entries[0].v.num == 9223372036854775807LL);
    assert_true(t->entries[1].v.num == -9223372036854775807LL - 1);
    mc_toml_free(t);
}

/* Each bad input is refused with this message at this place. */
static void test_refusals(void **state)
{
    (void)state;
    static const struct { const char *text, *msg; } cases[] = {
        {"a = 1\na = 2\n", "d.toml:2:1: duplicate key 'a' (first set on line 1)"},
        {"[s]\nx = 1\n[s]\n", "d.toml:3:1: duplicate table [s]"},
        {"a = 1\n[a]\n", "d.toml:2:1: 'a' is a value (line 1), not a table"},
        {"a = 1\na.b = 2\n", "d.toml:2:1: 'a' is a value (line 1), not a table"},
        {"a.b = 1\na = 2\n", "d.toml:2:1: 'a' is a table (line 1), not a value"},
        {"x = 1.5\n", "d.toml:1:5: floating-point numbers are not supported; use an integer"},
        {"x = inf\n", "d.toml:1:5: floating-point numbers are not supported; use an integer"},
        {"x = 1979-05-27\n", "d.toml:1:5: dates and times are not supported"},
        {"x = \"\"\"a\"\"\"\n", "d.toml:1:5: multi-line strings are not supported; use a single-line string"},
        {"x = {a = 1}\n", "d.toml:1:5: inline tables are not supported; use a [table] section"},
        {"[[x]]\n", "d.toml:1:1: arrays of tables ([[...]]) are not supported"},
        {"x = [[1]]\n", "d.toml:1:6: nested arrays are not supported"},
        {"x = [1, \"a\"]\n", "d.toml:1:9: array items must all have one type (integer, then string)"},
        {"x = [1 2]\n", "d.toml:1:8: expected ',' or ']' in an array"},
        {"x = [1,\n", "d.toml:1:5: unterminated array"},
        {"x = \"abc\n", "d.toml:1:5: unterminated string"},
        {"x = \"a\\qb\"\n", "d.toml:1:7: unknown escape '\\q' in a string"},
        {"x = \"\\u12\"\n", "d.toml:1:6: \\u needs 4 hex digits"},
        {"x = \"\\uD800\"\n", "d.toml:1:6: \\u escape is not a Unicode scalar value"},
        {"x = \"a\x01\"\n", "d.toml:1:7: control character 0x01 in a string; escape it"},
        {"x = yes\n", "d.toml:1:5: 'yes' is not a value (strings need quotes)"},
        {"x = 012\n", "d.toml:1:5: leading zeros are not allowed in '012'"},
        {"x = 1__0\n", "d.toml:1:5: '_' in a number must sit between two digits"},
        {"x = 9223372036854775808\n", "d.toml:1:5: integer '9223372036854775808' is out of range"},
        {"x = 1 y = 2\n", "d.toml:1:7: unexpected 'y' after the value; one key = value per line"},
        {"x\n", "d.toml:1:2: expected '=' after the key"},
        {"x =\n", "d.toml:1:4: expected a value after '='"},
        {"= 1\n", "d.toml:1:1: '=' cannot start a key; quote keys with other characters"},
        {"[a\n", "d.toml:1:3: expected ']' to close the table header"},
        {"\n\n  [a] b = 1\n", "d.toml:3:7: unexpected 'b' after the value; one key = value per line"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mc_err err = {0};
        mc_toml *t = parse(cases[i].text, &err);
        if (t || strcmp(err.msg, cases[i].msg) != 0)
            fail_msg("case %zu (%s): got '%s'", i, cases[i].text, t ? "(parsed)" : err.msg);
    }
}

static void test_limits(void **state)
{
    (void)state;
    mc_err err = {0};
    size_t big = MC_TOML_MAX_BYTES + 1;
    char *text = malloc(big);
    memset(text, '#', big);
    assert_null(mc_toml_parse(text, big, "big.toml", &err));
    assert_non_null(strstr(err.msg, "larger than"));
    free(text);
    char key[MC_TOML_MAX_KEY + 16];
    memset(key, 'k', sizeof key);
    memcpy(key + MC_TOML_MAX_KEY + 1, " = 1\n", 6);
    assert_null(parse(key, &err));
    assert_non_null(strstr(err.msg, "key longer than"));
}

static void test_load_file(void **state)
{
    (void)state;
    mc_err err = {0};
    assert_null(mc_toml_load("/nonexistent/deployment.toml", &err));
    assert_non_null(strstr(err.msg, "/nonexistent/deployment.toml: "));
    char path[256];
    int fd = mc_test_tmpfile(path, sizeof path, "toml");
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("\xEF\xBB\xBF[server]\nport = 1\n", f);
    fclose(f);
    mc_toml *t = mc_toml_load(path, &err);
    unlink(path);
    assert_non_null(t);
    assert_string_equal(t->entries[0].key, "server.port");
    mc_toml_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_keys_values),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
