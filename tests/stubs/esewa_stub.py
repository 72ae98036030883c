#!/usr/bin/python3
"""esewa_stub.py - a local stand-in for eSewa ePay v2 in tests, following
../shared/providers/PROVIDERS.md section 3: its paths, fields, signature and statuses.

  POST /api/epay/main/v2/form       the form the buyer's browser posts (form-urlencoded):
        amount, tax_amount, product_service_charge, product_delivery_charge, total_amount,
        transaction_uuid, product_code, success_url, failure_url, signed_field_names,
        signature. Every field must be present and non-empty, total_amount must be the
        sum of the four parts, transaction_uuid only letters, digits and '-', the
        product_code the configured merchant, and the signature (base64 HMAC-SHA256 of
        the signed_field_names fields as "name=value" joined by ",") must hold. A bad
        signature gets eSewa's error page (ES104 "Invalid payload signature"). A good
        form answers 200 with the payment page (pay / cancel buttons) and the payment
        is PENDING until the buyer acts.
  POST /pay                         form transaction_uuid=..&outcome=COMPLETE|CANCELED:
        what the buttons do: 302 to success_url?data=<base64 JSON> or to failure_url.
  GET  /api/epay/transaction/status/?product_code=..&total_amount=..&transaction_uuid=..
        {"product_code","transaction_uuid","total_amount" (a number, e.g. 100.0),
         "status","ref_id" (null until there is a transaction)}; a payment that is not
        known under those three values is NOT_FOUND.

Test controls (never part of eSewa):
  POST /_test/complete {"transaction_uuid", "outcome"}  outcome COMPLETE (the buyer is
        sent to success_url?data=<signed base64 JSON>, signed like vector E3), CANCELED
        or PENDING (sent to failure_url). Answers {"redirect_url": ...}, the URL the
        browser would follow, for the test to GET through the gateway.
  POST /_test/status {"transaction_uuid", "status"}  sets what the status API answers
        (FULL_REFUND, AMBIGUOUS, ...).
  POST /_test/outage {"down": true|false}  the status API answers eSewa's
        {"code":0,"error_message":"Service is currently unavailable"} while down.
  GET  /_test/transactions/<transaction_uuid>  the stub's record.

Usage: esewa_stub.py (--listen 127.0.0.1:PORT | --port-file FILE) --product-code CODE
                     --secret KEY
"""

import argparse
import base64
import decimal
import hashlib
import hmac
import html
import json
import re
import secrets
import string
import sys
import threading
import urllib.parse

import stub_base

FIELDS = ("amount", "tax_amount", "product_service_charge", "product_delivery_charge",
          "total_amount", "transaction_uuid", "product_code", "success_url", "failure_url",
          "signed_field_names", "signature")
UUID_RE = re.compile(r"^[A-Za-z0-9-]+$")
CODE_CHARS = string.ascii_uppercase + string.digits


def sign(secret, message):
    mac = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def money(text):
    """A rupee amount as eSewa reads it ("110", "110.0", "1,000.5"), or None."""
    try:
        v = decimal.Decimal(text.replace(",", ""))
    except (decimal.InvalidOperation, AttributeError):
        return None
    return v if v.is_finite() and v >= 0 else None


def rupee_text(v):
    """How eSewa writes an amount back: a decimal with at least one fraction digit."""
    return str(float(v))


