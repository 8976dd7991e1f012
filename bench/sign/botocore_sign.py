"""Signatures per second of botocore's SigV4Auth on the same Lambda Invoke
request that bench_sign signs (same path, query, headers, token, 256-byte
body hashed on every call).  Only add_auth is timed: the request object is
built once and re-signed, as botocore does on a retry.

Usage: python3 botocore_sign.py [seconds]
"""
import datetime
import sys
import time
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    body = bytearray(b" " * 256)
    head = b'{"orderId":"A-1029","items":[1,2,3],"note":"'
    body[:len(head)] = head
    body[254:256] = b'"}'
    req = AWSRequest(
        method="POST",
        url="https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/"
            "order-handler%3Aprod/invocations?Qualifier=prod",
        data=bytes(body),
        headers={"Content-Type": "application/json",
                 "X-Amz-Invocation-Type": "RequestResponse",
                 "X-Amz-Log-Type": "None"})
    creds = Credentials("ASIAEXAMPLEKEYID0001",
                        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                        "FwoGZXIvYXdzEBYaDExampleSessionTokenValue0123456789")
    auth = SigV4Auth(creds, "lambda", "us-east-1")
    when = datetime.datetime.fromtimestamp(1700000000, datetime.timezone.utc)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        for _ in range(200):
            auth.add_auth(req)
        n = 0
        t0 = time.perf_counter()
        while True:
            for _ in range(200):
                auth.add_auth(req)
            n += 200
            t = time.perf_counter() - t0
            if t >= seconds:
                break
    rate = n / t
    print("botocore signatures/s: %.0f" % rate)
    print("botocore ns/signature: %.0f" % (1e9 / rate))
    print("signature: %s" % req.headers["Authorization"].rsplit("=", 1)[1])


if __name__ == "__main__":
    main()
