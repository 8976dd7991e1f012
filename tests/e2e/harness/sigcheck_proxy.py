"""A loopback HTTP proxy that verifies AWS SigV4 signatures before forwarding.

moto 5.2.1's own signature check is unreliable (it refuses correctly signed
GET/DELETE requests and any request with a query string), so it stays off and
this proxy sits in front of moto instead. For every request it recomputes the
signature with botocore's own signer (botocore.auth.SigV4Auth) from:

- the method,
- the request-target exactly as received on the wire (the path is NOT
  decoded or normalised before signing: botocore's signer applies the SigV4
  rules to it, as AWS does for Lambda),
- the query: decoded and re-encoded the way AWS canonicalises it (set
  query_mode="raw" to sign the query text exactly as received instead);
  whether the wire encoding already was canonical is recorded,
- the headers listed in the Authorization header's SignedHeaders,
- the body,
- the X-Amz-Date timestamp and the credential scope of the Authorization
  header, and the secret configured for that access key.

A mismatch answers 403 {"__type": "InvalidSignatureException", ...} (the
message holds the canonical request and string to sign the proxy expected)
and the request is NOT forwarded. A match is forwarded verbatim to the
upstream (moto) and its answer is returned verbatim: status, reason,
headers (less hop-by-hop ones) and body.

Every request is recorded (method, raw target, path, query, headers less
Authorization, body, verdict, status returned, whether it reached the
upstream) so tests can assert "reached no server" and inspect exact bodies.

The verifier and the small threaded server here are shared with
lambda_standin.
"""

import datetime
import hashlib
import hmac
import http.client
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Optional, Tuple

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

__all__ = [
    "SigV4Verifier", "Verdict", "RecordedRequest", "RequestLog",
    "SigCheckProxy", "LoopbackHTTPServer", "canonical_query_pairs",
]

_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+"
    r"Credential=(?P<credential>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*"
    r"Signature=(?P<signature>[0-9a-fA-F]+)\s*$")
_AMZ_DATE_FMT = "%Y%m%dT%H%M%SZ"

