#!/usr/bin/env bash
# install-deps.sh - installs the Debian 12 packages the build, the local stack and the tests need.
#
# Checks with dpkg-query first and does nothing when everything is present, so
# `make up` and `make test` can call it every time at almost no cost.
set -euo pipefail

PACKAGES=(
    # build
    build-essential cmake pkg-config clang clang-format
    # libraries
    # civetweb: libcivetweb-dev's CMake config (civetweb::server) requires /usr/bin/civetweb
    civetweb libcivetweb-dev libcjson-dev libpq-dev librdkafka-dev libcurl4-openssl-dev
    libsodium-dev libjwt-dev libssl-dev libcmocka-dev
    # local stack: throwaway PostgreSQL server, tools for the scripts
    postgresql-15 postgresql-client-15 python3 procps curl openssl ca-certificates
    # tests and tooling: Kafka client, event contracts, compose validation, benchmarks
    kcat protobuf-compiler libprotobuf-dev python3-protobuf python3-yaml docker-compose wrk
    # fuzzing (tests/fuzz): clang's libFuzzer and sanitizer runtimes, only recommended by clang
    libclang-rt-14-dev
)

# One dpkg-query for all: a package it does not know prints nothing and so counts as missing.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null |
    awk '$2 == "installed" { print $1 }' || true)
missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! grep -qx -- "$pkg" <<<"$installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
