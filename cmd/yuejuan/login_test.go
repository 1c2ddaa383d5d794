package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/server"
)

// runIn runs yuejuan ARGS in process and returns what it printed.
func runIn(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// yuejuan login signs in through the browser (here a cookie-keeping HTTP
// client that fills in the provider's form) with the code handed back to a
// loopback listener; the tokens are kept readable by the user alone, the
// commands use them without --token, renew them when they expire (the
// refresh token rotating), and yuejuan logout forgets them.
func TestLogin(t *testing.T) {
	cfgHome := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	t.Setenv("YUEJUAN_TOKEN", "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	env := map[string]string{"YUEJUAN_DATA": t.TempDir(), "YUEJUAN_ADDR": ln.Addr().String(), "YUEJUAN_PUBLIC_URL": base}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(s.Handler())
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(func() { hs.Close(); s.Close() })
	ctx := context.Background()
	if _, err := s.Accounts.Add(ctx, account.Account{Username: "clerk41", Name: "冯书记员", Role: auth.Clerk, Unit: "海淀检察院"}, "one-time-pass-41", account.Actor{Subject: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Accounts.SetPassword(ctx, "clerk41", "feng-own-password", account.Actor{Subject: "clerk41"}); err != nil {
		t.Fatal(err)
	}

	opened := make(chan error, 1)
	openBrowser = func(u string) error {
		go func() {
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			resp, err := c.Get(u)
			if err != nil {
				opened <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			m := regexp.MustCompile(`name="id" value="([^"]+)"`).FindSubmatch(b)
			if m == nil {
				opened <- os.ErrNotExist
				return
			}
			resp, err = c.PostForm(base+"/oidc/login", url.Values{"id": {string(m[1])}, "username": {"clerk41"}, "password": {"feng-own-password"}})
			if err == nil {
				b, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				if !strings.Contains(string(b), "已登录") {
					t.Errorf("the loopback page says %s", b)
				}
			}
			opened <- err
		}()
		return nil
	}
	t.Cleanup(func() { openBrowser = nil })

	out, err := runIn(t, "login", "--server", base)
	if err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	if err := <-opened; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Signed in to "+base+" as 冯书记员 (clerk41)") {
		t.Errorf("login says:\n%s", out)
	}
	p := filepath.Join(cfgHome, "yuejuan", "credentials.json")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", p, fi.Mode().Perm())
	}
	if di, _ := os.Stat(filepath.Dir(p)); di.Mode().Perm() != 0o700 {
		t.Errorf("%s has mode %v, want 0700", filepath.Dir(p), di.Mode().Perm())
	}
	read := func() map[string]*stored {
		var m map[string]*stored
		b, _ := os.ReadFile(p)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if out, err := runIn(t, "cases", "--server", base); err != nil || !strings.Contains(out, "no cases in your unit yet") {
		t.Fatalf("cases after login: %v\n%s", err, out)
	}

	// An expired access token is renewed, the refresh token rotating.
	m := read()
	before := m[base].RefreshToken
	m[base].Expiry = time.Now().Add(-time.Minute)
	b, _ := json.Marshal(m)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runIn(t, "cases", "--server", base); err != nil {
		t.Fatalf("cases with an expired token: %v\n%s", err, out)
	}
	if after := read()[base]; after.RefreshToken == before || time.Until(after.Expiry) < time.Minute {
		t.Errorf("the token was not renewed: %+v", after)
	}

	if out, err := runIn(t, "logout", "--server", base); err != nil {
		t.Fatalf("logout: %v\n%s", err, out)
	}
	if _, ok := read()[base]; ok {
		t.Error("logout kept the tokens")
	}
	if _, err := runIn(t, "cases", "--server", base); err == nil || !strings.Contains(err.Error(), "yuejuan login") {
		t.Errorf("cases after logout: %v", err)
	}
}
