"""test_secrets.py - no secret ever reaches the output.

Every sample under samples/ (globbed, so new samples are covered) and the
WSO2 connector's test proxy are run with `<log level="full"/>` added at the
start of every sequence, after every connector init and before every
`respond`, with `--log-level debug`, both by `mediac serve` and (for
sequences) by `mediac run`.  Credentials are random per run: an access key,
a secret key and a session token from the environment chain, and for the
WSO2 proxy a secret key sent in the request body.  The flows run on the
success path and on fault paths:

- through the signature-checking proxy with the right secret (success);
- through it with the wrong secret: AWS-style 403 whose message holds the
  canonical request, which contains the session token;
- a client Authorization header on every request (also never logged);
- straight at the misbehaving upstream: 500, 429, garbage, reset;
- a closed port (101503) and partial credentials (no secret).

All stdout and stderr of every process is scanned for the secret key, the
session token and each Authorization value the upstream received (and its
Signature).  None may appear.  test_scanner_finds_planted_secret proves
the scan can fail."""
import glob
import json
import os
import re
import secrets as pysecrets
import shutil
import subprocess
import tempfile
import unittest
from unittest import mock

import mc
from fault_upstream import FaultUpstream, closed_port
from serve_helpers import Server, request

WSO2_PROXY = os.path.join(mc.SHARED, "testdata", "wso2-amazonlambda", "amazonlambda-proxy.xml")
SEQ_OPEN = re.compile(r"(<(?:inSequence|outSequence|faultSequence)>|<sequence\b[^>]*[^/]>)")
INIT_CLOSE = re.compile(r"(</amazonlambda\.init>)")
RESPOND = re.compile(r"(<respond\s*/>)")
LOG_FULL = '<log level="full"/>'


def random_secret(prefix):
    return prefix + pysecrets.token_hex(16)


def with_full_logs(xml):
    """The flow with <log level="full"/> at the start of every sequence,
    after every connector init and before every respond.  Init elements
    inside a localEntry are left alone (a log there is not a mediator)."""
    xml = SEQ_OPEN.sub(lambda m: m.group(1) + LOG_FULL, xml)
    xml = RESPOND.sub(lambda m: LOG_FULL + m.group(1), xml)
    out, pos = [], 0
    for m in INIT_CLOSE.finditer(xml):
        before = xml[:m.start()]
        in_entry = before.rfind("<localEntry") > before.rfind("</localEntry>")
        out.append(xml[pos:m.end()] + ("" if in_entry else LOG_FULL))
        pos = m.end()
    out.append(xml[pos:])
    return "".join(out)


def find_leaks(text, named_secrets):
    """Names of the secrets that occur in text."""
    return sorted(name for name, value in named_secrets.items() if value and value in text)


def api_requests(xml):
    """(method, path) for each API resource in xml, template variables
    filled with 'ok'; proxies as /services/NAME."""
    reqs = []
    for api in re.finditer(r'<api\b([^>]*)>(.*?)</api>', xml, re.S):
        ctx = re.search(r'context="([^"]*)"', api.group(1))
        ctx = ctx.group(1) if ctx else "/"
        for res in re.finditer(r'<resource\b([^>]*)>', api.group(2)):
            attrs = res.group(1)
            methods = re.search(r'methods="([^"]*)"', attrs)
            method = (methods.group(1).split() if methods else ["POST"])[0]
            tmpl = re.search(r'uri-template="([^"]*)"', attrs)
            mapping = re.search(r'url-mapping="([^"]*)"', attrs)
            sub = tmpl.group(1) if tmpl else (mapping.group(1) if mapping else "/")
            sub = re.sub(r"\{[^}]*\}", "ok", sub.split("?")[0]).replace("*", "ok")
            reqs.append((method, ctx.rstrip("/") + (sub if sub.startswith("/") else "/" + sub)))
    for proxy in re.finditer(r'<proxy\b[^>]*\bname="([^"]*)"', xml):
        reqs.append(("POST", "/services/" + proxy.group(1)))
    return reqs


