/* test_faults.c - unit tests for <makefault> (SOAP 1.1, SOAP 1.2 and POX
 * faults with values, expressions, node/role, detail as text, nodes or
 * inline XML; kept SOAP headers, status and addressing), MI 4.4
 * <throwError>, and the load errors for Java/JDBC mediators. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libxml/tree.h>

#include "flow_harness.h"

#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>\n"
#define DEFS(body) "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n" body "</definitions>"

/* The whole envelope as libxml2 writes it. */
static const char *envelope(th_flow *f)
{
    static char out[4096];
    xmlDocPtr env = mc_msg_envelope(f->m);
    xmlBufferPtr b = xmlBufferCreate();
    xmlNodeDump(b, env, xmlDocGetRootElement(env), 0, 0);
    snprintf(out, sizeof out, "%s", (const char *)xmlBufferContent(b));
    xmlBufferFree(b);
    return out;
}

static void test_soap11(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        SEQ("s", "<makefault xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                 "<code value=\"soapenv:Server\"/><reason value=\"COULDN'T SEND &amp; &lt;\"/>"
                 "<role>urn:r</role><detail>went wrong</detail></makefault>")
        SEQ("e", "<property name=\"why\" value=\"backend down\"/>"
                 "<makefault version=\"soap11\" response=\"true\"><code expression=\"'Client'\"/>"
                 "<reason expression=\"$ctx:why\"/><detail expression=\"//order\"/></makefault>")
        SEQ("x", "<makefault><code xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" value=\"s:Client\"/>"
                 "<reason value=\"r\"/><detail><e:err xmlns:e=\"urn:e\"><n>1</n></e:err></detail></makefault>")));
    assert_int_equal(th_run(f, "s", "{\"a\":1}"), MC_OK);
    assert_string_equal(envelope(f),
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Header/>"
        "<soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode>"
        "<faultstring>COULDN'T SEND &amp; &lt;</faultstring><faultactor>urn:r</faultactor>"
        "<detail>went wrong</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>");
    assert_int_equal(mc_msg_status(f->m), 500);
    /* a JSON message keeps answering in JSON: the fault is its body */
    assert_string_equal(th_payload(f),
        "{\"Fault\":{\"faultcode\":\"soapenv:Server\",\"faultstring\":\"COULDN'T SEND & <\","
        "\"faultactor\":\"urn:r\",\"detail\":\"went wrong\"}}");
    th_flow_reset_msg(f);
    mc_msg_set_payload(f->m, "<orders><order id=\"1\">A</order><order id=\"2\">B</order></orders>", 64,
                       "application/xml", NULL);
    mc_msg_set_status(f->m, 202);
    assert_int_equal(th_run(f, "e", NULL), MC_OK);
    assert_string_equal(th_payload(f),
        "<soapenv:Fault xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
        "<faultcode>soapenv:Client</faultcode><faultstring>backend down</faultstring>"
        "<detail><order id=\"1\">A</order><order id=\"2\">B</order></detail></soapenv:Fault>");
    assert_int_equal(mc_msg_status(f->m), 202); /* HTTP_SC set before wins */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "x", "{}"), MC_OK);
    /* the code keeps the prefix it was written with, declared on the element
     * (Axiom's setText(QName); MI's ESBJAVA2615TestCase asserts
     * <faultcode xmlns:soap11Env="...">soap11Env:Server</faultcode>) */
    assert_non_null(strstr(envelope(f), "<faultcode xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                                        "s:Client</faultcode>"));
    /* inline detail keeps the namespaces it was written in (the Synapse
     * default for <n>), as Synapse's cloned elements do */
    assert_non_null(strstr(envelope(f), "<detail><e:err xmlns:e=\"urn:e\" "
                                        "xmlns=\"http://ws.apache.org/ns/synapse\"><n>1</n></e:err></detail>"));
    th_flow_free(f);
}

static void test_soap12_and_headers(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        SEQ("s", "<makefault version=\"soap12\"><code xmlns:s12=\"http://www.w3.org/2003/05/soap-envelope\" "
                 "value=\"s12:Receiver\"/><reason value=\"no\"/><node>urn:node</node><role>urn:role</role>"
                 "<detail>d</detail></makefault>")));
    static const char req[] =
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
        "<soapenv:Header><h:trace xmlns:h=\"urn:h\">t-1</h:trace></soapenv:Header>"
        "<soapenv:Body><getQuote/></soapenv:Body></soapenv:Envelope>";
    mc_msg_set_payload(f->m, req, sizeof req - 1, "text/xml", NULL);
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "ReplyTo", "http://client/reply");
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "MessageID", "urn:uuid:1");
    mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "FAULTS_AS_HTTP_200", "true");
    assert_int_equal(th_run(f, "s", NULL), MC_OK);
    assert_string_equal(envelope(f),
        "<soapenv:Envelope xmlns:soapenv=\"http://www.w3.org/2003/05/soap-envelope\">"
        "<soapenv:Header><h:trace xmlns:h=\"urn:h\">t-1</h:trace></soapenv:Header><soapenv:Body>"
        "<soapenv:Fault><soapenv:Code><soapenv:Value xmlns:s12=\"http://www.w3.org/2003/05/soap-envelope\">"
        "s12:Receiver</soapenv:Value></soapenv:Code>"
        "<soapenv:Reason><soapenv:Text xml:lang=\"en\">no</soapenv:Text></soapenv:Reason>"
        "<soapenv:Node>urn:node</soapenv:Node><soapenv:Role>urn:role</soapenv:Role>"
        "<soapenv:Detail>d</soapenv:Detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>");
    assert_int_equal(mc_msg_status(f->m), 0); /* FAULTS_AS_HTTP_200 */
    assert_string_equal(th_prop(f, "To"), "http://client/reply");
    assert_string_equal(th_prop(f, "RelatesTo"), "urn:uuid:1");
    th_flow_free(f);
}

