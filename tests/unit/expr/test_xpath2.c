/* test_xpath2.c - the XPath 2.0 functions (src/expr/xpath2.c) with F&O
 * semantics as Saxon gives them to MI flows: regex functions and their
 * flags, XPath regex syntax and what is refused at load, sequences as
 * node-sets of text nodes (count, [n], first item as string value), URI
 * escaping, aggregates, round-half-to-even, the current date/time forms,
 * arity checks at load and runtime errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "expr/regex.h"
#include "flow_harness.h"

static const char *payload =
    "<r><item>a</item><item>b</item><item>a</item><item>c</item>"
    "<n>3</n><n>1.5</n><n>10</n><n>5.5</n><bad>x</bad><bad>2</bad>"
    "<multi>a\nb</multi><nl>a\n</nl><date>2026-12-06</date><u>\xce\xb1,\xce\xb2,\xce\xb3</u>"
    "<emptyre></emptyre></r>";

static int setup(void **state)
{
    mc_message *m = th_msg_new();
    mc_err err = {0};
    if (mc_msg_set_payload(m, payload, strlen(payload), "application/xml", &err) != MC_OK)
        return -1;
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "re", "(");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "star", "x*");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "rep", "$");
    *state = m;
    return 0;
}

static int teardown(void **state)
{
    mc_msg_free(*state);
    return 0;
}

/* fn:matches/replace/tokenize take their compiled regex from a per-thread
 * cache keyed by pattern and flags: an expression run for every message
 * compiles its regex once, and a different pattern or flags is its own. */
static void test_regex_cache(void **state)
{
    (void)state;
    mc_err err;
    mc_err_clear(&err);
    const mc_regex *a = mc_regex_xpath_cached("[a-c]+x", "", &err);
    assert_non_null(a);
    assert_ptr_equal(mc_regex_xpath_cached("[a-c]+x", "", &err), a);
    const mc_regex *ai = mc_regex_xpath_cached("[a-c]+x", "i", &err);
    assert_non_null(ai);
    assert_ptr_not_equal(ai, a);
    assert_true(mc_regex_search(ai, "zzABX", 5));
    assert_false(mc_regex_search(mc_regex_xpath_cached("[a-c]+x", "", &err), "zzABX", 5));
    for (int i = 0; i < 40; i++) {     /* past the cache's size: still right */
        char pat[32], subject[32];
        snprintf(pat, sizeof pat, "^k%d$", i);
        snprintf(subject, sizeof subject, "k%d", i);
        const mc_regex *r = mc_regex_xpath_cached(pat, "", &err);
        assert_non_null(r);
        assert_true(mc_regex_search(r, subject, strlen(subject)));
        assert_false(mc_regex_search(r, "k", 1));
    }
    for (int i = 0; i < 2; i++) {      /* a refused one every time */
        mc_err_clear(&err);
        assert_null(mc_regex_xpath_cached("(?=x)", "", &err));
        assert_true(err.msg[0] != '\0');
    }
}

#define CHECK(m, c) th_check_evals(m, c, sizeof c / sizeof *c)

