/* test_rewrite.c - unit tests for <rewrite>, with the expectations of
 * Synapse's URLRewriteMediatorTest (the same rules written as XML) and
 * more: each fragment, each action, conditions over url, param, header,
 * property and soap, resolve, Java regex replacement, and diagnostics. */
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
#define TO(url) "<header name=\"To\" value=\"" url "\"/>"
#define TARGET "http://localhost:9000/services/SimpleStockQuoteService"

static const char *run(th_flow *f, const char *seq, const char *out)
{
    th_flow_reset_msg(f);
    mc_msg_set_payload(f->m, "<getQuote><symbol>IBM</symbol></getQuote>", 41, "application/xml", NULL);
    mc_code rc = th_run(f, seq, NULL);
    if (rc != MC_OK)
        fail_msg("%s: rc %d %s", seq, rc, th_prop(f, "ERROR_MESSAGE") ? th_prop(f, "ERROR_MESSAGE") : "");
    const char *v = th_prop(f, out);
    return v ? v : "(unset)";
}

static void test_synapse_cases(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        SEQ("u1", "<rewrite><rewriterule><action value=\"" TARGET "\"/></rewriterule></rewrite>")
        SEQ("u2", "<rewrite outProperty=\"outURL\"><rewriterule><action value=\"" TARGET "\"/></rewriterule></rewrite>")
        SEQ("u3", TO("http://localhost:8280") "<property name=\"port\" value=\"9000\"/>"
                  "<rewrite outProperty=\"outURL\"><rewriterule><action value=\"" TARGET "\"/></rewriterule>"
                  "<rewriterule><action value=\"/services/SimpleStockQuoteService\" fragment=\"path\"/>"
                  "<action xpath=\"get-property('port')\" fragment=\"port\"/></rewriterule></rewrite>")
        SEQ("c1", TO("http://localhost:8280") "<rewrite><rewriterule><condition><equal type=\"url\" "
                  "source=\"port\" value=\"8280\"/></condition><action value=\"" TARGET "\"/></rewriterule></rewrite>")
        SEQ("c3", TO("http://myhost:8280/MyService") "<property name=\"port\" value=\"9000\"/>"
                  "<rewrite outProperty=\"outURL\"><rewriterule><condition><equal type=\"url\" source=\"host\" "
                  "value=\"myhost\"/></condition><action value=\"localhost\" fragment=\"host\"/></rewriterule>"
                  "<rewriterule><condition><match type=\"url\" source=\"path\" regex=\".*/MyService\"/></condition>"
                  "<action value=\"/services/SimpleStockQuoteService\" fragment=\"path\"/>"
                  "<action xpath=\"get-property('port')\" fragment=\"port\"/></rewriterule></rewrite>")
        SEQ("c4", TO("http://localhost:9000/services/MyService")
                  "<rewrite outProperty=\"outURL\"><rewriterule><condition><equal type=\"soap\" source=\"//symbol\" "
                  "value=\"IBM\"/></condition><action regex=\"MyService\" value=\"SimpleStockQuoteService\" "
                  "fragment=\"path\" type=\"replace\"/></rewriterule></rewrite>")
        SEQ("full", TO("http://test.org:9763/MyService") "<property name=\"prop1\" value=\"value1\"/>"
                    "<rewrite><rewriterule><condition><and><equal type=\"url\" source=\"protocol\" value=\"http\"/>"
                    "<equal type=\"url\" source=\"host\" value=\"test.org\"/></and></condition>"
                    "<action value=\"https\" fragment=\"protocol\"/><action value=\"test.com\" fragment=\"host\"/>"
                    "<action value=\"9443\" fragment=\"port\"/></rewriterule>"
                    "<rewriterule><condition><not><match type=\"url\" source=\"path\" regex=\"/services/.*\"/></not>"
                    "</condition><action value=\"/services\" type=\"prepend\" fragment=\"path\"/></rewriterule>"
                    "<rewriterule><condition><and><match type=\"url\" source=\"path\" regex=\".*/MyService\"/>"
                    "<equal type=\"property\" source=\"prop1\" value=\"value1\"/></and></condition>"
                    "<action fragment=\"path\" value=\"StockQuoteService\" regex=\"MyService\" type=\"replace\"/>"
                    "<action fragment=\"ref\" value=\"id\"/></rewriterule></rewrite>")
        SEQ("qa", "<rewrite outProperty=\"outURL\"><rewriterule><action value=\"https://test.com:9443/services/"
                  "StockQuoteService?symbol=IBM\"/></rewriterule><rewriterule><action type=\"append\" "
                  "fragment=\"query\" value=\"price=10\"/></rewriterule></rewrite>")
        SEQ("qp", "<rewrite outProperty=\"outURL\"><rewriterule><action value=\"https://test.com:9443/services/"
                  "StockQuoteService?symbol=IBM\"/></rewriterule><rewriterule><action type=\"prepend\" "
                  "fragment=\"query\" value=\"price=10\"/></rewriterule></rewrite>")));
    assert_string_equal(run(f, "u1", "To"), TARGET);
    assert_string_equal(run(f, "u2", "outURL"), TARGET);
    assert_string_equal(run(f, "u3", "outURL"), TARGET);
    assert_string_equal(run(f, "c1", "To"), TARGET);
    assert_string_equal(run(f, "c3", "outURL"), TARGET);
    assert_string_equal(run(f, "c4", "outURL"), TARGET);
    assert_string_equal(run(f, "full", "To"), "https://test.com:9443/services/StockQuoteService#id");
    assert_string_equal(run(f, "qa", "outURL"),
                        "https://test.com:9443/services/StockQuoteService?symbol=IBM&price=10");
    assert_string_equal(run(f, "qp", "outURL"),
                        "https://test.com:9443/services/StockQuoteService?price=10&symbol=IBM");
    th_flow_free(f);
}