class Handler(stub_base.StubHandler):
    args = None
    lock = threading.Lock()
    txns = {}  # transaction_uuid -> record
    down = False

    def log_message(self, fmt, *a):
        sys.stderr.write("esewa-stub: " + (fmt % a) + "\n")

    def error_page(self, status, code, message):
        page = ("<!doctype html><title>eSewa</title><h1>%s</h1><p>%s</p>"
                % (html.escape(code), html.escape(message)))
        self.reply(status, page.encode(), "text/html; charset=utf-8")

    def json_body(self):
        try:
            v = json.loads(self.body() or b"{}")
        except ValueError:
            return {}
        return v if isinstance(v, dict) else {}

    # --- the form ------------------------------------------------------------------------

    def form(self):
        raw = self.body().decode("utf-8", "replace")
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        missing = [f for f in FIELDS if not form.get(f, "").strip()]
        if missing:
            return self.error_page(400, "ES100", "Missing or empty fields: " +
                                   ", ".join(missing))
        parts = [money(form[f]) for f in ("amount", "tax_amount", "product_service_charge",
                                          "product_delivery_charge")]
        total = money(form["total_amount"])
        if None in parts or total is None or sum(parts) != total:
            return self.error_page(400, "ES101", "total_amount is not the sum of its parts")
        if not UUID_RE.match(form["transaction_uuid"]):
            return self.error_page(400, "ES102", "transaction_uuid may hold only letters, "
                                   "digits and '-'")
        if form["product_code"] != self.args.product_code:
            return self.error_page(400, "ES103", "Unknown merchant")
        names = form["signed_field_names"].split(",")
        for need in ("total_amount", "transaction_uuid", "product_code"):
            if need not in names:
                return self.error_page(400, "ES104", "Invalid payload signature")
        if any(n not in form for n in names):
            return self.error_page(400, "ES104", "Invalid payload signature")
        message = ",".join("%s=%s" % (n, form[n]) for n in names)
        if not hmac.compare_digest(sign(self.args.secret, message), form["signature"]):
            return self.error_page(400, "ES104", "Invalid payload signature")
        uuid = form["transaction_uuid"]
        with Handler.lock:
            if uuid in Handler.txns:
                return self.error_page(400, "ES105", "Duplicate transaction_uuid")
            Handler.txns[uuid] = {
                "transaction_uuid": uuid, "product_code": form["product_code"],
                "total_amount": str(total), "status": "PENDING", "ref_id": None,
                "transaction_code": None, "success_url": form["success_url"],
                "failure_url": form["failure_url"], "status_checks": 0}
        e = html.escape
        page = ("<!doctype html><title>eSewa stub</title><h1>Pay Rs %s</h1>"
                "<form method=post action=/pay><input type=hidden name=transaction_uuid "
                "value=\"%s\"><button name=outcome value=COMPLETE>Pay</button>"
                "<button name=outcome value=CANCELED>Cancel</button></form>"
                % (e(str(total)), e(uuid)))
        self.reply(200, page.encode(), "text/html; charset=utf-8")

    def complete(self, uuid, outcome):
        """Moves a payment as the buyer would; (status, reply object)."""
        with Handler.lock:
            t = Handler.txns.get(uuid)
            if t is None:
                return 404, {"error": "unknown transaction_uuid"}
            if t["status"] != "PENDING":
                return 409, {"error": "transaction is %s" % t["status"]}
            if outcome not in ("COMPLETE", "CANCELED", "PENDING"):
                return 400, {"error": "outcome must be COMPLETE, CANCELED or PENDING"}
            t["status"] = outcome
            if outcome != "COMPLETE":
                # What eSewa appends to failure_url is not documented: nothing.
                return 200, {"redirect_url": t["failure_url"], "status": outcome}
            code = "".join(secrets.choice(CODE_CHARS) for _ in range(7))
            t["transaction_code"] = code
            t["ref_id"] = code
            names = ("transaction_code,status,total_amount,transaction_uuid,product_code,"
                     "signed_field_names")
            data = {"transaction_code": code, "status": "COMPLETE",
                    "total_amount": rupee_text(decimal.Decimal(t["total_amount"])),
                    "transaction_uuid": uuid, "product_code": t["product_code"],
                    "signed_field_names": names}
            message = ",".join("%s=%s" % (n, data[n]) for n in names.split(","))
            data["signature"] = sign(self.args.secret, message)
            encoded = base64.b64encode(json.dumps(data, separators=(",", ":")).encode())
            sep = "&" if "?" in t["success_url"] else "?"
            # eSewa appends the base64 as it is, '+' and '/' included.
            return 200, {"redirect_url": t["success_url"] + sep + "data=" + encoded.decode(),
                         "status": outcome}

    def pay(self):
        form = urllib.parse.parse_qs(self.body().decode("utf-8", "replace"))
        uuid = form.get("transaction_uuid", [""])[0]
        outcome = form.get("outcome", [""])[0]
        if outcome not in ("COMPLETE", "CANCELED"):
            return self.reply(400, b"outcome must be COMPLETE or CANCELED", "text/plain")
        status, obj = self.complete(uuid, outcome)
        if status != 200:
            return self.reply_json(status, obj)
        self.reply(302, b"", "text/plain", {"Location": obj["redirect_url"]})

    # --- the status check ----------------------------------------------------------------

    def status(self, query):
        if Handler.down:
            return self.reply_json(503, {"code": 0,
                                         "error_message": "Service is currently unavailable"})
        q = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
        code = q.get("product_code", "")
        uuid = q.get("transaction_uuid", "")
        amount = money(q.get("total_amount", ""))
        with Handler.lock:
            t = Handler.txns.get(uuid)
            if t is not None:
                t["status_checks"] += 1
            known = (t is not None and t["product_code"] == code and amount is not None
                     and decimal.Decimal(t["total_amount"]) == amount)
            out = {"product_code": code, "transaction_uuid": uuid,
                   "total_amount": float(amount) if amount is not None else None,
                   "status": t["status"] if known else "NOT_FOUND",
                   "ref_id": t["ref_id"] if known else None}
        self.reply_json(200, out)

    # --- dispatch ------------------------------------------------------------------------

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/api/epay/main/v2/form":
            return self.form()
        if path == "/pay":
            return self.pay()
        if path == "/_test/complete":
            b = self.json_body()
            status, obj = self.complete(b.get("transaction_uuid"), b.get("outcome"))
            return self.reply_json(status, obj)
        if path == "/_test/status":
            b = self.json_body()
            with Handler.lock:
                t = Handler.txns.get(b.get("transaction_uuid"))
                if t is None:
                    return self.reply_json(404, {"error": "unknown transaction_uuid"})
                t["status"] = str(b.get("status"))
            return self.reply_json(200, {"status": t["status"]})
        if path == "/_test/outage":
            Handler.down = bool(self.json_body().get("down"))
            return self.reply_json(200, {"down": Handler.down})
        self.body()
        self.reply_json(404, {"error": "not found"})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/api/epay/transaction/status/":
            return self.status(url.query)
        if url.path.startswith("/_test/transactions/"):
            with Handler.lock:
                t = Handler.txns.get(url.path[len("/_test/transactions/"):])
                t = dict(t) if t else None
            return self.reply_json(200 if t else 404, t or {"error": "not found"})
        self.reply_json(404, {"error": "not found"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--port-file")
    ap.add_argument("--product-code", required=True)
    ap.add_argument("--secret", required=True)
    Handler.args = ap.parse_args()
    stub_base.serve(Handler, Handler.args.listen, Handler.args.port_file)


if __name__ == "__main__":
    main()
