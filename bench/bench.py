"""bench.py - the scenarios behind bench/run: starts the peers it needs on
loopback (nginx as the Lambda stand-in and as the reverse-proxy peer, moto
for the correctness check), runs each scenario several times against its
peers in the same run, and writes bench/RESULTS.md and the PNG plots
(gnuplot).  Everything it starts is stopped by PID on exit, also on failure.

Usage (normally through bench/run, which installs packages and builds):
    python3 bench/bench.py --build DIR [--quick] [--no-wait] [--only a,b]
"""
import argparse
import datetime
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("MC_SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared"))
WSO2_PROXY = os.path.join(SHARED, "testdata", "wso2-amazonlambda", "amazonlambda-proxy.xml")
POST_LUA = os.path.join(HERE, "gateway", "post.lua")
CREDS = {"AWS_ACCESS_KEY_ID": "AKIDBENCH", "AWS_SECRET_ACCESS_KEY": "bench-secret",
         "AWS_REGION": "us-east-1"}
INVOKE_BODY = (b'{"accessKeyId":"AKIDBENCH","secretAccessKey":"bench-secret",'
               b'"region":"us-east-1","blocking":"false","functionName":"bench-fn",'
               b'"apiVersionInvoke":"2015-03-31","payload":{"hello":"bench","n":42}}')

procs = []          # every process we started, stopped by PID on exit
work = None         # temporary directory, removed on exit


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


# ---- processes -------------------------------------------------------------

def start(argv, env=None, stdout=None, stderr=None, name="proc"):
    full_env = dict(os.environ)
    full_env.update(env or {})
    out = stdout if stdout is not None else open(os.path.join(work, name + ".out"), "ab")
    err = stderr if stderr is not None else open(os.path.join(work, name + ".err"), "ab")
    p = subprocess.Popen(argv, env=full_env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    procs.append(p)
    return p


def stop(p, sig=signal.SIGTERM, wait=10):
    if p.poll() is None:
        try:
            p.send_signal(sig)
            p.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if p in procs:
        procs.remove(p)


def cleanup(*_):
    for p in list(procs):
        try:
            stop(p, wait=5)
        except Exception:
            pass
    if work and os.path.isdir(work):
        shutil.rmtree(work, ignore_errors=True)


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10.0):
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.01)
    raise RuntimeError("nothing listens on 127.0.0.1:%d after %.0f s" % (port, timeout))


def proc_tree(pid):
    """pid and all its descendants (nginx master + workers)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    out, pending = [], [pid]
    while pending:
        p = pending.pop()
        out.append(p)
        pending.extend(kids.get(p, []))
    return out


def status_kib(pid, field):
    """Sum of a /proc/PID/status field (kB) over pid and its descendants."""
    total = 0
    for p in proc_tree(pid):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith(field + ":"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def threads_of(pid):
    return status_kib(pid, "Threads")


def run(argv, env=None, timeout=600, check=True):
    full_env = dict(os.environ)
    full_env.update(env or {})
    r = subprocess.run(argv, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv[:3]), r.returncode,
                                                   (r.stderr or r.stdout)[-800:]))
    return r


def kv(line):
    return {k: v for k, v in (w.split("=", 1) for w in line.split() if "=" in w)}


# ---- statistics and formatting --------------------------------------------

def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt(x, digits=0):
    if x != x:
        return "—"
    if digits == 0:
        return "{:,.0f}".format(x)
    return "{:,.{d}f}".format(x, d=digits)


def mr(xs, digits=0):
    """median [min – max]"""
    if not xs:
        return "—"
    if len(xs) == 1:
        return fmt(xs[0], digits)
    return "%s [%s – %s]" % (fmt(med(xs), digits), fmt(min(xs), digits), fmt(max(xs), digits))


# ---- nginx -----------------------------------------------------------------

NGINX_COMMON = """
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
{modules}
worker_rlimit_nofile 20000;
events {{ worker_connections 8192; multi_accept on; }}
http {{
  access_log off;
  client_body_temp_path {dir}/cb; proxy_temp_path {dir}/pt; fastcgi_temp_path {dir}/ft;
  uwsgi_temp_path {dir}/ut; scgi_temp_path {dir}/st;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  default_type application/json;
{servers}
}}
"""

STANDIN_SERVER = """
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location ~ ^/2015-03-31/functions/[^/]+/invocations$ {{ return 200 '{{"ok":true}}'; }}
  }}
  server {{
    listen 127.0.0.1:{slow_port} backlog=4096;
    location ~ ^/2015-03-31/functions/[^/]+/invocations$ {{
      echo_sleep 0.1;
      echo -n '{{"ok":true}}';
    }}
  }}
"""

PROXY_SERVER = """
  upstream standin {{ server 127.0.0.1:{up_port}; keepalive 256; }}
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location = /services/amazonlambda {{
      proxy_pass http://standin/2015-03-31/functions/bench-fn/invocations;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
    location / {{ return 404 '{{"error":"not found"}}'; }}
  }}
