"""test_validate.py - `mediac validate` and schemas/.

Drives the real binary (MEDIAC_BIN) over:
- corpus/: one broken flow per mistake the loader catches, each with
  NAME.expected = the exact text output (wording, file:line:col, severity,
  notes, summary line) and "exit N"; the same checked through --format json;
- samples/ and the WSO2 test proxy in ../shared: clean (the proxy's one
  sloppiness, eventSourceAccount, is a warning);
- the schemas: regenerating them changes nothing, and xmllint with
  schemas/mediac.xsd accepts a file exactly when `mediac validate --werror`
  does, over the samples, the WSO2 proxy and the corpus entries whose
  mistake XSD can express (SCHEMA_EXPRESSIBLE).
Run: python3 tests/validate/test_validate.py (meson registers it)."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("MC_SOURCE_ROOT") or os.path.abspath(os.path.join(HERE, "..", ".."))
SHARED = os.environ.get("MC_SHARED_DIR") or os.path.join(ROOT, "..", "shared")
BIN = os.environ.get("MEDIAC_BIN") or os.path.join(ROOT, "build", "src", "cli", "mediac")
CORPUS = os.path.join(HERE, "corpus")
SCHEMA = os.path.join(ROOT, "schemas", "mediac.xsd")
WSO2_PROXY = os.path.join(SHARED, "testdata", "wso2-amazonlambda", "amazonlambda-proxy.xml")

# Corpus entries whose mistake the schema expresses: xmllint must reject
# them too.  The others (expressions, regexes, references, duplicates,
# placeholders, URI templates, unreachable mediators, ...) are beyond XSD.
SCHEMA_EXPRESSIBLE = [
    "01-malformed-xml", "03-empty-document", "04-unknown-artifact",
    "05-wrong-namespace", "06-unknown-mediator-suggestion", "07-unknown-mediator",
    "08-unknown-attribute-suggestion", "09-unknown-attribute-property",
    "10-property-no-name", "11-property-unknown-scope", "12-property-unknown-type",
    "28-unknown-operation", "29-unknown-parameter", "30-missing-required-parameter",
    "31-memorysize-not-integer", "32-boolean-parameter", "34-api-context-slash",
    "35-unknown-http-method", "41-payload-media-type", "42-log-level",
    "44-header-scope", "45-configkey-empty", "47-unsupported-artifact",
    "48-endpoint-no-address", "50-variable-type", "51-call-bad-child",
    "53-parameter-twice", "76-template-without-sequence",
    "201-failover-no-children", "209-dblookup",
    "300-store-jms-class",
]

LINE = re.compile(r"^(.*):(\d+):(\d+): (error|warning|note): (.*)$")


def mediac(args, cwd=None):
    env = dict(os.environ)
    env.setdefault("MEDIAC_CONNECTOR_PATH", os.path.join(ROOT, "connector"))
    return subprocess.run([BIN] + list(args), capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


def corpus_names():
    return sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(CORPUS, "*.xml")))


def sample_files():
    return sorted(glob.glob(os.path.join(ROOT, "samples", "**", "*.xml"), recursive=True))


def xmllint_ok(path):
    r = subprocess.run(["xmllint", "--noout", "--schema", SCHEMA, path],
                       capture_output=True, text=True, timeout=60)
    return r.returncode == 0, r.stderr


class Corpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(BIN):
            raise unittest.SkipTest("mediac not built: %s" % BIN)

    def test_at_least_forty_broken_flows(self):
        names = corpus_names()
        self.assertGreaterEqual(len(names), 40)
        for n in names:
            self.assertTrue(os.path.exists(os.path.join(CORPUS, n + ".expected")), n)

    def test_exact_text_diagnostics(self):
        for n in corpus_names():
            with self.subTest(flow=n):
                with open(os.path.join(CORPUS, n + ".expected")) as f:
                    want = f.read()
                r = mediac(["validate", n + ".xml"], cwd=CORPUS)
                self.assertEqual(r.stdout + "exit %d\n" % r.returncode, want)
                # stderr only says what was loaded from where
                self.assertRegex(r.stderr, r"\Amediac: loaded \d+ artifacts? from %s\.xml \(file\)\n\Z"
                                 % re.escape(n))

    def test_every_flow_reports_something_at_a_position(self):
        for n in corpus_names():
            with self.subTest(flow=n):
                with open(os.path.join(CORPUS, n + ".expected")) as f:
                    lines = f.read().splitlines()
                diags = [LINE.match(x) for x in lines[:-2]]
                self.assertTrue(diags, n)
                for m in diags:
                    self.assertIsNotNone(m, lines)
                    self.assertEqual(m.group(1), n + ".xml")
                    self.assertGreaterEqual(int(m.group(2)), 1)
                    self.assertGreaterEqual(int(m.group(3)), 1)

    def test_each_path_on_its_own(self):
        # --each: every PATH a separate deployment, one JSON document a line;
        # two files defining the same sequence are no duplicate then
        names = ["20-unknown-sequence-key", "24-duplicate-sequence", "01-malformed-xml"]
        r = mediac(["validate", "--each"] + [n + ".xml" for n in names], cwd=CORPUS)
        docs = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual([d["path"] for d in docs], [n + ".xml" for n in names])
        self.assertEqual([(d["errors"], d["warnings"]) for d in docs], [(0, 1), (1, 0), (1, 0)])
        self.assertEqual(docs[0]["sources"], [{"path": names[0] + ".xml", "layout": "file",
                                               "artifacts": 2, "resources": 0}])
        self.assertEqual(r.returncode, 1)

    def test_json_matches_text(self):
        for n in corpus_names():
            with self.subTest(flow=n):
                text = mediac(["validate", n + ".xml"], cwd=CORPUS)
                r = mediac(["validate", "--format", "json", n + ".xml"], cwd=CORPUS)
                self.assertEqual(r.returncode, text.returncode)
                doc = json.loads(r.stdout)
                rebuilt = []
                for d in doc["diagnostics"]:
                    self.assertEqual(set(d) - {"suggestion", "notes"},
                                     {"file", "line", "column", "severity", "message"})
                    msg = d["message"]
                    if "suggestion" in d:
                        s = d["suggestion"]
                        q = "<%s>" % s if msg.startswith("unknown mediator") or \
                            msg.startswith("unknown artifact") else "'%s'" % s
                        msg += "; did you mean %s?" % q
                    rebuilt.append("%s:%d:%d: %s: %s" % (d["file"], d["line"], d["column"],
                                                         d["severity"], msg))
                    for note in d.get("notes", []):
                        rebuilt.append("%s:%d:%d: note: %s" % (note["file"], note["line"],
                                                               note["column"], note["message"]))
                lines = text.stdout.splitlines()
                self.assertEqual(rebuilt, lines[:-1])
                summary = "%d error%s, %d warning%s" % (
                    doc["errors"], "" if doc["errors"] == 1 else "s",
                    doc["warnings"], "" if doc["warnings"] == 1 else "s")
                self.assertEqual(summary, lines[-1])

    def test_json_suggestion_and_note(self):
        r = mediac(["validate", "--format", "json", "29-unknown-parameter.xml"], cwd=CORPUS)
        d = json.loads(r.stdout)["diagnostics"][0]
        self.assertEqual(d, {"file": "29-unknown-parameter.xml", "line": 3, "column": 5,
                             "severity": "warning",
                             "message": "unknown parameter 'functionNme' for amazonlambda.invoke",
                             "suggestion": "functionName"})
        r = mediac(["validate", "--format", "json", "24-duplicate-sequence.xml"], cwd=CORPUS)
        d = json.loads(r.stdout)["diagnostics"][0]
        self.assertEqual(d["notes"], [{"file": "24-duplicate-sequence.xml", "line": 2,
                                       "column": 3, "message": "previous definition is here"}])

    def test_werror(self):
        for n in ("37-unreachable-after-respond", "29-unknown-parameter", "47-unsupported-artifact"):
            with self.subTest(flow=n):
                self.assertEqual(mediac(["validate", n + ".xml"], cwd=CORPUS).returncode, 0)
                r = mediac(["validate", "--werror", n + ".xml"], cwd=CORPUS)
                self.assertEqual(r.returncode, 1)
                self.assertTrue(r.stdout.endswith("0 errors, 1 warning\n"), r.stdout)
        r = mediac(["validate", "--werror", "--format", "json",
                    "37-unreachable-after-respond.xml"], cwd=CORPUS)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(json.loads(r.stdout)["warnings"], 1)

    def test_whole_folder_at_once(self):
        r = mediac(["validate", "--format", "json", CORPUS])
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        files = {os.path.basename(d["file"]) for d in doc["diagnostics"]}
        # duplicates across the folder add diagnostics, never remove any
        self.assertEqual(files, {n + ".xml" for n in corpus_names()})

    def test_usage(self):
        self.assertEqual(mediac(["validate"]).returncode, 2)
        self.assertEqual(mediac(["validate", "--format", "yaml", "x.xml"]).returncode, 2)
        r = mediac(["validate", "--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("--werror", r.stdout)
        r = mediac(["validate", os.path.join(CORPUS, "no-such-file.xml")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("no such file or folder", r.stdout)


class Clean(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(BIN):
            raise unittest.SkipTest("mediac not built: %s" % BIN)

    def test_samples_validate_clean(self):
        files = sample_files()
        self.assertTrue(files)
        r = mediac(["validate"] + files)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(r.stdout, "0 errors, 0 warnings\n")
        # each sample folder on its own (references resolve within it)
        for d in sorted({os.path.dirname(f) for f in files}):
            with self.subTest(folder=d):
                self.assertEqual(mediac(["validate", "--werror", d]).returncode, 0)

    def test_wso2_proxy_validates_with_one_warning(self):
        if not os.path.exists(WSO2_PROXY):
            self.skipTest("no WSO2 test proxy in %s" % SHARED)
        r = mediac(["validate", "--format", "json", WSO2_PROXY])
        self.assertEqual(r.returncode, 0)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["errors"], 0)
        self.assertEqual([(d["line"], d["column"], d["message"]) for d in doc["diagnostics"]],
                         [(76, 25, "unknown parameter 'eventSourceAccount' for "
                                   "amazonlambda.addPermission")])


class Schemas(unittest.TestCase):
    def test_generated_schemas_are_current(self):
        r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen-connector-xsd"),
                            "--check"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_regenerating_is_reproducible(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(2):
                r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen-connector-xsd"),
                                    "--out", tmp], capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, 0, r.stderr)
            for rel in ["mediac.xsd"] + ["connectors/" + os.path.basename(p) for p in
                                         glob.glob(os.path.join(ROOT, "schemas", "connectors", "*.xsd"))]:
                with open(os.path.join(tmp, rel)) as a, open(os.path.join(ROOT, "schemas", rel)) as b:
                    self.assertEqual(a.read(), b.read(), rel)

    def test_connector_descriptors_match_connector_xsd(self):
        if not shutil.which("xmllint"):
            self.skipTest("xmllint not installed")
        files = sorted(glob.glob(os.path.join(ROOT, "connector", "*", "*.xml")) +
                       glob.glob(os.path.join(ROOT, "connector", "*", "operations", "*.xml")))
        r = subprocess.run(["xmllint", "--noout", "--schema",
                            os.path.join(ROOT, "schemas", "connector.xsd")] + files,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)


class XmllintAgrees(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("xmllint"):
            raise unittest.SkipTest("xmllint not installed")
        if not os.path.exists(BIN):
            raise unittest.SkipTest("mediac not built: %s" % BIN)

    def agree(self, path, context=None):
        """context: what mediac loads with path, for references to resolve"""
        ok, err = xmllint_ok(path)
        r = mediac(["validate", "--werror", context or path])
        self.assertEqual(ok, r.returncode == 0,
                         "%s: xmllint %s, mediac validate --werror exit %d\n%s%s"
                         % (path, "accepts" if ok else "rejects", r.returncode, err, r.stdout))
        return ok

    def test_samples(self):
        for f in sample_files():
            with self.subTest(sample=f):
                self.assertTrue(self.agree(f, os.path.dirname(f)))

    def test_wso2_proxy(self):
        if not os.path.exists(WSO2_PROXY):
            self.skipTest("no WSO2 test proxy in %s" % SHARED)
        # rejected by both in strict mode: the extra eventSourceAccount
        self.assertFalse(self.agree(WSO2_PROXY))
        ok, err = xmllint_ok(WSO2_PROXY)
        self.assertIn("eventSourceAccount", err)
        self.assertEqual(mediac(["validate", WSO2_PROXY]).returncode, 0)

    def test_schema_errors_in_corpus(self):
        names = corpus_names()
        for n in SCHEMA_EXPRESSIBLE:
            self.assertIn(n, names)
            with self.subTest(flow=n):
                self.assertFalse(self.agree(os.path.join(CORPUS, n + ".xml")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
