package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/yuejuan/yuejuan/internal/oidcpeer"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// peerClaims are the unit's single sign-on's own claim names: the server
// maps them with YUEJUAN_OIDC_CLAIMS and YUEJUAN_OIDC_ROLES.
func ssoUsers() []oidcpeer.User {
	return []oidcpeer.User{
		{Username: "sso.qian", Password: "qian-sso-pass-1", Name: "钱书记员", Claims: map[string]any{"yj_groups": []string{"staff", "案管"}, "org": "朝阳检察院"}},
		{Username: "sso.nobody", Password: "nobody-sso-pass", Name: "无角色", Claims: map[string]any{"yj_groups": []string{"staff"}}},
	}
}

// externalServer starts `yuejuan serve` with its pages also signing in
// through the provider start returns the issuer of.
func externalServer(t *testing.T, start func(publicURL string) string) (*signinServer, string, string) {
	t.Helper()
	s := &signinServer{t: t, addr: freePort(t), data: t.TempDir()}
	base := "http://" + s.addr
	issuer := start(base)
	s.env = []string{"YUEJUAN_OCR=off",
		"YUEJUAN_OIDC_ISSUER=" + issuer, "YUEJUAN_OIDC_CLIENT_ID=yuejuan-pages", "YUEJUAN_OIDC_CLIENT_SECRET=pages-secret-1",
		"YUEJUAN_OIDC_CLAIMS=role=yj_groups,unit=org", "YUEJUAN_OIDC_ROLES=案管=clerk,审计=auditor"}
	s.start()
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs.String())
		}
	})
	return s, base, issuer
}