"""


def start_nginx(name, workers, servers, modules=""):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write("worker_processes %d;\n" % workers)
        f.write(NGINX_COMMON.format(dir=d, modules=modules, servers=servers))
    return start(["nginx", "-c", conf, "-p", d, "-g", "daemon off;"], name=name)


class Env:
    """What the scenarios share: the build, the stand-in, the options."""

    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.mediac = os.path.join(args.build, "src", "cli", "mediac")
        self.host = os.path.join(args.build, "bench", "bench_host")
        self.sign = os.path.join(args.build, "bench", "bench_sign")
        self.standin_port = free_port()
        self.slow_port = free_port()
        self.standin = None
        self.results = {}
        self.notes = []

    def start_standin(self):
        servers = STANDIN_SERVER.format(port=self.standin_port, slow_port=self.slow_port)
        mod = "load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;"
        self.standin = start_nginx("standin", 1, servers, mod)
        wait_port(self.standin_port)
        wait_port(self.slow_port)

    def lambda_env(self, port=None):
        e = dict(CREDS)
        e["AWS_ENDPOINT_URL_LAMBDA"] = "http://127.0.0.1:%d" % (port or self.standin_port)
        return e

    def start_serve(self, paths, upstream_port=None, workers=2, extra=(), name="serve"):
        port, admin = free_port(), free_port()
        argv = [self.mediac, "serve", "--port", str(port), "--admin-port", str(admin),
                "--workers", str(workers), "--log-level", "error"] + list(extra) + list(paths)
        p = start(argv, env=self.lambda_env(upstream_port), name=name)
        wait_port(port)
        return p, port

    def start_proxy_peer(self, upstream_port=None, workers=2):
        port = free_port()
        servers = PROXY_SERVER.format(port=port, up_port=upstream_port or self.standin_port)
        p = start_nginx("proxy-%d" % port, workers, servers)
        wait_port(port)
        return p, port


# ---- wrk -------------------------------------------------------------------

def ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v if u == "ms" else v * 1000 if u == "s" else v * 60000


def wrk(url, conns, seconds, threads=2):
    t = max(1, min(threads, conns))
    r = run(["wrk", "-t%d" % t, "-c%d" % conns, "-d%ds" % seconds, "--latency",
             "--timeout", "10s", "-s", POST_LUA, url], timeout=seconds + 60)
    out = r.stdout
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "99"):
        m = re.search(r"^\s+%s%%\s+(\S+)" % pct, out, re.M)
        res["p" + pct] = ms(m.group(1)) if m else float("nan")
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["sockerr"] = sum(int(x) for x in m.groups()) if m else 0
    res["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    return res


# ---- scenario 0: correctness against moto ---------------------------------

def check_moto(env):
    """The gateway flow through mediac serve against moto: a real function,
    a signed invoke, the event echoed back (moto without Docker)."""
    import boto3
    port = free_port()
    moto = start([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                 name="moto")
    try:
        wait_port(port, timeout=30)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("POST", "/moto-api/config", body=json.dumps({"lambda": {"use_docker": False}}),
                  headers={"Content-Type": "application/json"})
        c.getresponse().read()
        ep = "http://127.0.0.1:%d" % port
        kw = dict(endpoint_url=ep, region_name="us-east-1",
                  aws_access_key_id=CREDS["AWS_ACCESS_KEY_ID"],
                  aws_secret_access_key=CREDS["AWS_SECRET_ACCESS_KEY"])
        iam = boto3.client("iam", **kw)
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}))
        import io
        import zipfile
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("index.py", "def handler(e, c):\n    return e\n")
        boto3.client("lambda", **kw).create_function(
            FunctionName="bench-fn", Runtime="python3.12", Role=role["Role"]["Arn"],
            Handler="index.handler", Code={"ZipFile": buf.getvalue()})
        serve, sport = env.start_serve([WSO2_PROXY], upstream_port=port, name="serve-moto")
        try:
            c = http.client.HTTPConnection("127.0.0.1", sport, timeout=30)
            c.request("POST", "/services/amazonlambda", body=INVOKE_BODY,
                      headers={"Content-Type": "application/json", "Action": "urn:invoke"})
            r = c.getresponse()
            body = r.read()
        finally:
            stop(serve)
        ok = r.status == 200 and json.loads(body) == {"hello": "bench", "n": 42}
        env.results["moto"] = {"status": r.status, "body": body.decode(errors="replace")[:200],
                               "ok": ok}
        log("moto check: %d %s" % (r.status, body[:80]))
        if not ok:
            raise RuntimeError("the WSO2 proxy through mediac serve did not invoke moto's "
                               "function correctly: %d %r" % (r.status, body[:200]))
    finally:
        stop(moto)


# ---- scenario 1: gateway ---------------------------------------------------

def scenario_gateway(env):
    conns = [1, 16, 64, 256]
    secs = 2 if env.quick else 5
    runs = 1 if env.quick else 3
    res = {t: {c: [] for c in conns} for t in ("mediac", "nginx")}
    for r in range(runs):
        order = ("mediac", "nginx") if r % 2 == 0 else ("nginx", "mediac")
        for c in conns:
            for target in order:
                if target == "mediac":
                    p, port = env.start_serve([WSO2_PROXY], name="serve-gw")
                else:
                    p, port = env.start_proxy_peer()
                try:
                    url = "http://127.0.0.1:%d/services/amazonlambda" % port
                    wrk(url, min(c, 16), 1)            # warm-up: connections, pools
                    w = wrk(url, c, secs)
                    w["rss_peak_kib"] = status_kib(p.pid, "VmHWM")
                    w["threads"] = threads_of(p.pid)
                finally:
                    stop(p)
                res[target][c].append(w)
                log("gateway run %d %-6s c=%-3d %8.0f req/s p50 %.2f ms p99 %.2f ms "
                    "RSS %d KiB non2xx %d" % (r + 1, target, c, w["rps"], w["p50"], w["p99"],
                                              w["rss_peak_kib"], w["non2xx"]))
    env.results["gateway"] = {"conns": conns, "secs": secs, "runs": runs, "data": res}


# ---- scenario 1b: cost per request ---------------------------------------------

def scenario_cost(env):
    """CPU, allocations and system calls per gateway request, mediac and a
    2-worker nginx proxy in one run (bench/count/cost.py)."""
    sys.modules.setdefault("bench", sys.modules[__name__])
    sys.path.insert(0, os.path.join(HERE, "count"))
    import cost
    conns = [16, 64, 256]
    secs = 2 if env.quick else 5
    # five runs, medians: one 5 s cell on a shared two-core machine moves
    # by 10-30 % from run to run (session 23 saw 1.19-1.61 x for one binary
    # at 16 connections within twenty minutes); the servers take turns
    # going first, so a drift in load does not always fall on one of them
    runs = 1 if env.quick else 5
    res = cost.measure_all(env, conns, secs, runs=runs, out=log)
    res["runs"] = runs
    res["conns"], res["secs"] = conns, secs
    res["ratios"] = cost.ratios(res, conns)
    env.results["cost"] = res


# ---- scenario 2: client ----------------------------------------------------

def scenario_client(env):
    calls = 300 if env.quick else 3000
    runs = 1 if env.quick else 3
    conc = 16
    ep = "http://127.0.0.1:%d" % env.standin_port
    node = os.path.join(HERE, "node", "client.mjs")
    boto = os.path.join(HERE, "client", "boto3_client.py")
    cases = []
    for threads, mode in ((1, "sequential"), (conc, "concurrent")):
        cases += [("mediac", mode, [env.host, str(threads), str(calls)]),
                  ("boto3", mode, [sys.executable, boto, ep, str(threads), str(calls)]),
                  ("js-sdk", mode, ["node", "--no-warnings", node, ep, str(threads), str(calls)])]
    res = {}
    floor_url = "%s/2015-03-31/functions/bench-fn/invocations" % ep
    for r in range(runs):
        # The round-trip floor: wrk's tight C loop on one keep-alive
        # connection straight to the stand-in, no signing, no SDK.
        fl = wrk(floor_url, 1, 2 if env.quick else 3, threads=1)
        res.setdefault(("wrk", "sequential"), []).append({"cps": fl["rps"], "cpu": float("nan")})
        log("client run %d floor  sequential %8.0f req/s (wrk -c1 to the stand-in)"
            % (r + 1, fl["rps"]))
        for who, mode, argv in cases:
            out = run(argv, env=env.lambda_env()).stdout.strip().splitlines()[-1]
            d = kv(out)
            if int(d["errors"]):
                raise RuntimeError("%s %s: %s calls failed" % (who, mode, d["errors"]))
            res.setdefault((who, mode), []).append(
                {"cps": float(d["calls_per_s"]), "cpu": float(d["cpu_s_per_1000"])})
            log("client run %d %-6s %-10s %8.0f calls/s %.3f CPU s/1000" % (
                r + 1, who, mode, float(d["calls_per_s"]), float(d["cpu_s_per_1000"])))
    env.results["client"] = {"calls": calls, "runs": runs, "conc": conc, "data": res}


# ---- scenario 3: signing ---------------------------------------------------

def scenario_sign(env):
    secs = "1" if env.quick else "2"
    runs = 1 if env.quick else 3
    res = {"mediac": [], "botocore": [], "smithy": []}
    sigs = set()
    for r in range(runs):
        for who, argv, key in (
                ("mediac", [env.sign, secs], "mediac signatures/s"),
                ("botocore", [sys.executable, os.path.join(HERE, "sign", "botocore_sign.py"), secs],
                 "botocore signatures/s"),
                ("smithy", ["node", "--no-warnings", os.path.join(HERE, "node", "sign.mjs"), secs],
                 "smithy signatures/s")):
            out = run(argv).stdout
            rate = float(re.search(re.escape(key) + r": ([\d.]+)", out).group(1))
            sigs.add(re.search(r"^signature: (\S+)", out, re.M).group(1))
            res[who].append(rate)
            log("sign run %d %-8s %10.0f signatures/s" % (r + 1, who, rate))
    if len(sigs) != 1:
        raise RuntimeError("the signers disagree on the benchmark request: %s" % sigs)
    env.results["sign"] = {"runs": runs, "data": res, "signature": sigs.pop()}


# ---- scenario 4: slow upstream --------------------------------------------

def high_fds(pid):
    """Descriptors numbered 1024 or above (beyond fd_set) in pid's tree."""
    n = 0
    for p in proc_tree(pid):
        try:
            n += sum(1 for fd in os.listdir("/proc/%d/fd" % p) if int(fd) >= 1024)
        except OSError:
            pass
    return n


