#!/usr/bin/env bash
# inventory.sh - reservations per second and the reserve call's latency, directly against
# one inventory replica (POST /internal/reservations with the service credential): every
# request reserves 1 unit for a new order, (a) all on one hot SKU, whose row lock
# serializes them, and (b) spread uniformly over 10,000 SKUs. Writes
# bench/RESULTS-inventory.md. A measurement, not a test.
#
# Needs a running stack (make bench-inventory starts one), read from RUN_DIR/stack.env.
# The SKUs are seeded directly with SQL as the database superuser (a product of a made-up
# seller; the catalog is not involved in reserving), with a count no run exhausts and the
# ledger rows that explain it.
#
# Environment: RUN_DIR (default <repo>/.run), BUILD_DIR (for the report), WRK_THREADS (2),
# WRK_CONNECTIONS (32), WRK_DURATION (10s), WARMUP (3s), SKUS (10000), RESULTS (default
# bench/RESULTS-inventory.md).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${RUN_DIR:-$REPO_DIR/.run}
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build}
RESULTS=${RESULTS:-$REPO_DIR/bench/RESULTS-inventory.md}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-32}
WRK_DURATION=${WRK_DURATION:-10s}
WARMUP=${WARMUP:-3s}
SKUS=${SKUS:-10000}
STACK_ENV=$RUN_DIR/stack.env
PY=/usr/bin/python3

. "$REPO_DIR/bench/lib.sh"
bench_require bench-inventory wrk curl
INVENTORY_URL=$(env_get INVENTORY_URLS | cut -d, -f1)
DATABASE_URL=$(env_get DATABASE_URL)
SERVICE_TOKEN=$(env_get SERVICE_TOKEN)
[ -n "$INVENTORY_URL" ] || {
    echo "bench: the stack runs no inventory" >&2
    exit 1
}
export SERVICE_TOKEN
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# --- seed -------------------------------------------------------------------------------
# One run's SKUs: BENCH-<run>-HOT and BENCH-<run>-1..SKUS, a billion units each.
RUN=$(date +%s)
PREFIX="BENCH-$RUN-"
echo "bench: seeding $SKUS SKUs and one hot SKU ($PREFIX*)" >&2
PRODUCT="00000000-0000-4000-8000-$(printf '%012d' "$RUN")"
SELLER="00000000-0000-4000-8000-000000000001"
psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" <<SQL
BEGIN;
INSERT INTO inventory.product_stock (product_id, seller_id, skus_in_stock)
VALUES ('$PRODUCT', '$SELLER', $SKUS + 1);
INSERT INTO inventory.skus (sku, product_id, seller_id, on_hand)
SELECT '$PREFIX' || g, '$PRODUCT'::uuid, '$SELLER'::uuid, 1000000000
FROM generate_series(1, $SKUS) AS g
UNION ALL
SELECT '${PREFIX}HOT', '$PRODUCT'::uuid, '$SELLER'::uuid, 1000000000;
INSERT INTO inventory.ledger (sku, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after)
SELECT sku, 'created', on_hand, 0, on_hand, 0 FROM inventory.skus WHERE sku LIKE '$PREFIX%';
COMMIT;
ANALYZE inventory.skus;
SQL

# --- runs -------------------------------------------------------------------------------
# "rps p50 p90 p99 statuses" of a wrk output (latencies in ms).
wrk_figures() {
    awk '
        function ms(v) {
            if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
            if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
            if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
            return v
        }
        $1 == "50%"           { p50 = ms($2) }
        $1 == "90%"           { p90 = ms($2) }
        $1 == "99%"           { p99 = ms($2) }
        $1 == "Requests/sec:" { rps = $2 }
        $1 == "statuses:"     { $1 = ""; st = $0 }
        END { printf "%.0f %.2f %.2f %.2f%s\n", rps, p50, p90, p99, st }' "$1"
}
# run LABEL SKU_PREFIX SKU_COUNT CONNECTIONS: a discarded warm-up, then the measured run.
run() {
    local label=$1 prefix=$2 count=$3 conns=$4
    echo "bench: $label: warm-up $WARMUP, then wrk -t$WRK_THREADS -c$conns -d$WRK_DURATION" >&2
    SKU_PREFIX=$prefix SKU_COUNT=$count wrk -t"$WRK_THREADS" -c"$conns" -d"$WARMUP" \
        -s "$REPO_DIR/bench/reserve.lua" "$INVENTORY_URL" >/dev/null
    sleep 1
    LOAD[$label]=$(cut -d' ' -f1 /proc/loadavg)
    SKU_PREFIX=$prefix SKU_COUNT=$count wrk -t"$WRK_THREADS" -c"$conns" -d"$WRK_DURATION" \
        --latency -s "$REPO_DIR/bench/reserve.lua" "$INVENTORY_URL" >"$WORK/$label.txt"
    cat "$WORK/$label.txt" >&2
    R[$label]=$(wrk_figures "$WORK/$label.txt")
    sleep 1
}
declare -A R LOAD
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
run hot-c8 "${PREFIX}HOT" 0 8
run hot "${PREFIX}HOT" 0 "$WRK_CONNECTIONS"
run spread-c8 "$PREFIX" "$SKUS" 8
run spread "$PREFIX" "$SKUS" "$WRK_CONNECTIONS"

