"""Self-check of the end-to-end harness and of the Lambda connector descriptors.

Run from the repository root:  python3 -m unittest tests/e2e/test_harness_selfcheck.py
(or python3 tests/e2e/test_harness_selfcheck.py). Needs boto3, botocore, moto
(python3 -m moto.server) and xmllint; reads ../shared/testdata (or
$MC_SHARED_DIR).

- DescriptorTests: connector.xml, shapes.xml and the 85 operation
  descriptors validate against schemas/connector.xsd; the 15 WSO2
  operations agree with WSO2's parameter table (names, required, defaults);
  every operation agrees with botocore's Lambda model (method, URI, member
  names and types, status).
- SigCheckProxyTests: boto3 through the proxy passes the signature check for
  GET/POST/PUT/DELETE with and without a query; a wrong secret gets 403 and
  the request never reaches moto; tampered requests are refused.
- LambdaStandInTests: the FAKE stand-in (lambda_standin) answers
  GetAccountSettings and invoke the way real Lambda does where moto cannot.
- BaselineTests: every WSO2 request file performed with boto3 against moto
  (through the proxy), printing the "moto vs AWS" table that
  docs/connector-descriptors.md holds.
"""

import base64
import datetime
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3                                          # noqa: E402
import botocore                                       # noqa: E402
import botocore.session                               # noqa: E402
from botocore.auth import SigV4Auth                   # noqa: E402
from botocore.awsrequest import AWSRequest            # noqa: E402
from botocore.config import Config                    # noqa: E402
from botocore.credentials import Credentials          # noqa: E402

from harness import REPO_ROOT, wso2_testdata_dir      # noqa: E402
from harness import boto_baseline, descriptors, wso2_testdata   # noqa: E402
from harness.lambda_standin import LambdaStandIn      # noqa: E402
from harness.moto_server import MotoServer            # noqa: E402
from harness.sigcheck_proxy import SigCheckProxy      # noqa: E402

ACCESS_KEY = "AKIDMEDIACSELFCHECK"
SECRET_KEY = "selfcheck-secret-key/with+odd=chars"
REGION = "us-east-1"

# Parameters a flow may pass that are no parameter of the operation; WSO2
# ignores them (a Synapse template drops undeclared parameters), and so must
# mediac. The WSO2 test proxy passes these.
IGNORED_FLOW_PARAMS = {("addPermission", "eventSourceAccount")}
# Success statuses that differ from botocore's model on purpose.
SUCCESS_EXCEPTIONS = {
    "deleteFunction": [204],        # AWS documents (and answered) 204; model says 200
    "invoke": [200, 202, 204],      # RequestResponse, Event, DryRun
}
# Members AWS requires that WSO2 marks optional (<require member> in the
# descriptor: checked before sending, as boto3 does).
DOC_ONLY_REQUIRED = {("createFunction", "Code")}
# Init parameters of MI connections that connector-meta.json does not list.
EXTRA_WSO2_INIT = {"connectionType"}

_moto = None


def setUpModule():
    global _moto
    _moto = MotoServer().start()


def tearDownModule():
    if _moto is not None:
        _moto.stop()


def _client(url, access_key=ACCESS_KEY, secret=SECRET_KEY, service="lambda"):
    return boto3.client(service, endpoint_url=url, region_name=REGION,
                        aws_access_key_id=access_key, aws_secret_access_key=secret,
                        config=Config(retries={"total_max_attempts": 1}))


def _meta():
    with open(os.path.join(wso2_testdata_dir(), "connector-meta.json"), encoding="utf-8") as f:
        return json.load(f)


def _release(meta, tag_prefix):
    return next(r for r in meta["releases"] if r["tagName"].startswith(tag_prefix))


