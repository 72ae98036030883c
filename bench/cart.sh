#!/usr/bin/env bash
# cart.sh - the cart's benchmark (make bench-cart). Writes bench/RESULTS-cart.md.
# A measurement, not a test: it fails only when the figures would be invalid (non-2xx
# responses, a setup step that failed).
#
#   Setup, through the gateway: a seller, CART_PRODUCTS approved products each with a
#   stocked SKU, CART_CUSTOMERS customers; the first customer's cart gets one line of
#   every product (10 lines by default). Before measuring, the cart's read model must
#   hold every product as approved, so no read takes the fallback path.
#   1. GET /cart of the 10-line cart, through the gateway and directly against the cart
#      (token check + one joined SELECT + pricing + rendering).
#   2. POST /cart/items through the gateway: bench/cart_add.lua spreads adds over every
#      (customer, product) pair; each add locks its cart row, merges into its line and
#      answers the priced line. Every add merges, so the stack runs with
#      CART_MAX_QUANTITY=10000 (make bench-cart): 10000 units per pair before a 409.
#   Each run follows a discarded warm-up run with the same settings.
#
# Needs a running stack with catalog, inventory and cart (make bench-cart starts one),
# read from RUN_DIR/stack.env; its gateway must not rate-limit the load generator and
# every daemon needs HTTP_THREADS >= WRK_CONNECTIONS.
#
# Environment: RUN_DIR (<repo>/.run), BUILD_DIR (<repo>/build), WRK_THREADS (2),
# WRK_CONNECTIONS (16), WRK_DURATION (10s), WARMUP (3s), CART_PRODUCTS (10),
# CART_CUSTOMERS (32), RESULTS (bench/RESULTS-cart.md).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${RUN_DIR:-$REPO_DIR/.run}
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build}
RESULTS=${RESULTS:-$REPO_DIR/bench/RESULTS-cart.md}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-16}
WRK_DURATION=${WRK_DURATION:-10s}
WARMUP=${WARMUP:-3s}
CART_PRODUCTS=${CART_PRODUCTS:-10}
CART_CUSTOMERS=${CART_CUSTOMERS:-32}
STACK_ENV=$RUN_DIR/stack.env
PY=/usr/bin/python3

