/* test_script.c - unit tests for <script>: the budget instrumentation
 * (exact rewritten text), inline and keyed scripts with `function` and
 * <include>, the mc object (payload JSON/XML/text, properties with scopes,
 * variables, headers, log, print), a false result ending the flow, each
 * message in its own heap, the instruction budget and memory cap as
 * faults, and the load-time refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_harness.h"
#include "mediators/js_budget.h"

#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>\n"
#define JS(body) "<script language=\"js\"><![CDATA[" body "]]></script>"

static void test_instrument(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"while (a) b();", "while (__mc_tick() && (a)) b();"},
        {"for (;;) {}", "for (;__mc_tick();) {}"},
        {"for (var i = 0; i < n; i++) x();", "for (var i = 0;__mc_tick() && ( i < n); i++) x();"},
        {"for (k in o) {}", "for (k in o) {}"},
        {"do { x(); } while (y)", "do { x(); } while (__mc_tick() && (y))"},
        {"function f(a, b) { return a; }", "function f(a, b) {__mc_tick(); return a; }"},
        {"var g = function () { while(1){} };", "var g = function () {__mc_tick(); while(__mc_tick() && (1)){} };"},
        {"o.while = 1; o.for(x);", "o.while = 1; o.for(x);"},
        {"s = 'while (x) {'; // for (;;)\n/* while(1) */ r = /while(1)/g;",
         "s = 'while (x) {'; // for (;;)\n/* while(1) */ r = /while(1)/g;"},
        {"a = b / c; while (d / e) {}", "a = b / c; while (__mc_tick() && (d / e)) {}"},
        {"x = /[/]while(/; for(;;);", "x = /[/]while(/; for(;__mc_tick(););"},
        {"while ((a)) { for (;b;) {} }", "while (__mc_tick() && ((a))) { for (;__mc_tick() && (b);) {} }"},
        {"var s = \"unterminated", "var s = \"unterminated"},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mc_buf b = MC_BUF_INIT;
        mc_js_instrument(cases[i].in, strlen(cases[i].in), &b);
        if (strcmp(mc_buf_cstr(&b), cases[i].out) != 0) {
            print_error("case %zu: [%s], want [%s]\n", i, mc_buf_cstr(&b), cases[i].out);
            failures++;
        }
        mc_buf_free(&b);
    }
    assert_int_equal(failures, 0);
}

static const char *config =
    "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n"
    "<localEntry key=\"lib\">function twice(x) { return x * 2; }</localEntry>\n"
    "<localEntry key=\"fns\">function mediate(mc) { mc.setProperty('m', 'default'); }\n"
    "function transform(mc) { var p = mc.getPayloadJSON(); p.total = twice(p.a); mc.setPayloadJSON(p); return true; }\n"
    "function refuse(mc) { return false; }</localEntry>\n"
    SEQ("json", JS("var p = mc.getPayloadJSON(); p.n = 0;"
                   "for (var i = 0; i < 10; i++) { p.n += i; } p.who = mc.getProperty('who');"
                   "p.nul = 'a\\u0000b'; mc.setPayloadJSON(p);"))
    SEQ("keyed", "<script language=\"js\" key=\"fns\" function=\"transform\"><include key=\"lib\"/></script>")
    SEQ("default-fn", "<script language=\"js\" key=\"fns\"/>")
    SEQ("refuse", "<script language=\"js\" key=\"fns\" function=\"refuse\"/><property name=\"after\" value=\"1\"/>")
    SEQ("false", JS("mc.setProperty('x', 1); false") "<property name=\"after\" value=\"1\"/>")
    SEQ("props", JS("mc.setProperty('s', 'v');"
                    "mc.setProperty('o', {a: [1, 2]});"
                    "mc.setProperty('t', 'tv', 'transport');"
                    "mc.setProperty('ax', 'av', 'axis2');"
                    "mc.setHeader('X-H', 'hv');"
                    "mc.removeProperty('gone');"
                    "mc.removeHeader('X-Gone');"
                    "mc.setVariable('v', 42);"
                    "mc.setProperty('read', [mc.getProperty('t', 'transport'), mc.getHeader('x-h'),"
                    " mc.getProperty('missing'), mc.getVariable('v'), typeof mc.getMessageID()].join('|'));"
                    "mc.log('logged ' + mc.getProperty('s')); print('printed', 1, true);"))
    SEQ("xml", JS("var x = mc.getPayloadXML(); mc.setProperty('before', x);"
                  "mc.setPayloadXML('<b xmlns=\"urn:b\"><c>' + x.length + '</c></b>');"
                  "mc.setProperty('text', mc.getPayloadText());"))
    SEQ("json-text", JS("mc.setProperty('jt', mc.getJsonText());"))
    SEQ("isolated", JS("if (typeof leaked !== 'undefined') { mc.setProperty('saw', 'leak'); } leaked = 1;"
                       "mc.setProperty('eval', typeof eval + '/' + typeof Function);"))
    SEQ("loop", JS("while (true) {}"))
    SEQ("recurse", JS("function f(n) { return n < 2 ? n : f(n - 1) + f(n - 2); } f(80);"))
    SEQ("catchall", JS("for (;;) { try { for (;;) {} } catch (e) {} }"))
    SEQ("memory", "<script language=\"js\" xmlns:mc=\"http://mediac.dev/ns/config\" mc:memoryLimit=\"4000000\">"
                  "<![CDATA[var a = []; for (;;) a.push('xxxxxxxxxxxxxxxxxxxxxxxx' + a.length);]]></script>")
    SEQ("small-budget", "<script language=\"js\" xmlns:mc=\"http://mediac.dev/ns/config\" mc:instructionBudget=\"100\">"
                        "<![CDATA[for (var i = 0; i < 1000; i++) {}]]></script>")
    SEQ("throws", JS("null.x;"))
    SEQ("bad-json", JS("mc.setPayloadJSON('{nope');"))
    "</definitions>";

