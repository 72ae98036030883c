#!/usr/bin/python3
"""journey.py - bench/run.sh's client for the buying journey (Python standard library only).

  journey.py fixtures OUT_DIR
      Through the gateway: a seller with PRODUCTS approved, stocked products; a reader
      customer whose cart holds one line of each; a buyer with one CONFIRMED order;
      ADDERS customers for POST /cart/items. Writes OUT_DIR/fixtures.env (KEY=VALUE) and
      OUT_DIR/pairs.txt (bench/cart_add.lua's "token product sku" lines).

  journey.py checkout OUT_DIR
      Checkout-to-confirmed throughput and event latency. PACED + CARTS customers are
      registered, each with an address and a one-line cart (prepared beforehand). Then
      (1) the PACED carts one at a time, a pause between them: checkout, initiate (fake),
      pay; event latency at a light load; (2) the CARTS carts by CONCURRENCY client
      threads at once, each: POST /checkout, POST /payment/initiate {provider: fake},
      POST /payment/fake/:id action=pay; then until every order is CONFIRMED (its
      orders.order_status_history row) and every OrderCreated mail is sent
      (notifications.messages.sent_at). Commit times are the events' envelope "time"
      (set in the committing transaction, just before COMMIT) read from the outbox
      tables; the database is read with psql as the superuser. Writes OUT_DIR/journey.md
      (the report's sections) and OUT_DIR/journey.env (figures for the targets).

The order service's "checkout timings" log lines (ORDER_LOG, when set) split each burst
checkout into its steps.

Environment: GATEWAY_URL, DATABASE_URL, ADMIN_EMAIL, ADMIN_PASSWORD, ORDER_LOG; PRODUCTS (5),
ADDERS (16); CARTS (200), CONCURRENCY (16), PACED (40), PACE_MS (100), WAIT_S (120).
"""
import concurrent.futures
import http.client
import json
import math
import os
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlparse

GW = urlparse(os.environ["GATEWAY_URL"])
DATABASE_URL = os.environ["DATABASE_URL"]
PASSWORD = "bench-journey-password"
TAG = uuid.uuid4().hex[:8]
local = threading.local()


class Failed(Exception):
    pass


def call(method, path, token=None, body=None, form=None, headers=None):
    """One request on this thread's keep-alive connection: (status, parsed body). A
    connection the server closed while idle (keep-alive timeout) is reopened once."""
    hdrs = dict(headers or {})
    if form is not None:
        data = form
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    else:
        data = json.dumps(body) if body is not None else None
        hdrs["Content-Type"] = "application/json"
    if token:
        hdrs["Authorization"] = "Bearer " + token
    for attempt in range(2):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(GW.hostname, GW.port, timeout=60)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            local.conn = None
            if attempt == 1:
                raise
            continue
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, None
    raise Failed("unreachable")


def must(res, want, what):
    status, body = res
    if status not in want:
        raise Failed("%s: HTTP %d %s" % (what, status, json.dumps(body)[:300]))
    return body


def user(role, i):
    email = "bench-%s-%s-%d@bench.local" % (TAG, role, i)
    must(call("POST", "/auth/register", body={"email": email, "password": PASSWORD,
                                              "name": "Bench", "role": role}), (201,), "register")
    return must(call("POST", "/auth/login", body={"email": email, "password": PASSWORD}),
                (200,), "login")["access_token"]


def admin_token():
    return must(call("POST", "/auth/login", body={"email": os.environ["ADMIN_EMAIL"],
                                                  "password": os.environ["ADMIN_PASSWORD"]}),
                (200,), "admin login")["access_token"]


def products(admin, seller, n, stock):
    slug = "bench-journey-" + TAG
    must(call("POST", "/admin/categories", admin, {"slug": slug, "name": "Bench " + TAG}),
         (201,), "category")
    out = []
    for i in range(n):
        pid = must(call("POST", "/seller/products", seller,
                        {"title": "Benchmark teapot %s %d" % (TAG, i),
                         "description": "a product of bench/journey.py", "price": 1200 + 10 * i,
                         "currency": "NPR", "category": slug}), (201,), "product")["id"]
        must(call("PUT", "/admin/products/%s/approve" % pid, admin), (200,), "approve")
        sku = "BJ-%s-%d" % (TAG, i)
        must(call("POST", "/seller/products/%s/inventory" % pid, seller,
                  {"sku": sku, "quantity": stock}), (201,), "stock")
        out.append((pid, sku))
    # The zone the addresses ship to (409: it exists; 503: no fulfillment in the stack).
    must(call("POST", "/admin/zones", admin, {"name": "bench-NP", "country": "NP", "fee": 100,
                                              "currency": "NPR"}), (201, 409, 503), "zone")
    return out


