"""test_flows_split.py - split and join through `mediac serve` against a
local upstream (a threaded stdlib server that answers after ?ms=N): iterate
+ aggregate with the calls made concurrently, clone answering from its fast
target while the slow one still runs, an aggregation that times out, a
child whose call fails, a client that disconnects mid-aggregation (the
server goes on and, under ASan, leaks nothing), the limit of children,
foreach and scatter-gather, and empty <target/>s (MI runs nothing in them)."""
import json
import os
import socket
import time
import unittest

import mc
from serve_helpers import FlowsServer, SlowUpstream
from harness.moto_server import free_port

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<endpoint name="up"><http uri-template="http://127.0.0.1:%(port)d/item/{uri.var.id}?ms={uri.var.ms}" method="POST"/></endpoint>
<endpoint name="down"><http uri-template="http://127.0.0.1:%(dead)d/gone" method="POST"/></endpoint>
<sequence name="callItem">
  <property name="uri.var.id" expression="json-eval($.id)"/>
  <property name="uri.var.ms" expression="json-eval($.ms)"/>
  <filter source="json-eval($.id)" regex="broken"><then><call><endpoint key="down"/></call></then>
    <else><call><endpoint key="up"/></call></else></filter>
</sequence>
<api name="s" context="/s">
  <resource methods="POST" uri-template="/iterate">
    <inSequence>
      <iterate expression="json-eval($.items)"><target sequence="callItem"/></iterate>
      <aggregate><onComplete expression="json-eval($.path)"><respond/></onComplete></aggregate>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/timeout">
    <inSequence>
      <iterate id="t" expression="json-eval($.items)"><target sequence="callItem"/></iterate>
      <aggregate id="t"><completeCondition timeout="2"/>
        <onComplete expression="json-eval($.path)"><respond/></onComplete></aggregate>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/clone">
    <inSequence>
      <clone>
        <target><sequence><payloadFactory media-type="json"><format>{"fast":true}</format><args/>
          </payloadFactory><respond/></sequence></target>
        <target><sequence><property name="uri.var.id" value="slow"/><property name="uri.var.ms" value="400"/>
          <call><endpoint key="up"/></call></sequence></target>
      </clone>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/foreach">
    <inSequence>
      <foreach collection="${payload.items}"><sequence><sequence key="callItem"/></sequence></foreach>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/scatter">
    <inSequence>
      <scatter-gather target="body" result-content-type="JSON">
        <aggregation expression="${payload.path}"/>
        <sequence><property name="uri.var.id" value="one"/><property name="uri.var.ms" value="50"/>
          <call><endpoint key="up"/></call></sequence>
        <sequence><property name="uri.var.id" value="two"/><property name="uri.var.ms" value="0"/>
          <call><endpoint key="up"/></call></sequence>
      </scatter-gather>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/emptytargets">
    <inSequence>
      <clone continueParent="true"><target/><target to="http://127.0.0.1:%(port)d/item/to"/></clone>
      <iterate expression="json-eval($.items)" continueParent="true"><target/></iterate>
      <respond/>
    </inSequence>
  </resource>