static void test_matches(void **state)
{
    static const th_eval_case c[] = {
        /* F&O examples: a match anywhere, anchors for the whole string */
        {"fn:matches('abracadabra', 'bra')", "true"},
        {"fn:matches('abracadabra', '^a.*a$')", "true"},
        {"fn:matches('abracadabra', '^bra')", "false"},
        {"fn:matches('', 'a*')", "true"},
        {"fn:matches('', 'a')", "false"},
        /* flags */
        {"fn:matches('Hello', 'hello')", "false"},
        {"fn:matches('Hello', 'hello', 'i')", "true"},
        {"fn:matches(//multi, '^b$')", "false"},
        {"fn:matches(//multi, '^b$', 'm')", "true"},
        {"fn:matches(//multi, 'a.b')", "false"},
        {"fn:matches(//multi, 'a.b', 's')", "true"},
        {"fn:matches('abc', 'a b  c', 'x')", "true"},
        {"fn:matches('a b', 'a[ ]b', 'x')", "true"},
        {"fn:matches('abc', 'a b c')", "false"},
        {"fn:matches(//multi, 'A.B', 'si')", "true"},
        {"fn:matches('', '', '')", "true"},
        /* $ is the end of the string, not before a final newline */
        {"fn:matches(//nl, 'a$')", "false"},
        {"fn:matches(//nl, 'a$', 'm')", "true"},
        /* XPath's classes: \w excludes punctuation (so '_'), includes
         * symbols; \d and \p{..} are Unicode; \s is the XML spaces */
        {"fn:matches('_', '\\w')", "false"},
        {"fn:matches('$', '\\w')", "true"},
        {"fn:matches('\xc3\xa9', '^\\w$')", "true"},
        {"fn:matches('\xd9\xa3', '^\\d$')", "true"},
        {"fn:matches('\xc3\x9c" "ber', '^\\p{Lu}\\p{Ll}+$')", "true"},
        {"fn:matches('a.b', '^\\W$')", "false"},
        {"fn:matches('.', '^\\W$')", "true"},
        {"fn:matches('\xc2\xa0', '\\s')", "false"},
        {"fn:matches('a b', '\\S\\s\\S')", "true"},
        {"fn:matches('a-b', '[\\s\\-]')", "true"},
        /* back-references, reluctant quantifiers */
        {"fn:matches('abab', '^(ab)\\1$')", "true"},
        {"fn:matches('abba', '^(ab)\\1$')", "false"},
        /* unprefixed, as Saxon's default function namespace */
        {"matches('x1', '\\d')", "true"},
        /* string arguments from nodes */
        {"fn:matches(//date, '^\\d{4}-\\d{2}-\\d{2}$')", "true"},
        {"count(//item[fn:matches(., '^[ab]$')])", "3"},
    };
    CHECK(*state, c);
}

static void test_replace(void **state)
{
    static const th_eval_case c[] = {
        {"fn:replace('abracadabra', 'bra', '*')", "a*cada*"},
        {"fn:replace('abracadabra', 'a.*a', '*')", "*"},
        {"fn:replace('abracadabra', 'a.*?a', '*')", "*c*bra"},
        {"fn:replace('abracadabra', 'a', '')", "brcdbr"},
        {"fn:replace('abracadabra', 'a(.)', 'a$1$1')", "abbraccaddabbra"},
        {"fn:replace('AAAA', 'A+', 'b')", "b"},
        {"fn:replace('AAAA', 'A+?', 'b')", "bbbb"},
        {"fn:replace('darted', '^(.*?)d(.*)$', '$1c$2')", "carted"},
        {"fn:replace('a1b', '(\\d)', '\\$$1')", "a$1b"},
        {"fn:replace('a1b', '\\d', '\\\\')", "a\\b"},
        {"fn:replace('abc', 'B', 'x', 'i')", "axc"},
        {"fn:replace('', 'a', 'b')", ""},
        {"fn:replace('abc', 'z', 'y')", "abc"},
        /* $N: the longest group number that exists; a group that did not
         * take part gives "" */
        {"fn:replace('abc', '(b)', '[$10]')", "a[b0]c"},
        {"fn:replace('abc', '(x)?b', '[$1]')", "a[]c"},
        {"fn:replace('abc', 'b', '[$0]')", "a[b]c"},
        {"fn:replace('\xce\xb1\xce\xb2', '\xce\xb2', 'b')", "\xce\xb1" "b"},
        {"fn:replace(//date, '(\\d+)-(\\d+)-(\\d+)', '$3/$2/$1')", "06/12/2026"},
        {"replace('a-b', '-', '+')", "a+b"},
    };
    CHECK(*state, c);
}

