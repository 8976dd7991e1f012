"""test_call_source_target.py - MI 4's <call> with <source> and <target>
through `mediac serve` against a recording upstream: the request body
taken from an inline value, a property or an expression (with contentType
as what is sent), the answer put into a property or a variable while the
message keeps its own body, message type and headers (a variable target
may be named by an {expression}, a property target's text is its literal
name), and the plain forms (a source alone: the answer becomes the body;
a target alone: the body is sent and kept).  Synapse's CallMediator /
CallMediatorFactory are the oracle (docs/core.md, call)."""
import json
import os
import unittest

import mc
from serve_helpers import FlowsServer
from recording_upstream import Recorder

EP = '<endpoint><http method="post" uri-template="http://127.0.0.1:UP/%s"/></endpoint>'

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<api name="io" context="/io">
  <resource methods="POST" uri-template="/inline">
    <inSequence>
      <call>EP_IN
        <source type="inline" contentType="application/json">{"sent":true,"id":"{$ctx:id}"}</source>
        <target type="property">resp</target>
      </call>
      <property name="X-Resp" scope="transport" expression="get-property('resp')"/>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/property">
    <inSequence>
      <property name="req" expression="json-eval($.inner)"/>
      <call>EP_PROP<source type="property">req</source></call>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/custom">
    <inSequence>
      <call>EP_CUSTOM
        <source>json-eval($.inner)</source>
        <target type="variable">v</target>
      </call>
      <property name="X-Var" scope="transport" expression="${vars.v.path}"/>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/dynvar">
    <inSequence>
      <property name="vname" expression="$trp:X-Name"/>
      <call>EP_DYN<target type="variable">{$ctx:vname}</target></call>
      <property name="X-First" scope="transport" expression="${vars.first.path}"/>
      <property name="X-Second" scope="transport" expression="${vars.second.path}"/>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/literal">
    <inSequence>
      <call>EP_LIT<target type="property">{lit}</target></call>
      <property name="X-Literal" scope="transport" expression="get-property('{lit}')"/>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/targetonly">
    <inSequence>
      <call>EP_XML<target type="property">r</target></call>
      <property name="X-R" scope="transport" expression="get-property('r')"/>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/xmlsource">
    <inSequence>
      <call>EP_XS
        <source type="inline" contentType="application/xml"><q xmlns=""><n>7</n></q></source>
        <target type="property">r</target>
      </call>
      <property name="X-R" scope="transport" expression="get-property('r')"/>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="GET" uri-template="/get">
    <inSequence>
      <call>EP_GET<source type="inline" contentType="application/json">{"q":1}</source></call>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/down">
    <inSequence>
      <call>
        <endpoint><http method="post" uri-template="http://127.0.0.1:DEAD/x"/></endpoint>
        <source type="inline" contentType="application/json">{"sent":true}</source>
        <target type="property">resp</target>
      </call>
      <respond/>
    </inSequence>
    <faultSequence>
      <payloadFactory media-type="json"><format>{"fault":"$1"}</format>
        <args><arg expression="$ctx:ERROR_CODE"/></args></payloadFactory>
      <respond/>
    </faultSequence>
  </resource>
