/* test_routers.c - unit tests for <conditionalRouter> (Synapse's
 * ConditionalRouterMediator and its factory): routes in order, breakRoute
 * (default true) ending the routing, continueAfter (default false) ending
 * the flow, conditions over the To URL, a query parameter, a header
 * (xmlns="" as MI's test artifacts write them), a property, and/or/not,
 * a condition tested after the earlier targets ran, targets by key,
 * inline and empty, and the load errors; <router> (WSO2 ESB 4.x's RouterMediator, the
 * shape of MI's mediatorconfig/router artifacts): an XPath expression's
 * boolean value, or its string value against `match`, and breakRouter. */
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
#define MARK(v) "<property name=\"trail\" expression=\"concat(get-property('trail'), '" v "')\"/>"
#define ROUTE(attrs, cond, target) \
    "<conditionalRoute " attrs "><condition>" cond "</condition>" target "</conditionalRoute>"

/* The trail of marks a run left ("" when none) and whether the flow went
 * on after the router ("+" appended by the mark after it). */
static const char *trail(th_flow *f, const char *seq, const char *header)
{
    static char out[64];
    th_flow_reset_msg(f);
    if (header)
        mc_msg_set_propz(f->m, MC_SCOPE_TRANSPORT, "foo", header);
    mc_code rc = th_run(f, seq, "{}");
    if (rc != MC_OK)
        fail_msg("%s: rc %d %s", seq, rc, th_prop(f, "ERROR_MESSAGE") ? th_prop(f, "ERROR_MESSAGE") : "");
    const char *t = th_prop(f, "trail");
    snprintf(out, sizeof out, "%s", t ? t : "");
    return out;
}

static const char *config = DEFS(
    SEQ("a", MARK("a"))
    SEQ("b", MARK("b"))
    /* ConditionalRouterIntegrationTestProxy's shape: breakRoute="false", every
     * matching route runs in order; continueAfter="false" ends the flow */
    SEQ("all", TO("http://localhost:9000/services/SimpleStockQuoteService?qparam1=qpv_foo&amp;x=1")
        "<conditionalRouter continueAfter=\"false\">"
        ROUTE("breakRoute=\"false\"", "<match xmlns=\"\" type=\"header\" source=\"foo\" regex=\"bar.*\"/>",
              "<target sequence=\"a\"/>")
        ROUTE("breakRoute=\"false\"", "<match type=\"url\" regex=\".*SimpleStockQuoteService.*\"/>",
              "<target><sequence>" MARK("u") "</sequence></target>")
        ROUTE("breakRoute=\"false\"", "<equal type=\"param\" source=\"qparam1\" value=\"QPV_FOO\"/>",
              "<target sequence=\"b\"/>")
        "</conditionalRouter>" MARK("+"))
    /* breakRoute defaults to true: the first route that holds is the last */
    SEQ("first", TO("http://localhost:9000/services/X")
        "<conditionalRouter continueAfter=\"true\">"
        ROUTE("", "<match type=\"url\" source=\"path\" regex=\"/services/.*\"/>", "<target sequence=\"a\"/>")
        ROUTE("", "<match type=\"url\" regex=\".*\"/>", "<target sequence=\"b\"/>")
        "</conditionalRouter>" MARK("+"))
    /* a later condition sees what an earlier target did */
    SEQ("later", "<conditionalRouter continueAfter=\"true\">"
        ROUTE("breakRoute=\"false\"", "<not><equal type=\"property\" source=\"trail\" value=\"x\"/></not>",
              "<target><sequence><property name=\"trail\" value=\"x\"/></sequence></target>")
        ROUTE("breakRoute=\"false\"", "<and><equal type=\"property\" source=\"trail\" value=\"X\"/>"
              "<or><equal type=\"header\" source=\"foo\" value=\"nope\"/><match source=\"foo\" regex=\"b.*\"/></or></and>",
              "<target sequence=\"a\"/>")
        "</conditionalRouter>" MARK("+"))
    /* an empty <target/> (MI's TargetFactory takes it) runs nothing; the
     * route held, so breakRoute ends the routing there */
    SEQ("empty", "<conditionalRouter continueAfter=\"true\">"
        ROUTE("", "<match type=\"url\" regex=\".*\"/>", "<target/>")
        ROUTE("", "<match type=\"url\" regex=\".*\"/>", "<target sequence=\"a\"/>")
        "</conditionalRouter>" MARK("+"))
    SEQ("none", "<conditionalRouter>"
        ROUTE("", "<equal type=\"header\" source=\"absent\" value=\"x\"/>", "<target sequence=\"a\"/>")
        "</conditionalRouter>" MARK("+"))
);

