// Package session signs the pages in: a backend-for-frontend (BFF) that
// runs the OpenID Connect authorization-code flow with PKCE as a
// confidential client, keeps the tokens on the server and gives the browser
// only an HttpOnly session cookie. Requests the pages send to the API carry
// the cookie; the BFF checks their CSRF token, renews the access token with
// the refresh token when it is about to expire, and passes the request on
// with the access token as its Bearer header, so the API (pkg/httpapi)
// verifies tokens exactly as it does for the CLI and on AWS.
//
// Why a BFF rather than tokens in the page (docs/security.md): a script
// injected into the page cannot read or send away a token it never sees,
// and a new tab shares the cookie, so it is signed in at once.
//
// Sessions and the sign-ins under way are kept in the metadata table (keyed
// by the SHA-256 of the cookie or state, with expiries), so a restart, a
// deployment or a second server keeps everyone signed in.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Verifier checks an access token as the API does.
type Verifier interface {
	Verify(ctx context.Context, raw string) (auth.Identity, error)
}

// Config describes the BFF's client at the provider.
type Config struct {
	// OAuth is the client: id, secret, the provider's authorize and token
	// endpoints, the redirect URL (this origin's /auth/callback) and the
	// scopes (openid, profile, offline_access for a refresh token).
	OAuth oauth2.Config
	// EndSessionURL and RevokeURL are the provider's; PostLogoutURL is
	// where end_session sends the browser back (this origin's /).
	EndSessionURL, RevokeURL, PostLogoutURL string
	// HTTP reaches the provider (nil: http.DefaultClient).
	HTTP     *http.Client
	Verifier Verifier
	// Secure marks cookies Secure (and __Host-): set when the pages are
	// served over TLS.
	Secure bool
	// MaxAge ends a session however active (default 12 h, the provider's
	// session).
	MaxAge time.Duration
	Log    *slog.Logger
	// Table keeps the sessions; required.
	Table store.Table
	// TwoStepURL is where the default provider's users turn on two-step
	// verification (the embedded provider's /oidc/totp), told to the pages
	// in the yj_who cookie; empty where the provider manages it itself
	// (Cognito, a unit's single sign-on), so the pages offer no dead link.
	TwoStepURL string
	// External are further providers the pages may sign in through (a
	// unit's single sign-on), chosen by /auth/login?via=NAME; the fields
	// above are the default one's.
	External []*Upstream
	// Resolve, Bearer and Logout are the default provider's, as in
	// Upstream.
	Resolve func(ctx context.Context, u *Upstream) error
	Bearer  Bearer
	Logout  Logout
}

// Bearer says which of the provider's tokens the API takes.
type Bearer int

// Bearers.
const (
	// AccessToken: the provider's access token is a JWT for the API's
	// audience (the embedded provider, Keycloak, oidc-provider).
	AccessToken Bearer = iota
	// IDToken: the ID token. Cognito puts the groups and custom attributes
	// only there, and its access token has no audience
	// (docs/deployment.md, "Identity provider").
	IDToken
)

// Logout says how the provider's session is ended.
type Logout int

// Logouts.
const (
	// EndSession: OpenID RP-initiated logout (id_token_hint,
	// post_logout_redirect_uri).
	EndSession Logout = iota
	// CognitoLogout: Cognito's /logout?client_id=&logout_uri=, which has
	// no id_token_hint and wants one of the client's LogoutURLs.
	CognitoLogout
)

// Upstream is a provider the pages sign in through, by the same code path
// as the default one.
type Upstream struct {
	// Name is its via= value; Label the sign-in page's button.
	Name, Label string
	// OAuth, EndSessionURL, RevokeURL, HTTP and Verifier are as in Config.
	OAuth                    oauth2.Config
	EndSessionURL, RevokeURL string
	HTTP                     *http.Client
	Verifier                 Verifier
	// Resolve, if set, fills in the endpoints before first use (OpenID
	// discovery), so a provider that is down at startup is retried at the
	// next sign-in rather than stopping the server.
	Resolve func(ctx context.Context, u *Upstream) error
	// Bearer is the token the API is given; Logout how the provider's
	// session ends.
	Bearer Bearer
	Logout Logout

	mu       sync.Mutex
	resolved bool
}

