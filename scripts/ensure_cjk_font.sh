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
"$(dirname "$0")/apt_install.sh" ensure_cjk_font fonts-wqy-microhei || exit 1
has_font
