"""test_stores.py - message stores, processors, tasks and inbound endpoints
through `mediac serve`: an API stores messages (<store>) and answers 202 (FORCE_SC_ACCEPTED);
a scheduled forwarding processor forwards them in order to a scripted
upstream (a real local HTTP server answering a list of statuses), retrying
a failed one, dropping it or deactivating after max.delivery.attempts,
treating non.retry.status.codes as delivered and sending the response
through the reply sequence; a sampling processor injects stored messages
into a sequence; a MessageInjector task injects its message count times;
an http inbound endpoint answers on its own port with its sequence and its
onError sequence; SIGTERM with a message in flight stops cleanly.  Tests
assert counts and order, never durations: they poll with a deadline."""
import http.server
import json
import os
import signal
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

import mc
from recording_upstream import LocalServer
from serve_helpers import Server, request, wait_for
from harness.moto_server import free_port


class Scripted(LocalServer):
    """Answers the statuses of `script` in turn (then the last one forever),
    with the body {"seen": N, "status": S}; records (path, body) of each
    request; ?ms=N delays the answer."""

    def __init__(self, script):
        self.script = list(script)
        super().__init__(_ScriptedHandler)

    def bodies(self):
        with self.lock:
            return [b for _, b in self.seen]


class _ScriptedHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        with self.server.lock:
            self.server.seen.append((self.path, body.decode()))
            i = len(self.server.seen) - 1
            status = self.server.script[min(i, len(self.server.script) - 1)]
        if "ms=" in self.path:
            time.sleep(int(self.path.split("ms=")[1].split("&")[0]) / 1000.0)
        out = json.dumps({"seen": i + 1, "status": status}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args):
        pass


STORE_API = """
  <messageStore name="orders"/>
  <api name="Orders" context="/orders">
    <resource methods="POST">
      <inSequence>
        <property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/>
        <property name="OUT_ONLY" value="true"/>
        <store messageStore="orders"/>
      </inSequence>
    </resource>
  </api>
"""


