/* test_soap.c - unit tests for the message formats (src/msg/soap.c,
 * payload.c, forms.c): content types to formats, exact bytes of SOAP 1.1,
 * SOAP 1.2, POX and JSON round trips, SOAP 1.1 <-> 1.2 conversion of
 * header blocks and faults, bad SOAP input, WS-Addressing in and out,
 * form and multipart bodies, text and binary, payloadFactory-style body
 * replacement and the answer format of a SOAP client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flow_harness.h"
#include "msg/soap.h"

#define DECL "<?xml version='1.0' encoding='UTF-8'?>"
#define S11 "http://schemas.xmlsoap.org/soap/envelope/"
#define S12 "http://www.w3.org/2003/05/soap-envelope"

static const char *as(mc_message *m, mc_wire w)
{
    size_t n;
    const char *p = mc_msg_bytes_as(m, w, &n);
    assert_non_null(p);
    assert_int_equal(strlen(p), n);
    return p;
}

static const char *out(mc_message *m)
{
    size_t n;
    const char *p = mc_msg_payload_bytes(m, &n);
    assert_non_null(p);
    return p;
}

static mc_message *with(const char *body, const char *ct)
{
    mc_message *m = th_msg_new();
    mc_err err = {0};
    assert_int_equal(mc_msg_set_payload(m, body, strlen(body), ct, &err), MC_OK);
    return m;
}

static mc_code refused(const char *body, const char *ct, char *why, size_t cap)
{
    mc_message *m = th_msg_new();
    mc_err err = {0};
    mc_code rc = mc_msg_set_payload(m, body, strlen(body), ct, &err);
    snprintf(why, cap, "%s", err.msg);
    mc_msg_free(m);
    return rc;
}

static void test_wire_of(void **state)
{
    (void)state;
    assert_int_equal(mc_wire_of("text/xml; charset=UTF-8"), MC_WIRE_SOAP11);
    assert_int_equal(mc_wire_of("application/soap+xml;action=\"x\""), MC_WIRE_SOAP12);
    assert_int_equal(mc_wire_of("application/xml"), MC_WIRE_POX);
    assert_int_equal(mc_wire_of("application/atom+xml"), MC_WIRE_POX);
    assert_int_equal(mc_wire_of("application/json"), MC_WIRE_JSON);
    assert_int_equal(mc_wire_of("application/problem+json"), MC_WIRE_JSON);
    assert_int_equal(mc_wire_of("text/plain"), MC_WIRE_TEXT);
    assert_int_equal(mc_wire_of("application/x-www-form-urlencoded"), MC_WIRE_FORM);
    assert_int_equal(mc_wire_of("multipart/form-data; boundary=b"), MC_WIRE_MULTIPART);
    assert_int_equal(mc_wire_of("application/octet-stream"), MC_WIRE_BINARY);
    assert_int_equal(mc_wire_of(""), MC_WIRE_NONE);
    assert_int_equal(mc_wire_of(NULL), MC_WIRE_NONE);
}

static void test_soap11_round_trip(void **state)
{
    (void)state;
    const char *in = "<soapenv:Envelope xmlns:soapenv=\"" S11 "\"><soapenv:Header>"
                     "<h:t xmlns:h=\"urn:h\" soapenv:mustUnderstand=\"1\">1</h:t></soapenv:Header>"
                     "<soapenv:Body><m:getQuote xmlns:m=\"urn:m\"><m:symbol>IBM</m:symbol>"
                     "</m:getQuote></soapenv:Body></soapenv:Envelope>";
    mc_message *m = with(in, "text/xml; charset=UTF-8");
    assert_int_equal(m->payload.soap, 11);
    assert_string_equal(out(m), DECL "<soapenv:Envelope xmlns:soapenv=\"" S11 "\"><soapenv:Header>"
                        "<h:t xmlns:h=\"urn:h\" soapenv:mustUnderstand=\"1\">1</h:t></soapenv:Header>"
                        "<soapenv:Body><m:getQuote xmlns:m=\"urn:m\"><m:symbol>IBM</m:symbol>"
                        "</m:getQuote></soapenv:Body></soapenv:Envelope>");
    /* POX: the body's child; JSON: Synapse's mapping of it */
    assert_string_equal(as(m, MC_WIRE_POX),
                        "<m:getQuote xmlns:m=\"urn:m\"><m:symbol>IBM</m:symbol></m:getQuote>");
    assert_string_equal(as(m, MC_WIRE_JSON), "{\"getQuote\":{\"symbol\":\"IBM\"}}");
    /* $header sees the block */
    assert_string_equal(th_eval(m, "string($header/*[local-name()='t'])"), "1");
    assert_string_equal(th_eval(m, "local-name($envelope)"), "Envelope");
    mc_msg_free(m);
}

