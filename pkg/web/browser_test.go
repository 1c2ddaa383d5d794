package web_test

// The browser test: the real server in-process, Debian's chromium driven
// with chromedp, and the three users doing their work through the pages: a
// clerk registers a case and uploads scans by volume, a lawyer applies (a
// bad application first, to see every problem at once), the clerk approves,
// the lawyer downloads, the auditor finds the download, exports the log and
// verifies it. Every page is photographed at 375×812 and 1280×800.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/server"
)

const license = "11101201910012345"

// chromiumPath finds the browser; a missing browser fails the test with the
// install hint, it never skips.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("YUEJUAN_CHROMIUM"); p != "" {
		return p
	}
	const p = "/usr/bin/chromium"
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the browser tests need Debian's chromium at %s: run `make peers` (infra/peers/debian.sh) "+
			"(apt-get update && apt-get install -y chromium), or set YUEJUAN_CHROMIUM to a Chromium binary: %v", p, err)
	}
	return p
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer runs the all-in-one server on an httptest listener whose
// address is also the public URL, so signed upload and download URLs point
// back at it. Each adjust runs on the server before it serves.
func startServer(t *testing.T, adjust ...func(*server.Server)) (*server.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	env := map[string]string{
		"YUEJUAN_DATA":       t.TempDir(),
		"YUEJUAN_ADDR":       addr,
		"YUEJUAN_PUBLIC_URL": "http://" + addr,
		"YUEJUAN_OCR":        "off", // recognition has its own tests
	}
	for _, f := range serverEnv {
		for k, v := range f(t, "http://"+addr) {
			env[k] = v
		}
	}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	s, err := server.New(cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range adjust {
		f(s)
	}
	servers.Store("http://"+addr, s)
	hs := httptest.NewUnstartedServer(s.Handler())
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		s.Queue.Close()
		if t.Failed() {
			t.Logf("server log (warnings and errors):\n%s", logs.String())
		}
	})
	return s, "http://" + addr
}

// serverEnv adds settings to a test's server, given its public URL (the
// single sign-on journey's external provider, browser_sso_test.go).
var serverEnv []func(t *testing.T, base string) map[string]string

// servers finds a test's server by its URL, for tab.signIn.
var servers sync.Map

