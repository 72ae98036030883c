#!/usr/bin/env bash
# run.sh - the contract test: every event on every topic of the running stack, parsed
# strictly against the compiled proto schemas (see check_events.py).
#
# Environment: STACK_ENV (the stack's stack.env; ctest sets it), SOURCE_DIR (repo root),
# WORK_DIR (where the Python modules are generated; default a temporary directory).
set -euo pipefail

SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
STACK_ENV=${STACK_ENV:-$SOURCE_DIR/.run/stack.env}
[ -f "$STACK_ENV" ] || {
    echo "contract: no stack environment at $STACK_ENV (is the stack up?)" >&2
    exit 1
}
# stack.env is KEY=VALUE, unquoted: read the one value needed rather than sourcing it.
KAFKA_BROKERS=$(sed -n 's/^KAFKA_BROKERS=//p' "$STACK_ENV" | tail -n 1)
[ -n "$KAFKA_BROKERS" ] || {
    echo "contract: no KAFKA_BROKERS in $STACK_ENV" >&2
    exit 1
}

cleanup=""
if [ -z "${WORK_DIR:-}" ]; then
    WORK_DIR=$(mktemp -d)
    cleanup=$WORK_DIR
fi
trap '[ -z "$cleanup" ] || rm -rf "$cleanup"' EXIT
PY_OUT=$WORK_DIR/python
rm -rf "$PY_OUT"
mkdir -p "$PY_OUT"

PROTO_DIR=$SOURCE_DIR/proto-schemas
mapfile -t protos < <(cd "$PROTO_DIR" && find . -name '*.proto' | sed 's|^\./||' | sort)
# The well-known types (timestamp.proto, struct.proto) come from libprotobuf-dev.
(cd "$PROTO_DIR" && protoc -I . -I /usr/include --python_out="$PY_OUT" "${protos[@]}")

# Debian's python3 explicitly: it is the one that sees python3-protobuf and python3-yaml.
exec /usr/bin/python3 "$SOURCE_DIR/tests/contract/check_events.py" \
    --brokers "$KAFKA_BROKERS" --python-out "$PY_OUT" --asyncapi "$PROTO_DIR/asyncapi.yaml"
