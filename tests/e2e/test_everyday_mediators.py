"""test_everyday_mediators.py - the everyday mediators of issue 12 through
`mediac serve`: makefault (SOAP 1.1 from a fault sequence after a failed
call, POX, a JSON client getting the fault in JSON, the status MI's
transport gives), MI 4.4 throwError reaching the fault sequence with its
type and message, callout, SOAP headers from <header>, rewrite followed by
an implicit send, enrich on JSON (flows and answers from MI's
EnrichIntegrationJsonPathTestCase) and on XML.  Synapse/MI semantics are
the oracle (docs/core.md)."""
import os
import shutil
import tempfile
import unittest

import mc
from fault_upstream import closed_port
from serve_helpers import Server
from recording_upstream import Recorder

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
  <api name="Faults" context="/faults">
    <resource methods="POST" uri-template="/soap11">
      <inSequence>
        <makefault version="soap11">
          <code xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" value="soapenv:Client"/>
          <reason expression="fn:concat('bad order ', //id)"/>
          <detail>see the manual</detail>
        </makefault>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/pox">
      <inSequence>
        <makefault version="pox"><reason value="rejected &amp; logged"/></makefault>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/down">
      <inSequence>
        <call><endpoint><http uri-template="http://127.0.0.1:DEAD/x"/></endpoint></call>
        <respond/>
      </inSequence>
      <faultSequence>
        <makefault response="true">
          <code xmlns:tns="http://schemas.xmlsoap.org/soap/envelope/" value="tns:Server"/>
          <reason expression="get-property('ERROR_MESSAGE')"/>
          <detail expression="get-property('ERROR_CODE')"/>
        </makefault>
        <send/>
      </faultSequence>
    </resource>
    <resource methods="POST" uri-template="/after-call">
      <inSequence>
        <call><endpoint><http uri-template="http://127.0.0.1:UP/ok"/></endpoint></call>
        <makefault version="pox"><reason value="late"/></makefault>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/throw">
      <inSequence>
        <property name="orderId" expression="json-eval($.id)"/>
        <throwError type="ORDER:INVALID" errorMessage="{fn:concat('order ', $ctx:orderId, ' is invalid')}"/>
        <respond/>
      </inSequence>
      <faultSequence>
        <payloadFactory media-type="json">
          <format>{"code":"$1","message":"$2"}</format>
          <args><arg expression="$ctx:ERROR_CODE"/><arg expression="$ctx:ERROR_MESSAGE"/></args>
        </payloadFactory>
        <property name="HTTP_SC" value="422" scope="axis2"/>
        <respond/>
      </faultSequence>
    </resource>
  </api>
  <api name="Enrich" context="/enrich">
    <resource methods="POST" uri-template="/child">
      <inSequence>
        <enrich>
          <source type="inline" clone="true">{"countryCode" : 94}</source>
          <target action="child" xpath="json-eval($.phone)"/>
        </enrich>
        <enrich>
          <source type="inline" clone="true">{"active" : true}</source>
          <target action="child" xpath="json-eval($.doctor)"/>
        </enrich>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/swap">
      <inSequence>
        <enrich>
          <source clone="true" xpath="json-eval($.email)"/>
          <target type="property" property="testEmail"/>
        </enrich>
        <enrich>
          <source type="inline" clone="true">{"person" : {"name": "Alice", "email" : null}}</source>
          <target type="body"/>
        </enrich>
        <enrich>
          <source type="property" clone="true" property="testEmail"/>
          <target xpath="json-eval($.person.email)"/>
        </enrich>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/keep-json">
      <inSequence>
        <enrich>
          <source type="body" clone="true"/>
          <target type="property" property="JSON_BODY"/>
        </enrich>
        <call><endpoint><http method="GET" uri-template="http://127.0.0.1:UP/xml"/></endpoint></call>
        <enrich>
          <source type="property" clone="true" property="JSON_BODY"/>
          <target type="body"/>
        </enrich>
        <property name="messageType" value="application/json" scope="axis2"/>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/xml">
      <inSequence>
        <enrich>
          <source type="inline"><symbol xmlns="">WSO2</symbol></source>
          <target action="child" xpath="//order"/>
        </enrich>
        <enrich>
          <source xpath="string(//order/id)"/>
          <target type="property" property="orderId"/>
        </enrich>
        <enrich>
          <source xpath="$ctx:orderId"/>
          <target xpath="//order/ref/text()"/>
        </enrich>
        <respond/>
      </inSequence>
    </resource>
  </api>
  <api name="Callout" context="/callout">
    <resource methods="POST" uri-template="/quote">
      <inSequence>
        <callout serviceURL="http://127.0.0.1:UP/quote-xml" action="urn:getQuote">
          <source xpath="//order"/>
          <target key="quote"/>
        </callout>
        <header xmlns:t="urn:trace" name="t:seen" expression="$ctx:quote"/>
        <payloadFactory media-type="json">
          <format>{"quote":"$1","header":"$2"}</format>
          <args>
            <arg expression="$ctx:quote"/>
            <arg xmlns:t="urn:trace" expression="$header/t:seen"/>
          </args>
        </payloadFactory>
        <respond/>
      </inSequence>
    </resource>
  </api>
  <api name="Rewrite" context="/rewrite">
    <resource methods="GET" url-mapping="/*">
      <inSequence>
        <property name="REST_URL_POSTFIX" scope="axis2" action="remove"/>
        <property name="region" value="eu"/>
        <rewrite>
          <rewriterule>
            <action fragment="full" value="http://127.0.0.1:UP/"/>
          </rewriterule>
          <rewriterule>
            <condition><equal type="header" source="X-Tier" value="gold"/></condition>
            <action fragment="path" value="/{region}/gold" resolve="true"/>
            <action fragment="query" type="append" value="fast=1"/>
          </rewriterule>
        </rewrite>
        <send/>
      </inSequence>
      <outSequence><send/></outSequence>
    </resource>
  </api>
