"""test_lambda_connector.py - the Amazon Lambda connector end to end through
`mediac serve`: every operation moto implements, driven through the
samples in samples/amazonlambda/ and checked by its effect on moto's state
(boto3 straight to moto), every request re-verified by the botocore-based
signature-checking proxy; getAccountSettings and invoke with array and
scalar payloads against the FAKE stand-in (harness.lambda_standin, not AWS,
not moto); bad input (empty required parameters, malformed typed values,
a configKey naming no local entry, no credentials anywhere); connection
models (v1 inline init, v2 local entry with endpoint and session token),
responseVariable/overwriteBody, invoke's result properties, and Lambda
errors with and without a fault sequence."""
import base64
import glob
import json
import os
import shutil
import tempfile
import unittest

import lambda_env as le
import mc
from harness import descriptors

SAMPLE_FILES = sorted(glob.glob(os.path.join(le.SAMPLES, "*.xml")))
TEMP_KEY, TEMP_SECRET, TEMP_TOKEN = "ASIAMEDIACTEMP", "temp-secret-key", "FwoGZXIvYXdzEJr//token=="

# Custom flows: v2 connections naming everything themselves (no AWS
# environment at all), responseVariable, invoke's result properties, and a
# fault sequence.  PROXY / STANDIN are replaced by the checkers' URLs.
MODEL_FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
  <localEntry key="TEMP_CONN">
    <amazonlambda.init>
      <name>TEMP_CONN</name>
      <accessKeyId>%(tkey)s</accessKeyId>
      <secretAccessKey>%(tsecret)s</secretAccessKey>
      <sessionToken>%(ttoken)s</sessionToken>
      <region>us-east-1</region>
      <endpoint>PROXY</endpoint>
    </amazonlambda.init>
  </localEntry>
  <localEntry key="STANDIN_CONN">
    <amazonlambda.init>
      <name>STANDIN_CONN</name>
      <accessKeyId>%(key)s</accessKeyId>
      <secretAccessKey>%(secret)s</secretAccessKey>
      <region>us-east-1</region>
      <endpoint>STANDIN</endpoint>
    </amazonlambda.init>
  </localEntry>
  <api name="Models" context="/models">
    <resource methods="POST" uri-template="/temporary">
      <inSequence>
        <amazonlambda.listFunctions configKey="TEMP_CONN" responseVariable="listed" overwriteBody="true"/>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/variable">
      <inSequence>
        <property name="fn" expression="json-eval($.functionName)"/>
        <amazonlambda.getFunction configKey="TEMP_CONN">
          <functionName>{$ctx:fn}</functionName>
          <responseVariable>fnInfo</responseVariable>
        </amazonlambda.getFunction>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/variable-read">
      <inSequence>
        <property name="fn" expression="json-eval($.functionName)"/>
        <amazonlambda.getFunction configKey="TEMP_CONN">
          <functionName>{$ctx:fn}</functionName>
          <responseVariable>fnInfo</responseVariable>
        </amazonlambda.getFunction>
        <payloadFactory media-type="json">
          <format>{"name":"$1","status":$2}</format>
          <args>
            <arg expression="${vars.fnInfo.payload.Configuration.FunctionName}"/>
            <arg expression="${vars.fnInfo.attributes.statusCode}"/>
          </args>
        </payloadFactory>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/invoke">
      <inSequence>
        <property name="fn" expression="json-eval($.functionName)"/>
        <property name="logType" expression="json-eval($.logType)"/>
        <property name="qualifier" expression="json-eval($.qualifier)"/>
        <amazonlambda.invoke configKey="STANDIN_CONN" responseVariable="r" overwriteBody="true">
          <functionName>{$ctx:fn}</functionName>
          <qualifier>{$ctx:qualifier}</qualifier>
          <x-amz-log-type>{$ctx:logType}</x-amz-log-type>
          <payload>{"ping":1}</payload>
        </amazonlambda.invoke>
        <payloadFactory media-type="json">
          <format>{"result":$1,"executedVersion":"$2","functionError":"$3","log":"$4"}</format>
          <args>
            <arg expression="json-eval($)"/>
            <arg expression="get-property('amazonlambda.executedVersion')"/>
            <arg expression="get-property('amazonlambda.functionError')"/>
            <arg expression="get-property('amazonlambda.logResult')"/>
          </args>
        </payloadFactory>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/guarded">
      <inSequence>
        <property name="fn" expression="json-eval($.functionName)"/>
        <amazonlambda.getFunction configKey="TEMP_CONN" responseVariable="g" overwriteBody="true">
          <functionName>{$ctx:fn}</functionName>
        </amazonlambda.getFunction>
        <respond/>
      </inSequence>
      <faultSequence>
        <payloadFactory media-type="json">
          <format>{"handled":true,"code":"$1","message":"$2","status":"$3"}</format>
          <args>
            <arg expression="get-property('ERROR_CODE')"/>
            <arg expression="get-property('ERROR_MESSAGE')"/>
            <arg expression="get-property('axis2','HTTP_SC')"/>
          </args>
        </payloadFactory>
        <property name="HTTP_SC" value="502" scope="axis2"/>
        <respond/>
      </faultSequence>
    </resource>
  </api>
