/* test_json.c - parsing (errors with offsets, depth limit), compact
 * writing (number text kept, escaping), scalar text, validation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "json/json.h"

static char *written(mc_json v)
{
    mc_buf b = MC_BUF_INIT;
    mc_json_write(&b, v);
    assert_false(b.oom);
    return mc_buf_steal(&b);
}

static char *text_of(mc_json v)
{
    mc_buf b = MC_BUF_INIT;
    mc_json_text(&b, v);
    assert_false(b.oom);
    return mc_buf_steal(&b);
}

static mc_json parse_ok(const char *s)
{
    mc_err err = {0};
    mc_json v = mc_json_parse(s, strlen(s), &err);
    if (!v)
        fail_msg("parse of '%s' failed: %s", s, err.msg);
    return v;
}

/* ---- round trips ------------------------------------------------------- */

static const struct {
    const char *in;
    const char *out;
} roundtrips[] = {
    {"{}", "{}"},
    {"[]", "[]"},
    {"  { \"a\" : 1 , \"b\" : [ true , false , null ] }  ",
     "{\"a\":1,\"b\":[true,false,null]}"},
    {"1", "1"},
    {"-0", "-0"},
    {"1.0", "1.0"},
    {"1.50", "1.50"},
    {"0.10", "0.10"},
    {"1e3", "1e3"},
    {"1E+03", "1E+03"},
    {"-2.5e-7", "-2.5e-7"},
    {"12345678901234567890123456789", "12345678901234567890123456789"},
    {"1e400", "1e400"},
    {"[1.000,2.50,-0.0]", "[1.000,2.50,-0.0]"},
    {"\"s\"", "\"s\""},
    {"true", "true"},
    {"false", "false"},
    {"null", "null"},
    {"{\"z\":1,\"a\":2,\"m\":3}", "{\"z\":1,\"a\":2,\"m\":3}"},
    {"{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}"},
    {"[[[[]]],{},[{}]]", "[[[[]]],{},[{}]]"},
    {"{\"\":\"\"}", "{\"\":\"\"}"},
    /* escaping */
    {"\"a\\\"b\"", "\"a\\\"b\""},
    {"\"back\\\\slash\"", "\"back\\\\slash\""},
    {"\"\\/\"", "\"/\""},
    {"\"\\n\\r\\t\\b\\f\"", "\"\\n\\r\\t\\b\\f\""},
    {"\"\\u0001\\u001f\"", "\"\\u0001\\u001f\""},
    {"\"\\u00e9\"", "\"\xc3\xa9\""},
    {"\"\xc3\xa9\"", "\"\xc3\xa9\""},
    {"\"\\u20ac\"", "\"\xe2\x82\xac\""},
    {"\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\""},
    {"\"<&>'\"", "\"<&>'\""},
    {"{\"k\\\"ey\":\"v\\\\al\"}", "{\"k\\\"ey\":\"v\\\\al\"}"},
    {"\"\\u007f\"", "\"\x7f\""},
};

static void test_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof roundtrips / sizeof roundtrips[0]; i++) {
        mc_json v = parse_ok(roundtrips[i].in);
        char *s = written(v);
        if (strcmp(s, roundtrips[i].out) != 0)
            fail_msg("'%s' wrote '%s', expected '%s'", roundtrips[i].in, s,
                     roundtrips[i].out);
        /* writing the output again gives the same text */
        mc_json v2 = parse_ok(s);
        char *s2 = written(v2);
        assert_string_equal(s, s2);
        free(s);
        free(s2);
        mc_json_free(v);
        mc_json_free(v2);
    }
}

static void test_not_nul_terminated(void **state)
{
    (void)state;
    const char buf[] = {'[', '1', ',', '2', ']', 'x', 'y', 'z'};
    mc_err err = {0};
    mc_json v = mc_json_parse(buf, 5, &err);
    assert_non_null(v);
    char *s = written(v);
    assert_string_equal(s, "[1,2]");
    free(s);
    mc_json_free(v);

    /* a number at the very end of the slice */
    const char num[] = {'4', '2', '7'};
    v = mc_json_parse(num, 2, &err);
    assert_non_null(v);
    assert_true(YAJL_IS_NUMBER(v));
    assert_string_equal(v->u.number.r, "42");
    mc_json_free(v);

    /* the whole buffer is seen as trailing garbage */
    assert_null(mc_json_parse(buf, sizeof buf, &err));
    assert_int_equal(err.code, MC_EPARSE);
    assert_non_null(strstr(err.msg, "offset 5"));
}

