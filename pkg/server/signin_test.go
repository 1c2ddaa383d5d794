package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// ensureAccount makes the account (once per shared server) with a password
// already chosen, and returns the password.
func (ts *tsrv) ensureAccount(id auth.Identity) string {
	ts.t.Helper()
	const pw = "test-password-1"
	ctx := context.Background()
	_, err := ts.s.Accounts.Add(ctx, account.Account{Username: id.Subject, Name: id.Name, Role: id.Role, Unit: id.Unit}, "one-time-password", account.Actor{Subject: "test"})
	if errors.Is(err, account.ErrExists) {
		return pw
	}
	if err != nil {
		ts.t.Fatal(err)
	}
	if err := ts.s.Accounts.SetPassword(ctx, id.Subject, pw, account.Actor{Subject: id.Subject}); err != nil {
		ts.t.Fatal(err)
	}
	return pw
}

// sessionOf signs id in through the pages and returns the caller for call:
// "session:" + the session cookie + ":" + its CSRF token.
func (ts *tsrv) sessionOf(id auth.Identity) string {
	ts.t.Helper()
	c, csrf, resp := ts.signInPages(id.Subject, ts.ensureAccount(id))
	if resp.StatusCode != http.StatusOK {
		ts.t.Fatalf("%s signs in: %d at %s", id.Subject, resp.StatusCode, resp.Request.URL)
	}
	u, _ := url.Parse(ts.url)
	for _, k := range c.Jar.Cookies(u) {
		if k.Name == "yj_session" {
			return "session:" + k.Value + ":" + csrf
		}
	}
	ts.t.Fatalf("%s: no session cookie", id.Subject)
	return ""
}

