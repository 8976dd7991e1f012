"""End-to-end tests of `mediac run` on the core samples: payload out,
exit codes, faults as JSON on stderr, usage and configuration errors, and
the embedding sample host."""
import json
import os
import subprocess
import tempfile
import unittest

import mc

GREETING = os.path.join(mc.SAMPLES, "core", "greeting.xml")
FAULT = os.path.join(mc.SAMPLES, "core", "fault.xml")
CORE = os.path.join(mc.SAMPLES, "core")


class RunTest(unittest.TestCase):
    def setUp(self):
        mc.require_binary(self)

    def test_greeting_answers_json(self):
        r = mc.run(["run", "--payload", "-", "--status", CORE],
                   stdin='{"name":"Ada","lang":"fr"}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"greeting": "Bonjour, Ada!", "length": 3})
        self.assertIn("status: 200", r.stderr)   # HTTP_SC unset: MI answers 200
        self.assertIn("greeting = Bonjour, Ada", r.stderr)

    def test_switch_default_and_alternation(self):
        r = mc.run(["run", "--payload", "-", CORE], stdin='{"name":"Max","lang":"at"}')
        self.assertEqual(json.loads(r.stdout)["greeting"], "Hallo, Max!")
        r = mc.run(["run", "--payload", "-", CORE], stdin='{"name":"Max","lang":"xx"}')
        self.assertEqual(json.loads(r.stdout)["greeting"], "Hello, Max!")

    def test_filter_branch_sets_status(self):
        r = mc.run(["run", "--payload", "-", "--status", CORE], stdin='{"lang":"fr"}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"error": "name is required"})
        self.assertIn("status: 400", r.stderr)

    def test_fault_handler_runs(self):
        r = mc.run(["run", "--sequence", "failing", "--payload", "-", "--status", CORE],
                   stdin='{"count":"many"}')
        self.assertEqual(r.returncode, 0, r.stderr)
        body = json.loads(r.stdout)
        self.assertEqual(body["code"], "0")
        self.assertIn("'many' is not a valid INTEGER", body["message"])
        self.assertIn("status: 500", r.stderr)

    def test_status_is_what_mi_would_answer(self):
        # HTTP_SC unset: 200 after respond, 202 when nothing answers (MI's
        # answer to a proxy that neither responds nor sends), 500 for an
        # unhandled fault; never 0
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "quiet.xml"), "w") as f:
                f.write('<sequence xmlns="http://ws.apache.org/ns/synapse" name="quiet">'
                        '<log level="custom"><property name="x" value="1"/></log></sequence>')
            r = mc.run(["run", "--sequence", "quiet", "--payload", "-", "--status", d],
                       stdin='{"a":1}')
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("status: 202", r.stderr)
        r = mc.run(["run", "--sequence", "unhandled", "--payload", "-", "--status", CORE],
                   stdin='{"count":"x"}')
        self.assertEqual(r.returncode, 1)
        self.assertIn("status: 500", r.stderr)
        self.assertNotIn("status: 0", r.stderr)

    def test_unhandled_fault_exit_1_json_on_stderr(self):
        r = mc.run(["run", "--sequence", "unhandled", "--payload", "-", CORE],
                   stdin='{"count":"x"}')
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        last = [l for l in r.stderr.splitlines() if l.startswith("{")][-1]
        err = json.loads(last)
        self.assertEqual(err["ERROR_CODE"], "0")
        self.assertIn("not a valid INTEGER", err["ERROR_MESSAGE"])

    def test_properties_and_headers_from_command_line(self):
        with tempfile.TemporaryDirectory() as d:
            flow = os.path.join(d, "f.xml")
            with open(flow, "w") as f:
                f.write('<sequence xmlns="http://ws.apache.org/ns/synapse" name="main">'
                        '<payloadFactory media-type="json"><format>{"p":"$1","h":"$2"}</format>'
                        '<args><arg expression="$ctx:who"/><arg expression="$trp:X-Id"/></args>'
                        '</payloadFactory></sequence>')
            r = mc.run(["run", "--property", "who=me", "--header", "X-Id=42", flow])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout), {"p": "me", "h": "42"})

    def test_invalid_json_payload_is_usage_error(self):
        r = mc.run(["run", "--payload", "-", "--content-type", "application/json", CORE],
                   stdin='{"name":')
        self.assertEqual(r.returncode, 2)
        self.assertIn("invalid JSON payload", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_unknown_sequence(self):
        r = mc.run(["run", "--sequence", "nope", CORE])
        self.assertEqual(r.returncode, 2)
        self.assertIn("no sequence named 'nope'", r.stderr)

    def test_usage_errors(self):
        self.assertEqual(mc.run(["run"]).returncode, 2)
        self.assertEqual(mc.run(["frobnicate"]).returncode, 2)
        r = mc.run(["run", "--sequence", "a", "--proxy", "b", CORE])
        self.assertEqual(r.returncode, 2)
        r = mc.run(["run", "--property", "novalue", CORE])
        self.assertEqual(r.returncode, 2)

    def test_config_error_exit_2_with_position(self):
        with tempfile.TemporaryDirectory() as d:
            flow = os.path.join(d, "bad.xml")
            with open(flow, "w") as f:
                f.write('<sequence xmlns="http://ws.apache.org/ns/synapse" name="main">\n'
                        '  <proprety name="x" value="1"/>\n</sequence>\n')
            r = mc.run(["run", flow])
            self.assertEqual(r.returncode, 2)
            self.assertIn("bad.xml:2:3: error: unknown mediator <proprety>; did you mean <property>?",
                          r.stderr)

    def test_more_than_one_sequence_needs_a_name(self):
        r = mc.run(["run", FAULT])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--sequence", r.stderr)

    def test_repeat_runs_many_messages(self):
        r = mc.run(["run", "--repeat", "200", "--payload", "-", "--log-level", "error", CORE],
                   stdin='{"name":"Ada","lang":"de"}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["greeting"], "Hallo, Ada!")


class EmbedTest(unittest.TestCase):
    def test_host_runs_threads_on_one_engine(self):
        host = os.path.join(mc.BUILD, "samples", "embed", "embed_host")
        if not os.path.exists(host):
            self.skipTest("embed host not built")
        r = subprocess.run([host, "8"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = sorted(r.stdout.splitlines())
        self.assertEqual(len(lines), 8)
        for i, line in enumerate(sorted(lines, key=lambda l: int(l.split()[0]))):
            num, status, answer = line.split(" ", 2)
            self.assertEqual(status, "ok")
            self.assertEqual(json.loads(answer), {"n": i, "stamp": "from thread-%d" % i})


if __name__ == "__main__":
    unittest.main()