# ======================================================================
class DescriptorTests(unittest.TestCase):
    """connector/amazonlambda/ against the XSD, WSO2's table and botocore."""

    @classmethod
    def setUpClass(cls):
        cls.connector = descriptors.load_connector()
        cls.ops = descriptors.load_operations()
        cls.meta = _meta()
        cls.v2 = {op["name"]: op for op in _release(cls.meta, "v2")["operations"]}
        cls.v1 = {op["name"] for op in _release(cls.meta, "v1")["operations"]}
        cls.model = botocore.session.get_session().get_service_model("lambda")

    def test_xmllint_validates_all(self):
        xmllint = shutil.which("xmllint")
        if not xmllint:
            self.skipTest("xmllint not installed (Debian package libxml2-utils)")
        files = [os.path.join(descriptors.connector_dir(), "connector.xml"),
                 os.path.join(descriptors.connector_dir(), "shapes.xml")]
        files += descriptors.operation_files()
        self.assertEqual(len(files), 2 + 85)
        proc = subprocess.run([xmllint, "--noout", "--schema", descriptors.SCHEMA] + files,
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def wso2_ops(self):
        return {n: op for n, op in self.ops.items() if op["origin"] == "wso2"}

    def test_operation_set_matches_wso2_both_releases(self):
        self.assertEqual(set(self.wso2_ops()), set(self.v2))
        self.assertEqual(set(self.wso2_ops()), self.v1 - {"init"})
        for name, op in self.ops.items():
            self.assertEqual(os.path.basename(op["file"]), name + ".xml")

    def test_every_model_operation_once(self):
        apis = sorted(op["api"] for op in self.ops.values())
        self.assertEqual(apis, sorted(self.model.operation_names))
        for name, op in self.ops.items():
            if op["origin"] != "wso2":
                self.assertEqual(name, op["api"][0].lower() + op["api"][1:])

    def test_params_names_required_defaults_are_wso2s(self):
        common = {p["name"] for p in self.connector["common"]}
        for name, op in self.wso2_ops().items():
            wso2 = {p["name"]: p for p in self.v2[name]["params"]}
            mine = {p["name"]: p for p in op["params"] if p["origin"] == "wso2"}
            self.assertEqual(set(mine), set(wso2) - common, name)
            for pname, p in mine.items():
                w = wso2[pname]
                self.assertEqual(p["required"], w["required"], "%s.%s required" % (name, pname))
                wdef = w["defaultValue"] or None
                if "wso2Default" in p:
                    self.assertEqual(p["wso2Default"], wdef, "%s.%s wso2Default" % (name, pname))
                    self.assertNotEqual(p.get("default"), wdef)
                else:
                    self.assertEqual(p.get("default"), wdef, "%s.%s default" % (name, pname))

    def test_common_params_match_wso2_per_operation(self):
        for name, op in self.wso2_ops().items():
            eff = descriptors.effective_common(self.connector, op)
            wso2 = {p["name"]: p for p in self.v2[name]["params"]}
            for pname in ("responseVariable", "overwriteBody"):
                self.assertEqual(eff[pname]["required"], wso2[pname]["required"],
                                 "%s.%s" % (name, pname))
                self.assertEqual(eff[pname].get("default"), wso2[pname]["defaultValue"] or None,
                                 "%s.%s" % (name, pname))
            for o in op["overrides"]:
                self.assertIn(o["name"], eff)

    def test_init_params_cover_wso2_connection_and_v1_init(self):
        init = {p["name"]: p for p in self.connector["init"]}
        by_any_name = {}
        for p in self.connector["init"]:
            for n in [p["name"]] + p["alias"]:
                by_any_name[n] = p
        conn = _release(self.meta, "v2")["connections"][0]
        for w in conn["params"]:
            self.assertIn(w["name"], by_any_name, w["name"])
            p = by_any_name[w["name"]]
            # required says what mediac needs; WSO2's flag is kept apart
            # where the AWS chain supplies the value (credentials, region)
            self.assertEqual(p.get("wso2Required") == "true" or p["required"], w["required"],
                             w["name"])
            if p.get("wso2Required") == "true":
                self.assertFalse(p["required"], w["name"])
            self.assertEqual(p.get("default"), w["defaultValue"] or None, w["name"])
        self.assertEqual(init["connectionType"]["default"], conn["name"])
        wso2_names = {w["name"] for w in conn["params"]} | EXTRA_WSO2_INIT
        for p in self.connector["init"]:
            if p["origin"] == "wso2":
                self.assertTrue(set([p["name"]] + p["alias"]) & wso2_names, p["name"])
        self.assertTrue(init["secretAccessKey"]["secret"] and init["sessionToken"]["secret"])
        self.assertIn("endpoint", init)
        # v1: the test proxy's inline <amazonlambda.init> children
        proxy = ET.parse(os.path.join(wso2_testdata_dir(), "amazonlambda-proxy.xml")).getroot()
        syn = "{http://ws.apache.org/ns/synapse}"
        for el in proxy.iter(syn + "amazonlambda.init"):
            for child in el:
                self.assertIn(child.tag.replace(syn, ""), by_any_name)

    def test_test_proxy_uses_only_known_names(self):
        proxy = ET.parse(os.path.join(wso2_testdata_dir(), "amazonlambda-proxy.xml")).getroot()
        syn = "{http://ws.apache.org/ns/synapse}"
        unknown = set()
        for el in proxy.iter():
            tag = el.tag.replace(syn, "")
            if not tag.startswith("amazonlambda.") or tag == "amazonlambda.init":
                continue
            opname = tag.split(".", 1)[1]
            self.assertIn(opname, self.ops)
            names = {n for p in self.ops[opname]["params"] for n in [p["name"]] + p["alias"]}
            names |= {p["name"] for p in self.connector["common"]}
            for child in el:
                pname = child.tag.replace(syn, "")
                if pname not in names:
                    unknown.add((opname, pname))
        self.assertEqual(unknown, IGNORED_FLOW_PARAMS)

    def _member_shape(self, input_shape, dotted):
        shape = input_shape
        for part in dotted.split("."):
            if shape.type_name == "map":
                return shape
            self.assertIn(part, shape.members, dotted)
            shape = shape.members[part]
        return shape

    def test_http_shape_matches_botocore(self):
        type_ok = {
            "string": {"string"}, "integer": {"integer"}, "long": {"long"},
            "boolean": {"boolean"}, "object": {"map", "structure"},
            "json": {"map", "structure", "list"}, "list": {"list"},
            "base64": {"blob"}, "raw": {"blob"}, "double": {"double", "float"},
            "timestamp": {"timestamp"},
        }
        for name, op in self.ops.items():
            om = self.model.operation_model(op["api"])
            self.assertEqual(op["method"], om.http["method"], name)
            params = {p["name"]: p for p in op["params"]}
            # path: apiVersion* -> its default, other placeholders -> model label
            placeholders = re.findall(r"{([^}]+)}", op["path"])
            self.assertEqual(set(placeholders),
                             {p["name"] for p in op["params"] if p["in"] == "path"}, name)

            def label(m):
                p = params[m.group(1)]
                if p["name"].startswith("apiVersion"):
                    return p["default"]
                return "{%s}" % p["as"]
            self.assertEqual(re.sub(r"{([^}]+)}", label, op["path"]), om.http["requestUri"], name)
            self.assertEqual(op["success"],
                             SUCCESS_EXCEPTIONS.get(name, [om.http.get("responseCode", 200)]),
                             name)
            shape = om.input_shape
            members = shape.members if shape is not None else {}
            payload = [p for p in op["params"] if p["in"] == "payload"]
            self.assertLessEqual(len(payload), 1, name)
            if payload:
                self.assertEqual([p for p in op["params"] if p["in"] == "body"], [], name)
                self.assertEqual(shape.serialization.get("payload") is not None, True, name)
            covered, member_of = set(), {}
            for p in op["params"]:
                if p["name"].startswith("apiVersion") or p["in"] == "runtime":
                    continue
                wire = p.get("as", p["name"])
                where = "%s.%s" % (name, p["name"])
                if p["in"] == "path":
                    m = members[wire]
                    self.assertEqual(m.serialization.get("location"), "uri", where)
                elif p["in"] in ("query", "header"):
                    loc = {"query": "querystring", "header": "header"}[p["in"]]
                    found = [k for k, m in members.items()
                             if m.serialization.get("location") == loc
                             and m.serialization.get("name", k).lower() == wire.lower()]
                    self.assertEqual(len(found), 1, where)
                    m = members[found[0]]
                    wire = found[0]
                elif p["in"] == "payload":
                    m = members[shape.serialization["payload"]]
                    wire = shape.serialization["payload"]
                else:
                    top = wire.split(".")[0]
                    self.assertIn(top, members, where)
                    self.assertNotIn("location", members[top].serialization, where)
                    m = self._member_shape(shape, wire)
                covered.add(wire.split(".")[0])
                member_of[p["name"]] = wire.split(".")[0]
                self.assertIn(m.type_name, type_ok[p["type"]], where)
                if p.get("shape") and p["type"] != "raw":
                    self.assertEqual(p["shape"], m.name, where)
            # every member of the model has a parameter (the whole API)
            self.assertEqual(set(members) - covered, set(), name)
            required = set(shape.required_members) if shape is not None else set()
            for member in required:
                ps = [p for p in op["params"] if member_of.get(p["name"]) == member]
                if not any(p["required"] for p in ps):
                    self.assertIn((name, member), DOC_ONLY_REQUIRED)

    def test_invoke_results(self):
        res = {r["header"]: r for r in self.ops["invoke"]["results"]}
        self.assertEqual(res["X-Amz-Log-Result"]["property"], "amazonlambda.logResult")
        self.assertEqual(res["X-Amz-Log-Result"].get("decode"), "base64")
        self.assertEqual(res["X-Amz-Function-Error"]["property"], "amazonlambda.functionError")
        self.assertEqual(res["X-Amz-Executed-Version"]["property"],
                         "amazonlambda.executedVersion")


# ======================================================================
class SigCheckProxyTests(unittest.TestCase):
    """boto3 -> sigcheck_proxy -> moto."""

    @classmethod
    def setUpClass(cls):
        _moto.reset()
        cls.role = _moto.create_role()
        cls.proxy = SigCheckProxy(_moto.url, {ACCESS_KEY: SECRET_KEY}).start()
        cls.lam = _client(cls.proxy.url)
        cls.admin = _moto.client("lambda")           # straight to moto

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()

    def setUp(self):
        self.proxy.clear()

    def _create(self, name):
        self.lam.create_function(FunctionName=name, Role=self.role, Runtime="python3.12",
                                 Handler="index.mdhandler",
                                 Code={"ZipFile": boto_baseline.function_zip()})

    def _only_record(self, method, with_query):
        recs = self.proxy.records
        self.assertEqual(len(recs), 1, [r.target for r in recs])
        rec = recs[0]
        self.assertEqual(rec.method, method)
        self.assertEqual(bool(rec.query), with_query, rec.target)
        self.assertEqual(rec.verdict, "forwarded", rec.message)
        self.assertTrue(rec.reached_upstream)
        self.assertIsNone(rec.header("Authorization"))
        return rec

    def test_get_without_and_with_query(self):
        self._create("sc-get")
        self.proxy.clear()
        self.assertEqual(self.lam.list_functions()["ResponseMetadata"]["HTTPStatusCode"], 200)
        self._only_record("GET", False)
        self.proxy.clear()
        r = self.lam.get_function(FunctionName="sc-get", Qualifier="$LATEST")
        self.assertEqual(r["Configuration"]["FunctionName"], "sc-get")
        rec = self._only_record("GET", True)
        self.assertEqual(rec.query, "Qualifier=%24LATEST")
        self.proxy.clear()
        self.lam.list_functions(MaxItems=5, FunctionVersion="ALL")
        self._only_record("GET", True)

    def test_post_without_and_with_query(self):
        self._create("sc-post")
        rec = self._only_record("POST", False)
        self.assertEqual(rec.status, 201)
        self.assertEqual(rec.json()["FunctionName"], "sc-post")      # exact body recorded
        self.proxy.clear()
        r = self.lam.invoke(FunctionName="sc-post", Qualifier="$LATEST", Payload=b'{"k": "v"}')
        self.assertEqual(r["StatusCode"], 200)
        self.assertEqual(json.loads(r["Payload"].read()), {"k": "v"})
        rec = self._only_record("POST", True)
        self.assertEqual(rec.body, b'{"k": "v"}')

    def test_put_without_and_with_query(self):
        self._create("sc-put")
        self.lam.create_alias(FunctionName="sc-put", Name="live", FunctionVersion="$LATEST")
        self.proxy.clear()
        self.lam.update_alias(FunctionName="sc-put", Name="live", Description="changed")
        self._only_record("PUT", False)
        self.proxy.clear()
        r = self.lam.put_function_event_invoke_config(FunctionName="sc-put", Qualifier="$LATEST",
                                                      MaximumRetryAttempts=1)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self._only_record("PUT", True)

    def test_delete_without_and_with_query(self):
        self._create("sc-del")
        version = self.lam.publish_version(FunctionName="sc-del")["Version"]
        self.lam.create_alias(FunctionName="sc-del", Name="gone", FunctionVersion=version)
        self.proxy.clear()
        self.lam.delete_alias(FunctionName="sc-del", Name="gone")
        self._only_record("DELETE", False)
        self.proxy.clear()
        r = self.lam.delete_function(FunctionName="sc-del", Qualifier=version)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self._only_record("DELETE", True)

    def test_percent_encoded_path_is_verified_as_received(self):
        self._create("sc-arn")
        self.proxy.clear()
        arn = "arn:aws:lambda:%s:123456789012:function:sc-arn" % REGION
        r = self.lam.get_function_configuration(FunctionName=arn)
        self.assertEqual(r["FunctionName"], "sc-arn")
        rec = self._only_record("GET", False)
        self.assertIn("arn%3Aaws%3Alambda", rec.path)

    def test_wrong_secret_is_refused_and_reaches_no_server(self):
        bad = _client(self.proxy.url, secret="not-the-secret")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            bad.create_function(FunctionName="sc-never", Role=self.role, Runtime="python3.12",
                                Handler="index.h", Code={"ZipFile": boto_baseline.function_zip()})
        err = cm.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertEqual(err["Error"]["Code"], "InvalidSignatureException")
        (rec,) = self.proxy.records
        self.assertEqual(rec.verdict, "rejected")
        self.assertFalse(rec.reached_upstream)
        self.assertEqual(rec.json()["FunctionName"], "sc-never")
        with self.assertRaises(self.admin.exceptions.ResourceNotFoundException):
            self.admin.get_function(FunctionName="sc-never")           # moto never saw it
        for call in (lambda: bad.list_functions(), lambda: bad.list_functions(MaxItems=1)):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                call()
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertFalse(any(r.reached_upstream for r in self.proxy.records))

    def test_unknown_access_key(self):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            _client(self.proxy.url, access_key="AKIDUNKNOWN").list_functions()
        self.assertEqual(cm.exception.response["Error"]["Code"], "UnrecognizedClientException")
        self.assertFalse(self.proxy.records[0].reached_upstream)

    # -- hand-made requests --------------------------------------------

    def _signed(self, method, target, body=b"", extra=None, sign_target=None):
        """Headers of a request signed with botocore for sign_target."""
        host = urllib.parse.urlsplit(self.proxy.url).netloc
        req = AWSRequest(method=method, url="http://%s%s" % (host, sign_target or target),
                         data=body, headers=dict(extra or {}))
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "lambda", REGION).add_auth(req)
        return dict(req.headers.items(), Host=host)

    def _send(self, method, target, headers, body=b""):
        u = urllib.parse.urlsplit(self.proxy.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for k, v in headers.items():
                conn.putheader(k, v)
            if body or method in ("POST", "PUT"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def test_tampered_body_and_path_are_refused(self):
        self._create("sc-tamper")
        self.proxy.clear()
        target = "/2015-03-31/functions/sc-tamper/invocations"
        headers = self._signed("POST", target, b'{"a":1}')
        status, _ = self._send("POST", target, headers, b'{"a":2}')
        self.assertEqual(status, 403)
        headers = self._signed("GET", "/2015-03-31/functions/sc-tamper")
        status, body = self._send("GET", "/2015-03-31/functions/sc-tampe%72", headers)
        self.assertEqual(status, 403, body)        # same name decoded, not as signed
        headers = self._signed("GET", "/2015-03-31/functions/sc-tamper")
        status, _ = self._send("GET", "/2015-03-31/functions/sc-tamper", headers)
        self.assertEqual(status, 200)
        recs = self.proxy.records
        self.assertEqual([r.verdict for r in recs], ["rejected", "rejected", "forwarded"])
        self.assertEqual(recs[0].body, b'{"a":2}')

    def test_query_is_canonicalised_like_aws(self):
        self._create("sc-query")
        self.proxy.clear()
        # Signed for Qualifier=%24LATEST, sent with a bare "$": AWS accepts it.
        headers = self._signed("GET", "/2015-03-31/functions/sc-query?Qualifier=%24LATEST")
        status, body = self._send("GET", "/2015-03-31/functions/sc-query?Qualifier=$LATEST",
                                  headers)
        self.assertEqual(status, 200, body)
        rec = self.proxy.records[0]
        self.assertEqual(rec.query, "Qualifier=$LATEST")
        self.assertFalse(rec.query_canonical_on_wire)
        # A signature over the bare "$" is wrong (the canonical form is %24).
        headers = self._signed_raw_query("/2015-03-31/functions/sc-query", "Qualifier=$LATEST")
        status, _ = self._send("GET", "/2015-03-31/functions/sc-query?Qualifier=$LATEST", headers)
        self.assertEqual(status, 403)

    def _signed_raw_query(self, path, raw_query):
        host = urllib.parse.urlsplit(self.proxy.url).netloc
        signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "lambda", REGION)
        req = AWSRequest(method="GET", url="http://%s%s?%s" % (host, path, raw_query))
        signer.add_auth(req)      # botocore's url form keeps the query text as is
        return dict(req.headers.items(), Host=host)

    def test_missing_and_stale_authorization(self):
        status, body = self._send("GET", "/2015-03-31/functions", {"Host": "x"})
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body)["__type"], "MissingAuthenticationTokenException")
        old = (datetime.datetime.now(datetime.timezone.utc)
               - datetime.timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
        host = urllib.parse.urlsplit(self.proxy.url).netloc
        req = AWSRequest(method="GET", url="http://%s/2015-03-31/functions" % host)
        signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "lambda", REGION)
        req.context["timestamp"] = old
        req.headers["X-Amz-Date"] = old
        canonical = signer.canonical_request(req)
        sig = signer.signature(signer.string_to_sign(req, canonical), req)
        headers = {"Host": host, "X-Amz-Date": old,
                   "Authorization": "AWS4-HMAC-SHA256 Credential=%s/%s/%s/lambda/aws4_request, "
                                    "SignedHeaders=host;x-amz-date, Signature=%s"
                                    % (ACCESS_KEY, old[:8], REGION, sig)}
        status, body = self._send("GET", "/2015-03-31/functions", headers)
        self.assertEqual(status, 403)
        self.assertIn("Signature expired", json.loads(body)["message"])
        self.assertFalse(any(r.reached_upstream for r in self.proxy.records))


