"""test_lambda_wire.py - every amazonlambda operation's request, as mediac
sends it, equals what botocore's serializer makes of the same input.

For each of the 85 operations of botocore's Lambda model a valid input is
made from the model alone (lambda_ops.model_input: every member, nested
ones too), given to mediac through `mediac serve` (one API resource per
operation, every parameter from the request's JSON) and to botocore's
rest-json serializer.  The request mediac sends lands on a recording
stand-in (harness.recording_standin, a FAKE endpoint of the project's own:
no emulator implements all 85, and none shows the wire form) that checks
its SigV4 signature with botocore's signer.  Compared: the method, the path
byte for byte, the query (pairs, decoded), the model's header members and
Content-Type, and the body (JSON compared as JSON, a blob byte for byte).
"""
import json
import unittest
import urllib.parse

import lambda_env as le
import lambda_ops

try:
    import botocore.session
    from botocore import serialize
except ImportError:                                   # pragma: no cover
    botocore = None


UUID4 = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"


def botocore_request(op_model, params):
    ser = serialize.create_serializer("rest-json", include_validation=True)
    return ser.serialize_to_request(params, op_model)


def expected_query(req):
    path, _, static = req["url_path"].partition("?")
    pairs = urllib.parse.parse_qsl(static, keep_blank_values=True)
    for k, v in req["query_string"].items():
        for item in v if isinstance(v, list) else [v]:
            pairs.append((k, str(item)))
    return path, sorted(pairs)


class LambdaWireTest(unittest.TestCase):
    """All 85 operations against botocore's serializer."""

    @classmethod
    def setUpClass(cls):
        le.require_tools()
        lambda_ops.serve_all(cls)

    @classmethod
    def tearDownClass(cls):
        lambda_ops.stop_all(cls)

    def call(self, name, values):
        self.standin.clear()
        r = self.serve.post("/lambda-ops/" + name, values)
        recs = self.standin.records
        return r, recs

    def test_every_operation_matches_botocore(self):
        self.assertEqual(len(self.ops), 85)
        for name, op in sorted(self.ops.items()):
            with self.subTest(operation=name):
                om = self.model.operation_model(op["api"])
                params = lambda_ops.model_input(om)
                want = botocore_request(om, params)
                r, recs = self.call(name, lambda_ops.mediac_values(om, op, params))
                self.assertEqual(r.status, 200, r.body)
                self.assertEqual(len(recs), 1, "one request sent")
                got = recs[0]
                self.assertTrue(got.signature_ok, got.message)
                self.assertEqual(got.method, want["method"])
                path, query = expected_query(want)
                self.assertEqual(got.path, path)
                self.assertEqual(sorted(urllib.parse.parse_qsl(got.query,
                                                               keep_blank_values=True)), query)
                header_members = [m.serialization.get("name", k)
                                  for k, m in (om.input_shape.members.items()
                                               if om.input_shape else [])
                                  if m.serialization.get("location") == "header"]
                for h in header_members + ["Content-Type"]:
                    w = {k.lower(): v for k, v in want["headers"].items()}.get(h.lower())
                    self.assertEqual(got.header(h), w, h)
                body = want["body"] if isinstance(want["body"], bytes) else \
                    want["body"].encode()
                if want["headers"].get("Content-Type") == "application/json":
                    self.assertEqual(json.loads(got.body), json.loads(body))
                else:
                    self.assertEqual(got.body, body)

    def test_defaults_and_omissions_match_botocore(self):
        """Only the required members (every WSO2 default given explicitly
        as botocore would get it): nothing else is sent, an operation with
        body members but none given sends {} (as botocore does)."""
        for name, op in sorted(self.ops.items()):
            with self.subTest(operation=name):
                om = self.model.operation_model(op["api"])
                full = lambda_ops.model_input(om)
                shape = om.input_shape
                # required: by the model, or by WSO2 (handler, role, ...)
                needed = set(shape.required_members) if shape is not None else set()
                for p in op["params"]:
                    path = lambda_ops.param_member(om, p)
                    if p["required"] and not p.get("default") and path:
                        needed.add(path[0])
                params = {k: v for k, v in full.items() if k in needed}
                values = lambda_ops.mediac_values(om, op, params)
                # the WSO2 defaults are values botocore must be given too
                for p in op["params"]:
                    path = lambda_ops.param_member(om, p)
                    if p.get("default") and path and p["name"] not in values:
                        cur = params
                        for part in path[:-1]:
                            cur = cur.setdefault(part, {})
                        m = shape.members[path[0]]
                        for part in path[1:]:
                            m = m.members[part]
                        cur[path[-1]] = (int(p["default"]) if m.type_name in
                                         ("integer", "long") else p["default"])
                want = botocore_request(om, params)
                r, recs = self.call(name, values)
                self.assertEqual(r.status, 200, r.body)
                got = recs[0]
                path, query = expected_query(want)
                self.assertEqual(got.path, path)
                self.assertEqual(sorted(urllib.parse.parse_qsl(got.query,
                                                               keep_blank_values=True)), query)
                body = want["body"] if isinstance(want["body"], bytes) else \
                    want["body"].encode()
                if want["headers"].get("Content-Type") == "application/json":
                    sent = json.loads(got.body)
                    # boto3's client (not its serializer) fills an
                    # idempotency token with a fresh UUID; so does mediac
                    for k, m in (shape.members.items() if shape else []):
                        if m.metadata.get("idempotencyToken") and k not in params:
                            self.assertRegex(sent.pop(k, ""), UUID4)
                    self.assertEqual(sent, json.loads(body))
                else:
                    self.assertEqual(got.body, body)
                self.assertEqual(got.header("Content-Type"),
                                 want["headers"].get("Content-Type"))


if __name__ == "__main__":
    unittest.main()
