/* test_hints.c - unit tests for the mediators that are only hints in
 * mediac: <builder> changes nothing, <fastXSLT key> transforms as <xslt>. */
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

static void test_hints(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        "<localEntry key=\"upper\"><xsl:stylesheet version=\"1.0\" xmlns=\"\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">"
        "<xsl:template match=\"/order\"><done id=\"{@id}\"/></xsl:template></xsl:stylesheet></localEntry>\n"
        SEQ("b", "<builder><messageBuilder contentType=\"application/json\" "
                 "class=\"org.apache.synapse.commons.json.JsonStreamBuilder\"/></builder>")
        SEQ("fx", "<fastXSLT key=\"upper\"/>")));
    assert_int_equal(th_run(f, "b", "{\"a\":1}"), MC_OK);
    assert_string_equal(th_payload(f), "{\"a\":1}");
    th_flow_reset_msg(f);
    mc_msg_set_payload(f->m, "<order id=\"7\"/>", 15, "application/xml", NULL);
    assert_int_equal(th_run(f, "fx", NULL), MC_OK);
    assert_string_equal(th_payload(f), "<done id=\"7\"/>");
    th_flow_free(f);
    static const th_diag_case c[] = {
        {DEFS(SEQ("s", "<builder><parser/></builder>")),
         "t.xml:2:29: error: unexpected <parser> in <builder> (only <messageBuilder>)\n"},
        {DEFS(SEQ("s", "<fastXSLT/>")),
         "t.xml:2:20: error: the 'key' attribute is required for the XSLT mediator\n"},
    };
    th_check_diags(c, sizeof c / sizeof *c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
