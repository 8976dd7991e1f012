"""FAKE credential endpoints of the project's own, for the credential
sources no emulator serves on loopback:

- ContainerStandIn: the ECS/EKS container credentials endpoint
  (AWS_CONTAINER_CREDENTIALS_FULL_URI): checks the Authorization token,
  answers {AccessKeyId, SecretAccessKey, Token, Expiration};
- ImdsStandIn: EC2 instance metadata, IMDSv2 only: PUT /latest/api/token
  with X-aws-ec2-metadata-token-ttl-seconds gives a token that every GET
  must carry; the role list and the role's credentials;
- StsTap: a pass-through to moto's STS that records each call and learns
  the credentials STS hands out, so the signature checker of the Lambda
  endpoint can accept them (moto makes the keys up).

Each counts and records what it was asked; credentials to hand out are
set by the test (`issue(...)`), with an expiry relative to now.
"""
import datetime
import http.client
import json
import re
import threading
import urllib.parse

from .sigcheck_proxy import LoopbackHTTPServer

__all__ = ["ContainerStandIn", "ImdsStandIn", "StsTap", "creds_doc"]


def creds_doc(key, secret, token, expires_in):
    exp = (datetime.datetime.now(datetime.timezone.utc) +
           datetime.timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"AccessKeyId": key, "SecretAccessKey": secret, "Token": token,
            "Expiration": exp}


class _Base:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []          # (method, path, headers dict)
        self.queue = []             # credentials docs, handed out in turn
        self._server = LoopbackHTTPServer(self)

    @property
    def url(self):
        return self._server.url

    def issue(self, key, secret, token, expires_in=3600):
        with self.lock:
            self.queue.append(creds_doc(key, secret, token, expires_in))

    def next_creds(self):
        with self.lock:
            return self.queue.pop(0) if len(self.queue) > 1 else self.queue[0]

    def record(self, method, target, headers):
        with self.lock:
            self.requests.append((method, target, {k.lower(): v for k, v in headers}))

    def start(self):
        self._server.start()
        return self

    def stop(self):
        self._server.stop()


class ContainerStandIn(_Base):
    """FAKE container credentials endpoint at /creds (token required)."""

    def __init__(self, token="container-auth-token"):
        super().__init__()
        self.token = token

    def handle(self, handler, method, target, headers, body):
        self.record(method, target, headers)
        auth = dict((k.lower(), v) for k, v in headers).get("authorization")
        if target.split("?")[0] != "/creds":
            return handler.send_answer(404, [], b"not found")
        if self.token and auth != self.token:
            return handler.send_answer(401, [("Content-Type", "application/json")],
                                       b'{"message":"bad token"}')
        handler.send_answer(200, [("Content-Type", "application/json")],
                            json.dumps(self.next_creds()).encode())


class ImdsStandIn(_Base):
    """FAKE EC2 instance metadata service (IMDSv2 only)."""

    TOKEN = "imds-session-token-0123"

    def __init__(self, role="mediac-instance-role"):
        super().__init__()
        self.role = role

    def handle(self, handler, method, target, headers, body):
        self.record(method, target, headers)
        h = dict((k.lower(), v) for k, v in headers)
        if method == "PUT" and target == "/latest/api/token":
            if "x-aws-ec2-metadata-token-ttl-seconds" not in h:
                return handler.send_answer(400, [], b"")
            return handler.send_answer(200, [("Content-Type", "text/plain")],
                                       self.TOKEN.encode())
        if h.get("x-aws-ec2-metadata-token") != self.TOKEN:
            return handler.send_answer(401, [], b"")
        base = "/latest/meta-data/iam/security-credentials/"
        if target == base:
            return handler.send_answer(200, [("Content-Type", "text/plain")],
                                       self.role.encode())
        if target == base + self.role:
            doc = dict(self.next_creds(), Code="Success", Type="AWS-HMAC")
            return handler.send_answer(200, [("Content-Type", "application/json")],
                                       json.dumps(doc).encode())
        handler.send_answer(404, [], b"")


class StsTap(_Base):
    """Forwards STS calls to moto, recording them; the credentials in each
    answer are given to on_credentials(key, secret, token)."""

    def __init__(self, moto_url, on_credentials):
        super().__init__()
        self.upstream = urllib.parse.urlsplit(moto_url)
        self.on_credentials = on_credentials
        self.calls = []             # parsed forms

    def handle(self, handler, method, target, headers, body):
        self.record(method, target, headers)
        form = dict(urllib.parse.parse_qsl(body.decode()))
        with self.lock:
            self.calls.append((form, dict((k.lower(), v) for k, v in headers)))
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                          timeout=30)
        fwd = {k: v for k, v in headers if k.lower() not in ("host", "content-length")}
        fwd["Host"] = "sts.amazonaws.com"
        conn.request(method, target, body=body, headers=fwd)
        resp = conn.getresponse()
        out = resp.read()
        status = resp.status
        conn.close()
        text = out.decode(errors="replace")
        key = re.search(r"<AccessKeyId>([^<]+)</AccessKeyId>", text)
        sec = re.search(r"<SecretAccessKey>([^<]+)</SecretAccessKey>", text)
        tok = re.search(r"<SessionToken>([^<]+)</SessionToken>", text)
        if status == 200 and key and sec and tok:
            self.on_credentials(key.group(1), sec.group(1), tok.group(1))
        handler.send_answer(status, [("Content-Type", "text/xml")], out)
