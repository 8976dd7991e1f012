#!/usr/bin/env python3
"""fault_server.py - a local HTTP/1.1 server that misbehaves on request.

Used by tests/unit/http/test_http_client.c.  Binds 127.0.0.1 on port 0
(or --port), serves HTTPS when given --tls-cert/--tls-key, prints the port
on stdout and serves until SIGTERM, until its
stdin reaches EOF (the test that started it died), or until --max-seconds.

Modes by path (query parameters in brackets; `key` namespaces counters):
  /ok                 200 JSON, plus headers X-Test and two X-Multi
  /echo               200 JSON: method, path, headers, body, peer port
  /stall   [ms]       sleeps ms (default 5000) before answering
  /slow    [ms]       sleeps ms (default 200), tracking concurrency
                      (in_flight / max_concurrency count /slow only)
  /reset   [key]      sends part of a response, then RST (SO_LINGER 0)
  /garbage            writes bytes that are not HTTP, then closes
  /429-then-200 [key, n]  429 the first n (default 2) times per key, then 200
  /503-then-200 [key, n]  same with 503
  /500-always   [key]     always 500
  /huge    [bytes, chunked]  a body of bytes (default 1 MiB) of 'x'
  /count   [key]      JSON {"key": k, "count": requests key got so far}
  /ka-then-close [key]  200 that promises keep-alive, then the server
                      closes the connection (the client's pooled one is stale)
  /http10  [n]        HTTP/1.0 200 with no length: the body (n bytes of
                      'y', default 3000, written in pieces) ends at close
  /chunks             200 chunked in uneven pieces, extension and trailer
  /continue           "100 Continue" and "102 Processing" heads, then 200
  /big-head [bytes]   200 whose head carries bytes (default 200000) of
                      header lines
  /stats   [reset]    JSON {"connections", "requests", "max_concurrency",
                      "in_flight"}; reset=1 zeroes max_concurrency
Every path also counts toward its key (when given).
"""
import argparse
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
STATE = {
    "connections": 0,
    "requests": 0,
    "in_flight": 0,
    "max_concurrency": 0,
    "keys": {},
}


def bump_key(key):
    with LOCK:
        n = STATE["keys"].get(key, 0) + 1
        STATE["keys"][key] = n
        return n


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-server/1"
    # headers and body go out in two writes: without TCP_NODELAY, Nagle
    # holds the body back for the client's delayed ACK (~40 ms a request on
    # a kept-alive connection)
    disable_nagle_algorithm = True

    def setup(self):
        if hasattr(self.request, "do_handshake"):
            self.request.do_handshake()   # TLS: fails here on a bad client
        super().setup()
        with LOCK:
            STATE["connections"] += 1

    def log_message(self, fmt, *args):  # keep the test output clean
        pass

    # -- helpers -----------------------------------------------------------
    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, body, ctype="application/json", extra=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj, extra=()):
        self.send(status, json.dumps(obj), extra=extra)

    def hard_close(self):
        """Close the socket with an RST instead of a FIN."""
        try:
            self.wfile.flush()
        except OSError:
            pass
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        sock.close()
        self.close_connection = True

    # -- dispatch ----------------------------------------------------------
    def handle_any(self):
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        body = self.read_body()
        key = q.get("key")
        count = bump_key(key) if key else 0
        with LOCK:
            STATE["requests"] += 1
        path = url.path

        if path == "/ok":
            self.send_json(200, {"ok": True},
                           extra=[("X-Test", "yes"), ("X-Multi", "a"),
                                  ("X-Multi", "b")])
        elif path == "/echo":
            self.send_json(200, {
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("latin-1"),
                "body_len": len(body),
                "peer_port": self.client_address[1],
            })
        elif path in ("/stall", "/slow"):
            ms = int(q.get("ms", "5000" if path == "/stall" else "200"))
            tracked = path == "/slow"   # stalls outlive their tests
            if tracked:
                with LOCK:
                    STATE["in_flight"] += 1
                    STATE["max_concurrency"] = max(STATE["max_concurrency"],
                                                   STATE["in_flight"])
            try:
                time.sleep(ms / 1000.0)
            finally:
                if tracked:
                    with LOCK:
                        STATE["in_flight"] -= 1
            try:
                self.send_json(200, {"slept_ms": ms})
            except OSError:
                self.close_connection = True  # the client gave up
        elif path == "/reset":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                             b"Content-Length: 1000\r\n\r\npartial")
            self.hard_close()
        elif path == "/garbage":
            self.wfile.write(b"\x00\x01\x02 this is not HTTP at all \xff\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
        elif path in ("/429-then-200", "/503-then-200"):
            n = int(q.get("n", "2"))
            if count <= n:
                st = 429 if path.startswith("/429") else 503
                self.send_json(st, {"error": st, "try": count})
            else:
                self.send_json(200, {"ok": True, "try": count})
        elif path == "/500-always":
            self.send_json(500, {"error": 500, "try": count})
        elif path == "/huge":
            n = int(q.get("bytes", str(1 << 20)))
            if q.get("chunked") == "1":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"x" * 16384
                left = n
                try:
                    while left > 0:
                        part = chunk[:min(left, len(chunk))]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                        left -= len(part)
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    self.close_connection = True
            else:
                try:
                    self.send(200, b"x" * n, ctype="text/plain")
                except OSError:
                    self.close_connection = True
        elif path == "/ka-then-close":
            self.send_json(200, {"ok": True, "try": count})
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif path == "/http10":
            n = int(q.get("n", "3000"))
            out = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
            self.wfile.write(out)
            for i in range(0, n, 1000):
                self.wfile.write(b"y" * min(1000, n - i))
                self.wfile.flush()
                time.sleep(0.005)
            self.close_connection = True
        elif path == "/chunks":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                             b"Content-Type: text/plain\r\n\r\n")
            for part in (b"5;ext=1\r\nhello\r\n", b"1\r\n ", b"\r\n6\r\nwo",
                         b"rld!\r\n0\r\nX-Trailer: t\r\n\r\n"):
                self.wfile.write(part)
                self.wfile.flush()
                time.sleep(0.01)
        elif path == "/continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n"
                             b"HTTP/1.1 102 Processing\r\nX-Early: 1\r\n\r\n")
            self.send_json(200, {"ok": True})
        elif path == "/big-head":
            n = int(q.get("bytes", "200000"))
            self.send_response(200)
            for i in range(0, n, 100):
                self.send_header("X-Pad-%d" % i, "p" * 90)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/count":
            with LOCK:
                n = STATE["keys"].get(key, 0) - 1  # not this request
            self.send_json(200, {"key": key, "count": n})
        elif path == "/stats":
            with LOCK:
                snap = {k: STATE[k] for k in
                        ("connections", "requests", "max_concurrency",
                         "in_flight")}
                if q.get("reset") == "1":
                    STATE["max_concurrency"] = 0
            self.send_json(200, snap)
        else:
            self.send_json(404, {"error": "no such mode", "path": path})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = \
        do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256   # 50 concurrent connects must not overflow

    def handle_error(self, request, client_address):
        pass  # resets and aborted clients are expected here


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--max-seconds", type=float, default=300.0)
    ap.add_argument("--tls-cert", help="serve HTTPS with this PEM cert")
    ap.add_argument("--tls-key", help="and this PEM key")
    args = ap.parse_args()

    srv = Server(("127.0.0.1", args.port), Handler)
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        # the handshake runs in the handler thread, not in accept()
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    print(srv.server_address[1], flush=True)

    def stop(*_):
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def watch_stdin():
        # the parent holds our stdin open; EOF means it went away
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Timer(args.max_seconds, stop).start()
    srv.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
