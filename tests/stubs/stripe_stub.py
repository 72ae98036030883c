#!/usr/bin/python3
"""stripe_stub.py - a local stand-in for the Stripe API, following its documented paths,
fields and webhook signature (../shared/providers/PROVIDERS.md section 1).

API (Authorization: Bearer <secret key>, or Basic with the key as user; form-encoded
bodies with bracketed keys, raw or percent-encoded):
  POST /v1/checkout/sessions      mode=payment, line_items[0][price_data][currency|
                                  unit_amount|product_data][name]], line_items[0][quantity],
                                  success_url, ... -> a Checkout Session (id cs_test_...,
                                  url = this stub's hosted page, status open, unpaid).
                                  Idempotency-Key: same key and params replay the first
                                  answer; other params -> 400 idempotency_error.
  GET  /v1/checkout/sessions/<id> the session.
  POST /v1/refunds                payment_intent=pi_... [amount] -> a Refund (succeeded);
                                  more than is left -> 400 invalid_request_error.
  GET  /v1/refunds?payment_intent=pi_...   the refunds of a payment intent ({data:[...]}).
Hosted page: GET /pay/<id> shows pay / fail buttons; POST /pay/<id> action=pay|fail does
what /_test/.../complete does.
Test controls (no auth):
  POST /_test/sessions/<id>/complete?outcome=paid|failed|expired[&amount=N]
      marks the session and POSTs a signed checkout.session.completed (paid),
      checkout.session.async_payment_failed (failed) or checkout.session.expired to the
      webhook URL. amount=N puts another amount_total into the event (a tampered event
      that is still correctly signed). Answers {"event": {...}, "status": <webhook HTTP
      status>, "body": <webhook answer>}.
  POST /_test/events/<evt id>/resend   delivers the same event again (same id and body,
      re-signed with a fresh timestamp, as Stripe does on a retry).

Usage: stripe_stub.py --port-file FILE --secret-key sk_test_... --webhook-secret whsec_...
                      --webhook-url URL
Listens on 127.0.0.1 on a free port and writes the port to FILE once it accepts.
"""

import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

LOCK = threading.Lock()
SESSIONS = {}  # id -> session dict
EVENTS = {}  # id -> raw body (bytes)
REFUNDS = {}  # id -> refund dict
IDEMPOTENCY = {}  # (key, idem key, path) -> (params, status, body)


def sign(secret, t, body):
    mac = hmac.new(secret.encode(), str(t).encode() + b"." + body, hashlib.sha256)
    return mac.hexdigest()


