#!/bin/sh
# Make sure a font that covers Chinese is installed, so the Chinese report's browser test
# (tests/report/test_browser_zh.py) sees real glyphs, as a planner's machine would. Installs
# Debian's `fonts-wqy-microhei` (5 MB; `fonts-noto-cjk` works too) with apt-get when
# `fc-list :lang=zh` finds none. Exit 0 when a CJK font is (now) installed; exit 1 with a
# message when it cannot be installed. Safe to call on every `make test`.
set -u
has_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]; }
if has_font; then
    exit 0
fi
if [ "$(id -u)" = "0" ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "ensure_cjk_font: no Chinese font is installed and none can be installed here (not root, no password-less sudo)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_cjk_font: no Chinese font is installed and apt-get is not available; install e.g. Noto Sans CJK by hand" >&2
    exit 1
fi
echo "ensure_cjk_font: installing fonts-wqy-microhei with apt-get (once)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1; then
    $SUDO apt-get update -q >/dev/null 2>&1
    if ! $SUDO apt-get install -y -q fonts-wqy-microhei >/dev/null; then
        echo "ensure_cjk_font: apt-get install fonts-wqy-microhei failed" >&2
        exit 1
    fi
fi
has_font
