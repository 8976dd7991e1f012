"""test_embed_loop.py - samples/embed/loop_host.c, a host with its own event
loop on the public non-blocking API: eight messages started at once on one
thread, each making two calls to a local upstream that answers after
200 ms.  Every message completes with both answers, and the upstream saw
the calls overlap (its peak concurrency), which a host blocking per
message could not produce from one thread."""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import mc


class Upstream(BaseHTTPRequestHandler):
    lock = threading.Lock()
    active = 0
    peak = 0

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(n) or b"{}")
        with Upstream.lock:
            Upstream.active += 1
            Upstream.peak = max(Upstream.peak, Upstream.active)
        time.sleep(0.2)
        with Upstream.lock:
            Upstream.active -= 1
        out = json.dumps({"i": body.get("i"), "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


FLOW = """<sequence xmlns="http://ws.apache.org/ns/synapse" name="main">
  <call><endpoint><http method="post" uri-template="http://127.0.0.1:%d/one"/></endpoint></call>
  <property name="first" expression="json-eval($.path)"/>
  <call><endpoint><http method="post" uri-template="http://127.0.0.1:%d/two"/></endpoint></call>
  <payloadFactory media-type="json">
    <format>{"i": $1, "first": "$2", "second": "$3"}</format>
    <args><arg evaluator="json" expression="json-eval($.i)"/>
          <arg expression="$ctx:first"/><arg evaluator="json" expression="json-eval($.path)"/></args>
  </payloadFactory>
</sequence>
"""


class LoopHostTest(unittest.TestCase):
    def setUp(self):
        self.host = os.path.join(mc.BUILD, "samples", "embed", "loop_host")
        if not os.path.exists(self.host):
            self.skipTest("loop_host not built")
        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.dir = tempfile.mkdtemp()
        port = self.srv.server_address[1]
        with open(os.path.join(self.dir, "main.xml"), "w") as f:
            f.write(FLOW % (port, port))

    def tearDown(self):
        self.srv.shutdown()
        self.srv.server_close()
        shutil.rmtree(self.dir)

    def test_eight_messages_on_one_thread(self):
        Upstream.peak = 0
        r = subprocess.run([self.host, self.dir, "main", "8"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 8, r.stdout)
        seen = set()
        for line in lines:
            n, status, payload = line.split(" ", 2)
            self.assertEqual(status, "200")
            self.assertEqual(json.loads(payload),
                             {"i": int(n), "first": "/one", "second": "/two"})
            seen.add(int(n))
        self.assertEqual(seen, set(range(8)))
        self.assertGreaterEqual(Upstream.peak, 4, "the calls did not overlap")

    def test_unreachable_upstream_is_a_fault(self):
        with open(os.path.join(self.dir, "main.xml"), "w") as f:
            f.write(FLOW % (1, 1))
        r = subprocess.run([self.host, self.dir, "main", "2"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(sorted(r.stdout.splitlines()), ["0 fault 101503", "1 fault 101503"])


if __name__ == "__main__":
    unittest.main()
