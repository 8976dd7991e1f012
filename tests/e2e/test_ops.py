"""test_ops.py - operating mediac like MI: --help of every subcommand, flag
errors that name the flag, the deployment.toml-style --config file (unknown
key, wrong type, out of range refused with file:line; flags override the
file; MI's default ports), `describe` of mediators with suggestions, one
timestamped log format for run and serve (text and JSON), and the
correlation id (MI's activityid header: taken from the client or generated,
returned, sent upstream, on every log line of the message)."""
import http.server
import json
import os
import re
import socket
import tempfile
import threading
import unittest

import mc
import serve_helpers as sh

TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
TEXT_LINE = re.compile(r"^" + TS + r" (error|warn|info|debug) ")

API = """<api xmlns="http://ws.apache.org/ns/synapse" name="Pets" context="/pets">
  <resource methods="GET" uri-template="/{id}">
    <inSequence>
      <log level="custom"><property name="pet" expression="$ctx:uri.var.id"/></log>
      <payloadFactory media-type="json"><format>{"id":"$1"}</format>
        <args><arg expression="$ctx:uri.var.id"/></args></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="GET" uri-template="/up/{port}">
    <inSequence>
      <log level="custom"><property name="step" value="before call"/></log>
      <call><endpoint><http method="GET" uri-template="http://127.0.0.1:{uri.var.port}/rec"/></endpoint></call>
      <log level="custom"><property name="step" value="after call"/></log>
      <respond/>
    </inSequence>
  </resource>
</api>
"""

SEQ = """<sequence xmlns="http://ws.apache.org/ns/synapse" name="main">
  <log level="custom"><property name="hello" value="world"/></log>
  <payloadFactory media-type="json"><format>{"ok":true}</format><args/></payloadFactory>
</sequence>
"""


def write(d, name, text):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(text)
    return p


class Recorder(http.server.ThreadingHTTPServer):
    """A local upstream that records the headers of each request."""

    def __init__(self):
        self.seen = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.seen.append({k.lower(): v for k, v in self.headers.items()})
                body = b'{"up":true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        super().__init__(("127.0.0.1", 0), H)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self):
        self.shutdown()
        self.server_close()


class HelpTest(unittest.TestCase):
    def setUp(self):
        mc.require_binary(self)

    def test_every_subcommand_answers_help(self):
        for cmd in ["run", "serve", "validate", "describe", "version"]:
            for flag in ["--help", "-h"]:
                r = mc.run([cmd, flag])
                self.assertEqual(r.returncode, 0, cmd + r.stderr)
                self.assertIn("usage: mediac " + cmd, r.stdout)
                self.assertIn("example:", r.stdout)
        serve = mc.run(["serve", "--help"]).stdout
        for text in ["--port N", "default: 0", "--workers N", "default: online CPUs",
                     "--config FILE", "file: server.port", "--log-format FORMAT",
                     "one of text, json", "default: 10M"]:
            self.assertIn(text, serve)
        run = mc.run(["run", "--help"]).stdout
        self.assertIn("--api NAME", run)
        self.assertIn("--method M", run)
        self.assertIn("--path P", run)
        self.assertIn("--sequence NAME", run)
        self.assertIn("--format FORMAT", mc.run(["validate", "--help"]).stdout)

    def test_top_level_help(self):
        r = mc.run(["--help"])
        self.assertEqual(r.returncode, 0)
        for cmd in ["run", "serve", "validate", "describe", "version"]:
            self.assertIn("  " + cmd, r.stdout)

    def test_errors_name_the_flag(self):
        cases = [
            (["serve", "--workers", "0", "x"], "mediac: --workers: needs a number >= 1, got '0'"),
            (["serve", "--port", "70000", "x"], "mediac: --port: needs a number <= 65535 (TCP ports go from 0 to 65535; 0 picks a free one), got '70000'"),
            (["serve", "--admin-port=-1", "x"], "mediac: --admin-port: needs a number >= 0"),
            (["serve", "--max-body", "ten", "x"], "mediac: --max-body: needs a number >= 1"),
            (["serve", "--log-format", "xml", "x"], "mediac: --log-format: needs one of text, json, got 'xml'"),
            (["serve", "--wokers", "2", "x"], "mediac: unknown option '--wokers'; did you mean '--workers'?"),
            (["serve", "--port"], "mediac: --port: needs a value (N)"),
            (["serve"], "mediac: serve needs PATH..."),
            (["run", "--repeat", "0", "x"], "mediac: --repeat: needs a number >= 1, got '0'"),
            (["run", "--property", "novalue", "x"], "mediac: --property: needs NAME=VALUE, got 'novalue'"),
            (["validate", "--format", "yaml", "x"], "mediac: --format: needs one of text, json, got 'yaml'"),
            (["describe", "a", "b"], "mediac: describe takes one NAME, got 2"),
        ]
        for args, want in cases:
            r = mc.run(args)
            self.assertEqual(r.returncode, 2, args)
            self.assertTrue(r.stderr.startswith(want), "%s: %r" % (args, r.stderr))


