package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/oauth2"

	"github.com/yuejuan/yuejuan/pkg/server"
)

// The CLI signs in as gh auth login does: the authorization-code flow with
// PKCE through the user's browser, the code coming back to a loopback
// listener (RFC 8252); its tokens are kept in the user's config directory,
// readable by the user alone, and renewed with the refresh token.

func newLoginCmd() *cobra.Command {
	var noBrowser bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in through the browser; the commands that call a server then need no --token",
		Long: `Sign in to a server through your browser, as the pages do: yuejuan opens the
server's sign-in page (or prints its address with --no-browser), you sign in
there, and the browser hands the result back to yuejuan on this machine
(127.0.0.1). The tokens are kept in your config directory
(` + "`" + `$XDG_CONFIG_HOME/yuejuan/credentials.json` + "`" + `, readable by you alone) and renewed
as they expire; --token or $YUEJUAN_TOKEN still win when given.`,
		Example: `  yuejuan login
  yuejuan login --server https://yuejuan.example.gov.cn --no-browser
  yuejuan cases`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			base, err := serverURL(cmd)
			if err != nil {
				return err
			}
			return login(cmd.Context(), cmd.OutOrStdout(), base, noBrowser)
		},
	}
	cmd.Flags().String("server", "", "base URL of the server (default $YUEJUAN_SERVER, else "+defaultServer+")")
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "print the sign-in address instead of opening a browser")
	return cmd
}

func newLogoutCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Forget the tokens yuejuan login kept for a server, and revoke them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			base, err := serverURL(cmd)
			if err != nil {
				return err
			}
			return logout(cmd.Context(), base)
		},
	}
	cmd.Flags().String("server", "", "base URL of the server (default $YUEJUAN_SERVER, else "+defaultServer+")")
	return cmd
}

// serverURL reads --server/$YUEJUAN_SERVER as newClient does.
func serverURL(cmd *cobra.Command) (string, error) {
	s := flagOrEnv(cmd, "server", "YUEJUAN_SERVER")
	if s == "" {
		s = defaultServer
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--server %q: want a URL such as %s", s, defaultServer)
	}
	return u.String(), nil
}

// openBrowser opens u in the user's browser (a variable for tests).
var openBrowser = func(u string) error {
	var name string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler"}
	default:
		name = "xdg-open"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return err
	}
	return exec.Command(p, append(args, u)...).Start()
}

// discovery is what the CLI needs of the provider's discovery document.
type discovery struct {
	Issuer     string `json:"issuer"`
	Authorize  string `json:"authorization_endpoint"`
	Token      string `json:"token_endpoint"`
	Revocation string `json:"revocation_endpoint"`
	Userinfo   string `json:"userinfo_endpoint"`
}

func discover(ctx context.Context, base string) (*discovery, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/oidc/.well-known/openid-configuration", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach %s: %w", base, err)
	}
	defer resp.Body.Close()
	var d discovery
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s has no sign-in (discovery answered %s)", base, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || d.Authorize == "" || d.Token == "" {
		return nil, fmt.Errorf("%s: the sign-in's discovery document cannot be read: %v", base, err)
	}
	return &d, nil
}

func oauthConfig(d *discovery, redirect string) *oauth2.Config {
	return &oauth2.Config{ClientID: server.CLIClient, RedirectURL: redirect, Scopes: []string{"openid", "profile", "offline_access"},
		Endpoint: oauth2.Endpoint{AuthURL: d.Authorize, TokenURL: d.Token, AuthStyle: oauth2.AuthStyleInParams}}
}

