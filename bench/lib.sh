# shellcheck shell=bash
# lib.sh - sourced by the bench scripts: the running stack's environment and the tools
# a script needs. Expects STACK_ENV to be set by the caller.

# bench_require NAME TOOL...: exits with a message naming the script unless the stack's
# environment file exists and every tool is on PATH (or an executable path).
bench_require() {
    local name=$1 tool
    shift
    [ -f "$STACK_ENV" ] || {
        echo "$name: no $STACK_ENV: start the stack first (make up)" >&2
        exit 1
    }
    for tool in "$@"; do
        command -v "$tool" >/dev/null || {
            echo "$name: $tool is missing" >&2
            exit 1
        }
    done
}

# env_get KEY: the value of KEY in the stack's environment file (the last one wins).
env_get() {
    sed -n "s/^$1=//p" "$STACK_ENV" | tail -n 1
}