// token mints a developer token for id: the tests that call the API
// directly use it, and tab.signIn signs in as its identity.
// apiCaller returns a call of the API at base as the holder of tok (none for
// a signed upload URL): body is JSON, or an upload's bytes; a status other
// than want fails the test; the answer is decoded into out when given.
func apiCaller(t *testing.T, base string) func(tok, method, path string, body any, want int, out any) {
	return func(tok, method, path string, body any, want int, out any) {
		t.Helper()
		var rd io.Reader
		if raw, ok := body.([]byte); ok {
			rd = bytes.NewReader(raw)
		} else if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, raw)
		}
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func token(t *testing.T, s *server.Server, id auth.Identity) string {
	t.Helper()
	tok, err := s.Auth.Issue(id, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tab is one browser tab in a browser context of its own (its own
// cookies, so its own user).
type tab struct {
	t         *testing.T
	name      string
	ctx       context.Context
	base      string
	artifacts string
	mu        sync.Mutex
	problems  []string
	dialogs   []string // the types of the dialogs the page opened, in order
}

func newTab(t *testing.T, browserCtx context.Context, name, base, artifacts string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, name: name, ctx: ctx, base: base, artifacts: artifacts}
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
			tb.note(fmt.Sprintf("script exception: %s (%s:%d)", msg, d.URL, d.LineNumber))
		}
	}()
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			e := ev.Entry
			if e.Source == cdplog.EntrySourceSecurity || strings.Contains(e.Text, "Content Security Policy") {
				tb.note(fmt.Sprintf("security: %s", e.Text))
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
		tb.shot("failed-" + strings.NewReplacer(" ", "-", "/", "").Replace(what))
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

// wait polls the JavaScript expression until it is truthy. It evaluates
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
	tb.shot("timeout-" + strings.NewReplacer(" ", "-", "/", "").Replace(what))
	body, _ := evalIn[string](tb, `document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText`)
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

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(function(){var n=document.querySelector(%q);return n?n.textContent:''})()`, sel))
}

// shot saves a full-page screenshot into the artifacts dir.
func (tb *tab) shot(name string) {
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Logf("%s: screenshot %s: %v", tb.name, name, err)
		return
	}
	p := filepath.Join(tb.artifacts, tb.name+"-"+name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.t.Logf("save screenshot: %v", err)
	}
}

func (tb *tab) viewport(w, h int64) {
	tb.t.Helper()
	if w <= 400 {
		tb.do("viewport", chromedp.EmulateViewport(w, h, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	} else {
		tb.do("viewport", chromedp.EmulateViewport(w, h, chromedp.EmulateScale(1)))
	}
}

// noHorizontalScroll asserts the page fits a phone's width.
func (tb *tab) noHorizontalScroll(page string) {
	tb.t.Helper()
	sw := eval[int](tb, `document.documentElement.scrollWidth`)
	if sw > 375 {
		wide := eval[string](tb, `Array.from(document.querySelectorAll('body *')).filter(function(n){var r=n.getBoundingClientRect();return r.right>376}).slice(0,5).map(function(n){return n.tagName+'#'+n.id+'.'+n.className+' '+Math.round(n.getBoundingClientRect().right)}).join(', ')`)
		tb.t.Errorf("%s at 375 px: document scrollWidth %d > 375 (too wide: %s)", page, sw, wide)
	}
}

// signIn signs in as tok's identity the way a user does: the start page's
// button, the provider's form, back on page. The token only says who: the
// account is made in the server's directory with a test password.
func (tb *tab) signIn(tok, page string) {
	tb.t.Helper()
	v, _ := servers.Load(tb.base)
	s := v.(*server.Server)
	id, err := s.Auth.Verify(context.Background(), tok)
	if err != nil {
		tb.t.Fatal(err)
	}
	tb.signInAs(id.Subject, accountFor(tb.t, s, id), page)
}

// testPassword is every test account's own password.
const testPassword = "test-password-1"

// accountFor makes id's account (once), its password already chosen.
func accountFor(t *testing.T, s *server.Server, id auth.Identity) string {
	t.Helper()
	ctx := context.Background()
	_, err := s.Accounts.Add(ctx, account.Account{Username: id.Subject, Name: id.Name, Role: id.Role, Unit: id.Unit}, "one-time-password", account.Actor{Subject: "test"})
	if errors.Is(err, account.ErrExists) {
		return testPassword
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Accounts.SetPassword(ctx, id.Subject, testPassword, account.Actor{Subject: id.Subject}); err != nil {
		t.Fatal(err)
	}
	return testPassword
}

// signInAs goes from the start page through the provider's form.
func (tb *tab) signInAs(user, password, page string) {
	tb.t.Helper()
	tb.do("open the start page", chromedp.Navigate(tb.base+"/"), chromedp.WaitVisible(chromedp.CSS("#signin-start")))
	tb.do("sign in",
		chromedp.Click(chromedp.CSS("#signin-start")),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SetValue(chromedp.CSS("#username"), user),
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin-submit")),
	)
	tb.wait("the "+page+" page", fmt.Sprintf(`location.pathname === %q && document.querySelector('#who') && document.querySelector('#who').textContent !== ''`, page), 20*time.Second)
}

func artifactsDir(t *testing.T) string {
	dir := os.Getenv("YUEJUAN_ARTIFACTS")
	if dir == "" {
		var err error
		dir, err = os.MkdirTemp("", "yuejuan-web-artifacts-")
		if err != nil {
			t.Fatal(err)
		}
	} else {
		dir = filepath.Join(dir, "web")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots and downloads: %s", dir)
	return dir
}

// startBrowser starts headless Chromium for the test; a browser that does
// not start fails the test.
func startBrowser(t *testing.T, exe string) context.Context {
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

// browserEnv is what the browser tests share: one server (the PDF library
// is configured once per process, for one data dir) and one browser.
type browserEnv struct {
	s         *server.Server
	base      string
	artifacts string
	browser   context.Context
	// shift moves the service's clock on (API.Now).
	shift *atomic.Int64
}

func TestBrowser(t *testing.T) {
	exe := chromiumPath(t)
	var shift atomic.Int64
	s, base := startServer(t, func(s *server.Server) {
		s.API.Now = func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }
	})
	e := &browserEnv{s: s, base: base, artifacts: artifactsDir(t), shift: &shift}
	e.browser = startBrowser(t, exe)
	t.Run("applications", func(t *testing.T) { testApplications(t, e) })
	t.Run("lawyer service", func(t *testing.T) { testLawyerService(t, e) })
	t.Run("held dossier", func(t *testing.T) { testHeldDossier(t, e) })
	t.Run("materials", func(t *testing.T) { testMaterials(t, e) })
	t.Run("renew link", func(t *testing.T) { testRenewLink(t, e) })
	t.Run("versions", func(t *testing.T) { testVersions(t, e) })
	t.Run("clerk desk", func(t *testing.T) { testClerkDesk(t, e) })
	t.Run("desk documents", func(t *testing.T) { testDeskDocuments(t, e) })
	t.Run("desk correction", func(t *testing.T) { testDeskCorrection(t, e) })
	t.Run("lawyer identity", func(t *testing.T) { testLawyerIdentity(t, e) })
	t.Run("auditor filter", func(t *testing.T) { testAuditorFilter(t, e) })
	t.Run("beijing times", func(t *testing.T) { testBeijingTimes(t, e) })
	t.Run("sign-in", func(t *testing.T) { testSignIn(t, e) })
	t.Run("single sign-on", func(t *testing.T) { testSSOSignIn(t, e) })
	t.Run("administrator and two-step", func(t *testing.T) { testAdminTOTP(t, e) })
	t.Run("find a case", func(t *testing.T) { testFindCase(t, e) })
	t.Run("dossier search", func(t *testing.T) { testDossierSearch(t, e) })
	t.Run("unsaved input", func(t *testing.T) { testUnsavedInput(t, e) })
	t.Run("accessibility", func(t *testing.T) { testAccessibility(t, e) })
}

// testApplications: a clerk registers a case and uploads scans, a lawyer
// applies (badly first), the clerk approves, the lawyer downloads and reads
// the notices, the auditor finds the download, exports and verifies.
func testApplications(t *testing.T, e *browserEnv) {
	s, base, artifacts, browserCtx := e.s, e.base, e.artifacts, e.browser
	clerkTok := token(t, s, auth.Identity{Subject: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: "市检察院"})
	lawyerTok := token(t, s, auth.Identity{Subject: license, Name: "张律师", Role: auth.Lawyer})
	auditorTok := token(t, s, auth.Identity{Subject: "audit01", Name: "李审计", Role: auth.Auditor})

	// Files the users pick.
	files := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	scan1 := write("scan-1.pdf", testpdf.Text("WEB-SCAN-ONE"))
	scan2 := write("scan-2.pdf", testpdf.Text("WEB-SCAN-TWO"))
	notes := write("notes.txt", []byte("this is not a scan"))
	cert := write("cert.pdf", testpdf.Text("CERTIFICATE"))
	firm := write("firm.pdf", testpdf.Text("FIRM LETTER"))
	poa := write("poa.pdf", testpdf.Text("POWER OF ATTORNEY"))

	// ---- the clerk registers a case -------------------------------------------------
	clerk := newTab(t, browserCtx, "clerk", base, artifacts)
	clerk.viewport(1280, 800)
	clerk.signIn(clerkTok, "/clerk")
	clerk.wait("the empty queue", `document.querySelector('#queue li.muted') && !/加载中/.test(document.querySelector('#queue').textContent)`, 10*time.Second)
	// An empty registration shows every problem next to its field.
	clerk.do("submit an empty case", chromedp.Click(chromedp.CSS("#case-submit")))
	clerk.wait("case field errors", `document.querySelector('#case-form [data-error-for="caseNo"]:not([hidden])')`, 10*time.Second)
	for _, f := range []string{"caseNo", "title", "handler", "defendants"} {
		if msg := clerk.text(fmt.Sprintf(`#case-form [data-error-for="%s"]`, f)); strings.TrimSpace(msg) == "" {
			t.Errorf("registering an empty case: no error shown for %s", f)
		}
	}
	const caseNo = "京检刑诉〔2026〕88号"
	clerk.do("register a case",
		chromedp.SetValue(chromedp.CSS("#c-caseNo"), caseNo),
		chromedp.SetValue(chromedp.CSS("#c-title"), "张某某盗窃案"),
		chromedp.SetValue(chromedp.CSS("#c-defendants"), "张某某\n李某"),
		chromedp.SetValue(chromedp.CSS("#c-handler-name"), "刘检察官"),
		chromedp.SetValue(chromedp.CSS("#c-handler-phone"), "010-12345678"),
		chromedp.Click(chromedp.CSS("#case-submit")),
	)
	clerk.wait("the case to be registered", `!document.querySelector('#case-ok').hidden && document.querySelector('#case-select').value !== ''`, 10*time.Second)
	if msg := clerk.text("#case-ok"); !strings.Contains(msg, caseNo) {
		t.Errorf("registration notice %q does not name the case", msg)
	}

	// ---- ...and uploads scans by volume, in paper order ---------------------------------
	clerk.do("choose the scans",
		chromedp.SetValue(chromedp.CSS("#volume"), "1"),
		chromedp.SetValue(chromedp.CSS("#volume-title"), "诉讼文书卷"),
		chromedp.SetUploadFiles(chromedp.CSS("#scan-files"), []string{scan1, scan2, notes}),
	)
	clerk.wait("three files listed", `document.querySelectorAll('#files li').length === 3`, 10*time.Second)
	order := func() string {
		return eval[string](clerk, `Array.from(document.querySelectorAll('#files li')).map(function(li){return li.querySelector('.seq').textContent+':'+li.querySelector('.meta').textContent.split(' · ')[0]}).join(' ')`)
	}
	if got := order(); got != "1:scan-1.pdf 2:scan-2.pdf 3:notes.txt" {
		t.Fatalf("files listed as %q", got)
	}
	clerk.do("move the first file down", chromedp.Click(chromedp.CSS(`#files li:first-child .down`)))
	if got := order(); got != "1:scan-2.pdf 2:scan-1.pdf 3:notes.txt" {
		t.Errorf("after ↓ the order is %q", got)
	}
	// Drag the last file above the first (HTML5 drag and drop events).
	eval[bool](clerk, `(function(){
		var lis = document.querySelectorAll('#files li'), src = lis[2], dst = lis[0], dt = new DataTransfer();
		src.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
		var r = dst.getBoundingClientRect(), at = {bubbles: true, cancelable: true, dataTransfer: dt, clientX: r.left + 10, clientY: r.top + 3};
		dst.dispatchEvent(new DragEvent('dragover', at));
		dst.dispatchEvent(new DragEvent('drop', at));
		src.dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: dt}));
		return true })()`)
	if got := order(); got != "1:notes.txt 2:scan-2.pdf 3:scan-1.pdf" {
		t.Errorf("after dragging the last file to the top the order is %q", got)
	}
	clerk.shot("upload-ordered-1280")
	clerk.do("upload", chromedp.Click(chromedp.CSS("#upload-start")))
	clerk.wait("every file's verdict", `(function(){var l=document.querySelectorAll('#files li');return l.length===3&&Array.from(l).every(function(li){return ['accepted','rejected','failed'].indexOf(li.dataset.phase)>=0})})()`, 90*time.Second)
	verdicts := eval[string](clerk, `Array.from(document.querySelectorAll('#files li')).map(function(li){return li.querySelector('.meta').textContent.split(' · ')[0]+'='+li.dataset.phase}).join(' ')`)
	if verdicts != "notes.txt=rejected scan-2.pdf=accepted scan-1.pdf=accepted" {
		t.Fatalf("verdicts %q, want the text file rejected and both scans accepted", verdicts)
	}
	if reason := clerk.text(`#files li[data-phase="rejected"] .file-state`); !strings.Contains(reason, "已退回") || len([]rune(reason)) < 8 {
		t.Errorf("a rejected file must say why, got %q", reason)
	}
	if got := clerk.text(`#files li[data-phase="accepted"] .file-state`); !strings.Contains(got, "1 页") {
		t.Errorf("an accepted file shows %q, want its page count", got)
	}
	toc := eval[string](clerk, `Array.from(document.querySelectorAll('#toc tbody tr')).map(function(tr){return tr.cells[0].textContent+':'+tr.cells[2].textContent+':'+tr.dataset.status}).join(' ')`)
	if toc != "1:notes.txt:rejected 2:scan-2.pdf:accepted 3:scan-1.pdf:accepted" {
		t.Errorf("volume index preview %q", toc)
	}
	clerk.shot("uploaded-1280")

	// ---- the lawyer, on a phone, applies: first badly, then properly --------------------
	lawyer := newTab(t, browserCtx, "lawyer", base, artifacts)
	lawyer.viewport(375, 812)
	lawyer.signIn(lawyerTok, "/lawyer")
	if got := eval[string](lawyer, `document.querySelector('#lawyer-license').value`); got != license {
		t.Errorf("the certificate number is not prefilled from the sign-in: %q", got)
	}
	lawyer.do("submit a bad application",
		chromedp.SetValue(chromedp.CSS("#caseNo"), caseNo),
		chromedp.SetValue(chromedp.CSS("#client"), "王某"),
		chromedp.SetValue(chromedp.CSS("#lawyer-license"), "123"),
		chromedp.Click(chromedp.CSS("#apply-submit")),
	)
	lawyer.wait("field errors", `document.querySelector('#apply [data-error-for="lawyer.license"]:not([hidden])')`, 15*time.Second)
	for _, f := range []string{"client", "lawyer.license", "lawyer.firm", "lawyer.phone", "attachments.practice_certificate", "attachments.firm_letter", "attachments.authority"} {
		msg := lawyer.text(fmt.Sprintf(`#apply [data-error-for="%s"]`, f))
		if strings.TrimSpace(msg) == "" {
			t.Errorf("the bad application shows no error next to %s", f)
		}
		if strings.Contains(msg, "(") {
			t.Errorf("the Chinese page shows the English half of the message next to %s: %q", f, msg)
		}
	}
	// Each missing document is named once, at its slot (issue 16, defect 6).
	if n := eval[int](lawyer, `document.querySelectorAll('#apply .attach [data-error-for^="attachments."] div').length`); n != 3 {
		t.Errorf("the bad application lists %d missing documents at their slots, want 3", n)
	}
	if eval[bool](lawyer, `document.querySelector('#lawyer-license').getAttribute('aria-invalid') !== 'true'`) {
		t.Error("the invalid field is not marked aria-invalid")
	}
	lawyer.noHorizontalScroll("lawyer page with errors")
	lawyer.shot("errors-375")

	lawyer.do("fill the application",
		chromedp.SetValue(chromedp.CSS("#client"), "张某某"),
		chromedp.SetValue(chromedp.CSS("#lawyer-license"), license),
		chromedp.SetValue(chromedp.CSS("#lawyer-firm"), "北京某某律师事务所"),
		chromedp.SetValue(chromedp.CSS("#lawyer-phone"), "13800000000"),
		chromedp.SetUploadFiles(chromedp.CSS("#att-practice_certificate"), []string{cert}),
		chromedp.SetUploadFiles(chromedp.CSS("#att-firm_letter"), []string{firm}),
		chromedp.SetUploadFiles(chromedp.CSS("#att-authority"), []string{poa}),
	)
	lawyer.wait("three documents uploaded", `document.querySelectorAll('.attach .file-state.ok').length === 3`, 30*time.Second)
	if got := lawyer.text(`.attach[data-slot="firm_letter"] .file-state`); !strings.Contains(got, "firm.pdf") || !strings.Contains(got, "PDF · 1 页") {
		t.Errorf("upload state %q should name the file and its checked type", got)
	}
	lawyer.shot("documents-375")
	lawyer.do("submit the application", chromedp.Click(chromedp.CSS("#apply-submit")))
	lawyer.wait("the submitted notice", `!document.querySelector('#apply-ok').hidden`, 15*time.Second)
	if n := eval[int](lawyer, `document.querySelectorAll('#apply [data-error-for]:not([hidden])').length`); n != 0 {
		t.Errorf("%d error boxes still shown after a good submit", n)
	}
	lawyer.wait("the application in the list", `document.querySelector('#apps li[data-status="pending_review"]')`, 15*time.Second)
	item := lawyer.text(`#apps li[data-status="pending_review"]`)
	for _, want := range []string{caseNo, "待审查", "答复期限", "张某某"} {
		if !strings.Contains(item, want) {
			t.Errorf("the lawyer's application %q lacks %q", item, want)
		}
	}
	if !strings.Contains(item, "剩") && !strings.Contains(item, "今日到期") {
		t.Errorf("the lawyer's application %q does not count down the days", item)
	}
	lawyer.noHorizontalScroll("lawyer page")
	lawyer.shot("pending-375")

	// ---- the clerk decides -----------------------------------------------------------------
	clerk.do("refresh the queue", chromedp.Click(chromedp.CSS("#queue-refresh")))
	clerk.wait("the application in the queue", `document.querySelector('#queue li[data-id]')`, 15*time.Second)
	q := clerk.text(`#queue li[data-id]`)
	for _, want := range []string{caseNo, "张律师", license, "答复期限"} {
		if !strings.Contains(q, want) {
			t.Errorf("the queue item %q lacks %q", q, want)
		}
	}
	// The overdue marking, on a made-up overdue application.
	overdue := eval[string](clerk, `(function(){var n=YJ.deadlineNode({deadline:'2020-01-03',overdue:true,daysLeft:0});return n.querySelector('.badge-overdue').textContent})()`)
	if overdue != "已超期" {
		t.Errorf("an overdue deadline shows %q", overdue)
	}
	clerk.do("refuse without a reason", chromedp.Click(chromedp.CSS(`#queue li[data-id] button.refuse`)), chromedp.Click(chromedp.CSS(`#queue li[data-id] button.refuse-yes`)))
	clerk.wait("the reason error", `document.querySelector('#queue [data-error-for="reason"]:not([hidden])')`, 5*time.Second)
	clerk.shot("queue-1280")
	clerk.do("approve", chromedp.Click(chromedp.CSS(`#queue li[data-id] button.refuse-no`)), chromedp.Click(chromedp.CSS(`#queue li[data-id] button.approve`)),
		chromedp.Click(chromedp.CSS(`#queue li[data-id] button.approve-yes`)))
	clerk.wait("the approval notice", `/已批准/.test(document.querySelector('#queue-status').textContent) && !document.querySelector('#queue li[data-id]')`, 15*time.Second)

	// ---- the lawyer downloads ----------------------------------------------------------------
	lawyer.wait("the dossier to be ready", `document.querySelector('#apps li[data-status="ready"] a.download')`, 120*time.Second)
	href := eval[string](lawyer, `document.querySelector('#apps li[data-status="ready"] a.download').href`)
	if !strings.HasPrefix(href, base+"/d/") {
		t.Fatalf("download link %q is not a /d/ link on this server", href)
	}
	ready := lawyer.text(`#apps li[data-status="ready"]`)
	for _, want := range []string{"可下载", "已批准", "王书记员", "刘检察官", "010-12345678", "还可下载 5 次"} {
		if !strings.Contains(ready, want) {
			t.Errorf("the ready application %q lacks %q", ready, want)
		}
	}
	lawyer.shot("ready-375")
	resp, err := http.Get(href)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("following the page's download link: status %d, %d bytes, not a PDF", resp.StatusCode, len(pdf))
	}
	_ = os.WriteFile(filepath.Join(artifacts, "dossier.pdf"), pdf, 0o644)
	lawyer.wait("the download to be counted", `/还可下载 4 次/.test(document.querySelector('#apps li[data-status="ready"]').textContent)`, 15*time.Second)
	// The decision and the ready dossier are on the notice list, newest first.
	lawyer.do("refresh the notices", chromedp.Click(chromedp.CSS("#notices-refresh")))
	lawyer.wait("the approval and ready notices", `document.querySelector('#notices li[data-kind="link.ready"]') && document.querySelector('#notices li[data-kind="application.approved"]')`, 15*time.Second)
	if got := eval[string](lawyer, `Array.from(document.querySelectorAll('#notices li[data-kind]')).map(function(li){return li.dataset.kind}).join(' ')`); got != "link.ready application.approved" {
		t.Errorf("the lawyer's notices, newest first: %q", got)
	}
	if got := lawyer.text(`#notices li[data-kind="application.approved"]`); !strings.Contains(got, "刘检察官") || !strings.Contains(got, "010-12345678") {
		t.Errorf("the approval notice %q lacks the handler's name and phone", got)
	}

	// English is a switch.
	lawyer.do("switch to English", chromedp.Click(chromedp.CSS("#lang")))
	if got := lawyer.text("#mine h2"); got != "My applications" {
		t.Errorf("in English the list is titled %q", got)
	}
	if got := lawyer.text(`#apps li[data-status="ready"] .status`); got != "Ready to download" {
		t.Errorf("in English the status reads %q", got)
	}
	if got := eval[string](lawyer, `document.documentElement.lang`); got != "en" {
		t.Errorf("html lang = %q in English", got)
	}
	lawyer.noHorizontalScroll("lawyer page in English")
	lawyer.shot("english-375")
	lawyer.do("switch back to Chinese", chromedp.Click(chromedp.CSS("#lang")))
	if got := lawyer.text("#mine h2"); got != "我的申请" {
		t.Errorf("back in Chinese the list is titled %q", got)
	}

	// ---- the auditor -----------------------------------------------------------------------
	auditor := newTab(t, browserCtx, "auditor", base, artifacts)
	auditor.viewport(1280, 800)
	auditor.signIn(auditorTok, "/auditor")
	auditor.wait("the first page of the log", `document.querySelectorAll('#events tbody tr').length > 0`, 15*time.Second)
	auditor.do("filter for downloads",
		chromedp.SetValue(chromedp.CSS("#f-action"), "link.download"),
		chromedp.Click(chromedp.CSS("#search")),
	)
	auditor.wait("the download record", `(function(){var r=document.querySelectorAll('#events tbody tr');return r.length===1&&r[0].querySelector('.action').textContent==='link.download'})()`, 15*time.Second)
	// Through the link: its holder (the link is a bearer secret); the
	// lawyer it was issued to is in the detail.
	if actor := auditor.text(`#events tbody tr .actor`); actor != "link-holder" {
		t.Errorf("the download record's actor is %q, want link-holder", actor)
	}
	auditor.shot("filtered-1280")

	downloads := filepath.Join(artifacts, "downloads")
	if err := os.MkdirAll(downloads, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.CallBrowser(auditor.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
		BrowserContextID: chromedp.FromContext(auditor.ctx).BrowserContextID}); err != nil { // the tab's own context
		t.Fatalf("allow downloads: %v", err)
	}
	auditor.do("export CSV", chromedp.Click(chromedp.CSS("#export")))
	var csvData []byte
	deadline := time.Now().Add(20 * time.Second)
	for csvData == nil {
		if m, _ := filepath.Glob(filepath.Join(downloads, "yuejuan-audit-*.csv")); len(m) > 0 {
			csvData, _ = os.ReadFile(m[0])
		}
		if time.Now().After(deadline) {
			t.Fatal("the CSV export did not arrive in the downloads dir")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !bytes.HasPrefix(csvData, []byte("\xEF\xBB\xBF")) {
		t.Error("the CSV has no UTF-8 BOM; Excel would garble Chinese")
	}
	// The API's CSV: Chinese headers and labels, then the machine fields.
	lines := strings.Split(strings.TrimSpace(string(csvData)), "\r\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "\uFEFF序号,时间（北京时间）,操作人,角色,操作,") ||
		!strings.Contains(lines[1], ",link-holder,下载链接持有人,下载,成功,") || !strings.Contains(lines[1], "链接所属律师："+license) ||
		!strings.Contains(lines[1], ",link.download,") || !strings.Contains(lines[1], `""linkOwner"":""`+license+`""`) {
		t.Errorf("CSV export = %q, want a header and the one download", lines)
	}
	auditor.do("verify", chromedp.Click(chromedp.CSS("#verify")))
	auditor.wait("the verification result", `document.querySelector('#verify-result').hasAttribute('data-ok')`, 30*time.Second)
	if ok := eval[string](auditor, `document.querySelector('#verify-result').dataset.ok`); ok != "true" {
		t.Errorf("verify shows %q: %s", ok, auditor.text("#verify-result"))
	}
	if got := auditor.text("#verify-result .verdict"); !strings.Contains(got, "校验通过") {
		t.Errorf("verify result reads %q", got)
	}
	auditor.shot("verified-1280")

	// ---- every page at both sizes --------------------------------------------------------------
	signedOut := newTab(t, browserCtx, "signin", base, artifacts)
	signedOut.do("open the sign-in page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#signin-start")))
	for _, tb := range []*tab{signedOut, lawyer, clerk, auditor} {
		for _, size := range [][2]int64{{375, 812}, {1280, 800}} {
			tb.viewport(size[0], size[1])
			if tb != signedOut {
				tb.do("reload", chromedp.Reload())
				tb.wait("the page to load", `document.readyState === 'complete' && document.querySelector('#who').textContent !== ''`, 15*time.Second)
				time.Sleep(700 * time.Millisecond) // the first API answers
			}
			if size[0] == 375 {
				tb.noHorizontalScroll(tb.name + " page")
			}
			tb.shot(fmt.Sprintf("page-%d", size[0]))
		}
	}

	// Signing out ends the session here and at the provider; the pages
	// send the visitor to sign in, and the provider asks for the password.
	lawyer.do("sign out", chromedp.Click(chromedp.CSS("#signout")))
	lawyer.wait("the sign-in page", `location.pathname === '/' && document.querySelector('#signin-start')`, 10*time.Second)
	if c := eval[string](lawyer, `document.cookie`); strings.Contains(c, "yj_") {
		t.Errorf("signing out left cookies: %q", c)
	}
	lawyer.do("open a page signed out", chromedp.Navigate(base+"/lawyer"))
	lawyer.wait("the provider's form", `location.pathname === '/oidc/login' && document.querySelector('#password')`, 10*time.Second)
	// The clerk cannot open the lawyer's page.
	clerk.do("open the lawyer page as clerk", chromedp.Navigate(base+"/lawyer"))
	clerk.wait("the redirect", `location.pathname === '/clerk'`, 10*time.Second)

	for _, tb := range []*tab{signedOut, lawyer, clerk, auditor} {
		tb.checkClean()
	}
}
