#!/usr/bin/env bash
# Checks deploy/nginx.conf: starts the sidecar and nginx on loopback ports
# with that configuration (paths templated into a temporary directory) and
# requests a few URLs. Exits non-zero on any mismatch.
#
# Usage: scripts/nginx-test.sh   (from anywhere; needs go and curl; installs
# nginx with apt-get when missing and running as root)
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/lib.sh
need_packages nginx-test nginx nginx-light curl curl "$nginx_brotli_module" libnginx-mod-http-brotli-static

work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
	if [[ -f "$work/nginx.pid" ]]; then
		kill -QUIT "$(cat "$work/nginx.pid")" 2>/dev/null || true
	fi
	stop_all "${pids[@]}"
	rm -rf "$work"
}
trap cleanup EXIT INT TERM


# The real tree: the embedded sample, built by cmd/build.
pub="$work/public"
go run ./cmd/build -q -no-sync -out "$pub" >/dev/null
plan=9ec62d992a70d1667be61004 # a study plan of the sample with an explicit id
# head_of FILE: the first bytes of a published file, to compare bodies with.
head_of() { head -c 48 "$pub/$1"; }
chmod -R a+rX "$pub"

go build -o "$work/sidecar" ./cmd/sidecar
sidecar_port=$(free_port)
nginx_port=$(free_port)
"$work/sidecar" -addr "127.0.0.1:$sidecar_port" -snapshot "$pub/occupancy.snapshot" -static "" 2>"$work/sidecar.log" &
pids+=($!)

# Template the shipped configuration.
nginx_template "$work" "$pub" "$nginx_port" "$sidecar_port" || { echo "nginx-test: the template failed" >&2; exit 1; }
nginx_start "$work" 64

base="http://127.0.0.1:$nginx_port"
for i in $(seq 100); do
	curl -fsS "$base/readyz" >/dev/null 2>&1 && break
	[[ $i == 100 ]] && { echo "nginx-test: not ready" >&2; cat "$work/error.log" "$work/sidecar.log" >&2; exit 1; }
	sleep 0.1
done

