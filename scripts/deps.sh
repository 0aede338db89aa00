#!/bin/sh
# Install the Debian packages that building and testing Undersigned need, when
# any is missing. Safe to run often: it asks dpkg first and apt only if needed.
set -e
PKGS="build-essential pkg-config libmicrohttpd-dev libssl-dev libjansson-dev
libcurl4-openssl-dev libsqlite3-dev libcmocka-dev sqlite3 chromium
libxml2-utils clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
# The test peers run on Node.js; this machine may ship its own node and npm.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
	missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