static void test_more(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        SEQ("rmq", "<property name=\"in\" value=\"http://h/p?a=1&amp;b=2&amp;c=3\"/>"
                   "<rewrite inProperty=\"in\" outProperty=\"out\"><rewriterule>"
                   "<action type=\"remove-query-param\" fragment=\"query\" value=\"b\"/></rewriterule></rewrite>")
        SEQ("rm", "<property name=\"in\" value=\"http://u:p@h:81/p?q#r\"/>"
                  "<rewrite inProperty=\"in\" outProperty=\"out\"><rewriterule>"
                  "<action type=\"remove\" fragment=\"user\"/><action type=\"remove\" fragment=\"query\"/>"
                  "<action type=\"remove\" fragment=\"ref\"/><action type=\"remove\" fragment=\"port\"/>"
                  "</rewriterule></rewrite>")
        SEQ("groups", "<property name=\"in\" value=\"http://h/v1/orders/42\"/>"
                      "<rewrite inProperty=\"in\" outProperty=\"out\"><rewriterule>"
                      "<action type=\"replace\" fragment=\"path\" regex=\"/v1/(\\w+)/(\\d+)\" value=\"/api/$1?id=$2\"/>"
                      "</rewriterule></rewrite>")
        SEQ("resolve", "<property name=\"tenant\" value=\"acme\"/>"
                       "<rewrite outProperty=\"out\"><rewriterule>"
                       "<action fragment=\"full\" value=\"http://backend/x\"/>"
                       "<action fragment=\"path\" value=\"/t/{tenant}/x\" resolve=\"true\"/></rewriterule></rewrite>")
        SEQ("conds", "<property name=\"in\" value=\"http://h/p?mode=fast\"/>"
                     "<rewrite inProperty=\"in\" outProperty=\"out\"><rewriterule><condition><or>"
                     "<equal type=\"param\" source=\"mode\" value=\"FAST\"/><equal source=\"X-Never\" value=\"1\"/>"
                     "</or></condition><action fragment=\"host\" value=\"fast-lane\"/></rewriterule>"
                     "<rewriterule><condition><equal source=\"X-Tier\" value=\"gold\"/></condition>"
                     "<action fragment=\"path\" type=\"append\" value=\"/gold\"/></rewriterule></rewrite>")
        SEQ("quote", "<property name=\"in\" value=\"http://h/a%20b?x=a%26b\"/>"
                     "<rewrite inProperty=\"in\" outProperty=\"out\"><rewriterule>"
                     "<action fragment=\"path\" type=\"append\" value=\"/c d\"/></rewriterule></rewrite>")));
    assert_string_equal(run(f, "rmq", "out"), "http://h/p?a=1&c=3");
    assert_string_equal(run(f, "rm", "out"), "http://h/p");
    assert_string_equal(run(f, "groups", "out"), "http://h/api/orders%3Fid=42");
    assert_string_equal(run(f, "resolve", "out"), "http://backend/t/acme/x");
    th_flow_reset_msg(f);
    mc_msg_set_propz(f->m, MC_SCOPE_TRANSPORT, "X-Tier", "Gold");
    assert_int_equal(th_run(f, "conds", "{}"), MC_OK);
    assert_string_equal(th_prop(f, "out"), "http://fast-lane/p/gold?mode=fast");
    /* Java's URI: the path and query decoded, then quoted again (an escaped
     * '&' in the query is one no longer, as in Synapse) */
    assert_string_equal(run(f, "quote", "out"), "http://h/a%20b/c%20d?x=a&b");
    th_flow_free(f);
}

static void test_diagnostics(void **state)
{
    (void)state;
    static const th_diag_case c[] = {
        {DEFS(SEQ("s", "<rewrite><rewriterule><condition><equal/></condition><action value=\"x\"/></rewriterule></rewrite>")),
         "t.xml:2:53: error: <equal type=\"header\"> needs a 'source' attribute\n"},
        {DEFS(SEQ("s", "<rewrite><rewriterule><action fragment=\"scheme\" value=\"x\"/></rewriterule></rewrite>")),
         "t.xml:2:50: error: unknown URL fragment 'scheme' (protocol, user, host, port, path, query, ref, full)\n"},
        {DEFS(SEQ("s", "<rewrite><rewriterule><action type=\"replace\" value=\"x\"/></rewriterule></rewrite>")),
         "t.xml:2:42: error: the replace action needs a 'regex' attribute\n"},
        {DEFS(SEQ("s", "<rewrite><rewriterule><action type=\"remove-query-param\" value=\"x\"/></rewriterule></rewrite>")),
         "t.xml:2:42: error: the remove-query-param action is only allowed for the query fragment\n"},
        {DEFS(SEQ("s", "<rewrite><rewriterule><condition><like source=\"a\"/></condition><action value=\"x\"/></rewriterule></rewrite>")),
         "t.xml:2:53: error: unknown condition <like> (and, or, not, equal, match)\n"},
        {DEFS(SEQ("s", "<rewrite><rewriterule/></rewrite>")),
         "t.xml:2:29: error: a <rewriterule> needs at least one <action>\n"},
        {DEFS(SEQ("s", "<rewrite><rewriterule><action fragment=\"host\"/></rewriterule></rewrite>")),
         "t.xml:2:42: error: a rewrite <action> needs a 'value' or an 'xpath'\n"},
    };
    th_check_diags(c, sizeof c / sizeof *c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synapse_cases),
        cmocka_unit_test(test_more),
        cmocka_unit_test(test_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
