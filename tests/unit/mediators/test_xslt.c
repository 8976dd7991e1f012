/* test_xslt.c - unit tests for <xslt>: static and dynamic keys, parameters,
 * source and target, text output, JSON payloads seen through the Synapse
 * mapping, imports through <resource>, the loader's rules (no document(),
 * no files) and the load-time diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_harness.h"

#define XSL_OPEN "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">"
#define XSL_CLOSE "</xsl:stylesheet>"
#define ENTRY(key, body) "<localEntry key=\"" key "\">" XSL_OPEN body XSL_CLOSE "</localEntry>\n"
#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>\n"

/* Stylesheets in no default namespace: literal result elements stay
 * unqualified (under <definitions xmlns=synapse> they would take the
 * Synapse namespace, as in WSO2). */
static const char *config =
    "<definitions>\n"
    ENTRY("summary",
          "<xsl:param name=\"who\"/><xsl:param name=\"lit\"/>"
          "<xsl:template match=\"/order\"><summary who=\"{$who}\" lit=\"{$lit}\">"
          "<xsl:value-of select=\"count(item)\"/></summary></xsl:template>")
    ENTRY("count-json",
          "<xsl:template match=\"/jsonObject\"><jsonObject><count>"
          "<xsl:value-of select=\"count(item)\"/></count></jsonObject></xsl:template>")
    ENTRY("text", "<xsl:output method=\"text\"/>"
          "<xsl:template match=\"/\">n=<xsl:value-of select=\"count(//item)\"/></xsl:template>")
    ENTRY("upper", "<xsl:template match=\"/item\"><ITEM><xsl:value-of select=\"translate(., 'abc', 'ABC')\"/></ITEM></xsl:template>")
    ENTRY("reads-file", "<xsl:template match=\"/\"><r><xsl:copy-of select=\"document('/etc/hostname')\"/></r></xsl:template>")
    ENTRY("main-with-import", "<xsl:import href=\"common.xsl\"/>"
          "<xsl:template match=\"/\"><out><xsl:call-template name=\"hello\"/></out></xsl:template>")
    ENTRY("common", "<xsl:template name=\"hello\"><hello/></xsl:template>")
    ENTRY("fails", "<xsl:template match=\"/\"><xsl:message terminate=\"yes\">stop here</xsl:message></xsl:template>")
    SEQ("params", "<xslt key=\"summary\"><property name=\"who\" expression=\"$ctx:who\"/>"
                  "<property name=\"lit\" value=\"it's &quot;x&quot;\"/></xslt>")
    SEQ("json", "<xslt key=\"count-json\"/>")
    SEQ("text", "<xslt key=\"text\"/>")
    SEQ("source", "<xslt key=\"upper\" source=\"//item[2]\"/>")
    SEQ("target", "<xslt key=\"summary\" target=\"res\"/>")
    SEQ("doc", "<xslt key=\"reads-file\"/>")
    SEQ("import", "<xslt key=\"main-with-import\"><resource location=\"common.xsl\" key=\"common\"/></xslt>")
    SEQ("dynamic", "<xslt key=\"{$ctx:sheet}\"/>")
    SEQ("fails", "<xslt key=\"fails\"/>")
    SEQ("features", "<xslt key=\"text\"><feature name=\"http://ws.apache.org/ns/synapse/transform/feature/dom\" value=\"true\"/>"
                    "<attribute name=\"x\" value=\"y\"/></xslt>")
    "</definitions>";

static void set_xml(th_flow *f, const char *xml)
{
    mc_err err = {0};
    assert_int_equal(mc_msg_set_payload(f->m, xml, strlen(xml), "application/xml", &err), MC_OK);
}

static void test_params(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    set_xml(f, "<order><item>a</item><item>b</item></order>");
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "who", "bob & co");
    assert_int_equal(th_run(f, "params", NULL), MC_OK);
    assert_string_equal(th_payload(f),
        "<summary who=\"bob &amp; co\" lit=\"it's &quot;x&quot;\">2</summary>");
    th_flow_free(f);
}

static void test_json_payload(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    assert_int_equal(th_run(f, "json", "{\"item\":[1,2,3]}"), MC_OK);
    /* messageType stays application/json: the XML result answers as JSON */
    assert_string_equal(th_payload(f), "{\"count\":3}");
    th_flow_free(f);
}

static void test_text_output(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    set_xml(f, "<order><item>a</item><item>b</item></order>");
    assert_int_equal(th_run(f, "text", NULL), MC_OK);
    /* the <ns:text> wrapper answers as its text (src/msg/payload.c) */
    assert_string_equal(th_payload(f), "n=2");
    xmlNodePtr root = mc_msg_payload_root(f->m);
    assert_string_equal((const char *)root->name, "text");
    assert_string_equal((const char *)root->ns->href, MC_TEXT_NS);
    mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "messageType", "text/plain");
    assert_string_equal(th_payload(f), "n=2");
    th_flow_reset_msg(f);
    set_xml(f, "<order><item>a</item></order>");
    assert_int_equal(th_run(f, "features", NULL), MC_OK);
    mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "messageType", "text/plain");
    assert_string_equal(th_payload(f), "n=1");
    th_flow_free(f);
}

