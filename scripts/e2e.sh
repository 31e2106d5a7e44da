#!/usr/bin/env bash
# End-to-end test of the production setup: real nginx with the shipped
# deploy/nginx.conf before the static tree and TWO sidecars: TestE2E in
# scripts/integration (build tag "integration"). It checks every endpoint
# through nginx, loads both searches with wrk while one sidecar is killed
# (no request may fail), then publishes a new release under load, which
# both sidecars and nginx must serve within $PUBLISH_WITHIN seconds; it
# prints a summary of requests and failures per phase.
#
# Usage: scripts/e2e.sh [go test flags…]   (from anywhere; needs go;
# installs nginx, its brotli module and wrk with apt-get when missing and
# running as root)
#
# Environment (defaults in brackets): DURATION [6s], KILL_AFTER [2],
# PUBLISH_AFTER [1.5], PUBLISH_WITHIN [5], THREADS [2], CONNS [16],
# NGINX_CONF [deploy/nginx.conf] (the configuration under test), all read
# by the test; TIMEOUT [10m] (go test -timeout).
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/lib.sh
need_packages e2e nginx nginx-light wrk wrk "$nginx_brotli_module" libnginx-mod-http-brotli-static

exec go test -tags integration -count=1 -v -timeout "${TIMEOUT:-10m}" -run '^TestE2E$' "$@" ./scripts/integration
