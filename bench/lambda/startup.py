#!/usr/bin/env python3
"""bench/lambda/startup.py - what loading the whole Lambda API costs.

`mediac serve samples/` with the amazonlambda connector's 85 operations
(and their shapes) against a reference measured in the same run: the same
command with a connector folder holding only WSO2's 15 operations (what
the connector had before issue 16).  For each, RUNS times: the time from
exec to the first answered request (a 404 on the port: the server is
ready), and the idle RSS (VmRSS) 300 ms later.  Also the process's CPU
time (user + system over its life: start, the request, 300 ms idle, exit),
which a busy machine inflates less than the wall clock.  Prints medians
and the ratios; targets: ready < 50 ms, idle RSS < 16 MiB.

usage: bench/lambda/startup.py [MEDIAC_BIN] [RUNS]   (default build/src/cli/mediac, 15)
"""
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NS = "{http://mediac.dev/ns/connector}"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wso2_only(dst):
    """A connector folder with connector.xml, shapes.xml and WSO2's 15."""
    src = os.path.join(ROOT, "connector", "amazonlambda")
    os.makedirs(os.path.join(dst, "amazonlambda", "operations"))
    for f in ("connector.xml", "shapes.xml"):
        shutil.copy(os.path.join(src, f), os.path.join(dst, "amazonlambda", f))
    n = 0
    for f in sorted(os.listdir(os.path.join(src, "operations"))):
        path = os.path.join(src, "operations", f)
        if ET.parse(path).getroot().get("origin", "wso2") == "wso2":
            shutil.copy(path, os.path.join(dst, "amazonlambda", "operations", f))
            n += 1
    return n


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def one_run(mediac, connectors):
    port, admin = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"MEDIAC_CONNECTOR_PATH": connectors, "AWS_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": "AKIDBENCH", "AWS_SECRET_ACCESS_KEY": "bench-secret",
                "AWS_EC2_METADATA_DISABLED": "true"})
    argv = [mediac, "serve", "--port", str(port), "--admin-port", str(admin),
            "--workers", "2", "--log-level", "error", os.path.join(ROOT, "samples")]
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = t0 + 10
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/no/such/resource")
                c.getresponse().read()
                c.close()
                break
            except OSError:
                if time.perf_counter() > deadline:
                    raise RuntimeError("mediac serve did not answer")
                time.sleep(0.0005)
        ready = time.perf_counter() - t0
        time.sleep(0.3)
        rss = rss_kib(p.pid)
    finally:
        p.terminate()
        _, _, ru = os.wait4(p.pid, 0)
        p.returncode = 0
    return ready * 1000, rss / 1024, (ru.ru_utime + ru.ru_stime) * 1000


def main():
    mediac = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "src", "cli",
                                                                "mediac")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    tmp = tempfile.mkdtemp(prefix="mediac-bench-lambda-")
    try:
        ref = os.path.join(tmp, "wso2")
        nref = wso2_only(ref)
        full = os.path.join(ROOT, "connector")
        nfull = len(os.listdir(os.path.join(full, "amazonlambda", "operations")))
        one_run(mediac, full)                     # warm the page cache
        res = {"full": [], "ref": []}
        for _ in range(runs):                     # interleaved: same conditions
            res["full"].append(one_run(mediac, full))
            res["ref"].append(one_run(mediac, ref))
        med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3))
               for k, v in res.items()}
        with open("/proc/loadavg") as f:
            load = f.read().split()[0]
        print("mediac serve samples/, %d runs each (median), load average %s:" % (runs, load))
        print("  %2d operations: ready %6.1f ms, idle RSS %5.1f MiB, CPU %5.1f ms" % (
            nfull, *med["full"]))
        print("  %2d operations: ready %6.1f ms, idle RSS %5.1f MiB, CPU %5.1f ms "
              "(reference: WSO2's set)" % (nref, *med["ref"]))
        print("  ratio full/reference: ready %.2fx, idle RSS %.2fx, CPU %.2fx" % (
            med["full"][0] / med["ref"][0], med["full"][1] / med["ref"][1],
            med["full"][2] / med["ref"][2]))
        ok = med["full"][0] < 50 and med["full"][1] < 16
        print("  targets (ready < 50 ms, idle RSS < 16 MiB): %s" % ("met" if ok else "MISSED"))
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
