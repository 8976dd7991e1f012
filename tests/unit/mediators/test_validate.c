/* test_validate.c - unit tests for <validate>: a valid payload goes on, an
 * invalid one sets ERROR_MESSAGE/ERROR_DETAIL and runs <on-fail> (after
 * which the flow continues unless it ends it), `source`, schemas chosen by
 * target namespace, xs:include through <resource>, JSON payloads against a
 * JSON Schema (or through their XML view against an XML Schema), JSONPath
 * and Synapse Expression sources, dynamic schema keys, and the load-time
 * diagnostics. */
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
    SEQ("v", "<validate><property name=\"validation-feature-id\" value=\"false\"/><schema key=\"order.xsd\"/>"
             "<on-fail><property name=\"failed\" value=\"yes\"/></on-fail></validate>"
             "<property name=\"after\" value=\"1\"/>")
    SEQ("stop", "<validate><schema key=\"order.xsd\"/><on-fail><drop/></on-fail></validate>"
                "<property name=\"after\" value=\"1\"/>")
    SEQ("src", "<validate source=\"//order\"><schema key=\"order.xsd\"/>"
               "<on-fail><property name=\"failed\" value=\"yes\"/></on-fail></validate>")
    SEQ("two", "<validate xmlns:n=\"urn:n\"><schema key=\"order.xsd\"/><schema key=\"ns.xsd\"/>"
               "<resource location=\"types.xsd\" key=\"types.xsd\"/>"
               "<on-fail><property name=\"failed\" value=\"yes\"/></on-fail></validate>")
    "<localEntry key=\"person.json\">{\"type\":\"object\",\"required\":[\"name\"],"
    "\"properties\":{\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\",\"minimum\":0}}}"
    "</localEntry>\n"
    "<localEntry key=\"age.json\">{\"type\":\"integer\",\"maximum\":150}</localEntry>\n"
    SEQ("j", "<validate><schema key=\"person.json\"/>"
             "<on-fail><property name=\"failed\" value=\"yes\"/></on-fail></validate>"
             "<property name=\"after\" value=\"1\"/>")
    SEQ("jsrc", "<validate source=\"json-eval($.person.age)\"><schema key=\"age.json\"/>"
                "<on-fail><property name=\"failed\" value=\"yes\"/></on-fail></validate>")
    SEQ("jexpr", "<validate source=\"${payload.person}\"><schema key=\"person.json\"/>"
                 "<on-fail><property name=\"failed\" value=\"yes\"/></on-fail></validate>")
    SEQ("absent", "<validate><schema key=\"absent.xsd\"/><on-fail/></validate>")
    SEQ("dyn", "<validate><schema key=\"{$ctx:schema}\"/>"
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

static void test_json_schema(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    assert_int_equal(th_run(f, "j", "{\"name\":\"Ann\",\"age\":3}"), MC_OK);
    assert_null(th_prop(f, "failed"));
    assert_string_equal(th_prop(f, "after"), "1");

    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "j", "{\"name\":\"Ann\",\"age\":-3}"), MC_OK);
    assert_string_equal(th_prop(f, "failed"), "yes");
    assert_string_equal(th_prop(f, "after"), "1");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
        "numeric instance is lower than the required minimum (minimum: 0, found: -3)");
    assert_string_equal(th_prop(f, "ERROR_DETAIL"),
        "Error while validating Json message error: numeric instance is lower than the required "
        "minimum (minimum: 0, found: -3)\n"
        "    level: \"error\"\n"
        "    schema: {\"loadingURI\":\"#\",\"pointer\":\"/properties/age\"}\n"
        "    instance: {\"pointer\":\"/age\"}\n"
        "    domain: \"validation\"\n"
        "    keyword: \"minimum\"\n"
        "    minimum: 0\n"
        "    found: -3\n");

    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "j", "{\"age\":3}"), MC_OK);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "object has missing required properties ([\"name\"])");

    /* a JSONPath source: its text is read as JSON (a number here) */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "jsrc", "{\"person\":{\"age\":200}}"), MC_OK);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
        "numeric instance is greater than the required maximum (maximum: 150, found: 200)");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "jsrc", "{\"person\":{\"age\":20}}"), MC_OK);
    assert_null(th_prop(f, "failed"));
    /* a source that selects nothing validates {} */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "jsrc", "{\"x\":1}"), MC_OK);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
        "instance type (object) does not match any allowed primitive type (allowed: [\"integer\"])");
    /* a string selected is not JSON text: MI faults */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "jsrc", "{\"person\":{\"age\":\"old\"}}"), MC_EFAULT);
    assert_non_null(strstr(th_prop(f, "ERROR_MESSAGE"),
                           "Error while validating the JSON Schema for JSONPath json-eval($.person.age)"));

    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "jexpr", "{\"person\":{\"name\":7}}"), MC_OK);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
        "instance type (integer) does not match any allowed primitive type (allowed: [\"string\"])");

    /* a JSON Schema cannot check an XML payload: MI fails creating it */
    assert_int_equal(run_xml(f, "j", "<person><name>x</name></person>"), MC_EFAULT);
    assert_non_null(strstr(th_prop(f, "ERROR_MESSAGE"),
                           "Error creating a new schema objects for schemas : person.json"));
    th_flow_free(f);
}