</api>
</definitions>
"""



class TestSplitThroughServe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.up = SlowUpstream(delay_ms=0)
        cls.srv = FlowsServer(FLOWS % {"port": cls.up.port, "dead": free_port()},
                              "--workers", "1", prefix="mediac-split-")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.finish()
        finally:
            cls.up.stop()

    def post(self, path, body):
        return self.srv.request("POST", path, body=json.dumps(body),
                                headers={"Content-Type": "application/json"})

    def items(self, names, ms=300):
        return {"items": [{"id": n, "ms": ms} for n in names]}

    def wait_for_upstream(self, count, seconds=20):
        deadline = time.time() + seconds
        while self.up.count < count and time.time() < deadline:
            time.sleep(0.05)
        return self.up.count

    def test_iterate_aggregate_concurrently(self):
        # the upstream holds each call until all five are in flight: calls
        # made one after another would stall 20 s and count 1 at most
        self.up.max_in_flight = 0
        self.up.hold_until = 5
        try:
            r = self.post("/s/iterate", self.items(["a", "b", "c", "d", "e"], ms=0))
        finally:
            self.up.hold_until = 0
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(sorted(r.json()), ["/item/%s?ms=0" % n for n in "abcde"])
        self.assertEqual(self.up.max_in_flight, 5)        # the five calls overlapped

    def test_aggregation_timeout(self):
        before = self.up.count
        # two quick answers and one that outlives the 2 s timeout by far (a
        # loaded machine may take a while over the quick ones)
        body = {"items": [{"id": "a", "ms": 0}, {"id": "slow", "ms": 6000}, {"id": "b", "ms": 0}]}
        r = self.post("/s/timeout", body)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(sorted(r.json()), ["/item/a?ms=0", "/item/b?ms=0"])
        self.assertIn("Aggregate mediator timeout occurred.", self.srv.log())
        self.assertGreaterEqual(self.wait_for_upstream(before + 3), before + 2)

    def test_child_fault(self):
        r = self.post("/s/iterate", {"items": [{"id": "a", "ms": 0}, {"id": "broken", "ms": 0},
                                               {"id": "b", "ms": 0}]})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(sorted(r.json()), ["/item/a?ms=0", "/item/b?ms=0"])

    def test_clone_answers_from_the_fast_target(self):
        before = self.up.count
        r = self.post("/s/clone", {"x": 1})
        self.assertEqual((r.status, r.json()), (200, {"fast": True}))
        # the slow target still made its call after the answer
        self.assertEqual(self.wait_for_upstream(before + 1), before + 1)

    def test_client_disconnects_mid_aggregation(self):
        before = self.up.count
        body = json.dumps(self.items(["x1", "x2", "x3"], ms=700)).encode()
        with self.up.lock:
            waiting = self.up.in_flight  # another test's slow call may still run
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
        s.sendall(b"POST /s/iterate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body)
        # disconnect once the children are waiting on the upstream (not
        # after a fixed pause: on a loaded machine they may not have started;
        # should an earlier test's call end meanwhile, go on after 10 s)
        with self.up.lock:
            self.up.arrived.wait_for(lambda: self.up.in_flight >= waiting + 3, timeout=10)
        s.close()
        self.assertEqual(self.wait_for_upstream(before + 3), before + 3)
        time.sleep(0.2)
        r = self.post("/s/iterate", self.items(["after"], ms=0))
        self.assertEqual((r.status, r.json()), (200, ["/item/after?ms=0"]))

    def test_limit_of_children(self):
        r = self.post("/s/iterate", self.items(["i%d" % i for i in range(1001)], ms=0))
        self.assertEqual(r.status, 500, r.body)
        self.assertEqual(r.json()["ERROR_MESSAGE"],
                         "iterate: 1001 child messages exceed the limit of 1000 (mc:maxChildren)")

    def test_empty_targets(self):
        # MI takes <target/> in clone and iterate: each copy mediates
        # nothing (not even to its To address) and the parent goes on
        before = self.up.count
        r = self.post("/s/emptytargets", {"items": [1, 2, 3]})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"items": [1, 2, 3]})
        self.assertEqual(self.up.count, before)

    def test_foreach_and_scatter_gather(self):
        r = self.post("/s/foreach", {"items": [{"id": "p", "ms": 30}, {"id": "q", "ms": 0}],
                                     "keep": 1})
        self.assertEqual(r.status, 200, r.body)
        out = r.json()
        self.assertEqual(out["keep"], 1)
        # in item order, whatever the order the answers came in
        self.assertEqual([i["path"] for i in out["items"]], ["/item/p?ms=30", "/item/q?ms=0"])
        r = self.post("/s/scatter", {"q": 1})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(sorted(r.json()), ["/item/one?ms=50", "/item/two?ms=0"])


if __name__ == "__main__":
    unittest.main()
