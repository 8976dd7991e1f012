/* test_enrich.c - unit tests for <enrich>: the JSON path with MI's own
 * integration-test flows and answers (EnrichIntegrationJsonPathTestCase,
 * enrich_json_api_configurations.xml), remove and key rename, and the XML
 * path with every source (custom, body, envelope, property, inline XML and
 * text, key) and target (custom element/text/attribute, body, envelope,
 * property, variable) and action (replace, child, sibling); diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_harness.h"

#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>\n"
#define DEFS(body) "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n" body "</definitions>"
#define EN(src, tgt) "<enrich>" src tgt "</enrich>"

/* MI's enrichSampleInput.json */
static const char *patient =
    "{\n  \"name\": \"John Doe\",\n  \"address\": null,\n  \"phone\": [8770586755, 35352399, null],\n"
    "  \"email\": \"johndoe@gmail.com\",\n  \"doctor\": {\n    \"name\" : \"thomas collins\",\n"
    "    \"doctorid\" : \"76DA-856\"\n  },\n  \"hospital\": \"grand oak community hospital\",\n"
    "  \"appointment_date\": \"2017-04-02\"\n}";

static const char *run_json(th_flow *f, const char *seq, const char *json)
{
    th_flow_reset_msg(f);
    mc_code rc = th_run(f, seq, json);
    if (rc != MC_OK)
        fail_msg("%s: rc %d %s", seq, rc, th_prop(f, "ERROR_MESSAGE") ? th_prop(f, "ERROR_MESSAGE") : "");
    return th_payload(f);
}

static const char *run_xml(th_flow *f, const char *seq, const char *xml)
{
    th_flow_reset_msg(f);
    mc_msg_set_payload(f->m, xml, strlen(xml), "application/xml", NULL);
    mc_code rc = th_run(f, seq, NULL);
    if (rc != MC_OK)
        fail_msg("%s: rc %d %s", seq, rc, th_prop(f, "ERROR_MESSAGE") ? th_prop(f, "ERROR_MESSAGE") : "");
    return th_payload(f);
}