# ======================================================================
class LambdaStandInTests(unittest.TestCase):
    """The FAKE stand-in for what moto 5.2.1 cannot do (lambda_standin)."""

    @classmethod
    def setUpClass(cls):
        cls.standin = LambdaStandIn({ACCESS_KEY: SECRET_KEY},
                                    functions={"echo": {"versions": ["1"],
                                                        "aliases": {"live": "1"}}}).start()
        cls.lam = _client(cls.standin.url)

    @classmethod
    def tearDownClass(cls):
        cls.standin.stop()

    def test_get_account_settings(self):
        r = self.lam.get_account_settings()
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(r["AccountLimit"]["ConcurrentExecutions"], 1000)
        self.assertEqual(r["AccountUsage"]["FunctionCount"], 1)
        self.assertEqual(self.standin.records[-1].path, "/2016-08-19/account-settings")

    def test_invoke_echoes_array_scalar_and_object(self):
        for payload in (b"[1, 2, 3]", b"42", b'"text"', b"null", b'{"a": [true]}'):
            r = self.lam.invoke(FunctionName="echo", Payload=payload)
            self.assertEqual(r["StatusCode"], 200)
            self.assertEqual(r["Payload"].read(), payload)
            self.assertEqual(r["ExecutedVersion"], "$LATEST")
            self.assertNotIn("FunctionError", r)
        r = self.lam.invoke(FunctionName="echo")
        self.assertEqual(r["Payload"].read(), b"{}")

    def test_invoke_log_tail_qualifier_and_types(self):
        r = self.lam.invoke(FunctionName="echo", LogType="Tail", Qualifier="live", Payload=b"[]")
        self.assertEqual(r["ExecutedVersion"], "1")
        self.assertIn("START RequestId", base64.b64decode(r["LogResult"]).decode())
        self.assertEqual(self.lam.invoke(FunctionName="echo", InvocationType="Event")
                         ["StatusCode"], 202)
        self.assertEqual(self.lam.invoke(FunctionName="echo", InvocationType="DryRun")
                         ["StatusCode"], 204)
        arn = "arn:aws:lambda:%s:123456789012:function:echo" % REGION
        self.assertEqual(self.lam.invoke(FunctionName=arn, Payload=b"1")["StatusCode"], 200)

    def test_unknown_function_and_bad_payload(self):
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException) as cm:
            self.lam.invoke(FunctionName="nobody", Payload=b"{}")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertIn("function:nobody", cm.exception.response["Error"]["Message"])
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.invoke(FunctionName="echo", Qualifier="7")
        with self.assertRaises(self.lam.exceptions.InvalidRequestContentException) as cm:
            self.lam.invoke(FunctionName="echo", Payload=b"{not json")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_signature_checked(self):
        bad = _client(self.standin.url, secret="wrong")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            bad.get_account_settings()
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertEqual(self.standin.records[-1].verdict, "rejected")


