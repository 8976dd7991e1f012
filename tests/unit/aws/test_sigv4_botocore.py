"""Differential test: mediac's SigV4 signer against botocore's SigV4Auth.

Generates a few hundred random Lambda-style requests (methods GET, POST,
PUT, DELETE; paths with $LATEST, ':', spaces, UTF-8, reserved characters,
dot segments and doubled slashes; queries with empty values, repeated keys
and reserved characters; headers with odd spacing, mixed case and repeats;
random bodies; with and without a session token; hosts with and without
ports), signs each with botocore (service "lambda", fixed time) and with
sigv4_tool, and requires the same canonical request and signature.

Usage: python3 test_sigv4_botocore.py PATH_TO_SIGV4_TOOL
"""
import datetime
import os
import random
import subprocess
import sys
import unittest
from unittest import mock
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

TOOL = None
COUNT = int(os.environ.get("MC_SIGV4_DIFF_COUNT", "400"))
SEED = int(os.environ.get("MC_SIGV4_DIFF_SEED", "20150831"))
WHEN = datetime.datetime(2024, 2, 29, 23, 59, 58, tzinfo=datetime.timezone.utc)

SEGMENTS = [
    "2015-03-31", "functions", "invocations", "my-function",
    "my-function:$LATEST", "fn:prod", "$LATEST", "arn:aws:lambda:us-east-1:123456789012:function:f",
    "a b", "  lead", "trail ", "caf\u00e9", "\u65e5\u672c\u8a9e", "\u1234",
    "emoji\U0001F600", "!*'();:@&=+$,", "?#[]", "100%", "%41", "a+b",
    "~user", "-._~", "tab\tx", ".", "..", "", "x.y", "...",
]
QUERY_WORDS = [
    "Qualifier", "Marker", "MaxItems", "FunctionVersion", "a", "A", "b",
    "$LATEST", "x y", "k=v", "a&b", "caf\u00e9", "\u1234", "", "1",
    "!*'()", ":/?#[]@", "+plus", "~tilde", "%25", "semi;colon", "Param-3",
]
HEADER_NAMES = [
    "Content-Type", "X-Amz-Invocation-Type", "X-Amz-Log-Type",
    "X-Amz-Client-Context", "My-Header1", "my-header1", "MY-HEADER2",
    "Accept", "X-Custom", "User-Agent", "X-Amzn-Trace-Id", "Expect",
    "Content-Length", "X-Amz-Meta-Thing",
]
HEADER_VALUES = [
    "application/json", "RequestResponse", " Event", "Tail ", "  a   b  c  ",
    "\ta\t\tb\t", "VALUE1", "value with  two  spaces", '"a   b   c"',
    "x,y", "", "   ", "=;:/", "1234",
]


def hexs(b):
    if isinstance(b, str):
        b = b.encode("utf-8")
    return b.hex() or "="


def wire_path(rng):
    """A path as it goes on the wire: segments percent-encoded once (as
    mediac's mc_aws_uri_encode does), sometimes with raw ':' or '$', which
    are legal on the wire, and with dot segments and '//' left as they are."""
    n = rng.randint(0, 6)
    segs = []
    for _ in range(n):
        seg = rng.choice(SEGMENTS)
        if seg in (".", ".."):
            segs.append(seg)
        elif rng.random() < 0.2:
            segs.append(quote(seg, safe="-_.~:$"))
        else:
            segs.append(quote(seg, safe="-_.~"))
    path = "/" + "/".join(segs)
    if rng.random() < 0.2:
        path += "/"
    return path


def wire_query(rng):
    if rng.random() < 0.3:
        return None
    parts = []
    for _ in range(rng.randint(1, 6)):
        k = rng.choice(QUERY_WORDS) or "k"
        style = rng.random()
        if style < 0.15:
            parts.append(quote(k, safe="-_.~"))  # no '=' at all
        elif style < 0.3:
            parts.append(quote(k, safe="-_.~") + "=")  # empty value
        else:
            v = rng.choice(QUERY_WORDS)
            parts.append(quote(k, safe="-_.~") + "=" + quote(v, safe="-_.~"))
        if rng.random() < 0.15:
            parts.append(parts[-1])  # repeated key (and value)
    return "&".join(parts)


