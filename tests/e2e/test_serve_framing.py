"""test_serve_framing.py - HTTP framing of `mediac serve` as strict as nginx's
(issue 11 §2 and the server parts of §3), each checked with a raw-socket
client: smuggling shapes (two Content-Lengths, "5, 5", Content-Length with
Transfer-Encoding, whitespace before the colon) get one 400 and a closed
connection; unknown transfer codings 501 at once; HTTP/1.1 without Host,
two Hosts and non-token methods 400; absolute-form targets routed by their
path; 500 query parameters answered; an over-limit body written whole
before reading still gets its 413 (lingering close); HTTP_SC outside
200-599 gives 500; a second server on a used port fails; trickled bodies
are cut off by --request-timeout (408) so their slots free up; and the
admin port answers /healthz with a thousand idle connections open.  Plus
the ordinary framing that must keep working: keep-alive, pipelining,
chunked bodies, Expect: 100-continue, HEAD."""
import os
import resource
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import mc
from serve_helpers import Server

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<proxy name="Echo"><target><inSequence><respond/></inSequence></target></proxy>
<proxy name="Status"><target><inSequence>
  <property name="HTTP_SC" expression="json-eval($.sc)" scope="axis2"/>
  <respond/>
</inSequence></target></proxy>
<api name="Q" context="/q"><resource methods="GET HEAD"><inSequence>
  <payloadFactory media-type="json"><format>{"p499":"$1"}</format>
    <args><arg expression="$url:p499"/></args></payloadFactory>
  <respond/>
</inSequence></resource></api>
</definitions>
"""


def raw(port, data, timeout=10, shut=False):
    """Send data, read until the server closes (or timeout).  Returns
    (bytes read, closed by the server)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return out, False
            except ConnectionResetError:
                return out, True
            if not chunk:
                return out, True
            out += chunk
    finally:
        s.close()


def statuses(data):
    return [int(line.split()[1]) for line in data.split(b"\r\n")
            if line.startswith(b"HTTP/1.1 ")]


class FramingCase(unittest.TestCase):
    flags = ["--workers", "2", "--max-body", "1024"]

    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.dir = tempfile.TemporaryDirectory()
        with open(os.path.join(cls.dir.name, "flows.xml"), "w") as f:
            f.write(FLOWS)
        cls.srv = Server([cls.dir.name], *cls.flags)

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        log = cls.srv.log()
        cls.srv.close()
        cls.dir.cleanup()
        if code != 0:
            raise AssertionError("mediac serve exited %s:\n%s" % (code, log[-3000:]))

    def refused(self, head, status, tail=b""):
        out, closed = raw(self.srv.port, head + tail)
        self.assertEqual(statuses(out), [status], out)
        self.assertTrue(closed, "connection left open after %d" % status)
        self.assertIn(b'"ERROR_CODE":"%d"' % status, out)
        return out


