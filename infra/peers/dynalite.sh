#!/bin/sh
# Installs dynalite (an in-memory DynamoDB implementation on Node.js, from the
# npm registry) for the tests on DynamoDB: pkg/store/dynamostore and every test
# that uses internal/dynalitetest (audit, application, httpapi, the Lambda
# functions and the end-to-end path on peers).
# Idempotent: does nothing when a `dynalite` executable is already on PATH or
# in npm's global bin folder. Needs Node.js (>= 18) and npm.
# Usage: infra/peers/dynalite.sh   (as root, or as a user who may write to npm's global prefix)
set -eu
VERSION=4.0.0
have() {
	if command -v dynalite >/dev/null 2>&1; then
		echo "dynalite: $(command -v dynalite)"
		return 0
	fi
	prefix=$(npm prefix -g 2>/dev/null || true)
	if [ -n "$prefix" ] && [ -x "$prefix/bin/dynalite" ]; then
		echo "dynalite: $prefix/bin/dynalite (not on PATH; the tests also look there)"
		return 0
	fi
	return 1
}
if have; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "dynalite.sh: npm not found; install Node.js 20 and npm first" >&2
	exit 1
fi
echo "dynalite $VERSION: installing with npm"
npm install -g --no-fund --no-audit "dynalite@$VERSION"
have
