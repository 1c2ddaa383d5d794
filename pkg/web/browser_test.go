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
	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/server"
)

const license = "11101201910012345"

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
// cookies, so its own user); see browsertest.Tab. base is the server's
// address.
type tab struct {
	*browsertest.Tab
	base string
}

func newTab(t *testing.T, browserCtx context.Context, name, base, artifacts string) *tab {
	t.Helper()
	return &tab{Tab: browsertest.NewTab(t, browserCtx, name, artifacts), base: base}
}

// signIn signs in as tok's identity the way a user does: the start page's
// button, the provider's form, back on page. The token only says who: the
// account is made in the server's directory with a test password.
func (tb *tab) signIn(tok, page string) {
	tb.T.Helper()
	v, _ := servers.Load(tb.base)
	s := v.(*server.Server)
	id, err := s.Auth.Verify(context.Background(), tok)
	if err != nil {
		tb.T.Fatal(err)
	}
	tb.signInAs(id.Subject, accountFor(tb.T, s, id), page)
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
	tb.T.Helper()
	tb.Do("open the start page", chromedp.Navigate(tb.base+"/"), chromedp.WaitVisible(chromedp.CSS("#signin-start")))
	tb.Do("sign in",
		chromedp.Click(chromedp.CSS("#signin-start")),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SetValue(chromedp.CSS("#username"), user),
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin-submit")),
	)
	tb.Wait("the "+page+" page", fmt.Sprintf(`location.pathname === %q && document.querySelector('#who') && document.querySelector('#who').textContent !== ''`, page), 20*time.Second)
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
	exe := browsertest.ChromiumPath(t)
	var shift atomic.Int64
	s, base := startServer(t, func(s *server.Server) {
		s.API.Now = func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }
	})
	e := &browserEnv{s: s, base: base, artifacts: artifactsDir(t), shift: &shift}
	e.browser = browsertest.Start(t, exe)
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
	clerk.Viewport(1280, 800)
	clerk.signIn(clerkTok, "/clerk")
	clerk.Wait("the empty queue", `document.querySelector('#queue li.muted') && !/加载中/.test(document.querySelector('#queue').textContent)`, 10*time.Second)
	// An empty registration shows every problem next to its field.
	clerk.Do("submit an empty case", chromedp.Click(chromedp.CSS("#case-submit")))
	clerk.Wait("case field errors", `document.querySelector('#case-form [data-error-for="caseNo"]:not([hidden])')`, 10*time.Second)
	for _, f := range []string{"caseNo", "title", "handler", "defendants"} {
		if msg := clerk.Text(fmt.Sprintf(`#case-form [data-error-for="%s"]`, f)); strings.TrimSpace(msg) == "" {
			t.Errorf("registering an empty case: no error shown for %s", f)
		}
	}
	const caseNo = "京检刑诉〔2026〕88号"
	clerk.Do("register a case",
		chromedp.SetValue(chromedp.CSS("#c-caseNo"), caseNo),
		chromedp.SetValue(chromedp.CSS("#c-title"), "张某某盗窃案"),
		chromedp.SetValue(chromedp.CSS("#c-defendants"), "张某某\n李某"),
		chromedp.SetValue(chromedp.CSS("#c-handler-name"), "刘检察官"),
		chromedp.SetValue(chromedp.CSS("#c-handler-phone"), "010-12345678"),
		chromedp.Click(chromedp.CSS("#case-submit")),
	)
	clerk.Wait("the case to be registered", `!document.querySelector('#case-ok').hidden && document.querySelector('#case-select').value !== ''`, 10*time.Second)
	if msg := clerk.Text("#case-ok"); !strings.Contains(msg, caseNo) {
		t.Errorf("registration notice %q does not name the case", msg)
	}

	// ---- ...and uploads scans by volume, in paper order ---------------------------------
	clerk.Do("choose the scans",
		chromedp.SetValue(chromedp.CSS("#volume"), "1"),
		chromedp.SetValue(chromedp.CSS("#volume-title"), "诉讼文书卷"),
		chromedp.SetUploadFiles(chromedp.CSS("#scan-files"), []string{scan1, scan2, notes}),
	)
	clerk.Wait("three files listed", `document.querySelectorAll('#files li').length === 3`, 10*time.Second)
	order := func() string {
		return browsertest.Eval[string](clerk, `Array.from(document.querySelectorAll('#files li')).map(function(li){return li.querySelector('.seq').textContent+':'+li.querySelector('.meta').textContent.split(' · ')[0]}).join(' ')`)
	}
	if got := order(); got != "1:scan-1.pdf 2:scan-2.pdf 3:notes.txt" {
		t.Fatalf("files listed as %q", got)
	}
	clerk.Do("move the first file down", chromedp.Click(chromedp.CSS(`#files li:first-child .down`)))
	if got := order(); got != "1:scan-2.pdf 2:scan-1.pdf 3:notes.txt" {
		t.Errorf("after ↓ the order is %q", got)
	}
	// Drag the last file above the first (HTML5 drag and drop events).
	browsertest.Eval[bool](clerk, `(function(){
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
	clerk.Shot("upload-ordered-1280")
	clerk.Do("upload", chromedp.Click(chromedp.CSS("#upload-start")))
	clerk.Wait("every file's verdict", `(function(){var l=document.querySelectorAll('#files li');return l.length===3&&Array.from(l).every(function(li){return ['accepted','rejected','failed'].indexOf(li.dataset.phase)>=0})})()`, 90*time.Second)
	verdicts := browsertest.Eval[string](clerk, `Array.from(document.querySelectorAll('#files li')).map(function(li){return li.querySelector('.meta').textContent.split(' · ')[0]+'='+li.dataset.phase}).join(' ')`)
	if verdicts != "notes.txt=rejected scan-2.pdf=accepted scan-1.pdf=accepted" {
		t.Fatalf("verdicts %q, want the text file rejected and both scans accepted", verdicts)
	}
	if reason := clerk.Text(`#files li[data-phase="rejected"] .file-state`); !strings.Contains(reason, "已退回") || len([]rune(reason)) < 8 {
		t.Errorf("a rejected file must say why, got %q", reason)
	}
	if got := clerk.Text(`#files li[data-phase="accepted"] .file-state`); !strings.Contains(got, "1 页") {
		t.Errorf("an accepted file shows %q, want its page count", got)
	}
	toc := browsertest.Eval[string](clerk, `Array.from(document.querySelectorAll('#toc tbody tr')).map(function(tr){return tr.cells[0].textContent+':'+tr.cells[2].textContent+':'+tr.dataset.status}).join(' ')`)
	if toc != "1:notes.txt:rejected 2:scan-2.pdf:accepted 3:scan-1.pdf:accepted" {
		t.Errorf("volume index preview %q", toc)
	}
	clerk.Shot("uploaded-1280")

	// ---- the lawyer, on a phone, applies: first badly, then properly --------------------
	lawyer := newTab(t, browserCtx, "lawyer", base, artifacts)
	lawyer.Viewport(375, 812)
	lawyer.signIn(lawyerTok, "/lawyer")
	if got := browsertest.Eval[string](lawyer, `document.querySelector('#lawyer-license').value`); got != license {
		t.Errorf("the certificate number is not prefilled from the sign-in: %q", got)
	}
	lawyer.Do("submit a bad application",
		chromedp.SetValue(chromedp.CSS("#caseNo"), caseNo),
		chromedp.SetValue(chromedp.CSS("#client"), "王某"),
		chromedp.SetValue(chromedp.CSS("#lawyer-license"), "123"),
		chromedp.Click(chromedp.CSS("#apply-submit")),
	)
	lawyer.Wait("field errors", `document.querySelector('#apply [data-error-for="lawyer.license"]:not([hidden])')`, 15*time.Second)
	for _, f := range []string{"client", "lawyer.license", "lawyer.firm", "lawyer.phone", "attachments.practice_certificate", "attachments.firm_letter", "attachments.authority"} {
		msg := lawyer.Text(fmt.Sprintf(`#apply [data-error-for="%s"]`, f))
		if strings.TrimSpace(msg) == "" {
			t.Errorf("the bad application shows no error next to %s", f)
		}
		if strings.Contains(msg, "(") {
			t.Errorf("the Chinese page shows the English half of the message next to %s: %q", f, msg)
		}
	}
	// Each missing document is named once, at its slot (issue 16, defect 6).
	if n := browsertest.Eval[int](lawyer, `document.querySelectorAll('#apply .attach [data-error-for^="attachments."] div').length`); n != 3 {
		t.Errorf("the bad application lists %d missing documents at their slots, want 3", n)
	}
	if browsertest.Eval[bool](lawyer, `document.querySelector('#lawyer-license').getAttribute('aria-invalid') !== 'true'`) {
		t.Error("the invalid field is not marked aria-invalid")
	}
	lawyer.NoHorizontalScroll("lawyer page with errors")
	lawyer.Shot("errors-375")

	lawyer.Do("fill the application",
		chromedp.SetValue(chromedp.CSS("#client"), "张某某"),
		chromedp.SetValue(chromedp.CSS("#lawyer-license"), license),
		chromedp.SetValue(chromedp.CSS("#lawyer-firm"), "北京某某律师事务所"),
		chromedp.SetValue(chromedp.CSS("#lawyer-phone"), "13800000000"),
		chromedp.SetUploadFiles(chromedp.CSS("#att-practice_certificate"), []string{cert}),
		chromedp.SetUploadFiles(chromedp.CSS("#att-firm_letter"), []string{firm}),
		chromedp.SetUploadFiles(chromedp.CSS("#att-authority"), []string{poa}),
	)
	lawyer.Wait("three documents uploaded", `document.querySelectorAll('.attach .file-state.ok').length === 3`, 30*time.Second)
	if got := lawyer.Text(`.attach[data-slot="firm_letter"] .file-state`); !strings.Contains(got, "firm.pdf") || !strings.Contains(got, "PDF · 1 页") {
		t.Errorf("upload state %q should name the file and its checked type", got)
	}
	lawyer.Shot("documents-375")
	lawyer.Do("submit the application", chromedp.Click(chromedp.CSS("#apply-submit")))
	lawyer.Wait("the submitted notice", `!document.querySelector('#apply-ok').hidden`, 15*time.Second)
	if n := browsertest.Eval[int](lawyer, `document.querySelectorAll('#apply [data-error-for]:not([hidden])').length`); n != 0 {
		t.Errorf("%d error boxes still shown after a good submit", n)
	}
	lawyer.Wait("the application in the list", `document.querySelector('#apps li[data-status="pending_review"]')`, 15*time.Second)
	item := lawyer.Text(`#apps li[data-status="pending_review"]`)
	for _, want := range []string{caseNo, "待审查", "答复期限", "张某某"} {
		if !strings.Contains(item, want) {
			t.Errorf("the lawyer's application %q lacks %q", item, want)
		}
	}
	if !strings.Contains(item, "剩") && !strings.Contains(item, "今日到期") {
		t.Errorf("the lawyer's application %q does not count down the days", item)
	}
	lawyer.NoHorizontalScroll("lawyer page")
	lawyer.Shot("pending-375")

	// ---- the clerk decides -----------------------------------------------------------------
	clerk.Do("refresh the queue", chromedp.Click(chromedp.CSS("#queue-refresh")))
	clerk.Wait("the application in the queue", `document.querySelector('#queue li[data-id]')`, 15*time.Second)
	q := clerk.Text(`#queue li[data-id]`)
	for _, want := range []string{caseNo, "张律师", license, "答复期限"} {
		if !strings.Contains(q, want) {
			t.Errorf("the queue item %q lacks %q", q, want)
		}
	}
	// The overdue marking, on a made-up overdue application.
	overdue := browsertest.Eval[string](clerk, `(function(){var n=YJ.deadlineNode({deadline:'2020-01-03',overdue:true,daysLeft:0});return n.querySelector('.badge-overdue').textContent})()`)
	if overdue != "已超期" {
		t.Errorf("an overdue deadline shows %q", overdue)
	}
	clerk.Do("refuse without a reason", chromedp.Click(chromedp.CSS(`#queue li[data-id] button.refuse`)), chromedp.Click(chromedp.CSS(`#queue li[data-id] button.refuse-yes`)))
	clerk.Wait("the reason error", `document.querySelector('#queue [data-error-for="reason"]:not([hidden])')`, 5*time.Second)
	clerk.Shot("queue-1280")
	clerk.Do("approve", chromedp.Click(chromedp.CSS(`#queue li[data-id] button.refuse-no`)), chromedp.Click(chromedp.CSS(`#queue li[data-id] button.approve`)),
		chromedp.Click(chromedp.CSS(`#queue li[data-id] button.approve-yes`)))
	clerk.Wait("the approval notice", `/已批准/.test(document.querySelector('#queue-status').textContent) && !document.querySelector('#queue li[data-id]')`, 15*time.Second)

	// ---- the lawyer downloads ----------------------------------------------------------------
	lawyer.Wait("the dossier to be ready", `document.querySelector('#apps li[data-status="ready"] a.download')`, 120*time.Second)
	href := browsertest.Eval[string](lawyer, `document.querySelector('#apps li[data-status="ready"] a.download').href`)
	if !strings.HasPrefix(href, base+"/d/") {
		t.Fatalf("download link %q is not a /d/ link on this server", href)
	}
	ready := lawyer.Text(`#apps li[data-status="ready"]`)
	for _, want := range []string{"可下载", "已批准", "王书记员", "刘检察官", "010-12345678", "还可下载 5 次"} {
		if !strings.Contains(ready, want) {
			t.Errorf("the ready application %q lacks %q", ready, want)
		}
	}
	lawyer.Shot("ready-375")
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
	lawyer.Wait("the download to be counted", `/还可下载 4 次/.test(document.querySelector('#apps li[data-status="ready"]').textContent)`, 15*time.Second)
	// The decision and the ready dossier are on the notice list, newest first.
	lawyer.Do("refresh the notices", chromedp.Click(chromedp.CSS("#notices-refresh")))
	lawyer.Wait("the approval and ready notices", `document.querySelector('#notices li[data-kind="link.ready"]') && document.querySelector('#notices li[data-kind="application.approved"]')`, 15*time.Second)
	if got := browsertest.Eval[string](lawyer, `Array.from(document.querySelectorAll('#notices li[data-kind]')).map(function(li){return li.dataset.kind}).join(' ')`); got != "link.ready application.approved" {
		t.Errorf("the lawyer's notices, newest first: %q", got)
	}
	if got := lawyer.Text(`#notices li[data-kind="application.approved"]`); !strings.Contains(got, "刘检察官") || !strings.Contains(got, "010-12345678") {
		t.Errorf("the approval notice %q lacks the handler's name and phone", got)
	}

	// English is a switch.
	lawyer.Do("switch to English", chromedp.Click(chromedp.CSS("#lang")))
	if got := lawyer.Text("#mine h2"); got != "My applications" {
		t.Errorf("in English the list is titled %q", got)
	}
	if got := lawyer.Text(`#apps li[data-status="ready"] .status`); got != "Ready to download" {
		t.Errorf("in English the status reads %q", got)
	}
	if got := browsertest.Eval[string](lawyer, `document.documentElement.lang`); got != "en" {
		t.Errorf("html lang = %q in English", got)
	}
	lawyer.NoHorizontalScroll("lawyer page in English")
	lawyer.Shot("english-375")
	lawyer.Do("switch back to Chinese", chromedp.Click(chromedp.CSS("#lang")))
	if got := lawyer.Text("#mine h2"); got != "我的申请" {
		t.Errorf("back in Chinese the list is titled %q", got)
	}

	// ---- the auditor -----------------------------------------------------------------------
	auditor := newTab(t, browserCtx, "auditor", base, artifacts)
	auditor.Viewport(1280, 800)
	auditor.signIn(auditorTok, "/auditor")
	auditor.Wait("the first page of the log", `document.querySelectorAll('#events tbody tr').length > 0`, 15*time.Second)
	auditor.Do("filter for downloads",
		chromedp.SetValue(chromedp.CSS("#f-action"), "link.download"),
		chromedp.Click(chromedp.CSS("#search")),
	)
	auditor.Wait("the download record", `(function(){var r=document.querySelectorAll('#events tbody tr');return r.length===1&&r[0].querySelector('.action').textContent==='link.download'})()`, 15*time.Second)
	// Through the link: its holder (the link is a bearer secret); the
	// lawyer it was issued to is in the detail.
	if actor := auditor.Text(`#events tbody tr .actor`); actor != "link-holder" {
		t.Errorf("the download record's actor is %q, want link-holder", actor)
	}
	auditor.Shot("filtered-1280")

	downloads := filepath.Join(artifacts, "downloads")
	if err := os.MkdirAll(downloads, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.CallBrowser(auditor.Ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
		BrowserContextID: chromedp.FromContext(auditor.Ctx).BrowserContextID}); err != nil { // the tab's own context
		t.Fatalf("allow downloads: %v", err)
	}
	auditor.Do("export CSV", chromedp.Click(chromedp.CSS("#export")))
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
	auditor.Do("verify", chromedp.Click(chromedp.CSS("#verify")))
	auditor.Wait("the verification result", `document.querySelector('#verify-result').hasAttribute('data-ok')`, 30*time.Second)
	if ok := browsertest.Eval[string](auditor, `document.querySelector('#verify-result').dataset.ok`); ok != "true" {
		t.Errorf("verify shows %q: %s", ok, auditor.Text("#verify-result"))
	}
	if got := auditor.Text("#verify-result .verdict"); !strings.Contains(got, "校验通过") {
		t.Errorf("verify result reads %q", got)
	}
	auditor.Shot("verified-1280")

	// ---- every page at both sizes --------------------------------------------------------------
	signedOut := newTab(t, browserCtx, "signin", base, artifacts)
	signedOut.Do("open the sign-in page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#signin-start")))
	for _, tb := range []*tab{signedOut, lawyer, clerk, auditor} {
		for _, size := range [][2]int64{{375, 812}, {1280, 800}} {
			tb.Viewport(size[0], size[1])
			if tb != signedOut {
				tb.Do("reload", chromedp.Reload())
				tb.Wait("the page to load", `document.readyState === 'complete' && document.querySelector('#who').textContent !== ''`, 15*time.Second)
				time.Sleep(700 * time.Millisecond) // the first API answers
			}
			if size[0] == 375 {
				tb.NoHorizontalScroll(tb.Name + " page")
			}
			tb.Shot(fmt.Sprintf("page-%d", size[0]))
		}
	}

	// Signing out ends the session here and at the provider; the pages
	// send the visitor to sign in, and the provider asks for the password.
	lawyer.Do("sign out", chromedp.Click(chromedp.CSS("#signout")))
	lawyer.Wait("the sign-in page", `location.pathname === '/' && document.querySelector('#signin-start')`, 10*time.Second)
	if c := browsertest.Eval[string](lawyer, `document.cookie`); strings.Contains(c, "yj_") {
		t.Errorf("signing out left cookies: %q", c)
	}
	lawyer.Do("open a page signed out", chromedp.Navigate(base+"/lawyer"))
	lawyer.Wait("the provider's form", `location.pathname === '/oidc/login' && document.querySelector('#password')`, 10*time.Second)
	// The clerk cannot open the lawyer's page.
	clerk.Do("open the lawyer page as clerk", chromedp.Navigate(base+"/lawyer"))
	clerk.Wait("the redirect", `location.pathname === '/clerk'`, 10*time.Second)

	for _, tb := range []*tab{signedOut, lawyer, clerk, auditor} {
		tb.CheckClean()
	}
}
