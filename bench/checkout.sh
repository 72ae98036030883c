#!/usr/bin/env bash
# checkout.sh - checkouts per second end to end through the gateway, their latency (p50,
# p99), and how the time divides between the checkout's steps. Writes
# bench/RESULTS-order.md. A measurement, not a test.
#
# Each checkout consumes a cart, so the carts are prepared beforehand: CUSTOMERS
# customers, each registered, with an address and one line in the cart, all through the
# gateway. Then CONCURRENCY client threads check them out, each cart once, as fast as the
# system answers (one keep-alive connection per thread). The step times come from the
# order service's own log: one "checkout timings" line per checkout (see
# services/order/checkout.c).
#
# Needs a running stack, read from RUN_DIR/stack.env. Start it so that registration is
# cheap and nothing throttles the load, e.g.:
#   PWHASH_OPSLIMIT=1 PWHASH_MEMLIMIT=8192 HTTP_THREADS=64 RATE_LIMIT_RPS=0 \
#   RATE_LIMIT_BURST=0 RUN_DIR=... BUILD_DIR=... scripts/stack.sh up
#
# Environment: RUN_DIR (default <repo>/.run), CUSTOMERS (400), CONCURRENCY (16),
# RESULTS (default bench/RESULTS-order.md).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${RUN_DIR:-$REPO_DIR/.run}
RESULTS=${RESULTS:-$REPO_DIR/bench/RESULTS-order.md}
CUSTOMERS=${CUSTOMERS:-400}
CONCURRENCY=${CONCURRENCY:-16}
STACK_ENV=$RUN_DIR/stack.env

. "$REPO_DIR/bench/lib.sh"
bench_require bench-checkout /usr/bin/python3
GATEWAY_URL=$(env_get GATEWAY_URL)
ADMIN_EMAIL=$(env_get ADMIN_EMAIL)
ADMIN_PASSWORD=$(env_get ADMIN_PASSWORD)
ORDER_LOG=$RUN_DIR/logs/order.log
[ -f "$ORDER_LOG" ] || {
    echo "bench-checkout: the stack runs no order service ($ORDER_LOG missing)" >&2
    exit 1
}

export GATEWAY_URL ADMIN_EMAIL ADMIN_PASSWORD ORDER_LOG CUSTOMERS CONCURRENCY RESULTS
exec /usr/bin/python3 - <<'EOF'
import concurrent.futures, http.client, json, os, statistics, sys, threading, time, uuid
from urllib.parse import urlparse

gw = urlparse(os.environ["GATEWAY_URL"])
customers = int(os.environ["CUSTOMERS"])
concurrency = int(os.environ["CONCURRENCY"])
local = threading.local()


