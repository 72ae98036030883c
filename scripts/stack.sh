#!/usr/bin/env bash
# stack.sh - the local development and test stack, without Docker.
#
#   scripts/stack.sh up       start everything detached, wait for every /readyz and every
#                             consumer group to form, write stack.env
#   scripts/stack.sh down     stop everything this RUN_DIR started, by PID
#   scripts/stack.sh status   what is running
#   scripts/stack.sh logs     follow the logs
#   scripts/stack.sh run      up, follow the logs, down on Ctrl-C (`make run`)
#   scripts/stack.sh stop-mailcatcher | start-mailcatcher
#                             an SMTP outage for tests: stop the catcher, start it again
#   scripts/stack.sh kill NAME | restart NAME | restart-postgres
#                             faults for tests/chaos: SIGKILL a process, start it again
#                             as it was started, restart the database server
#
# Environment: RUN_DIR (default <repo>/.run), BUILD_DIR (default <repo>/build).
# Optional: ADMIN_EMAIL, ADMIN_PASSWORD (random per stack when unset), <NAME>_REPLICAS
# (e.g. IDENTITY_REPLICAS=3), READY_TIMEOUT (seconds, default 60). Anything else in the
# environment (ASAN_OPTIONS, LSAN_OPTIONS, LOG_LEVEL, HTTP_THREADS, PWHASH_OPSLIMIT, ...)
# passes through to the daemons.
#
# What `up` starts: a throwaway PostgreSQL cluster (database `store`, one role per
# service from deploy/postgres/init-roles.sql), the development Kafka broker
# (tools/devbroker), an SMTP catcher (tools/mailcatcher), the Khalti and eSewa stubs
# (tests/stubs), then every service in SERVICES whose binary is built, the gateway last.
# Every process gets a pid file in RUN_DIR/pids and a log in RUN_DIR/logs; `down` stops
# exactly those PIDs and never looks processes up by name.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${RUN_DIR:-$REPO_DIR/.run}
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build}
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
BUILD_DIR=$(cd "$BUILD_DIR" 2>/dev/null && pwd || echo "$BUILD_DIR")

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PYTHON=/usr/bin/python3
LOG_DIR=$RUN_DIR/logs
PID_DIR=$RUN_DIR/pids
MAIL_DIR=$RUN_DIR/mail
KEY_DIR=$RUN_DIR/keys
STACK_ENV=$RUN_DIR/stack.env
READY_TIMEOUT=${READY_TIMEOUT:-60}

# The services, in start order. The gateway comes last: it is the entry point and is
# told every other service's replica URLs. A service whose binary
# ($BUILD_DIR/services/<name>/<name>) is not built is skipped, so a new service only
# needs its line here (and its extra variables in service_env below).
#
#   name          replicas  database role (schema)
SERVICES="
    identity      2         identity
    catalog       1         catalog
    inventory     1         inventory
    cart          1         cart
    order         1         orders
    payment       1         payments
    fulfillment   1         fulfillment
    notification  1         notifications
    gateway       1         -
"
DB_ROLES="identity catalog inventory cart orders payments fulfillment notifications"

log() {
    echo "stack: $*" >&2
}

die() {
    log "$*"
    exit 1
}

upper() {
    tr '[:lower:]' '[:upper:]' <<<"$1"
}

# --- processes -------------------------------------------------------------------------

# True when the pid in FILE is a live process (not a zombie).
pid_alive() {
    local pid=$1 state
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
    state=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$state" ] && [ "$state" != Z ]
}

pid_of() {
    local f=$PID_DIR/$1.pid
    [ -f "$f" ] && tr -dc 0-9 <"$f" || true
}

