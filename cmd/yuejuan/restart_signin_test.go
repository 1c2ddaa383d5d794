package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/session"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// signinServer is `yuejuan serve` on one data dir and address, started
// again as often as a test asks.
type signinServer struct {
	t          *testing.T
	addr, data string
	env        []string // added to the environment
	cmd        *exec.Cmd
	logs       *syncBuf
}

func (s *signinServer) start() {
	s.t.Helper()
	s.logs = &syncBuf{}
	s.cmd = exec.Command(binPath, "serve", "--addr", s.addr, "--data", s.data)
	s.cmd.Env = append(append(os.Environ(), "YUEJUAN_PUBLIC_URL=", "YUEJUAN_DATA="), s.env...)
	s.cmd.Stderr = s.logs
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("yuejuan serve did not come up: %v\n%s", err, s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the server with SIGKILL: nothing is saved on the way out.
func (s *signinServer) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// signInAs signs in through the start page and the provider's form with a
// one-time password, choosing password as the own one, and waits for page.
func (tb *tab) signInAs(base, user, oneTime, password, page string) {
	tb.T.Helper()
	tb.Do("open the start page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#signin-start")))
	tb.Do("sign in with the one-time password",
		chromedp.Click(chromedp.CSS("#signin-start")),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SetValue(chromedp.CSS("#username"), user),
		chromedp.SetValue(chromedp.CSS("#password"), oneTime),
		chromedp.Click(chromedp.CSS("#signin-submit")),
		chromedp.WaitVisible(chromedp.CSS("#confirm")),
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.SetValue(chromedp.CSS("#confirm"), password),
		chromedp.Click(chromedp.CSS("#password-submit")),
	)
	tb.Wait("the "+page+" page", `location.pathname === '`+page+`' && document.querySelector('#who') && document.querySelector('#who').textContent !== ''`, 30*time.Second)
}

