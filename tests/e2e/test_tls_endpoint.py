"""TLS verification for <call>: always on (a self-signed upstream is
refused with fault 101500), off only for a named endpoint that says
mc:tlsVerify="false"; the flag is refused on inline endpoints."""
import json
import os
import shutil
import tempfile
import unittest

import mc
from serve_helpers import TlsJsonUpstream

FLOW = """<definitions xmlns="http://ws.apache.org/ns/synapse"
             xmlns:mc="http://mediac.dev/ns/config">
  <endpoint name="trusting" mc:tlsVerify="false"><address uri="{url}"/></endpoint>
  <endpoint name="strict"><address uri="{url}"/></endpoint>
  <sequence name="viaTrusting"><call><endpoint key="trusting"/></call><respond/></sequence>
  <sequence name="viaStrict"><call><endpoint key="strict"/></call><respond/></sequence>
</definitions>
"""


@unittest.skipUnless(shutil.which("openssl"), "needs the openssl command")
class TlsEndpointTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.upstream = TlsJsonUpstream(cls.dir, {"secure": "yes"})
        cls.flow = os.path.join(cls.dir, "flow.xml")
        with open(cls.flow, "w") as f:
            f.write(FLOW.format(url="https://127.0.0.1:%d/" % cls.upstream.port))

    @classmethod
    def tearDownClass(cls):
        cls.upstream.stop()
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
