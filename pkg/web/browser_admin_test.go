package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// testAdminTOTP: the administrator opens a clerk's account on her page
// and reads its one-time password once; the clerk signs in with it,
// chooses her own password and turns on two-step verification (the QR code
// and key, then her app's code); her next sign-in asks for a code after
// the password, refuses a wrong one and takes the right one. The
// administrator sees the clerk's 两步验证 on her list, resets it, resets
// the password (a new one-time password, once) and disables the account.
// The administrator's page and the two-step forms at 1280 and 375 px.
func testAdminTOTP(t *testing.T, e *browserEnv) {
	// Each state is photographed and checked with axe-core at both widths.
	axe := axeSource(t)
	shots := func(tb *tab, name string) {
		for _, w := range []int64{1280, 375} {
			tb.Viewport(w, map[int64]int64{375: 812, 1280: 800}[w])
			if w == 375 {
				tb.NoHorizontalScroll(name)
			}
			tb.Shot(name + "-" + map[int64]string{375: "375", 1280: "1280"}[w])
			tb.axeCheck(axe, name+map[int64]string{375: " at 375 px", 1280: " at 1280 px"}[w])
		}
		tb.Viewport(1280, 800)
	}
	adminID := auth.Identity{Subject: "admin.web", Name: "系统管理员", Role: auth.Admin}
	admin := newTab(t, e.browser, "admin", e.base, e.artifacts)
	admin.Viewport(1280, 800)
	admin.signInAs(adminID.Subject, accountFor(t, e.s, adminID), "/admin")
	if who := admin.Text("#who"); !strings.Contains(who, "系统管理员 · 管理员") {
		t.Errorf("the administrator's header: %q", who)
	}
	admin.Wait("the staff list", `document.querySelector('#staff-admin_web') !== null`, 10*time.Second)
	// A clerk without a unit: the problem by its field.
	admin.Do("a clerk without a unit",
		chromedp.SetValue(chromedp.CSS("#a-username"), "clerk.web81"),
		chromedp.SetValue(chromedp.CSS("#a-name"), "齐书记员"),
		chromedp.Click(chromedp.CSS("#add-submit")))
	admin.Wait("the unit's problem", `!document.querySelector('[data-error-for="unit"]').hidden`, 10*time.Second)
	admin.Do("with her unit",
		chromedp.SetValue(chromedp.CSS("#a-unit"), "密云检察院"),
		chromedp.Click(chromedp.CSS("#add-submit")))
	admin.Wait("the one-time password", `!document.querySelector('#secret-card').hidden && document.querySelector('#secret-password').textContent.length > 20`, 10*time.Second)
	once := admin.Text("#secret-password")
	if got := admin.Text("#secret-text"); !strings.Contains(got, "齐书记员") || !strings.Contains(got, "clerk.web81") {
		t.Errorf("the password's card says %q", got)
	}
	admin.Wait("the new account listed", `document.querySelector('#staff-clerk_web81') !== null`, 10*time.Second)
	shots(admin, "password-once")
	admin.Do("noted", chromedp.Click(chromedp.CSS("#secret-done")))
	if !browsertest.Eval[bool](admin, `document.querySelector('#secret-card').hidden && document.querySelector('#secret-password').textContent === ''`) {
		t.Error("the one-time password stays on the page after 我已记下")
	}

	// The clerk's first sign-in, her own password, then two-step verification.
	clerk := newTab(t, e.browser, "totp-clerk", e.base, e.artifacts)
	clerk.Viewport(1280, 800)
	clerk.Do("sign in with the one-time password", chromedp.Navigate(e.base+"/"), chromedp.WaitVisible(chromedp.CSS("#signin-start")),
		chromedp.Click(chromedp.CSS("#signin-start")), chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SetValue(chromedp.CSS("#username"), "clerk.web81"), chromedp.SetValue(chromedp.CSS("#password"), once))
	clerk.submit("#signin-submit")
	clerk.Do("her own password", chromedp.SetValue(chromedp.CSS("#password"), "qi-own-password-1"), chromedp.SetValue(chromedp.CSS("#confirm"), "qi-own-password-1"))
	clerk.submit("#password-submit")
	clerk.Wait("the clerk's page", `location.pathname === '/clerk'`, 20*time.Second)
	clerk.Wait("the header's 两步验证", `document.querySelector('#two-step') !== null`, 10*time.Second)
	clerk.Viewport(375, 812)
	clerk.NoHorizontalScroll("the clerk's page with 两步验证 in the header")
	clerk.Shot("clerk-header-375")
	clerk.Viewport(1280, 800)
	clerk.Do("open two-step verification", chromedp.Click(chromedp.CSS("#two-step")), chromedp.WaitVisible(chromedp.CSS("#totp-secret")))
	if !browsertest.Eval[bool](clerk, `document.querySelector('.totp-qr svg path') !== null`) {
		t.Error("no QR code on the enrolment page")
	}
	secret := strings.TrimSpace(clerk.Text("#totp-secret"))
	shots(clerk, "totp-enrol")
	code, _ := totp.GenerateCode(secret, time.Now())
	clerk.Do("her app's code", chromedp.SetValue(chromedp.CSS("#code"), code))
	clerk.submit("#totp-enrol-submit")
	if got := clerk.Text("#title"); !strings.Contains(got, "两步验证已启用") {
		t.Fatalf("after the first code: %q", got)
	}
	shots(clerk, "totp-on")

	// A new browser: the password, then the code.
	again := newTab(t, e.browser, "totp-signin", e.base, e.artifacts)
	again.Viewport(1280, 800)
	again.Do("the password", chromedp.Navigate(e.base+"/"), chromedp.WaitVisible(chromedp.CSS("#signin-start")),
		chromedp.Click(chromedp.CSS("#signin-start")), chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SetValue(chromedp.CSS("#username"), "clerk.web81"), chromedp.SetValue(chromedp.CSS("#password"), "qi-own-password-1"))
	again.submit("#signin-submit")
	if !browsertest.Eval[bool](again, `document.querySelector('#totp-submit') !== null`) {
		t.Fatalf("no code asked for after the password: %s", again.Text("main"))
	}
	shots(again, "totp-code")
	again.Do("a wrong code", chromedp.SetValue(chromedp.CSS("#code"), "000000"))
	again.submit("#totp-submit")
	if got := again.Text("#form-error"); !strings.Contains(got, "验证码错误") {
		t.Errorf("a wrong code says %q", got)
	}
	shots(again, "totp-wrong")
	code, _ = totp.GenerateCode(secret, time.Now().Add(30*time.Second)) // the enrolment's code was used
	again.Do("the right code", chromedp.SetValue(chromedp.CSS("#code"), code))
	again.submit("#totp-submit")
	again.Wait("the clerk's page", `location.pathname === '/clerk' && document.querySelector('#who').textContent.indexOf('齐书记员') >= 0`, 20*time.Second)

	// The administrator's list shows it; she resets it, the password, and
	// disables the account.
	admin.Do("reload", chromedp.Reload())
	admin.Wait("the clerk's two-step tag", `/两步验证/.test((document.querySelector('#staff-clerk_web81')||{}).textContent||'')`, 10*time.Second)
	admin.Do("reset two-step verification", chromedp.Click(chromedp.CSS("#totp-clerk_web81")))
	admin.Wait("reset", `!document.querySelector('#admin-status').hidden && document.querySelector('#totp-clerk_web81') === null`, 10*time.Second)
	admin.Do("reset the password", chromedp.Click(chromedp.CSS("#password-clerk_web81")))
	admin.Wait("a new one-time password", `!document.querySelector('#secret-card').hidden && document.querySelector('#secret-password').textContent.length > 20`, 10*time.Second)
	if admin.Text("#secret-password") == once {
		t.Error("the reset gave the same password")
	}
	admin.Do("noted", chromedp.Click(chromedp.CSS("#secret-done")))
	admin.Do("disable", chromedp.Click(chromedp.CSS("#disable-clerk_web81")))
	admin.Wait("disabled", `/已停用/.test(document.querySelector('#staff-clerk_web81').textContent) && document.querySelector('#disable-clerk_web81') === null`, 10*time.Second)
	if browsertest.Eval[bool](admin, `document.querySelector('#disable-admin_web') !== null`) {
		t.Error("the administrator is offered to disable herself")
	}
	shots(admin, "staff-list")
	for _, tb := range []*tab{admin, clerk, again} {
		tb.CheckClean()
	}
}
