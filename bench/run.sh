#!/bin/bash
# The benchmark suite behind `make bench`: every scenario of docs/performance.md
# on 127.0.0.1, each figure beside the limit it is compared with, measured in
# this same run, printed as one table (also kept in build/bench/results.txt).
#
# The server runs on one core (taskset -c $BENCH_SERVER_CPU), the load tools on
# another ($BENCH_LOAD_CPU). Bounded: a few tens of thousands of requests, a
# few minutes at most. Databases are built once and kept in build/bench/cache
# (the one with a million followers takes a minute or two the first time).
#
# Environment: BENCH_REQUESTS (requests in each inbox pass, default 10000),
# BENCH_SERVER_CPU (1), BENCH_LOAD_CPU (0), BENCH_QUICK=1 (skips the million).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
B=build/bench
RUN=$B/run
CACHE=$B/cache
BIN=./undersigned
SERVER_CPU=${BENCH_SERVER_CPU:-1}
LOAD_CPU=${BENCH_LOAD_CPU:-0}
REQ=${BENCH_REQUESTS:-10000}
PORT=19080         # the server
ACTORS_PORT=19081  # the remote actors' server
NGINX_PORT=19082
SINK_BASE=22000    # 22000..23999: the fan-out's shared inboxes (below the ephemeral range)
SINKS=2000
N_ACTORS=2000
N_KEYS=40
SLUG=hov
STATEMENT=examples/hands-off-venezuela.txt
BASE=http://127.0.0.1:$PORT
FOLLOWERS=10000    # the fan-out audience: 5 followers per shared inbox
AS_ACCEPT='application/activity+json, application/ld+json'
HTML_ACCEPT='text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
T_START=$(date +%s)

PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -f "$RUN/nginx.pid" ] && kill "$(cat "$RUN/nginx.pid")" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap cleanup EXIT

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }
# kv "key=value key2=value2" key -> value (every value read is a number: 0 when missing)
kv() {
	local v
	v=$(printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1)
	echo "${v:-0}"
}
# calc EXPR: floating point arithmetic
calc() { awk "BEGIN { printf \"%.4f\", $1 }"; }
hwm_kib() { awk '/VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

for tool in taskset openssl wrk nginx curl; do
	command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || die "$tool missing (make bench-deps)"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ "$(nproc)" -ge 2 ] || say "bench: one core only: server and load tools share it"
for p in $PORT $ACTORS_PORT $NGINX_PORT $SINK_BASE $((SINK_BASE + SINKS - 1)); do
	! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || die "port $p is in use on 127.0.0.1"
done
rm -rf "$RUN"
mkdir -p "$RUN" "$CACHE"

# ---- the yardstick: OpenSSL on one core, at the start and at the end ----
openssl_speed() {
	taskset -c "$SERVER_CPU" openssl speed -seconds 3 rsa2048 2>/dev/null |
		awk '/^rsa 2048 bits/ { print $6, $7 }'
}
say "== openssl speed rsa2048 (core $SERVER_CPU)"
read -r SIGN1 VERIFY1 < <(openssl_speed)

# ---- databases, built once ----
db_template() { # name followers background -> path of a pristine copy in the cache
	local name=$1 f=$2 bg=$3 key
	key=$(cat bench/setup.c "$STATEMENT" | md5sum | cut -c1-8)
	local path=$CACHE/$name-$f-$bg-$SINK_BASE-$key.db
	if [ ! -f "$path" ]; then
		say "== building $name database ($f followers, $bg more followers and favourites; once)"
		rm -f "$CACHE/$name"-*.db*
		$B/bench-setup create --db "$path.tmp" --statement "$STATEMENT" --slug "$SLUG" \
			--followers "$f" --background "$bg" --sink-base "$SINK_BASE" --sinks "$SINKS" \
			--pem-out "$path.pem" >&2
		mv "$path.tmp" "$path"
	fi
	echo "$path"
}

start_server() { # db log -> pid in SERVER_PID
	taskset -c "$SERVER_CPU" $BIN serve --db "$1" --base-url "$BASE" \
		--listen "127.0.0.1:$PORT" --allow-private-network 2>"$2" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	for _ in $(seq 200); do
		curl -sf -o /dev/null "$BASE/.well-known/nodeinfo" && return 0
		sleep 0.05
	done
	die "the server did not start (see $2)"
}
stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
inbox_pass() { # run-id requests [extra options] -> the load tool's line, and the server's CPU
	local id=$1 n=$2 t0 line
	shift 2
	t0=$(cpu_ticks "$SERVER_PID")
	line=$($B/bench-load inbox --port "$PORT" --slug "$SLUG" --actors-port "$ACTORS_PORT" \
		--keys "$CACHE/keys.pem" --n-keys "$N_KEYS" --actors "$N_ACTORS" --requests "$n" \
		--conns 32 --run "$id-$T_START" --sender-cpu "$LOAD_CPU" "$@")
	# server CPU time per request (user + system, in microseconds; clock ticks are 10 ms)
	echo "$line server_cpu_us=$(( ($(cpu_ticks "$SERVER_PID") - t0) * 1000000 / $(getconf CLK_TCK) / n ))"
}