</definitions>
"""

PATIENT = """{
  "name": "John Doe",
  "address": null,
  "phone": [8770586755, 35352399, null],
  "email": "johndoe@gmail.com",
  "doctor": {
    "name" : "thomas collins",
    "doctorid" : "76DA-856"
  },
  "hospital": "grand oak community hospital",
  "appointment_date": "2017-04-02"
}"""


class EverydayMediatorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.up = Recorder("up")
        cls.dir = tempfile.mkdtemp(prefix="mc-everyday-")
        flows = FLOWS.replace("DEAD", str(closed_port())).replace("UP", str(cls.up.port))
        with open(os.path.join(cls.dir, "flows.xml"), "w") as f:
            f.write(flows)
        cls.srv = Server([cls.dir])

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        cls.up.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def post(self, path, body, ctype):
        return self.srv.request("POST", path, body, {"Content-Type": ctype})

    def test_soap11_fault_for_a_json_client(self):
        r = self.post("/faults/soap11", '{"id":"A7"}', "application/json")
        self.assertEqual(r.status, 500)
        self.assertTrue(r.header("Content-Type").startswith("application/json"))
        self.assertEqual(r.json(), {"Fault": {"faultcode": "soapenv:Client",
                                              "faultstring": "bad order A7",
                                              "detail": "see the manual"}})

    def test_soap11_fault_for_an_xml_client(self):
        r = self.post("/faults/soap11", "<order><id>B8</id></order>", "application/xml")
        self.assertEqual(r.status, 500)
        self.assertEqual(r.body.decode(),
                         '<soapenv:Fault xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
                         '<faultcode>soapenv:Client</faultcode><faultstring>bad order B8</faultstring>'
                         '<detail>see the manual</detail></soapenv:Fault>')

    def test_pox_fault(self):
        r = self.post("/faults/pox", "<a/>", "application/xml")
        self.assertEqual(r.status, 500)
        self.assertEqual(r.body.decode(), "<Exception>rejected &amp; logged</Exception>")

    def test_fault_sequence_makefault_after_a_failed_call(self):
        r = self.post("/faults/down", "<a/>", "application/xml")
        self.assertEqual(r.status, 500)
        body = r.body.decode()
        # the code keeps its configured prefix (tns), as MI's Axiom writes it
        self.assertIn('<faultcode xmlns:tns="http://schemas.xmlsoap.org/soap/envelope/">tns:Server'
                      '</faultcode>', body)
        self.assertIn("<detail>101503</detail>", body)
        self.assertIn("connection refused", body)

    def test_makefault_after_a_good_answer_keeps_its_status(self):
        r = self.post("/faults/after-call", "{}", "application/json")
        self.assertEqual(r.status, 200)   # HTTP_SC from the backend wins, as in MI
        self.assertEqual(r.json(), {"Exception": "late"})

    def test_throw_error_reaches_the_fault_sequence(self):
        r = self.post("/faults/throw", '{"id":"Z9"}', "application/json")
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json(), {"code": "ORDER:INVALID", "message": "order Z9 is invalid"})

    def test_enrich_json_add_child(self):
        # EnrichIntegrationJsonPathTestCase.testAddChildJsonpath
        r = self.post("/enrich/child", PATIENT, "application/json")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {
            "name": "John Doe", "address": None, "phone": [8770586755, 35352399, None, {"countryCode": 94}],
            "email": "johndoe@gmail.com",
            "doctor": {"name": "thomas collins", "doctorid": "76DA-856", "active": True},
            "hospital": "grand oak community hospital", "appointment_date": "2017-04-02"})

    def test_enrich_json_property_round_trip(self):
        # EnrichIntegrationJsonPathTestCase.testEnrichToPropertyReplaceBodyandEnrichPropertyBack
        r = self.post("/enrich/swap", PATIENT, "application/json")
        self.assertEqual(r.json(), {"person": {"name": "Alice", "email": "johndoe@gmail.com"}})

    def test_enrich_json_kept_across_an_xml_answer(self):
        # testEnrichJsonToPropertyAndReplaceXmlBody: JSON in a property, an XML answer, JSON back
        r = self.post("/enrich/keep-json", PATIENT, "application/json")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.header("Content-Type").startswith("application/json"))
        self.assertEqual(r.json()["doctor"], {"name": "thomas collins", "doctorid": "76DA-856"})

    def test_enrich_xml(self):
        r = self.post("/enrich/xml", '<order><id>o-7</id><ref>?</ref></order>', "application/xml")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body.decode(), '<order><id>o-7</id><ref>o-7</ref><symbol>WSO2</symbol></order>')

    def test_callout_waits_and_fills_a_property(self):
        r = self.post("/callout/quote", "<wrap><order>IBM</order></wrap>", "application/xml")
        self.assertEqual(r.status, 200, r.body)
        method, path, headers, body = self.up.seen[-1]
        self.assertEqual((method, path), ("POST", "/quote-xml"))   # no REST_URL_POSTFIX
        self.assertEqual(headers.get("SOAPAction"), "urn:getQuote")
        self.assertEqual(body, b"<order>IBM</order>")
        # an XML argument in a JSON format becomes JSON (MI's TemplateProcessor
        # infers the type XML); inside "$1" it is a string
        quote = '{"r":{"name":"up","path":"/quote-xml"}}'
        self.assertEqual(r.json(), {"quote": quote, "header": quote})

    def test_rewrite_then_send_to_the_new_address(self):
        r = self.srv.request("GET", "/rewrite/anything", None, {"X-Tier": "GOLD"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"name": "up", "path": "/eu/gold?fast=1"})
        r = self.srv.request("GET", "/rewrite/anything")
        self.assertEqual(r.json(), {"name": "up", "path": "/"})


if __name__ == "__main__":
    unittest.main()