static void test_dynamic_keys(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    for (int round = 0; round < 2; round++) {     /* the second round uses the cache */
        th_flow_reset_msg(f);
        mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "schema", "age.json");
        assert_int_equal(th_run(f, "dyn", "151"), MC_OK);
        assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
            "numeric instance is greater than the required maximum (maximum: 150, found: 151)");
        th_flow_reset_msg(f);
        mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "schema", "order.xsd");
        mc_err err = {0};
        assert_int_equal(mc_msg_set_payload(f->m, "<order><qty>0</qty></order>", 27,
                                            "application/xml", &err), MC_OK);
        assert_int_equal(th_run(f, "dyn", NULL), MC_OK);
        assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
            "Element 'qty': '0' is not a valid value of the atomic type 'xs:positiveInteger'.");
    }
    th_flow_reset_msg(f);
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "schema", "nope");
    assert_int_equal(th_run(f, "dyn", "{}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "No Schema is available with the key  : nope");
    /* a static key that named nothing (a load warning) faults the same way */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "absent", "{}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "No Schema is available with the key  : absent.xsd");
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
         "t.xml:1:38: warning: unknown local entry 'k'\n"},
        {"<definitions><localEntry key=\"k\">{\"type\":\"object\"}</localEntry>"
         "<sequence name=\"s\"><validate><schema key=\"k\"/><on-fail/></validate></sequence></definitions>",
         ""},
        {"<definitions><localEntry key=\"k\">{\"type\":\"objekt\"}</localEntry>"
         "<sequence name=\"s\"><validate><schema key=\"k\"/><on-fail/></validate></sequence></definitions>",
         "t.xml:1:101: error: local entry 'k': JSON Schema /type: must name types among array, "
         "boolean, integer, null, number, object, string\n"},
        {"<definitions><localEntry key=\"k\">{\"$ref\":\"http://example.com/s.json\"}</localEntry>"
         "<sequence name=\"s\"><validate><schema key=\"k\"/><on-fail/></validate></sequence></definitions>",
         "~error: local entry 'k': JSON Schema: $ref 'http://example.com/s.json' points outside this "
         "schema; mediac loads no other schema (no files, no network)"},
        {"<sequence name=\"s\"><validate><schema key=\"{$ctx:\"/><on-fail/></validate></sequence>",
         "~error: unclosed '{' at offset 0 in '{$ctx:'"},
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
    th_check_diags(cases, sizeof cases / sizeof *cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_and_invalid),
        cmocka_unit_test(test_source_and_namespaces),
        cmocka_unit_test(test_json_schema),
        cmocka_unit_test(test_dynamic_keys),
        cmocka_unit_test(test_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