static void test_source_and_target(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    set_xml(f, "<order><item>a</item><item>abc</item><item>c</item></order>");
    assert_int_equal(th_run(f, "source", NULL), MC_OK);
    assert_string_equal(th_payload(f),
        "<order><item>a</item><ITEM>ABC</ITEM><item>c</item></order>");
    th_flow_reset_msg(f);
    set_xml(f, "<order><item>a</item></order>");
    assert_int_equal(th_run(f, "target", NULL), MC_OK);
    assert_string_equal(th_prop(f, "res"), "<summary who=\"\" lit=\"\">1</summary>");
    assert_string_equal(th_payload(f), "<order><item>a</item></order>");
    th_flow_free(f);
}

static void test_import_and_dynamic_key(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    set_xml(f, "<x/>");
    assert_int_equal(th_run(f, "import", NULL), MC_OK);
    assert_string_equal(th_payload(f), "<out><hello/></out>");
    for (int i = 0; i < 2; i++) { /* second time from the cache */
        th_flow_reset_msg(f);
        set_xml(f, "<order><item>a</item></order>");
        mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "sheet", "summary");
        assert_int_equal(th_run(f, "dynamic", NULL), MC_OK);
        assert_string_equal(th_payload(f), "<summary who=\"\" lit=\"\">1</summary>");
    }
    th_flow_reset_msg(f);
    set_xml(f, "<x/>");
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "sheet", "nope");
    assert_int_equal(th_run(f, "dynamic", NULL), MC_EFAULT);
    assert_non_null(strstr(th_prop(f, "ERROR_MESSAGE"), "no local entry 'nope'"));
    th_flow_free(f);
}

static void test_faults(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    set_xml(f, "<x/>");
    assert_int_equal(th_run(f, "doc", NULL), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_CODE"), "0");
    const char *msg = th_prop(f, "ERROR_MESSAGE");
    assert_non_null(strstr(msg, "Unable to perform XSLT transformation using : reads-file"));
    assert_non_null(strstr(msg, "refused"));
    th_flow_reset_msg(f);
    set_xml(f, "<x/>");
    assert_int_equal(th_run(f, "fails", NULL), MC_EFAULT);
    assert_non_null(strstr(th_prop(f, "ERROR_MESSAGE"), "stop here"));
    /* an empty Body is skipped, as Synapse does */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "params", NULL), MC_OK);
    th_flow_free(f);
}

static void test_diagnostics(void **state)
{
    (void)state;
    static const th_diag_case cases[] = {
        {"<sequence name=\"s\"><xslt/></sequence>",
         "t.xml:1:20: error: the 'key' attribute is required for the XSLT mediator\n"},
        {"<sequence name=\"s\"><xslt key=\"nope\"/></sequence>",
         "t.xml:1:26: warning: unknown local entry 'nope'\n"},
        {"<definitions><localEntry key=\"k\"><xsl:stylesheet version=\"1.0\" "
         "xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"><xsl:template match=\"/\">"
         "<xsl:value-of select=\"((\"/></xsl:template></xsl:stylesheet></localEntry>\n"
         "<sequence name=\"s\"><xslt key=\"k\"/></sequence></definitions>",
         "~error: local entry 'k' is not a valid XSLT stylesheet"},
        {"<definitions><localEntry key=\"k\"><xsl:stylesheet version=\"1.0\" "
         "xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"><xsl:include href=\"/etc/hosts\"/>"
         "</xsl:stylesheet></localEntry>\n"
         "<sequence name=\"s\"><xslt key=\"k\"/></sequence></definitions>",
         "~error: local entry 'k' is not a valid XSLT stylesheet"},
        {"<sequence name=\"s\"><xslt key=\"{$ctx:k}\"><feature name=\"f\" value=\"yes\"/></xslt></sequence>",
         "t.xml:1:59: error: <feature> needs a 'name' and a 'value' of true or false\n"},
        {"<sequence name=\"s\"><xslt key=\"{$ctx:k}\" source=\"json-eval($.a)\"/></sequence>",
         "t.xml:1:41: error: the xslt 'source' must be an XPath\n"},
        {"<sequence name=\"s\"><xslt key=\"{$ctx:k}\"><property name=\"p\"/></xslt></sequence>",
         "t.xml:1:41: error: <property> of <xslt> needs 'name' and one of 'value' or 'expression'\n"},
    };
    th_check_diags(cases, sizeof cases / sizeof *cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_json_payload),
        cmocka_unit_test(test_text_output),
        cmocka_unit_test(test_source_and_target),
        cmocka_unit_test(test_import_and_dynamic_key),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
