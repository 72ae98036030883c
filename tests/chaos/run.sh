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
export ORDER_RESERVATION_TTL_SECONDS=${ORDER_RESERVATION_TTL_SECONDS:-10}
export RESERVATION_SWEEP_MS=${RESERVATION_SWEEP_MS:-500}
export PAYMENT_RECONCILE_AFTER_SECONDS=${PAYMENT_RECONCILE_AFTER_SECONDS:-5}
STACK=$SOURCE_DIR/scripts/stack.sh

"$STACK" up
rc=0
STACK_ENV=$RUN_DIR/stack.env "$BIN" || rc=$?
# down fails on a sanitizer report in any daemon's log, so the run does too.
"$STACK" down || rc=1
exit $rc
