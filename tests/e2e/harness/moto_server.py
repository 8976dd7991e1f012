"""Start and stop the moto AWS emulator as a subprocess on a free loopback port.

moto 5.2.1 is the Lambda peer of the end-to-end tests. Its own signature
check (INITIAL_NO_AUTH_ACTION_COUNT) is unreliable, so it is kept OFF here:
the variable is removed from the child's environment and signatures are
checked by sigcheck_proxy instead. Lambda is configured with
{"lambda": {"use_docker": false}} so invoke works without Docker (moto then
echoes the event back).

The process is recorded by PID and stopped by that PID only.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

# The environment variable that would switch moto's own (unreliable) auth on.
_AUTH_ENV = ("INITIAL_NO_AUTH_ACTION_COUNT",)

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"   # moto's default account id

LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }],
}


def free_port(host="127.0.0.1"):
    """A TCP port that was free on host a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _http(method, url, body=None, timeout=5.0):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, resp.read()


class MotoServer:
    """`python3 -m moto.server -H HOST -p PORT` as a child process.

    Use as a context manager, or call start() and stop(). `url` is the base
    URL (http://127.0.0.1:PORT); `pid` is the child's process id.
    """

    def __init__(self, host="127.0.0.1", port=None, log_path=None,
                 python=None, start_timeout=60.0):
        self.host = host
        self.port = port
        self._fixed_port = port is not None
        self.python = python or sys.executable
        self.start_timeout = start_timeout
        self.log_path = log_path
        self._own_log = log_path is None
        self.pid = None
        self._proc = None
        self._log = None

    # -- lifecycle ---------------------------------------------------------

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def start(self):
        if self._proc is not None:
            raise RuntimeError("moto already started (pid %d)" % self.pid)
        last_error = None
        for _ in range(3):          # a picked free port can be taken meanwhile
            port = self.port if self._fixed_port else free_port(self.host)
            try:
                self._spawn(port)
                self._wait_ready()
                self.configure_lambda()
                return self
            except Exception as e:   # pylint: disable=broad-except
                last_error = e
                self._kill()
                if self._fixed_port:  # a fixed port: do not retry elsewhere
                    break
        raise RuntimeError("moto did not start: %s (log: %s)"
                           % (last_error, self.log_path))

    def _spawn(self, port):
        env = dict(os.environ)
        for name in _AUTH_ENV:
            env.pop(name, None)
        if self.log_path is None:
            fd, self.log_path = tempfile.mkstemp(prefix="moto-", suffix=".log")
            os.close(fd)
        self._log = open(self.log_path, "ab")
        self.port = port
        self._proc = subprocess.Popen(
            [self.python, "-m", "moto.server", "-H", self.host, "-p", str(port)],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env)
        self.pid = self._proc.pid

    def _wait_ready(self):
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError("moto exited with %s" % self._proc.returncode)
            try:
                status, _ = _http("GET", self.url + "/moto-api/config", timeout=1.0)
                if 200 <= status < 300:       # moto answers 201 here
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError("moto not ready after %.0fs" % self.start_timeout)

    def stop(self, timeout=10.0):
        """Stop the child by its PID (SIGTERM, then SIGKILL). A log file the
        harness made itself is removed (one given by the caller is kept;
        after a failed start() the log is kept too, for the error message)."""
        self._kill(timeout)
        if self._own_log and self.log_path and os.path.exists(self.log_path):
            os.remove(self.log_path)
            self.log_path = None

    def _kill(self, timeout=10.0):
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- moto control API --------------------------------------------------

    def configure_lambda(self):
        """POST {"lambda": {"use_docker": false}} to /moto-api/config."""
        status, body = _http("POST", self.url + "/moto-api/config",
                             {"lambda": {"use_docker": False}})
        config = json.loads(body or b"{}")
        if not 200 <= status < 300 or config.get("lambda", {}).get("use_docker") is not False:
            raise RuntimeError("moto refused lambda config: %r" % body)
        return config

    def reset(self):
        """Forget every resource (POST /moto-api/reset), keep Docker off."""
        _http("POST", self.url + "/moto-api/reset")
        self.configure_lambda()

    # -- boto3 helpers -----------------------------------------------------

    def client(self, service, access_key="AKIDMOTOADMIN", secret_key="moto-admin-secret",
               region=DEFAULT_REGION, endpoint_url=None):
        """A boto3 client for moto itself (not through the checking proxy),
        with retries off so every call is exactly one request."""
        import boto3
        from botocore.config import Config
        return boto3.client(
            service, endpoint_url=endpoint_url or self.url, region_name=region,
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            config=Config(retries={"total_max_attempts": 1}))

    def create_role(self, name="mediac-e2e-lambda-role", region=DEFAULT_REGION):
        """Create (or find) an IAM role in moto that Lambda may assume and
        return its ARN. moto's CreateFunction refuses a role that does not
        exist in its IAM."""
        iam = self.client("iam", region=region)
        try:
            role = iam.create_role(
                RoleName=name,
                AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY),
                Description="mediac e2e: execution role for test functions")
        except iam.exceptions.EntityAlreadyExistsException:
            role = iam.get_role(RoleName=name)
        return role["Role"]["Arn"]
