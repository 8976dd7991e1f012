/* test_datamapper.c - unit tests for <datamapper>: the classic generated
 * map_S_<in>_S_<out>() over JSON and over XML read through its schema
 * (namespaces, attributes, _ELEMVAL, arrays, value types, elements the
 * schema leaves out, a repeated element that is not a run), MI 4.x's
 * mapFunction(input), DM_PROPERTIES, '-' in names, XML output with the
 * output schema's namespaces, target="variable", faults (a throwing
 * mapping, a runaway loop, a value that is not its schema's number, a
 * mapping that returns no object) and the load-time refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_harness.h"

#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>\n"
#define ENTRY(key, text) "<localEntry key=\"" key "\"><![CDATA[" text "]]></localEntry>\n"
#define DM(cfg, in, out, it, ot) \
    "<datamapper config=\"" cfg "\" inputSchema=\"" in "\" outputSchema=\"" out \
    "\" inputType=\"" it "\" outputType=\"" ot "\"/>"

/* An XML order with namespaces, attributes, an element with both, arrays
 * and numbers. */
static const char *order_schema =
    "{\"$schema\":\"http://wso2.org/json-schema/wso2-data-mapper-v5.0.0/schema#\","
    "\"title\":\"ns1:order\",\"type\":\"object\","
    "\"namespaces\":[{\"prefix\":\"ns1\",\"url\":\"urn:orders\"}],"
    "\"properties\":{"
    "\"ns1:customer\":{\"type\":\"object\",\"value\":{\"type\":\"string\"},"
    "  \"attributes\":{\"tier\":{\"type\":\"string\"},\"age\":{\"type\":\"number\"}}},"
    "\"ns1:line\":{\"type\":\"array\",\"items\":[{\"type\":\"object\","
    "  \"properties\":{\"ns1:sku\":{\"type\":\"string\"},\"ns1:qty\":{\"type\":\"integer\"},"
    "  \"ns1:gift\":{\"type\":\"boolean\"}}}]},"
    "\"ns1:tag\":{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]},"
    "\"ns1:ship-to\":{\"type\":\"string\"}}}";

static const char *summary_schema =
    "{\"title\":\"summary\",\"type\":\"object\",\"properties\":{}}";

static const char *xsummary_schema =
    "{\"title\":\"s:summary\",\"type\":\"object\","
    "\"namespaces\":[{\"prefix\":\"s\",\"url\":\"urn:summary\"}],"
    "\"properties\":{\"s:total\":{\"type\":\"array\",\"items\":[{\"type\":\"number\"}]}}}";