var formID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// browse is a cookie-keeping client, as a browser is.
func browse() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// signInPages signs in as the pages do: /auth/login, the provider's form,
// back to the role's page. It returns the browser and its CSRF token.
func (ts *tsrv) signInPages(user, password string) (*http.Client, string, *http.Response) {
	ts.t.Helper()
	c := browse()
	resp, err := c.Get(ts.url + "/auth/login?next=/")
	if err != nil {
		ts.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := formID.FindSubmatch(b)
	if m == nil {
		ts.t.Fatalf("no sign-in form at %s:\n%s", resp.Request.URL, b)
	}
	resp, err = c.PostForm(ts.url+"/oidc/login", url.Values{"id": {string(m[1])}, "username": {user}, "password": {password}})
	if err != nil {
		ts.t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(ts.url)
	csrf := ""
	for _, k := range c.Jar.Cookies(u) {
		if k.Name == "yj_csrf" {
			csrf = k.Value
		}
	}
	return c, csrf, resp
}

func (ts *tsrv) send(c *http.Client, method, path, csrf string, body string) answer {
	ts.t.Helper()
	req, _ := http.NewRequest(method, ts.url+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := c.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// The pages' sign-in over HTTP: the provider's form, the session cookie the
// API takes in place of a Bearer token, the CSRF token every change needs,
// a second browser that must sign in itself, and sign-out, after which
// the cookie is worth nothing and the provider asks for the password again.
func TestPagesSignIn(t *testing.T) {
	ts := newTsrv(t)
	pw := ts.ensureAccount(auth.Identity{Subject: "clerk21", Name: "周书记员", Role: auth.Clerk, Unit: "东城检察院"})
	c, csrf, resp := ts.signInPages("clerk21", pw)
	if resp.Request.URL.Path != "/clerk" || csrf == "" {
		t.Fatalf("signed in: at %s, csrf %q", resp.Request.URL, csrf)
	}
	u, _ := url.Parse(ts.url)
	for _, k := range c.Jar.Cookies(u) {
		if strings.Count(k.Value, ".") == 2 {
			t.Errorf("cookie %s holds a token", k.Name)
		}
	}
	if a := ts.send(c, "GET", "/api/v1/cases", "", ""); a.status != http.StatusOK {
		t.Fatalf("GET /cases with the session: %d %s", a.status, a.body)
	}
	body := `{"caseNo":"京东检刑诉〔2026〕1号","title":"周某盗窃案","stage":"prosecution_review","onlineReview":true,"handler":{"name":"刘检察官","phone":"010-12345678"},"defendants":["周某"]}`
	if a := ts.send(c, "POST", "/api/v1/cases", "", body); a.status != http.StatusForbidden || !strings.Contains(string(a.body), "forbidden") {
		t.Fatalf("POST without the CSRF token: %d %s", a.status, a.body)
	}
	if a := ts.send(c, "POST", "/api/v1/cases", "not-the-token", body); a.status != http.StatusForbidden {
		t.Fatalf("POST with a wrong CSRF token: %d %s", a.status, a.body)
	}
	var created struct{ ID string }
	a := ts.send(c, "POST", "/api/v1/cases", csrf, body)
	if a.status != http.StatusCreated {
		t.Fatalf("POST with the CSRF token: %d %s", a.status, a.body)
	}
	a.decode(t, &created)
	if a := ts.send(browse(), "GET", "/api/v1/cases", "", ""); a.status != http.StatusUnauthorized {
		t.Errorf("another browser without signing in: %d", a.status)
	}

	// Sign-out: the session ends here and at the provider.
	if a := ts.send(c, "POST", "/auth/logout", "", ""); a.status != http.StatusForbidden {
		t.Errorf("sign-out without the CSRF token: %d", a.status)
	}
	a = ts.send(c, "POST", "/auth/logout", csrf, "")
	var out struct{ Location string }
	a.decode(t, &out)
	if a.status != http.StatusOK || !strings.HasPrefix(out.Location, ts.url+"/oidc/end_session?") {
		t.Fatalf("sign-out: %d %s", a.status, a.body)
	}
	resp, err := c.Get(out.Location)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.String() != ts.url+"/" {
		t.Errorf("end_session ended at %s, want the start page", resp.Request.URL)
	}
	if a := ts.send(c, "GET", "/api/v1/cases", "", ""); a.status != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d", a.status)
	}
	resp, err = c.Get(ts.url + "/auth/login?next=/clerk")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !formID.Match(b) {
		t.Errorf("after sign-out the provider did not ask for the password (at %s)", resp.Request.URL)
	}
	var acts []string
	for _, e := range ts.events() {
		if e.Actor == "clerk21" || e.Target == "clerk21" {
			acts = append(acts, string(e.Action))
		}
	}
	if got := strings.Join(acts, " "); !strings.Contains(got, "auth.signin case.create auth.signout") {
		t.Errorf("audit of clerk21: %s", got)
	}
}

// The sign-in's own routes, each as nobody: what a stranger can reach.
func TestSignInRoutes(t *testing.T) {
	ts := newTsrv(t)
	for _, r := range []struct {
		method, path string
		want         int
		has          string
	}{
		{"GET", "/oidc/.well-known/openid-configuration", 200, `"code_challenge_methods_supported":["S256"]`},
		{"GET", "/oidc/keys", 200, `"alg":"EdDSA"`},
		{"GET", "/auth/login", 302, ""},
		{"GET", "/auth/callback?code=x&state=y", 400, "登录请求已失效"},
		{"POST", "/auth/logout", 200, `"location"`},
		{"GET", "/oidc/login?id=nope", 400, "登录已过期"},
		{"POST", "/oidc/login", 400, "登录已过期"},
		{"POST", "/oidc/login/password", 400, "登录已过期"},
		{"POST", "/oidc/oauth/token", 400, "invalid_request"},
	} {
		a := ts.call("", r.method, r.path, nil)
		if a.status != r.want || !strings.Contains(string(a.body), r.has) {
			t.Errorf("%s %s: %d, want %d with %q: %s", r.method, r.path, a.status, r.want, r.has, a.body)
		}
	}
	var d map[string]any
	a := ts.call("", "GET", "/oidc/.well-known/openid-configuration", nil)
	_ = json.Unmarshal(a.body, &d)
	if d["issuer"] != ts.url+"/oidc" {
		t.Errorf("issuer %v", d["issuer"])
	}
}
