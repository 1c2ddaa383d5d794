package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/notify"
)

// testSignIn: people sign in the way they will, through the start page
// and the server's own OpenID provider. A clerk given a one-time password
// chooses her own and sees her unit's cases; a new tab is signed in
// already; signing out, then reloading, shows the sign-in page. An auditor
// who mistypes the password five times is locked out (and the log says
// so); once the administrator resets it he signs in and runs a query.
// A lawyer registers with a code sent to the phone and is signed in at
// once; when her session ends while she types, the page says so once and
// signing in again brings back what she typed. The provider's pages fit a phone and a desktop.
func testSignIn(t *testing.T, e *browserEnv) {
	ctx := context.Background()
	admin := account.Actor{Subject: "cli:admin@test", Role: string(auth.Admin)}
	const unit = "西城检察院"
	if _, err := e.s.Accounts.Add(ctx, account.Account{Username: "clerk31", Name: "吴书记员", Role: auth.Clerk, Unit: unit}, "one-time-pass-31", admin); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Accounts.Add(ctx, account.Account{Username: "audit31", Name: "郑审计", Role: auth.Auditor}, "one-time-pass-32", admin); err != nil {
		t.Fatal(err)
	}
	// A case of the clerk's unit, registered beforehand through the API.
	newDesk(t, e, auth.Identity{Subject: "clerk31", Name: "吴书记员", Unit: unit}).registerCase(caseSpec{No: "京西检刑诉〔2026〕31号", Title: "吴某诈骗案",
		Defendants: []string{"吴某"}, Handler: "陈检察官", Phone: "010-66668888"})

	clerk := newTab(t, e.browser, "signin-clerk", e.base, e.artifacts)
	for _, size := range [][2]int64{{375, 812}, {1280, 800}} {
		clerk.Viewport(size[0], size[1])
		clerk.Do("open the start page", chromedp.Navigate(e.base+"/"), chromedp.WaitVisible(chromedp.CSS("#signin-start")))
		if strings.Contains(browsertest.Eval[string](clerk, `document.body.innerText`), "yuejuan token") {
			t.Error("the start page tells people about the developer's token tool")
		}
		clerk.Do("go to the provider's form", chromedp.Click(chromedp.CSS("#signin-start")), chromedp.WaitVisible(chromedp.CSS("#username")))
		if size[0] == 375 {
			clerk.NoHorizontalScroll("the provider's sign-in form")
		}
		// Every field has its label; the form posts to the provider.
		if n := browsertest.Eval[int](clerk, `Array.from(document.querySelectorAll('form input:not([type=hidden])')).filter(function(i){return !document.querySelector('label[for="'+i.id+'"]')}).length`); n != 0 {
			t.Errorf("%d inputs of the sign-in form have no label", n)
		}
		clerk.Shot("provider-form-" + map[int64]string{375: "375", 1280: "1280"}[size[0]])
	}
	clerk.Do("sign in with the one-time password",
		chromedp.SetValue(chromedp.CSS("#username"), "clerk31"),
		chromedp.SetValue(chromedp.CSS("#password"), "one-time-pass-31"),
		chromedp.Click(chromedp.CSS("#signin-submit")),
		chromedp.WaitVisible(chromedp.CSS("#confirm")),
	)
	clerk.Shot("choose-password-1280")
	clerk.Do("two different new passwords",
		chromedp.SetValue(chromedp.CSS("#password"), "wu-own-password"),
		chromedp.SetValue(chromedp.CSS("#confirm"), "wu-own-passw0rd"))
	clerk.submit("#password-submit")
	if got := clerk.Text(".form-error"); !strings.Contains(got, "不一致") {
		t.Errorf("mismatched new passwords: %q", got)
	}
	clerk.Do("choose her own password",
		chromedp.SetValue(chromedp.CSS("#password"), "wu-own-password"),
		chromedp.SetValue(chromedp.CSS("#confirm"), "wu-own-password"),
		chromedp.Click(chromedp.CSS("#password-submit")),
	)
	clerk.Wait("the clerk's page with her case", `location.pathname === '/clerk' && document.querySelector('#who').textContent.indexOf('吴书记员') >= 0 && Array.from(document.querySelectorAll('#case-select option')).some(function(o){return o.textContent.indexOf('京西检刑诉〔2026〕31号') >= 0})`, 20*time.Second)
	if c := browsertest.Eval[string](clerk, `document.cookie`); strings.Contains(c, "yj_session") || strings.Count(c, ".") >= 2 {
		t.Errorf("the page can read its session or a token: %q", c)
	}

	// A new tab of the same browser is signed in already.
	second := &tab{Tab: clerk.SameBrowser("signin-clerk-2"), base: e.base}
	second.Do("open the clerk page in a new tab", chromedp.Navigate(e.base+"/clerk"))
	second.Wait("signed in already", `location.pathname === '/clerk' && document.querySelector('#who').textContent.indexOf('吴书记员') >= 0`, 15*time.Second)

	// Sign out, then reload: the sign-in page, and the provider's session
	// is over too (it asks for the password again).
	clerk.Do("sign out", chromedp.Click(chromedp.CSS("#signout")))
	clerk.Wait("the start page", `location.pathname === '/' && document.querySelector('#signin-start')`, 10*time.Second)
	clerk.Do("reload", chromedp.Reload())
	clerk.Wait("still the sign-in page", `document.readyState === 'complete' && location.pathname === '/' && document.querySelector('#signin-start')`, 10*time.Second)
	time.Sleep(300 * time.Millisecond) // a page that moves on would have by now
	if p := browsertest.Eval[string](clerk, `location.pathname`); p != "/" {
		t.Errorf("after sign-out and reload the browser went on to %s", p)
	}
	clerk.Do("sign in again", chromedp.Click(chromedp.CSS("#signin-start")), chromedp.WaitVisible(chromedp.CSS("#username")))
	second.Do("the other tab's next call", chromedp.Reload())
	second.Wait("the other tab signed out too", `location.pathname === '/oidc/login'`, 15*time.Second)

	// The auditor mistypes five times and is locked out.
	auditor := newTab(t, e.browser, "signin-auditor", e.base, e.artifacts)
	auditor.Viewport(1280, 800)
	auditor.Do("open the provider's form", chromedp.Navigate(e.base+"/"), chromedp.Click(chromedp.CSS("#signin-start")), chromedp.WaitVisible(chromedp.CSS("#username")))
	for i := 1; i <= 5; i++ {
		auditor.Do("a wrong password",
			chromedp.SetValue(chromedp.CSS("#username"), "audit31"),
			chromedp.SetValue(chromedp.CSS("#password"), "not-my-password"))
		auditor.submit("#signin-submit")
	}
	if got := auditor.Text(".form-error"); !strings.Contains(got, "账户已锁定") {
		t.Errorf("after five wrong passwords the form says %q, want the lockout", got)
	}
	auditor.Shot("locked-1280")
	auditor.Do("the right password while locked", chromedp.SetValue(chromedp.CSS("#password"), "one-time-pass-32"))
	auditor.submit("#signin-submit")
	if got := auditor.Text(".form-error"); !strings.Contains(got, "账户已锁定") {
		t.Errorf("the right password while locked: %q", got)
	}
	var lockouts, refused int
	if err := e.s.API.Audit.Each(ctx, audit.Filter{Actor: "audit31"}, func(ev audit.Event) error {
		switch {
		case ev.Action == audit.AuthLockout:
			lockouts++
		case ev.Action == audit.AuthSignIn && ev.Result == audit.Denied:
			refused++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if lockouts != 1 || refused != 6 {
		t.Errorf("the log has %d lockouts and %d refused sign-ins of audit31, want 1 and 6", lockouts, refused)
	}

	// The administrator resets it; he signs in and runs a query.
	if err := e.s.Accounts.Reset(ctx, "audit31", "one-time-pass-33", admin); err != nil {
		t.Fatal(err)
	}
	auditor.Do("sign in after the reset",
		chromedp.SetValue(chromedp.CSS("#username"), "audit31"),
		chromedp.SetValue(chromedp.CSS("#password"), "one-time-pass-33"),
		chromedp.Click(chromedp.CSS("#signin-submit")),
		chromedp.WaitVisible(chromedp.CSS("#confirm")),
		chromedp.SetValue(chromedp.CSS("#password"), "zheng-own-password"),
		chromedp.SetValue(chromedp.CSS("#confirm"), "zheng-own-password"),
		chromedp.Click(chromedp.CSS("#password-submit")),
	)
	auditor.Wait("the auditor's page", `location.pathname === '/auditor' && document.querySelector('#who').textContent.indexOf('郑审计') >= 0`, 20*time.Second)
	auditor.Do("query his own lockout",
		chromedp.SetValue(chromedp.CSS("#f-action"), string(audit.AuthLockout)),
		chromedp.Click(chromedp.CSS("#search")),
	)
	auditor.Wait("the lockout in the log", `(function(){var r=document.querySelectorAll('#events tbody tr .action');return r.length===1&&r[0].textContent==='auth.lockout'})()`, 15*time.Second)

	// A lawyer registers on a phone, the code from the outbox (an SMS on
	// AWS), and is at once on the lawyer's page.
	const lic = "11101201910088888"
	lawyer := newTab(t, e.browser, "signin-lawyer", e.base, e.artifacts)
	lawyer.Viewport(375, 812)
	lawyer.Do("open the registration",
		chromedp.Navigate(e.base+"/"), chromedp.Click(chromedp.CSS("#signin-start")),
		chromedp.WaitVisible(chromedp.CSS("#register-link")), chromedp.Click(chromedp.CSS("#register-link")),
		chromedp.WaitVisible(chromedp.CSS("#license")))
	lawyer.NoHorizontalScroll("the registration form")
	lawyer.Do("fill it in",
		chromedp.SetValue(chromedp.CSS("#name"), "褚律师"),
		chromedp.SetValue(chromedp.CSS("#license"), lic),
		chromedp.SetValue(chromedp.CSS("#firm"), "北京某某律师事务所"),
		chromedp.SetValue(chromedp.CSS("#phone"), "13900002222"))
	lawyer.Shot("register-375")
	lawyer.submit("#register-submit")
	sent, err := e.s.Outbox.List(ctx, notify.Lawyer(lic))
	if err != nil || len(sent) != 1 || sent[0].Phone != "13900002222" {
		t.Fatalf("the code sent: %+v %v", sent, err)
	}
	code := regexp.MustCompile(`[0-9]{6}`).FindString(sent[0].Body)
	lawyer.Do("enter the code and a password",
		chromedp.SetValue(chromedp.CSS("#code"), code),
		chromedp.SetValue(chromedp.CSS("#password"), "chu-own-password"),
		chromedp.SetValue(chromedp.CSS("#confirm"), "chu-own-password"))
	lawyer.Shot("register-code-375")
	lawyer.Do("register", chromedp.Click(chromedp.CSS("#confirm-submit")))
	lawyer.Wait("the lawyer's page", `location.pathname === '/lawyer' && document.querySelector('#who').textContent.indexOf('褚律师') >= 0`, 20*time.Second)
	if got := browsertest.Eval[string](lawyer, `document.querySelector('#lawyer-license').value`); got != lic {
		t.Errorf("the registered lawyer's certificate number is not filled in: %q", got)
	}
	lawyer.NoHorizontalScroll("the lawyer's page after registering")

	// The session ends (its cookie gone) while she types: the page says
	// so once, and signing in again comes back with what she typed.
	lawyer.Do("type an application and an opinion",
		chromedp.SetValue(chromedp.CSS("#caseNo"), "京检刑诉〔2026〕99号"),
		chromedp.SetValue(chromedp.CSS("#op-text"), "建议不起诉：证据不足。"))
	if _, err := chromedp.Call(lawyer.Ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: "yj_session", URL: e.base + "/"}); err != nil {
		t.Fatal(err)
	}
	browsertest.Eval[bool](lawyer, `(YJ.api('GET', '/applications').catch(function () {}), true)`)
	lawyer.Wait("the session banner", `!document.querySelector('#session-banner').hidden`, 10*time.Second)
	if n := browsertest.Eval[int](lawyer, `document.body.innerText.split('登录已过期').length - 1`); n != 1 {
		t.Errorf("the page says %d times that the session ended, want once", n)
	}
	lawyer.Shot("session-ended-375")
	lawyer.Do("sign in again", chromedp.Click(chromedp.CSS("#session-banner button")))
	lawyer.Wait("back on the page with the draft", `location.pathname === '/lawyer' && document.querySelector('#who').textContent !== '' && document.querySelector('#caseNo').value === '京检刑诉〔2026〕99号' && document.querySelector('#op-text').value === '建议不起诉：证据不足。'`, 20*time.Second)

	for _, tb := range []*tab{clerk, second, auditor, lawyer} {
		tb.CheckClean()
	}
}

// submit clicks a form's button and waits for the page the form's answer
// brings (the provider's forms post and answer with a new page).
func (tb *tab) submit(button string) {
	tb.T.Helper()
	browsertest.Eval[bool](tb, `(document.body.dataset.before = '1') === '1'`)
	tb.Do("submit", chromedp.Click(chromedp.CSS(button)))
	tb.Wait("the form's answer", `document.readyState === 'complete' && document.body && !document.body.dataset.before`, 15*time.Second)
}
