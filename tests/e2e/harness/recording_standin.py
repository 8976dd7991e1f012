"""RecordingStandIn: a FAKE AWS endpoint of the project's own, for what no
emulator can show: the exact wire form of every request (compared with
botocore's serializer), and answers chosen by the test (throttling then
success for the retry modes, pages for pagination, event-stream frames for
InvokeWithResponseStream, binary bodies).

It is the signature-checking proxy (harness.sigcheck_proxy.SigCheckProxy)
with the upstream replaced by `answer(rec)`, which returns (status,
headers, body); the default answers 200 with {}.  A bad signature is
answered 403 and recorded as rejected, as by the proxy.
"""
import threading

from .sigcheck_proxy import SigCheckProxy, check_and_record

__all__ = ["RecordingStandIn", "json_answer"]


def json_answer(status=200, body=b"{}", headers=None):
    hdrs = [("Content-Type", "application/json")] + list(headers or [])
    return status, hdrs, body if isinstance(body, bytes) else body.encode()


class RecordingStandIn(SigCheckProxy):
    """FAKE endpoint: records every signed request, answers as told."""

    def __init__(self, credentials, answer=None, service="lambda", region="us-east-1"):
        super().__init__("http://127.0.0.1:9", credentials, service=service, region=region)
        self.answer = answer or (lambda rec: json_answer())
        self._lock = threading.Lock()

    def handle(self, handler, method, target, headers, body):
        rec = check_and_record(self.verifier, self.log, handler, method, target, headers, body)
        if rec is None:
            return
        with self._lock:
            status, hdrs, out = self.answer(rec)
        rec.verdict, rec.status, rec.reached_upstream = "answered", status, True
        self.log.add(rec)
        handler.send_answer(status, hdrs, out)
