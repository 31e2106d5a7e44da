#!/usr/bin/env bash
# make bench: every measurement of BENCHMARKS.md in one run, on this
# machine, side by side. About 8 minutes on 2 cores.
#
#   1. the build: Go benchmark of its parts (read, check, render, write
#      only, publish, full) at campus size and 10x, and the command's own
#      wall time and peak memory, first and unchanged builds;
#   2. the searches in-process: Go benchmarks through the handler;
#   3. the searches over HTTP: scripts/loadtest.sh at both sizes;
#   4. the same searches in PostgreSQL: scripts/compare-postgres.sh at both
#      sizes (cross-checked first).
#
# Environment: DURATION (each timed HTTP/SQL target) [6s]. Results are
# printed and kept under $OUT [bench-results/].
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-6s}
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

section "1. the build"
go build -o "$work/build" ./cmd/build
go run ./source/sample/internal/gen -scale 10 -out "$work/release10" >/dev/null
{
	for size in campus 10x; do
		in=()
		[[ $size == 10x ]] && in=(-in "$work/release10")
		echo "-- $size: first build, then the same release again (durable writes)"
		"$work/build" -q "${in[@]}" -out "$work/public-$size" | grep -E 'published|done'
		"$work/build" -q "${in[@]}" -out "$work/public-$size" | grep -E 'published|done'
		echo "output: $(find "$work/public-$size" -type f | wc -l) files, $(du -sh "$work/public-$size" | cut -f1)"
	done
	echo
	go test -run '^$' -bench 'Build/^scale=1$/' -benchmem -benchtime=3x ./generator | grep -E '^Benchmark'
	go test -run '^$' -bench 'Build/^scale=10$/' -benchmem -benchtime=1x ./generator | grep -E '^Benchmark'
} 2>&1 | tee "$OUT/build.txt"

section "2. searches in-process (through the handler)"
go test -run '^$' -bench 'Request|Handler|FindFree|Soonest' -benchmem -benchtime=2000x ./sidecar 2>&1 | grep -E '^Benchmark|^ok' | tee "$OUT/searches.txt"

section "3. searches over HTTP (wrk) vs a constant server with the same body"
for scale in 1 10; do
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
