package main

// Headless Chromium for the tests that drive the real `yuejuan serve`
// through its pages, started as pkg/web's browser tests start it (Debian's
// chromium, installed by `make peers`; YUEJUAN_CHROMIUM names another).

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser; a missing browser fails the test with the
// install hint, it never skips.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("YUEJUAN_CHROMIUM"); p != "" {
		return p
	}
	const p = "/usr/bin/chromium"
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("this test needs Debian's chromium at %s: run `make peers` (infra/peers/debian.sh) "+
			"(apt-get update && apt-get install -y chromium), or set YUEJUAN_CHROMIUM to a Chromium binary: %v", p, err)
	}
	return p
}

// startBrowser starts headless Chromium for the test.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v (install it with `make peers`)", exe, err)
	}
	return browserCtx
}

// shotsDir is where a test's screenshots go: $YUEJUAN_ARTIFACTS/<name>, or
// a temporary directory (logged).
func shotsDir(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("YUEJUAN_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else {
		dir = filepath.Join(dir, name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s", dir)
	return dir
}

// tab is one browser tab. Tabs made by newTab have cookies of their own
// (one user each); sameBrowser opens another tab sharing them.
type tab struct {
	t     *testing.T
	name  string
	ctx   context.Context
	shots string
	mu    sync.Mutex
	// problems are script exceptions and CSP violations: each fails the
	// test at checkClean.
	problems []string
}

func newTab(t *testing.T, browserCtx context.Context, name, shots string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return setUpTab(t, ctx, name, shots)
}

// sameBrowser is a new tab of tb's browser context: its cookies, its user.
func (tb *tab) sameBrowser(name string) *tab {
	tb.t.Helper()
	ctx, cancel := chromedp.NewContext(tb.ctx, chromedp.WithExistingBrowserContext(chromedp.FromContext(tb.ctx).BrowserContextID))
	tb.t.Cleanup(cancel)
	return setUpTab(tb.t, ctx, name, tb.shots)
}

func setUpTab(t *testing.T, ctx context.Context, name, shots string) *tab {
	t.Helper()
	tb := &tab{t: t, name: name, ctx: ctx, shots: shots}
	// The first call on a context makes its tab.
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("%s: enable log: %v", name, err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"}); err != nil {
		t.Fatalf("%s: time zone: %v", name, err)
	}
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	entries := chromedp.Events(ctx, cdplog.EntryAdded)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			tb.note(fmt.Sprintf("script exception: %s (%s:%d)", msg, d.URL, d.LineNumber))
		}
	}()
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			if e := ev.Entry; e.Source == cdplog.EntrySourceSecurity || strings.Contains(e.Text, "Content Security Policy") {
				tb.note("security: " + e.Text)
			}
		}
	}()
	return tb
}

func (tb *tab) note(s string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.problems = append(tb.problems, s)
}

func (tb *tab) checkClean() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, p := range tb.problems {
		tb.t.Errorf("%s tab: %s", tb.name, p)
	}
	tb.problems = nil
}

func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.shot("failed-" + slug(what))
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

func slug(s string) string { return strings.NewReplacer(" ", "-", "/", "", "'", "").Replace(s) }

// wait polls the JavaScript expression until it is truthy; it evaluates
// afresh each time, so it survives navigations.
func (tb *tab) wait(what, expr string, timeout time.Duration) {
	tb.t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ok, err := evalIn[bool](tb, "!!("+expr+")")
		if err == nil && ok {
			return
		}
		lastErr = err
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.shot("timeout-" + slug(what))
	body, _ := evalIn[string](tb, `document.body ? document.body.innerText : ''`)
	tb.t.Fatalf("%s: timed out waiting for %s (last error: %v)\npage text:\n%s", tb.name, what, lastErr, body)
}

func evalIn[T any](tb *tab, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := evalIn[T](tb, expr)
	if err != nil {
		tb.t.Fatalf("%s: evaluate %s: %v", tb.name, expr, err)
	}
	return v
}

// value is the value of the form field sel.
func (tb *tab) value(sel string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(function(){var n=document.querySelector(%q);return n?n.value:'(no field)'})()`, sel))
}

// shot saves a full-page screenshot.
func (tb *tab) shot(name string) {
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Logf("%s: screenshot %s: %v", tb.name, name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(tb.shots, tb.name+"-"+name+".png"), png, 0o644); err != nil {
		tb.t.Logf("save screenshot: %v", err)
	}
}

// viewport is a desktop window, or a phone at 375 px or less.
func (tb *tab) viewport(w, h int64) {
	tb.t.Helper()
	if w <= 400 {
		tb.do("viewport", chromedp.EmulateViewport(w, h, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	} else {
		tb.do("viewport", chromedp.EmulateViewport(w, h, chromedp.EmulateScale(1)))
	}
}

// cookie is the value of the tab's cookie name for url (HttpOnly ones
// included: the browser's own view, not the page's).
func (tb *tab) cookie(url, name string) string {
	tb.t.Helper()
	res, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	if err != nil {
		tb.t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}
