"""test_aws_signing.py - the AWS layer's SigV4 signing end to end: requests
that `mediac serve` signs for every HTTP method the Lambda connector uses
(GET, POST, PUT, DELETE, with and without query strings, query values that
need encoding) are accepted by the independent botocore-based check in
harness.sigcheck_proxy and reach moto; the same flow signed with a wrong
secret is refused there with 403 InvalidSignatureException, never reaches
moto, and mediac hands that 403 and its body to the caller.

The calls go through the WSO2 test proxy (v1 inline init with the keys taken
from the request), so the wrong secret is simply another request."""
import json
import unittest

import lambda_env as le

FN = "signedFn"


class SigV4EndToEnd(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        le.require_tools(cls)
        cls.world = le.LambdaWorld(standin=False)
        cls.server = None
        try:
            cls.server = le.Serve([le.WSO2_PROXY],
                                  cls.world.env({"AWS_ENDPOINT_URL_LAMBDA": cls.world.proxy.url}))
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            le.stop_all([cls.server] if cls.server else [])
        finally:
            cls.world.close()

    def call(self, operation, secret=le.SECRET_KEY, **params):
        body = {"accessKeyId": le.ACCESS_KEY, "secretAccessKey": secret,
                "region": le.REGION, "blocking": "false"}
        body.update(params)
        return self.server.post("/services/amazonlambda", body, {"Action": "urn:" + operation})

    def flow(self, secret=le.SECRET_KEY):
        """One call per method/query shape; returns [(label, reply)]."""
        w = self.world
        out = []

        def step(label, op, **params):
            out.append((label, self.call(op, secret, **params)))

        step("POST", "createFunction", functionName=FN, role=w.role, handler="index.mdhandler",
             runtime="python3.12", zipFile=le.function_zip_b64(), publish="true")
        step("GET", "listFunctions")
        step("GET ?query", "listFunctions", maxItems="10", functionVersionToBeListed="ALL")
        step("GET ?query needing encoding", "getFunction", functionName=FN, qualifier="$LATEST")
        step("POST ?query", "invoke", functionName=FN, qualifier="1", payload='{"k": "v"}')
        step("POST", "addPermission", functionName=FN, permissionStatementId="plain",
             permissionAction="lambda:InvokeFunction", permissionPrincipal="sns.amazonaws.com")
        step("POST", "createAlias", functionName=FN, aliasName="live", functionVersion="1")
        step("PUT", "updateAlias", functionName=FN, aliasName="live",
             updatedAliasDescription="signed / with spaces & symbols=+")
        step("DELETE", "deleteAlias", functionName=FN, aliasName="live")
        # moto 5.2.1 compares RevisionId with a list (its parsed query), so
        # any RevisionId gets 412 there: sent once on its own, expecting 412
        step("DELETE ?query (412 on moto)", "removePermission", functionName=FN,
             permissionStatementId="plain", permissionRevisionId="0-rev")
        step("DELETE ?query", "removePermission", functionName=FN,
             permissionStatementId="plain", permissionQualifier="1")
        step("DELETE", "deleteFunction", functionName=FN)
        return out

    def test_1_every_method_and_query_shape_verifies(self):
        self.world.proxy.clear()
        replies = self.flow()
        recs = self.world.proxy.records
        self.assertEqual(len(recs), len(replies))
        for (label, reply), rec in zip(replies, recs):
            with self.subTest(label, target=rec.target):
                self.assertTrue(rec.signature_ok, rec.message)
                self.assertTrue(rec.reached_upstream)
                if "412" in label:
                    self.assertEqual(reply.status, 412, reply.body[:300])
                    self.assertIn("PreconditionFailedException", reply.body.decode())
                else:
                    self.assertLess(reply.status, 300, reply.body[:300])
                self.assertEqual(rec.method, label.split()[0])
                self.assertEqual(bool(rec.query), "?query" in label)
                self.assertTrue(rec.query_canonical_on_wire, rec.query)
        methods = {r.method for r in recs}
        self.assertEqual(methods, {"GET", "POST", "PUT", "DELETE"})
        targets = [r.target for r in recs]
        self.assertIn("/2015-03-31/functions/%s?Qualifier=%%24LATEST" % FN, targets)
        queries = [sorted(k for k, _ in r.query_params) for r in recs if r.method == "DELETE"]
        self.assertEqual(queries, [[], ["RevisionId"], ["Qualifier"], []])
        # the effects really happened
        self.assertRaises(self.world.lam.exceptions.ResourceNotFoundException,
                          self.world.lam.get_function, FunctionName=FN)

    def test_2_wrong_secret_is_refused_and_passed_through(self):
        self.world.proxy.clear()
        before = self.world.lam.list_functions()["Functions"]
        replies = self.flow(secret="not-the-secret")
        recs = self.world.proxy.records
        self.assertEqual(len(recs), len(replies))
        for (label, reply), rec in zip(replies, recs):
            with self.subTest(label, target=rec.target):
                self.assertFalse(rec.signature_ok)
                self.assertFalse(rec.reached_upstream, "moto saw a badly signed request")
                self.assertEqual(rec.error_type, "InvalidSignatureException")
                self.assertEqual(reply.status, 403, reply.body[:300])
                body = json.loads(reply.body)
                self.assertEqual(body["__type"], "InvalidSignatureException")
                self.assertIn("signature we calculated does not match", body["message"])
        self.assertEqual(self.world.lam.list_functions()["Functions"], before)
        self.assertNotIn("not-the-secret", self.server.log())


if __name__ == "__main__":
    unittest.main()
