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
fan_rate() { # sink line -> deliveries/s from the server's start to the last delivery
	awk -v n="$(kv "$1" valid)" -v t="$(kv "$1" last_s)" 'BEGIN { printf "%.4f", (t > 0 ? n / t : 0) }'
}
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
	# migrate.c too: a template at an older schema would be migrated at every
	# start of the server, inside the figures (start, fan-out).
	key=$(cat bench/setup.c store/migrate.c "$STATEMENT" | md5sum | cut -c1-8)
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
		--listen "127.0.0.1:$PORT" --allow-private-network \
		--rate-ip 0 --rate-domain 0 --rate-fetch 0 2>"$2" &
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
taskset -c "$LOAD_CPU" $B/bench-actors --port "$ACTORS_PORT" --keys "$CACHE/keys.pem" --n-keys "$N_KEYS" \
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
		line=$(inbox_pass "$label-la" "$REQ" --mix 1,1,0)
		say "   warm, Like and Announce only: $line"
		eval "${label}_LA='$line'"
		line=$(inbox_pass "$label-bad" 2000 --bad-every 10)
		say "   bad signatures mixed in: $line"
		eval "${label}_BAD='$line'"
	fi
	wait_queue_empty "$db"
	eval "${label}_STORM_HWM=$(hwm_kib "$SERVER_PID")"
	stop_server
	say "== $label: fan-out of one Update (to $FOLLOWERS followers on $SINKS inboxes; best of two)"
	local best="" hwm=0 try
	for try in 1 2; do
		$B/bench-setup schedule --db "$db" --slug "$SLUG"
		line=$(taskset -c "$LOAD_CPU" $B/bench-sink --base-port "$SINK_BASE" --inboxes "$SINKS" \
			--pem "$template.pem" --key-id "$BASE/s/$SLUG#main-key" --per-inbox 2 --timeout 60 -- \
			taskset -c "$SERVER_CPU" $BIN serve --db "$db" --base-url "$BASE" \
			--listen "127.0.0.1:$PORT" --allow-private-network 2>"$RUN/$label-fanout$try.log") || true
		say "   $line"
		[ "$(kv "$line" hwm_kib)" -gt "$hwm" ] && hwm=$(kv "$line" hwm_kib)
		if [ -z "$best" ] || awk -v a="$(fan_rate "$line")" -v b="$(fan_rate "$best")" 'BEGIN { exit !(a > b) }'; then
			best=$line
		fi
	done
	eval "${label}_FANOUT='$best'"
	eval "${label}_FANOUT_HWM=$hwm"
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
T0=$(cpu_ticks "$SERVER_PID")
FETCH_US=$(wrk_rate "$PORT")
FETCH_US_CPU=$(( $(cpu_ticks "$SERVER_PID") - T0 ))
FETCH_HWM=$(hwm_kib "$SERVER_PID")
stop_server
sed -e "s#@ROOT@#$ROOT/$RUN#g" -e "s#@PORT@#$NGINX_PORT#g" -e "s#@SLUG@#$SLUG#g" \
	bench/nginx.conf.in >"$RUN/nginx.conf"
taskset -c "$SERVER_CPU" "$NGINX" -p "$ROOT/$RUN" -c "$ROOT/$RUN/nginx.conf" -e "$ROOT/$RUN/nginx.err"
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/s/$SLUG/post" && break; sleep 0.05; done
cmp -s <(curl -sf -H "Accept: $AS_ACCEPT" "http://127.0.0.1:$NGINX_PORT/s/$SLUG") "$RUN/www/actor.json" ||
	die "nginx does not serve the same actor bytes"
nginx_ticks() { # the master and its workers
	local t=0 p
	for p in $(cat "$RUN/nginx.pid") $(pgrep -P "$(cat "$RUN/nginx.pid")"); do t=$((t + $(cpu_ticks "$p"))); done
	echo "$t"
}
T0=$(nginx_ticks)
FETCH_NGINX=$(wrk_rate "$NGINX_PORT")
FETCH_NGINX_CPU=$(( $(nginx_ticks) - T0 ))
kill "$(cat "$RUN/nginx.pid")" 2>/dev/null || true

# ---- start time and idle memory with 100,000 followers ----
MID=$(db_template mid "$FOLLOWERS" 90000)
say "== start: exec to first answer, 100,000 followers stored (5 times)"
STARTS=()
IDLE=()
for i in 1 2 3 4 5; do
	cp "$MID" "$RUN/mid.db"
	line=$($B/bench-load start --port "$PORT" --idle-ms 1000 -- taskset -c "$SERVER_CPU" $BIN serve \
		--db "$RUN/mid.db" --base-url "$BASE" --listen "127.0.0.1:$PORT" --allow-private-network \
		2>>"$RUN/start.log")
	say "   $line"
	STARTS+=("$(kv "$line" first_answer_ms)")
	IDLE+=("$(kv "$line" idle_rss_kib)")
	rm -f "$RUN/mid.db" "$RUN/mid.db-wal" "$RUN/mid.db-shm"