static void test_tokenize_and_sequences(void **state)
{
    static const th_eval_case c[] = {
        {"count(fn:tokenize('a,b,,c', ','))", "4"},
        {"fn:tokenize('a,b', ',')[2]", "b"},
        {"fn:tokenize('a,b', ',')", "a"},             /* the first item */
        {"fn:tokenize('a,b', ',')[last()]", "b"},
        {"count(fn:tokenize('', ','))", "0"},
        {"fn:tokenize('', ',')", ""},
        {"count(fn:tokenize(' a b ', '\\s+'))", "4"}, /* "" a b "" */
        {"count(fn:tokenize('abba', 'b'))", "3"},
        {"count(fn:tokenize('a;B;c', 'b', 'i'))", "2"},
        {"count(fn:tokenize('abc', ','))", "1"},
        {"fn:tokenize(//u, ',')[3]", "\xce\xb3"},
        {"fn:string-join(fn:tokenize(//date, '-'), '/')", "2026/12/06"},
        {"fn:string-join(//item, '+')", "a+b+a+c"},
        {"fn:string-join(//none, '+')", ""},
        {"fn:string-join('x', '-')", "x"},
        {"fn:string-join(//item)", "abac"},
        {"count(fn:distinct-values(//item))", "3"},
        {"fn:string-join(fn:distinct-values(//item), ',')", "a,b,c"},
        {"count(fn:distinct-values(//none))", "0"},
        {"fn:exists(//item)", "true"},
        {"fn:exists(//none)", "false"},
        {"fn:exists('')", "true"},
        {"fn:empty(//none)", "true"},
        {"fn:empty(fn:tokenize('', ','))", "true"},
        {"fn:empty(fn:tokenize('a', ','))", "false"},
        /* the sequence's nodes are the message's own for as long as it lives:
         * two in one expression do not disturb each other */
        {"concat(fn:tokenize('x,y', ',')[2], fn:tokenize('p,q', ',')[1])", "yp"},
        /* a whole expression with a 2.0 function gives the first item */
        {"//item[fn:matches(., 'a|c')]", "a"},
    };
    CHECK(*state, c);
}

static void test_strings(void **state)
{
    static const th_eval_case c[] = {
        {"fn:compare('abc', 'abd')", "-1"},
        {"fn:compare('b', 'a')", "1"},
        {"fn:compare('a', 'a')", "0"},
        {"fn:compare('Z', 'a')", "-1"},
        {"fn:compare('\xc3\xa9', 'z')", "1"},
        {"fn:compare('', '')", "0"},
        {"fn:compare(//none, 'a')", ""},
        {"count(fn:compare('a', //none))", "0"},
        {"fn:encode-for-uri('http://www.example.com/00/Weather/CA/Los%20Angeles#ocean')",
         "http%3A%2F%2Fwww.example.com%2F00%2FWeather%2FCA%2FLos%2520Angeles%23ocean"},
        {"fn:encode-for-uri('~b\xc3\xa9" "b\xc3\xa9')", "~b%C3%A9b%C3%A9"},
        {"fn:encode-for-uri('100% organic')", "100%25%20organic"},
        {"fn:encode-for-uri('')", ""},
        {"fn:iri-to-uri('http://www.example.com/00/Weather/CA/Los%20Angeles#ocean')",
         "http://www.example.com/00/Weather/CA/Los%20Angeles#ocean"},
        {"fn:iri-to-uri('http://www.example.com/~b\xc3\xa9" "b\xc3\xa9')",
         "http://www.example.com/~b%C3%A9b%C3%A9"},
        {"fn:iri-to-uri('a b<c>{|}')", "a%20b%3Cc%3E%7B%7C%7D"},
        {"fn:escape-html-uri('http://www.example.com/00/Weather/CA/Los Angeles#ocean')",
         "http://www.example.com/00/Weather/CA/Los Angeles#ocean"},
        {"fn:escape-html-uri(\"javascript:if (navigator.browserLanguage == 'fr') "
         "window.open('http://www.example.com/~b\xc3\xa9" "b\xc3\xa9');\")",
         "javascript:if (navigator.browserLanguage == 'fr') "
         "window.open('http://www.example.com/~b%C3%A9b%C3%A9');"},
        /* XPath 1.0 names under fn: keep working */
        {"fn:string-length('\xce\xb1\xce\xb2')", "2"},
        {"fn:substring-before('a-b', '-')", "a"},
        {"fn:upper-case('ab')", "AB"},
    };
    CHECK(*state, c);
}

