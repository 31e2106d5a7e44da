#!/usr/bin/env bash
# Publishing to S3-compatible object storage, against a real server: the
# Versity S3 Gateway (github.com/versity/versitygw, Apache-2.0) over its
# POSIX backend, built once into a cache (or VERSITYGW_BIN=/path/to/it),
# started here on a loopback port with its data in a temporary folder.
#
#  1. the objstore package's tests tagged s3 (first upload, headers read
#     back anonymously, the same release again, a new release under a
#     poller checking that the announced release is always complete,
#     injected failures at every phase and their re-runs, self-healing,
#     missing bucket, wrong and missing credentials);
#  2. bin/build -s3 as an operator runs it: missing bucket, first upload,
#     the same release, a modified CSV release (uploads = the manifest
#     diff), a build killed with SIGKILL during its upload (the bucket
#     still announces the previous, complete release) and its re-run;
#  3. a sidecar following the bucket's snapshot URL picks up a new release.
#
# Parts 2 and 3 are TestS3Build in scripts/integration (build tag
# integration), run here with the server's endpoint and credentials in
# its environment: OCCUPANCY_S3_ENDPOINT, AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY.
#
# Everything it starts is killed on exit; every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
export PATH="/usr/local/go/bin:$PATH"

VERSITYGW_VERSION=v1.8.0
KEEP=${KEEP:-} # KEEP=1 keeps the temporary folder
# SKIP_GO_TESTS=1 runs only parts 2 and 3 (while working on the script).

# -prebuild only builds the gateway into its cache, if it is not there
# yet: make test starts it in the background, at the lowest priority,
# while the other checks run.
if [[ ${1:-} == -prebuild ]]; then
	versitygw_bin "$VERSITYGW_VERSION" >/dev/null
	exit
fi

need_packages s3-test curl curl
t0=$SECONDS
gw=$(versitygw_bin "$VERSITYGW_VERSION")
echo "s3-test: versitygw ready in $((SECONDS - t0)) s: $gw ($("$gw" --version 2>/dev/null | head -1))"

tmp=$(mktemp -d)
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	if [[ -n $KEEP ]]; then echo "s3-test: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# --- the server -------------------------------------------------------
export AWS_ACCESS_KEY_ID=occupancy-test AWS_SECRET_ACCESS_KEY=occupancy-test-secret-$RANDOM$RANDOM
unset AWS_SESSION_TOKEN AWS_REGION
t0=$SECONDS
# A free port may be taken by another process before the gateway binds
# it: up to three attempts, each with a new port. Object metadata goes in
# extended attributes, or where the temporary folder's file system has
# none, in files beside the data (--sidecar: twice the gateway's CPU).
started=
meta=()
for attempt in 1 2 3; do
	s3port=$(free_port)
	rm -rf "$tmp/s3" && mkdir -p "$tmp/s3/data" "$tmp/s3/meta"
	ROOT_ACCESS_KEY=$AWS_ACCESS_KEY_ID ROOT_SECRET_KEY=$AWS_SECRET_ACCESS_KEY \
		"$gw" --port "127.0.0.1:$s3port" posix "${meta[@]}" "$tmp/s3/data" >"$tmp/s3.log" 2>&1 &
	gpid=$!
	pids+=("$gpid")
	endpoint=http://127.0.0.1:$s3port
	for i in $(seq 300); do # at most 30 s
		curl -s -o /dev/null --max-time 1 "$endpoint/" && { started=1; break; }
		kill -0 "$gpid" 2>/dev/null || break
		sleep 0.1
	done
	[[ -n $started ]] && break
	kill "$gpid" 2>/dev/null || true
	wait "$gpid" 2>/dev/null || true
	if grep -q 'xattr check failed' "$tmp/s3.log" && ((${#meta[@]} == 0)); then
		echo "s3-test: no extended attributes in $tmp: object metadata in files beside the data" >&2
		meta=(--sidecar "$tmp/s3/meta")
	else
		echo "s3-test: versitygw did not start (attempt $attempt): $(tail -1 "$tmp/s3.log")" >&2
	fi
done
[[ -n $started ]] || exit 1
# Without the race detector: Publish's concurrency runs under it in make
# test's race-enabled tests, against a store in memory and through
# minio-go against an S3 API over HTTP; here the point is the real
# server, and the race detector would only slow the uploads down.
go test -c -tags s3 -o "$tmp/objstore.test" ./generator/tree/objstore
echo "s3-test: versitygw S3 on $endpoint, ready in $((SECONDS - t0)) s (builds included)"
export OCCUPANCY_S3_ENDPOINT=$endpoint

# --- 1. the package's tests against the server --------------------------
t0=$SECONDS
if [[ -n ${SKIP_GO_TESTS:-} ]]; then
	echo "s3-test: SKIP go tests (SKIP_GO_TESTS set)"
else
	(cd generator/tree/objstore && "$tmp/objstore.test" -test.count=1 -test.v -test.timeout=15m -test.run 'TestS3(Publish|Interrupted|Errors)$') >"$tmp/gotest.log" 2>&1 || {
		cat "$tmp/gotest.log"
		echo "s3-test: FAIL: go tests tagged s3" >&2
		exit 1
	}
	grep -E '^(FIGURE|--- )|wrong secret|anonymous:|failure at' "$tmp/gotest.log" | sed 's/^/  /'
	echo "s3-test: go tests passed in $((SECONDS - t0)) s"
fi

# --- 2 and 3. bin/build -s3, a sidecar following the bucket -----------
# TestS3Build in scripts/integration: it builds the commands, takes free
# ports, and stops what it starts and removes what it writes.
t0=$SECONDS
go test -tags integration -count=1 -v -timeout 10m -run '^TestS3Build$' ./scripts/integration >"$tmp/build.log" 2>&1 || {
	cat "$tmp/build.log"
	echo "s3-test: FAIL: TestS3Build (bin/build -s3, a sidecar following the bucket)" >&2
	exit 1
}
grep -E '^ +s3_test\.go:[0-9]+: |^--- ' "$tmp/build.log" | sed -E 's/^ +s3_test\.go:[0-9]+: /  /'
echo "s3-test: bin/build -s3 and sidecar checks passed in $((SECONDS - t0)) s"
echo "s3-test: OK"
