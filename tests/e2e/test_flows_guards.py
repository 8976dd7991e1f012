"""test_flows_guards.py - validate with a JSON Schema, cache and throttle
through `mediac serve`: a JSON body checked against a draft-04 schema (400
with fge's message from on-fail), the response cache in front of a local
upstream (a second equal request never reaches it; another payload does),
and throttle by caller rate (X-Forwarded-For) and by concurrency (with a
slow upstream holding the slots)."""
import json
import os
import threading
import unittest

import mc
from serve_helpers import FlowsServer, SlowUpstream

NS = ('xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy" '
      'xmlns:throttle="http://www.wso2.org/products/wso2commons/throttle"')

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse" %(ns)s>
<localEntry key="order.json">{
  "type": "object", "required": ["id", "qty"],
  "properties": {"id": {"type": "string", "pattern": "^o-[0-9]+$"},
                 "qty": {"type": "integer", "minimum": 1}},
  "additionalProperties": false}</localEntry>
<endpoint name="up"><http uri-template="http://127.0.0.1:%(port)d/item?ms={uri.var.ms}" method="POST"/></endpoint>
<api name="g" context="/g">
  <resource methods="POST" uri-template="/validate">
    <inSequence>
      <validate><schema key="order.json"/>
        <on-fail>
          <payloadFactory media-type="json"><format>{"error":"$1"}</format>
            <args><arg expression="$ctx:ERROR_MESSAGE"/></args></payloadFactory>
          <property name="HTTP_SC" value="400" scope="axis2"/>
          <respond/>
        </on-fail>
      </validate>
      <payloadFactory media-type="json"><format>{"ok":true}</format><args/></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/cached/{ms}">
    <inSequence>
      <cache collector="false" timeout="60"><protocol type="HTTP"><methods>POST</methods>
        <headersToExcludeInHash>*</headersToExcludeInHash></protocol>
        <implementation maxSize="10"/></cache>
      <call><endpoint key="up"/></call>
      <cache collector="true"/>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/rate">
    <inSequence>
      <throttle id="rate"><policy><wsp:Policy><throttle:MediatorThrottleAssertion>
        <wsp:Policy><throttle:ID throttle:type="IP">other</throttle:ID><wsp:Policy><throttle:Control>
          <wsp:Policy><throttle:MaximumCount>2</throttle:MaximumCount>
            <throttle:UnitTime>600000</throttle:UnitTime></wsp:Policy>
        </throttle:Control></wsp:Policy></wsp:Policy>
        <wsp:Policy><throttle:ID throttle:type="IP">198.51.100.7</throttle:ID><wsp:Policy>
          <throttle:Allow/></wsp:Policy></wsp:Policy>
      </throttle:MediatorThrottleAssertion></wsp:Policy></policy>
        <onReject>
          <payloadFactory media-type="json"><format>{"throttled":true}</format><args/></payloadFactory>
          <property name="HTTP_SC" value="429" scope="axis2"/>
          <respond/>
        </onReject>
      </throttle>
      <payloadFactory media-type="json"><format>{"ok":true}</format><args/></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/slots/{ms}">
    <inSequence>
      <throttle id="slots"><policy><wsp:Policy><throttle:MediatorThrottleAssertion>
        <throttle:MaximumConcurrentAccess>2</throttle:MaximumConcurrentAccess>
      </throttle:MediatorThrottleAssertion></wsp:Policy></policy>
        <onReject><property name="HTTP_SC" value="503" scope="axis2"/><respond/></onReject>
      </throttle>
      <call><endpoint key="up"/></call>
      <respond/>
    </inSequence>
  </resource>
</api>
</definitions>
"""


class TestGuardsThroughServe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.up = SlowUpstream(delay_ms=0)
        cls.srv = FlowsServer(FLOWS % {"ns": NS, "port": cls.up.port}, "--workers", "1",
                              prefix="mediac-guards-")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.finish()
        finally:
            cls.up.stop()

    def post(self, path, body, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return self.srv.request("POST", path, body=json.dumps(body), headers=h)

    def test_json_schema(self):
        r = self.post("/g/validate", {"id": "o-12", "qty": 3})
        self.assertEqual((r.status, r.json()), (200, {"ok": True}), r.body)
        cases = [
            ({"id": "o-12", "qty": 0},
             "numeric instance is lower than the required minimum (minimum: 1, found: 0)"),
            ({"id": "x", "qty": 1}, 'ECMA 262 regex "^o-[0-9]+$" does not match input string "x"'),
            ({"qty": 1}, 'object has missing required properties (["id"])'),
            ({"id": "o-1", "qty": 1, "extra": 1},
             'object instance has properties which are not allowed by the schema: ["extra"]'),
            ({"id": "o-1", "qty": "2"},
             'instance type (string) does not match any allowed primitive type (allowed: ["integer"])'),
        ]
        for body, message in cases:
            r = self.post("/g/validate", body)
            self.assertEqual(r.status, 400, r.body)
            self.assertEqual(r.json(), {"error": message})

    def test_cache_answers_the_second_request(self):
        before = self.up.count
        r1 = self.post("/g/cached/0", {"sku": "a"})
        self.assertEqual(r1.status, 200, r1.body)
        self.assertEqual(self.up.count, before + 1)
        r2 = self.post("/g/cached/0", {"sku": "a"}, {"X-Other": "ignored"})
        self.assertEqual((r2.status, r2.body), (200, r1.body))
        self.assertEqual(r2.header("X-Upstream"), "slow")   # the cached response's headers
        self.assertEqual(self.up.count, before + 1)         # never reached the upstream
        r3 = self.post("/g/cached/0", {"sku": "b"})
        self.assertEqual(r3.status, 200, r3.body)
        self.assertEqual(self.up.count, before + 2)

    def test_throttle_rate_by_caller(self):
        other = {"X-Forwarded-For": "203.0.113.9"}
        codes = [self.post("/g/rate", {}, other).status for _ in range(3)]
        self.assertEqual(codes, [200, 200, 429])
        r = self.post("/g/rate", {}, {"X-Forwarded-For": "203.0.113.10"})   # "other" is shared
        self.assertEqual((r.status, r.json()), (429, {"throttled": True}))
        allowed = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
        self.assertEqual([self.post("/g/rate", {}, allowed).status for _ in range(4)], [200] * 4)

    def test_throttle_concurrency(self):
        # 4 requests at once against an upstream that holds each for 1.5 s:
        # 2 slots, so 2 are answered by the upstream and 2 are turned away
        codes = []
        lock = threading.Lock()

        def one():
            r = self.post("/g/slots/1500", {})
            with lock:
                codes.append(r.status)

        threads = [threading.Thread(target=one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(sorted(codes), [200, 200, 503, 503])
        # the slots came free when the messages ended
        self.assertEqual(self.post("/g/slots/0", {}).status, 200)


if __name__ == "__main__":
    unittest.main()
