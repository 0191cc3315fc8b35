#!/bin/sh
# Install one Debian package with apt-get, as root or with password-less sudo, updating the
# package lists once if the first try fails. Used by ensure_chromium.sh and ensure_cjk_font.sh.
# Usage: apt_install.sh NAME PACKAGE   (NAME prefixes the messages). Exit 0 when installed;
# exit 1 with a message naming what is missing otherwise.
set -u
name="$1"
package="$2"
if [ "$(id -u)" = "0" ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "$name: $package is not installed and cannot be installed here (not root, no password-less sudo)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "$name: $package is not installed and apt-get is not available; install it by hand" >&2
    exit 1
fi
echo "$name: installing $package with apt-get (once)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q "$package" >/dev/null 2>&1; then
    $SUDO apt-get update -q >/dev/null 2>&1
    if ! $SUDO apt-get install -y -q "$package" >/dev/null; then
        echo "$name: apt-get install $package failed" >&2
        exit 1
    fi
fi
