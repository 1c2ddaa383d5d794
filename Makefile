# yuejuan — the two commands are `make run` and `make test`.
GO        ?= go
BIN       := bin
DATA      ?= $(CURDIR)/data
STATICCHECK_VERSION := v0.8.2

.PHONY: all build run test vet lint bench clean peers

all: build

build:
	@test -d $(BIN) || echo "first build: downloading Go modules and compiling (a few minutes on empty caches)"
	$(GO) build -trimpath -o $(BIN)/yuejuan ./cmd/yuejuan

## run: build and start the local all-in-one server on 127.0.0.1:8080
run: build
	YUEJUAN_DATA=$${YUEJUAN_DATA:-$(DATA)} ./$(BIN)/yuejuan serve

## peers: install what the tests need and this machine lacks: Debian's qpdf,
## poppler-utils, mupdf-tools and chromium (apt-get update first), dynalite, axe-core and
## oidc-provider (the sign-in tests' second OpenID provider) from npm, versitygw and the Lambda RIE with go install. Idempotent: seconds when
## everything is present; the first time about 5-8 minutes (versitygw compiles).
peers:
	@for p in debian dynalite axe oidc-provider versitygw lambda-rie; do sh infra/peers/$$p.sh || exit 1; done

## test: everything CI runs; installs the missing peers first
test: peers lint
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) test -count=1 -timeout 20m ./...
	@$(MAKE) --no-print-directory fuzz

vet:
	$(GO) vet ./...

lint: vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...
	@$(MAKE) --no-print-directory bench-server
	@$(MAKE) --no-print-directory bench-ocr-server
	@$(MAKE) --no-print-directory load

## bench-server: big cases through the local server (issue 19): upload of
## YUEJUAN_BENCH_SERVER_SCANS one-page JPEG scans until all are accepted, then
## approval → link of that case and of cases of YUEJUAN_BENCH_SERVER_PAGES pages
## (comma-separated; uploaded as 100-page PDFs; empty for none), with the peak RSS
## over each assembly. The 20,000-page case needs ~16 GB free in $TMPDIR and
## 10-20 minutes; YUEJUAN_BENCH_SERVER_PAGES= makes a short run.
YUEJUAN_BENCH_SERVER_SCANS ?= 1000
YUEJUAN_BENCH_SERVER_PAGES ?= 20000
.PHONY: bench-server
bench-server:
	YUEJUAN_OCR=off $(GO) run ./cmd/loadgen -big-scans $(YUEJUAN_BENCH_SERVER_SCANS) -big-pages '$(YUEJUAN_BENCH_SERVER_PAGES)'

## bench-ocr-server: upload → all accepted of YUEJUAN_BENCH_OCR_SCANS one-page
## scans with text recognition on (issue 18; docs/ocr.md). Recognition costs
## seconds of CPU per page (BenchmarkDocumentPage in pkg/ocr, run by the go test
## line of bench), so 1,000 scans take the better part of an hour on 2 cores:
## YUEJUAN_BENCH_OCR_SCANS=1000 for that run.
YUEJUAN_BENCH_OCR_SCANS ?= 100
.PHONY: bench-ocr-server
bench-ocr-server:
	YUEJUAN_OCR=on $(GO) run ./cmd/loadgen -big-scans $(YUEJUAN_BENCH_OCR_SCANS) -big-pages ''

clean:
	rm -rf $(BIN)

## build-lambda: every Lambda function's bootstrap for provided.al2023 on arm64,
## in dist/<name>/bootstrap (the CodeUri of each function in template.yaml)
FUNCTIONS   := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
LAMBDA_ARCH ?= arm64
.PHONY: build-lambda clean-lambda
build-lambda:
	@for f in $(FUNCTIONS); do \
		echo "dist/$$f/bootstrap"; \
		GOOS=linux GOARCH=$(LAMBDA_ARCH) CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags '-s -w' \
			-o dist/$$f/bootstrap ./functions/$$f || exit 1; \
	done

clean-lambda:
	rm -rf dist

## fuzz: each fuzz target for a fixed number of executions (part of make test;
## FUZZTIME=10m for a long run). Counts, not durations: Go 1.26's coordinator can
## report a bare "context deadline exceeded" when a -fuzztime duration ends while a
## worker is mid-call (golang/go#75804, fixed in 1.27); a count has no deadline.
## Each count is about 8 s on a 2-core machine. go test -fuzz takes one target at
## a time; a failing input lands in the package's testdata/fuzz/<target>/ and from
## then on runs as a regular test.
FUZZTIME ?=
FUZZ_TARGETS := pkg/scan:FuzzIngest:20000x pkg/link:FuzzSignerParse:40000x \
	pkg/link:FuzzSignerParseMutated:40000x pkg/httpapi:FuzzApplicationJSON:8000x \
	pkg/audit:FuzzCanonicalRoundTrip:5000x pkg/audit:FuzzCanonicalDistinct:8000x \
	internal/jpegcheck:FuzzCheckMatchesDecode:20000x
.PHONY: fuzz load
fuzz:
	@log=$$(mktemp); for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; fn=$${rest%%:*}; n=$(or $(FUZZTIME),$${rest#*:}); \
		echo "fuzz $$fn ./$$pkg ($$n)"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $$n -fuzzminimizetime 5s ./$$pkg > $$log 2>&1 \
			|| { cat $$log; rm -f $$log; exit 1; }; \
	done; rm -f $$log

## load: the local server under many lawyers and clerks for LOAD_DURATION while a
## 1,000-page dossier is assembled; prints requests/s and p50/p90/p99 per route
LOAD_DURATION ?= 20s
load:
	YUEJUAN_OCR=off $(GO) run ./cmd/loadgen -duration $(LOAD_DURATION)