func login(ctx context.Context, out io.Writer, base string, noBrowser bool) error {
	d, err := discover(ctx, base)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the browser's answer: %w", err)
	}
	defer ln.Close()
	redirect := "http://" + ln.Addr().String() + "/callback"
	conf := oauthConfig(d, redirect)
	state, verifier := rand.Text(), oauth2.GenerateVerifier()
	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	var once sync.Once
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		res := result{code: q.Get("code")}
		switch {
		case q.Get("state") != state:
			res.err = errors.New("the browser's answer is not for this sign-in (state differs)")
		case q.Get("error") != "":
			res.err = fmt.Errorf("the sign-in ended: %s %s", q.Get("error"), q.Get("error_description"))
		case res.code == "":
			res.err = errors.New("the browser's answer has no code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		msg := "已登录，可以关闭此页，回到命令行。 (Signed in: close this page and go back to the terminal.)"
		if res.err != nil {
			msg = "登录未完成 (Signing in did not finish): " + res.err.Error()
		}
		fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>yuejuan login</title><p>%s</p>", html.EscapeString(msg))
		once.Do(func() { done <- res })
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
	if noBrowser || openBrowser(authURL) != nil {
		fmt.Fprintf(out, "Open this address in a browser on this machine to sign in:\n  %s\n", authURL)
	} else {
		fmt.Fprintf(out, "Signing in through your browser (if it did not open, go to:\n  %s )\n", authURL)
	}
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Minute):
		return errors.New("no sign-in within 10 minutes; run yuejuan login again")
	}
	if res.err != nil {
		return res.err
	}
	tok, err := conf.Exchange(ctx, res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return fmt.Errorf("exchange the sign-in code: %w", err)
	}
	c := stored{TokenURL: d.Token, RevokeURL: d.Revocation, AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry}
	if err := saveCredentials(base, &c); err != nil {
		return err
	}
	who := whoAmI(ctx, d.Userinfo, tok.AccessToken)
	p, _ := credentialsPath()
	fmt.Fprintf(out, "Signed in to %s%s; the tokens are kept in %s\n", base, who, p)
	return nil
}

// whoAmI names the signed-in user from the provider's userinfo, or "".
func whoAmI(ctx context.Context, endpoint, access string) string {
	if endpoint == "" {
		return ""
	}
	req, err := http.NewRequestWithContext(ctx, "GET", endpoint, nil)
	if err != nil {
		return ""
	}
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var u struct {
		Sub  string `json:"sub"`
		Name string `json:"name"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&u) != nil || u.Sub == "" {
		return ""
	}
	return " as " + strings.TrimSpace(u.Name+" ("+u.Sub+")")
}

// stored is one server's tokens.
type stored struct {
	TokenURL     string    `json:"tokenUrl"`
	RevokeURL    string    `json:"revokeUrl,omitempty"`
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	Expiry       time.Time `json:"expiry"`
}

// credentialsPath is the file of every server's tokens.
func credentialsPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config directory: %w", err)
	}
	return filepath.Join(dir, "yuejuan", "credentials.json"), nil
}

func loadCredentials() (map[string]*stored, error) {
	p, err := credentialsPath()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]*stored{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]*stored{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w (remove it and run yuejuan login)", p, err)
	}
	return m, nil
}

// saveCredentials keeps c for base (nil forgets it), in a file only the
// user may read, replaced whole.
func saveCredentials(base string, c *stored) error {
	m, err := loadCredentials()
	if err != nil {
		return err
	}
	if c == nil {
		delete(m, base)
	} else {
		m[base] = c
	}
	p, _ := credentialsPath()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	tmp, err := os.CreateTemp(filepath.Dir(p), ".credentials-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// savedToken returns the access token yuejuan login kept for base, renewed
// first if it expires within a minute; "" if there is none.
func savedToken(ctx context.Context, base string) (string, error) {
	m, err := loadCredentials()
	if err != nil {
		return "", err
	}
	c, ok := m[base]
	if !ok {
		return "", nil
	}
	if time.Until(c.Expiry) > time.Minute {
		return c.AccessToken, nil
	}
	if c.RefreshToken == "" {
		return "", nil
	}
	conf := &oauth2.Config{ClientID: server.CLIClient, Endpoint: oauth2.Endpoint{TokenURL: c.TokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	tok, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: c.RefreshToken, Expiry: time.Now().Add(-time.Second)}).Token()
	if err != nil {
		_ = saveCredentials(base, nil)
		return "", fmt.Errorf("the sign-in kept for %s has ended (%v): run yuejuan login", base, err)
	}
	c.AccessToken, c.Expiry = tok.AccessToken, tok.Expiry
	if tok.RefreshToken != "" {
		c.RefreshToken = tok.RefreshToken
	}
	return c.AccessToken, saveCredentials(base, c)
}

func logout(ctx context.Context, base string) error {
	m, err := loadCredentials()
	if err != nil {
		return err
	}
	c, ok := m[base]
	if !ok {
		return nil
	}
	if c.RevokeURL != "" && c.RefreshToken != "" {
		form := url.Values{"token": {c.RefreshToken}, "token_type_hint": {"refresh_token"}, "client_id": {server.CLIClient}}
		if req, err := http.NewRequestWithContext(ctx, "POST", c.RevokeURL, strings.NewReader(form.Encode())); err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}
	return saveCredentials(base, nil)
}
