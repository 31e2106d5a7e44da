#!/usr/bin/env bash
# End-to-end test of the production setup: real nginx with the shipped
# deploy/nginx.conf in front of the static tree and of TWO sidecar processes.
#
#   0. builds the sample release, starts two sidecars and nginx, and checks
#      every endpoint through nginx (lists, details, a feed, the OpenAPI
#      document, both searches, a 400, the health checks);
#   a. loads both searches through nginx with wrk for $DURATION and kills
#      one sidecar with SIGKILL after $KILL_AFTER: no request may fail;
#   b. restarts that sidecar, loads again and publishes a new release (a
#      modified CSV release with one more booking) during the load: no
#      request may fail, and within $PUBLISH_WITHIN seconds both sidecars
#      (directly and through nginx) and the static files through nginx
#      serve the new data.
#
# A failed request is any socket error wrk reports (connect, read, write,
# timeout) or any response that is not 2xx (counted by a response() hook).
# Prints a summary of requests and failures per phase; exits non-zero on
# any failure.
#
# Usage: scripts/e2e.sh   (from anywhere; needs go and curl; installs nginx
# and wrk with apt-get when missing and running as root)
#
# Environment (defaults in brackets): DURATION [6s], KILL_AFTER [2],
# PUBLISH_AFTER [1.5], PUBLISH_WITHIN [5], THREADS [2], CONNS [16],
# NGINX_CONF [deploy/nginx.conf] (the configuration under test).
#
# Everything listens on 127.0.0.1; every process started here is stopped on
# exit and the temporary directory removed.
set -euo pipefail

DURATION=${DURATION:-6s}
KILL_AFTER=${KILL_AFTER:-2}
PUBLISH_AFTER=${PUBLISH_AFTER:-1.5}
PUBLISH_WITHIN=${PUBLISH_WITHIN:-5}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
NGINX_CONF=${NGINX_CONF:-deploy/nginx.conf}

cd "$(dirname "$0")/.."
. scripts/lib.sh
need_packages e2e nginx nginx-light wrk wrk curl curl "$nginx_brotli_module" libnginx-mod-http-brotli-static

