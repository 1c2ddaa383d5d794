package provider

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

const callback = "http://app.test/auth/callback"

type fixture struct {
	url, issuer string
	dir         *account.Directory
	authority   *auth.Authority
	oauth       oauth2.Config
	srv         *httptest.Server
	outbox      *notify.Outbox
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	tbl, err := sqlitestore.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	dir := &account.Directory{T: tbl, Audit: &audit.Log{T: tbl}, Secrets: account.NewSecretKeys()}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	srv := httptest.NewUnstartedServer(nil)
	f := &fixture{url: "http://" + srv.Listener.Addr().String(), dir: dir, srv: srv}
	f.issuer = f.url + "/oidc"
	f.outbox = &notify.Outbox{T: tbl}
	p, err := New(Config{Issuer: f.issuer, Audience: "yuejuan", Key: key, Directory: dir, Notices: f.outbox,
		Clients: []Client{{ID: "web", Secret: "s3cret", RedirectURIs: []string{callback}, PostLogoutRedirectURIs: []string{"http://app.test/"}}}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	f.authority = &auth.Authority{Keys: auth.NewKeySet(key), Issuer: f.issuer, Audience: "yuejuan"}
	f.oauth = oauth2.Config{ClientID: "web", ClientSecret: "s3cret", RedirectURL: callback, Scopes: []string{"openid", "profile", "offline_access"},
		Endpoint: oauth2.Endpoint{AuthURL: f.issuer + "/authorize", TokenURL: f.issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	if _, err := dir.Add(context.Background(), account.Account{Username: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: "市检察院"}, "one-time-pass", account.Actor{Subject: "test"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// browser is a cookie-keeping client that stops at the client's redirect
// URI, as a browser hands the code to the application.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if r.URL.Host == "app.test" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// authorize starts a code flow with PKCE and returns the login page's
// request id (empty if the provider went straight back to the client) and
// the response.
func (f *fixture) authorize(t *testing.T, c *http.Client, verifier string, extra ...oauth2.AuthCodeOption) (*http.Response, string) {
	t.Helper()
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, extra...)
	return get(t, c, f.oauth.AuthCodeURL("st4te", opts...))
}

func loginID(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `name="id" value="`)
	if i < 0 {
		t.Fatalf("no login form:\n%s", body)
	}
	rest := body[i+len(`name="id" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func codeOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	loc, err := resp.Location()
	if err != nil || !strings.HasPrefix(loc.String(), callback) {
		t.Fatalf("not sent back to the client: %d %v %v", resp.StatusCode, loc, err)
	}
	if loc.Query().Get("state") != "st4te" || loc.Query().Get("code") == "" {
		t.Fatalf("callback %s", loc)
	}
	return loc.Query().Get("code")
}

func TestDiscovery(t *testing.T) {
	f := newFixture(t)
	_, body := get(t, http.DefaultClient, f.issuer+"/.well-known/openid-configuration")
	var d struct {
		Issuer     string `json:"issuer"`
		Authorize  string `json:"authorization_endpoint"`
		Token      string `json:"token_endpoint"`
		JWKS       string `json:"jwks_uri"`
		EndSession string `json:"end_session_endpoint"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if d.Issuer != f.issuer || d.Authorize != f.issuer+"/authorize" || d.Token != f.issuer+"/oauth/token" ||
		d.JWKS != f.issuer+"/keys" || d.EndSession != f.issuer+"/end_session" {
		t.Errorf("discovery: %s", body)
	}
	if !strings.Contains(body, `"code_challenge_methods_supported":["S256"]`) || !strings.Contains(body, `"id_token_signing_alg_values_supported":["EdDSA"]`) {
		t.Errorf("discovery does not offer S256 and EdDSA: %s", body)
	}
	_, jwks := get(t, http.DefaultClient, f.issuer+"/keys")
	if !strings.Contains(jwks, `"kty":"OKP"`) || !strings.Contains(jwks, `"alg":"EdDSA"`) {
		t.Errorf("JWKS: %s", jwks)
	}
}

// The whole flow a browser and the pages' backend go through: a code flow
// with PKCE, a one-time password replaced, the access token verified by
// the API's own verifier, refresh-token rotation (a rotated-out token used
// again ends the family), the provider's session reused, and end_session.
func TestCodeFlow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := browser(t)

	// No PKCE, or plain PKCE: refused, back at the client with an error.
	resp, _ := get(t, c, f.oauth.AuthCodeURL("st4te"))
	if loc, _ := resp.Location(); loc == nil || loc.Query().Get("error") != "invalid_request" {
		t.Fatalf("authorize without PKCE: %d %v", resp.StatusCode, loc)
	}
	resp, _ = get(t, c, f.oauth.AuthCodeURL("st4te", oauth2.SetAuthURLParam("code_challenge", "abc"), oauth2.SetAuthURLParam("code_challenge_method", "plain")))
	if loc, _ := resp.Location(); loc == nil || loc.Query().Get("error") != "invalid_request" {
		t.Fatalf("authorize with plain PKCE: %d %v", resp.StatusCode, loc)
	}

	verifier := oauth2.GenerateVerifier()
	_, body := f.authorize(t, c, verifier)
	id := loginID(t, body)
	resp, body = post(t, c, f.issuer+"/login", url.Values{"id": {id}, "username": {"clerk01"}, "password": {"wrong-password"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") {
		t.Fatalf("wrong password: %d\n%s", resp.StatusCode, body)
	}
	_, body = post(t, c, f.issuer+"/login", url.Values{"id": {id}, "username": {"clerk01"}, "password": {"one-time-pass"}})
	if !strings.Contains(body, "设置新密码") {
		t.Fatalf("a one-time password does not ask for a new one:\n%s", body)
	}
	_, body = post(t, c, f.issuer+"/login/password", url.Values{"id": {id}, "password": {"my-password-1"}, "confirm": {"my-password-2"}})
	if !strings.Contains(body, "两次输入的新密码不一致") {
		t.Fatalf("different passwords taken:\n%s", body)
	}
	resp, _ = post(t, c, f.issuer+"/login/password", url.Values{"id": {id}, "password": {"my-password-1"}, "confirm": {"my-password-1"}})
	code := codeOf(t, resp)

	if _, err := f.oauth.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
		t.Fatal("a code exchanged with another verifier")
	}
	tok, err := f.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("a code exchanged twice")
	}
	id0, err := f.authority.Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("the API refuses the provider's access token: %v", err)
	}
	if id0 != (auth.Identity{Subject: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: "市检察院"}) {
		t.Errorf("identity %+v", id0)
	}
	idToken, _ := tok.Extra("id_token").(string)
	if _, err := f.authority.Verify(ctx, idToken); err == nil {
		t.Error("the ID token is taken as an API login (it has no role)")
	}
	wrongAud := &auth.Authority{Keys: f.authority.Keys, Issuer: f.issuer, Audience: "other"}
	if _, err := wrongAud.Verify(ctx, tok.AccessToken); err == nil {
		t.Error("the access token passes for another audience")
	}

	// Refresh rotates; the old refresh token used again ends the family.
	src := f.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)})
	tok2, err := src.Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == tok.AccessToken {
		t.Fatal("refresh did not rotate")
	}
	if _, err := f.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token(); err == nil {
		t.Fatal("a rotated-out refresh token worked again")
	}
	if _, err := f.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token(); err == nil {
		t.Fatal("the family lives on after a reused refresh token")
	}

	// Same browser: no password asked.
	v2 := oauth2.GenerateVerifier()
	resp, _ = f.authorize(t, c, v2)
	tok3, err := f.oauth.Exchange(ctx, codeOf(t, resp), oauth2.VerifierOption(v2))
	if err != nil {
		t.Fatal(err)
	}
	// prompt=none in another browser: login_required.
	resp, _ = f.authorize(t, browser(t), oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("prompt", "none"))
	if loc, _ := resp.Location(); loc == nil || loc.Query().Get("error") != "login_required" {
		t.Fatalf("prompt=none without a session: %d %v", resp.StatusCode, loc)
	}

	// end_session: back to the client, and the next authorization asks for
	// the password again.
	q := url.Values{"id_token_hint": {tok3.Extra("id_token").(string)}, "post_logout_redirect_uri": {"http://app.test/"}}
	resp, _ = get(t, c, f.issuer+"/end_session?"+q.Encode())
	if loc, _ := resp.Location(); loc == nil || loc.String() != "http://app.test/" {
		t.Fatalf("end_session: %d %v", resp.StatusCode, loc)
	}
	if _, err := f.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok3.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token(); err == nil {
		t.Error("a refresh token outlives end_session")
	}
	_, body = f.authorize(t, c, oauth2.GenerateVerifier())
	loginID(t, body)

	var acts []string
	_ = f.dir.Audit.Each(ctx, audit.Filter{}, func(e audit.Event) error {
		acts = append(acts, string(e.Action)+":"+string(e.Result))
		return nil
	})
	if got := strings.Join(acts, " "); got != "account.create:ok auth.signin:denied auth.signin:ok account.password:ok auth.signout:ok" {
		t.Errorf("audit: %s", got)
	}
}

// Ten quick tries from one address, then the provider asks to wait
// before it tries a password at all.
func TestSignInRateLimit(t *testing.T) {
	f := newFixture(t)
	c := browser(t)
	_, body := f.authorize(t, c, oauth2.GenerateVerifier())
	id := loginID(t, body)
	var last *http.Response
	for i := 0; i < 11; i++ {
		last, body = post(t, c, f.issuer+"/login", url.Values{"id": {id}, "username": {"user" + string(rune('a'+i))}, "password": {"x"}})
	}
	if last.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "尝试过于频繁") {
		t.Fatalf("11th try in a row: %d", last.StatusCode)
	}
}

// A lawyer registers in the middle of a sign-in: every problem of the form
// at once, a code sent to the mobile number through the notifier, a wrong
// code refused, the right one creates the account (usable at once, its
// identity pending a clerk's check) and the sign-in goes on to a token the
// API takes; the same certificate number cannot register twice.
func TestRegister(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := browser(t)
	verifier := oauth2.GenerateVerifier()
	_, body := f.authorize(t, c, verifier)
	id := loginID(t, body)
	if !strings.Contains(body, "/oidc/register?id="+id) {
		t.Fatalf("the sign-in page offers no registration:\n%s", body)
	}
	resp, body := post(t, c, f.issuer+"/register", url.Values{"id": {id}, "name": {""}, "license": {"1234"}, "firm": {""}, "phone": {"12345"}})
	if resp.StatusCode != http.StatusBadRequest || strings.Count(body, "<div>") < 4 {
		t.Fatalf("a bad registration: %d, want its four problems:\n%s", resp.StatusCode, body)
	}
	const license = "11101201910077777"
	// Typed with full-width digits and a space, from a Chinese input method.
	form := url.Values{"id": {id}, "name": {"陈律师"}, "license": {"１１１０１ ２０１９１００７７７７７"}, "firm": {"北京某某律师事务所"}, "phone": {"13900001111"}}
	if _, body = post(t, c, f.issuer+"/register", form); !strings.Contains(body, "输入验证码") {
		t.Fatalf("no code form:\n%s", body)
	}
	sent, err := f.outbox.List(ctx, notify.Lawyer(license))
	if err != nil || len(sent) != 1 || sent[0].Phone != "13900001111" {
		t.Fatalf("codes sent: %+v %v", sent, err)
	}
	code := regexp.MustCompile(`[0-9]{6}`).FindString(sent[0].Body)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if _, body = post(t, c, f.issuer+"/register/confirm", url.Values{"id": {id}, "code": {wrong}, "password": {"chen-password-1"}, "confirm": {"chen-password-1"}}); !strings.Contains(body, "验证码不正确") {
		t.Fatalf("a wrong code:\n%s", body)
	}
	resp, _ = post(t, c, f.issuer+"/register/confirm", url.Values{"id": {id}, "code": {code}, "password": {"chen-password-1"}, "confirm": {"chen-password-1"}})
	tok, err := f.oauth.Exchange(ctx, codeOf(t, resp), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := f.authority.Verify(ctx, tok.AccessToken); err != nil || id != (auth.Identity{Subject: license, Name: "陈律师", Role: auth.Lawyer}) {
		t.Errorf("the registered lawyer's token: %+v %v", id, err)
	}
	a, err := f.dir.Get(ctx, license)
	if err != nil || a.Checked != account.IdentityPending || a.Firm != "北京某某律师事务所" || a.Phone != "13900001111" || a.MustChange {
		t.Errorf("the account: %+v %v", a, err)
	}
	_, body = f.authorize(t, browser(t), oauth2.GenerateVerifier())
	id2 := loginID(t, body)
	form.Set("id", id2)
	if resp, body = post(t, browser(t), f.issuer+"/register", form); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "已注册") {
		t.Errorf("registering the same certificate again: %d", resp.StatusCode)
	}
	// She signs in with the number typed the same way.
	v3 := oauth2.GenerateVerifier()
	c3 := browser(t)
	_, body = f.authorize(t, c3, v3)
	resp, _ = post(t, c3, f.issuer+"/login", url.Values{"id": {loginID(t, body)}, "username": {"１１１０１ ２０１９１００７７７７７"}, "password": {"chen-password-1"}})
	if tok, err := f.oauth.Exchange(ctx, codeOf(t, resp), oauth2.VerifierOption(v3)); err != nil {
		t.Errorf("sign-in with a full-width certificate number: %v", err)
	} else if id, err := f.authority.Verify(ctx, tok.AccessToken); err != nil || id.Subject != license {
		t.Errorf("signed in as %+v %v", id, err)
	}
	var registered int
	_ = f.dir.Audit.Each(ctx, audit.Filter{Action: audit.AccountRegister}, func(e audit.Event) error {
		if e.Actor == license && e.Target == license {
			registered++
		}
		return nil
	})
	if registered != 1 {
		t.Errorf("%d account.register records", registered)
	}
}
