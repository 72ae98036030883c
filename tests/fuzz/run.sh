#!/usr/bin/env bash
# run.sh - builds the libFuzzer harnesses (tests/fuzz/fuzz_*.c) with clang, AddressSanitizer
# and UndefinedBehaviorSanitizer directly against the sources they test, and runs each for
# a bounded time from its seed corpus (tests/fuzz/corpus/<name>/).
#
#   tests/fuzz/run.sh                 every harness, 10 s each
#   tests/fuzz/run.sh 300 route_match one harness, 5 minutes (a long run by hand)
#   FUZZ_RUNS=100000 tests/fuzz/run.sh   stop each after that many inputs instead
#
# ctest runs it as fuzz_smoke (5 s per harness). Any crash, sanitizer report, leak,
# timeout or broken invariant (FZ_ASSERT) fails the run; the input that did it is kept
# in $FUZZ_OUT/artifacts/ and replays with `$FUZZ_OUT/bin/fuzz_<name> <file>`.
# New inputs the fuzzer finds go to $FUZZ_OUT/corpus/<name>/, never into the repository;
# copy an interesting one into tests/fuzz/corpus/<name>/ to keep it as a seed.
#
# Environment: FUZZ_OUT (default <repo>/build-fuzz), CC (default clang), FUZZ_RUNS.
# Exits 77 (ctest SKIP_RETURN_CODE) when clang or its libFuzzer runtime
# (libclang-rt-14-dev, installed by scripts/install-deps.sh) is missing.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FUZZ_DIR=$REPO_DIR/tests/fuzz
FUZZ_OUT=${FUZZ_OUT:-$REPO_DIR/build-fuzz}
CC=${CC:-clang}
SECONDS_EACH=${1:-10}
shift || true

# name | the sources under test besides common/ | include directories
HARNESSES="
json_body   |                                                    |
events      |                                                    |
auth        |                                                    |
route_match | services/gateway/route_table.c                     | services/gateway
address     | services/identity/users.c                          | services/identity
product     | services/catalog/product.c services/catalog/images.c | services/catalog
inventory   | services/inventory/reservation.c services/inventory/sku.c | services/inventory
cart        | services/cart/cart.c services/cart/views.c         | services/cart
courier_callback | services/fulfillment/callback_sig.c         | services/fulfillment
fulfillment_events | services/fulfillment/order_events.c        | services/fulfillment
order       | services/order/order.c services/order/pricing.c    | services/order
notification | services/notification/notify.c services/notification/template.c | services/notification
payment     | services/payment/provider.c services/payment/payment.c services/payment/orders.c services/payment/base_url.c services/payment/fake.c services/payment/stripe.c services/payment/khalti.c services/payment/khalti_api.c services/payment/esewa.c services/payment/esewa_api.c services/payment/esewa_sign.c | services/payment
"

log() {
    echo "fuzz: $*" >&2
}

if ! command -v "$CC" >/dev/null 2>&1; then
    log "SKIP: $CC is not installed (scripts/install-deps.sh installs clang)"
    exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
    >"$probe/p.c"
if ! "$CC" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>"$probe/err"; then
    log "SKIP: $CC cannot link -fsanitize=fuzzer (install libclang-rt-14-dev):"
    cat "$probe/err" >&2
    exit 77
fi

PKGS="libcjson libpq rdkafka libcurl libsodium libjwt libcrypto"
# shellcheck disable=SC2086
PKG_CFLAGS=$(pkg-config --cflags $PKGS)
# shellcheck disable=SC2086
PKG_LIBS=$(pkg-config --libs $PKGS)
# shellcheck disable=SC2054 # the commas belong to the flag
SAN=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
# shellcheck disable=SC2206
CFLAGS=(-std=c11 -D_GNU_SOURCE -g -O1 "${SAN[@]}" -I"$REPO_DIR/common/include" $PKG_CFLAGS)

mkdir -p "$FUZZ_OUT/obj" "$FUZZ_OUT/bin" "$FUZZ_OUT/corpus" "$FUZZ_OUT/artifacts"

# True when target is missing or older than any of the files after it.
stale() {
    local target=$1 f
    shift
    [ -e "$target" ] || return 0
    for f in "$@"; do
        [ "$f" -nt "$target" ] && return 0
    done
    return 1
}

