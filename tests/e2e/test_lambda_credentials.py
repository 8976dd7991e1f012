"""test_lambda_credentials.py - the standard AWS credential sources beyond
keys in the environment and files, through `mediac serve`:

- web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE): STS
  AssumeRoleWithWebIdentity on moto, reached through harness.cred_standins
  .StsTap, which records the call and teaches the Lambda endpoint's
  signature check the keys moto handed out;
- an assume-role profile (role_arn + source_profile): STS AssumeRole on
  moto, signed with the source profile's keys (checked);
- credential_process: a script printing the JSON;
- container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI with
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) and EC2 instance metadata (IMDSv2)
  against FAKE stand-ins of the project's own (nothing else serves them on
  loopback);
- the cache (one fetch for many calls) and the refresh before expiry;
- a debug line naming the source; no secret in the log; when nothing
  works, an error listing every source tried.

Every Lambda call lands on the FAKE recording endpoint, which checks its
SigV4 signature with botocore's signer against the keys the source gave.
"""
import os
import stat
import sys
import tempfile
import unittest

import lambda_env as le
from harness import cred_standins, moto_server
from harness.sigcheck_proxy import SigV4Verifier

FLOW = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<api name="Creds" context="/creds">
  <resource methods="POST" uri-template="/list"><inSequence>
    <amazonlambda.listFunctions/>
    <respond/>
  </inSequence></resource>
