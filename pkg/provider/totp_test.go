package provider

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/yuejuan/yuejuan/pkg/account"
)

// A clerk signed in to the provider enrols a second factor at /totp: the QR
// code (an inline SVG) and the key are shown, the app's code turns it on.
// The next sign-in asks for a code after the password: a wrong one is
// refused on the same form, the right one finishes the sign-in with a
// token; a secret the server's key file cannot open sends the clerk to the
// administrator; the administrator's reset brings back the password alone.
func TestTOTPSignIn(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.dir.SetPassword(ctx, "clerk01", "wang-own-password", account.Actor{}); err != nil {
		t.Fatal(err)
	}
	// Not signed in: no enrolment.
	if resp, body := get(t, browser(t), f.issuer+"/totp"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "请先登录") {
		t.Fatalf("/totp without a sign-in: %d", resp.StatusCode)
	}
	var verifier string
	signIn := func(c *http.Client) (*http.Response, string, string) {
		verifier = oauth2.GenerateVerifier()
		_, body := f.authorize(t, c, verifier)
		id := loginID(t, body)
		resp, body := post(t, c, f.issuer+"/login", url.Values{"id": {id}, "username": {"clerk01"}, "password": {"wang-own-password"}})
		return resp, body, id
	}
	c := browser(t)
	resp, _, _ := signIn(c)
	codeOf(t, resp)
	_, body := get(t, c, f.issuer+"/totp")
	secret := regexp.MustCompile(`id="totp-secret" class="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(body)
	if secret == nil || !strings.Contains(body, "<svg") || !strings.Contains(body, "<path fill=\"#000\" d=\"M") {
		t.Fatalf("the enrolment page shows no QR code or key:\n%s", body)
	}
	if resp, body := post(t, c, f.issuer+"/totp", url.Values{"code": {"000000"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "验证码不正确") {
		t.Fatalf("a wrong first code: %d", resp.StatusCode)
	}
	_, body = get(t, c, f.issuer+"/totp")
	secret = regexp.MustCompile(`id="totp-secret" class="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(body)
	code, _ := totp.GenerateCode(secret[1], time.Now())
	if resp, body := post(t, c, f.issuer+"/totp", url.Values{"code": {code}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "两步验证已启用") {
		t.Fatalf("the right first code: %d\n%s", resp.StatusCode, body)
	}

	// A new browser: the password, then the code.
	c = browser(t)
	resp, body, id := signIn(c)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="/oidc/login/totp"`) {
		t.Fatalf("after the password, no code asked for: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := post(t, c, f.issuer+"/login/totp", url.Values{"id": {id}, "code": {"123456"}}); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "验证码错误") {
		t.Fatalf("a wrong code: %d", resp.StatusCode)
	}
	// The enrolment's code was used; the next step's is fresh.
	code, _ = totp.GenerateCode(secret[1], time.Now().Add(30*time.Second))
	resp, _ = post(t, c, f.issuer+"/login/totp", url.Values{"id": {id}, "code": {code}})
	tok, err := f.oauth.Exchange(ctx, codeOf(t, resp), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if idn, err := f.authority.Verify(ctx, tok.AccessToken); err != nil || idn.Subject != "clerk01" {
		t.Fatalf("the token after the code: %v %v", idn, err)
	}

	// The server started with another key file: the secret does not open,
	// and the form says who can help rather than blaming the code.
	keys := f.dir.Secrets
	f.dir.Secrets = account.NewSecretKeys()
	c = browser(t)
	_, _, id = signIn(c)
	code, _ = totp.GenerateCode(secret[1], time.Now().Add(60*time.Second))
	if resp, body := post(t, c, f.issuer+"/login/totp", url.Values{"id": {id}, "code": {code}}); resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "请联系管理员重置两步验证") {
		t.Fatalf("a secret the key file cannot open: %d\n%s", resp.StatusCode, body)
	}
	f.dir.Secrets = keys

	if err := f.dir.ResetTOTP(ctx, "clerk01", account.Actor{Subject: "admin"}); err != nil {
		t.Fatal(err)
	}
	resp, _, _ = signIn(browser(t))
	codeOf(t, resp)
}