static void test_scalars_and_types(void **state)
{
    (void)state;
    mc_json v = parse_ok("{\"s\":\"x\",\"i\":42,\"f\":1.5,\"big\":123456789012345678901,"
                         "\"t\":true,\"n\":null,\"a\":[1],\"o\":{}}");
    assert_true(YAJL_IS_OBJECT(v));
    assert_int_equal(v->u.object.len, 8);
    assert_string_equal(v->u.object.keys[0], "s");
    assert_true(YAJL_IS_STRING(v->u.object.values[0]));
    assert_string_equal(v->u.object.values[0]->u.string, "x");

    mc_json i = v->u.object.values[1];
    assert_true(YAJL_IS_NUMBER(i));
    assert_true(YAJL_IS_INTEGER(i));
    assert_true(YAJL_IS_DOUBLE(i));
    assert_int_equal(YAJL_GET_INTEGER(i), 42);
    assert_true(YAJL_GET_DOUBLE(i) == 42.0);

    mc_json f = v->u.object.values[2];
    assert_false(YAJL_IS_INTEGER(f));
    assert_true(YAJL_IS_DOUBLE(f));
    assert_true(YAJL_GET_DOUBLE(f) == 1.5);
    assert_string_equal(f->u.number.r, "1.5");

    mc_json big = v->u.object.values[3];
    assert_false(YAJL_IS_INTEGER(big));
    assert_true(YAJL_IS_DOUBLE(big));
    assert_string_equal(big->u.number.r, "123456789012345678901");

    assert_true(YAJL_IS_TRUE(v->u.object.values[4]));
    assert_true(YAJL_IS_NULL(v->u.object.values[5]));
    assert_true(YAJL_IS_ARRAY(v->u.object.values[6]));
    assert_int_equal(v->u.object.values[6]->u.array.len, 1);
    assert_true(YAJL_IS_OBJECT(v->u.object.values[7]));
    assert_int_equal(v->u.object.values[7]->u.object.len, 0);
    mc_json_free(v);

    v = parse_ok("-9223372036854775808");
    assert_true(YAJL_IS_INTEGER(v));
    assert_true(YAJL_GET_INTEGER(v) == INT64_MIN);
    mc_json_free(v);
    v = parse_ok("9223372036854775808");
    assert_false(YAJL_IS_INTEGER(v));
    mc_json_free(v);
    v = parse_ok("1e400");
    assert_false(YAJL_IS_DOUBLE(v));
    mc_json_free(v);
}

static void test_big_document(void **state)
{
    (void)state;
    mc_buf b = MC_BUF_INIT;
    mc_buf_putc(&b, '[');
    for (int i = 0; i < 5000; i++)
        mc_buf_printf(&b, "%s{\"id\":%d,\"name\":\"n%d\",\"tags\":[\"a\",\"b\"]}",
                      i ? "," : "", i, i);
    mc_buf_putc(&b, ']');
    mc_err err = {0};
    mc_json v = mc_json_parse(b.data, b.len, &err);
    assert_non_null(v);
    assert_int_equal(v->u.array.len, 5000);
    char *s = written(v);
    assert_string_equal(s, b.data);
    assert_true(mc_json_valid(b.data, b.len));
    free(s);
    mc_json_free(v);
    mc_buf_free(&b);
}

/* ---- errors -------------------------------------------------------------- */