done
START_MS=$(printf '%s\n' "${STARTS[@]}" | sort -n | sed -n 3p)
IDLE_KIB=$(printf '%s\n' "${IDLE[@]}" | sort -n | sed -n 3p)

say "== openssl speed rsa2048 again (core $SERVER_CPU)"
read -r SIGN2 VERIFY2 < <(openssl_speed)
kill "$ACTORS_PID" 2>/dev/null || true
wait "$ACTORS_PID" 2>/dev/null || true
ACTOR_FETCHES=$(kv "$(cat "$RUN/actors.out")" fetches)

# ---- the table ----
# Each rate is given per second of the run (wall clock, what a client sees)
# and per second of CPU the server used. openssl speed counts its operations
# per second of CPU too, so the second ratio is the one that stays put when
# other programs share the core; the verdict uses the first, the stricter.
VERIFY=$(calc "($VERIFY1 + $VERIFY2) / 2")
SIGN=$(calc "($SIGN1 + $SIGN2) / 2")
rate() { kv "$1" rate; }
cpu_rate() { # load line -> requests per second of server CPU
	awk -v u="$(kv "$1" server_cpu_us)" 'BEGIN { printf "%.1f", (u > 0 ? 1e6 / u : 0) }'
}
fan_cpu_rate() { # sink line -> deliveries per second of server CPU
	awk -v n="$(kv "$1" valid)" -v c="$(kv "$1" server_cpu_s)" 'BEGIN { printf "%.1f", (c > 0 ? n / c : 0) }'
}
apart() { # a b -> how many times the larger is the smaller
	awk -v a="$1" -v b="$2" 'BEGIN { if (a <= 0 || b <= 0) print "inf"; else printf "%.2f", (a > b ? a / b : b / a) }'
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }'; }
n0() { printf '%.0f' "$1"; }
row() { printf '| %-14s | %-44s | %-34s | %8s | %10s | %-15s | %s\n' "$@"; }
verdict() { awk "BEGIN { if ($1) print \"met\"; else print \"NOT met\" }"; }