static void test_mi_json_cases(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        SEQ("t2", EN("<source type=\"inline\" clone=\"true\">{\"appointment_id\" : \"1\"}</source>",
                     "<target action=\"child\" xpath=\"json-eval($)\"/>"))
        SEQ("t3", EN("<source type=\"inline\" clone=\"true\">{\"countryCode\" : 94}</source>",
                     "<target action=\"child\" xpath=\"json-eval($.phone)\"/>")
                  EN("<source type=\"inline\" clone=\"true\">{\"active\" : true}</source>",
                     "<target action=\"child\" xpath=\"json-eval($.doctor)\"/>"))
        SEQ("t7", EN("<source clone=\"true\" xpath=\"json-eval($.email)\"/>",
                     "<target type=\"property\" property=\"testEmail\"/>")
                  EN("<source type=\"inline\" clone=\"true\">{\"person\" : {\"name\": \"Alice\", \"email\" : null}}</source>",
                     "<target type=\"body\"/>")
                  EN("<source type=\"property\" clone=\"true\" property=\"testEmail\"/>",
                     "<target xpath=\"json-eval($.person.email)\"/>"))
        SEQ("t8", EN("<source type=\"body\" clone=\"false\"/>", "<target type=\"property\" property=\"ENRICH_BODY\"/>")
                  EN("<source type=\"property\" clone=\"false\" property=\"ENRICH_BODY\"/>", "<target type=\"body\"/>"))
        SEQ("t9", EN("<source type=\"body\" clone=\"true\"/>", "<target type=\"property\" property=\"testBody\"/>")
                  EN("<source type=\"inline\" clone=\"true\">{\"person\" : {\"name\": \"Alice\",\"email\" : null}}</source>",
                     "<target type=\"body\"/>")
                  EN("<source type=\"property\" clone=\"true\" property=\"testBody\"/>", "<target type=\"body\"/>"))
        SEQ("t11", EN("<source clone=\"true\" xpath=\"json-eval($.doctor.name)\"/>",
                      "<target xpath=\"json-eval($.doctor)\"/>"))
        SEQ("t14", EN("<source type=\"inline\" clone=\"true\">alice@integrator.net</source>",
                      "<target type=\"property\" property=\"testEmail\"/>")
                   EN("<source type=\"inline\" clone=\"true\">{\"name\" : \"adam eve\", \"doctorid\" : \"934T-76A\"}</source>",
                      "<target type=\"property\" property=\"testDoctor\"/>")
                   EN("<source type=\"inline\" clone=\"true\">[32535235, 35353897, null]</source>",
                      "<target type=\"property\" property=\"testPhone\"/>")
                   EN("<source type=\"property\" clone=\"true\" property=\"testEmail\"/>",
                      "<target xpath=\"json-eval($.email)\"/>")
                   EN("<source type=\"property\" clone=\"true\" property=\"testDoctor\"/>",
                      "<target xpath=\"json-eval($.doctor)\"/>")
                   EN("<source type=\"property\" clone=\"true\" property=\"testPhone\"/>",
                      "<target xpath=\"json-eval($.phone)\"/>"))));
    /* the answers EnrichIntegrationJsonPathTestCase asserts (compact, as Gson writes them) */
    assert_string_equal(run_json(f, "t2", patient),
        "{\"name\":\"John Doe\",\"address\":null,\"phone\":[8770586755,35352399,null],"
        "\"email\":\"johndoe@gmail.com\",\"doctor\":{\"name\":\"thomas collins\",\"doctorid\":\"76DA-856\"},"
        "\"hospital\":\"grand oak community hospital\",\"appointment_date\":\"2017-04-02\",\"appointment_id\":\"1\"}");
    assert_string_equal(run_json(f, "t3", patient),
        "{\"name\":\"John Doe\",\"address\":null,\"phone\":[8770586755,35352399,null,{\"countryCode\":94}],"
        "\"email\":\"johndoe@gmail.com\",\"doctor\":{\"name\":\"thomas collins\",\"doctorid\":\"76DA-856\",\"active\":true},"
        "\"hospital\":\"grand oak community hospital\",\"appointment_date\":\"2017-04-02\"}");
    assert_string_equal(run_json(f, "t7", patient), "{\"person\":{\"name\":\"Alice\",\"email\":\"johndoe@gmail.com\"}}");
    assert_string_equal(th_prop(f, "testEmail"), "\"johndoe@gmail.com\""); /* Gson's toString */
    const char *same =
        "{\"name\":\"John Doe\",\"address\":null,\"phone\":[8770586755,35352399,null],"
        "\"email\":\"johndoe@gmail.com\",\"doctor\":{\"name\":\"thomas collins\",\"doctorid\":\"76DA-856\"},"
        "\"hospital\":\"grand oak community hospital\",\"appointment_date\":\"2017-04-02\"}";
    assert_string_equal(run_json(f, "t8", patient), same);
    assert_string_equal(run_json(f, "t9", patient), same);
    assert_string_equal(run_json(f, "t11", patient),
        "{\"name\":\"John Doe\",\"address\":null,\"phone\":[8770586755,35352399,null],"
        "\"email\":\"johndoe@gmail.com\",\"doctor\":\"thomas collins\","
        "\"hospital\":\"grand oak community hospital\",\"appointment_date\":\"2017-04-02\"}");
    assert_string_equal(run_json(f, "t14", patient),
        "{\"name\":\"John Doe\",\"address\":null,\"phone\":[32535235,35353897,null],"
        "\"email\":\"alice@integrator.net\",\"doctor\":{\"name\":\"adam eve\",\"doctorid\":\"934T-76A\"},"
        "\"hospital\":\"grand oak community hospital\",\"appointment_date\":\"2017-04-02\"}");
    th_flow_free(f);
}

