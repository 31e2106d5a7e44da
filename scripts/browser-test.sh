#!/usr/bin/env bash
# Browser tests of the page for people (index.html and app/ of the built
# tree), in headless Chromium driven by chromedp (scripts/browser, build tag
# "browser"):
#
#   builds bin/build and bin/sidecar (make build), builds the embedded sample
#   twice into a temporary folder (campus time with a Z, and -rfc3339),
#   then builds two changed releases of it over the first tree, so that its
#   change feed lists two releases (the -rfc3339 tree keeps an empty feed),
#   starts one sidecar per tree on free loopback ports exactly as `make run`
#   does (-static <tree> -snapshot <tree>/occupancy.snapshot), the shipped
#   deploy/nginx.conf before the first, and runs go test -tags browser
#   ./scripts/browser against them.
#
# Screenshots of every page at phone (360x740) and desktop (1280x800) sizes
# go to $ARTIFACTS (default test-artifacts/, git-ignored).
#
# Usage: scripts/browser-test.sh [-update-docs] [go test flags…]
#   -update-docs   also write docs/free-now.png (the README's screenshot)
#   e.g. scripts/browser-test.sh -run TestRoomWeek -v
#
# Environment: ARTIFACTS [test-artifacts], CHROMIUM [/usr/bin/chromium],
# TIMEOUT [5m] (go test -timeout).
#
# Installs Debian's chromium with apt-get when missing (as root). Everything
# listens on 127.0.0.1; every process started here is stopped on exit and the
# temporary folder removed.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/lib.sh
need_packages browser-test chromium chromium curl curl nginx nginx-light "$nginx_brotli_module" libnginx-mod-http-brotli-static

ARTIFACTS=${ARTIFACTS:-test-artifacts}
CHROMIUM=${CHROMIUM:-$(command -v chromium)}
TIMEOUT=${TIMEOUT:-5m}
mkdir -p "$ARTIFACTS"
ARTIFACTS=$(cd "$ARTIFACTS" && pwd)

work=$(mktemp -d)
pids=()
cleanup() {
	if [[ -f "$work/nginx.pid" ]]; then
		kill -QUIT "$(cat "$work/nginx.pid")" 2>/dev/null || true
	fi
	stop_all "${pids[@]}"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "browser-test: $*" >&2; }
die() {
	log "FAIL: $*"
	exit 1
}

ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%ds' $(($1 / 1000)) $(($1 % 1000 / 100)); }
start=$(ms)
make -s build

# start_sidecar TREE [FLAGS…] starts a sidecar like `make run` does on a
# free loopback port, waits until it is ready and sets $port to its port
# (trying another port when the chosen one was taken meanwhile).
start_sidecar() {
	local tree=$1 attempt pid
	shift
	for attempt in 1 2 3; do
		port=$(free_port)
		./bin/sidecar -addr "127.0.0.1:$port" -static "$tree" -snapshot "$tree/occupancy.snapshot" "$@" \
			>"$work/sidecar-$port.log" 2>&1 &
		pid=$!
		pids+=("$pid")
		for _ in $(seq 100); do
			if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			cat "$work/sidecar-$port.log" >&2
			die "sidecar on $port not ready after 10s"
		fi
		grep -q "address already in use" "$work/sidecar-$port.log" || { cat "$work/sidecar-$port.log" >&2; die "sidecar on $port exited"; }
		log "port $port was taken; trying another (attempt $attempt)"
	done
	die "no free port for the sidecar"
}

# edit FILE EXPR applies the sed expression EXPR to FILE, and fails when
# it changes nothing (the sample was regenerated: choose other lines).
edit() {
	cp "$1" "$work/edit.orig"
	sed -i -e "$2" "$1"
	if cmp -s "$1" "$work/edit.orig"; then
		die "sed '$2' changes nothing in ${1#"$work"/}"
	fi
}