static void test_routes(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    assert_string_equal(trail(f, "all", "bar1"), "aub");
    assert_string_equal(trail(f, "all", "baz"), "ub");
    assert_string_equal(trail(f, "first", NULL), "a+");
    assert_string_equal(trail(f, "later", "bar"), "xa+");
    assert_string_equal(trail(f, "later", NULL), "x+");
    assert_string_equal(trail(f, "empty", NULL), "+");
    /* nothing holds and continueAfter is false: the flow ends at the router */
    assert_string_equal(trail(f, "none", NULL), "");
    th_flow_free(f);
}

/* The URL is the To address; without one, the request URL. */
static void test_url_is_the_to_address(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        SEQ("r", "<conditionalRouter continueAfter=\"true\">"
            ROUTE("", "<match type=\"url\" regex=\"/services/StockQuoteProxy.*\"/>",
                  "<target><sequence><property name=\"trail\" value=\"proxy\"/></sequence></target>")
            "</conditionalRouter>")));
    th_flow_reset_msg(f);
    mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "TransportInURL", "/services/StockQuoteProxy");
    assert_int_equal(th_run(f, "r", "{}"), MC_OK);
    assert_string_equal(th_prop(f, "trail"), "proxy");
    th_flow_reset_msg(f);
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "To", "http://other/services/Elsewhere");
    mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "TransportInURL", "/services/StockQuoteProxy");
    assert_int_equal(th_run(f, "r", "{}"), MC_OK);
    assert_null(th_prop(f, "trail"));
    th_flow_free(f);
}

static void test_missing_target_sequence(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(SEQ("r", "<conditionalRouter>"
        ROUTE("", "<match type=\"url\" regex=\".*\"/>", "<target sequence=\"gone\"/>")
        "</conditionalRouter>")));
    assert_int_equal(th_run(f, "r", "{}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "Sequence named gone cannot be found");
    th_flow_free(f);
}

static const char *quote_trail(th_flow *f, const char *seq, const char *symbol)
{
    static char out[64];
    char xml[256];
    th_flow_reset_msg(f);
    snprintf(xml, sizeof xml, "<m0:getQuote xmlns:m0=\"http://services.samples\"><m0:request>"
             "<m0:symbol>%s</m0:symbol></m0:request></m0:getQuote>", symbol);
    th_set_xml(f, xml);
    mc_code rc = th_run(f, seq, NULL);
    if (rc != MC_OK)
        fail_msg("%s: rc %d %s", seq, rc, th_prop(f, "ERROR_MESSAGE") ? th_prop(f, "ERROR_MESSAGE") : "");
    const char *t = th_prop(f, "trail");
    snprintf(out, sizeof out, "%s%s", t ? t : "", f->m->dropped ? " dropped" : "");
    return out;
}

#define XROUTE(attrs, target) "<route xmlns:m0=\"http://services.samples\" " attrs ">" target "</route>"

static void test_router(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        SEQ("a", MARK("a")) SEQ("b", MARK("b"))
        SEQ("symbols", "<router continueAfter=\"true\">"
            XROUTE("expression=\"//m0:getQuote/m0:request/m0:symbol\" match=\"WSO2\"", "<target sequence=\"a\"/>")
            XROUTE("expression=\"//m0:getQuote/m0:request/m0:symbol\" match=\"I.M\"", "<target sequence=\"b\"/>")
            "</router>" MARK("+"))
        /* without match: the expression's boolean value; breakRouter="false" goes on */
        SEQ("exists", "<router>"
            XROUTE("expression=\"//m0:getQuote/m0:request\" breakRouter=\"false\"", "<target sequence=\"a\"/>")
            XROUTE("expression=\"//m0:getQuote123/m0:request/m0:symbol\"", "<target sequence=\"b\"/>")
            XROUTE("expression=\"count(//m0:symbol) = 1\"", "<target sequence=\"b\"/>")
            XROUTE("expression=\"true()\"", "<target sequence=\"a\"/>")
            "</router>" MARK("+"))
        /* router_continueAfter_true_test.xml: the target drops the message */
        SEQ("drop", "<router continueAfter=\"true\">"
            XROUTE("expression=\"//m0:getQuote/m0:request\"", "<target><sequence><drop/></sequence></target>")
            "</router>" MARK("+"))));
    assert_string_equal(quote_trail(f, "symbols", "WSO2"), "a+");
    assert_string_equal(quote_trail(f, "symbols", "IBM"), "b+");
    assert_string_equal(quote_trail(f, "symbols", "MSFT"), "+");
    assert_string_equal(quote_trail(f, "exists", "IBM"), "ab");   /* continueAfter defaults to false */
    assert_string_equal(quote_trail(f, "drop", "IBM"), " dropped");
    th_flow_free(f);
    static const th_diag_case cases[] = {
        {SEQ("s", "<router><route match=\"x\"><target sequence=\"a\"/></route></router>"),
         "~error: <route> needs an 'expression' (XPath)"},
        {SEQ("s", "<router><route expression=\"//a\" match=\"(\"><target sequence=\"a\"/></route></router>"),
         "~error"},
        {SEQ("s", "<router><route expression=\"//a\" breakRouter=\"sometimes\"><target sequence=\"a\"/>"
                  "</route></router>"),
         "~error: breakRouter attribute value of the route element must be either 'true' or 'false'"},
    };
    th_check_diags(cases, sizeof cases / sizeof *cases);
}

