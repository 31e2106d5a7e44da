#!/usr/bin/env bash
# Comparison benchmark: the sidecar's two searches next to the same searches
# in a conventional design, a real PostgreSQL with a bookings table of
# tsranges, on the same release, in one run on the same machine.
#
# Usage: scripts/compare-postgres.sh          (from anywhere)
#
# Environment (defaults in brackets):
#   DURATION  duration of each timed target, in seconds (10s, 30, 1m) [10s]
#   SCALE     size of the release built from the sample generator [1 = the
#             embedded sample; 10 = ten times larger]
#   CONNS     concurrent clients (pgbench -c, wrk -c) [16]
#   THREADS   load generator threads (pgbench -j, wrk -t) [2]
#   CHECKS    query times compared before timing [20]
#   CHECK_ONLY  1: stop after the correctness cross-check (make test runs
#             it this way; no timing)
#
# Steps: build the release and the snapshot; export the same release to CSV
# (scripts/compare/export) and COPY it into a fresh PostgreSQL cluster
# (scripts/compare/schema.sql, index.sql); start the sidecar; compare both
# systems' answers at random on-grid times (scripts/compare/crosscheck),
# failing on any difference; then time pgbench (scripts/compare/pgbench/)
# and wrk (scripts/compare/wrk.lua) with the same random choice of times
# and print one table.
#
# Needs go, curl, and Debian's postgresql and wrk (installed here when
# missing and run as root). PostgreSQL runs as the postgres user in a
# temporary directory; everything listens on 127.0.0.1 only, every load run
# is bounded by DURATION, and every process started here is stopped on
# exit.
set -euo pipefail

DURATION=${DURATION:-10s}
SCALE=${SCALE:-1}
CONNS=${CONNS:-16}
THREADS=${THREADS:-2}
CHECKS=${CHECKS:-20}

cd "$(dirname "$0")/.."
. scripts/lib.sh
here=scripts/compare
die() { echo "compare: $*" >&2; exit 1; }

case $DURATION in
*m) secs=$((${DURATION%m} * 60)) ;;
*s) secs=${DURATION%s} ;;
*) secs=$DURATION ;;
esac
[[ $secs =~ ^[0-9]+$ && $secs -gt 0 ]] || die "invalid DURATION $DURATION"

pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }
missing=()
[[ -n $(pgbin) ]] || missing+=(postgresql)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
	[[ $(id -u) == 0 ]] || die "missing ${missing[*]}: apt-get install -y ${missing[*]}"
	echo "installing ${missing[*]}..." >&2
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	# The package may create and start a default cluster: stop it, this
	# script runs its own.
	if command -v pg_lsclusters >/dev/null; then
		pg_lsclusters -h | while read -r ver name _ status _; do
			[[ $status == online ]] && pg_ctlcluster "$ver" "$name" stop || true
		done
	fi
fi
bin=$(pgbin)
id postgres >/dev/null 2>&1 || die "no postgres user (install postgresql)"