static void test_json_remove_key_and_more(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        SEQ("rm", EN("<source xpath=\"json-eval($.a.b,$.c[1],$.nothere)\"/>", "<target type=\"body\" action=\"remove\"/>"))
        SEQ("rmall", EN("<source xpath=\"json-eval($)\"/>", "<target type=\"body\" action=\"remove\"/>"))
        SEQ("rmprop", "<property name=\"p\" value='{\"x\":1,\"y\":2}'/>"
                      EN("<source xpath=\"json-eval($.x)\"/>", "<target type=\"property\" property=\"p\" action=\"remove\"/>"))
        SEQ("key", EN("<source type=\"inline\">newName</source>", "<target type=\"key\" xpath=\"json-eval($.a.b)\"/>"))
        SEQ("move", EN("<source xpath=\"json-eval($.a)\" clone=\"false\"/>", "<target type=\"property\" property=\"moved\"/>"))
        SEQ("multi", EN("<source xpath=\"json-eval($.c[*])\"/>", "<target type=\"property\" property=\"all\"/>"))
        SEQ("expr", "<property name=\"who\" value=\"Ann &quot;A&quot;\"/><property name=\"n\" value=\"7\"/>"
                    EN("<source type=\"inline\">{\"who\": {$ctx:who}, \"n\": {$ctx:n}, \"q\": \"{$ctx:who}\"}</source>",
                       "<target type=\"body\"/>"))
        SEQ("var", EN("<source xpath=\"json-eval($.a)\"/>", "<target type=\"variable\" property=\"v\"/>")
                   "<property name=\"fromVar\" expression=\"${vars.v.b}\"/>")
        SEQ("missing", EN("<source xpath=\"json-eval($.zzz)\"/>", "<target type=\"property\" property=\"p\"/>"))
        SEQ("sib", EN("<source type=\"inline\">{\"k\":1}</source>", "<target action=\"sibling\" xpath=\"json-eval($.a)\"/>"))));
    const char *in = "{\"a\":{\"b\":1,\"keep\":true},\"c\":[10,20,30]}";
    assert_string_equal(run_json(f, "rm", in), "{\"a\":{\"keep\":true},\"c\":[10,30]}");
    assert_string_equal(run_json(f, "rmall", in), "");
    run_json(f, "rmprop", in);
    assert_string_equal(th_prop(f, "p"), "{\"y\":2}");
    assert_string_equal(run_json(f, "key", in), "{\"a\":{\"keep\":true,\"newName\":1},\"c\":[10,20,30]}");
    assert_string_equal(run_json(f, "move", in), "{\"c\":[10,20,30]}");
    assert_string_equal(th_prop(f, "moved"), "{\"b\":1,\"keep\":true}");
    run_json(f, "multi", in);
    assert_string_equal(th_prop(f, "all"), "[10,20,30]");
    assert_string_equal(run_json(f, "expr", in), "{\"who\":\"Ann \\\"A\\\"\",\"n\":7,\"q\":\"Ann \\\"A\\\"\"}");
    run_json(f, "var", in);
    assert_string_equal(th_prop(f, "fromVar"), "1");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "missing", in), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
                        "Failed to get the source for Enriching : No results for path: json-eval($.zzz)");
    assert_string_equal(run_json(f, "sib", in), in); /* not supported: logged, unchanged */
    assert_non_null(strstr(th_logs(f), "Action sibling is not supported"));
    th_flow_free(f);
}

