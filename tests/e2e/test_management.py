"""test_management.py - the management port as MI's: the read-only
Management API (/management/apis, proxy-services, sequences, endpoints,
local-entries, templates, connectors; one artifact by MI's query
parameter; unknown artifact 404 JSON), MI's probes (/liveness, /healthz)
and Prometheus text at /metric-service/metrics; loopback by default and a
Bearer token when bound elsewhere; and the flow viewer, loaded in headless
Chromium (Debian's chromium + chromium-driver, driven through chromedriver's
WebDriver HTTP API with urllib): the rendered DOM has every artifact, the
diagrams' boxes, branches, call boxes and reference links, live counts,
names escaped (an artifact called <script>...), and a screenshot is written
to BUILD/test-output/viewer.png."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.request

import mc
import serve_helpers as sh
from harness.moto_server import free_port

EVIL = "<script>document.title='pwned'</script>"
EVIL_XML = EVIL.replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<api name="Pets" context="/pets">
  <resource methods="GET" uri-template="/{id}">
    <inSequence>
      <filter source="$ctx:uri.var.id" regex="boom">
        <then><property name="HTTP_SC" value="503" scope="axis2"/><respond/></then>
        <else><sequence key="helper"/></else>
      </filter>
      <payloadFactory media-type="json"><format>{"id":"$1"}</format>
        <args><arg expression="$ctx:uri.var.id"/></args></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
</api>
<sequence name="%(evil)s">
  <log level="custom"><property name="x" value="&lt;b&gt;bold&lt;/b&gt;"/></log>
</sequence>
<sequence name="helper">
  <switch source="$ctx:uri.var.id">
    <case regex="1"><log/></case>
    <case regex="2"><sequence key="%(evil)s"/></case>
    <default><log level="simple"/></default>
  </switch>
</sequence>
<endpoint name="Backend"><http method="GET" uri-template="http://127.0.0.1:9/x"/></endpoint>
<localEntry key="CONN"><amazonlambda.init><region>us-east-1</region>
  <accessKeyId>AKIDEXAMPLE</accessKeyId><secretAccessKey>wJalrXUtnFEMI-SECRET-42</secretAccessKey>
</amazonlambda.init></localEntry>
<proxy name="Echo"><target><inSequence>
  <call><endpoint key="Backend"/></call>
  <amazonlambda.invoke configKey="CONN" responseVariable="r"><functionName>f</functionName></amazonlambda.invoke>
  <respond/>
</inSequence></target></proxy>
</definitions>
""" % {"evil": EVIL_XML}



class ManagementBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.dir = tempfile.TemporaryDirectory()
        with open(os.path.join(cls.dir.name, "flows.xml"), "w") as f:
            f.write(FLOWS)
        cls.srv = sh.Server([cls.dir.name], "--workers", "1")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.dir.cleanup()

    def get(self, path):
        r = self.srv.request("GET", path, admin=True)
        return r.status, r


