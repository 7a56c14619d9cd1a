# The two commands a newcomer needs: `make dev` runs shipflow, `make test` runs the tests. Every
# tool either needs is built here from the Go module proxy, pinned, and cached under ./bin.

TEMPORAL_CLI_VERSION := v1.5.1
STATICCHECK_VERSION  := v0.8.2
COMPOSE_VERSION      := v2.40.3
HELM_VERSION         := v4.3.2
HTMX_VERSION         := 2.0.11
CHARTJS_VERSION      := 4.6.2
BIN                  := $(CURDIR)/bin
TEMPORAL             := $(BIN)/temporal
GO_TEST_FLAGS        ?= -race -count=1 -timeout 14m

export SHIPFLOW_TEMPORAL_CLI := $(TEMPORAL)

.PHONY: dev test fuzz lint build temporal-cli temporal-server postgres chromium compose-check helm helm-check console-vendor clean

## dev: run the whole system here: Temporal dev server, migrations, API and worker.
dev: temporal-cli postgres build
	exec $(BIN)/shipflow dev

## test: run every test against real Postgres and a real Temporal dev server (and, for the
## secured-cluster tests of engine/, a TLS temporal-server on Postgres).
# build first: the fault suite (loadtest.TestFaults) runs shipflow as child processes it
# builds with `go build`, which the warm cache then answers in seconds.
test: temporal-cli temporal-server postgres chromium build
	go test $(GO_TEST_FLAGS) ./...

## fuzz: every fuzz target for a few seconds (FUZZTIME, default 5s), seeded with the hostile
## inputs the tests name.
fuzz:
	scripts/fuzz

## lint: vet, formatting and staticcheck.
lint:
	go vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

build:
	go build -o $(BIN)/shipflow ./cmd/shipflow

## console-vendor: refresh the console's vendored htmx and Chart.js from the npm registry at the
## pinned versions (console/static/vendor/README.md lists them with their digests). Neither
## `make dev` nor `make test` needs it: the files are committed and embedded in the binary.
console-vendor:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent htmx.org@$(HTMX_VERSION) chart.js@$(CHARTJS_VERSION) >/dev/null && \
	  tar xzf htmx.org-$(HTMX_VERSION).tgz && cp package/dist/htmx.min.js package/LICENSE $$tmp/ && rm -rf package && \
	  tar xzf chart.js-$(CHARTJS_VERSION).tgz && \
	  cp $$tmp/htmx.min.js $(CURDIR)/console/static/vendor/htmx.min.js && cp $$tmp/LICENSE $(CURDIR)/console/static/vendor/htmx.LICENSE && \
	  cp package/dist/chart.umd.min.js $(CURDIR)/console/static/vendor/ && cp package/LICENSE.md $(CURDIR)/console/static/vendor/chart.js.LICENSE.md && \
	  rm -rf $$tmp && cd $(CURDIR)/console/static/vendor && sha256sum htmx.min.js chart.umd.min.js

# The real temporal-server and its SQL tool at the version deploy/temporal-server/go.mod pins,
# built once (about 6 minutes on 2 cores) by the script that runs them.
temporal-server:
	@scripts/temporal-postgres build

# Builds the pinned CLI once (about 3 minutes on 2 cores); skipped when bin/temporal already is
# that version.
temporal-cli:
	@if go version -m $(TEMPORAL) 2>/dev/null | grep -qE 'mod[[:space:]]+github.com/temporalio/cli[[:space:]]+$(TEMPORAL_CLI_VERSION)[[:space:]]'; then \
		echo "temporal CLI $(TEMPORAL_CLI_VERSION) present"; \
	else \
		echo "building temporal CLI $(TEMPORAL_CLI_VERSION) into bin/ (one time, a few minutes)"; \
		GOBIN=$(BIN) go install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION); \
	fi

# The tracking page's browser test drives Debian's Chromium (a test tool's own browser download
# does not work on these machines).
chromium:
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Postgres is installed on development and CI machines; start it if it is down.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
		echo "starting Postgres"; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
		for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
		pg_isready -h 127.0.0.1 -p 5432; }

## compose-check: validate docker-compose.yml with a pinned Compose, built here because CI
## machines have the docker client but no compose plugin and no engine.
compose-check: $(BIN)/docker-compose-$(COMPOSE_VERSION)
	$(BIN)/docker-compose-$(COMPOSE_VERSION) config -q

# Compose's go.mod has exclude directives, so `go install` refuses it: build inside a copy of the
# module instead.
$(BIN)/docker-compose-$(COMPOSE_VERSION):
	@echo "building docker compose $(COMPOSE_VERSION) into bin/ (one time, about a minute)"
	@src=$$(GOFLAGS= go mod download -json github.com/docker/compose/v2@$(COMPOSE_VERSION) | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'); \
	tmp=$$(mktemp -d); cp -r "$$src"/. "$$tmp" && chmod -R u+w "$$tmp" && \
	(cd "$$tmp" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o $@ ./cmd) ; rc=$$?; rm -rf "$$tmp"; exit $$rc

## helm-check: helm lint and helm template the chart with each values file, and decode every
## rendered object strictly into the Kubernetes API's types (deploy/helm/chart_test.go, a module
## of its own so the root module never builds k8s.io's packages). -mod=mod: the module replaces
## the root one, whose imports change; its go.sum must not be a second place to remember them.
helm-check: helm
	cd deploy/helm && SHIPFLOW_HELM=$(BIN)/helm go test -mod=mod -count=1 ./...

# Builds the pinned helm once (a few minutes on 2 cores; seconds from a warm build cache).
helm:
	@if go version -m $(BIN)/helm 2>/dev/null | grep -qE 'mod[[:space:]]+helm.sh/helm/v4[[:space:]]+$(HELM_VERSION)[[:space:]]'; then \
		echo "helm $(HELM_VERSION) present"; \
	else \
		echo "building helm $(HELM_VERSION) into bin/"; \
		GOBIN=$(BIN) go install helm.sh/helm/v4/cmd/helm@$(HELM_VERSION); \
	fi

clean:
	rm -rf $(BIN) .data
