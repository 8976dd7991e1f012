"""test_faults.py - the fault and bad-input matrix of `mediac serve`
(docs/hardening.md has it as a table).  Each test sends one bad request,
or makes the upstream misbehave, and checks the named outcome: a documented
status and a JSON error body.  After (or during) every case a good request
on another connection must still succeed, and at the end the server must
still be alive and exit 0 on SIGTERM (clean under LeakSanitizer in the ASan
build).

Upstreams: fault_upstream.FaultUpstream (a local misbehaving server) behind
`<call>` and, through AWS_ENDPOINT_URL_LAMBDA, behind the Lambda connector;
the signature-checking proxy (harness.sigcheck_proxy) in front of it for
the credential cases.  Nothing here talks to real AWS."""
import datetime
import json
import os
import shutil
import socket
import tempfile
import threading
import time
import unittest
from unittest import mock

import mc
from fault_upstream import FaultUpstream, closed_port
from serve_helpers import Server, request

# timing bounds stretch under valgrind (scripts/valgrind-e2e sets MC_VALGRIND)
SLOW = 5 if os.environ.get("MC_VALGRIND") else 1
ACCESS_KEY = "AKIDFAULTMATRIX"
SECRET = "fault-matrix-secret-key"

FLAGS = ("--workers", "2", "--max-body", "65536", "--max-header", "8192",
         "--request-timeout", "4000", "--idle-timeout", "2", "--log-level", "warn")

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
  <api name="Good" context="/good">
    <resource methods="GET POST">
      <inSequence>
        <payloadFactory media-type="json"><format>{"good":true}</format><args/></payloadFactory>
        <respond/>
      </inSequence>
    </resource>
  </api>
  <api name="Body" context="/body">
    <resource methods="POST">
      <inSequence>
        <property name="a" expression="json-eval($.a)"/>
        <payloadFactory media-type="json"><format>{"a":"$1"}</format>
          <args><arg expression="$ctx:a"/></args></payloadFactory>
        <respond/>
      </inSequence>
    </resource>
  </api>
  <api name="Call" context="/call">
    <resource methods="POST" uri-template="/{mode}">
      <inSequence>
        <!-- the MI idiom for "never suspend": each case reaches the upstream -->
        <call><endpoint><http method="post" uri-template="UPSTREAM/{uri.var.mode}">
          <timeout><duration>1500</duration></timeout>
          <suspendOnFailure><errorCodes>-1</errorCodes></suspendOnFailure>
          <markForSuspension><errorCodes>-1</errorCodes></markForSuspension></http></endpoint></call>
        <respond/>
      </inSequence>
    </resource>
  </api>
  <api name="Lambda" context="/lambda">
    <resource methods="POST" uri-template="/{fn}">
      <inSequence>
        <amazonlambda.init><region>us-east-1</region></amazonlambda.init>
        <amazonlambda.invoke>
          <functionName>{$ctx:uri.var.fn}</functionName>
          <payload>{"in":1}</payload>
        </amazonlambda.invoke>
        <respond/>
      </inSequence>
    </resource>
  </api>
</definitions>
"""


def start_server(flows_dir, env, *flags):
    """mediac serve with exactly env (plus PATH and the sanitizer options)
    so no AWS_* setting of the host leaks in."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    home = tempfile.mkdtemp(prefix="mediac-faults-home-")
    # one attempt per fault: the AWS retry modes (which would repeat 5xx,
    # resets and timeouts) have their own suite, test_lambda_retry.py
    base.update({"HOME": home,
                 "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "none"),
                 "AWS_CONFIG_FILE": os.path.join(home, "none"),
                 "AWS_MAX_ATTEMPTS": "1", "AWS_EC2_METADATA_DISABLED": "true"})
    base.update(env)
    with mock.patch.dict(os.environ, base, clear=True):
        return Server([flows_dir], *(flags or FLAGS))


def aws_env(endpoint, secret=SECRET, token=None):
    env = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": secret,
           "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_LAMBDA": endpoint}
    if token:
        env["AWS_SESSION_TOKEN"] = token
    return env