static void test_payload_json(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "who", "bob");
    assert_int_equal(th_run(f, "json", "{\"a\":2}"), MC_OK);
    size_t n;
    const char *p = mc_msg_payload_bytes(f->m, &n);
    static const char want[] = "{\"a\":2,\"n\":45,\"who\":\"bob\",\"nul\":\"a\\u0000b\"}";
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(p, want, n);
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "keyed", "{\"a\":21}"), MC_OK);
    assert_string_equal(th_payload(f), "{\"a\":21,\"total\":42}");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "default-fn", "{}"), MC_OK);
    assert_string_equal(th_prop(f, "m"), "default");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "json-text", "{\"k\": [1, 2]}"), MC_OK);
    assert_string_equal(th_prop(f, "jt"), "{\"k\": [1, 2]}");
    th_flow_free(f);
}

static void test_false_stops(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    assert_int_equal(th_run(f, "refuse", "{}"), MC_OK);
    assert_null(th_prop(f, "after"));
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "false", "{}"), MC_OK);
    assert_string_equal(th_prop(f, "x"), "1");
    assert_null(th_prop(f, "after"));
    th_flow_free(f);
}

static void test_properties(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "gone", "1");
    mc_msg_set_propz(f->m, MC_SCOPE_TRANSPORT, "X-Gone", "1");
    assert_int_equal(th_run(f, "props", "{}"), MC_OK);
    assert_string_equal(th_prop(f, "s"), "v");
    const mc_prop *o = mc_msg_get_prop(f->m, MC_SCOPE_DEFAULT, "o");
    assert_string_equal(o->value, "{\"a\":[1,2]}");
    assert_int_equal(o->type, MC_VT_JSON);
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "t"), "tv");
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_AXIS2, "ax"), "av");
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "x-h"), "hv");
    assert_null(th_prop(f, "gone"));
    assert_null(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "X-Gone"));
    assert_string_equal(mc_msg_get_var(f->m, "v")->value, "42");
    assert_string_equal(th_prop(f, "read"), "tv|hv||42|string");
    assert_non_null(strstr(th_logs(f), "script: logged v\n"));
    assert_non_null(strstr(th_logs(f), "script: printed 1 true\n"));
    th_flow_free(f);
}