def address(token):
    return must(call("POST", "/user/addresses", token,
                     {"name": "Bench Buyer", "phone": "+977 1 5550100", "line1": "Thamel 12",
                      "city": "Kathmandu", "district": "Kathmandu", "postal_code": "44600",
                      "country": "NP"}), (201,), "address")["id"]


def cart_add(token, pid, sku, qty=1):
    must(call("POST", "/cart/items", token, {"product_id": pid, "sku": sku, "quantity": qty}),
         (201,), "cart add")


def buy(token, addr):
    """checkout, initiate (fake), pay: the order id and the client's timestamps."""
    t0 = time.time()
    order = must(call("POST", "/checkout", token, {"address_id": addr, "payment_method": "fake"},
                      headers={"Idempotency-Key": str(uuid.uuid4())}),
                 (201,), "checkout")["order_id"]
    t1 = time.time()
    pay = must(call("POST", "/payment/initiate", token, {"order_id": order, "provider": "fake"},
                    headers={"Idempotency-Key": str(uuid.uuid4())}),
               (201,), "initiate")["payment_id"]
    t2 = time.time()
    must(call("POST", "/payment/fake/" + pay, form="action=pay"), (200,), "fake pay")
    t3 = time.time()
    return {"order": order, "start": t0, "checkout_done": t1, "initiated": t2, "paid": t3}


def psql(sql, stdin=None):
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                        DATABASE_URL, "-c", sql], input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise Failed("psql: " + r.stderr.strip())
    return [line.split("\t") for line in r.stdout.splitlines() if line]


def ids_array(ids):
    return "'{%s}'::uuid[]" % ",".join(ids)


def pct(values, p):
    v = sorted(values)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)] if v else float("nan")


def fmt(v):
    return "n/a" if v != v else "%.1f" % v


def stats_row(label, values):
    return "| %s | %d | %s | %s | %s | %s |" % (label, len(values), fmt(pct(values, 50)),
                                                fmt(pct(values, 90)), fmt(pct(values, 99)),
                                                fmt(max(values) if values else float("nan")))


# --- fixtures ---------------------------------------------------------------------------------

def cmd_fixtures(out):
    nprod, nadders = int(os.environ.get("PRODUCTS", "5")), int(os.environ.get("ADDERS", "16"))
    admin = admin_token()
    seller = user("seller", 0)
    prods = products(admin, seller, nprod, 1000000000)
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        tokens = list(ex.map(lambda i: user("customer", i), range(1, nadders + 3)))
    reader, buyer, adders = tokens[0], tokens[1], tokens[2:]
    for pid, sku in prods:
        cart_add(reader, pid, sku)
    # Reads must come from the cart's read model: wait until it holds every product.
    deadline = time.time() + 30
    while True:
        status, cart = call("GET", "/cart", reader)
        if status == 200 and cart.get("line_count") == nprod and cart.get("flagged_count") == 0:
            break
        if time.time() > deadline:
            raise Failed("the reader's cart is not %d purchasable lines: %s" % (nprod, cart))
        time.sleep(0.2)
    addr = address(buyer)
    cart_add(buyer, prods[0][0], prods[0][1])
    b = buy(buyer, addr)
    deadline = time.time() + 30
    while must(call("GET", "/orders/" + b["order"], buyer), (200,),
               "order")["order_status"] != "CONFIRMED":
        if time.time() > deadline:
            raise Failed("the buyer's order was not CONFIRMED in 30 s")
        time.sleep(0.1)
    with open(os.path.join(out, "fixtures.env"), "w") as f:
        f.write("PRODUCT_ID=%s\nSEARCH_Q=teapot\nREADER_TOKEN=%s\nBUYER_TOKEN=%s\nORDER_ID=%s\n"
                "CART_LINES=%d\n" % (prods[0][0], reader, buyer, b["order"], nprod))
    with open(os.path.join(out, "pairs.txt"), "w") as f:
        for t in adders:
            for pid, sku in prods:
                f.write("%s %s %s\n" % (t, pid, sku))


# --- checkout to confirmed --------------------------------------------------------------------

