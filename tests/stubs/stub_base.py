"""stub_base.py - what the provider stubs share: replies and body reading for a
BaseHTTPRequestHandler, and binding a port and handing it to scripts/stack.sh.

Each stub is run as a script from this directory (python3 tests/stubs/<name>.py), so
Python finds this module next to it without any path set up.
"""
import http.server
import json
import os


class StubHandler(http.server.BaseHTTPRequestHandler):
    """A request handler with the reply helpers every stub uses."""

    protocol_version = "HTTP/1.1"

    def reply(self, status, body=b"", ctype="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def reply_json(self, status, obj):
        self.reply(status, json.dumps(obj).encode())

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""


def write_port_file(path, port):
    """Publishes the bound port; written aside and renamed, so stack.sh, which polls for
    a non-empty file, never reads half of it."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, path)


def serve(handler, listen="127.0.0.1:0", port_file=None):
    """Serves handler on listen ("HOST:PORT"; port 0 picks a free one), writing the port
    to port_file when given, until the process is stopped."""
    host, _, port = listen.rpartition(":")
    server = http.server.ThreadingHTTPServer((host or "127.0.0.1", int(port)), handler)
    if port_file:
        write_port_file(port_file, server.server_address[1])
    server.serve_forever()
