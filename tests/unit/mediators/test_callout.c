/* test_callout.c - unit tests for <callout>: the request it builds (a
 * source XPath or property, as a SOAP envelope for a SOAP message and as
 * plain XML otherwise; the SOAP action; no REST_URL_POSTFIX), where the
 * answer goes (a target XPath, a property, the whole message; a JSON
 * answer always becomes the payload), failures and diagnostics. */
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

static const char *header(const mc_outbound *out, const char *name)
{
    for (size_t i = 0; i < out->nheaders; i++)
        if (strcmp(out->headers[i].name, name) == 0)
            return out->headers[i].value;
    return NULL;
}

static void answer(th_flow *f, const char *ct, const char *body)
{
    static mc_kv hdrs[1];
    static mc_inbound in;
    hdrs[0] = (mc_kv){"Content-Type", ct};
    in = (mc_inbound){200, body, strlen(body), hdrs, 1, 0, NULL};
    f->m->in = &in;
}

static void test_callout(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        "<endpoint name=\"QuoteEP\"><address uri=\"http://h/ep\"/></endpoint>\n"
        SEQ("xpath", "<callout serviceURL=\"http://h/quote\" action=\"urn:getQuote\">"
                     "<source xmlns:s=\"urn:s\" xpath=\"//s:getQuote\"/>"
                     "<target xmlns:s=\"urn:s\" xpath=\"//s:getQuote\"/></callout>")
        SEQ("key", "<property name=\"req\" type=\"OM\"><q xmlns=\"\">1</q></property>"
                   "<callout endpointKey=\"QuoteEP\"><source key=\"req\"/><target key=\"resp\"/></callout>")
        SEQ("env", "<callout><endpoint><http method=\"post\" uri-template=\"http://h/env\"/></endpoint>"
                   "<source type=\"envelope\"/></callout>")
        SEQ("none", "<callout serviceURL=\"http://h/x\"><source xpath=\"//nothing\"/><target key=\"r\"/></callout>")));
    /* a SOAP message: the selected element goes in a SOAP envelope */
    static const char soap[] =
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
        "<wrap><s:getQuote xmlns:s=\"urn:s\"><s:symbol>IBM</s:symbol></s:getQuote></wrap>"
        "</soapenv:Body></soapenv:Envelope>";
    mc_msg_set_payload(f->m, soap, sizeof soap - 1, "text/xml", NULL);
    mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "REST_URL_POSTFIX", "/extra");
    assert_int_equal(th_run(f, "xpath", NULL), MC_ESUSPENDED);
    mc_outbound *out = f->m->out;
    assert_string_equal(out->url, "http://h/quote");
    assert_string_equal(out->body,
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
        "<s:getQuote xmlns:s=\"urn:s\"><s:symbol>IBM</s:symbol></s:getQuote></soapenv:Body></soapenv:Envelope>");
    assert_string_equal(header(out, "SOAPAction"), "urn:getQuote");
    assert_string_equal(header(out, "Content-Type"), "text/xml");
    answer(f, "text/xml", "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                          "<soapenv:Body><s:getQuoteResponse xmlns:s=\"urn:s\"><s:last>42</s:last>"
                          "</s:getQuoteResponse></soapenv:Body></soapenv:Envelope>");
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    /* a SOAP message stays one (its envelope kept end to end) */
    assert_string_equal(th_payload(f),
        "<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
        "<soapenv:Body><wrap><s:getQuoteResponse xmlns:s=\"urn:s\"><s:last>42</s:last></s:getQuoteResponse></wrap>"
        "</soapenv:Body></soapenv:Envelope>");
    /* plain XML from a property, the answer to a property */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "key", "{\"keep\":1}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->url, "http://h/ep");
    assert_string_equal(f->m->out->body, "<q>1</q>");
    assert_string_equal(header(f->m->out, "Content-Type"), "application/xml");
    answer(f, "application/xml", "<r><v>ok</v></r>");
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_string_equal(th_prop(f, "resp"), "<r><v>ok</v></r>");
    assert_string_equal(th_payload(f), "{\"keep\":1}");
    /* the envelope as the request; a JSON answer becomes the message */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "env", "{\"a\":1}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->body, "{\"a\":1}");
    answer(f, "application/json", "{\"b\":2}");
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_string_equal(th_payload(f), "{\"b\":2}");
    /* a source that selects nothing */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "none", "{}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_CODE"), "401000");
    th_flow_free(f);
    static const th_diag_case c[] = {
        {DEFS(SEQ("s", "<callout/>")),
         "t.xml:2:20: error: <callout> needs one of serviceURL, endpointKey or an <endpoint>\n"},
        {DEFS(SEQ("s", "<callout serviceURL=\"jms:/q\"/>")),
         "t.xml:2:29: error: endpoint URI uses the 'jms' transport; mediac sends over HTTP and HTTPS only\n"},
        {DEFS(SEQ("s", "<callout serviceURL=\"http://h\"><source/></callout>")),
         "t.xml:2:51: error: a callout <source> needs an 'xpath' or a 'key' attribute (or type=\"envelope\")\n"},
        {DEFS(SEQ("s", "<callout serviceURL=\"http://h\"><enableSec policy=\"p\"/></callout>")),
         "t.xml:2:51: error: <enableSec>: WS-Security is not supported by mediac\n"},
    };
    th_check_diags(c, sizeof c / sizeof *c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
