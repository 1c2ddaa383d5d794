// Package provider is the local server's own OpenID provider: discovery,
// JWKS, authorize, token, revocation, userinfo and end_session from
// github.com/zitadel/oidc's op package (the protocol is the library's; this
// package gives it storage, clients and a login page), over the account
// directory. It signs with the login key the API verifies (EdDSA, the same
// key id), so its access tokens carry exactly the claims pkg/auth reads:
// subject, name, role, a clerk's unit.
//
// Every client must use the authorization-code flow with PKCE (S256). The
// provider keeps its own sign-in session (a cookie on its path), so a second
// authorization in the same browser needs no password, and end_session ends
// it. Only the local server links this package: the Lambda functions verify
// tokens of an external provider (functions/size_test.go).
package provider

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Config describes a provider.
type Config struct {
	// Issuer is the provider's absolute URL; it serves under the issuer's
	// path (http://127.0.0.1:8080/oidc: /oidc/.well-known/openid-configuration).
	Issuer string
	// Audience is the API's audience, put in every token next to the
	// client's id.
	Audience  string
	Key       ed25519.PrivateKey
	Directory *account.Directory
	// Table keeps the protocol state and the provider's sign-in sessions
	// (default: the directory's table), so they outlive the process.
	Table   store.Table
	Clients []Client
	// Notices sends the code that proves a registering lawyer's mobile
	// number (SMS on AWS, the outbox locally); nil: no registration.
	Notices notify.Notifier
	// TokenTTL is the lifetime of access and ID tokens (default 10 min),
	// RefreshTTL how long an unused refresh token lasts (default 8 h),
	// SessionTTL how long the provider's own sign-in lasts (default 12 h).
	TokenTTL, RefreshTTL, SessionTTL time.Duration
	Log                              *slog.Logger
}

// Provider is the embedded OpenID provider.
type Provider struct {
	op      *op.Provider
	st      *storage
	dir     *account.Directory
	path    string // the issuer's path, where Handler is mounted
	secure  bool
	ttl     time.Duration
	log     *slog.Logger
	limiter account.Limiter
	codes   account.Limiter // codes sent, per address and per phone
	notices notify.Notifier
}

// cookieName is the provider's session cookie.
const cookieName = "yj_op"

// New builds the provider.
func New(c Config) (*Provider, error) {
	iss, err := url.Parse(c.Issuer)
	if err != nil || !iss.IsAbs() || iss.RawQuery != "" || iss.Fragment != "" {
		return nil, fmt.Errorf("provider: issuer %q: want an absolute URL without query", c.Issuer)
	}
	if c.Key == nil || c.Directory == nil {
		return nil, errors.New("provider: a key and a directory are required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.TokenTTL, 10*time.Minute)
	def(&c.RefreshTTL, 8*time.Hour)
	def(&c.SessionTTL, 12*time.Hour)
	if c.Log == nil {
		c.Log = slog.Default()
	}
	path := strings.TrimRight(iss.Path, "/")
	if c.Table == nil {
		c.Table = c.Directory.T
	}
	st := &storage{dir: c.Directory, t: c.Table, key: c.Key, kid: kidOf(c.Key), audience: c.Audience, clients: map[string]*client{},
		tokenTTL: c.TokenTTL, idleTTL: c.RefreshTTL, now: time.Now}
	for _, cl := range c.Clients {
		st.clients[cl.ID] = &client{Client: cl, secret: cl.Secret, loginURL: path + "/login", tokenTTL: c.TokenTTL}
	}
	// The library seals codes with this key: derived from the signing key,
	// so a code issued before a restart is still read after it.
	key := sha256.Sum256(append([]byte("yuejuan oidc codes\x00"), c.Key.Seed()...))
	root := *iss
	root.Path = "/"
	cfg := &op.Config{
		CryptoKey:                key,
		DefaultLogoutRedirectURI: root.String(),
		CodeMethodS256:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.SimplifiedChinese, language.English},
		SupportedClaims:          append(op.DefaultSupportedClaims, "role", "unit"),
	}
	opts := []op.Option{
		op.WithCORSOptions(nil), // the pages are on this origin; no other site may call it with credentials
		op.WithIDTokenHintVerifierOpts(op.WithSupportedIDTokenHintSigningAlgorithms(string(signingKey{}.SignatureAlgorithm()))),
		op.WithAccessTokenVerifierOpts(op.WithSupportedAccessTokenSigningAlgorithms(string(signingKey{}.SignatureAlgorithm()))),
	}
	if iss.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	o, err := op.NewProvider(cfg, st, op.StaticIssuer(strings.TrimRight(c.Issuer, "/")), opts...)
	if err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	return &Provider{op: o, st: st, dir: c.Directory, path: path, secure: iss.Scheme == "https", ttl: c.SessionTTL, log: c.Log,
		limiter: account.Limiter{Every: 6 * time.Second, Burst: 10},
		codes:   account.Limiter{Every: time.Minute, Burst: 3},
		notices: c.Notices}, nil
}

// Path is where Handler expects to be mounted (the issuer's path).
func (p *Provider) Path() string { return p.path }

// Handler serves the provider under Path: the library's endpoints, the login
// page, and end_session, which also ends the provider's own session.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+p.path+"/login", p.loginPage)
	mux.HandleFunc("POST "+p.path+"/login", p.loginSubmit)
	mux.HandleFunc("POST "+p.path+"/login/password", p.passwordSubmit)
	mux.HandleFunc("POST "+p.path+"/login/totp", p.totpSubmit)
	mux.HandleFunc("GET "+p.path+"/totp", p.enrolPage)
	mux.HandleFunc("POST "+p.path+"/totp", p.enrolSubmit)
	if p.notices != nil {
		mux.HandleFunc("GET "+p.path+"/register", p.registerPage)
		mux.HandleFunc("POST "+p.path+"/register", p.registerSubmit)
		mux.HandleFunc("POST "+p.path+"/register/confirm", p.confirmSubmit)
	}
	inner := http.StripPrefix(p.path, p.op)
	mux.Handle(p.path+"/end_session", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.endSession(w, r)
		inner.ServeHTTP(w, r)
	}))
	mux.Handle(p.path+"/", inner)
	return mux
}

