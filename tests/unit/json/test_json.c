/* test_json.c - parsing (errors with offsets, depth limit, strict UTF-8,
 * node limit), the tree's accessors (lengths, NUL kept, member lookup),
 * compact writing (number text kept, escaping), scalar text, validation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "json/json.h"

/* every tree of this file lives here; freed at the end */
static mc_arena trees;

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
    mc_json v = mc_json_parse(&trees, s, strlen(s), &err);
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
    }
}

static void test_not_nul_terminated(void **state)
{
    (void)state;
    const char buf[] = {'[', '1', ',', '2', ']', 'x', 'y', 'z'};
    mc_err err = {0};
    mc_json v = mc_json_parse(&trees, buf, 5, &err);
    assert_non_null(v);
    char *s = written(v);
    assert_string_equal(s, "[1,2]");
    free(s);

    /* a number at the very end of the slice */
    const char num[] = {'4', '2', '7'};
    v = mc_json_parse(&trees, num, 2, &err);
    assert_non_null(v);
    assert_int_equal(mc_json_type_of(v), MC_JSON_NUMBER);
    size_t n;
    const char *t = mc_json_str(v, &n);
    assert_int_equal(n, 2);
    assert_memory_equal(t, "42", 2);

    /* the whole buffer is seen as trailing garbage */
    assert_null(mc_json_parse(&trees, buf, sizeof buf, &err));
    assert_int_equal(err.code, MC_EPARSE);
    assert_non_null(strstr(err.msg, "offset 5"));
}

static bool str_is(mc_json v, const char *want)
{
    size_t n;
    const char *t = mc_json_str(v, &n);
    return t && n == strlen(want) && memcmp(t, want, n) == 0;
}

