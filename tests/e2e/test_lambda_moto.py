"""test_lambda_moto.py - every operation moto 5.2.1 implements beyond the
WSO2 fifteen (those: test_lambda_connector, test_lambda_wso2), end to end:
`mediac serve` calls it through the generic API of lambda_ops (every
parameter from the request's JSON), moto answers behind the
signature-checking proxy, and the resulting state is read back with boto3
straight from moto.  One moto for the class; the calls run in one ordered
scenario per theme.  (getLayerVersionByArn and the operations moto lacks
are covered by test_lambda_wire against botocore's serializer.)"""
import base64
import json
import tempfile
import unittest

import lambda_env as le
import lambda_ops
from harness import boto_baseline

MOTO_OPS = {
    "getPolicy", "invokeAsync", "listVersionsByFunction", "listAliases",
    "createFunctionUrlConfig", "deleteFunctionUrlConfig", "getFunctionUrlConfig",
    "updateFunctionUrlConfig", "createEventSourceMapping", "listEventSourceMappings",
    "getEventSourceMapping", "updateEventSourceMapping", "deleteEventSourceMapping",
    "publishVersion", "listTags", "tagResource", "untagResource",
    "updateFunctionConfiguration", "updateFunctionCode", "getFunctionCodeSigningConfig",
    "getFunctionConcurrency", "deleteFunctionConcurrency", "putFunctionConcurrency",
    "listLayers", "deleteLayerVersion", "getLayerVersion", "listLayerVersions",
    "publishLayerVersion", "putFunctionEventInvokeConfig", "getFunctionEventInvokeConfig",
    "deleteFunctionEventInvokeConfig", "updateFunctionEventInvokeConfig",
    "listFunctionEventInvokeConfigs", "getLayerVersionPolicy",
}


class MotoOperationsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        le.require_tools()
        cls.world = le.LambdaWorld(standin=False)
        cls.ops = lambda_ops.operations()
        cls.dir = tempfile.mkdtemp(prefix="mediac-moto-ops-")
        lambda_ops.write_api(cls.dir, {n: cls.ops[n] for n in MOTO_OPS})
        cls.serve = cls.world.serve([cls.dir])
        cls.lam = cls.world.lam
        cls.zip = boto_baseline.function_zip()
        cls.arn = cls.lam.create_function(
            FunctionName="motofn", Runtime="python3.12", Role=cls.world.role,
            Handler="index.handler", Code={"ZipFile": cls.zip})["FunctionArn"]
        cls.called = set()

    @classmethod
    def tearDownClass(cls):
        le.stop_all([cls.serve])
        cls.world.close()

    def call(self, op, status=None, **values):
        self.assertIn(op, MOTO_OPS)
        body = {k: (json.dumps(v) if isinstance(v, (dict, list)) else str(v))
                for k, v in values.items()}
        r = self.serve.post("/lambda-ops/" + op, body)
        recs = [x for x in self.world.proxy.records if x.verdict != "rejected"]
        self.assertTrue(all(x.signature_ok for x in self.world.proxy.records))
        self.assertLess(r.status, 300, "%s: %s" % (op, r.body))
        if status:
            self.assertEqual(r.status, status, r.body)
        self.called.add(op)
        del recs
        return r.json() if r.body and r.body[:1] in (b"{", b"[") else r.body

    def test_1_versions_aliases_policy(self):
        out = self.call("publishVersion", functionName="motofn", description="first")
        self.assertEqual(out["Version"], "1")
        versions = [v["Version"] for v in
                    self.lam.list_versions_by_function(FunctionName="motofn")["Versions"]]
        self.assertIn("1", versions)
        out = self.call("listVersionsByFunction", functionName="motofn")
        self.assertEqual(sorted(v["Version"] for v in out["Versions"]), sorted(versions))
        self.lam.create_alias(FunctionName="motofn", Name="live", FunctionVersion="1")
        out = self.call("listAliases", functionName="motofn")
        self.assertEqual([a["Name"] for a in out["Aliases"]], ["live"])
        self.lam.add_permission(FunctionName="motofn", StatementId="s3", Action="lambda:InvokeFunction",
                                Principal="s3.amazonaws.com")
        out = self.call("getPolicy", functionName="motofn")
        self.assertEqual(json.loads(out["Policy"]),
                         json.loads(self.lam.get_policy(FunctionName="motofn")["Policy"]))

    def test_2_tags(self):
        self.call("tagResource", resource=self.arn, tags={"team": "mediac", "env": "test"})
        self.assertEqual(self.lam.list_tags(Resource=self.arn)["Tags"],
                         {"team": "mediac", "env": "test"})
        out = self.call("listTags", resource=self.arn)
        self.assertEqual(out["Tags"], {"team": "mediac", "env": "test"})
        self.call("untagResource", resource=self.arn, tagKeys=["team", "env"])
        self.assertEqual(self.lam.list_tags(Resource=self.arn).get("Tags", {}), {})

    def test_3_concurrency(self):
        self.call("putFunctionConcurrency", functionName="motofn",
                  reservedConcurrentExecutions=5)
        self.assertEqual(self.lam.get_function_concurrency(FunctionName="motofn")
                         ["ReservedConcurrentExecutions"], 5)
        out = self.call("getFunctionConcurrency", functionName="motofn")
        self.assertEqual(out["ReservedConcurrentExecutions"], 5)
        self.call("deleteFunctionConcurrency", functionName="motofn")
        self.assertNotIn("ReservedConcurrentExecutions",
                         self.lam.get_function_concurrency(FunctionName="motofn"))

    def test_4_function_urls(self):
        out = self.call("createFunctionUrlConfig", functionName="motofn", authType="NONE",
                        cors={"AllowOrigins": ["https://example.com"]})
        self.assertEqual(self.lam.get_function_url_config(FunctionName="motofn")["AuthType"],
                         "NONE")
        self.assertTrue(out["FunctionUrl"])
        out = self.call("getFunctionUrlConfig", functionName="motofn")
        self.assertEqual(out["Cors"]["AllowOrigins"], ["https://example.com"])
        self.call("updateFunctionUrlConfig", functionName="motofn", authType="AWS_IAM")
        self.assertEqual(self.lam.get_function_url_config(FunctionName="motofn")["AuthType"],
                         "AWS_IAM")
        self.call("deleteFunctionUrlConfig", functionName="motofn")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_function_url_config(FunctionName="motofn")

    def test_5_event_source_mappings(self):
        sqs = self.world.moto.client("sqs", region="us-east-1")
        url = sqs.create_queue(QueueName="mediac-esm")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        out = self.call("createEventSourceMapping", eventSourceArn=qarn, functionName="motofn",
                        batchSize=5)
        uuid = out["UUID"]
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["BatchSize"], 5)
        out = self.call("getEventSourceMapping", uuid=uuid)
        self.assertEqual(out["EventSourceArn"], qarn)
        out = self.call("listEventSourceMappings", functionName="motofn")
        self.assertEqual([m["UUID"] for m in out["EventSourceMappings"]], [uuid])
        self.call("updateEventSourceMapping", uuid=uuid, batchSize=7)
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["BatchSize"], 7)
        self.call("deleteEventSourceMapping", uuid=uuid)
        left = self.lam.list_event_source_mappings(FunctionName="motofn")["EventSourceMappings"]
        self.assertTrue(all(m["UUID"] != uuid or m.get("State") == "Deleting" for m in left))

    def test_6_event_invoke_configs(self):
        self.call("putFunctionEventInvokeConfig", functionName="motofn",
                  maximumRetryAttempts=1)
        self.assertEqual(self.lam.get_function_event_invoke_config(FunctionName="motofn")
                         ["MaximumRetryAttempts"], 1)
        # moto 5.2.1 answers the update but keeps the old settings (boto3
        # sees the same): check the answer, then that get agrees with boto3
        out = self.call("updateFunctionEventInvokeConfig", functionName="motofn",
                        maximumEventAgeInSeconds=120)
        self.assertEqual(out["MaximumEventAgeInSeconds"], 120)
        cfg = self.lam.get_function_event_invoke_config(FunctionName="motofn")
        out = self.call("getFunctionEventInvokeConfig", functionName="motofn")
        self.assertEqual(out["MaximumRetryAttempts"], cfg["MaximumRetryAttempts"])
        out = self.call("listFunctionEventInvokeConfigs", functionName="motofn")
        self.assertEqual(len(out["FunctionEventInvokeConfigs"]), 1)
        self.call("deleteFunctionEventInvokeConfig", functionName="motofn")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_function_event_invoke_config(FunctionName="motofn")

    def test_7_configuration_and_code(self):
        self.call("updateFunctionConfiguration", functionName="motofn", memorySize=256,
                  environment={"Variables": {"STAGE": "e2e"}}, description="updated")
        cfg = self.lam.get_function_configuration(FunctionName="motofn")
        self.assertEqual((cfg["MemorySize"], cfg["Environment"]["Variables"], cfg["Description"]),
                         (256, {"STAGE": "e2e"}, "updated"))
        before = cfg["CodeSha256"]
        other = boto_baseline.function_zip().replace(b"index", b"index") + b""
        import io
        import zipfile
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("index.py", "def handler(event, context):\n    return {'v': 2}\n")
        self.call("updateFunctionCode", functionName="motofn",
                  zipFile=base64.b64encode(buf.getvalue()).decode())
        self.assertNotEqual(self.lam.get_function_configuration(FunctionName="motofn")
                            ["CodeSha256"], before)
        del other
        out = self.call("getFunctionCodeSigningConfig", functionName="motofn")
        self.assertEqual(out["FunctionName"], "motofn")

    def test_8_layers(self):
        zip64 = base64.b64encode(self.zip).decode()
        out = self.call("publishLayerVersion", layerName="mediac-layer",
                        content={"ZipFile": zip64}, compatibleRuntimes=["python3.12"])
        version = out["Version"]
        versions = self.lam.list_layer_versions(LayerName="mediac-layer")["LayerVersions"]
        self.assertIn(version, [v["Version"] for v in versions])
        out = self.call("listLayerVersions", layerName="mediac-layer")
        self.assertEqual([v["Version"] for v in out["LayerVersions"]],
                         [v["Version"] for v in versions])
        out = self.call("listLayers")
        self.assertIn("mediac-layer", [l["LayerName"] for l in out["Layers"]])
        out = self.call("getLayerVersion", layerName="mediac-layer", versionNumber=version)
        self.assertEqual(out["Version"], version)
        self.lam.add_layer_version_permission(LayerName="mediac-layer", VersionNumber=version,
                                              StatementId="all", Action="lambda:GetLayerVersion",
                                              Principal="*")
        out = self.call("getLayerVersionPolicy", layerName="mediac-layer",
                        versionNumber=version)
        self.assertEqual(json.loads(out["Policy"]), json.loads(self.lam.get_layer_version_policy(
            LayerName="mediac-layer", VersionNumber=version)["Policy"]))
        self.call("deleteLayerVersion", layerName="mediac-layer", versionNumber=version)
        left = self.lam.list_layer_versions(LayerName="mediac-layer")["LayerVersions"]
        self.assertNotIn(version, [v["Version"] for v in left])

    def test_9_invoke_async(self):
        self.call("invokeAsync", 202, functionName="motofn",
                  invokeArgs=base64.b64encode(b'{"async":true}').decode(),
                  invokeArgsEncoding="base64")

    def test_zz_every_moto_operation_was_called(self):
        self.assertEqual(MOTO_OPS - self.called, set())


if __name__ == "__main__":
    unittest.main()