# ======================================================================
class BaselineTests(unittest.TestCase):
    """Every WSO2 request file, performed with boto3 against moto."""

    def test_baseline_over_all_request_files(self):
        _moto.reset()
        role = boto_baseline.prepare_emulator(_moto)
        supplied = {"accessKeyId": ACCESS_KEY, "secretAccessKey": SECRET_KEY,
                    "region": REGION, "blocking": "false", "role": role}
        with SigCheckProxy(_moto.url, {ACCESS_KEY: SECRET_KEY}) as proxy:
            results = boto_baseline.run_baseline(proxy.url, supplied)
            records = proxy.records
        table = boto_baseline.format_table(results)
        print("\n\nmoto vs AWS (boto3 through the signature-checking proxy):\n" + table)

        files = wso2_testdata.request_files()
        self.assertEqual(sorted(r.request_file for r in results), files)
        self.assertEqual([r.request_file for r in results], boto_baseline.ordered_files())
        self.assertTrue(all(r.verdict == "forwarded" for r in records),
                        [(r.target, r.message) for r in records if r.verdict != "forwarded"])
        self.assertEqual(len(records), sum(r.reached_server for r in results))
        expected = wso2_testdata.expected_statuses()
        for r in results:
            self.assertTrue(r.status, r)
            if r.request_file in expected:
                self.assertEqual(r.operation, expected[r.request_file][0])
        by_file = {r.request_file: r for r in results}
        # the positive cases that moto serves as AWS does
        for f in ("createFunction_mandatory.json", "getFunction_optional.json",
                  "invoke_optional.json", "removePermission_mandatory.json",
                  "deleteFunction_mandatory.json"):
            self.assertEqual(by_file[f].status, by_file[f].aws_status, f)
        self.assertFalse(by_file["invoke_negative.json"].reached_server)

        # docs/connector-descriptors.md holds this table for moto 5.2.1
        import moto
        if moto.__version__ == "5.2.1":
            with open(os.path.join(REPO_ROOT, "docs", "connector-descriptors.md"),
                      encoding="utf-8") as f:
                doc = f.read()
            self.assertIn(table, doc, "docs/connector-descriptors.md 'moto vs AWS' table is "
                          "stale: regenerate it with python3 -m harness.boto_baseline")


if __name__ == "__main__":
    unittest.main(verbosity=2)
