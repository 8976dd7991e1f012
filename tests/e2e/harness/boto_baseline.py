"""Baseline: each WSO2 request file performed with boto3 against an endpoint.

For every file in shared/testdata/wso2-amazonlambda/restRequests/ the same
Lambda call is made with boto3 (placeholders filled from
amazonlambda.properties plus the test-supplied accessKeyId, secretAccessKey,
region, blocking and role), and the HTTP status is recorded:

- a served answer: its status (ClientError's ResponseMetadata.HTTPStatusCode
  for an error);
- a boto3 client-side ParamValidationError (e.g. an empty required member
  such as FunctionName ""), or a value boto3 cannot convert (e.g. a
  non-numeric MaxItems): 400 and reached_server=False ("reached no server").

This gives, per request file, the status the emulator answers to a correct
client; the mediac run is later compared with it on the same emulator.

The WSO2 -> boto3 mapping below is written out by hand from the WSO2
templates and botocore's Lambda model, independently of the connector
descriptors in connector/amazonlambda/, so that it can check them.

Parameter handling, as the WSO2 connector does it: an empty value means the
parameter is not sent, except that an empty *required* member (required in
botocore's model) is passed to boto3 as "" so that its validation refuses
it. The apiVersion* parameters have no boto3 equivalent (botocore's model
fixes each URI) and are ignored; `blocking` is ignored too.

Run order (ORDER) and emulator setup (prepare_emulator):
- setup, on a fresh moto: an IAM role Lambda may assume (its ARN is the
  test-supplied `role`), the S3 bucket `s3Bucket` with object `s3Key`
  holding an in-memory function zip (so the WSO2 request files work
  unchanged), and layer `layerName` published until it has version
  `layerVersionNumber` (1);
- getAccountSettings first (needs nothing), then createFunction (mandatory,
  optional), then everything that reads or changes those functions:
  getFunction, getFunctionConfiguration, invoke, listFunctions,
  addPermission before removePermission, createAlias before getAlias /
  updateAlias / deleteAlias, addLayerVersionPermission before
  removeLayerVersionPermission, then deleteFunction;
- within an operation: mandatory, optional, negative;
- createFunction_negative runs LAST: moto 5.2.1 answers it (Code without
  S3Bucket) with 500 and leaves a half-created function behind that makes
  every later ListFunctions answer 500. Run last, on a name that
  deleteFunction_mandatory has just removed, its only defect is the
  missing bucket, as on AWS.

Run as a script (python3 -m harness.boto_baseline from tests/e2e) to start
moto and the signature-checking proxy and print the table.
"""

import base64
import io
import json
import os
import sys
import zipfile
from dataclasses import dataclass, field
from typing import Optional

from . import wso2_testdata

