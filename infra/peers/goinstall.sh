#!/bin/sh
# Installs a Go program the tests run as a peer, built from the Go module
# proxy with `go install` into $(go env GOPATH)/bin (release binaries are
# GitHub downloads, which are not reachable everywhere). Idempotent: does
# nothing when that binary (or the one on PATH) was built from the pinned
# module version, which `go version -m` reads from the binary.
# Usage: infra/peers/goinstall.sh NAME MODULE PACKAGE VERSION [NOTE]
#   e.g. goinstall.sh versitygw github.com/versity/versitygw cmd/versitygw v1.8.0
set -eu
name=$1 module=$2 pkg=$3 version=$4 note=${5:-}
gobin=$(go env GOBIN)
if [ -z "$gobin" ]; then
	gobin="$(go env GOPATH)/bin"
fi
have() {
	for bin in "$gobin/$name" "$(command -v "$name" 2>/dev/null || true)"; do
		[ -n "$bin" ] && [ -x "$bin" ] || continue
		if go version -m "$bin" 2>/dev/null | grep -q "^[[:space:]]*mod[[:space:]]*$module[[:space:]]*$version[[:space:]]"; then
			echo "$name $version: $bin"
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
echo "$name $version: building with go install${note:+ ($note)}"
GOFLAGS= go install "$module/$pkg@$version"
have