# Starts a program detached (own session, so Ctrl-C in `make run` does not reach it;
# stdin, stdout and stderr away from the caller, so ctest does not wait on its pipes).
# Usage: spawn NAME ENV-ASSIGNMENTS... -- PROGRAM ARGS...
spawn() {
    local name=$1
    shift
    local envs=()
    while [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    shift
    # No fork between here and the program: setsid only forks when it is a process
    # group leader, which a background job of a non-interactive shell is not, and
    # env and nohup exec. So $! is the program's own pid.
    setsid nohup env "${envs[@]}" "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
    echo $! >"$PID_DIR/$name.pid"
    echo "$1" >"$PID_DIR/$name.cmd"
    # What `restart` needs to start it again exactly so (it holds secrets: owner only).
    (umask 077 && printf '%s\0' "$name" "${envs[@]}" -- "$@" >"$PID_DIR/$name.argv")
}

# True when pid is alive and still the program started as NAME (its command line holds
# the program recorded at spawn), so a stale pid file never gets a reused pid killed.
pid_ours() {
    local name=$1 pid=$2 want
    pid_alive "$pid" || return 1
    want=$(cat "$PID_DIR/$name.cmd" 2>/dev/null || true)
    [ -n "$want" ] || return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$want"
}

# Prints the last lines of a process's log to stderr.
show_log() {
    local name=$1 f=$LOG_DIR/$1.log
    if [ -f "$f" ]; then
        echo "----- last 30 lines of $f -----" >&2
        tail -n 30 "$f" >&2
        echo "-----" >&2
    fi
}

# Sends TERM to every named process, waits up to 20 s for all of them, then KILLs the
# rest. A daemon that needed SIGKILL does not shut down gracefully: counted in KILLED.
KILLED=0
stop_group() {
    local names=("$@") name pid deadline left
    [ ${#names[@]} -gt 0 ] || return 0
    for name in "${names[@]}"; do
        pid=$(pid_of "$name")
        if pid_ours "$name" "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    deadline=$((SECONDS + 20))
    while :; do
        left=()
        for name in "${names[@]}"; do
            pid=$(pid_of "$name")
            if pid_ours "$name" "$pid"; then
                left+=("$name")
            fi
        done
        [ ${#left[@]} -gt 0 ] || break
        if [ $SECONDS -ge $deadline ]; then
            for name in "${left[@]}"; do
                pid=$(pid_of "$name")
                log "$name (pid $pid) ignored SIGTERM for 20 s: SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                KILLED=$((KILLED + 1))
            done
            break
        fi
        sleep 0.1
    done
    for name in "${names[@]}"; do
        rm -f "$PID_DIR/$name.pid" "$PID_DIR/$name.cmd"
    done
}

# --- ports and waits -------------------------------------------------------------------

# Prints N distinct free TCP ports on 127.0.0.1, all below 32768 so that none can collide
# with the kernel's ephemeral client ports (32768-60999).
free_ports() {
    "$PYTHON" - "$1" <<'EOF'
import random, socket, sys
want, ports = int(sys.argv[1]), []
while len(ports) < want:
    port = random.randint(20000, 32767)
    if port in ports:
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    ports.append(port)
print(" ".join(map(str, ports)))
EOF
}

# Waits until URL answers 200, or NAME dies, or READY_TIMEOUT passes.
wait_ready() {
    local name=$1 url=$2 pid deadline=$((SECONDS + READY_TIMEOUT))
    pid=$(pid_of "$name")
    while :; do
        if ! pid_alive "$pid"; then
            show_log "$name"
            die "$name (pid $pid) died before $url answered"
        fi
        if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
            return 0
        fi
        if [ $SECONDS -ge $deadline ]; then
            show_log "$name"
            die "$name: $url not ready after ${READY_TIMEOUT}s"
        fi
        sleep 0.1
    done
}

# Waits until the event consumer of NAME (listening on PORT) holds partitions, that is
# until its consumer group has formed: Kafka holds a new group's first assignment back
# for a few seconds, and events published meanwhile would wait that long. A daemon
# without a consumer has no such gauge. Assumes no service runs more replicas than the
# devbroker's topics have partitions (4), or a replica would rightly stay at 0.
wait_consumer() {
    local name=$1 port=$2 deadline=$((SECONDS + READY_TIMEOUT)) metrics assigned pid
    pid=$(pid_of "$name")
    while :; do
        if ! pid_alive "$pid"; then
            show_log "$name"
            die "$name (pid $pid) died before its consumer got partitions"
        fi
        metrics=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/metrics" 2>/dev/null || true)
        assigned=$(sed -n 's/^store_consumer_assigned_partitions{[^}]*} \([0-9]*\)$/\1/p' \
            <<<"$metrics")
        if [ -n "$metrics" ] && { [ -z "$assigned" ] || [ "$assigned" -gt 0 ]; }; then
            return 0
        fi
        if [ $SECONDS -ge $deadline ]; then
            show_log "$name"
            die "$name: its consumer got no partitions within ${READY_TIMEOUT}s"
        fi
        sleep 0.1
    done
}

# Waits until something accepts TCP connections on 127.0.0.1:PORT.
wait_tcp() {
    local name=$1 port=$2 pid deadline=$((SECONDS + 30))
    pid=$(pid_of "$name")
    while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        if ! pid_alive "$pid"; then
            show_log "$name"
            die "$name (pid $pid) died before listening on $port"
        fi
        [ $SECONDS -lt $deadline ] || {
            show_log "$name"
            die "$name: port $port not listening after 30s"
        }
        sleep 0.1
    done
}

# --- PostgreSQL ------------------------------------------------------------------------

# Runs a command as the postgres user when we are root (initdb refuses root), from a
# directory that user can enter.
as_pg_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd /tmp && runuser -u postgres -- "$@")
    else
        (cd /tmp && "$@")
    fi
}

# The cluster lives under /tmp, not RUN_DIR: the postgres user must be able to reach it
# (RUN_DIR may sit under a home directory it cannot enter) and the socket path must stay
# under the 107-byte limit whatever the checkout path.
pg_start() {
    local port=$1
    PG_DIR=$(mktemp -d /tmp/store-pg.XXXXXX)
    echo "$PG_DIR" >"$RUN_DIR/pg.dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$PG_DIR"
    fi
    as_pg_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync \
        -E UTF8 --locale=C.UTF-8 >"$LOG_DIR/initdb.log" 2>&1 ||
        {
            show_log initdb
            die "initdb failed"
        }
    # max_connections: one connection per HTTP worker per replica, plus relays,
    # consumers and tests.
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
        -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400" \
        start >/dev/null ||
        {
            tail -n 30 "$PG_DIR/postgres.log" >&2 || true
            die "PostgreSQL did not start"
        }
    ln -sf "$PG_DIR/postgres.log" "$LOG_DIR/postgres.log"
    head -n 1 "$PG_DIR/data/postmaster.pid" >"$PID_DIR/postgres.pid"

    "$PG_BIN/createdb" -h "$PG_DIR" -p "$port" -U postgres store
    local args=() role pw
    for role in $DB_ROLES; do
        pw=$(openssl rand -hex 16)
        printf -v "DBPW_$role" '%s' "$pw"
        args+=(-v "pw_$role=$pw")
    done
    psql -X -q -h "$PG_DIR" -p "$port" -U postgres -d store -v ON_ERROR_STOP=1 "${args[@]}" \
        -f "$REPO_DIR/deploy/postgres/init-roles.sql" >"$LOG_DIR/init-roles.log" 2>&1 ||
        {
            show_log init-roles
            die "deploy/postgres/init-roles.sql failed"
        }
}

pg_stop() {
    local dir
    dir=$(cat "$RUN_DIR/pg.dir" 2>/dev/null || true)
    [ -n "$dir" ] || return 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || {
            # pg_ctl failed: fall back to the postmaster's own pid.
            local pid
            pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
            pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
        }
    fi
    # Keep the server log with the others, the cluster itself is thrown away.
    if [ -f "$dir/postgres.log" ]; then
        rm -f "$LOG_DIR/postgres.log"
        cp "$dir/postgres.log" "$LOG_DIR/postgres.log" 2>/dev/null || true
    fi
    case "$dir" in
    /tmp/store-pg.*) rm -rf "$dir" ;;
    esac
    rm -f "$RUN_DIR/pg.dir" "$PID_DIR/postgres.pid"
}

# --- payment provider stubs (Khalti, eSewa) --------------------------------------------

# Local stand-ins for Khalti and eSewa that follow their documented APIs
# (tests/stubs/khalti_stub.py, esewa_stub.py). Each binds a free port itself and writes
# it to a file; the payment daemon gets their URLs and test credentials from
# payment_stub_env, the tests the URLs from stack.env (KHALTI_STUB_URL, ESEWA_STUB_URL).
ESEWA_TEST_PRODUCT_CODE=EPAYTEST
ESEWA_TEST_SECRET='8gBm/:&EnhH.1/q' # eSewa's published UAT key (PROVIDERS.md 3.6)

# Starts one stub and waits for its port file; its port goes into STUB_PORT.
# Usage: start_stub NAME SCRIPT ARGS...
start_stub() {
    local name=$1 script=$2 port_file=$RUN_DIR/$1.port deadline=$((SECONDS + 30))
    shift 2
    rm -f "$port_file"
    spawn "$name" -- "$PYTHON" "$REPO_DIR/tests/stubs/$script" --port-file "$port_file" "$@"
    while [ ! -s "$port_file" ]; do
        pid_alive "$(pid_of "$name")" || {
            show_log "$name"
            die "$name died"
        }
        [ $SECONDS -lt $deadline ] || {
            show_log "$name"
            die "$name wrote no $port_file in 30s"
        }
        sleep 0.05
    done
    STUB_PORT=$(cat "$port_file")
}

start_payment_stubs() {
    KHALTI_TEST_SECRET=$(openssl rand -hex 16)
    start_stub khalti-stub khalti_stub.py --secret "$KHALTI_TEST_SECRET"
    KHALTI_STUB_URL=http://127.0.0.1:$STUB_PORT
    log "Khalti stub on $KHALTI_STUB_URL"
    start_stub esewa-stub esewa_stub.py --product-code "$ESEWA_TEST_PRODUCT_CODE" \
        --secret "$ESEWA_TEST_SECRET"
    ESEWA_STUB_URL=http://127.0.0.1:$STUB_PORT
    log "eSewa stub on $ESEWA_STUB_URL"
}

# The payment daemon's Khalti and eSewa settings, pointing at the stubs.
payment_stub_env() {
    echo "KHALTI_API_BASE=$KHALTI_STUB_URL"
    echo "KHALTI_SECRET_KEY=$KHALTI_TEST_SECRET"
    echo "ESEWA_FORM_BASE=$ESEWA_STUB_URL"
    echo "ESEWA_STATUS_BASE=$ESEWA_STUB_URL"
    echo "ESEWA_PRODUCT_CODE=$ESEWA_TEST_PRODUCT_CODE"
    echo "ESEWA_SECRET_KEY=$ESEWA_TEST_SECRET"
    # Attempts whose buyer never came back are looked up after a few seconds rather than
    # a minute, so tests/e2e/test_payment_khalti.c sees the reconciler settle one.
    echo "PAYMENT_RECONCILE_AFTER_SECONDS=${PAYMENT_RECONCILE_AFTER_SECONDS:-5}"
}

# --- payment provider stubs (Stripe) and the fake provider's secret --------------------

# The Stripe stub (tests/stubs/stripe_stub.py) signs its webhooks and POSTs them to the
# gateway, so it starts once the gateway's URL is known. The fake provider's webhook
# secret and the Stripe test secrets are made per stack; the tests read them (and the
# stub's URL, for its test controls) from stack.env.
start_stripe_stub() {
    local gateway=${1%%,*}
    STRIPE_TEST_KEY=sk_test_$(openssl rand -hex 12)
    STRIPE_TEST_WHSEC=whsec_$(openssl rand -hex 16)
    FAKE_WEBHOOK_SECRET=$(openssl rand -hex 32)
    start_stub stripe-stub stripe_stub.py --secret-key "$STRIPE_TEST_KEY" \
        --webhook-secret "$STRIPE_TEST_WHSEC" --webhook-url "$gateway/payment/webhook/stripe"
    STRIPE_STUB_URL=http://127.0.0.1:$STUB_PORT
    log "Stripe stub on $STRIPE_STUB_URL"
}

# The payment daemon's Stripe and fake settings, and the public URL it builds return
# URLs and the fake provider's page with.
payment_stripe_env() {
    local gateway=${URLS[gateway]:-http://127.0.0.1:8080}
    echo "PUBLIC_BASE_URL=${gateway%%,*}"
    echo "FAKE_WEBHOOK_SECRET=$FAKE_WEBHOOK_SECRET"
    echo "STRIPE_API_BASE=$STRIPE_STUB_URL"
    echo "STRIPE_SECRET_KEY=$STRIPE_TEST_KEY"
    echo "STRIPE_WEBHOOK_SECRET=$STRIPE_TEST_WHSEC"
}

# --- mail catcher and SMS stub (notification) ------------------------------------------

# The SMTP catcher on SMTP_PORT, saving to MAIL_DIR (and dropping a resent Message-ID).
start_mailcatcher() {
    log "SMTP catcher on 127.0.0.1:$SMTP_PORT"
    spawn mailcatcher -- "$PYTHON" "$REPO_DIR/tools/mailcatcher/mailcatcher.py" \
        --listen "127.0.0.1:$SMTP_PORT" --dir "$MAIL_DIR"
    wait_tcp mailcatcher "$SMTP_PORT"
}

# The SMS provider stub (tests/stubs/sms_stub.py): messages land in SMS_DIR.
start_sms_stub() {
    SMS_DIR=$RUN_DIR/sms
    SMS_TEST_KEY=$(openssl rand -hex 16)
    rm -rf "$SMS_DIR"
    start_stub sms-stub sms_stub.py --dir "$SMS_DIR" --api-key "$SMS_TEST_KEY"
    SMS_STUB_URL=http://127.0.0.1:$STUB_PORT
    log "SMS stub on $SMS_STUB_URL"
}

# `stop-mailcatcher` / `start-mailcatcher`: an SMTP outage and its end, for tests. The
# catcher is stopped by its pid and started again on the same port (from stack.env).
cmd_mailcatcher() {
    [ -f "$STACK_ENV" ] || die "no stack in $RUN_DIR"
    SMTP_PORT=$(sed -n 's/^SMTP_PORT=//p' "$STACK_ENV" | tail -n 1)
    [ -n "$SMTP_PORT" ] || die "no SMTP_PORT in $STACK_ENV"
    if [ "$1" = stop ]; then
        stop_group mailcatcher
        log "SMTP catcher stopped"
    else
        pid_ours mailcatcher "$(pid_of mailcatcher)" && die "the SMTP catcher is running"
        start_mailcatcher
    fi
}

# --- services --------------------------------------------------------------------------

# Variables one service needs beyond the common ones, as NAME=VALUE lines.
service_env() {
    case "$1" in
    identity)
        echo "JWT_PRIVATE_KEY_FILE=$KEY_DIR/jwt-private.pem"
        echo "ADMIN_EMAIL=$ADMIN_EMAIL"
        echo "ADMIN_PASSWORD=$ADMIN_PASSWORD"
        ;;
    catalog)
        # Uploaded product images, served back through the gateway's GET /images/:name.
        echo "IMAGE_DIR=$RUN_DIR/images"
        echo "PUBLIC_BASE_URL=${URLS[gateway]%%,*}"
        ;;
    notification)
        echo "SMTP_HOST=127.0.0.1"
        echo "SMTP_PORT=$SMTP_PORT"
        echo "SMS_API_BASE=$SMS_STUB_URL"
        echo "SMS_API_KEY=$SMS_TEST_KEY"
        # Quick retries, and enough of them to outlast an SMTP outage of a test.
        echo "NOTIFY_RETRY_BASE_MS=${NOTIFY_RETRY_BASE_MS:-500}"
        echo "NOTIFY_RETRY_CAP_MS=${NOTIFY_RETRY_CAP_MS:-4000}"
        echo "NOTIFY_MAX_ATTEMPTS=${NOTIFY_MAX_ATTEMPTS:-40}"
        # A short lease, so that a sender killed mid-send is taken over within a test.
        echo "SMTP_TIMEOUT_MS=${SMTP_TIMEOUT_MS:-5000}"
        echo "SMS_TIMEOUT_MS=${SMS_TIMEOUT_MS:-5000}"
        echo "NOTIFY_LEASE_MS=${NOTIFY_LEASE_MS:-12000}"
        ;;
    fulfillment)
        # Auto-assignment on by zone: a courier that lists a zone gets its new shipments
        # (tests make their own zone and courier); the signed courier callback's secret.
        echo "FULFILLMENT_AUTO_ASSIGN=${FULFILLMENT_AUTO_ASSIGN:-zone}"
        echo "COURIER_CALLBACK_SECRET=$COURIER_CALLBACK_SECRET"
        ;;
    payment)
        # Khalti and eSewa point at their stubs (start_payment_stubs).
        payment_stub_env
        # Stripe points at its stub, the fake provider at the gateway (start_stripe_stub).
        payment_stripe_env
        ;;
    esac
}

