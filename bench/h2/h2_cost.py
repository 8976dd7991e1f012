#!/usr/bin/env python3
"""h2_cost.py - what a request costs `mediac serve` over HTTP/2 against
HTTP/1.1, with the same client both ways (h2load, from nghttp2-client:
`--h1` for HTTP/1.1) and in one run, so a busy machine disturbs the ratio
little: CPU per request of the server (all threads, /proc schedstat, as
bench/count/cost.py) for a bare answer (a <respond/> proxy) and for the
gateway flow (the WSO2 Amazon Lambda invoke proxy against the nginx
stand-in), at each connection count, one stream at a time per connection
(-m 1) and, over h2, ten streams in flight per connection (-m 10).

    python3 bench/h2/h2_cost.py --mediac build/src/cli/mediac \
        [--connections 16,64] [--requests 40000] [--json OUT]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "count"))
import bench  # noqa: E402
from cost import cpu_ns  # noqa: E402

BARE = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<proxy name="Bare"><target><inSequence><respond/></inSequence></target></proxy>
</definitions>
"""
INVOKE = ('{"accessKeyId":"AKIDBENCH","secretAccessKey":"bench-secret",'
          '"region":"us-east-1","blocking":"false","functionName":"bench-fn",'
          '"apiVersionInvoke":"2015-03-31","payload":{"hello":"bench","n":42}}')


def h2load(url, proto, conns, streams, n, body=None):
    argv = ["h2load", "-n", str(n), "-c", str(conns), "-m", str(streams), "-t", "1"]
    if proto == "h1":
        argv.append("--h1")
    if body:
        argv += ["-d", body, "-H", "Content-Type: application/json",
                 "-H", "Action: urn:invoke"]
    r = subprocess.run(argv + [url], capture_output=True, text=True, timeout=600)
    m = re.search(r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored", r.stdout)
    if not m:
        raise RuntimeError("h2load: " + r.stdout[-800:] + r.stderr[-800:])
    s = re.search(r"status codes: (\d+) 2xx", r.stdout)
    return int(s.group(1)) if s else 0, int(m.group(3)) + int(m.group(4))


def measure(pid, url, proto, conns, streams, n, body):
    h2load(url, proto, conns, streams, max(n // 10, 1000), body)   # warm-up
    pids = bench.proc_tree(pid)
    c0 = cpu_ns(pids)
    ok, bad = h2load(url, proto, conns, streams, n, body)
    c1 = cpu_ns(pids)
    return {"ok": ok, "failed": bad, "cpu_us": (c1 - c0) / 1000.0 / max(ok, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mediac", required=True)
    ap.add_argument("--connections", default="16,64")
    ap.add_argument("--requests", type=int, default=40000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args()
    if not shutil.which("h2load") or not shutil.which("nginx"):
        sys.exit("needs h2load (nghttp2-client) and nginx (the Lambda stand-in)")
    bench.work = tempfile.mkdtemp(prefix="mc-h2-")
    signal.signal(signal.SIGTERM, bench.on_signal)
    rows = []
    try:
        args = argparse.Namespace(build=os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(a.mediac)))), quick=False)
        env = bench.Env(args)
        env.mediac = os.path.abspath(a.mediac)
        env.start_standin()
        bare = os.path.join(bench.work, "bare.xml")
        with open(bare, "w") as f:
            f.write(BARE)
        body = os.path.join(bench.work, "invoke.json")
        with open(body, "w") as f:
            f.write(INVOKE)
        p, port = env.start_serve([bench.WSO2_PROXY, bare], workers=a.workers, name="serve-h2")
        try:
            flows = [("bare", "/services/Bare", None),
                     ("gateway", "/services/amazonlambda", body)]
            for flow, path, data in flows:
                url = "http://127.0.0.1:%d%s" % (port, path)
                for c in [int(x) for x in a.connections.split(",")]:
                    for proto, streams in (("h1", 1), ("h2", 1), ("h2", 10)):
                        r = measure(p.pid, url, proto, c, streams, a.requests, data)
                        r.update(flow=flow, proto=proto, conns=c, streams=streams,
                                 load=os.getloadavg()[0])
                        rows.append(r)
                        print("%-7s %s c=%-3d m=%-2d %6.1f us/req  %d ok %d failed (load %.1f)"
                              % (flow, proto, c, streams, r["cpu_us"], r["ok"], r["failed"],
                                 r["load"]), flush=True)
        finally:
            bench.stop(p)
        by = {(r["flow"], r["proto"], r["conns"], r["streams"]): r for r in rows}
        for flow, _, _ in flows:
            for c in [int(x) for x in a.connections.split(",")]:
                h1 = by[(flow, "h1", c, 1)]["cpu_us"]
                print("ratio %-7s c=%-3d h2/h1 CPU per request: m=1 %.2f, m=10 %.2f" % (
                    flow, c, by[(flow, "h2", c, 1)]["cpu_us"] / h1,
                    by[(flow, "h2", c, 10)]["cpu_us"] / h1))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(rows, f, indent=1)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