class RunApiTest(unittest.TestCase):
    """mediac run --api NAME --method M --path P runs one API resource."""

    def setUp(self):
        mc.require_binary(self)
        self.dir = tempfile.TemporaryDirectory()
        write(self.dir.name, "api.xml", API.replace(
            '<resource methods="GET" uri-template="/up/{port}">',
            '<resource methods="POST" uri-template="/echo?tag={tag}"><inSequence>'
            '<payloadFactory media-type="json"><format>{"tag":"$1","method":"$2","n":$3}</format>'
            '<args><arg expression="$ctx:uri.var.tag"/><arg expression="$ctx:REST_METHOD"/>'
            '<arg expression="json-eval($.n)"/></args></payloadFactory><respond/>'
            '</inSequence></resource>'
            '<resource methods="GET" uri-template="/up/{port}">'))

    def tearDown(self):
        self.dir.cleanup()

    def test_resource_by_method_and_path(self):
        r = mc.run(["run", "--api", "Pets", "--method", "GET", "--path", "/pets/42", self.dir.name])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"id": "42"})
        self.assertIn("pet = 42", r.stderr)
        # relative to the context, GET by default
        r = mc.run(["run", "--api", "Pets", "--path", "/7", self.dir.name])
        self.assertEqual(json.loads(r.stdout), {"id": "7"})
        r = mc.run(["run", "--api", "Pets", "--method", "POST", "--path", "/echo?tag=a%20b",
                    "--payload", "-", "--content-type", "application/json", self.dir.name],
                   stdin='{"n": 5}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"tag": "a b", "method": "POST", "n": 5})

    def test_refusals(self):
        cases = [
            (["--api", "Pest"], "no API named 'Pest'; did you mean 'Pets'?"),
            (["--api", "Pets", "--method", "DELETE", "--path", "/1"],
             "DELETE /pets/1: no resource of the API allows this method"),
            (["--api", "Pets", "--path", "/a/b/c"], "GET /pets/a/b/c: no resource of the API matches this path"),
            (["--path", "/x"], "--path needs --api NAME"),
            (["--api", "Pets", "--sequence", "main"], "give one of --sequence, --proxy and --api"),
        ]
        for args, want in cases:
            r = mc.run(["run"] + args + [self.dir.name])
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(want, r.stderr)


class ConfigFileTest(unittest.TestCase):
    def setUp(self):
        mc.require_binary(self)
        self.dir = tempfile.TemporaryDirectory()
        self.flows = os.path.join(self.dir.name, "flows")
        os.mkdir(self.flows)
        write(self.flows, "api.xml", API)

    def tearDown(self):
        self.dir.cleanup()

    def refused(self, text, where, msg):
        path = write(self.dir.name, "deployment.toml", text)
        r = mc.run(["serve", "--config", path, self.flows], timeout=20)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("%s:%s: %s" % (path, where, msg), r.stderr)

    def test_unknown_key_wrong_type_range(self):
        self.refused("[server]\nprot = 8290\n", "2:1", "unknown key 'server.prot'; did you mean 'server.port'?")
        self.refused("# c\n[transport.http]\nlistener.port = 8290\n", "3:1", "unknown key 'transport.http.listener.port'")
        self.refused("[server]\nworkers = \"four\"\n", "2:1", "server.workers: needs an integer, got a string")
        self.refused("[server]\nworkers = 0\n", "2:1", "server.workers: needs a number >= 1, got 0")
        self.refused("[management]\nport = 70000\n", "2:1", "management.port: needs a number <= 65535")
        self.refused("[log]\nformat = \"xml\"\n", "2:1", "log.format: needs one of text, json, got 'xml'")
        self.refused("[server]\nport = 8290.5\n", "2:8", "floating-point numbers are not supported")
        self.refused("[server\n", "1:8", "expected ']' to close the table header")

    def test_file_settings_apply_and_flags_override(self):
        path = write(self.dir.name, "deployment.toml",
                     "[server]\nworkers = 1\nbind = \"127.0.0.1\"\nport = 1\n"
                     "[limits]\nmax_body = \"1K\"\n[log]\nformat = \"json\"\n")
        # the file's port 1 is overridden by the helper's --port 0
        srv = sh.Server([self.flows], "--config", path)
        try:
            self.assertIn("workers 1", srv.log())
            r = srv.request("POST", "/pets/1", body=b"x" * 2048,
                            headers={"Content-Type": "text/plain"})
            self.assertEqual(r.status, 413)
            self.assertEqual(srv.request("GET", "/pets/1").status, 200)
        finally:
            srv.stop()
        lines = [json.loads(l) for l in srv.log().splitlines() if l.strip()]
        self.assertTrue(all("time" in l and "level" in l for l in lines), lines)

    def test_mi_default_ports(self):
        if not (sh.port_free(8290) and sh.port_free(9164)):
            self.skipTest("8290 or 9164 is in use on this machine")
        path = write(self.dir.name, "deployment.toml", "[server]\ndefaults = \"mi\"\nworkers = 1\n")
        log = tempfile.NamedTemporaryFile(delete=False)
        import subprocess, time
        p = subprocess.Popen([mc.BIN, "serve", "--config", path, self.flows],
                             stdout=subprocess.DEVNULL, stderr=log)
        try:
            text = sh.wait_listening(p, log.name)
            self.assertIn("listening on 127.0.0.1:8290 admin 127.0.0.1:9164", text)
            self.assertEqual(sh.request(8290, "GET", "/pets/3").status, 200)
        finally:
            p.terminate()
            p.wait(20)
            os.unlink(log.name)


class DescribeTest(unittest.TestCase):
    def setUp(self):
        mc.require_binary(self)

    def test_list(self):
        r = mc.run(["describe"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("built-in mediators", r.stdout)
        self.assertIn("connectors", r.stdout)
        for name in ["property", "filter", "switch", "call", "payloadFactory", "amazonlambda"]:
            self.assertRegex(r.stdout, r"\n  %s +\S" % re.escape(name))

    def test_mediators(self):
        r = mc.run(["describe", "property"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("<property>", r.stdout)
        self.assertRegex(r.stdout, r"name +required")
        self.assertRegex(r.stdout, r"scope +optional +one of default, transport")
        r = mc.run(["describe", "switch"])
        self.assertIn("children: <case>, <default>", r.stdout)

    def test_suggestions(self):
        for typo, want in [("amazonlambda.invok", "amazonlambda.invoke"),
                           ("proprety", "property"), ("amazonlamda", "amazonlambda"),
                           ("payloadfactory", "payloadFactory")]:
            r = mc.run(["describe", typo])
            self.assertEqual(r.returncode, 1, typo)
            self.assertIn("did you mean '%s'?" % want, r.stderr)
        r = mc.run(["describe", "zzzzzzzzzz"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("mediac describe lists them", r.stderr)


class LogFormatTest(unittest.TestCase):
    def setUp(self):
        mc.require_binary(self)
        self.dir = tempfile.TemporaryDirectory()
        write(self.dir.name, "main.xml", SEQ)

    def tearDown(self):
        self.dir.cleanup()

    def test_run_text_and_json(self):
        r = mc.run(["run", self.dir.name])
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stderr.splitlines()
        self.assertTrue(lines)
        for l in lines:
            self.assertRegex(l, TEXT_LINE)
        self.assertRegex(r.stderr, r"info \[activityid=[0-9a-f-]{36}\] hello = world")
        r = mc.run(["run", "--log-format", "json", "--header", "activityid=run-1", self.dir.name])
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [json.loads(l) for l in r.stderr.splitlines()]
        for o in lines:
            self.assertRegex(o["time"], "^" + TS + "$")
        mine = [o for o in lines if "activityid" in o]
        self.assertEqual([(o["level"], o["activityid"], o["msg"]) for o in mine],
                         [("info", "run-1", "hello = world")])

    def test_serve_matches_run_format(self):
        flows = os.path.join(self.dir.name, "f")
        os.mkdir(flows)
        write(flows, "api.xml", API)
        srv = sh.Server([flows], "--workers", "1")
        try:
            self.assertEqual(srv.request("GET", "/pets/1").status, 200)
            self.assertEqual(srv.request("GET", "/nothing").status, 404)
        finally:
            srv.stop()
        for l in srv.log().splitlines():
            self.assertRegex(l, TEXT_LINE)


class CorrelationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.dir = tempfile.TemporaryDirectory()
        write(cls.dir.name, "api.xml", API)
        cls.up = Recorder()
        cls.srv = sh.Server([cls.dir.name], "--workers", "1", "--log-format", "json")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.up.stop()
        cls.dir.cleanup()

    def lines_of(self, activity):
        out = []
        for l in self.srv.log().splitlines():
            o = json.loads(l)
            if o.get("activityid") == activity:
                out.append(o)
        return out

    def test_generated_and_returned(self):
        r = self.srv.request("GET", "/pets/5")
        self.assertEqual(r.status, 200)
        aid = r.header("activityid")
        self.assertRegex(aid or "", r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        other = self.srv.request("GET", "/pets/5").header("activityid")
        self.assertNotEqual(aid, other)
        got = self.lines_of(aid)
        self.assertEqual([o.get("msg", o.get("type")) for o in got], ["pet = 5", "access"])

    def test_client_id_kept_upstream_and_logged(self):
        r = self.srv.request("GET", "/pets/up/%d" % self.up.server_address[1],
                             headers={"activityid": "client-42"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.header("activityid"), "client-42")
        self.assertEqual(self.up.seen[-1].get("activityid"), "client-42")
        msgs = [o.get("msg", o.get("type")) for o in self.lines_of("client-42")]
        self.assertEqual(msgs, ["step = before call", "step = after call", "access"])

    def test_generated_id_goes_upstream(self):
        r = self.srv.request("GET", "/pets/up/%d" % self.up.server_address[1])
        self.assertEqual(r.status, 200)
        self.assertEqual(self.up.seen[-1].get("activityid"), r.header("activityid"))

    def test_unsafe_client_id_is_replaced(self):
        for bad in ["a b", "x" * 129, "caf\u00e9"]:
            r = self.srv.request("GET", "/pets/6", headers={"activityid": bad.encode("utf-8")})
            self.assertEqual(r.status, 200)
            self.assertNotEqual(r.header("activityid"), bad)
            self.assertRegex(r.header("activityid"), r"^[0-9a-f-]{36}$")


if __name__ == "__main__":
    unittest.main()