static void test_pox(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        SEQ("r", "<makefault version=\"pox\"><reason value=\"bad &amp; wrong\"/></makefault>")
        SEQ("d", "<makefault version=\"pox\"><reason value=\"r\"/><detail expression=\"json-eval($.why)\"/></makefault>")));
    mc_msg_set_payload(f->m, "<a/>", 4, "application/xml", NULL);
    assert_int_equal(th_run(f, "r", NULL), MC_OK);
    assert_string_equal(th_payload(f), "<Exception>bad &amp; wrong</Exception>");
    assert_string_equal(mc_msg_content_type(f->m), "application/xml");
    assert_int_equal(mc_msg_status(f->m), 500);
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "d", "{\"why\":\"because\"}"), MC_OK);
    assert_string_equal(th_payload(f), "{\"Exception\":\"because\"}");
    th_flow_free(f);
}

static void test_makefault_diagnostics(void **state)
{
    (void)state;
    static const th_diag_case c[] = {
        {DEFS(SEQ("s", "<makefault><reason value=\"r\"/></makefault>")),
         "t.xml:2:20: error: <makefault> needs a <code> and a <reason> (only a pox fault may go without)\n"},
        {DEFS(SEQ("s", "<makefault><code value=\"Server\"/><reason value=\"r\"/></makefault>")),
         "t.xml:2:37: error: the fault code must be a QName prefix:name, not 'Server'\n"},
        {DEFS(SEQ("s", "<makefault><code value=\"x:Server\"/><reason value=\"r\"/></makefault>")),
         "t.xml:2:37: error: invalid namespace prefix 'x' in the fault code\n"},
        {DEFS(SEQ("s", "<makefault xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><code value=\"s:Sender\"/>"
                       "<reason value=\"r\"/></makefault>")),
         "t.xml:2:89: error: 'Sender' is not a soap11 fault code (VersionMismatch, MustUnderstand, Client, Server)\n"},
        {DEFS(SEQ("s", "<makefault version=\"soap12\" xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                       "<code value=\"s:Receiver\"/><reason value=\"r\"/></makefault>")),
         "t.xml:2:106: warning: the fault code of a soap12 fault should be in the namespace "
         "http://www.w3.org/2003/05/soap-envelope (WSO2 MI refuses this code; mediac, like Apache "
         "Synapse, writes it as s:Receiver with its namespace)\n"},
        {DEFS(SEQ("s", "<makefault version=\"soap13\"/>")),
         "t.xml:2:31: error: unknown fault version 'soap13' (soap11, soap12, pox)\n"},
        {DEFS(SEQ("s", "<makefault version=\"pox\" response=\"yes\"/>")),
         "t.xml:2:45: error: response must be true or false, not 'yes'\n"},
        {DEFS(SEQ("s", "<makefault version=\"pox\"><reason/></makefault>")),
         "t.xml:2:45: error: <reason> needs a 'value' or an 'expression'\n"},
    };
    th_check_diags(c, sizeof c / sizeof *c);
}