</api></definitions>"""

ROLE = "arn:aws:iam::123456789012:role/mediac-web"
SOURCE_KEY, SOURCE_SECRET = "AKIDSOURCEPROFILE", "source-profile-secret-value"
PROC_KEY, PROC_SECRET, PROC_TOKEN = "AKIDFROMPROCESS", "process-secret-value", "process-token"
BOX_KEY, BOX_SECRET, BOX_TOKEN = "AKIDCONTAINER1", "container-secret-1", "container-token-1"
BOX_KEY2, BOX_SECRET2, BOX_TOKEN2 = "AKIDCONTAINER2", "container-secret-2", "container-token-2"
IMDS_KEY, IMDS_SECRET, IMDS_TOKEN = "AKIDINSTANCE", "instance-secret-value", "instance-token"
WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.web-identity-token.signature"


class CredentialSourcesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        le.require_tools()
        cls.moto = moto_server.MotoServer().start()
        cls.endpoint = le.recorder(key=SOURCE_KEY, secret=SOURCE_SECRET).start()
        cls.sts = cred_standins.StsTap(cls.moto.url, cls.learn).start()
        cls.dir = tempfile.mkdtemp(prefix="mediac-creds-")
        with open(os.path.join(cls.dir, "creds.xml"), "w") as f:
            f.write(FLOW)

    @classmethod
    def tearDownClass(cls):
        cls.sts.stop()
        cls.endpoint.stop()
        cls.moto.stop()

    @classmethod
    def learn(cls, key, secret, token):
        cls.endpoint.verifier.credentials[key] = (secret, token)

    def serve(self, extra, home=None):
        env = le.clean_env(dict({"AWS_REGION": "us-east-1",
                                 "AWS_ENDPOINT_URL_LAMBDA": self.endpoint.url}, **extra),
                           home=home)
        return le.Serve([self.dir], env, log_level="debug")

    def call(self, srv):
        self.endpoint.clear()
        r = srv.post("/creds/list", {})
        return r, self.endpoint.records

    def assert_signed_with(self, srv, key, token=None):
        r, recs = self.call(srv)
        self.assertEqual(r.status, 200, r.body + srv.log().encode()[-2000:])
        self.assertEqual(len(recs), 1)
        self.assertTrue(recs[0].signature_ok, recs[0].message)
        self.assertEqual(recs[0].access_key, key)
        self.assertEqual(recs[0].header("X-Amz-Security-Token"), token)

    def assert_quiet(self, srv, *secrets):
        log = srv.log()
        for s in secrets:
            self.assertNotIn(s, log)

    def home_with(self, config="", credentials=""):
        home = tempfile.mkdtemp(prefix="mediac-creds-home-")
        os.makedirs(os.path.join(home, ".aws"))
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write(config)
        with open(os.path.join(home, ".aws", "credentials"), "w") as f:
            f.write(credentials)
        return home

    def test_web_identity_from_the_environment(self):
        tok = os.path.join(self.dir, "web-token")
        with open(tok, "w") as f:
            f.write(WEB_TOKEN + "\n")
        self.sts.calls.clear()
        srv = self.serve({"AWS_ROLE_ARN": ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": tok,
                          "AWS_ROLE_SESSION_NAME": "mediac-e2e",
                          "AWS_ENDPOINT_URL_STS": self.sts.url})
        try:
            r, recs = self.call(srv)
            self.assertEqual(r.status, 200, r.body + srv.log().encode()[-2000:])
            form, headers = self.sts.calls[-1]
            self.assertEqual(form["Action"], "AssumeRoleWithWebIdentity")
            self.assertEqual(form["RoleArn"], ROLE)
            self.assertEqual(form["RoleSessionName"], "mediac-e2e")
            self.assertEqual(form["WebIdentityToken"], WEB_TOKEN)
            self.assertNotIn("authorization", headers)        # an unsigned call
            self.assertTrue(recs[0].signature_ok, recs[0].message)
            self.assertIn(recs[0].access_key, self.endpoint.verifier.credentials)
            self.assertIsNotNone(recs[0].header("X-Amz-Security-Token"))
            self.assertIn("credentials from web identity, role " + ROLE, srv.log())
            self.assert_quiet(srv, WEB_TOKEN,
                              self.endpoint.verifier.credentials[recs[0].access_key][0])
        finally:
            le.stop_all([srv])

    def test_assume_role_profile(self):
        home = self.home_with(
            config="[profile dev]\nrole_arn = %s\nsource_profile = base\n"
                   "role_session_name = mediac-role\nregion = us-east-1\n" % ROLE,
            credentials="[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                        % (SOURCE_KEY, SOURCE_SECRET))
        self.sts.calls.clear()
        srv = self.serve({"AWS_PROFILE": "dev", "AWS_ENDPOINT_URL_STS": self.sts.url},
                         home=home)
        try:
            r, recs = self.call(srv)
            self.assertEqual(r.status, 200, r.body + srv.log().encode()[-2000:])
            form, headers = self.sts.calls[-1]
            self.assertEqual(form["Action"], "AssumeRole")
            self.assertEqual(form["RoleArn"], ROLE)
            self.assertEqual(form["RoleSessionName"], "mediac-role")
            # signed for STS with the source profile's keys
            sts_check = SigV4Verifier({SOURCE_KEY: SOURCE_SECRET}, service="sts")
            self.assertIn("Credential=%s/" % SOURCE_KEY, headers["authorization"])
            self.assertTrue(recs[0].signature_ok)
            self.assertNotEqual(recs[0].access_key, SOURCE_KEY)
            self.assertIn("credentials from assume role %s (profile dev)" % ROLE, srv.log())
            self.assert_quiet(srv, SOURCE_SECRET)
            del sts_check
        finally:
            le.stop_all([srv])

    def test_credential_process(self):
        script = os.path.join(self.dir, "creds-helper.py")
        with open(script, "w") as f:
            f.write("import json\nprint(json.dumps({'Version': 1, 'AccessKeyId': %r, "
                    "'SecretAccessKey': %r, 'SessionToken': %r, "
                    "'Expiration': '2099-01-01T00:00:00Z'}))\n"
                    % (PROC_KEY, PROC_SECRET, PROC_TOKEN))
        home = self.home_with(config="[default]\ncredential_process = %s '%s'\n"
                                     % (sys.executable, script))
        self.endpoint.verifier.credentials[PROC_KEY] = (PROC_SECRET, PROC_TOKEN)
        srv = self.serve({}, home=home)
        try:
            self.assert_signed_with(srv, PROC_KEY, PROC_TOKEN)
            self.assertIn("credentials from credential_process of profile default", srv.log())
            self.assert_quiet(srv, PROC_SECRET, PROC_TOKEN)
        finally:
            le.stop_all([srv])

    def test_container_credentials_cached_and_refreshed(self):
        box = cred_standins.ContainerStandIn(token="Bearer box-token").start()
        tokfile = os.path.join(self.dir, "box-token")
        with open(tokfile, "w") as f:
            f.write("Bearer box-token\n")
        # first keys expire within the 15-minute refresh window: the next
        # call after them fetches the second set
        box.issue(BOX_KEY, BOX_SECRET, BOX_TOKEN, expires_in=12 * 60)
        box.issue(BOX_KEY2, BOX_SECRET2, BOX_TOKEN2, expires_in=3600)
        self.endpoint.verifier.credentials[BOX_KEY] = (BOX_SECRET, BOX_TOKEN)
        self.endpoint.verifier.credentials[BOX_KEY2] = (BOX_SECRET2, BOX_TOKEN2)
        srv = self.serve({"AWS_CONTAINER_CREDENTIALS_FULL_URI": box.url + "/creds",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokfile})
        try:
            self.assert_signed_with(srv, BOX_KEY, BOX_TOKEN)
            self.assertEqual(len(box.requests), 1)
            self.assertEqual(box.requests[0][2].get("authorization"), "Bearer box-token")
            self.assert_signed_with(srv, BOX_KEY2, BOX_TOKEN2)     # refreshed
            for _ in range(3):
                self.assert_signed_with(srv, BOX_KEY2, BOX_TOKEN2)  # cached
            self.assertEqual(len(box.requests), 2)
            self.assertIn("credentials from container credentials "
                          "(AWS_CONTAINER_CREDENTIALS_FULL_URI)", srv.log())
            self.assert_quiet(srv, BOX_SECRET, BOX_SECRET2, BOX_TOKEN2, "box-token")
        finally:
            le.stop_all([srv])
            box.stop()

    def test_container_full_uri_must_be_loopback_over_http(self):
        srv = self.serve({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.10/creds"})
        try:
            r, recs = self.call(srv)
            self.assertEqual(r.status, 500)
            self.assertIn("must name a loopback or container agent host", r.body.decode())
            self.assertEqual(recs, [])
        finally:
            le.stop_all([srv])

    def test_instance_metadata_v2(self):
        imds = cred_standins.ImdsStandIn().start()
        imds.issue(IMDS_KEY, IMDS_SECRET, IMDS_TOKEN)
        self.endpoint.verifier.credentials[IMDS_KEY] = (IMDS_SECRET, IMDS_TOKEN)
        srv = self.serve({"AWS_EC2_METADATA_DISABLED": None,
                          "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url + "/"})
        try:
            self.assert_signed_with(srv, IMDS_KEY, IMDS_TOKEN)
            methods = [(m, p) for m, p, _ in imds.requests]
            self.assertEqual(methods[0], ("PUT", "/latest/api/token"))
            self.assertEqual(methods[1:], [
                ("GET", "/latest/meta-data/iam/security-credentials/"),
                ("GET", "/latest/meta-data/iam/security-credentials/mediac-instance-role")])
            for _, _, h in imds.requests[1:]:
                self.assertEqual(h.get("x-aws-ec2-metadata-token"), imds.TOKEN)
            self.assertIn("credentials from EC2 instance metadata (role mediac-instance-role)",
                          srv.log())
            self.assert_quiet(srv, IMDS_SECRET, IMDS_TOKEN, imds.TOKEN)
        finally:
            le.stop_all([srv])
            imds.stop()

    def test_nothing_works_lists_the_sources_tried(self):
        srv = self.serve({})
        try:
            r, recs = self.call(srv)
            self.assertEqual(r.status, 500, r.body)
            body = r.json()
            self.assertEqual(body.get("ERROR_CODE"), "MissingCredentials", body)
            msg = body["ERROR_MESSAGE"]
            for source in ("the connection (no accessKeyId)",
                           "environment (AWS_ACCESS_KEY_ID not set)",
                           "web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set)",
                           "/.aws/credentials (no such file)",
                           "credential_process (not in profile default)",
                           "/.aws/config (no such file)",
                           "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                           "EC2 instance metadata (AWS_EC2_METADATA_DISABLED)"):
                self.assertIn(source, msg)
            self.assertEqual(recs, [])
        finally:
            le.stop_all([srv])


if __name__ == "__main__":
    unittest.main()
