"""test_lambda_rules.py - boto3's client-side rules, applied by mediac before
anything is sent: a violation is a 400 fault naming the operation, the
parameter and the rule, and the endpoint sees nothing.

The violations are made from the model (lambda_ops): for each parameter
whose shape has a constraint, a value just outside it (below a minimum,
above a maximum, outside an enum, of the wrong type, a list or map item of
the wrong type, a structure with an unknown member or without a required
one).  botocore's own validator is asked about each: what it refuses,
mediac refuses (the class the issue names: MaxItems=0, MemorySize=64,
Timeout=0, a non-string environment value, an object as a tag value, a
routing weight given as a string ...); maxima and enums, which botocore
leaves to the service (a 400 ValidationException), mediac refuses too.
Every call goes to the FAKE recording stand-in, which must record nothing.
"""
import copy
import json
import unittest

import lambda_env as le
import lambda_ops

try:
    import botocore.session
    from botocore.exceptions import ParamValidationError
    from botocore.validate import ParamValidator
except ImportError:                                   # pragma: no cover
    botocore = None


def boto_refuses(op_model, params):
    report = ParamValidator().validate(params, op_model.input_shape)
    return report.has_errors()


def violations(shape, value):
    """(rule, bad value) pairs for a value of this shape."""
    t, md = shape.type_name, shape.metadata
    out = []
    if t == "string":
        if md.get("min", 0) >= 2:
            out.append(("length", "x" * (md["min"] - 1)))
        if "max" in md and md["max"] < 5000:
            out.append(("length", "y" * (md["max"] + 1)))
        if shape.enum:
            out.append(("allowed values", "NotAnAllowedValue"))
    elif t in ("integer", "long"):
        if "min" in md:
            out.append(("minimum", md["min"] - 1))
        if "max" in md:
            out.append(("maximum", md["max"] + 1))
    elif t in ("double", "float"):
        if "min" in md:
            out.append(("minimum", md["min"] - 0.5))
        if "max" in md:
            out.append(("maximum", md["max"] + 0.5))
    elif t == "list":
        if md.get("min", 0) >= 1:
            out.append(("number of items", []))
        if shape.member.type_name == "string" and not shape.member.enum and \
                md.get("min", 0) <= 1:
            out.append(("must be a string", [17]))
    elif t == "map":
        v = shape.value.type_name
        if v == "string":
            out.append(("must be a string", {"KEY": 42}))
            out.append(("must be a string", {"KEY": {"nested": "x"}}))
        elif v in ("double", "float", "integer"):
            out.append(("must be a", {"KEY": "0.5"}))
    elif t == "structure" and isinstance(value, dict):
        out.append(("unknown member", dict(value, NoSuchMember="x")))
        for req in shape.required_members:
            out.append(("required member", {k: v for k, v in value.items() if k != req}))
            break
        for mname, mshape in shape.members.items():
            if mshape.type_name in ("integer", "long") and mname in value:
                out.append(("must be a whole number", dict(value, **{mname: "seven"})))
                break
    return out


class LambdaRulesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        le.require_tools()
        lambda_ops.serve_all(cls)

    @classmethod
    def tearDownClass(cls):
        lambda_ops.stop_all(cls)

    def assert_refused(self, name, values, param, rule):
        self.standin.clear()
        r = self.serve.post("/lambda-ops/" + name, values)
        self.assertEqual(r.status, 400, r.body)
        msg = r.json()["error"]
        self.assertIn("amazonlambda.%s: parameter '%s'" % (name, param), msg)
        self.assertIn(rule, msg)
        self.assertEqual(self.standin.records, [], "a refused call reached the endpoint")

    def call_with(self, name, member_path, bad):
        op = self.ops[name]
        om = self.model.operation_model(op["api"])
        params = lambda_ops.model_input(om)
        cur = params
        for part in member_path[:-1]:
            cur = cur[part]
        cur[member_path[-1]] = bad
        return om, params, lambda_ops.mediac_values(om, op, params)

    def test_the_issues_examples(self):
        cases = [
            ("listFunctions", ["MaxItems"], 0, "maxItems", "below the minimum 1"),
            ("createFunction", ["MemorySize"], 64, "memorySize", "below the minimum 128"),
            ("createFunction", ["Timeout"], 0, "timeout", "below the minimum 1"),
            ("createFunction", ["Environment", "Variables"], {"STAGE": 3},
             "environmentVariables", "'STAGE': must be a string, not a number"),
            ("createFunction", ["Tags"], {"team": {"a": 1}}, "tags",
             "'team': must be a string, not an object"),
            ("createAlias", ["RoutingConfig", "AdditionalVersionWeights"], {"2": "0.5"},
             "aliasAdditionalVersionWeights", "'2': must be a number, not a string"),
            ("updateFunctionConfiguration", ["MemorySize"], 64, "memorySize",
             "below the minimum 128"),
            ("putFunctionConcurrency", ["ReservedConcurrentExecutions"], -1,
             "reservedConcurrentExecutions", "below the minimum 0"),
        ]
        for name, path, bad, param, rule in cases:
            with self.subTest(operation=name, parameter=param):
                om, params, values = self.call_with(name, path, bad)
                self.assertTrue(boto_refuses(om, params), "botocore accepts it")
                self.assert_refused(name, values, param, rule)

    def test_every_constraint_of_every_operation(self):
        seen, checked, boto_too = set(), 0, 0
        for name, op in sorted(self.ops.items()):
            om = self.model.operation_model(op["api"])
            base = lambda_ops.model_input(om)
            for p in op["params"]:
                path = lambda_ops.param_member(om, p)
                if not path or p["in"] == "payload" and p["type"] == "raw":
                    continue
                shape = om.input_shape
                for part in path:
                    shape = shape.members[part]
                value = base
                for part in path:
                    value = value[part]
                for rule, bad in violations(shape, value):
                    key = (shape.name, rule, json.dumps(bad, default=str)[:40], p["in"])
                    if key in seen:
                        continue
                    seen.add(key)
                    params = copy.deepcopy(base)
                    cur = params
                    for part in path[:-1]:
                        cur = cur[part]
                    cur[path[-1]] = bad
                    with self.subTest(operation=name, parameter=p["name"], rule=rule):
                        values = lambda_ops.mediac_values(om, op, params)
                        boto_too += boto_refuses(om, params)
                        self.assert_refused(name, values, p["name"],
                                            rule.split(" ")[0] if rule != "allowed values"
                                            else "is not one of the allowed values")
                        checked += 1
        print("rules: %d violations checked, %d also refused by botocore" % (checked, boto_too))
        self.assertGreater(checked, 150)
        self.assertGreater(boto_too, 80)

    def test_required_member_of_the_api(self):
        """createFunction needs Code: one of its parameters must be given."""
        om = self.model.operation_model("CreateFunction")
        params = lambda_ops.model_input(om)
        del params["Code"]
        self.assertTrue(boto_refuses(om, params))
        values = lambda_ops.mediac_values(om, self.ops["createFunction"], params)
        self.standin.clear()
        r = self.serve.post("/lambda-ops/createFunction", values)
        self.assertEqual(r.status, 400, r.body)
        self.assertIn("required member Code is missing: give one of s3Bucket, s3Key",
                      r.json()["error"])
        self.assertEqual(self.standin.records, [])


if __name__ == "__main__":
    unittest.main()