static const struct {
    const char *in;
    size_t offset;
    const char *what;
} errors[] = {
    {"[1,]", 3, "unallowed token"},
    {"{\"a\":1,}", 7, "object key"},
    {"[1 2]", 3, "expect ',' or ']'"},
    {"[tru]", 4, "invalid string"},
    {"{} x", 3, "trailing garbage"},
    {"[1]]", 3, "trailing garbage"},
    {"{\"a\":1}}", 7, "trailing garbage"},
    {"[1", 2, "premature EOF"},
    {"[1,2", 4, "premature EOF"},
    {"{\"a\":1", 6, "premature EOF"},
    {"\"abc", 4, "premature EOF"},
    {"", 0, "premature EOF"},
    {"   ", 3, "premature EOF"},
    {"{\"a\" 1}", 5, "colon"},
    {"{\"a\":}", 5, "unallowed token"},
    {"]", 0, "unallowed token"},
    {"{1:2}", 1, "object key"},
    {"[-]", 2, "digit is required after the minus"},
    {"[1.]", 3, "digit is required after the decimal"},
    {"[.5]", 1, "invalid char"},
    {"[+1]", 1, "invalid char"},
    {"['a']", 1, "invalid char"},
    {"[NaN]", 1, "invalid char"},
    {"nul", 3, "invalid string"},
    {"[\"a\\x\"]", 4, "inside a string"},
    {"\"\\u12\"", 5, "non-hex"},
    {"[\"a\x01\"]", 3, "invalid character inside string"},
    {"[\"\xff\"]", 2, "UTF8"},
    {" {\"x\": [1, 2, 3, 4, 5, ]}", 23, "unallowed token"},
    {"{\"a\":[1,{\"b\":2]}", 14, "inside map"},
    {"{\"a\":1 \"bb\":2}", 7, "inside map"},
    {"{\"a\":\"x\" \"y\"}", 9, "inside map"},
    {"[1 \"xx\"]", 3, "after array element"},
    {"[1 {}]", 3, "after array element"},
    {"[01]", 2, "after array element"},
    {"[,]", 1, "unallowed token"},
    {"{\"a\":,}", 5, "unallowed token"},
    {"{\"a\":1,]", 7, "object key"},
    {"[1,,2]", 3, "unallowed token"},
    {"{\"a\",1}", 4, "colon"},
    {"{]", 1, "object key"},
    {"12 x", 3, "trailing garbage"},
    {"{\"a\":1}\n\n  ]", 11, "trailing garbage"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        mc_err err = {0};
        const char *in = errors[i].in;
        mc_json v = mc_json_parse(in, strlen(in), &err);
        if (v)
            fail_msg("'%s' parsed", in);
        assert_int_equal(err.code, MC_EPARSE);
        char want[64];
        snprintf(want, sizeof want, "invalid JSON at offset %zu: ",
                 errors[i].offset);
        if (strncmp(err.msg, want, strlen(want)) != 0)
            fail_msg("'%s': got '%s', expected offset %zu", in, err.msg,
                     errors[i].offset);
        if (!strstr(err.msg, errors[i].what))
            fail_msg("'%s': '%s' lacks '%s'", in, err.msg, errors[i].what);
        assert_null(strchr(err.msg, '\n'));
        assert_false(mc_json_valid(in, strlen(in)));
    }
    /* err may be NULL; text may be NULL */
    assert_null(mc_json_parse("[", 1, NULL));
    assert_null(mc_json_parse(NULL, 0, NULL));
    assert_false(mc_json_valid(NULL, 0));
}

static char *nested(const char *open, const char *close, int depth)
{
    mc_buf b = MC_BUF_INIT;
    for (int i = 0; i < depth; i++)
        mc_buf_puts(&b, open);
    mc_buf_puts(&b, "1");
    for (int i = 0; i < depth; i++)
        mc_buf_puts(&b, close);
    return mc_buf_steal(&b);
}

static void test_depth_limit(void **state)
{
    (void)state;
    mc_err err = {0};
    char *ok = nested("[", "]", MC_JSON_MAX_DEPTH);
    mc_json v = mc_json_parse(ok, strlen(ok), &err);
    assert_non_null(v);
    char *s = written(v);
    assert_string_equal(s, ok);
    free(s);
    mc_json_free(v);
    assert_true(mc_json_valid(ok, strlen(ok)));
    free(ok);

    char *deep = nested("[", "]", MC_JSON_MAX_DEPTH + 1);
    assert_null(mc_json_parse(deep, strlen(deep), &err));
    assert_int_equal(err.code, MC_EPARSE);
    assert_string_equal(err.msg,
                        "invalid JSON at offset 512: nesting deeper than 512 levels");
    assert_false(mc_json_valid(deep, strlen(deep)));
    free(deep);

    char *objs = nested("{\"k\":", "}", MC_JSON_MAX_DEPTH + 1);
    assert_null(mc_json_parse(objs, strlen(objs), &err));
    assert_non_null(strstr(err.msg, "nesting deeper"));
    assert_non_null(strstr(err.msg, "offset 2560"));
    assert_false(mc_json_valid(objs, strlen(objs)));
    free(objs);

    char *objs_ok = nested("{\"k\":", "}", MC_JSON_MAX_DEPTH);
    v = mc_json_parse(objs_ok, strlen(objs_ok), &err);
    assert_non_null(v);
    mc_json_free(v);
    free(objs_ok);

    /* very deep and unterminated: no stack trouble, still the depth error */
    char *huge = malloc(100001);
    memset(huge, '[', 100000);
    huge[100000] = '\0';
    assert_null(mc_json_parse(huge, 100000, &err));
    assert_non_null(strstr(err.msg, "nesting deeper"));
    assert_false(mc_json_valid(huge, 100000));
    free(huge);
}

/* ---- text ---------------------------------------------------------------- */