static void test_scalars_and_types(void **state)
{
    (void)state;
    mc_json v = parse_ok("{\"s\":\"x\",\"i\":42,\"f\":1.5,\"big\":123456789012345678901,"
                         "\"t\":true,\"n\":null,\"a\":[1],\"o\":{}}");
    assert_int_equal(mc_json_type_of(v), MC_JSON_OBJECT);
    assert_int_equal(mc_json_count(v), 8);
    size_t kn;
    const char *k = mc_json_key(v, 0, &kn);
    assert_int_equal(kn, 1);
    assert_memory_equal(k, "s", 1);
    assert_int_equal(mc_json_type_of(mc_json_at(v, 0)), MC_JSON_STRING);
    assert_true(str_is(mc_json_at(v, 0), "x"));
    assert_ptr_equal(mc_json_get(v, "s", 1), mc_json_at(v, 0));
    assert_null(mc_json_get(v, "nope", 4));
    assert_null(mc_json_at(v, 8));
    assert_null(mc_json_key(v, 8, &kn));

    long long iv = 0;
    mc_json i = mc_json_at(v, 1);
    assert_int_equal(mc_json_type_of(i), MC_JSON_NUMBER);
    assert_true(mc_json_int(i, &iv));
    assert_int_equal(iv, 42);
    assert_true(mc_json_double(i) == 42.0);

    mc_json f = mc_json_get(v, "f", 1);
    assert_false(mc_json_int(f, &iv));
    assert_true(mc_json_double(f) == 1.5);
    assert_true(str_is(f, "1.5"));

    mc_json big = mc_json_get(v, "big", 3);
    assert_false(mc_json_int(big, &iv));
    assert_true(str_is(big, "123456789012345678901"));

    assert_int_equal(mc_json_type_of(mc_json_at(v, 4)), MC_JSON_TRUE);
    assert_int_equal(mc_json_type_of(mc_json_at(v, 5)), MC_JSON_NULL);
    assert_non_null(mc_json_at(v, 5)); /* null is present, not absent */
    assert_int_equal(mc_json_type_of(mc_json_at(v, 6)), MC_JSON_ARRAY);
    assert_int_equal(mc_json_count(mc_json_at(v, 6)), 1);
    assert_true(str_is(mc_json_at(mc_json_at(v, 6), 0), "1"));
    assert_int_equal(mc_json_type_of(mc_json_at(v, 7)), MC_JSON_OBJECT);
    assert_int_equal(mc_json_count(mc_json_at(v, 7)), 0);
    /* scalars have no items, no keys, no text for true/null */
    assert_int_equal(mc_json_count(i), 0);
    assert_null(mc_json_at(i, 0));
    assert_null(mc_json_str(mc_json_at(v, 4), NULL));
    assert_int_equal(mc_json_type_of(NULL), MC_JSON_NULL);

    /* the last of repeated keys wins */
    v = parse_ok("{\"a\":1,\"a\":2}");
    assert_true(str_is(mc_json_get(v, "a", 1), "2"));

    v = parse_ok("-9223372036854775808");
    assert_true(mc_json_int(v, &iv));
    assert_true(iv == INT64_MIN);
    v = parse_ok("9223372036854775808");
    assert_false(mc_json_int(v, &iv));
    v = parse_ok("1e400");
    assert_true(isinf(mc_json_double(v)));
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
    mc_json v = mc_json_parse(&trees, b.data, b.len, &err);
    assert_non_null(v);
    assert_int_equal(mc_json_count(v), 5000);
    char *s = written(v);
    assert_string_equal(s, b.data);
    assert_true(mc_json_valid(b.data, b.len));
    free(s);
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
    {"[\"\xff\"]", 2, "invalid UTF-8"},
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
        mc_json v = mc_json_parse(&trees, in, strlen(in), &err);
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
    assert_null(mc_json_parse(&trees, "[", 1, NULL));
    assert_null(mc_json_parse(&trees, NULL, 0, NULL));
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
    mc_json v = mc_json_parse(&trees, ok, strlen(ok), &err);
    assert_non_null(v);
    char *s = written(v);
    assert_string_equal(s, ok);
    free(s);
    assert_true(mc_json_valid(ok, strlen(ok)));
    free(ok);

    char *deep = nested("[", "]", MC_JSON_MAX_DEPTH + 1);
    assert_null(mc_json_parse(&trees, deep, strlen(deep), &err));
    assert_int_equal(err.code, MC_EPARSE);
    assert_string_equal(err.msg,
                        "invalid JSON at offset 512: nesting deeper than 512 levels");
    assert_false(mc_json_valid(deep, strlen(deep)));
    free(deep);

    char *objs = nested("{\"k\":", "}", MC_JSON_MAX_DEPTH + 1);
    assert_null(mc_json_parse(&trees, objs, strlen(objs), &err));
    assert_non_null(strstr(err.msg, "nesting deeper"));
    assert_non_null(strstr(err.msg, "offset 2560"));
    assert_false(mc_json_valid(objs, strlen(objs)));
    free(objs);

    char *objs_ok = nested("{\"k\":", "}", MC_JSON_MAX_DEPTH);
    v = mc_json_parse(&trees, objs_ok, strlen(objs_ok), &err);
    assert_non_null(v);
    free(objs_ok);

    /* very deep and unterminated: no stack trouble, still the depth error */
    char *huge = malloc(100001);
    memset(huge, '[', 100000);
    huge[100000] = '\0';
    assert_null(mc_json_parse(&trees, huge, 100000, &err));
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
    }
    /* text appends */
    mc_buf b = MC_BUF_INIT;
    mc_buf_puts(&b, "x=");
    mc_json v = parse_ok("\"y\"");
    mc_json_text(&b, v);
    assert_string_equal(mc_buf_cstr(&b), "x=y");
    mc_buf_free(&b);

    /* NULL is written as null */
    char *s = written(NULL);
    assert_string_equal(s, "null");
    free(s);
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
    assert_true(mc_json_double(mc_json_at(v, 0)) == 1.5);
    assert_true(mc_json_double(mc_json_at(v, 1)) == 22.5);
    setlocale(LC_NUMERIC, "C");
}

/* Values carry their length: a NUL inside a string or a key is kept, in
 * the tree, in writing (as \u0000) and in text. */