class TestSmuggling(FramingCase):
    def test_two_different_content_lengths(self):
        # today's libmicrohttpd served the body as a second, smuggled request
        self.refused(b"POST /services/Echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                     b"Content-Length: 42\r\n\r\n",
                     400, b"helloGET /services/Echo HTTP/1.1\r\nHost: h\r\n\r\n")

    def test_content_length_list_gets_one_header_block(self):
        out = self.refused(b"POST /services/Echo HTTP/1.1\r\nHost: h\r\n"
                           b"Content-Length: 5, 5\r\n\r\n", 400, b"hello")
        self.assertEqual(out.count(b"Content-Type:"), 1, out)

    def test_content_length_and_transfer_encoding(self):
        self.refused(b"POST /services/Echo HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n",
                     400, b"0\r\n\r\nGET /services/Echo HTTP/1.1\r\nHost: h\r\n\r\n")

    def test_whitespace_before_colon(self):
        self.refused(b"POST /services/Echo HTTP/1.1\r\nHost: h\r\n"
                     b"Transfer-Encoding : chunked\r\n\r\n", 400, b"0\r\n\r\n")

    def test_unknown_transfer_coding_is_501_at_once(self):
        # the socket timeout (10 s) is the failure: libmicrohttpd hung 60 s
        self.refused(b"POST /services/Echo HTTP/1.1\r\nHost: h\r\n"
                     b"Transfer-Encoding: gzip\r\n\r\n", 501)
        self.refused(b"POST /services/Echo HTTP/1.1\r\nHost: h\r\n"
                     b"Transfer-Encoding: gzip, chunked\r\n\r\n", 501)

    def test_host_rules_and_methods(self):
        self.refused(b"GET /services/Echo HTTP/1.1\r\n\r\n", 400)
        self.refused(b"GET /services/Echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)
        self.refused(b"G(T /services/Echo HTTP/1.1\r\nHost: h\r\n\r\n", 400)
        self.refused(b"GET /services/Echo HTTP/3.0\r\nHost: h\r\n\r\n", 505)
        self.refused(b"GET /services/Echo HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400)
        # HTTP/1.0 needs no Host
        out, _ = raw(self.srv.port, b"GET /services/Echo HTTP/1.0\r\n\r\n")
        self.assertEqual(statuses(out), [200])

    def test_refusals_are_logged(self):
        self.refused(b"G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400)
        deadline = time.time() + 10
        while b"400" not in self.srv.log().encode() and time.time() < deadline:
            time.sleep(0.05)
        self.assertRegex(self.srv.log(), r"access G\(T / 400 ")   # as received


class TestTargetsAndLimits(FramingCase):
    def test_absolute_form_is_routed_by_path(self):
        out, _ = raw(self.srv.port, b"GET http://example.com/services/Echo HTTP/1.1\r\n"
                                    b"Host: example.com\r\nConnection: close\r\n\r\n")
        self.assertEqual(statuses(out), [200], out)

    def test_500_query_parameters_are_answered(self):
        query = "&".join("p%d=%d" % (i, i) for i in range(500))
        self.assertLess(len(query), 8192)
        with urllib.request.urlopen("http://127.0.0.1:%d/q?%s" % (self.srv.port, query),
                                    timeout=10) as r:
            self.assertEqual(r.status, 200)
            self.assertEqual(r.read(), b'{"p499":"499"}')

    def test_over_limit_body_written_whole_still_gets_413(self):
        # urllib writes the whole body before it reads: without a lingering
        # close it got a broken pipe (or a reset) instead of the answer
        req = urllib.request.Request("http://127.0.0.1:%d/services/Echo" % self.srv.port,
                                     data=b"x" * (4 << 20), method="POST",
                                     headers={"Content-Type": "text/plain"})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=20)
        self.assertEqual(cm.exception.code, 413)
        self.assertIn(b'"ERROR_CODE":"413"', cm.exception.read())

    def test_over_limit_chunked_body_written_whole_still_gets_413(self):
        body = b"".join(b"1000\r\n" + b"y" * 4096 + b"\r\n" for _ in range(256)) + b"0\r\n\r\n"
        out, closed = raw(self.srv.port, b"POST /services/Echo HTTP/1.1\r\nHost: h\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n" + body, timeout=20)
        self.assertEqual(statuses(out), [413])
        self.assertTrue(closed)

    def test_headers_over_limit(self):
        out, closed = raw(self.srv.port, b"GET /services/Echo HTTP/1.1\r\nHost: h\r\nX-Big: "
                          + b"a" * 100000 + b"\r\n\r\n")
        self.assertEqual(statuses(out), [431])
        out, closed = raw(self.srv.port, b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n")
        self.assertEqual(statuses(out), [414])

    def test_http_sc_outside_200_599_is_500(self):
        for sc, want in ((201, 201), (100, 500), (199, 500), (600, 500), (1000, 500)):
            body = b'{"sc":%d}' % sc
            out, _ = raw(self.srv.port, b"POST /services/Status HTTP/1.1\r\nHost: h\r\n"
                         b"Content-Type: application/json\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            self.assertEqual(statuses(out), [want], (sc, out))
            if want == 500:
                self.assertIn(b"HTTP_SC to a value that is not an HTTP status", out)
        self.assertIn("HTTP_SC '1000' is not a status from 200 to 599", self.srv.log())


class TestOrdinaryFraming(FramingCase):
    def test_keep_alive_and_pipelining(self):
        one = b"GET /services/Echo HTTP/1.1\r\nHost: h\r\n\r\n"
        last = b"GET /services/Echo HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        out, closed = raw(self.srv.port, one + one + last)
        self.assertEqual(statuses(out), [200, 200, 200])
        self.assertTrue(closed)

    def test_chunked_body_and_continue(self):
        out, _ = raw(self.srv.port, b"POST /services/Echo HTTP/1.1\r\nHost: h\r\n"
                     b"Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
                     b"Connection: close\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n")
        self.assertEqual(statuses(out), [200])
        self.assertTrue(out.endswith(b"hello world"), out)
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
        s.sendall(b"POST /services/Echo HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n"
                  b"Content-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
        self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n"))
        s.sendall(b"ok")
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        s.close()
        self.assertEqual(statuses(out), [200])
        self.assertTrue(out.endswith(b"ok"))

    def test_head_has_no_body(self):
        out, _ = raw(self.srv.port, b"HEAD /q HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        self.assertEqual(statuses(out), [200])
        self.assertTrue(out.endswith(b"\r\n\r\n"), out)
        self.assertIn(b"Content-Length: 11\r\n", out)   # {"p499":""}


class TestPortInUse(unittest.TestCase):
    def test_second_server_on_a_used_port_fails(self):
        mc.require_binary(self)
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "flows.xml"), "w") as f:
                f.write(FLOWS)
            first = Server([d], "--workers", "2")
            try:
                r = mc.run(["serve", "--port", str(first.port), "--admin-port", "0", d],
                           timeout=20)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("address already in use", r.stderr)
                r = mc.run(["serve", "--port", "0", "--admin-port", str(first.admin_port), d],
                           timeout=20)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("address already in use", r.stderr)
                out, _ = raw(first.port, b"GET /services/Echo HTTP/1.0\r\n\r\n")
                self.assertEqual(statuses(out), [200])
            finally:
                self.assertEqual(first.stop(), 0)
                first.close()


class TestTricklingBodies(FramingCase):
    flags = ["--workers", "1", "--max-concurrent", "2", "--request-timeout", "1000"]

    def test_request_timeout_covers_the_body(self):
        # two clients take both slots and trickle their bodies; the request
        # timeout answers them 408 and a third client then gets its answer
        socks = []
        for _ in range(2):
            s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
            s.sendall(b"POST /services/Echo HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: 100\r\n\r\nx")
            socks.append(s)
        got = []
        for s in socks:
            out = b""
            try:
                while True:
                    try:
                        s.sendall(b"x")
                    except OSError:
                        pass
                    s.settimeout(0.3)
                    try:
                        chunk = s.recv(65536)
                    except socket.timeout:
                        continue
                    if not chunk:
                        break
                    out += chunk
            except OSError:
                pass
            got.append(out)
            s.close()
        for out in got:
            self.assertIn(statuses(out), ([408], []), out)
        self.assertTrue(any(statuses(out) == [408] for out in got), got)
        out, _ = raw(self.srv.port, b"GET /services/Echo HTTP/1.1\r\nHost: h\r\n"
                                    b"Connection: close\r\n\r\n")
        self.assertEqual(statuses(out), [200])


class TestAdminUnderIdleConnections(unittest.TestCase):
    def test_healthz_answered_with_1030_idle_connections(self):
        mc.require_binary(self)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 4096:
            self.skipTest("needs a descriptor limit of at least 4096")
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096, hard))
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "flows.xml"), "w") as f:
                f.write(FLOWS)
            srv = Server([d], "--workers", "1")
            idle = []
            try:
                for _ in range(1030):
                    idle.append(socket.create_connection(("127.0.0.1", srv.admin_port),
                                                         timeout=10))
                r = srv.request("GET", "/healthz", admin=True, timeout=10)
                self.assertEqual(r.status, 200)
                self.assertEqual(r.json()["status"], "ready")   # MI's readiness document
                # and the traffic port is untouched
                out, _ = raw(srv.port, b"GET /services/Echo HTTP/1.0\r\n\r\n")
                self.assertEqual(statuses(out), [200])
            finally:
                for s in idle:
                    s.close()
                self.assertEqual(srv.stop(), 0)
                srv.close()


if __name__ == "__main__":
    unittest.main()
