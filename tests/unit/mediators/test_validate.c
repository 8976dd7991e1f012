/* test_validate.c - unit tests for <validate>: a valid payload goes on, an
 * invalid one sets ERROR_MESSAGE/ERROR_DETAIL and runs <on-fail> (after
 * which the flow continues unless it ends it), `source`, schemas chosen by
 * target namespace, xs:include through <resource>, JSON payloads through
 * their XML view, and the load-time diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_harness.h"

#define XS "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\""
#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>\n"

static const char *config =
    "<definitions>\n"
    "<localEntry key=\"order.xsd\"><xs:schema " XS ">"
    "<xs:element name=\"order\"><xs:complexType><xs:sequence>"
    "<xs:element name=\"qty\" type=\"xs:positiveInteger\"/>"
    "</xs:sequence></xs:complexType></xs:element></xs:schema></localEntry>\n"
    "<localEntry key=\"ns.xsd\"><xs:schema " XS " targetNamespace=\"urn:n\" xmlns:n=\"urn:n\" elementFormDefault=\"qualified\">"
    "<xs:include schemaLocation=\"types.xsd\"/>"
    "<xs:element name=\"item\" type=\"n:code\"/></xs:schema></localEntry>\n"
    "<localEntry key=\"types.xsd\"><xs:schema " XS " targetNamespace=\"urn:n\">"
    "<xs:simpleType name=\"code\"><xs:restriction base=\"xs:string\"><xs:pattern value=\"[A-Z]{3}\"/>"
    "</xs:restriction></xs:simpleType></xs:schema></localEntry>\n"
    SEQ("v", "<validate><schema key=\"order.xsd\"/>"
             "<on-fail><property name=\"failed\" value=\"yes\"/></on-fail></validate>"
             "<property name=\"after\" value=\"1\"/>")
    SEQ("stop", "<validate><schema key=\"order.xsd\"/><on-fail><drop/></on-fail></validate>"
                "<property name=\"after\" value=\"1\"/>")
    SEQ("src", "<validate source=\"//order\"><schema key=\"order.xsd\"/>"
               "<on-fail><property name=\"failed\" value=\"yes\"/></on-fail></validate>")
    SEQ("two", "<validate xmlns:n=\"urn:n\"><schema key=\"order.xsd\"/><schema key=\"ns.xsd\"/>"
               "<resource location=\"types.xsd\" key=\"types.xsd\"/>"
               "<on-fail><property name=\"failed\" value=\"yes\"/></on-fail></validate>")
    "</definitions>";

static mc_code run_xml(th_flow *f, const char *seq, const char *xml)
{
    th_flow_reset_msg(f);
    mc_err err = {0};
    assert_int_equal(mc_msg_set_payload(f->m, xml, strlen(xml), "application/xml", &err), MC_OK);
    return th_run(f, seq, NULL);
}

static void test_valid_and_invalid(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    assert_int_equal(run_xml(f, "v", "<order><qty>3</qty></order>"), MC_OK);
    assert_null(th_prop(f, "failed"));
    assert_string_equal(th_prop(f, "after"), "1");

    assert_int_equal(run_xml(f, "v", "<order><qty>-3</qty></order>"), MC_OK);
    assert_string_equal(th_prop(f, "failed"), "yes");
    assert_string_equal(th_prop(f, "after"), "1"); /* on-fail did not end the flow */
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
        "Element 'qty': '-3' is not a valid value of the atomic type 'xs:positiveInteger'.");
    assert_string_equal(th_prop(f, "ERROR_DETAIL"), th_prop(f, "ERROR_MESSAGE"));

    assert_int_equal(run_xml(f, "stop", "<order/>"), MC_OK);
    assert_true(f->m->dropped);
    assert_null(th_prop(f, "after"));
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
        "Element 'order': Missing child element(s). Expected is ( qty ).");

    /* a JSON payload is validated through its XML view */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "v", "{\"qty\":2}"), MC_OK);
    assert_string_equal(th_prop(f, "failed"), "yes"); /* root is <jsonObject> */
    th_flow_free(f);
}

static void test_source_and_namespaces(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    assert_int_equal(run_xml(f, "src", "<wrap><order><qty>1</qty></order></wrap>"), MC_OK);
    assert_null(th_prop(f, "failed"));
    assert_int_equal(run_xml(f, "src", "<wrap><other/></wrap>"), MC_OK);
    assert_string_equal(th_prop(f, "failed"), "yes");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
        "Error occurred while accessing source element: //order");

    assert_int_equal(run_xml(f, "two", "<n:item xmlns:n=\"urn:n\">ABC</n:item>"), MC_OK);
    assert_null(th_prop(f, "failed"));
    assert_int_equal(run_xml(f, "two", "<n:item xmlns:n=\"urn:n\">abc</n:item>"), MC_OK);
    assert_string_equal(th_prop(f, "failed"), "yes");
    assert_int_equal(run_xml(f, "two", "<order><qty>9</qty></order>"), MC_OK);
    assert_null(th_prop(f, "failed"));
    th_flow_free(f);
}

static void test_diagnostics(void **state)
{
    (void)state;
    static const th_diag_case cases[] = {
        {"<sequence name=\"s\"><validate><on-fail/></validate></sequence>",
         "t.xml:1:20: error: <validate> needs at least one <schema key>\n"},
        {"<sequence name=\"s\"><validate><schema key=\"k\"/></validate></sequence>",
         "t.xml:1:20: error: <validate> needs an <on-fail> sequence\n"},
        {"<sequence name=\"s\"><validate><schema key=\"k\"/><on-fail/></validate></sequence>",
         "t.xml:1:38: error: unknown local entry 'k'\n"},
        {"<definitions><localEntry key=\"k\">{\"type\":\"object\"}</localEntry>"
         "<sequence name=\"s\"><validate><schema key=\"k\"/><on-fail/></validate></sequence></definitions>",
         "t.xml:1:101: error: local entry 'k' is a JSON Schema: mediac validates XML Schema only so far\n"},
        {"<definitions><localEntry key=\"k\"><xs:schema " XS "><xs:element name=\"a\" type=\"nope\"/>"
         "</xs:schema></localEntry>"
         "<sequence name=\"s\"><validate><schema key=\"k\"/><on-fail/></validate></sequence></definitions>",
         "~error: local entry 'k' is not a valid XML Schema: "},
        {"<definitions><localEntry key=\"k\"><xs:schema " XS "><xs:include schemaLocation=\"/etc/x.xsd\"/>"
         "</xs:schema></localEntry>"
         "<sequence name=\"s\"><validate><schema key=\"k\"/><on-fail/></validate></sequence></definitions>",
         "~error: local entry 'k' is not a valid XML Schema: "},
        {"<sequence name=\"s\"><validate><schema key=\"k\"/><on-fail/><bogus/></validate></sequence>",
         "t.xml:1:57: error: unexpected <bogus> in <validate> (schema, resource, feature or on-fail)\n"},
    };
    assert_int_equal(th_check_diags(cases, sizeof cases / sizeof *cases), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_and_invalid),
        cmocka_unit_test(test_source_and_namespaces),
        cmocka_unit_test(test_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