// pageSession hands f the table of data and the stored page session of
// cookie sid. The server must be down (SQLite is its while it runs).
func pageSession(t *testing.T, data, sid string, f func(store.Table, store.Item)) {
	t.Helper()
	tbl, err := sqlitestore.Open(filepath.Join(data, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	it, err := tbl.Get(context.Background(), session.SessionKey(sid), "session")
	if err != nil {
		t.Fatalf("the page session of the browser's cookie: %v", err)
	}
	f(tbl, it)
}

// expireSession makes the page session of cookie sid need a renewal at its
// next request, as ten minutes of the access token's life would: its
// stored access-token expiry is set in the past.
func expireSession(t *testing.T, data, sid string) {
	pageSession(t, data, sid, func(tbl store.Table, it store.Item) {
		var m map[string]any
		if err := json.Unmarshal(it.Data, &m); err != nil {
			t.Fatal(err)
		}
		m["expiry"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
		var err error
		if it.Data, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
		if _, err := tbl.Put(context.Background(), it); err != nil {
			t.Fatal(err)
		}
	})
}

// deleteSession removes the page session of cookie sid, as a sign-out
// elsewhere or an administrator would.
func deleteSession(t *testing.T, data, sid string) {
	pageSession(t, data, sid, func(tbl store.Table, it store.Item) {
		if err := tbl.Delete(context.Background(), it.PK, it.SK, it.Version); err != nil {
			t.Fatal(err)
		}
	})
}

// sessionExpiry is the stored access-token expiry of cookie sid's page
// session.
func sessionExpiry(t *testing.T, data, sid string) time.Time {
	var s struct{ Expiry time.Time }
	pageSession(t, data, sid, func(_ store.Table, it store.Item) {
		if err := json.Unmarshal(it.Data, &s); err != nil {
			t.Fatal(err)
		}
	})
	return s.Expiry
}

// TestSignInSurvivesRestart: the page session, the provider's own sign-in
// and the refresh tokens are in the metadata store, not in the process. In
// headless Chromium two lawyers sign in through the real redirect flow and
// type applications; the real `yuejuan serve` is killed with SIGKILL; while
// it is down both sessions' access tokens run out (as ten minutes would)
// and the second lawyer's account is disabled; it starts again on the same
// data and port. The first lawyer's tab is still signed in: her list loads
// without a sign-in prompt (the session renewed with the refresh token the
// provider kept), what she typed is there, and she submits it; a new tab is
// signed in and shows it, and signing in again needs no password. The
// second lawyer's session cannot be renewed: her page says so once, keeps
// what she typed, and once the administrator has enabled her again she
// signs in and her draft is back. A third lawyer's page session was
// deleted meanwhile: her page says so once, and signing in again (no
// password: her sign-in at the provider survived) brings her text back.
func TestSignInSurvivesRestart(t *testing.T) {
	s := &signinServer{t: t, addr: freePort(t), data: t.TempDir(), env: []string{"YUEJUAN_OCR=off"}}
	base := "http://" + s.addr
	const (
		licA, licB = "11101201910061001", "11101201910061002"
		licC       = "11101201910061003"
		caseNo     = "京西检刑诉〔2026〕61号"
	)
	for _, u := range []struct{ lic, name, pw string }{{licA, "冯律师", "feng-one-time-1"}, {licB, "陈律师", "chen-one-time-1"}, {licC, "褚律师", "chu-one-time-1"}} {
		if out, err := userCmd(t, u.pw+"\n", "add", "--data", s.data, "--role", "lawyer", "--name", u.name, "--password-stdin", u.lic); err != nil {
			t.Fatal(err, out)
		}
	}
	s.start()
	t.Cleanup(s.kill)
	// The case she applies for, registered by a clerk through the API.
	tok, err := exec.Command(binPath, "token", "--data", s.data, "--role", "clerk", "--sub", "clerk61", "--name", "郑书记员", "--unit", "西城检察院").Output()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/cases", strings.NewReader(`{"caseNo":"`+caseNo+`","title":"郑某诈骗案","stage":"prosecution_review","onlineReview":true,"handler":{"name":"孙检察官","phone":"010-66666666"},"defendants":["郑某"]}`))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("register the case: %v %v", resp, err)
	}
	files := t.TempDir()
	doc := func(name, marker string) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, testpdf.Text(marker), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cert, firm, poa := doc("cert.pdf", "CERTIFICATE"), doc("firm.pdf", "FIRM LETTER"), doc("poa.pdf", "POWER OF ATTORNEY")

	browser := startBrowser(t)
	shots := browsertest.ShotsDir(t, "restart")
	a := newTab(t, browser, "lawyer-a", shots)
	a.Viewport(1280, 900)
	a.signInAs(base, licA, "feng-one-time-1", "feng-own-password", "/lawyer")
	a.Do("type an application and attach its documents",
		chromedp.SetValue(chromedp.CSS("#caseNo"), caseNo),
		chromedp.SetValue(chromedp.CSS("#client"), "郑某"),
		chromedp.SetValue(chromedp.CSS("#lawyer-firm"), "北京某某律师事务所"),
		chromedp.SetValue(chromedp.CSS("#lawyer-phone"), "13800006161"),
		chromedp.SetUploadFiles(chromedp.CSS("#att-practice_certificate"), []string{cert}),
		chromedp.SetUploadFiles(chromedp.CSS("#att-firm_letter"), []string{firm}),
		chromedp.SetUploadFiles(chromedp.CSS("#att-authority"), []string{poa}),
	)
	a.Wait("three documents uploaded", `document.querySelectorAll('.attach .file-state.ok').length === 3`, 60*time.Second)

	b := newTab(t, browser, "lawyer-b", shots)
	b.Viewport(375, 812)
	b.signInAs(base, licB, "chen-one-time-1", "chen-own-password", "/lawyer")
	b.Do("type an application and an opinion",
		chromedp.SetValue(chromedp.CSS("#caseNo"), caseNo),
		chromedp.SetValue(chromedp.CSS("#client"), "郑某"),
		chromedp.SetValue(chromedp.CSS("#op-text"), "建议变更强制措施：郑某系初犯，已退赔。"))

	c := newTab(t, browser, "lawyer-c", shots)
	c.Viewport(375, 812)
	c.signInAs(base, licC, "chu-one-time-1", "chu-own-password", "/lawyer")
	c.Do("type a complaint", chromedp.SetValue(chromedp.CSS("#cp-description"), "2026年12月1日到西城检察院阅卷，被告知须另行预约。"))
	draftC := map[string]string{"#cp-description": "2026年12月1日到西城检察院阅卷，被告知须另行预约。"}

	draftA := map[string]string{"#caseNo": caseNo, "#client": "郑某", "#lawyer-firm": "北京某某律师事务所", "#lawyer-phone": "13800006161", "#lawyer-license": licA}
	draftB := map[string]string{"#caseNo": caseNo, "#client": "郑某", "#op-text": "建议变更强制措施：郑某系初犯，已退赔。"}
	sidA, sidB, sidC := a.cookie(base+"/", "yj_session"), b.cookie(base+"/", "yj_session"), c.cookie(base+"/", "yj_session")
	if sidA == "" || sidB == "" || sidC == "" {
		t.Fatal("no page session cookie after signing in")
	}

	s.kill()
	expireSession(t, s.data, sidA)
	expireSession(t, s.data, sidB)
	deleteSession(t, s.data, sidC)
	if out, err := userCmd(t, "", "disable", "--data", s.data, licB); err != nil {
		t.Fatal(err, out)
	}
	s.start()

	// The first lawyer's tab: her list loads (its old content cleared
	// first, so what shows is the answer after the restart).
	browsertest.Eval[bool](a, `(document.querySelector('#apps').textContent = '', true)`)
	a.Do("refresh her applications", chromedp.Click(chromedp.CSS("#refresh")))
	a.Wait("her applications after the restart", `/您还没有提交过阅卷申请/.test(document.querySelector('#apps').textContent)`, 20*time.Second)
	if p := browsertest.Eval[string](a, `location.pathname`); p != "/lawyer" {
		t.Fatalf("after the restart the tab went to %s", p)
	}
	if browsertest.Eval[bool](a, `!document.querySelector('#session-banner').hidden`) {
		t.Errorf("after the restart the signed-in tab says the session ended: %q", browsertest.Eval[string](a, `document.querySelector('#session-banner').textContent`))
	}
	for sel, want := range draftA {
		if got := a.value(sel); got != want {
			t.Errorf("after the restart %s holds %q, want %q", sel, got, want)
		}
	}
	a.Shot("after-restart-1280")
	a.Viewport(375, 812)
	a.Shot("after-restart-375")
	a.Viewport(1280, 900)
	a.Do("submit the application", chromedp.Click(chromedp.CSS("#apply-submit")))
	a.Wait("the submitted notice", `!document.querySelector('#apply-ok').hidden`, 20*time.Second)
	a.Wait("the application in her list", `document.querySelector('#apps li[data-status="pending_review"]')`, 20*time.Second)
	if item := browsertest.Eval[string](a, `document.querySelector('#apps li[data-status="pending_review"]').textContent`); !strings.Contains(item, caseNo) || !strings.Contains(item, "郑某") {
		t.Errorf("the submitted application reads %q", item)
	}
	a.Shot("submitted-1280")

	// A new tab of her browser is signed in and shows it.
	a2 := a.sameBrowser("lawyer-a-new-tab")
	a2.Do("open her page in a new tab", chromedp.Navigate(base+"/lawyer"))
	a2.Wait("her page with the application", `location.pathname === '/lawyer' && /冯律师/.test(document.querySelector('#who').textContent) && document.querySelector('#apps li[data-status="pending_review"]')`, 20*time.Second)
	a2.Viewport(375, 812)
	a2.Shot("new-tab-375")
	a2.Viewport(1280, 900)
	a2.Shot("new-tab-1280")
	// The provider's own sign-in survived too: without the page session
	// (cookie gone), signing in goes through without the form.
	if _, err := chromedp.Call(a2.Ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: "yj_session", URL: base + "/"}); err != nil {
		t.Fatal(err)
	}
	a2.Do("sign in again", chromedp.Navigate(base+"/auth/login?next=/lawyer"))
	a2.Wait("her page, no password asked", `location.pathname === '/lawyer' && /冯律师/.test(document.querySelector('#who').textContent)`, 20*time.Second)

	// The third lawyer's page session is gone (deleted while the server
	// was down): the page says so once and keeps her text; her sign-in at
	// the provider is still there, so signing in again asks for nothing
	// and brings the text back.
	c.Do("refresh her applications", chromedp.Click(chromedp.CSS("#refresh")))
	c.Wait("the session banner", `!document.querySelector('#session-banner').hidden`, 20*time.Second)
	time.Sleep(time.Second)
	if n := browsertest.Eval[int](c, `document.body.innerText.split('登录已过期').length - 1`); n != 1 {
		t.Errorf("the page says %d times that the session ended, want once", n)
	}
	c.Shot("session-ended-375")
	c.Do("sign in again", chromedp.Click(chromedp.CSS("#session-banner button")))
	c.Wait("her page again, no password asked", `location.pathname === '/lawyer' && /褚律师/.test(document.querySelector('#who').textContent) && document.querySelector('#cp-description').value !== ''`, 30*time.Second)
	for sel, want := range draftC {
		if got := c.value(sel); got != want {
			t.Errorf("after signing in again %s holds %q, want %q", sel, got, want)
		}
	}
	c.Shot("draft-back-375")

	// The second lawyer's session cannot be renewed (her account was
	// disabled meanwhile): the page says so once and keeps her text.
	b.Do("refresh her applications", chromedp.Click(chromedp.CSS("#refresh")))
	b.Wait("the session banner", `!document.querySelector('#session-banner').hidden`, 20*time.Second)
	time.Sleep(time.Second) // the page's other loads answer 401 too
	if n := browsertest.Eval[int](b, `document.body.innerText.split('登录已过期').length - 1`); n != 1 {
		t.Errorf("the page says %d times that the session ended, want once", n)
	}
	for sel, want := range draftB {
		if got := b.value(sel); got != want {
			t.Errorf("after the failed renewal %s holds %q, want %q", sel, got, want)
		}
	}
	b.Shot("session-ended-375")
	b.Viewport(1280, 900)
	b.Shot("session-ended-1280")
	b.Do("sign in again", chromedp.Click(chromedp.CSS("#session-banner button")))
	b.Wait("the provider's form (her sign-in there speaks for a disabled account no more)", `location.pathname === '/oidc/login' && document.querySelector('#username')`, 20*time.Second)
	b.Do("her password while disabled",
		chromedp.SetValue(chromedp.CSS("#username"), licB),
		chromedp.SetValue(chromedp.CSS("#password"), "chen-own-password"),
		chromedp.Click(chromedp.CSS("#signin-submit")))
	b.Wait("the refusal", `document.querySelector('.form-error') && /账户已停用/.test(document.querySelector('.form-error').textContent)`, 20*time.Second)
	// The administrator enables her again with a new one-time password.
	if out, err := userCmd(t, "chen-one-time-2\n", "reset", "--data", s.data, "--password-stdin", licB); err != nil {
		t.Fatal(err, out)
	}
	b.Do("sign in with the new one-time password",
		chromedp.SetValue(chromedp.CSS("#username"), licB),
		chromedp.SetValue(chromedp.CSS("#password"), "chen-one-time-2"),
		chromedp.Click(chromedp.CSS("#signin-submit")),
		chromedp.WaitVisible(chromedp.CSS("#confirm")),
		chromedp.SetValue(chromedp.CSS("#password"), "chen-own-password-2"),
		chromedp.SetValue(chromedp.CSS("#confirm"), "chen-own-password-2"),
		chromedp.Click(chromedp.CSS("#password-submit")))
	b.Wait("her page again", `location.pathname === '/lawyer' && /陈律师/.test(document.querySelector('#who').textContent)`, 30*time.Second)
	b.Wait("her draft back", `document.querySelector('#op-text').value !== ''`, 5*time.Second)
	for sel, want := range draftB {
		if got := b.value(sel); got != want {
			t.Errorf("after signing in again %s holds %q, want %q", sel, got, want)
		}
	}
	b.Shot("draft-back-1280")
	b.Viewport(375, 812)
	b.Shot("draft-back-375")

	for _, tb := range []*tab{a, a2, b, c} {
		tb.CheckClean()
	}
	// Her first request after the restart renewed the session: the refresh
	// token issued before the kill was taken by the restarted provider.
	s.kill()
	if exp := sessionExpiry(t, s.data, sidA); !exp.After(time.Now()) {
		t.Errorf("the first lawyer's session was not renewed after the restart: its token expired %s", exp)
	}
	if strings.Contains(s.logs.String(), `"level":"ERROR"`) {
		t.Errorf("the server logged errors:\n%s", s.logs.String())
	}
}
