"""test_serve.py - `mediac serve` over real HTTP: routing of APIs and
proxies, request bodies by Content-Type, properties from the request, the
status code table (200/201/202/400/404/405/413/500/503/504), metrics and
health, the access log, SIGHUP reload, SIGTERM drain with requests in flight,
and a slow upstream with many more clients than workers (threads flat)."""
import concurrent.futures
import os
import shutil
import signal
import tempfile
import time
import unittest

import mc
from serve_helpers import Server, SlowUpstream, request

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<api name="Pets" context="/pets">
  <resource methods="GET" uri-template="/{id}?verbose={v}">
    <inSequence>
      <payloadFactory media-type="json">
        <format>{"id":"$1","v":"$2","q":"$3","action":"$4","method":"$5","ctx":"$6","postfix":"$7"}</format>
        <args>
          <arg expression="get-property('uri.var.id')"/>
          <arg expression="$url:verbose"/>
          <arg expression="get-property('query.param.verbose')"/>
          <arg expression="get-property('transport','Action')"/>
          <arg expression="get-property('axis2','HTTP_METHOD')"/>
          <arg expression="get-property('REST_API_CONTEXT')"/>
          <arg expression="get-property('axis2','REST_URL_POSTFIX')"/>
        </args>
      </payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST PUT" uri-template="/{id}">
    <inSequence>
      <property name="HTTP_SC" value="201" scope="axis2"/>
      <header name="X-Made" scope="transport" value="yes"/>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="GET" url-mapping="/files/*">
    <inSequence>
      <payloadFactory media-type="json">
        <format>{"files":true}</format><args/>
      </payloadFactory>
      <respond/>
    </inSequence>
  </resource>
</api>
<api name="Slow" context="/slow">
  <resource methods="GET POST" uri-template="/{ms}">
    <inSequence>
      <!-- a failed request must not suspend the endpoint for the next test -->
      <call><endpoint><http uri-template="http://127.0.0.1:UPSTREAM/up?ms={uri.var.ms}">
          <suspendOnFailure><errorCodes>-1</errorCodes></suspendOnFailure>
          <markForSuspension><errorCodes>-1</errorCodes></markForSuspension></http></endpoint></call>
      <respond/>
    </inSequence>
  </resource>
</api>
<proxy name="Echo" transports="http">
  <target><inSequence><respond/></inSequence></target>
</proxy>
<proxy name="Quiet" transports="http">
  <target><inSequence><log level="custom"><property name="seen" value="yes"/></log></inSequence></target>
</proxy>
<proxy name="Broken" transports="http">
  <target><inSequence>
    <property name="n" expression="json-eval($.n)" type="INTEGER"/><respond/>
  </inSequence></target>
</proxy>
<proxy name="SendBack" transports="http">
  <target>
    <inSequence><send><endpoint><http uri-template="http://127.0.0.1:UPSTREAM/up?ms=0"/></endpoint></send></inSequence>
    <outSequence><property name="HTTP_SC" value="203" scope="axis2"/><send/></outSequence>
  </target>
</proxy>
</definitions>
"""

VERSION_FLOW = """<api xmlns="http://ws.apache.org/ns/synapse" name="Version" context="/version">
  <resource methods="GET" uri-template="/">
    <inSequence>
      <payloadFactory media-type="json"><format>{"version":"VERSION"}</format><args/></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
