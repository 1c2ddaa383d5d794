#!/bin/sh
# Installs axe-core (Deque's accessibility rules engine, from the npm registry)
# for pkg/web's accessibility test, which injects axe.min.js into every page in
# headless Chromium and fails on any serious or critical violation.
# Idempotent: does nothing when npm's global folder already has this version.
# Usage: infra/peers/axe.sh   (as root, or as a user who may write to npm's global prefix)
set -eu
VERSION=4.14.1
if ! command -v npm >/dev/null 2>&1; then
	echo "axe.sh: npm not found; install Node.js 20 and npm first" >&2
	exit 1
fi
root=$(npm root -g)
if [ -f "$root/axe-core/axe.min.js" ] && grep -q "\"version\": \"$VERSION\"" "$root/axe-core/package.json"; then
	echo "axe-core: $root/axe-core/axe.min.js"
	exit 0
fi
echo "axe-core $VERSION: installing with npm"
npm install -g --no-fund --no-audit "axe-core@$VERSION"
test -f "$root/axe-core/axe.min.js"
echo "axe-core: $root/axe-core/axe.min.js"
