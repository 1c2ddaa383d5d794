package session_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/provider"
	"github.com/yuejuan/yuejuan/pkg/session"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// An access token that is about to expire is renewed on the next request,
// without the user seeing it; when it cannot be renewed (the account was
// disabled), the session ends: that request goes on without a login and the
// page's cookies are cleared, so the page says once that the user must sign
// in again.
func TestRenewal(t *testing.T) {
	tbl, err := sqlitestore.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	dir := &account.Directory{T: tbl, Audit: &audit.Log{T: tbl}}
	ctx := context.Background()
	if _, err := dir.Add(ctx, account.Account{Username: "audit51", Name: "韩审计", Role: auth.Auditor}, "one-time-pass", account.Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := dir.SetPassword(ctx, "audit51", "han-own-password", account.Actor{}); err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	// Tokens live 30 s: under renewBefore (a minute), so every request renews.
	p, err := provider.New(provider.Config{Issuer: base + "/oidc", Audience: "yuejuan", Key: key, Directory: dir, TokenTTL: 30 * time.Second,
		Clients: []provider.Client{{ID: "web", Secret: "s3cret", RedirectURIs: []string{base + "/auth/callback"}, PostLogoutRedirectURIs: []string{base + "/"}}}})
	if err != nil {
		t.Fatal(err)
	}
	verifier := &auth.Authority{Keys: auth.NewKeySet(key), Issuer: base + "/oidc", Audience: "yuejuan"}
	bff := session.New(session.Config{
		OAuth: oauth2.Config{ClientID: "web", ClientSecret: "s3cret", RedirectURL: base + "/auth/callback", Scopes: []string{"openid", "profile", "offline_access"},
			Endpoint: oauth2.Endpoint{AuthURL: base + "/oidc/authorize", TokenURL: base + "/oidc/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}},
		EndSessionURL: base + "/oidc/end_session", RevokeURL: base + "/oidc/revoke", PostLogoutURL: base + "/", Verifier: verifier,
		Table: tbl,
	})
	var seen atomic.Value // the last Authorization the API saw
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		seen.Store(raw)
		if _, err := verifier.Verify(r.Context(), raw); err != nil {
			http.Error(w, "401", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	mux := http.NewServeMux()
	mux.Handle("/oidc/", p.Handler())
	mux.Handle("/auth/", bff.Handler())
	mux.Handle("/api/", bff.API(api))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "page") })
	srv.Config.Handler = mux
	srv.Start()
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/auth/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="id" value="([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no form: %s", b)
	}
	if resp, err = c.PostForm(base+"/oidc/login", url.Values{"id": {string(m[1])}, "username": {"audit51"}, "password": {"han-own-password"}}); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/auditor" {
		t.Fatalf("signed in at %s (%d)", resp.Request.URL, resp.StatusCode)
	}
	get := func() int {
		resp, err := c.Get(base + "/api/v1/audit/events")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get(); st != http.StatusOK {
		t.Fatalf("first call: %d", st)
	}
	first := seen.Load().(string)
	time.Sleep(1100 * time.Millisecond) // a new token has a new iat
	if st := get(); st != http.StatusOK {
		t.Fatalf("second call: %d", st)
	}
	if second := seen.Load().(string); second == first {
		t.Error("a token expiring within the minute was not renewed")
	}

	// The account is disabled: the refresh is refused, the session ends.
	if err := dir.Disable(ctx, "audit51", account.Actor{}); err != nil {
		t.Fatal(err)
	}
	if st := get(); st != http.StatusUnauthorized {
		t.Fatalf("after the account was disabled: %d", st)
	}
	u, _ := url.Parse(base)
	for _, k := range jar.Cookies(u) {
		if k.Name == "yj_session" || k.Name == "yj_who" {
			t.Errorf("cookie %s kept after the session ended", k.Name)
		}
	}
	if st := get(); st != http.StatusUnauthorized {
		t.Errorf("the next call: %d", st)
	}
}
