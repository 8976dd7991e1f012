"""fault_upstream.py - a local misbehaving upstream for the fault matrix
(tests/e2e/test_faults.py) and the soak bench.

A raw-socket threaded server on a free loopback port.  The behaviour is
chosen by the first path segment that names a mode, so it works both for
`<call>` endpoints (`http://127.0.0.1:PORT/stall`) and for the Lambda
connector pointed here with AWS_ENDPOINT_URL_LAMBDA (the function name is
the mode: `/2015-03-31/functions/stall/invocations`):

  ok        200, a small JSON body (the request body's length in it)
  stall     reads the request, then answers nothing until the client leaves
  reset     reads the request, then closes with a TCP RST (SO_LINGER 0)
  garbage   answers bytes that are not HTTP, then closes
  close     closes without answering anything
  429       429 TooManyRequestsException (JSON, x-amzn-ErrorType, Retry-After)
  500/502/503  that status with a JSON error body
  huge      200 with Content-Length 200 MiB and a few bytes (the client must
            refuse by the length)
  hugechunk 200 chunked, streaming 1 MiB chunks until the client goes
            (must stop at the client's 64 MiB limit)
  slow      answers after ?ms=N (default 200)

Anything else answers 404.  Counts per mode are kept in `hits`, and every
Authorization header value received in `authorizations` (the secrets test
scans output for them).
Stop it with stop(); it stops every connection thread it started.
"""
import json
import re
import socket
import struct
import threading
import time
import urllib.parse

MODES = ("ok", "stall", "reset", "garbage", "close", "429", "500", "502", "503",
         "huge", "hugechunk", "slow")


def _mode_of(path):
    for seg in urllib.parse.urlsplit(path).path.split("/"):
        if seg in MODES:
            return seg
    return None


class FaultUpstream:
    def __init__(self, host="127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(256)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.hits = {}
        self.authorizations = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.conns = set()
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    # -- lifecycle ---------------------------------------------------------

    def stop(self):
        self.stopping.set()
        try:
            self.sock.close()
        except OSError:
            pass
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def count(self, mode):
        with self.lock:
            return self.hits.get(mode, 0)

    # -- serving -----------------------------------------------------------

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read_request(self, conn, buf):
        """One request from conn (buf: bytes already read).  Returns
        (method, target, headers, body, rest) or None at EOF."""
        while b"\r\n\r\n" not in buf:
            data = conn.recv(65536)
            if not data:
                return None
            buf += data
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target = lines[0].split(" ")[:2]
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length") or 0)
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body, rest = self._read_chunked(conn, rest)
        else:
            while len(rest) < length:
                data = conn.recv(65536)
                if not data:
                    return None
                rest += data
            body, rest = rest[:length], rest[length:]
        return method, target, headers, body, rest

    def _read_chunked(self, conn, buf):
        body = b""
        while True:
            while b"\r\n" not in buf:
                buf += conn.recv(65536)
            size_line, _, buf = buf.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(buf) < size + 2:
                buf += conn.recv(65536)
            body += buf[:size]
            buf = buf[size + 2:]
            if size == 0:
                return body, buf

    def _serve(self, conn):
        buf = b""
        try:
            while not self.stopping.is_set():
                req = self._read_request(conn, buf)
                if req is None:
                    return
                method, target, headers, body, buf = req
                mode = _mode_of(target)
                with self.lock:
                    self.hits[mode] = self.hits.get(mode, 0) + 1
                    if "authorization" in headers:
                        self.authorizations.append(headers["authorization"])
                if not self._answer(conn, mode, target, body):
                    return
        except (OSError, ValueError, IndexError):
            pass
        finally:
            with self.lock:
                self.conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    @staticmethod
    def _send(conn, status, reason, body, extra=()):
        head = ["HTTP/1.1 %d %s" % (status, reason),
                "Content-Type: application/json",
                "Content-Length: %d" % len(body)] + list(extra)
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def _answer(self, conn, mode, target, body):
        """Answer one request; False when the connection must end."""
        if mode == "ok":
            self._send(conn, 200, "OK", json.dumps({"upstream": "ok",
                                                    "received": len(body)}).encode())
            return True
        if mode == "slow":
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
            time.sleep(int(q.get("ms", ["200"])[0]) / 1000.0)
            self._send(conn, 200, "OK", b'{"upstream":"slow"}')
            return True
        if mode == "stall":
            while not self.stopping.is_set():        # until the client leaves
                try:
                    conn.settimeout(0.2)
                    if conn.recv(1) == b"":
                        return False
                except socket.timeout:
                    continue
            return False
        if mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if mode == "garbage":
            conn.sendall(b"this is not HTTP at all \x00\xff\r\n\r\n{{{")
            return False
        if mode == "close":
            return False
        if mode == "429":
            self._send(conn, 429, "Too Many Requests",
                       b'{"__type":"TooManyRequestsException","message":"Rate exceeded",'
                       b'"Reason":"ConcurrentInvocationLimitExceeded"}',
                       ["x-amzn-ErrorType: TooManyRequestsException", "Retry-After: 1"])
            return True
        if mode in ("500", "502", "503"):
            status = int(mode)
            self._send(conn, status, "Error",
                       json.dumps({"__type": "ServiceException",
                                   "message": "upstream says %d" % status}).encode(),
                       ["x-amzn-ErrorType: ServiceException"])
            return True
        if mode == "huge":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 209715200\r\n\r\n[0,0,0,0")
            return False
        if mode == "hugechunk":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"x" * (1 << 20)
            frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
            for _ in range(200):                     # 200 MiB at most
                conn.sendall(frame)
            conn.sendall(b"0\r\n\r\n")
            return False
        self._send(conn, 404, "Not Found", b'{"message":"no such mode"}')
        return True


def closed_port():
    """A loopback port with nothing listening (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


if __name__ == "__main__":     # run standalone: prints its URL, serves until ^C
    up = FaultUpstream()
    print(up.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        up.stop()
