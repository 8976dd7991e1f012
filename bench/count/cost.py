#!/usr/bin/env python3
"""cost.py - what one gateway request costs mediac serve and a 2-worker
nginx reverse proxy, measured in one run against the same nginx Lambda
stand-in: CPU per request (all threads and child processes, from
/proc/PID/task/*/schedstat), requests/s, heap allocations and frees per
request (alloc_counter.so preloaded into both servers), system calls per
request (`perf stat -e raw_syscalls:sys_enter`, or `strace -c -f` when perf
may not count), the share of the CPU spent in user space, and voluntary /
involuntary context switches per request (/proc/PID/task/*/stat, status).  The load is `wrk -t1 -cN` with bench/gateway/post.lua (the
WSO2 invoke request), N = 16, 64, 256 by default.

    python3 bench/count/cost.py --mediac build-bench/src/cli/mediac \
        [--connections 16,64,256] [--seconds 5] [--runs 1] [--json OUT]
        [--host-name localhost]

--host-name addresses the stand-in by that name in mediac's Lambda
endpoint (default 127.0.0.1): a name reaches the lean upstream client
through its resolver cache (src/http/resolve.c) after the first request.

Prints one table row per server and connection count, and the ratios
mediac / nginx.  bench/run's scenario "cost" calls measure_all(); while
developing, run it alone: allocation and syscall counts do not depend on
how busy the machine is, CPU per request much less than requests/s do.
"""
import argparse
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import bench  # noqa: E402


def build_counter(d):
    so = os.path.join(d, "alloc_counter.so")
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", so,
                    os.path.join(HERE, "alloc_counter.c")], check=True)
    return so


def read_allocs(path):
    """(allocations, frees) summed over alloc_counter.c's per-thread slots."""
    with open(path, "rb") as f:
        data = f.read()
    a = fr = 0
    for off in range(0, len(data) - 63, 64):
        sa, sf, _, _ = struct.unpack_from("<4Q", data, off)
        a += sa
        fr += sf
    return a, fr


def cpu_ns(pids):
    total = 0
    for pid in pids:
        for t in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                    total += int(f.read().split()[0])
            except OSError:
                pass
    return total


def sched_counts(pids):
    """(user ticks, system ticks, voluntary, involuntary context switches)
    summed over every thread: where a server's CPU goes (its own code or the
    kernel) and how often it sleeps or is preempted."""
    ut = st = vol = invol = 0
    for pid in pids:
        for t in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ut, st = ut + int(fields[11]), st + int(fields[12])
                with open("/proc/%d/task/%s/status" % (pid, t)) as f:
                    for line in f:
                        if line.startswith("voluntary_ctxt_switches"):
                            vol += int(line.split()[1])
                        elif line.startswith("nonvoluntary_ctxt_switches"):
                            invol += int(line.split()[1])
            except OSError:
                pass
    return ut, st, vol, invol


def perf_works():
    if not shutil.which("perf"):
        return False
    r = subprocess.run(["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "--", "true"],
                       capture_output=True, text=True)
    return r.returncode == 0 and re.search(r"^\d+,", r.stderr, re.M) is not None


class SyscallCounter:
    """Counts the system calls of a set of processes (all their threads)
    while it is running: perf stat (cheap) or strace -c -f (slow)."""

    def __init__(self, pids, use_perf, d):
        self.out = os.path.join(d, "sys.%d.txt" % pids[0])
        if use_perf:
            argv = ["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-o", self.out,
                    "-p", ",".join(str(p) for p in pids)]
        else:
            argv = ["strace", "-f", "-c", "-o", self.out] + sum((["-p", str(p)] for p in pids), [])
        self.perf = use_perf
        self.p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)       # attached

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        self.p.wait(30)
        with open(self.out) as f:
            text = f.read()
        if self.perf:
            m = re.search(r"^(\d+),", text, re.M)
            return int(m.group(1)), {}
        by = {}
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 5 and parts[-1] != "total" and parts[3].isdigit():
                by[parts[-1]] = int(parts[3])
        return sum(by.values()), by