// Discover is a Resolve that reads the provider's endpoints from its
// OpenID discovery document (o's issuer), the client authenticating in the
// Authorization header; adjust, if set, then corrects what a provider's
// document leaves out (Cognito names no end_session endpoint).
func Discover(o *auth.OIDC, adjust func(u *Upstream, d *auth.Discovery)) func(context.Context, *Upstream) error {
	return func(ctx context.Context, u *Upstream) error {
		d, err := o.Discover(ctx)
		if err != nil {
			return err
		}
		u.OAuth.Endpoint = oauth2.Endpoint{AuthURL: d.Authorization, TokenURL: d.Token, AuthStyle: oauth2.AuthStyleInHeader}
		u.EndSessionURL, u.RevokeURL = d.EndSession, d.Revocation
		if adjust != nil {
			adjust(u, d)
		}
		return nil
	}
}

func (u *Upstream) ready(ctx context.Context) error {
	if u.Resolve == nil {
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.resolved {
		return nil
	}
	if err := u.Resolve(ctx, u); err != nil {
		return err
	}
	u.resolved = true
	return nil
}

func (u *Upstream) context() context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, u.HTTP)
}

// BFF is the pages' sign-in.
type BFF struct {
	c   Config
	ups map[string]*Upstream // by Name; "" is the default

	// renewing serializes the renewals of one session in this process: a
	// refresh token is used once. Across processes the conditional write
	// of the renewed session decides (fresh).
	renewing sync.Map // table key → *sync.Mutex
}

// session is one browser's sign-in, as stored.
type session struct {
	ID      Identity  `json:"id"`
	Via     string    `json:"via,omitempty"` // the upstream it signed in through
	CSRF    string    `json:"csrf"`
	Access  string    `json:"access"`
	Refresh string    `json:"refresh,omitempty"`
	Expiry  time.Time `json:"expiry"` // the access token's
	IDToken string    `json:"idToken,omitempty"`
	Expires time.Time `json:"expires"` // the session's
	rev     int64
	key     string
}

// pending is a sign-in under way: from /auth/login to /auth/callback.
type pending struct {
	Verifier string    `json:"verifier"`
	Next     string    `json:"next"`
	Via      string    `json:"via,omitempty"`
	Expires  time.Time `json:"expires"`
	rev      int64
	key      string
}

func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func (b *BFF) sessions() store.Records[session] {
	return store.Records[session]{T: b.c.Table, Kind: "page session", Rev: func(s *session) *int64 { return &s.rev },
		Item: func(s *session) store.Item { return store.Item{PK: s.key, SK: "session", ExpiresAt: s.Expires} }}
}

func (b *BFF) pendings() store.Records[pending] {
	return store.Records[pending]{T: b.c.Table, Kind: "sign-in", Rev: func(p *pending) *int64 { return &p.rev },
		Item: func(p *pending) store.Item { return store.Item{PK: p.key, SK: "pending", ExpiresAt: p.Expires} }}
}

// SessionKey and PendingKey are the table keys (partition; the sort keys
// are "session" and "pending") of the page session of cookie sid and of the
// sign-in under way of state: what an operator or a test reads raw, and
// what the functions' IAM policies name (bff#*).
func SessionKey(sid string) string   { return "bff#session#" + digest(sid) }
func PendingKey(state string) string { return "bff#pending#" + digest(state) }

func (s *session) token() *oauth2.Token {
	return &oauth2.Token{AccessToken: s.Access, TokenType: "Bearer", RefreshToken: s.Refresh, Expiry: s.Expiry}
}

// Identity is who a session is for, as the pages read it.
type Identity = auth.Identity