def wait_db(what, sql, want, seconds):
    """Polls sql (one count) until it reaches want; the seconds it took, or None."""
    t0 = time.time()
    while True:
        got = int(psql(sql)[0][0])
        if got >= want:
            return time.time() - t0
        if time.time() - t0 > seconds:
            print("journey: %s: %d of %d after %d s" % (what, got, want, seconds), file=sys.stderr)
            return None
        time.sleep(0.05)


def event_latencies(order_ids, wait_s):
    """OrderCreated commit -> notification's effects, per order (ms): consumed (its
    processed_events row), message row, mail sent. Waits for the mails first."""
    arr = ids_array(order_ids)
    wait_db("OrderCreated mails sent",
            "SELECT count(*) FROM notifications.messages WHERE cause_type = 'OrderCreated' "
            "AND channel = 'email' AND status = 'SENT' AND order_id = ANY(%s)" % arr,
            len(order_ids), wait_s)
    rows = psql(
        "SELECT 1000 * extract(epoch FROM pe.processed_at - (o.payload::json->>'time')::timestamptz),"
        " 1000 * extract(epoch FROM m.created_at - (o.payload::json->>'time')::timestamptz),"
        " 1000 * extract(epoch FROM m.sent_at - (o.payload::json->>'time')::timestamptz),"
        " 1000 * extract(epoch FROM ob.created_at - (o.payload::json->>'time')::timestamptz)"
        " FROM orders.outbox o"
        " LEFT JOIN notifications.processed_events pe ON pe.event_id = o.event_id"
        " LEFT JOIN notifications.messages m ON m.cause_event_id = o.event_id::text"
        "  AND m.channel = 'email'"
        " LEFT JOIN orders.orders ob ON ob.id::text = o.key"
        " WHERE o.type = 'OrderCreated' AND o.key::uuid = ANY(%s)" % arr)
    cols = [[], [], [], []]
    for r in rows:
        for i in range(4):
            if r[i] != "":
                cols[i].append(float(r[i]))
    return {"consumed": cols[0], "message": cols[1], "sent": cols[2], "order_tx": cols[3]}


def registration_latencies(since):
    """UserRegistered commit -> consumed by notification (its processed_events row) and
    by cart, for this run's registrations (ms)."""
    out = {}
    for schema in ("notifications", "cart"):
        exists = psql("SELECT to_regclass('%s.processed_events') IS NOT NULL" % schema)[0][0]
        if exists != "t":
            continue
        rows = psql(
            "SELECT 1000 * extract(epoch FROM pe.processed_at - (o.payload::json->>'time')::timestamptz)"
            " FROM identity.outbox o JOIN %s.processed_events pe ON pe.event_id = o.event_id"
            " WHERE o.type = 'UserRegistered' AND o.created_at >= to_timestamp(%f)"
            " AND o.payload LIKE '%%bench-%s-%%'" % (schema, since, TAG))
        if rows:
            out[schema] = [float(r[0]) for r in rows]
    return out


def checkout_steps(log, offset, ids):
    """The order service's per-step times (ms) of the given orders, from its log."""
    steps = {}
    want = set(ids)
    try:
        with open(log) as f:
            f.seek(offset)
            for line in f:
                if "checkout timings" not in line:
                    continue
                try:
                    msg = json.loads(line).get("msg", "")
                except ValueError:
                    continue
                parts = dict(p.split("=", 1) for p in msg.split() if "=" in p)
                if parts.get("order") not in want:
                    continue
                for k, v in parts.items():
                    if k not in ("order", "lines"):
                        steps.setdefault(k, []).append(float(v))
    except OSError:
        pass
    return steps


