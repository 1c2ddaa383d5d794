// Package oidcpeer runs a second, independent OpenID provider for tests:
// panva's oidc-provider (OpenID Certified, Node.js, from the npm registry,
// installed by infra/peers/oidc-provider.sh) as its own process, with the
// static client and accounts a test gives (provider.mjs). A missing
// oidc-provider fails the test with how to install it; it never skips.
package oidcpeer

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:embed provider.mjs
var script []byte

// Client is a relying party at the provider.
type Client struct {
	ID                     string   `json:"client_id"`
	Secret                 string   `json:"client_secret"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris,omitempty"`
}

// User is an account with a static password; Claims go into its access
// tokens as they are (the unit's own claim names).
type User struct {
	Username string         `json:"username"`
	Password string         `json:"password"`
	Name     string         `json:"name"`
	Claims   map[string]any `json:"claims"`
}

// Config is what the provider serves.
type Config struct {
	Audience string   `json:"audience"`
	Clients  []Client `json:"clients"`
	Users    []User   `json:"users"`
	// AccessTTL is the access tokens' lifetime in seconds (default 600).
	AccessTTL int `json:"accessTTL,omitempty"`
}

// module finds oidc-provider in npm's global folder.
func module(t testing.TB) string {
	t.Helper()
	hint := "the external-provider tests need oidc-provider from npm: run `make peers` (infra/peers/oidc-provider.sh, " +
		"npm install -g oidc-provider@9.13.3)"
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("%s; node is missing too (apt-get install nodejs)", hint)
	}
	out, err := exec.Command("npm", "root", "-g").Output()
	if err != nil {
		t.Fatalf("%s: npm root -g: %v", hint, err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "oidc-provider", "lib", "index.js")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s: %v", hint, err)
	}
	return p
}

// Start runs the provider on a free loopback port until the test ends and
// returns its issuer URL.
func Start(t testing.TB, c Config) string {
	t.Helper()
	mod := module(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	issuer := "http://127.0.0.1:" + itoa(port)
	cfg, _ := json.Marshal(struct {
		Issuer string `json:"issuer"`
		Config
	}{issuer, c})
	dir := t.TempDir()
	path := filepath.Join(dir, "provider.mjs")
	if err := os.WriteFile(path, script, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", path)
	cmd.Env = append(os.Environ(), "OIDC_PROVIDER_MODULE="+mod, "PORT="+itoa(port), "CONFIG="+string(cfg))
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = &lockedWriter{b: &strings.Builder{}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "listening ") {
				ready <- true
			}
		}
		ready <- false
	}()
	errs := cmd.Stderr.(*lockedWriter)
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("oidc-provider stopped before it listened:\n%s", errs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("oidc-provider did not listen within 30 s:\n%s", errs.String())
	}
	return issuer
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// lockedWriter keeps the provider's standard error for a failure message.
type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