class ManagementApiTest(ManagementBase):
    def test_lists_in_mi_shape(self):
        cases = {"/management/apis": ["Pets"], "/management/proxy-services": ["Echo"],
                 "/management/sequences": sorted([EVIL, "helper"]),
                 "/management/endpoints": ["Backend"], "/management/local-entries": ["CONN"],
                 "/management/templates": [], "/management/connectors": ["amazonlambda"]}
        for path, names in cases.items():
            st, r = self.get(path)
            self.assertEqual(st, 200, path)
            self.assertEqual(r.header("Content-Type"), "application/json")
            doc = r.json()
            self.assertEqual(doc["count"], len(doc["list"]), path)
            self.assertEqual(sorted(o["name"] for o in doc["list"]), names, path)
        api = self.get("/management/apis")[1].json()["list"][0]
        self.assertEqual(api["url"], "http://127.0.0.1:%d/pets" % self.srv.port)
        self.assertEqual(api["urlList"], [api["url"]])
        ep = self.get("/management/endpoints")[1].json()["list"][0]
        self.assertEqual((ep["type"], ep["isActive"]), ("http", True))
        le = self.get("/management/local-entries")[1].json()["list"][0]
        self.assertEqual(le["type"], "Inline XML")

    def test_one_artifact(self):
        doc = self.get("/management/apis?apiName=Pets")[1].json()
        self.assertEqual(doc["resources"], [{"methods": ["GET"], "url": "/{id}"}])
        self.assertIn('<api xmlns="http://ws.apache.org/ns/synapse" name="Pets"', doc["configuration"])
        doc = self.get("/management/proxy-services?proxyServiceName=Echo")[1].json()
        self.assertTrue(doc["isRunning"])
        self.assertIn("<proxy", doc["configuration"])
        doc = self.get("/management/sequences?sequenceName=helper")[1].json()
        self.assertEqual(doc["mediators"], ["switch"])
        q = urllib.request.quote(EVIL)
        doc = self.get("/management/sequences?sequenceName=" + q)[1].json()
        self.assertEqual(doc["name"], EVIL)
        doc = self.get("/management/endpoints?endpointName=Backend")[1].json()
        self.assertIn("uri-template", doc["configuration"])
        doc = self.get("/management/connectors?connectorName=amazonlambda")[1].json()
        self.assertEqual(doc["list"][0]["status"], "enabled")

    def test_secrets_are_masked(self):
        st, r = self.get("/management/local-entries?name=CONN")
        self.assertEqual(st, 200)
        self.assertNotIn(b"wJalrXUtnFEMI-SECRET-42", r.body)
        self.assertIn("<secretAccessKey>*****</secretAccessKey>", r.json()["value"])
        for path in ["/management/proxy-services?proxyServiceName=Echo", "/viewer"]:
            self.assertNotIn(b"wJalrXUtnFEMI-SECRET-42", self.get(path)[1].body)

    def test_unknown_artifact_404_json(self):
        for path in ["/management/apis?apiName=Nope", "/management/proxy-services?proxyServiceName=Nope",
                     "/management/sequences?sequenceName=Nope", "/management/endpoints?endpointName=Nope",
                     "/management/local-entries?name=Nope", "/management/templates?type=sequence&name=Nope",
                     "/management/connectors?connectorName=Nope", "/management/nothing"]:
            st, r = self.get(path)
            self.assertEqual(st, 404, path)
            self.assertEqual(r.header("Content-Type"), "application/json")
            self.assertIn("Error", r.json(), path)

    def test_probes_and_metrics(self):
        st, r = self.get("/liveness")
        self.assertEqual((st, r.json()), (200, {"server": "started"}))
        st, r = self.get("/healthz")
        self.assertEqual((st, r.json()["status"]), (200, "ready"))
        self.srv.request("GET", "/pets/7")
        st, r = self.get("/metric-service/metrics")
        self.assertEqual(st, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain; version=0.0.4"))
        self.assertIn(b'mediac_requests_total{artifact="api:Pets",status="200"}', r.body)


class TokenTest(unittest.TestCase):
    def setUp(self):
        mc.require_binary(self)
        self.dir = tempfile.TemporaryDirectory()
        with open(os.path.join(self.dir.name, "flows.xml"), "w") as f:
            f.write(FLOWS)

    def tearDown(self):
        self.dir.cleanup()

    def test_off_loopback_needs_a_token(self):
        r = mc.run(["serve", "--bind", "0.0.0.0", "--port", "0", "--admin-port", "0", self.dir.name],
                   timeout=20)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--admin-token-file", r.stderr)

    def test_token_is_asked(self):
        tok = os.path.join(self.dir.name, "token")
        with open(tok, "w") as f:
            f.write("s3cret-token-0123456789\n")
        srv = sh.Server([self.dir.name], "--workers", "1", "--admin-token-file", tok)
        try:
            self.assertEqual(srv.request("GET", "/management/apis", admin=True).status, 401)
            r = srv.request("GET", "/management/apis", admin=True,
                            headers={"Authorization": "Bearer wrong-token-0123456789"})
            self.assertEqual(r.status, 401)
            r = srv.request("GET", "/management/apis", admin=True,
                            headers={"Authorization": "Bearer s3cret-token-0123456789"})
            self.assertEqual(r.status, 200)
            self.assertEqual(srv.request("GET", "/healthz", admin=True).status, 200)
            self.assertEqual(srv.request("GET", "/liveness", admin=True).status, 200)
        finally:
            srv.stop()
        self.assertNotIn("s3cret-token", srv.log())


class WebDriver:
    """chromedriver's W3C WebDriver API over urllib; Chromium headless."""

    def __init__(self, out_dir):
        self.port = free_port()
        self.proc = subprocess.Popen([shutil.which("chromedriver"), "--port=%d" % self.port],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.profile = tempfile.mkdtemp(prefix="mediac-chromium-")
        deadline = time.time() + 30
        while True:
            try:
                self.call("GET", "/status")
                break
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    self.close()
                    raise
                time.sleep(0.1)
        binary = shutil.which("chromium")
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": binary,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--user-data-dir=" + self.profile,
                     "--window-size=1280,1600"]}}}}
        self.session = self.call("POST", "/session", caps)["value"]["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data,
                                     method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"{}")

    def s(self, method, path, body=None):
        return self.call(method, "/session/%s%s" % (self.session, path), body)["value"]

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def close(self):
        try:
            if getattr(self, "session", None):
                self.call("DELETE", "/session/" + self.session)
        except OSError:
            pass
        mc.stop_process(self.proc)
        shutil.rmtree(self.profile, ignore_errors=True)


@unittest.skipUnless(shutil.which("chromium") and shutil.which("chromedriver"),
                     "chromium and chromium-driver are not installed")