static const char *config =
    "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n"
    ENTRY("order.json", "%ORDER%")
    ENTRY("summary.json", "%SUMMARY%")
    ENTRY("xsummary.json", "%XSUMMARY%")
    ENTRY("company.json", "{\"title\":\"company\",\"type\":\"object\"}")
    ENTRY("out.json", "{\"title\":\"out\",\"type\":\"object\"}")
    ENTRY("typed-in.json", "{\"title\":\"company\",\"type\":\"object\",\"inputType\":\"JSON\"}")
    ENTRY("typed-out.json", "{\"title\":\"out\",\"type\":\"object\",\"outputType\":\"JSON\"}")
    ENTRY("classic.dmc",
          "function map_S_order_S_summary() {\n"
          "  var o = {};\n"
          "  o.who = inputns1_order.ns1_customer._ELEMVAL;\n"
          "  o.tier = inputns1_order.ns1_customer.attr_tier;\n"
          "  o.age = inputns1_order.ns1_customer.attr_age + 1;\n"
          "  o.items = 0; o.gifts = 0;\n"
          "  for (var i in inputns1_order.ns1_line) {\n"
          "    o.items += inputns1_order.ns1_line[i].ns1_qty;\n"
          "    if (inputns1_order.ns1_line[i].ns1_gift) o.gifts++;\n"
          "  }\n"
          "  o.tags = inputns1_order.ns1_tag;\n"
          "  o.ship = inputns1_order['ns1_ship" "_EnC0DeCHaRHyPh3n_" "to'];\n"
          "  o.unknown = typeof inputns1_order.ns1_note;\n"
          "  o.by = DM_PROPERTIES.DEFAULT['clerk'];\n"
          "  o.via = DM_PROPERTIES.TRANSPORT['X-Channel'];\n"
          "  o.none = DM_PROPERTIES.DEFAULT['missing'];\n"
          "  return o;\n"
          "}\n")
    ENTRY("to-xml.dmc",
          "function map_S_company_S_summary() {\n"
          "  return {attr_id: inputcompany.id, s_name: inputcompany.name,\n"
          "    s_office: inputcompany.offices.map(function (o) { return {attr_city: o.city, _ELEMVAL: o.phone}; }),\n"
          "    'post" "_EnC0DeCHaRHyPh3n_" "code': inputcompany.zip, plain: [1, 2.5, true], skipped: undefined, nothing: null,\n"
          "    s_total: [100, 12345678.5, 0.0001, 5.95, -0.5]};\n"
          "}\n")
    ENTRY("ts.dmc",
          "/* compiled from TypeScript: functionName map_S_company_S_out */\n"
          "var dmUtils = { concat: function () { return Array.prototype.join.call(arguments, ''); } };\n"
          "function mapFunction(input) {\n"
          "  return { names: input.people.map(function (p) { return dmUtils.concat(p.first, ' ', p.last); }),\n"
          "           count: input.people.length };\n"
          "}\n")
    ENTRY("throws.dmc", "function map_S_company_S_out() { return inputcompany.no.such.thing; }")
    ENTRY("loops.dmc", "function map_S_company_S_out() { while (true) {} }")
    ENTRY("string.dmc", "function map_S_company_S_summary() { return 'text'; }")
    ENTRY("nofn.dmc", "var x = 1;")
    SEQ("classic", DM("classic.dmc", "order.json", "summary.json", "XML", "JSON"))
    SEQ("to-xml", DM("to-xml.dmc", "company.json", "xsummary.json", "JSON", "XML"))
    SEQ("ts", DM("ts.dmc", "company.json", "out.json", "JSON", "JSON"))
    SEQ("to-var", "<datamapper config=\"ts.dmc\" inputSchema=\"company.json\" outputSchema=\"out.json\""
                  " inputType=\"JSON\" outputType=\"JSON\" target=\"variable\" targetVariable=\"mapped\"/>")
    SEQ("typed", "<datamapper config=\"ts.dmc\" inputSchema=\"typed-in.json\" outputSchema=\"typed-out.json\"/>")
    SEQ("throws", DM("throws.dmc", "company.json", "out.json", "JSON", "JSON"))
    SEQ("loops", DM("loops.dmc", "company.json", "out.json", "JSON", "JSON"))
    SEQ("string", DM("string.dmc", "company.json", "summary.json", "JSON", "XML"))
    SEQ("nofn", DM("nofn.dmc", "company.json", "out.json", "JSON", "JSON"))
    SEQ("badnum", DM("classic.dmc", "order.json", "summary.json", "XML", "JSON"))
    "</definitions>";

static char *make_config(void)
{
    static const struct { const char *mark, *text; } subs[] = {
        {"%ORDER%", NULL}, {"%SUMMARY%", NULL}, {"%XSUMMARY%", NULL}};
    const char *texts[] = {order_schema, summary_schema, xsummary_schema};
    mc_buf b = MC_BUF_INIT;
    const char *p = config;
    for (;;) {
        const char *best = NULL;
        size_t which = 0;
        for (size_t i = 0; i < 3; i++) {
            const char *q = strstr(p, subs[i].mark);
            if (q && (!best || q < best))
                best = q, which = i;
        }
        if (!best)
            break;
        mc_buf_append(&b, p, (size_t)(best - p));
        mc_buf_puts(&b, texts[which]);
        p = best + strlen(subs[which].mark);
    }
    mc_buf_puts(&b, p);
    return mc_buf_steal(&b);
}