static void test_numbers(void **state)
{
    static const th_eval_case c[] = {
        {"fn:abs(-3)", "3"},
        {"fn:abs(2.5)", "2.5"},
        {"fn:abs(//n[1])", "3"},
        {"fn:abs(//none)", ""},
        {"count(fn:abs(//none))", "0"},
        {"fn:min(//n)", "1.5"},
        {"fn:max(//n)", "10"},
        {"fn:avg(//n)", "5"},
        {"fn:min(//none)", ""},
        {"count(fn:avg(//none))", "0"},
        {"fn:max(fn:tokenize('4 12 7', ' '))", "12"},
        {"fn:min('7')", "7"},
        {"fn:round-half-to-even(0.5)", "0"},
        {"fn:round-half-to-even(1.5)", "2"},
        {"fn:round-half-to-even(2.5)", "2"},
        {"fn:round-half-to-even(-2.5)", "-2"},
        {"fn:round-half-to-even(2.6)", "3"},
        {"fn:round-half-to-even(3.567812, 2)", "3.57"},
        {"fn:round-half-to-even(4.7564, -2)", "0"},
        {"fn:round-half-to-even(35612.25, -2)", "35600"},
        {"fn:round-half-to-even(2.675, 2)", "2.68"},
        {"fn:round-half-to-even(0.125, 2)", "0.12"},
        {"fn:round-half-to-even(150, -2)", "200"},
        {"fn:round-half-to-even(250, -2)", "200"},
        {"fn:round-half-to-even(1.25, 5)", "1.25"},
        {"fn:round-half-to-even(//none)", ""},
        {"fn:round-half-to-even('abc')", "NaN"},
    };
    CHECK(*state, c);
}

static bool is_match(const char *re, const char *s)
{
    mc_err err = {0};
    mc_regex *r = mc_regex_compile(re, &err);
    assert_non_null(r);
    bool ok = mc_regex_matches(r, s, strlen(s));
    mc_regex_free(r);
    return ok;
}