W=$(rate "$small_WARM"); WC=$(cpu_rate "$small_WARM")
LA=$(rate "$small_LA"); LAC=$(cpu_rate "$small_LA")
C=$(rate "$small_COLD"); CC=$(cpu_rate "$small_COLD")
F=$(fan_rate "$small_FANOUT"); FC=$(fan_cpu_rate "$small_FANOUT")
FETCH_US_PER_CPU=$(awk -v r="$FETCH_US" -v t="$FETCH_US_CPU" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (t > 0 ? r * 5 * hz / t : 0) }')
FETCH_NGINX_PER_CPU=$(awk -v r="$FETCH_NGINX" -v t="$FETCH_NGINX_CPU" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (t > 0 ? r * 5 * hz / t : 0) }')
LOST=$(( SINKS * 2 - $(kv "$small_FANOUT" valid) ))
{
	echo "Undersigned benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, server on core $SERVER_CPU, load on core $LOAD_CPU"
	echo "openssl speed rsa2048 on core $SERVER_CPU: verify/s $VERIFY1 and $VERIFY2, sign/s $SIGN1 and $SIGN2 (start and end of run; the mean is used)"
	echo
	row "scenario" "figure (per s; per server CPU-s)" "compared with" "ratio" "per CPU-s" "target" "verdict"
	row "---" "---" "---" "---" "---" "---" "---"
	row "inbox storm" "$(n0 "$W") signed POSTs/s; $(n0 "$WC")" "$(n0 "$VERIFY") RSA verify/s, 1 core" \
		"$(pct "$W" "$VERIFY")%" "$(pct "$WC" "$VERIFY")%" ">= 50 %" "$(verdict "$W >= 0.5 * $VERIFY")"
	row "  no Follows" "$(n0 "$LA") POSTs/s; $(n0 "$LAC") (Like, Announce)" "$(n0 "$VERIFY") RSA verify/s, 1 core" \
		"$(pct "$LA" "$VERIFY")%" "$(pct "$LAC" "$VERIFY")%" ">= 50 %" "$(verdict "$LA >= 0.5 * $VERIFY")"
	row "cold keys" "$(n0 "$C") POSTs/s; $(n0 "$CC"), keys fetched" "$(n0 "$W") POSTs/s; $(n0 "$WC") warm" \
		"$(pct "$C" "$W")%" "$(pct "$CC" "$WC")%" ">= 30 % of warm" "$(verdict "$C >= 0.3 * $W")"
	row "fetch storm" "$(n0 "$FETCH_US") GETs/s; $(n0 "$FETCH_US_PER_CPU")" "$(n0 "$FETCH_NGINX") GETs/s; $(n0 "$FETCH_NGINX_PER_CPU") nginx" \
		"$(pct "$FETCH_US" "$FETCH_NGINX")%" "$(pct "$FETCH_US_PER_CPU" "$FETCH_NGINX_PER_CPU")%" ">= 50 %" "$(verdict "$FETCH_US >= 0.5 * $FETCH_NGINX")"
	row "fan-out" "$(n0 "$F") deliveries/s; $(n0 "$FC"); $LOST lost" "$(n0 "$SIGN") RSA sign/s x 1 core" \
		"$(pct "$F" "$SIGN")%" "$(pct "$FC" "$SIGN")%" ">= 70 %, 0 lost" "$(verdict "$F >= 0.7 * $SIGN && $LOST == 0")"
	if [ "${BENCH_QUICK:-0}" != 1 ]; then
		WL=$(rate "$large_WARM"); WLC=$(cpu_rate "$large_WARM")
		FL=$(fan_rate "$large_FANOUT"); FLC=$(fan_cpu_rate "$large_FANOUT")
		LOSTL=$(( SINKS * 2 - $(kv "$large_FANOUT" valid) ))
		row "growth inbox" "$(n0 "$WL") POSTs/s; $(n0 "$WLC"), 1,000,000 stored" "$(n0 "$W"); $(n0 "$WC"), 1,000 stored" \
			"$(apart "$W" "$WL")x" "$(apart "$WC" "$WLC")x" "<= 1.5x apart" "$(verdict "$W <= 1.5 * $WL && $WL <= 1.5 * $W")"
		row "growth fan-out" "$(n0 "$FL") deliv./s; $(n0 "$FLC"), 1,000,000; $LOSTL lost" "$(n0 "$F"); $(n0 "$FC"), 1,000 stored" \
			"$(apart "$F" "$FL")x" "$(apart "$FC" "$FLC")x" "<= 1.5x apart" "$(verdict "$F <= 1.5 * $FL && $FL <= 1.5 * $F")"
		PEAKS="storm $((small_STORM_HWM / 1024)) / $((large_STORM_HWM / 1024)), fan-out $((small_FANOUT_HWM / 1024)) / $((large_FANOUT_HWM / 1024)), fetch $((FETCH_HWM / 1024))"
		PEAK=$(printf '%s\n' "$small_STORM_HWM" "$large_STORM_HWM" "$small_FANOUT_HWM" "$large_FANOUT_HWM" "$FETCH_HWM" | sort -n | tail -n1)
	else
		PEAKS="storm $((small_STORM_HWM / 1024)), fan-out $((small_FANOUT_HWM / 1024)), fetch $((FETCH_HWM / 1024))"
		PEAK=$(printf '%s\n' "$small_STORM_HWM" "$small_FANOUT_HWM" "$FETCH_HWM" | sort -n | tail -n1)
	fi
	row "memory peak" "$((PEAK / 1024)) MiB (largest VmHWM)" "MiB: $PEAKS" "-" "-" "<= 64 MiB" "$(verdict "$PEAK <= 65536")"
	row "memory idle" "$((IDLE_KIB / 1024)) MiB RSS, 100,000 followers" "-" "-" "-" "<= 16 MiB" "$(verdict "$IDLE_KIB <= 16384")"
	row "start" "$START_MS ms exec to first answer" "100,000 followers (median of 5)" "-" "-" "<= 100 ms" "$(verdict "$START_MS <= 100")"
	echo
	echo "checks: bad signatures sent $(kv "$small_BAD" bad_sent), answered 401: $(kv "$small_BAD" bad_401); good ones answered 2xx: $(kv "$small_BAD" ok) of $(( $(kv "$small_BAD" requests) - $(kv "$small_BAD" bad_sent) ));"
	echo "        actor documents fetched in the cold pass: $small_FETCHED for $N_ACTORS actors ($ACTOR_FETCHES in the whole run: a bad signature refetches a cached key once); non-2xx in the storm passes: $(( $(kv "$small_WARM" requests) - $(kv "$small_WARM" ok) )) warm, $(( $(kv "$small_COLD" requests) - $(kv "$small_COLD" ok) )) cold"
	echo "        server CPU per request: warm $(kv "$small_WARM" server_cpu_us) us (45% Like, 45% Announce, 10% Follow, each Follow also signs an Accept), Like/Announce only $(kv "$small_LA" server_cpu_us) us, cold $(kv "$small_COLD" server_cpu_us) us; one RSA-2048 verify is $(awk -v v="$VERIFY" 'BEGIN { printf "%.0f", 1e6 / v }') us, one sign $(awk -v v="$SIGN" 'BEGIN { printf "%.0f", 1e6 / v }') us"
	echo "        inbox latency warm p50 $(kv "$small_WARM" p50_ms) ms, p99 $(kv "$small_WARM" p99_ms) ms (32 connections)"
	span() { # sink line -> "first after F s, last after L s, N/s between them"
		awk -v f="$(kv "$1" first_s)" -v l="$(kv "$1" last_s)" -v n="$(kv "$1" valid)" \
			'BEGIN { printf "first after %.2f s, last after %.2f s (%.0f/s between them)", f, l, (l > f ? (n - 1) / (l - f) : 0) }'
	}
	echo "        fan-out from the server's exec: 1,000 stored: $(span "$small_FANOUT")"
	if [ "${BENCH_QUICK:-0}" != 1 ]; then
		echo "        fan-out from the server's exec: 1,000,000 stored: $(span "$large_FANOUT")"
	fi
	echo "whole run: $(( $(date +%s) - T_START )) s"
} | tee "$B/results.txt"
