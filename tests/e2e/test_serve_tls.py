"""test_serve_tls.py - the HTTPS listener of `mediac serve` (--tls-cert,
--tls-key): answers over TLS with the certificate given (verified by the
client against it), keep-alive over one TLS connection, the same framing
rules as plain HTTP (two Content-Lengths: one 400, then closed), a plain
HTTP request on the TLS port gets no answer, and the flags are checked:
one without the other, or a key that does not match, refuse to start."""
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest
import http.client

import mc
from serve_helpers import Server

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<proxy name="Echo"><target><inSequence><respond/></inSequence></target></proxy>
</definitions>
"""


def make_cert(folder, name):
    key, cert = os.path.join(folder, name + ".key"), os.path.join(folder, name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


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