static const struct {
    const char *in;
    const char *text;
} texts[] = {
    {"\"hello\"", "hello"},
    {"\"\"", ""},
    {"\"a\\\"b\\\\c\\n\"", "a\"b\\c\n"},
    {"\"\\u00e9t\\u00e9\"", "\xc3\xa9t\xc3\xa9"},
    {"42", "42"},
    {"-1.50", "-1.50"},
    {"1E5", "1E5"},
    {"true", "true"},
    {"false", "false"},
    {"null", "null"},
    {"{ \"a\" : [ 1 , \"x\" ] }", "{\"a\":[1,\"x\"]}"},
    {"[ ]", "[]"},
    {"[\"q\\\"\"]", "[\"q\\\"\"]"},
};

static void test_text(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        mc_json v = parse_ok(texts[i].in);
        char *t = text_of(v);
        if (strcmp(t, texts[i].text) != 0)
            fail_msg("text of '%s' is '%s', expected '%s'", texts[i].in, t,
                     texts[i].text);
        free(t);
        mc_json_free(v);
    }
    /* text appends */
    mc_buf b = MC_BUF_INIT;
    mc_buf_puts(&b, "x=");
    mc_json v = parse_ok("\"y\"");
    mc_json_text(&b, v);
    assert_string_equal(mc_buf_cstr(&b), "x=y");
    mc_json_free(v);
    mc_buf_free(&b);

    /* NULL is written as null */
    char *s = written(NULL);
    assert_string_equal(s, "null");
    free(s);
    mc_json_free(NULL);
}

static void test_valid(void **state)
{
    (void)state;
    const char *good[] = {
        "{}", "[]", "1", "-1.5e3", "\"x\"", "true", "false", "null",
        " {\"a\": [1, {\"b\": null}]} ", "\"\\u00e9\"", "\n\t[ ]\r\n",
    };
    const char *bad[] = {
        "", " ", "{", "}", "[1,]", "{\"a\"}", "{'a':1}", "tru", "01", "1.",
        "\"abc", "{\"a\":1}x", "[1][2]", "NaN", "/* c */ 1", "\"\\q\"",
        "{\"a\":1,}", "undefined",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!mc_json_valid(good[i], strlen(good[i])))
            fail_msg("'%s' should be valid", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (mc_json_valid(bad[i], strlen(bad[i])))
            fail_msg("'%s' should be invalid", bad[i]);
    /* length is honoured */
    assert_true(mc_json_valid("[1]garbage", 3));
    assert_false(mc_json_valid("[1]garbage", 2));
}

static void test_locale_independent(void **state)
{
    (void)state;
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "C.UTF-8"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (setlocale(LC_NUMERIC, names[i]))
            break;
    mc_json v = parse_ok("[1.5, 2.25e1]");
    assert_true(YAJL_GET_DOUBLE(v->u.array.values[0]) == 1.5);
    assert_true(YAJL_GET_DOUBLE(v->u.array.values[1]) == 22.5);
    assert_true(YAJL_IS_DOUBLE(v->u.array.values[0]));
    mc_json_free(v);
    setlocale(LC_NUMERIC, "C");
}

/* Trees built by hand (numbers without their text) are still written. */
static void test_hand_made_numbers(void **state)
{
    (void)state;
    struct yajl_val_s n = {.type = yajl_t_number};
    n.u.number.flags = YAJL_NUMBER_INT_VALID | YAJL_NUMBER_DOUBLE_VALID;
    n.u.number.i = -42;
    n.u.number.d = -42;
    char *s = written(&n);
    assert_string_equal(s, "-42");
    free(s);
    n.u.number.flags = YAJL_NUMBER_DOUBLE_VALID;
    n.u.number.d = 2.5;
    s = written(&n);
    assert_string_equal(s, "2.5");
    free(s);
    n.u.number.flags = 0;
    s = written(&n);
    assert_string_equal(s, "0");
    free(s);
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    n.u.number.flags = YAJL_NUMBER_INT_VALID;
    n.u.number.i = 7;
    xmlNodePtr el = mc_json_to_xml(&n, doc);
    xmlChar *t = xmlNodeGetContent(el);
    assert_string_equal((const char *)t, "7");
    xmlFree(t);
    xmlFreeNode(el);
    xmlFreeDoc(doc);
}

static void test_embedded_nul(void **state)
{
    (void)state;
    /* yajl strings are C strings: the text stops at the NUL */
    mc_json v = parse_ok("{\"k\":\"a\\u0000b\"}");
    assert_string_equal(v->u.object.values[0]->u.string, "a");
    mc_json_free(v);
    /* a raw NUL byte is not JSON */
    const char raw[] = "[1,\0 2]";
    assert_null(mc_json_parse(raw, sizeof raw - 1, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_scalars_and_types),
        cmocka_unit_test(test_big_document),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_locale_independent),
        cmocka_unit_test(test_hand_made_numbers),
        cmocka_unit_test(test_embedded_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
