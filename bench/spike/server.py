#!/usr/bin/env python3
"""server.py - the server-library spike: CPU per request of a bare answer
(no upstream) from nginx `return 200` (one worker), from `mediac serve`
with a one-mediator flow (<respond/>), and optionally from another mediac
binary (--other, e.g. the libmicrohttpd-based one), each under the same
wrk load, measured in one run.  CPU is the server's own, summed over its
threads from /proc/PID/task/*/schedstat (nanoseconds), divided by the
requests wrk completed.

    python3 bench/spike/server.py --mediac build/src/cli/mediac [--other OLD] \
        [--connections 16,64,256] [--seconds 5]
"""
import argparse
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

FLOW = """<proxy xmlns="http://ws.apache.org/ns/synapse" name="Echo">
  <target><inSequence><respond/></inSequence></target></proxy>
"""
NGINX = """worker_processes 1; daemon off; pid {d}/nginx.pid; error_log {d}/error.log;
events {{ worker_connections 4096; }}
http {{ access_log off; server {{ listen 127.0.0.1:{port}; keepalive_requests 1000000;
  location / {{ return 200 '{{}}'; }} }} }}
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cpu_ns(pid):
    """CPU of the process and its children (nginx's workers), all threads."""
    total = 0
    for f in glob.glob("/proc/%d/task/*/schedstat" % pid):
        try:
            with open(f) as fh:
                total += int(fh.read().split()[0])
        except OSError:
            pass
    for f in glob.glob("/proc/%d/task/*/children" % pid):
        try:
            with open(f) as fh:
                for child in fh.read().split():
                    total += cpu_ns(int(child))
        except OSError:
            pass
    return total


def wait_port(port, deadline=10):
    end = time.time() + deadline
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("port %d never opened" % port)


def measure(pid, url, conns, secs):
    subprocess.run(["wrk", "-t1", "-c%d" % conns, "-d1s", url], capture_output=True)  # warm-up
    before = cpu_ns(pid)
    out = subprocess.run(["wrk", "-t1", "-c%d" % conns, "-d%ds" % secs, url],
                         capture_output=True, text=True).stdout
    used = cpu_ns(pid) - before
    reqs = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return used / 1000.0 / max(reqs, 1), reqs / secs, int(errors.group(1)) if errors else 0


def start(args, env=None):
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mediac", required=True)
    ap.add_argument("--other")
    ap.add_argument("--connections", default="16,64,256")
    ap.add_argument("--seconds", type=int, default=5)
    a = ap.parse_args()
    if not shutil.which("wrk") or not shutil.which("nginx"):
        sys.exit("needs wrk and nginx (apt-get install wrk nginx-light)")
    d = tempfile.mkdtemp()
    with open(os.path.join(d, "echo.xml"), "w") as f:
        f.write(FLOW)
    servers = []
    try:
        port = free_port()
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(NGINX.format(d=d, port=port))
        servers.append(("nginx return 200", start(["nginx", "-c", os.path.join(d, "nginx.conf")]),
                        "http://127.0.0.1:%d/" % port))
        for label, binary in (("mediac serve (this build)", a.mediac), ("mediac serve (other)", a.other)):
            if not binary:
                continue
            port = free_port()
            env = dict(os.environ)
            if os.path.exists(os.path.join(os.path.dirname(binary), "libmediac.so.0")):
                env["LD_LIBRARY_PATH"] = os.path.dirname(binary)
            p = start([binary, "serve", "--port", str(port), "--workers", "1",
                       "--log-level", "warn", os.path.join(d, "echo.xml")], env)
            servers.append((label, p, "http://127.0.0.1:%d/services/Echo" % port))
        for _, p, url in servers:
            wait_port(int(url.split(":")[2].split("/")[0]))
        print("| connections | " + " | ".join(s[0] + " µs/req (req/s)" for s in servers) + " |")
        print("|---" * (len(servers) + 1) + "|")
        for c in [int(x) for x in a.connections.split(",")]:
            cells = []
            for _, p, url in servers:
                us, rps, errors = measure(p.pid, url, c, a.seconds)
                cells.append("%.1f (%d)%s" % (us, rps, " %d errors" % errors if errors else ""))
            print("| %d | %s |" % (c, " | ".join(cells)))
    finally:
        for _, p, _ in servers:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