# common/ as one static library, so each harness links only the objects it uses. Its
# headers are inputs of everything.
mapfile -t COMMON_SRC < <(ls "$REPO_DIR"/common/src/*.c)
mapfile -t COMMON_HDR < <(ls "$REPO_DIR"/common/include/common/*.h)
LIBCOMMON=$FUZZ_OUT/obj/libcommon.a
if stale "$LIBCOMMON" "${COMMON_SRC[@]}" "${COMMON_HDR[@]}" "$0"; then
    log "building common/ with $CC -fsanitize=fuzzer,address,undefined"
    rm -f "$FUZZ_OUT"/obj/common-*.o
    pids=()
    for src in "${COMMON_SRC[@]}"; do
        "$CC" "${CFLAGS[@]}" -c "$src" -o "$FUZZ_OUT/obj/common-$(basename "$src" .c).o" &
        pids+=($!)
        if [ ${#pids[@]} -ge "$(nproc)" ]; then
            wait "${pids[0]}"
            pids=("${pids[@]:1}")
        fi
    done
    for p in "${pids[@]}"; do
        wait "$p"
    done
    rm -f "$LIBCOMMON"
    ar rcs "$LIBCOMMON" "$FUZZ_OUT"/obj/common-*.o
fi

# Which harnesses: the arguments, or all.
declare -A SRCS INCS
ALL=()
while IFS='|' read -r name srcs incs; do
    name=$(echo "$name" | xargs)
    [ -n "$name" ] || continue
    SRCS[$name]=$(echo "$srcs" | xargs)
    INCS[$name]=$(echo "$incs" | xargs)
    ALL+=("$name")
done <<<"$HARNESSES"
if [ $# -gt 0 ]; then
    WANT=("$@")
else
    WANT=("${ALL[@]}")
fi

build_one() {
    local name=$1 bin=$FUZZ_OUT/bin/fuzz_$1 src inputs=() args=() hdrs=()
    [ -n "${SRCS[$name]+x}" ] || {
        log "no harness $name (have: ${ALL[*]})"
        return 1
    }
    inputs=("$FUZZ_DIR/fuzz_$name.c" "$FUZZ_DIR/fuzz_support.h" "$LIBCOMMON")
    for src in ${SRCS[$name]}; do
        inputs+=("$REPO_DIR/$src")
        args+=("$REPO_DIR/$src")
    done
    for d in ${INCS[$name]}; do
        args+=(-I"$REPO_DIR/$d")
        mapfile -t hdrs < <(ls "$REPO_DIR/$d"/*.h)
        inputs+=("${hdrs[@]}")
    done
    if stale "$bin" "${inputs[@]}"; then
        log "building fuzz_$name"
        # The harness itself is held to the project's warnings; the code under test was
        # already compiled with them by the main build.
        # shellcheck disable=SC2086
        "$CC" "${CFLAGS[@]}" -Wall -Wextra -Werror "${args[@]}" "$FUZZ_DIR/fuzz_$name.c" \
            "$LIBCOMMON" -lcivetweb $PKG_LIBS -lpthread -ldl -lm -o "$bin"
    fi
}

# Sanitizer reports end the run with the input kept; leaks are reports too.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
unset LSAN_OPTIONS

failed=()
for name in "${WANT[@]}"; do
    if ! build_one "$name"; then
        failed+=("$name(build)")
        continue
    fi
    seeds=$FUZZ_DIR/corpus/$name
    work=$FUZZ_OUT/corpus/$name
    mkdir -p "$work"
    opts=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$FUZZ_OUT/artifacts/$name-")
    [ -n "${FUZZ_RUNS:-}" ] && opts+=(-runs="$FUZZ_RUNS")
    [ -f "$FUZZ_DIR/$name.dict" ] && opts+=(-dict="$FUZZ_DIR/$name.dict")
    [ -f "$FUZZ_DIR/json.dict" ] && [ ! -f "$FUZZ_DIR/$name.dict" ] && [ "$name" != route_match ] &&
        opts+=(-dict="$FUZZ_DIR/json.dict")
    dirs=("$work")
    [ -d "$seeds" ] && dirs+=("$seeds")
    log "running fuzz_$name for ${SECONDS_EACH}s"
    if "$FUZZ_OUT/bin/fuzz_$name" "${opts[@]}" "${dirs[@]}" >"$FUZZ_OUT/$name.log" 2>&1; then
        stats=$(grep -E '^stat::number_of_executed_units' "$FUZZ_OUT/$name.log" | awk '{print $2}')
        cov=$(grep -oE 'cov: [0-9]+' "$FUZZ_OUT/$name.log" | tail -n 1 | awk '{print $2}')
        printf 'fuzz_%-12s ok   %8s inputs, %5s edges covered\n' "$name" "${stats:-?}" "${cov:-?}"
    else
        printf 'fuzz_%-12s FAIL (log: %s)\n' "$name" "$FUZZ_OUT/$name.log"
        grep -E -A 25 'ERROR: |runtime error|invariant broken|Test unit written' \
            "$FUZZ_OUT/$name.log" | head -n 60 >&2 || tail -n 40 "$FUZZ_OUT/$name.log" >&2
        failed+=("$name")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    log "failed: ${failed[*]}"
    exit 1
fi
log "${#WANT[@]} harness(es), no crash, no sanitizer report"