static th_flow *new_flow(void)
{
    char *xml = make_config();
    th_flow *f = th_flow_new(xml);
    free(xml);
    return f;
}

static const char *order_xml =
    "<o:order xmlns:o=\"urn:orders\" xmlns:x=\"urn:other\">"
    "<o:customer tier=\"gold\" age=\"41\">Ada</o:customer>"
    "<o:line><o:sku>a</o:sku><o:qty>2</o:qty><o:gift>TRUE</o:gift></o:line>"
    "<o:line><o:sku>b</o:sku><o:qty> 3 </o:qty><o:gift>no</o:gift></o:line>"
    "<o:note>left out</o:note><x:line>other namespace</x:line>"
    "<o:tag>t1</o:tag><o:tag>t2</o:tag>"
    "<o:ship-to>Paris</o:ship-to></o:order>";

static void test_classic_xml_to_json(void **state)
{
    (void)state;
    th_flow *f = new_flow();
    th_set_xml(f, order_xml);
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "clerk", "Bob");
    mc_msg_set_propz(f->m, MC_SCOPE_TRANSPORT, "x-channel", "web");
    assert_int_equal(th_run(f, "classic", NULL), MC_OK);
    assert_string_equal(th_payload(f),
                        "{\"who\":\"Ada\",\"tier\":\"gold\",\"age\":42,\"items\":5,\"gifts\":1,"
                        "\"tags\":[\"t1\",\"t2\"],\"ship\":\"Paris\",\"unknown\":\"undefined\","
                        "\"by\":\"Bob\",\"via\":\"web\",\"none\":\"\"}");
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_AXIS2, "messageType"), "application/json");

    /* a repeated element that is not a run starts over, as in MI (the last
     * of its duplicate keys wins) */
    th_flow_reset_msg(f);
    th_set_xml(f, "<order xmlns=\"urn:orders\"><customer>A</customer><tag>t1</tag><line/>"
               "<tag>t2</tag><tag>t3</tag></order>");
    assert_int_equal(th_run(f, "classic", NULL), MC_OK);
    assert_non_null(strstr(th_payload(f), "\"tags\":[\"t2\",\"t3\"]"));
    th_flow_free(f);
}

static void test_json_to_xml(void **state)
{
    (void)state;
    th_flow *f = new_flow();
    assert_int_equal(th_run(f, "to-xml", "{\"id\":7,\"name\":\"ACME\",\"zip\":\"75001\","
                                         "\"offices\":[{\"city\":\"Paris\",\"phone\":\"1\"},"
                                         "{\"city\":\"Oslo\",\"phone\":\"2\"}]}"),
                     MC_OK);
    assert_string_equal(th_payload(f),
                        "<s:summary xmlns:s=\"urn:summary\" id=\"7\"><s:name>ACME</s:name>"
                        "<s:office city=\"Paris\">1</s:office><s:office city=\"Oslo\">2</s:office>"
                        "<post-code>75001</post-code><plain>1</plain><plain>2.5</plain>"
                        "<plain>true</plain><s:total>100.0</s:total><s:total>1.23456785E7</s:total>"
                        "<s:total>1.0E-4</s:total><s:total>5.95</s:total><s:total>-0.5</s:total>"
                        "</s:summary>");
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_AXIS2, "messageType"), "application/xml");
    th_flow_free(f);
}