// New returns a BFF.
func New(c Config) *BFF {
	if c.MaxAge <= 0 {
		c.MaxAge = 12 * time.Hour
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.HTTP == nil {
		c.HTTP = http.DefaultClient
	}
	if c.Table == nil {
		panic("session: Config.Table is required (the sessions are kept there)")
	}
	b := &BFF{c: c, ups: map[string]*Upstream{"": {OAuth: c.OAuth, EndSessionURL: c.EndSessionURL, RevokeURL: c.RevokeURL,
		HTTP: c.HTTP, Verifier: c.Verifier, Resolve: c.Resolve, Bearer: c.Bearer, Logout: c.Logout}}}
	for _, u := range c.External {
		if u.HTTP == nil {
			u.HTTP = &http.Client{Timeout: 15 * time.Second}
		}
		b.ups[u.Name] = u
	}
	return b
}

// The cookies. The session id is HttpOnly; the CSRF token and who is
// signed in are for the pages' script to read (neither signs anything in:
// the CSRF token is checked against the session's).
const (
	sessionCookie = "yj_session"
	csrfCookie    = "yj_csrf"
	whoCookie     = "yj_who"
	stateCookie   = "yj_auth"
	// CSRFHeader carries the CSRF token on every request that changes
	// something.
	CSRFHeader = "X-CSRF-Token"
)

func (b *BFF) name(n string) string {
	if b.c.Secure {
		return "__Host-" + n // Secure, Path=/, no Domain: no sub-domain can set it
	}
	return n
}

func (b *BFF) setCookie(w http.ResponseWriter, name, value string, httpOnly bool, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: b.name(name), Value: value, Path: "/", HttpOnly: httpOnly, Secure: b.c.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
}

func (b *BFF) clearCookies(w http.ResponseWriter) {
	for _, n := range []string{sessionCookie, csrfCookie, whoCookie} {
		b.setCookie(w, n, "", n == sessionCookie, -1)
	}
}

// pages are where a sign-in may return to.
var pages = map[string]bool{"/": true, "/lawyer": true, "/clerk": true, "/auditor": true, "/admin": true}

// Handler serves /auth/login, /auth/callback and /auth/logout.
func (b *BFF) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth/login", b.login)
	mux.HandleFunc("GET /auth/callback", b.callback)
	mux.HandleFunc("POST /auth/logout", b.logout)
	mux.HandleFunc("GET /auth/providers", b.providers)
	return mux
}

