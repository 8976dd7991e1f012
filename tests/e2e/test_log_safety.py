"""test_log_safety.py - logs and outputs carry no attacker bytes and no
secrets (issue 11 section 4), end to end through `mediac serve`:

- a raw-socket client puts ESC, a bare CR, DEL and bytes 0x80-0xFF in the
  request target: the text access log shows them escaped (\\x1b ...), one
  line per request, so no fake access line can be forged; with
  --log-format json every line of the log parses as JSON;
- secrets are hidden whatever their escaping: a JSON body holding the
  secret key written as PHP's json_encode writes it (wJalr\\/K7...), with
  \\u escapes, percent-encoded, and credentials under their names in
  JSON, XML and headers (Authorization, Cookie, X-Api-Key,
  X-Amz-Security-Token), logged at log level="full";
- the user:password of an endpoint URL appears neither in /metrics nor in
  the log."""
import json
import os
import socket
import tempfile
import time
import unittest

import mc
from harness.sigcheck_proxy import LoopbackHTTPServer, RecordedRequest, RequestLog
from serve_helpers import Server, request

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEJr//sessionTOKENvalue=="

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
  <proxy name="Echo">
    <target><inSequence>
      <log level="full"/>
      <respond/>
    </inSequence></target>
  </proxy>
  <proxy name="Up">
    <target><inSequence>
      <call><endpoint><http method="POST" uri-template="http://metricuser:%(pw)s@127.0.0.1:%(port)d/up"/></endpoint></call>
      <respond/>
    </inSequence></target>
  </proxy>
</definitions>
"""
USER_PW = "Pa55w0rdInUrl"


class Recorder:
    def __init__(self):
        self.log = RequestLog()
        self.server = LoopbackHTTPServer(self)

    def handle(self, handler, method, target, headers, body):
        self.log.add(RecordedRequest(method=method, target=target, path=target, query="",
                                     headers=list(headers), body=body))
        handler.send_answer(200, [("Content-Type", "application/json")], b'{"ok":true}')


def raw_request(port, target_bytes):
    """Send a request whose target holds raw bytes; return the status line."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(b"GET " + target_bytes + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0]
    finally:
        s.close()


class LogSafetyTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.recorder = Recorder()
        cls.recorder.server.start()
        cls.dir = tempfile.mkdtemp(prefix="mediac-logs-")
        cls.path = os.path.join(cls.dir, "flows.xml")
        with open(cls.path, "w") as f:
            f.write(FLOWS % {"pw": USER_PW, "port": cls.recorder.server.server_address[1]})

    @classmethod
    def tearDownClass(cls):
        cls.recorder.server.stop()

    def serve(self, *flags):
        srv = Server([self.path], "--workers", "1", *flags)
        self.addCleanup(srv.close)
        return srv

    def stopped_log(self, srv):
        self.assertEqual(srv.stop(), 0)
        return srv.log()

    # -- escaping ------------------------------------------------------------------------

    NASTY = b"/services/Echo/x\x1b[2J\rGET /forged 200\x7f\x80\xff\xc3\xa9"

    def test_text_access_log_escapes_control_and_non_utf8(self):
        srv = self.serve()
        raw_request(srv.port, self.NASTY)
        log = self.stopped_log(srv)
        raw = log.encode("utf-8", "surrogateescape")
        self.assertNotIn(b"\x1b", raw)
        self.assertNotIn(b"\x7f", raw)
        self.assertNotIn(b"\x80", raw)
        self.assertNotIn(b"\xff", raw)
        lines = [ln for ln in log.splitlines() if " access " in ln]
        self.assertEqual(len(lines), 1, log)
        self.assertIn("/services/Echo/x\\x1b[2J\\x0dGET /forged 200\\x7f\\x80\\xff\xe9", lines[0])
        self.assertNotIn("\r", log)

    def test_json_log_lines_stay_json(self):
        srv = self.serve("--log-format", "json", "--log-level", "debug")
        raw_request(srv.port, self.NASTY)
        srv.request("POST", "/services/Echo", '{"a":"\\u001b\\u0000\xe9"}',
                    {"Content-Type": "application/json"})
        log = self.stopped_log(srv)
        raw = log.encode("utf-8", "surrogateescape")
        self.assertNotIn(b"\xff", raw)
        records = [json.loads(line) for line in log.splitlines() if line.strip()]
        access = [r for r in records if r.get("type") == "access"]
        self.assertEqual(len(access), 2, log)
        self.assertEqual(access[0]["path"],
                         "/services/Echo/x\\x1b[2J\\x0dGET /forged 200\\x7f\\x80\\xff\xe9")
        # a logged line that starts with "{" is wrapped, not passed through
        for r in records:
            self.assertTrue("type" in r or "level" in r, r)

    # -- secrets ---------------------------------------------------------------------------

    def test_secrets_hidden_whatever_their_escaping(self):
        srv = self.serve("--log-level", "debug")
        escaped_slash = SECRET.replace("/", "\\/")
        u_escaped = "".join("\\u%04x" % ord(ch) for ch in SECRET[:6]) + SECRET[6:]
        bodies = [
            '{"secretAccessKey":"%s","region":"us-east-1"}' % escaped_slash,
            '{"secretAccessKey":"%s"}' % u_escaped,
            '{"nested":{"secret\\u0041ccessKey":"%s"}}' % escaped_slash,
            '{"sessionToken":"%s"}' % TOKEN.replace("/", "\\/"),
            # the same value outside its member: found by value, as escaped
            '{"secretAccessKey":"%s","note":"see %s or %s"}'
            % (SECRET, escaped_slash, SECRET.replace("/", "%2F").replace("+", "%2B")),
            '{"Authorization":"Bearer %s"}' % TOKEN,
        ]
        for body in bodies:
            r = srv.request("POST", "/services/Echo", body, {"Content-Type": "application/json"})
            self.assertEqual(r.status, 200)
        xml = "<creds><secretAccessKey>%s</secretAccessKey></creds>" % SECRET
        srv.request("POST", "/services/Echo", xml, {"Content-Type": "application/xml"})
        srv.request("POST", "/services/Echo", "{}", {
            "Content-Type": "application/json", "Authorization": "Bearer " + TOKEN,
            "Cookie": "session=" + TOKEN, "X-Api-Key": SECRET,
            "X-Amz-Security-Token": TOKEN})
        log = self.stopped_log(srv)
        for needle in (SECRET, escaped_slash, u_escaped, "K7MDENG", TOKEN, "sessionTOKENvalue",
                       TOKEN.replace("/", "\\/")):
            self.assertNotIn(needle, log)
        self.assertIn("****", log)
        self.assertIn("region", log)        # the rest of the payload is still there

    # -- userinfo --------------------------------------------------------------------------

    def test_url_userinfo_never_in_metrics_or_logs(self):
        srv = self.serve("--log-level", "debug")
        r = srv.request("POST", "/services/Up", "{}", {"Content-Type": "application/json"})
        self.assertEqual(r.status, 200)
        metrics = srv.request("GET", "/metrics", admin=True).body.decode()
        self.assertIn("127.0.0.1", metrics)
        log = self.stopped_log(srv)
        for out in (metrics, log):
            self.assertNotIn(USER_PW, out)
            self.assertNotIn("metricuser:", out)


if __name__ == "__main__":
    unittest.main()
