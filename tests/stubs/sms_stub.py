#!/usr/bin/python3
"""sms_stub.py - a local stand-in for the HTTP SMS provider of the notification service
(services/notification/sms.h describes the API):

    POST /v1/messages   Authorization: Bearer <key>   Idempotency-Key: <key>
                        {"to": "+977...", "from": "...", "text": "...", "reference": "..."}
        201 {"id": "sms_<n>", "status": "queued"}  a new message, written to DIR
        200 the first answer again                  the same Idempotency-Key again (a replay:
                                                    nothing new is sent, as real providers do)
        401 wrong or missing key, 400 malformed JSON, 422 a number or text that is not valid
    GET /v1/messages    every accepted message, oldest first (for tests)

Each accepted message is written to DIR/sms-<n>.json (via a temporary name and a rename,
so a reader never sees half a file). With --fail-first N the first N POSTs get a 503, to
exercise the sender's retries.

Usage: sms_stub.py (--listen HOST:PORT | --port-file FILE) --dir DIR [--api-key KEY]
                   [--fail-first N] [--pid-file FILE]
With --port-file it listens on a free port of 127.0.0.1 and writes the port to FILE once
it accepts. SIGTERM stops it.
"""

import argparse
import http.server
import json
import os
import re
import signal
import sys
import threading

PHONE_RE = re.compile(r"^\+?[0-9]{7,15}$")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None
    lock = threading.Lock()
    by_key = {}
    messages = []
    failures_left = 0

    def log_message(self, fmt, *a):
        sys.stderr.write("sms-stub: " + (fmt % a) + "\n")

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.split("?")[0] != "/v1/messages":
            return self.reply(404, {"error": "not found"})
        with self.lock:
            return self.reply(200, {"items": list(self.messages)})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if self.path != "/v1/messages":
            return self.reply(404, {"error": "not found"})
        key = self.args.api_key
        if key and self.headers.get("Authorization") != "Bearer " + key:
            return self.reply(401, {"error": "bad credentials"})
        try:
            body = json.loads(raw)
        except ValueError:
            return self.reply(400, {"error": "malformed JSON"})
        if not isinstance(body, dict):
            return self.reply(400, {"error": "not an object"})
        to, text = body.get("to"), body.get("text")
        if not isinstance(to, str) or not PHONE_RE.match(to):
            return self.reply(422, {"error": "invalid number"})
        if not isinstance(text, str) or not text or len(text) > 1600:
            return self.reply(422, {"error": "invalid text"})
        idem = self.headers.get("Idempotency-Key")
        with self.lock:
            if Handler.failures_left > 0:
                Handler.failures_left -= 1
                return self.reply(503, {"error": "try again"})
            if idem and idem in self.by_key:
                return self.reply(200, self.by_key[idem])
            n = len(self.messages) + 1
            answer = {"id": "sms_%06d" % n, "status": "queued"}
            record = dict(answer, to=to, text=text, sender=body.get("from"),
                          reference=body.get("reference"), idempotency_key=idem)
            tmp = os.path.join(self.args.dir, ".sms-%06d.json.tmp" % n)
            with open(tmp, "w") as f:
                json.dump(record, f)
            os.rename(tmp, os.path.join(self.args.dir, "sms-%06d.json" % n))
            self.messages.append(record)
            if idem:
                self.by_key[idem] = answer
        return self.reply(201, answer)


def main():
    ap = argparse.ArgumentParser(description="SMS provider stub")
    ap.add_argument("--listen", help="HOST:PORT")
    ap.add_argument("--port-file", help="listen on a free port and write it here")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--api-key", default="")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--pid-file")
    args = ap.parse_args()
    Handler.args = args
    Handler.failures_left = args.fail_first
    os.makedirs(args.dir, exist_ok=True)
    if args.listen:
        host, _, port = args.listen.rpartition(":")
        addr = (host or "127.0.0.1", int(port))
    else:
        addr = ("127.0.0.1", 0)
    server = http.server.ThreadingHTTPServer(addr, Handler)
    server.daemon_threads = True
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(tmp, args.port_file)
    if args.pid_file:
        with open(args.pid_file, "w") as f:
            f.write("%d\n" % os.getpid())
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("sms-stub: listening on %s:%d" % server.server_address, flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