static void test_dates(void **state)
{
    mc_message *m = *state;
    const char *tz = getenv("TZ");
    char *saved = tz ? strdup(tz) : NULL;
    static const struct { const char *tz, *suffix; } zones[] = {
        {"UTC", "Z"}, {"Asia/Kolkata", "\\+05:30"}, {"America/New_York", "-0[45]:00"}};
    for (size_t i = 0; i < sizeof zones / sizeof *zones; i++) {
        setenv("TZ", zones[i].tz, 1);
        tzset();
        char re[160];
        snprintf(re, sizeof re, "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d?\\d?[1-9])?%s",
                 zones[i].suffix);
        const char *got = th_eval(m, "fn:current-dateTime()");
        if (!is_match(re, got))
            fail_msg("current-dateTime in %s: %s", zones[i].tz, got);
        snprintf(re, sizeof re, "\\d{4}-\\d\\d-\\d\\d%s", zones[i].suffix);
        got = th_eval(m, "fn:current-date()");
        if (!is_match(re, got))
            fail_msg("current-date in %s: %s", zones[i].tz, got);
        snprintf(re, sizeof re, "\\d\\d:\\d\\d:\\d\\d(\\.\\d?\\d?[1-9])?%s", zones[i].suffix);
        got = th_eval(m, "current-time()");
        if (!is_match(re, got))
            fail_msg("current-time in %s: %s", zones[i].tz, got);
    }
    /* the date part agrees with the clock (UTC) */
    setenv("TZ", "UTC", 1);
    tzset();
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char today[16];
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    const char *got = th_eval(m, "fn:substring-before(fn:current-date(), 'Z')");
    if (strcmp(got, today) != 0) { /* midnight passed in between: once more */
        now = time(NULL);
        gmtime_r(&now, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        assert_string_equal(got, today);
    }
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

/* One instant per evaluation, as Saxon: current-dateTime(), current-date()
 * and current-time() read before and after work that takes milliseconds
 * (a regex over every element of a large payload) within one expression
 * agree. */
static void test_one_instant_per_evaluation(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    mc_buf doc = {0};
    mc_buf_puts(&doc, "<r>");
    for (int i = 0; i < 40000; i++)
        mc_buf_printf(&doc, "<i>x%d</i>", i);
    mc_buf_puts(&doc, "</r>");
    mc_err err = {0};
    assert_int_equal(mc_msg_set_payload(m, mc_buf_cstr(&doc), doc.len, "application/xml", &err),
                     MC_OK);
    mc_buf_free(&doc);
    static const char *const forms[] = {
        "concat(fn:current-dateTime(), '|', count(//i[fn:matches(., '^x[0-9]*5$')]), '|', "
        "fn:current-dateTime())",
        "concat(fn:current-time(), '|', count(//i[fn:matches(., '^x[0-9]*5$')]), '|', "
        "fn:current-time())",
        "concat(fn:current-date(), '|', count(//i[fn:matches(., '^x[0-9]*5$')]), '|', "
        "fn:current-date())",
    };
    for (size_t f = 0; f < sizeof forms / sizeof *forms; f++)
        for (int round = 0; round < 3; round++) {
            const char *got = th_eval(m, forms[f]);
            const char *bar = strchr(got, '|'), *last = strrchr(got, '|');
            assert_non_null(bar);
            assert_int_equal(strncmp(bar + 1, "4000|", 5), 0);
            size_t first = (size_t)(bar - got);
            if (strlen(last + 1) != first || strncmp(got, last + 1, first) != 0)
                fail_msg("two instants in one evaluation of %s: %s", forms[f], got);
        }
    mc_msg_free(m);
}

static void test_load_errors(void **state)
{
    (void)state;
    static const struct { const char *src, *msg; } c[] = {
        {"fn:matches('a')", "fn:matches() takes 2 to 3 arguments, not 1, in 'fn:matches('a')'"},
        {"fn:tokenize()", "fn:tokenize() takes 2 to 3 arguments, not 0, in 'fn:tokenize()'"},
        {"fn:current-date(1)", "fn:current-date() takes 0 arguments, not 1, in 'fn:current-date(1)'"},
        {"fn:abs(1, 2)", "fn:abs() takes 1 argument, not 2, in 'fn:abs(1, 2)'"},
        {"concat(fn:replace('a', 'b'), 'c')",
         "fn:replace() takes 3 to 4 arguments, not 2, in 'concat(fn:replace('a', 'b'), 'c')'"},
        {"fn:matches('a', '(?=a)')",
         "fn:matches(): bad regex '(?=a)': '(?' groups (lookaround, options, non-capturing) are "
         "not XPath 2.0 regex syntax, offset 0, in 'fn:matches('a', '(?=a)')'"},
        {"fn:matches('a', 'x(?:a)')",
         "fn:matches(): bad regex 'x(?:a)': '(?' groups (lookaround, options, non-capturing) are "
         "not XPath 2.0 regex syntax, offset 1, in 'fn:matches('a', 'x(?:a)')'"},
        {"fn:matches('a', 'a', 'q')",
         "fn:matches(): invalid regex flags 'q' (XPath allows s, m, i, x), in 'fn:matches('a', 'a', 'q')'"},
        {"fn:matches('a', '\\p{IsBasicLatin}')",
         "fn:matches(): bad regex '\\p{IsBasicLatin}': Unicode block names (\\p{Is...}) are not "
         "supported, offset 0, in 'fn:matches('a', '\\p{IsBasicLatin}')'"},
        {"fn:matches('a', '\\bx')",
         "fn:matches(): bad regex '\\bx': '\\b' is not an XPath regex escape at offset 0, in "
         "'fn:matches('a', '\\bx')'"},
        {"fn:matches('a', '[a-z-[aeiou]]')",
         "fn:matches(): bad regex '[a-z-[aeiou]]': character class subtraction is not supported, "
         "offset 5, in 'fn:matches('a', '[a-z-[aeiou]]')'"},
        {"fn:matches('a', '([')",
         "fn:matches(): bad regex '([': missing terminating ] for character class at offset 2, "
         "in 'fn:matches('a', '([')'"},
        {"fn:tokenize('a', 'x*')",
         "fn:tokenize(): the regex 'x*' matches the empty string, in 'fn:tokenize('a', 'x*')'"},
        {"fn:replace('a', '', 'b')",
         "fn:replace(): the regex '' matches the empty string, in 'fn:replace('a', '', 'b')'"},
        {"fn:replace('a', 'a', '$x')",
         "fn:replace(): bad replacement '$x' ($ must be followed by a group number; only \\$ and "
         "\\\\ escape), in 'fn:replace('a', 'a', '$x')'"},
        {"fn:replace('a', 'a', 'b\\c')",
         "fn:replace(): bad replacement 'b\\c' ($ must be followed by a group number; only \\$ and "
         "\\\\ escape), in 'fn:replace('a', 'a', 'b\\c')'"},
        {"fn:tokenise('a', ',')",
         "unknown XPath function 'fn:tokenise' in 'fn:tokenise('a', ',')'; did you mean 'fn:tokenize'?"},
        {"fn:normalize-unicode('a')", "unknown XPath function 'fn:normalize-unicode' in "
         "'fn:normalize-unicode('a')'; did you mean 'fn:normalize-space'?"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        mc_err err = {0};
        mc_expr *e = mc_expr_compile(c[i].src, NULL, 0, &err);
        if (e)
            fail_msg("'%s' compiled", c[i].src);
        assert_int_equal(err.code, MC_EPARSE);
        if (strcmp(err.msg, c[i].msg) != 0)
            fail_msg("'%s': got [%s] want [%s]", c[i].src, err.msg, c[i].msg);
    }
    /* regexes and flags that are not literals are checked when evaluated;
     * commas and parentheses inside arguments do not confuse the count */
    static const char *const fine[] = {
        "fn:matches(//a, $ctx:re)", "fn:matches('a', 'b', $ctx:f)",
        "fn:replace('a,b', ',', concat('x', ','))", "fn:tokenize(concat('a', ','), '(,)')",
        "fn:matches('a', '[(]')", "fn:matches('a(', '\\(')", "fn:string-join(//a[1], ', ')"};
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
        mc_err err = {0};
        mc_expr *e = mc_expr_compile(fine[i], NULL, 0, &err);
        if (!e)
            fail_msg("'%s' did not compile: %s", fine[i], err.msg);
        mc_expr_free(e);
    }
}

/* A regex or replacement from the message that is bad fails the
 * evaluation (Saxon's FORX errors), it does not crash or pass. */
static void test_runtime_errors(void **state)
{
    static const char *const bad[] = {
        "fn:matches('a', $ctx:re)", "fn:tokenize('a', $ctx:star)",
        "fn:replace('a', $ctx:star, 'b')", "fn:replace('a', 'a', $ctx:rep)",
        "fn:matches('a', 'a', $ctx:re)", "fn:max(//bad)", "fn:avg(//item)"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mc_err err = {0};
        mc_expr *e = mc_expr_compile(bad[i], NULL, 0, &err);
        if (!e)
            fail_msg("'%s' did not compile: %s", bad[i], err.msg);
        const char *out;
        size_t n;
        if (mc_expr_string(e, *state, &out, &n, &err) == MC_OK)
            fail_msg("'%s' gave [%s]", bad[i], out);
        mc_expr_free(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokenize_and_sequences, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dates, setup, teardown),
        cmocka_unit_test(test_one_instant_per_evaluation),
        cmocka_unit_test(test_regex_cache),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test_setup_teardown(test_runtime_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