static void test_map_function_and_variable(void **state)
{
    (void)state;
    th_flow *f = new_flow();
    static const char *people = "{\"people\":[{\"first\":\"Ada\",\"last\":\"L\"},{\"first\":\"Alan\",\"last\":\"T\"}]}";
    assert_int_equal(th_run(f, "ts", people), MC_OK);
    assert_string_equal(th_payload(f), "{\"names\":[\"Ada L\",\"Alan T\"],\"count\":2}");

    /* no inputType/outputType: the schemas' own, as MI reads them */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "typed", people), MC_OK);
    assert_string_equal(th_payload(f), "{\"names\":[\"Ada L\",\"Alan T\"],\"count\":2}");

    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "to-var", people), MC_OK);
    assert_string_equal(th_payload(f), people);
    const mc_prop *v = mc_msg_get_var(f->m, "mapped");
    assert_non_null(v);
    assert_int_equal(v->type, MC_VT_JSON);
    assert_string_equal(v->value, "{\"names\":[\"Ada L\",\"Alan T\"],\"count\":2}");
    th_flow_free(f);
}

static void expect_fault(th_flow *f, const char *seq, const char *json, const char *detail)
{
    assert_int_equal(th_run(f, seq, json), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "DataMapper mediator : mapping failed");
    const char *d = th_prop(f, "ERROR_DETAIL");
    if (!d || !strstr(d, detail))
        fail_msg("%s: detail [%s], want [%s]", seq, d ? d : "(none)", detail);
    th_flow_reset_msg(f);
}

static void test_faults(void **state)
{
    (void)state;
    th_flow *f = new_flow();
    expect_fault(f, "throws", "{}", "TypeError");
    expect_fault(f, "loops", "{}", "instruction budget");
    expect_fault(f, "string", "{}", "did not return an object");
    expect_fault(f, "nofn", "{}", "Could not find mapping JavaScript function.");
    expect_fault(f, "ts", NULL, "no JSON payload");
    th_set_xml(f, "<order xmlns=\"urn:orders\"><line><qty>two</qty></line></order>");
    expect_fault(f, "badnum", NULL, "not the number its schema says");
    th_flow_free(f);
}

static void test_load_errors(void **state)
{
    (void)state;
    static const th_diag_case cases[] = {
        {"<definitions><sequence name=\"s\"><datamapper inputSchema=\"a\" outputSchema=\"b\"/></sequence></definitions>",
         "~The attribute config is required for the DataMapper mediator"},
        {"<definitions><sequence name=\"s\"><datamapper config=\"c\" outputSchema=\"b\"/></sequence></definitions>",
         "~The attribute inputSchema is required for the DataMapper mediator"},
        {"<definitions><sequence name=\"s\"><datamapper config=\"c\" inputSchema=\"a\"/></sequence></definitions>",
         "~The outputSchema attribute is required for the DataMapper mediator"},
        {"<definitions><sequence name=\"s\"><datamapper config=\"c\" inputSchema=\"a\" outputSchema=\"b\" inputType=\"CSV\"/></sequence></definitions>",
         "~CSV is not supported"},
        {"<definitions><localEntry key=\"c\">function map_S_a_S_b( {</localEntry>"
         "<localEntry key=\"a\">{\"title\":\"a\"}</localEntry><localEntry key=\"b\">{\"title\":\"b\"}</localEntry>"
         "<sequence name=\"s\"><datamapper config=\"c\" inputSchema=\"a\" outputSchema=\"b\"/></sequence></definitions>",
         "~datamapper config 'c': SyntaxError"},
        {"<definitions><localEntry key=\"c\">function f() {}</localEntry>"
         "<localEntry key=\"a\">{\"type\":\"object\"}</localEntry><localEntry key=\"b\">{\"title\":\"b\"}</localEntry>"
         "<sequence name=\"s\"><datamapper config=\"c\" inputSchema=\"a\" outputSchema=\"b\"/></sequence></definitions>",
         "~has no \"title\""},
        {"<definitions><sequence name=\"s\"><datamapper config=\"c\" inputSchema=\"a\" outputSchema=\"b\" target=\"variable\"/></sequence></definitions>",
         "~needs a 'targetVariable'"},
    };
    th_check_diags(cases, sizeof cases / sizeof *cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classic_xml_to_json),
        cmocka_unit_test(test_json_to_xml),
        cmocka_unit_test(test_map_function_and_variable),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
