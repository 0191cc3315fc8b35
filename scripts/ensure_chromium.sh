#!/bin/sh
# Make sure a headless Chromium is available for the report's browser test
# (tests/report/test_browser.py). Installs Debian's `chromium` with apt-get when it is missing.
# Exit 0 when chromium is (now) on PATH; exit 1 with a message when it cannot be installed
# (not root and no password-less sudo, or apt-get failed). Safe to call on every `make test`.
set -u
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    exit 0
fi
"$(dirname "$0")/apt_install.sh" ensure_chromium chromium || exit 1
command -v chromium >/dev/null 2>&1