func (b *BFF) login(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if !pages[next] {
		next = "/"
	}
	via := r.URL.Query().Get("via")
	up, ok := b.ups[via]
	if !ok {
		b.problem(w, http.StatusNotFound, "没有这个登录方式 (No such way to sign in)", "")
		return
	}
	if err := up.ready(r.Context()); err != nil {
		b.c.Log.Error("the external provider cannot be reached", "via", via, "err", err)
		b.problem(w, http.StatusBadGateway, "单位统一身份认证暂时无法访问，请稍后再试 (The unit's sign-on cannot be reached: try again later)", "")
		return
	}
	state, verifier := rand.Text(), oauth2.GenerateVerifier()
	if err := b.pendings().Put(r.Context(), &pending{key: PendingKey(state), Verifier: verifier, Next: next, Via: via,
		Expires: time.Now().Add(15 * time.Minute)}); err != nil {
		b.c.Log.Error("keep the sign-in under way", "err", err)
		b.problem(w, http.StatusServiceUnavailable, "暂时无法登录，请稍后再试 (Signing in is unavailable: try again later)", "")
		return
	}
	// The state is also bound to this browser: a code that arrives in
	// another browser (login CSRF) finds no matching cookie.
	http.SetCookie(w, &http.Cookie{Name: b.name(stateCookie), Value: state, Path: "/", HttpOnly: true, Secure: b.c.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 15 * 60})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, up.OAuth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

func (b *BFF) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	c, err := r.Cookie(b.name(stateCookie))
	p, ok := b.takePending(r.Context(), state)
	http.SetCookie(w, &http.Cookie{Name: b.name(stateCookie), Value: "", Path: "/", HttpOnly: true, Secure: b.c.Secure, MaxAge: -1})
	if err != nil || !ok || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 || time.Now().After(p.Expires) {
		b.problem(w, http.StatusBadRequest, "登录请求已失效，请重新登录 (The sign-in request is no longer valid: sign in again)", "")
		return
	}
	if e := q.Get("error"); e != "" {
		b.c.Log.Info("sign-in ended at the provider", "error", e, "description", q.Get("error_description"))
		b.problem(w, http.StatusBadRequest, "登录未完成，请重新登录 (Signing in did not finish: sign in again)", "")
		return
	}
	up, ok := b.ups[p.Via]
	if !ok || up.ready(r.Context()) != nil {
		b.problem(w, http.StatusBadGateway, "登录未完成，请重新登录 (Signing in did not finish: sign in again)", "")
		return
	}
	tok, err := up.OAuth.Exchange(up.context(), q.Get("code"), oauth2.VerifierOption(p.Verifier))
	if err != nil {
		b.c.Log.Error("exchange the sign-in code", "err", err)
		b.problem(w, http.StatusBadGateway, "登录未完成，请重新登录 (Signing in did not finish: sign in again)", "")
		return
	}
	idToken, _ := tok.Extra("id_token").(string)
	bearer := up.bearer(tok.AccessToken, idToken)
	id, err := up.Verifier.Verify(r.Context(), bearer)
	if err != nil {
		// An administrator's token names a role the pages do not serve.
		b.c.Log.Info("a signed-in account the pages do not serve", "err", err)
		b.problem(w, http.StatusForbidden, "此账户不能使用阅卷页面，请联系管理员。 (This account cannot use the pages: ask the administrator.)", up.endSessionURL(idToken, b.c.PostLogoutURL))
		return
	}
	sid, csrf := rand.Text()+rand.Text(), rand.Text()
	s := &session{key: SessionKey(sid), ID: id, Via: p.Via, CSRF: csrf, Access: bearer, Refresh: tok.RefreshToken, Expiry: tok.Expiry,
		IDToken: idToken, Expires: time.Now().Add(b.c.MaxAge)}
	if err := b.sessions().Put(r.Context(), s); err != nil {
		b.c.Log.Error("keep the session", "err", err)
		b.problem(w, http.StatusServiceUnavailable, "暂时无法登录，请稍后再试 (Signing in is unavailable: try again later)", "")
		return
	}
	age := int(b.c.MaxAge.Seconds())
	b.setCookie(w, sessionCookie, sid, true, age)
	b.setCookie(w, csrfCookie, csrf, false, age)
	twoStep := ""
	if p.Via == "" {
		twoStep = b.c.TwoStepURL
	}
	b.setCookie(w, whoCookie, who(id, twoStep), false, age)
	next := p.Next
	if next == "/" {
		next = "/" + string(id.Role)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, next, http.StatusFound)
}

// who is the pages' view of the identity: base64url JSON of the claims
// the header shows, and where to turn on two-step verification if the
// provider signed in through offers it here.
func who(id Identity, twoStep string) string {
	j, _ := json.Marshal(struct {
		Identity
		TwoStep string `json:"twoStep,omitempty"`
	}{id, twoStep})
	return base64.RawURLEncoding.EncodeToString(j)
}

// takePending reads and removes the sign-in under way of state: a state
// is used once.
func (b *BFF) takePending(ctx context.Context, state string) (*pending, bool) {
	if state == "" {
		return nil, false
	}
	p, err := b.pendings().Get(ctx, PendingKey(state), "pending")
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			b.c.Log.Error("read the sign-in under way", "err", err)
		}
		return nil, false
	}
	if err := b.c.Table.Delete(ctx, PendingKey(state), "pending", p.rev); err != nil {
		return nil, false // another request took it
	}
	return p, true
}

func (b *BFF) current(r *http.Request) (string, *session) {
	c, err := r.Cookie(b.name(sessionCookie))
	if err != nil || c.Value == "" {
		return "", nil
	}
	s, err := b.sessions().Get(r.Context(), SessionKey(c.Value), "session")
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			b.c.Log.Error("read the session", "err", err)
		}
		return "", nil
	}
	s.key = SessionKey(c.Value)
	if time.Now().After(s.Expires) {
		return "", nil
	}
	return c.Value, s
}

func (b *BFF) end(ctx context.Context, sid string) {
	if err := store.Unmark(ctx, b.c.Table, SessionKey(sid), "session"); err != nil {
		b.c.Log.Error("end the session", "err", err)
	}
}

// bearer is the token of a grant that the API is given.
func (u *Upstream) bearer(access, idToken string) string {
	if u.Bearer == IDToken {
		return idToken
	}
	return access
}

func (u *Upstream) endSessionURL(idToken, back string) string {
	if u.EndSessionURL == "" {
		return back // the provider has no end_session: the page goes home
	}
	if u.Logout == CognitoLogout {
		return u.EndSessionURL + "?" + url.Values{"client_id": {u.OAuth.ClientID}, "logout_uri": {back}}.Encode()
	}
	q := url.Values{"client_id": {u.OAuth.ClientID}, "post_logout_redirect_uri": {back}}
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	return u.EndSessionURL + "?" + q.Encode()
}

// providers lists the further ways to sign in, for the sign-in page.
func (b *BFF) providers(w http.ResponseWriter, _ *http.Request) {
	type entry struct {
		Via   string `json:"via"`
		Label string `json:"label"`
	}
	out := []entry{}
	for _, u := range b.c.External {
		out = append(out, entry{Via: u.Name, Label: u.Label})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// logout ends the session here and sends the page on to the provider's
// end_session, which ends the provider's session and its tokens; the
// answer names where to go ({"location": URL}), for the page's script.
func (b *BFF) logout(w http.ResponseWriter, r *http.Request) {
	sid, s := b.current(r)
	loc := b.ups[""].endSessionURL("", b.c.PostLogoutURL)
	if s != nil {
		if !b.csrfOK(r, s) {
			forbidden(w)
			return
		}
		b.end(r.Context(), sid)
		refresh, idToken := s.Refresh, s.IDToken
		up := b.ups[s.Via]
		if up == nil || up.ready(r.Context()) != nil {
			up = b.ups[""]
		}
		up.revoke(refresh, b.c.Log)
		loc = up.endSessionURL(idToken, b.c.PostLogoutURL)
	}
	b.clearCookies(w)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]string{"location": loc})
}

// revoke tells the provider a refresh token is done with (RFC 7009); a
// failure is logged: end_session ends the tokens too.
func (u *Upstream) revoke(token string, log *slog.Logger) {
	if token == "" || u.RevokeURL == "" {
		return
	}
	req, err := http.NewRequest(http.MethodPost, u.RevokeURL,
		strings.NewReader(url.Values{"token": {token}, "token_type_hint": {"refresh_token"}}.Encode()))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(u.OAuth.ClientID), url.QueryEscape(u.OAuth.ClientSecret))
	resp, err := u.HTTP.Do(req)
	if err != nil {
		log.Warn("revoke refresh token", "err", err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		log.Warn("revoke refresh token", "status", resp.StatusCode)
	}
}

func (b *BFF) csrfOK(r *http.Request, s *session) bool {
	got := r.Header.Get(CSRFHeader)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) == 1
}

// safe methods change nothing, so they need no CSRF token.
func safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// renewBefore is how long before its expiry an access token is renewed.
const renewBefore = time.Minute

