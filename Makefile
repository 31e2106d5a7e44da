# occupancy: see README.md. `make run` builds the embedded sample and serves
# it; `make test` runs every check CI runs.
GO       ?= go
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
ADDR     ?= 127.0.0.1:8080
OUT      ?= public

.PHONY: all build run test vet vet-go race-split fuzz soak bench loadtest nginx-test e2e browser-test s3-test s3-prebuild sample clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/build ./cmd/build
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/sidecar ./cmd/sidecar

# Build the embedded sample release into $(OUT)/ and serve the whole API.
run: build
	./bin/build -out $(OUT)
	./bin/sidecar -addr $(ADDR) -static $(OUT) -snapshot $(OUT)/occupancy.snapshot

# Formatting, go vet and staticcheck (pinned in scripts/staticcheck.sh),
# every build tag included.
vet: vet-go
	./scripts/staticcheck.sh

vet-go:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags browser ./scripts/browser
	$(GO) vet -tags integration ./scripts/integration

# Every check CI runs: formatting, vet, the race-enabled tests (fuzz seed
# corpora included), the static-hosting test against real nginx, the
# cross-check of the sidecar's answers against PostgreSQL's on the sample,
# the end-to-end test (nginx before two sidecars, one killed and a release
# published under load, zero failed requests), the page's browser tests in
# headless Chromium, and publishing to a real S3-compatible server (the
# Versity S3 Gateway, built once into ~/.cache/occupancy: about 3
# CPU-minutes the first time, started first in the background at the
# lowest priority, and waited for by s3-test).
#
# staticcheck runs beside the checks that follow the race-enabled tests,
# at the lowest priority, on the cores they leave idle (the race-enabled
# tests keep both busy: started before them, it made them 97 s slower on a
# fresh clone), and its findings are reported and fail the run at the end.
test: s3-prebuild vet-go race-split
	$(GO) test -race -count=1 -timeout 30m $(RACE_PKGS)
	./scripts/staticcheck.sh start
	$(GO) test -count=1 -timeout 30m $(PLAIN_PKGS)
	./scripts/nginx-test.sh
	CHECK_ONLY=1 CHECKS=20 ./scripts/compare-postgres.sh
	./scripts/e2e.sh
	./scripts/browser-test.sh
	./scripts/s3-test.sh
	./scripts/staticcheck.sh wait

# The race detector multiplies a test's CPU by 3 to 10. It runs on every
# package that is concurrent: those that start goroutines, import sync or
# are served concurrently (the sidecar); they call the others, which their
# tests then run under it too. The others (readers, model, render,
# snapshot format) run without it; race-split fails the run when a package
# is in neither list or in both, or when one of PLAIN_PKGS starts a
# goroutine or imports sync.
RACE_PKGS := ./cmd/... ./generator/tree/... ./sidecar/... ./scripts/...
PLAIN_PKGS := ./generator ./snapshot/... ./source/...
race-split:
	@all=$$($(GO) list ./... | sort); split=$$($(GO) list $(RACE_PKGS) $(PLAIN_PKGS) | sort); \
	[ "$$all" = "$$split" ] || { echo "race-split: RACE_PKGS and PLAIN_PKGS in the Makefile must list every package once" >&2; exit 1; }
	@bad=$$($(GO) list -f '{{.ImportPath}}{{range .Imports}}{{if or (eq . "sync") (eq . "sync/atomic") (eq . "golang.org/x/sync/errgroup")}} imports {{.}}{{end}}{{end}}' $(PLAIN_PKGS) | grep ' imports ' || true); \
	files=$$($(GO) list -f '{{$$d := .Dir}}{{range .GoFiles}}{{$$d}}/{{.}} {{end}}' $(PLAIN_PKGS)); \
	bad="$$bad $$(grep -lE '^\s*go [a-zA-Z_(]' $$files || true)"; \
	[ -z "$$(echo $$bad)" ] || { echo "race-split: concurrent code in PLAIN_PKGS, move it to RACE_PKGS:$$bad" >&2; exit 1; }

# Run each fuzzer for a while (FUZZTIME=30s by default; make test runs
# their seed corpora). XLSX inputs are slow to minimize: keep that short.
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	./source/csv:FuzzReadCSV ./source/xlsx:FuzzReadXLSX ./source:FuzzCheck \
	./source:FuzzParseDate ./source:FuzzParseClock ./source:FuzzParseDateRange \
	./source:FuzzParseWeeks ./source:FuzzParseWeekday ./source:FuzzParseBool \
	./source:FuzzParseInt ./source:FuzzParseNumber ./source:FuzzCheckSegment \
	./source:FuzzDefaultBuilding ./source:FuzzCoordinates ./source:FuzzNames \
	./source:FuzzUnmarshalRelease ./source:FuzzRecordDecoders ./source:FuzzCompareRecord ./generator/tree:FuzzParseManifest ./generator/tree:FuzzManifestDecoders ./generator/tree:FuzzStreamManifest \
	./snapshot:FuzzParse ./sidecar:FuzzFindFreeRooms ./sidecar:FuzzSoonest \
	./sidecar:FuzzFastParse ./generator/tree/objstore:FuzzParseURL \
	./generator/tree/objstore:FuzzParseEndpoint ./cmd/sidecar:FuzzParseHeader
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=3s $$pkg; \
	done

# Long fault runs (never part of `make test`): 50 builds killed at random
# moments; the sidecar under load while snapshots arrive every second for a
# minute.
soak:
	OCCUPANCY_SOAK=1 $(GO) test -count=1 -v -run 'TestPublishKilled' -timeout 20m ./generator/tree
	OCCUPANCY_SOAK=1 $(GO) test -count=1 -v -run 'TestSoak' -timeout 10m ./sidecar

# Every measurement of BENCHMARKS.md in one run (never part of `make test`):
# the build, the searches in-process, over HTTP and against PostgreSQL.
bench:
	./scripts/bench.sh

loadtest:
	./scripts/loadtest.sh

s3-prebuild:
	nice -n 19 ./scripts/s3-test.sh -prebuild >/dev/null 2>&1 &

nginx-test:
	./scripts/nginx-test.sh

e2e:
	./scripts/e2e.sh

# The page for people in headless Chromium (Debian's chromium, installed
# when missing); screenshots at phone and desktop sizes in test-artifacts/.
browser-test:
	./scripts/browser-test.sh

# Publishing to S3-compatible storage against the Versity S3 Gateway on
# loopback (VERSITYGW_BIN=/path/to/versitygw to use a binary you have).
s3-test:
	./scripts/s3-test.sh

# Regenerate the embedded sample release (source/sample/data).
sample:
	$(GO) generate ./source/sample

clean:
	rm -rf bin $(OUT) .$(OUT).new-* .$(OUT).standby .$(OUT).lock
