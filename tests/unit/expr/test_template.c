/* test_template.c - unit tests for expr/template.c: {expr} templates with
 * one expression, literal text mixed with several expressions, whole-JSON
 * literals, braces inside quotes and brackets of an expression, Synapse
 * Expressions bare and in braces, the inline mode (only ${...}), and the
 * errors for unbalanced braces, an unclosed ${ and bad inner expressions,
 * with the offset each error points at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "flow_harness.h"

static const char *eval(mc_message *m, const char *text, bool *literal)
{
    mc_err err = {0};
    mc_template *t = mc_template_compile(text, NULL, 0, &err);
    if (!t)
        fail_msg("template '%s' did not compile: %s", text, err.msg);
    assert_string_equal(mc_template_source(t), text);
    if (literal)
        *literal = mc_template_is_literal(t);
    const char *out;
    size_t n;
    assert_int_equal(mc_template_eval(t, m, &out, &n, &err), MC_OK);
    assert_int_equal(strlen(out), n);
    out = mc_arena_strdup(&m->arena, out);
    mc_template_free(t);
    return out;
}

static void test_templates(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    mc_err err = {0};
    const char *j = "{\"fn\":\"f1\",\"a\":[{\"b\":\"}\"},{\"b\":\"x\"}]}";
    mc_msg_set_payload(m, j, strlen(j), "application/json", &err);
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "x", "X");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "region", "eu-west-1");
    static const struct { const char *text, *want; bool literal; } c[] = {
        {"{$ctx:x}", "X", false},
        {"{ $ctx:x }", "X", false},
        {"plain text", "plain text", true},
        {"", "", true},
        {"arn:aws:lambda:{$ctx:region}:fn", "arn:aws:lambda:eu-west-1:fn", false},
        {"{$ctx:x}{$ctx:x}-{get-property('region')}", "XX-eu-west-1", false},
        {"{json-eval($.fn)}/{$ctx:missing}/end", "f1//end", false},
        {"{json-eval($.a[?(@.b == '}')].b)}", "[\"}\"]", false},
        {"{fn:concat('{', $ctx:x, '}')}", "{X}", false},
        {"{\"Variables\":{\"A\":\"1\"}}", "{\"Variables\":{\"A\":\"1\"}}", true},
        {"  [1, {\"a\": 2}]", "  [1, {\"a\": 2}]", true},
        {"a } b", "a } b", true},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        bool lit;
        const char *got = eval(m, c[i].text, &lit);
        if (strcmp(got, c[i].want) != 0)
            fail_msg("template '%s': got [%s] want [%s]", c[i].text, got, c[i].want);
        if (lit != c[i].literal)
            fail_msg("template '%s': literal %d want %d", c[i].text, lit, c[i].literal);
    }
    mc_msg_free(m);
}

static void test_template_errors(void **state)
{
    (void)state;
    static const struct { const char *text, *msg; } c[] = {
        {"{$ctx:x", "unclosed '{' at offset 0 in '{$ctx:x'"},
        {"abc {$ctx:x} {", "unclosed '{' at offset 13 in 'abc {$ctx:x} {'"},
        {"{{$ctx:x}", "unclosed '{' at offset 0 in '{{$ctx:x}'"},
        {"a{}b", "empty expression"},
        {"a{ }b", "empty expression"},
        {"x{//a[}", "unclosed '{' at offset 1 in 'x{//a[}'"},
        {"{nosuch('a')}", "unknown XPath function 'nosuch' in 'nosuch('a')'"},
        /* an open bracket hides the closing brace: reported as unclosed */
        {"{json-eval($.a[)}", "unclosed '{' at offset 0 in '{json-eval($.a[)}'"},
        {"{json-eval($.a[?(@.b ==)])}", "bad JSONPath '$.a[?(@.b ==)]': expected a value but found ')' at offset 12"},
        {"{\"not\": json", "unclosed '{' at offset 0 in '{\"not\": json'"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        mc_err err = {0};
        mc_template *t = mc_template_compile(c[i].text, NULL, 0, &err);
        if (t)
            fail_msg("template '%s' compiled", c[i].text);
        assert_int_equal(err.code, MC_EPARSE);
        if (strncmp(err.msg, c[i].msg, strlen(c[i].msg)) != 0 || !*c[i].msg)
            fail_msg("template '%s': got [%s] want [%s]", c[i].text, err.msg, c[i].msg);
    }
}

static const char *eval_inline(mc_message *m, const char *text)
{
    mc_err err = {0};
    mc_template *t = mc_template_compile_opts(text, NULL, true, &err);
    if (!t)
        fail_msg("inline template '%s' did not compile: %s", text, err.msg);
    const char *out;
    size_t n;
    assert_int_equal(mc_template_eval(t, m, &out, &n, &err), MC_OK);
    out = mc_arena_strndup(&m->arena, out, n);
    mc_template_free(t);
    return out;
}

static void test_synapse_templates(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    mc_err err = {0};
    const char *j = "{\"name\":\"fn\",\"region\":\"us-east-1\",\"n\":2}";
    mc_msg_set_payload(m, j, strlen(j), "application/json", &err);
    static const struct { const char *text, *want; } c[] = {
        {"{${payload.name}}", "fn"},
        {"${payload.name}", "fn"},
        {"arn:aws:lambda:${payload.region}:fn:{${payload.name}}",
         "arn:aws:lambda:us-east-1:fn:fn"},
        {"${payload.n + 1} items", "3 items"},
        {"${'}' + payload.name}", "}fn"},
        {"${\"a\\\"}\" + payload.name}", "a\\\"}fn"},
        {"${payload[\"name\"]}/${toUpper(payload.region)}", "fn/US-EAST-1"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        const char *got = eval(m, c[i].text, NULL);
        if (strcmp(got, c[i].want) != 0)
            fail_msg("template '%s': got [%s] want [%s]", c[i].text, got, c[i].want);
    }
    /* inline (log messages): braces are text, only ${...} is evaluated */
    assert_string_equal(eval_inline(m, "Processing {id}: ${payload.name} {x}"),
                        "Processing {id}: fn {x}");
    assert_string_equal(eval_inline(m, "{\"a\": ${payload.n}}"), "{\"a\": 2}");
    assert_string_equal(eval_inline(m, "no expressions {$ctx:x}"), "no expressions {$ctx:x}");
    mc_msg_free(m);
}

static void test_synapse_template_errors(void **state)
{
    (void)state;
    static const struct { const char *text, *msg; size_t at; } c[] = {
        {"abc ${payload.a", "unclosed '${': a Synapse Expression ends with '}'", 5},
        {"x ${toUppper(payload.a)}", "unknown function 'toUppper'; did you mean 'toUpper'?", 5},
        {"${payload.a +}", "unexpected end of expression", 14},
        {"ab{${1 +}}", "unexpected end of expression", 9},
        {"${'abc}", "unclosed '${'", 1},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        mc_err err = {0};
        mc_template *t = mc_template_compile_opts(c[i].text, NULL, true, &err);
        if (!t)
            t = NULL;
        else
            fail_msg("template '%s' compiled", c[i].text);
        if (!strstr(err.msg, c[i].msg))
            fail_msg("template '%s': got [%s] want [%s]", c[i].text, err.msg, c[i].msg);
        if (err.at != c[i].at)
            fail_msg("template '%s': error at %zu, want %zu", c[i].text, err.at, c[i].at);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_template_errors),
        cmocka_unit_test(test_synapse_templates),
        cmocka_unit_test(test_synapse_template_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
