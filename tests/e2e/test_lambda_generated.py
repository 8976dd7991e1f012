"""test_lambda_generated.py - the committed amazonlambda descriptors
(connector/amazonlambda/operations/*.xml, shapes.xml) and the operations
table of docs/amazonlambda.md are what scripts/gen-lambda-connector makes
from the installed botocore's Lambda model; a hand edit or a model update
without regenerating fails here.  Also: the generator notices a changed
model (it is given a copy with one operation renamed)."""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import mc

GEN = os.path.join(mc.ROOT, "scripts", "gen-lambda-connector")


def model_dir():
    import botocore
    return os.path.join(os.path.dirname(botocore.__file__), "data", "lambda", "2015-03-31")


class GeneratedDescriptorsTest(unittest.TestCase):

    def test_committed_files_are_current(self):
        r = subprocess.run([sys.executable, GEN, "--check"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_changed_model_is_noticed(self):
        tmp = tempfile.mkdtemp(prefix="mediac-gen-")
        try:
            src = model_dir()
            for name in ("service-2.json", "paginators-1.json"):
                path = os.path.join(src, name)
                if os.path.exists(path):
                    with open(path, encoding="utf-8") as f:
                        data = json.load(f)
                else:
                    with gzip.open(path + ".gz", "rt", encoding="utf-8") as f:
                        data = json.load(f)
                if name == "service-2.json":
                    op = data["operations"]["PublishVersion"]
                    op["http"]["requestUri"] += "/changed"
                with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                    json.dump(data, f)
            r = subprocess.run([sys.executable, GEN, "--check", "--model-dir", tmp],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            stale = r.stderr.split("out of date: ")[1].split(" (run")[0].split(", ")
            self.assertEqual(sorted(stale), ["connector/amazonlambda/operations/publishVersion.xml",
                                             "docs/amazonlambda.md"])
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