work=$(mktemp -d)
chmod 755 "$work"
declare -A pid_of # sidecar name -> pid
wrk_pid=""
cleanup() {
	local pid
	if [[ -n "$wrk_pid" ]]; then
		kill -TERM "$wrk_pid" 2>/dev/null || true
		wait "$wrk_pid" 2>/dev/null || true
	fi
	if [[ -f "$work/nginx.pid" ]]; then
		pid=$(cat "$work/nginx.pid" 2>/dev/null || true)
		if [[ -n "$pid" ]]; then
			kill -QUIT "$pid" 2>/dev/null || true
			# nginx is a daemon, not our child: wait (bounded) for it to exit.
			for _ in $(seq 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	stop_all "${pid_of[@]}"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "e2e: $*" >&2; }
die() {
	log "FAIL: $*"
	for f in "$work"/error.log "$work"/sidecar-*.log; do
		[[ -s $f ]] && { echo "--- $f (last 20 lines)" >&2; tail -n 20 "$f" >&2; }
	done
	exit 1
}


# Binaries, built once (as `go run` would) so that timings under load are
# the programs', not the compiler's.
log "building the commands"
mkdir -p "$work/bin"
go build -o "$work/bin/build" ./cmd/build
go build -o "$work/bin/sidecar" ./cmd/sidecar
go build -o "$work/bin/gen" ./source/sample/internal/gen

# Release 1: the embedded sample.
pub="$work/public"
"$work/bin/build" -q -no-sync -out "$pub" >"$work/build1.out" || { cat "$work/build1.out" >&2; die "build of the sample failed"; }
chmod -R a+rX "$pub"
plan=9ec62d992a70d1667be61004 # a study plan of the sample with an explicit id

# The two sidecars, each on its own port, both reading the same snapshot.
declare -A port_of
port_of[a]=$(free_port)
port_of[b]=$(free_port)
while [[ ${port_of[b]} == "${port_of[a]}" ]]; do port_of[b]=$(free_port); done
start_sidecar() { # start_sidecar NAME
	"$work/bin/sidecar" -addr "127.0.0.1:${port_of[$1]}" -snapshot "$pub/occupancy.snapshot" \
		-static "" -poll 200ms -max-conns-per-ip 0 >>"$work/sidecar-$1.log" 2>&1 &
	pid_of[$1]=$!
}
# wait_ready NAME: waits (at most 10 s) for the sidecar's /readyz.
wait_ready() {
	local i
	for i in $(seq 100); do
		curl -fsS "http://127.0.0.1:${port_of[$1]}/readyz" >/dev/null 2>&1 && return 0
		kill -0 "${pid_of[$1]}" 2>/dev/null || die "sidecar $1 exited"
		sleep 0.1
	done
	die "sidecar $1 not ready after 10 s"
}
start_sidecar a
start_sidecar b
wait_ready a
wait_ready b

# nginx with the shipped configuration, templated: the listen address, the
# root, and the upstream's one server line replaced by one line per sidecar.
nginx_port=$(free_port)
while [[ $nginx_port == "${port_of[a]}" || $nginx_port == "${port_of[b]}" ]]; do nginx_port=$(free_port); done
sed -e "s|^\(    server \)127\.0\.0\.1:8080;\(.*\)$|\1127.0.0.1:${port_of[a]};\2\n\1127.0.0.1:${port_of[b]};|" \
	-e "s|^\(    listen \)80;|\1127.0.0.1:$nginx_port;|" \
	-e "s|^\(    root \)/srv/occupancy/public;|\1$pub;|" \
	"$NGINX_CONF" >"$work/occupancy.conf"
for want in "    server 127.0.0.1:${port_of[a]};" "    server 127.0.0.1:${port_of[b]};" "listen 127.0.0.1:$nginx_port;" "root $pub;"; do
	grep -qF "$want" "$work/occupancy.conf" || die "could not template '$want' into $NGINX_CONF"
done
[[ $(grep -cE '^ +server 127\.0\.0\.1:[0-9]+;' "$work/occupancy.conf") == 2 ]] || die "the templated upstream does not have exactly two servers"
# Which replica answered (inherited by the search locations, which set no
# header of their own): lets the test see both replicas serve.
nginx_start "$work" 512 'add_header X-E2E-Upstream $upstream_addr always;' || die "nginx -t"
base="http://127.0.0.1:$nginx_port"
for i in $(seq 100); do
	curl -fsS "$base/readyz" >/dev/null 2>&1 && break
	[[ $i == 100 ]] && die "nginx not ready after 10 s"
	sleep 0.1
done

# ---------------------------------------------------------------- phase 0
failures=0
fail() { log "FAIL $*"; failures=$((failures + 1)); }
# check METHOD PATH STATUS CTYPE WANT [curl args...]: WANT is a published
# file (@api/...) whose bytes the body must equal, or a body prefix.
check() {
	local method=$1 path=$2 want_status=$3 want_ctype=$4 want=$5
	shift 5
	local out status ctype
	out=$(curl -sS --max-time 10 --path-as-is -X "$method" -o "$work/body" -w '%{http_code} %{content_type}' "$@" "$base$path") || true
	status=${out%% *}
	ctype=${out#* }
	if [[ $status != "$want_status" ]]; then
		fail "$method $path: status $status, want $want_status: $(head -c 200 "$work/body" 2>/dev/null)"
	elif [[ $ctype != "$want_ctype" ]]; then
		fail "$method $path: Content-Type '$ctype', want '$want_ctype'"
	elif [[ $want == @* ]] && ! cmp -s "$work/body" "$pub/${want#@}"; then
		fail "$method $path: body differs from ${want#@}"
	elif [[ $want != @* && $(head -c ${#want} "$work/body") != "$want" ]]; then
		fail "$method $path: body '$(head -c 200 "$work/body")', want '$want…'"
	else
		echo "ok   $method $path -> $status"
	fi
}
J='application/json; charset=utf-8'
ICS='text/calendar; charset=utf-8'
json=(-H 'Content-Type: application/json')
free_q='{"selection":[{"start":"2026-11-26T10:00:00.000Z","end":"2026-11-26T11:00:00.000Z"}]}'
soonest_q='{"after_date":"2026-11-26T10:30:00.000Z"}'
log "phase 0: every endpoint through nginx ($base), sidecars on :${port_of[a]} and :${port_of[b]}"
check GET /api/rooms 200 "$J" @api/rooms/index.json
check GET /api/courses 200 "$J" @api/courses/index.json
check GET /api/studyplans 200 "$J" @api/studyplans/index.json
check GET /api/rooms/CO1 200 "$J" @api/rooms/CO1/index.json
check GET /api/courses/CS-305 200 "$J" @api/courses/CS-305/index.json
check GET /api/studyplans/$plan 200 "$J" "@api/studyplans/$plan/index.json"
check GET /api/rooms/CO1.ics 200 "$ICS" @api/rooms/CO1.ics
check GET /api/courses/CS-305.ics 200 "$ICS" @api/courses/CS-305.ics
check GET /api/openapi.json 200 "$J" @api/openapi.json
check GET /api/rooms/NOPE 404 "$J" '{"message":"Room not found"}'
check GET /occupancy.snapshot 404 "$J" '{"message":"Not found"}'
check GET /healthz 200 "$J" '{"status":"ok"}'
check GET /readyz 200 "$J" '{"status":"ready"'
# Both searches, several times so that both replicas answer.
for i in 1 2 3 4; do
	check POST /api/rooms/find_free_rooms 200 "$J" '[{"name":' "${json[@]}" -d "$free_q"
	check POST /api/rooms/find_soonest_bookings 200 "$J" '[{"name":' "${json[@]}" -d "$soonest_q"
done
check POST /api/rooms/find_free_rooms 400 "$J" '{"message":"Missing selection"}' "${json[@]}" -d '{}'
check POST /api/rooms/find_soonest_bookings 400 "$J" '{"message":' "${json[@]}" -d '{"after_date":"not a date"}'
((failures == 0)) || die "$failures endpoint check(s) failed"

# ---------------------------------------------------------------- load
# The wrk script: both searches alternately; a response() hook counts the
# non-2xx responses, the 5xx among them, and 200s whose body is not a JSON
# array; done() prints one RESULT line with wrk's own error counts.
cat >"$work/load.lua" <<EOF
local free_body = [==[$free_q]==]
local soonest_body = [==[$soonest_q]==]
local reqs = {}
local n = 0
non2xx, s5xx, badbody = 0, 0, 0
init = function(args)
  local h = { ["Content-Type"] = "application/json" }
  reqs[1] = wrk.format("POST", "/api/rooms/find_free_rooms", h, free_body)
  reqs[2] = wrk.format("POST", "/api/rooms/find_soonest_bookings", h, soonest_body)
end
request = function()
  n = n + 1
  return reqs[n % 2 + 1]
end
response = function(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  if status >= 500 then s5xx = s5xx + 1 end
  if status == 200 and string.sub(body, 1, 1) ~= "[" then badbody = badbody + 1 end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("non2xx"); b = b + t:get("s5xx"); c = c + t:get("badbody")
  end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d %.1f %.1f\n",
    summary.requests, e.connect, e.read, e.write, e.timeout, e.status, a, b, c,
    latency:percentile(99) / 1000, latency.max / 1000))
end
EOF

summary=()
status=0
# start_load NAME: starts wrk in the background against nginx.
start_load() {
	timeout 60 wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 4s -s "$work/load.lua" \
		"$base/api/rooms/find_free_rooms" >"$work/wrk-$1.out" 2>&1 &
	wrk_pid=$!
}
# finish_load NAME: waits for wrk and records its counts.
finish_load() {
	local rc=0 line reqs connect read write timeout st non2xx s5xx badbody p99 max failed
	wait "$wrk_pid" || rc=$?
	wrk_pid=""
	line=$(grep '^RESULT ' "$work/wrk-$1.out") || { cat "$work/wrk-$1.out" >&2; die "wrk ($1) gave no result (exit $rc)"; }
	read -r _ reqs connect read write timeout st non2xx s5xx badbody p99 max <<<"$line"
	failed=$((connect + read + write + timeout + non2xx + badbody))
	summary+=("$(printf '%-34s %9s %8s %8s %8s %8s %8s %8s %8s %8s %8s' "$1" "$reqs" "$failed" \
		"$connect/$read/$write" "$timeout" "$st" "$non2xx" "$s5xx" "$badbody" "$p99" "$max")")
	if ((failed > 0 || reqs == 0)); then
		log "FAIL phase $1: $failed failed request(s) of $reqs"
		status=1
	else
		log "phase $1: $reqs requests, 0 failed"
	fi
}

# ---------------------------------------------------------------- phase a
log "phase a: load for $DURATION, sidecar a killed (SIGKILL) after ${KILL_AFTER}s"
start_load "a: kill one sidecar"
sleep "$KILL_AFTER"
kill -KILL "${pid_of[a]}"
{ wait "${pid_of[a]}"; } 2>/dev/null || true
unset 'pid_of[a]'
finish_load "a: kill one sidecar"
retried=$(grep -F "[error]" "$work/error.log" | grep -cF "upstream: \"http://127.0.0.1:${port_of[a]}/" || true)
log "phase a: nginx logged $retried failed attempt(s) on the killed replica (retried on the other one)"
# The survivor still answers directly.
curl -fsS --max-time 5 "http://127.0.0.1:${port_of[b]}/readyz" >/dev/null || die "sidecar b not ready after phase a"

# ---------------------------------------------------------------- phase b
# Release 2: the sample regenerated, plus one booking that makes CO1 busy on
# a Saturday morning when it is free in release 1.
room=CO1
slot='{"selection":[{"start":"2026-11-28T06:00:00.000Z","end":"2026-11-28T07:00:00.000Z"}]}'
marker="E2E booking $$"
"$work/bin/gen" -out "$work/rel2" -scale 1 >/dev/null
awk -v m="$marker" -v r="$room" '{ print } END { printf "2026-11-28,06:00,07:00,%s,,,%s,published by scripts/e2e.sh\n", r, m }' \
	"$work/rel2/bookings.csv" >"$work/bookings.csv"
mv "$work/bookings.csv" "$work/rel2/bookings.csv"
grep -qF "$marker" "$work/rel2/bookings.csv" || die "could not add the booking to bookings.csv"

# free_has URL: whether the search at URL lists the room as free in the slot.
free_has() {
	local body
	body=$(curl -fsS --max-time 5 "${json[@]}" -d "$slot" "$1") || return 2
	[[ $body == \[* ]] || return 2
	[[ $body == *"\"name\":\"$room\""* ]]
}
release_of() { # release_of URL: the release in a /readyz answer
	curl -fsS --max-time 5 "$1" 2>/dev/null | sed -nE 's/.*"release":"([0-9a-f]+)".*/\1/p'
}
direct() { echo "http://127.0.0.1:${port_of[$1]}"; }
# via_nginx: one find_free_rooms through nginx for the slot; sets $answered
# to the port of the replica that answered (the last one tried) and returns
# as free_has.
via_nginx() {
	local rc=0
	answered=""
	curl -fsS --max-time 5 -D "$work/h" -o "$work/free.json" "${json[@]}" -d "$slot" "$base/api/rooms/find_free_rooms" 2>/dev/null || rc=2
	answered=$(sed -nE 's/^X-E2E-Upstream: .*:([0-9]+)\r?$/\1/Ip' "$work/h" 2>/dev/null | tail -n 1)
	((rc == 0)) || return 2
	has "$work/free.json" "[" || return 2
	has "$work/free.json" "\"name\":\"$room\""
}
# has FILE STRING: whether FILE holds STRING (no pipe: with pipefail, an
# early exit of grep -q would fail the pipeline).
has() { grep -qF -- "$2" "$1" 2>/dev/null; }

log "phase b: restart sidecar a, load for $DURATION, publish release 2 after ${PUBLISH_AFTER}s"
start_sidecar a
wait_ready a
old_release=$(release_of "$(direct b)/readyz")
[[ -n $old_release && $(release_of "$(direct a)/readyz") == "$old_release" ]] || die "the sidecars do not agree on release 1"
for s in a b; do
	free_has "$(direct $s)/api/rooms/find_free_rooms" || die "precondition: $room is not free in release 1 (sidecar $s)"
done
# nginx skips the killed replica for fail_timeout (10 s by default): wait
# (at most 20 s) until it sends searches to the restarted one again, so
# that the load reaches both replicas while the release is published.
for i in $(seq 200); do
	via_nginx || die "precondition: $room is not free in release 1 (nginx)"
	[[ $answered == "${port_of[a]}" ]] && break
	((i == 200)) && die "nginx did not send searches to the restarted sidecar a within 20 s"
	sleep 0.1
done
log "nginx sends searches to the restarted sidecar a again (after $i attempts)"
grep -qF "$marker" "$pub/api/rooms/$room/index.json" && die "precondition: release 1 already has the booking"

start_load "b: publish a release"
sleep "$PUBLISH_AFTER"
"$work/bin/build" -q -no-sync -in "$work/rel2" -out "$pub" >"$work/build2.out" 2>&1 || { cat "$work/build2.out" >&2; die "build of release 2 failed"; }
published=$(date +%s%N)
chmod -R a+rX "$pub"
# Wait (at most PUBLISH_WITHIN seconds) until everything serves release 2.
seen="" why=""
deadline=$((published + PUBLISH_WITHIN * 1000000000))
for i in $(seq $((PUBLISH_WITHIN * 20))); do
	why=""
	for s in a b; do
		r=$(release_of "$(direct $s)/readyz")
		if [[ -z $r || $r == "$old_release" ]]; then
			why="sidecar $s still on release ${old_release:0:12}"
			break
		fi
		free_has "$(direct $s)/api/rooms/find_free_rooms" && rc=0 || rc=$?
		((rc == 1)) || { why="sidecar $s: $room free in the slot (or error, $rc)"; break; }
	done
	if [[ -z $why ]]; then
		# Through nginx: several searches (round-robin over both replicas),
		# and the room's static JSON and feed.
		# Up to 10 searches, until both replicas have answered.
		declare -A by=()
		for _ in $(seq 10); do
			via_nginx && rc=0 || rc=$?
			((rc == 1)) || { why="nginx: $room free in the slot (or error, $rc; replica :$answered)"; break; }
			by[$answered]=1
			[[ -n ${by[${port_of[a]}]:-} && -n ${by[${port_of[b]}]:-} ]] && break
		done
		if [[ -z $why && (-z ${by[${port_of[a]}]:-} || -z ${by[${port_of[b]}]:-}) ]]; then
			why="nginx: not both replicas answered in 10 searches (${!by[*]})"
		fi
	fi
	if [[ -z $why ]]; then
		curl -fsS --max-time 5 -o "$work/room.json" "$base/api/rooms/$room" 2>/dev/null || : >"$work/room.json"
		curl -fsS --max-time 5 -o "$work/room.ics" "$base/api/rooms/$room.ics" 2>/dev/null || : >"$work/room.ics"
		has "$work/room.json" "\"name\":\"$marker\"" || why="nginx: /api/rooms/$room lacks the booking"
		has "$work/room.ics" "SUMMARY:$marker" || why="${why:-nginx: /api/rooms/$room.ics lacks the booking}"
	fi
	if [[ -z $why ]]; then
		seen=$((($(date +%s%N) - published) / 1000000))
		break
	fi
	(($(date +%s%N) > deadline)) && break
	sleep 0.05
done
finish_load "b: publish a release"
new_release=$(release_of "$(direct a)/readyz")
if [[ -z $seen ]]; then
	log "FAIL phase b: release 2 not served everywhere within ${PUBLISH_WITHIN}s: $why (sidecar a: $(release_of "$(direct a)/readyz"), b: $(release_of "$(direct b)/readyz"), before: $old_release)"
	status=1
else
	log "phase b: release 2 served by both sidecars and nginx ${seen} ms after the build finished (release ${old_release:0:12} -> ${new_release:0:12})"
fi
# After the load, both sidecars and nginx agree (nginx's /readyz, 4 times).
for s in a b; do
	[[ $(release_of "$(direct $s)/readyz") == "$new_release" ]] || { log "FAIL sidecar $s is not on release ${new_release:0:12}"; status=1; }
done
for _ in 1 2 3 4; do
	[[ $(release_of "$base/readyz") == "$new_release" ]] || { log "FAIL nginx /readyz is not on release ${new_release:0:12}"; status=1; break; }
done
# One release, one id: the sidecars name it as the published manifest does.
published=$(sed -n 's/^ "release": "\([0-9a-f]*\)",$/\1/p' "$pub/manifest.json")
[[ $new_release == "$published" ]] || { log "FAIL the sidecars serve release ${new_release:0:12}, the manifest names ${published:0:12}"; status=1; }

echo
echo "e2e summary: nginx on :$nginx_port, sidecars a :${port_of[a]} b :${port_of[b]}; wrk -t$THREADS -c$CONNS -d$DURATION, $(nproc) CPUs"
printf '%-34s %9s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n' phase requests failed "c/r/w" timeout "wrk>=400" non2xx 5xx badbody "p99 ms" "max ms"
for r in "${summary[@]}"; do
	echo "$r"
done
echo "failed = wrk socket errors (connect/read/write/timeout) + non-2xx responses + 200s without a JSON array"
echo "phase a: nginx logged $retried failed attempt(s) on the killed sidecar (retried on the other one; requests that still failed are counted above)"
[[ -n $seen ]] && echo "phase b: release 2 visible everywhere after ${seen} ms (limit ${PUBLISH_WITHIN} s)"
if ((status != 0)); then
	echo "--- nginx error.log (last 20 lines)" >&2
	tail -n 20 "$work/error.log" >&2 || true
	echo "e2e: FAILED" >&2
	exit 1
fi
echo "e2e: all checks passed"
