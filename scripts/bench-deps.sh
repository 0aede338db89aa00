#!/bin/sh
# Install what `make bench` needs beyond the build (scripts/deps.sh): nginx
# (the static-file yardstick of the fetch storm), wrk (its load tool), and
# the procps, util-linux and openssl tools the bench script calls. Asks dpkg
# first and apt only when something is missing.
set -e
PKGS="nginx-light wrk openssl procps util-linux curl"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