# operation -> (boto3 method, [(WSO2 parameter, boto3 member path, kind)])
# kind: str | int | bool | json | list | b64blob | bytes
OPERATIONS = {
    "addLayerVersionPermission": ("add_layer_version_permission", [
        ("layerName", "LayerName", "str"),
        ("layerVersionNumber", "VersionNumber", "int"),
        ("layerStatementId", "StatementId", "str"),
        ("layerAction", "Action", "str"),
        ("layerPrincipal", "Principal", "str"),
        ("layerOrganizationId", "OrganizationId", "str"),
        ("layerRevisionId", "RevisionId", "str"),
    ]),
    "addPermission": ("add_permission", [
        ("functionName", "FunctionName", "str"),
        ("permissionQualifier", "Qualifier", "str"),
        ("permissionAction", "Action", "str"),
        ("permissionStatementId", "StatementId", "str"),
        ("permissionPrincipal", "Principal", "str"),
        ("eventSourceToken", "EventSourceToken", "str"),
        ("permissionRevisionId", "RevisionId", "str"),
        ("sourceAccount", "SourceAccount", "str"),
        ("sourceArn", "SourceArn", "str"),
    ]),
    "createAlias": ("create_alias", [
        ("functionName", "FunctionName", "str"),
        ("aliasName", "Name", "str"),
        ("functionVersion", "FunctionVersion", "str"),
        ("createAliasDescription", "Description", "str"),
        ("aliasAdditionalVersionWeights", "RoutingConfig.AdditionalVersionWeights", "json"),
    ]),
    "createFunction": ("create_function", [
        ("functionName", "FunctionName", "str"),
        ("functionDescription", "Description", "str"),
        ("handler", "Handler", "str"),
        ("role", "Role", "str"),
        ("runtime", "Runtime", "str"),
        ("s3Bucket", "Code.S3Bucket", "str"),
        ("s3Key", "Code.S3Key", "str"),
        ("s3ObjectVersion", "Code.S3ObjectVersion", "str"),
        ("zipFile", "Code.ZipFile", "b64blob"),
        ("memorySize", "MemorySize", "int"),
        ("timeout", "Timeout", "int"),
        ("publish", "Publish", "bool"),
        ("environmentVariables", "Environment.Variables", "json"),
        ("layers", "Layers", "list"),
        ("tags", "Tags", "json"),
        ("kmsKeyArn", "KMSKeyArn", "str"),
        ("securityGroupIds", "VpcConfig.SecurityGroupIds", "list"),
        ("subnetIds", "VpcConfig.SubnetIds", "list"),
        ("targetArn", "DeadLetterConfig.TargetArn", "str"),
        ("mode", "TracingConfig.Mode", "str"),
    ]),
    "deleteAlias": ("delete_alias", [
        ("functionName", "FunctionName", "str"),
        ("aliasName", "Name", "str"),
    ]),
    "deleteFunction": ("delete_function", [
        ("functionName", "FunctionName", "str"),
        ("deleteFunctionQualifier", "Qualifier", "str"),
    ]),
    "getAccountSettings": ("get_account_settings", []),
    "getAlias": ("get_alias", [
        ("functionName", "FunctionName", "str"),
        ("aliasName", "Name", "str"),
    ]),
    "getFunction": ("get_function", [
        ("functionName", "FunctionName", "str"),
        ("qualifier", "Qualifier", "str"),
    ]),
    "getFunctionConfiguration": ("get_function_configuration", [
        ("functionName", "FunctionName", "str"),
        ("qualifier", "Qualifier", "str"),
    ]),
    "invoke": ("invoke", [
        ("functionName", "FunctionName", "str"),
        ("qualifier", "Qualifier", "str"),
        ("x-amz-invocation-type", "InvocationType", "str"),
        ("x-amz-log-type", "LogType", "str"),
        ("x-amz-client-context", "ClientContext", "str"),
        ("payload", "Payload", "bytes"),
    ]),
    "listFunctions": ("list_functions", [
        ("functionVersionToBeListed", "FunctionVersion", "str"),
        ("marker", "Marker", "str"),
        ("masterRegion", "MasterRegion", "str"),
        ("maxItems", "MaxItems", "int"),
    ]),
    "removeLayerVersionPermission": ("remove_layer_version_permission", [
        ("layerName", "LayerName", "str"),
        ("layerVersionNumber", "VersionNumber", "int"),
        ("layerStatementId", "StatementId", "str"),
        ("layerRevisionId", "RevisionId", "str"),
    ]),
    "removePermission": ("remove_permission", [
        ("functionName", "FunctionName", "str"),
        ("permissionStatementId", "StatementId", "str"),
        ("permissionQualifier", "Qualifier", "str"),
        ("permissionRevisionId", "RevisionId", "str"),
    ]),
    "updateAlias": ("update_alias", [
        ("functionName", "FunctionName", "str"),
        ("aliasName", "Name", "str"),
        ("functionVersion", "FunctionVersion", "str"),
        ("updatedAliasDescription", "Description", "str"),
        ("aliasRevisionId", "RevisionId", "str"),
        ("updatedAliasAdditionalVersionWeights", "RoutingConfig.AdditionalVersionWeights",
         "json"),
    ]),
}

_CASES = ("mandatory", "optional", "negative")
_OP_ORDER = (
    "getAccountSettings", "createFunction", "getFunction", "getFunctionConfiguration",
    "invoke", "listFunctions", "addPermission", "removePermission", "createAlias",
    "getAlias", "updateAlias", "deleteAlias", "addLayerVersionPermission",
    "removeLayerVersionPermission", "deleteFunction",
)
ORDER = [("%s_%s.json" % (op, case)) for op in _OP_ORDER for case in _CASES
         if (op, case) != ("createFunction", "negative")] + ["createFunction_negative.json"]