def deliver(args, body):
    """POSTs an event to the webhook URL, signed now; returns (status, text)."""
    t = int(time.time())
    header = "t=%d,v1=%s" % (t, sign(args.webhook_secret, t, body))
    req = urllib.request.Request(args.webhook_url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": header,
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except OSError as e:
        return 0, str(e)


def new_id(prefix):
    return prefix + secrets.token_hex(12)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None

    def log_message(self, fmt, *a):
        sys.stderr.write("stripe-stub: " + (fmt % a) + "\n")

    def reply(self, status, obj, ctype="application/json"):
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", new_id("req_"))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, etype, message, param=None):
        err = {"type": etype, "message": message}
        if param:
            err["param"] = param
        self.reply(status, {"error": err})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def form(self, raw):
        # parse_qsl percent-decodes keys too, so "line_items%5B0%5D" and "line_items[0]"
        # come out the same.
        return dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        key = None
        if auth.startswith("Bearer "):
            key = auth[7:]
        elif auth.startswith("Basic "):
            try:
                key = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
            except ValueError:
                key = None
        if key != self.args.secret_key:
            self.error(401, "invalid_request_error",
                       "Invalid API Key provided: %s" % (key[:8] + "***" if key else "none"))
            return False
        return True

    def idempotent(self, params):
        """(replayed?, ...): replays a stored answer for the same key and params."""
        key = self.headers.get("Idempotency-Key")
        if key is None:
            return None, None
        if len(key) > 255:
            self.error(400, "invalid_request_error", "Idempotency-Key too long")
            return True, None
        slot = (self.args.secret_key, key, self.path)
        with LOCK:
            hit = IDEMPOTENCY.get(slot)
        if hit is None:
            return False, slot
        if hit[0] != params:
            self.error(400, "idempotency_error",
                       "Keys for idempotent requests can only be used with the same parameters")
            return True, None
        self.reply(hit[1], hit[2])
        return True, None

    def begin_write(self, raw):
        """(form, idempotency slot) of an authorized POST that creates something, or None
        once the answer was sent (a bad key, a bad Idempotency-Key, or a replay)."""
        if not self.authorized():
            return None
        p = self.form(raw)
        replayed, slot = self.idempotent(p)
        if replayed:
            return None
        return p, slot

    def remember(self, slot, params, status, obj):
        if slot is not None:
            with LOCK:
                IDEMPOTENCY[slot] = (params, status, obj)

    # ---- routes --------------------------------------------------------------------

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        m = re.fullmatch(r"/v1/checkout/sessions/([A-Za-z0-9_]+)", url.path)
        if m:
            if not self.authorized():
                return
            with LOCK:
                s = SESSIONS.get(m.group(1))
            if s is None:
                return self.error(404, "invalid_request_error",
                                  "No such checkout.session: '%s'" % m.group(1), "id")
            return self.reply(200, s)
        if url.path == "/v1/refunds":
            if not self.authorized():
                return
            q = dict(urllib.parse.parse_qsl(url.query))
            with LOCK:
                data = [r for r in REFUNDS.values()
                        if "payment_intent" not in q or r["payment_intent"] == q["payment_intent"]]
            return self.reply(200, {"object": "list", "data": data, "has_more": False,
                                    "url": "/v1/refunds"})
        m = re.fullmatch(r"/pay/([A-Za-z0-9_]+)", url.path)
        if m:
            with LOCK:
                s = SESSIONS.get(m.group(1))
            if s is None:
                return self.reply(404, b"no such session", "text/plain")
            page = ("<!doctype html><title>Stripe stub checkout</title><h1>Pay %d %s</h1>"
                    "<form method=post><button name=action value=pay>Pay</button>"
                    "<button name=action value=fail>Fail</button></form>"
                    % (s["amount_total"], s["currency"].upper()))
            return self.reply(200, page.encode(), "text/html")
        self.error(404, "invalid_request_error", "Unrecognized request URL (GET: %s)" % url.path)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        raw = self.body()
        if url.path == "/v1/checkout/sessions":
            return self.create_session(raw)
        if url.path == "/v1/refunds":
            return self.create_refund(raw)
        m = re.fullmatch(r"/_test/sessions/([A-Za-z0-9_]+)/complete", url.path)
        if m:
            q = dict(urllib.parse.parse_qsl(url.query))
            return self.complete(m.group(1), q.get("outcome", "paid"), q.get("amount"))
        m = re.fullmatch(r"/pay/([A-Za-z0-9_]+)", url.path)
        if m:
            action = self.form(raw).get("action", "pay")
            return self.complete(m.group(1), "paid" if action == "pay" else "failed", None)
        m = re.fullmatch(r"/_test/events/([A-Za-z0-9_]+)/resend", url.path)
        if m:
            with LOCK:
                body = EVENTS.get(m.group(1))
            if body is None:
                return self.error(404, "invalid_request_error", "no such event")
            status, text = deliver(self.args, body)
            return self.reply(200, {"event": json.loads(body), "status": status, "body": text})
        self.error(404, "invalid_request_error", "Unrecognized request URL (POST: %s)" % url.path)

    def create_session(self, raw):
        started = self.begin_write(raw)
        if started is None:
            return
        p, slot = started
        if p.get("mode") != "payment":
            return self.error(400, "invalid_request_error", "Invalid mode", "mode")
        prefix = "line_items[0][price_data]"
        currency = p.get(prefix + "[currency]", "")
        if not re.fullmatch(r"[a-z]{3}", currency):
            return self.error(400, "invalid_request_error", "Invalid currency",
                              prefix + "[currency]")
        try:
            unit = int(p.get(prefix + "[unit_amount]", ""))
            qty = int(p.get("line_items[0][quantity]", ""))
        except ValueError:
            return self.error(400, "invalid_request_error", "Invalid integer",
                              prefix + "[unit_amount]")
        if unit < 1 or qty < 1:
            return self.error(400, "invalid_request_error", "Amount must be positive",
                              prefix + "[unit_amount]")
        if not p.get(prefix + "[product_data][name]"):
            return self.error(400, "invalid_request_error", "Missing required param",
                              prefix + "[product_data][name]")
        if not p.get("success_url", "").startswith(("http://", "https://")):
            return self.error(400, "invalid_request_error", "Not a valid URL", "success_url")
        sid = new_id("cs_test_")
        metadata = {k[9:-1]: v for k, v in p.items()
                    if k.startswith("metadata[") and k.endswith("]")}
        s = {
            "id": sid, "object": "checkout.session", "mode": "payment",
            "status": "open", "payment_status": "unpaid", "payment_intent": None,
            "amount_total": unit * qty, "amount_subtotal": unit * qty, "currency": currency,
            "client_reference_id": p.get("client_reference_id"), "metadata": metadata,
            "success_url": p.get("success_url"), "cancel_url": p.get("cancel_url"),
            "url": "http://127.0.0.1:%d/pay/%s" % (self.server.server_port, sid),
            "created": int(time.time()), "expires_at": int(time.time()) + 86400,
            "livemode": False,
        }
        with LOCK:
            SESSIONS[sid] = s
        self.remember(slot, p, 200, s)
        self.reply(200, s)

    def complete(self, sid, outcome, amount):
        with LOCK:
            s = SESSIONS.get(sid)
            if s is None:
                return self.error(404, "invalid_request_error", "No such checkout.session")
            if outcome == "paid":
                s["status"], s["payment_status"] = "complete", "paid"
                s["payment_intent"] = s["payment_intent"] or new_id("pi_")
                etype = "checkout.session.completed"
            elif outcome == "failed":
                s["status"], s["payment_status"] = "complete", "unpaid"
                s["payment_intent"] = s["payment_intent"] or new_id("pi_")
                etype = "checkout.session.async_payment_failed"
            else:
                s["status"], s["payment_status"] = "expired", "unpaid"
                etype = "checkout.session.expired"
            s["url"] = None
            obj = dict(s)
        if amount is not None:
            obj["amount_total"] = int(amount)
        event = {"id": new_id("evt_"), "object": "event", "api_version": "2026-07-29.dahlia",
                 "created": int(time.time()), "type": etype, "livemode": False,
                 "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
                 "data": {"object": obj}}
        body = json.dumps(event, separators=(",", ":")).encode()
        with LOCK:
            EVENTS[event["id"]] = body
        status, text = deliver(self.args, body)
        self.reply(200, {"event": event, "status": status, "body": text})

    def create_refund(self, raw):
        started = self.begin_write(raw)
        if started is None:
            return
        p, slot = started
        pi = p.get("payment_intent")
        with LOCK:
            session = next((s for s in SESSIONS.values()
                            if pi is not None and s["payment_intent"] == pi), None)
            if session is None or session["payment_status"] != "paid":
                return self.error(400, "invalid_request_error",
                                  "No such payment_intent: '%s'" % pi, "payment_intent")
            done = sum(r["amount"] for r in REFUNDS.values() if r["payment_intent"] == pi)
            left = session["amount_total"] - done
            try:
                amount = int(p["amount"]) if "amount" in p else left
            except ValueError:
                return self.error(400, "invalid_request_error", "Invalid integer", "amount")
            if amount < 1 or amount > left:
                return self.error(400, "invalid_request_error",
                                  "Refund amount (%d) is greater than unrefunded amount (%d)"
                                  % (amount, left), "amount")
            r = {"id": new_id("re_"), "object": "refund", "amount": amount,
                 "currency": session["currency"], "payment_intent": pi,
                 "charge": "ch_" + pi[3:], "status": "succeeded",
                 "reason": p.get("reason"), "created": int(time.time()),
                 "metadata": {k[9:-1]: v for k, v in p.items()
                              if k.startswith("metadata[") and k.endswith("]")}}
            REFUNDS[r["id"]] = r
        self.remember(slot, p, 200, r)
        self.reply(200, r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--secret-key", required=True)
    ap.add_argument("--webhook-secret", required=True)
    ap.add_argument("--webhook-url", required=True)
    Handler.args = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = Handler.args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_port)
    os.rename(tmp, Handler.args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
