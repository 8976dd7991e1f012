"""test_serve_http2.py - HTTP/2 on `mediac serve`'s traffic port (src/http/h2.c),
with real clients: curl (--http2-prior-knowledge on the plain port, --http2
over TLS with ALPN, --parallel multiplexed on one connection), nghttp
(several streams on one connection) and a raw frame writer for what no
client sends (a content-length that disagrees with DATA, connection-specific
fields, a reset flood).  The answers (status, headers, body) equal
HTTP/1.1's for the same flows: API routing, 404, 405 with Allow, a fault,
202 when nothing answers.  The limits: --max-body (413), --max-header (431,
and SETTINGS_MAX_HEADER_LIST_SIZE), --max-concurrent (SETTINGS and 503),
--request-timeout per stream (408), --idle-timeout (GOAWAY), GOAWAY on the
SIGTERM drain with the stream in progress answered, --no-http2, and
`Upgrade: h2c` served as HTTP/1.1."""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

import mc
from serve_helpers import Server, SlowUpstream, make_cert, request

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<proxy name="Echo"><target><inSequence><respond/></inSequence></target></proxy>
<proxy name="Nothing"><target><inSequence><log/></inSequence></target></proxy>
<proxy name="Down"><target><inSequence>
  <call><endpoint><address uri="http://127.0.0.1:1/down"/></endpoint></call><respond/>
</inSequence></target></proxy>
<proxy name="Down2"><target><inSequence>
  <call><endpoint><address uri="http://127.0.0.1:1/down"/></endpoint></call><respond/>
</inSequence></target></proxy>
<proxy name="Slow"><target><inSequence>
  <call><endpoint><address uri="http://127.0.0.1:SLOWPORT/slow"/></endpoint></call><respond/>
</inSequence></target></proxy>
<api name="Pets" context="/pets">
  <resource methods="GET" uri-template="/{id}"><inSequence>
    <payloadFactory media-type="json"><format>{"id":"$1","q":"$2"}</format>
      <args><arg expression="$ctx:uri.var.id"/><arg expression="$url:q"/></args>
    </payloadFactory>
    <property name="X-Pet" value="yes" scope="transport"/>
    <respond/>
  </inSequence></resource>
</api>
</definitions>
"""

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY = 0, 1, 3, 4, 6, 7
END_STREAM, END_HEADERS = 0x1, 0x4
PROTOCOL_ERROR, ENHANCE_YOUR_CALM = 1, 11
HAVE_CLIENTS = shutil.which("curl") and shutil.which("nghttp") and shutil.which("openssl")


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


def hpack(fields):
    """Literal fields without indexing, new names, no Huffman (RFC 7541 6.2.2)."""
    out = b""
    for name, value in fields:
        name, value = name.encode(), value.encode()
        assert len(name) < 127 and len(value) < 127
        out += b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value
    return out


HUFFMAN_DIGITS = [(0x0, 5), (0x1, 5), (0x2, 5), (0x19, 6), (0x1a, 6), (0x1b, 6), (0x1c, 6),
                  (0x1d, 6), (0x1e, 6), (0x1f, 6)]   # RFC 7541 Appendix B


def has_status(block, code):
    """Whether a response header block carries :status code, as HPACK
    encodes one not in the static table: a literal (with, without or never
    indexing) of name 8, the value raw or Huffman-coded."""
    bits, n = 0, 0
    for d in str(code):
        c, k = HUFFMAN_DIGITS[int(d)]
        bits, n = (bits << k) | c, n + k
    pad = (8 - n % 8) % 8
    huff = ((bits << pad) | ((1 << pad) - 1)).to_bytes((n + pad) // 8, "big")
    raw = str(code).encode()
    return any(first + value in block for first in (b"\x48", b"\x08", b"\x18")
               for value in (bytes([len(raw)]) + raw, bytes([0x80 | len(huff)]) + huff))


def request_fields(method, path, extra=()):
    return [(":method", method), (":scheme", "http"), (":path", path),
            (":authority", "127.0.0.1")] + list(extra)


class RawH2:
    """A client that writes frames as given and reads the server's frames."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0))

    def send(self, *frames):
        self.sock.sendall(b"".join(frames))

    def frames(self, until, limit=20000):
        """Read frames until until(frame) is true or the server closes;
        returns the frames read as (type, flags, stream, payload)."""
        got = []
        while len(got) < limit:
            while len(self.buf) >= 9:
                n = struct.unpack(">I", b"\0" + self.buf[:3])[0]
                if len(self.buf) < 9 + n:
                    break
                f = (self.buf[3], self.buf[4], struct.unpack(">I", self.buf[5:9])[0] & 0x7fffffff,
                     self.buf[9:9 + n])
                self.buf = self.buf[9 + n:]
                got.append(f)
                if f[0] == SETTINGS and not f[1] & 1:
                    self.send(frame(SETTINGS, 1, 0))
                if until(f):
                    return got
            chunk = self.sock.recv(65536)
            if not chunk:
                got.append(None)
                return got
            self.buf += chunk
        return got

    def close(self):
        self.sock.close()


