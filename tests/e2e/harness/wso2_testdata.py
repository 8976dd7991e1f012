"""The WSO2 Amazon Lambda connector's own test data, read from shared/.

shared/testdata/wso2-amazonlambda/ holds (read-only, never copied here):
- restRequests/<operation>_<case>.json  request payloads with %s(name)
  placeholders,
- amazonlambda.properties               values for most placeholders,
- EXPECTED.tsv                          action, request, status_on_real_aws,
- amazonlambda-proxy.xml                the v1 test proxy,
- connector-meta.json                   WSO2's operation/parameter table.

Placeholders are filled the way WSO2's ConnectorIntegrationTestBase does:
each %s(name) is replaced by the property's text. A malformed placeholder
(deleteFunction_negative.json has "%s(apiVersionDeleteFunction" with no
closing parenthesis) is left as it is, as WSO2 leaves it.
"""

import csv
import json
import os
import re

from . import wso2_testdata_dir

PLACEHOLDER_RE = re.compile(r"%s\(([A-Za-z0-9_.\-]+)\)")

# Values that WSO2's suite takes from its environment rather than from
# amazonlambda.properties; tests must supply them.
TEST_SUPPLIED = ("accessKeyId", "secretAccessKey", "region", "blocking", "role")


def testdata_path(*parts):
    return os.path.join(wso2_testdata_dir(), *parts)


def load_properties(path=None):
    """amazonlambda.properties as a dict (Java .properties, simple form)."""
    path = path or testdata_path("amazonlambda.properties")
    props = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#!":
                continue
            m = re.match(r"([^=:\s]+)\s*[=:]\s*(.*)$", line)
            if m:
                props[m.group(1)] = m.group(2)
    return props


def request_files():
    """Names of all request files (e.g. 'invoke_optional.json'), sorted."""
    return sorted(n for n in os.listdir(testdata_path("restRequests")) if n.endswith(".json"))


def operation_of(request_file):
    """'invoke_optional.json' -> 'invoke'."""
    return request_file.split("_", 1)[0]


def expected_statuses():
    """{request file: (action, status on real AWS)} from EXPECTED.tsv."""
    out = {}
    with open(testdata_path("EXPECTED.tsv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            out[row["request"]] = (row["action"], int(row["status_on_real_aws"]))
    return out


def fill(text, values):
    """Replace every %s(name) with values[name]; unknown names raise KeyError."""
    def sub(m):
        name = m.group(1)
        if name not in values:
            raise KeyError("no value for placeholder %%s(%s)" % name)
        return values[name]
    return PLACEHOLDER_RE.sub(sub, text)


def placeholder_values(supplied, properties=None):
    """Properties overlaid with the test-supplied values (TEST_SUPPLIED)."""
    values = dict(load_properties() if properties is None else properties)
    missing = [k for k in TEST_SUPPLIED if k not in supplied]
    if missing:
        raise KeyError("test must supply: %s" % ", ".join(missing))
    values.update({k: str(v) for k, v in supplied.items()})
    return values


def load_request(request_file, values):
    """(filled JSON text, parsed dict) of one request file."""
    with open(testdata_path("restRequests", request_file), encoding="utf-8") as f:
        text = fill(f.read(), values)
    return text, json.loads(text)
