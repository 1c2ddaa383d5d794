package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"golang.org/x/oauth2"

	"github.com/yuejuan/yuejuan/internal/keyfile"
	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/provider"
	"github.com/yuejuan/yuejuan/pkg/session"
)

// webClient is the pages' backend at the embedded provider.
const webClient = "yuejuan-web"

// CLIClient is yuejuan login at the embedded provider: a native client
// without a secret (PKCE alone), its code sent to a loopback address on
// any port (RFC 8252).
const CLIClient = "yuejuan-cli"

// setupSignIn makes the embedded OpenID provider (at the issuer's path,
// signing with the login key) over the account directory, and the pages'
// backend-for-frontend, its confidential client, which reaches it in
// process.
func (s *Server) setupSignIn(log *audit.Log) error {
	cfg := s.Config
	issuer := cfg.ProviderIssuer()
	key, err := auth.LoadOrCreateKeyFile(LoginKeyFile(cfg.DataDir))
	if err != nil {
		return err
	}
	secrets, err := totpKeys(cfg)
	if err != nil {
		return err
	}
	s.Accounts = &account.Directory{T: s.table, Audit: log, Secrets: secrets}
	// Secrets an older version kept plain, or a rotated-out key sealed, are
	// sealed with the current key now rather than at each one's next use.
	// One that does not open is the administrator's to reset: the start
	// goes on.
	if n, err := s.Accounts.SealSecrets(context.Background()); err != nil {
		s.Log.Error("seal two-step secrets", "sealed", n, "err", err)
	} else if n > 0 {
		s.Log.Info("sealed two-step secrets with the current key", "accounts", n, "key", secrets.ID())
	}
	// The embedded provider's administrators have their page and routes.
	s.signIn.Admins = true
	// Registered lawyers' identities are checked by clerks through the API.
	s.API.Accounts = s.Accounts
	// The web client's secret is derived from the login key: the same in
	// every process on this data, so sessions survive a restart.
	mac := hmac.New(sha256.New, key.Seed())
	mac.Write([]byte("yuejuan-web client secret"))
	secret := hex.EncodeToString(mac.Sum(nil))
	p, err := provider.New(provider.Config{Issuer: issuer, Audience: cfg.Audience, Key: key, Directory: s.Accounts, Log: s.Log,
		Notices: s.Notices, // registration codes, audited and retried like every notice; the outbox shows them
		Clients: []provider.Client{{ID: webClient, Secret: secret, RedirectURIs: []string{cfg.PublicURL + "/auth/callback"},
			PostLogoutRedirectURIs: []string{cfg.PublicURL + "/"}},
			{ID: CLIClient, Native: true, RedirectURIs: []string{"http://127.0.0.1/callback"}}}})
	if err != nil {
		return err
	}
	s.provider = p
	external, err := s.externalSignIn()
	if err != nil {
		return err
	}
	s.bff = session.New(session.Config{
		OAuth: oauth2.Config{ClientID: webClient, ClientSecret: secret, RedirectURL: cfg.PublicURL + "/auth/callback",
			Scopes: []string{"openid", "profile", "offline_access"},
			Endpoint: oauth2.Endpoint{AuthURL: issuer + "/authorize", TokenURL: issuer + "/oauth/token",
				AuthStyle: oauth2.AuthStyleInHeader}},
		EndSessionURL: issuer + "/end_session", RevokeURL: issuer + "/revoke", PostLogoutURL: cfg.PublicURL + "/",
		HTTP:     &http.Client{Transport: inProcess{p.Handler()}},
		Verifier: s.signIn, Secure: strings.HasPrefix(cfg.PublicURL, "https://"), Log: s.Log,
		Table: s.table, External: external, TwoStepURL: "/oidc/totp",
	})
	return nil
}

// totpKeys are the keys that seal staff members' second-factor secrets in
// the table: the file YUEJUAN_TOTP_KEY_FILE names, which must exist (the
// deployment provides it, away from the table and its backups), or else the
// data dir's, made at the first start.
func totpKeys(cfg config.Config) (*account.SecretKeys, error) {
	spec := account.SecretKeyFile(filepath.Join(cfg.DataDir, "keys", "totp-aes256.keys"))
	load := keyfile.LoadOrCreate
	if cfg.TOTPKeyFile != "" {
		spec.Path, load = cfg.TOTPKeyFile, keyfile.Load
	}
	b, err := load(spec)
	if errors.Is(err, keyfile.ErrMissing) {
		return nil, fmt.Errorf("YUEJUAN_TOTP_KEY_FILE: %w: make one with `openssl rand -hex 32 > %s` (mode 0600), "+
			"or unset the variable to keep the key in the data directory", err, spec.Path)
	}
	if err != nil {
		return nil, err
	}
	return account.ParseSecretKeys(b)
}

// externalVia is the external provider's via= on /auth/login.
const externalVia = "unit"

// externalSignIn is the configured external provider (YUEJUAN_OIDC_*) as
// the BFF's second upstream, its tokens also taken by the API; none when
// unset. Its endpoints come from discovery at the first sign-in.
func (s *Server) externalSignIn() ([]*session.Upstream, error) {
	x := s.Config.External
	if x.Issuer == "" {
		return nil, nil
	}
	roles := map[string]auth.Role{}
	for v, r := range x.Roles {
		roles[v] = auth.Role(r)
	}
	v := &auth.OIDC{Issuer: x.Issuer, Audience: x.Audience, Algorithms: x.Algorithms,
		Claims: auth.ClaimMap{Subject: x.Claims["subject"], Name: x.Claims["name"], Role: x.Claims["role"],
			Unit: x.Claims["unit"], Certificate: x.Claims["certificate"], Roles: roles}}
	if err := v.Check(); err != nil {
		return nil, fmt.Errorf("server: YUEJUAN_OIDC_*: %w", err)
	}
	s.API.Auth = auth.FirstOf{s.API.Auth, v}
	return []*session.Upstream{{Name: externalVia, Label: x.Label, Verifier: v,
		OAuth: oauth2.Config{ClientID: x.ClientID, ClientSecret: x.ClientSecret, RedirectURL: s.Config.PublicURL + "/auth/callback",
			Scopes: []string{"openid", "profile", "offline_access"}},
		Resolve: session.Discover(v, nil)}}, nil
}

// signInRoutes mounts the provider and the BFF on mux, and returns api
// with the BFF in front of its /api/ routes.
func (s *Server) signInRoutes(mux *http.ServeMux, api http.Handler) http.Handler {
	mux.Handle(s.provider.Path()+"/", s.provider.Handler())
	mux.Handle("/auth/", s.bff.Handler())
	withSession := s.bff.API(api)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			withSession.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// inProcess carries the BFF's requests to the provider without the network:
// the public URL may be a proxy's that this host cannot reach.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.RequestURI, r.RemoteAddr = r.URL.RequestURI(), "127.0.0.1:0"
	if r.Body == nil {
		r.Body = http.NoBody
	}
	rec := &recorder{header: http.Header{}}
	t.h.ServeHTTP(rec, r)
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	return &http.Response{StatusCode: rec.code, Status: http.StatusText(rec.code), Header: rec.header, Request: r,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Body: io.NopCloser(&rec.body), ContentLength: int64(rec.body.Len())}, nil
}

type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
