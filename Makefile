# yuejuan — the two commands are `make run` and `make test`.
GO        ?= go
BIN       := bin
DATA      ?= $(CURDIR)/data
STATICCHECK_VERSION := 2026.1

.PHONY: all build run test vet lint bench clean

all: build

build:
	$(GO) build -trimpath -o $(BIN)/yuejuan ./cmd/yuejuan

## run: build and start the local all-in-one server on 127.0.0.1:8080
run: build
	YUEJUAN_DATA=$${YUEJUAN_DATA:-$(DATA)} ./$(BIN)/yuejuan serve

## test: everything CI runs
test: vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) test -count=1 -timeout 20m ./...

vet:
	$(GO) vet ./...

lint: vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

clean:
	rm -rf $(BIN)
