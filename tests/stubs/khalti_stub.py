#!/usr/bin/python3
"""khalti_stub.py - a local stand-in for Khalti ePayment (KPG-2) in tests, following
../shared/providers/PROVIDERS.md section 2: its paths, fields, statuses and errors.

Merchant API (every call needs "Authorization: Key <secret>"; the docs also write "key"):
  POST /api/v2/epayment/initiate/   {return_url, website_url, amount (paisa, >= 1000),
                                     purchase_order_id, purchase_order_name,
                                     amount_breakdown?, customer_info?, product_details?,
                                     merchant_*?} -> {pidx, payment_url, expires_at, expires_in}
  POST /api/v2/epayment/lookup/     {pidx} -> {pidx, total_amount, status, transaction_id,
                                     fee, refunded}; Expired and User canceled answer
                                     HTTP 400 with that same body, as Khalti does
  POST /api/merchant-transaction/<transaction_id>/refund/   no body (full) or
                                     {"amount": paisa} (partial)
                                     -> {"detail": "Transaction refund successful."}

The buyer's side (what the browser sees):
  GET  /?pidx=<pidx>                the hosted payment page: two buttons
  POST /pay                         form pidx=..&outcome=Completed|User canceled -> 302 to
                                    return_url with Khalti's query parameters

Test controls (no auth; never part of Khalti):
  POST /_test/complete  {"pidx", "outcome"}  outcome is a lookup status: "Completed",
        "User canceled", "Pending" (the buyer is sent back with that status) or "Expired"
        (the link runs out; the buyer never comes back: redirect_url is null). Answers
        {"redirect_url": "<return_url>?pidx=..&status=..&..."}: the URL the browser would
        be sent to, for the test to GET through the gateway.
  GET   /_test/payments/<pidx>           the stub's record (status, lookups, refunds, ...)
  GET   /_test/payments?purchase_order_id=<id>   the same, found by our payment id

Usage: khalti_stub.py (--listen 127.0.0.1:PORT | --port-file FILE) --secret KEY
With --port-file it listens on a free port of 127.0.0.1 and writes the port to FILE once
it accepts.
"""

import argparse
import datetime
import html
import json
import secrets
import string
import sys
import threading
import urllib.parse

import stub_base

ALNUM = string.ascii_letters + string.digits
MIN_AMOUNT = 1000
REFUND_RE_PREFIX = "/api/merchant-transaction/"


def new_id(n=22):
    return "".join(secrets.choice(ALNUM) for _ in range(n))


def valid_url(v):
    if not isinstance(v, str) or not v:
        return False
    u = urllib.parse.urlsplit(v)
    return u.scheme in ("http", "https") and bool(u.netloc)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


