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
# public_read BUCKET lets anyone read the bucket's objects (a bucket
# policy), as a bucket a CDN and the sidecars read from is set up.
public_read() {
	local policy="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[\"s3:GetObject\"],\"Resource\":[\"arn:aws:s3:::$1/*\"]}]}"
	local sum
	sum=$(printf '%s' "$policy" | sha256sum)
	curl -sS --fail-with-body --max-time 10 --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-X PUT -H 'Content-Type: application/json' -H "x-amz-content-sha256: ${sum%% *}" --data-raw "$policy" "$endpoint/$1?policy=" # (curl 7.88 signs "?policy" wrongly)
}
go build -o "$tmp/bin/build" ./cmd/build
go build -o "$tmp/bin/sidecar" ./cmd/sidecar
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

# --- 2. bin/build -s3 --------------------------------------------------
build() { "$tmp/bin/build" -no-sync -s3-endpoint "$endpoint" "$@"; }
# check_bucket URL DIR: the bucket holds exactly the tree DIR, read back.
check_bucket() {
	(cd generator/tree/objstore && OCCUPANCY_S3_CHECK=$1 OCCUPANCY_S3_CHECK_DIR=$2 "$tmp/objstore.test" -test.count=1 -test.run 'TestS3BucketHolds$') >"$tmp/check.log" 2>&1 || {
		cat "$tmp/check.log"
		echo "s3-test: FAIL: $1 does not hold $2" >&2
		exit 1
	}
}
# field LINE WORD: the number before WORD in the summary line.
field() { sed -n "s/.* \([0-9][0-9]*\) $2.*/\1/p" <<<"$1" | head -1; }
fail() { echo "s3-test: FAIL: $*" >&2; exit 1; }

url=s3://site/live
t0=$SECONDS
if out=$(build -q -out "$tmp/out1" -s3 "$url" 2>&1); then fail "a missing bucket was not an error"; fi
grep -q "NoSuchBucket" <<<"$out" && grep -q -- "-s3-create-bucket" <<<"$out" || fail "missing bucket: $out"
echo "  missing bucket: $(grep '^build:' <<<"$out")"
if out=$(AWS_SECRET_ACCESS_KEY= build -q -out "$tmp/out1" -s3 "$url" 2>&1); then fail "missing secret was not an error"; fi
echo "  missing secret: $out"

# The first upload.
t1=$SECONDS
out=$(build -out "$tmp/out1" -s3 "$url" -s3-create-bucket 2>&1)
summary=$(grep '^s3://site/live\|^uploaded' <<<"$out" | tail -1)
[[ $summary == uploaded* ]] || fail "first upload: $out"
files=$(($(grep -c '"path"' "$tmp/out1/manifest.json") + 1))
[[ $(field "$summary" files) == "$files" ]] || fail "first upload: $summary; the tree has $files files"
echo "  first upload ($((SECONDS - t1)) s): $summary"
public_read site
check_bucket "$url" "$tmp/out1"

# The same release: nothing uploaded.
out=$(build -q -out "$tmp/out1" -s3 "$url" 2>&1)
grep -q "already holds release .*nothing uploaded" <<<"$out" || fail "same release: $out"
echo "  same release: $(grep 'already holds' <<<"$out")"