def wrk(url, conns, seconds):
    r = subprocess.run(["wrk", "-t1", "-c%d" % conns, "-d%ds" % seconds, "--timeout", "10s",
                        "-s", bench.POST_LUA, url], capture_output=True, text=True,
                       timeout=seconds + 60)
    out = r.stdout
    n = int(re.search(r"(\d+) requests in", out).group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors += sum(int(x) for x in m.groups()) if m else 0
    return n, errors


def measure(pid, url, conns, seconds, counts, use_perf, d):
    wrk(url, conns, 1)                                  # warm-up: connections, pools
    pids = bench.proc_tree(pid)     # after it: nginx's workers may start after its port
    sc = SyscallCounter(pids, use_perf, d) if use_perf else None
    a0 = read_allocs(counts)
    c0, s0 = cpu_ns(pids), sched_counts(pids)
    t0 = time.time()
    n, errors = wrk(url, conns, seconds)
    wall = time.time() - t0
    c1, s1 = cpu_ns(pids), sched_counts(pids)
    a1 = read_allocs(counts)
    sys_total = sc.stop()[0] if sc else None
    res = {"requests": n, "errors": errors, "rps": n / seconds,
           "cpu_us": (c1 - c0) / 1000.0 / max(n, 1),
           "allocs": (a1[0] - a0[0]) / max(n, 1), "frees": (a1[1] - a0[1]) / max(n, 1),
           "wall": wall}
    # user/system split and context switches per request (ticks are 10 ms:
    # over a run of seconds the split is good to a few per cent)
    d = [b - a for a, b in zip(s0, s1)]
    if d[0] + d[1] > 0:
        res["user_share"] = d[0] / (d[0] + d[1])
    res["vol_cs"], res["invol_cs"] = d[2] / max(n, 1), d[3] / max(n, 1)
    if sys_total is not None:
        res["syscalls"] = sys_total / max(n, 1)
    return res


def strace_breakdown(pid, url, conns, d, requests=20000):
    """Syscalls by name over a short run (strace slows the server down, so
    this is for reading, not for the per-request figure)."""
    pids = bench.proc_tree(pid)
    sc = SyscallCounter(pids, False, d)
    n, _ = wrk(url, conns, 3)
    total, by = sc.stop()
    return {k: v / max(n, 1) for k, v in sorted(by.items(), key=lambda kv: -kv[1])}


def start_server(env, who, so, counts, workers, host_name=None):
    """mediac serve (the WSO2 proxy) or a separate nginx reverse proxy, both
    to the stand-in, with the allocation counter preloaded; (process, url)."""
    pre = {"LD_PRELOAD": so, "MC_ALLOC_COUNT_FILE": counts}
    if who.startswith("mediac"):
        port, admin = bench.free_port(), bench.free_port()
        e = env.lambda_env()
        e.update(pre)
        if host_name:
            e["AWS_ENDPOINT_URL_LAMBDA"] = "http://%s:%d" % (host_name, env.standin_port)
        if who == "mediac-curl":           # the upstream client on libcurl (before the lean one)
            e["MC_HTTP_CLIENT"] = "curl"
        extra = ["--shared-listener"] if who == "mediac-shared" else []
        binary = getattr(env, "mediac_b", None) if who == "mediac-b" else env.mediac
        p = bench.start([binary, "serve", "--port", str(port), "--admin-port",
                         str(admin), "--workers", str(workers), "--log-level",
                         "error"] + extra + [bench.WSO2_PROXY], env=e, name="serve-cost")
    else:
        port = bench.free_port()
        servers = bench.PROXY_SERVER.format(port=port, up_port=env.standin_port)
        d = os.path.join(bench.work, "proxy-cost-%d" % port)
        os.makedirs(d)
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write("worker_processes %d;\n" % workers)
            f.write(bench.NGINX_COMMON.format(dir=d, modules="", servers=servers))
        p = bench.start(["nginx", "-c", conf, "-p", d, "-g", "daemon off;"],
                        env=pre, name="proxy-cost")
    bench.wait_port(port)
    return p, "http://127.0.0.1:%d/services/amazonlambda" % port


def measure_all(env, conns, seconds, runs=1, workers=2, only=("mediac", "nginx"),
                breakdown=False, out=print, host_name=None):
    """Every server at every connection count; the results dict (rows, and
    the syscalls by name when breakdown).  env is a bench.Env with its
    stand-in running; bench.work is the scratch directory."""
    use_perf = perf_works()
    results = {"load_before": os.getloadavg(), "syscalls_by": "perf" if use_perf else "none",
               "rows": []}
    so = build_counter(bench.work)
    for run in range(runs):
        for who in (only if run % 2 == 0 else tuple(reversed(only))):
            counts = os.path.join(bench.work, "allocs.%s.%d" % (who, run))
            p, url = start_server(env, who, so, counts, workers, host_name)
            try:
                for c in conns:
                    r = measure(p.pid, url, c, seconds, counts, use_perf, bench.work)
                    r.update(who=who, conns=c, run=run, load=os.getloadavg()[0])
                    results["rows"].append(r)
                    out("%-6s c=%-3d %8.0f req/s %6.1f us/req (user %2.0f %%) %6.1f allocs "
                        "%6.1f frees %s syscalls/req %.3f/%.3f cs/req errors %d (load %.1f)" % (
                            who, c, r["rps"], r["cpu_us"], 100 * r.get("user_share", 0),
                            r["allocs"], r["frees"],
                            "%.2f" % r["syscalls"] if "syscalls" in r else "-",
                            r["vol_cs"], r["invol_cs"], r["errors"], r["load"]))
                if breakdown:
                    by = strace_breakdown(p.pid, url, conns[0], bench.work)
                    results.setdefault("breakdown", {})[who] = by
                    out("  %s syscalls by name (c=%d): %s" % (who, conns[0], ", ".join(
                        "%s %.2f" % kv for kv in list(by.items())[:10])))
            finally:
                bench.stop(p)
    results["load_after"] = os.getloadavg()
    return results


def ratios(results, conns):
    """{conns: (cpu ratio, rps ratio)} of mediac over nginx (medians)."""
    out = {}
    for c in conns:
        m = [r for r in results["rows"] if r["who"] == "mediac" and r["conns"] == c]
        n = [r for r in results["rows"] if r["who"] == "nginx" and r["conns"] == c]
        if m and n:
            out[c] = (bench.med([r["cpu_us"] for r in m]) / bench.med([r["cpu_us"] for r in n]),
                      bench.med([r["rps"] for r in m]) / bench.med([r["rps"] for r in n]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mediac", required=True)
    ap.add_argument("--connections", default="16,64,256")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", default="mediac,nginx",
                    help="servers, of mediac, mediac-curl (MC_HTTP_CLIENT=curl), "
                         "mediac-shared (--shared-listener), mediac-b (the --mediac-b "
                         "binary: an A/B of two builds in one run), nginx")
    ap.add_argument("--mediac-b", help="a second mediac binary, measured as mediac-b")
    ap.add_argument("--breakdown", action="store_true", help="strace syscalls by name")
    ap.add_argument("--json")
    ap.add_argument("--host-name", help="mediac's Lambda endpoint by this name (e.g. localhost)")
    a = ap.parse_args()
    if not shutil.which("wrk") or not shutil.which("nginx"):
        sys.exit("needs wrk and nginx (apt-get install wrk nginx-light libnginx-mod-http-echo)")
    bench.work = tempfile.mkdtemp(prefix="mc-cost-")
    signal.signal(signal.SIGTERM, bench.on_signal)
    try:
        args = argparse.Namespace(build=os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(a.mediac)))), quick=False)
        env = bench.Env(args)
        env.mediac = os.path.abspath(a.mediac)
        if a.mediac_b:
            env.mediac_b = os.path.abspath(a.mediac_b)
        elif "mediac-b" in a.only.split(","):
            sys.exit("mediac-b needs --mediac-b")
        env.start_standin()
        conns = [int(x) for x in a.connections.split(",")]
        results = measure_all(env, conns, a.seconds, a.runs, a.workers, a.only.split(","),
                              a.breakdown, out=lambda t: print(t, flush=True),
                              host_name=a.host_name)
        for who in a.only.split(","):
            cells = []
            for c in conns:
                rows = [r for r in results["rows"] if r["who"] == who and r["conns"] == c]
                if rows:
                    cells.append("c=%d %.1f us" % (c, bench.med([r["cpu_us"] for r in rows])))
            print("median %-13s %s" % (who, ", ".join(cells)))
        for c, (cpu, rps) in ratios(results, conns).items():
            print("ratio c=%-3d CPU/request %.2f x nginx, req/s %.2f x nginx" % (c, cpu, rps))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(results, f, indent=1)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
