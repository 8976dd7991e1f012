#!/usr/bin/env python3
"""count.py - heap allocations per gateway-style request through mediac serve.

Runs `mediac serve` (one worker) with the WSO2 Amazon Lambda test proxy under
valgrind memcheck, against a local stand-in Lambda that answers every invoke
with a fixed JSON document, sends N requests of bench/gateway/post.lua's
shape, stops the server with SIGTERM and reads valgrind's "total heap usage"
line.  Two runs (N1 and N2 requests) give allocations per request as
(allocs(N2) - allocs(N1)) / (N2 - N1), so start-up and shutdown cancel out.

    bench/alloc/count.py [--mediac PATH] [--n1 20] [--n2 220]
"""
import argparse
import http.client
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from bench import free_port, wait_port  # noqa: E402
SHARED = os.environ.get("MC_SHARED_DIR", os.path.join(ROOT, "..", "shared"))
PROXY = os.path.join(SHARED, "testdata", "wso2-amazonlambda", "amazonlambda-proxy.xml")
BODY = json.dumps({"accessKeyId": "AKIDBENCH", "secretAccessKey": "bench-secret",
                   "region": "us-east-1", "blocking": "false", "functionName": "bench-fn",
                   "apiVersionInvoke": "2015-03-31",
                   "payload": {"hello": "bench", "n": 42}}).encode()


class StandIn(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        out = b'{"StatusCode":200,"hello":"bench","n":42}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


def allocs(mediac, upstream, n):
    port, admin = free_port(), free_port()
    env = dict(os.environ, AWS_ENDPOINT_URL_LAMBDA="http://127.0.0.1:%d" % upstream,
               AWS_ACCESS_KEY_ID="AKIDBENCH", AWS_SECRET_ACCESS_KEY="bench-secret",
               AWS_DEFAULT_REGION="us-east-1")
    argv = ["valgrind", "--tool=memcheck", "--leak-check=no", mediac, "serve",
            "--port", str(port), "--admin-port", str(admin), "--workers", "1",
            "--log-level", "error", PROXY]
    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not wait_port(port, timeout=60):
            raise RuntimeError("mediac serve did not open port %d" % port)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(n):
            c.request("POST", "/services/amazonlambda", body=BODY,
                      headers={"Content-Type": "application/json", "Action": "urn:invoke"})
            r = c.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError("answer %d" % r.status)
        c.close()
    finally:
        p.send_signal(signal.SIGTERM)
        err = p.communicate(timeout=120)[1].decode(errors="replace")
    m = re.search(r"total heap usage: ([\d,]+) allocs, ([\d,]+) frees, ([\d,]+) bytes", err)
    if not m:
        raise RuntimeError("no valgrind summary:\n" + err[-2000:])
    return [int(g.replace(",", "")) for g in m.groups()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mediac", default=os.path.join(ROOT, "build", "src", "cli", "mediac"))
    ap.add_argument("--n1", type=int, default=20)
    ap.add_argument("--n2", type=int, default=220)
    a = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    up = srv.server_address[1]
    a1 = allocs(a.mediac, up, a.n1)
    a2 = allocs(a.mediac, up, a.n2)
    srv.shutdown()
    d = a.n2 - a.n1
    print("allocations per request: %.1f (bytes allocated per request: %.0f)"
          % ((a2[0] - a1[0]) / d, (a2[2] - a1[2]) / d))


if __name__ == "__main__":
    sys.exit(main())