static void test_soap12_round_trip_and_conversion(void **state)
{
    (void)state;
    const char *in = "<e:Envelope xmlns:e=\"" S12 "\"><e:Header><h:t xmlns:h=\"urn:h\" "
                     "e:role=\"urn:r\" e:mustUnderstand=\"true\">1</h:t></e:Header>"
                     "<e:Body><q>2</q></e:Body></e:Envelope>";
    mc_message *m = with(in, "application/soap+xml; charset=UTF-8; action=\"urn:q\"");
    assert_int_equal(m->payload.soap, 12);
    char exp[1024];
    snprintf(exp, sizeof exp, DECL "%s", in);
    assert_string_equal(out(m), exp);
    /* to SOAP 1.1: role -> actor, true -> 1 */
    assert_string_equal(as(m, MC_WIRE_SOAP11),
                        DECL "<e:Envelope xmlns:e=\"" S11 "\"><e:Header><h:t xmlns:h=\"urn:h\" "
                        "e:mustUnderstand=\"1\" e:actor=\"urn:r\">1</h:t></e:Header>"
                        "<e:Body><q>2</q></e:Body></e:Envelope>");
    /* the message itself is unchanged */
    assert_string_equal(as(m, MC_WIRE_SOAP12), exp);
    mc_msg_free(m);
}

static void test_fault_conversion(void **state)
{
    (void)state;
    const char *f11 = "<s:Envelope xmlns:s=\"" S11 "\"><s:Body><s:Fault><faultcode>s:Client"
                      "</faultcode><faultstring>bad symbol</faultstring><detail><d>x</d></detail>"
                      "</s:Fault></s:Body></s:Envelope>";
    mc_message *m = with(f11, "text/xml");
    assert_true(mc_soap_has_fault(m->payload.env));
    assert_string_equal(as(m, MC_WIRE_SOAP12),
                        DECL "<s:Envelope xmlns:s=\"" S12 "\"><s:Body><s:Fault><s:Code><s:Value>"
                        "s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang=\"en\">bad symbol"
                        "</s:Text></s:Reason><s:Detail><d>x</d></s:Detail></s:Fault></s:Body>"
                        "</s:Envelope>");
    mc_msg_free(m);
    const char *f12 = "<s:Envelope xmlns:s=\"" S12 "\"><s:Body><s:Fault><s:Code><s:Value>"
                      "s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang=\"en\">down"
                      "</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>";
    m = with(f12, "application/soap+xml");
    assert_string_equal(as(m, MC_WIRE_SOAP11),
                        DECL "<s:Envelope xmlns:s=\"" S11 "\"><s:Body><s:Fault><faultcode>"
                        "s:Server</faultcode><faultstring>down</faultstring></s:Fault></s:Body>"
                        "</s:Envelope>");
    mc_msg_free(m);
    /* the faults mediac makes */
    mc_buf b = MC_BUF_INIT;
    mc_soap_fault_text(&b, 12, "Client", "no <Body>");
    assert_string_equal(mc_buf_cstr(&b), DECL "<soapenv:Envelope xmlns:soapenv=\"" S12 "\">"
                        "<soapenv:Body><soapenv:Fault><soapenv:Code><soapenv:Value>soapenv:Sender"
                        "</soapenv:Value></soapenv:Code><soapenv:Reason><soapenv:Text xml:lang=\"en\">"
                        "no &lt;Body&gt;</soapenv:Text></soapenv:Reason></soapenv:Fault>"
                        "</soapenv:Body></soapenv:Envelope>");
    mc_buf_free(&b);
}

static void test_pox_and_json(void **state)
{
    (void)state;
    /* POX in, POX out, exact */
    const char *x = "<r xmlns=\"urn:r\"><a>1</a><a>2</a><b/></r>";
    mc_message *m = with(x, "application/xml");
    assert_int_equal(m->payload.soap, 0);
    assert_string_equal(out(m), x);
    /* a POX message is wrapped in a SOAP 1.1 envelope for soap11 */
    assert_string_equal(as(m, MC_WIRE_SOAP11),
                        DECL "<soapenv:Envelope xmlns:soapenv=\"" S11 "\"><soapenv:Body>"
                        "<r xmlns=\"urn:r\"><a>1</a><a>2</a><b/></r></soapenv:Body>"
                        "</soapenv:Envelope>");
    /* REST text/xml stays plain XML */
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", "text/xml");
    assert_string_equal(out(m), x);
    mc_msg_free(m);
    /* JSON in, JSON out unchanged; as XML and SOAP 1.2 by Synapse's mapping */
    const char *j = "{\"a\":[1,2],\"b\":\"x\"}";
    m = with(j, "application/json");
    assert_string_equal(out(m), j);
    assert_string_equal(as(m, MC_WIRE_POX),
                        "<jsonObject><?xml-multiple a?><a>1</a><a>2</a><b>x</b></jsonObject>");
    assert_string_equal(as(m, MC_WIRE_SOAP12),
                        DECL "<soapenv:Envelope xmlns:soapenv=\"" S12 "\"><soapenv:Body>"
                        "<jsonObject><?xml-multiple a?><a>1</a><a>2</a><b>x</b></jsonObject>"
                        "</soapenv:Body>"
                        "</soapenv:Envelope>");
    mc_msg_free(m);
}

