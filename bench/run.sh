#!/usr/bin/env bash
# run.sh - the benchmark suite (make bench). Writes bench/RESULTS.md.
# A measurement, not a test: it fails only when the figures would be invalid (non-2xx
# responses, events lost, journeys that failed).
#
#   0. Fixtures through the gateway (bench/journey.py fixtures): products with stock, a
#      customer with a cart of PRODUCTS lines, a customer with a CONFIRMED order, and
#      customers whose carts POST /cart/items adds to.
#   1. Peak throughput of the main routes through the gateway at WRK_CONNECTIONS:
#      GET /products/:id, GET /products?q=, GET /cart, POST /cart/items, GET /user/me,
#      GET /orders/:id, GET /user/orders; of GET /user/me directly against one identity
#      replica; and of a civetweb hello-world (bench_hello) as the ceiling, each route's
#      ratio to it. GET /user/me, direct and hello again at WRK_CONNECTIONS_HIGH. Every
#      measured run follows a discarded warm-up run, so the pooled database connections
#      and prepared statements exist.
#   2. Latency at half load: wrk paced by bench/paced.lua (a fixed pause before each
#      request) so the offered rate is HALF_LOAD (0.5) of the peak just measured, through
#      the gateway and directly.
#   3. Event latency, commit -> consumer: EVENTS registrations (EVENT_CLIENTS at a time)
#      through the gateway; a kcat consumer on identity.events (fetch.wait.max.ms=10, like
#      the services' consumers) started first; for each UserRegistered: receive time -
#      the envelope's "time" (set in the committing transaction, just before COMMIT).
#   4. Checkout to CONFIRMED and event latency commit -> effect (bench/journey.py
#      checkout): CARTS prepared carts, CONCURRENCY client threads each doing checkout,
#      initiate (fake) and pay; orders/s until the last is CONFIRMED, p50/p99 of the
#      steps; OrderCreated commit -> notification consumed -> mail sent, at light load
#      (PACED journeys one at a time) and during the burst; UserRegistered commit ->
#      notification consumed; the checkout's steps from the order service's log.
#   6. Fake-provider webhooks/s and p99 against one payment replica (bench/webhooks.sh,
#      its table folded in; WEBHOOKS_RUN=0 skips it).
#   5. Memory of every process of the stack: VmRSS (file-backed vs anonymous), threads,
#      PSS and private pages (/proc/PID/smaps_rollup), idle after start; the peak
#      (VmHWM) and the figures after the runs.
#
# Needs a running stack (make bench starts one; or scripts/stack.sh up), read from
# RUN_DIR/stack.env. Its gateway must not rate-limit the load generator, and every daemon
# needs HTTP_THREADS >= WRK_CONNECTIONS_HIGH (make bench sets both).
#
# Environment: RUN_DIR (<repo>/.run), BUILD_DIR (<repo>/build; where bench/bench_hello
# is), WRK_THREADS (2), WRK_CONNECTIONS (16), WRK_CONNECTIONS_HIGH (64; empty: skip),
# WRK_DURATION (10s), WARMUP (3s), HALF_LOAD (0.5), EVENTS (200), EVENT_CLIENTS (4),
# PRODUCTS (5: lines of the GET /cart cart), CARTS (200), CONCURRENCY (16), PACED (40;
# CARTS=0 skips part 4), WEBHOOKS_RUN (1),
# OTHER_MAX (10: a measured wrk run during which other work took more than this % of the
# cores is repeated, up to OTHER_TRIES (3) times in all; the least disturbed one is kept),
# RESULTS (bench/RESULTS.md).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${RUN_DIR:-$REPO_DIR/.run}
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build}
RESULTS=${RESULTS:-$REPO_DIR/bench/RESULTS.md}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-16}
WRK_CONNECTIONS_HIGH=${WRK_CONNECTIONS_HIGH-64}
WRK_DURATION=${WRK_DURATION:-10s}
WARMUP=${WARMUP:-3s}
HALF_LOAD=${HALF_LOAD:-0.5}
EVENTS=${EVENTS:-200}
EVENT_CLIENTS=${EVENT_CLIENTS:-4}
CARTS=${CARTS:-200}
CONCURRENCY=${CONCURRENCY:-16}
PACED=${PACED:-40}
PRODUCTS=${PRODUCTS:-5}
WEBHOOKS_RUN=${WEBHOOKS_RUN:-1}
OTHER_MAX=${OTHER_MAX:-10}
OTHER_TRIES=${OTHER_TRIES:-3}
export STACK_ENV=$RUN_DIR/stack.env # read by lib.sh
PY=/usr/bin/python3

. "$REPO_DIR/bench/lib.sh"
bench_require bench wrk kcat curl psql "$PY"
GATEWAY_URL=$(env_get GATEWAY_URL)
IDENTITY_URL=$(env_get IDENTITY_URLS | cut -d, -f1)
KAFKA_BROKERS=$(env_get KAFKA_BROKERS)
DATABASE_URL=$(env_get DATABASE_URL)
ADMIN_EMAIL=$(env_get ADMIN_EMAIL)
ADMIN_PASSWORD=$(env_get ADMIN_PASSWORD)
ORDER_LOG=$RUN_DIR/logs/order.log
export GATEWAY_URL DATABASE_URL ADMIN_EMAIL ADMIN_PASSWORD PRODUCTS CARTS CONCURRENCY PACED ORDER_LOG
if [ -z "$GATEWAY_URL" ] || [ -z "$IDENTITY_URL" ]; then
    echo "bench: the stack has no gateway or no identity" >&2
    exit 1
fi