# The books must balance after all that: every SKU's ledger sums to its counts, and the
# reservations held equal the units reserved.
check=$(psql -X -qAt "$DATABASE_URL" <<SQL
SELECT count(*) FROM inventory.skus s
JOIN (SELECT sku, sum(on_hand_delta) AS oh, sum(reserved_delta) AS rs
      FROM inventory.ledger WHERE sku LIKE '$PREFIX%' GROUP BY sku) l USING (sku)
WHERE s.on_hand <> l.oh OR s.reserved <> l.rs
   OR s.reserved <> (SELECT coalesce(sum(quantity), 0) FROM inventory.reservation_lines rl
                     JOIN inventory.reservations r USING (order_id)
                     WHERE rl.sku = s.sku AND r.status = 'RESERVED');
SQL
)
reserved_total=$(psql -X -qAt "$DATABASE_URL" -c \
    "SELECT sum(reserved) FROM inventory.skus WHERE sku LIKE '$PREFIX%'")
echo "bench: SKUs whose ledger or reservations disagree with the counts: $check" >&2

# --- report -----------------------------------------------------------------------------
f() { echo "${R[$1]}" | cut -d' ' -f"$2"; }
st() { echo "${R[$1]}" | cut -d' ' -f5-; }
rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")
dirty=$(git -C "$REPO_DIR" status --porcelain 2>/dev/null | head -n 1)
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
sanitize=$(sed -n 's/^SANITIZE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
{
    echo "# Inventory benchmark: reservations"
    echo
    echo "Written by \`bench/inventory.sh\` (\`make bench-inventory\`) on $(date -u +%Y-%m-%dT%H:%M:%SZ), revision $rev${dirty:+ with uncommitted changes}."
    echo "A measurement on one machine, not a test: expect ±15% between runs, more when the"
    echo "load average is well above 0."
    echo
    echo "## Machine"
    echo
    echo "- CPU: $(nproc) cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)), shared by wrk, inventory, PostgreSQL and the broker"
    echo "- Build: \`$(basename "$BUILD_DIR")\` (${build_type:-?}, SANITIZE=${sanitize:-OFF})"
    echo "- Load average before the runs: $LOAD_BEFORE (1, 5, 15 min); at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "## What ran"
    echo
    echo "One inventory replica, called directly (\`POST /internal/reservations\` with the"
    echo "service token; the gateway never routes /internal). Every request reserves 1 unit"
    echo "for a new order (\`bench/reserve.lua\`): one transaction inserting the reservation"
    echo "and its line, locking the SKU row (\`FOR NO KEY UPDATE\`), checking and updating its"
    echo "counts with the ledger row in one statement, and writing a \`StockReserved\` event"
    echo "into the outbox, which the relay publishes to the development broker meanwhile."
    echo "PostgreSQL runs with fsync=off (the local stack); HTTP_THREADS=${HTTP_THREADS:-16},"
    echo "DB_POOL_SIZE=${DB_POOL_SIZE:-10}."
    echo
    echo "- **hot**: every request on one SKU: its row lock serializes the transactions."
    echo "- **spread**: each request on one of $SKUS SKUs chosen uniformly at random."
    echo
    echo "Each run follows a $WARMUP warm-up run, discarded: \`wrk -t$WRK_THREADS -cC -d$WRK_DURATION --latency -s bench/reserve.lua \$INVENTORY_URL\`."
    echo
    echo "## Results"
    echo
    echo "| run | connections | reservations/s | p50 ms | p90 ms | p99 ms | statuses | load (1 min) |"
    echo "|---|---|---|---|---|---|---|---|"
    for label in hot-c8 hot spread-c8 spread; do
        conns=$WRK_CONNECTIONS
        case $label in *-c8) conns=8 ;; esac
        echo "| ${label%-c8} | $conns | $(f "$label" 1) | $(f "$label" 2) | $(f "$label" 3) | $(f "$label" 4) | $(st "$label") | ${LOAD[$label]} |"
    done
    echo
    echo "Afterwards: $reserved_total units reserved over the run's SKUs; SKUs whose ledger"
    echo "sums or RESERVED reservations disagree with their counts: **$check**."
    echo
    echo "## Reading the figures"
    echo
    echo "- **hot** is bound by the SKU's row lock: each transaction holds it for four round"
    echo "  trips (lock, update + ledger, outbox insert, COMMIT), so more connections only"
    echo "  queue longer (p50 grows with the connections, the rate does not)."
    echo "- **spread** has no contention worth the name; it is bound by the two cores shared"
    echo "  by PostgreSQL's backends, inventory, the outbox relay and wrk (about 8 statements"
    echo "  per reservation, plus the relay's publishing of each event)."
    echo "- Every 409 or 5xx would show under statuses; the check above shows the books"
    echo "  balanced after the load."
} >"$RESULTS"
echo "bench: wrote $RESULTS" >&2
[ "$check" = 0 ]
