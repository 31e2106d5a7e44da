//go:build browser

package browser

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var (
	baseURL    = flag.String("base", "", "URL of a sidecar serving the sample built without -rfc3339 (required)")
	baseRFC    = flag.String("base-rfc3339", "", "URL of a sidecar serving the sample built with -rfc3339 (optional; its tests are skipped without it)")
	nginxURL   = flag.String("nginx", "", "URL of the shipped deploy/nginx.conf before the -base sidecar's tree (required by TestThroughNginx)")
	chromium   = flag.String("chromium", "/usr/bin/chromium", "the browser to drive")
	artifacts  = flag.String("artifacts", "../../test-artifacts", "folder for the screenshots")
	updateDocs = flag.Bool("update-docs", false, "also write the free-now page at desktop size to docs/free-now.png")
)

// browserCtx is the shared browser; each test opens its own tabs in it.
var browserCtx context.Context

func TestMain(m *testing.M) {
	flag.Parse()
	if *baseURL == "" {
		fmt.Fprintln(os.Stderr, "browser tests: -base is required; run scripts/browser-test.sh")
		os.Exit(2)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	profile, err := os.MkdirTemp("", "occupancy-chromium-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser tests:", err)
		return 1
	}
	defer removeAll(profile)
	// The flags that keep Chromium from reaching out to a closed network
	// (without them it hangs here), as root, without a GPU.
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(*chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(profile),
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }() // starts the browser (no timeout on this context)
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintf(os.Stderr, "browser tests: start %s: %v\n", *chromium, err)
			return 1
		}
	case <-time.After(60 * time.Second):
		fmt.Fprintf(os.Stderr, "browser tests: %s did not start within 60s\n", *chromium)
		return 1
	}
	browserCtx = ctx
	if err := os.MkdirAll(*artifacts, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "browser tests:", err)
		return 1
	}
	return m.Run()
}

func removeAll(dir string) {
	// Chromium's children may still write for a moment after it exits.
	for range 50 {
		if err := os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// size is a viewport.
type size struct {
	name          string
	width, height int64
	mobile        bool
}

var (
	phone   = size{"phone", 360, 740, true}
	desktop = size{"desktop", 1280, 800, false}
)

// tab is one page open in the browser, with what its console reported.
type tab struct {
	t   *testing.T
	ctx context.Context
	url string

	mu       sync.Mutex
	problems []string // console errors and warnings, uncaught exceptions
	network  []string // failed loads Chromium logs as errors (404s, …)
}

// open opens base+"/"+suffix (suffix is "#/free?now=…" or "?api=…#/…") in a
// new tab of the given size and time zone ("" = the machine's), and waits
// until the page has rendered its route.
func open(t *testing.T, base string, sz size, zone, suffix string) *tab {
	t.Helper()
	tctx, cancelT := context.WithTimeout(browserCtx, 90*time.Second)
	ctx, cancel := chromedp.NewContext(tctx)
	t.Cleanup(func() { cancel(); cancelT() })
	tb := &tab{t: t, ctx: ctx, url: base + "/" + suffix}
	if err := chromedp.Listen(ctx, tb.event); err != nil {
		t.Fatalf("listen: %v", err)
	}
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, log.Enable, cdp.Empty{})
			return err
		}),
	}
	if sz.mobile {
		steps = append(steps, chromedp.EmulateViewport(sz.width, sz.height, chromedp.EmulateMobile, chromedp.EmulateTouch))
	} else {
		steps = append(steps, chromedp.EmulateViewport(sz.width, sz.height))
	}
	if zone != "" {
		steps = append(steps, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
			return err
		}))
	}
	steps = append(steps, chromedp.Navigate(tb.url))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("open %s: %v", tb.url, err)
	}
	tb.wait(`document.documentElement.dataset.ready === "true"`)
	return tb
}

func (tb *tab) event(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, a.Description+string(a.Value))
			}
			tb.problems = append(tb.problems, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		tb.problems = append(tb.problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			tb.network = append(tb.network, fmt.Sprintf("%s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		} else if ev.Entry.Level == log.EntryLevelWarning && ev.Entry.Source != log.EntrySourceNetwork {
			tb.problems = append(tb.problems, fmt.Sprintf("log warning (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

// clean fails the test when the page reported console errors, warnings or
// exceptions; with network, failed loads count too.
func (tb *tab) clean(network bool) {
	tb.t.Helper()
	time.Sleep(50 * time.Millisecond) // let the last events arrive
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, p := range tb.problems {
		tb.t.Errorf("%s: %s", tb.url, p)
	}
	if network {
		for _, p := range tb.network {
			tb.t.Errorf("%s: %s", tb.url, p)
		}
	}
}

// wait polls a JavaScript expression until it is truthy.
func (tb *tab) wait(expr string) {
	tb.t.Helper()
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		body, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 2000) : ""`))
		tb.t.Fatalf("%s: waiting for %s: %v\npage text:\n%s", tb.url, expr, err, body)
	}
}

// do runs actions in the tab.
func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", tb.url, err)
	}
}

// eval evaluates a JavaScript expression into T.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("%s: evaluate %s: %v", tb.url, expr, err)
	}
	return v
}

// shot writes a screenshot of the whole page to the artifacts folder.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("%s: screenshot: %v", tb.url, err)
	}
	if err := os.WriteFile(filepath.Join(*artifacts, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// noHorizontalScroll fails when the page is wider than the viewport.
func (tb *tab) noHorizontalScroll(what string) {
	tb.t.Helper()
	w := eval[[]int](tb, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
	if w[0] > w[1] {
		wide := eval[string](tb, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join('; ')`)
		tb.t.Errorf("%s: horizontal scroll: scrollWidth %d > clientWidth %d (widest: %s)", what, w[0], w[1], wide)
	}
}

// noStrayText fails when the page's text shows "null", "undefined",
// "NaN" or "[object …]": a value written where a node or text was meant.
func (tb *tab) noStrayText(what string) {
	tb.t.Helper()
	if stray := eval[string](tb, `(document.querySelector('main').innerText.match(/\b(null|undefined|NaN)\b|\[object \w+\]/) || [''])[0]`); stray != "" {
		tb.t.Errorf("%s: the page shows %q", what, stray)
	}
}
