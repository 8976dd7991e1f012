"""test_lambda_wso2.py - the WSO2 Amazon Lambda connector's own test proxy
(shared/testdata/wso2-amazonlambda/amazonlambda-proxy.xml, loaded
unchanged) and its 45 request files (placeholders filled from
amazonlambda.properties) through `mediac serve`, compared file by file
with boto3 doing the same calls on the same emulator setup.

One moto for the class: the boto3 baseline runs first (through the
signature-checking proxy), then moto is reset, set up again the same way,
and mediac runs the same files in the same order (boto_baseline's order).
getAccountSettings, which moto lacks, goes to the FAKE stand-in
(harness.lambda_standin) for both. Asserted per file: mediac's status ==
boto3's; where boto3 refused the call itself (400, reached no server),
mediac answers 400 and sends nothing. Every request mediac sent passed the
botocore-based signature check. The table (file, mediac, boto3 on moto,
real AWS from EXPECTED.tsv) is printed with MC_PRINT_TABLE=1 and is kept in
docs/amazonlambda.md."""
import json
import os
import sys
import unittest

import lambda_env as le
from harness import boto_baseline, wso2_testdata


class WSO2RequestFiles(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        le.require_tools(cls)
        cls.world = le.LambdaWorld()
        cls.servers = []
        try:
            cls._run_both()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            le.stop_all(getattr(cls, "servers", []))
        finally:
            if getattr(cls, "world", None):
                cls.world.close()

    @classmethod
    def _supplied(cls):
        return {"accessKeyId": le.ACCESS_KEY, "secretAccessKey": le.SECRET_KEY,
                "region": le.REGION, "blocking": "false", "role": cls.world.role}

    @classmethod
    def _run_both(cls):
        w = cls.world
        files = boto_baseline.ordered_files()
        expected = wso2_testdata.expected_statuses()
        cls.files = files
        cls.operation = {f: expected.get(f, (wso2_testdata.operation_of(f),))[0]
                         for f in files}
        # 1. boto3, through the checking proxy (stand-in for getAccountSettings)
        cls.baseline = {r.request_file: r for r in boto_baseline.run_baseline(
            w.proxy.url, cls._supplied(), files,
            endpoint_overrides={"getAccountSettings": w.standin.url})}
        cls.baseline_rejected = [r for r in w.proxy.records if not r.signature_ok]
        # 2. a fresh emulator with the same setup, then mediac
        w.reset()
        w.standin.log.clear()
        values = wso2_testdata.placeholder_values(cls._supplied())
        on_moto = le.Serve([le.WSO2_PROXY], w.env({"AWS_ENDPOINT_URL_LAMBDA": w.proxy.url}))
        cls.servers.append(on_moto)
        on_fake = le.Serve([le.WSO2_PROXY], w.env({"AWS_ENDPOINT_URL_LAMBDA": w.standin.url}))
        cls.servers.append(on_fake)
        cls.serve_log = on_moto.log()
        cls.mediac = {}
        for f in files:
            op = cls.operation[f]
            server, log = (on_fake, w.standin.log) if op == "getAccountSettings" \
                else (on_moto, w.proxy.log)
            before = len(log)
            text, _ = wso2_testdata.load_request(f, values)
            r = server.post("/services/amazonlambda", text, {"Action": "urn:" + op})
            sent = log.all()[before:]
            cls.mediac[f] = (r.status, r.body, sent)
        if os.environ.get("MC_PRINT_TABLE"):
            print("\n" + cls.table(), file=sys.stderr)

    @classmethod
    def table(cls):
        lines = ["| request file | mediac | boto3 on moto | real AWS (EXPECTED.tsv) |",
                 "|---|---|---|---|"]
        for f in cls.files:
            b = cls.baseline[f]
            status, _, sent = cls.mediac[f]
            mine = str(status) + ("" if sent else " (nothing sent)")
            theirs = str(b.status) + ("" if b.reached_server else " (reached no server)")
            aws = "-" if b.aws_status is None else str(b.aws_status)
            lines.append("| %s | %s | %s | %s |" % (f, mine, theirs, aws))
        return "\n".join(lines)

    def test_proxy_loads_unchanged_with_one_warning(self):
        self.assertIn("warning: unknown parameter 'eventSourceAccount' for "
                      "amazonlambda.addPermission; did you mean 'eventSourceToken'?",
                      self.serve_log)
        self.assertNotIn("error:", self.serve_log)

    def test_all_45_files_ran_in_baseline_order(self):
        self.assertEqual(len(self.files), 45)
        self.assertEqual(self.files[-1], "createFunction_negative.json")
        self.assertEqual(self.baseline_rejected, [], "the checker refused boto3 itself")

    def test_same_status_as_boto3_on_moto(self):
        for f in self.files:
            b = self.baseline[f]
            status, body, sent = self.mediac[f]
            with self.subTest(file=f):
                self.assertEqual(status, b.status, "%s: mediac %s %r, boto3 %s %s" % (
                    f, status, body[:300], b.status, b.message[:200]))
                if not b.reached_server:
                    self.assertEqual(sent, [], "boto3 sent nothing; mediac did")
                    self.assertIn("error", json.loads(body))
                else:
                    self.assertEqual(len(sent), 1, "exactly one request per call")

    def test_every_request_sent_was_signed_correctly(self):
        sent = [rec for f in self.files for rec in self.mediac[f][2]]
        self.assertGreaterEqual(len(sent), 30)
        for rec in sent:
            self.assertTrue(rec.signature_ok, "%s %s: %s" % (rec.method, rec.target,
                                                            rec.message))

    def test_empty_required_parameter_is_400_naming_operation_and_parameter(self):
        refused = [f for f in self.files if not self.baseline[f].reached_server]
        self.assertGreaterEqual(len(refused), 10)
        for f in refused:
            status, body, sent = self.mediac[f]
            with self.subTest(file=f):
                msg = json.loads(body)["error"]
                self.assertIn("amazonlambda.%s: " % self.operation[f], msg)
                self.assertRegex(msg, r"parameter '[A-Za-z]+'")


if __name__ == "__main__":
    unittest.main()