# Why moto's answer differs from real AWS, per request file (for the table).
NOTES = {
    "getAccountSettings_mandatory.json": "moto has no GetAccountSettings; the stand-in answers 200",
    "getAccountSettings_optional.json": "as mandatory (not in EXPECTED.tsv)",
    "getAccountSettings_negative.json": "same request as mandatory; stand-in 200",
    "getFunction_negative.json":
        "FunctionName \"\": boto3 refuses it; WSO2 sent GET /2015-03-31/functions/ "
        "(= ListFunctions), hence 200 on AWS",
    "getFunctionConfiguration_negative.json":
        "FunctionName \"\": boto3 refuses it; WSO2 sent an empty path segment and AWS answered 403",
    "invoke_mandatory.json": "moto's no-Docker invoke answers a fixed text for an empty payload",
    "invoke_negative.json":
        "FunctionName \"\": boto3 refuses it; WSO2 sent an empty path segment and AWS answered 403",
    "listFunctions_negative.json":
        "MasterRegion without FunctionVersion=ALL: AWS refuses (400), moto does not check",
    "addPermission_mandatory.json": "moto answers 200 instead of 201",
    "addPermission_optional.json": "moto answers 200 instead of 201",
    "addPermission_negative.json":
        "FunctionName \"\": boto3 refuses it; WSO2 sent an empty path segment and AWS answered 403",
    "removePermission_negative.json":
        "StatementId \"\": boto3 refuses it; WSO2 sent an empty last path segment and AWS answered 403",
    "createAlias_negative.json": "Name \"\": boto3 refuses it, AWS's validation too",
    "getAlias_mandatory.json": "moto answers 201 instead of 200",
    "getAlias_optional.json": "moto answers 201 instead of 200",
    "getAlias_negative.json":
        "FunctionName \"\": boto3 refuses it; WSO2 sent an empty path segment and AWS answered 403",
    "updateAlias_mandatory.json": "moto answers 201 instead of 200",
    "updateAlias_optional.json": "moto answers 201 instead of 200",
    "updateAlias_negative.json":
        "Name \"\": boto3 refuses it; WSO2 sent an empty last path segment and AWS answered 403",
    "deleteAlias_mandatory.json": "moto answers 201 instead of 204",
    "deleteAlias_optional.json": "moto answers 201 instead of 204",
    "deleteAlias_negative.json":
        "Name \"\": boto3 refuses it; WSO2 sent an empty last path segment and AWS answered 403",
    "addLayerVersionPermission_mandatory.json": "moto answers 200 instead of 201",
    "addLayerVersionPermission_optional.json": "moto answers 200 instead of 201",
    "addLayerVersionPermission_negative.json":
        "LayerName \"\": boto3 refuses it; WSO2 sent an empty path segment and AWS answered 403",
    "removeLayerVersionPermission_negative.json":
        "LayerName \"\": boto3 refuses it; WSO2 sent an empty path segment and AWS answered 403",
    "deleteFunction_negative.json":
        "FunctionName \"\" (and an unfilled apiVersion placeholder): boto3 refuses it; "
        "AWS answered WSO2's malformed path with 403",
    "createFunction_negative.json":
        "Code without S3Bucket: AWS 400; moto 5.2.1 crashes (500) and leaves a broken "
        "function behind, hence run last",
}


class ClientSideError(Exception):
    """A value boto3 would not send (counted as 400, reached no server)."""


@dataclass
class BaselineResult:
    request_file: str
    operation: str
    status: int
    reached_server: bool
    error_code: str = ""
    message: str = ""
    aws_status: Optional[int] = None
    kwargs: dict = field(default_factory=dict)

    @property
    def note(self):
        return NOTES.get(self.request_file, "")


def function_zip(handler="mdhandler"):
    """An in-memory deployment package: index.py whose handler echoes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("index.py", "def %s(event, context):\n    return event\n" % handler)
    return buf.getvalue()


def prepare_emulator(moto, properties=None, region="us-east-1"):
    """Set up a fresh moto so the WSO2 request files work unchanged.
    Returns the role ARN to supply as `role`."""
    props = wso2_testdata.load_properties() if properties is None else properties
    role = moto.create_role(region=region)
    package = function_zip(props.get("handler", "mdhandler"))
    s3 = moto.client("s3", region=region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=props["s3Bucket"])
    else:
        s3.create_bucket(Bucket=props["s3Bucket"],
                         CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_object(Bucket=props["s3Bucket"], Key=props["s3Key"], Body=package)
    lam = moto.client("lambda", region=region)
    want = int(props["layerVersionNumber"])
    version = 0
    while version < want:
        version = lam.publish_layer_version(
            LayerName=props["layerName"], Content={"ZipFile": package},
            CompatibleRuntimes=[props.get("runtime", "python3.7")])["Version"]
    return role


def _convert(kind, value):
    try:
        if kind == "str":
            return value
        if kind == "int":
            return int(value.strip())
        if kind == "bool":
            low = value.strip().lower()
            if low not in ("true", "false"):
                raise ValueError("not a boolean: %r" % value)
            return low == "true"
        if kind == "json":
            return json.loads(value)
        if kind == "list":
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [p.strip() for p in text.split(",") if p.strip()]
        if kind == "b64blob":
            return base64.b64decode(value, validate=True)
        if kind == "bytes":
            return value.encode("utf-8")
    except (ValueError, TypeError) as e:
        raise ClientSideError("%s value %r: %s" % (kind, value, e)) from e
    raise AssertionError("unknown kind %s" % kind)


def _required_members(client, method):
    op_name = client.meta.method_to_api_mapping[method]
    shape = client.meta.service_model.operation_model(op_name).input_shape
    return set(shape.required_members) if shape is not None else set()


def build_kwargs(client, operation, params):
    """boto3 keyword arguments for one WSO2 operation's parameter dict."""
    method, mapping = OPERATIONS[operation]
    required = _required_members(client, method)
    kwargs = {}
    for wso2_name, member_path, kind in mapping:
        if wso2_name not in params:
            continue
        value = params[wso2_name]
        if value == "":
            if "." in member_path or member_path not in required:
                continue                         # empty: not sent (as WSO2)
            kwargs[member_path] = ""             # boto3 validation refuses it
            continue
        value = _convert(kind, value)
        target = kwargs
        parts = member_path.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return method, kwargs


