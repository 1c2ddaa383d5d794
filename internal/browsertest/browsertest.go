// Package browsertest is the headless-Chromium harness the browser tests
// share (pkg/web, cmd/yuejuan, functions): finding Debian's chromium,
// starting it, and a Tab that acts, waits, evaluates, photographs and
// collects the page's script exceptions and policy violations. Each test
// package embeds *Tab in a tab type of its own for its sign-in and other
// steps. Only _test files import it, so no binary links chromedp.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ChromiumPath finds the browser: $YUEJUAN_CHROMIUM, Debian's chromium, or
// a chromium on PATH. A missing browser fails the test with the install
// hint; it never skips.
func ChromiumPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("YUEJUAN_CHROMIUM"); p != "" {
		return p
	}
	const p = "/usr/bin/chromium"
	if _, err := os.Stat(p); err != nil {
		if onPath, lerr := exec.LookPath("chromium"); lerr == nil {
			return onPath
		}
		t.Fatalf("the browser tests need Debian's chromium at %s: run `make peers` (infra/peers/debian.sh) "+
			"(apt-get update && apt-get install -y chromium), or set YUEJUAN_CHROMIUM to a Chromium binary: %v", p, err)
	}
	return p
}

// Start starts headless Chromium (exe) for the test; a browser that does
// not start fails the test. It stops when the test ends.
func Start(t testing.TB, exe string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"), // the browser's own widgets (file pickers, date fields) as users see them
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

// Tab is one browser tab. NewTab's tabs each have a browser context of
// their own (their own cookies, so their own user); SameBrowser opens
// another tab sharing one.
type Tab struct {
	T     *testing.T
	Ctx   context.Context
	Name  string
	Shots string // where Shot writes, as <Name>-<shot>.png

	mu sync.Mutex
	// problems are script exceptions and CSP violations: each fails the
	// test at CheckClean.
	problems []string
	dialogs  []string // the types of the dialogs the page opened, in order
}

// Tabber is a test package's own tab type, which embeds *Tab.
type Tabber interface{ BrowserTab() *Tab }

// BrowserTab is tb itself, so that EvalIn and Eval take any type that
// embeds *Tab.
func (tb *Tab) BrowserTab() *Tab { return tb }

// NewTab opens a tab in a new browser context of browser.
func NewTab(t *testing.T, browser context.Context, name, shots string) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return setUp(t, ctx, name, shots)
}

// SameBrowser is a new tab of tb's browser context: its cookies, its user.
func (tb *Tab) SameBrowser(name string) *Tab {
	tb.T.Helper()
	ctx, cancel := chromedp.NewContext(tb.Ctx, chromedp.WithExistingBrowserContext(chromedp.FromContext(tb.Ctx).BrowserContextID))
	tb.T.Cleanup(cancel)
	return setUp(tb.T, ctx, name, tb.Shots)
}

func setUp(t *testing.T, ctx context.Context, name, shots string) *Tab {
	t.Helper()
	tb := &Tab{T: t, Name: name, Ctx: ctx, Shots: shots}
	// The first call on a context makes its tab.
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("%s: enable log: %v", name, err)
	}
	// Users are in China: dates and times as they see them (the server's
	// notice texts are in Beijing time too).
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"}); err != nil {
		t.Fatalf("%s: time zone: %v", name, err)
	}
	// A dialog (the unsaved-input warning) is counted and accepted, so a
	// journey that leaves a page never stalls on it.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.dialogs = append(tb.dialogs, string(ev.Type))
			tb.mu.Unlock()
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
	}()
	// Script errors and policy violations (CSP) fail the test.
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
			tb.Note(fmt.Sprintf("script exception: %s (%s:%d)", msg, d.URL, d.LineNumber))
		}
	}()
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			if e := ev.Entry; e.Source == cdplog.EntrySourceSecurity || strings.Contains(e.Text, "Content Security Policy") {
				tb.Note("security: " + e.Text)
			}
		}
	}()
	return tb
}

// Note records a problem for CheckClean to report.
func (tb *Tab) Note(s string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.problems = append(tb.problems, s)
}

// CheckClean fails the test for each script exception or policy violation
// since the last check.
func (tb *Tab) CheckClean() {
	tb.T.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, p := range tb.problems {
		tb.T.Errorf("%s tab: %s", tb.Name, p)
	}
	tb.problems = nil
}

// Dialogs are the types of the dialogs the page opened so far, in order.
func (tb *Tab) Dialogs() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.dialogs...)
}