static void test_xml_targets(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        SEQ("child", EN("<source type=\"inline\"><symbol>Test</symbol></source>",
                        "<target action=\"child\" xpath=\"//order\"/>"))
        SEQ("sibling", EN("<source type=\"inline\"><a>1</a></source>", "<target action=\"sibling\" xpath=\"//order\"/>")
                       EN("<source type=\"inline\"><b>2</b></source>", "<target action=\"sibling\" xpath=\"//order\"/>"))
        SEQ("replace", EN("<source type=\"inline\"><new/></source>", "<target xpath=\"//order/qty\"/>"))
        SEQ("text", EN("<source type=\"inline\">replaced</source>", "<target xpath=\"//order/qty/text()\"/>"))
        SEQ("textel", EN("<source type=\"inline\">replaced</source>", "<target xpath=\"//order/qty\"/>"))
        SEQ("attr", "<property name=\"v\" value=\"v2\"/>"
                    EN("<source xpath=\"$ctx:v\"/>", "<target xpath=\"//order/@id\"/>"))
        SEQ("body", EN("<source type=\"inline\"><fresh>body</fresh></source>", "<target type=\"body\"/>"))
        SEQ("bodychild", EN("<source xpath=\"//qty\"/>", "<target type=\"body\" action=\"child\"/>"))
        SEQ("bodyjson", EN("<source type=\"inline\">{\"json\": true}</source>", "<target type=\"body\"/>"))
        SEQ("bodyprop", "<property name=\"p\" value=\"hello\"/>"
                        EN("<source type=\"property\" property=\"p\"/>", "<target type=\"body\"/>"))
        SEQ("moveq", EN("<source xpath=\"//qty\" clone=\"false\"/>", "<target action=\"child\" xpath=\"//order/name\"/>"))
        SEQ("multi", EN("<source xpath=\"//item\"/>", "<target xpath=\"//order\"/>"))
        SEQ("none", EN("<source xpath=\"//nothing\"/>", "<target xpath=\"//order\"/>"))
        SEQ("badtarget", EN("<source type=\"inline\"><x/></source>", "<target xpath=\"//nothing\"/>"))));
    const char *in = "<order id=\"o1\"><name>n</name><qty>3</qty></order>";
    assert_string_equal(run_xml(f, "child", in),
                        "<order id=\"o1\"><name>n</name><qty>3</qty><symbol xmlns=\"http://ws.apache.org/ns/synapse\">Test</symbol></order>");
    /* each sibling right after the target (Synapse's insertSiblingAfter) */
    th_flow_reset_msg(f);
    mc_msg_set_payload(f->m, "<r><order/></r>", 15, "application/xml", NULL);
    assert_int_equal(th_run(f, "sibling", NULL), MC_OK);
    assert_string_equal(th_payload(f),
                        "<r><order/><b xmlns=\"http://ws.apache.org/ns/synapse\">2</b>"
                        "<a xmlns=\"http://ws.apache.org/ns/synapse\">1</a></r>");
    assert_string_equal(run_xml(f, "replace", in),
                        "<order id=\"o1\"><name>n</name><new xmlns=\"http://ws.apache.org/ns/synapse\"/></order>");
    assert_string_equal(run_xml(f, "text", in), "<order id=\"o1\"><name>n</name><qty>replaced</qty></order>");
    assert_string_equal(run_xml(f, "textel", in), "<order id=\"o1\"><name>n</name><qty>replaced</qty></order>");
    assert_string_equal(run_xml(f, "attr", in), "<order id=\"v2\"><name>n</name><qty>3</qty></order>");
    assert_string_equal(run_xml(f, "body", in), "<fresh xmlns=\"http://ws.apache.org/ns/synapse\">body</fresh>");
    assert_string_equal(run_xml(f, "bodychild", in),
                        "<order id=\"o1\"><name>n</name><qty>3</qty><qty>3</qty></order>");
    assert_string_equal(run_xml(f, "bodyjson", in), "{\"json\": true}");
    assert_string_equal(mc_msg_content_type(f->m), "application/json");
    assert_string_equal(run_xml(f, "moveq", in), "<order id=\"o1\"><name>n<qty>3</qty></name></order>");
    assert_string_equal(run_xml(f, "multi", "<r><item>1</item><item>2</item><order/></r>"),
                        "<r><item>1</item><item>2</item><item>1</item><item>2</item></r>");
    assert_string_equal(run_xml(f, "none", in), in);
    th_flow_reset_msg(f);
    mc_msg_set_payload(f->m, in, strlen(in), "application/xml", NULL);
    assert_int_equal(th_run(f, "badtarget", NULL), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "Invalid Target object to be enrich.");

    /* a message with no body yet (a GET): elements become the body, as in
     * Synapse's Target.insert; text (inline JSON, a string property) is
     * left out with its error, and the body stays empty */
    static const struct { const char *seq, *want; bool error; } empty[] = {
        {"body", "<fresh xmlns=\"http://ws.apache.org/ns/synapse\">body</fresh>", false},
        {"bodychild", "", false},
        {"bodyjson", "", true},
        {"bodyprop", "", true},
    };
    for (size_t i = 0; i < sizeof empty / sizeof *empty; i++) {
        th_flow_reset_msg(f);
        mc_buf_reset(&f->logs);
        assert_int_equal(th_run(f, empty[i].seq, NULL), MC_OK);
        assert_string_equal(th_payload(f), empty[i].want);
        bool logged = f->logs.len &&
                      strstr(mc_buf_cstr(&f->logs), "Invalid Object type to be inserted into message body");
        if (logged != empty[i].error)
            fail_msg("%s: error logged %d, want %d", empty[i].seq, logged, empty[i].error);
    }
    th_flow_free(f);
}

