#!/usr/bin/env bash
# End-to-end tests: the real binary on loopback, a Fedify peer, Debian's
# headless Chromium. Run from anywhere; `make e2e` calls it with
# UNDERSIGNED_BIN set to the binary under test (plain or sanitized).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

export UNDERSIGNED_BIN="${UNDERSIGNED_BIN:-$root/undersigned}"
if [ ! -x "$UNDERSIGNED_BIN" ]; then
	echo "e2e: no executable at UNDERSIGNED_BIN=$UNDERSIGNED_BIN (run make first)" >&2
	exit 1
fi
for tool in node npm sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "e2e: $tool missing (run scripts/deps.sh)" >&2; exit 1; }
done
export CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
[ -x "$CHROMIUM_BIN" ] || { echo "e2e: $CHROMIUM_BIN missing (run scripts/deps.sh)" >&2; exit 1; }

# A sanitizer report must fail the test: the harness reads the server's stderr.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# playwright-core never downloads a browser; make sure nothing tries.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

"$here/install.sh"

echo "e2e: testing $UNDERSIGNED_BIN"
files=("$here"/*.test.mjs)
if [ "$#" -gt 0 ]; then files=("$@"); fi
exec node --test --test-concurrency=1 --test-timeout=180000 --test-reporter=spec "${files[@]}"
