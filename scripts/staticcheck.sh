#!/usr/bin/env bash
# Runs staticcheck, pinned to one version, on every package with every
# build tag the project uses (test files behind tags included). The first
# run builds it from the module proxy into Go's build cache (about 2
# CPU-minutes on a fresh machine); later runs reuse it.
#
#   scripts/staticcheck.sh          runs it and exits with its status
#   scripts/staticcheck.sh start    starts it in the background at the
#                                   lowest priority (make test: it then
#                                   uses the cores the tests leave idle)
#   scripts/staticcheck.sh wait     waits for the run that start began
#                                   (at most 30 min), prints its findings
#                                   and exits with its status
#
# The background run keeps its state in bin/staticcheck/ and wait removes
# it; a new start stops a run still going.
set -euo pipefail
cd "$(dirname "$0")/.."

version=v0.8.2
tags=browser,integration,s3
state=bin/staticcheck
self=$PWD/scripts/staticcheck.sh

check() { go run "honnef.co/go/tools/cmd/staticcheck@$version" -tags "$tags" ./...; }

case "${1:-}" in
"")
	check
	;;
start)
	if [[ -f $state/pid ]]; then
		kill -TERM -- "-$(cat "$state/pid")" 2>/dev/null || true
	fi
	rm -rf "$state"
	mkdir -p "$state"
	# In a session of its own, so that a new start can stop all of it.
	setsid nice -n 19 "$self" run-into "$state" >/dev/null 2>&1 </dev/null &
	echo $! >"$state/pid"
	;;
run-into) # the background run of start
	rc=0
	check >"$2/out" 2>&1 || rc=$?
	echo "$rc" >"$2/rc"
	;;
wait)
	[[ -d $state ]] || { echo "staticcheck: no run started (scripts/staticcheck.sh start)" >&2; exit 1; }
	for _ in $(seq 1800); do
		[[ -f $state/rc ]] && break
		sleep 1
	done
	[[ -f $state/rc ]] || { echo "staticcheck: no result after 30 min" >&2; exit 1; }
	rc=$(cat "$state/rc")
	cat "$state/out"
	rm -rf "$state"
	if [[ $rc != 0 ]]; then
		echo "staticcheck: findings above (exit $rc)" >&2
		exit "$rc"
	fi
	echo "staticcheck $version: no findings"
	;;
*)
	echo "usage: scripts/staticcheck.sh [start|wait]" >&2
	exit 2
	;;
esac
