"""lambda_ops.py - every amazonlambda operation as a flow and as boto3
input, for the suites that drive all 85 (test_lambda_wire, test_lambda_rules,
test_lambda_moto).

- `model_input(op_model)` makes a valid botocore input for an operation
  from the model alone: every member (nested structures too), each value
  the smallest that fits the member's constraints, strings named after the
  member so a member sent under another name shows.
- `mediac_values(op, params)` turns a botocore input into the parameter
  values of the operation's descriptor (dotted members, JSON text for
  objects and lists, base64 text for blobs, "base64" encoding for raw
  payloads).
- `api_xml(ops)` writes one API, /lambda-ops/<operation>, whose resources
  call each operation with every parameter taken from the request's JSON
  body ({json-eval($.name)}) and answer with what the connector got.
"""
import base64
import datetime
import json
import os
from xml.sax.saxutils import escape

from harness import descriptors

BLOB = b"\x00\x01binary\xff"          # starts with NUL, not UTF-8
WHEN = datetime.datetime(2024, 5, 1, 12, 30, 0, tzinfo=datetime.timezone.utc)


def _string(name, shape):
    if shape.enum:
        return shape.enum[0]
    lo = shape.metadata.get("min", 1) or 1
    hi = shape.metadata.get("max", 64)
    text = (name.lower() + "-value")[: max(lo, min(hi, 24))]
    while len(text) < lo:
        text += "x"
    return text


def _number(shape, default):
    lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
    if lo is not None:
        return lo
    if hi is not None and hi < default:
        return hi
    return default


def value_for(name, shape, depth=0):
    t = shape.type_name
    if t == "structure":
        out = {}
        for mname, mshape in shape.members.items():
            if depth < 5 or mname in shape.required_members:
                out[mname] = value_for(mname, mshape, depth + 1)
        return out
    if t == "list":
        n = max(1, shape.metadata.get("min", 1) or 1)
        return [value_for(name, shape.member, depth + 1) for _ in range(n)]
    if t == "map":
        return {_string("k" + name, shape.key): value_for(name, shape.value, depth + 1)}
    if t == "string":
        return _string(name, shape)
    if t in ("integer", "long"):
        return int(_number(shape, 7))
    if t in ("double", "float"):
        return float(_number(shape, 0.5))
    if t == "boolean":
        return True
    if t == "blob":
        return BLOB
    if t == "timestamp":
        return WHEN
    raise AssertionError("type %s" % t)


def model_input(op_model):
    shape = op_model.input_shape
    if shape is None:
        return {}
    return {m: value_for(m, s) for m, s in shape.members.items()}


def _jsonable(v):
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, datetime.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    return v


def param_member(op_model, p):
    """The model member path a parameter gives (None: not sent)."""
    if p["in"] == "runtime" or p["name"].startswith("apiVersion"):
        return None
    shape = op_model.input_shape
    if p["in"] == "payload":
        return [shape.serialization["payload"]]
    if p["in"] in ("path", "query", "header"):
        loc = {"path": "uri", "query": "querystring", "header": "header"}[p["in"]]
        for k, m in shape.members.items():
            if (m.serialization.get("location") == loc
                    and m.serialization.get("name", k).lower() == p["as"].lower()):
                return [k]
        raise AssertionError("%s: no member for %s" % (op_model.name, p["name"]))
    return p["as"].split(".")


def mediac_values(op_model, op, params):
    """{param name: text} giving the descriptor's operation the input."""
    out = {}
    for p in op["params"]:
        path = param_member(op_model, p)
        if path is None:
            continue
        v = params
        for part in path:
            if not isinstance(v, dict) or part not in v:
                v = None
                break
            v = v[part]
        if v is None:
            continue
        if p["in"] == "payload" and p["type"] == "raw":
            raw = v if isinstance(v, bytes) else v.encode()
            out[p["name"]] = base64.b64encode(raw).decode()
            out[p["name"] + "Encoding"] = "base64"
        elif isinstance(v, (dict, list)):
            out[p["name"]] = json.dumps(_jsonable(v))
        elif isinstance(v, bytes):
            out[p["name"]] = base64.b64encode(v).decode()
        elif isinstance(v, bool):
            out[p["name"]] = "true" if v else "false"
        elif isinstance(v, datetime.datetime):
            out[p["name"]] = v.strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            out[p["name"]] = str(v)
    return out


def api_xml(ops, context="/lambda-ops", extra_init=""):
    """One API calling every operation; values from the request's JSON."""
    o = ['<definitions xmlns="http://ws.apache.org/ns/synapse">',
         '<api name="LambdaOps" context="%s">' % context]
    for name, op in sorted(ops.items()):
        o.append('<resource methods="POST" uri-template="/%s"><inSequence>' % name)
        if extra_init:
            o.append(extra_init)
        o.append("<amazonlambda.%s>" % name)
        for p in op["params"]:
            o.append("<%s>{json-eval($.%s)}</%s>" % (p["name"], p["name"], p["name"]))
        o.append("</amazonlambda.%s><respond/></inSequence></resource>" % name)
    o.append("</api></definitions>")
    return "\n".join(o)


def write_api(folder, ops, **kw):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "lambda-ops.xml"), "w", encoding="utf-8") as f:
        f.write(api_xml(ops, **kw))
    return folder


def operations():
    return descriptors.load_operations()


def serve_all(cls, answer=None, **env):
    """For a test class: the 85 operations' API on `mediac serve`
    (cls.serve) in front of the FAKE recording endpoint (cls.standin);
    cls.model and cls.ops too.  Stop with stop_all(cls)."""
    import tempfile
    import botocore.session
    import lambda_env as le
    cls.model = botocore.session.get_session().get_service_model("lambda")
    cls.ops = operations()
    cls.standin = le.recorder(answer=answer).start()
    cls.dir = tempfile.mkdtemp(prefix="mediac-ops-")
    write_api(cls.dir, cls.ops)
    e = le.chain_env(cls.standin.url)
    e.update(env)
    cls.serve = le.Serve([cls.dir], le.clean_env(e))


def stop_all(cls):
    import lambda_env as le
    le.stop_all([cls.serve])
    cls.standin.stop()


def escape_text(s):
    return escape(s)
