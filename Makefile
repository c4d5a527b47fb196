# tickmesh — every target installs what it needs. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
STAMP := node_modules/.tickmesh-installed

DASHBOARD := edge/dashboard/dist/index.html

.PHONY: help install gen lint typecheck build dashboard browser kustomize test test-faults test-unit run bench infra-up infra-down infra-status tfjs-native clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

# npm install, not npm ci: npm 11 leaves other platforms' optional packages (DuckDB's bindings) out of the
# lock file and npm ci then refuses it as out of sync. install still honours every pinned version in the lock.
$(STAMP): package.json package-lock.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

install: $(STAMP) ## Install npm dependencies

gen: $(STAMP) ## Regenerate gen/ from proto/ with buf, and what is derived from the contracts
	npx buf generate
	npx tsx edge/openapi/gen-proto-comments.ts
	npx tsx deploy/generate.ts

lint: $(STAMP) ## buf lint, buf breaking against main, TypeScript type check
	npx buf lint
	bash scripts/buf-breaking.sh
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p edge/dashboard/tsconfig.json --noEmit

typecheck: $(STAMP) ## TypeScript type check only
	npx tsc -p tsconfig.json --noEmit

# V8 flags of every service process (lib/runner/node-options.ts says why; a test keeps them equal).
SERVICE_NODE_OPTIONS := --max-semi-space-size=32

build: $(STAMP) ## Compile to dist/ (node dist/main.js --target=<service>)
	npx tsc -p tsconfig.build.json

$(DASHBOARD): $(STAMP) $(shell find edge/dashboard/src edge/dashboard/index.html -type f 2>/dev/null)
	npx vite build --config edge/dashboard/vite.config.ts --logLevel warn

dashboard: $(DASHBOARD) ## Build the browser dashboard the edge serves at /

run: $(STAMP) $(DASHBOARD) ## Start the all-in-one platform on embedded infrastructure
	NODE_OPTIONS="$(SERVICE_NODE_OPTIONS)" node --import tsx main.ts --target=all

infra-up: ## Install (first time) and start Kafka, ClickHouse and Redis on 127.0.0.1
	bash scripts/infra/up.sh

infra-down: ## Stop Kafka, ClickHouse and Redis
	bash scripts/infra/down.sh

infra-status: ## Show whether Kafka, ClickHouse and Redis are up
	bash scripts/infra/status.sh

tfjs-native: $(STAMP) ## TensorFlow.js native fast path: libtensorflow from Maven Central + headers from PyPI (else wasm)
	bash scripts/tfjs-native.sh || echo "[tfjs-native] not available here; TensorFlow.js runs on wasm"

browser: ## Debian's Chromium for the dashboard's end-to-end tests
	bash scripts/infra/chromium.sh

kustomize: ## kustomize (Go module proxy) for rendering the k8s overlays in tests
	bash scripts/tools/kustomize.sh

test: lint infra-up tfjs-native browser kustomize ## The whole suite against real Kafka, ClickHouse and Redis
	eval "$$(bash scripts/infra/env.sh)" && node scripts/run-tests.mjs

test-faults: $(STAMP) infra-up ## Mesh mode under faults: kill -9 of every process under load, then Kafka/ClickHouse/Redis outages on a private set (TICKMESH_FAULTS_INFRA=0 skips those)
	eval "$$(bash scripts/infra/env.sh)" && TICKMESH_FAULTS=1 NODE_NO_WARNINGS=1 node --import tsx --test --test-concurrency=1 \
	  --test-timeout=1500000 --test-reporter=spec test/faults/*.test.ts

test-unit: $(STAMP) ## Tests only, without starting infrastructure (real-server tests skip)
	node scripts/run-tests.mjs

bench: $(STAMP) infra-up tfjs-native ## Run every benchmark, one at a time, and write docs/BENCHMARKS.md (BENCH_ARGS="--quick --only=edge,grpc")
	eval "$$(bash scripts/infra/env.sh)" && node --import tsx bench/report/main.ts $(BENCH_ARGS)

clean: ## Remove build output (not .cache/)
	rm -rf dist