def raw_exchange(port, data, timeout=10, read=True):
    """Send raw bytes on a new connection; return what came back."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        if not read:
            return b""
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


class FaultMatrixBase(unittest.TestCase):
    """One server per class; subclasses say which environment it gets."""
    env = {}

    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.up = FaultUpstream()
        cls.dir = tempfile.mkdtemp(prefix="mediac-faults-")
        with open(os.path.join(cls.dir, "flows.xml"), "w") as f:
            f.write(FLOWS.replace("UPSTREAM", cls.up.url))
        cls.extra_setup()
        try:
            cls.srv = start_server(cls.dir, cls.server_env())
        except Exception:
            cls.extra_teardown()
            cls.up.stop()
            raise

    @classmethod
    def extra_setup(cls):
        pass

    @classmethod
    def extra_teardown(cls):
        pass

    @classmethod
    def server_env(cls):
        return aws_env(cls.up.url)

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        log = cls.srv.log()
        cls.srv.close()
        cls.extra_teardown()
        cls.up.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)
        if code != 0:
            raise AssertionError("mediac serve exited %s:\n%s" % (code, log[-4000:]))

    # -- helpers -----------------------------------------------------------

    def good(self):
        """A good request on a fresh connection succeeds."""
        r = self.srv.request("POST", "/good", "{}", {"Content-Type": "application/json"},
                             timeout=10)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"good": True})

    def assertJsonError(self, r, status, code=None, msg_part=None):
        self.assertEqual(r.status, status, r.body[:500])
        self.assertTrue((r.header("Content-Type") or "").startswith("application/json"),
                        r.headers)
        body = json.loads(r.body)
        if code is not None:
            got = body.get("ERROR_CODE", body.get("__type"))
            self.assertEqual(got, code, body)
        if msg_part is not None:
            text = body.get("ERROR_MESSAGE", body.get("message", ""))
            self.assertIn(msg_part, text, body)
        self.good()
        return body

    def post(self, path, body, ctype="application/json", timeout=30, headers=None):
        h = {"Content-Type": ctype} if ctype is not None else {}
        h.update(headers or {})
        return self.srv.request("POST", path, body, h, timeout=timeout)

    def assertAlive(self):
        self.assertIsNone(self.srv.proc.poll(), "mediac serve died:\n" + self.srv.log()[-3000:])
        self.good()


class BadInputTest(FaultMatrixBase):
    """Malformed, truncated, oversized, deep and mis-typed requests."""

    def test_malformed_json_400(self):
        self.assertJsonError(self.post("/body", '{"a": [1, 2'), 400, "400")
        self.assertJsonError(self.post("/body", '{"a": tru}'), 400, "400")

    def test_truncated_json_and_xml_400(self):
        doc = '{"a": {"b": [1, 2, 3], "c": "text"}}'
        for cut in (1, 7, len(doc) // 2, len(doc) - 1):
            self.assertJsonError(self.post("/body", doc[:cut]), 400, "400")
        xml = "<a><b>1</b><c>two</c></a>"
        for cut in (3, 9, len(xml) - 2):
            self.assertJsonError(self.post("/body", xml[:cut], "application/xml"), 400, "400")

    def test_malformed_xml_400(self):
        self.assertJsonError(self.post("/body", "<a><b></a>", "application/xml"), 400, "400")
        self.assertJsonError(self.post("/body", "<a>&undefined;</a>", "text/xml"), 400, "400")

    def test_xml_external_entity_not_loaded_400(self):
        body = ('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                '<a>&x;</a>')
        r = self.post("/body", body, "application/xml")
        self.assertNotIn(b"root:", r.body)
        self.assertIn(r.status, (200, 400), r.body)
        self.good()

    def test_wrong_content_type_400(self):
        # JSON sent as XML does not parse as XML
        self.assertJsonError(self.post("/body", '{"a":"x"}', "application/xml"), 400, "400")
        # XML sent as JSON does not parse as JSON
        self.assertJsonError(self.post("/body", "<a>x</a>", "application/json"), 400, "400")

    def test_missing_content_type_is_sniffed_200(self):
        r = self.post("/body", '{"a":"sniffed"}', ctype=None)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"a": "sniffed"})
        self.good()

    def test_unknown_content_type_is_binary_200(self):
        r = self.post("/body", '{"a":"x"}', "application/octet-stream")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"a": ""})      # json-eval finds nothing in binary
        self.good()

    def test_body_over_limit_413(self):
        big = '{"a":"' + "x" * 70000 + '"}'
        self.assertJsonError(self.post("/body", big), 413, "413")

    def test_chunked_body_over_limit_413(self):
        chunk = b"x" * 16384
        req = (b"POST /body HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
               b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               + (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 6 + b"0\r\n\r\n")
        out = raw_exchange(self.srv.port, req)
        self.assertTrue(out.startswith(b"HTTP/1.1 413"), out[:200])
        self.assertIn(b'"ERROR_CODE":"413"', out)
        self.good()

    def test_deep_json_400(self):
        deep = "[" * 100000 + "]" * 100000
        self.assertJsonError(self.post("/body", deep[:65000 // 2] + deep[-65000 // 2:]),
                             400, "400", "nesting deeper")
        ok = "[" * 100 + "]" * 100                 # modest nesting is fine
        r = self.post("/body", ok)
        self.assertEqual(r.status, 200, r.body)

    def test_deep_xml_400(self):
        n = 5000
        deep = "<a>" * n + "</a>" * n
        self.assertJsonError(self.post("/body", deep, "application/xml"), 400, "400")

    def test_invalid_utf8_json_400(self):
        self.assertJsonError(self.post("/body", b'{"a":"\xff\xfe\xc3"}'), 400, "400")

    def test_invalid_utf8_xml_400(self):
        self.assertJsonError(self.post("/body", b"<a>\xff\xfe</a>", "application/xml"),
                             400, "400")

    def test_headers_over_limit_431(self):
        # the server's own 431 (JSON, like every error); it keeps serving
        r = self.srv.request("GET", "/good", headers={"X-Big": "v" * 30000}, timeout=10)
        self.assertJsonError(r, 431, "431")
        self.good()
        many = {"X-H%03d" % i: "y" * 100 for i in range(200)}
        r = self.srv.request("GET", "/good", headers=many, timeout=10)
        self.assertEqual(r.status, 431)
        self.good()

    def test_garbage_request_line_400(self):
        out = raw_exchange(self.srv.port, b"\x16\x03\x01 not http at all\r\n\r\n")
        self.assertTrue(out == b"" or out.startswith(b"HTTP/1.1 400"), out[:200])
        self.assertAlive()


class ClientMisbehaviourTest(FaultMatrixBase):
    """Slow clients and clients that vanish."""

    def test_slowloris_others_served_idle_closed(self):
        socks = []
        try:
            for _ in range(40):
                s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
                s.sendall(b"POST /good HTTP/1.1\r\nHost: t\r\n")
                socks.append(s)
            for step in range(3):                   # trickle a header line each
                for i, s in enumerate(socks):
                    s.sendall(b"X-Slow-%d: %d\r\n" % (step, i))
                self.good()                         # served while they trickle
                time.sleep(0.3)
            # a client that stops sending is closed after --idle-timeout (2 s)
            s = socks[0]
            s.settimeout(8 * SLOW)                  # a hang guard, not a measurement
            data = s.recv(4096)
            self.assertFalse(data.startswith(b"HTTP/1.1 200"), data[:100])
        finally:
            for s in socks:
                s.close()
        self.assertAlive()

    def test_client_vanishes_mid_request(self):
        for _ in range(20):
            raw_exchange(self.srv.port, b"POST /body HTTP/1.1\r\nHost: t\r\n"
                         b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                         b'{"a": "only a part', read=False)
            raw_exchange(self.srv.port, b"POST /body HTTP/1.1\r\nHost: t\r\nContent-Ty",
                         read=False)
        self.assertAlive()

    def test_client_vanishes_mid_response(self):
        # the request waits on a slow upstream; the client leaves meanwhile
        for _ in range(10):
            raw_exchange(self.srv.port, b"POST /call/slow?ms=300 HTTP/1.1\r\nHost: t\r\n"
                         b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
                         read=False)
        # and one that reads only the first bytes of a large answer
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        body = '{"a":"' + "z" * 60000 + '"}'
        s.sendall(b"POST /body HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body.encode())
        s.recv(100)
        s.close()
        time.sleep(0.8)
        self.assertAlive()
        r = self.srv.request("GET", "/healthz", admin=True)
        self.assertEqual(r.status, 200)


class CallUpstreamTest(FaultMatrixBase):
    """An upstream behind <call> that misbehaves."""

    def call(self, mode, timeout=30):
        return self.post("/call/" + mode, '{"x":1}', timeout=timeout)

    def test_upstream_ok(self):
        r = self.call("ok")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["upstream"], "ok")

    def test_upstream_refuses_500_101503(self):
        # a second API pointing at a closed port
        port = closed_port()
        r = self.srv.request("POST", "/call/ok", "{}", {"Content-Type": "application/json"})
        self.assertEqual(r.status, 200)
        flows = os.path.join(self.dir, "refuse")
        os.makedirs(flows, exist_ok=True)
        with open(os.path.join(flows, "f.xml"), "w") as f:
            f.write(FLOWS.replace("UPSTREAM", "http://127.0.0.1:%d" % port))
        srv = start_server(flows, {})
        try:
            r = srv.request("POST", "/call/ok", "{}", {"Content-Type": "application/json"})
            self.assertEqual(r.status, 500, r.body)
            self.assertEqual(r.json()["ERROR_CODE"], "101503")
            self.assertIn("connection refused", r.json()["ERROR_MESSAGE"])
            self.assertEqual(srv.stop(), 0, srv.log())
        finally:
            srv.close()
        self.good()

    def test_upstream_stalls_500_101504(self):
        result = {}
        t = threading.Thread(target=lambda: result.update(r=self.call("stall")))
        t.start()
        time.sleep(0.2)
        self.good()                                  # served while the call waits
        t.join(20)
        self.assertJsonError(result["r"], 500, "101504", "timeout")

    def test_upstream_resets_500_101500(self):
        self.assertJsonError(self.call("reset"), 500, "101500")

    def test_upstream_closes_500_101500(self):
        self.assertJsonError(self.call("close"), 500, "101500")

    def test_upstream_garbage_500_101500(self):
        self.assertJsonError(self.call("garbage"), 500, "101500")

    def test_upstream_429_passed_through(self):
        body = self.assertJsonError(self.call("429"), 429)
        self.assertEqual(body["__type"], "TooManyRequestsException")

    def test_upstream_5xx_passed_through(self):
        for code in ("500", "502", "503"):
            body = self.assertJsonError(self.call(code), int(code))
            self.assertEqual(body["message"], "upstream says " + code)

    def test_upstream_huge_declared_500_101500(self):
        self.assertJsonError(self.call("huge"), 500, "101500", "exceeds")

    def test_upstream_huge_streamed_500_101500(self):
        self.assertJsonError(self.call("hugechunk", timeout=60), 500, "101500", "exceeds")


class LambdaUpstreamTest(FaultMatrixBase):
    """The Lambda connector with AWS_ENDPOINT_URL_LAMBDA at the bad upstream
    (the function name picks the misbehaviour)."""

    def invoke(self, fn, timeout=30):
        return self.post("/lambda/" + fn, "{}", timeout=timeout)

    def test_lambda_ok(self):
        r = self.invoke("ok")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["upstream"], "ok")

    def test_lambda_stalls_504(self):
        result = {}
        t = threading.Thread(target=lambda: result.update(r=self.invoke("stall")))
        t.start()
        time.sleep(0.2)
        self.good()
        t.join(20)
        self.assertJsonError(result["r"], 504, "504")

    def test_lambda_resets_500_101500(self):
        self.assertJsonError(self.invoke("reset"), 500, "101500")

    def test_lambda_garbage_500_101500(self):
        self.assertJsonError(self.invoke("garbage"), 500, "101500")

    def test_lambda_429_passed_through(self):
        body = self.assertJsonError(self.invoke("429"), 429)
        self.assertEqual(body["__type"], "TooManyRequestsException")

    def test_lambda_5xx_passed_through(self):
        for code in ("500", "503"):
            self.assertJsonError(self.invoke(code), int(code), "ServiceException")

    def test_lambda_huge_500_101500(self):
        self.assertJsonError(self.invoke("huge"), 500, "101500", "exceeds")


class LambdaRefusedTest(FaultMatrixBase):
    """AWS_ENDPOINT_URL_LAMBDA at a port where nothing listens."""

    @classmethod
    def server_env(cls):
        return aws_env("http://127.0.0.1:%d" % closed_port())

    def test_lambda_refused_500_101503(self):
        r = self.post("/lambda/ok", "{}")
        self.assertJsonError(r, 500, "101503", "connection refused")


class _SkewedProxy:
    """The signature-checking proxy with its clock 20 minutes ahead (AWS
    allows 15): every signature mediac makes now looks expired."""

    def __init__(self, upstream_url, credentials):
        from harness.sigcheck_proxy import SigCheckProxy
        self.proxy = SigCheckProxy(upstream_url, credentials)
        verify = self.proxy.verifier.verify
        ahead = datetime.timedelta(minutes=20)

        def skewed(method, target, headers, body, now=None):
            return verify(method, target, headers, body,
                          now=datetime.datetime.now(datetime.timezone.utc) + ahead)
        self.proxy.verifier.verify = skewed


class CredentialsTest(FaultMatrixBase):
    """Credentials wrong, expired, missing: one server per case, all behind
    the signature-checking proxy in front of the fault upstream."""

    @classmethod
    def extra_setup(cls):
        from harness.sigcheck_proxy import SigCheckProxy
        cls.proxy = SigCheckProxy(cls.up.url, {ACCESS_KEY: SECRET}).start()
        cls.token_proxy = SigCheckProxy(cls.up.url, {ACCESS_KEY: (SECRET, "current-token")}).start()
        cls.skewed = _SkewedProxy(cls.up.url, {ACCESS_KEY: SECRET})
        cls.skewed.proxy.start()

    @classmethod
    def extra_teardown(cls):
        for p in (cls.proxy, cls.token_proxy, cls.skewed.proxy):
            p.stop()

    @classmethod
    def server_env(cls):
        return aws_env(cls.proxy.url)

    def with_server(self, env, fn):
        srv = start_server(self.dir, env)
        try:
            r = srv.request("POST", "/lambda/ok", "{}", {"Content-Type": "application/json"})
            fn(r)
            g = srv.request("POST", "/good", "{}", {"Content-Type": "application/json"})
            self.assertEqual(g.status, 200)
            self.assertEqual(srv.stop(), 0, srv.log())
        finally:
            srv.close()

    def test_right_credentials_200(self):
        r = self.post("/lambda/ok", "{}")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.proxy.records[-1].verdict, "forwarded")

    def test_wrong_secret_403(self):
        def check(r):
            self.assertEqual(r.status, 403, r.body)
            self.assertEqual(r.json()["__type"], "InvalidSignatureException")
        self.with_server(aws_env(self.proxy.url, secret="not-the-secret"), check)
        self.good()

    def test_expired_signature_403(self):
        def check(r):
            self.assertEqual(r.status, 403, r.body)
            self.assertEqual(r.json()["__type"], "InvalidSignatureException")
            self.assertIn("Signature expired", r.json()["message"])
        self.with_server(aws_env(self.skewed.proxy.url), check)

    def test_expired_session_token_403(self):
        def check(r):
            self.assertEqual(r.status, 403, r.body)
            self.assertEqual(r.json()["__type"], "UnrecognizedClientException")
        self.with_server(aws_env(self.token_proxy.url, token="expired-token"), check)

    def test_missing_credentials_500(self):
        def check(r):
            self.assertEqual(r.status, 500, r.body)
            body = r.json()
            self.assertEqual(body["ERROR_CODE"], "MissingCredentials")
            self.assertNotIn(SECRET, r.body.decode())
        before = len(self.proxy.records)
        self.with_server({"AWS_REGION": "us-east-1",
                          "AWS_ENDPOINT_URL_LAMBDA": self.proxy.url}, check)
        self.assertEqual(len(self.proxy.records), before, "request sent without credentials")


if __name__ == "__main__":
    unittest.main()
