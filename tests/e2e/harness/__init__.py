"""End-to-end test harness for mediac's Amazon Lambda connector.

Helpers that later tests use to check mediac against the moto Lambda emulator:

- moto_server:    start/stop `python3 -m moto.server` on a free loopback port.
- sigcheck_proxy: a loopback HTTP proxy that re-verifies every SigV4
                  signature with botocore's signer before forwarding to moto.
- lambda_standin: a FAKE Lambda endpoint for what moto 5.2.1 cannot do
                  (GetAccountSettings, invoke with array/scalar payloads, 404
                  for an unknown function).
- wso2_testdata:  the WSO2 connector's request files, properties and the
                  status codes its suite saw on real AWS (read from shared/).
- boto_baseline:  the same calls made with boto3, giving the status the
                  emulator answers for each WSO2 request file.

Only the Python standard library plus boto3/botocore/moto are used.
"""

import os

HARNESS_DIR = os.path.dirname(os.path.abspath(__file__))
E2E_DIR = os.path.dirname(HARNESS_DIR)
REPO_ROOT = os.path.dirname(os.path.dirname(E2E_DIR))


def shared_dir():
    """The project's shared/ folder: $MC_SHARED_DIR, else <repo>/../shared."""
    env = os.environ.get("MC_SHARED_DIR")
    if env:
        return os.path.abspath(env)
    return os.path.abspath(os.path.join(REPO_ROOT, "..", "shared"))


def wso2_testdata_dir():
    """shared/testdata/wso2-amazonlambda (read-only, never copied here)."""
    return os.path.join(shared_dir(), "testdata", "wso2-amazonlambda")


def connector_dir(name="amazonlambda"):
    """connector/<name>/ in this repository ($MEDIAC_CONNECTOR_PATH wins)."""
    base = os.environ.get("MEDIAC_CONNECTOR_PATH") or os.path.join(REPO_ROOT, "connector")
    return os.path.join(base, name)
