"""RecordingStandIn: a FAKE AWS endpoint of the project's own, for what no
emulator can show: the exact wire form of every request (compared with
botocore's serializer), and answers chosen by the test (throttling then
success for the retry modes, pages for pagination, event-stream frames for
InvokeWithResponseStream, binary bodies).

Every request's SigV4 signature is checked with botocore's signer (as the
proxy in front of moto does: harness.sigcheck_proxy.check_and_record); a bad
one is answered 403 and recorded as rejected.  A good one is recorded and
answered by `answer(rec)`, which returns (status, headers, body); the default
answers 200 with {}.
"""

import threading

from .sigcheck_proxy import LoopbackHTTPServer, RequestLog, SigV4Verifier, check_and_record

__all__ = ["RecordingStandIn", "json_answer"]


def json_answer(status=200, body=b"{}", headers=None):
    hdrs = [("Content-Type", "application/json")] + list(headers or [])
    return status, hdrs, body if isinstance(body, bytes) else body.encode()


class RecordingStandIn:
    """FAKE endpoint: records every signed request, answers as told."""

    def __init__(self, credentials, answer=None, service="lambda", region="us-east-1"):
        self.verifier = SigV4Verifier(credentials, service=service, region=region)
        self.log = RequestLog()
        self.answer = answer or (lambda rec: json_answer())
        self._lock = threading.Lock()
        self._server = LoopbackHTTPServer(self)

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

    def handle(self, handler, method, target, headers, body):
        rec = check_and_record(self.verifier, self.log, handler, method, target, headers, body)
        if rec is None:
            return
        with self._lock:
            status, hdrs, out = self.answer(rec)
        rec.verdict, rec.status, rec.reached_upstream = "answered", status, True
        self.log.add(rec)
        handler.send_answer(status, hdrs, out)