static void test_embedded_nul(void **state)
{
    (void)state;
    mc_json v = parse_ok("{\"k\\u0000x\":\"a\\u0000b\",\"k\":\"plain\"}");
    size_t n;
    const char *t = mc_json_str(mc_json_at(v, 0), &n);
    assert_int_equal(n, 3);
    assert_memory_equal(t, "a\0b", 3);
    const char *k = mc_json_key(v, 0, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(k, "k\0x", 3);
    /* lookup compares lengths: "k" is not "k\0x" */
    assert_true(str_is(mc_json_get(v, "k", 1), "plain"));
    assert_ptr_equal(mc_json_get(v, "k\0x", 3), mc_json_at(v, 0));
    char *w = written(v);
    assert_string_equal(w, "{\"k\\u0000x\":\"a\\u0000b\",\"k\":\"plain\"}");
    free(w);
    mc_buf b = MC_BUF_INIT;
    mc_json_text(&b, mc_json_at(v, 0));
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 3);
    mc_buf_free(&b);
    /* a raw NUL byte is not JSON */
    const char raw[] = "[1,\0 2]";
    assert_null(mc_json_parse(&trees, raw, sizeof raw - 1, NULL));
}

/* Strict UTF-8 and paired surrogates: what yajl alone lets through. */
static void test_strict_text(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t offset;
        const char *what;
    } bad[] = {
        {"{\"s\":\"\xc0\xaf\"}", 6, "invalid UTF-8"},          /* overlong '/' */
        {"[\"\xe0\x80\xaf\"]", 2, "invalid UTF-8"},             /* overlong, 3 bytes */
        {"[\"\xed\xa0\x80\"]", 2, "invalid UTF-8"},             /* UTF-16 surrogate */
        {"[\"\xf4\x90\x80\x80\"]", 2, "invalid UTF-8"},        /* above U+10FFFF */
        {"[\"ab\xc3\"]", 4, "invalid UTF-8"},                    /* truncated */
        {"[\"\x80\"]", 2, "invalid UTF-8"},                      /* stray continuation */
        {"{\"s\":\"\\udc00\"}", 6, "unpaired surrogate"},        /* lone low */
        {"{\"s\":\"\\ud800\"}", 6, "unpaired surrogate"},        /* lone high */
        {"[\"\\ud800x\"]", 2, "unpaired surrogate"},
        {"[\"\\ud800\\u0041\"]", 2, "unpaired surrogate"},      /* high, then not low */
        {"[\"\\ud800\\ud800\"]", 2, "unpaired surrogate"},
        {"{\"\\udfff\":1}", 2, "unpaired surrogate"},            /* in a key */
        {"[\"ok\", \"\\uDC00\"]", 8, "unpaired surrogate"},      /* upper-case hex */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_err err = {0};
        const char *in = bad[i].in;
        if (mc_json_parse(&trees, in, strlen(in), &err))
            fail_msg("case %zu parsed", i);
        assert_int_equal(err.code, MC_EPARSE);
        char want[96];
        snprintf(want, sizeof want, "invalid JSON at offset %zu: %s", bad[i].offset,
                 bad[i].what);
        if (strncmp(err.msg, want, strlen(want)) != 0)
            fail_msg("case %zu: got '%s', expected '%s'", i, err.msg, want);
        assert_false(mc_json_valid(in, strlen(in)));
        assert_int_equal(mc_json_check(in, strlen(in), 0, NULL), MC_EPARSE);
    }
    /* good: pairs, the edges of each range, escaped backslash before u */
    const char *good[] = {
        "[\"\\ud83d\\ude00\"]", "[\"\xf0\x9f\x98\x80\"]", "[\"\xf4\x8f\xbf\xbf\"]",
        "[\"\xed\x9f\xbf\"]", "[\"\xee\x80\x80\"]", "[\"\xc2\x80\"]",
        "[\"\\\\udc00\"]", "[\"\\u00e9\", \"\\ud7ff\", \"\\ue000\"]",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        mc_err err = {0};
        if (!mc_json_parse(&trees, good[i], strlen(good[i]), &err))
            fail_msg("good %zu refused: %s", i, err.msg);
    }
    /* a syntax error before the bad byte is the one reported */
    mc_err err = {0};
    const char *both = "[1,,\"\xc0\xaf\"]";
    assert_null(mc_json_parse(&trees, both, strlen(both), &err));
    assert_non_null(strstr(err.msg, "offset 3: unallowed token"));
}