def sequence_names(xml):
    return re.findall(r'<sequence\b[^>]*\bname="([^"]*)"[^>]*[^/]>', xml)


class SecretsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.secrets = {"secret key": random_secret("SK"), "session token": random_secret("ST"),
                       "body secret key": random_secret("BK"),
                       "client Authorization": "Bearer " + random_secret("CA")}
        cls.access_key = "AKID" + pysecrets.token_hex(8).upper()
        cls.up = FaultUpstream()
        from harness.sigcheck_proxy import SigCheckProxy
        creds = {cls.access_key: (cls.secrets["secret key"], cls.secrets["session token"])}
        cls.proxy = SigCheckProxy(cls.up.url, creds).start()
        cls.wso2_proxy = SigCheckProxy(cls.up.url,
                                       {cls.access_key: cls.secrets["body secret key"]}).start()
        wrong = {cls.access_key: ("not-" + cls.secrets["secret key"], cls.secrets["session token"])}
        cls.wrong_proxy = SigCheckProxy(cls.up.url, wrong).start()
        cls.work = tempfile.mkdtemp(prefix="mediac-secrets-")
        cls.home = os.path.join(cls.work, "home")
        os.makedirs(cls.home)
        cls.output = []          # (label, text) of every process run
        cls.folders = cls.prepare_samples()

    @classmethod
    def tearDownClass(cls):
        for p in (cls.proxy, cls.wso2_proxy, cls.wrong_proxy):
            p.stop()
        cls.up.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    @classmethod
    def prepare_samples(cls):
        """Copy every sample folder (XML only) and the WSO2 proxy with full
        logs added; returns {label: folder}."""
        folders = {}
        files = sorted(glob.glob(os.path.join(mc.SAMPLES, "**", "*.xml"), recursive=True))
        for path in files:
            rel = os.path.relpath(os.path.dirname(path), mc.SAMPLES)
            dst = os.path.join(cls.work, "samples", rel)
            os.makedirs(dst, exist_ok=True)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            with open(os.path.join(dst, os.path.basename(path)), "w", encoding="utf-8") as f:
                f.write(with_full_logs(text))
            folders["samples/" + rel] = dst
        if os.path.exists(WSO2_PROXY):
            dst = os.path.join(cls.work, "wso2")
            os.makedirs(dst)
            with open(WSO2_PROXY, encoding="utf-8") as f:
                text = f.read()
            with open(os.path.join(dst, "amazonlambda-proxy.xml"), "w", encoding="utf-8") as f:
                f.write(with_full_logs(text))
            folders["wso2"] = dst
        return folders

    # -- environments --------------------------------------------------------

    def env(self, endpoint, secret=True, token=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"HOME": self.home, "AWS_REGION": "us-east-1",
                    "AWS_ACCESS_KEY_ID": self.access_key,
                    "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.home, "none"),
                    "AWS_MAX_ATTEMPTS": "1", "AWS_EC2_METADATA_DISABLED": "true",
                    "AWS_CONFIG_FILE": os.path.join(self.home, "none"),
                    "AWS_ENDPOINT_URL_LAMBDA": endpoint,
                    "MEDIAC_CONNECTOR_PATH": os.path.join(mc.ROOT, "connector")})
        if secret:
            env["AWS_SECRET_ACCESS_KEY"] = self.secrets["secret key"]
        if token:
            env["AWS_SESSION_TOKEN"] = self.secrets["session token"]
        return env

    def scenarios(self, label):
        """(label, env, function name) for the success and fault paths; the
        WSO2 proxy signs with the secret from the request body."""
        good = self.wso2_proxy if label == "wso2" else self.proxy
        return [
            ("ok via proxy", self.env(good.url), "ok"),
            ("wrong secret 403", self.env(self.wrong_proxy.url), "ok"),
            ("upstream 500", self.env(self.up.url), "500"),
            ("upstream 429", self.env(self.up.url), "429"),
            ("upstream garbage", self.env(self.up.url), "garbage"),
            ("upstream reset", self.env(self.up.url), "reset"),
            ("refused", self.env("http://127.0.0.1:%d" % closed_port()), "ok"),
            ("no secret", self.env(self.proxy.url, secret=False), "ok"),
        ]

    def body(self, fn):
        return json.dumps({
            "functionName": fn, "name": fn, "aliasName": fn, "region": "us-east-1",
            "payload": {"name": "Ada", "n": 1}, "lang": "fr",
            # the WSO2 proxy takes its credentials from the request
            "accessKeyId": self.access_key, "secretAccessKey": self.secrets["body secret key"],
            "blocking": "false"})

    # -- runners ---------------------------------------------------------------

    @staticmethod
    def flows_text(folder):
        text = []
        for n in sorted(os.listdir(folder)):
            with open(os.path.join(folder, n), encoding="utf-8") as f:
                text.append(f.read())
        return "".join(text)

    def serve_folder(self, label, folder, env, fn):
        with mock.patch.dict(os.environ, env, clear=True):
            srv = Server([folder], "--workers", "1", "--log-level", "debug",
                         "--request-timeout", "5000")
        try:
            for method, path in api_requests(self.flows_text(folder)):
                headers = {"Content-Type": "application/json", "Action": "urn:invoke",
                           "Authorization": self.secrets["client Authorization"]}
                srv.request(method, path, self.body(fn) if method != "GET" else None,
                            headers, timeout=20)
            code = srv.stop()
            self.assertEqual(code, 0, srv.log()[-3000:])
            self.output.append(("serve %s: %s" % (label, fn), srv.log()))
        finally:
            srv.close()

    def run_sequences(self, label, folder, env, fn):
        for name in sequence_names(self.flows_text(folder)):
            r = subprocess.run([mc.BIN, "run", "--sequence", name, "--payload", "-",
                                "--log-level", "debug", folder],
                               input=self.body(fn), capture_output=True, text=True,
                               env=env, timeout=60)
            self.output.append(("run %s %s (%s)" % (label, name, fn), r.stdout + r.stderr))

    # -- tests -------------------------------------------------------------------

    def test_scanner_finds_planted_secret(self):
        planted = "log line ... Authorization: " + self.secrets["secret key"] + " ..."
        self.assertEqual(find_leaks(planted, self.secrets), ["secret key"])
        self.assertEqual(find_leaks("nothing here", self.secrets), [])
        self.assertIn(LOG_FULL, with_full_logs(
            '<sequence xmlns="x" name="m"><respond/></sequence>'))

    def test_no_secret_in_any_output(self):
        self.assertTrue(self.folders, "no samples found")
        for label, folder in sorted(self.folders.items()):
            for scen, env, fn in self.scenarios(label):
                self.serve_folder("%s [%s]" % (label, scen), folder, env, fn)
                self.run_sequences("%s [%s]" % (label, scen), folder, env, fn)
        self.assertTrue(self.up.authorizations, "no signed request reached the upstream")
        watch = dict(self.secrets)
        for i, auth in enumerate(set(self.up.authorizations)):
            watch["Authorization #%d" % i] = auth
            sig = re.search(r"Signature=([0-9a-f]{64})", auth)
            if sig:
                watch["Signature #%d" % i] = sig.group(1)
        leaks = []
        for label, text in self.output:
            found = find_leaks(text, watch)
            if found:
                leaks.append("%s: %s" % (label, ", ".join(found)))
        self.assertEqual(leaks, [], "secrets in the output:\n" + "\n".join(leaks))
        # the runs really logged at full/debug level
        logged = "".join(t for _, t in self.output)
        self.assertIn("debug", logged)


if __name__ == "__main__":
    unittest.main()
