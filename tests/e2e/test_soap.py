"""test_soap.py - SOAP and message formats through `mediac serve`.

Synapse's own samples (tests/corpus/apache-synapse, Apache-2.0) run against
StockQuoteStandIn, a local stand-in of Axis2's SimpleStockQuoteService
(tests/e2e/standins.py; the samples' localhost:9000 is pointed at it, the
only change), and answer as the samples' guide says.  Then each format
rule with a recording backend (EchoStandIn, a stand-in that answers with
what it got and records every request): envelopes kept end to end, the
endpoint formats, SOAPAction/action, WS-Addressing, SOAP version
conversion both ways, SOAP faults (500, FORCE_ERROR_ON_SOAP_FAULT),
messageType conversion, form and multipart bodies, the outgoing-call
properties, header blocks, and bad SOAP input answered with a fault."""
import os
import re
import shutil
import tempfile
import unittest

import mc
from serve_helpers import Server
from standins import SOAP11, SOAP12, EchoStandIn, StockQuoteStandIn, stockquote_request

SAMPLES = os.path.join(mc.ROOT, "tests", "corpus", "apache-synapse")
SYN = 'xmlns="http://ws.apache.org/ns/synapse"'


def write(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class SynapseSamplesTest(unittest.TestCase):
    """The samples' guide: each answers the stock quote client's request
    with the quote for the symbol asked (the backend is the stand-in)."""

    @classmethod
    def setUpClass(cls):
        cls.sq = StockQuoteStandIn()
        cls.sq.__enter__()
        cls.dir = tempfile.mkdtemp(prefix="mediac-samples-")

    @classmethod
    def tearDownClass(cls):
        cls.sq.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def sample(self, n):
        src = os.path.join(SAMPLES, "repository", "conf", "sample", "synapse_sample_%d.xml" % n)
        with open(src) as f:
            text = f.read().replace("localhost:9000", "127.0.0.1:%d" % self.sq.port)
        path = write(self.dir, "synapse_sample_%d.xml" % n, text)
        srv = Server([path], cwd=SAMPLES)
        self.addCleanup(srv.close)
        return srv

    def backend(self):
        return "http://127.0.0.1:%d/services/SimpleStockQuoteService" % self.sq.port

    def assertQuote(self, r, symbol, soap=SOAP11):
        self.assertEqual(r.status, 200, r.body[:400])
        body = r.body.decode()
        self.assertIn("getQuoteResponse", body)
        self.assertIn("<ax21:symbol>%s</ax21:symbol>" % symbol, body)
        self.assertIn('Envelope xmlns:soapenv="%s"' % soap, body)
        want = "text/xml" if soap == SOAP11 else "application/soap+xml"
        self.assertTrue(r.header("Content-Type").startswith(want), r.headers)

    def test_sample0_smart_client(self):
        # sample 0: main sequence logs and sends to the WS-Addressing To
        srv = self.sample(0)
        body, headers = stockquote_request("IBM", to=self.backend())
        r = srv.request("POST", "/", body, headers)
        self.assertQuote(r, "IBM")
        sent = self.sq.requests[-1]
        self.assertEqual(sent["headers"].get("SOAPAction"), '"urn:getQuote"')
        self.assertIn(b"<m0:symbol>IBM</m0:symbol>", sent["body"])
        # the processed wsa: headers are not forwarded
        self.assertNotIn(b"wsa:To", sent["body"])

    def test_sample1_content_based_routing_on_to(self):
        # sample 1: dumb client to /services/StockQuote; the filter on To routes it
        srv = self.sample(1)
        body, headers = stockquote_request("MSFT")
        r = srv.request("POST", "/services/StockQuote", body, headers)
        self.assertQuote(r, "MSFT")

    def test_sample2_switch_on_symbol(self):
        srv = self.sample(2)
        for sym in ("IBM", "MSFT", "SUN"):
            body, headers = stockquote_request(sym, to=self.backend())
            self.assertQuote(srv.request("POST", "/", body, headers), sym)
        self.assertIn("symbol = Great stock - IBM", srv.log())
        self.assertIn("symbol = Normal Stock - SUN", srv.log())

    def test_sample3_local_entry_and_named_endpoint(self):
        srv = self.sample(3)
        body, headers = stockquote_request("IBM")
        self.assertQuote(srv.request("POST", "/", body, headers), "IBM")
        self.assertIn("direction = incoming", srv.log())

    def test_sample150_proxy(self):
        srv = self.sample(150)
        body, headers = stockquote_request("IBM")
        self.assertQuote(srv.request("POST", "/services/StockQuoteProxy", body, headers), "IBM")
        # a SOAP 1.2 client gets SOAP 1.2 back from the same SOAP 1.1-answering backend
        body, headers = stockquote_request("IBM", soap=SOAP12)
        self.assertQuote(srv.request("POST", "/services/StockQuoteProxy", body, headers), "IBM",
                         SOAP12)

    def test_sample151_named_sequences_and_endpoints(self):
        srv = self.sample(151)
        for proxy in ("StockQuoteProxy1", "StockQuoteProxy2"):
            body, headers = stockquote_request("SUN")
            self.assertQuote(srv.request("POST", "/services/" + proxy, body, headers), "SUN")

    def test_sample152_pox_endpoint(self):
        # format="pox": the backend gets plain XML, the SOAP client SOAP
        srv = self.sample(152)
        body, headers = stockquote_request("IBM")
        r = srv.request("POST", "/services/StockQuoteProxy", body, headers)
        self.assertQuote(r, "IBM")
        sent = self.sq.requests[-1]
        self.assertTrue(sent["headers"]["Content-Type"].startswith("application/xml"))
        self.assertTrue(sent["body"].startswith(b"<m0:getQuote"), sent["body"][:100])

    def test_unknown_operation_soap_fault_500(self):
        # the backend's SOAP fault goes back as a SOAP fault with 500
        srv = self.sample(150)
        body, headers = stockquote_request("IBM", action="urn:noSuchOp")
        body = body.replace(b"getQuote", b"noSuchOp")
        r = srv.request("POST", "/services/StockQuoteProxy", body, headers)
        self.assertEqual(r.status, 500, r.body)
        self.assertIn(b"<soapenv:Fault>", r.body)
        self.assertIn(b"faultstring", r.body)


PROXY = """<proxy %s name="%s"><target><inSequence>%s</inSequence>
<outSequence><send/></outSequence><faultSequence>%s</faultSequence></target></proxy>"""


class FormatsTest(unittest.TestCase):
    """Each rule with a recording backend."""

    @classmethod
    def setUpClass(cls):
        cls.echo = EchoStandIn()
        cls.echo.__enter__()
        cls.sq = StockQuoteStandIn()
        cls.sq.__enter__()
        cls.dir = tempfile.mkdtemp(prefix="mediac-soap-")
        e = "http://127.0.0.1:%d/echo" % cls.echo.port
        s = "http://127.0.0.1:%d/services/SimpleStockQuoteService" % cls.sq.port
        flows = {
            "Pass": '<call><endpoint><address uri="%s"/></endpoint></call><respond/>' % e,
            "To11": '<call><endpoint><address uri="%s" format="soap11"/></endpoint></call>'
                    '<respond/>' % e,
            "To12": '<call><endpoint><address uri="%s" format="soap12"/></endpoint></call>'
                    '<respond/>' % e,
            "ToPox": '<call><endpoint><address uri="%s" format="pox"/></endpoint></call>'
                     '<respond/>' % e,
            "ToJson": '<call><endpoint><address uri="%s" format="json"/></endpoint></call>'
                      '<respond/>' % e,
            "ToGet": '<call><endpoint><address uri="%s" format="get"/></endpoint></call>'
                     '<respond/>' % e,
            "Wsa": '<call><endpoint><address uri="%s"><enableAddressing/></address></endpoint>'
                   '</call><respond/>' % e,
            "Hdr": '<header xmlns:t="urn:t" name="t:Trace" value="abc"/>'
                   '<header xmlns:h="urn:h" name="h:drop" action="remove"/>'
                   '<call><endpoint><address uri="%s"/></endpoint></call><respond/>' % e,
            "ToXml": '<property name="messageType" value="application/xml" scope="axis2"/>'
                     '<call><endpoint><address uri="%s"/></endpoint></call>'
                     '<property name="messageType" value="application/json" scope="axis2"/>'
                     '<respond/>' % e,
            "Text": '<property name="messageType" value="text/plain" scope="axis2"/><respond/>',
            "Form": '<payloadFactory media-type="json"><format>{"a":"$1","n":"$2"}</format>'
                    '<args><arg expression="//xformValues/a"/><arg expression="//mediate/n | '
                    '//xformValues/n"/></args></payloadFactory><respond/>',
            "Multi": '<property name="f" expression="//mediate/doc/@filename"/>'
                     '<payloadFactory media-type="json"><format>{"who":"$1","file":"$2",'
                     '"b64":"$3"}</format><args><arg expression="//mediate/who"/>'
                     '<arg expression="get-property(\'f\')"/><arg expression="//mediate/doc"/>'
                     '</args></payloadFactory><respond/>',
            "NoBody": '<property name="NO_ENTITY_BODY" value="true" scope="axis2"/>'
                      '<call><endpoint><address uri="%s"/></endpoint></call><respond/>' % e,
            "Http10": '<property name="FORCE_HTTP_1.0" value="true" scope="axis2"/>'
                      '<property name="POST_TO_URI" value="true" scope="axis2"/>'
                      '<property name="TRANSPORT_HEADERS" action="remove" scope="axis2"/>'
                      '<call><endpoint><address uri="%s"/></endpoint></call><respond/>' % e,
            "Accepted": '<property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/>'
                        '<respond/>',
            "Force": '<property name="FORCE_ERROR_ON_SOAP_FAULT" value="true"/>'
                     '<call><endpoint><address uri="%s"/></endpoint></call><respond/>' % s,
            "Fault": '<call><endpoint><address uri="%s"/></endpoint></call><respond/>' % s,
        }
        fault = ('<payloadFactory media-type="json"><format>{"fault":"$1"}</format><args>'
                 '<arg expression="get-property(\'ERROR_MESSAGE\')"/></args></payloadFactory>'
                 '<respond/>')
        paths = [write(cls.dir, n + ".xml", PROXY % (SYN, n, body, fault))
                 for n, body in flows.items()]
        cls.srv = Server(paths)

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        cls.echo.__exit__(None, None, None)
        cls.sq.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def post(self, proxy, body, headers):
        self.echo.requests.clear()
        return self.srv.request("POST", "/services/" + proxy, body, headers)

    def sent(self):
        self.assertEqual(len(self.echo.requests), 1)
        return self.echo.requests[0]

    def soap11(self, header=""):
        body = ('<soapenv:Envelope xmlns:soapenv="%s">%s<soapenv:Body><m:q xmlns:m="urn:m">'
                '<m:s>IBM</m:s></m:q></soapenv:Body></soapenv:Envelope>' % (SOAP11, header))
        return body, {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '"urn:q"'}

    def soap12(self):
        body = ('<e:Envelope xmlns:e="%s"><e:Body><m:q xmlns:m="urn:m"><m:s>IBM</m:s></m:q>'
                '</e:Body></e:Envelope>' % SOAP12)
        return body, {"Content-Type": 'application/soap+xml; charset=UTF-8; action="urn:q"'}

    def test_envelope_kept_end_to_end(self):
        # issue 18's report: the header and the envelope reach the backend and come back
        hdr = '<soapenv:Header><h:k xmlns:h="urn:h">v</h:k></soapenv:Header>'
        body, headers = self.soap11(hdr)
        r = self.post("Pass", body, headers)
        sent = self.sent()
        self.assertEqual(sent["body"].decode(),
                         "<?xml version='1.0' encoding='UTF-8'?>" + body)
        self.assertEqual(sent["headers"]["SOAPAction"], '"urn:q"')
        self.assertTrue(sent["headers"]["Content-Type"].startswith("text/xml"))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body.decode(), "<?xml version='1.0' encoding='UTF-8'?>" + body)
        self.assertTrue(r.header("Content-Type").startswith("text/xml"))

    def test_soap12_to_soap11_endpoint_and_back(self):
        body, headers = self.soap12()
        r = self.post("To11", body, headers)
        sent = self.sent()
        self.assertIn(('Envelope xmlns:e="%s"' % SOAP11).encode(), sent["body"])
        self.assertEqual(sent["headers"]["SOAPAction"], '"urn:q"')
        # the echo answered SOAP 1.1; the SOAP 1.2 client gets SOAP 1.2
        self.assertEqual(r.status, 200)
        self.assertIn(('Envelope xmlns:e="%s"' % SOAP12).encode(), r.body)
        self.assertTrue(r.header("Content-Type").startswith("application/soap+xml"))

    def test_soap11_to_soap12_endpoint(self):
        body, headers = self.soap11()
        r = self.post("To12", body, headers)
        sent = self.sent()
        self.assertIn(SOAP12.encode(), sent["body"])
        self.assertEqual(sent["headers"]["Content-Type"],
                         'application/soap+xml; charset=UTF-8; action="urn:q"')
        self.assertNotIn("SOAPAction", sent["headers"])
        self.assertIn(('Envelope xmlns:soapenv="%s"' % SOAP11).encode(), r.body)

    def test_pox_json_get_formats(self):
        body, headers = self.soap11()
        r = self.post("ToPox", body, headers)
        self.assertEqual(self.sent()["body"], b'<m:q xmlns:m="urn:m"><m:s>IBM</m:s></m:q>')
        # the POX answer goes back to the SOAP client as SOAP 1.1
        self.assertIn(b"<soapenv:Body><m:q", r.body)
        self.post("ToJson", body, headers)
        self.assertEqual(self.sent()["body"], b'{"q":{"s":"IBM"}}')
        self.assertEqual(self.sent()["headers"]["Content-Type"], "application/json")
        self.post("ToGet", '{"symbol":"IB M","n":2}', {"Content-Type": "application/json"})
        sent = self.sent()
        self.assertEqual(sent["method"], "GET")
        self.assertEqual(sent["path"], "/echo?symbol=IB+M&n=2")
        self.assertEqual(sent["body"], b"")

    def test_enable_addressing(self):
        body, headers = self.soap11()
        self.post("Wsa", body, headers)
        text = self.sent()["body"].decode()
        self.assertIn("<wsa:To>http://127.0.0.1:%d/echo</wsa:To>" % self.echo.port, text)
        self.assertIn("<wsa:Action>urn:q</wsa:Action>", text)
        self.assertRegex(text, r"<wsa:MessageID>urn:uuid:[0-9a-f-]+</wsa:MessageID>")

    def test_header_blocks_added_and_removed(self):
        hdr = ('<soapenv:Header><h:drop xmlns:h="urn:h">x</h:drop><h:keep xmlns:h="urn:h">y'
               '</h:keep></soapenv:Header>')
        body, headers = self.soap11(hdr)
        self.post("Hdr", body, headers)
        text = self.sent()["body"].decode()
        self.assertNotIn("drop", text)
        self.assertIn('<h:keep xmlns:h="urn:h">y</h:keep>', text)
        self.assertIn('<t:Trace xmlns:t="urn:t">abc</t:Trace>', text)  # Synapse keeps the prefix

    def test_message_type_conversion(self):
        r = self.post("ToXml", '{"a":{"b":[1,2]}}', {"Content-Type": "application/json"})
        self.assertEqual(self.sent()["body"],
                         b"<jsonObject><a><?xml-multiple b?><b>1</b><b>2</b></a></jsonObject>")
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.body, b'{"a":{"b":[1,2]}}')
        r = self.post("Text", "<ns:text xmlns:ns=\"http://ws.apache.org/commons/ns/payload\">"
                      "hello</ns:text>", {"Content-Type": "application/xml"})
        self.assertEqual(r.body, b"hello")
        self.assertEqual(r.header("Content-Type"), "text/plain")

    def test_form_and_multipart_in(self):
        r = self.post("Form", "a=x+y&n=%C3%A9", {"Content-Type":
                                                  "application/x-www-form-urlencoded"})
        self.assertEqual(r.json(), {"a": "x y", "n": "\u00e9"})
        mp = ("--B1\r\nContent-Disposition: form-data; name=\"who\"\r\n\r\nAnn\r\n"
              "--B1\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.bin\"\r\n"
              "Content-Type: application/octet-stream\r\n\r\n\x00\x01\r\n--B1--\r\n")
        r = self.post("Multi", mp.encode("latin-1"),
                      {"Content-Type": "multipart/form-data; boundary=B1"})
        self.assertEqual(r.json(), {"who": "Ann", "file": "a.bin", "b64": "AAE="})

    def test_no_entity_body(self):
        body, headers = self.soap11()
        self.post("NoBody", body, headers)
        self.assertEqual(self.sent()["body"], b"")

    def test_http10_post_to_uri_transport_headers(self):
        body, headers = self.soap11()
        headers["X-Drop-Me"] = "1"
        self.post("Http10", body, headers)
        sent = self.sent()
        self.assertEqual(sent["version"], "HTTP/1.0")
        self.assertEqual(sent["path"], "http://127.0.0.1:%d/echo" % self.echo.port)
        self.assertNotIn("X-Drop-Me", sent["headers"])

    def test_force_sc_accepted(self):
        r = self.post("Accepted", '{"a":1}', {"Content-Type": "application/json"})
        self.assertEqual(r.status, 202)
        self.assertEqual(r.body, b"")

    def test_backend_soap_fault_passed_on_and_forced(self):
        body, headers = stockquote_request("IBM", action="urn:nope")
        body = body.replace(b"getQuote", b"nope")
        r = self.post("Fault", body, headers)
        self.assertEqual(r.status, 500)
        self.assertIn(b"<soapenv:Fault>", r.body)
        r = self.post("Force", body, headers)
        self.assertEqual(r.json(), {"fault": "SOAP fault in the response"})

    def test_bad_soap_input_answers_a_fault(self):
        e12 = '<e:Envelope xmlns:e="%s"><e:Body/></e:Envelope>' % SOAP12
        r = self.post("Pass", e12, {"Content-Type": "text/xml", "SOAPAction": '"x"'})
        self.assertEqual(r.status, 500)
        self.assertIn(b"<faultcode>soapenv:VersionMismatch</faultcode>", r.body)
        self.assertTrue(r.header("Content-Type").startswith("text/xml"))
        e11 = '<e:Envelope xmlns:e="%s"><e:Body/></e:Envelope>' % SOAP11
        r = self.post("Pass", e11, {"Content-Type": "application/soap+xml"})
        self.assertEqual(r.status, 500)
        self.assertIn(b"<soapenv:Value>soapenv:VersionMismatch</soapenv:Value>", r.body)
        nobody = '<e:Envelope xmlns:e="%s"><e:Header/></e:Envelope>' % SOAP11
        r = self.post("Pass", nobody, {"Content-Type": "text/xml", "SOAPAction": '"x"'})
        self.assertEqual(r.status, 500)
        self.assertIn(b"has no Body", r.body)
        self.assertEqual(self.echo.requests, [])
        # the same mistakes from a REST client (text/xml, no SOAPAction): JSON 400
        r = self.post("Pass", nobody, {"Content-Type": "text/xml"})
        self.assertEqual(r.status, 400)
        self.assertIn("no Body", r.json()["error"]["message"] if "error" in r.json()
                      else str(r.json()))


if __name__ == "__main__":
    unittest.main()