replicas_of() {
    local name=$1 default=$2 var
    var="$(upper "$name")_REPLICAS"
    echo "${!var:-$default}"
}

# The process name of replica I of N: "identity-1" when there are several, else "identity".
proc_name() {
    if [ "$2" -gt 1 ]; then echo "$1-$3"; else echo "$1"; fi
}

# --- up / down -------------------------------------------------------------------------

cmd_up() {
    if [ -d "$PID_DIR" ] && [ -n "$(ls -A "$PID_DIR" 2>/dev/null)" ] || [ -f "$RUN_DIR/pg.dir" ]; then
        log "a stack is already up in $RUN_DIR: stopping it first"
        cmd_down || true
    fi
    rm -rf "$LOG_DIR" "$PID_DIR" "$MAIL_DIR" "$STACK_ENV" "$RUN_DIR/kafka.addr"
    mkdir -p "$LOG_DIR" "$PID_DIR" "$MAIL_DIR" "$KEY_DIR"
    # Anything that fails from here on takes down what was already started.
    trap 'rc=$?; if [ $rc -ne 0 ]; then log "up failed: stopping what was started"; cmd_down >/dev/null 2>&1 || true; fi' EXIT

    local devbroker=$BUILD_DIR/tools/devbroker/devbroker
    [ -x "$devbroker" ] || die "$devbroker is not built (make build, or set BUILD_DIR)"

    # Which services are built, and a port for each replica, all chosen up front so
    # every daemon can be told every peer's URLs.
    local started=() name count role i port
    local nports=2 # PostgreSQL, SMTP
    while read -r name count role; do
        [ -n "$name" ] || continue
        if [ -x "$BUILD_DIR/services/$name/$name" ]; then
            count=$(replicas_of "$name" "$count")
            started+=("$name:$count:$role")
            nports=$((nports + count))
        fi
    done <<<"$SERVICES"
    local ports
    read -r -a ports <<<"$(free_ports "$nports")"
    PG_PORT=${ports[0]}
    SMTP_PORT=${ports[1]}
    local next=2

    # One key pair per RUN_DIR: identity signs with the private key, everyone verifies.
    if [ ! -s "$KEY_DIR/jwt-private.pem" ] || [ ! -s "$KEY_DIR/jwt-public.pem" ]; then
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
            -out "$KEY_DIR/jwt-private.pem" 2>/dev/null
        openssl pkey -in "$KEY_DIR/jwt-private.pem" -pubout -out "$KEY_DIR/jwt-public.pem"
        chmod 600 "$KEY_DIR/jwt-private.pem"
    fi
    SERVICE_TOKEN=$(openssl rand -hex 32)
    COURIER_CALLBACK_SECRET=$(openssl rand -hex 32)
    ADMIN_EMAIL=${ADMIN_EMAIL:-admin@store.local}
    ADMIN_PASSWORD=${ADMIN_PASSWORD:-$(openssl rand -hex 12)}

    log "PostgreSQL on 127.0.0.1:$PG_PORT"
    pg_start "$PG_PORT"
    local database_url="postgresql://postgres@127.0.0.1:$PG_PORT/store"

    log "development Kafka broker"
    spawn devbroker -- "$devbroker" --brokers 3 --bootstrap-file "$RUN_DIR/kafka.addr"
    local deadline=$((SECONDS + 30))
    while [ ! -s "$RUN_DIR/kafka.addr" ]; do
        pid_alive "$(pid_of devbroker)" || {
            show_log devbroker
            die "devbroker died"
        }
        [ $SECONDS -lt $deadline ] || {
            show_log devbroker
            die "devbroker wrote no $RUN_DIR/kafka.addr in 30s"
        }
        sleep 0.05
    done
    KAFKA_BROKERS=$(head -n 1 "$RUN_DIR/kafka.addr" | tr -d '[:space:]')
    [ -n "$KAFKA_BROKERS" ] || die "empty $RUN_DIR/kafka.addr"

    start_mailcatcher
    start_sms_stub

    start_payment_stubs

    # Ports and URLs of every replica of every service.
    local entry urls_env=() url_lines=""
    declare -A PORTS URLS
    for entry in "${started[@]}"; do
        IFS=: read -r name count role <<<"$entry"
        local list="" plist=""
        for ((i = 1; i <= count; i++)); do
            port=${ports[$next]}
            next=$((next + 1))
            plist+="${plist:+ }$port"
            list+="${list:+,}http://127.0.0.1:$port"
        done
        PORTS[$name]=$plist
        URLS[$name]=$list
        if [ "$name" != gateway ]; then
            urls_env+=("$(upper "$name")_URLS=$list")
            url_lines+="$(upper "$name")_URLS=$list"$'\n'
        fi
    done

    start_stripe_stub "${URLS[gateway]:-http://127.0.0.1:8080}"

    # Start the services (the gateway after the others are ready).
    local phase
    for phase in services gateway; do
        local waiting=()
        for entry in "${started[@]}"; do
            IFS=: read -r name count role <<<"$entry"
            if { [ "$phase" = gateway ] && [ "$name" != gateway ]; } ||
                { [ "$phase" = services ] && [ "$name" = gateway ]; }; then
                continue
            fi
            local envs=(
                "KAFKA_BROKERS=$KAFKA_BROKERS"
                "JWT_PUBLIC_KEY_FILE=$KEY_DIR/jwt-public.pem"
                "SERVICE_TOKEN=$SERVICE_TOKEN"
                "${urls_env[@]}"
            )
            if [ "$role" != - ]; then
                local pwvar="DBPW_$role"
                envs+=("DATABASE_URL=postgresql://$role:${!pwvar}@127.0.0.1:$PG_PORT/store?options=-csearch_path%3D$role")
            else
                # No schema, no database: not even one inherited from the caller.
                envs=(-u DATABASE_URL "${envs[@]}")
            fi
            local line
            while IFS= read -r line; do
                [ -n "$line" ] && envs+=("$line")
            done < <(service_env "$name")
            read -r -a plist <<<"${PORTS[$name]}"
            for ((i = 1; i <= count; i++)); do
                local pname
                pname=$(proc_name "$name" "$count" "$i")
                log "$pname on 127.0.0.1:${plist[$((i - 1))]}"
                spawn "$pname" "${envs[@]}" "HTTP_LISTEN=127.0.0.1:${plist[$((i - 1))]}" -- \
                    "$BUILD_DIR/services/$name/$name"
                waiting+=("$pname:${plist[$((i - 1))]}")
            done
        done
        for entry in "${waiting[@]}"; do
            wait_ready "${entry%%:*}" "http://127.0.0.1:${entry##*:}/readyz"
        done
        for entry in "${waiting[@]}"; do
            wait_consumer "${entry%%:*}" "${entry##*:}"
        done
    done

    local gateway_url=""
    if [ -n "${URLS[gateway]:-}" ]; then
        gateway_url=${URLS[gateway]%%,*}
    else
        log "warning: the gateway is not built"
    fi

    {
        echo "# Written by scripts/stack.sh up on $(date -u +%Y-%m-%dT%H:%M:%SZ); KEY=VALUE, unquoted."
        echo "GATEWAY_URL=$gateway_url"
        echo "KAFKA_BROKERS=$KAFKA_BROKERS"
        echo "DATABASE_URL=$database_url"
        echo "MAIL_DIR=$MAIL_DIR"
        echo "SMTP_HOST=127.0.0.1"
        echo "SMTP_PORT=$SMTP_PORT"
        echo "SMS_DIR=$SMS_DIR"
        echo "SMS_STUB_URL=$SMS_STUB_URL"
        echo "KHALTI_STUB_URL=$KHALTI_STUB_URL"
        echo "ESEWA_STUB_URL=$ESEWA_STUB_URL"
        echo "STRIPE_STUB_URL=$STRIPE_STUB_URL"
        echo "STRIPE_WEBHOOK_SECRET=$STRIPE_TEST_WHSEC"
        echo "FAKE_WEBHOOK_SECRET=$FAKE_WEBHOOK_SECRET"
        echo "ADMIN_EMAIL=$ADMIN_EMAIL"
        echo "ADMIN_PASSWORD=$ADMIN_PASSWORD"
        printf '%s' "$url_lines"
        echo "SERVICE_TOKEN=$SERVICE_TOKEN"
        echo "COURIER_CALLBACK_SECRET=$COURIER_CALLBACK_SECRET"
        echo "JWT_PRIVATE_KEY_FILE=$KEY_DIR/jwt-private.pem"
        echo "JWT_PUBLIC_KEY_FILE=$KEY_DIR/jwt-public.pem"
        echo "DEVBROKER_PID=$(pid_of devbroker)"
        echo "RUN_DIR=$RUN_DIR"
        echo "BUILD_DIR=$BUILD_DIR"
        echo "PG_PORT=$PG_PORT"
        echo "PGHOST_DIR=$PG_DIR"
    } >"$STACK_ENV.tmp"
    mv "$STACK_ENV.tmp" "$STACK_ENV"
    trap - EXIT
    log "up: GATEWAY_URL=$gateway_url, environment in $STACK_ENV"
}

