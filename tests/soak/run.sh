#!/usr/bin/env bash
# The soak test (tests/soak/soak.mjs): `make soak` calls it with UNDERSIGNED_BIN
# set to the plain binary. It uses the end-to-end tests' Node packages
# (tests/e2e/node_modules), installing them first when they are missing or stale.
# Environment: SOAK_SECONDS (600), SOAK_RATE (20 POSTs/s), SOAK_GET_RATE (4),
# SOAK_PEERS (4), SOAK_ACTORS (25 per peer), SOAK_SEED (6).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

export UNDERSIGNED_BIN="${UNDERSIGNED_BIN:-$root/undersigned}"
if [ ! -x "$UNDERSIGNED_BIN" ]; then
	echo "soak: no executable at UNDERSIGNED_BIN=$UNDERSIGNED_BIN (run make first)" >&2
	exit 1
fi
for tool in node npm sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "soak: $tool missing (run scripts/deps.sh)" >&2; exit 1; }
done
# The same install and stamp as the e2e tests: a run of one never reinstalls under the other.
"$root/tests/e2e/install.sh"
exec node "$here/soak.mjs"