/* The node limit: every value, key and container counts one. */
static void test_node_limit(void **state)
{
    (void)state;
    const char *doc = "{\"a\":[1,2,3],\"b\":null}"; /* 8 nodes */
    mc_err err = {0};
    assert_int_equal(mc_json_check(doc, strlen(doc), 8, &err), MC_OK);
    assert_int_equal(mc_json_check(doc, strlen(doc), 7, &err), MC_ELIMIT);
    assert_non_null(strstr(err.msg, "more than 7 values"));
    mc_json_opts o = {.max_nodes = 8};
    assert_non_null(mc_json_parse_opts(&trees, doc, strlen(doc), &o, &err));
    o.max_nodes = 7;
    assert_null(mc_json_parse_opts(&trees, doc, strlen(doc), &o, &err));
    assert_int_equal(err.code, MC_ELIMIT);
    assert_int_equal(mc_json_check(doc, strlen(doc), 0, &err), MC_OK);
}

/* The strict text scan steps eight bytes at a time through plain text:
 * a bad byte, a lone surrogate escape and an escaped quote are found at
 * every offset, before, inside and after an eight-byte step. */
static void test_strict_scan_at_every_offset(void **state)
{
    (void)state;
    for (size_t at = 2; at < 30; at++) {
        char doc[64], want[64];
        mc_err err = {0};
        /* ["aaaa...<bad>...aaaa"] */
        memset(doc, 'a', sizeof doc);
        doc[0] = '[';
        doc[1] = '"';
        memcpy(doc + at, "\xc0\xaf", 2);
        memcpy(doc + 40, "\"]", 3);
        assert_int_equal(mc_json_check(doc, 42, 0, &err), MC_EPARSE);
        snprintf(want, sizeof want, "invalid JSON at offset %zu: invalid UTF-8", at);
        assert_string_equal(err.msg, want);
        memcpy(doc + at, "\\udc00", 6);
        assert_int_equal(mc_json_check(doc, 42, 0, &err), MC_EPARSE);
        snprintf(want, sizeof want, "invalid JSON at offset %zu: unpaired surrogate escape", at);
        assert_string_equal(err.msg, want);
        /* valid: a two-byte letter, an escaped quote followed by what
         * would be a bad escape outside a string */
        memset(doc + 2, 'a', 38);
        memcpy(doc + at, "\xc3\xa9", 2);
        assert_int_equal(mc_json_check(doc, 42, 0, NULL), MC_OK);
        if (at + 14 > 40)
            continue;
        memset(doc + 2, 'a', 38);
        memcpy(doc + at, "\\\"\\ud83d\\ude00", 14);
        assert_int_equal(mc_json_check(doc, 42, 0, &err), MC_OK);
        mc_arena a;
        mc_arena_init(&a, 256);
        mc_json v = mc_json_parse(&a, doc, 42, NULL);
        size_t n;
        const char *t = mc_json_str(mc_json_at(v, 0), &n);
        assert_int_equal(n, 38 - 14 + 1 + 4);
        assert_memory_equal(t + at - 2, "\"\xf0\x9f\x98\x80", 5);
        mc_arena_free(&a);
    }
}

/* What a parse takes from the arena is reported (for a caller's budget),
 * also when it fails, and a document with more pending children than the
 * context holds inline (64) parses the same. */
static void test_arena_bytes_and_wide_documents(void **state)
{
    (void)state;
    mc_buf doc = MC_BUF_INIT;
    mc_buf_puts(&doc, "{\"wide\":[");
    for (int i = 0; i < 300; i++)
        mc_buf_printf(&doc, "%s{\"i\":%d,\"s\":\"x\\ny\"}", i ? "," : "", i);
    mc_buf_puts(&doc, "],\"tail\":true}");
    mc_arena a;
    mc_arena_init(&a, 256);
    size_t used = 0;
    mc_json_opts o = {.borrow = true, .arena_bytes = &used};
    mc_json v = mc_json_parse_opts(&a, doc.data, doc.len, &o, NULL);
    assert_non_null(v);
    mc_json wide = mc_json_get(v, "wide", 4);
    assert_int_equal(mc_json_count(wide), 300);
    for (size_t i = 0; i < 300; i++) {
        long long got = -1;
        assert_true(mc_json_int(mc_json_get(mc_json_at(wide, i), "i", 1), &got));
        assert_int_equal(got, (long long)i);
        size_t n;
        const char *s = mc_json_str(mc_json_get(mc_json_at(wide, i), "s", 1), &n);
        assert_int_equal(n, 3);
        assert_memory_equal(s, "x\ny", 3);
    }
    assert_int_equal(mc_json_type_of(mc_json_get(v, "tail", 4)), MC_JSON_TRUE);
    /* each object's 4 nodes at 16 bytes and its copied escaped string (3
     * bytes), within the bound payload.c budgets with (25 per byte of text) */
    assert_true(used >= 300 * (4 * 16 + 3));
    assert_true(used <= 25 * doc.len + 32);
    /* a failed parse still says what it took */
    used = 0;
    mc_buf_puts(&doc, "x");
    assert_null(mc_json_parse_opts(&a, doc.data, doc.len, &o, NULL));
    assert_true(used >= 300 * (4 * 16 + 3));
    mc_arena_free(&a);
    mc_buf_free(&doc);
}

