#!/usr/bin/env python3
"""per_message.py - peak memory one message costs `mediac serve`, as a
multiple of its body (issue 11 section 3, docs/hardening.md "Memory").

For each case a fresh `mediac serve --workers 1` takes one warm-up request,
then one 9 MiB body; the growth of the peak RSS (VmHWM) over the RSS before
it, divided by the body size, is printed.  Cases: a JSON array read with
json-eval (its tree is built), the same echoed (no tree), a JSON body over
the node limit (413, nothing built), an XML body of 90,000 elements read
with XPath and answered as JSON.

    bench/alloc/per_message.py [--mediac PATH]
"""
import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
MIB = 1 << 20
FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
  <proxy name="Read"><target><inSequence>
    <property name="first" expression="json-eval($[0])"/>
    <payloadFactory media-type="json"><format>{"first":"$1"}</format>
      <args><arg expression="get-property('first')"/></args></payloadFactory>
    <respond/></inSequence></target></proxy>
  <proxy name="XRead"><target><inSequence>
    <property name="first" expression="//i[1]"/>
    <property name="messageType" value="application/json" scope="axis2"/>
    <respond/></inSequence></target></proxy>
  <proxy name="Echo"><target><inSequence><respond/></inSequence></target></proxy>
</definitions>"""


def rss(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mediac", default=os.path.join(ROOT, "build", "src", "cli", "mediac"))
    a = ap.parse_args()
    os.environ["MEDIAC_BIN"] = a.mediac
    from serve_helpers import Server
    strings = "[" + ",".join(['"%s"' % ("x" * 18)] * ((9 * MIB) // 21)) + "]"
    cases = [
        ("JSON array read with json-eval", "Read", "application/json", strings),
        ("the same, echoed", "Echo", "application/json", strings),
        ("JSON over the node limit", "Read", "application/json",
         "[" + ",".join(["0"] * (9 * MIB // 2)) + "]"),
        ("XML, 90,000 elements, XPath, as JSON", "XRead", "application/xml",
         "<r>" + "".join("<i>%s</i>" % ("y" * 96) for _ in range(9 * MIB // 106)) + "</r>"),
    ]
    d = tempfile.mkdtemp(prefix="mediac-mem-")
    path = os.path.join(d, "flows.xml")
    with open(path, "w") as f:
        f.write(FLOWS)
    print("| case | body | answer | peak RSS growth | x body |\n|---|---:|---:|---:|---:|")
    for name, proxy, ctype, body in cases:
        srv = Server([path], "--workers", "1", "--max-body", str(10 * MIB))
        try:
            srv.request("POST", "/services/Echo", "[1]", {"Content-Type": "application/json"})
            base = rss(srv.proc.pid, "VmRSS")
            r = srv.request("POST", "/services/" + proxy, body, {"Content-Type": ctype},
                            timeout=300)
            grew = (rss(srv.proc.pid, "VmHWM") - base) * 1024
            print("| %s | %.1f MiB | %d | %.1f MiB | %.2f |"
                  % (name, len(body) / MIB, r.status, grew / MIB, grew / len(body)))
        finally:
            srv.stop()
            srv.close()


if __name__ == "__main__":
    sys.exit(main())
