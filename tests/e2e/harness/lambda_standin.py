"""FAKE: a small local stand-in for the parts of AWS Lambda moto cannot do.

This is NOT AWS and NOT moto. It is the project's own fake, used only where
moto 5.2.1 is known to be wrong or silent, and every test that talks to it
must say so. It answers, shaped like real Lambda:

- GET /2016-08-19/account-settings (GetAccountSettings; moto has none):
  200 with AccountLimit / AccountUsage JSON (AWS's default quotas).
- POST /2015-03-31/functions/{FunctionName}/invocations (Invoke) for the
  functions it was given, as an *echo* function would on real Lambda:
  * the payload is echoed back byte for byte with 200 (objects, arrays and
    scalars alike; moto answers 500 for arrays and scalars); an empty
    payload is taken as "{}" (as Lambda does) and echoed as "{}";
  * a payload that is not JSON: 400 InvalidRequestContentException;
  * X-Amz-Invocation-Type Event: 202 and no body; DryRun: 204;
  * X-Amz-Executed-Version on RequestResponse answers ("$LATEST", or the
    version the qualifier or alias names);
  * X-Amz-Log-Type Tail: X-Amz-Log-Result with a base64 fake log tail;
  * an unknown function (or qualifier): 404 ResourceNotFoundException
    (moto answers 200 for a function that does not exist).
- anything else: 404 UnknownOperationException.

Every request is signature-checked exactly like sigcheck_proxy (403
InvalidSignatureException on mismatch) and recorded in `log`.
"""

import base64
import json
import re
import urllib.parse
import uuid

from .sigcheck_proxy import LoopbackHTTPServer, RequestLog, SigV4Verifier, check_and_record, \
    error_headers

ACCOUNT_SETTINGS_PATHS = ("/2016-08-19/account-settings", "/2016-08-19/account-settings/")
_INVOKE_RE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")

# AWS's documented default Lambda quotas.
DEFAULT_ACCOUNT_LIMIT = {
    "TotalCodeSize": 80530636800,          # 75 GB
    "CodeSizeUnzipped": 262144000,         # 250 MB
    "CodeSizeZipped": 52428800,            # 50 MB
    "ConcurrentExecutions": 1000,
    "UnreservedConcurrentExecutions": 1000,
}


