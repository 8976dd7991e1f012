#!/usr/bin/env python3
"""instr.py - what one call of the sequential libmediac invoke client
(bench/bench_host, built with -Dbench=true) costs: instructions per call
(callgrind), which a busy machine does not disturb, measured at two call
counts so that start-up and shutdown cancel out: (Ir(N2) - Ir(N1)) /
(N2 - N1).  With --compare-curl the same binary runs again with
MC_HTTP_CLIENT=curl (the upstream client on libcurl).  (The gateway's
instructions per request: bench/gateway/callgrind.py, which honours
MC_HTTP_CLIENT from the environment too.)
--floor instead times the sequential client against the round-trip floor
(`wrk -t1 -c1` straight to the stand-in), as bench/run's client scenario
does, alternating runs (and libcurl's with --compare-curl).

    python3 bench/count/instr.py --build build [--n1 100 --n2 300] [--compare-curl] [--floor]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

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


def host_ir(env, n, extra_env):
    out = os.path.join(bench.work, "cg.host.%d" % n)
    e = env.lambda_env()
    e.update(extra_env)
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, env.host,
                    "1", str(n)], env=dict(os.environ, **e), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
    return total_ir(out)


def floor(env, variants, runs):
    url = "http://127.0.0.1:%d/2015-03-31/functions/bench-fn/invocations" % env.standin_port
    for r in range(runs):
        fl = bench.wrk(url, 1, 3, threads=1)["rps"]
        line = "run %d floor %7.0f req/s" % (r + 1, fl)
        for name, extra in variants:
            e = dict(os.environ, **env.lambda_env())
            e.update(extra)
            out = subprocess.run([env.host, "1", "3000"], env=e, check=True, text=True,
                                 capture_output=True).stdout.strip().splitlines()[-1]
            cps = float(re.search(r"calls_per_s=([\d.]+)", out).group(1))
            line += "  %s %7.0f calls/s (%.2f x floor)" % (name, cps, cps / fl)
        print(line, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--n1", type=int, default=100)
    ap.add_argument("--n2", type=int, default=300)
    ap.add_argument("--compare-curl", action="store_true")
    ap.add_argument("--floor", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    bench.work = tempfile.mkdtemp(prefix="mc-instr-")
    try:
        args = argparse.Namespace(build=os.path.abspath(a.build), quick=False)
        env = bench.Env(args)
        env.mediac = os.path.join(os.path.abspath(a.build), "src", "cli", "mediac")
        env.start_standin()
        variants = [("curl", {"MC_HTTP_CLIENT": "curl"})] if a.compare_curl else []
        variants.append(("lean" if a.compare_curl else "default", {}))
        if a.floor:
            floor(env, variants, a.runs)
            return
        for name, extra in variants:
            i1, i2 = host_ir(env, a.n1, extra), host_ir(env, a.n2, extra)
            print("%-8s %8.0f instructions per sequential call" % (
                name, (i2 - i1) / (a.n2 - a.n1)), flush=True)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
