"""test_serve_tls.py - the HTTPS listener of `mediac serve` (--tls-cert,
--tls-key): answers over TLS with the certificate given (verified by the
client against it), keep-alive over one TLS connection, the same framing
rules as plain HTTP (two Content-Lengths: one 400, then closed), a plain
HTTP request on the TLS port gets no answer, and the flags are checked:
one without the other, or a key that does not match, refuse to start.
The TLS settings also come from the --config file, and --https-port
(server.https_port) serves HTTPS beside plain HTTP, as MI serves 8253
beside 8290 (its port under server.defaults = "mi")."""
import re
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest
import http.client

import mc
from serve_helpers import Server, make_cert, port_free, wait_listening

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<proxy name="Echo"><target><inSequence><respond/></inSequence></target></proxy>
</definitions>
"""


@unittest.skipUnless(shutil.which("openssl"), "needs the openssl command")
class TlsListenerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.dir = tempfile.mkdtemp()
        with open(os.path.join(cls.dir, "flows.xml"), "w") as f:
            f.write(FLOWS)
        cls.cert, cls.key = make_cert(cls.dir, "server")
        cls.srv = Server([os.path.join(cls.dir, "flows.xml")], "--workers", "2",
                         "--tls-cert", cls.cert, "--tls-key", cls.key)
        cls.ctx = ssl.create_default_context(cafile=cls.cert)

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        log = cls.srv.log()
        cls.srv.close()
        shutil.rmtree(cls.dir)
        if code != 0:
            raise AssertionError("mediac serve exited %s:\n%s" % (code, log[-3000:]))

    def test_https_answers_with_keep_alive(self):
        c = http.client.HTTPSConnection("127.0.0.1", self.srv.port, context=self.ctx, timeout=10)
        for i in range(3):
            c.request("POST", "/services/Echo", body=b'{"i":%d}' % i,
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.read(), b'{"i":%d}' % i)
        self.assertEqual(c.sock.version() in ("TLSv1.2", "TLSv1.3"), True)
        c.close()

    def test_framing_rules_hold_over_tls(self):
        raw = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
        s = self.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        s.sendall(b"POST /services/Echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                  b"Content-Length: 40\r\n\r\nhelloGET /services/Echo HTTP/1.1\r\nHost: h\r\n\r\n")
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ssl.SSLError, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
        s.close()
        self.assertEqual(out.count(b"HTTP/1.1 "), 1, out)
        self.assertTrue(out.startswith(b"HTTP/1.1 400 "), out)

    def test_plain_http_on_the_tls_port_gets_no_answer(self):
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
        s.sendall(b"GET /services/Echo HTTP/1.1\r\nHost: h\r\n\r\n")
        try:
            out = s.recv(100)
        except ConnectionResetError:
            out = b""
        s.close()
        self.assertFalse(out.startswith(b"HTTP/1.1 200"), out)
        # and the server keeps serving
        c = http.client.HTTPSConnection("127.0.0.1", self.srv.port, context=self.ctx, timeout=10)
        c.request("GET", "/services/Echo")
        self.assertEqual(c.getresponse().status, 200)
        c.close()


def answers_plain(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/services/Echo", body=b'{"plain":1}',
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def answers_tls(port, ctx):
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    c.request("POST", "/services/Echo", body=b'{"tls":1}',
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


@unittest.skipUnless(shutil.which("openssl"), "needs the openssl command")
class HttpsBesideHttpTest(unittest.TestCase):
    def setUp(self):
        mc.require_binary(self)
        self.dir = tempfile.mkdtemp()
        self.flows = os.path.join(self.dir, "flows.xml")
        with open(self.flows, "w") as f:
            f.write(FLOWS)
        self.cert, self.key = make_cert(self.dir, "server")
        self.ctx = ssl.create_default_context(cafile=self.cert)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def config(self, text):
        path = os.path.join(self.dir, "deployment.toml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_tls_settings_from_the_config_file(self):
        # the certificate, key and HTTPS port from deployment.toml: plain
        # HTTP on --port, HTTPS on server.https_port, each refusing the other
        conf = self.config('[server]\ntls_cert = "%s"\ntls_key = "%s"\nhttps_port = 0\n'
                           'workers = 1\n' % (self.cert, self.key))
        srv = Server([self.flows], "--config", conf)
        try:
            m = re.search(r"workers 1 https 127\.0\.0\.1:(\d+)", srv.log())
            self.assertIsNotNone(m, srv.log())
            https = int(m.group(1))
            self.assertNotEqual(https, srv.port)
            self.assertEqual(answers_plain(srv.port), (200, b'{"plain":1}'))
            self.assertEqual(answers_tls(https, self.ctx), (200, b'{"tls":1}'))
            with self.assertRaises(ssl.SSLError):
                answers_tls(srv.port, self.ctx)        # the HTTP port speaks no TLS
            with socket.create_connection(("127.0.0.1", https), timeout=5) as s:
                s.sendall(b"GET /services/Echo HTTP/1.1\r\nHost: x\r\n\r\n")
                try:
                    data = s.recv(100)
                except (ConnectionResetError, socket.timeout):
                    data = b""
                self.assertFalse(data.startswith(b"HTTP/"), data)
        finally:
            code = srv.stop()
            srv.close()
        self.assertEqual(code, 0)

    def test_mi_defaults_serve_https_on_8253(self):
        if not all(port_free(p) for p in (8290, 8253, 9164)):
            self.skipTest("8290, 8253 or 9164 is in use on this machine")
        conf = self.config('[server]\ndefaults = "mi"\nworkers = 1\ntls_cert = "%s"\n'
                           'tls_key = "%s"\n' % (self.cert, self.key))
        log = tempfile.NamedTemporaryFile(delete=False)
        p = subprocess.Popen([mc.BIN, "serve", "--config", conf, self.flows],
                             stdout=subprocess.DEVNULL, stderr=log)
        try:
            text = wait_listening(p, log.name)
            self.assertIn("listening on 127.0.0.1:8290 admin 127.0.0.1:9164 workers 1 "
                          "https 127.0.0.1:8253", text)
            self.assertEqual(answers_plain(8290)[0], 200)
            self.assertEqual(answers_tls(8253, self.ctx)[0], 200)
        finally:
            p.terminate()
            p.wait(20)
            os.unlink(log.name)
        self.assertEqual(p.returncode, 0)

    def test_https_port_needs_a_certificate(self):
        r = mc.run(["serve", "--port", "0", "--admin-port", "0", "--https-port", "0",
                    self.flows], timeout=20)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--https-port (server.https_port) needs --tls-cert", r.stderr)


@unittest.skipUnless(shutil.which("openssl"), "needs the openssl command")
class TlsFlagsTest(unittest.TestCase):
    def test_bad_tls_flags_refuse_to_start(self):
        mc.require_binary(self)
        with tempfile.TemporaryDirectory() as d:
            flows = os.path.join(d, "flows.xml")
            with open(flows, "w") as f:
                f.write(FLOWS)
            cert, key = make_cert(d, "a")
            _, other_key = make_cert(d, "b")
            r = mc.run(["serve", "--port", "0", "--tls-cert", cert, flows], timeout=20)
            self.assertEqual(r.returncode, 2)
            self.assertIn("--tls-cert and --tls-key go together", r.stderr)
            r = mc.run(["serve", "--port", "0", "--admin-port", "0", "--tls-cert", cert,
                        "--tls-key", other_key, flows], timeout=20)
            self.assertEqual(r.returncode, 2)
            self.assertIn("does not match", r.stderr)
            r = mc.run(["serve", "--port", "0", "--admin-port", "0", "--tls-cert",
                        os.path.join(d, "missing.pem"), "--tls-key", key, flows], timeout=20)
            self.assertEqual(r.returncode, 2)
            self.assertIn("cannot load the TLS certificate", r.stderr)


if __name__ == "__main__":
    unittest.main()
