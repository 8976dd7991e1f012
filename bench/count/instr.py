#!/usr/bin/env python3
"""instr.py - instructions per request (callgrind), which a busy machine
does not disturb: the gateway request through `mediac serve --workers 1`
(the WSO2 invoke request, sequential on one kept-alive connection) and
the sequential libmediac invoke client (bench/bench_host), each measured
at two request counts so that start-up and shutdown cancel out:
(Ir(N2) - Ir(N1)) / (N2 - N1).  With --compare-curl the same binary runs
again with MC_HTTP_CLIENT=curl (the upstream client on libcurl).

    python3 bench/count/instr.py --build build [--n1 100 --n2 300] [--compare-curl]
"""
import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import bench  # noqa: E402

BODY = ('{"accessKeyId":"AKIDBENCH","secretAccessKey":"bench-secret","region":"us-east-1",'
        '"blocking":"false","functionName":"bench-fn","apiVersionInvoke":"2015-03-31",'
        '"payload":{"hello":"bench","n":42}}')


def total_ir(out):
    with open(out) as f:
        for ln in f:
            m = re.match(r"(?:summary|totals):\s*(\d+)", ln)
            if m:
                return int(m.group(1))
    raise RuntimeError("no totals in " + out)


def serve_ir(env, n, extra_env):
    out = os.path.join(bench.work, "cg.serve.%d.%d" % (n, time.monotonic_ns()))
    port, admin = bench.free_port(), bench.free_port()
    e = env.lambda_env()
    e.update(extra_env)
    p = bench.start(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                     env.mediac, "serve", "--port", str(port), "--admin-port", str(admin),
                     "--workers", "1", "--log-level", "error", bench.WSO2_PROXY],
                    env=e, name="cg-serve")
    bench.wait_port(port, timeout=60)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(n):
        c.request("POST", "/services/amazonlambda", BODY,
                  {"Content-Type": "application/json", "Action": "urn:invoke"})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            raise RuntimeError("gateway answered %d" % r.status)
    c.close()
    bench.stop(p, wait=60)
    return total_ir(out)


def host_ir(env, n, extra_env):
    out = os.path.join(bench.work, "cg.host.%d" % n)
    e = env.lambda_env()
    e.update(extra_env)
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, env.host,
                    "1", str(n)], env=dict(os.environ, **e), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
    return total_ir(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--n1", type=int, default=100)
    ap.add_argument("--n2", type=int, default=300)
    ap.add_argument("--compare-curl", action="store_true")
    a = ap.parse_args()
    bench.work = tempfile.mkdtemp(prefix="mc-instr-")
    try:
        args = argparse.Namespace(build=os.path.abspath(a.build), quick=False)
        env = bench.Env(args)
        env.mediac = os.path.join(os.path.abspath(a.build), "src", "cli", "mediac")
        env.start_standin()
        variants = [("curl", {"MC_HTTP_CLIENT": "curl"})] if a.compare_curl else []
        variants.append(("lean" if a.compare_curl else "default", {}))
        for name, extra in variants:
            for what, fn in (("gateway (serve)", serve_ir), ("client (bench_host)", host_ir)):
                i1, i2 = fn(env, a.n1, extra), fn(env, a.n2, extra)
                print("%-8s %-20s %8.0f instructions/request" % (
                    name, what, (i2 - i1) / (a.n2 - a.n1)), flush=True)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