def sample_during(pid, fn):
    """Run fn() while sampling Threads, VmRSS and descriptors >= 1024 of pid
    every 100 ms."""
    import threading
    samples, done = [], threading.Event()

    def sampler():
        while not done.is_set():
            samples.append((threads_of(pid), status_kib(pid, "VmRSS"), high_fds(pid)))
            done.wait(0.1)
    t = threading.Thread(target=sampler)
    t.start()
    try:
        out = fn()
    finally:
        done.set()
        t.join()
    return out, samples


def scenario_slow(env):
    conns = 1000
    secs = 3 if env.quick else 10
    runs = 1 if env.quick else 3
    res = {"mediac": [], "nginx": []}
    for r in range(runs):
        for target in ("mediac", "nginx"):
            if target == "mediac":
                p, port = env.start_serve([WSO2_PROXY], upstream_port=env.slow_port,
                                          name="serve-slow")
            else:
                p, port = env.start_proxy_peer(upstream_port=env.slow_port)
            try:
                url = "http://127.0.0.1:%d/services/amazonlambda" % port
                before = threads_of(p.pid)
                w, samples = sample_during(p.pid, lambda: wrk(url, conns, secs))
                time.sleep(0.5)
                w["threads_before"] = before
                w["threads_max"] = max(s[0] for s in samples)
                w["high_fds"] = max(s[2] for s in samples)
                w["threads_after"] = threads_of(p.pid)
                w["rss_peak_kib"] = status_kib(p.pid, "VmHWM")
            finally:
                stop(p)
            res[target].append(w)
            log("slow run %d %-6s %7.0f req/s (%.0f%% of 10,000) p50 %.0f ms p99 %.0f ms "
                "threads %d/%d/%d RSS %d KiB non2xx %d sockerr %d" % (
                    r + 1, target, w["rps"], w["rps"] / 100, w["p50"], w["p99"],
                    w["threads_before"], w["threads_max"], w["threads_after"],
                    w["rss_peak_kib"], w["non2xx"], w["sockerr"]))
    env.results["slow"] = {"conns": conns, "secs": secs, "runs": runs, "data": res}


# ---- scenario 5: startup and validation ------------------------------------

ARTIFACT = """<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by bench/bench.py: artifact {i} of the startup scenario -->
<proxy xmlns="http://ws.apache.org/ns/synapse" name="benchProxy{i}">
  <target><inSequence>
    <property name="functionName" expression="json-eval($.functionName)"/>
    <property name="qualifier" expression="json-eval($.qualifier)"/>
    <property name="payload" expression="json-eval($.payload)"/>
    <amazonlambda.init><region>us-east-1</region></amazonlambda.init>
    <switch source="get-property('transport', 'Action')">
      <case regex="urn:invoke">
        <amazonlambda.invoke>
          <functionName>{{$ctx:functionName}}</functionName>
          <qualifier>{{$ctx:qualifier}}</qualifier>
          <payload>{{$ctx:payload}}</payload>
        </amazonlambda.invoke>
      </case>
      <default>
        <payloadFactory media-type="json">
          <format>{{"error": "unknown action $1"}}</format>
          <args><arg expression="get-property('transport', 'Action')"/></args>
        </payloadFactory>
      </default>
    </switch>
    <respond/>
  </inSequence></target>
</proxy>
"""


def first_answer(port, path, body, headers, timeout=60.0):
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("POST", path, body=body, headers=headers)
            r = c.getresponse()
            r.read()
            c.close()
            return r.status
        except OSError:
            time.sleep(0.0005)
    raise RuntimeError("no answer on port %d" % port)


def serve_ready(env, paths, path, body, headers):
    port, admin = free_port(), free_port()
    argv = [env.mediac, "serve", "--port", str(port), "--admin-port", str(admin),
            "--workers", "2", "--log-level", "error"] + paths
    t0 = time.perf_counter()
    p = start(argv, env=env.lambda_env(), name="serve-ready")
    try:
        status = first_answer(port, path, body, headers)
        dt = time.perf_counter() - t0
    finally:
        stop(p)
    if status != 200:
        raise RuntimeError("serve-ready request answered %d" % status)
    return dt


