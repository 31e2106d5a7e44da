// Package integration holds the checks that run the shipped
// deploy/nginx.conf in a real nginx (Debian's, with its brotli_static
// module) before real sidecars serving a tree built by cmd/build:
//
//   - TestNginx: every URL mapping, status, Content-Type, body,
//     precompressed copy, error answer and symbolic-link refusal of the
//     configuration, the change feed's URLs (its files placed in the
//     built tree by hand) answered alike by a sidecar serving the same
//     tree, and the searches' 503 when the sidecar is down;
//   - TestE2E: nginx before two sidecars, every endpoint, then load with wrk
//     while one sidecar is killed (no request may fail), and a release
//     published under load that both sidecars and nginx must serve within
//     $PUBLISH_WITHIN seconds;
//   - TestS3Build: bin/build -s3 against a real S3 server (missing bucket
//     and secret, first upload, the same release, a modified release whose
//     uploads are the manifest diff, a build killed during its upload and
//     its re-run), then a sidecar following the bucket's snapshot URL.
//     scripts/s3-test.sh starts the server and runs it with
//     OCCUPANCY_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
//     set; without them it fails.
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