static void test_bad_soap(void **state)
{
    (void)state;
    char why[512];
    const char *e12 = "<e:Envelope xmlns:e=\"" S12 "\"><e:Body/></e:Envelope>";
    const char *e11 = "<e:Envelope xmlns:e=\"" S11 "\"><e:Body/></e:Envelope>";
    assert_int_equal(refused(e12, "text/xml", why, sizeof why), MC_EPARSE);
    assert_non_null(strstr(why, MC_SOAP_VERSION_MISMATCH));
    assert_int_equal(refused(e11, "application/soap+xml", why, sizeof why), MC_EPARSE);
    assert_non_null(strstr(why, MC_SOAP_VERSION_MISMATCH));
    const char *other = "<e:Envelope xmlns:e=\"urn:not-soap\"><e:Body/></e:Envelope>";
    assert_int_equal(refused(other, "text/xml", why, sizeof why), MC_EPARSE);
    assert_non_null(strstr(why, MC_SOAP_VERSION_MISMATCH));
    const char *nobody = "<e:Envelope xmlns:e=\"" S11 "\"><e:Header/></e:Envelope>";
    assert_int_equal(refused(nobody, "text/xml", why, sizeof why), MC_EPARSE);
    assert_non_null(strstr(why, "no Body"));
    assert_int_equal(refused("<a/>", "application/soap+xml", why, sizeof why), MC_EPARSE);
    assert_non_null(strstr(why, "must be a SOAP 1.2 Envelope"));
    /* plain XML in text/xml is POX (a REST client's) */
    mc_message *m = with("<a/>", "text/xml");
    assert_int_equal(m->payload.soap, 0);
    mc_msg_free(m);
}

/* get-property('MESSAGE_FORMAT'), ('Action') and ('FAULT') read the
 * message's format as Synapse's GetPropertyFunction does. */
static void test_format_properties(void **state)
{
    (void)state;
    mc_message *m = with("<e:Envelope xmlns:e=\"" S12 "\"><e:Body><a/></e:Body></e:Envelope>",
                         "application/soap+xml; charset=UTF-8; action=\"urn:twelve\"");
    mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "Content-Type",
                     "application/soap+xml; charset=UTF-8; action=\"urn:twelve\"");
    m->client_soap = 12;
    assert_string_equal(th_eval(m, "get-property('MESSAGE_FORMAT')"), "soap12");
    assert_string_equal(th_eval(m, "get-property('Action')"), "urn:twelve");
    assert_string_equal(th_eval(m, "get-property('FAULT')"), "");
    mc_msg_free(m);
    m = with("<e:Envelope xmlns:e=\"" S11 "\"><e:Body><e:Fault><faultcode>e:Server</faultcode>"
             "<faultstring>x</faultstring></e:Fault></e:Body></e:Envelope>", "text/xml");
    m->client_soap = 11;
    assert_string_equal(th_eval(m, "get-property('MESSAGE_FORMAT')"), "soap11");
    assert_string_equal(th_eval(m, "get-property('FAULT')"), "true");
    mc_msg_free(m);
}

