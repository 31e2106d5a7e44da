// Package integration holds the checks that run the shipped
// deploy/nginx.conf in a real nginx (Debian's, with its brotli_static
// module) before real sidecars serving a tree built by cmd/build:
//
//   - TestNginx: every URL mapping, status, Content-Type, body,
//     precompressed copy, error answer and symbolic-link refusal of the
//     configuration, and the searches' 503 when the sidecar is down;
//   - TestE2E: nginx before two sidecars, every endpoint, then load with wrk
//     while one sidecar is killed (no request may fail), and a release
//     published under load that both sidecars and nginx must serve within
//     $PUBLISH_WITHIN seconds.
//
// The tests build the commands themselves, take free loopback ports, and
// stop every process they start and remove every file they write. They are
// behind the "integration" build tag, so that go test ./... needs no nginx;
// scripts/nginx-test.sh and scripts/e2e.sh install what they need (nginx,
// the brotli module, wrk) and run them:
//
//	go test -tags integration -count=1 -v -run '^TestNginx$' ./scripts/integration
//	DURATION=6s go test -tags integration -count=1 -v -run '^TestE2E$' ./scripts/integration
//
// A missing nginx, module or wrk fails the test, naming the Debian package
// to install; no check skips itself.
package integration
