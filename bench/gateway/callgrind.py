#!/usr/bin/env python3
"""callgrind.py - instructions per request of the gateway's JSON path:
`mediac serve` (one worker, under valgrind --tool=callgrind) runs the WSO2
Amazon Lambda proxy for N sequential JSON invoke requests (the gateway
scenario's request, bench/gateway/post.lua) against a local stand-in of
the Lambda API (a stdlib HTTP server answering {"ok":true}; its CPU is not
counted).  Start-up is measured by a run with no request and subtracted.
Instruction counts, unlike requests/s, are stable on a shared machine, so
two builds compare directly (docs/core.md, "Message formats").

  bench/gateway/callgrind.py MEDIAC [MEDIAC...] [--requests N]

Prints, per binary, the instructions (Ir) per request."""
import argparse
import http.client
import http.server
import os
import re
import signal
import socket
import socketserver
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("MC_SHARED_DIR") or os.path.join(ROOT, "..", "shared")
PROXY = os.path.join(SHARED, "testdata", "wso2-amazonlambda", "amazonlambda-proxy.xml")
BODY = (b'{"accessKeyId":"AKIDBENCH","secretAccessKey":"bench-secret","region":"us-east-1",'
        b'"blocking":"false","functionName":"bench-fn","apiVersionInvoke":"2015-03-31",'
        b'"payload":{"hello":"bench","n":42}}')


class _Lambda(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        out = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def instructions(mediac, requests, upstream, work):
    port, admin = free_port(), free_port()
    out = os.path.join(work, "callgrind.%d.out" % requests)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDBENCH", AWS_SECRET_ACCESS_KEY="bench-secret",
               AWS_REGION="us-east-1", AWS_ENDPOINT_URL_LAMBDA="http://127.0.0.1:%d" % upstream)
    env.setdefault("MEDIAC_CONNECTOR_PATH", os.path.join(ROOT, "connector"))
    p = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, mediac,
                          "serve", "--port", str(port), "--admin-port", str(admin), "--workers",
                          "1", "--log-level", "error", PROXY], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or p.poll() is not None:
                    raise RuntimeError("mediac serve did not start under valgrind")
                time.sleep(0.1)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(requests):
            c.request("POST", "/services/amazonlambda", BODY,
                      {"Content-Type": "application/json", "Action": "urn:invoke"})
            r = c.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError("the gateway answered %d" % r.status)
        c.close()
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(120)
    with open(out) as f:
        return sum(int(m.group(1)) for m in re.finditer(r"^summary: (\d+)", f.read(), re.M))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mediac", nargs="+")
    ap.add_argument("--requests", type=int, default=300)
    a = ap.parse_args()
    up = _Server(("127.0.0.1", 0), _Lambda)
    threading.Thread(target=up.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory(prefix="mediac-cg-") as work:
            for m in a.mediac:
                base = instructions(m, 0, up.server_address[1], work)
                total = instructions(m, a.requests, up.server_address[1], work)
                print("%s: %d Ir per request (%d requests; start-up %d Ir)"
                      % (m, (total - base) // a.requests, a.requests, base))
    finally:
        up.shutdown()
        up.server_close()


if __name__ == "__main__":
    main()
