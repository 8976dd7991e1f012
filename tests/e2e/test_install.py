"""The installed library is usable by a host: `meson install` into a
temporary prefix, then build samples/embed/host.c with nothing but
`pkg-config mediac` and run it."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import mc


class InstallTest(unittest.TestCase):
    def test_host_builds_against_installed_pkgconfig(self):
        mc.require_binary(self)
        if not os.path.exists(os.path.join(mc.BUILD, "build.ninja")):
            self.skipTest("no meson build dir next to the binary")
        with open(os.path.join(mc.BUILD, "meson-info", "intro-buildoptions.json")) as f:
            opts = {o["name"]: o["value"] for o in json.load(f)}
        if opts.get("b_sanitize", "none") != "none":
            self.skipTest("sanitizer build: hosts would need the same -fsanitize flags")
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc or not shutil.which("pkg-config"):
            self.skipTest("no C compiler or pkg-config")
        with tempfile.TemporaryDirectory() as d:
            dest = os.path.join(d, "root")
            r = subprocess.run(["meson", "install", "-C", mc.BUILD, "--no-rebuild", "--quiet",
                                "--destdir", dest], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            root = dest + opts["prefix"]
            libdir = os.path.join(root, opts["libdir"])
            pcdir = os.path.join(libdir, "pkgconfig")
            self.assertTrue(os.path.exists(os.path.join(pcdir, "mediac.pc")))
            self.assertTrue(os.path.exists(os.path.join(root, opts["includedir"], "mediac.h")))
            env = dict(os.environ, PKG_CONFIG_PATH=pcdir,
                       PKG_CONFIG_SYSROOT_DIR=dest)
            flags = subprocess.run(["pkg-config", "--cflags", "--libs", "mediac"],
                                   capture_output=True, text=True, env=env)
            self.assertEqual(flags.returncode, 0, flags.stderr)
            host = os.path.join(d, "host")
            r = subprocess.run([cc, "-o", host, os.path.join(mc.SAMPLES, "embed", "host.c"),
                                "-pthread"] + flags.stdout.split(),
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = subprocess.run([host, "3"], capture_output=True, text=True,
                               env=dict(os.environ, LD_LIBRARY_PATH=libdir), timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(len(r.stdout.splitlines()), 3)
            self.assertIn('"stamp": "from thread-0"', r.stdout.replace('":"', '": "'))


if __name__ == "__main__":
    unittest.main()
