"""TLS verification for <call>: always on (a self-signed upstream is
refused with fault 101500), off only for a named endpoint that says
mc:tlsVerify="false"; the flag is refused on inline endpoints."""
import http.server
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import unittest

import mc

FLOW = """<definitions xmlns="http://ws.apache.org/ns/synapse"
             xmlns:mc="http://mediac.dev/ns/config">
  <endpoint name="trusting" mc:tlsVerify="false"><address uri="{url}"/></endpoint>
  <endpoint name="strict"><address uri="{url}"/></endpoint>
  <sequence name="viaTrusting"><call><endpoint key="trusting"/></call><respond/></sequence>
  <sequence name="viaStrict"><call><endpoint key="strict"/></call><respond/></sequence>
</definitions>
"""


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b'{"secure":"yes"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@unittest.skipUnless(shutil.which("openssl"), "needs the openssl command")
class TlsEndpointTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        key, cert = os.path.join(cls.dir, "k.pem"), os.path.join(cls.dir, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
                       check=True, capture_output=True)
        cls.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        cls.httpd.socket = ctx.wrap_socket(cls.httpd.socket, server_side=True)
        threading.Thread(target=cls.httpd.serve_forever, daemon=True).start()
        cls.flow = os.path.join(cls.dir, "flow.xml")
        with open(cls.flow, "w") as f:
            f.write(FLOW.format(url="https://127.0.0.1:%d/" % cls.httpd.server_address[1]))

    @classmethod
    def tearDownClass(cls):
        cls.httpd.shutdown()
        cls.httpd.server_close()
        shutil.rmtree(cls.dir)

    def setUp(self):
        mc.require_binary(self)

    def test_named_endpoint_may_turn_verification_off(self):
        r = mc.run(["run", "--sequence", "viaTrusting", "--payload", "-", self.flow], stdin="{}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"secure": "yes"})
        self.assertIn("TLS certificate verification is off for endpoint 'trusting'", r.stderr)

    def test_verification_is_on_by_default(self):
        r = mc.run(["run", "--sequence", "viaStrict", "--payload", "-", self.flow], stdin="{}")
        self.assertEqual(r.returncode, 1, r.stdout)
        err = json.loads([l for l in r.stderr.splitlines() if l.startswith("{")][-1])
        self.assertEqual(err["ERROR_CODE"], "101500")

    def test_flag_only_on_named_endpoints(self):
        bad = os.path.join(self.dir, "bad.xml")
        with open(bad, "w") as f:
            f.write('<sequence xmlns="http://ws.apache.org/ns/synapse" '
                    'xmlns:mc="http://mediac.dev/ns/config" name="main">\n'
                    '  <call><endpoint mc:tlsVerify="false"><address uri="https://x/"/>'
                    '</endpoint></call>\n</sequence>\n')
        r = mc.run(["validate", bad])
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.xml:2:9: error: mc:tlsVerify is only allowed on a named <endpoint> artifact",
                      r.stdout)


if __name__ == "__main__":
    unittest.main()
