"""test_install_layout.py - `meson install` into a fresh prefix (DESTDIR)
gives a self-contained installation: the program runs without
LD_LIBRARY_PATH or any MEDIAC_* variable and finds its connector
descriptors and schemas under the prefix (never in the source tree: with
the installed descriptors removed, it fails instead of falling back);
libmediac has its soname; mediac.h, mediac.pc, the schemas, an example
deployment.toml, one man page per subcommand (rendered here with
`man -l`) and a hardened systemd unit (checked with `systemd-analyze
verify` where it exists)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import mc

PAGES = ["mediac", "mediac-run", "mediac-serve", "mediac-validate", "mediac-describe"]
HARDENING = ["NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
             "PrivateTmp=yes", "DynamicUser=yes", "CapabilityBoundingSet=",
             "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service",
             "MemoryDenyWriteExecute=yes", "ProtectKernelTunables=yes"]


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MEDIAC_") and k != "LD_LIBRARY_PATH"}
    env.update(extra)
    return env


class InstallLayoutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        if not os.path.exists(os.path.join(mc.BUILD, "build.ninja")):
            raise unittest.SkipTest("no meson build dir next to the binary")
        with open(os.path.join(mc.BUILD, "meson-info", "intro-buildoptions.json")) as f:
            cls.opts = {o["name"]: o["value"] for o in json.load(f)}
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dest = os.path.join(cls.tmp.name, "root")
        r = subprocess.run(["meson", "install", "-C", mc.BUILD, "--no-rebuild", "--quiet",
                            "--destdir", cls.dest], capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError(r.stdout + r.stderr)
        cls.prefix = cls.dest + cls.opts["prefix"]
        cls.bin = os.path.join(cls.prefix, cls.opts["bindir"], "mediac")
        cls.share = os.path.join(cls.prefix, cls.opts["datadir"], "mediac")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_installed(self, *args):
        # from a folder outside the source tree, with no MEDIAC_* variable
        return subprocess.run([self.bin] + list(args), capture_output=True, text=True,
                              env=clean_env(), cwd=self.tmp.name, timeout=60)

    def test_program_runs_and_finds_its_data(self):
        r = self.run_installed("version")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_installed("describe", "amazonlambda.invoke")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("functionName", r.stdout)
        r = self.run_installed("describe", "filter")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("<filter>", r.stdout)

    def test_data_never_from_the_source_tree(self):
        conn = os.path.join(self.share, "connector")
        moved = conn + ".away"
        os.rename(conn, moved)
        try:
            r = self.run_installed("describe", "amazonlambda")
            self.assertNotEqual(r.returncode, 0, r.stdout)
            self.assertNotIn(mc.ROOT, r.stderr)
        finally:
            os.rename(moved, conn)

    def test_library_header_pkgconfig_schemas(self):
        libdir = os.path.join(self.prefix, self.opts["libdir"])
        so = os.path.join(libdir, "libmediac.so.0")
        self.assertTrue(os.path.exists(so))
        if shutil.which("readelf"):
            r = subprocess.run(["readelf", "-d", so], capture_output=True, text=True)
            self.assertIn("Library soname: [libmediac.so.0]", r.stdout)
        self.assertTrue(os.path.exists(os.path.join(libdir, "pkgconfig", "mediac.pc")))
        self.assertTrue(os.path.exists(os.path.join(self.prefix, self.opts["includedir"],
                                                    "mediac.h")))
        for f in ["synapse.xsd", "mediac.xsd", "connector.xsd"]:
            self.assertTrue(os.path.exists(os.path.join(self.share, "schemas", f)), f)
        self.assertTrue(os.path.isdir(os.path.join(self.share, "connector", "amazonlambda")))
        self.assertTrue(os.path.exists(os.path.join(self.share, "examples", "deployment.toml")))
        self.assertFalse(os.path.exists(os.path.join(self.share, "schemas", "meson.build")))

    def test_example_deployment_toml_is_accepted(self):
        # the shipped example must pass the same checks as any file
        flows = os.path.join(self.tmp.name, "flows")
        os.makedirs(flows, exist_ok=True)
        r = self.run_installed("serve", "--config",
                               os.path.join(self.share, "examples", "deployment.toml"),
                               "--port", "70000", flows)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--port: needs a number <= 65535", r.stderr)

    def test_man_pages_render(self):
        if not shutil.which("man"):
            self.skipTest("man is not installed")
        mandir = os.path.join(self.prefix, self.opts["mandir"], "man1")
        for page in PAGES:
            path = os.path.join(mandir, page + ".1")
            self.assertTrue(os.path.exists(path), path)
            r = subprocess.run(["man", "-l", path], capture_output=True, text=True,
                               env=clean_env(MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr.strip(), "", page)
            self.assertIn("NAME", r.stdout)
            self.assertIn("SYNOPSIS", r.stdout)
            if page != "mediac":
                self.assertIn("EXAMPLES", r.stdout, page)
        serve = subprocess.run(["man", "-l", os.path.join(mandir, "mediac-serve.1")],
                               capture_output=True, text=True,
                               env=clean_env(MANWIDTH="200", MANPAGER="cat")).stdout
        self.assertIn("--workers N", serve)
        self.assertIn("server.workers", serve)

    def test_systemd_unit(self):
        unit = os.path.join(self.prefix, "lib", "systemd", "system", "mediac.service")
        with open(unit) as f:
            text = f.read()
        installed_bin = os.path.join(self.opts["prefix"], self.opts["bindir"], "mediac")
        self.assertIn("ExecStart=%s serve --config /etc/mediac/deployment.toml" % installed_bin,
                      text)
        self.assertIn("ExecReload=/bin/kill -HUP $MAINPID", text)
        for option in HARDENING:
            self.assertIn("\n" + option + "\n", text)
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed")
        # verify the unit as installed, pointing at the DESTDIR copy of the program
        local = os.path.join(self.tmp.name, "mediac.service")
        with open(local, "w") as f:
            f.write(text.replace(installed_bin, self.bin))
        env = clean_env(MANPATH=os.path.join(self.prefix, self.opts["mandir"]))
        r = subprocess.run(["systemd-analyze", "verify", local], capture_output=True,
                           text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stderr.strip(), "", r.stderr)


if __name__ == "__main__":
    unittest.main()