work=$(mktemp -d)
pgdir=$(mktemp -d)
chown postgres: "$pgdir"
sidecar_pid=
pg_started=
cleanup() {
	if [[ -n $sidecar_pid ]]; then
		kill -TERM "$sidecar_pid" 2>/dev/null || true
		wait "$sidecar_pid" 2>/dev/null || true
	fi
	if [[ -n $pg_started ]]; then
		(cd / && runuser -u postgres -- "$bin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null) || true
	fi
	rm -rf "$work" "$pgdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


echo "building (SCALE=$SCALE)..." >&2
go build -o "$work/sidecar" ./cmd/sidecar
go build -o "$work/export" ./$here/export
go build -o "$work/crosscheck" ./$here/crosscheck
mkdir "$work/csv"
if ((SCALE > 1)); then
	go run ./source/sample/internal/gen -out "$work/release" -scale "$SCALE" >&2
	go run ./cmd/build -q -no-sync -in "$work/release" -out "$work/public" >/dev/null
	"$work/export" -in "$work/release" -out "$work/csv"
else
	go run ./cmd/build -q -no-sync -out "$work/public" >/dev/null
	"$work/export" -out "$work/csv"
fi

# PostgreSQL: a fresh cluster owned by postgres, C collation (names sort by
# bytes, as the sidecar's do), fsync off (the data is a throwaway copy; the
# benchmark only reads).
pgport=$(free_port)
echo "starting PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pgport..." >&2
(cd / && runuser -u postgres -- "$bin/initdb" -D "$pgdir/data" -A trust -U postgres -E UTF8 --no-locale >/dev/null)
pg_started=1
(cd / && runuser -u postgres -- "$bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w -t 60 \
	-o "-c listen_addresses=127.0.0.1 -p $pgport -k $pgdir -c max_connections=50 -c shared_buffers=256MB -c fsync=off" \
	start >/dev/null) || { cat "$pgdir/log" >&2; die "PostgreSQL did not start"; }
conn="host=127.0.0.1 port=$pgport user=postgres dbname=postgres"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -d "$conn" "$@"; }

start=$(date +%s%N)
psql_ -f $here/schema.sql
psql_ -c "COPY rooms FROM STDIN (FORMAT csv)" <"$work/csv/rooms.csv"
psql_ -c "COPY bookings FROM STDIN (FORMAT csv)" <"$work/csv/bookings.csv"
psql_ -f $here/index.sql
counts=$(psql_ -At -c "SELECT (SELECT count(*) FROM rooms) || ' rooms, ' || (SELECT count(*) FROM bookings) || ' bookings, ' || (SELECT count(*) FROM blocks) || ' merged blocks'")
echo "PostgreSQL loaded and indexed in $((($(date +%s%N) - start) / 1000000)) ms: $counts" >&2

# The sidecar, serving the snapshot the build wrote, without its answer
# cache: PostgreSQL has none, and the timed queries repeat (the cache's
# effect is measured by the sidecar's BenchmarkRequestMix).
sport=$(free_port)
"$work/sidecar" -addr "127.0.0.1:$sport" -static "" -snapshot "$work/public/occupancy.snapshot" -max-conns-per-ip 0 -answer-cache 0 \
	>"$work/sidecar.out" 2>"$work/sidecar.log" &
sidecar_pid=$!
for i in $(seq 100); do
	curl -fsS "http://127.0.0.1:$sport/readyz" >/dev/null 2>&1 && break
	[[ $i == 100 ]] && { cat "$work/sidecar.log" >&2; die "sidecar not ready"; }
	sleep 0.1
done

# Correctness first: identical answers or nothing is timed.
"$work/crosscheck" -sidecar "http://127.0.0.1:$sport" -pg "$conn" -semesters "$work/csv/semesters.csv" -n "$CHECKS"
if [[ ${CHECK_ONLY:-} == 1 ]]; then
	echo "compare-postgres: the sidecar and PostgreSQL agree on $CHECKS random query times"
	exit 0
fi

# The first two semesters (or the only one twice), as days since
# 1970-01-01, for pgbench -D and wrk.lua.
mapfile -t sems < <(awk -F, '{print $(NF-1), $NF}' "$work/csv/semesters.csv" | head -n2)
[[ ${#sems[@]} -ge 1 ]] || die "no semester"
[[ ${#sems[@]} -ge 2 ]] || sems+=("${sems[0]}")
days() { echo $(($(date -u -d "$1" +%s) / 86400)); }
read -r a b <<<"${sems[0]}"
OFF1=$(days "$a") DAYS1=$(($(days "$b") - $(days "$a") + 1))
read -r a b <<<"${sems[1]}"
OFF2=$(days "$a") DAYS2=$(($(days "$b") - $(days "$a") + 1))
export OFF1 DAYS1 OFF2 DAYS2

rows=()
status=0
# row NAME RPS MEAN P50 P99 ERRORS
row() {
	rows+=("$(printf '%-50s %10s %9s %9s %9s %7s' "$@")")
	[[ $6 == 0 ]] || status=1
}

# pgbench_run NAME SCRIPT: prepared statements, as an application's driver
# would use; latencies from the per-transaction log (-l).
pgbench_run() {
	local out lat
	echo "pgbench $1 for ${secs}s..." >&2
	out=$(timeout $((secs + 120)) "$bin/pgbench" -n -M prepared -d "$conn" -c "$CONNS" -j "$THREADS" -T "$secs" \
		-D off1="$OFF1" -D days1="$DAYS1" -D off2="$OFF2" -D days2="$DAYS2" \
		-l --log-prefix="$work/log_$1" -f "$here/pgbench/$2" 2>&1) || { echo "$out" >&2; die "pgbench failed"; }
	lat=$(cat "$work/log_$1".* | awk '{print $3}' | sort -n | awk '{v[NR] = $1; s += $1}
		END {
			p50 = int(NR * 0.50); if (p50 < 1) p50 = 1
			p99 = int(NR * 0.99); if (p99 < 1) p99 = 1
			if (NR) printf "%.3f %.3f %.3f", s / NR / 1000, v[p50] / 1000, v[p99] / 1000
		}')
	read -r mean p50 p99 <<<"$lat"
	row "postgres $1 (pgbench)" \
		"$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' <<<"$out" | xargs printf '%.0f')" "$mean" "$p50" "$p99" \
		"$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' <<<"$out")"
	rm -f "$work/log_$1".*
}

# wrk_run NAME MODE
wrk_run() {
	local out line
	echo "wrk $1 for ${secs}s..." >&2
	out=$(MODE=$2 timeout $((secs + 60)) wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" -s $here/wrk.lua "http://127.0.0.1:$sport") ||
		{ echo "$out" >&2; die "wrk failed"; }
	line=$(grep '^RESULT ' <<<"$out") || { echo "$out" >&2; die "no wrk result"; }
	read -r _ _ rps mean p50 p99 errs <<<"$line"
	row "sidecar $1 (wrk, HTTP + JSON)" "$rps" "$mean" "$p50" "$p99" "$errs"
}

pgbench_run free_rooms free.sql
wrk_run find_free_rooms free
pgbench_run soonest_blocks soonest.sql
wrk_run find_soonest_bookings soonest
pgbench_run soonest_agg soonest_agg.sql

echo
echo "$counts; ${secs}s per target, $CONNS connections, $THREADS load threads, $(nproc) CPUs shared by server and load generator"
printf '%-50s %10s %9s %9s %9s %7s\n' target "req/s" "mean ms" "p50 ms" "p99 ms" errors
printf '%s\n' "${rows[@]}"
cat <<'NOTE'

pgbench measures only the SQL round trip (no HTTP, no JSON encoding of the
answer), which favours PostgreSQL; wrk measures the sidecar's whole HTTP
answer. soonest_blocks reads merged blocks materialized at load time (as
the sidecar's snapshot is built ahead); soonest_agg merges each room's
bookings with range_agg on every query.
NOTE
exit $status
