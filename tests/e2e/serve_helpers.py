"""serve_helpers.py - helpers for the `mediac serve` end-to-end tests: start
the server on free loopback ports (from a folder, or from one flows.xml
text) and stop it by PID, checking it exited cleanly, a small HTTP client,
a slow local upstream (a threaded stdlib server answering after a
delay), and a TLS upstream answering one JSON document."""
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse

import mc

LISTEN_RE = re.compile(r"listening on [0-9.]+:(\d+) admin [0-9.]+:(\d+)")


def port_free(port):
    """True when nothing listens on 127.0.0.1:port (for tests of fixed ports)."""
    import socket
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_for(cond, what, seconds=30):
    """Poll cond until it is true; fail naming what was awaited after
    `seconds` (a deadline, never a measured duration)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def wait_listening(proc, log_path, timeout=20):
    """The log text once `mediac serve` wrote its listening line (or exited)."""
    deadline = time.time() + timeout
    text = ""
    while time.time() < deadline and "listening" not in text and proc.poll() is None:
        time.sleep(0.05)
        with open(log_path) as f:
            text = f.read()
    return text


class Server:
    """A running `mediac serve`; stderr goes to a file (log())."""

    def __init__(self, paths, *flags, env=None, cwd=None):
        self.logf = tempfile.NamedTemporaryFile(prefix="mediac-serve-", suffix=".log",
                                                delete=False)
        full_env = dict(os.environ)
        full_env.setdefault("MEDIAC_CONNECTOR_PATH", os.path.join(mc.ROOT, "connector"))
        if env:
            full_env.update(env)
        args = [mc.BIN, "serve", "--port", "0", "--admin-port", "0"] + list(flags) + list(paths)
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.logf,
                                     env=full_env, cwd=cwd)
        self.port = self.admin_port = None
        deadline = time.time() + 20
        while time.time() < deadline:
            m = LISTEN_RE.search(self.log())
            if m:
                self.port, self.admin_port = int(m.group(1)), int(m.group(2))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        log = self.log()
        self.close()
        raise AssertionError("mediac serve did not start:\n" + log)

    def log(self):
        with open(self.logf.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def threads(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
        return -1

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=30):
        """SIGTERM, wait; SIGKILL on timeout.  Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def finish(self, what="mediac serve"):
        """stop() and close(); fails when the server did not exit 0 after
        SIGTERM (ASan and LeakSanitizer report with their own exit code)."""
        rc = self.stop()
        log = self.log()
        self.close()
        if rc != 0:
            raise AssertionError("%s exited %r after SIGTERM:\n%s" % (what, rc, log))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        self.kill()
        self.logf.close()
        try:
            os.unlink(self.logf.name)
        except OSError:
            pass

    def request(self, method, path, body=None, headers=None, admin=False, timeout=30):
        return request(self.admin_port if admin else self.port, method, path, body,
                       headers, timeout)


class FlowsServer(Server):
    """`mediac serve` of one flows.xml text written to a fresh folder
    (self.dir), which finish() removes."""

    def __init__(self, text, *flags, prefix="mediac-flows-", **kw):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        with open(os.path.join(self.dir, "flows.xml"), "w") as f:
            f.write(text)
        try:
            super().__init__([self.dir], *flags, **kw)
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    def finish(self, what="mediac serve"):
        try:
            super().finish(what)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body)


def request(port, method, path, body=None, headers=None, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode()
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return Reply(r.status, r.getheaders(), r.read())
    finally:
        c.close()


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        with self.server.lock:
            self.server.in_flight += 1
            self.server.max_in_flight = max(self.server.max_in_flight, self.server.in_flight)
            self.server.arrived.notify_all()
            if self.server.hold_until:   # wait for the others (at most 20 s)
                self.server.arrived.wait_for(
                    lambda: self.server.in_flight >= self.server.hold_until, timeout=20)
        time.sleep(int(q.get("ms", [self.server.delay_ms])[0]) / 1000.0)
        with self.server.lock:
            self.server.in_flight -= 1
            self.server.count += 1
        body = json.dumps({"upstream": True, "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Upstream", "slow")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


class SlowUpstream(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """Answers every request after delay_ms (or ?ms=N), one thread each."""
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, delay_ms=200):
        super().__init__(("127.0.0.1", 0), _SlowHandler)
        self.delay_ms = delay_ms
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.count = 0
        self.in_flight = 0       # requests being answered right now
        self.max_in_flight = 0   # the most at once: how concurrent the caller was
        # > 0: every request is held until this many are in flight (or 20 s
        # pass), so a test of concurrency does not depend on timing
        self.hold_until = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def handle_error(self, request, client_address):
        pass  # a client that gave up (504, drain cut-off) is expected here

    @property
    def port(self):
        return self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()


def make_cert(folder, name):
    """A self-signed certificate for 127.0.0.1 (CN and IP SAN), valid for a
    day, made in folder with the openssl command: (certificate, key) PEM
    paths."""
    key, cert = os.path.join(folder, name + "-key.pem"), os.path.join(folder, name + "-cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


class TlsJsonUpstream:
    """A threaded HTTPS server on 127.0.0.1 answering every POST with 200 and
    `answer` as JSON; its certificate (self-signed, CN and IP SAN 127.0.0.1)
    is made in `folder` with the openssl command (`cert` is its path)."""

    def __init__(self, folder, answer):
        self.cert, key = make_cert(folder, "tls")
        body = json.dumps(answer).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def port(self):
        return self.httpd.server_address[1]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