./bin/build -q -no-sync -out "$work/public" >/dev/null
./bin/build -q -no-sync -rfc3339 -out "$work/public-rfc3339" >/dev/null
# The change feed of the first tree (scripts/browser/changes_test.go reads
# what changed from the feed itself): a release that changes room CO3,
# then one that changes room CO1 (the room most tests look at), renames
# course EE-429 (with markup in its name, which the page must show as
# text), moves its Friday session in CO1, adds a booking in CO1, removes
# study plan SC-MA2-B and adds 101 bookings in CO2 (more than the 100
# changes an entity's changes.json lists).
cp -r source/sample/data "$work/release"
edit "$work/release/rooms.csv" 's/^CO3,AUDITOIRE,240,/CO3,AUDITOIRE,260,/'
./bin/build -q -no-sync -in "$work/release" -out "$work/public" >/dev/null
edit "$work/release/rooms.csv" 's/^CO1,AUDITOIRE,210,/CO1,AUDITOIRE,230,/'
edit "$work/release/courses.csv" 's/^EE-429,Introduction to microelectronics,/EE-429,"Introduction to <img src=x onerror=alert(1)> \& ""microelectronics""",/'
edit "$work/release/sessions.csv" 's/^EE-429,cours,Friday,08:15,09:00,CO1,/EE-429,cours,Friday,18:15,19:00,CO1,/'
echo '2026-12-02,18:00,19:00,CO1,,,Réservation ponctuelle,Change feed test' >>"$work/release/bookings.csv"
edit "$work/release/studyplans.csv" '/^SC-MA2-B,/d'
for i in $(seq 0 100); do
	printf '%s,07:00,07:30,CO2,,,Réservation ponctuelle,Change feed test %d\n' "$(date -u -d "2027-06-01 +$i days" +%F)" "$i"
done >>"$work/release/bookings.csv"
./bin/build -q -no-sync -in "$work/release" -out "$work/public" >/dev/null
start_sidecar "$work/public"
port_campus=$port
start_sidecar "$work/public-rfc3339" -rfc3339
port_rfc=$port
# The shipped deploy/nginx.conf before the campus tree and its sidecar:
# the page, served by the sidecar, also talks to it from another origin.
chmod 755 "$work"
chmod -R a+rX "$work/public"
nginx_port=$(free_port)
nginx_template "$work" "$work/public" "$nginx_port" "$port_campus" || die "could not template deploy/nginx.conf"
nginx_start "$work" 64 || die "nginx did not start"
for i in $(seq 100); do
	curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/readyz" 2>/dev/null && break
	[[ $i == 100 ]] && { cat "$work/error.log" >&2; die "nginx not ready after 10s"; }
	sleep 0.1
done
ready=$(ms)
log "sidecars ready on 127.0.0.1:$port_campus and :$port_rfc (-rfc3339), nginx on :$nginx_port, after $(secs $((ready - start)))"

# go test's flags (-run, -v, …) go before the package; the tests' own
# flags after -args, since go test has an -artifacts flag of its own.
gotest=()
testargs=()
for a in "$@"; do
	case $a in
	-update-docs) testargs+=("$a") ;;
	*) gotest+=("$a") ;;
	esac
done
status=0
# Chromium's profiles and the tests' files go under $work, removed at
# exit, not into the system's temporary folder.
mkdir -p "$work/tmp"
TMPDIR="$work/tmp" go test -tags browser -count=1 -timeout "$TIMEOUT" "${gotest[@]}" ./scripts/browser -args \
	-base "http://127.0.0.1:$port_campus" -base-rfc3339 "http://127.0.0.1:$port_rfc" -nginx "http://127.0.0.1:$nginx_port" \
	-chromium "$CHROMIUM" -artifacts "$ARTIFACTS" "${testargs[@]}" || status=$?
end=$(ms)
log "tests took $(secs $((end - ready))), $(secs $((end - start))) in all; screenshots in ${ARTIFACTS#"$root"/}/"
exit "$status"
