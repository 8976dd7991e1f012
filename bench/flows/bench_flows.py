#!/usr/bin/env python3
"""bench_flows.py - issue 15's two flow benchmarks, each against a reference
measured in the same run (docs/bench.md, "Split and join, transform"):

1. split and join: a 100-item JSON message, iterate + aggregate with one
   call to the stand-in (nginx on loopback) per item, 64 concurrent
   clients; against the same 100 calls made one after another by a plain
   sequence of 100 <call>s.  Requests/s and mediac's CPU per item (the
   process's user+system time over the items called).
2. transform: xslt on a 100 KiB XML document and a script that edits a
   10 KiB JSON payload, 4 concurrent clients: mediac's CPU per message in
   microseconds, against a flow that only answers the same payload.

Load comes from wrk (POST bodies from a Lua script).  Everything started is
stopped by its PID.  Usage: bench_flows.py MEDIAC [--seconds N]"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

work = tempfile.mkdtemp(prefix="mediac-bench-flows-")
procs = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d did not open" % port)


def start(argv, **kw):
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "log"), "a"), **kw)
    procs.append(p)
    return p


def stop_all():
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    shutil.rmtree(work, ignore_errors=True)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(port, path, body, ctype, conns, seconds):
    lua = os.path.join(work, "post-%d.lua" % abs(hash(path)))
    with open(lua, "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = %s\nwrk.body = %s\n'
                % (json.dumps(ctype), json.dumps(body)))
    out = subprocess.run(["wrk", "-t2", "-c%d" % conns, "-d%ds" % seconds, "--timeout", "10s",
                          "-s", lua, "http://127.0.0.1:%d%s" % (port, path)],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    reqs = int(re.search(r"(\d+) requests in", out).group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return reqs, float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), int(m.group(1)) if m else 0


def measure(srv, port, path, body, ctype, conns, seconds):
    wrk(port, path, body, ctype, conns, 1)          # warm up
    c0 = cpu_seconds(srv.pid)
    reqs, rps, bad = wrk(port, path, body, ctype, conns, seconds)
    cpu = cpu_seconds(srv.pid) - c0
    if bad:
        raise RuntimeError("%s: %d answers were not 2xx" % (path, bad))
    return {"requests": reqs, "rps": rps, "cpu_s": cpu}


def config(up):
    calls = "".join('<call><endpoint key="item"/></call>' for _ in range(100))
    rows = "".join("<row><id>%d</id><name>item %d</name><price>%d.5</price></row>" % (i, i, i % 90)
                   for i in range(1600))
    xml = "<rows>%s</rows>" % rows
    return ("""<definitions xmlns="http://ws.apache.org/ns/synapse">
<endpoint name="item"><http method="POST" uri-template="http://127.0.0.1:%d/item"/></endpoint>
<localEntry key="sum.xsl"><xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/rows"><summary count="{count(row)}" total="{sum(row/price)}">
    <xsl:for-each select="row[price &gt; 80]"><big id="{id}"><xsl:value-of select="name"/></big></xsl:for-each>
  </summary></xsl:template></xsl:stylesheet></localEntry>
<api name="b" context="/b">
  <resource methods="POST" uri-template="/split"><inSequence>
    <iterate expression="json-eval($.items)"><target><sequence><call><endpoint key="item"/></call></sequence></target></iterate>
    <aggregate><completeCondition><messageCount min="-1" max="-1"/></completeCondition>
      <onComplete expression="json-eval($)"><respond/></onComplete></aggregate>
  </inSequence></resource>
  <resource methods="POST" uri-template="/loop"><inSequence>%s<respond/></inSequence></resource>
  <resource methods="POST" uri-template="/xslt"><inSequence><xslt key="sum.xsl"/><respond/></inSequence></resource>
  <resource methods="POST" uri-template="/script"><inSequence><script language="js"><![CDATA[
    var o = mc.getPayloadJSON(), t = 0;
    for (var i = 0; i < o.items.length; i++) { var it = o.items[i]; it.total = it.qty * it.price; t += it.total; }
    o.sum = t; mc.setPayloadJSON(o);]]></script><respond/></inSequence></resource>
  <resource methods="POST" uri-template="/echo"><inSequence><respond/></inSequence></resource>
