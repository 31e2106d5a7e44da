#!/usr/bin/env bash
# Checks deploy/nginx.conf in a real nginx before the sidecar and the
# embedded sample built by cmd/build: TestNginx in scripts/integration
# (build tag "integration"), which starts them on loopback ports and checks
# every URL mapping, status, Content-Type, body, precompressed copy, error
# answer and symbolic-link refusal. Exits non-zero on any mismatch.
#
# Usage: scripts/nginx-test.sh [go test flags…]   (from anywhere; needs go;
# installs nginx and its brotli module with apt-get when missing and
# running as root)
#
# Environment: TIMEOUT [10m] (go test -timeout).
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/lib.sh
need_packages nginx-test nginx nginx-light "$nginx_brotli_module" libnginx-mod-http-brotli-static

exec go test -tags integration -count=1 -v -timeout "${TIMEOUT:-10m}" -run '^TestNginx$' "$@" ./scripts/integration
