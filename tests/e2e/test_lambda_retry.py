"""test_lambda_retry.py - the AWS SDKs' retry modes through `mediac serve`:
which answers are retried (throttling codes, 5xx, not a plain 400), how
many attempts (AWS_MAX_ATTEMPTS, the mode's default), the legacy mode
(AWS_RETRY_MODE=legacy), non-idempotent POSTs retried as botocore does.
Answers come from the FAKE recording endpoint, scripted per test; each
test uses at most one or two retries so backoff waits stay short (the
quota and the backoff bounds are unit-tested: tests/unit/aws/retry.c)."""
import json
import os
import tempfile
import unittest

import lambda_env as le
from harness.recording_standin import json_answer

FLOW = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<api name="Retry" context="/retry">
  <resource methods="POST" uri-template="/list"><inSequence>
    <amazonlambda.listFunctions/><respond/>
  </inSequence></resource>
  <resource methods="POST" uri-template="/invoke"><inSequence>
    <amazonlambda.invoke><functionName>fn</functionName>
      <payload>{"a":1}</payload></amazonlambda.invoke><respond/>
  </inSequence></resource>
</api></definitions>"""


def err(status, code):
    return json_answer(status, json.dumps({"__type": code, "message": code}),
                       [("x-amzn-ErrorType", code)])


class RetryTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        le.require_tools()
        cls.script = []
        cls.endpoint = le.recorder(answer=cls.next_answer).start()
        cls.dir = tempfile.mkdtemp(prefix="mediac-retry-")
        with open(os.path.join(cls.dir, "retry.xml"), "w") as f:
            f.write(FLOW)
        cls.servers = {}

    @classmethod
    def tearDownClass(cls):
        le.stop_all(cls.servers.values())
        cls.endpoint.stop()

    @classmethod
    def next_answer(cls, rec):
        return cls.script.pop(0) if cls.script else json_answer(200, b'{"Functions":[]}')

    def server(self, **env):
        key = tuple(sorted(env.items()))
        if key not in self.servers:
            e = le.chain_env(self.endpoint.url)
            e.update(env)
            self.servers[key] = le.Serve([self.dir], le.clean_env(e), log_level="debug")
        return self.servers[key]

    def run_script(self, srv, answers, path="/retry/list"):
        self.endpoint.clear()
        type(self).script = list(answers)
        r = srv.post(path, {})
        return r, self.endpoint.records

    def test_standard_mode_is_the_default_with_three_attempts(self):
        srv = self.server(AWS_MAX_ATTEMPTS=None)
        r, recs = self.run_script(srv, [err(429, "TooManyRequestsException"),
                                        err(400, "ThrottlingException")])
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(len(recs), 3)
        self.assertTrue(all(x.signature_ok for x in recs))
        self.assertIn("amazonlambda.listFunctions: retry 2 of 3 in", srv.log())
        self.assertIn("(TooManyRequestsException)", srv.log())
        self.assertIn("retry 3 of 3 in", srv.log())
        # three failures: the last answer is the caller's
        r, recs = self.run_script(srv, [err(503, "ServiceException")] * 3)
        self.assertEqual(r.status, 503, r.body)
        self.assertEqual(len(recs), 3)

    def test_max_attempts_from_the_environment(self):
        srv = self.server(AWS_MAX_ATTEMPTS="2")
        r, recs = self.run_script(srv, [err(500, "ServiceException")] * 3)
        self.assertEqual(r.status, 500)
        self.assertEqual(len(recs), 2)
        srv1 = self.server(AWS_MAX_ATTEMPTS="1")
        r, recs = self.run_script(srv1, [err(500, "ServiceException")])
        self.assertEqual((r.status, len(recs)), (500, 1))

    def test_what_is_not_retried(self):
        srv = self.server(AWS_MAX_ATTEMPTS="3")
        for answer in (err(400, "InvalidParameterValueException"),
                       err(404, "ResourceNotFoundException"),
                       err(403, "AccessDeniedException")):
            r, recs = self.run_script(srv, [answer])
            self.assertEqual(len(recs), 1, r.body)
            self.assertEqual(r.status, answer[0])

    def test_post_is_retried_like_botocore(self):
        srv = self.server(AWS_MAX_ATTEMPTS="2")
        r, recs = self.run_script(srv, [err(502, "ServiceException")], path="/retry/invoke")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([x.method for x in recs], ["POST", "POST"])
        self.assertEqual(recs[0].body, recs[1].body)

    def test_legacy_mode(self):
        srv = self.server(AWS_RETRY_MODE="legacy", AWS_MAX_ATTEMPTS="2")
        r, recs = self.run_script(srv, [err(502, "ServiceException")])     # not in legacy
        self.assertEqual((r.status, len(recs)), (502, 1))
        r, recs = self.run_script(srv, [err(429, "TooManyRequestsException")])
        self.assertEqual((r.status, len(recs)), (200, 2))
        r, recs = self.run_script(srv, [err(400, "RequestLimitExceeded")])  # standard only
        self.assertEqual((r.status, len(recs)), (400, 1))


if __name__ == "__main__":
    unittest.main()
