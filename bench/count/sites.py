#!/usr/bin/env python3
"""sites.py - where one gateway request's heap allocations and instructions
go inside mediac: runs `mediac serve --workers 1` under callgrind against the
nginx Lambda stand-in, warms it up, collects only during N sequential
keep-alive WSO2 invoke requests, and prints per request the instructions
(total and by object: mediac, libc, libcurl, ...), the malloc/calloc/realloc
calls by calling function, and the hottest functions of libmediac.

    python3 bench/count/sites.py --mediac build/src/cli/mediac [--requests 200]
    python3 bench/count/sites.py --mediac ... --connections 64 [--seconds 6]

With --connections, wrk keeps that many connections busy instead (one
worker, so they are all in flight on it at once) and the counts are per
request wrk completed: what only shows under load, such as per-request
objects beyond a pool's size or the allocator's slower paths once its
per-thread cache is full.

Counts, not times: valgrind's instruction counts do not depend on how busy
the machine is.  The table in docs/bench.md ("Allocation sites") comes from
this script.
"""
import argparse
import collections
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import bench  # noqa: E402

ALLOCATORS = ("malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign")


def post(conn):
    conn.request("POST", "/services/amazonlambda", body=bench.INVOKE_BODY,
                 headers={"Content-Type": "application/json", "Action": "urn:invoke"})
    r = conn.getresponse()
    r.read()
    return r.status


def annotate(out_file, args):
    r = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100"] + args +
                       [out_file], capture_output=True, text=True, check=True)
    return r.stdout


def parse_rows(text):
    """(count, function, object) rows of a flat callgrind_annotate listing."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+\([^)]*\)\s+(\S+)(?:\s+\[(.*)\])?\s*$", line)
        if m and m.group(2) != "PROGRAM":
            rows.append((int(m.group(1).replace(",", "")), m.group(2), m.group(3) or "?"))
    return rows


def report(out, a):
    n = a.requests
    total = parse_rows(annotate(out, []))
    by_obj = collections.Counter()
    for cnt, _, obj in total:
        by_obj[os.path.basename(obj)] += cnt
    ir = sum(by_obj.values())
    print("instructions per request: %.0f" % (ir / n))
    for obj, cnt in by_obj.most_common(8):
        print("  %-40s %8.0f  %4.1f %%" % (obj, cnt / n, 100.0 * cnt / ir))
    # callers of the allocators, with call counts
    text = subprocess.run(["callgrind_annotate", "--tree=caller", "--inclusive=yes",
                           "--threshold=100", out], capture_output=True, text=True).stdout
    sites = collections.Counter()
    block = []
    head_re = re.compile(r"\*\s+\S*:(%s)\s+\[\S*libc\.so" % "|".join(ALLOCATORS))
    call_re = re.compile(r"^\s*[\d,]+\s+\([^)]*\)\s+<\s+(\S+)\s+\(([\d,]+)x\)(?:\s+\[(.*)\])?")
    for line in text.splitlines() + [""]:
        if line.strip() == "":
            if block and head_re.search(block[-1]):
                for c in block[:-1]:
                    m = call_re.match(c)
                    if m and "libc.so" not in (m.group(3) or ""):
                        site = m.group(2 - 1).split(":", 1)[-1]
                        sites["%s [%s]" % (site, os.path.basename(m.group(3) or "?"))] += \
                            int(m.group(2).replace(",", ""))
            block = []
            continue
        block.append(line)
    print("allocations per request: %.1f" % (sum(sites.values()) / n))
    for site, cnt in sites.most_common(a.top):
        if cnt / n >= 0.05:
            print("  %6.2f  %s" % (cnt / n, site))
    print("hottest libmediac/mediac functions (self instructions per request):")
    own = 0
    for cnt, fn, obj in sorted(total, reverse=True):
        if "mediac" in os.path.basename(obj) and own < a.top:
            own += 1
            print("  %8.0f  %s" % (cnt / n, fn.split(":", 1)[-1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mediac", required=True)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--keep", help="copy the callgrind output here")
    ap.add_argument("--report", help="only report on a kept callgrind output of --requests requests")
    ap.add_argument("--connections", type=int, help="wrk with this many connections, not N "
                    "sequential requests")
    ap.add_argument("--seconds", type=int, default=6, help="wrk's duration with --connections")
    a = ap.parse_args()
    if a.report:
        return report(a.report, a)
    if not shutil.which("valgrind") or not shutil.which("nginx"):
        sys.exit("needs valgrind and nginx")
    bench.work = tempfile.mkdtemp(prefix="mc-sites-")
    signal.signal(signal.SIGTERM, bench.on_signal)
    try:
        args = argparse.Namespace(build=os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(a.mediac)))), quick=False)
        env = bench.Env(args)
        env.start_standin()
        port, admin = bench.free_port(), bench.free_port()
        out = os.path.join(bench.work, "callgrind.out")
        p = bench.start(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                         "--callgrind-out-file=" + out, os.path.abspath(a.mediac), "serve",
                         "--port", str(port), "--admin-port", str(admin), "--workers", "1",
                         "--log-level", "error", bench.WSO2_PROXY],
                        env=dict(os.environ, **env.lambda_env()), name="serve-sites")
        bench.wait_port(port, timeout=60)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(20):
            assert post(conn) == 200
        url = "http://127.0.0.1:%d/services/amazonlambda" % port
        if a.connections:
            bench.wrk(url, a.connections, 2)
        subprocess.run(["callgrind_control", "-i", "on", str(p.pid)], check=True,
                       capture_output=True)
        if a.connections:
            r = bench.wrk(url, a.connections, a.seconds, threads=1)
            a.requests = r["requests"]
            print("wrk: %d requests over %d connections, %d non-2xx, %d socket errors" % (
                r["requests"], a.connections, r["non2xx"], r["sockerr"]))
        else:
            for _ in range(a.requests):
                assert post(conn) == 200
        subprocess.run(["callgrind_control", "-i", "off", str(p.pid)], check=True,
                       capture_output=True)
        conn.close()
        bench.stop(p, wait=60)
        if a.keep:
            shutil.copy(out, a.keep)
        report(out, a)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