# Sanitizer reports in the daemons' logs since `up`: a daemon that leaked or hit
# undefined behaviour fails `down`, so the test run that used the stack fails too.
check_sanitizer_reports() {
    local f found=0
    for f in "$LOG_DIR"/*.log; do
        [ -f "$f" ] || continue
        if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
            log "sanitizer report in $f:"
            grep -E -A 30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" | head -n 60 >&2
            found=1
        fi
    done
    return $found
}

cmd_down() {
    local name f gateway=() services=() infra=()
    if [ -d "$PID_DIR" ]; then
        for f in "$PID_DIR"/*.pid; do
            [ -f "$f" ] || continue
            name=$(basename "$f" .pid)
            case "$name" in
            gateway | gateway-*) gateway+=("$name") ;;
            devbroker | mailcatcher | *-stub) infra+=("$name") ;;
            postgres) ;;
            *) services+=("$name") ;;
            esac
        done
    fi
    # Front to back: no new requests, then the services flush their producers while
    # the broker and the database are still there, then the infrastructure.
    stop_group "${gateway[@]}"
    stop_group "${services[@]}"
    stop_group "${infra[@]}"
    pg_stop
    rm -f "$STACK_ENV" "$RUN_DIR/kafka.addr"
    log "down"
    local rc=0
    check_sanitizer_reports || rc=1
    if [ "$KILLED" -gt 0 ]; then
        log "$KILLED process(es) had to be killed: see their logs in $LOG_DIR"
        rc=1
    fi
    return $rc
}

cmd_status() {
    local f name pid rc=0
    if [ ! -d "$PID_DIR" ] || [ -z "$(ls -A "$PID_DIR" 2>/dev/null)" ]; then
        echo "no stack in $RUN_DIR"
        return 3
    fi
    for f in "$PID_DIR"/*.pid; do
        name=$(basename "$f" .pid)
        pid=$(pid_of "$name")
        if pid_ours "$name" "$pid"; then
            printf '%-16s pid %-8s running\n' "$name" "$pid"
        else
            printf '%-16s pid %-8s DEAD\n' "$name" "$pid"
            rc=1
        fi
    done
    [ -f "$STACK_ENV" ] && echo "environment: $STACK_ENV"
    return $rc
}

cmd_logs() {
    exec tail -n 20 -F "$LOG_DIR"/*.log
}

cmd_run() {
    cmd_up
    grep -E '^(GATEWAY_URL|ADMIN_EMAIL|ADMIN_PASSWORD|MAIL_DIR)=' "$STACK_ENV"
    log "following the logs; Ctrl-C stops the stack"
    # A background job of a script ignores SIGINT, so the trap stops tail itself.
    tail -n 20 -F "$LOG_DIR"/*.log &
    TAIL_PID=$!
    trap 'trap - INT TERM EXIT; kill "$TAIL_PID" 2>/dev/null || true; echo; cmd_down; exit 0' INT TERM EXIT
    wait "$TAIL_PID" || true
}

# --- faults, for tests/chaos -------------------------------------------------------------

# `kill NAME`: SIGKILL one process of the stack (a crash: no clean shutdown).
cmd_kill() {
    local name=$1 pid
    pid=$(pid_of "$name")
    pid_ours "$name" "$pid" || die "$name is not running"
    kill -KILL "$pid"
    while pid_alive "$pid"; do sleep 0.02; done
    log "$name (pid $pid) killed"
}

# `restart NAME`: kills NAME if it still runs, then starts it again with the same
# environment, arguments and port, and waits for its /readyz when it serves HTTP.
cmd_restart() {
    local name=$1 f=$PID_DIR/$1.argv args=()
    [ -f "$f" ] || die "no record of how $name was started"
    if pid_ours "$name" "$(pid_of "$name")"; then
        cmd_kill "$name"
    fi
    mapfile -d '' args <"$f"
    spawn "${args[@]}"
    local a listen=""
    for a in "${args[@]}"; do
        case "$a" in HTTP_LISTEN=*) listen=${a#HTTP_LISTEN=} ;; esac
    done
    if [ -n "$listen" ]; then
        wait_ready "$name" "http://$listen/readyz"
    fi
    log "$name restarted (pid $(pid_of "$name"))"
}

# `restart-postgres`: a fast restart of the database server on the same port; every
# open connection is cut.
cmd_restart_postgres() {
    local dir
    dir=$(cat "$RUN_DIR/pg.dir" 2>/dev/null || true)
    [ -n "$dir" ] || die "no PostgreSQL in $RUN_DIR"
    as_pg_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -m fast -w -t 60 \
        restart >/dev/null || die "PostgreSQL did not restart"
    head -n 1 "$dir/data/postmaster.pid" >"$PID_DIR/postgres.pid"
    log "PostgreSQL restarted"
}

case "${1:-}" in
up) cmd_up ;;
kill) cmd_kill "${2:?usage: $0 kill NAME}" ;;
restart) cmd_restart "${2:?usage: $0 restart NAME}" ;;
restart-postgres) cmd_restart_postgres ;;
down) cmd_down ;;
status) cmd_status ;;
logs) cmd_logs ;;
run) cmd_run ;;
stop-mailcatcher) cmd_mailcatcher stop ;;
start-mailcatcher) cmd_mailcatcher start ;;
*)
    echo "usage: $0 up|down|status|logs|run|stop-mailcatcher|start-mailcatcher|kill NAME|restart NAME|restart-postgres" >&2
    exit 2
    ;;
esac