# A modified release: two rooms made unavailable (their files go), from a
# copy of the sample's CSV files. Published over a copy of the first tree,
# so that the local report gives the manifest diff to compare with.
release_csv() { # release_csv DIR LINE… : the sample with rooms.csv's LINEs unavailable
	local dir=$1 line
	shift
	mkdir -p "$dir"
	cp source/sample/data/*.csv "$dir/"
	for line; do
		sed -i "${line}s/,[^,]*\$/,false/" "$dir/rooms.csv"
	done
}
diff_counts() { # added+changed and removed of a local build's report
	awk '$3 == "added" { up += $2 + $4; rm += $6 } END { print up + 0, rm + 0 }' <<<"$1"
}
release_csv "$tmp/rel2" 5 9
cp -a "$tmp/out1" "$tmp/out2"
t1=$SECONDS
out=$(build -out "$tmp/out2" -in "$tmp/rel2" -s3 "$url" 2>&1)
summary=$(grep '^uploaded' <<<"$out" | tail -1)
read -r up rm < <(diff_counts "$out")
[[ $(field "$summary" files) == $((up + 1)) ]] || fail "modified release: $summary; the manifest diff says $up added or changed (+ manifest.json)"
[[ $(sed -n 's/.*deleted \([0-9]*\).*/\1/p' <<<"$summary") == "$rm" ]] || fail "modified release: $summary; the manifest diff says $rm removed"
echo "  modified release ($((SECONDS - t1)) s): $summary (manifest diff: $up added or changed + manifest.json, $rm removed)"
check_bucket "$url" "$tmp/out2"

# A build killed (SIGKILL) during its upload: the bucket still announces
# the previous release, complete; the re-run finishes the job.
release_csv "$tmp/rel3" 5 9 14 20
cp -a "$tmp/out2" "$tmp/out3"
"$tmp/bin/build" -no-sync -out "$tmp/out3" -in "$tmp/rel3" -s3 "$url" -s3-endpoint "$endpoint" -s3-workers 1 -s3-verbose >"$tmp/kill.out" 2>"$tmp/kill.err" &
bpid=$!
pids+=("$bpid")
puts=0
for i in $(seq 300); do # at most 30 s
	puts=$(grep -c '^put ' "$tmp/kill.err" || true)
	((puts >= 20)) && break
	kill -0 "$bpid" 2>/dev/null || break
	sleep 0.1
done
kill -9 "$bpid" 2>/dev/null || fail "the build ended before it could be killed (after $puts uploads)"
wait "$bpid" 2>/dev/null || true
puts=$(grep -c '^put ' "$tmp/kill.err" || true)
grep -q "^put site/live/occupancy.snapshot" "$tmp/kill.err" && fail "the killed build had already uploaded the snapshot"
rel2=$(sed -n 's/.*"release": "\([0-9a-f]*\)".*/\1/p' "$tmp/out2/manifest.json")
rel3=$(sed -n 's/.*"release": "\([0-9a-f]*\)".*/\1/p' "$tmp/out3/manifest.json")
(cd generator/tree/objstore && OCCUPANCY_S3_CHECK=$url OCCUPANCY_S3_CHECK_ANY="$tmp/out2,$tmp/out3" OCCUPANCY_S3_CHECK_FINAL=$rel3 "$tmp/objstore.test" -test.count=1 -test.run 'TestS3BucketHolds$') >"$tmp/check.log" 2>&1 || {
	cat "$tmp/check.log"
	fail "after the kill, the announced release is not complete"
}
grep -q "CONSISTENT $rel2" "$tmp/check.log" || fail "after the kill: $(cat "$tmp/check.log")"
echo "  killed after $puts uploads: the bucket still announces ${rel2:0:12} with all its files"
out=$(build -q -out "$tmp/out3" -in "$tmp/rel3" -s3 "$url" 2>&1)
summary=$(grep '^uploaded' <<<"$out" | tail -1)
[[ -n $summary ]] || fail "re-run: $out"
echo "  re-run: $summary"
check_bucket "$url" "$tmp/out3"
echo "s3-test: bin/build -s3 checks passed in $((SECONDS - t0)) s"

# --- 3. a sidecar following the bucket --------------------------------
# (Always run: it once ran only when `sidecar -h | grep -qi url` matched,
# and grep -q closing the pipe early made that fail at random, skipping
# the check in silence.)
t0=$SECONDS
# free_port picks from a range that overlaps the ephemeral ports of the
# many client connections above: up to three ports.
for attempt in 1 2 3; do
	sport=$(free_port)
	"$tmp/bin/sidecar" -addr "127.0.0.1:$sport" -static "" -snapshot "$endpoint/site/live/occupancy.snapshot" -poll 200ms >"$tmp/sidecar.log" 2>&1 &
	spid=$!
	pids+=("$spid")
	for i in $(seq 200); do # at most 20 s
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$sport/healthz" && break
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$spid" 2>/dev/null && break
done
curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$sport/healthz" || fail "the sidecar on the bucket did not start: $(tail -5 "$tmp/sidecar.log")"
metric_release() { curl -s --max-time 2 "http://127.0.0.1:$sport/metrics" | sed -n 's/^occupancy_snapshot_info{release="\([^"]*\)"} 1$/\1/p'; }
manifest_release() { sed -n 's/^ "release": "\([0-9a-f]*\)",$/\1/p' "$1/manifest.json"; }
for i in $(seq 100); do [[ -n $(metric_release) ]] && break; sleep 0.1; done
before=$(metric_release)
[[ -n $before ]] || fail "the sidecar did not load the bucket's snapshot: $(tail -5 "$tmp/sidecar.log")"
# One release, one id: the sidecar names the bucket's release as its
# manifest does.
[[ $before == "$(manifest_release "$tmp/out3")" ]] || fail "the sidecar serves release ${before:0:12}, the bucket's manifest names $(manifest_release "$tmp/out3" | cut -c1-12)"
# Publish the second release back and time how soon the sidecar serves it.
rm -rf "$tmp/out4" && cp -a "$tmp/out3" "$tmp/out4"
t1=$(date +%s%N)
out=$(build -out "$tmp/out4" -in "$tmp/rel2" -s3 "$url" 2>&1)
t2=$(date +%s%N)
rel4=$(manifest_release "$tmp/out4")
grep -q "^published .*, release ${rel4:0:12} (was " <<<"$out" || fail "the build's report does not name release ${rel4:0:12}: $out"
grep -q "^uploaded .*, release ${rel4:0:12} (was " <<<"$out" || fail "the upload does not name release ${rel4:0:12}: $out"
for i in $(seq 100); do [[ -n $(metric_release) && $(metric_release) != "$before" ]] && break; sleep 0.05; done
t3=$(date +%s%N)
[[ -n $(metric_release) && $(metric_release) != "$before" ]] || fail "the sidecar did not follow the new release within 5 s: $(tail -5 "$tmp/sidecar.log")"
[[ $(metric_release) == "$rel4" ]] || fail "the sidecar serves release $(metric_release | cut -c1-12), the build published ${rel4:0:12}"
code=$(curl -s -o "$tmp/search.json" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$sport/api/rooms/find_soonest_bookings" -H 'Content-Type: application/json' -d '{"after_date":"2026-10-05T08:00"}')
[[ $code == 200 ]] || fail "search after the new release: HTTP $code"
echo "  sidecar on the bucket's snapshot URL: the build's upload took $(((t2 - t1) / 1000000)) ms; the sidecar served the new snapshot ($(metric_release | cut -c1-12), was ${before:0:12}) $(((t3 - t2) / 1000000)) ms after it ended (poll 200ms); a search answers 200"
echo "s3-test: sidecar check passed in $((SECONDS - t0)) s"
echo "s3-test: OK"
