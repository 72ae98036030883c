#!/usr/bin/env bash
# run.sh - the chaos test (test_chaos.c) on a stack of its own: short reservation TTL so
# unpaid orders expire while the test waits, a quick expiry sweep, and a separate
# RUN_DIR so the faults it injects reach no other test's processes.
#
# Usage: tests/chaos/run.sh CHAOS_BINARY
# Environment: BUILD_DIR (the build holding the daemons), CHAOS_RUN_DIR (default
# $BUILD_DIR/chaos-run), CHAOS_* (see test_chaos.c). `make chaos` runs a long one.
set -euo pipefail

SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BIN=${1:?usage: $0 CHAOS_BINARY}
BUILD_DIR=${BUILD_DIR:?set BUILD_DIR to the build holding the daemons}
export BUILD_DIR SOURCE_DIR
export RUN_DIR=${CHAOS_RUN_DIR:-$BUILD_DIR/chaos-run}
# 20 s: short enough that the unpaid orders expire while the test waits, long enough
# that a payment made in time outlasts the event stall one SIGKILLed replica causes (its
# group waits out the dead member's 6 s session before reassigning its partitions).
export ORDER_RESERVATION_TTL_SECONDS=${ORDER_RESERVATION_TTL_SECONDS:-20}
export RESERVATION_SWEEP_MS=${RESERVATION_SWEEP_MS:-500}
export PAYMENT_RECONCILE_AFTER_SECONDS=${PAYMENT_RECONCILE_AFTER_SECONDS:-5}
STACK=$SOURCE_DIR/scripts/stack.sh

"$STACK" up
rc=0
STACK_ENV=$RUN_DIR/stack.env "$BIN" || rc=$?
if [ "$rc" -ne 0 ]; then
    # What the daemons complained about, for reading a failure where only this output
    # survives (CI): the last warnings and errors of every log, oldest first.
    echo "chaos: the daemons' last warnings and errors"
    grep -h '"level":"\(warn\|error\)"' "$RUN_DIR"/logs/*.log 2>/dev/null | sort | tail -n 80 || true
fi
# down fails on a sanitizer report in any daemon's log, so the run does too.
"$STACK" down || rc=1
exit $rc