WORK=$(mktemp -d)
HELLO_PID=""
cleanup() {
    if [ -n "$HELLO_PID" ]; then
        kill "$HELLO_PID" 2>/dev/null || true
        wait "$HELLO_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Other work on the machine (other builds, tests, stacks) competes for the same cores and
# the load average cannot tell it from the benchmark's own threads. So every measured
# phase records the CPU time of the whole machine (/proc/stat) and of the benchmark's
# processes (the stack's daemons and their children, bench_hello, and wrk or the event
# script): "other" is the rest, in % of all the cores over the phase.
cat >"$WORK/cpu.py" <<'EOF'
import os, sys
roots = set(int(a) for a in sys.argv[2:] if a.isdigit())
for f in os.listdir(sys.argv[1]):
    if f.endswith(".pid"):
        try:
            roots.add(int(open(os.path.join(sys.argv[1], f)).read().split()[0]))
        except (OSError, ValueError, IndexError):
            pass
procs, children = {}, {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            st = open("/proc/%s/stat" % d).read()
        except OSError:
            continue
        f = st[st.rindex(")") + 2:].split()  # f[0] is field 3 (state)
        procs[int(d)] = sum(int(x) for x in f[11:15])  # utime stime cutime cstime
        children.setdefault(int(f[1]), []).append(int(d))
ours, todo, seen = 0, [r for r in roots if r in procs], set()
while todo:
    p = todo.pop()
    if p not in seen:
        seen.add(p)
        ours += procs[p]
        todo.extend(children.get(p, []))
v = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
print(sum(v) - v[3] - v[4], sum(v), ours)  # busy, total, ours (clock ticks)
EOF
cpu_sample() {
    "$PY" "$WORK/cpu.py" "$RUN_DIR/pids" ${HELLO_PID:-}
}
# other_pct BEFORE AFTER TIMES: % of the cores used by other work between the two samples;
# TIMES is the output of `times` in the subshell that ran the phase's own client.
other_pct() {
    awk -v b="$1" -v a="$2" -v hz="$(getconf CLK_TCK)" '
        function sec(t,   m) { m = t; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", t); sub(/s$/, "", t); return m * 60 + t }
        NR == 2 { client = (sec($1) + sec($2)) * hz }
        END {
            split(b, x, " "); split(a, y, " ")
            total = y[2] - x[2]; other = (y[1] - x[1]) - (y[3] - x[3]) - client
            if (other < 0) other = 0
            printf "%.0f\n", (total > 0 ? 100 * other / total : 0)
        }' "$3"
}

# "rss pss private hwm rss_file rss_anon threads" of one process, kB (private =
# Private_Clean + Private_Dirty; hwm = peak RSS; rss_file = file-backed pages, i.e. the
# binary and its shared libraries; rss_anon = heap, malloc arenas, thread stacks).
mem_kb() {
    local pid=$1 st pss priv rss hwm file anon threads
    st=$(awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } /^RssFile:/ { f = $2 }
        /^RssAnon:/ { a = $2 } /^Threads:/ { t = $2 }
        END { print (r == "" ? "?" : r), (h == "" ? "?" : h), (f == "" ? "?" : f), (a == "" ? "?" : a), (t == "" ? "?" : t) }' \
        "/proc/$pid/status" 2>/dev/null) || true
    read -r pss priv < <(awk '/^Pss:/ { p = $2 } /^Private_(Clean|Dirty):/ { v += $2 }
        END { print p + 0, v + 0 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || true
    read -r rss hwm file anon threads <<<"${st:-? ? ? ? ?}"
    echo "$rss ${pss:-?} ${priv:-?} $hwm $file $anon $threads"
}
# Writes "name rss pss private hwm rss_file rss_anon threads" for every process of the
# stack into $1.
mem_snapshot() {
    local f name
    : >"$1"
    for f in "$RUN_DIR"/pids/*.pid; do
        name=$(basename "$f" .pid)
        echo "$name $(mem_kb "$(tr -dc 0-9 <"$f")")" >>"$1"
    done
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
mem_snapshot "$WORK/mem-idle"

# A user to be: register, log in, keep the access token.
email="bench-$(date +%s)-$$@bench.local"
password="bench-password-$$"
curl -fsS -o /dev/null -X POST "$GATEWAY_URL/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Bench\",\"role\":\"customer\"}"
TOKEN=$(curl -fsS -X POST "$GATEWAY_URL/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
export TOKEN
curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" "$GATEWAY_URL/user/me"

# The hello-world ceiling, when built.
HELLO_BIN=$BUILD_DIR/bench/bench_hello
HELLO_URL=""
if [ -x "$HELLO_BIN" ]; then
    port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$HELLO_BIN" "$port" "${HTTP_THREADS:-64}" 2>"$WORK/hello.log" &
    HELLO_PID=$!
    HELLO_URL="http://127.0.0.1:$port/"
    deadline=$((SECONDS + 10))
    until curl -fsS -o /dev/null "$HELLO_URL" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || {
            cat "$WORK/hello.log" >&2
            exit 1
        }
        sleep 0.05
    done
fi

# The fixtures of the route runs (bench/journey.py fixtures): fixtures.env and pairs.txt.
echo "bench: fixtures: $PRODUCTS products, a cart of $PRODUCTS lines, a CONFIRMED order" >&2
"$PY" "$REPO_DIR/bench/journey.py" fixtures "$WORK"
fixture() {
    sed -n "s/^$1=//p" "$WORK/fixtures.env"
}
PRODUCT_ID=$(fixture PRODUCT_ID)
SEARCH_Q=$(fixture SEARCH_Q)
READER_TOKEN=$(fixture READER_TOKEN)
BUYER_TOKEN=$(fixture BUYER_TOKEN)
ORDER_ID=$(fixture ORDER_ID)
CATALOG_SIZE=$(psql -X -q -t -A "$DATABASE_URL" -c "SELECT count(*) FROM catalog.products WHERE status = 'APPROVED'" 2>/dev/null || echo "?")

# wrk_raw OUT CONNECTIONS DURATION URL [wrk args]: one wrk run, output in OUT. The pause
# after it lets the servers' keep-alive timeout (500 ms) free the workers that wrk's
# connections held.
wrk_raw() {
    local out=$1 conns=$2 dur=$3 url=$4 before after
    shift 4
    before=$(cpu_sample)
    (
        wrk -t"$WRK_THREADS" -c"$conns" -d"$dur" --latency "$@" "$url" >"$out"
        times >"$out.times"
    )
    after=$(cpu_sample)
    other_pct "$before" "$after" "$out.times" >"$out.other"
    sleep 1
}
# "rps p50 p90 p99 non2xx socket_errors" (latencies in ms) of a wrk output.
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
# run_wrk LABEL CONNECTIONS URL [wrk args]: a discarded warm-up, then the measured run;
# prints "rps p50 p90 p99 non2xx socket_errors other%".
# measured LABEL CONNECTIONS URL [wrk args]: the measured run into $WORK/LABEL.txt (and
# .other), repeated while other work disturbed it (see OTHER_MAX); keeps the least
# disturbed try.
measured() {
    local label=$1 conns=$2 url=$3 i o best="" best_o=""
    shift 3
    for ((i = 1; i <= OTHER_TRIES; i++)); do
        wrk_raw "$WORK/$label.try$i" "$conns" "$WRK_DURATION" "$url" "$@"
        o=$(cat "$WORK/$label.try$i.other")
        echo "bench: $label: try $i: $(wrk_figures "$WORK/$label.try$i" | cut -d' ' -f1) req/s, other work $o% of the cores" >&2
        if [ -z "$best" ] || [ "$o" -lt "$best_o" ]; then
            best=$i best_o=$o
        fi
        [ "$o" -gt "$OTHER_MAX" ] || break
    done
    cp "$WORK/$label.try$best" "$WORK/$label.txt"
    cp "$WORK/$label.try$best.other" "$WORK/$label.txt.other"
    cat "$WORK/$label.txt" >&2
}
run_wrk() {
    local label=$1 conns=$2 url=$3
    shift 3
    echo "bench: $label: warm-up $WARMUP, then wrk -t$WRK_THREADS -c$conns -d$WRK_DURATION --latency $* $url" >&2
    wrk_raw "$WORK/$label.warmup" "$conns" "$WARMUP" "$url" "$@"
    measured "$label" "$conns" "$url" "$@"
    echo "$(wrk_figures "$WORK/$label.txt") $(cat "$WORK/$label.txt.other")"
}

# --- 1. Peak throughput ------------------------------------------------------------------
AUTH=(-s "$REPO_DIR/bench/auth.lua")
declare -A R # R[label]="rps p50 p90 p99 non2xx errs other%"
LEVELS=("$WRK_CONNECTIONS")
[ -n "$WRK_CONNECTIONS_HIGH" ] && [ "$WRK_CONNECTIONS_HIGH" != "$WRK_CONNECTIONS" ] &&
    LEVELS+=("$WRK_CONNECTIONS_HIGH")
# The main routes through the gateway, at WRK_CONNECTIONS only: "key|label|path".
# GET /user/me (key "gateway") runs at every level, below.
ROUTES=(
    "product|GET /products/:id|/products/$PRODUCT_ID"
    "search|GET /products?q=$SEARCH_Q|/products?q=$SEARCH_Q"
    "cart|GET /cart ($PRODUCTS lines)|/cart"
    "cartadd|POST /cart/items|/cart/items"
    "gateway|GET /user/me|/user/me"
    "order|GET /orders/:id|/orders/$ORDER_ID"
    "orders|GET /user/orders|/user/orders"
)
route_wrk() { # route_wrk KEY PATH CONNECTIONS: one route's run, token and script by route
    local key=$1 path=$2 c=$3
    case "$key" in
    product | search) run_wrk "$key-c$c" "$c" "$GATEWAY_URL$path" ;;
    cart) TOKEN=$READER_TOKEN run_wrk "$key-c$c" "$c" "$GATEWAY_URL$path" "${AUTH[@]}" ;;
    cartadd) CART_BENCH_FILE=$WORK/pairs.txt run_wrk "$key-c$c" "$c" "$GATEWAY_URL" -s "$REPO_DIR/bench/cart_add.lua" ;;
    order | orders) TOKEN=$BUYER_TOKEN run_wrk "$key-c$c" "$c" "$GATEWAY_URL$path" "${AUTH[@]}" ;;
    *) run_wrk "$key-c$c" "$c" "$GATEWAY_URL$path" "${AUTH[@]}" ;;
    esac
}
for c in "${LEVELS[@]}"; do
    if [ -n "$HELLO_URL" ]; then
        R[hello-$c]=$(run_wrk "hello-c$c" "$c" "$HELLO_URL")
    fi
    for r in "${ROUTES[@]}"; do
        IFS='|' read -r key _ path <<<"$r"
        [ "$c" = "$WRK_CONNECTIONS" ] || [ "$key" = gateway ] || continue
        R[$key-$c]=$(route_wrk "$key" "$path" "$c")
    done
    R[direct-$c]=$(run_wrk "direct-c$c" "$c" "$IDENTITY_URL/user/me" "${AUTH[@]}")
done
field() { # field LABEL N: the Nth figure of R[LABEL] (1 = rps)
    local v=${R[$1]:-}
    [ -n "$v" ] && echo "$v" | cut -d' ' -f"$2" || echo ""
}

# --- 2. Latency at half load -------------------------------------------------------------
# The pause before each request, whole ms, for C connections to offer RATE req/s when a
# request itself takes OVERHEAD ms.
pause_ms() {
    awk -v c="$1" -v rate="$2" -v o="$3" 'BEGIN { d = c * 1000 / rate - o; if (d < 0) d = 0; printf "%.0f", d }'
}
# half_load LABEL URL PEAK: up to 3 calibration runs (WARMUP each, discarded), each
# correcting the pause by the per-request overhead it observed (latency + wrk's timer),
# then the measured run with the pause whose calibration run came closest to the target.
# Prints "rps p50 p90 p99 non2xx errs other% target_rps delay_ms".
half_load() {
    local label=$1 url=$2 peak=$3 c=$WRK_CONNECTIONS rate d got overhead best i
    local -A tried=()
    rate=$(awk -v p="$peak" -v h="$HALF_LOAD" 'BEGIN { printf "%.0f", p * h }')
    d=$(pause_ms "$c" "$rate" 0)
    for i in 1 2 3; do
        DELAY_MS=$d wrk_raw "$WORK/$label.warmup$i" "$c" "$WARMUP" "$url" -s "$REPO_DIR/bench/paced.lua"
        got=$(wrk_figures "$WORK/$label.warmup$i" | cut -d' ' -f1)
        tried[$d]=$got
        echo "bench: $label: target $rate req/s; calibration: ${d} ms pause -> $got req/s" >&2
        overhead=$(awk -v c="$c" -v g="$got" -v d="$d" 'BEGIN { o = (g > 0) ? c * 1000 / g - d : 0; if (o < 0) o = 0; print o }')
        d=$(pause_ms "$c" "$rate" "$overhead")
        [ -z "${tried[$d]:-}" ] || break
    done
    best=$(for k in "${!tried[@]}"; do echo "$k ${tried[$k]}"; done |
        awk -v r="$rate" '{ e = $2 - r; if (e < 0) e = -e; if (best == "" || e < be) { best = $1; be = e } } END { print best }')
    echo "bench: $label: wrk -t$WRK_THREADS -c$c -d$WRK_DURATION --latency -s bench/paced.lua (DELAY_MS=$best) $url" >&2
    DELAY_MS=$best measured "$label" "$c" "$url" -s "$REPO_DIR/bench/paced.lua"
    echo "$(wrk_figures "$WORK/$label.txt") $(cat "$WORK/$label.txt.other") $rate $best"
}
R[gateway-half]=$(half_load gateway-half "$GATEWAY_URL/user/me" "$(field "gateway-$WRK_CONNECTIONS" 1)")
R[direct-half]=$(half_load direct-half "$IDENTITY_URL/user/me" "$(field "direct-$WRK_CONNECTIONS" 1)")

# --- 3. Event latency, commit -> consumer ------------------------------------------------
# Prints "received registered p50 p90 p99 max kp50 kp99 seconds" (ms; k = the Kafka
# message timestamp, i.e. when the relay produced it); samples in $WORK/events.txt.
cat >"$WORK/events.py" <<'EOF'
import concurrent.futures, datetime, json, math, os, subprocess, sys, threading, time, urllib.request

brokers, gateway, n, clients, samples = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
seen, cond = {}, threading.Condition()

kcat = subprocess.Popen(["kcat", "-b", brokers, "-C", "-t", "identity.events", "-o", "end", "-u", "-q",
                         "-X", "fetch.wait.max.ms=10", "-f", "%T\t%s\n"],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

def event_ms(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() * 1000

def reader():
    for raw in iter(kcat.stdout.readline, b""):
        now = time.time() * 1000
        ts, _, body = raw.decode(errors="replace").rstrip("\n").partition("\t")
        try:
            ev = json.loads(body)
            if ev.get("type") != "UserRegistered":
                continue
            sample = (now - event_ms(ev["time"]), float(ts) - event_ms(ev["time"]))
        except (ValueError, KeyError, TypeError):
            continue
        with cond:
            seen[ev.get("subject")] = sample
            cond.notify_all()
    with cond:
        cond.notify_all()

threading.Thread(target=reader, daemon=True).start()
tag = "%d-%d" % (int(time.time()), os.getpid())

def register(i):
    body = json.dumps({"email": "ev-%s-%s@bench.local" % (tag, i), "password": "bench-password-%s" % i,
                       "name": "Bench", "role": "customer"}).encode()
    req = urllib.request.Request(gateway + "/auth/register", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return json.load(r)["id"]
    except Exception as e:  # counted as not registered; the run goes on
        print("events: registration %s failed: %s" % (i, e), file=sys.stderr)
        return None

def wait_for(ids, seconds):
    deadline = time.time() + seconds
    with cond:
        while not all(i in seen for i in ids) and time.time() < deadline and kcat.poll() is None:
            cond.wait(0.1)
    return all(i in seen for i in ids)

# The consumer starts at the end of each partition: it is ready once a probe event arrives.
ready = False
for attempt in range(10):
    if wait_for([register("probe-%d" % attempt)], 2):
        ready = True
        break
if not ready:
    kcat.kill()
    kcat.wait()
    sys.exit("events: the consumer saw no probe event in 20 s (kcat exited: %s)" % kcat.poll())

with cond:
    seen.clear()
t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(clients) as pool:
    ids = [i for i in pool.map(register, range(n)) if i is not None]
seconds = time.time() - t0
wait_for(ids, 30)
kcat.kill()
kcat.wait()
got = [seen[i] for i in ids if i in seen]
with open(samples, "w") as f:
    for c, k in got:
        f.write("%.1f %.1f\n" % (c, k))

def pct(v, p):
    v = sorted(v)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)] if v else float("nan")

c = [s[0] for s in got]
k = [s[1] for s in got]
print(len(got), n, "%.1f %.1f %.1f %.1f %.1f %.1f %.1f" % (
    pct(c, 50), pct(c, 90), pct(c, 99), max(c or [float("nan")]), pct(k, 50), pct(k, 99), seconds))
EOF
EV="" EV_OTHER=""
if [ -n "$KAFKA_BROKERS" ] && [ "$EVENTS" -gt 0 ]; then
    echo "bench: events: $EVENTS registrations, $EVENT_CLIENTS at a time, consumer: kcat on identity.events" >&2
    before=$(cpu_sample)
    (
        timeout 300 "$PY" "$WORK/events.py" "$KAFKA_BROKERS" "$GATEWAY_URL" "$EVENTS" \
            "$EVENT_CLIENTS" "$WORK/events.txt" >"$WORK/events.out" || echo "failed: $?" >"$WORK/events.out"
        times >"$WORK/events.times"
    )
    after=$(cpu_sample)
    EV_OTHER=$(other_pct "$before" "$after" "$WORK/events.times")
    EV=$(cat "$WORK/events.out")
    case "$EV" in
    failed* | '')
        echo "bench: the event measurement failed ($EV)" >&2
        EV=""
        ;;
    esac
    echo "bench: events: $EV; other work $EV_OTHER% of the cores" >&2
fi

# --- 4. Checkout to CONFIRMED, event latency commit -> effect -----------------------------
JOURNEY_OK=1
JOURNEY_OTHER=""
if [ "$CARTS" -gt 0 ]; then
    echo "bench: journeys: $PACED one at a time, then $CARTS carts by $CONCURRENCY threads" >&2
    before=$(cpu_sample)
    (
        timeout 900 "$PY" "$REPO_DIR/bench/journey.py" checkout "$WORK" || echo "failed: $?" >"$WORK/journey.failed"
        times >"$WORK/journey.times"
    )
    after=$(cpu_sample)
    JOURNEY_OTHER=$(other_pct "$before" "$after" "$WORK/journey.times")
    if [ -f "$WORK/journey.failed" ] || [ ! -f "$WORK/journey.env" ]; then
        echo "bench: the journeys failed ($(cat "$WORK/journey.failed" 2>/dev/null || echo "no figures"))" >&2
        JOURNEY_OK=0
    fi
fi
jget() { # jget KEY: a figure of the journeys (journey.env), or n/a
    local v
    v=$(sed -n "s/^$1=//p" "$WORK/journey.env" 2>/dev/null)
    echo "${v:-n/a}"
}

# --- 6. Webhooks -----------------------------------------------------------------------------
WEBHOOKS_OK=1
if [ "$WEBHOOKS_RUN" = 1 ] && [ -n "$(env_get PAYMENT_URLS)" ]; then
    echo "bench: webhooks: bench/webhooks.sh" >&2
    RESULTS=$WORK/webhooks.md WRK_THREADS=$WRK_THREADS WRK_CONNECTIONS=$WRK_CONNECTIONS \
        WRK_DURATION=$WRK_DURATION RUN_DIR=$RUN_DIR BUILD_DIR=$BUILD_DIR \
        "$REPO_DIR/bench/webhooks.sh" || WEBHOOKS_OK=0
fi

mem_snapshot "$WORK/mem-load"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- RESULTS.md ------------------------------------------------------------------------
mib() {
    case "$1" in
    '' | *[!0-9]*) echo "n/a" ;;
    *) awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' ;;
    esac
}
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else print "n/a" }'
}
ge() { # ge A B: A >= B, numerically
    awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a != "n/a" && a + 0 >= b + 0) }'
}
mem_get() { # mem_get FILE NAME N: rss=2 pss=3 private=4 (kB)
    awk -v n="$2" -v f="$3" '$1 == n { print $f }' "$1"
}
row() { # row NAME LABEL: a peak-throughput table row
    local v=${R[$2]:-}
    [ -n "$v" ] || return 0
    read -r rps p50 p90 p99 bad errs other <<<"$v"
    echo "| $1 | $rps | $p50 | $p90 | $p99 | $bad | $errs | $other% |"
}

C=$WRK_CONNECTIONS
CH=${LEVELS[1]:-}
GW=$(field "gateway-$C" 1) DIRECT_RPS=$(field "direct-$C" 1) HE=$(field "hello-$C" 1)
GW_HE=$(ratio "$GW" "$HE")
read -r GH_RPS GH_P50 GH_P90 GH_P99 GH_BAD _ GH_OTHER GH_TARGET GH_DELAY <<<"${R[gateway-half]}"
read -r DH_RPS DH_P50 DH_P90 DH_P99 DH_BAD _ DH_OTHER DH_TARGET DH_DELAY <<<"${R[direct-half]}"
EV_N="" EV_TOTAL="" EV_P50="" EV_P90="" EV_P99="" EV_MAX="" EV_KP50="" EV_KP99="" EV_SECS=""
[ -z "$EV" ] || read -r EV_N EV_TOTAL EV_P50 EV_P90 EV_P99 EV_MAX EV_KP50 EV_KP99 EV_SECS <<<"$EV"

# The daemons of the project (not PostgreSQL, the Python mail catcher or the dev broker).
DAEMONS=$(awk '$1 !~ /^(postgres|mailcatcher|devbroker)$/ && $1 !~ /-stub$/ { print $1 }' "$WORK/mem-idle" | sort)
max_idle() { # max_idle N: the largest idle figure (kB) among the daemons, and whose
    for d in $DAEMONS; do echo "$(mem_get "$WORK/mem-idle" "$d" "$1") $d"; done | sort -n | tail -n 1
}
read -r RSS_MAX RSS_WHO <<<"$(max_idle 2)"
read -r PSS_MAX PSS_WHO <<<"$(max_idle 3)"
read -r PRIV_MAX PRIV_WHO <<<"$(max_idle 4)"
TEN_MB=10240 # the target's "10 MB", read as 10 MiB

verdict() { if "$@"; then echo "met"; else echo "**not met**"; fi; }
lt_eq() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a == a + 0 && a + 0 <= b + 0) }'; }

# The DB-backed reads of the ratio target, and how many reach 0.3x hello.
READS="product search cart gateway order orders"
reads_met=0 reads_n=0 reads_worst="" reads_worst_r=""
for k in $READS; do
    r=$(ratio "$(field "$k-$C" 1)" "$HE")
    [ "$r" != n/a ] || continue
    reads_n=$((reads_n + 1))
    if ge "$r" 0.3; then reads_met=$((reads_met + 1)); fi
    if [ -z "$reads_worst_r" ] || awk -v a="$r" -v b="$reads_worst_r" 'BEGIN { exit !(a < b) }'; then
        reads_worst=$k reads_worst_r=$r
    fi
done
route_label() { # route_label KEY: the label of a route of ROUTES
    local r key label
    for r in "${ROUTES[@]}"; do
        IFS='|' read -r key label _ <<<"$r"
        [ "$key" != "$1" ] || echo "$label"
    done
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo "?")
dirty=""
if git -C "$REPO_DIR" status --porcelain --untracked-files=no 2>/dev/null | grep -q .; then
    dirty=" with uncommitted changes"
fi
{
    echo "# Benchmark results"
    echo
    echo "Written by \`bench/run.sh\` (\`make bench\`) on $(date -u +%Y-%m-%dT%H:%M:%SZ), revision $rev$dirty."
    echo "A measurement on one machine, not a test: expect ±15% between runs, more when the"
    echo "load average below is well above 0."
    echo
    echo "## Machine"
    echo
    echo "- CPU: $cpu, $(nproc) cores, shared by wrk, the servers, PostgreSQL and the broker"
    echo "- Memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); kernel $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "- Build: \`$(basename "$BUILD_DIR")\` ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || echo "?"), SANITIZE=$(sed -n 's/^SANITIZE:BOOL=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || echo "?"))"
    echo "- Load average before the runs: $LOAD_BEFORE; after: $LOAD_AFTER (1, 5, 15 min)."
    echo "- Other work on the machine during each measured run (builds, other test stacks),"
    echo "  in % of all $(nproc) cores, is the \"other\" column: CPU time of the machine"
    echo "  minus that of the stack, bench_hello and the client. A run disturbed by more"
    echo "  than $OTHER_MAX% is repeated (up to $OTHER_TRIES tries) and the least disturbed one kept."
    echo
    echo "## What ran"
    echo
    echo "Stack: \`scripts/stack.sh up\` ($(cut -d' ' -f1 "$WORK/mem-idle" | sort | paste -sd, - | sed 's/,/, /g');"
    echo "PostgreSQL with fsync=off) with HTTP_THREADS=${HTTP_THREADS:-default}, DB_POOL_SIZE=${DB_POOL_SIZE:-default (10)},"
    echo "CART_MAX_QUANTITY=${CART_MAX_QUANTITY:-default} and the gateway's rate limit raised"
    echo "(RATE_LIMIT_RPS=${RATE_LIMIT_RPS:-default}) so the one load generator is not throttled."
    echo "Fixtures (\`bench/journey.py fixtures\`): $PRODUCTS approved products with stock; the catalog"
    echo "held $CATALOG_SIZE approved products (for search at 100,000 products: \`make bench-catalog\`)."
    echo
    echo '```'
    [ -z "$HELLO_URL" ] || echo "wrk -t$WRK_THREADS -c$C -d$WRK_DURATION --latency http://127.0.0.1:PORT/      # bench_hello (bench/hello/hello.c), the ceiling"
    echo "wrk -t$WRK_THREADS -c$C -d$WRK_DURATION --latency \$GATEWAY_URL/products/\$ID                 # anonymous"
    echo "wrk -t$WRK_THREADS -c$C -d$WRK_DURATION --latency '\$GATEWAY_URL/products?q=$SEARCH_Q'       # anonymous"
    echo "wrk -t$WRK_THREADS -c$C -d$WRK_DURATION --latency -s bench/auth.lua \$GATEWAY_URL/cart     # a cart of $PRODUCTS lines"
    echo "wrk -t$WRK_THREADS -c$C -d$WRK_DURATION --latency -s bench/cart_add.lua \$GATEWAY_URL     # POST /cart/items, $(wc -l <"$WORK/pairs.txt") (customer, SKU) pairs"
    echo "wrk -t$WRK_THREADS -c$C -d$WRK_DURATION --latency -s bench/auth.lua \$GATEWAY_URL/user/me  # and \$IDENTITY_URL/user/me, direct"
    echo "wrk -t$WRK_THREADS -c$C -d$WRK_DURATION --latency -s bench/auth.lua \$GATEWAY_URL/orders/\$ID"
    echo "wrk -t$WRK_THREADS -c$C -d$WRK_DURATION --latency -s bench/auth.lua \$GATEWAY_URL/user/orders"
    [ -z "$CH" ] || echo "# -c$CH: bench_hello, GET /user/me via the gateway and direct"
    echo "DELAY_MS=$GH_DELAY wrk -t$WRK_THREADS -c$C -d$WRK_DURATION --latency -s bench/paced.lua \$GATEWAY_URL/user/me    # half load"
    echo "DELAY_MS=$DH_DELAY wrk -t$WRK_THREADS -c$C -d$WRK_DURATION --latency -s bench/paced.lua \$IDENTITY_URL/user/me   # half load"
    echo "kcat -C -t identity.events -o end -X fetch.wait.max.ms=10 ...; $EVENTS x POST /auth/register ($EVENT_CLIENTS at a time)"
    [ "$CARTS" -le 0 ] || echo "CARTS=$CARTS CONCURRENCY=$CONCURRENCY PACED=$PACED bench/journey.py checkout   # checkout + pay, then wait for CONFIRMED and mails"
    echo '```'
    echo
    echo "Each peak run follows a $WARMUP warm-up run with the same settings, discarded; the"
    echo "half-load runs follow their calibration runs."
    echo
    echo "## Peak throughput per route, through the gateway"
    echo
    echo "-c$C. \"× hello\" = the route's req/s over bench_hello's in the same run."
    echo
    echo "| route | req/s | × hello | p50 ms | p90 ms | p99 ms | non-2xx | socket errors | other |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    rrow() { # rrow LABEL KEY
        local v=${R[$2]:-}
        [ -n "$v" ] || return 0
        read -r rps p50 p90 p99 bad errs other <<<"$v"
        echo "| $1 | $rps | $(ratio "$rps" "$HE") | $p50 | $p90 | $p99 | $bad | $errs | $other% |"
    }
    rrow "civetweb hello-world (bench_hello, no gateway)" "hello-$C"
    for r in "${ROUTES[@]}"; do
        IFS='|' read -r key label _ <<<"$r"
        rrow "$label" "$key-$C"
    done
    rrow "GET /user/me, identity direct (no gateway)" "direct-$C"
    echo
    echo "What each does: GET /products/:id one approved product by primary key (catalog);"
    echo "GET /products?q= the catalog's search with facets; GET /cart token check + one joined"
    echo "SELECT + pricing; POST /cart/items one transaction (lock the cart, merge the line);"
    echo "GET /user/me token check + one SELECT by primary key (2 identity replicas, round-robin);"
    echo "GET /orders/:id the order with its lines and history; GET /user/orders a page of the"
    echo "customer's orders."
    if [ -n "$CH" ]; then
        echo
        echo "### GET /user/me at -c$CH"
        echo
        echo "| target | req/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors | other |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|"
        row "gateway → identity, -c$CH" "gateway-$CH"
        row "identity direct, -c$CH" "direct-$CH"
        row "civetweb hello-world, -c$CH" "hello-$CH"
        echo
        g=$(field "gateway-$CH" 1) d=$(field "direct-$CH" 1) h=$(field "hello-$CH" 1)
        echo "- -c$CH: gateway / hello **$(ratio "$g" "$h")**, direct / hello $(ratio "$d" "$h"), gateway / direct $(ratio "$g" "$d")"
    fi
    echo
    echo "## Latency at half load, GET /user/me"
    echo
    echo "The offered rate is set by a pause before each request on each of the $C connections"
    echo "(\`bench/paced.lua\`; whole ms, calibrated by up to 3 discarded $WARMUP runs). wrk without a rate"
    echo "control is closed-loop: a slow response delays that connection's next request, so"
    echo "stalls are under-counted compared to an open-loop generator (wrk2)."
    echo
    echo "| target | target req/s | achieved req/s | of peak | p50 ms | p90 ms | p99 ms | non-2xx | other |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    echo "| gateway → identity | $GH_TARGET | $GH_RPS | $(ratio "$GH_RPS" "$GW") | $GH_P50 | $GH_P90 | $GH_P99 | $GH_BAD | $GH_OTHER% |"
    echo "| identity direct | $DH_TARGET | $DH_RPS | $(ratio "$DH_RPS" "$DIRECT_RPS") | $DH_P50 | $DH_P90 | $DH_P99 | $DH_BAD | $DH_OTHER% |"
    echo
    if [ "$CARTS" -gt 0 ] && [ -f "$WORK/journey.md" ]; then
        sed 's/^## Event latency, commit → effect$/## Event latency, commit → effect (the journeys)/' "$WORK/journey.md"
        echo
        echo "Other work during the journeys: $JOURNEY_OTHER% of the cores."
        echo
    elif [ "$CARTS" -gt 0 ]; then
        echo "## Checkout to CONFIRMED"
        echo
        echo "**Failed**: see the log of \`make bench\`."
        echo
    fi
    if [ -f "$WORK/webhooks.md" ]; then
        echo "## Fake-provider webhooks (bench/webhooks.sh)"
        echo
        sed -n '/^One payment replica/,$p' "$WORK/webhooks.md"
        [ "$WEBHOOKS_OK" = 1 ] || echo "**The check after the runs failed**: see the log of \`make bench\`."
        echo
    fi
    echo "## Event latency, commit → consumer receives (kcat)"
    echo
    if [ -n "$EV" ]; then
        echo "UserRegistered (identity outbox → relay → development broker → kcat). Latency ="
        echo "receive time − the envelope's \`time\` (set in the committing transaction, ms"
        echo "precision); \"produced\" = the Kafka message timestamp − \`time\`. $EV_N of $EV_TOTAL"
        echo "events received; the registrations took $EV_SECS s (PWHASH_OPSLIMIT=${PWHASH_OPSLIMIT:-unset});"
        echo "other work $EV_OTHER% of the cores."
        echo
        echo "| | p50 ms | p90 ms | p99 ms | max ms |"
        echo "|---|---:|---:|---:|---:|"
        echo "| commit → consumer receives | $EV_P50 | $EV_P90 | $EV_P99 | $EV_MAX |"
        echo "| commit → relay produced | $EV_KP50 | | $EV_KP99 | |"
    else
        echo "Not measured (no broker in the stack, EVENTS=0, or the measurement failed: see the log)."
    fi
    echo
    echo "## Memory"
    echo
    echo "MiB. RSS counts every resident page, shared library text included: \"file\" is the"
    echo "file-backed part (the binary and its shared libraries: libcrypto, libc, librdkafka,"
    echo "gnutls, krb5, libcurl, libpq, ... mapped by every daemon), \"anon\" the heap, malloc"
    echo "arenas and thread stacks. PSS divides each shared page among the processes that map"
    echo "it; private = pages only this process maps (Private_Clean + Private_Dirty in"
    echo "/proc/PID/smaps_rollup). Idle = after start, before any request; peak = VmHWM at the"
    echo "end; after = after all the runs above. The bench stack runs every daemon with"
    echo "HTTP_THREADS=${HTTP_THREADS:-default} (the services' default is 16, the gateway's 64): each civetweb"
    echo "worker keeps ~28 KiB of its stack resident."
    echo
    echo "| process | threads | RSS idle | file | anon | PSS idle | private idle | peak RSS | RSS after | PSS after | private after |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    while read -r name rss pss priv _ file anon threads; do
        echo "| $name | $threads | $(mib "$rss") | $(mib "$file") | $(mib "$anon") | $(mib "$pss") | $(mib "$priv") | $(mib "$(mem_get "$WORK/mem-load" "$name" 5)") | $(mib "$(mem_get "$WORK/mem-load" "$name" 2)") | $(mib "$(mem_get "$WORK/mem-load" "$name" 3)") | $(mib "$(mem_get "$WORK/mem-load" "$name" 4)") |"
    done < <(sort "$WORK/mem-idle")
    echo
    echo "postgres is the postmaster alone (each connection is a backend process of its own);"
    echo "mailcatcher and the *-stub processes are Python test doubles; devbroker is the"
    echo "development broker, not a deployed daemon."
    echo
    echo "## Targets"
    echo
    worst=$(for k in "${!R[@]}"; do echo "${R[$k]}" | cut -d' ' -f7; done | sort -n | tail -n 1)
    for o in "$EV_OTHER" "$JOURNEY_OTHER"; do
        [ -z "$o" ] || [ "$o" -le "${worst:-0}" ] || worst=$o
    done
    if [ "${worst:-0}" -gt "$OTHER_MAX" ]; then
        echo "**Caution:** other work on the machine took up to $worst% of the cores during a"
        echo "measured phase (the \"other\" columns): those figures understate what the code can do."
        echo
    fi
    echo "| target | measured | verdict |"
    echo "|---|---|---|"
    if [ "$reads_n" -gt 0 ] && [ "$reads_met" = "$reads_n" ]; then v=met; else
        v="**not met**: $reads_met of $reads_n reads reach 0.3×; GET /user/me direct is $(ratio "$DIRECT_RPS" "$HE")× hello, the gateway keeps $(ratio "$GW" "$DIRECT_RPS") of it"
    fi
    echo "| DB-backed read via gateway ≥ 0.3× hello (same run, -c$C) | GET /user/me $GW_HE× ($GW vs $HE req/s); lowest: $(route_label "$reads_worst") $reads_worst_r× | $v |"
    if lt_eq "$GH_P99" 5; then v=met; else
        v="**not met**: a tail, not a slow median (p50 $GH_P50, p90 $GH_P90 ms); wrk shares the $(nproc) cores; other work $GH_OTHER%"
    fi
    echo "| p99 ≤ 5 ms at half load (gateway) | ${GH_P99:-n/a} ms at $GH_RPS req/s (direct: ${DH_P99:-n/a} ms) | $v |"
    OCP=$(jget OC_CONSUMED_PACED_P99) OCB=$(jget OC_CONSUMED_BURST_P99) URN=$(jget UR_NOTIFICATION_P99)
    ok=1
    for x in "$EV_P99" "$OCP" "$URN"; do
        [ "$x" = n/a ] || [ -z "$x" ] || lt_eq "$x" 50 || ok=0
    done
    [ -z "$EV" ] || [ "$EV_N" = "$EV_TOTAL" ] || ok=0
    if [ -z "$EV" ] && [ "$OCP" = n/a ]; then v="not measured"; elif [ "$ok" = 1 ]; then v="met at light load"; else v="**not met**"; fi
    if [ "$OCB" != n/a ] && ! lt_eq "$OCB" 50; then v="$v; **not met** during the $CONCURRENCY-thread burst"; elif [ "$OCB" != n/a ]; then v="$v; also during the burst"; fi
    echo "| event commit → consumer effect p99 ≤ 50 ms | OrderCreated → notification: $OCP ms (light load), $OCB ms (burst); UserRegistered → notification $URN ms, → kcat ${EV_P99:-n/a} ms | $v |"
    echo "| (no target) OrderCreated commit → mail sent | p99 $(jget OC_SENT_PACED_P99) ms light load (p50 $(jget OC_SENT_PACED_P50)), $(jget OC_SENT_BURST_P99) ms during the burst | NOTIFY_SENDERS (4) threads per replica send one mail at a time each; the burst's mails queue behind them |"
    if lt_eq "$RSS_MAX" "$TEN_MB"; then v="met, by RSS"; else
        if lt_eq "$PSS_MAX" "$TEN_MB"; then
            v="**not met by RSS**; met by PSS and by private pages: the rest of RSS is shared library pages (\"file\" column)"
        else
            v="**not met** by RSS or PSS; private pages at most $(mib "$PRIV_MAX") MiB"
        fi
    fi
    echo "| idle memory ≤ 10 MB per daemon ($(paste -sd, - <<<"$DAEMONS" | sed 's/,/, /g')) | largest RSS $(mib "$RSS_MAX") MiB ($RSS_WHO), PSS $(mib "$PSS_MAX") ($PSS_WHO), private $(mib "$PRIV_MAX") ($PRIV_WHO) | $v |"
    echo "| (no target) checkout → CONFIRMED | $(jget ORDERS_OK) of $(jget ORDERS) orders, **$(jget ORDERS_PER_S) orders/s**; checkout p50 $(jget CHECKOUT_P50) / p99 $(jget CHECKOUT_P99) ms; checkout → CONFIRMED p50 $(jget CONFIRMED_P50) / p99 $(jget CONFIRMED_P99) ms | |"
} >"$RESULTS"
echo "bench: results in $RESULTS" >&2

bad=0
for k in "${!R[@]}"; do
    read -r _ _ _ _ nb _ <<<"${R[$k]}"
    [ "${nb:-0}" -eq 0 ] || bad=1
done
if [ "$bad" -ne 0 ]; then
    echo "bench: some responses were not 2xx: the figures are not valid" >&2
    exit 1
fi
if [ "$JOURNEY_OK" -ne 1 ]; then
    echo "bench: the checkout journeys failed: their figures are not valid" >&2
    exit 1
fi