class StoresServe(unittest.TestCase):
    def setUp(self):
        mc.require_binary(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="mediac-stores-")
        self.ups = []
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.close()
        for u in self.ups:
            u.stop()
        self.tmp.cleanup()

    def upstream(self, script):
        u = Scripted(script)
        self.ups.append(u)
        return u

    def serve(self, body, *flags):
        path = os.path.join(self.tmp.name, "flows.xml")
        with open(path, "w") as f:
            f.write('<definitions xmlns="http://ws.apache.org/ns/synapse">%s</definitions>' % body)
        s = Server([path], *flags)
        self.servers.append(s)
        return s

    def post(self, s, n):
        r = s.request("POST", "/orders", json.dumps({"n": n}),
                      {"Content-Type": "application/json"})
        self.assertEqual(r.status, 202, r.body)     # MI's FORCE_SC_ACCEPTED

    def processor(self, cls, params, target=None):
        ps = "".join('<parameter name="%s">%s</parameter>' % kv for kv in params.items())
        return ('<messageProcessor name="fwd" class="%s" messageStore="orders"%s>%s'
                '</messageProcessor>' % (cls, ' targetEndpoint="%s"' % target if target else "",
                                         ps))

    FWD = "org.apache.synapse.message.processor.impl.forwarder.ScheduledMessageForwardingProcessor"
    SAMPLER = "org.apache.synapse.message.processor.impl.sampler.SamplingProcessor"

    def endpoint(self, name, port, path="/up"):
        return ('<endpoint name="%s"><http method="post" uri-template="http://127.0.0.1:%d%s"/>'
                '</endpoint>' % (name, port, path))

    def test_forwarding_retries_in_order_and_replies(self):
        up = self.upstream([500, 503, 200, 200, 200])
        replies = self.upstream([200])
        s = self.serve(STORE_API + self.endpoint("up", up.port)
                       + self.endpoint("replies", replies.port, "/reply")
                       + '<sequence name="onReply"><call><endpoint key="replies"/></call></sequence>'
                       + self.processor(self.FWD, {
                           "interval": "50", "client.retry.interval": "50",
                           "max.delivery.attempts": "5",
                           "message.processor.reply.sequence": "onReply"}, "up"))
        for n in (1, 2, 3):
            self.post(s, n)
        wait_for(lambda: len(replies.bodies()) == 3, "three replies")
        self.assertEqual([json.loads(b)["n"] for b in up.bodies()], [1, 1, 1, 2, 3])
        # the reply sequence got each delivered response, in order
        self.assertEqual([json.loads(b) for b in replies.bodies()],
                         [{"seen": 3, "status": 200}, {"seen": 4, "status": 200},
                          {"seen": 5, "status": 200}])
        self.assertEqual(s.stop(), 0)

    def test_non_retry_status_is_delivered(self):
        up = self.upstream([400, 200])
        s = self.serve(STORE_API + self.endpoint("up", up.port) + self.processor(self.FWD, {
            "interval": "50", "client.retry.interval": "50", "max.delivery.attempts": "3",
            "non.retry.status.codes": "400, 404"}, "up"))
        self.post(s, 1)
        self.post(s, 2)
        wait_for(lambda: len(up.bodies()) == 2, "two deliveries")
        self.assertEqual([json.loads(b)["n"] for b in up.bodies()], [1, 2])
        self.assertEqual(s.stop(), 0)

    def test_max_attempts_drop(self):
        up = self.upstream([500])
        faults = self.upstream([200])
        s = self.serve(STORE_API + self.endpoint("up", up.port)
                       + self.endpoint("faults", faults.port, "/fault")
                       + '<sequence name="onFault"><call><endpoint key="faults"/></call></sequence>'
                       + self.processor(self.FWD, {
                           "interval": "50", "client.retry.interval": "50",
                           "max.delivery.attempts": "2", "max.delivery.drop": "Enabled",
                           "message.processor.fault.sequence": "onFault"}, "up"))
        self.post(s, 1)
        self.post(s, 2)
        wait_for(lambda: len(faults.bodies()) == 2, "both messages dropped")
        self.assertEqual([json.loads(b)["n"] for b in up.bodies()], [1, 1, 2, 2])
        # the fault sequence got the messages themselves
        self.assertEqual([json.loads(b)["n"] for b in faults.bodies()], [1, 2])
        self.assertIn("failed to forward message", s.log())
        self.assertEqual(s.stop(), 0)

    def test_max_attempts_deactivates(self):
        up = self.upstream([500, 500, 200])
        s = self.serve(STORE_API + self.endpoint("up", up.port) + self.processor(self.FWD, {
            "interval": "50", "client.retry.interval": "50", "max.delivery.attempts": "2"},
            "up"))
        self.post(s, 1)
        self.post(s, 2)
        wait_for(lambda: "message processor fwd deactivated" in s.log(), "deactivation")
        self.assertEqual([json.loads(b)["n"] for b in up.bodies()], [1, 1])
        self.assertEqual(s.stop(), 0)

    def test_sampling_processor_injects_in_order(self):
        up = self.upstream([200])
        s = self.serve(STORE_API + self.endpoint("up", up.port)
                       + '<sequence name="sample"><property name="sampled" value="yes"/>'
                         '<payloadFactory media-type="json"><format>{"n":$1,"sampled":"$2"}'
                         '</format><args><arg expression="json-eval($.n)"/>'
                         '<arg expression="$ctx:sampled"/></args></payloadFactory>'
                         '<call><endpoint key="up"/></call></sequence>'
                       + self.processor(self.SAMPLER, {"interval": "50", "sequence": "sample"}))
        for n in (1, 2, 3):
            self.post(s, n)
        wait_for(lambda: len(up.bodies()) == 3, "three samples")
        self.assertEqual([json.loads(b) for b in up.bodies()],
                         [{"n": n, "sampled": "yes"} for n in (1, 2, 3)])
        self.assertEqual(s.stop(), 0)

    def test_task_injects_count_times(self):
        up = self.upstream([200])
        s = self.serve(self.endpoint("up", up.port)
                       + '<sequence name="tick"><call><endpoint key="up"/></call></sequence>'
                       + '<task name="ticker" class="org.apache.synapse.startup.tasks.MessageInjector"'
                         ' group="synapse.simple.quartz">'
                         '<trigger count="3" interval="1"/>'
                         '<property xmlns:task="http://www.wso2.org/products/wso2commons/tasks"'
                         ' name="message"><tick xmlns="">hello</tick></property>'
                         '<property xmlns:task="http://www.wso2.org/products/wso2commons/tasks"'
                         ' name="injectTo" value="sequence"/>'
                         '<property xmlns:task="http://www.wso2.org/products/wso2commons/tasks"'
                         ' name="sequenceName" value="tick"/>'
                         '<property xmlns:task="http://www.wso2.org/products/wso2commons/tasks"'
                         ' name="format" value="pox"/></task>')
        wait_for(lambda: "task ticker finished its 3 runs" in s.log(), "three runs")
        wait_for(lambda: len(up.bodies()) == 3, "three injections")
        for b in up.bodies():
            root = ET.fromstring(b)
            self.assertEqual((root.tag, root.text), ("tick", "hello"))
        self.assertEqual(s.stop(), 0)

    def test_inbound_http_endpoint(self):
        port = free_port()
        s = self.serve(
            '<inboundEndpoint name="in" protocol="http" sequence="inSeq" onError="inErr"'
            ' suspend="false"><parameters><parameter name="inbound.http.port">%d</parameter>'
            '</parameters></inboundEndpoint>' % port
            + '<sequence name="inSeq"><filter source="json-eval($.fail)" regex="true">'
              '<then><throwError type="TEST" errorMessage="asked to fail"/></then></filter>'
              '<payloadFactory media-type="json"><format>{"echo":$1}</format>'
              '<args><arg expression="json-eval($.v)"/></args></payloadFactory>'
              '<respond/></sequence>'
            + '<sequence name="inErr"><payloadFactory media-type="json">'
              '<format>{"error":"$1"}</format><args><arg expression="$ctx:ERROR_MESSAGE"/>'
              '</args></payloadFactory><property name="HTTP_SC" value="500" scope="axis2"/>'
              '<respond/></sequence>')
        wait_for(lambda: "inbound endpoint in listening" in s.log(), "the inbound listener")
        r = request(port, "POST", "/anything", json.dumps({"v": 7}),
                    {"Content-Type": "application/json"})
        self.assertEqual((r.status, r.json()), (200, {"echo": 7}))
        r = request(port, "POST", "/anything", json.dumps({"v": 1, "fail": True}),
                    {"Content-Type": "application/json"})
        self.assertEqual((r.status, r.json()), (500, {"error": "asked to fail"}))
        # the main port does not route to it
        self.assertEqual(s.request("POST", "/anything", "{}").status, 404)
        self.assertEqual(s.stop(), 0)

    def test_sigterm_with_a_message_in_flight(self):
        up = self.upstream([200])
        s = self.serve(STORE_API + self.endpoint("up", up.port, "/slow?ms=3000")
                       + self.processor(self.FWD, {"interval": "50"}, "up"))
        self.post(s, 1)
        wait_for(lambda: len(up.bodies()) == 1, "the forward in flight")
        self.assertEqual(s.stop(), 0)
        self.assertIn("stopped", s.log())

    def test_reload_restarts_tasks_with_the_new_configuration(self):
        up = self.upstream([200])
        task = ('<task name="ticker" class="org.apache.synapse.startup.tasks.MessageInjector">'
                '<trigger count="1" interval="1"/>'
                '<property name="message" value="{&quot;v&quot;:%d}"/>'
                '<property name="format" value="json"/><property name="injectTo" value="sequence"/>'
                '<property name="sequenceName" value="tick"/></task>')
        seq = '<sequence name="tick"><call><endpoint key="up"/></call></sequence>'
        s = self.serve(self.endpoint("up", up.port) + seq + task % 1)
        wait_for(lambda: len(up.bodies()) == 1, "the first configuration's run")
        path = os.path.join(self.tmp.name, "flows.xml")
        with open(path, "w") as f:
            f.write('<definitions xmlns="http://ws.apache.org/ns/synapse">%s</definitions>'
                    % (self.endpoint("up", up.port) + seq + task % 2))
        s.signal(signal.SIGHUP)
        wait_for(lambda: len(up.bodies()) == 2, "the reloaded configuration's run")
        self.assertEqual([json.loads(b) for b in up.bodies()], [{"v": 1}, {"v": 2}])
        self.assertEqual(s.stop(), 0)

    def test_cron_task_is_scheduled(self):
        up = self.upstream([200])
        s = self.serve(self.endpoint("up", up.port)
                       + '<sequence name="tick"><call><endpoint key="up"/></call></sequence>'
                       + '<task name="cron" class="org.apache.synapse.startup.tasks.MessageInjector">'
                         '<trigger cron="* * * * * ?"/>'
                         '<property name="message" value="{}"/><property name="format" value="json"/>'
                         '<property name="injectTo" value="sequence"/>'
                         '<property name="sequenceName" value="tick"/></task>')
        wait_for(lambda: len(up.bodies()) >= 2, "two cron runs")
        self.assertEqual(s.stop(), 0)

    def test_management_api_shapes_while_serving(self):
        up = self.upstream([500])
        s = self.serve(STORE_API + self.endpoint("up", up.port) + self.processor(self.FWD, {
            "interval": "50", "client.retry.interval": "50", "max.delivery.attempts": "1"},
            "up"))
        r = s.request("GET", "/management/message-processors", admin=True)
        self.assertEqual(r.json(), {"count": 1, "list": [{
            "name": "fwd", "type": "Scheduled-message-forwarding-processor", "status": "active"}]})
        self.post(s, 1)
        wait_for(lambda: "message processor fwd deactivated" in s.log(), "deactivation")
        r = s.request("GET", "/management/message-processors?name=fwd", admin=True)
        self.assertEqual(r.json()["status"], "inactive")
        r = s.request("GET", "/management/message-stores", admin=True)
        self.assertEqual(r.json(), {"count": 1, "list": [{
            "name": "orders", "type": "in-memory-message-store", "size": 1}]})
        self.assertEqual(s.stop(), 0)

    def test_run_warns_that_it_does_not_schedule(self):
        path = os.path.join(self.tmp.name, "flows.xml")
        with open(path, "w") as f:
            f.write('<definitions xmlns="http://ws.apache.org/ns/synapse">'
                    '<messageStore name="orders"/><sequence name="main"><log/></sequence>'
                    + self.processor(self.SAMPLER, {"sequence": "main"}) + '</definitions>')
        r = mc.run(["run", path], stdin="{}")
        self.assertIn("message processors, tasks and inbound endpoints run only under "
                      "`mediac serve`", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