// API passes requests on to next: one with its own Authorization header
// (the CLI, scripts) as it is; one with the session cookie with the
// session's access token as its Bearer header, renewed first if it is
// about to expire. A session that cannot be renewed ends, and its request
// goes on without a login (the API answers 401; the page says so once).
// A request that changes something must carry the session's CSRF token.
func (b *BFF) API(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			next.ServeHTTP(w, r)
			return
		}
		sid, s := b.current(r)
		if s == nil {
			next.ServeHTTP(w, r)
			return
		}
		if !safe(r.Method) && !b.csrfOK(r, s) {
			forbidden(w)
			return
		}
		tok, err := b.fresh(r.Context(), s)
		if err != nil {
			b.c.Log.Info("session ended: its token cannot be renewed", "sub", s.ID.Subject, "err", err)
			b.end(r.Context(), sid)
			b.clearCookies(w)
			next.ServeHTTP(w, r)
			return
		}
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+tok)
		next.ServeHTTP(w, r)
	})
}

// fresh returns the session's access token, renewed (and the refresh token
// rotated) if it expires within renewBefore. The renewed session is written
// on the version read: if another process renewed it first, its token is
// the one used.
func (b *BFF) fresh(ctx context.Context, s *session) (string, error) {
	if time.Until(s.Expiry) > renewBefore {
		return s.Access, nil
	}
	mu, _ := b.renewing.LoadOrStore(s.key, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	defer b.renewing.Delete(s.key)
	cur, err := b.sessions().Get(ctx, s.key, "session")
	if err != nil {
		return "", err
	}
	cur.key = s.key
	if time.Until(cur.Expiry) > renewBefore {
		return cur.Access, nil // renewed meanwhile
	}
	if cur.Refresh == "" {
		return "", errors.New("no refresh token")
	}
	up, ok := b.ups[cur.Via]
	if !ok {
		return "", fmt.Errorf("the provider %q is no longer configured", cur.Via)
	}
	if err := up.ready(ctx); err != nil {
		return "", err
	}
	old := cur.token()
	old.Expiry = time.Now().Add(-time.Second) // make the source refresh
	tok, err := up.OAuth.TokenSource(up.context(), old).Token()
	if err != nil {
		return "", fmt.Errorf("refresh: %w", err)
	}
	idt, _ := tok.Extra("id_token").(string)
	bearer := up.bearer(tok.AccessToken, idt)
	if _, err := up.Verifier.Verify(ctx, bearer); err != nil {
		return "", fmt.Errorf("renewed token: %w", err)
	}
	cur.Access, cur.Refresh, cur.Expiry = bearer, tok.RefreshToken, tok.Expiry
	if idt != "" {
		cur.IDToken = idt
	}
	if err := b.sessions().Put(ctx, cur); err != nil {
		if errors.Is(err, store.ErrConflict) {
			if again, gerr := b.sessions().Get(ctx, s.key, "session"); gerr == nil && time.Until(again.Expiry) > 0 {
				return again.Access, nil
			}
		}
		return "", fmt.Errorf("keep the renewed session: %w", err)
	}
	return cur.Access, nil
}

// codeForbidden is the API's word for a refused request (pkg/httpapi).
const codeForbidden = "forbidden"

func forbidden(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": codeForbidden,
		"message": "请求缺少页面的防伪令牌，请刷新页面后重试 (The request lacks the page's CSRF token: reload the page and try again)"}})
}

// problemPage is the page of a sign-in that cannot go on. Written with
// html.EscapeString, not html/template: executing a template keeps every
// exported method of every type in the binary (docs/design.md, "Lambda
// bootstraps"), which took the role functions from 13.7 to 22.8 MB.
func problemPage(msg, signOut string) string {
	link := `<a href="/auth/login">重新登录 (Sign in again)</a>`
	if signOut != "" {
		link = `<a href="` + html.EscapeString(signOut) + `">退出登录 (Sign out)</a>`
	}
	return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 阅卷</title><link rel="stylesheet" href="/static/app.css"></head>
<body><header class="topbar"><h1><a href="/">阅卷 · 互联网阅卷服务</a></h1></header>
<main><section class="card signin"><h2>登录 <span lang="en">(Sign in)</span></h2>
<p role="alert">` + html.EscapeString(msg) + `</p>
<p>` + link + `</p>
</section></main></body></html>
`
}

func (b *BFF) problem(w http.ResponseWriter, status int, msg, signOut string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, problemPage(msg, signOut))
}
