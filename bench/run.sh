#!/usr/bin/env bash
# run.sh - GET /user/me under wrk through the gateway, directly against one identity
# replica, and against a civetweb hello-world (bench_hello) as the ceiling; idle RSS of
# every daemon. Writes bench/RESULTS.md. A measurement, not a test.
#
# Needs a running stack (make bench starts one; or scripts/stack.sh up), read from
# RUN_DIR/stack.env. The stack's gateway must not rate-limit the load generator: start
# it with RATE_LIMIT_RPS and RATE_LIMIT_BURST high (make bench does).
#
# Environment: RUN_DIR (default <repo>/.run), BUILD_DIR (default <repo>/build; where
# bench/bench_hello is), WRK_THREADS (2), WRK_CONNECTIONS (32), WRK_DURATION (10s),
# RESULTS (default bench/RESULTS.md).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${RUN_DIR:-$REPO_DIR/.run}
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build}
RESULTS=${RESULTS:-$REPO_DIR/bench/RESULTS.md}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-32}
WRK_DURATION=${WRK_DURATION:-10s}
STACK_ENV=$RUN_DIR/stack.env

[ -f "$STACK_ENV" ] || {
    echo "bench: no $STACK_ENV: start the stack first (make up)" >&2
    exit 1
}
env_get() {
    sed -n "s/^$1=//p" "$STACK_ENV" | tail -n 1
}
GATEWAY_URL=$(env_get GATEWAY_URL)
IDENTITY_URL=$(env_get IDENTITY_URLS | cut -d, -f1)
[ -n "$GATEWAY_URL" ] && [ -n "$IDENTITY_URL" ] || {
    echo "bench: the stack has no gateway or no identity" >&2
    exit 1
}

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

rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo "?"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# Idle RSS first, before any load.
declare -A IDLE_RSS
for f in "$RUN_DIR"/pids/*.pid; do
    name=$(basename "$f" .pid)
    IDLE_RSS[$name]=$(rss_kb "$(tr -dc 0-9 <"$f")")
done

# A user to be: register, log in, keep the access token.
email="bench-$(date +%s)-$$@bench.local"
password="bench-password-$$"
curl -fsS -o /dev/null -X POST "$GATEWAY_URL/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Bench\",\"role\":\"customer\"}"
TOKEN=$(curl -fsS -X POST "$GATEWAY_URL/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
export TOKEN
curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" "$GATEWAY_URL/user/me"

# The hello-world ceiling, when built.
HELLO_BIN=$BUILD_DIR/bench/bench_hello
HELLO_URL=""
if [ -x "$HELLO_BIN" ]; then
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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

# Runs wrk; prints "rps p99_ms non2xx" on stdout and keeps the full output.
run_wrk() {
    local label=$1 url=$2 out=$WORK/$1.txt
    shift 2
    echo "bench: $label: wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency $* $url" >&2
    wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency "$@" "$url" >"$out"
    cat "$out" >&2
    awk '
        function ms(v) {
            if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
            if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
            if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
            return v
        }
        $1 == "99%"           { p99 = ms($2) }
        $1 == "Requests/sec:" { rps = $2 }
        /Non-2xx or 3xx/      { bad = $NF }
        /Socket errors/       { errs = $0 }
        END { printf "%.0f %.2f %d\n", rps, p99, bad + 0 }' "$out"
}

read -r GW_RPS GW_P99 GW_BAD <<<"$(run_wrk gateway "$GATEWAY_URL/user/me" -s "$REPO_DIR/bench/auth.lua")"
read -r ID_RPS ID_P99 ID_BAD <<<"$(run_wrk identity "$IDENTITY_URL/user/me" -s "$REPO_DIR/bench/auth.lua")"
HE_RPS="" HE_P99="" HE_BAD=0
if [ -n "$HELLO_URL" ]; then
    read -r HE_RPS HE_P99 HE_BAD <<<"$(run_wrk hello "$HELLO_URL")"
fi

declare -A LOAD_RSS
for f in "$RUN_DIR"/pids/*.pid; do
    name=$(basename "$f" .pid)
    LOAD_RSS[$name]=$(rss_kb "$(tr -dc 0-9 <"$f")")
done

mib() {
    case "$1" in
    '' | *[!0-9]*) echo "n/a" ;;
    *) awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }' ;;
    esac
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo "uncommitted")
{
    echo "# Benchmark results"
    echo
    echo "Written by \`bench/run.sh\` (\`make bench\`) on $(date -u +%Y-%m-%dT%H:%M:%SZ), revision $rev."
    echo "A measurement on one machine, not a test: expect ±15% between runs."
    echo
    echo "## Machine"
    echo
    echo "- CPU: $cpu, $(nproc) cores (load generator and servers share them)"
    echo "- Memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "- Kernel: $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "- Build: \`${BUILD_DIR#"$REPO_DIR"/}\` ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || echo "?") build type; SANITIZE=$(sed -n 's/^SANITIZE:BOOL=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || echo "?"))"
    echo "- Load average before the runs: $LOAD_BEFORE (1, 5, 15 min; anything well above 0 means other work shared the cores)"
    echo
    echo "## What ran"
    echo
    echo "Stack: \`scripts/stack.sh up\` (identity x2, gateway, PostgreSQL with fsync=off, development"
    echo "broker) with HTTP_THREADS=${HTTP_THREADS:-default} and the gateway's rate limit raised"
    echo "(RATE_LIMIT_RPS=${RATE_LIMIT_RPS:-default}, RATE_LIMIT_BURST=${RATE_LIMIT_BURST:-default}) so the"
    echo "single load generator is not throttled. One customer registered and logged in; every"
    echo "request carries its access token (\`bench/auth.lua\`)."
    echo
    echo '```'
    echo "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency -s bench/auth.lua \$GATEWAY_URL/user/me      # gateway -> 2 identity replicas"
    echo "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency -s bench/auth.lua \$IDENTITY_URL/user/me     # one identity replica, direct"
    echo "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency http://127.0.0.1:PORT/                  # bench_hello (bench/hello/hello.c)"
    echo '```'
    echo
    echo "\`GET /user/me\` verifies the RS256 token and reads the user by primary key."
    echo
    echo "## Figures"
    echo
    echo "| target | requests/s | p99 latency | non-2xx |"
    echo "|---|---:|---:|---:|"
    echo "| gateway → identity (GET /user/me) | $GW_RPS | $GW_P99 ms | $GW_BAD |"
    echo "| identity direct (GET /user/me) | $ID_RPS | $ID_P99 ms | $ID_BAD |"
    if [ -n "$HE_RPS" ]; then
        echo "| civetweb hello-world | $HE_RPS | $HE_P99 ms | $HE_BAD |"
    fi
    echo
    echo "- gateway / direct: **$(ratio "$GW_RPS" "$ID_RPS")** (requests/s, same run)"
    if [ -n "$HE_RPS" ]; then
        echo "- gateway / hello-world: **$(ratio "$GW_RPS" "$HE_RPS")**; direct / hello-world: $(ratio "$ID_RPS" "$HE_RPS")"
    else
        echo "- hello-world: not run (bench_hello not built)"
    fi
    echo
    echo "## Memory (VmRSS)"
    echo
    echo "| process | idle, after start | after the runs |"
    echo "|---|---:|---:|"
    for name in $(printf '%s\n' "${!IDLE_RSS[@]}" | sort); do
        echo "| $name | $(mib "${IDLE_RSS[$name]}") | $(mib "${LOAD_RSS[$name]:-?}") |"
    done
    echo
    echo "postgres is the postmaster alone (backends are separate processes); mailcatcher is Python."
} >"$RESULTS"
echo "bench: results in $RESULTS" >&2
if [ "$GW_BAD" -ne 0 ] || [ "$ID_BAD" -ne 0 ]; then
    echo "bench: some responses were not 2xx: the figures above are not valid" >&2
    exit 1
fi
