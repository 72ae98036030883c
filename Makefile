# Makefile - the two commands of the README, and a few helpers.
#
#   make run     install missing packages, build, start the local stack, follow the logs;
#                Ctrl-C stops everything
#   make test    install missing packages, build with sanitizers, run every test (ctest)
#
#   make up / make down   start the stack detached (.run/stack.env) / stop it
#   make build            the release build in build/
#   make bench            the suite: req/s and p50/p99 per route vs a hello-world, half-load p99,
#                         checkout -> CONFIRMED orders/s, event commit -> effect, memory
#                         (bench/RESULTS.md; bench/run.sh lists its knobs, e.g. CARTS=400)
#   make bench-cart       GET /cart (10 lines) and POST /cart/items under wrk (bench/RESULTS-cart.md)
#   make bench-catalog    100k products: GET /products/:id and search under wrk, EXPLAIN (bench/RESULTS-catalog.md)
#   make bench-inventory  reservations/s and p99 on one hot SKU and over 10k SKUs (bench/RESULTS-inventory.md)
#   make chaos            the long chaos run: 400 journeys under faults, then the audit (tests/chaos)
#   make format           clang-format over the C sources
#   make clean            remove build/ and build-test/ (stops the stack first)

SHELL := /bin/bash
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Overridable from the command line or the environment (make bench BUILD_DIR=... RUN_DIR=...).
BUILD_DIR ?= $(CURDIR)/build
TEST_BUILD_DIR ?= $(CURDIR)/build-test
RUN_DIR ?= $(CURDIR)/.run
STACK := RUN_DIR=$(RUN_DIR) BUILD_DIR=$(BUILD_DIR) $(CURDIR)/scripts/stack.sh

# The test build's sanitizers. Leak checking is on; daemons inherit these through the
# stack. Password hashing uses libsodium's minimum Argon2id cost in tests only
# (crypto_pwhash_OPSLIMIT_MIN=1, crypto_pwhash_MEMLIMIT_MIN=8192 bytes) so that the
# e2e tests' registrations and logins stay fast; production leaves PWHASH_* unset and
# gets identity's defaults.
LSAN_SUPP := $(wildcard $(CURDIR)/tests/lsan.supp)
TEST_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1 \
	$(if $(LSAN_SUPP),LSAN_OPTIONS=suppressions=$(LSAN_SUPP):print_suppressions=0) \
	PWHASH_OPSLIMIT=1 PWHASH_MEMLIMIT=8192

# The benchmark's stack: enough workers for wrk's 64 keep-alive connections (bench/run.sh
# WRK_CONNECTIONS_HIGH) on every daemon (civetweb holds a worker per connection), and no
# rate limit on the one client. POST /cart/items merges one unit into an existing line on
# every request, so a cart line may hold up to 10000 units during the run.
BENCH_ENV := HTTP_THREADS=64 RATE_LIMIT_RPS=1000000 RATE_LIMIT_BURST=1000000 CART_MAX_QUANTITY=10000

.PHONY: all deps build up down run status logs test chaos bench bench-cart bench-catalog bench-inventory format clean

all: build

deps:
	@$(CURDIR)/scripts/install-deps.sh

build: deps
	cmake -S $(CURDIR) -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j$(JOBS)

up: build
	@$(STACK) up
	@echo "gateway: $$(grep '^GATEWAY_URL=' $(RUN_DIR)/stack.env | cut -d= -f2-)"
	@echo "environment (admin credentials, database, broker, mail): $(RUN_DIR)/stack.env"

down:
	@$(STACK) down

status:
	@$(STACK) status

logs:
	@$(STACK) logs

run: build
	@$(STACK) run

# The sanitizer build is optimised like the release build, so the warnings that need
# optimisation to be seen (-Wformat-truncation, -Wmaybe-uninitialized) stop it too.
test: deps
	cmake -S $(CURDIR) -B $(TEST_BUILD_DIR) -DSANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(TEST_BUILD_DIR) -j2
	$(TEST_ENV) ctest --test-dir $(TEST_BUILD_DIR) --output-on-failure

# The release build's daemons (two replicas of each event consumer), many customers,
# every fault at least once; the audit's figures print at the end.
CHAOS_REPLICAS := CATALOG_REPLICAS=2 INVENTORY_REPLICAS=2 CART_REPLICAS=2 ORDER_REPLICAS=2 \
	PAYMENT_REPLICAS=2 FULFILLMENT_REPLICAS=2 NOTIFICATION_REPLICAS=2
chaos: build
	cmake --build $(BUILD_DIR) --target chaos_journey -j$(JOBS)
	BUILD_DIR=$(BUILD_DIR) PWHASH_OPSLIMIT=1 PWHASH_MEMLIMIT=8192 $(CHAOS_REPLICAS) \
		CHAOS_BUYERS=$${CHAOS_BUYERS:-400} CHAOS_WORKERS=$${CHAOS_WORKERS:-16} CHAOS_STOCK=$${CHAOS_STOCK:-100} \
		$(CURDIR)/tests/chaos/run.sh $(BUILD_DIR)/tests/chaos_journey

bench: build
	@if cmake --build $(BUILD_DIR) --target help | grep bench_hello >/dev/null; then \
		cmake --build $(BUILD_DIR) --target bench_hello -j$(JOBS); fi
	@$(BENCH_ENV) $(STACK) up
	$(BENCH_ENV) RUN_DIR=$(RUN_DIR) BUILD_DIR=$(BUILD_DIR) $(CURDIR)/bench/run.sh; rc=$$?; $(STACK) down; exit $$rc

# Every POST /cart/items of bench/cart.sh merges one unit into an existing line, so the
# cart may hold up to 10000 units per line during the run.
bench-cart: build
	@$(BENCH_ENV) $(STACK) up
	$(BENCH_ENV) RUN_DIR=$(RUN_DIR) BUILD_DIR=$(BUILD_DIR) $(CURDIR)/bench/cart.sh; rc=$$?; $(STACK) down; exit $$rc

# Seeds 100,000 approved products into the stack's database (plain SQL), then wrk.
bench-catalog: build
	cmake --build $(BUILD_DIR) --target bench_catalog_sql -j$(JOBS)
	@$(BENCH_ENV) $(STACK) up
	$(BENCH_ENV) RUN_DIR=$(RUN_DIR) BUILD_DIR=$(BUILD_DIR) $(CURDIR)/bench/catalog.sh; rc=$$?; $(STACK) down; exit $$rc

# Seeds 10,001 SKUs into the stack's database (plain SQL), then wrk against one
# inventory replica's POST /internal/reservations.
bench-inventory: build
	@$(BENCH_ENV) $(STACK) up
	$(BENCH_ENV) RUN_DIR=$(RUN_DIR) BUILD_DIR=$(BUILD_DIR) $(CURDIR)/bench/inventory.sh; rc=$$?; $(STACK) down; exit $$rc

format:
	find common services tools tests bench -name '*.[ch]' -not -path '*/build*' -print0 2>/dev/null | \
		xargs -0 -r clang-format -i

clean:
	@if [ -d $(RUN_DIR)/pids ]; then $(STACK) down; fi
	rm -rf $(BUILD_DIR) $(TEST_BUILD_DIR)