wait_queue_empty() { # db
	for _ in $(seq 300); do
		[ "$($B/bench-setup pending --db "$1")" = 0 ] && return 0
		sleep 0.1
	done
	say "bench: deliveries still queued after 30 s"
}

# The remote actors (fetched once each in the cold pass); their shared inbox is
# the first sink, so that the fan-out audience stays the 2,000 sinks.
$B/bench-actors --port "$ACTORS_PORT" --keys "$CACHE/keys.pem" --n-keys "$N_KEYS" \
	--actors "$N_ACTORS" --shared-inbox "http://127.0.0.1:$SINK_BASE/inbox" \
	--ready "$RUN/actors.ready" >"$RUN/actors.out" 2>"$RUN/actors.err" &
ACTORS_PID=$!
PIDS+=("$ACTORS_PID")
for _ in $(seq 1200); do
	[ -f "$RUN/actors.ready" ] && break
	kill -0 "$ACTORS_PID" 2>/dev/null || die "the actor server did not start: $(cat "$RUN/actors.err")"
	sleep 0.1
done
[ -f "$RUN/actors.ready" ] || die "the actor server did not start"

# ---- inbox storm and fan-out on one database ----
storm_and_fanout() { # label template
	local label=$1 template=$2 db=$RUN/$1.db line
	cp "$template" "$db"
	say "== $label: inbox storm ($REQ signed POSTs a pass, $N_ACTORS actors)"
	start_server "$db" "$RUN/$label-storm.log"
	local f0 f1
	f0=$(kv "$(curl -sf "http://127.0.0.1:$ACTORS_PORT/stats")" fetches)
	line=$(inbox_pass "$label-cold" "$REQ")
	f1=$(kv "$(curl -sf "http://127.0.0.1:$ACTORS_PORT/stats")" fetches)
	say "   cold: $line (actor documents fetched: $((f1 - f0)))"
	eval "${label}_COLD='$line'"
	eval "${label}_FETCHED=$((f1 - f0))"
	line=$(inbox_pass "$label-warm" "$REQ")
	say "   warm: $line"
	eval "${label}_WARM='$line'"
	if [ "$label" = small ]; then
		line=$(inbox_pass "$label-bad" 2000 --bad-every 10)
		say "   bad signatures mixed in: $line"
		eval "${label}_BAD='$line'"
	fi
	wait_queue_empty "$db"
	eval "${label}_STORM_HWM=$(hwm_kib "$SERVER_PID")"
	stop_server
	say "== $label: fan-out of one Update (to $FOLLOWERS followers on $SINKS inboxes)"
	$B/bench-setup schedule --db "$db" --slug "$SLUG"
	line=$($B/bench-sink --base-port "$SINK_BASE" --inboxes "$SINKS" --pem "$template.pem" \
		--key-id "$BASE/s/$SLUG#main-key" --per-inbox 2 --timeout 60 -- \
		taskset -c "$SERVER_CPU" $BIN serve --db "$db" --base-url "$BASE" \
		--listen "127.0.0.1:$PORT" --allow-private-network 2>"$RUN/$label-fanout.log") || true
	say "   $line"
	eval "${label}_FANOUT='$line'"
	rm -f "$db" "$db-wal" "$db-shm"
}

[ -f "$CACHE/keys.pem" ] || true # the actor server made the keys already
SMALL=$(db_template small "$FOLLOWERS" 1000)
storm_and_fanout small "$SMALL"
if [ "${BENCH_QUICK:-0}" != 1 ]; then
	LARGE=$(db_template large "$FOLLOWERS" 990000)
	storm_and_fanout large "$LARGE"
fi

# ---- fetch storm: our server against nginx serving the same bytes ----
say "== fetch storm: GET actor, post, page (wrk -t1 -c32 -d5s), server vs nginx"
cp "$SMALL" "$RUN/fetch.db"
start_server "$RUN/fetch.db" "$RUN/fetch.log"
mkdir -p "$RUN/www/s/$SLUG"
curl -sf -H "Accept: $AS_ACCEPT" "$BASE/s/$SLUG" -o "$RUN/www/actor.json"
curl -sf -H "Accept: $AS_ACCEPT" "$BASE/s/$SLUG/post" -o "$RUN/www/post.json"
curl -sf -H "Accept: $HTML_ACCEPT" "$BASE/s/$SLUG" -o "$RUN/www/page.html"
wrk_rate() { # port -> requests/s
	BENCH_SLUG=$SLUG taskset -c "$LOAD_CPU" wrk -t1 -c32 -d5s -s bench/fetch.lua \
		"http://127.0.0.1:$1" 2>&1 | tee -a "$RUN/wrk.out" | awk '/^Requests\/sec/ { print $2 }'
}
FETCH_US=$(wrk_rate "$PORT")
FETCH_HWM=$(hwm_kib "$SERVER_PID")
stop_server
sed -e "s#@ROOT@#$ROOT/$RUN#g" -e "s#@PORT@#$NGINX_PORT#g" -e "s#@SLUG@#$SLUG#g" \
	bench/nginx.conf.in >"$RUN/nginx.conf"
taskset -c "$SERVER_CPU" "$NGINX" -p "$ROOT/$RUN" -c "$ROOT/$RUN/nginx.conf" -e "$ROOT/$RUN/nginx.err"
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/s/$SLUG/post" && break; sleep 0.05; done
cmp -s <(curl -sf -H "Accept: $AS_ACCEPT" "http://127.0.0.1:$NGINX_PORT/s/$SLUG") "$RUN/www/actor.json" ||
	die "nginx does not serve the same actor bytes"
FETCH_NGINX=$(wrk_rate "$NGINX_PORT")
kill "$(cat "$RUN/nginx.pid")" 2>/dev/null || true

# ---- start time and idle memory with 100,000 followers ----
MID=$(db_template mid "$FOLLOWERS" 90000)
say "== start: exec to first answer, 100,000 followers stored (3 times)"
STARTS=()
IDLE=()
for i in 1 2 3; do
	cp "$MID" "$RUN/mid.db"
	line=$($B/bench-load start --port "$PORT" --idle-ms 1000 -- taskset -c "$SERVER_CPU" $BIN serve \
		--db "$RUN/mid.db" --base-url "$BASE" --listen "127.0.0.1:$PORT" --allow-private-network \
		2>>"$RUN/start.log")
	say "   $line"
	STARTS+=("$(kv "$line" first_answer_ms)")
	IDLE+=("$(kv "$line" idle_rss_kib)")
	rm -f "$RUN/mid.db" "$RUN/mid.db-wal" "$RUN/mid.db-shm"
done
START_MS=$(printf '%s\n' "${STARTS[@]}" | sort -n | sed -n 2p)
IDLE_KIB=$(printf '%s\n' "${IDLE[@]}" | sort -n | sed -n 2p)

say "== openssl speed rsa2048 again (core $SERVER_CPU)"
read -r SIGN2 VERIFY2 < <(openssl_speed)
kill "$ACTORS_PID" 2>/dev/null || true
wait "$ACTORS_PID" 2>/dev/null || true
ACTOR_FETCHES=$(kv "$(cat "$RUN/actors.out")" fetches)

# ---- the table ----
VERIFY=$(calc "($VERIFY1 + $VERIFY2) / 2")
SIGN=$(calc "($SIGN1 + $SIGN2) / 2")
rate() { kv "$1" rate; }
fan_rate() { # sink line -> deliveries/s from the server's start to the last delivery
	awk -v n="$(kv "$1" valid)" -v t="$(kv "$1" last_s)" 'BEGIN { printf "%.4f", t > 0 ? n / t : 0 }'
}
apart() { # a b -> how many times the larger is the smaller
	awk -v a="$1" -v b="$2" 'BEGIN { if (a <= 0 || b <= 0) print "inf"; else printf "%.2f", a > b ? a / b : b / a }'
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b > 0 ? 100 * a / b : 0 }'; }
row() { printf '| %-13s | %-34s | %-34s | %7s | %-16s | %s\n' "$@"; }

W=$(rate "$small_WARM")
C=$(rate "$small_COLD")
F=$(fan_rate "$small_FANOUT")
LOST=$(( SINKS * 2 - $(kv "$small_FANOUT" valid) ))
verdict() { awk "BEGIN { print ($1) ? \"met\" : \"NOT met\" }"; }
{
	echo "Undersigned benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, server on core $SERVER_CPU, load on core $LOAD_CPU"
	echo "openssl speed rsa2048 on core $SERVER_CPU: verify/s $VERIFY1 and $VERIFY2, sign/s $SIGN1 and $SIGN2 (start and end of run; the mean is used)"
	echo
	row "scenario" "figure" "compared with" "ratio" "target" "verdict"
	row "---" "---" "---" "---" "---" "---"
	row "inbox storm" "$(printf '%.0f' "$W") signed POSTs/s (warm keys)" "$(printf '%.0f' "$VERIFY") RSA verify/s, 1 core" \
		"$(pct "$W" "$VERIFY")%" ">= 50 %" "$(verdict "$W >= 0.5 * $VERIFY")"
	row "cold keys" "$(printf '%.0f' "$C") POSTs/s, keys fetched" "$(printf '%.0f' "$W") POSTs/s warm" \
		"$(pct "$C" "$W")%" ">= 30 % of warm" "$(verdict "$C >= 0.3 * $W")"
	row "fetch storm" "$(printf '%.0f' "$FETCH_US") GETs/s" "$(printf '%.0f' "$FETCH_NGINX") GETs/s nginx, same bytes" \
		"$(pct "$FETCH_US" "$FETCH_NGINX")%" ">= 50 %" "$(verdict "$FETCH_US >= 0.5 * $FETCH_NGINX")"
	row "fan-out" "$(printf '%.0f' "$F") deliveries/s, $LOST lost" "$(printf '%.0f' "$SIGN") RSA sign/s x 1 core" \
		"$(pct "$F" "$SIGN")%" ">= 70 %, 0 lost" "$(verdict "$F >= 0.7 * $SIGN && $LOST == 0")"
	if [ "${BENCH_QUICK:-0}" != 1 ]; then
		WL=$(rate "$large_WARM")
		FL=$(fan_rate "$large_FANOUT")
		LOSTL=$(( SINKS * 2 - $(kv "$large_FANOUT" valid) ))
		row "growth inbox" "$(printf '%.0f' "$WL") POSTs/s, 1,000,000 stored" "$(printf '%.0f' "$W") POSTs/s, 1,000 stored" \
			"$(apart "$W" "$WL")x" "<= 1.5x apart" "$(verdict "$W <= 1.5 * $WL && $WL <= 1.5 * $W")"
		row "growth fan-out" "$(printf '%.0f' "$FL") deliveries/s, 1,000,000 stored, $LOSTL lost" "$(printf '%.0f' "$F") deliveries/s, 1,000 stored" \
			"$(apart "$F" "$FL")x" "<= 1.5x apart" "$(verdict "$F <= 1.5 * $FL && $FL <= 1.5 * $F")"
		PEAKS="storm $((small_STORM_HWM / 1024)) / $((large_STORM_HWM / 1024)), fan-out $(( $(kv "$small_FANOUT" hwm_kib) / 1024 )) / $(( $(kv "$large_FANOUT" hwm_kib) / 1024 )), fetch $((FETCH_HWM / 1024))"
		PEAK=$(printf '%s\n' "$small_STORM_HWM" "$large_STORM_HWM" "$(kv "$small_FANOUT" hwm_kib)" "$(kv "$large_FANOUT" hwm_kib)" "$FETCH_HWM" | sort -n | tail -n1)
	else
		PEAKS="storm $((small_STORM_HWM / 1024)), fan-out $(( $(kv "$small_FANOUT" hwm_kib) / 1024 )), fetch $((FETCH_HWM / 1024))"
		PEAK=$(printf '%s\n' "$small_STORM_HWM" "$(kv "$small_FANOUT" hwm_kib)" "$FETCH_HWM" | sort -n | tail -n1)
	fi
	row "memory peak" "$((PEAK / 1024)) MiB (largest VmHWM)" "MiB: $PEAKS" "-" "<= 64 MiB" "$(verdict "$PEAK <= 65536")"
	row "memory idle" "$((IDLE_KIB / 1024)) MiB RSS, 100,000 followers" "-" "-" "<= 16 MiB" "$(verdict "$IDLE_KIB <= 16384")"
	row "start" "$START_MS ms exec to first answer" "100,000 followers stored (median of 3)" "-" "<= 100 ms" "$(verdict "$START_MS <= 100")"
	echo
	echo "checks: bad signatures sent $(kv "$small_BAD" bad_sent), answered 401: $(kv "$small_BAD" bad_401); good ones answered 2xx: $(kv "$small_BAD" ok) of $(( $(kv "$small_BAD" requests) - $(kv "$small_BAD" bad_sent) ));"
	echo "        actor documents fetched in the cold pass: $small_FETCHED for $N_ACTORS actors ($ACTOR_FETCHES in the whole run: a bad signature refetches a cached key once); non-2xx in the storm passes: $(( $(kv "$small_WARM" requests) - $(kv "$small_WARM" ok) )) warm, $(( $(kv "$small_COLD" requests) - $(kv "$small_COLD" ok) )) cold"
	echo "        inbox latency warm p50 $(kv "$small_WARM" p50_ms) ms, p99 $(kv "$small_WARM" p99_ms) ms (32 connections); fan-out first delivery after $(kv "$small_FANOUT" first_s) s, last after $(kv "$small_FANOUT" last_s) s"
	echo "whole run: $(( $(date +%s) - T_START )) s"
} | tee "$B/results.txt"
