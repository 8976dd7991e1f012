"""test_payload_factory.py - payloadFactory as MI's PayloadFactory does it,
through `mediac serve`.

The first class serves MI's own artifacts for PayloadFactoryXMLJSONTestCase
(tests/corpus, wso2/micro-integrator, Apache-2.0) and asserts the answers
that test case asserts, byte for byte: literal arguments, '$', '&',
backslashes, curly and square brackets, carriage returns, JSON kept as it
came, SOAP envelopes in the format, the Synapse default namespace on
format elements, the <text> wrapper.  The second covers what MI's tests do
not spell out: evaluator="json" as JSONPath, argument types by evaluator,
XML escaping, several selected nodes, JSON values in XML formats."""
import json
import os
import shutil
import tempfile
import unittest

import mc
from serve_helpers import Server

ARTIFACTS = os.path.join(
    mc.ROOT, "tests", "corpus", "wso2-micro-integrator", "integration", "mediation-tests",
    "tests-mediator-1", "src", "test", "resources", "artifacts", "ESB", "server", "repository",
    "deployment", "server", "synapse-configs", "default")
PROXIES = ["pfJSONtoXMLWithDollarMarkProxy", "pfXMLStringWithCurlyBracketsProxy",
           "pfXMLStringWithSquareBracketsProxy", "pfConvertComplexJsonStreamToXML",
           "pfJSONtoJSONWithArrayLiteralProxy"]
APIS = ["pfJSONtoXMLWithAmpersandAPI", "pfJSONtoXMLWithBackSlashesAPI", "pfConvertJsonStreamToXML",
        "pfJSONtoJSONAPI", "pfJSONtoJSONWithCarriageReturnAPI"]