/* The envelope's shape, as Axiom's builder checks it. */
static void test_envelope_shape(void **state)
{
    (void)state;
    static const struct {
        const char *ct, *inner, *why;
    } bad[] = {
        {"text/xml", "<e:Body/><e:Body/>", "more than one Body"},
        {"text/xml", "<e:Header/><e:Header/><e:Body/>", "more than one Header"},
        {"text/xml", "<e:Body/><e:Header/>", "a Header after its Body"},
        {"text/xml", "<x/><e:Body/>", "<x> where only Header and Body may be"},
        {"text/xml", "<Body/>", "<Body> where only Header and Body may be"},
        {"text/xml", "junk<e:Body/>", "text outside its Header and Body"},
        {"application/soap+xml", "<e:Body/><x/>", "<x> after its Body"},
    };
    char why[512], doc[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(doc, sizeof doc, "<e:Envelope xmlns:e=\"%s\">%s</e:Envelope>",
                 strcmp(bad[i].ct, "text/xml") == 0 ? S11 : S12, bad[i].inner);
        assert_int_equal(refused(doc, bad[i].ct, why, sizeof why), MC_EPARSE);
        if (!strstr(why, bad[i].why))
            fail_msg("%s: '%s' lacks '%s'", doc, why, bad[i].why);
    }
    /* SOAP 1.1 allows elements after the Body; white space, comments and a
     * Body under another prefix of the same namespace are fine */
    mc_message *m = with("<e:Envelope xmlns:e=\"" S11 "\">\n <!-- c -->\n<f:Body xmlns:f=\""
                         S11 "\"><a/></f:Body><x/></e:Envelope>", "text/xml");
    assert_int_equal(m->payload.soap, 11);
    assert_string_equal(as(m, MC_WIRE_POX), "<a/>");
    mc_msg_free(m);
}

static void test_addressing(void **state)
{
    (void)state;
    const char *in = "<s:Envelope xmlns:s=\"" S11 "\"><s:Header xmlns:wsa=\"" MC_WSA_NS "\">"
                     "<wsa:To>http://localhost:9000/services/SimpleStockQuoteService</wsa:To>"
                     "<wsa:MessageID>urn:uuid:1</wsa:MessageID><wsa:Action>urn:getQuote</wsa:Action>"
                     "<wsa:ReplyTo><wsa:Address>" MC_WSA_ANONYMOUS "</wsa:Address></wsa:ReplyTo>"
                     "<x:keep xmlns:x=\"urn:x\">k</x:keep></s:Header><s:Body><q/></s:Body></s:Envelope>";
    mc_message *m = with(in, "text/xml");
    mc_msg_read_addressing(m);
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "To"),
                        "http://localhost:9000/services/SimpleStockQuoteService");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "Action"), "urn:getQuote");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "MessageID"), "urn:uuid:1");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "ReplyTo"), MC_WSA_ANONYMOUS);
    /* outbound: the processed wsa: blocks go, other blocks stay */
    mc_buf b = MC_BUF_INIT;
    mc_envelope_opts o = {.version = 11};
    assert_int_equal(mc_msg_envelope_text(m, &o, &b), MC_OK);
    assert_string_equal(mc_buf_cstr(&b), DECL "<s:Envelope xmlns:s=\"" S11 "\"><s:Header "
                        "xmlns:wsa=\"" MC_WSA_NS "\"><x:keep xmlns:x=\"urn:x\">k</x:keep></s:Header>"
                        "<s:Body><q/></s:Body></s:Envelope>");
    mc_buf_reset(&b);
    /* <enableAddressing/>: new To, MessageID, ReplyTo, Action */
    mc_envelope_opts a = {.version = 12, .addressing = true, .to = "http://b/x",
                          .action = "urn:a", .message_id = "urn:uuid:2"};
    assert_int_equal(mc_msg_envelope_text(m, &a, &b), MC_OK);
    assert_string_equal(mc_buf_cstr(&b), DECL "<s:Envelope xmlns:s=\"" S12 "\"><s:Header "
                        "xmlns:wsa=\"" MC_WSA_NS "\"><x:keep xmlns:x=\"urn:x\">k</x:keep>"
                        "<wsa:To>http://b/x</wsa:To><wsa:MessageID>urn:uuid:2</wsa:MessageID>"
                        "<wsa:ReplyTo><wsa:Address>" MC_WSA_ANONYMOUS "</wsa:Address></wsa:ReplyTo>"
                        "<wsa:Action>urn:a</wsa:Action></s:Header><s:Body><q/></s:Body></s:Envelope>");
    mc_buf_free(&b);
    mc_msg_free(m);
}

