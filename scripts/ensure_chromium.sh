#!/bin/sh
# Make sure a headless Chromium is available for the report's browser test
# (tests/report/test_browser.py). Installs Debian's `chromium` with apt-get when it is missing.
# Exit 0 when chromium is (now) on PATH; exit 1 with a message when it cannot be installed
# (not root and no password-less sudo, or apt-get failed). Safe to call on every `make test`.
set -u
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "ensure_chromium: chromium is not installed and cannot be installed here (not root, no password-less sudo); the browser test will be skipped" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: chromium is not installed and apt-get is not available; install Chromium by hand" >&2
    exit 1
fi
echo "ensure_chromium: installing chromium with apt-get (once)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q chromium >/dev/null 2>&1; then
    $SUDO apt-get update -q >/dev/null 2>&1
    if ! $SUDO apt-get install -y -q chromium >/dev/null; then
        echo "ensure_chromium: apt-get install chromium failed" >&2
        exit 1
    fi
fi
command -v chromium >/dev/null 2>&1
