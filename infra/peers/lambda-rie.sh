#!/bin/sh
# Installs the AWS Lambda Runtime Interface Emulator (aws-lambda-rie) for the
# tests in functions/ that run each built bootstrap under it. It is a Go
# program, built from the Go module proxy with `go install` into
# $(go env GOPATH)/bin (the prebuilt release binaries are a GitHub download,
# which is not reachable here). Idempotent: does nothing when that binary (or
# the one on PATH) was built from the pinned module version.
# Usage: infra/peers/lambda-rie.sh
set -eu
MODULE=github.com/aws/aws-lambda-runtime-interface-emulator
VERSION=v0.0.0-20261030222936-bef5c4ba774d
gobin=$(go env GOBIN)
if [ -z "$gobin" ]; then
	gobin="$(go env GOPATH)/bin"
fi
have() {
	for bin in "$gobin/aws-lambda-rie" "$(command -v aws-lambda-rie 2>/dev/null || true)"; do
		[ -n "$bin" ] && [ -x "$bin" ] || continue
		if go version -m "$bin" 2>/dev/null | grep -q "^[[:space:]]*mod[[:space:]]*$MODULE[[:space:]]*$VERSION[[:space:]]"; then
			echo "aws-lambda-rie $VERSION: $bin"
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
echo "aws-lambda-rie: building with go install"
GOFLAGS= go install "$MODULE/cmd/aws-lambda-rie@$VERSION"
have
