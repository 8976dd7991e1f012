"""lambda_env.py - shared setup for the Amazon Lambda end-to-end suites
(test_lambda_wso2, test_lambda_connector, test_aws_signing): moto behind the
signature-checking proxy, the FAKE stand-in, `mediac serve` started with a
clean AWS environment (HOME in a temp dir, no AWS_* variables but the ones a
test gives), and a few request helpers.

Nothing here talks to real AWS: moto, the proxy and the stand-in all listen
on 127.0.0.1 and are stopped by PID / by their own stop()."""
import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import mc
from serve_helpers import LISTEN_RE, request
from harness import (boto_baseline, lambda_standin, moto_server, recording_standin,
                     sigcheck_proxy, wso2_testdata)

ACCESS_KEY = "AKIDMEDIACLAMBDA"
SECRET_KEY = "mediac-lambda-e2e-secret"
REGION = "us-east-1"
CONNECTOR_PATH = os.path.join(mc.ROOT, "connector")
SAMPLES = os.path.join(mc.ROOT, "samples", "amazonlambda")
WSO2_PROXY = os.path.join(wso2_testdata.testdata_path("amazonlambda-proxy.xml"))


def require_tools(test=None):
    """Skip when the binary or moto/boto3 are missing (never silently pass)."""
    mc.require_binary(test)
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
    except ImportError as e:
        raise unittest.SkipTest("boto3/moto not installed: %s" % e)


def clean_env(extra=None, home=None):
    """os.environ without any AWS_* variable, HOME pointing at an empty
    folder (no ~/.aws), the source tree's connectors, no instance metadata
    lookup and one attempt per call (as the boto3 baseline, whose retries
    are off; the retry suites set AWS_MAX_ATTEMPTS themselves); then
    `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = home or tempfile.mkdtemp(prefix="mediac-lambda-home-")
    env["MEDIAC_CONNECTOR_PATH"] = CONNECTOR_PATH
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_MAX_ATTEMPTS"] = "1"
    env.update(extra or {})
    return {k: v for k, v in env.items() if v is not None}


def recorder(answer=None, key=ACCESS_KEY, secret=SECRET_KEY):
    """The FAKE recording endpoint (harness.recording_standin) accepting the
    suites' test key; not started."""
    return recording_standin.RecordingStandIn({key: secret}, answer=answer)


def chain_env(endpoint, key=ACCESS_KEY, secret=SECRET_KEY, region=REGION):
    """The AWS environment chain the samples take credentials and endpoint from."""
    return {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_REGION": region, "AWS_ENDPOINT_URL_LAMBDA": endpoint}


class Serve:
    """`mediac serve --workers 1` on free loopback ports with exactly the
    environment given (see clean_env); stderr in a temp file."""

    def __init__(self, paths, env, log_level="warn"):
        self.home = env.get("HOME")
        self.logf = tempfile.NamedTemporaryFile(prefix="mediac-lambda-", suffix=".log",
                                                delete=False)
        args = [mc.BIN, "serve", "--port", "0", "--admin-port", "0", "--workers", "1",
                "--log-level", log_level] + list(paths)
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.logf,
                                     env=env)
        self.port = None
        deadline = time.time() + 20
        while time.time() < deadline:
            m = LISTEN_RE.search(self.log())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        log = self.log()
        self.stop()
        raise AssertionError("mediac serve did not start:\n" + log)

    def log(self):
        with open(self.logf.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        """SIGTERM and wait; the exit code (23/24: a sanitizer report)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        try:
            os.unlink(self.logf.name)
        except OSError:
            pass
        return self.proc.returncode

    def post(self, path, body=None, headers=None, method="POST"):
        """Send JSON (dict/list) or text; returns serve_helpers.Reply."""
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        return request(self.port, method, path, body, hdrs, timeout=60)


class FailingStandIn(lambda_standin.LambdaStandIn):
    """The FAKE stand-in plus one function, `fails`, that answers like a
    Lambda function that raised: 200, X-Amz-Function-Error: Unhandled and an
    error document as the payload (what real Lambda does; moto without
    Docker cannot)."""

    def _invoke(self, raw_name, query, headers, body):
        if raw_name == "fails":
            payload = json.dumps({"errorMessage": "boom", "errorType": "ValueError"}).encode()
            return 200, [("Content-Type", "application/json"),
                         ("X-Amz-Function-Error", "Unhandled"),
                         ("X-Amz-Executed-Version", "$LATEST")], payload
        return super()._invoke(raw_name, query, headers, body)


class LambdaWorld:
    """moto (+ the WSO2 setup: role, bucket, layer), the signature-checking
    proxy in front of it, and the FAKE stand-in, all for one test class.
    `creds` maps access key -> secret or (secret, token) for both checkers."""

    def __init__(self, creds=None, standin=True, standin_functions=None):
        self.creds = creds or {ACCESS_KEY: SECRET_KEY}
        self.moto = moto_server.MotoServer().start()
        self.proxy = self.standin = None
        self.homes = []
        try:
            self.role = boto_baseline.prepare_emulator(self.moto, region=REGION)
            self.proxy = sigcheck_proxy.SigCheckProxy(self.moto.url, self.creds,
                                                      region=REGION).start()
            if standin:
                funcs = standin_functions or {
                    "echo": {"versions": ["1"], "aliases": {"live": "1"}}, "fails": {}}
                self.standin = FailingStandIn(self.creds, functions=funcs,
                                              region=REGION).start()
        except Exception:
            self.close()
            raise
        self.lam = self.moto.client("lambda", region=REGION)

    def env(self, extra=None):
        home = tempfile.mkdtemp(prefix="mediac-lambda-home-")
        self.homes.append(home)
        return clean_env(extra, home)

    def serve(self, paths, endpoint=None, chain=True, extra=None):
        """serve `paths` with AWS_ENDPOINT_URL_LAMBDA = endpoint (default:
        the proxy) and, when chain, credentials/region in the environment."""
        endpoint = endpoint or self.proxy.url
        base = chain_env(endpoint) if chain else {"AWS_ENDPOINT_URL_LAMBDA": endpoint}
        base.update(extra or {})
        return Serve(paths, self.env(base))

    def reset(self):
        """Forget moto's state and set it up again (same role ARN)."""
        self.moto.reset()
        self.role = boto_baseline.prepare_emulator(self.moto, region=REGION)
        self.proxy.clear()

    def close(self):
        for part in (self.standin, self.proxy):
            if part is not None:
                part.stop()
        self.moto.stop()
        for home in self.homes:
            shutil.rmtree(home, ignore_errors=True)


def stop_all(servers):
    """Stop every server; fail if one did not exit cleanly (under ASan a
    leak or error report at exit shows here as exit code 23/24)."""
    bad = []
    for s in servers:
        log = s.log()
        code = s.stop()
        if code != 0:
            bad.append("exit %s:\n%s" % (code, log[-3000:]))
    if bad:
        raise AssertionError("mediac serve did not exit cleanly: " + "\n".join(bad))


def function_zip_b64():
    return base64.b64encode(boto_baseline.function_zip()).decode()


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write_flow(tmpdir, name, xml):
    path = os.path.join(tmpdir, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(xml)
    return path
