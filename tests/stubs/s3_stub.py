#!/usr/bin/python3
"""s3_stub.py - a tiny S3-compatible endpoint for tests: PUT, GET and DELETE of objects
under /<bucket>/<key>; every PUT and DELETE must carry a valid AWS Signature Version 4
(GET is public, like a bucket behind S3_PUBLIC_BASE_URL).

It checks what a real S3 checks of a signed request: the Authorization header
("AWS4-HMAC-SHA256 Credential=<key id>/<yyyymmdd>/<region>/s3/aws4_request,
SignedHeaders=...,Signature=..."), x-amz-date, x-amz-content-sha256 (equal to the
SHA-256 of the body, or UNSIGNED-PAYLOAD), and recomputes the signature from the secret.
A request that fails any of that gets 403 with the reason in the body. Objects are kept
in memory; GET returns them (so a test can compare bytes).

Usage: s3_stub.py --port-file FILE --access-key ID --secret SECRET --region R [--bucket B]
Listens on 127.0.0.1 on a free port and writes the port to FILE once it accepts.
"""

import argparse
import hashlib
import hmac
import http.server
import re
import sys
import urllib.parse

import stub_base

AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$")


def sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    objects = {}
    args = None

    def log_message(self, fmt, *a):
        sys.stderr.write("s3-stub: " + (fmt % a) + "\n")

    def reply(self, status, body=b"", ctype="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def check(self, body):
        """None when the request is signed correctly, else the reason."""
        auth = self.headers.get("Authorization", "")
        m = AUTH_RE.match(auth)
        if not m:
            return "bad Authorization header: %r" % auth
        key_id, date, region, signed, signature = m.groups()
        if key_id != self.args.access_key:
            return "unknown access key %s" % key_id
        if region != self.args.region:
            return "wrong region %s" % region
        amz_date = self.headers.get("x-amz-date", "")
        if not re.match(r"^\d{8}T\d{6}Z$", amz_date) or amz_date[:8] != date:
            return "bad x-amz-date %r" % amz_date
        payload = self.headers.get("x-amz-content-sha256")
        if payload is None:
            return "no x-amz-content-sha256"
        if payload != "UNSIGNED-PAYLOAD" and payload != hashlib.sha256(body).hexdigest():
            return "x-amz-content-sha256 does not match the body"
        names = signed.split(";")
        for required in ("host", "x-amz-date", "x-amz-content-sha256"):
            if required not in names:
                return "%s is not signed" % required
        url = urllib.parse.urlsplit(self.path)
        canonical_headers = "".join(
            "%s:%s\n" % (n, " ".join((self.headers.get(n) or "").split())) for n in names)
        query = "&".join(sorted(url.query.split("&"))) if url.query else ""
        canonical = "\n".join([self.command, url.path, query, canonical_headers, signed, payload])
        scope = "%s/%s/s3/aws4_request" % (date, region)
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        k = sign(("AWS4" + self.args.secret).encode(), date)
        k = sign(k, region)
        k = sign(k, "s3")
        k = sign(k, "aws4_request")
        expected = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return "signature mismatch"
        return None

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        body = self.body()
        # Reads are public (a bucket behind S3_PUBLIC_BASE_URL); writes must be signed.
        problem = self.check(body) if self.command != "GET" else None
        if problem:
            self.log_message("403: %s", problem)
            return self.reply(403, problem.encode())
        path = urllib.parse.urlsplit(self.path).path
        if self.args.bucket and not path.startswith("/%s/" % self.args.bucket):
            return self.reply(404, b"no such bucket")
        if self.command == "PUT":
            Handler.objects[path] = (body, self.headers.get("Content-Type", ""))
            return self.reply(200)
        if self.command == "DELETE":
            Handler.objects.pop(path, None)
            return self.reply(204)
        if path in Handler.objects:
            data, ctype = Handler.objects[path]
            return self.reply(200, data, ctype)
        return self.reply(404, b"no such key")

    do_PUT = do_GET = do_DELETE = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--access-key", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--region", required=True)
    ap.add_argument("--bucket", default="")
    Handler.args = ap.parse_args()
    stub_base.serve(Handler, "127.0.0.1:0", Handler.args.port_file)


if __name__ == "__main__":
    main()