// currentSession is the provider's sign-in of r's browser, if any.
func (p *Provider) currentSession(r *http.Request) (string, *browserSession) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return "", nil
	}
	s, err := p.st.browser(r.Context(), c.Value)
	if err != nil {
		if !errors.Is(err, errNotFound) {
			p.log.Error("read the provider's session", "err", err)
		}
		return "", nil
	}
	return c.Value, s
}

// signedIn is the account signed in to the provider in r's browser and
// when it signed in: nil when there is no session, or its account is gone
// or disabled (the session no longer speaks for anyone).
func (p *Provider) signedIn(r *http.Request) (*account.Account, time.Time) {
	_, s := p.currentSession(r)
	if s == nil {
		return nil, time.Time{}
	}
	a, err := p.dir.Get(r.Context(), s.User)
	if err != nil {
		if !errors.Is(err, account.ErrNotFound) {
			p.log.Error("read the signed-in account", "user", s.User, "err", err)
		}
		return nil, time.Time{}
	}
	if a.Disabled {
		return nil, time.Time{}
	}
	return a, s.At
}

func (p *Provider) startSession(w http.ResponseWriter, r *http.Request, user string) {
	id := rand.Text() + rand.Text()
	if err := p.st.startBrowser(r.Context(), id, user, p.ttl); err != nil {
		// The sign-in still completes; only the next one asks again.
		p.log.Error("keep the provider's session", "err", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: p.path + "/", HttpOnly: true, Secure: p.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(p.ttl.Seconds())})
}

// endSession ends the provider's session of this browser and records the
// sign-out; the library then ends the client's tokens and redirects.
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	id, s := p.currentSession(r)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: p.path + "/", HttpOnly: true, Secure: p.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	if s == nil {
		return
	}
	if err := p.st.endBrowser(r.Context(), id); err != nil {
		p.log.Error("end the provider's session", "err", err)
	}
	a, err := p.dir.Get(r.Context(), s.User)
	if err != nil {
		p.log.Error("sign-out of an account that cannot be read", "user", s.User, "err", err)
		return
	}
	if err := p.dir.RecordSignOut(r.Context(), a.Identity(), actor(r)); err != nil {
		p.log.Error("record sign-out", "err", err)
	}
}

// complete finishes authorization request id for user and sends the
// browser to the library's callback, which issues the code.
func (p *Provider) complete(w http.ResponseWriter, r *http.Request, id, user string, at time.Time) {
	if !p.st.signedIn(r.Context(), id, user, at) {
		p.render(w, http.StatusBadRequest, page{Expired: true})
		return
	}
	http.Redirect(w, r, p.path+"/authorize/callback?id="+url.QueryEscape(id), http.StatusFound)
}

func hasPrompt(a *authRequest, want string) bool {
	for _, pr := range a.Prompt {
		if pr == want {
			return true
		}
	}
	return false
}

func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	a, ok := p.st.request(r.Context(), id)
	if !ok {
		p.render(w, http.StatusBadRequest, page{Expired: true})
		return
	}
	if !hasPrompt(a, oidc.PromptLogin) {
		if acct, at := p.signedIn(r); acct != nil {
			p.complete(w, r, id, acct.Username, at)
			return
		}
	}
	if hasPrompt(a, oidc.PromptNone) {
		op.AuthRequestError(w, r, a, oidc.ErrLoginRequired(), p.op)
		return
	}
	p.render(w, http.StatusOK, page{ID: id})
}

// beijing is the time zone lockouts are told in.
var beijing = time.FixedZone("CST", 8*3600)