</definitions>
""" % {"tkey": TEMP_KEY, "tsecret": TEMP_SECRET, "ttoken": TEMP_TOKEN,
       "key": le.ACCESS_KEY, "secret": le.SECRET_KEY}


def validate(*paths, extra=()):
    """mediac validate (no AWS access is needed to load a configuration)."""
    return mc.run(["validate"] + list(extra) + list(paths),
                  env={"MEDIAC_CONNECTOR_PATH": le.CONNECTOR_PATH})


def wso2_operations():
    """The WSO2 connector's 15 operations (the ones WSO2's test proxy calls)."""
    return {n: op for n, op in descriptors.load_operations().items() if op["origin"] == "wso2"}


class SamplesAndLoadTime(unittest.TestCase):
    """Load-time behaviour: the samples validate; unknown parameters warn
    with a suggestion; a missing configKey entry, a malformed literal and
    an empty literal required parameter are errors. No server needed."""

    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.tmp = tempfile.mkdtemp(prefix="mediac-lambda-load-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_every_sample_validates(self):
        names = {os.path.basename(p) for p in SAMPLE_FILES}
        self.assertTrue({"functions.xml", "invoke.xml", "aliases.xml", "permissions.xml",
                         "layerpermissions.xml", "account.xml"} <= names, names)
        for path in SAMPLE_FILES:
            with self.subTest(sample=os.path.basename(path)):
                r = validate(path)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn("0 errors, 0 warnings", r.stdout + r.stderr)
        r = validate(le.SAMPLES)          # all together: no clashing names
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(os.path.exists(os.path.join(le.SAMPLES, "README.md")))

    def test_wso2_proxy_loads_with_a_suggestion_for_eventSourceAccount(self):
        r = validate(le.WSO2_PROXY)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out)
        self.assertIn("0 errors", out)
        self.assertIn("warning: unknown parameter 'eventSourceAccount' for "
                      "amazonlambda.addPermission; did you mean 'eventSourceToken'?", out)
        r = validate(le.WSO2_PROXY, extra=["--werror"])
        self.assertNotEqual(r.returncode, 0, "the warning is real: --werror refuses it")

    def _flow(self, name, body):
        return le.write_flow(self.tmp, name, '<sequence xmlns="http://ws.apache.org/ns/synapse" '
                             'name="main">%s</sequence>' % body)

    def test_load_time_errors(self):
        cases = {
            "configKey naming no local entry": (
                '<amazonlambda.listFunctions configKey="NO_SUCH_CONN" responseVariable="v"/>',
                "NO_SUCH_CONN"),
            "malformed literal integer": (
                '<amazonlambda.createFunction><functionName>f</functionName><role>r</role>'
                '<handler>h</handler><memorySize>abc</memorySize></amazonlambda.createFunction>',
                "memorySize"),
            "malformed literal boolean in init": (
                '<amazonlambda.init><blocking>maybe</blocking></amazonlambda.init>', "blocking"),
            "empty literal required parameter": (
                '<amazonlambda.getFunction><functionName></functionName></amazonlambda.getFunction>',
                "functionName"),
        }
        for label, (body, needle) in cases.items():
            with self.subTest(label):
                # a reference naming nothing is a warning (MI resolves it when
                # a message gets there); --werror keeps it strict
                extra = ["--werror"] if label.startswith("configKey") else []
                r = validate(self._flow(label.replace(" ", "_") + ".xml", body), extra=extra)
                out = r.stdout + r.stderr
                self.assertNotEqual(r.returncode, 0, out)
                self.assertIn("error", out)
                self.assertIn(needle, out)

    def test_unknown_parameter_is_a_warning_with_suggestion(self):
        path = self._flow("typo.xml", '<amazonlambda.getFunction><functionname>f</functionname>'
                          '<functionName>f</functionName></amazonlambda.getFunction>')
        r = validate(path)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out)
        self.assertIn("unknown parameter 'functionname' for amazonlambda.getFunction; "
                      "did you mean 'functionName'?", out)


class LambdaConnectorE2E(unittest.TestCase):
    """One moto + signature-checking proxy + FAKE stand-in for the class;
    serve instances for the samples (on moto and on the stand-in), the WSO2
    proxy and the connection-model flows."""

    @classmethod
    def setUpClass(cls):
        le.require_tools(cls)
        cls.world = le.LambdaWorld(creds={le.ACCESS_KEY: le.SECRET_KEY,
                                          TEMP_KEY: (TEMP_SECRET, TEMP_TOKEN)})
        cls.servers = []
        cls.tmp = tempfile.mkdtemp(prefix="mediac-lambda-models-")
        try:
            w = cls.world
            cls.samples = cls._serve(w.serve([le.SAMPLES]))
            cls.samples_fake = cls._serve(w.serve([le.SAMPLES], endpoint=w.standin.url))
            cls.wso2 = cls._serve(w.serve([le.WSO2_PROXY], chain=False))
            flows = MODEL_FLOWS.replace("PROXY", w.proxy.url).replace("STANDIN", w.standin.url)
            path = le.write_flow(cls.tmp, "models.xml", flows)
            # no AWS_* at all: the connections name credentials and endpoint
            cls.models = cls._serve(le.Serve([path], w.env()))
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def _serve(cls, s):
        cls.servers.append(s)
        return s

    @classmethod
    def tearDownClass(cls):
        try:
            le.stop_all(getattr(cls, "servers", []))
        finally:
            if getattr(cls, "world", None):
                cls.world.close()
            shutil.rmtree(getattr(cls, "tmp", ""), ignore_errors=True)

    # -- helpers -------------------------------------------------------------

    def setUp(self):
        self.world.proxy.clear()

    def records(self):
        return self.world.proxy.records

    def assertAllSigned(self, minimum=1):
        recs = self.records()
        self.assertGreaterEqual(len(recs), minimum)
        for r in recs:
            self.assertTrue(r.signature_ok, "%s %s: %s" % (r.method, r.target, r.message))

    def sample(self, path, body, fake=False):
        s = self.samples_fake if fake else self.samples
        return s.post(path, body)

    def missing(self, call, **kw):
        """True if boto3 (straight to moto) says the resource is not there."""
        try:
            call(**kw)
        except self.world.lam.exceptions.ResourceNotFoundException:
            return True
        return False

    # -- every operation, checked by its effect --------------------------------

    def test_every_operation_through_the_samples(self):
        lam, role = self.world.lam, self.world.role
        fn = "sampleFn"
        steps = []

        def step(label, path, body, want, fake=False):
            r = self.sample(path, body, fake)
            steps.append(label)
            self.assertIn(r.status, want if isinstance(want, tuple) else (want,),
                          "%s: %s %s" % (label, r.status, r.body[:400]))
            return r

        r = step("createFunction", "/lambda/functions/createFunction",
                 {"functionName": fn, "role": role, "handler": "index.mdhandler",
                  "runtime": "python3.12", "zipFile": le.function_zip_b64(), "memorySize": 256,
                  "timeout": 9, "publish": True, "description": "made by mediac",
                  "environment": {"STAGE": "e2e"}}, 201)
        conf = lam.get_function(FunctionName=fn)["Configuration"]
        self.assertEqual((conf["MemorySize"], conf["Timeout"], conf["Description"]),
                         (256, 9, "made by mediac"))
        self.assertEqual(conf["Environment"]["Variables"], {"STAGE": "e2e"})
        self.assertEqual(r.json()["FunctionName"], fn)

        r = step("getFunction", "/lambda/functions/getFunction", {"functionName": fn}, 200)
        self.assertEqual(r.json()["Configuration"]["FunctionArn"], conf["FunctionArn"])
        r = step("getFunctionConfiguration", "/lambda/functions/getFunctionConfiguration",
                 {"functionName": fn}, 200)
        self.assertEqual(r.json()["Handler"], "index.mdhandler")
        r = step("listFunctions", "/lambda/functions/listFunctions", {"maxItems": 50}, 200)
        self.assertIn(fn, [f["FunctionName"] for f in r.json()["Functions"]])
        self.assertIn(("MaxItems", "50"), self.records()[-1].query_params)

        r = step("invoke (moto echo)", "/lambda/invoke/",
                 {"functionName": fn, "payload": {"name": "Ada", "n": [1, 2]}}, 200)
        self.assertEqual(r.json(), {"name": "Ada", "n": [1, 2]})
        self.assertEqual(self.records()[-1].body, b'{"name":"Ada","n":[1,2]}')

        # aliases (moto answers 201 where AWS answers 200/204: see docs)
        step("createAlias", "/lambda/aliases/createAlias",
             {"functionName": fn, "aliasName": "live", "functionVersion": "1",
              "description": "first"}, 201)
        self.assertEqual(lam.get_alias(FunctionName=fn, Name="live")["Description"], "first")
        r = step("getAlias", "/lambda/aliases/getAlias", {"functionName": fn, "aliasName": "live"},
                 (200, 201))
        self.assertEqual(r.json()["Name"], "live")
        step("updateAlias", "/lambda/aliases/updateAlias",
             {"functionName": fn, "aliasName": "live", "description": "second"}, (200, 201))
        self.assertEqual(lam.get_alias(FunctionName=fn, Name="live")["Description"], "second")
        self.assertEqual(self.records()[-1].method, "PUT")
        step("deleteAlias", "/lambda/aliases/deleteAlias", {"functionName": fn, "aliasName": "live"},
             (201, 204))
        self.assertTrue(self.missing(lam.get_alias, FunctionName=fn, Name="live"))

        # function permissions
        step("addPermission", "/lambda/permissions/addPermission",
             {"functionName": fn, "statementId": "s3-invoke", "action": "lambda:InvokeFunction",
              "principal": "s3.amazonaws.com", "sourceArn": "arn:aws:s3:::demo-bucket"},
             (200, 201))
        policy = json.loads(lam.get_policy(FunctionName=fn)["Policy"])
        self.assertEqual([s["Sid"] for s in policy["Statement"]], ["s3-invoke"])
        step("removePermission", "/lambda/permissions/removePermission",
             {"functionName": fn, "statementId": "s3-invoke"}, 204)
        try:
            left = json.loads(lam.get_policy(FunctionName=fn)["Policy"])["Statement"]
        except lam.exceptions.ResourceNotFoundException:
            left = []
        self.assertEqual(left, [])

        # layer version permissions (the layer comes from the WSO2 setup)
        layer = "CustomFunction"
        step("addLayerVersionPermission", "/lambda/layers/addLayerVersionPermission",
             {"layerName": layer, "versionNumber": 1, "statementId": "everyone",
              "principal": "*"}, (200, 201))
        pol = json.loads(lam.get_layer_version_policy(LayerName=layer, VersionNumber=1)["Policy"])
        self.assertEqual([s["Sid"] for s in pol["Statement"]], ["everyone"])
        step("removeLayerVersionPermission", "/lambda/layers/removeLayerVersionPermission",
             {"layerName": layer, "versionNumber": 1, "statementId": "everyone"}, 204)
        try:
            pol = json.loads(lam.get_layer_version_policy(LayerName=layer,
                                                          VersionNumber=1)["Policy"])["Statement"]
        except lam.exceptions.ResourceNotFoundException:
            pol = []
        self.assertEqual(pol, [])

        step("deleteFunction", "/lambda/functions/deleteFunction", {"functionName": fn}, 204)
        self.assertTrue(self.missing(lam.get_function, FunctionName=fn))
        self.assertAllSigned(minimum=len(steps))
        self.assertTrue(all(r.reached_upstream for r in self.records()))

    def test_standin_account_settings_and_invoke_payloads(self):
        """FAKE stand-in (harness.lambda_standin): moto has no
        GetAccountSettings and answers 500 to array/scalar invoke payloads."""
        standin = self.world.standin
        standin.log.clear()
        r = self.sample("/lambda/account/getAccountSettings", {}, fake=True)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["AccountLimit"]["ConcurrentExecutions"], 1000)
        for payload, wire in (([1, "two", {"3": None}], b'[1,"two",{"3":null}]'),
                              (42, b"42"), (True, b"true"), ({"a": {}}, b'{"a":{}}')):
            with self.subTest(payload=payload):
                r = self.sample("/lambda/invoke/", {"functionName": "echo", "payload": payload},
                                fake=True)
                self.assertEqual(r.status, 200, r.body)
                self.assertEqual(json.loads(r.body), payload)
                rec = standin.log.last()
                self.assertEqual(rec.body, wire)
                self.assertIsNone(rec.header("Content-Type"))
        recs = standin.records
        self.assertEqual(len(recs), 5)
        self.assertTrue(all(x.signature_ok for x in recs), [x.message for x in recs])

    # -- bad input ------------------------------------------------------------

    def wso2_call(self, operation, values):
        body = {"accessKeyId": le.ACCESS_KEY, "secretAccessKey": le.SECRET_KEY,
                "region": le.REGION, "blocking": "false"}
        body.update(values)
        return self.wso2.post("/services/amazonlambda", body, {"Action": "urn:" + operation})

    VALID = {"functionName": "f", "aliasName": "a", "handler": "h", "role": "arn:r",
             "runtime": "python3.12", "layerName": "CustomFunction", "layerVersionNumber": "1",
             "layerStatementId": "s", "layerPrincipal": "*", "permissionAction": "lambda:x",
             "permissionStatementId": "s", "permissionPrincipal": "p", "functionVersion": "1"}

    def assert400(self, r, operation, param, code_text):
        self.assertEqual(r.status, 400, r.body)
        msg = r.json()["error"]
        self.assertIn("amazonlambda." + operation, msg)
        self.assertIn("'%s'" % param, msg)
        self.assertIn(code_text, msg)

    def test_every_required_parameter_empty_is_400_and_sends_nothing(self):
        ops = wso2_operations()
        proxy_xml = le.read_text(le.WSO2_PROXY)
        checked = 0
        for name, op in sorted(ops.items()):
            required = [p["name"] for p in op["params"] if p["required"] and not p.get("default")]
            for param in required:
                with self.subTest(operation=name, parameter=param):
                    self.assertIn("<%s>" % param, proxy_xml)
                    values = {k: v for k, v in self.VALID.items()}
                    values[param] = ""
                    before = len(self.records())
                    r = self.wso2_call(name, values)
                    self.assert400(r, name, param, "is empty")
                    self.assertEqual(len(self.records()), before, "a request was sent")
                    checked += 1
        self.assertGreaterEqual(checked, 25)

    def test_every_typed_parameter_malformed_is_400_and_sends_nothing(self):
        bad = {"integer": "12x", "long": "one", "boolean": "maybe", "object": "[1]",
               "json": "{oops", "list": "[1,", "base64": "%%%"}
        ops = wso2_operations()
        proxy_xml = le.read_text(le.WSO2_PROXY)
        checked = []
        for name, op in sorted(ops.items()):
            for p in op["params"]:
                if p["type"] not in bad or "<%s>" % p["name"] not in proxy_xml:
                    continue
                with self.subTest(operation=name, parameter=p["name"]):
                    values = dict(self.VALID)
                    values[p["name"]] = bad[p["type"]]
                    r = self.wso2_call(name, values)
                    self.assert400(r, name, p["name"], "is not")
                    checked.append("%s.%s" % (name, p["name"]))
        # the init's typed parameter, evaluated per message (v1)
        r = self.wso2_call("listFunctions", {"blocking": "maybe"})
        self.assert400(r, "init", "blocking", "is not a boolean")
        self.assertGreaterEqual(len(checked), 12, checked)
        self.assertEqual(self.records(), [], "a malformed call reached the proxy")

    def test_no_credentials_anywhere(self):
        """Clean environment (HOME without ~/.aws, no AWS_*), no keys in the
        flow: MissingCredentials, the operation named, nothing sent."""
        r = self.wso2.post("/services/amazonlambda", {"region": "us-east-1"},
                           {"Action": "urn:listFunctions"})
        self.assertEqual(r.status, 500, r.body)
        err = r.json()
        self.assertEqual(err["ERROR_CODE"], "MissingCredentials")
        self.assertIn("amazonlambda.listFunctions: no AWS credentials", err["ERROR_MESSAGE"])
        self.assertEqual(self.records(), [])

    # -- connection models ----------------------------------------------------

    def test_v2_connection_with_session_token_and_endpoint(self):
        r = self.models.post("/models/temporary", {})
        self.assertEqual(r.status, 200, r.body)
        self.assertIn("Functions", r.json())
        rec = self.records()[-1]
        self.assertTrue(rec.signature_ok, rec.message)
        self.assertEqual(rec.access_key, TEMP_KEY)
        self.assertEqual(rec.header("X-Amz-Security-Token"), TEMP_TOKEN)
        self.assertIn("x-amz-security-token", rec.signed_headers)
        self.assertNotIn(TEMP_SECRET, self.models.log())

    def test_response_variable_leaves_the_body_unless_overwriteBody(self):
        lam = self.world.lam
        lam.create_function(FunctionName="varFn", Role=self.world.role, Runtime="python3.12",
                            Handler="index.mdhandler",
                            Code={"ZipFile": base64.b64decode(le.function_zip_b64())})
        try:
            sent = {"functionName": "varFn", "note": "kept"}
            r = self.models.post("/models/variable", sent)
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.json(), sent)            # body unchanged
            self.assertEqual(self.records()[-1].status, 200)
            # docs/amazonlambda.md: flows read the variable back with ${vars...}
            r = self.models.post("/models/variable-read", {"functionName": "varFn"})
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.json(), {"name": "varFn", "status": 200})
            r = self.models.post("/models/guarded", {"functionName": "varFn"})
            self.assertEqual(r.status, 200, r.body)     # overwriteBody true
            self.assertEqual(r.json()["Configuration"]["FunctionName"], "varFn")
        finally:
            lam.delete_function(FunctionName="varFn")

    def test_invoke_result_properties(self):
        """FAKE stand-in: it answers log type Tail and function errors."""
        r = self.models.post("/models/invoke", {"functionName": "echo", "logType": "Tail",
                                                "qualifier": "live"})
        self.assertEqual(r.status, 200, r.body)
        out = r.json()
        self.assertEqual(out["result"], {"ping": 1})
        self.assertEqual(out["executedVersion"], "1")
        self.assertEqual(out["functionError"], "")
        self.assertTrue(out["log"].startswith("START RequestId: "), out["log"])
        self.assertIn("REPORT RequestId:", out["log"])
        r = self.models.post("/models/invoke", {"functionName": "fails"})
        out = r.json()
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(out["functionError"], "Unhandled")
        self.assertEqual(out["result"]["errorMessage"], "boom")
        self.assertEqual(out["log"], "")                # no Tail: no log property

    def test_lambda_error_with_and_without_fault_sequence(self):
        r = self.models.post("/models/guarded", {"functionName": "noSuchFn"})
        self.assertEqual(r.status, 502, r.body)
        out = r.json()
        self.assertTrue(out["handled"])
        self.assertEqual(out["code"], "ResourceNotFoundException")
        self.assertIn("Function not found", out["message"])
        self.assertEqual(out["status"], "404")
        # without a fault sequence: Lambda's status and error body
        r = self.sample("/lambda/functions/getFunction", {"functionName": "noSuchFn"})
        self.assertEqual(r.status, 404, r.body)
        self.assertEqual(r.json()["__type"], "ResourceNotFoundException")
        self.assertAllSigned(minimum=2)


if __name__ == "__main__":
    unittest.main()
