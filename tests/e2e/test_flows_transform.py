"""test_flows_transform.py - xslt and script through `mediac serve`: an XML
order transformed by a stylesheet from a local entry, a JSON payload
transformed through its XML view and answered as JSON, a script editing
JSON with properties and headers, a runaway script answered as a fault
(the worker is free again right after), a fault sequence that sees the
script's error, and a stylesheet that tries document() refused."""
import json
import os
import unittest

import mc
from serve_helpers import FlowsServer

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<localEntry key="order-summary"><xsl:stylesheet version="1.0" xmlns="" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:param name="currency"/>
  <xsl:template match="/order">
    <summary currency="{$currency}" items="{count(item)}"><xsl:value-of select="sum(item/@price)"/></summary>
  </xsl:template>
</xsl:stylesheet></localEntry>
<localEntry key="json-view"><xsl:stylesheet version="1.0" xmlns="" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/jsonObject">
    <jsonObject><names><xsl:for-each select="people/name"><xsl:value-of select="."/><xsl:if test="position() != last()">,</xsl:if></xsl:for-each></names></jsonObject>
  </xsl:template>
</xsl:stylesheet></localEntry>
<localEntry key="reads-files"><xsl:stylesheet version="1.0" xmlns="" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/"><r><xsl:copy-of select="document('file:///etc/hostname')"/></r></xsl:template>
</xsl:stylesheet></localEntry>
<localEntry key="pricing.js">function mediate(mc) {
  var order = mc.getPayloadJSON();
  var total = 0;
  for (var i = 0; i &lt; order.lines.length; i++) total += order.lines[i].qty * order.lines[i].price;
  order.total = total;
  order.customer = mc.getHeader('X-Customer');
  mc.setPayloadJSON(order);
  mc.setHeader('X-Total', String(total));
}</localEntry>
<api name="t" context="/t">
  <resource methods="POST" uri-template="/xslt">
    <inSequence><xslt key="order-summary"><property name="currency" expression="$trp:X-Currency"/></xslt><respond/></inSequence>
  </resource>
  <resource methods="POST" uri-template="/xslt-json">
    <inSequence><xslt key="json-view"/><respond/></inSequence>
  </resource>
  <resource methods="POST" uri-template="/xslt-document">
    <inSequence><xslt key="reads-files"/><respond/></inSequence>
  </resource>
  <resource methods="POST" uri-template="/script">
    <inSequence><script language="js" key="pricing.js"/><respond/></inSequence>
  </resource>
  <resource methods="POST" uri-template="/runaway">
    <inSequence><script language="js">while (true) {}</script><respond/></inSequence>
  </resource>
  <resource methods="POST" uri-template="/handled">
    <inSequence><script language="js">null.boom;</script><respond/></inSequence>
    <faultSequence>
      <payloadFactory media-type="json"><format>{"handled":"$1","detail":"$2"}</format>
        <args><arg expression="$ctx:ERROR_MESSAGE"/><arg expression="$ctx:ERROR_DETAIL"/></args></payloadFactory>
      <property name="HTTP_SC" value="502" scope="axis2"/>
      <respond/>
    </faultSequence>
  </resource>
</api>
</definitions>
"""


class TestTransformThroughServe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.srv = FlowsServer(FLOWS, "--workers", "1")

    @classmethod
    def tearDownClass(cls):
        cls.srv.finish()

    def post(self, path, body, ctype, headers=None):
        h = {"Content-Type": ctype}
        h.update(headers or {})
        # a 5,000,000-step script takes minutes under valgrind (scripts/valgrind-e2e)
        timeout = 600 if os.environ.get("MC_VALGRIND") else 30
        return self.srv.request("POST", path, body=body, headers=h, timeout=timeout)

    def test_xslt_on_xml_with_a_parameter(self):
        r = self.post("/t/xslt", '<order><item price="2.5"/><item price="4"/></order>',
                      "application/xml", {"X-Currency": "EUR"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body, b'<summary currency="EUR" items="2">6.5</summary>')

    def test_xslt_on_json_answers_json(self):
        r = self.post("/t/xslt-json", '{"people":[{"name":"ann"},{"name":"bo"}]}', "application/json")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"names": "ann,bo"})

    def test_xslt_document_is_refused(self):
        r = self.post("/t/xslt-document", "<x/>", "application/xml")
        self.assertEqual(r.status, 500)
        self.assertIn("refused", r.json()["ERROR_MESSAGE"])
        self.assertNotIn(b"localhost", r.body)

    def test_script_edits_json_and_headers(self):
        order = {"lines": [{"qty": 2, "price": 3}, {"qty": 1, "price": 10}]}
        r = self.post("/t/script", json.dumps(order), "application/json", {"X-Customer": "c-7"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), dict(order, total=16, customer="c-7"))
        self.assertEqual(r.header("X-Total"), "16")

    def test_runaway_script_faults_and_frees_the_worker(self):
        r = self.post("/t/runaway", "{}", "application/json")
        self.assertEqual(r.status, 500)
        self.assertEqual(r.json()["ERROR_MESSAGE"],
                         "The script engine returned an error executing the inlined js script")
        # the only worker answers the next request
        r = self.post("/t/script", '{"lines":[]}', "application/json")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["total"], 0)

    def test_fault_sequence_sees_the_script_error(self):
        r = self.post("/t/handled", "{}", "application/json")
        self.assertEqual(r.status, 502, r.body)
        j = r.json()
        self.assertEqual(j["handled"], "The script engine returned an error executing the inlined js script")
        self.assertIn("TypeError", j["detail"])


if __name__ == "__main__":
    unittest.main()