. "$REPO_DIR/bench/lib.sh"
bench_require bench-cart wrk curl psql "$PY"
GATEWAY_URL=$(env_get GATEWAY_URL)
CART_URL=$(env_get CART_URLS | cut -d, -f1)
[ -n "$GATEWAY_URL" ] && [ -n "$CART_URL" ] && [ -n "$(env_get CATALOG_URLS)" ] &&
    [ -n "$(env_get INVENTORY_URLS)" ] || {
    echo "bench-cart: the stack needs the gateway, catalog, inventory and cart" >&2
    exit 1
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# --- setup -------------------------------------------------------------------------------
echo "bench-cart: setup: $CART_PRODUCTS products, $CART_CUSTOMERS customers" >&2
"$PY" - "$GATEWAY_URL" "$(env_get ADMIN_EMAIL)" "$(env_get ADMIN_PASSWORD)" "$CART_PRODUCTS" \
    "$CART_CUSTOMERS" "$WORK" <<'EOF'
import concurrent.futures, json, os, sys, urllib.error, urllib.request

gw, admin_email, admin_password, nproducts, ncustomers, work = sys.argv[1:7]
nproducts, ncustomers = int(nproducts), int(ncustomers)
tag = "%d-%d" % (os.getpid(), int.from_bytes(os.urandom(3), "big"))

def call(method, path, token=None, body=None, expect=(200, 201)):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(gw + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    if status not in expect:
        raise SystemExit("bench-cart: %s %s -> %d %s" % (method, path, status, text[:300]))
    return json.loads(text) if text else None

def user(role, i):
    email = "cart-bench-%s-%s-%d@bench.local" % (tag, role, i)
    password = "bench-password-%d" % i
    call("POST", "/auth/register", body={"email": email, "password": password,
                                          "name": "Bench", "role": role})
    return call("POST", "/auth/login", body={"email": email, "password": password})["access_token"]

admin = call("POST", "/auth/login", body={"email": admin_email, "password": admin_password})["access_token"]
seller = user("seller", 0)
category = "cart-bench-" + tag
call("POST", "/admin/categories", admin, {"slug": category, "name": "Cart bench " + tag})
products = []
for i in range(nproducts):
    p = call("POST", "/seller/products", seller, {"title": "Bench product %d" % i,
             "description": "for bench/cart.sh", "price": 1000 + 37 * i, "currency": "NPR",
             "category": category})
    call("PUT", "/admin/products/%s/approve" % p["id"], admin)
    sku = "CB-%s-%d" % (tag, i)
    call("POST", "/seller/products/%s/inventory" % p["id"], seller,
         {"sku": sku, "quantity": 1000000000})
    products.append((p["id"], sku))
# Argon2id at the production cost: a few registrations at a time.
with concurrent.futures.ThreadPoolExecutor(4) as ex:
    customers = list(ex.map(lambda i: user("customer", i), range(1, ncustomers + 1)))
for pid, sku in products:
    call("POST", "/cart/items", customers[0], {"product_id": pid, "sku": sku, "quantity": 1})
cart = call("GET", "/cart", customers[0])
if cart["line_count"] != nproducts or cart["flagged_count"] != 0:
    raise SystemExit("bench-cart: the read cart is not %d purchasable lines: %s" % (nproducts, cart))
with open(os.path.join(work, "reader.token"), "w") as f:
    f.write(customers[0])
with open(os.path.join(work, "products.txt"), "w") as f:
    for pid, _ in products:
        f.write(pid + "\n")
with open(os.path.join(work, "pairs.txt"), "w") as f:
    for t in customers[1:]:
        for pid, sku in products:
            f.write("%s %s %s\n" % (t, pid, sku))
EOF

# Reads must be served from the read model: every product there, approved (by its
# event or by the fallback of the adds above).
DB_URL=$(env_get DATABASE_URL)
ids=$(paste -sd, "$WORK/products.txt" | sed "s/[^,]*/'&'/g")
deadline=$((SECONDS + 30))
until [ "$(psql -X -q -t -A "$DB_URL" -c "SELECT count(*) FROM cart.products WHERE status = 'APPROVED' AND id IN ($ids)")" = "$CART_PRODUCTS" ]; do
    [ $SECONDS -lt $deadline ] || {
        echo "bench-cart: the cart's read model did not get the products" >&2
        exit 1
    }
    sleep 0.2
done

load1() {
    cut -d' ' -f1 /proc/loadavg
}
# "rps p50 p90 p99 non2xx socket_errors" (ms) of a wrk output.
wrk_figures() {
    awk '
        function ms(v) {
            if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
            if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
            if (v ~ /m$/)  { sub(/m$/, "", v);  return v * 60000 }
            if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
            return v
        }
        $1 == "50%"           { p50 = ms($2) }
        $1 == "90%"           { p90 = ms($2) }
        $1 == "99%"           { p99 = ms($2) }
        $1 == "Requests/sec:" { rps = $2 }
        /Non-2xx or 3xx/      { bad = $NF }
        /Socket errors/       { gsub(/,/, ""); errs = $4 + $6 + $8 + $10 }
        END { printf "%.0f %.2f %.2f %.2f %d %d\n", rps, p50, p90, p99, bad + 0, errs + 0 }' "$1"
}
# run_wrk LABEL URL [wrk args]: warm-up, then the measured run; prints the figures + load.
run_wrk() {
    local label=$1 url=$2 load
    shift 2
    echo "bench-cart: $label: warm-up $WARMUP, then wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency $* $url" >&2
    wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WARMUP" --latency "$@" "$url" >"$WORK/$label.warmup"
    sleep 1 # let keep-alive connections of the warm-up free their workers
    load=$(load1)
    wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency "$@" "$url" >"$WORK/$label.txt"
    sleep 1
    cat "$WORK/$label.txt" >&2
    echo "$(wrk_figures "$WORK/$label.txt") $load"
}

export TOKEN
TOKEN=$(cat "$WORK/reader.token")
declare -A R
R[get-gw]=$(run_wrk get-gw "$GATEWAY_URL/cart" -s "$REPO_DIR/bench/auth.lua")
R[get-direct]=$(run_wrk get-direct "$CART_URL/cart" -s "$REPO_DIR/bench/auth.lua")
export CART_BENCH_FILE=$WORK/pairs.txt
R[add-gw]=$(run_wrk add-gw "$GATEWAY_URL" -s "$REPO_DIR/bench/cart_add.lua")

# Every add was a merge of one unit; the carts hold what was added.
ADDED=$(psql -X -q -t -A "$DB_URL" -c "SELECT coalesce(sum(quantity), 0) FROM cart.cart_items")

# --- RESULTS-cart.md -------------------------------------------------------------------
row() {
    read -r rps p50 p90 p99 bad errs load <<<"${R[$2]}"
    echo "| $1 | $rps | $p50 | $p90 | $p99 | $bad | $errs | $load |"
}
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")
dirty=$(git -C "$REPO_DIR" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " with uncommitted changes" || true)
{
    echo "# Cart benchmark"
    echo
    echo "Written by \`bench/cart.sh\` (\`make bench-cart\`) on $(date -u +%Y-%m-%dT%H:%M:%SZ), revision $rev$dirty."
    echo "A measurement on one machine, not a test: expect ±15% between runs, more when the"
    echo "load average is well above 0."
    echo
    echo "## Machine and stack"
    echo
    echo "- CPU: $cpu, $(nproc) cores, shared by wrk, every daemon, PostgreSQL and the broker"
    echo "- Build: \`${BUILD_DIR#"$REPO_DIR"/}\` ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || echo "?"), SANITIZE=$(sed -n 's/^SANITIZE:BOOL=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || echo "?"))"
    echo "- Stack: \`scripts/stack.sh up\` (identity ×2, catalog, inventory, cart, gateway; PostgreSQL"
    echo "  with fsync=off; the development broker) with HTTP_THREADS=${HTTP_THREADS:-default},"
    echo "  RATE_LIMIT_RPS=${RATE_LIMIT_RPS:-default}, CART_MAX_QUANTITY=${CART_MAX_QUANTITY:-default}."
    echo "- Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "## What ran"
    echo
    echo '```'
    echo "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency -s bench/auth.lua \$GATEWAY_URL/cart       # a cart of $CART_PRODUCTS lines"
    echo "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency -s bench/auth.lua \$CART_URL/cart          # the same, direct"
    echo "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency -s bench/cart_add.lua \$GATEWAY_URL       # POST /cart/items"
    echo '```'
    echo
    echo "Each run follows a $WARMUP warm-up run, discarded. \`GET /cart\`: token check, one SELECT"
    echo "joining the cart's lines with the products and SKU read model, pricing and flags, JSON."
    echo "\`POST /cart/items\`: token check, product and SKU from the read model in one SELECT,"
    echo "one transaction (create-or-lock the cart row; count its lines and find the SKU's line in"
    echo "one statement; merge), the priced line back: 6 database round trips in all."
    echo "$((CART_CUSTOMERS - 1)) customers × $CART_PRODUCTS SKUs round-robin, one unit per add (units in all"
    echo "carts after the runs, warm-ups included: $ADDED)."
    echo
    echo "The load column is the 1-minute load average when each run started: above 2 (the"
    echo "core count) something else was competing for the CPU and every figure is low."
    echo
    echo "## Results"
    echo
    echo "| request | req/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors | load |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    row "GET /cart, $CART_PRODUCTS lines, gateway → cart" get-gw
    row "GET /cart, $CART_PRODUCTS lines, direct" get-direct
    row "POST /cart/items, gateway → cart" add-gw
} >"$RESULTS"
echo "bench-cart: results in $RESULTS" >&2

for k in "${!R[@]}"; do
    read -r _ _ _ _ nb _ <<<"${R[$k]}"
    if [ "${nb:-0}" -ne 0 ]; then
        echo "bench-cart: $k had non-2xx responses: the figures are not valid" >&2
        exit 1
    fi
done