def scenario_startup(env):
    counts = [1, 100, 1000] if env.quick else [1, 100, 1000, 10000]
    runs = 3 if env.quick else 5
    hdr = {"Content-Type": "application/json", "Action": "urn:invoke"}
    body = json.dumps({"functionName": "bench-fn", "payload": {"a": 1}}).encode()
    res = {"validate": {}, "ready": {}, "samples_ready": []}
    for n in counts:
        d = os.path.join(work, "artifacts-%d" % n)
        os.makedirs(d)
        for i in range(n):
            with open(os.path.join(d, "proxy%05d.xml" % i), "w") as f:
                f.write(ARTIFACT.format(i=i))
        run([env.mediac, "validate", d])          # once to warm the page cache
        vs, rs = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            run([env.mediac, "validate", d])
            vs.append(time.perf_counter() - t0)
            rs.append(serve_ready(env, [d], "/services/benchProxy0", body, hdr))
        res["validate"][n], res["ready"][n] = vs, rs
        log("startup %5d artifacts: validate %s ms, serve ready %s ms" % (
            n, mr([v * 1000 for v in vs], 1), mr([v * 1000 for v in rs], 1)))
        shutil.rmtree(d)
    samples = os.path.join(ROOT, "samples")
    for _ in range(runs):
        res["samples_ready"].append(serve_ready(
            env, [samples], "/lambda/invoke/",
            json.dumps({"functionName": "bench-fn", "payload": {"a": 1}}).encode(),
            {"Content-Type": "application/json"}))
    log("serve ready with samples/: %s ms" % mr([v * 1000 for v in res["samples_ready"]], 1))
    env.results["startup"] = {"counts": counts, "runs": runs, "data": res}


# ---- scenario 6: memory -----------------------------------------------------

def open_connections(port, n, path):
    """n keep-alive connections, each with one answered request, left open."""
    socks = []
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode()
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(req)
        socks.append(s)
    answered = 0
    for s in socks:
        try:
            if s.recv(4096).startswith(b"HTTP/1.1 "):
                answered += 1
        except OSError:
            pass
    return socks, answered


def scenario_memory(env):
    runs = 1 if env.quick else 3
    n = 1000
    res = {"mediac": [], "nginx": []}
    samples = os.path.join(ROOT, "samples")
    for r in range(runs):
        for target in ("mediac", "nginx"):
            if target == "mediac":
                p, port = env.start_serve([samples], name="serve-mem")
                path = "/no/such/resource"
            else:
                p, port = env.start_proxy_peer()
                path = "/no/such/resource"
            socks = []
            try:
                time.sleep(0.3)
                idle = status_kib(p.pid, "VmRSS")
                socks, answered = open_connections(port, n, path)
                time.sleep(0.3)
                loaded = status_kib(p.pid, "VmRSS")
                peak = status_kib(p.pid, "VmHWM")
            finally:
                for s in socks:
                    s.close()
                stop(p)
            res[target].append({"idle": idle, "loaded": loaded, "peak": peak,
                                "answered": answered})
            log("memory run %d %-6s idle %d KiB, %d connections %d KiB (answered %d)" % (
                r + 1, target, idle, n, loaded, answered))
    env.results["memory"] = {"conns": n, "runs": runs, "data": res}


# ---- profiles for missed targets --------------------------------------------

def perf_top(pid, seconds, during, label):
    data = os.path.join(work, "perf-%s.data" % label)
    rec = start(["perf", "record", "-F", "999", "-g", "-p", str(pid), "-o", data,
                 "--", "sleep", str(seconds)], name="perf-" + label)
    time.sleep(0.3)
    during()
    rec.wait(timeout=seconds + 30)
    procs.remove(rec)
    lines = []
    for sort, limit in (("dso", "0.5"), ("dso,symbol", "1.2")):
        r = run(["perf", "report", "-i", data, "--no-children", "--sort", sort,
                 "--stdio", "--percent-limit", limit, "-g", "none"], check=False)
        lines.append("self time by %s:" % ("library" if sort == "dso" else "library and symbol"))
        lines += [ln.rstrip(" -") for ln in r.stdout.splitlines()
                  if ln.strip() and not ln.startswith("#")][:20]
        lines.append("")
    return lines[:-1]


def profile_gateway(env):
    p, port = env.start_serve([WSO2_PROXY], name="serve-prof")
    try:
        url = "http://127.0.0.1:%d/services/amazonlambda" % port
        return perf_top(p.pid, 6, lambda: wrk(url, 64, 5), "gateway")
    finally:
        stop(p)


def profile_client(env):
    """callgrind over a few hundred sequential bench_host calls: the
    functions with the largest inclusive instruction counts."""
    out = os.path.join(work, "callgrind.out")
    r = run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, env.host, "1", "300"],
            env=env.lambda_env(), timeout=600, check=False)
    if r.returncode != 0 or not os.path.exists(out):
        return ["valgrind failed: " + (r.stderr or "")[-300:]]
    a = run(["callgrind_annotate", "--inclusive=yes", out], check=False).stdout
    lines, on = [], False
    for ln in a.splitlines():
        if "file:function" in ln:
            on = True
            continue
        if on and ln.strip() and not ln.startswith("-"):
            m = re.match(r"\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S+) \[(.*)\]", ln)
            if not m:
                continue
            fn, lib = m.group(3).split(":", 1)[-1], os.path.basename(m.group(4))
            if "ld-linux" in lib or fn.startswith("0x"):
                continue
            lines.append("%7s%%  %-34s %s" % (m.group(2), fn, lib))
        if len(lines) >= 24:
            break
    return ["inclusive instructions (Ir), 300 sequential invokes plus start-up:"] + lines


# ---- machine and versions ----------------------------------------------------

def first_line(argv, pattern=None):
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=30)
        out = r.stdout.strip().splitlines()
        if pattern:
            out = [ln for ln in out if re.search(pattern, ln)]
        return out[0].strip() if out else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def machine_info(env):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    node_pkgs = {}
    lock = os.path.join(HERE, "node", "package-lock.json")
    if os.path.exists(lock):
        with open(lock) as f:
            pk = json.load(f).get("packages", {})
        for name in ("@aws-sdk/client-lambda", "@smithy/signature-v4", "@smithy/hash-node"):
            node_pkgs[name] = pk.get("node_modules/" + name, {}).get("version", "?")
    import boto3
    import botocore
    commit = first_line(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no",
                            "src", "include", "connector"], stdout=subprocess.PIPE,
                           text=True).stdout.strip()
    return [
        ("CPU", "%s, %d online CPUs" % (cpu, os.cpu_count())),
        ("memory", "%d MiB" % mem),
        ("kernel", platform.release()),
        ("OS", first_line(["sh", "-c", ". /etc/os-release; echo $PRETTY_NAME"])),
        ("mediac", "%s at %s%s, release build (`%s`)" % (
            first_line([env.mediac, "version"]), commit,
            " with uncommitted changes in src/" if dirty else "", os.path.relpath(env.args.build, ROOT))),
        ("compiler", first_line(["cc", "--version"])),
        ("libcurl / OpenSSL", first_line(["curl", "--version"])),
        ("HTTP server", "mediac's own (src/http/server.c), TLS by OpenSSL"),
        ("nginx", first_line(["nginx", "-v"])),
        ("wrk", first_line(["wrk", "-v"], "wrk")),
        ("gnuplot", first_line(["gnuplot", "--version"])),
        ("Python / boto3 / botocore", "%s / %s / %s" % (platform.python_version(),
                                                       boto3.__version__, botocore.__version__)),
        ("moto", first_line([sys.executable, "-c", "import moto; print(moto.__version__)"])),
        ("Node.js", first_line(["node", "--version"])),
        ("npm packages", ", ".join("%s %s" % kv_ for kv_ in node_pkgs.items())),
    ]