def make_client(endpoint_url, access_key, secret_key, region):
    import boto3
    from botocore.config import Config
    return boto3.client(
        "lambda", endpoint_url=endpoint_url, region_name=region,
        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=10,
                      read_timeout=60))


def run_one(endpoint_url, request_file, values, expected=None):
    """Perform one request file with boto3; return a BaselineResult."""
    from botocore.exceptions import ClientError, ParamValidationError
    expected = wso2_testdata.expected_statuses() if expected is None else expected
    # EXPECTED.tsv names each file's operation; a file it lacks
    # (getAccountSettings_optional.json) by its name's prefix.
    operation, aws_status = expected.get(
        request_file, (wso2_testdata.operation_of(request_file), None))
    _, params = wso2_testdata.load_request(request_file, values)
    client = make_client(endpoint_url, params.get("accessKeyId", values["accessKeyId"]),
                         params.get("secretAccessKey", values["secretAccessKey"]),
                         params.get("region", values["region"]))
    result = BaselineResult(request_file, operation, 0, False, aws_status=aws_status)
    try:
        method, kwargs = build_kwargs(client, operation, params)
        result.kwargs = kwargs
        response = getattr(client, method)(**kwargs)
        result.status = response["ResponseMetadata"]["HTTPStatusCode"]
        result.reached_server = True
        if "Payload" in response:
            response["Payload"].read()
    except ParamValidationError as e:
        result.status, result.error_code, result.message = 400, "ParamValidationError", str(e)
    except ClientSideError as e:
        result.status, result.error_code, result.message = 400, "ClientSideError", str(e)
    except ClientError as e:
        result.status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        result.reached_server = True
        result.error_code = e.response.get("Error", {}).get("Code", "")
        result.message = e.response.get("Error", {}).get("Message", "")
    return result


def ordered_files(files=None):
    """The request files in run order (ORDER first, any others after)."""
    files = wso2_testdata.request_files() if files is None else list(files)
    ranked = [f for f in ORDER if f in files]
    return ranked + sorted(f for f in files if f not in ORDER)


def run_baseline(endpoint_url, supplied, files=None, endpoint_overrides=None):
    """Run every request file (in ORDER) against endpoint_url.

    supplied: accessKeyId, secretAccessKey, region, blocking, role.
    endpoint_overrides: {operation: url} to send some operations elsewhere
    (e.g. getAccountSettings to the stand-in). Returns [BaselineResult]."""
    values = wso2_testdata.placeholder_values(supplied)
    expected = wso2_testdata.expected_statuses()
    overrides = endpoint_overrides or {}
    results = []
    for request_file in ordered_files(files):
        op = expected.get(request_file, (wso2_testdata.operation_of(request_file),))[0]
        results.append(run_one(overrides.get(op, endpoint_url), request_file, values, expected))
    return results


def format_table(results, moto_column="moto via boto3"):
    """A Markdown table: operation, file, status here, status on real AWS."""
    lines = ["| operation | request file | %s | real AWS (EXPECTED.tsv) | note |" % moto_column,
             "|---|---|---|---|---|"]
    for r in results:
        here = str(r.status) + ("" if r.reached_server else " (reached no server)")
        aws = "-" if r.aws_status is None else str(r.aws_status)
        lines.append("| %s | %s | %s | %s | %s |" % (r.operation, r.request_file, here, aws,
                                                      r.note))
    return "\n".join(lines)


ACCESS_KEY = "AKIDMEDIACE2E"
SECRET_KEY = "mediac-e2e-secret-key"


def main(argv=None):
    """Start moto + the checking proxy, set up, run, print the table."""
    from .moto_server import MotoServer
    from .sigcheck_proxy import SigCheckProxy
    with MotoServer() as moto:
        role = prepare_emulator(moto)
        with SigCheckProxy(moto.url, {ACCESS_KEY: SECRET_KEY}) as proxy:
            supplied = {"accessKeyId": ACCESS_KEY, "secretAccessKey": SECRET_KEY,
                        "region": "us-east-1", "blocking": "false", "role": role}
            results = run_baseline(proxy.url, supplied)
            rejected = [r for r in proxy.records if not r.signature_ok]
    print(format_table(results))
    if rejected:
        print("\nproxy rejected %d boto3 request(s)!" % len(rejected), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