static void test_payload_xml(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    mc_err err = {0};
    const char *xml = "<a><x>1</x></a>";
    assert_int_equal(mc_msg_set_payload(f->m, xml, strlen(xml), "application/xml", &err), MC_OK);
    assert_int_equal(th_run(f, "xml", NULL), MC_OK);
    assert_string_equal(th_prop(f, "before"), "<a><x>1</x></a>");
    assert_string_equal(th_payload(f), "<b xmlns=\"urn:b\"><c>15</c></b>");
    assert_non_null(strstr(th_prop(f, "text"), "<soapenv:Body><b xmlns=\"urn:b\"><c>15</c></b></soapenv:Body>"));
    /* a JSON message keeps answering JSON after setPayloadXML */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "xml", "{\"q\":1}"), MC_OK);
    assert_string_equal(th_prop(f, "before"), "<jsonObject><q>1</q></jsonObject>");
    assert_string_equal(th_payload(f), "{\"b\":{\"c\":33}}");
    th_flow_free(f);
}

static void test_isolation(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    for (int i = 0; i < 2; i++) {
        th_flow_reset_msg(f);
        assert_int_equal(th_run(f, "isolated", "{}"), MC_OK);
        assert_null(th_prop(f, "saw"));
        assert_string_equal(th_prop(f, "eval"), "undefined/undefined");
    }
    th_flow_free(f);
}

static void expect_fault(th_flow *f, const char *seq, const char *msg, const char *detail)
{
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, seq, "{}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_CODE"), "0");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), msg);
    const char *d = th_prop(f, "ERROR_DETAIL");
    if (!d || !strstr(d, detail))
        fail_msg("%s: detail [%s], want [%s]", seq, d ? d : "(none)", detail);
}

static void test_limits_and_faults(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    const char *inl = "The script engine returned an error executing the inlined js script";
    expect_fault(f, "loop", inl, "RangeError: script exceeded its instruction budget of 5000000 steps");
    expect_fault(f, "recurse", inl, "instruction budget");
    expect_fault(f, "catchall", inl, "instruction budget");
    expect_fault(f, "small-budget", inl, "RangeError: script exceeded its instruction budget of 100 steps");
    expect_fault(f, "memory", inl, "RangeError: script exceeded its memory limit of 4000000 bytes");
    expect_fault(f, "throws", inl, "TypeError");
    expect_fault(f, "bad-json", inl, "setPayloadJSON: not JSON");
    th_flow_free(f);
}

static void test_diagnostics(void **state)
{
    (void)state;
    static const th_diag_case cases[] = {
        {"<sequence name=\"s\"><script language=\"groovy\">x</script></sequence>",
         "t.xml:1:28: error: script language 'groovy' is not supported: mediac runs JavaScript only "
         "(language=\"js\"); rewrite the script in JavaScript or as a native mediator "
         "(mc_engine_register_mediator)\n"},
        {"<sequence name=\"s\"><script>x</script></sequence>",
         "t.xml:1:20: error: the 'language' attribute is required for a script mediator\n"},
        {"<sequence name=\"s\"><script language=\"js\" function=\"f\">x</script></sequence>",
         "t.xml:1:42: error: cannot use 'function' attribute without 'key' attribute for a script mediator\n"},
        {"<sequence name=\"s\"><script language=\"js\">var = 1;</script></sequence>",
         "t.xml:1:20: error: script: SyntaxError: invalid variable declaration (line 1)\n"},
        {"<sequence name=\"s\"><script language=\"js\" key=\"nope\"/></sequence>",
         "t.xml:1:42: warning: unknown local entry 'nope'\n"},
        {"<definitions><localEntry key=\"k\">function mediate(mc) { return }}</localEntry>"
         "<sequence name=\"s\"><script language=\"js\" key=\"k\"/></sequence></definitions>",
         "t.xml:1:120: error: script 'k': SyntaxError: parse error (line 1, end of input)\n"},
    };
    th_check_diags(cases, sizeof cases / sizeof *cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instrument),
        cmocka_unit_test(test_payload_json),
        cmocka_unit_test(test_false_stops),
        cmocka_unit_test(test_properties),
        cmocka_unit_test(test_payload_xml),
        cmocka_unit_test(test_isolation),
        cmocka_unit_test(test_limits_and_faults),
        cmocka_unit_test(test_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