</api>
"""


def write_flows(folder, upstream_port):
    with open(os.path.join(folder, "flows.xml"), "w") as f:
        f.write(FLOWS.replace("UPSTREAM", str(upstream_port)))


class ServeCase(unittest.TestCase):
    """One server and one slow upstream for the whole class."""
    flags = ["--workers", "2"]

    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.upstream = SlowUpstream(delay_ms=200)
        cls.dir = tempfile.mkdtemp(prefix="mediac-serve-")
        write_flows(cls.dir, cls.upstream.port)
        cls.srv = Server([cls.dir], *cls.flags)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.finish()
        finally:
            cls.upstream.stop()
            shutil.rmtree(cls.dir, ignore_errors=True)


class TestRouting(ServeCase):
    def test_uri_template_vars_query_params_and_transport_headers(self):
        r = self.srv.request("GET", "/pets/42?verbose=yes%20please", headers={"Action": "urn:get"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.json(), {"id": "42", "v": "yes please", "q": "yes please",
                                    "action": "urn:get", "method": "GET", "ctx": "/pets",
                                    "postfix": "/42?verbose=yes%20please"})

    def test_status_and_headers_set_by_the_flow(self):
        r = self.srv.request("PUT", "/pets/7", body='{"a":1}',
                             headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 201)
        self.assertEqual(r.header("X-Made"), "yes")
        self.assertEqual(r.json(), {"a": 1})

    def test_url_mapping(self):
        r = self.srv.request("GET", "/pets/files/a/b.txt")
        self.assertEqual((r.status, r.json()), (200, {"files": True}))

    def test_unknown_path_is_404_json(self):
        for path in ["/nothing", "/services/NoSuchProxy", "/petsx/1"]:
            r = self.srv.request("GET", path)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.header("Content-Type"), "application/json")
            self.assertEqual(r.json()["ERROR_CODE"], "404")

    def test_wrong_method_is_405_json_with_allow(self):
        r = self.srv.request("DELETE", "/pets/42")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.json()["ERROR_CODE"], "405")
        self.assertEqual(sorted(r.header("Allow").split()), ["GET", "POST", "PUT"])

    def test_proxy_below_its_path(self):
        r = self.srv.request("POST", "/services/Echo/deeper/path", body="hi",
                             headers={"Content-Type": "text/plain"})
        self.assertEqual((r.status, r.body), (200, b"hi"))


class TestBodies(ServeCase):
    def echo(self, body, ctype):
        return self.srv.request("POST", "/services/Echo", body=body,
                                headers={"Content-Type": ctype})

    def test_json_body(self):
        r = self.echo('{"k":[1,2,{"x":"y"}]}', "application/json")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"k": [1, 2, {"x": "y"}]})
        self.assertTrue(r.header("Content-Type").startswith("application/json"))

    def test_xml_body(self):
        r = self.echo("<order><id>5</id></order>", "application/xml")
        self.assertEqual(r.status, 200)
        self.assertIn(b"<id>5</id>", r.body)
        self.assertIn("xml", r.header("Content-Type"))

    def test_text_body(self):
        r = self.echo("plain words", "text/plain")
        self.assertEqual((r.status, r.body), (200, b"plain words"))
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))

    def test_binary_body_kept(self):
        data = bytes(range(256))
        r = self.echo(data, "application/octet-stream")
        self.assertEqual((r.status, r.body), (200, data))

    def test_malformed_json_is_400_json(self):
        r = self.echo("{broken", "application/json")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["ERROR_CODE"], "400")

    def test_malformed_xml_is_400_json(self):
        r = self.echo("<a><b></a>", "application/xml")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["ERROR_CODE"], "400")


class TestAnswers(ServeCase):
    flags = ["--workers", "2", "--max-body", "1024"]

    def test_flow_without_respond_is_202(self):
        r = self.srv.request("POST", "/services/Quiet", body="x", headers={"Content-Type": "text/plain"})
        self.assertEqual((r.status, r.body), (202, b""))

    def test_unhandled_fault_is_500_json(self):
        r = self.srv.request("POST", "/services/Broken", body='{"n":"nope"}',
                             headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 500)
        j = r.json()
        self.assertIn("ERROR_CODE", j)
        self.assertIn("INTEGER", j["ERROR_MESSAGE"])

    def test_body_over_limit_is_413(self):
        r = self.srv.request("POST", "/services/Echo", body="x" * 4096,
                             headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 413)
        self.assertEqual(r.json()["ERROR_CODE"], "413")
        r = self.srv.request("POST", "/services/Echo", body="x" * 1024,
                             headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 200)

    def test_headers_over_limit_are_431(self):
        r = self.srv.request("GET", "/pets/1", headers={"X-Big": "a" * 100000})
        self.assertEqual(r.status, 431)

    def test_chunked_body_over_limit_is_413(self):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        c.request("POST", "/services/Echo", body=iter([b"y" * 800, b"y" * 800]),
                  headers={"Content-Type": "text/plain"}, encode_chunked=True)
        r = c.getresponse()
        r.read()
        c.close()
        self.assertEqual(r.status, 413)

    def test_upstream_call_and_send_to_out_sequence(self):
        r = self.srv.request("GET", "/slow/10")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"upstream": True, "path": "/up?ms=10"})
        self.assertEqual(r.header("X-Upstream"), "slow")
        r = self.srv.request("POST", "/services/SendBack", body="{}",
                             headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 203, r.body)
        self.assertEqual(r.json()["upstream"], True)

    def test_metrics_and_health(self):
        def value(text, prefix):
            for line in text.splitlines():
                if line.startswith(prefix):
                    return float(line.rsplit(" ", 1)[1])
            return 0.0
        before = self.srv.request("GET", "/metrics", admin=True).body.decode()
        self.srv.request("POST", "/services/Broken", body='{"n":"x"}',
                         headers={"Content-Type": "application/json"})
        self.srv.request("GET", "/slow/1")
        after = self.srv.request("GET", "/metrics", admin=True)
        self.assertEqual(after.status, 200)
        text = after.body.decode()
        key = 'mediac_requests_total{artifact="proxy:Broken",status="500"}'
        self.assertEqual(value(text, key), value(before, key) + 1)
        key = 'mediac_faults_total{artifact="proxy:Broken"}'
        self.assertEqual(value(text, key), value(before, key) + 1)
        self.assertGreater(value(text, 'mediac_upstream_requests_total{operation="http://127.0.0.1:'), 0)
        self.assertGreater(value(text, 'mediac_request_duration_seconds_count{artifact="api:Slow"}'), 0)
        h = self.srv.request("GET", "/healthz", admin=True)
        self.assertEqual((h.status, h.json()["status"]), (200, "ready"))

    def test_access_log_without_secrets(self):
        self.srv.request("GET", "/pets/9?secretAccessKey=VERYSECRET1",
                         headers={"Authorization": "Bearer VERYSECRET2"})
        time.sleep(0.1)
        log = self.srv.log()
        self.assertRegex(log, r"access GET /pets/9 200 [0-9.]+ms api:Pets")
        self.assertNotIn("VERYSECRET", log)


class TestJsonLog(ServeCase):
    flags = ["--workers", "1", "--log-format", "json"]

    def test_access_lines_are_json(self):
        import json
        self.srv.request("GET", "/pets/1")
        time.sleep(0.1)
        lines = [json.loads(l) for l in self.srv.log().splitlines() if l.startswith("{")]
        access = [l for l in lines if l.get("type") == "access"]
        self.assertTrue(access, self.srv.log())
        self.assertEqual((access[-1]["path"], access[-1]["status"], access[-1]["artifact"]),
                         ("/pets/1", 200, "api:Pets"))


class TestLimits(ServeCase):
    flags = ["--workers", "2", "--max-concurrent", "3", "--request-timeout", "1500"]

    def test_over_max_concurrent_is_503_with_retry_after(self):
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            futs = [ex.submit(self.srv.request, "GET", "/slow/600") for _ in range(8)]
            replies = [f.result() for f in futs]
        codes = sorted(r.status for r in replies)
        self.assertEqual(codes.count(200), 3, codes)
        busy = [r for r in replies if r.status == 503]
        self.assertEqual(len(busy), 5)
        self.assertEqual(busy[0].header("Retry-After"), "1")
        self.assertEqual(busy[0].json()["ERROR_CODE"], "503")

    def test_unanswered_request_times_out_504(self):
        r = self.srv.request("GET", "/slow/3000")
        self.assertEqual(r.status, 504)
        self.assertEqual(r.json()["ERROR_CODE"], "504")


class TestSlowUpstreamManyClients(ServeCase):
    flags = ["--workers", "2"]

    def test_every_request_answered_and_threads_flat(self):
        clients = 2 * 10 + 40
        threads_before = self.srv.threads()
        with self.upstream.lock:
            self.upstream.max_in_flight = 0
        with concurrent.futures.ThreadPoolExecutor(clients) as ex:
            futs = [ex.submit(self.srv.request, "GET", "/slow/200") for _ in range(clients)]
            time.sleep(0.1)
            threads_during = self.srv.threads()
            replies = [f.result() for f in futs]
        self.assertEqual([r.status for r in replies], [200] * clients)
        self.assertEqual(threads_during, threads_before)
        self.assertEqual(self.srv.threads(), threads_before)
        # two worker threads had far more than two upstream calls waiting at
        # once: a waiting message holds no thread (no clock involved)
        self.assertGreater(self.upstream.max_in_flight, 2 * 10)


class TestLifecycle(unittest.TestCase):
    def setUp(self):
        mc.require_binary(self)
        self.upstream = SlowUpstream(delay_ms=200)
        self.dir = tempfile.mkdtemp(prefix="mediac-serve-")
        write_flows(self.dir, self.upstream.port)
        self.version = os.path.join(self.dir, "version.xml")
        self.write_version("1")

    def tearDown(self):
        self.upstream.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_version(self, v, broken=False):
        text = VERSION_FLOW.replace("VERSION", v)
        with open(self.version, "w") as f:
            f.write(text.replace("</api>", "<api>") if broken else text)

    def test_sighup_reload_and_failed_reload_keeps_old(self):
        srv = Server([self.dir], "--workers", "2")
        try:
            self.assertEqual(srv.request("GET", "/version").json(), {"version": "1"})
            self.write_version("2")
            srv.signal(signal.SIGHUP)
            deadline = time.time() + 10
            while srv.request("GET", "/version").json() != {"version": "2"}:
                self.assertLess(time.time(), deadline, srv.log())
                time.sleep(0.05)
            self.write_version("3", broken=True)
            srv.signal(signal.SIGHUP)
            deadline = time.time() + 10
            while "reload failed" not in srv.log():
                self.assertLess(time.time(), deadline, srv.log())
                time.sleep(0.05)
            self.assertEqual(srv.request("GET", "/version").json(), {"version": "2"})
            m = srv.request("GET", "/metrics", admin=True).body.decode()
            self.assertIn('mediac_reloads_total{result="ok"} 1', m)
            self.assertIn('mediac_reloads_total{result="failed"} 1', m)
            self.assertEqual(srv.stop(), 0, srv.log())
        finally:
            srv.close()

    def test_sigterm_drains_requests_in_flight_and_exits_0(self):
        srv = Server([self.dir], "--workers", "2", "--drain-timeout", "10")
        try:
            with concurrent.futures.ThreadPoolExecutor(6) as ex:
                futs = [ex.submit(srv.request, "GET", "/slow/700") for _ in range(6)]
                deadline = time.time() + 5
                while self.upstream.count == 0 and time.time() < deadline:
                    time.sleep(0.02)
                time.sleep(0.2)   # all six are waiting on the upstream now
                srv.signal(signal.SIGTERM)
                time.sleep(0.2)
                with self.assertRaises(OSError):
                    request(srv.port, "GET", "/pets/1", timeout=2)
                codes = [f.result().status for f in futs]
            self.assertEqual(codes, [200] * 6)
            self.assertEqual(srv.stop(), 0, srv.log())
        finally:
            srv.close()

    def test_drain_timeout_cuts_off_with_503(self):
        srv = Server([self.dir], "--workers", "1", "--drain-timeout", "0")
        try:
            with concurrent.futures.ThreadPoolExecutor(2) as ex:
                futs = [ex.submit(srv.request, "GET", "/slow/3000") for _ in range(2)]
                time.sleep(0.5)
                srv.signal(signal.SIGTERM)
                codes = [f.result().status for f in futs]
            self.assertEqual(codes, [503, 503])
            self.assertEqual(srv.stop(), 0, srv.log())
            self.assertIn("2 request(s) cut off", srv.log())
        finally:
            srv.close()

    def test_bad_configuration_refuses_to_start(self):
        self.write_version("x", broken=True)
        r = mc.run(["serve", "--port", "0", "--admin-port", "0", self.dir], timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("configuration failed to load", r.stderr)


if __name__ == "__main__":
    unittest.main()