class Handler(stub_base.StubHandler):
    args = None
    lock = threading.Lock()
    payments = {}  # pidx -> record

    def log_message(self, fmt, *a):
        sys.stderr.write("khalti-stub: " + (fmt % a) + "\n")

    # --- replies -------------------------------------------------------------------------

    def json_body(self):
        raw = self.body()
        if not raw.strip():
            return {}
        try:
            v = json.loads(raw)
        except ValueError:
            return None
        return v if isinstance(v, dict) else None

    def authorized(self):
        """True, or replies 401 the way Khalti does and returns False."""
        auth = self.headers.get("Authorization", "")
        scheme, _, key = auth.partition(" ")
        if scheme.lower() != "key" or not key:
            self.reply_json(401, {"detail": "Authentication credentials were not provided.",
                                  "status_code": 401})
            return False
        if not secrets.compare_digest(key.strip(), self.args.secret):
            self.reply_json(401, {"detail": "Invalid token.", "status_code": 401})
            return False
        return True

    # --- records -------------------------------------------------------------------------

    @staticmethod
    def public(p):
        return {k: v for k, v in p.items() if not k.startswith("_")}

    def lookup_body(self, p):
        return {"pidx": p["pidx"], "total_amount": p["total_amount"], "status": p["status"],
                "transaction_id": p["transaction_id"], "fee": 0,
                "refunded": p["status"] in ("Refunded", "Partially Refunded")}

    def return_url_for(self, p):
        """The URL Khalti sends the buyer back to, with its documented parameters."""
        paid = p["status"] == "Completed"
        txn = (p["transaction_id"] or "") if paid else ""
        q = [("pidx", p["pidx"]), ("txnId", txn), ("amount", str(p["total_amount"])),
             ("total_amount", str(p["total_amount"])), ("status", p["status"]),
             ("mobile", "98XXXXX904" if paid else ""), ("tidx", txn),
             ("purchase_order_id", p["purchase_order_id"]),
             ("purchase_order_name", p["purchase_order_name"]), ("transaction_id", txn)]
        base = p["return_url"]
        sep = "&" if "?" in base else "?"
        return base + sep + urllib.parse.urlencode(q, quote_via=urllib.parse.quote)

    def complete(self, pidx, outcome):
        """Moves a payment as the buyer would; (status, reply object)."""
        with Handler.lock:
            p = Handler.payments.get(pidx)
            if p is None:
                return 404, {"detail": "Not found."}
            if p["status"] not in ("Initiated", "Pending"):
                return 409, {"detail": "payment is %s" % p["status"]}
            if outcome not in ("Completed", "User canceled", "Pending", "Expired"):
                return 400, {"detail": "outcome must be Completed, User canceled, Pending "
                                       "or Expired"}
            p["status"] = outcome
            if outcome == "Completed":
                p["transaction_id"] = new_id()
            if outcome == "Expired":
                return 200, {"redirect_url": None, "status": outcome}
            return 200, {"redirect_url": self.return_url_for(p), "status": outcome}

    # --- merchant API --------------------------------------------------------------------

    def initiate(self):
        if not self.authorized():
            return
        b = self.json_body()
        if b is None:
            return self.reply_json(400, {"detail": "JSON parse error", "error_key":
                                         "validation_error"})
        errors = {}
        for f in ("return_url", "website_url"):
            if f not in b:
                errors[f] = ["This field is required."]
            elif not valid_url(b[f]):
                errors[f] = ["Enter a valid URL."]
        for f in ("purchase_order_id", "purchase_order_name"):
            if f not in b:
                errors[f] = ["This field is required."]
            elif not isinstance(b[f], str) or not b[f].strip():
                errors[f] = ["This field may not be blank."]
        amount = b.get("amount")
        if "amount" not in b:
            errors["amount"] = ["This field is required."]
        elif not is_int(amount):
            errors["amount"] = ["A valid integer is required."]
        elif amount < MIN_AMOUNT:
            errors["amount"] = ["Amount should be greater than Rs. 10, that is 1000 paisa."]
        if errors:
            errors["error_key"] = "validation_error"
            return self.reply_json(400, errors)
        breakdown = b.get("amount_breakdown")
        if breakdown is not None:
            try:
                total = sum(int(x["amount"]) for x in breakdown)
            except (TypeError, KeyError, ValueError):
                total = None
            if total != amount:
                return self.reply_json(400, {"amount": ["Amount Breakdown mismatch."],
                                             "error_key": "validation_error"})
        pidx = new_id()
        port = self.server.server_address[1]
        expires = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=5,
                                                                              minutes=45)))
        expires += datetime.timedelta(seconds=1800)
        rec = {"pidx": pidx, "status": "Initiated", "total_amount": amount,
               "transaction_id": None, "purchase_order_id": b["purchase_order_id"],
               "purchase_order_name": b["purchase_order_name"],
               "return_url": b["return_url"], "website_url": b["website_url"],
               "refunds": [], "refunded_amount": 0, "lookups": 0}
        with Handler.lock:
            Handler.payments[pidx] = rec
        out = {"pidx": pidx, "payment_url": "http://127.0.0.1:%d/?pidx=%s" % (port, pidx),
               "expires_at": expires.isoformat(), "expires_in": 1800}
        # Any merchant_* key is echoed back.
        for k, v in b.items():
            if k.startswith("merchant_"):
                out[k] = v
        self.reply_json(200, out)

    def lookup(self):
        if not self.authorized():
            return
        b = self.json_body()
        pidx = b.get("pidx") if b else None
        with Handler.lock:
            p = Handler.payments.get(pidx) if isinstance(pidx, str) else None
            if p is None:
                return self.reply_json(404, {"detail": "Not found.",
                                             "error_key": "validation_error"})
            p["lookups"] += 1
            body = self.lookup_body(p)
        # Khalti answers these two with HTTP 400 and the ordinary body.
        self.reply_json(400 if body["status"] in ("Expired", "User canceled") else 200, body)

    def refund(self, path):
        if not self.authorized():
            return
        txn = path[len(REFUND_RE_PREFIX):].rstrip("/")
        if not txn.endswith("/refund"):
            return self.reply_json(404, {"detail": "Not found."})
        txn = txn[:-len("/refund")]
        b = self.json_body()
        if b is None:
            return self.reply_json(400, {"detail": "JSON parse error"})
        with Handler.lock:
            p = next((x for x in Handler.payments.values() if x["transaction_id"] == txn), None)
            if p is None:
                return self.reply_json(404, {"detail": "Not found."})
            if p["status"] not in ("Completed", "Partially Refunded"):
                return self.reply_json(400, {"detail": "Transaction is not refundable."})
            left = p["total_amount"] - p["refunded_amount"]
            amount = b.get("amount", left)
            if not is_int(amount) or amount <= 0 or amount > left:
                return self.reply_json(400, {"detail": "Invalid refund amount."})
            p["refunded_amount"] += amount
            p["refunds"].append(amount)
            p["status"] = "Refunded" if p["refunded_amount"] == p["total_amount"] \
                else "Partially Refunded"
        self.reply_json(200, {"detail": "Transaction refund successful."})

    # --- the buyer's side ----------------------------------------------------------------

    def page(self, query):
        pidx = urllib.parse.parse_qs(query).get("pidx", [""])[0]
        with Handler.lock:
            p = Handler.payments.get(pidx)
            p = dict(p) if p else None
        if p is None:
            return self.reply(404, b"unknown pidx", "text/plain")
        e = html.escape
        page = ("<!doctype html><title>Khalti stub</title><h1>Pay Rs %s</h1><p>%s</p>"
                "<form method=post action=/pay><input type=hidden name=pidx value=\"%s\">"
                "<button name=outcome value=Completed>Pay</button>"
                "<button name=outcome value=\"User canceled\">Cancel</button></form>"
                % (e("%.2f" % (p["total_amount"] / 100)), e(p["purchase_order_name"]), e(pidx)))
        self.reply(200, page.encode(), "text/html; charset=utf-8")

    def pay(self):
        form = urllib.parse.parse_qs(self.body().decode("utf-8", "replace"))
        pidx = form.get("pidx", [""])[0]
        outcome = form.get("outcome", [""])[0]
        if outcome not in ("Completed", "User canceled"):
            return self.reply(400, b"outcome must be Completed or User canceled", "text/plain")
        status, obj = self.complete(pidx, outcome)
        if status != 200:
            return self.reply_json(status, obj)
        self.reply(302, b"", "text/plain", {"Location": obj["redirect_url"]})

    # --- dispatch ------------------------------------------------------------------------

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/api/v2/epayment/initiate/":
            return self.initiate()
        if path == "/api/v2/epayment/lookup/":
            return self.lookup()
        if path.startswith(REFUND_RE_PREFIX):
            return self.refund(path)
        if path == "/pay":
            return self.pay()
        if path == "/_test/complete":
            b = self.json_body() or {}
            status, obj = self.complete(b.get("pidx"), b.get("outcome"))
            return self.reply_json(status, obj)
        self.body()
        self.reply_json(404, {"detail": "Not found."})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/":
            return self.page(url.query)
        if url.path.startswith("/_test/payments/"):
            with Handler.lock:
                p = Handler.payments.get(url.path[len("/_test/payments/"):])
                p = self.public(p) if p else None
            return self.reply_json(200 if p else 404, p or {"detail": "Not found."})
        if url.path == "/_test/payments":
            poid = urllib.parse.parse_qs(url.query).get("purchase_order_id", [""])[0]
            with Handler.lock:
                p = next((self.public(x) for x in Handler.payments.values()
                          if x["purchase_order_id"] == poid), None)
            return self.reply_json(200 if p else 404, p or {"detail": "Not found."})
        self.reply_json(404, {"detail": "Not found."})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--port-file")
    ap.add_argument("--secret", required=True)
    Handler.args = ap.parse_args()
    stub_base.serve(Handler, Handler.args.listen, Handler.args.port_file)


if __name__ == "__main__":
    main()
