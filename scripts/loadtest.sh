#!/usr/bin/env bash
# Load test of the sidecar: throughput and latency percentiles of both
# searches, next to a fasthttp handler that only returns a constant body,
# measured in the same run on the same machine.
#
# Usage: scripts/loadtest.sh            (from the repository root)
#
# Environment (defaults in brackets):
#   DURATION  wrk duration per target [10s]
#   THREADS   wrk threads [2]
#   CONNS     open connections [32]
#   SCALE     size of the release built from the sample generator [1 = the
#             embedded sample; 10 = ten times larger]
#   SNAPSHOT  snapshot file to serve instead of building one
#   ANSWER_CACHE  the sidecar's -answer-cache in bytes [0: off]
#
# Everything listens on 127.0.0.1 on ports chosen by the kernel; every
# process started here is stopped on exit. Needs go and wrk
# (apt-get install -y wrk). On a small machine wrk competes with the server
# for the CPU: compare rows of one run, not runs of different machines.
set -euo pipefail

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
SCALE=${SCALE:-1}

cd "$(dirname "$0")/.."
. scripts/lib.sh
command -v wrk >/dev/null || { echo "loadtest: wrk not found (apt-get install -y wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "loadtest: curl not found" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
	stop_all "${pids[@]}"
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "building..." >&2
go build -o "$work/sidecar" ./cmd/sidecar
go build -o "$work/constserver" ./scripts/loadtest/constserver
if [[ -n "${SNAPSHOT:-}" ]]; then
	cp "$SNAPSHOT" "$work/occupancy.snapshot"
else
	# The real build of the sample release (generated SCALE times larger).
	release="$work/release"
	mkdir -p "$release"
	go run ./source/sample/internal/gen -out "$release" -scale "$SCALE" >&2
	go run ./cmd/build -q -no-sync -in "$release" -out "$work/public" >&2
	cp "$work/public/occupancy.snapshot" "$work/occupancy.snapshot"
fi

# wait_addr FILE PATTERN: waits (at most 10 s) for a line matching PATTERN in
# FILE and prints its last field, the address.
wait_addr() {
	local i line
	for i in $(seq 100); do
		line=$(grep -m1 -E "$2" "$1" 2>/dev/null || true)
		if [[ -n "$line" ]]; then
			echo "$line" | sed -E 's/.*(addr=|listening )([0-9.:]+).*/\2/'
			return 0
		fi
		sleep 0.1
	done
	echo "loadtest: no address in $1:" >&2
	cat "$1" >&2
	return 1
}

# The sidecar logs no line per request, only start, loads and shutdown.
# wrk's connections all come from one address: no limit per address. wrk
# sends one query again and again, which the answer cache would answer
# (soonest): it is off unless ANSWER_CACHE (bytes) asks for it, so that
# the figures are the searches' (the cache's: BenchmarkRequestMix).
"$work/sidecar" -addr 127.0.0.1:0 -snapshot "$work/occupancy.snapshot" -static "" -max-conns-per-ip 0 -answer-cache "${ANSWER_CACHE:-0}" \
	>"$work/sidecar.out" 2>"$work/sidecar.log" &
pids+=($!)
sidecar_addr=$(wait_addr "$work/sidecar.log" 'msg=listening')

for i in $(seq 100); do
	curl -fsS "http://$sidecar_addr/readyz" >/dev/null 2>&1 && break
	[[ $i == 100 ]] && { echo "loadtest: sidecar not ready" >&2; cat "$work/sidecar.log" >&2; exit 1; }
	sleep 0.1
done

# The searches: what the Home page sends (two hourly cells from the user's
# position: every free room, nearest first; every room's next booking),
# and the same two limited to a screenful (limit 20), whose answers no
# longer grow with the campus.
free_body='{"selection":[{"start":"2026-11-26T10:00:00.000Z","end":"2026-11-26T11:00:00.000Z"},{"start":"2026-11-26T11:00:00.000Z","end":"2026-11-26T12:00:00.000Z"}],"coordinates":{"latitude":46.5191,"longitude":6.5668}}'
soonest_body='{"after_date":"2026-11-26T10:30:00.000Z"}'
searches=(
	"free|find_free_rooms|$free_body"
	"soonest|find_soonest_bookings|$soonest_body"
	"free-20|find_free_rooms|${free_body%\}},\"limit\":20}"
	"soonest-20|find_soonest_bookings|${soonest_body%\}},\"limit\":20}"
)

# lua METHOD BODY: a wrk script that sends BODY and prints one RESULT line.
lua() {
	cat <<EOF
wrk.method = "$1"
wrk.body = '$2'
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.0f %.3f %.3f %.3f %.3f %.3f %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
EOF
}
lua GET "" >"$work/const.lua"

# start_const NAME [BODY_FILE]: a constant-body server; prints its address.
start_const() {
	"$work/constserver" -addr 127.0.0.1:0 ${2:+-body "$2"} >"$work/const-$1.out" 2>&1 &
	pids+=($!)
	wait_addr "$work/const-$1.out" '^listening '
}

# Each search's response, and a constant-body server returning it
# precomputed (the same bytes on the wire, no search): the baseline the
# search is compared with. Plus a tiny body: HTTP's own cost.
targets=(const)
declare -A url_of size_of name_of script_of
start_const tiny >"$work/addr"
url_of[const]="http://$(cat "$work/addr")/"
size_of[const]=$(curl -fsS "${url_of[const]}" | wc -c)
name_of[const]="constant tiny body"
script_of[const]=const
for s in "${searches[@]}"; do
	IFS='|' read -r key route body <<<"$s"
	lua POST "$body" >"$work/$key.lua"
	curl -fsS -H 'Content-Type: application/json' -d "$body" "http://$sidecar_addr/api/rooms/$route" >"$work/$key.json"
	start_const "$key" "$work/$key.json" >"$work/addr"
	url_of[$key]="http://$sidecar_addr/api/rooms/$route"
	url_of[const-$key]="http://$(cat "$work/addr")/"
	size_of[$key]=$(wc -c <"$work/$key.json")
	size_of[const-$key]=${size_of[$key]}
	name_of[$key]=$route
	[[ $key == *-20 ]] && name_of[$key]="$route limit 20"
	name_of[const-$key]="constant, same body"
	script_of[$key]=$key
	script_of[const-$key]=const
	targets+=("const-$key" "$key")
done

results=()
status=0
declare -A rps_of
for target in "${targets[@]}"; do
	echo "wrk ${name_of[$target]} for $DURATION..." >&2
	out=$(timeout 120 wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$work/${script_of[$target]}.lua" "${url_of[$target]}")
	line=$(grep '^RESULT ' <<<"$out") || { echo "$out" >&2; exit 1; }
	read -r _ reqs rps p50 p90 p99 p999 max errs <<<"$line"
	[[ $errs == 0 ]] || status=1
	rps_of[$target]=$rps
	ratio=""
	[[ -n ${rps_of[const-$target]:-} ]] && ratio=$(awk -v a="$rps" -v b="${rps_of[const-$target]}" 'BEGIN{printf "%.2f", a/b}')
	results+=("$(printf '%-32s %8s %10s %8s %8s %8s %8s %9s %8s %6s %6s' "${name_of[$target]}" "${size_of[$target]}" "$rps" "$p50" "$p90" "$p99" "$p999" "$max" "$reqs" "$errs" "$ratio")")
done

echo
echo "rooms: $(curl -fsS "http://$sidecar_addr/readyz"), wrk -t$THREADS -c$CONNS -d$DURATION, $(nproc) CPUs"
printf '%-32s %8s %10s %8s %8s %8s %8s %9s %8s %6s %6s\n' target "resp B" "req/s" "p50 ms" "p90 ms" "p99 ms" "p99.9 ms" "max ms" requests errors "ratio"
for r in "${results[@]}"; do
	echo "$r"
done
echo "ratio: the search's req/s over the constant server's with the same body (same bytes on the wire, no search)"
# Memory of the sidecar after the load, and the snapshot's size.
rooms=$(curl -fsS "http://$sidecar_addr/readyz" | sed -E 's/.*"rooms":([0-9]+).*/\1/')
snap=$(stat -c %s "$work/occupancy.snapshot")
read -r hwm rss < <(awk '/^VmHWM/{h=$2} /^VmRSS/{r=$2} END{print h, r}' "/proc/${pids[0]}/status")
took=$(sed -n 's/.*msg="snapshot loaded".* took=\([^ ]*\).*/\1/p' "$work/sidecar.log" | head -1)
echo "sidecar memory: peak RSS $((hwm / 1024)) MiB, RSS $((rss / 1024)) MiB after the load; snapshot $snap bytes for $rooms rooms ($((snap / rooms)) bytes/room), loaded (parsed and indexed) in $took"
exit $status
