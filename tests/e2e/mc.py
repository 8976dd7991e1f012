"""mc.py - helpers for end-to-end tests: where the mediac binary, the
source tree and the shared test data are, a runner for `mediac`, and a way
to stop a helper process the test started (by its PID, never by name)."""
import os
import subprocess
import unittest

ROOT = os.environ.get("MC_SOURCE_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.environ.get("MC_SHARED_DIR") or os.path.join(ROOT, "..", "shared")
BIN = os.environ.get("MEDIAC_BIN") or os.path.join(ROOT, "build", "src", "cli", "mediac")
# the build directory (samples, meson-info); MEDIAC_BUILD names it when
# MEDIAC_BIN is not BUILD/src/cli/mediac (a wrapper script, a copied binary)
BUILD = os.environ.get("MEDIAC_BUILD") or os.path.dirname(os.path.dirname(os.path.dirname(BIN)))
SAMPLES = os.path.join(ROOT, "samples")


def run(args, stdin=None, env=None, timeout=60):
    """Run mediac with args; returns CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    full_env.setdefault("MEDIAC_CONNECTOR_PATH", os.path.join(ROOT, "connector"))
    if env:
        full_env.update(env)
    return subprocess.run([BIN] + list(args), input=stdin, capture_output=True,
                          text=True, env=full_env, timeout=timeout)


def require_binary(test):
    if not os.path.exists(BIN):
        raise unittest.SkipTest("mediac binary not built: %s" % BIN)


def stop_process(proc, timeout=10):
    """SIGTERM a Popen the test started, SIGKILL it if it has not exited
    after timeout seconds; its exit code."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode
