#!/usr/bin/env bash
# webhooks.sh - fake-provider webhooks handled per second, and their latency, directly
# against one payment replica (POST /payment/webhook/fake): (a) "new": every webhook is
# a distinct, correctly signed success for its own INITIATED payment, so each one
# verifies the signature, locks the payment, records the notification, moves the payment
# to SUCCEEDED and writes PaymentSucceeded to the outbox in one transaction; (b)
# "duplicate": the same webhooks again, each answered from the notification's unique key.
# Writes bench/RESULTS-payment.md. A measurement, not a test.
#
# Needs a running stack (make up), read from RUN_DIR/stack.env. The payments are seeded
# with SQL as the database superuser, for made-up orders (the order service and
# inventory ignore the PaymentSucceeded of orders they do not know).
#
# Environment: RUN_DIR (default <repo>/.run), BUILD_DIR (for the report), WRK_THREADS (2),
# WRK_CONNECTIONS (16), WRK_DURATION (10s), WEBHOOKS (40000: more than a run sends),
# RESULTS (default bench/RESULTS-payment.md).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${RUN_DIR:-$REPO_DIR/.run}
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build}
RESULTS=${RESULTS:-$REPO_DIR/bench/RESULTS-payment.md}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-16}
WRK_DURATION=${WRK_DURATION:-10s}
WEBHOOKS=${WEBHOOKS:-40000}
STACK_ENV=$RUN_DIR/stack.env
PY=/usr/bin/python3

. "$REPO_DIR/bench/lib.sh"
bench_require bench-webhooks wrk psql "$PY"
PAYMENT_URL=$(env_get PAYMENT_URLS | cut -d, -f1)
DATABASE_URL=$(env_get DATABASE_URL)
SECRET=$(env_get FAKE_WEBHOOK_SECRET)
[ -n "$PAYMENT_URL" ] && [ -n "$SECRET" ] || {
    echo "bench: the stack runs no payment service (or has no FAKE_WEBHOOK_SECRET)" >&2
    exit 1
}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
[ "$WEBHOOKS" -gt 0 ] 2>/dev/null || {
    echo "bench: WEBHOOKS must be a positive number" >&2
    exit 1
}
export WRK_THREADS

# --- seed -------------------------------------------------------------------------------
RUN=$(date +%s)
echo "bench: seeding $WEBHOOKS INITIATED fake payments (run $RUN)" >&2
psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" <<SQL
INSERT INTO payments.payments (id, order_id, customer_id, provider, amount, currency,
                               provider_reference, version)
SELECT p, gen_random_uuid(), '00000000-0000-4000-8000-000000000001', 'fake', 1000, 'NPR',
       p::text, 1
FROM (SELECT gen_random_uuid() AS p FROM generate_series(1, $WEBHOOKS)) s;
SQL
psql -X -qAt "$DATABASE_URL" -c \
    "SELECT id FROM payments.payments WHERE provider = 'fake' AND status = 'INITIATED' AND customer_id = '00000000-0000-4000-8000-000000000001' ORDER BY created_at DESC LIMIT $WEBHOOKS" \
    >"$WORK/ids.txt"

# Signed now: the run must start within the 300 s tolerance.
"$PY" - "$SECRET" "$RUN" "$WORK/ids.txt" >"$WORK/webhooks.tsv" <<'EOF_PY'
import hashlib, hmac, sys, time
secret, run = sys.argv[1].encode(), sys.argv[2]
t = str(int(time.time()))
for n, pid in enumerate(open(sys.argv[3]).read().split()):
    body = ('{"id":"evt_bench_%s_%d","type":"payment.succeeded","created":%s,"data":'
            '{"payment_id":"%s","amount":1000,"currency":"NPR"}}' % (run, n, t, pid))
    sig = hmac.new(secret, (t + "." + body).encode(), hashlib.sha256).hexdigest()
    print("t=%s,v1=%s\t%s" % (t, sig, body))
EOF_PY

# "rps p50 p90 p99 statuses / results" of a wrk output (latencies in ms).
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
        $1 == "results:"      { $1 = ""; rs = $0 }
        END { printf "%.0f %.2f %.2f %.2f |%s |%s\n", rps, p50, p90, p99, st, rs }' "$1"
}
declare -A R
run() {
    local label=$1
    echo "bench: $label: wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION" >&2
    WEBHOOK_FILE=$WORK/webhooks.tsv wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" \
        -d"$WRK_DURATION" --latency -s "$REPO_DIR/bench/webhook.lua" "$PAYMENT_URL" \
        >"$WORK/$label.txt"
    cat "$WORK/$label.txt" >&2
    R[$label]=$(wrk_figures "$WORK/$label.txt")
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
run new
# Replay only what the first run sent, so every request of the second is a duplicate.
sent=$(echo "${R[new]}" | grep -o 'applied=[0-9]*' | cut -d= -f2)
head -n "${sent:-1}" "$WORK/webhooks.tsv" >"$WORK/sent.tsv"
mv "$WORK/sent.tsv" "$WORK/webhooks.tsv"
run duplicate

# Each applied webhook must have produced exactly one event, no payment two.
events=$(psql -X -qAt "$DATABASE_URL" -c \
    "SELECT count(*) FROM payments.notifications WHERE provider_event_id LIKE 'evt_bench_${RUN}_%' AND result = 'applied'")
succeeded=$(psql -X -qAt "$DATABASE_URL" -c \
    "SELECT count(*) FROM payments.payments WHERE status = 'SUCCEEDED' AND customer_id = '00000000-0000-4000-8000-000000000001' AND id::text IN (SELECT payment_id::text FROM payments.notifications WHERE provider_event_id LIKE 'evt_bench_${RUN}_%')")

f() { echo "${R[$1]}" | cut -d' ' -f"$2"; }
st() { echo "${R[$1]}" | cut -d'|' -f2; }
rs() { echo "${R[$1]}" | cut -d'|' -f3; }
rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
sanitize=$(sed -n 's/^SANITIZE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
{
    echo "# Payment benchmark: fake-provider webhooks"
    echo
    echo "Written by \`bench/webhooks.sh\` on $(date -u +%Y-%m-%dT%H:%M:%SZ), revision $rev."
    echo "A measurement on one machine, not a test: expect ±15% between runs."
    echo
    echo "- CPU: $(nproc) cores, shared by wrk, payment, PostgreSQL (fsync=off), the broker and the other daemons"
    echo "- Build: \`$(basename "$BUILD_DIR")\` (${build_type:-?}, SANITIZE=${sanitize:-OFF})"
    echo "- Load average before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "One payment replica, called directly. \`wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency -s bench/webhook.lua\`."
    echo
    echo "| run | webhooks/s | p50 ms | p90 ms | p99 ms | HTTP statuses | results |"
    echo "|---|---|---|---|---|---|---|"
    for label in new duplicate; do
        echo "| $label | $(f "$label" 1) | $(f "$label" 2) | $(f "$label" 3) | $(f "$label" 4) | $(st "$label") | $(rs "$label") |"
    done
    echo
    echo "- **new**: each webhook a distinct signed success for its own INITIATED payment:"
    echo "  HMAC check, then one transaction (lock the payment, insert the notification, update"
    echo "  the payment, insert PaymentSucceeded into the outbox), while the relay publishes."
    echo "- **duplicate**: the same webhooks again: the notification's unique key answers."
    echo "  (A few may still apply: lines the first run's slower wrk thread had not reached.)"
    echo
    echo "Afterwards: $events notifications applied, $succeeded payments SUCCEEDED by them (equal: one event per payment)."
} >"$RESULTS"
echo "bench: wrote $RESULTS" >&2
[ "$events" = "$succeeded" ]
