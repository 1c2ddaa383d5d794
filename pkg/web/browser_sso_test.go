package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/internal/oidcpeer"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// The browser tests' server also signs the pages in through a unit's
// single sign-on: a second, independent OpenID provider (oidc-provider, its
// own process), with its own claim names mapped by YUEJUAN_OIDC_*.
func init() {
	serverEnv = append(serverEnv, func(t *testing.T, base string) map[string]string {
		issuer := oidcpeer.Start(t, oidcpeer.Config{Audience: "yuejuan",
			Clients: []oidcpeer.Client{{ID: "yuejuan-pages", Secret: "pages-secret-web", RedirectURIs: []string{base + "/auth/callback"},
				PostLogoutRedirectURIs: []string{base + "/"}}},
			Users: []oidcpeer.User{{Username: "sso.feng", Password: "feng-sso-pass-1", Name: "冯书记员",
				Claims: map[string]any{"groups": []string{"staff", "yuejuan-clerk"}, "org": "丰台检察院"}}}})
		return map[string]string{"YUEJUAN_OIDC_ISSUER": issuer, "YUEJUAN_OIDC_CLIENT_ID": "yuejuan-pages",
			"YUEJUAN_OIDC_CLIENT_SECRET": "pages-secret-web", "YUEJUAN_OIDC_CLAIMS": "role=groups,unit=org",
			"YUEJUAN_OIDC_ROLES": "yuejuan-clerk=clerk"}
	})
}

// testSSOSignIn: a clerk whose unit signs its staff in through its own
// single sign-on finds its button on the start page, signs in there (a
// wrong password is the provider's to refuse), lands on the clerk's page
// as herself with her unit, and registers a case, which is her unit's.
func testSSOSignIn(t *testing.T, e *browserEnv) {
	clerk := newTab(t, e.browser, "sso-clerk", e.base, e.artifacts)
	for _, w := range []int64{375, 1280} {
		clerk.Viewport(w, map[int64]int64{375: 812, 1280: 800}[w])
		clerk.Do("open the start page", chromedp.Navigate(e.base+"/"), chromedp.WaitVisible(chromedp.CSS("#signin-via-unit")))
		if got := clerk.Text("#signin-via-unit"); got != "通过单位统一身份认证登录" {
			t.Errorf("the single sign-on button reads %q", got)
		}
		if w == 375 {
			clerk.NoHorizontalScroll("the start page with two ways to sign in")
		}
		clerk.Shot("start-" + map[int64]string{375: "375", 1280: "1280"}[w])
	}
	clerk.Do("go to the unit's sign-on", chromedp.Click(chromedp.CSS("#signin-via-unit")), chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)))
	if !strings.Contains(browsertest.Eval[string](clerk, `document.title`), "单位统一身份认证") {
		t.Errorf("not at the unit's sign-on: %s", browsertest.Eval[string](clerk, `location.href`))
	}
	clerk.Do("a wrong password at the provider",
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), "sso.feng"),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), "not-her-password"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	clerk.Wait("the provider's refusal", `document.querySelector('[role=alert]') !== null`, 10*time.Second)
	clerk.Do("her password",
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), "sso.feng"),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), "feng-sso-pass-1"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	clerk.Wait("the clerk's page", `location.pathname === '/clerk' && document.querySelector('#who') && document.querySelector('#who').textContent !== ''`, 20*time.Second)
	if who := clerk.Text("#who"); !strings.Contains(who, "冯书记员") || !strings.Contains(who, "丰台检察院") {
		t.Errorf("the header shows %q, want her name and unit from the provider's claims", who)
	}
	const caseNo = "京丰检刑诉〔2026〕41号"
	clerk.Do("register a case",
		chromedp.SetValue(chromedp.CSS("#c-caseNo"), caseNo),
		chromedp.SetValue(chromedp.CSS("#c-title"), "冯某合同诈骗案"),
		chromedp.SetValue(chromedp.CSS("#c-defendants"), "冯某"),
		chromedp.SetValue(chromedp.CSS("#c-handler-name"), "马检察官"),
		chromedp.SetValue(chromedp.CSS("#c-handler-phone"), "010-63333333"),
		chromedp.Click(chromedp.CSS("#case-submit")),
	)
	clerk.Wait("the case to be registered", `!document.querySelector('#case-ok').hidden`, 15*time.Second)
	if msg := clerk.Text("#case-ok"); !strings.Contains(msg, caseNo) {
		t.Errorf("registration notice %q does not name the case", msg)
	}
	clerk.Shot("registered-1280")
	// Her unit's provider keeps her second factor: no 两步验证 here.
	if browsertest.Eval[bool](clerk, `document.querySelector('#two-step') !== null`) {
		t.Errorf("a clerk signed in through her unit's provider is offered the embedded provider's 两步验证")
	}
	// Her case is her unit's: the API says so, as the provider's clerk.
	var cases json.RawMessage
	apiCaller(t, e.base)(token(t, e.s, ssoClerk), http.MethodGet, "/api/v1/cases", nil, http.StatusOK, &cases)
	if !strings.Contains(string(cases), caseNo) {
		t.Errorf("the case is not among 丰台检察院's cases: %s", cases)
	}
}

// ssoClerk is who the provider's claims make her.
var ssoClerk = auth.Identity{Subject: "sso.feng", Name: "冯书记员", Role: auth.Clerk, Unit: "丰台检察院"}