</api>
</definitions>
"""


class CallSourceTargetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.up = Recorder("up")
        from harness.moto_server import free_port
        text = FLOWS.replace("DEAD", str(free_port()))
        for mark, path in [("EP_IN", "in"), ("EP_PROP", "prop"), ("EP_CUSTOM", "custom"),
                           ("EP_XML", "xml"), ("EP_XS", "xmlsource"), ("EP_GET", "get"),
                           ("EP_DYN", "dyn"), ("EP_LIT", "lit")]:
            text = text.replace(mark, EP % path)
        cls.srv = FlowsServer(text.replace("UP", str(cls.up.port)), prefix="mc-callio-")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.finish()
        finally:
            cls.up.stop()

    def post(self, path, body, ctype="application/json", headers=None):
        h = {"Content-Type": ctype}
        h.update(headers or {})
        return self.srv.request("POST", path, body, h)

    def last_seen(self, path):
        for method, p, headers, body in reversed(self.up.seen):
            if p == path:
                return method, headers, body
        self.fail("the upstream saw no request for %s" % path)

    def test_inline_source_and_property_target_keep_the_body(self):
        r = self.post("/io/inline", '{"orig":1}', headers={"X-Kept": "yes"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"orig": 1})
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(json.loads(r.header("X-Resp")), {"name": "up", "path": "/in"})
        _, headers, body = self.last_seen("/in")
        self.assertEqual(json.loads(body), {"sent": True, "id": ""})
        self.assertEqual(headers.get("Content-Type"), "application/json")

    def test_property_source_answer_becomes_the_body(self):
        for inner in ({"a": [1, 2]}, {"b": "x", "c": None}):
            r = self.post("/io/property", json.dumps({"inner": inner, "rest": 1}))
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json(), {"name": "up", "path": "/prop"})
            self.assertEqual(json.loads(self.last_seen("/prop")[2]), inner)

    def test_expression_source_and_variable_target(self):
        r = self.post("/io/custom", '{"inner":{"b":2},"keep":1}')
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"inner": {"b": 2}, "keep": 1})
        self.assertEqual(r.header("X-Var"), "/custom")
        self.assertEqual(json.loads(self.last_seen("/custom")[2]), {"b": 2})

    def test_variable_target_named_by_an_expression(self):
        # MI 4's CallMediatorFactory reads a variable target's text as a
        # value: {expr} names the variable for each message
        for name, other in (("first", "second"), ("second", "first")):
            r = self.post("/io/dynvar", '{"mine":1}', headers={"X-Name": name})
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json(), {"mine": 1})
            self.assertEqual(r.header("X-" + name.capitalize()), "/dyn")
            self.assertIn(r.header("X-" + other.capitalize()), (None, ""))

    def test_property_target_text_is_the_literal_name(self):
        r = self.post("/io/literal", '{"mine":1}')
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"mine": 1})
        self.assertEqual(json.loads(r.header("X-Literal")), {"name": "up", "path": "/lit"})

    def test_target_alone_sends_and_keeps_the_body(self):
        r = self.post("/io/targetonly", "<o><k>1</k></o>", ctype="application/xml")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"<o><k>1</k></o>")
        self.assertTrue(r.header("Content-Type").startswith("application/xml"))
        self.assertEqual(r.header("X-R"), "<r><name>up</name><path>/xml</path></r>")
        self.assertEqual(self.last_seen("/xml")[2], b"<o><k>1</k></o>")

    def test_source_of_another_type_than_the_message(self):
        # a JSON message sends an XML source (contentType application/xml)
        # and answers in JSON with its own body afterwards
        r = self.post("/io/xmlsource", '{"mine":true}')
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"mine": True})
        self.assertEqual(r.header("Content-Type"), "application/json")
        # (the recorder answers XML for a path with "xml" in it)
        self.assertEqual(r.header("X-R"), "<r><name>up</name><path>/xmlsource</path></r>")
        _, headers, body = self.last_seen("/xmlsource")
        self.assertEqual(body, b"<q><n>7</n></q>")
        self.assertTrue(headers.get("Content-Type").startswith("application/xml"))

    def test_source_on_a_request_without_a_body(self):
        r = self.srv.request("GET", "/io/get")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"name": "up", "path": "/get"})
        method, headers, body = self.last_seen("/get")
        self.assertEqual(method, "POST")
        self.assertEqual(json.loads(body), {"q": 1})

    def test_failed_call_goes_to_the_fault_sequence(self):
        r = self.post("/io/down", '{"orig":1}')
        self.assertEqual(r.json(), {"fault": "101503"})


if __name__ == "__main__":
    unittest.main()