static void test_forms(void **state)
{
    (void)state;
    mc_message *m = with("name=J%C3%B6rg+K&age=7&empty=", "application/x-www-form-urlencoded");
    assert_string_equal(as(m, MC_WIRE_POX),
                        "<xformValues><name>J\xc3\xb6rg K</name><age>7</age><empty></empty>"
                        "</xformValues>");
    assert_string_equal(th_eval(m, "//xformValues/age"), "7");
    /* and back out as a form, as the messageType says */
    assert_string_equal(out(m), "name=J%C3%B6rg+K&age=7&empty=");
    mc_msg_free(m);
    const char *mp = "--XyZ\r\nContent-Disposition: form-data; name=\"first\"\r\n\r\nAnn\r\n"
                     "--XyZ\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n"
                     "Content-Type: text/plain\r\n\r\nhi\n\r\n--XyZ--\r\n";
    m = with(mp, "multipart/form-data; boundary=XyZ");
    assert_string_equal(as(m, MC_WIRE_POX),
                        "<mediate><first>Ann</first><doc filename=\"a.txt\">aGkK</doc></mediate>");
    mc_msg_free(m);
    char why[512];
    assert_int_equal(refused("1a=2", "application/x-www-form-urlencoded", why, sizeof why),
                     MC_EPARSE);
    assert_non_null(strstr(why, "not an XML name"));
    assert_int_equal(refused("--b\r\nX: y\r\n\r\nv\r\n--b--", "multipart/form-data; boundary=b",
                             why, sizeof why), MC_EPARSE);
    assert_int_equal(refused("--b\r\n", "multipart/form-data", why, sizeof why), MC_EPARSE);
    assert_non_null(strstr(why, "boundary"));
}

static void test_text_and_binary(void **state)
{
    (void)state;
    mc_message *m = with("plain words", "text/plain");
    assert_string_equal(out(m), "plain words");
    assert_string_equal(as(m, MC_WIRE_SOAP11),
                        DECL "<soapenv:Envelope xmlns:soapenv=\"" S11 "\"><soapenv:Body>"
                        "<ns:text xmlns:ns=\"http://ws.apache.org/commons/ns/payload\">plain words"
                        "</ns:text></soapenv:Body></soapenv:Envelope>");
    mc_msg_free(m);
    const char bin[] = {'\x00', '\xff', 'a', '\x01'};
    mc_message *b = th_msg_new();
    mc_err err = {0};
    assert_int_equal(mc_msg_set_payload(b, bin, sizeof bin, "application/octet-stream", &err), MC_OK);
    size_t n;
    const char *p = mc_msg_payload_bytes(b, &n);
    assert_int_equal(n, sizeof bin);
    assert_memory_equal(p, bin, sizeof bin);
    mc_msg_free(b);
    /* a <ns:binary> payload goes out as its bytes */
    m = with("<ns:binary xmlns:ns=\"http://ws.apache.org/commons/ns/payload\">AP9hAQ==</ns:binary>",
             "application/xml");
    p = mc_msg_bytes_as(m, MC_WIRE_BINARY, &n);
    assert_int_equal(n, sizeof bin);
    assert_memory_equal(p, bin, sizeof bin);
    mc_msg_free(m);
}

static void test_body_keeps_envelope(void **state)
{
    (void)state;
    const char *in = "<s:Envelope xmlns:s=\"" S12 "\"><s:Header><h>1</h></s:Header>"
                     "<s:Body><old/></s:Body></s:Envelope>";
    mc_message *m = with(in, "application/soap+xml");
    mc_err err = {0};
    assert_int_equal(mc_msg_set_body(m, "<new>2</new>", 12, "application/soap+xml", &err), MC_OK);
    assert_string_equal(out(m), DECL "<s:Envelope xmlns:s=\"" S12 "\"><s:Header><h>1</h>"
                        "</s:Header><s:Body><new>2</new></s:Body></s:Envelope>");
    mc_msg_free(m);
}

static void test_answer_format(void **state)
{
    (void)state;
    /* a SOAP 1.2 client whose flow got a POX answer from a REST backend */
    mc_message *m = with("<r>ok</r>", "application/xml");
    m->client_soap = 12;
    m->answer_rest = true;
    mc_msg_answer_format(m);
    assert_string_equal(mc_msg_content_type(m), "application/soap+xml");
    assert_string_equal(out(m), DECL "<soapenv:Envelope xmlns:soapenv=\"" S12 "\">"
                        "<soapenv:Body><r>ok</r></soapenv:Body></soapenv:Envelope>");
    mc_msg_free(m);
    /* a REST client is left alone */
    m = with("<r>ok</r>", "application/xml");
    m->answer_rest = true;
    mc_msg_answer_format(m);
    assert_string_equal(mc_msg_content_type(m), "application/xml");
    mc_msg_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_of),
        cmocka_unit_test(test_soap11_round_trip),
        cmocka_unit_test(test_soap12_round_trip_and_conversion),
        cmocka_unit_test(test_fault_conversion),
        cmocka_unit_test(test_pox_and_json),
        cmocka_unit_test(test_bad_soap),
        cmocka_unit_test(test_envelope_shape),
        cmocka_unit_test(test_format_properties),
        cmocka_unit_test(test_addressing),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_text_and_binary),
        cmocka_unit_test(test_body_keeps_envelope),
        cmocka_unit_test(test_answer_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