def wait_quiet(limit_s=5 * 60, threshold=0.8):
    t0 = time.time()
    while True:
        with open("/proc/loadavg") as f:
            la = float(f.read().split()[0])
        if la < threshold:
            return True, la
        if time.time() - t0 >= limit_s:
            return False, la
        log("waiting for a quiet machine: 1-minute load %.2f (>= %.1f)" % (la, threshold))
        time.sleep(30)


# ---- report -----------------------------------------------------------------

def verdict(ok):
    return "**met**" if ok else "**missed**"


def plot(env):
    """gateway.png and startup.png with gnuplot (pngcairo)."""
    made = []
    g = env.results.get("gateway")
    if g:
        dat = os.path.join(work, "gateway.dat")
        with open(dat, "w") as f:
            f.write("# conns mediac_rps nginx_rps mediac_p99 nginx_p99\n")
            for c in g["conns"]:
                m, n = g["data"]["mediac"][c], g["data"]["nginx"][c]
                f.write("%d %f %f %f %f\n" % (c, med([x["rps"] for x in m]), med([x["rps"] for x in n]),
                                              med([x["p99"] for x in m]), med([x["p99"] for x in n])))
        out = os.path.join(HERE, "gateway.png")
        script = """
set terminal pngcairo noenhanced size 1000,420 font ",10"
set output '{out}'
set multiplot layout 1,2 title "Gateway: WSO2 invoke proxy through mediac serve vs nginx reverse proxy (median of {runs})"
set logscale x 2
set xtics (1,16,64,256)
set xrange [0.8:320]
set xlabel "connections"
set key left top
set grid
set ylabel "requests/s"
set yrange [0:*]
plot '{dat}' using 1:2 with linespoints lw 2 title "mediac serve", \\
     '{dat}' using 1:3 with linespoints lw 2 title "nginx proxy_pass"
set ylabel "p99 latency (ms)"
plot '{dat}' using 1:4 with linespoints lw 2 title "mediac serve", \\
     '{dat}' using 1:5 with linespoints lw 2 title "nginx proxy_pass"
unset multiplot
""".format(out=out, dat=dat, runs=g["runs"])
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        made.append("gateway.png")
    s = env.results.get("startup")
    if s:
        dat = os.path.join(work, "startup.dat")
        with open(dat, "w") as f:
            f.write("# artifacts validate_ms ready_ms\n")
            for n in s["counts"]:
                f.write("%d %f %f\n" % (n, med(s["data"]["validate"][n]) * 1000,
                                        med(s["data"]["ready"][n]) * 1000))
        out = os.path.join(HERE, "startup.png")
        script = """
set terminal pngcairo noenhanced size 700,450 font ",10"
set output '{out}'
set title "Startup: time against artifacts (median of {runs})"
set logscale xy
set xlabel "artifacts (proxies, one file each)"
set ylabel "milliseconds"
set key left top
set grid
plot '{dat}' using 1:2 with linespoints lw 2 title "mediac validate (process start to exit)", \\
     '{dat}' using 1:3 with linespoints lw 2 title "mediac serve: start to first answered request"
""".format(out=out, dat=dat, runs=s["runs"])
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        made.append("startup.png")
    c = env.results.get("client")
    if c:
        dat = os.path.join(work, "client.dat")
        with open(dat, "w") as f:
            f.write("# client sequential concurrent\n")
            for who in ("mediac", "boto3", "js-sdk"):
                f.write('"%s" %f %f\n' % (who, med([x["cps"] for x in c["data"][(who, "sequential")]]),
                                          med([x["cps"] for x in c["data"][(who, "concurrent")]])))
        out = os.path.join(HERE, "client.png")
        script = """
set terminal pngcairo noenhanced size 700,450 font ",10"
set output '{out}'
set title "Client: Lambda invoke calls/s against the same stand-in (median of {runs})"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [100:*]
set ylabel "calls/s (log scale)"
set grid ytics
set key left top
plot '{dat}' using 2:xtic(1) title "sequential", '' using 3 title "{conc} concurrent"
""".format(out=out, dat=dat, runs=c["runs"], conc=c["conc"])
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        made.append("client.png")
    return made


