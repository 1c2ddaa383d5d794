#!/bin/sh
# Installs oidc-provider (panva's OpenID Certified provider for Node.js, from
# the npm registry): the second, independent OpenID provider the sign-in tests
# run as a real process (internal/oidcpeer) — a unit's single sign-on in
# pkg/server's and pkg/web's external-provider tests. (dex, the first
# choice, is not served by the Go module proxy here past its 2018 v2.13.0.)
# Idempotent: does nothing when npm's global folder already has this version.
# Usage: infra/peers/oidc-provider.sh   (as root, or as a user who may write to npm's global prefix)
set -eu
VERSION=9.13.3
if ! command -v npm >/dev/null 2>&1; then
	echo "oidc-provider.sh: npm not found; install Node.js 20 and npm first" >&2
	exit 1
fi
root=$(npm root -g)
if [ -f "$root/oidc-provider/lib/index.js" ] && grep -q "\"version\": \"$VERSION\"" "$root/oidc-provider/package.json"; then
	echo "oidc-provider: $root/oidc-provider"
	exit 0
fi
echo "oidc-provider $VERSION: installing with npm"
npm install -g --no-fund --no-audit "oidc-provider@$VERSION"
test -f "$root/oidc-provider/lib/index.js"
echo "oidc-provider: $root/oidc-provider"