def rst_code(f):
    return struct.unpack(">I", f[3][:4])[0]


def goaway_code(f):
    return struct.unpack(">I", f[3][4:8])[0]


def curl(*args, timeout=30, stdin=None):
    """curl -i: (status, [(name, value)], body, http_version) of the last answer."""
    p = subprocess.run(["curl", "-sS", "-i", "-w", "\n%{http_version}"] + list(args),
                       capture_output=True, timeout=timeout, stdin=stdin)
    out = p.stdout
    text, _, version = out.rpartition(b"\n")
    head, _, body = text.replace(b"\r\n", b"\n").partition(b"\n\n")
    lines = head.decode().split("\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/") else 0
    headers = [tuple(x.strip() for x in l.split(":", 1)) for l in lines[1:] if ":" in l]
    return status, headers, body, version.decode()


def comparable(headers):
    """Header names lower-cased, without what differs per answer or per protocol."""
    skip = {"date", "activityid", "connection", "keep-alive"}
    return sorted((n.lower(), v) for n, v in headers if n.lower() not in skip)


@unittest.skipUnless(HAVE_CLIENTS, "needs curl, nghttp (nghttp2-client) and openssl")
class Http2Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.dir = tempfile.mkdtemp()
        cls.upstream = SlowUpstream(delay_ms=300)
        cls.flows = os.path.join(cls.dir, "flows.xml")
        with open(cls.flows, "w") as f:
            f.write(FLOWS.replace("SLOWPORT", str(cls.upstream.port)))
        cls.cert, cls.key = make_cert(cls.dir, "h2")
        cls.srv = Server([cls.flows], "--workers", "2", "--max-body", "4096",
                         "--max-header", "2048", "--request-timeout", "1500",
                         "--idle-timeout", "2", "--tls-cert", cls.cert, "--tls-key", cls.key,
                         "--https-port", "0")
        cls.https = int(re.search(r"https 127\.0\.0\.1:(\d+)", cls.srv.log()).group(1))

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        log = cls.srv.log()
        cls.srv.close()
        cls.upstream.stop()
        shutil.rmtree(cls.dir)
        if code != 0:
            raise AssertionError("mediac serve exited %s:\n%s" % (code, log[-3000:]))

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.srv.port, path)

    def test_answers_equal_http11_for_the_same_flows(self):
        cases = [("GET", "/pets/7?q=a%20b", None, 200), ("GET", "/nope", None, 404),
                 ("POST", "/pets/7", "{}", 405), ("POST", "/services/Echo", '{"a":[1,2]}', 200),
                 ("POST", "/services/Nothing", "{}", 202), ("GET", "/services/Down", None, None),
                 ("HEAD", "/pets/3", None, None)]
        for method, path, body, want in cases:
            args = ["-X", method, self.url(path)] if method != "HEAD" else ["-I", self.url(path)]
            if body:
                args += ["-H", "Content-Type: application/json", "--data-binary", body]
            one = curl("--http1.1", *args)
            if path == "/services/Down":   # its own endpoint: not suspended by the first call
                args = [a.replace("Down", "Down2") for a in args]
            two = curl("--http2-prior-knowledge", *args)
            with self.subTest(method=method, path=path):
                self.assertEqual(one[3], "1.1")
                self.assertEqual(two[3], "2")
                if want:
                    self.assertEqual(two[0], want)
                self.assertEqual(two[0], one[0])
                self.assertEqual(two[2], one[2])
                self.assertEqual(comparable(two[1]), comparable(one[1]))
        allow = dict(comparable(curl("--http2-prior-knowledge", "-X", "POST",
                                     self.url("/pets/7"))[1]))
        self.assertEqual(allow.get("allow"), "GET")
        down = curl("--http2-prior-knowledge", "-X", "POST", self.url("/services/Down2"))
        self.assertIn(b"303001", down[2])   # the endpoint suspended after the failure

    def test_tls_alpn_h2_multiplexed_on_one_connection(self):
        urls = ["https://127.0.0.1:%d/pets/%d" % (self.https, i) for i in range(6)]
        p = subprocess.run(["curl", "-sS", "--http2", "--parallel", "--cacert", self.cert,
                            "-w", "%{http_code} %{http_version} %{num_connects}\n",
                            "-o", "/dev/null"] + sum([[u, "-o", "/dev/null"] for u in urls[1:]],
                                                     [urls[0]]),
                           capture_output=True, timeout=30, text=True)
        lines = [l.split() for l in p.stdout.split("\n") if l.strip()]
        self.assertEqual(len(lines), 6, p.stdout + p.stderr)
        self.assertEqual({(l[0], l[1]) for l in lines}, {("200", "2")})
        self.assertEqual(sum(int(l[2]) for l in lines), 1)   # one connection for all six
        # a client that offers only http/1.1 gets it
        one = curl("--http1.1", "--cacert", self.cert, urls[0])
        self.assertEqual((one[0], one[3]), (200, "1.1"))

    def test_nghttp_streams_in_flight_together(self):
        """Six streams to a flow waiting 300 ms on its upstream: all suspended
        at once on one connection, each answered."""
        before = self.upstream.max_in_flight
        self.upstream.max_in_flight = 0
        p = subprocess.run(["nghttp", "-v", "-n", "-m", "6", self.url("/services/Slow")],
                           capture_output=True, timeout=30, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout.count(":status: 200"), 6, p.stdout[-2000:])
        self.assertGreaterEqual(self.upstream.max_in_flight, 4)
        self.upstream.max_in_flight = max(before, self.upstream.max_in_flight)

    def test_settings_carry_the_limits(self):
        v = subprocess.run(["nghttp", "-v", "-n", self.url("/pets/1")], capture_output=True,
                           timeout=30, text=True).stdout
        self.assertIn("SETTINGS_MAX_CONCURRENT_STREAMS(0x03):128", v)
        self.assertIn("SETTINGS_MAX_HEADER_LIST_SIZE(0x06):2048", v)

    def test_body_over_max_body_is_413(self):
        """413, then RST_STREAM NO_ERROR: stop sending (RFC 9113 8.1; nginx
        does the same, and curl 7.88 reports it as error 92 when the reset
        comes before it finished uploading, so nghttp is the client here)."""
        big = os.path.join(self.dir, "big")
        with open(big, "wb") as f:
            f.write(b"y" * 20000)
        v = subprocess.run(["nghttp", "-v", "-d", big, self.url("/services/Echo")],
                           capture_output=True, timeout=30, text=True).stdout
        self.assertIn(":status: 413", v)
        self.assertIn("request body exceeds 4096 bytes", v)
        # without a content-length: counted over DATA frames
        h = RawH2(self.srv.port)
        try:
            h.send(frame(HEADERS, END_HEADERS, 1, hpack(request_fields("POST", "/services/Echo"))),
                   *[frame(DATA, 0, 1, b"z" * 1000) for _ in range(5)])
            got = h.frames(lambda f: f[0] == RST_STREAM)
            heads = [f for f in got if f and f[0] == HEADERS]
            self.assertTrue(heads and has_status(heads[0][3], 413), got)
            self.assertEqual((got[-1][0], rst_code(got[-1])), (RST_STREAM, 0))
        finally:
            h.close()
        ok = curl("--http2-prior-knowledge", "-H", "Content-Type: text/plain", "--data-binary",
                  "x" * 4000, self.url("/services/Echo"))
        self.assertEqual((ok[0], ok[2]), (200, b"x" * 4000))

    def test_header_list_over_max_header_is_431(self):
        status, _, _, _ = curl("--http2-prior-knowledge", "-H", "X-Big: " + "b" * 3000,
                               self.url("/pets/1"))
        self.assertEqual(status, 431)
        self.assertEqual(curl("--http2-prior-knowledge", "-H", "X-Big: " + "b" * 1000,
                              self.url("/pets/1"))[0], 200)

    def test_content_length_that_disagrees_with_data_is_a_stream_error(self):
        h = RawH2(self.srv.port)
        try:
            fields = request_fields("POST", "/services/Echo", [("content-length", "10")])
            h.send(frame(HEADERS, END_HEADERS, 1, hpack(fields)),
                   frame(DATA, END_STREAM, 1, b"abc"))
            got = h.frames(lambda f: f[0] == RST_STREAM and f[2] == 1)
            self.assertEqual(got[-1][0], RST_STREAM, got)
            self.assertEqual(rst_code(got[-1]), PROTOCOL_ERROR)
            self.assertFalse([f for f in got if f and f[0] == HEADERS])
            # the connection serves on: a good request on stream 3
            h.send(frame(HEADERS, END_HEADERS | END_STREAM, 3,
                         hpack(request_fields("GET", "/pets/2"))))
            got = h.frames(lambda f: f[0] == DATA and f[2] == 3)
            self.assertEqual(got[-1][3], b'{"id":"2","q":""}')
        finally:
            h.close()

    def test_connection_specific_fields_are_refused(self):
        for name, value in (("connection", "keep-alive"), ("transfer-encoding", "chunked"),
                            ("upgrade", "h2c"), ("te", "gzip"), ("keep-alive", "5"),
                            ("proxy-connection", "close")):
            h = RawH2(self.srv.port)
            try:
                h.send(frame(HEADERS, END_HEADERS | END_STREAM, 1,
                             hpack(request_fields("GET", "/pets/1", [(name, value)]))))
                got = h.frames(lambda f: f[0] in (RST_STREAM, HEADERS) and f[2] == 1)
                with self.subTest(field=name):
                    self.assertEqual(got[-1][0], RST_STREAM)
                    self.assertEqual(rst_code(got[-1]), PROTOCOL_ERROR)
            finally:
                h.close()

    def test_request_without_authority_or_host_is_refused(self):
        """As HTTP/1.1 without Host (400): a stream error."""
        h = RawH2(self.srv.port)
        try:
            h.send(frame(HEADERS, END_HEADERS | END_STREAM, 1,
                         hpack([(":method", "GET"), (":scheme", "http"), (":path", "/pets/1")])))
            got = h.frames(lambda f: f[0] in (RST_STREAM, HEADERS) and f[2] == 1)
            self.assertEqual((got[-1][0], rst_code(got[-1])), (RST_STREAM, PROTOCOL_ERROR))
        finally:
            h.close()

    def test_stream_not_received_in_time_is_408(self):
        """Per stream: the one whose body stops gets 408, the connection and a
        stream opened after it are served."""
        h = RawH2(self.srv.port)
        try:
            h.send(frame(HEADERS, END_HEADERS, 1, hpack(request_fields("POST", "/services/Echo"))),
                   frame(DATA, 0, 1, b"part"))
            got = h.frames(lambda f: f[0] == RST_STREAM and f[2] == 1)
            heads = [f for f in got if f and f[0] == HEADERS and f[2] == 1]
            self.assertTrue(heads and has_status(heads[0][3], 408), got)
            body = b"".join(f[3] for f in got if f and f[0] == DATA and f[2] == 1)
            self.assertIn(b"request timeout", body)
            h.send(frame(HEADERS, END_HEADERS | END_STREAM, 3,
                         hpack(request_fields("GET", "/pets/4"))))
            got = h.frames(lambda f: f[0] == DATA and f[2] == 3)
            self.assertEqual(got[-1][3], b'{"id":"4","q":""}')
        finally:
            h.close()

    def test_idle_connection_gets_goaway_then_closed(self):
        h = RawH2(self.srv.port)
        try:
            got = h.frames(lambda f: f[0] == GOAWAY)
            self.assertEqual(got[-1][0], GOAWAY, got)
            self.assertEqual(goaway_code(got[-1]), 0)
            self.assertIsNone(h.frames(lambda f: False)[-1])   # then the end
        finally:
            h.close()

    def test_reset_flood_is_bounded(self):
        """Streams opened and reset at once while their flows wait on the
        upstream (rapid reset): GOAWAY ENHANCE_YOUR_CALM, and the server
        answers others."""
        h = RawH2(self.srv.port)
        try:
            block = hpack(request_fields("GET", "/services/Slow"))
            frames = []
            for i in range(600):
                sid = 1 + 2 * i
                frames.append(frame(HEADERS, END_HEADERS | END_STREAM, sid, block))
                frames.append(frame(RST_STREAM, 0, sid, struct.pack(">I", 8)))
            try:
                h.send(*frames)
            except OSError:
                pass
            got = h.frames(lambda f: f[0] == GOAWAY)
            self.assertEqual(got[-1][0], GOAWAY, got[-3:])
            self.assertEqual(goaway_code(got[-1]), ENHANCE_YOUR_CALM)
        finally:
            h.close()
        self.assertEqual(request(self.srv.port, "GET", "/pets/9").status, 200)

    def test_upgrade_h2c_is_served_as_http11(self):
        status, _, body, version = curl("--http2", self.url("/pets/5"))
        self.assertEqual((status, version), (200, "1.1"))
        self.assertEqual(body, b'{"id":"5","q":""}')


