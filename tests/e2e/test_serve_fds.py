"""mediac serve with more than 1,024 descriptors open: upstream sockets then
get numbers above FD_SETSIZE, which an fd_set-based loop cannot watch (and
FD_SET on them overflows). The worker waits with poll() through
mc_http_wait(), so <call>s keep flowing promptly at any descriptor number."""
import concurrent.futures
import os
import resource
import socket
import tempfile
import unittest

import mc
from serve_helpers import Server, SlowUpstream

FLOW = """<api xmlns="http://ws.apache.org/ns/synapse" name="Up" context="/up">
  <resource methods="GET" uri-template="/{ms}">
    <inSequence>
      <call><endpoint><http uri-template="http://127.0.0.1:PORT/x?ms={uri.var.ms}">
          <suspendOnFailure><errorCodes>-1</errorCodes></suspendOnFailure>
          <markForSuspension><errorCodes>-1</errorCodes></markForSuspension></http></endpoint></call>
      <respond/>
    </inSequence>
  </resource>
</api>
"""


class ManyDescriptorsTest(unittest.TestCase):
    def test_calls_flow_with_upstream_sockets_above_1024(self):
        mc.require_binary(self)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 4096:
            self.skipTest("needs a descriptor limit of at least 4096")
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096, hard))   # inherited by serve
        upstream = SlowUpstream(delay_ms=50)
        idle = []
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "up.xml"), "w") as f:
                f.write(FLOW.replace("PORT", str(upstream.port)))
            # with nothing else going on, an unwatched upstream socket would
            # wait for the loop's next timer and be cut off at the request
            # timeout (504); a watched one answers at once
            srv = Server([d], "--workers", "1", "--max-concurrent", "2000",
                         "--idle-timeout", "120", "--request-timeout", "700")
            try:
                # 1,100 open keep-alive connections push serve's next
                # descriptors past 1,024; one answered request on each proves
                # serve accepted it (accepting is asynchronous)
                for _ in range(1100):
                    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
                    idle.append(s)
                for s in idle:
                    s.sendall(b"GET /none HTTP/1.1\r\nHost: t\r\n\r\n")
                    self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 404"))
                fds = os.listdir("/proc/%d/fd" % srv.proc.pid)
                self.assertGreater(len(fds), 1024)
                for _ in range(5):                   # one at a time: no other wake-ups
                    r = srv.request("GET", "/up/0")
                    self.assertEqual(r.status, 200, r.body[:200])
                with upstream.lock:
                    upstream.max_in_flight = 0
                with concurrent.futures.ThreadPoolExecutor(30) as ex:
                    replies = list(ex.map(lambda _: srv.request("GET", "/up/50"), range(60)))
                self.assertEqual([r.status for r in replies], [200] * 60)
                self.assertTrue(all(r.json()["upstream"] for r in replies))
                # the one worker held many upstream calls at once: they were
                # watched by its poll, not left to curl's timer one by one
                self.assertGreater(upstream.max_in_flight, 10)
            finally:
                for s in idle:
                    s.close()
                rc = srv.stop()
                log = srv.log()
                srv.close()
                upstream.stop()
                resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
            self.assertEqual(rc, 0, log[-2000:])


if __name__ == "__main__":
    unittest.main()