func browse() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// send makes a request as the browser c, with the CSRF token if given.
func send(t *testing.T, c *http.Client, method, url, csrf, bearer, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// peerToken signs user in at the provider with the code flow, as a client
// of its own would, and returns the raw access token.
func peerToken(t *testing.T, issuer, user, password string) string {
	t.Helper()
	conf := oauth2.Config{ClientID: "test-client", ClientSecret: "test-secret-1", RedirectURL: "http://127.0.0.1:9/cb",
		Scopes:   []string{"openid", "profile"},
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "/auth", TokenURL: issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	c := browse()
	var code string
	c.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		if r.URL.Path == "/cb" {
			code = r.URL.Query().Get("code")
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := c.Get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.PostForm(resp.Request.URL.String(), url.Values{"username": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code == "" {
		t.Fatalf("no code from the provider (at %s, %d)", resp.Request.URL, resp.StatusCode)
	}
	tok, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func peerConfig(base string) oidcpeer.Config {
	return oidcpeer.Config{Audience: "yuejuan", Users: ssoUsers(), Clients: []oidcpeer.Client{
		{ID: "yuejuan-pages", Secret: "pages-secret-1", RedirectURIs: []string{base + "/auth/callback"}, PostLogoutRedirectURIs: []string{base + "/"}},
		{ID: "test-client", Secret: "test-secret-1", RedirectURIs: []string{"http://127.0.0.1:9/cb"}}}}
}

// A clerk signs in to the pages through the unit's single sign-on, a
// second, independent OpenID provider run as its own process (oidc-provider),
// by the same BFF as the embedded provider: her role and unit come from the
// provider's own claims as configured, and she registers a case. The API
// takes that provider's access tokens directly too, and refuses a token of
// another issuer, one for another audience, one with an algorithm not
// accepted, one whose signature is not the provider's, and one whose claims
// name no role yuejuan serves.
func TestExternalProvider(t *testing.T) {
	_, base, issuer := externalServer(t, func(base string) string { return oidcpeer.Start(t, peerConfig(base)) })

	_, b := send(t, browse(), "GET", base+"/auth/providers", "", "", "")
	var ups []struct{ Via, Label string }
	_ = json.Unmarshal(b, &ups)
	if len(ups) != 1 || ups[0].Via != "unit" || ups[0].Label != "单位统一身份认证" {
		t.Fatalf("/auth/providers: %s", b)
	}

	c := browse()
	resp, err := c.Get(base + "/auth/login?via=unit&next=/clerk")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(resp.Request.URL.String(), issuer+"/interaction/") || !strings.Contains(string(b), "单位统一身份认证") {
		t.Fatalf("the unit's sign-on form was not shown (at %s):\n%s", resp.Request.URL, b)
	}
	form := resp.Request.URL.String()
	resp, err = c.PostForm(form, url.Values{"username": {"sso.qian"}, "password": {"wrong-password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong password at the provider: %d", resp.StatusCode)
	}
	resp, err = c.PostForm(form, url.Values{"username": {"sso.qian"}, "password": {"qian-sso-pass-1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.String() != base+"/clerk" {
		t.Fatalf("signed in through the unit's sign-on: at %s (%d)", resp.Request.URL, resp.StatusCode)
	}
	u, _ := url.Parse(base)
	csrf := ""
	for _, k := range c.Jar.Cookies(u) {
		switch k.Name {
		case "yj_csrf":
			csrf = k.Value
		case "yj_who":
			j, _ := base64.RawURLEncoding.DecodeString(k.Value)
			var id auth.Identity
			_ = json.Unmarshal(j, &id)
			if id != (auth.Identity{Subject: "sso.qian", Name: "钱书记员", Role: auth.Clerk, Unit: "朝阳检察院"}) {
				t.Errorf("the page's identity: %+v", id)
			}
		}
	}
	body := `{"caseNo":"京朝检刑诉〔2026〕71号","title":"钱某职务侵占案","stage":"prosecution_review","onlineReview":true,"handler":{"name":"吴检察官","phone":"010-77777777"},"defendants":["钱某"]}`
	if st, b := send(t, c, "POST", base+"/api/v1/cases", csrf, "", body); st != http.StatusCreated {
		t.Fatalf("the SSO clerk registers a case: %d %s", st, b)
	}
	if st, b := send(t, c, "GET", base+"/api/v1/cases", "", "", ""); st != http.StatusOK || !strings.Contains(string(b), "钱某职务侵占案") {
		t.Fatalf("the SSO clerk's unit's cases: %d %s", st, b)
	}
	api := func(tok string) int {
		st, _ := send(t, &http.Client{}, "GET", base+"/api/v1/cases", "", tok, "")
		return st
	}

	// The provider's access token at the API, as a script or AWS would send it.
	tok := peerToken(t, issuer, "sso.qian", "qian-sso-pass-1")
	if st := api(tok); st != http.StatusOK {
		t.Fatalf("the provider's access token at the API: %d", st)
	}
	// Claims naming no role yuejuan serves: a valid token, refused.
	if st := api(peerToken(t, issuer, "sso.nobody", "nobody-sso-pass")); st != http.StatusUnauthorized {
		t.Errorf("a token without a yuejuan role: %d", st)
	}
	// Another issuer: a second provider of the same kind and audience.
	other := oidcpeer.Start(t, peerConfig(base))
	if st := api(peerToken(t, other, "sso.qian", "qian-sso-pass-1")); st != http.StatusUnauthorized {
		t.Errorf("a token of another issuer: %d", st)
	}
	// The same token, verified for another audience or other algorithms.
	claims := auth.ClaimMap{Role: "yj_groups", Unit: "org", Roles: map[string]auth.Role{"案管": auth.Clerk}}
	if _, err := (&auth.OIDC{Issuer: issuer, Audience: "yuejuan", Claims: claims}).Verify(context.Background(), tok); err != nil {
		t.Fatalf("the token as configured: %v", err)
	}
	if _, err := (&auth.OIDC{Issuer: issuer, Audience: "another-api", Claims: claims}).Verify(context.Background(), tok); err == nil {
		t.Error("a token for audience yuejuan accepted for another-api")
	}
	if _, err := (&auth.OIDC{Issuer: issuer, Audience: "yuejuan", Algorithms: []string{"ES256"}, Claims: claims}).Verify(context.Background(), tok); err == nil {
		t.Error("an RS256 token accepted where only ES256 is")
	}
	// Forged: the token's own claims and key id, signed by another key; and
	// with alg none.
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	forged := jwt.NewWithClaims(jwt.SigningMethodRS256, parsed.Claims)
	forged.Header["kid"] = parsed.Header["kid"]
	raw, _ := forged.SignedString(key)
	none := jwt.NewWithClaims(jwt.SigningMethodNone, parsed.Claims)
	none.Header["kid"] = parsed.Header["kid"]
	rawNone, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	for what, bad := range map[string]string{"another key's signature": raw, "alg none": rawNone} {
		if st := api(bad); st != http.StatusUnauthorized {
			t.Errorf("%s: %d", what, st)
		}
	}
}