static void test_throw_error(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        SEQ("t", "<throwError type=\"HTTP:TIMEOUT\" errorMessage=\"string error message\"/>")
        SEQ("d", "<throwError/>")
        SEQ("e", "<throwError type=\"ORDER\" errorMessage=\"{json-eval($.why)}\"/>")
        SEQ("h", "<sequence key=\"t\"/>")
        SEQ("handler", "<property name=\"seen\" expression=\"fn:concat($ctx:ERROR_CODE, '/', $ctx:ERROR_MESSAGE)\"/>")
        "<sequence name=\"withHandler\" onError=\"handler\"><throwError type=\"X\" errorMessage=\"y\"/></sequence>\n"));
    assert_int_equal(th_run(f, "t", "{}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_CODE"), "HTTP:TIMEOUT");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "string error message");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "d", "{}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_CODE"), "ANY");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "Error occurred in the mediation flow");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "e", "{\"why\":\"out of stock\"}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "out of stock");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "withHandler", "{}"), MC_OK);
    assert_string_equal(th_prop(f, "seen"), "X/y");
    th_flow_free(f);
    char *d = th_diags(DEFS(SEQ("s", "<throwError type=\"A\"/><log/>")));
    assert_string_equal(d, "t.xml:2:42: warning: <log> can never run: it follows <throwError>\n");
    free(d);
}

static void test_java_and_jdbc_refused(void **state)
{
    (void)state;
    static const char *const names[] = {"bean", "spring", "ejb", "pojoCommand", "dblookup",
        "dbreport", "transaction", "entitlementService", "oauthService", "rule", "smooks"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char xml[256];
        snprintf(xml, sizeof xml, DEFS(SEQ("s", "<%s/>")), names[i]);
        char *d = th_diags(xml);
        if (!strstr(d, "mediac cannot run Java or JDBC code; to do this in mediac, write a native "
                       "mediator in C, register it with mc_engine_register_mediator() "
                       "(include/mediac.h) and call it with <class name=\"...\"/>") ||
            strncmp(d, "t.xml:2:20: error: <", 20) != 0)
            fail_msg("%s: %s", names[i], d);
        free(d);
    }
    char *d = th_diags(DEFS(SEQ("s", "<dblookup><connection/></dblookup>")));
    assert_string_equal(d, "t.xml:2:20: error: <dblookup> queries a database through JDBC: mediac cannot "
        "run Java or JDBC code; to do this in mediac, write a native mediator in C, register it "
        "with mc_engine_register_mediator() (include/mediac.h) and call it with <class name=\"...\"/>\n");
    free(d);
    /* the part of an MI mediator mediac lacks is refused by name */
    d = th_diags(DEFS(SEQ("s", "<jsontransform schema=\"conf:/s.json\"/>")));
    assert_non_null(strstr(d, "error: <jsontransform schema> (MI's JSON schema-driven type "
        "correction) is not supported by mediac yet; its JSON output <property>s are\n"));
    free(d);
    /* WSO2's rule mediator lives in its own namespace: still refused as Java */
    d = th_diags(DEFS(SEQ("s", "<rule xmlns=\"http://wso2.org/carbon/rules\"><source>soapBody</source>"
                                "</rule>")));
    assert_string_equal(d, "t.xml:2:20: error: <rule> runs a Java rule engine (Drools): mediac cannot "
        "run Java or JDBC code; to do this in mediac, write a native mediator in C, register it "
        "with mc_engine_register_mediator() (include/mediac.h) and call it with <class name=\"...\"/>\n");
    free(d);
    d = th_diags(DEFS(SEQ("s", "<class name=\"org.acme.Discount\"/>")));
    assert_string_equal(d, "t.xml:2:27: error: no native mediator is registered as 'org.acme.Discount': "
        "mediac cannot run Java classes; write the mediator in C and register it under this name with "
        "mc_engine_register_mediator() (include/mediac.h)\n");
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soap11),
        cmocka_unit_test(test_soap12_and_headers),
        cmocka_unit_test(test_pox),
        cmocka_unit_test(test_makefault_diagnostics),
        cmocka_unit_test(test_throw_error),
        cmocka_unit_test(test_java_and_jdbc_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
