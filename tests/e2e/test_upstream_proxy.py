"""test_upstream_proxy.py - upstream calls through a real forward proxy
(tinyproxy, as a corporate proxy in front of AWS would be): the WSO2
Lambda proxy's signed invoke goes through it when http_proxy is set, an
https `<call>` goes through its CONNECT tunnel when HTTPS_PROXY is set,
NO_PROXY sends the call straight to the upstream, and a proxy that is down
gives the same fault as an upstream that is down.  tinyproxy logs every
request it carries (the proof that the call went through it) and adds a
Via header to the plain-HTTP requests it forwards (the proof the upstream
saw it from the proxy).  Rules: docs/http.md, "Which transport carries a
request"."""
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import lambda_env as le
import mc

INVOKE = {"accessKeyId": le.ACCESS_KEY, "secretAccessKey": le.SECRET_KEY,
          "region": le.REGION, "blocking": "false", "functionName": "echo",
          "apiVersionInvoke": "2015-03-31", "payload": {"via": "proxy"}}

CALL_FLOW = """<definitions xmlns="http://ws.apache.org/ns/synapse">
  <sequence name="callTls">
    <call><endpoint><address uri="{url}"/></endpoint></call>
    <respond/>
  </sequence>
  <api name="tls" context="/tls">
    <resource methods="POST"><inSequence><sequence key="callTls"/></inSequence></resource>
  </api>
</definitions>
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Tinyproxy:
    """tinyproxy in the foreground on a free loopback port, logging at Info
    level into a temp file; stopped by its PID."""

    def __init__(self, folder):
        self.port = free_port()
        self.logfile = os.path.join(folder, "tinyproxy-%d.log" % self.port)
        conf = os.path.join(folder, "tinyproxy-%d.conf" % self.port)
        with open(conf, "w") as f:
            # no ConnectPort line: CONNECT is allowed to every port
            f.write("Port %d\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\n"
                    "LogFile \"%s\"\nLogLevel Info\nAllow 127.0.0.1\n"
                    % (self.port, self.logfile))
        self.proc = subprocess.Popen(["tinyproxy", "-d", "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise AssertionError("tinyproxy did not start")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def log(self):
        try:
            with open(self.logfile, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class _TlsHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.dumps({"tls": "yes"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@unittest.skipUnless(shutil.which("tinyproxy"), "needs tinyproxy (scripts/install-deps)")
class UpstreamProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        le.require_tools()
        cls.dir = tempfile.mkdtemp(prefix="mediac-proxy-")
        cls.world = le.LambdaWorld(standin=True)
        cls.tiny = Tinyproxy(cls.dir)
        # a TLS upstream with a self-signed certificate, trusted through
        # SSL_CERT_FILE (the CA store both transports read)
        key, cert = os.path.join(cls.dir, "k.pem"), os.path.join(cls.dir, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        cls.cert = cert
        cls.tls = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TlsHandler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        cls.tls.socket = ctx.wrap_socket(cls.tls.socket, server_side=True)
        threading.Thread(target=cls.tls.serve_forever, daemon=True).start()
        cls.tls_port = cls.tls.server_address[1]
        cls.flows = os.path.join(cls.dir, "flows")
        os.mkdir(cls.flows)
        with open(os.path.join(cls.flows, "tls.xml"), "w") as f:
            f.write(CALL_FLOW.format(url="https://127.0.0.1:%d/answer" % cls.tls_port))

    @classmethod
    def tearDownClass(cls):
        cls.tls.shutdown()
        cls.tls.server_close()
        cls.tiny.stop()
        cls.world.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def serve_wso2(self, extra, endpoint=None):
        return self.world.serve([le.WSO2_PROXY], endpoint=endpoint or self.world.standin.url,
                                chain=False, extra=extra)

    def invoke(self, srv):
        return srv.post("/services/amazonlambda", INVOKE, {"Action": "urn:invoke"})

    def standin_requests(self, since):
        return self.world.standin.records[since:]

    def test_signed_invoke_goes_through_http_proxy(self):
        for var in ("http_proxy", "HTTP_PROXY"):
            with self.subTest(var=var):
                before_log, before = len(self.tiny.log()), len(self.world.standin.records)
                srv = self.serve_wso2({var: self.tiny.url})
                try:
                    r = self.invoke(srv)
                finally:
                    le.stop_all([srv])
                self.assertEqual(r.status, 200, r.body)
                self.assertEqual(r.json(), {"via": "proxy"})
                got = self.standin_requests(before)
                self.assertEqual(len(got), 1)
                self.assertTrue(got[0].verdict != "rejected", got[0].message)
                self.assertTrue(any(n.lower() == "via" and "tinyproxy" in v
                                    for n, v in got[0].headers), got[0].headers)
                carried = self.tiny.log()[before_log:]
                self.assertIn("/2015-03-31/functions/echo/invocations", carried)

    def test_no_proxy_goes_straight_to_the_upstream(self):
        for proxy_var, no_proxy_var in (("http_proxy", "NO_PROXY"), ("HTTP_PROXY", "no_proxy")):
            with self.subTest(proxy=proxy_var, no_proxy=no_proxy_var):
                before_log, before = len(self.tiny.log()), len(self.world.standin.records)
                srv = self.serve_wso2({proxy_var: self.tiny.url, "HTTPS_PROXY": self.tiny.url,
                                       no_proxy_var: "localhost,127.0.0.1"})
                try:
                    r = self.invoke(srv)
                finally:
                    le.stop_all([srv])
                self.assertEqual(r.status, 200, r.body)
                got = self.standin_requests(before)
                self.assertEqual(len(got), 1)
                self.assertFalse(any(n.lower() == "via" for n, _ in got[0].headers),
                                 got[0].headers)
                self.assertNotIn("/functions/echo/invocations", self.tiny.log()[before_log:])

    def test_https_call_goes_through_the_connect_tunnel(self):
        before_log = len(self.tiny.log())
        env = self.world.env({"HTTPS_PROXY": self.tiny.url, "SSL_CERT_FILE": self.cert})
        srv = le.Serve([self.flows], env)
        try:
            r = srv.post("/tls", {"x": 1})
        finally:
            le.stop_all([srv])
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"tls": "yes"})
        self.assertIn("CONNECT 127.0.0.1:%d" % self.tls_port, self.tiny.log()[before_log:])

    def test_proxy_down_answers_like_upstream_down(self):
        closed = "http://127.0.0.1:%d" % free_port()
        srv = self.serve_wso2({"http_proxy": closed})
        try:
            via_dead_proxy = self.invoke(srv)
        finally:
            le.stop_all([srv])
        srv = self.serve_wso2({}, endpoint=closed)
        try:
            dead_upstream = self.invoke(srv)
        finally:
            le.stop_all([srv])
        self.assertGreaterEqual(via_dead_proxy.status, 500)
        self.assertEqual(via_dead_proxy.status, dead_upstream.status)
        a, b = via_dead_proxy.json(), dead_upstream.json()
        self.assertEqual(set(a), set(b))
        for key in ("code", "errorCode", "ERROR_CODE"):
            if key in a:
                self.assertEqual(a[key], b[key])


if __name__ == "__main__":
    unittest.main()