class MIPayloadFactoryXMLJSONTest(unittest.TestCase):
    """MI's PayloadFactoryXMLJSONTestCase, its flows and its assertions."""

    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        paths = [os.path.join(ARTIFACTS, "proxy-services", p + ".xml") for p in PROXIES]
        paths += [os.path.join(ARTIFACTS, "api", a + ".xml") for a in APIS]
        cls.srv = Server(paths)

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def post(self, path, payload):
        r = self.srv.request("POST", "/" + path, payload.encode(),
                             {"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r.body)
        return r.body.decode()

    def test_json_to_xml_with_dollar_mark_and_literal_true(self):
        self.assertEqual(self.post("services/pfJSONtoXMLWithDollarMarkProxy",
                                   "{\"test\": \"test \\\"$\\\"\"}"),
                         "<root xmlns=\"http://ws.apache.org/ns/synapse\">"
                         "<ticketinformation>{\"test\": \"test \\\"$\\\"\"}</ticketinformation></root>")

    def test_json_to_xml_with_ampersand(self):
        self.assertEqual(self.post("pfJSONtoXMLWithAmpersandAPI", "{\"test\":\"error &\"}"),
                         "<mediate><entity_document>{\"test\":\"error &amp;\"}"
                         "</entity_document></mediate>")

    def test_json_to_xml_with_backslashes(self):
        self.assertEqual(self.post("pfJSONtoXMLWithBackSlashesAPI", ""),
                         "<text xmlns=\"http://ws.apache.org/commons/ns/payload\">"
                         "XYZ[\\]\\\\^_</text>")

    def test_convert_json_stream_to_xml(self):
        payload = ("{\"location\":\"\",\"parent\":\"\",\"priority\":\"3\",\"state\":\"1\","
                   "\"number\":\"MN32432\",\"impact\":\"2\",\"description\":\"print issue\"}")
        self.assertEqual(self.post("pfConvertJsonStreamToXML", payload),
                         "<root><information>" + payload + "</information></root>")

    def test_string_with_curly_brackets(self):
        self.assertEqual(self.post("services/pfXMLStringWithCurlyBracketsProxy",
                                   "{\"test\": \"test \\\"$\\\"\"}"),
                         "<root xmlns=\"http://ws.apache.org/ns/synapse\">"
                         "<apikey>{string starts with curly braces}</apikey></root>")

    def test_string_with_square_brackets(self):
        payload = ("{ \"data\": {\n\t\t\t\"address1\":\"[Flat 4B] 12 Harbour Road\",\n\t\t\t\"address2\":\"Leith\"\n"
                   "}\t\n}\n")
        self.assertEqual(self.post("services/pfXMLStringWithSquareBracketsProxy", payload),
                         "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                         "xmlns:hub=\"http://schemas.datacontract.org/2004/07/HubWebAPI\" "
                         "xmlns:tem=\"http://tempuri.org/\"><soapenv:Header/><soapenv:Body>"
                         "<tem:UpdatePlayerAddress><tem:address1>[Flat 4B] 12 Harbour Road</tem:address1>"
                         "</tem:UpdatePlayerAddress></soapenv:Body></soapenv:Envelope>")

    def test_complex_json_to_xml(self):
        payload = ("{\n    \"testroot\": {\n        \"caller\": \"Alice\",\n        \"callerRef\": "
                   "\"Test\",\n        \"personNumbers\": [\n            \"860\"\n        ],\n"
                   "        \"notifyServices\":[\"Pager\"],\n        \"uuns\": []\n         \n    }}")
        self.assertEqual(self.post("services/pfConvertComplexJsonStreamToXML", payload),
                         "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                         "<soapenv:Body><testroot xmlns=\"http://www.w3.org/2005/Atom\"><event>Test</event>"
                         "<personNumber>[\"860\"]</personNumber><notifyServices>[\"Pager\"]</notifyServices>"
                         "</testroot></soapenv:Body></soapenv:Envelope>")

    def test_json_to_json(self):
        self.assertEqual(self.post("pfJSONtoJSONAPI", "{\"test\":\"Hello World\"}"),
                         "{\"Hello\":[{\"test\":\"Hello World\"}]}")

    def test_json_to_json_with_carriage_return(self):
        self.assertEqual(self.post("pfJSONtoJSONWithCarriageReturnAPI",
                                   "{\n\t\"CaseExchange\": \"workorder\"\n}"),
                         "{\n                    \"message\":{\n                    \"workorderjson\": "
                         "\"{\\n\\t\\\"CaseExchange\\\": \\\"workorder\\\"\\n}\"\n"
                         "                    }\n                    }")

    def test_json_to_json_with_array_as_literal(self):
        payload = ("{ \"Activities\":{ \"Activity\":[ { \"EARLY_FINISH\":\"30-12-2021\", "
                   "\"SUB_PROJECT_ID\":\"401\", \"ACTIVITY_SHORT_NAME\":\"1038678.401.85\", "
                   "\"ACTIVITY_DESCRIPTION\":\"\\\"blah (blah) & blah\\\"\", \"ACTIVITY_NO\":\"85\", "
                   "\"ACTIVITY_SEQ\":\"10139822145\", \"EARLY_START\":\"27-12-2020\", "
                   "\"ROWKEY\":\"1111111111\", \"ROWSTATE\":\"Released\", \"PROJECT_ID\":\"10328678\" } ] } }")
        self.assertEqual(self.post("services/pfJSONtoJSONWithArrayLiteralProxy", payload),
                         "{\n                    \"_postInsertProjectsIntoSQLDB\":{\n"
                         "                    \"json\": \"{ \\\"Activities\\\":{ \\\"Activity\\\":[ "
                         "{ \\\"EARLY_FINISH\\\":\\\"30-12-2021\\\", \\\"SUB_PROJECT_ID\\\":\\\"401\\\", "
                         "\\\"ACTIVITY_SHORT_NAME\\\":\\\"1038678.401.85\\\", "
                         "\\\"ACTIVITY_DESCRIPTION\\\":\\\"\\\\\\\"blah (blah) & blah\\\\\\\"\\\", "
                         "\\\"ACTIVITY_NO\\\":\\\"85\\\", \\\"ACTIVITY_SEQ\\\":\\\"10139822145\\\", "
                         "\\\"EARLY_START\\\":\\\"27-12-2020\\\", \\\"ROWKEY\\\":\\\"1111111111\\\", "
                         "\\\"ROWSTATE\\\":\\\"Released\\\", \\\"PROJECT_ID\\\":\\\"10328678\\\" } ] } }\"\n"
                         "                    }\n                    }")


FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
  <api name="PF" context="/pf">
    <resource methods="POST" uri-template="/jsonpath">
      <inSequence>
        <payloadFactory media-type="json">
          <format>{"tag":"$1","user":"$2","list":$3,"n":$4,"quoted":"$5"}</format>
          <args>
            <arg expression="$.entities.hashtags[0].text" evaluator="json"/>
            <arg evaluator="json" expression="json-eval($.user.name)"/>
            <arg evaluator="json" expression="$.entities.hashtags"/>
            <arg evaluator="json" expression="$.count"/>
            <arg evaluator="json" expression="$.user"/>
          </args>
        </payloadFactory>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/xpath-brackets">
      <inSequence>
        <property name="empty" value="[]"/>
        <payloadFactory media-type="json">
          <format>{"a":"$1","b":"$2"}</format>
          <args>
            <arg expression="$ctx:empty"/>
            <arg expression="//v"/>
          </args>
        </payloadFactory>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/xml">
      <inSequence>
        <payloadFactory media-type="xml">
          <format>
            <m:order xmlns:m="urn:m">
              <m:who>$1</m:who>
              <items>$2</items>
              <json>$3</json>
            </m:order>
          </format>
          <args>
            <arg expression="//name"/>
            <arg expression="//item"/>
            <arg evaluator="json" expression="$.extra"/>
          </args>
        </payloadFactory>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/xml-from-json">
      <inSequence>
        <payloadFactory media-type="xml">
          <format><r xmlns=""><v>$1</v><w>$2</w></r></format>
          <args>
            <arg evaluator="json" expression="$.obj"/>
            <arg value="a &amp; b &lt; c"/>
          </args>
        </payloadFactory>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/xml-to-json">
      <inSequence>
        <payloadFactory media-type="json">
          <format>{"pet":$1,"name":"$2"}</format>
          <args>
            <arg expression="//pet"/>
            <arg expression="//pet/name"/>
          </args>
        </payloadFactory>
        <respond/>
      </inSequence>
    </resource>
  </api>
</definitions>
"""


class PayloadFactoryArgumentsTest(unittest.TestCase):
    """JSONPath arguments and MI's argument types."""

    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.dir = tempfile.mkdtemp(prefix="mc-pf-")
        with open(os.path.join(cls.dir, "flows.xml"), "w") as f:
            f.write(FLOWS)
        cls.srv = Server([cls.dir])

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def post(self, path, body, ctype):
        r = self.srv.request("POST", path, body.encode(), {"Content-Type": ctype})
        self.assertEqual(r.status, 200, r.body)
        return r

    def test_evaluator_json_is_jsonpath(self):
        body = json.dumps({"entities": {"hashtags": [{"text": "wso2"}, {"text": "c"}]},
                           "user": {"name": "Ann \"A\""}, "count": 3})
        r = self.post("/pf/jsonpath", body, "application/json")
        self.assertEqual(r.json(), {"tag": "wso2", "user": "Ann \"A\"",
                                    "list": [{"text": "wso2"}, {"text": "c"}], "n": 3,
                                    "quoted": {"name": "Ann \"A\""}})

    def test_xpath_brackets_stay_strings(self):
        r = self.post("/pf/xpath-brackets", "<r><v>{x}</v></r>", "application/xml")
        self.assertEqual(r.json(), {"a": "[]", "b": "{x}"})

    def test_xml_format_namespaces_escaping_and_node_sets(self):
        body = json.dumps({"name": "A & B <c>", "item": ["x", "y"], "extra": {"k": [1, 2]}})
        r = self.post("/pf/xml", body, "application/json")
        self.assertEqual(r.body.decode(),
                         '<m:order xmlns:m="urn:m"><m:who>A &amp; B &lt;c&gt;</m:who>'
                         '<items xmlns="http://ws.apache.org/ns/synapse"><item>x</item><item>y</item></items>'
                         '<json xmlns="http://ws.apache.org/ns/synapse"><k>1</k><k>2</k></json></m:order>')

    def test_json_value_in_xml_and_escaped_value(self):
        r = self.post("/pf/xml-from-json", '{"obj":{"a":1,"b":"x"}}', "application/json")
        self.assertEqual(r.body.decode(), "<r><v><a>1</a><b>x</b></v><w>a &amp; b &lt; c</w></r>")

    def test_xml_argument_becomes_json(self):
        r = self.post("/pf/xml-to-json", "<r><pet><type>cat</type><name>emily</name></pet></r>",
                      "application/xml")
        self.assertEqual(r.json(), {"pet": {"pet": {"type": "cat", "name": "emily"}}, "name": "emily"})


if __name__ == "__main__":
    unittest.main()