func (p *Provider) loginSubmit(w http.ResponseWriter, r *http.Request) {
	id, user, pw := r.PostFormValue("id"), strings.TrimSpace(r.PostFormValue("username")), r.PostFormValue("password")
	if n := casefile.NormalizeLicense(user); n != "" && strings.Trim(n, "0123456789") == "" {
		// A lawyer's user name is the certificate number, however typed
		// (full-width digits, spaces); other user names are kept as they are.
		user = n
	}
	if _, ok := p.st.request(r.Context(), id); !ok {
		p.render(w, http.StatusBadRequest, page{Expired: true})
		return
	}
	pg := page{ID: id, Username: user}
	if user == "" || pw == "" {
		pg.Error = "请填写用户名和密码 (Enter your user name and password)"
		p.render(w, http.StatusBadRequest, pg)
		return
	}
	from := actor(r)
	if p.limiter.Blocked("ip:"+from.IP) || p.limiter.Blocked("user:"+user) {
		pg.Error = "尝试过于频繁，请一分钟后再试 (Too many attempts: try again in a minute)"
		p.render(w, http.StatusTooManyRequests, pg)
		return
	}
	a, err := p.dir.SignIn(r.Context(), user, pw, from)
	if err != nil {
		p.limiter.Failed("ip:" + from.IP)
		p.limiter.Failed("user:" + user)
	}
	var locked *account.LockedError
	switch {
	case errors.As(err, &locked):
		pg.Error = fmt.Sprintf("账户已锁定：连续输错密码次数过多。请于 %s 后再试，或请管理员重置密码 (The account is locked after too many wrong passwords: try again after %s, or ask the administrator to reset it)",
			locked.Until.In(beijing).Format("15:04"), locked.Until.In(beijing).Format("15:04"))
		p.render(w, http.StatusUnauthorized, pg)
		return
	case errors.Is(err, account.ErrCredentials):
		pg.Error = "用户名或密码错误 (Wrong user name or password)"
		p.render(w, http.StatusUnauthorized, pg)
		return
	case errors.Is(err, account.ErrDisabled):
		pg.Error = "账户已停用，请联系管理员 (The account is disabled: contact the administrator)"
		p.render(w, http.StatusUnauthorized, pg)
		return
	case err != nil:
		p.log.Error("sign-in", "err", err)
		pg.Error = "暂时无法登录，请稍后再试 (Signing in is unavailable: try again later)"
		p.render(w, http.StatusInternalServerError, pg)
		return
	}
	if a.MustChange {
		p.st.mustChange(r.Context(), id, a.Username)
		p.render(w, http.StatusOK, page{ID: id, Username: a.Username, Change: true})
		return
	}
	if p.secondFactor(w, r, id, a) {
		return
	}
	p.startSession(w, r, a.Username)
	p.complete(w, r, id, a.Username, time.Now())
}

func (p *Provider) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	id, pw, again := r.PostFormValue("id"), r.PostFormValue("password"), r.PostFormValue("confirm")
	a, ok := p.st.request(r.Context(), id)
	if !ok || a.MustChange == "" {
		p.render(w, http.StatusBadRequest, page{Expired: true})
		return
	}
	user := a.MustChange
	pg := page{ID: id, Username: user, Change: true}
	if subtle.ConstantTimeCompare([]byte(pw), []byte(again)) != 1 {
		pg.Error = "两次输入的新密码不一致 (The two new passwords differ)"
		p.render(w, http.StatusBadRequest, pg)
		return
	}
	by := actor(r)
	by.Subject = user
	if err := p.dir.SetPassword(r.Context(), user, pw, by); err != nil {
		pg.Error = passwordProblem(err)
		p.render(w, http.StatusBadRequest, pg)
		return
	}
	if acct, err := p.dir.Get(r.Context(), user); err == nil && p.secondFactor(w, r, id, acct) {
		return
	}
	p.startSession(w, r, user)
	p.complete(w, r, id, user, time.Now())
}

func passwordProblem(err error) string {
	switch {
	case errors.Is(err, account.ErrPasswordShort):
		return fmt.Sprintf("新密码至少 %d 个字符 (At least %d characters)", account.MinPasswordLen, account.MinPasswordLen)
	case errors.Is(err, account.ErrPasswordLong):
		return "新密码过长 (The password is too long)"
	case errors.Is(err, account.ErrPasswordSame):
		return "新密码不能与一次性密码相同 (Choose a password other than the one-time password)"
	}
	return "暂时无法设置密码，请稍后再试 (The password cannot be set now: try again later)"
}

// actor is the audit log's view of the request's client.
func actor(r *http.Request) account.Actor {
	ip := r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	ua := r.UserAgent()
	if len(ua) > 256 {
		ua = ua[:256]
	}
	return account.Actor{IP: ip, UserAgent: ua, RequestID: r.Header.Get("X-Request-Id")}
}