static void test_diagnostics(void **state)
{
    (void)state;
    static const th_diag_case cases[] = {
        {SEQ("s", "<conditionalRouter continueAfter=\"maybe\"/>"),
         "~error: continueAfter attribute value of the conditionalRouter must be either 'true' or "
         "'false', the value found is : maybe"},
        {SEQ("s", "<conditionalRouter><conditionalRoute breakRoute=\"x\"><condition><match type=\"url\" "
                  "regex=\".*\"/></condition><target sequence=\"a\"/></conditionalRoute></conditionalRouter>"),
         "~error: breakRoute attribute value of the conditionalRoute element must be either"},
        {SEQ("s", "<conditionalRouter><conditionalRoute><target sequence=\"a\"/></conditionalRoute>"
                  "</conditionalRouter>"),
         "~error: Couldn't find the condition of the conditional router"},
        {SEQ("s", "<conditionalRouter><conditionalRoute><condition><equal type=\"url\" regex=\".*Proxy.*\"/>"
                  "</condition><target sequence=\"a\"/></conditionalRoute></conditionalRouter>"),
         "~error: <equal> needs a 'value' attribute"},
        {SEQ("s", "<conditionalRouter><conditionalRoute><condition><like source=\"a\"/></condition>"
                  "<target sequence=\"a\"/></conditionalRoute></conditionalRouter>"),
         "~error: unknown condition <like>"},
        {SEQ("s", "<conditionalRouter><conditionalRoute><condition><match type=\"url\" regex=\".*\"/>"
                  "</condition></conditionalRoute></conditionalRouter>"),
         "~error: <conditionalRoute> needs a <target>"},
        {SEQ("s", "<conditionalRouter><conditionalRoute asynchronous=\"true\"><condition><match "
                  "type=\"url\" regex=\".*\"/></condition><target sequence=\"a\"/></conditionalRoute>"
                  "</conditionalRouter>"),
         "~error: asynchronous=\"true\" routes are not supported"},
        /* a target shared with clone/iterate: MI's TargetFactory ignores a
         * stray mediator beside <sequence>/<endpoint> (MI's
         * EndpointErrorTestCloneSequence.xml has a <log> there) */
        {SEQ("s", "<clone><target><log/><endpoint><address uri=\"http://127.0.0.1:1/x\"/></endpoint>"
                  "</target></clone>"),
         "t.xml:1:35: warning: <log> in <target> is ignored, as MI ignores it (a target runs its "
         "<sequence> or sends to its <endpoint>)\n"},
        /* MI's CloneMediatorFactory reads only <target> children (MI's
         * CloneProxy artifacts have a <log> beside them) */
        {SEQ("s", "<clone><log/><target sequence=\"a\"/></clone>"),
         "~warning: <log> in <clone> is ignored, as MI ignores it (only <target>s run)"},
    };
    th_check_diags(cases, sizeof cases / sizeof *cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_url_is_the_to_address),
        cmocka_unit_test(test_missing_target_sequence),
        cmocka_unit_test(test_router),
        cmocka_unit_test(test_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
