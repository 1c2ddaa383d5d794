#!/bin/sh
# Installs Debian's chromium for the browser tests in pkg/web (driven by
# chromedp). Idempotent: does nothing when /usr/bin/chromium is present.
# Usage: infra/peers/chromium.sh   (as root, or with sudo available)
set -eu
if [ -x /usr/bin/chromium ]; then
	/usr/bin/chromium --version 2>/dev/null || true
	exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
/usr/bin/chromium --version