def cmd_checkout(out):
    ncarts = int(os.environ.get("CARTS", "200"))
    conc = int(os.environ.get("CONCURRENCY", "16"))
    npaced = int(os.environ.get("PACED", "40"))
    pace = int(os.environ.get("PACE_MS", "100")) / 1000
    wait_s = int(os.environ.get("WAIT_S", "120"))
    admin = admin_token()
    seller = user("seller", 0)
    (pid, sku), = products(admin, seller, 1, (ncarts + npaced) * 2)

    def prepare(i):
        token = user("customer", i)
        addr = address(token)
        cart_add(token, pid, sku)
        return token, addr

    t_reg = time.time()
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        carts = list(ex.map(prepare, range(1, ncarts + npaced + 1)))
    prep_s = time.monotonic() - t0
    print("journey: %d carts prepared in %.1f s" % (len(carts), prep_s), file=sys.stderr)
    time.sleep(1)  # the last registrations' events
    reg = registration_latencies(t_reg - 1)

    # (1) light load: one journey at a time.
    paced = []
    for token, addr in carts[:npaced]:
        paced.append(buy(token, addr))
        time.sleep(pace)
    paced_ids = [b["order"] for b in paced]
    wait_db("paced orders CONFIRMED", "SELECT count(*) FROM orders.orders WHERE order_status = "
            "'CONFIRMED' AND id = ANY(%s)" % ids_array(paced_ids), len(paced_ids), wait_s)
    ev_paced = event_latencies(paced_ids, wait_s) if paced_ids else None
    time.sleep(1)

    # (2) the burst: every other cart, CONCURRENCY at a time.
    queue, lock, done, errors = iter(carts[npaced:]), threading.Lock(), [], []

    def worker():
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                return
            try:
                b = buy(*item)
            except (Failed, OSError, http.client.HTTPException) as e:
                with lock:
                    errors.append(str(e))
                continue
            with lock:
                done.append(b)

    log = os.environ.get("ORDER_LOG", "")
    log_from = os.path.getsize(log) if log and os.path.exists(log) else 0
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    t_start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t_clients = time.time()
    ids = [b["order"] for b in done]
    waited = wait_db("burst orders CONFIRMED", "SELECT count(*) FROM orders.orders WHERE "
                     "order_status = 'CONFIRMED' AND id = ANY(%s)" % ids_array(ids), len(ids),
                     wait_s) if ids else None
    confirmed = {r[0]: float(r[1]) for r in psql(
        "SELECT order_id, extract(epoch FROM min(created_at)) FROM orders.order_status_history"
        " WHERE to_status = 'CONFIRMED' AND order_id = ANY(%s) GROUP BY order_id" % ids_array(ids))} \
        if ids else {}
    ev_burst = event_latencies(ids, wait_s) if ids else None
    steps = checkout_steps(log, log_from, ids) if log else {}

    checkout_ms = [1000 * (b["checkout_done"] - b["start"]) for b in done]
    initiate_ms = [1000 * (b["initiated"] - b["checkout_done"]) for b in done]
    pay_ms = [1000 * (b["paid"] - b["initiated"]) for b in done]
    to_confirmed = [1000 * (confirmed[b["order"]] - b["start"]) for b in done
                    if b["order"] in confirmed]
    paid_to_confirmed = [1000 * (confirmed[b["order"]] - b["paid"]) for b in done
                         if b["order"] in confirmed]
    last = max(confirmed.values()) if confirmed else float("nan")
    wall = last - t_start
    rate = len(confirmed) / wall if confirmed and wall > 0 else 0.0

    lines = []
    w = lines.append
    w("## Checkout to CONFIRMED")
    w("")
    w("%d carts prepared beforehand (%d customers registered at the production password cost,"
      % (ncarts, ncarts + npaced))
    w("4 at a time, each with an address and one line of one hot SKU: %.1f s). Then %d client"
      % (prep_s, conc))
    w("threads, one keep-alive connection each, run every cart's journey through the gateway:")
    w("`POST /checkout` → `POST /payment/initiate {provider: fake}` → `POST /payment/fake/:id`")
    w("`action=pay` (the payment service signs a webhook and posts it back through the gateway);")
    w("CONFIRMED is the order's `order_status_history` row (PaymentSucceeded consumed and")
    w("inventory's StockCommitted, in either order). Clocks: the client's and PostgreSQL's, same machine.")
    w("")
    w("| orders | failed | client phase s | all CONFIRMED after s | orders/s (start → last CONFIRMED) |")
    w("|---:|---:|---:|---:|---:|")
    w("| %d of %d | %d | %.1f | %s | **%.1f** |" % (
        len(confirmed), ncarts, len(errors), t_clients - t_start,
        "%.1f" % wall if confirmed else "n/a", rate))
    w("")
    w("| step (ms) | n | p50 | p90 | p99 | max |")
    w("|---|---:|---:|---:|---:|---:|")
    w(stats_row("POST /checkout", checkout_ms))
    w(stats_row("POST /payment/initiate", initiate_ms))
    w(stats_row("POST /payment/fake/:id (pay, webhook inside)", pay_ms))
    w(stats_row("pay answered → CONFIRMED", paid_to_confirmed))
    w(stats_row("**checkout start → CONFIRMED**", to_confirmed))
    if steps:
        w("")
        w("Inside the order service, per checkout of the burst (its \"checkout timings\" log lines):")
        w("items = the cart's GET /internal/carts; prices = catalog batch + inventory availability;")
        w("address = identity; quote = fulfillment's shipping quote; reserve = inventory's")
        w("reservation; store = the order's transaction (order, lines, history, outbox, idempotency).")
        w("")
        w("| checkout step (ms) | n | p50 | p90 | p99 | max |")
        w("|---|---:|---:|---:|---:|---:|")
        for k, v in steps.items():
            w(stats_row(k, v))
    if errors:
        w("")
        w("First failures: " + "; ".join(sorted(set(errors))[:3]).replace("|", "/"))
    w("")
    w("## Event latency, commit → effect")
    w("")
    w("Commit time = the event envelope's `time` (written with the outbox row in the")
    w("committing transaction, just before COMMIT; ms precision). Effects, read from the")
    w("database: *consumed* = the consumer's `processed_events` row (inserted in the same")
    w("transaction as its effect: for OrderCreated, the order-created email's `messages` row);")
    w("*mail sent* = that message's `sent_at` (after the SMTP catcher accepted it). The")
    w("timestamps inside PostgreSQL are `now()`, the start of the writing transaction.")
    w("")
    w("| event → effect (ms) | n | p50 | p90 | p99 | max |")
    w("|---|---:|---:|---:|---:|---:|")
    for label, ev in (("light load, %d journeys one at a time" % npaced, ev_paced),
                      ("during the %d-thread burst" % conc, ev_burst)):
        if not ev:
            continue
        w(stats_row("OrderCreated → notification consumed, message row written (%s)" % label,
                    ev["consumed"]))
        w(stats_row("OrderCreated → **mail sent** (%s)" % label, ev["sent"]))
    for schema, v in sorted(reg.items()):
        w(stats_row("UserRegistered → %s consumed (this phase's registrations, 4 at a time)"
                    % schema, v))
    with open(os.path.join(out, "journey.md"), "w") as f:
        f.write("\n".join(lines) + "\n")

    def p99(v):
        return fmt(pct(v, 99)) if v else "n/a"

    consumed_all = (ev_paced["consumed"] if ev_paced else []) + (ev_burst["consumed"] if ev_burst else [])
    with open(os.path.join(out, "journey.env"), "w") as f:
        f.write("ORDERS=%d\nORDERS_OK=%d\nORDERS_FAILED=%d\nORDERS_PER_S=%.1f\n" % (
            ncarts, len(confirmed), len(errors), rate))
        f.write("CHECKOUT_P50=%s\nCHECKOUT_P99=%s\nCONFIRMED_P50=%s\nCONFIRMED_P99=%s\n" % (
            fmt(pct(checkout_ms, 50)), p99(checkout_ms), fmt(pct(to_confirmed, 50)),
            p99(to_confirmed)))
        f.write("OC_CONSUMED_PACED_P99=%s\nOC_SENT_PACED_P99=%s\nOC_CONSUMED_BURST_P99=%s\n"
                "OC_SENT_BURST_P99=%s\nOC_SENT_PACED_P50=%s\nOC_CONSUMED_ALL_P99=%s\n" % (
                    p99(ev_paced["consumed"]) if ev_paced else "n/a",
                    p99(ev_paced["sent"]) if ev_paced else "n/a",
                    p99(ev_burst["consumed"]) if ev_burst else "n/a",
                    p99(ev_burst["sent"]) if ev_burst else "n/a",
                    fmt(pct(ev_paced["sent"], 50)) if ev_paced else "n/a",
                    p99(consumed_all)))
        f.write("UR_NOTIFICATION_P99=%s\n" % p99(reg.get("notifications", [])))
    print("\n".join(lines), file=sys.stderr)
    if errors or waited is None:
        sys.exit("journey: %d journeys failed, %d of %d orders CONFIRMED" % (
            len(errors), len(confirmed), len(ids)))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("fixtures", "checkout"):
        sys.exit(__doc__)
    try:
        (cmd_fixtures if sys.argv[1] == "fixtures" else cmd_checkout)(sys.argv[2])
    except Failed as e:
        sys.exit("journey: %s" % e)


if __name__ == "__main__":
    main()