class LambdaStandIn:
    """FAKE Lambda endpoint on a loopback port (see the module docstring).

    functions: names of the echo functions it knows, or a mapping
    name -> {"versions": ["1", ...], "aliases": {"live": "1"}}.
    credentials: {access_key: secret or (secret, token)}.
    """

    def __init__(self, credentials, functions=("echo",), region="us-east-1",
                 account_id="123456789012", host="127.0.0.1", port=0, max_skew=900):
        self.region = region
        self.account_id = account_id
        if isinstance(functions, dict):
            self.functions = {k: dict(v or {}) for k, v in functions.items()}
        else:
            self.functions = {name: {} for name in functions}
        self.verifier = SigV4Verifier(credentials, service="lambda", region=None,
                                      max_skew=max_skew)
        self.log = RequestLog()
        self._server = LoopbackHTTPServer(self, host, port)

    @property
    def url(self):
        return self._server.url

    @property
    def records(self):
        return self.log.all()

    def start(self):
        self._server.start()
        return self

    def stop(self):
        self._server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- helpers -----------------------------------------------------------

    def _arn(self, name, qualifier=None):
        arn = "arn:aws:lambda:%s:%s:function:%s" % (self.region, self.account_id, name)
        return arn + (":" + qualifier if qualifier else "")

    @staticmethod
    def _error(status, etype, message):
        body = json.dumps({"Type": "User", "message": message}).encode()
        return status, error_headers(etype), body

    def _resolve(self, raw_name, qualifier):
        """(function name, executed version) or None if unknown."""
        name = urllib.parse.unquote(raw_name)
        if name.startswith("arn:"):
            parts = name.split(":")
            # arn:aws:lambda:region:account:function:name[:qualifier]
            if len(parts) < 7 or parts[5] != "function":
                return None, name
            name = parts[6]
            if len(parts) > 7:
                qualifier = qualifier or parts[7]
        elif ":" in name:
            name, _, q = name.partition(":")
            qualifier = qualifier or q
        if name not in self.functions:
            return None, self._arn(name, qualifier)
        conf = self.functions[name]
        if not qualifier or qualifier == "$LATEST":
            return (name, "$LATEST"), None
        if qualifier in conf.get("versions", []):
            return (name, qualifier), None
        if qualifier in conf.get("aliases", {}):
            return (name, conf["aliases"][qualifier]), None
        return None, self._arn(name, qualifier)

    # -- request handling --------------------------------------------------

    def handle(self, handler, method, target, headers, body):
        path, _, query = target.partition("?")
        rec = check_and_record(self.verifier, self.log, handler, method, target, headers, body)
        if rec is None:
            return
        status, resp_headers, resp_body = self._answer(method, path, query, headers, body)
        resp_headers = list(resp_headers) + [("x-amzn-RequestId", str(uuid.uuid4()))]
        rec.verdict, rec.status = "answered", status
        self.log.add(rec)
        handler.send_answer(status, resp_headers, resp_body)

    def _answer(self, method, path, query, headers, body):
        if path in ACCOUNT_SETTINGS_PATHS:
            if method != "GET":
                return self._error(405, "MethodNotAllowedException", "Use GET")
            return 200, [("Content-Type", "application/json")], json.dumps({
                "AccountLimit": dict(DEFAULT_ACCOUNT_LIMIT),
                "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": len(self.functions)},
            }).encode()
        m = _INVOKE_RE.match(path)
        if m and method == "POST":
            return self._invoke(m.group("name"), query, headers, body)
        return 404, error_headers("UnknownOperationException"), b'{"Message":null}'

    def _invoke(self, raw_name, query, headers, body):
        hdr = {n.lower(): v for (n, v) in headers}
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        qualifier = params.get("Qualifier")
        invocation_type = hdr.get("x-amz-invocation-type", "RequestResponse")
        log_type = hdr.get("x-amz-log-type", "None")
        if invocation_type not in ("RequestResponse", "Event", "DryRun"):
            return self._error(400, "ValidationException",
                               "1 validation error detected: Value '%s' at 'invocationType' "
                               "failed to satisfy constraint: Member must satisfy enum value "
                               "set: [RequestResponse, Event, DryRun]" % invocation_type)
        if log_type not in ("None", "Tail"):
            return self._error(400, "ValidationException",
                               "1 validation error detected: Value '%s' at 'logType' failed "
                               "to satisfy constraint: Member must satisfy enum value set: "
                               "[None, Tail]" % log_type)
        resolved, missing_arn = self._resolve(raw_name, qualifier)
        if resolved is None:
            return self._error(404, "ResourceNotFoundException",
                               "Function not found: %s" % missing_arn)
        _, version = resolved
        payload = body if body.strip() else b"{}"
        try:
            json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return self._error(400, "InvalidRequestContentException",
                               "Could not parse request body into json: %s" % e)
        if invocation_type == "Event":
            return 202, [("Content-Type", "application/json")], b""
        if invocation_type == "DryRun":
            return 204, [("Content-Type", "application/json")], b""
        out = [("Content-Type", "application/json"), ("X-Amz-Executed-Version", version)]
        if log_type == "Tail":
            rid = str(uuid.uuid4())
            tail = ("START RequestId: %s Version: %s\nEND RequestId: %s\n"
                    "REPORT RequestId: %s\tDuration: 1.00 ms\tBilled Duration: 1 ms\t"
                    "Memory Size: 128 MB\tMax Memory Used: 40 MB\t\n" % (rid, version, rid, rid))
            out.append(("X-Amz-Log-Result", base64.b64encode(tail.encode()).decode()))
        return 200, out, payload