def random_request(rng, i):
    method = rng.choice(["GET", "POST", "PUT", "DELETE"])
    host = rng.choice([
        "lambda.us-east-1.amazonaws.com", "lambda.eu-west-3.amazonaws.com",
        "127.0.0.1:4566", "localhost:8080",
    ])
    scheme = "http" if host[0] in "1l" and ":" in host else "https"
    path = wire_path(rng)
    query = wire_query(rng)
    body = b""
    if method in ("POST", "PUT") and rng.random() < 0.8:
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
    headers = []
    for _ in range(rng.randint(0, 5)):
        headers.append((rng.choice(HEADER_NAMES), rng.choice(HEADER_VALUES)))
    token = None
    if rng.random() < 0.4:
        token = "FwoGZXIvYXdzE" + "".join(
            rng.choice("ABCDEFabcdef0123456789+/=") for _ in range(rng.randint(20, 120)))
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" + str(i % 3)
    return dict(method=method, host=host, scheme=scheme, path=path,
                query=query, body=body, headers=headers, token=token,
                access_key="AKIDEXAMPLE%d" % (i % 2), secret=secret)


def sign_botocore(r):
    url = "%s://%s%s" % (r["scheme"], r["host"], r["path"])
    if r["query"] is not None:
        url += "?" + r["query"]
    headers = HTTPHeaders()
    for name, value in r["headers"]:
        headers[name] = value  # appends: repeated names stay repeated
    req = AWSRequest(method=r["method"], url=url, data=r["body"],
                     headers=headers)
    creds = Credentials(r["access_key"], r["secret"], r["token"])
    auth = SigV4Auth(creds, "lambda", "us-east-1")
    seen = []
    original = auth.canonical_request

    def capture(request):
        seen.append(original(request))
        return seen[-1]

    auth.canonical_request = capture
    with mock.patch("botocore.auth.get_current_datetime", return_value=WHEN):
        auth.add_auth(req)
    return req.headers["Authorization"], seen[0]


def tool_line(r):
    fields = [
        hexs(r["access_key"]), hexs(r["secret"]),
        "-" if r["token"] is None else hexs(r["token"]),
        "us-east-1", "lambda", str(int(WHEN.timestamp())), "default",
        r["method"], r["host"], hexs(r["path"]),
        "-" if r["query"] is None else hexs(r["query"]), hexs(r["body"]),
    ]
    for name, value in r["headers"]:
        fields += [hexs(name), hexs(value)]
    return "\t".join(fields)


class SigV4AgainstBotocore(unittest.TestCase):
    def run_tool(self, lines):
        proc = subprocess.run([TOOL], input="\n".join(lines) + "\n",
                              capture_output=True, text=True, timeout=120)
        out = proc.stdout.splitlines()
        self.assertEqual(len(out), len(lines), proc.stderr)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return out

    def test_random_requests(self):
        rng = random.Random(SEED)
        reqs = [random_request(rng, i) for i in range(COUNT)]
        out = self.run_tool([tool_line(r) for r in reqs])
        mismatches = []
        for r, line in zip(reqs, out):
            self.assertFalse(line.startswith("ERROR"), line)
            sig, authz, creq_hex = line.split("\t")
            want_authz, want_creq = sign_botocore(r)
            got_creq = bytes.fromhex(creq_hex).decode("utf-8")
            if authz != want_authz or got_creq != want_creq:
                mismatches.append((r, want_creq, got_creq, want_authz, authz))
            else:
                self.assertTrue(authz.endswith("Signature=" + sig))
        for r, want_creq, got_creq, want_authz, authz in mismatches[:3]:
            print("\nMISMATCH for %r\n--- botocore:\n%s\n%s\n--- mediac:\n%s\n%s"
                  % (r, want_creq, want_authz, got_creq, authz), file=sys.stderr)
        self.assertEqual(len(mismatches), 0,
                         "%d of %d signatures differ" % (len(mismatches), COUNT))
        print("\n%d random requests: mediac and botocore signatures agree"
              % COUNT, file=sys.stderr)

    def test_invoke_qualified_function(self):
        """The classic double-encoding trap: fn:$LATEST in the path."""
        r = dict(method="POST", host="lambda.us-east-1.amazonaws.com",
                 scheme="https",
                 path="/2015-03-31/functions/" + quote("my-fn:$LATEST", safe="-_.~")
                 + "/invocations",
                 query="Qualifier=" + quote("$LATEST", safe="-_.~"),
                 body=b'{"k": "v"}', headers=[("X-Amz-Invocation-Type", "RequestResponse")],
                 token=None, access_key="AKIDEXAMPLE",
                 secret="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        sig, authz, creq_hex = self.run_tool([tool_line(r)])[0].split("\t")
        creq = bytes.fromhex(creq_hex).decode()
        self.assertIn("/2015-03-31/functions/my-fn%253A%2524LATEST/invocations",
                      creq.splitlines()[1])
        self.assertEqual(creq.splitlines()[2], "Qualifier=%24LATEST")
        self.assertEqual(authz, sign_botocore(r)[0])


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_sigv4_botocore.py PATH_TO_SIGV4_TOOL")
    TOOL = sys.argv.pop(1)
    unittest.main(verbosity=2)