# Hop-by-hop headers (RFC 7230 6.1) are not forwarded in either direction.
HOP_BY_HOP = frozenset((
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade"))

_UNRESERVED = "-_.~"


def canonical_query_pairs(raw_query):
    """Decode a raw query string into (key, value) pairs as AWS does before
    it re-encodes them for the canonical request ('+' stays a '+')."""
    pairs = []
    for part in raw_query.split("&"):
        if part == "":
            continue
        key, _, value = part.partition("=")
        pairs.append((urllib.parse.unquote(key), urllib.parse.unquote(value)))
    return pairs


def _is_canonically_encoded(raw_query):
    for part in raw_query.split("&"):
        key, _, value = part.partition("=")
        for text in (key, value):
            if urllib.parse.quote(urllib.parse.unquote(text), safe=_UNRESERVED) != text:
                return False
    return True


@dataclass
class Verdict:
    """The outcome of one signature check."""
    ok: bool
    status: int = 200
    error_type: str = ""
    message: str = ""
    access_key: str = ""
    region: str = ""
    service: str = ""
    signed_headers: Tuple[str, ...] = ()
    canonical_request: str = ""
    string_to_sign: str = ""
    query_canonical_on_wire: bool = True

    def error_body(self):
        return json.dumps({"__type": self.error_type, "message": self.message}).encode()


class _FixedHeadersSigV4(SigV4Auth):
    """botocore's SigV4 signer, told which headers were signed (those the
    Authorization header lists) instead of choosing them itself."""

    def __init__(self, credentials, service, region, signed_names, received):
        super().__init__(credentials, service, region)
        self._signed_names = signed_names
        self._received = received

    def headers_to_sign(self, request):
        selected = HTTPHeaders()
        for name in self._signed_names:
            for rname, rvalue in self._received:
                if rname.lower() == name:
                    selected.add_header(name, rvalue)
        return selected


class SigV4Verifier:
    """Checks SigV4 Authorization headers against configured credentials.

    credentials: {access_key_id: secret} or {access_key_id: (secret, token)};
    a token, when given, must come in X-Amz-Security-Token.
    service: the signing name the credential scope must name ("lambda").
    region: if set, the region the scope must name; otherwise any.
    max_skew: seconds X-Amz-Date may differ from now (AWS: 15 minutes);
    None disables the check.
    query_mode: "aws" (decode then re-encode, as AWS does) or "raw".
    """

    def __init__(self, credentials, service="lambda", region=None,
                 max_skew=900, query_mode="aws"):
        if query_mode not in ("aws", "raw"):
            raise ValueError("query_mode must be 'aws' or 'raw'")
        self.credentials = {}
        for key, value in dict(credentials).items():
            secret, token = (value, None) if isinstance(value, str) else value
            self.credentials[key] = (secret, token)
        self.service = service
        self.region = region
        self.max_skew = max_skew
        self.query_mode = query_mode

    @staticmethod
    def _header(headers, name):
        values = [v for (n, v) in headers if n.lower() == name]
        return values[0] if values else None

    def verify(self, method, target, headers, body, now=None):
        """Verify one request. target is the request-target as received
        ("/path?query"); headers a list of (name, value) as received."""
        path, _, raw_query = target.partition("?")
        fail = lambda etype, msg, **kw: Verdict(False, 403, etype, msg, **kw)  # noqa: E731

        auth = self._header(headers, "authorization")
        if auth is None:
            return fail("MissingAuthenticationTokenException", "Missing Authentication Token")
        m = _AUTH_RE.match(auth.strip())
        if not m:
            return fail("IncompleteSignatureException",
                        "Authorization header requires 'Credential', 'SignedHeaders' "
                        "and 'Signature' with AWS4-HMAC-SHA256")
        scope = m.group("credential").split("/")
        if len(scope) != 5 or scope[4] != "aws4_request":
            return fail("IncompleteSignatureException",
                        "Credential must be <key>/<date>/<region>/<service>/aws4_request")
        access_key, scope_date, region, service, _ = scope
        signed = tuple(m.group("signed").split(";"))
        info = dict(access_key=access_key, region=region, service=service,
                    signed_headers=signed)

        if access_key not in self.credentials:
            return fail("UnrecognizedClientException",
                        "The security token included in the request is invalid.", **info)
        secret, token = self.credentials[access_key]
        if service != self.service:
            return fail("InvalidSignatureException",
                        "Credential should be scoped to correct service: '%s'." % self.service,
                        **info)
        if self.region is not None and region != self.region:
            return fail("InvalidSignatureException",
                        "Credential should be scoped to a valid region, not '%s'." % region,
                        **info)
        if list(signed) != sorted(set(signed)) or any(s != s.lower() for s in signed):
            return fail("InvalidSignatureException",
                        "SignedHeaders must be lower-case, sorted and unique: %s"
                        % ";".join(signed), **info)
        if "host" not in signed:
            return fail("InvalidSignatureException",
                        "'Host' must be a signed header.", **info)
        missing = [s for s in signed if self._header(headers, s) is None]
        if missing:
            return fail("InvalidSignatureException",
                        "Signed header(s) not present in the request: %s"
                        % ", ".join(missing), **info)

        amz_date = self._header(headers, "x-amz-date")
        if amz_date is None:
            return fail("IncompleteSignatureException",
                        "Authorization header requires existence of X-Amz-Date.", **info)
        try:
            when = datetime.datetime.strptime(amz_date.strip(), _AMZ_DATE_FMT).replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            return fail("IncompleteSignatureException",
                        "X-Amz-Date must be in ISO 8601 basic format: %r" % amz_date, **info)
        if "x-amz-date" not in signed:
            return fail("InvalidSignatureException",
                        "X-Amz-Date is present but not a signed header.", **info)
        if scope_date != amz_date.strip()[:8]:
            return fail("InvalidSignatureException",
                        "Date in Credential scope does not match YYYYMMDD from X-Amz-Date.",
                        **info)
        if self.max_skew is not None:
            now = now or datetime.datetime.now(datetime.timezone.utc)
            if abs((now - when).total_seconds()) > self.max_skew:
                return fail("InvalidSignatureException",
                            "Signature expired: %s is now earlier or later than %s by more "
                            "than %d seconds." % (amz_date, now.strftime(_AMZ_DATE_FMT),
                                                  self.max_skew), **info)

        sent_token = self._header(headers, "x-amz-security-token")
        if token is not None and sent_token != token:
            return fail("UnrecognizedClientException",
                        "The security token included in the request is invalid.", **info)
        if sent_token is not None and "x-amz-security-token" not in signed:
            return fail("InvalidSignatureException",
                        "X-Amz-Security-Token is present but not a signed header.", **info)

        sha = self._header(headers, "x-amz-content-sha256")
        if sha is not None and sha.strip() != hashlib.sha256(body).hexdigest():
            return fail("InvalidSignatureException",
                        "X-Amz-Content-SHA256 does not match the body's SHA-256.", **info)

        host = self._header(headers, "host")
        url = "http://" + host.strip() + path
        params = None
        if raw_query:
            if self.query_mode == "raw":
                url += "?" + raw_query
            else:
                params = canonical_query_pairs(raw_query)
        request = AWSRequest(method=method, url=url, data=body, params=params,
                             headers={n: v for (n, v) in headers
                                      if n.lower() != "authorization"})
        request.context["timestamp"] = amz_date.strip()
        signer = _FixedHeadersSigV4(Credentials(access_key, secret, token),
                                    service, region, signed, headers)
        canonical = signer.canonical_request(request)
        sts = signer.string_to_sign(request, canonical)
        expected = signer.signature(sts, request)
        verdict = Verdict(True, 200, access_key=access_key, region=region, service=service,
                          signed_headers=signed, canonical_request=canonical,
                          string_to_sign=sts,
                          query_canonical_on_wire=_is_canonically_encoded(raw_query))
        if not hmac.compare_digest(expected, m.group("signature").lower()):
            verdict.ok = False
            verdict.status = 403
            verdict.error_type = "InvalidSignatureException"
            verdict.message = (
                "The request signature we calculated does not match the signature you "
                "provided. Check your AWS Secret Access Key and signing method. Consult "
                "the service documentation for details.\n\nThe Canonical String for this "
                "request should have been\n'%s'\n\nThe String-to-Sign should have been\n"
                "'%s'\n" % (canonical, sts))
        return verdict


@dataclass
class RecordedRequest:
    """One request as it arrived, and what became of it."""
    method: str
    target: str                      # request-target exactly as received
    path: str                        # raw path (percent-encoding as received)
    query: str                       # raw query string, "" if none
    headers: List[Tuple[str, str]]   # as received, less Authorization
    body: bytes
    verdict: str = ""                # "forwarded", "answered" or "rejected"
    error_type: str = ""
    message: str = ""
    access_key: str = ""
    signed_headers: Tuple[str, ...] = ()
    query_canonical_on_wire: bool = True
    status: Optional[int] = None     # status returned to the client
    reached_upstream: bool = False
    time: float = field(default_factory=time.time)

    @property
    def signature_ok(self):
        return self.verdict in ("forwarded", "answered")

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    @property
    def query_params(self):
        return canonical_query_pairs(self.query) if self.query else []

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None


class RequestLog:
    """Thread-safe list of RecordedRequest."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items = []

    def add(self, rec):
        with self._lock:
            self._items.append(rec)

    def all(self):
        with self._lock:
            return list(self._items)

    def clear(self):
        with self._lock:
            self._items.clear()

    def last(self):
        with self._lock:
            return self._items[-1] if self._items else None

    def __len__(self):
        with self._lock:
            return len(self._items)


class _Handler(BaseHTTPRequestHandler):
    """Reads one request exactly as received and hands it to server.app."""
    protocol_version = "HTTP/1.1"
    server_version = "mediac-e2e"

    def log_message(self, fmt, *args):     # keep test output quiet
        pass

    def _raw_target(self):
        # self.path is already altered by http.server (a leading "//" is
        # collapsed); the request line keeps the target as sent.
        parts = self.requestline.split(" ")
        target = parts[1] if len(parts) >= 2 else self.path
        if target.startswith(("http://", "https://")):      # absolute-form
            rest = target.split("://", 1)[1]
            target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return target

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline().strip()
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline().strip():     # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self):
        body = self._read_body()
        self.server.app.handle(self, self.command, self._raw_target(),
                               list(self.headers.items()), body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def send_answer(self, status, headers, body, reason=None):
        """Send status, headers (list of pairs) and body, nothing added but
        Content-Length when the headers lack it."""
        self.send_response_only(status, reason)
        has_length = False
        for name, value in headers:
            if name.lower() in HOP_BY_HOP:
                continue
            if name.lower() == "content-length":
                has_length = True
                value = str(len(body))
            self.send_header(name, value)
        if not has_length and not (status in (204, 304) or 100 <= status < 200):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.wfile.flush()


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server on a loopback port, run in a thread.
    app.handle(handler, method, target, headers, body) answers requests."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, app, host="127.0.0.1", port=0):
        super().__init__((host, port), _Handler)
        self.app = app
        self._thread = None

    @property
    def url(self):
        host, port = self.server_address[:2]
        return "http://%s:%d" % (host, port)

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self.server_close()


def error_headers(verdict_or_type):
    etype = getattr(verdict_or_type, "error_type", verdict_or_type)
    return [("Content-Type", "application/json"), ("x-amzn-ErrorType", etype),
            ("x-amzn-RequestId", "00000000-0000-0000-0000-000000000403")]


def check_and_record(verifier, log, handler, method, target, headers, body):
    """Verify a request's signature and start its record.  A bad signature
    is logged and answered with 403 here (None is returned); a good one
    gives the record, which the caller completes and logs."""
    path, _, query = target.partition("?")
    rec = RecordedRequest(
        method=method, target=target, path=path, query=query,
        headers=[(n, v) for (n, v) in headers if n.lower() != "authorization"],
        body=body)
    verdict = verifier.verify(method, target, headers, body)
    rec.access_key = verdict.access_key
    rec.signed_headers = verdict.signed_headers
    rec.query_canonical_on_wire = verdict.query_canonical_on_wire
    if not verdict.ok:
        rec.verdict, rec.error_type, rec.message = "rejected", verdict.error_type, verdict.message
        rec.status = verdict.status
        log.add(rec)
        handler.send_answer(verdict.status, error_headers(verdict), verdict.error_body())
        return None
    return rec


class SigCheckProxy:
    """Signature-checking proxy in front of upstream_url (moto).

    credentials: {access_key: secret or (secret, token)}. Use as a context
    manager or start()/stop(). `url` is the proxy's base URL, `log` its
    RequestLog (also `records` / `clear()`).
    """

    def __init__(self, upstream_url, credentials, service="lambda", region=None,
                 host="127.0.0.1", port=0, max_skew=900, query_mode="aws",
                 upstream_timeout=60.0):
        parsed = urllib.parse.urlsplit(upstream_url)
        if parsed.scheme != "http":
            raise ValueError("upstream must be http://host:port")
        self.upstream_host = parsed.hostname
        self.upstream_port = parsed.port or 80
        self.upstream_timeout = upstream_timeout
        self.verifier = SigV4Verifier(credentials, service=service, region=region,
                                      max_skew=max_skew, query_mode=query_mode)
        self.log = RequestLog()
        self._server = LoopbackHTTPServer(self, host, port)

    @property
    def url(self):
        return self._server.url

    @property
    def records(self):
        return self.log.all()

    def clear(self):
        self.log.clear()

    def start(self):
        self._server.start()
        return self

    def stop(self):
        self._server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- request handling --------------------------------------------------

    def handle(self, handler, method, target, headers, body):
        path, _, query = target.partition("?")
        rec = check_and_record(self.verifier, self.log, handler, method, target, headers, body)
        if rec is None:
            return
        try:
            status, reason, resp_headers, resp_body = self._forward(method, target, headers, body)
        except (OSError, http.client.HTTPException) as e:
            rec.verdict, rec.error_type, rec.message = "forwarded", "ProxyUpstreamError", str(e)
            rec.reached_upstream, rec.status = False, 502
            self.log.add(rec)
            handler.send_answer(502, [("Content-Type", "text/plain")],
                                ("upstream error: %s" % e).encode())
            return
        rec.verdict, rec.reached_upstream, rec.status = "forwarded", True, status
        self.log.add(rec)
        if (dict((n.lower(), v) for n, v in headers).get("connection", "").lower() == "close"):
            handler.close_connection = True
        handler.send_answer(status, resp_headers, resp_body, reason)

    def _forward(self, method, target, headers, body):
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port,
                                          timeout=self.upstream_timeout)
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            had_length = False
            for name, value in headers:
                lname = name.lower()
                if lname in HOP_BY_HOP:
                    continue
                if lname == "content-length":
                    had_length = True
                    value = str(len(body))
                conn.putheader(name, value)
            if body and not had_length:      # the client sent it chunked
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            resp_body = resp.read()
            return resp.status, resp.reason, resp.getheaders(), resp_body
        finally:
            conn.close()