class ViewerInChromiumTest(ManagementBase):
    def test_page_in_a_real_browser(self):
        for _ in range(3):
            self.assertEqual(self.srv.request("GET", "/pets/1").status, 200)
        self.assertEqual(self.srv.request("GET", "/pets/boom").status, 503)
        out = os.path.join(mc.BUILD, "test-output")
        os.makedirs(out, exist_ok=True)
        wd = WebDriver(out)
        try:
            wd.s("POST", "/url", {"url": "http://127.0.0.1:%d/viewer" % self.srv.admin_port})
            # the counts come from /viewer/counts (fetched by the page)
            deadline = time.time() + 20
            counts = None
            while time.time() < deadline:
                counts = wd.js("var s=document.querySelector('.counts[data-artifact=\"api:Pets\"]');"
                               "return s?[s.querySelector('.req').textContent,"
                               "s.querySelector('.err').textContent]:null;")
                if counts == ["4", "1"]:
                    break
                time.sleep(0.2)
            self.assertEqual(counts, ["4", "1"])
            dom = wd.js("""
                var q=function(s){return Array.prototype.map.call(document.querySelectorAll(s),
                    function(e){return e.textContent.trim();});};
                return {
                  title: document.title,
                  scripts: document.querySelectorAll('script').length,
                  nav: q('nav a'),
                  sections: Array.prototype.map.call(document.querySelectorAll('section.artifact'),
                      function(e){return e.getAttribute('data-name');}),
                  seqTitles: q('section.sequence .title'),
                  apiBoxes: Array.prototype.map.call(
                      document.querySelectorAll('section.api .mediator'),
                      function(e){return e.getAttribute('data-mediator');}),
                  apiBranchLabels: q('section.api .branch > .label'),
                  switchLabels: q('section.sequence[data-name="helper"] .branch > .label'),
                  refToHelper: Array.prototype.map.call(document.querySelectorAll('section.api a.ref'),
                      function(a){return [a.textContent, a.getAttribute('href'),
                        document.querySelector(a.getAttribute('href')).getAttribute('data-name')];}),
                  evilRef: Array.prototype.map.call(document.querySelectorAll('section.sequence[data-name="helper"] a.ref'),
                      function(a){return document.querySelector(a.getAttribute('href')).getAttribute('data-name');}),
                  calls: q('section.proxy .mediator.call'),
                  connectorLink: Array.prototype.map.call(document.querySelectorAll('section.proxy .connector a.ref'),
                      function(a){return document.querySelector(a.getAttribute('href')).getAttribute('data-name');}),
                  endpointLink: Array.prototype.map.call(document.querySelectorAll('section.proxy .mediator.call a.ref'),
                      function(a){return a.textContent;}),
                  detail: q('section.sequence .detail'),
                  strayBold: document.querySelectorAll('main b:not(.req):not(.err)').length,
                  images: document.querySelectorAll('img').length,
                  external: Array.prototype.filter.call(document.querySelectorAll('[src],[href]'),
                      function(e){var v=e.getAttribute('src')||e.getAttribute('href');return v.indexOf('#')!=0;}).length
                };""")
            png = wd.s("GET", "/screenshot")
            with open(os.path.join(out, "viewer.png"), "wb") as f:
                f.write(base64.b64decode(png))
        finally:
            wd.close()
        self.assertEqual(dom["title"], "mediac flows")          # the name ran no script
        self.assertEqual(dom["scripts"], 1)                     # only the page's own
        self.assertEqual(dom["images"], 0)
        self.assertEqual(dom["external"], 0)                    # nothing from elsewhere
        for name in ["Pets", "Echo", "helper", EVIL, "Backend", "CONN"]:
            self.assertIn(name, dom["nav"])
            self.assertIn(name, dom["sections"])
        self.assertIn(EVIL, dom["seqTitles"])
        self.assertEqual(dom["apiBoxes"], ["filter", "property", "respond", "sequence",
                                           "payloadFactory", "respond"])
        self.assertEqual(dom["apiBranchLabels"], ["then", "else"])
        self.assertEqual(dom["switchLabels"], ["case 1", "case 2", "default"])
        self.assertEqual([(t, target) for t, _, target in dom["refToHelper"]],
                         [("helper", "helper")])
        self.assertEqual(dom["evilRef"], [EVIL])
        self.assertEqual(len(dom["calls"]), 2)
        self.assertEqual(dom["connectorLink"], ["CONN"])
        self.assertIn("Backend", dom["endpointLink"])
        self.assertIn("level=custom", dom["detail"])
        self.assertEqual(dom["strayBold"], 0)                   # no markup from the flows
        self.assertTrue(os.path.getsize(os.path.join(out, "viewer.png")) > 1000)


if __name__ == "__main__":
    unittest.main()
