#!/bin/sh
# Installs the Debian packages the tests call: qpdf (structure checks),
# poppler-utils (pdftotext, pdfinfo, pdftoppm), mupdf-tools (mutool) and
# chromium (the pages, driven by chromedp). Idempotent: asks apt only for the
# commands that are missing, and runs `apt-get update` first when it does.
# Usage: infra/peers/debian.sh   (as root, or with sudo available)
set -eu
need=""
for cmd_pkg in qpdf:qpdf pdftotext:poppler-utils pdfinfo:poppler-utils pdftoppm:poppler-utils \
	mutool:mupdf-tools chromium:chromium; do
	cmd=${cmd_pkg%%:*} pkg=${cmd_pkg##*:}
	if ! command -v "$cmd" >/dev/null 2>&1; then
		case " $need " in *" $pkg "*) ;; *) need="$need $pkg" ;; esac
	fi
done
if [ -z "$need" ]; then
	echo "debian packages: present"
	exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "debian.sh: missing$need; install them as root: apt-get update && apt-get install -y$need" >&2
		exit 1
	fi
	SUDO="sudo"
fi
echo "debian packages: installing$need (apt-get update first; about a minute)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
