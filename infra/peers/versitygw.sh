#!/bin/sh
# Installs versitygw (the Versity S3 Gateway: a real S3 server that checks
# SigV4 signatures and presigned-URL expiry) for the S3 tests in pkg/blob.
# It is a Go program, built from the Go module proxy with `go install` into
# $(go env GOPATH)/bin. Idempotent: does nothing when that binary (or the one
# on PATH) was already built from the pinned module version.
# The first build downloads its dependencies and takes a few minutes.
# Usage: infra/peers/versitygw.sh
set -eu
MODULE=github.com/versity/versitygw
VERSION=v1.8.0
gobin=$(go env GOBIN)
if [ -z "$gobin" ]; then
	gobin="$(go env GOPATH)/bin"
fi
have() {
	for bin in "$gobin/versitygw" "$(command -v versitygw 2>/dev/null || true)"; do
		[ -n "$bin" ] && [ -x "$bin" ] || continue
		if go version -m "$bin" 2>/dev/null | grep -q "^[[:space:]]*mod[[:space:]]*$MODULE[[:space:]]*$VERSION[[:space:]]"; then
			echo "versitygw $VERSION: $bin"
			return 0
		fi
	done
	return 1
}
if have; then
	exit 0
fi
# Outside any module, so the project's go.mod is neither read nor changed.
cd "${TMPDIR:-/tmp}"
echo "versitygw $VERSION: building with go install (first time: a few minutes)"
GOFLAGS= go install "$MODULE/cmd/versitygw@$VERSION"
have