def call(method, path, token=None, body=None):
    """One request on this thread's keep-alive connection; (status, parsed body)."""
    for attempt in range(2):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(gw.hostname, gw.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None,
                         headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            local.conn = None
            if attempt == 1:
                raise
            continue
        try:
            return resp.status, json.loads(data) if data else None
        except ValueError:
            return resp.status, None


def must(status_body, want, what):
    status, body = status_body
    if status not in want:
        sys.exit("bench-checkout: %s: %d %s" % (what, status, body))
    return body


def user(role):
    email = "bench-%s-%s@bench.test" % (role, uuid.uuid4().hex[:12])
    must(call("POST", "/auth/register", body={"email": email, "password": "correct horse battery",
                                              "name": "Bench", "role": role}), (201,), "register")
    b = must(call("POST", "/auth/login", body={"email": email, "password": "correct horse battery"}),
             (200,), "login")
    return b["access_token"]


# --- the product: one approved product with stock for every cart -----------------------------
admin = must(call("POST", "/auth/login", body={"email": os.environ["ADMIN_EMAIL"],
                                               "password": os.environ["ADMIN_PASSWORD"]}),
             (200,), "admin login")["access_token"]
seller = user("seller")
slug = "bench-" + uuid.uuid4().hex[:8]
must(call("POST", "/admin/categories", admin, {"slug": slug, "name": "Bench"}), (201,), "category")
product = must(call("POST", "/seller/products", seller,
                    {"title": "Bench tea", "description": "for the checkout benchmark",
                     "price": 1200, "currency": "NPR", "category": slug}), (201,), "product")["id"]
must(call("PUT", "/admin/products/%s/approve" % product, admin), (200,), "approve")
sku = "BENCH-" + uuid.uuid4().hex[:8]
must(call("POST", "/seller/products/%s/inventory" % product, seller,
          {"sku": sku, "quantity": customers * 2}), (201,), "stock")
# A zone when fulfillment runs (503 without it: shipping is then free).
must(call("POST", "/admin/zones", admin, {"name": "bench-NP", "country": "NP", "fee": 100,
                                          "currency": "NPR"}), (201, 409, 503), "zone")

# --- the carts, prepared beforehand -------------------------------------------------------
def prepare(_):
    token = user("customer")
    addr = must(call("POST", "/user/addresses", token,
                     {"name": "Bench Buyer", "phone": "+977 1 5550100", "line1": "Thamel 12",
                      "city": "Kathmandu", "district": "Kathmandu", "postal_code": "44600",
                      "country": "NP"}), (201,), "address")["id"]
    must(call("POST", "/cart/items", token, {"product_id": product, "sku": sku, "quantity": 1}),
         (201,), "cart")
    return token, addr


t0 = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    carts = list(ex.map(prepare, range(customers)))
print("bench-checkout: %d carts prepared in %.1f s" % (customers, time.monotonic() - t0),
      file=sys.stderr)

# --- the checkouts --------------------------------------------------------------------------
log_from = os.path.getsize(os.environ["ORDER_LOG"])
latencies, statuses, lock = [], {}, threading.Lock()
queue = iter(carts)


def worker():
    while True:
        with lock:
            item = next(queue, None)
        if item is None:
            return
        token, addr = item
        start = time.monotonic()
        status, _ = call("POST", "/checkout", token, {"address_id": addr, "payment_method": "fake"})
        took = (time.monotonic() - start) * 1000
        with lock:
            latencies.append(took)
            statuses[status] = statuses.get(status, 0) + 1


threads = [threading.Thread(target=worker) for _ in range(concurrency)]
t0 = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.monotonic() - t0
time.sleep(0.5)  # the last log lines


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else 0.0


# --- the steps, from the order service's log ------------------------------------------------
steps = {}
with open(os.environ["ORDER_LOG"]) as f:
    f.seek(log_from)
    for line in f:
        if "checkout timings" not in line:
            continue
        msg = json.loads(line).get("msg", "")
        for part in msg.split():
            if "=" in part and part.split("=")[0] not in ("order", "lines"):
                k, v = part.split("=", 1)
                steps.setdefault(k, []).append(float(v))

ok = statuses.get(201, 0)
rows = ["| %s | %.2f | %.2f | %.2f |" % (k, statistics.mean(v), pct(v, 50), pct(v, 99))
        for k, v in steps.items() if v]
report = """# Checkout benchmark (bench/checkout.sh)

%d checkouts of prepared carts (1 line each) through the gateway, %d client threads,
one keep-alive connection each; %s.

| checkouts/s | p50 ms | p99 ms | max ms | statuses |
|---|---|---|---|---|
| %.1f | %.1f | %.1f | %.1f | %s |

Time per step inside the order service (its "checkout timings" log lines, ms):

| step | mean | p50 | p99 |
|---|---|---|---|
%s

Steps: items = the cart service's GET /internal/carts; prices = catalog batch + inventory
availability batch; address = identity; quote = fulfillment (0 when it is not running);
reserve = inventory's reservation; store = the order's transaction (order, lines, history,
outbox, idempotency).
""" % (len(latencies), concurrency, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
       ok / wall if wall else 0, pct(latencies, 50), pct(latencies, 99),
       max(latencies) if latencies else 0, json.dumps(statuses), "\n".join(rows))
with open(os.environ["RESULTS"], "w") as f:
    f.write(report)
print(report)
if ok != len(carts):
    sys.exit("bench-checkout: %d of %d checkouts failed: %s" % (len(carts) - ok, len(carts), statuses))
EOF