static void test_xml_properties_envelope_json_view(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        "<localEntry key=\"snippet\"><extra xmlns=\"\">from entry</extra></localEntry>\n"
        SEQ("prop", EN("<source xpath=\"//qty\"/>", "<target type=\"property\" property=\"q\"/>")
                    EN("<source type=\"inline\"><holder xmlns=\"\"/></source>", "<target type=\"property\" property=\"h\"/>")
                    EN("<source xpath=\"//name\"/>", "<target type=\"property\" property=\"h\" action=\"child\"/>")
                    EN("<source type=\"property\" property=\"h\"/>", "<target action=\"child\" xpath=\"//order\"/>"))
        SEQ("getprop", "<property name=\"body\" type=\"OM\"><m:getQuote xmlns:m=\"http://services.samples\"><m:symbol>WSO2</m:symbol></m:getQuote></property>"
                       EN("<source clone=\"true\" xpath=\"get-property('body')\"/>", "<target xpath=\"//order\"/>"))
        SEQ("key", EN("<source type=\"inline\" key=\"snippet\"/>", "<target action=\"child\" xpath=\"//order\"/>"))
        SEQ("env", EN("<source type=\"envelope\"/>", "<target type=\"property\" property=\"saved\"/>")
                   EN("<source type=\"inline\"><x xmlns=\"\">other</x></source>", "<target type=\"body\"/>")
                   EN("<source type=\"property\" property=\"saved\"/>", "<target type=\"envelope\"/>"))
        SEQ("jsonview", EN("<source type=\"inline\"><extra xmlns=\"\">1</extra></source>",
                           "<target action=\"child\" xpath=\"//jsonObject\"/>"))
        SEQ("xmlvar", EN("<source xpath=\"//name\"/>", "<target type=\"variable\" property=\"nm\"/>"))));
    const char *in = "<order id=\"o1\"><name>n</name><qty>3</qty></order>";
    assert_string_equal(run_xml(f, "prop", in),
                        "<order id=\"o1\"><name>n</name><qty>3</qty><holder><name>n</name></holder></order>");
    assert_string_equal(th_prop(f, "q"), "<qty>3</qty>");
    assert_string_equal(run_xml(f, "getprop", in),
                        "<m:getQuote xmlns:m=\"http://services.samples\"><m:symbol>WSO2</m:symbol></m:getQuote>");
    assert_string_equal(run_xml(f, "key", in),
                        "<order id=\"o1\"><name>n</name><qty>3</qty><extra>from entry</extra></order>");
    assert_string_equal(run_xml(f, "env", in), in);
    /* a JSON payload edited through its XML view keeps answering in JSON */
    assert_string_equal(run_json(f, "jsonview", "{\"a\":1}"), "{\"a\":1,\"extra\":1}");
    run_xml(f, "xmlvar", in);
    assert_string_equal(mc_msg_get_var(f->m, "nm")->value, "<name>n</name>");
    th_flow_free(f);
}