@unittest.skipUnless(HAVE_CLIENTS, "needs curl, nghttp (nghttp2-client) and openssl")
class Http2ServerLifeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.dir = tempfile.mkdtemp()
        cls.upstream = SlowUpstream(delay_ms=800)
        cls.flows = os.path.join(cls.dir, "flows.xml")
        with open(cls.flows, "w") as f:
            f.write(FLOWS.replace("SLOWPORT", str(cls.upstream.port)))

    @classmethod
    def tearDownClass(cls):
        cls.upstream.stop()
        shutil.rmtree(cls.dir)

    def test_admission_over_connections_is_503(self):
        srv = Server([self.flows], "--workers", "1", "--max-concurrent", "3")
        try:
            url = "http://127.0.0.1:%d/services/Slow" % srv.port
            procs = [subprocess.Popen(["nghttp", "-v", "-n", "-m", "3", url],
                                      stdout=subprocess.PIPE, text=True) for _ in range(2)]
            outs = [p.communicate(timeout=30)[0] for p in procs]
            joined = "".join(outs)
            self.assertIn("SETTINGS_MAX_CONCURRENT_STREAMS(0x03):3", joined)
            self.assertEqual(joined.count(":status: 200") + joined.count(":status: 503"), 6,
                             joined[-2000:])
            self.assertGreaterEqual(joined.count(":status: 503"), 1)
            self.assertGreaterEqual(joined.count(":status: 200"), 3)
        finally:
            self.assertEqual(srv.stop(), 0)
            srv.close()

    def test_sigterm_sends_goaway_and_finishes_the_stream(self):
        srv = Server([self.flows], "--workers", "1", "--drain-timeout", "10")
        try:
            p = subprocess.Popen(["nghttp", "-v", "-n",
                                  "http://127.0.0.1:%d/services/Slow" % srv.port],
                                 stdout=subprocess.PIPE, text=True)
            deadline = time.time() + 10
            count = self.upstream.in_flight
            while self.upstream.in_flight == count and time.time() < deadline:
                time.sleep(0.02)
            srv.signal(signal.SIGTERM)
            out = p.communicate(timeout=30)[0]
            self.assertIn("recv GOAWAY", out)
            self.assertIn(":status: 200", out)
            self.assertEqual(srv.stop(), 0, srv.log())
        finally:
            srv.close()

    def test_inbound_endpoint_speaks_http2_too(self):
        """MI's http inbound endpoint: its own port, the same server, h2c."""
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        path = os.path.join(self.dir, "inbound.xml")
        with open(path, "w") as f:
            f.write('<definitions xmlns="http://ws.apache.org/ns/synapse">'
                    '<inboundEndpoint name="in" protocol="http" sequence="inSeq" '
                    'suspend="false"><parameters><parameter name="inbound.http.port">%d'
                    '</parameter></parameters></inboundEndpoint>'
                    '<sequence name="inSeq"><payloadFactory media-type="json">'
                    '<format>{"inbound":true}</format><args/></payloadFactory><respond/>'
                    '</sequence></definitions>' % port)
        srv = Server([path], "--workers", "1")
        try:
            deadline = time.time() + 10
            while "inbound endpoint in listening" not in srv.log() and time.time() < deadline:
                time.sleep(0.05)
            status, _, body, version = curl("--http2-prior-knowledge",
                                            "http://127.0.0.1:%d/any" % port)
            self.assertEqual((status, body, version), (200, b'{"inbound":true}', "2"))
        finally:
            self.assertEqual(srv.stop(), 0)
            srv.close()

    def test_no_http2_serves_http11_only(self):
        cert, key = make_cert(self.dir, "h2")
        srv = Server([self.flows], "--workers", "1", "--no-http2")
        tls = Server([self.flows], "--workers", "1", "--no-http2", "--tls-cert", cert,
                     "--tls-key", key)
        try:
            status, _, _, _ = curl("--http2-prior-knowledge",
                                   "http://127.0.0.1:%d/pets/1" % srv.port)
            self.assertNotEqual(status, 200)
            raw = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            raw.sendall(PREFACE)
            self.assertTrue(raw.recv(100).startswith(b"HTTP/1.1 505"))
            raw.close()
            status, _, _, version = curl("--http2", "--cacert", cert,
                                         "https://127.0.0.1:%d/pets/1" % tls.port)
            self.assertEqual((status, version), (200, "1.1"))
        finally:
            self.assertEqual(srv.stop(), 0)
            self.assertEqual(tls.stop(), 0)
            srv.close()
            tls.close()


if __name__ == "__main__":
    unittest.main()