</api>
</definitions>
""" % (up, calls)), xml


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mediac")
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()
    up = free_port()
    ngx = os.path.join(work, "nginx")
    os.makedirs(ngx)
    with open(os.path.join(ngx, "nginx.conf"), "w") as f:
        f.write("""worker_processes 1; pid %s/nginx.pid; error_log %s/error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path %s;
  server { listen 127.0.0.1:%d; keepalive_requests 100000;
    location /item { default_type application/json; return 200 '{"ok":true}'; } } }
""" % (ngx, ngx, ngx, up))
    start(["nginx", "-c", os.path.join(ngx, "nginx.conf"), "-p", ngx, "-g", "daemon off;"])
    wait_port(up)
    conf = os.path.join(work, "conf")
    os.makedirs(conf)
    flows, xml = config(up)
    with open(os.path.join(conf, "flows.xml"), "w") as f:
        f.write(flows)
    port, admin = free_port(), free_port()
    srv = start([args.mediac, "serve", "--port", str(port), "--admin-port", str(admin),
                 "--workers", "2", "--log-level", "error", conf])
    wait_port(port)
    items = json.dumps({"items": [{"id": i, "qty": i % 5 + 1, "price": i % 40 + 0.25} for i in range(100)]})
    edit = json.dumps({"order": "o-1", "items": [{"sku": "item-%d" % i, "qty": i % 5 + 1,
                                                 "price": i % 40 + 0.25, "tags": ["a", "b"]}
                                                for i in range(160)]})
    s = args.seconds
    split = measure(srv, port, "/b/split", items, "application/json", 64, s)
    loop = measure(srv, port, "/b/loop", items, "application/json", 64, s)
    xslt = measure(srv, port, "/b/xslt", xml, "application/xml", 4, s)
    xml_ref = measure(srv, port, "/b/echo", xml, "application/xml", 4, s)
    script = measure(srv, port, "/b/script", edit, "application/json", 4, s)
    json_ref = measure(srv, port, "/b/echo", edit, "application/json", 4, s)

    def per_item(r):
        return r["cpu_s"] / (r["requests"] * 100) * 1e6

    def per_msg(r):
        return r["cpu_s"] / r["requests"] * 1e6

    print("## Split and join (100 JSON items, one call each, 64 concurrent clients, %d s)\n" % s)
    print("| flow | requests/s | items/s | mediac CPU per item |")
    print("|---|---:|---:|---:|")
    for name, r in (("iterate + aggregate", split), ("plain sequence of 100 calls", loop)):
        print("| %s | %.1f | %.0f | %.1f µs |" % (name, r["rps"], r["rps"] * 100, per_item(r)))
    print("\niterate+aggregate / plain calls: requests/s x%.2f, CPU per item x%.2f\n"
          % (split["rps"] / loop["rps"], per_item(split) / per_item(loop)))
    print("## Transform (4 concurrent clients, %d s)\n" % s)
    print("| flow | payload | requests/s | mediac CPU per message | reference (respond only) | ratio |")
    print("|---|---|---:|---:|---:|---:|")
    print("| xslt | %d KiB XML | %.0f | %.0f µs | %.0f µs | x%.1f |"
          % (len(xml) // 1024, xslt["rps"], per_msg(xslt), per_msg(xml_ref), per_msg(xslt) / per_msg(xml_ref)))
    print("| script | %d KiB JSON | %.0f | %.0f µs | %.0f µs | x%.1f |"
          % (len(edit) // 1024, script["rps"], per_msg(script), per_msg(json_ref),
             per_msg(script) / per_msg(json_ref)))


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_all()