failures=0
# check METHOD PATH WANT_STATUS WANT_BODY_PREFIX [curl args...]; the
# Content-Type must be JSON, or $CTYPE when set.
check() {
	local method=$1 path=$2 want_status=$3 want_body=$4
	shift 4
	local out status ctype body
	local how=(-X "$method")
	[[ $method == HEAD ]] && how=(--head)
	# As a browser on another origin asks: with an Origin header.
	out=$(curl -sS --path-as-is "${how[@]}" -H 'Origin: https://other.example' -D "$work/headers" -o "$work/body" -w '%{http_code} %{content_type}' "$@" "$base$path") || true
	[[ $method == HEAD ]] && : >"$work/body"
	status=${out%% *}
	ctype=${out#* }
	body=$(cat "$work/body" 2>/dev/null || true)
	# Every answer, success or error, is readable from another origin:
	# one Access-Control-Allow-Origin header, not none and not two.
	local acao
	acao=$(grep -ci '^access-control-allow-origin:' "$work/headers" || true)
	if [[ $status != "$want_status" || $body != "$want_body"* ]]; then
		echo "FAIL $method ${path:0:80}: got $status '${body:0:200}', want $want_status '$want_body…'" >&2
		failures=$((failures + 1))
	elif [[ $status != 204 && $ctype != "${CTYPE:-application/json; charset=utf-8}" ]]; then
		echo "FAIL $method $path: Content-Type '$ctype'" >&2
		failures=$((failures + 1))
	elif [[ $acao != 1 ]]; then
		echo "FAIL $method $path: $acao Access-Control-Allow-Origin headers, want 1" >&2
		failures=$((failures + 1))
	else
		echo "ok   $method $path -> $status"
	fi
}
json=(-H 'Content-Type: application/json')
check GET /api/rooms 200 "$(head_of api/rooms/index.json)"
check GET /api/rooms/ 200 "$(head_of api/rooms/index.json)"
check GET /API/Rooms 200 "$(head_of api/rooms/index.json)"
check GET /api/rooms/CO1 200 "$(head_of api/rooms/CO1/index.json)"
check GET /api/Rooms/CO1/ 200 "$(head_of api/rooms/CO1/index.json)"
check HEAD /api/rooms/CO1 200 ''
check GET /api/rooms/co1 404 '{"message":"Room not found"}'
check GET /api/courses 200 "$(head_of api/courses/index.json)"
check GET /api/courses/CS-305 200 "$(head_of api/courses/CS-305/index.json)"
check GET /api/courses/NOPE-1 404 '{"message":"Course not found"}'
check GET /api/studyplans 200 '[{"_id":'
check GET /api/studyplans/$plan 200 "{\"_id\":\"$plan\""
check GET /api/studyplans/foo 404 '{"message":"Studyplan not found"}'
# Study plan ids in any case, as the reference matched them: lowered by
# nginx, the same file served. All 24 digits one upper-case letter is the
# most passes the rewrite needs.
upper=$(tr a-f A-F <<<"$plan")
check GET /api/studyplans/$upper 200 "{\"_id\":\"$plan\""
check GET /API/StudyPlans/${upper:0:12}${plan:12}/ 200 "{\"_id\":\"$plan\""
CTYPE='text/calendar; charset=utf-8' check GET /api/studyplans/$upper.ics 200 "$(head_of api/studyplans/$plan.ics)"
check GET /api/studyplans/AAAAAAAAAAAAAAAAAAAAAAAA 404 '{"message":"Studyplan not found"}'
check GET /api/studyplans/AAAAAAAAAAAAAAAAAAAAAAAAA 404 '{"message":"Studyplan not found"}'
check GET /occupancy.snapshot 404 '{"message":"Not found"}'
check GET /release.json 404 '{"message":"Not found"}'
check GET /manifest.json 404 '{"message":"Not found"}'
check GET /api/../occupancy.snapshot 404 '{"message":"Not found"}'
check GET /api/rooms/..%2Foccupancy.snapshot 404 '{"message":'
check GET /nothing 404 '{"message":"Not found"}'
check POST /api/rooms 405 '{"message":"Method not allowed"}'
check POST /api/rooms/find_soonest_bookings 200 '[{"name":' "${json[@]}" -d '{"after_date":"2026-11-26T10:30:00.000Z"}'
check POST /API/rooms/find_free_rooms/ 200 '[{"name":' "${json[@]}" -d '{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}]}'
check POST /api/rooms/find_free_rooms 200 '[{"name":' -d 'selection[0][start]=2026-11-26T10:00&selection[0][end]=2026-11-26T11:00'
check POST /api/rooms/find_free_rooms 400 '{"message":"Missing selection"}' "${json[@]}" -d '{}'
check OPTIONS /api/rooms/find_free_rooms 204 '' -H 'Origin: https://occupancy.flep.ch' -H 'Access-Control-Request-Method: POST'
check GET /healthz 200 '{"status":"ok"}'
check GET /api/openapi.json 200 "$(head_of api/openapi.json)"
check GET /API/OpenAPI.json 200 "$(head_of api/openapi.json)"
check POST /api/openapi.json 405 '{"message":"Method not allowed"}'
# The API's page for people is HTML.
for path in /api/docs /api/docs/ /API/Docs; do
	out=$(curl -sS -o "$work/body" -w '%{http_code} %{content_type}' "$base$path") || true
	if [[ $out != "200 text/html; charset=utf-8" ]] || ! cmp -s "$work/body" "$pub/api/docs/index.html"; then
		echo "FAIL GET $path: got '$out', want the page as 200 text/html; charset=utf-8" >&2
		failures=$((failures + 1))
	else
		echo "ok   GET $path -> 200 text/html"
	fi
done
check GET /metrics 404 '{"message":"Not found"}'
# The page for people and its files.
CTYPE='text/html; charset=utf-8' check GET / 200 "$(head_of index.html)"
CTYPE='text/javascript; charset=utf-8' check GET /app/app.js 200 "$(head_of app/app.js)"
CTYPE='text/css; charset=utf-8' check GET /app/app.css 200 "$(head_of app/app.css)"
check GET /app/nothing.js 404 '{"message":"Not found"}'
check POST / 405 '{"message":"Method not allowed"}'

# Precompressed copies: a client accepting brotli or gzip gets the build's
# copy (the same bytes as the file on disk), decompressing to the original;
# one accepting neither gets the original. Every response varies on
# Accept-Encoding.
# encoded PATH FILE ACCEPT WANT_ENCODING
encoded() {
	local path=$1 file=$2 accept=$3 want=$4 headers enc vary copy=$2
	headers=$(curl -sS -D - -o "$work/raw" -H "Accept-Encoding: $accept" "$base$path" | tr -d '\r') || true
	enc=$(sed -n 's/^[Cc]ontent-[Ee]ncoding: *//p' <<<"$headers")
	vary=$(sed -n 's/^[Vv]ary: *//p' <<<"$headers")
	case $want in gzip) copy=$file.gz ;; br) copy=$file.br ;; esac
	if [[ $want == br && $accept == *gzip* && $enc == gzip ]] && cmp -s "$work/raw" "$pub/$file.gz"; then
		# Debian's brotli_static (1.0.0~rc) under disable_symlinks at times
		# opens the .br copy as a folder and declines: the client gets the
		# gzip copy, never wrong bytes. Counted: some must be brotli.
		br_declined=$((br_declined + 1))
		want=gzip copy=$file.gz
	fi
	[[ $want == br ]] && br_served=$((br_served + 1))
	if [[ $enc != "$want" ]] || ! cmp -s "$work/raw" "$pub/$copy"; then
		echo "FAIL GET $path (Accept-Encoding: $accept): Content-Encoding '$enc', want '$want' with the bytes of $copy" >&2
		failures=$((failures + 1))
	elif [[ $vary != *Accept-Encoding* ]]; then
		echo "FAIL GET $path (Accept-Encoding: $accept): no Vary: Accept-Encoding" >&2
		failures=$((failures + 1))
	elif ! curl -sS --compressed -H "Accept-Encoding: $accept" "$base$path" | cmp -s - "$pub/$file"; then
		echo "FAIL GET $path (Accept-Encoding: $accept): does not decompress to $file" >&2
		failures=$((failures + 1))
	else
		echo "ok   GET $path (Accept-Encoding: $accept) -> ${want:-identity}"
	fi
}
br_served=0 br_declined=0
for pair in /api/rooms:api/rooms/index.json /api/rooms/CO1:api/rooms/CO1/index.json \
	/api/courses:api/courses/index.json /api/studyplans/$plan:api/studyplans/$plan/index.json \
	/api/openapi.json:api/openapi.json /:index.html /app/app.js:app/app.js; do
	path=${pair%%:*} file=${pair#*:}
	[[ -f $pub/$file.gz && -f $pub/$file.br ]] || { echo "FAIL $file: no .gz and .br copies in the tree" >&2; failures=$((failures + 1)); continue; }
	encoded "$path" "$file" 'gzip, deflate, br' br
	encoded "$path" "$file" 'gzip' gzip
	encoded "$path" "$file" 'identity' ''
done
if ((br_served == 0)); then
	echo "FAIL brotli_static served no brotli copy ($br_declined declined)" >&2
	failures=$((failures + 1))
else
	echo "ok   brotli copies served $br_served times, declined for gzip $br_declined times"
fi
# Calendar feeds beside the details.
CTYPE='text/calendar; charset=utf-8' check GET /api/rooms/CO1.ics 200 "$(head_of api/rooms/CO1.ics)"
CTYPE='text/calendar; charset=utf-8' check GET /api/courses/CS-305.ics 200 "$(head_of api/courses/CS-305.ics)"
CTYPE='text/calendar; charset=utf-8' check GET /api/studyplans/$plan.ics 200 "$(head_of api/studyplans/$plan.ics)"
check GET /api/rooms/NOPE.ics 404 '{"message":"Room not found"}'
# A body over the limit is refused by nginx, in JSON.
head -c 100000 /dev/zero | tr '\0' 'x' >"$work/big"
check POST /api/rooms/find_free_rooms 413 '{"message":"Request body too large' "${json[@]}" --data-binary @"$work/big"

# nginx's own refusals of a request it cannot read are JSON too.
check GET "/api/rooms/$(head -c 20000 /dev/zero | tr '\0' 'a')" 414 '{"message":"URL too long"}'
raw=$(printf 'GET /api/rooms HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n' | curl -sS --max-time 5 telnet://127.0.0.1:$nginx_port 2>/dev/null | tr -d '\r' || true)
if [[ $raw != "HTTP/1.1 400 "* || $raw != *$'\n''Content-Type: application/json'* || $raw != *'{"message":"Bad request"}'* || $raw != *$'\n''Access-Control-Allow-Origin: *'* ]]; then
	echo "FAIL a request with two Host headers: want a JSON 400 with Access-Control-Allow-Origin, got: $raw" >&2
	failures=$((failures + 1))
else
	echo "ok   two Host headers -> 400 JSON"
fi

# Symbolic links planted in the tree are never followed, whatever they
# point to: a folder outside, a page file, a feed, a precompressed copy.
outside="$work/outside"
mkdir -p "$outside" "$pub/api/rooms/GZLINK"
echo '{"secret":"outside the tree"}' >"$outside/index.json"
echo 'outside' >"$outside/evil.js"
echo 'BEGIN:VCALENDAR outside' >"$outside/evil.ics"
gzip -c "$outside/index.json" >"$outside/index.json.gz"
echo '{"name":"GZLINK"}' >"$pub/api/rooms/GZLINK/index.json"
ln -s "$outside" "$pub/api/rooms/EVIL"
ln -s "$outside/evil.js" "$pub/app/evil.js"
ln -s "$outside/evil.ics" "$pub/api/rooms/EVIL.ics"
ln -s "$outside/index.json.gz" "$pub/api/rooms/GZLINK/index.json.gz"
chmod -R a+rX "$outside" "$pub"
check GET /api/rooms/EVIL 404 '{"message":"Room not found"}'
check GET /app/evil.js 404 '{"message":"Not found"}'
check GET /api/rooms/EVIL.ics 404 '{"message":"Room not found"}'
# (Read whole first: grep -q in a pipe under pipefail can fail the pipe
# when it stops reading early, and hide a match.)
gzlink=$(curl -sS --compressed -H 'Accept-Encoding: gzip' "$base/api/rooms/GZLINK" || true)
if [[ $gzlink == *outside* ]]; then
	echo "FAIL GET /api/rooms/GZLINK (gzip): the linked copy from outside the tree was served" >&2
	failures=$((failures + 1))
else
	echo "ok   GET /api/rooms/GZLINK (gzip): the linked copy is not served"
fi

# The sidecar down: searches get a JSON 503, static files still work.
kill -TERM "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
pids=()
check POST /api/rooms/find_soonest_bookings 503 '{"message":"Search service unavailable' "${json[@]}" -d '{"after_date":"2026-11-26"}'
check GET /api/rooms/CO1 200 "$(head_of api/rooms/CO1/index.json)"

if ((failures > 0)); then
	echo "nginx-test: $failures failures" >&2
	cat "$work/error.log" >&2
	exit 1
fi
echo "nginx-test: all checks passed"
