"""recording_upstream.py - a named local upstream for end-to-end tests: a
threaded stdlib HTTP server on 127.0.0.1 (free port) that answers 200
{"name": NAME, "path": PATH} (<r><name>NAME</name><path>PATH</path></r> as
application/xml for a path with "xml" in it), records every request
(method, path, headers, body) and delays its answer by ?ms=N.  Started and
stopped by the test."""
import http.server
import json
import socketserver
import threading
import time


class LocalServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """A threaded HTTP server on 127.0.0.1 (free port) serving HANDLER from
    a thread of its own; `seen` and `lock` for what the handler records."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.seen = []
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def handle_error(self, request, client_address):
        pass

    @property
    def port(self):
        return self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()


class Recorder(LocalServer):
    """Answers 200 {"name": NAME, "path": PATH} and records each request;
    ?ms=N delays the answer."""

    def __init__(self, name):
        self.name = name
        super().__init__(_Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        with self.server.lock:
            self.server.seen.append((self.command, self.path, dict(self.headers), body))
        if "ms=" in self.path:
            time.sleep(int(self.path.split("ms=")[1].split("&")[0]) / 1000.0)
        ctype = "application/json"
        out = json.dumps({"name": self.server.name, "path": self.path}).encode()
        if "xml" in self.path:
            ctype = "application/xml"
            out = ("<r><name>%s</name><path>%s</path></r>" % (self.server.name, self.path)).encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

    def log_message(self, *args):
        pass
