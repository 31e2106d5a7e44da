#!/usr/bin/env bash
# make bench: every measurement of BENCHMARKS.md in one run, on this
# machine, side by side. About 25 minutes on 2 cores (40 more with 100x).
#
#   1. the build: the command's wall time and peak memory at 1x, 3x, 10x
#      and 30x campus (first build, the same release again, one course
#      changed, another changed with the standby; durable writes, compressed
#      copies), then the Go benchmark
#      of its parts (read, check, render, write only, publish, full) at
#      campus size and 10x;
#   2. the searches in-process: Go benchmarks through the handler, a
#      realistic mix with and without the answer cache, and loading a
#      snapshot (parse and index) at 1x, 3x, 10x and 30x;
#   3. the searches over HTTP, every room and limit 20:
#      scripts/loadtest.sh at each scale of SCALES (with the sidecar's
#      memory and load time);
#   4. the same searches in PostgreSQL: scripts/compare-postgres.sh at both
#      sizes (cross-checked first).
#
# Environment: DURATION (each timed HTTP/SQL target) [6s], SCALES (the
# build's growth table) [1 3 10 30]; SCALES="1 3 10 30 100" adds 100x. Results are
# printed and kept under $OUT [bench-results/].
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-6s}
SCALES=${SCALES:-1 3 10 30}
OUT=${OUT:-bench-results}
mkdir -p "$OUT"
export DURATION

section() { printf '\n===== %s =====\n' "$*"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

section "machine"
{
	echo "$(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/^Mem:/{print $2}') GiB"
	go version
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt"

section "1. the build at 1x, 3x, 10x, 30x campus (SCALES)"
go build -o "$work/build" ./cmd/build
# "done in 1m7.008s, peak memory 583 MiB" -> "67.01 s, 583 MiB"
timing() {
	awk '/^done in / {
		d = $3; sub(/,$/, "", d); t = 0
		while (match(d, /^[0-9.]+/)) {
			n = substr(d, 1, RLENGTH); d = substr(d, RLENGTH + 1)
			if (d ~ /^ms/) { t += n / 1000; d = substr(d, 3) }
			else if (d ~ /^h/) { t += n * 3600; d = substr(d, 2) }
			else if (d ~ /^m/) { t += n * 60; d = substr(d, 2) }
			else if (d ~ /^s/) { t += n; d = substr(d, 2) }
			else break
		}
		printf "%.2f s, %d MiB", t, $(NF - 1)
	}'
}
{
	printf '| scale | rooms | cells | first build | unchanged again | one course changed | the next change | tree |\n'
	printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
	for scale in $SCALES; do
		rel="$work/release$scale" pub="$work/public$scale"
		go run ./source/sample/internal/gen -scale "$scale" -out "$rel" >/dev/null
		rooms=$(($(wc -l <"$rel/rooms.csv") - 1))
		cells=$(cat "$rel"/*.csv | awk -F, '{n+=NF} END {print n}')
		first=$("$work/build" -q -in "$rel" -out "$pub" | timing)
		again=$("$work/build" -q -in "$rel" -out "$pub" | timing)
		# One session of one course gets another label: its course, its
		# rooms, its study plans, their feeds and the lists change.
		awk -F, -v OFS=, 'NR == 3 {$2 = $2 "-moved"} {print}' "$rel/sessions.csv" >"$rel/sessions.tmp"
		mv "$rel/sessions.tmp" "$rel/sessions.csv"
		changed=$("$work/build" -q -in "$rel" -out "$pub" | timing)
		# Another session of another course: the tree the last swap took
		# out is now the standby, updated in place (the steady state).
		awk -F, -v OFS=, 'NR == 4 {$2 = $2 "-moved"} {print}' "$rel/sessions.csv" >"$rel/sessions.tmp"
		mv "$rel/sessions.tmp" "$rel/sessions.csv"
		next=$("$work/build" -q -in "$rel" -out "$pub" | timing)
		tree="$(du -sm "$pub" | cut -f1) MB, $(find "$pub" -type f | wc -l) files"
		printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$scale" "$rooms" "$cells" "$first" "$again" "$changed" "$next" "$tree"
		rm -rf "$pub" "$rel" "$work/.public$scale.standby"
	done
	echo
	go test -run '^$' -bench 'Build/^scale=1$/' -benchmem -benchtime=3x ./generator | grep -E '^Benchmark'
	go test -run '^$' -bench 'Build/^scale=10$/' -benchmem -benchtime=1x ./generator | grep -E '^Benchmark'
	go test -run '^$' -bench 'FeedDuplicates' -benchtime=3x ./generator | grep -E '^Benchmark'
	go test -run '^$' -bench 'RepeatedRows' -benchtime=3x ./source | grep -E '^Benchmark'
} 2>&1 | tee "$OUT/build.txt"

section "2. searches in-process (through the handler), and loading a snapshot"
{
	go test -run '^$' -bench 'Request|Handler|FindFree|Soonest' -benchmem -benchtime=2000x ./sidecar
	go test -run '^$' -bench 'Load' -benchmem -benchtime=5x ./sidecar
	go test -run '^$' -bench 'RequestMix' -benchmem -benchtime=100000x ./sidecar
} 2>&1 | grep -E '^Benchmark|^ok' | tee "$OUT/searches.txt"

section "3. searches over HTTP (wrk) vs a constant server with the same body, at each scale (SCALES)"
for scale in $SCALES; do
	echo "-- scale $scale"
	SCALE=$scale ./scripts/loadtest.sh 2>/dev/null
done | tee "$OUT/http.txt"

section "4. PostgreSQL (pgbench) vs the sidecar (wrk), same random queries"
for scale in 1 10; do
	echo "-- scale $scale"
	SCALE=$scale ./scripts/compare-postgres.sh 2>&1 | grep -vE '^(building|starting|exporting|loading)'
done | tee "$OUT/postgres.txt"

section "done"
echo "results in $OUT/; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