def write_results(env, info, load, quiet, started, elapsed, plots, profiles):
    R = env.results
    L = []
    w = L.append
    w("# mediac benchmark results")
    w("")
    w("Written by `bench/run%s` on %s in %.0f s. Do not edit by hand: run the command again."
      % (" --quick" if env.quick else "", started, elapsed))
    if env.quick:
        w("")
        w("**This is a `--quick` smoke run: one short run per case. Use the full run's figures.**")
    w("")
    w("Method, scenarios and how to read them: [docs/bench.md](../docs/bench.md).")
    w("")
    w("## Machine")
    w("")
    w("| | |")
    w("|---|---|")
    for k, v in info:
        w("| %s | %s |" % (k, v.replace("|", "/")))
    w("| load average at start | %s (%s) |" % (load, "quiet: 1-minute figure below 0.8" if quiet else
                                              "**not quiet**: the machine stayed busy for 5 minutes, "
                                              "so the run went ahead; other work shared the cores"))
    with open("/proc/loadavg") as f:
        w("| load average at the end | %s (includes this run's own load) |"
          % " ".join(f.read().split()[:3]))
    w("")
    w("Everything runs on these cores at once: the load generator (wrk, or the client "
      "process), the system under test and the Lambda stand-in. Figures are medians "
      "of the runs, with the range [min – max] after them.")
    w("")
    w("The stand-in for Lambda is nginx returning a fixed `{\"ok\":true}` for "
      "`POST /2015-03-31/functions/NAME/invocations` (and, for the slow upstream, the "
      "same after `echo_sleep 0.1`). It does **not** check SigV4 signatures: signing "
      "correctness is covered by the end-to-end suite (mediac against moto behind a "
      "botocore-based signature check) and by the botocore differential test. "
      "The benchmark itself checks, before timing, that the WSO2 proxy through "
      "`mediac serve` invokes a real function in moto and gets the event back%s, and "
      "in the signing scenario that the three signers produce the same signature."
      % (" (seen: status %d)" % R["moto"]["status"] if "moto" in R else ""))
    w("")

    # headline
    w("## Targets")
    w("")
    w("| target | measured | ratio | verdict |")
    w("|---|---|---|---|")
    heads = []
    g = R.get("gateway")
    if g:
        worst = None
        for c in g["conns"]:
            m = med([x["rps"] for x in g["data"]["mediac"][c]])
            n = med([x["rps"] for x in g["data"]["nginx"][c]])
            ratio = m / n
            if worst is None or ratio < worst[0]:
                worst = (ratio, c)
        per = ", ".join("%d: %.2f×" % (c, med([x["rps"] for x in g["data"]["mediac"][c]]) /
                                       med([x["rps"] for x in g["data"]["nginx"][c]])) for c in g["conns"])
        ok = worst[0] >= 0.5
        w("| gateway req/s ≥ 0.5 × nginx reverse proxy (every connection count) | by connections: %s "
          "| lowest %.2f× (at %d) | %s |" % (per, worst[0], worst[1], verdict(ok)))
        heads.append(("gateway", ok, worst[0]))
    co = R.get("cost")
    if co and co["ratios"]:
        rs = co["ratios"]
        worst_cpu = max(v[0] for v in rs.values())
        worst_rps = min(v[1] for v in rs.values())
        # per connection count, the median of the runs
        mrows = []
        for c_ in sorted({r["conns"] for r in co["rows"]}):
            rows_c = [r for r in co["rows"] if r["who"] == "mediac" and r["conns"] == c_]
            if rows_c:
                m = {"conns": c_, "allocs": med([r["allocs"] for r in rows_c])}
                if all("syscalls" in r for r in rows_c):
                    m["syscalls"] = med([r["syscalls"] for r in rows_c])
                mrows.append(m)
        allocs = max(r["allocs"] for r in mrows)
        errs = sum(r["errors"] for r in co["rows"])
        ok = worst_cpu <= 1.5 and errs == 0
        w("| gateway CPU per request ≤ 1.5 × nginx's (16, 64, 256 connections), no errors | %s; "
          "errors %d | highest %.2f× | %s |" % (", ".join("%d: %.2f×" % (c_, v[0]) for c_, v in
                                                   sorted(rs.items())), errs, worst_cpu,
                                        verdict(ok)))
        heads.append(("cost-cpu", ok, worst_cpu))
        ok = worst_rps >= 0.8
        w("| gateway req/s ≥ 0.8 × a 2-worker nginx proxy (same run) | %s | lowest %.2f× | %s |"
          % (", ".join("%d: %.2f×" % (c_, v[1]) for c_, v in sorted(rs.items())), worst_rps,
             verdict(ok)))
        heads.append(("cost-rps", ok, worst_rps))
        ok = allocs <= 40
        w("| ≤ 40 heap allocations per gateway request | %s | highest %.1f | %s |"
          % (", ".join("%d: %.1f" % (r["conns"], r["allocs"]) for r in mrows), allocs,
             verdict(ok)))
        heads.append(("allocs", ok, allocs))
        if all("syscalls" in r for r in mrows):
            sc = max(r["syscalls"] for r in mrows)
            ok = sc <= 6.5
            w("| ≤ 6.5 system calls per gateway request | %s | highest %.2f | %s |"
              % (", ".join("%d: %.2f" % (r["conns"], r["syscalls"]) for r in mrows), sc,
                 verdict(ok)))
            heads.append(("syscalls", ok, sc))
    c = R.get("client")
    if c:
        d = c["data"]
        ms_ = med([x["cps"] for x in d[("mediac", "sequential")]])
        bs = med([x["cps"] for x in d[("boto3", "sequential")]])
        mc = med([x["cps"] for x in d[("mediac", "concurrent")]])
        jc = med([x["cps"] for x in d[("js-sdk", "concurrent")]])
        ok1, ok2 = ms_ / bs >= 10, mc / jc >= 5
        fl = med([x["cps"] for x in d[("wrk", "sequential")]])
        w("| client calls/s ≥ 10 × boto3, sequential | %s vs %s calls/s (round-trip floor %s/s "
          "= %.1f× boto3) | %.1f× | %s |"
          % (fmt(ms_), fmt(bs), fmt(fl), fl / bs, ms_ / bs, verdict(ok1)))
        w("| client calls/s ≥ 5 × JS SDK v3, %d concurrent | %s vs %s calls/s | %.1f× | %s |"
          % (c["conc"], fmt(mc), fmt(jc), mc / jc, verdict(ok2)))
        ok3 = ms_ / fl >= 0.9
        w("| sequential libmediac invoke client ≥ 0.9 × the `wrk -t1 -c1` floor | %s vs %s calls/s "
          "| %.2f× | %s |" % (fmt(ms_), fmt(fl), ms_ / fl, verdict(ok3)))
        heads += [("client-seq", ok1, ms_ / bs), ("client-conc", ok2, mc / jc),
                  ("client-floor", ok3, ms_ / fl)]
    s = R.get("sign")
    if s:
        m, b = med(s["data"]["mediac"]), med(s["data"]["botocore"])
        ok = m / b >= 20
        w("| signing ≥ 20 × botocore | %s vs %s signatures/s | %.1f× | %s |"
          % (fmt(m), fmt(b), m / b, verdict(ok)))
        heads.append(("sign", ok, m / b))
    sl = R.get("slow")
    if sl:
        d = sl["data"]["mediac"]
        rps = med([x["rps"] for x in d])
        flat = all(x["threads_max"] == x["threads_before"] == x["threads_after"] for x in d)
        ok = rps >= 9000 and flat
        w("| slow upstream ≥ 90 %% of the ideal 10,000 req/s, threads flat | %s req/s, threads %s | "
          "%.0f %% of ideal | %s |" % (fmt(rps), "flat (%d)" % d[0]["threads_before"] if flat else
                                     "not flat", rps / 100, verdict(ok)))
        heads.append(("slow", ok, rps / 10000))
    st = R.get("startup")
    if st:
        rd = med(st["data"]["samples_ready"]) * 1000
        ok = rd < 50
        w("| serve ready < 50 ms with samples/ | %.1f ms | — | %s |" % (rd, verdict(ok)))
        heads.append(("ready", ok, rd))
    me = R.get("memory")
    if me:
        idle = med([x["idle"] for x in me["data"]["mediac"]]) / 1024
        ok = idle < 16
        w("| idle RSS < 16 MiB with samples/ | %.1f MiB | — | %s |" % (idle, verdict(ok)))
        heads.append(("idle", ok, idle))
    w("")
    if plots:
        for p in plots:
            w("![%s](%s)" % (p[:-4], p))
        w("")

    if g:
        w("## 1. Gateway: WSO2 invoke proxy vs nginx reverse proxy")
        w("")
        w("`wrk -t2 -cN -d%ds --latency -s bench/gateway/post.lua` (%d runs per cell, after a "
          "1 s warm-up; a fresh server per cell). mediac: `mediac serve --workers 2` with the "
          "WSO2 connector's test proxy (`amazonlambda-proxy.xml`, as it is: property "
          "mediators, `amazonlambda.init` from the request body, a `switch` on the `Action` "
          "header, `amazonlambda.invoke` signed with SigV4, `respond`). nginx: "
          "`worker_processes 2`, `proxy_pass` to the same stand-in over a keep-alive "
          "upstream. Peak RSS is VmHWM (nginx: master + workers)." % (g["secs"], g["runs"]))
        w("")
        w("| connections | mediac req/s | nginx req/s | ratio | mediac p50 / p99 ms | nginx p50 / p99 ms "
          "| mediac peak RSS MiB | nginx peak RSS MiB |")
        w("|---|---|---|---|---|---|---|---|")
        for cc in g["conns"]:
            m, n = g["data"]["mediac"][cc], g["data"]["nginx"][cc]
            w("| %d | %s | %s | %.2f× | %s / %s | %s / %s | %s | %s |" % (
                cc, mr([x["rps"] for x in m]), mr([x["rps"] for x in n]),
                med([x["rps"] for x in m]) / med([x["rps"] for x in n]),
                fmt(med([x["p50"] for x in m]), 2), mr([x["p99"] for x in m], 2),
                fmt(med([x["p50"] for x in n]), 2), mr([x["p99"] for x in n], 2),
                fmt(med([x["rss_peak_kib"] for x in m]) / 1024, 1),
                fmt(med([x["rss_peak_kib"] for x in n]) / 1024, 1)))
        errs = sum(x["non2xx"] + x["sockerr"] for t in ("mediac", "nginx")
                   for cc in g["conns"] for x in g["data"][t][cc])
        w("")
        w("Non-2xx answers and socket errors over all gateway runs: %d." % errs)
        w("")
    if co:
        w("## 1b. Cost per gateway request")
        w("")
        w("`bench/count/cost.py`: the same gateway load (`wrk -t1 -cN -d%ds`, after a 1 s "
          "warm-up) on mediac and on a separate 2-worker nginx reverse proxy, one after the "
          "other in this run, both to the same stand-in; %d run(s), the targets judged on "
          "the medians. CPU per request sums every thread "
          "of the server (nginx: master and workers) from `/proc/PID/task/*/schedstat`; "
          "allocations and frees come from `bench/count/alloc_counter.c` preloaded into "
          "both; system calls from `perf stat -e raw_syscalls:sys_enter` (%s). The load "
          "average is the 1-minute one when the cell ran." % (
              co["secs"], co.get("runs", 1), "available" if co["syscalls_by"] == "perf" else
              "perf could not count here: not measured"))
        w("")
        w("| server | connections | req/s | CPU µs/request | user share | allocations/request | "
          "frees/request | syscalls/request | context switches/request (voluntary / "
          "preempted) | errors | load |")
        w("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in co["rows"]:
            w("| %s | %d | %s | %.1f | %s | %.1f | %.1f | %s | %.3f / %.3f | %d | %.1f |" % (
                r["who"], r["conns"], fmt(r["rps"]), r["cpu_us"],
                "%.0f %%" % (100 * r["user_share"]) if "user_share" in r else "—",
                r["allocs"], r["frees"],
                "%.2f" % r["syscalls"] if "syscalls" in r else "—",
                r.get("vol_cs", 0), r.get("invol_cs", 0), r["errors"], r["load"]))
        w("")
    if c:
        w("## 2. Client: Lambda invoke calls")
        w("")
        w("%d invoke calls per run (%d runs), after one warm-up call, all to the same stand-in. "
          "mediac: `bench/client/host.c` (one engine, a flow with `amazonlambda.init` + "
          "`amazonlambda.invoke`; THREADS threads each running `mc_run_sequence` one message "
          "after another; libmediac's blocking path borrows one of 8 pooled HTTP clients per "
          "call). boto3: one client shared by a thread pool (`max_pool_connections` = threads). "
          "JS SDK v3: `LambdaClient` with a keep-alive `http.Agent`, N lanes of awaited calls "
          "under `Promise.all`. CPU is user + system seconds of the client process over the "
          "timed calls (getrusage / `process.cpuUsage`)." % (c["calls"], c["runs"]))
        w("")
        w("| client | mode | calls/s | CPU s per 1,000 calls |")
        w("|---|---|---|---|")
        fl = c["data"][("wrk", "sequential")]
        w("| *floor: `wrk -t1 -c1` straight to the stand-in, no client library* | sequential "
          "| %s | — |" % mr([x["cps"] for x in fl]))
        for mode in ("sequential", "concurrent"):
            for who in ("mediac", "boto3", "js-sdk"):
                d = c["data"][(who, mode)]
                w("| %s | %s | %s | %s |" % (who, mode if mode == "sequential" else
                                             "%d concurrent" % c["conc"],
                                             mr([x["cps"] for x in d]), mr([x["cpu"] for x in d], 3)))
        w("")
    if s:
        w("## 3. Signing: SigV4 signatures/s")
        w("")
        w("The same Lambda Invoke request (qualified function name, query, three headers, "
          "session token, 256-byte body hashed on every call, fixed time) signed by "
          "`bench/sign/bench_sign.c` (mediac's signer), botocore's `SigV4Auth.add_auth` "
          "(`bench/sign/botocore_sign.py`) and `@smithy/signature-v4` with `@smithy/hash-node` "
          "(`bench/node/sign.mjs`, `applyChecksum: false` so that it signs the same canonical "
          "request). All three produced signature `%s`. %d runs." % (s["signature"][:16] + "…",
                                                                       s["runs"]))
        w("")
        w("| signer | signatures/s | µs per signature | mediac ratio |")
        w("|---|---|---|---|")
        m = med(s["data"]["mediac"])
        for who in ("mediac", "botocore", "smithy"):
            v = med(s["data"][who])
            w("| %s | %s | %.2f | %s |" % (who, mr(s["data"][who]), 1e6 / v,
                                           "—" if who == "mediac" else "%.1f×" % (m / v)))
        w("")
    if sl:
        w("## 4. Slow upstream: 100 ms stand-in, %d concurrent clients" % sl["conns"])
        w("")
        w("`wrk -t2 -c%d -d%ds` through the same gateway flow; the stand-in answers each "
          "invoke after 100 ms (`echo_sleep 0.1`), so %d clients can at best get %s req/s. "
          "Threads sampled from `/proc/PID/status` every 100 ms; nginx figures are master + "
          "workers. %d runs." % (sl["conns"], sl["secs"], sl["conns"], "10,000", sl["runs"]))
        w("")
        w("| server | req/s | % of ideal | p50 / p99 ms | threads before / max during / after "
          "| peak RSS MiB | max descriptors ≥ 1024 | errors |")
        w("|---|---|---|---|---|---|---|---|")
        for who in ("mediac", "nginx"):
            d = sl["data"][who]
            w("| %s | %s | %.0f %% | %s / %s | %s | %s | %s | %d |" % (
                who, mr([x["rps"] for x in d]), med([x["rps"] for x in d]) / 100,
                fmt(med([x["p50"] for x in d])), fmt(med([x["p99"] for x in d])),
                ", ".join("%d/%d/%d" % (x["threads_before"], x["threads_max"], x["threads_after"])
                          for x in d),
                fmt(med([x["rss_peak_kib"] for x in d]) / 1024, 1),
                mr([x["high_fds"] for x in d]),
                sum(x["non2xx"] + x["sockerr"] for x in d)))
        w("")
        w("Descriptors numbered 1024 or above would be outside an `fd_set`; mediac's workers "
          "wait in `epoll_wait` on their connections and the upstream client's sockets "
          "alike, so the count only shows how many upstream sockets were open at once "
          "(docs/bench.md, \"One loop per worker\").")
        w("")
    if st:
        w("## 5. Startup and validation")
        w("")
        w("N generated proxies, one file each (property mediators, `amazonlambda.init`, a "
          "`switch` with `amazonlambda.invoke` and a `payloadFactory`). *validate*: wall time "
          "of `mediac validate DIR`, process start to exit. *serve ready*: from starting "
          "`mediac serve --workers 2 DIR` to the first answered `POST /services/benchProxy0` "
          "(an invoke through the stand-in; the client retries the connection every 0.5 ms). "
          "%d runs each." % st["runs"])
        w("")
        w("| artifacts | validate ms | serve ready ms |")
        w("|---|---|---|")
        for n in st["counts"]:
            w("| %s | %s | %s |" % (fmt(n), mr([v * 1000 for v in st["data"]["validate"][n]], 1),
                                    mr([v * 1000 for v in st["data"]["ready"][n]], 1)))
        w("| samples/ (the repository's samples) | — | %s |"
          % mr([v * 1000 for v in st["data"]["samples_ready"]], 1))
        w("")
    if me:
        w("## 6. Memory")
        w("")
        w("`mediac serve --workers 2 samples/` idle after start, then with %d keep-alive "
          "connections open, each having had one request answered (404); nginx peer: the "
          "reverse proxy above (`worker_processes 2`), same connections. VmRSS, summed over "
          "processes for nginx. %d runs." % (me["conns"], me["runs"]))
        w("")
        w("| server | idle RSS MiB | RSS with %d connections MiB | peak RSS MiB | answered |"
          % me["conns"])
        w("|---|---|---|---|---|")
        for who in ("mediac", "nginx"):
            d = me["data"][who]
            w("| %s | %s | %s | %s | %s |" % (
                who, mr([x["idle"] / 1024 for x in d], 1), mr([x["loaded"] / 1024 for x in d], 1),
                mr([x["peak"] / 1024 for x in d], 1), "/".join(str(x["answered"]) for x in d)))
        w("")
    if profiles:
        w("## Profiles of missed targets")
        w("")
        for label, lines in profiles:
            w("### %s" % label)
            w("")
            w("```")
            L.extend(lines)
            w("```")
            w("")
        w("What these say, and what could be done: [docs/bench.md](../docs/bench.md#the-cost-targets).")
        w("")
    with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
        f.write("\n".join(L).rstrip() + "\n")
    return heads


def main():
    global work
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-wait", action="store_true")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if not os.path.exists(WSO2_PROXY):
        sys.exit("bench: the WSO2 sample proxy is missing: %s (set MC_SHARED_DIR)" % WSO2_PROXY)
    work = tempfile.mkdtemp(prefix="mediac-bench-")
    try:
        env = Env(args)
        quiet, la = True, None
        if not args.quick and not args.no_wait:
            quiet, la = wait_quiet()
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
        started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        t0 = time.time()
        env.start_standin()
        only = set(filter(None, args.only.split(",")))
        steps = [("moto", check_moto), ("gateway", scenario_gateway), ("cost", scenario_cost),
                 ("client", scenario_client),
                 ("sign", scenario_sign), ("slow", scenario_slow), ("startup", scenario_startup),
                 ("memory", scenario_memory)]
        for name, fn in steps:
            if not only or name in only:
                log("scenario %s" % name)
                fn(env)
        profiles = []
        g = env.results.get("gateway")
        co = env.results.get("cost")
        gateway_missed = g and any(med([x["rps"] for x in g["data"]["mediac"][c]]) <
                                   0.5 * med([x["rps"] for x in g["data"]["nginx"][c]])
                                   for c in g["conns"])
        cost_missed = co and co["ratios"] and any(v[0] > 1.5 or v[1] < 0.8
                                                  for v in co["ratios"].values())
        if gateway_missed or cost_missed:
            log("gateway target missed: profiling mediac serve with perf")
            profiles.append(("mediac serve under the gateway load (perf record, wrk -c64, "
                             "5 s)", profile_gateway(env)))
        c = env.results.get("client")
        if c:
            d = c["data"]
            seq = med([x["cps"] for x in d[("mediac", "sequential")]]) / \
                med([x["cps"] for x in d[("boto3", "sequential")]])
            conc = med([x["cps"] for x in d[("mediac", "concurrent")]]) / \
                med([x["cps"] for x in d[("js-sdk", "concurrent")]])
            if seq < 10 or conc < 5:
                log("client target missed: profiling bench_host with callgrind")
                profiles.append(("bench_host, sequential invokes (valgrind --tool=callgrind)",
                                 profile_client(env)))
        plots = plot(env)
        info = machine_info(env)
        heads = write_results(env, info, load, quiet, started, time.time() - t0, plots, profiles)
        log("wrote bench/RESULTS.md and %s" % ", ".join("bench/" + p for p in plots))
        for name, ok, val in heads:
            log("target %-12s %s (%.2f)" % (name, "met" if ok else "MISSED", val))
    finally:
        cleanup()


if __name__ == "__main__":
    main()