// Do runs the actions; a failure photographs the page and fails the test
// with where the tab was and what the page said.
func (tb *Tab) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.T.Helper()
	ctx, cancel := context.WithTimeout(tb.Ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.Shot("failed-" + slug(what))
		href, _ := EvalIn[string](tb, `location.href`)
		tb.T.Fatalf("%s: %s: %v (at %s); the page says:\n%s", tb.Name, what, err, href, tb.pageText())
	}
}

func slug(s string) string { return strings.NewReplacer(" ", "-", "/", "", "'", "").Replace(s) }

// pageText is what the page says: its main element's text, or the body's.
func (tb *Tab) pageText() string {
	s, _ := EvalIn[string](tb, `document.querySelector('main') ? document.querySelector('main').innerText : (document.body ? document.body.innerText : '')`)
	return s
}

// Wait polls the JavaScript expression until it is truthy. It evaluates
// afresh each time, so it survives navigations.
func (tb *Tab) Wait(what, expr string, timeout time.Duration) {
	tb.T.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ok, err := EvalIn[bool](tb, "!!("+expr+")")
		if err == nil && ok {
			return
		}
		lastErr = err
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Shot("timeout-" + slug(what))
	href, _ := EvalIn[string](tb, `location.href`)
	tb.T.Fatalf("%s: timed out after %v waiting for %s at %s (last error: %v)\npage text:\n%s", tb.Name, timeout, what, href, lastErr, tb.pageText())
}

// EvalIn evaluates the JavaScript expression in tb's page, awaiting it if
// it is a promise.
func EvalIn[T any](tb Tabber, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(tb.BrowserTab().Ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// Eval is EvalIn that fails the test on an error.
func Eval[T any](tb Tabber, expr string) T {
	b := tb.BrowserTab()
	b.T.Helper()
	v, err := EvalIn[T](b, expr)
	if err != nil {
		b.T.Fatalf("%s: evaluate %s: %v", b.Name, expr, err)
	}
	return v
}

// Text is the text of the first element sel selects, or "".
func (tb *Tab) Text(sel string) string {
	tb.T.Helper()
	return Eval[string](tb, fmt.Sprintf(`(function(){var n=document.querySelector(%q);return n?n.textContent:''})()`, sel))
}

// Shot saves a full-page screenshot as Shots/<Name>-<name>.png; a failure
// is logged, not fatal, since it is evidence, not a check.
func (tb *Tab) Shot(name string) {
	ctx, cancel := context.WithTimeout(tb.Ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.T.Logf("%s: screenshot %s: %v", tb.Name, name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(tb.Shots, tb.Name+"-"+name+".png"), png, 0o644); err != nil {
		tb.T.Logf("save screenshot: %v", err)
	}
}

// Viewport is a desktop window, or a phone at 400 px or less.
func (tb *Tab) Viewport(w, h int64) {
	tb.T.Helper()
	if w <= 400 {
		tb.Do("viewport", chromedp.EmulateViewport(w, h, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	} else {
		tb.Do("viewport", chromedp.EmulateViewport(w, h, chromedp.EmulateScale(1)))
	}
}

// NoHorizontalScroll asserts the page fits a phone's width (375 px).
func (tb *Tab) NoHorizontalScroll(page string) {
	tb.T.Helper()
	sw := Eval[int](tb, `document.documentElement.scrollWidth`)
	if sw > 375 {
		wide := Eval[string](tb, `Array.from(document.querySelectorAll('body *')).filter(function(n){var r=n.getBoundingClientRect();return r.right>376}).slice(0,5).map(function(n){return n.tagName+'#'+n.id+'.'+n.className+' '+Math.round(n.getBoundingClientRect().right)}).join(', ')`)
		tb.T.Errorf("%s at 375 px: document scrollWidth %d > 375 (too wide: %s)", page, sw, wide)
	}
}

// Cookie is the tab's cookie name for url with a value, or nil: the
// browser's own view, HttpOnly ones included, not the page's.
func (tb *Tab) Cookie(url, name string) *network.Cookie {
	tb.T.Helper()
	res, err := chromedp.Call(tb.Ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	if err != nil {
		tb.T.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == name && c.Value != "" {
			return c
		}
	}
	return nil
}

// ShotsDir is where a test's screenshots go: $YUEJUAN_ARTIFACTS/<name>,
// or a temporary directory; either is logged.
func ShotsDir(t testing.TB, name string) string {
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
