#!/usr/bin/env bash
# Installs the pinned Node packages of the end-to-end tests (Fedify,
# playwright-core) into tests/e2e/node_modules when they are missing or older
# than the lock. Used by tests/e2e/run.sh and tests/soak/run.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp="$here/node_modules/.undersigned-lock.sha256"
want="$(sha256sum "$here/package.json" "$here/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	echo "e2e: installing test packages (npm)"
	if [ -f "$here/package-lock.json" ]; then
		(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
	else
		(cd "$here" && npm install --no-audit --no-fund --loglevel=error)
		want="$(sha256sum "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)"
	fi
	echo "$want" >"$stamp"
fi
