#!/bin/sh
# Installs the Debian packages the tests call: qpdf (structure checks),
# poppler-utils (pdftotext, pdfinfo, pdftoppm), mupdf-tools (mutool),
# chromium (the pages, driven by chromedp) and Tesseract with its Simplified
# Chinese and orientation data (OCR at ingest, pkg/ocr; also a runtime
# dependency of the local server unless YUEJUAN_OCR=off). Idempotent: asks apt only for the
# commands that are missing, and runs `apt-get update` first when it does.
# Usage: infra/peers/debian.sh   (as root, or with sudo available)
set -eu
need=""
for cmd_pkg in qpdf:qpdf pdftotext:poppler-utils pdfinfo:poppler-utils pdftoppm:poppler-utils \
	mutool:mupdf-tools chromium:chromium tesseract:tesseract-ocr; do
	cmd=${cmd_pkg%%:*} pkg=${cmd_pkg##*:}
	if ! command -v "$cmd" >/dev/null 2>&1; then
		case " $need " in *" $pkg "*) ;; *) need="$need $pkg" ;; esac
	fi
done
# Tesseract's language data are files, not commands: ask tesseract itself.
if command -v tesseract >/dev/null 2>&1; then
	langs=$(tesseract --list-langs 2>/dev/null)
	for lang_pkg in chi_sim:tesseract-ocr-chi-sim osd:tesseract-ocr-osd; do
		echo "$langs" | grep -qx "${lang_pkg%%:*}" || need="$need ${lang_pkg##*:}"
	done
else
	need="$need tesseract-ocr-chi-sim tesseract-ocr-osd"
fi
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
