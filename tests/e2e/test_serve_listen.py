"""test_serve_listen.py - the listening sockets of `mediac serve`
(src/http/server.c: one SO_REUSEPORT socket a worker, or one shared with
--shared-listener): with --workers 1, 2 and 4, in both modes, four
keep-alive connections a worker open at once, each with several requests,
are all answered (no worker refuses while another has room); SIGTERM then
exits 0 and the port refuses connections (every worker stopped accepting
and the socket closed with the last one); and an http inbound endpoint
still answers after a SIGHUP reload, with the new configuration (its new
server joins the port the old one holds while it drains, instead of
failing with "address already in use").  Tests poll with a deadline and
never assert on durations."""
import http.client
import json
import os
import signal
import socket
import tempfile
import threading
import unittest

import mc
from serve_helpers import Server, request, wait_for
from harness.moto_server import free_port


FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<api name="Echo" context="/echo"><resource methods="POST"><inSequence>
  <payloadFactory media-type="json"><format>{"n":$1}</format>
    <args><arg expression="json-eval($.n)"/></args></payloadFactory>
  <respond/>
</inSequence></resource></api>
</definitions>
"""

INBOUND = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<inboundEndpoint name="in" protocol="http" sequence="inSeq" suspend="false">
  <parameters><parameter name="inbound.http.port">%d</parameter></parameters>
</inboundEndpoint>
<sequence name="inSeq"><payloadFactory media-type="json">
  <format>{"version":%d}</format><args/></payloadFactory><respond/></sequence>
</definitions>
"""


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return False
    except ConnectionRefusedError:
        return True


class TestWorkersShareTheListener(unittest.TestCase):
    def setUp(self):
        mc.require_binary(self)
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "flows.xml")
        with open(self.path, "w") as f:
            f.write(FLOWS)

    def tearDown(self):
        self.tmp.cleanup()

    def test_every_connection_answered_then_sigterm_closes_the_port(self):
        for workers, shared in [(w, s) for w in (1, 2, 4) for s in (False, True)]:
            with self.subTest(workers=workers, shared=shared):
                srv = Server([self.path], "--workers", str(workers),
                             *(["--shared-listener"] if shared else []))
                try:
                    conns = [http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
                             for _ in range(4 * workers)]
                    for c in conns:
                        c.connect()
                    answers, errors = [], []

                    def client(i, c):
                        try:
                            for k in range(5):
                                n = i * 10 + k
                                c.request("POST", "/echo", json.dumps({"n": n}),
                                          {"Content-Type": "application/json"})
                                r = c.getresponse()
                                answers.append((r.status, json.loads(r.read()), n))
                        except Exception as e:    # recorded, asserted below
                            errors.append(repr(e))

                    threads = [threading.Thread(target=client, args=(i, c))
                               for i, c in enumerate(conns)]
                    for t in threads:
                        t.start()
                    for t in threads:
                        t.join()
                    self.assertEqual(errors, [])
                    self.assertEqual(len(answers), 20 * workers)
                    for status, body, n in answers:
                        self.assertEqual((status, body), (200, {"n": n}))
                    port = srv.port
                    for c in conns:
                        c.close()
                    self.assertEqual(srv.stop(), 0)
                    self.assertTrue(refused(port))
                finally:
                    srv.close()


class TestInboundEndpointReload(unittest.TestCase):
    def test_inbound_endpoint_answers_after_sighup_with_the_new_flow(self):
        mc.require_binary(self)
        with tempfile.TemporaryDirectory() as d:
            port = free_port()
            path = os.path.join(d, "flows.xml")
            with open(path, "w") as f:
                f.write(INBOUND % (port, 1))
            srv = Server([path])
            try:
                wait_for(lambda: "inbound endpoint in listening" in srv.log(), "the inbound")
                r = request(port, "GET", "/x")
                self.assertEqual((r.status, r.json()), (200, {"version": 1}))
                with open(path, "w") as f:
                    f.write(INBOUND % (port, 2))
                srv.signal(signal.SIGHUP)
                wait_for(lambda: srv.log().count("inbound endpoint in listening") == 2,
                         "the reloaded inbound")
                self.assertNotIn("cannot listen", srv.log())

                def answers_version_2():
                    # the old server may take a connection until it closes
                    try:
                        r = request(port, "GET", "/x", timeout=5)
                    except OSError:
                        return False
                    return (r.status, r.json()) == (200, {"version": 2})
                wait_for(answers_version_2, "the reloaded flow's answer")
                self.assertEqual(srv.stop(), 0)
            finally:
                srv.close()


if __name__ == "__main__":
    unittest.main()