/* Borrowing: text without escapes points into the input, the rest is
 * copied; both read the same. */
static void test_borrow(void **state)
{
    (void)state;
    const char doc[] = "{\"plain\":\"abc\",\"esc\":\"a\\nb\",\"n\":123}";
    mc_json_opts o = {.borrow = true};
    mc_json v = mc_json_parse_opts(&trees, doc, sizeof doc - 1, &o, NULL);
    assert_non_null(v);
    size_t n;
    const char *t = mc_json_str(mc_json_get(v, "plain", 5), &n);
    assert_true(t >= doc && t < doc + sizeof doc);
    assert_memory_equal(t, "abc", 3);
    t = mc_json_str(mc_json_get(v, "esc", 3), &n);
    assert_true(t < doc || t >= doc + sizeof doc);
    assert_int_equal(n, 3);
    assert_memory_equal(t, "a\nb", 3);
    t = mc_json_str(mc_json_get(v, "n", 1), &n);
    assert_true(t >= doc && t < doc + sizeof doc);
    /* without borrow everything is copied */
    v = mc_json_parse(&trees, doc, sizeof doc - 1, NULL);
    t = mc_json_str(mc_json_get(v, "plain", 5), &n);
    assert_true(t < doc || t >= doc + sizeof doc);
    assert_null(mc_json_parse(NULL, doc, 3, NULL));
}

/* yajl's memory comes from a block on the stack until it outgrows it: a
 * string with escapes longer than the block, many of them in a row, deep
 * nesting, and a syntax error far into a large text (yajl's error text
 * allocated after the block is full) all parse or fail as before. */
static void test_parser_memory_outgrows_block(void **state)
{
    (void)state;
    mc_buf b = MC_BUF_INIT;
    mc_buf_puts(&b, "[");
    for (int k = 0; k < 3; k++) {
        mc_buf_puts(&b, k ? ",\"" : "\"");
        for (int i = 0; i < 6000; i++)
            mc_buf_puts(&b, "a\\n");              /* a, then an escaped newline */
        mc_buf_puts(&b, "\"");
    }
    for (int i = 0; i < 60; i++)                /* 60 levels: the byte stack grows */
        mc_buf_puts(&b, i ? "[" : ",[");
    for (int i = 0; i < 60; i++)
        mc_buf_puts(&b, "]");
    mc_buf_puts(&b, "]");
    assert_false(b.oom);
    mc_err perr = {0};
    mc_json v = mc_json_parse(&trees, b.data, b.len, &perr);
    if (!v)
        fail_msg("%s", perr.msg);
    for (size_t k = 0; k < 3; k++) {
        size_t n = 0;
        const char *t = mc_json_str(mc_json_at(v, k), &n);
        assert_non_null(t);
        assert_int_equal(n, 12000);
        assert_int_equal(t[0], 'a');
        assert_int_equal(t[1], '\n');
        assert_int_equal(t[11999], '\n');
    }
    b.data[b.len - 1] = '}';                     /* now a syntax error at the end */
    mc_err err = {0};
    assert_null(mc_json_parse(&trees, b.data, b.len, &err));
    assert_non_null(strstr(err.msg, "invalid JSON at offset"));
    mc_buf_free(&b);
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
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_strict_text),
        cmocka_unit_test(test_node_limit),
        cmocka_unit_test(test_arena_bytes_and_wide_documents),
        cmocka_unit_test(test_strict_scan_at_every_offset),
        cmocka_unit_test(test_borrow),
        cmocka_unit_test(test_parser_memory_outgrows_block),
    };
    mc_arena_init(&trees, 4096);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mc_arena_free(&trees);
    return rc;
}