static void test_diagnostics(void **state)
{
    (void)state;
    static const th_diag_case c[] = {
        {DEFS(SEQ("s", "<enrich><source type=\"body\"/></enrich>")),
         "t.xml:2:20: error: <enrich> needs a <source> and a <target>\n"},
        {DEFS(SEQ("s", EN("<source type=\"bodyy\"/>", "<target type=\"body\"/>"))),
         "t.xml:2:36: error: unknown source type 'bodyy' (custom, envelope, body, property, inline)\n"},
        {DEFS(SEQ("s", EN("<source type=\"body\"/>", "<target type=\"inline\"/>"))),
         "t.xml:2:57: error: inline is not a target type 'inline' (custom, envelope, body, property, key, variable)\n"},
        {DEFS(SEQ("s", EN("<source type=\"body\"/>", "<target type=\"body\"/>"))),
         "t.xml:2:20: error: <enrich>: Wrong combination of source and target type (source body, target body)\n"},
        {DEFS(SEQ("s", EN("<source type=\"envelope\"/>", "<target xpath=\"//a\"/>"))),
         "t.xml:2:20: error: <enrich>: Wrong combination of source and target type (source envelope, target custom)\n"},
        {DEFS(SEQ("s", EN("<source type=\"body\"/>", "<target type=\"body\" action=\"remove\"/>"))),
         "t.xml:2:20: error: <enrich>: Wrong combination of source and target type (source body, target body)\n"},
        {DEFS(SEQ("s", EN("<source type=\"property\" property=\"p\"/>", "<target type=\"body\" action=\"remove\"/>"))),
         "t.xml:2:20: error: <enrich>: Wrong combination of source type and target action (remove takes a custom source) (source property, target body)\n"},
        {DEFS(SEQ("s", EN("<source type=\"inline\">{}</source>", "<target action=\"replace\" xpath=\"json-eval($)\"/>"))),
         "t.xml:2:86: error: replace is not supported for the root path in type custom; use <target type=\"body\" action=\"replace\"/> instead (as Synapse)\n"},
        {DEFS(SEQ("s", EN("<source type=\"inline\">x</source>", "<target type=\"key\" xpath=\"json-eval($.a)\" action=\"child\"/>"))),
         "t.xml:2:102: error: only the replace action is supported for the target type 'key'\n"},
        {DEFS(SEQ("s", EN("<source type=\"custom\"/>", "<target type=\"body\"/>"))),
         "t.xml:2:28: error: <source type=\"custom\"> needs an 'xpath' attribute\n"},
        {DEFS(SEQ("s", EN("<source xpath=\"//a[\"/>", "<target type=\"body\"/>"))),
         NULL},
        {DEFS(SEQ("s", EN("<source type=\"inline\"/>", "<target type=\"body\"/>"))),
         "t.xml:2:28: error: <source type=\"inline\"> needs inline XML, JSON or text, or a 'key'\n"},
        {DEFS(SEQ("s", EN("<source type=\"body\"/>", "<target action=\"append\" type=\"property\" property=\"p\"/>"))),
         "t.xml:2:57: error: unknown action 'append' (replace, child, sibling, remove)\n"},
    };
    /* the XPath syntax error's wording is the expression layer's: just check it is an error */
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        if (c[i].diag)
            continue;
        char *d = th_diags(c[i].xml);
        assert_non_null(strstr(d, ": error: "));
        free(d);
    }
    th_diag_case known[sizeof c / sizeof *c];
    size_t n = 0;
    for (size_t i = 0; i < sizeof c / sizeof *c; i++)
        if (c[i].diag)
            known[n++] = c[i];
    th_check_diags(known, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mi_json_cases),
        cmocka_unit_test(test_json_remove_key_and_more),
        cmocka_unit_test(test_xml_targets),
        cmocka_unit_test(test_xml_properties_envelope_json_view),
        cmocka_unit_test(test_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
