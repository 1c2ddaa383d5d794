package provider

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// storage is the op.Storage of the embedded provider: clients are fixed,
// users are the account directory's, and the protocol state (authorization
// requests, codes, access-token records, refresh tokens, the provider's
// browser sessions) is kept in the metadata table with expiries, so a
// restart or a second process signs nobody out. Codes and refresh tokens
// are keyed by their SHA-256: the table never holds one that works.
type storage struct {
	dir      *account.Directory
	t        store.Table
	key      ed25519.PrivateKey
	kid      string
	audience string
	clients  map[string]*client
	tokenTTL time.Duration // access and ID tokens
	idleTTL  time.Duration // a refresh token unused this long is gone
	now      func() time.Time
}

// The table's keys of the provider's records.
const (
	pkRequest = "oidc#req#"   // + request id
	pkCode    = "oidc#code#"  // + sha256(code)
	pkAccess  = "oidc#at#"    // + token id
	pkRefresh = "oidc#rt#"    // + sha256(token)
	pkSpent   = "oidc#spent#" // + sha256(rotated-out token)
	pkBrowser = "oidc#op#"    // + sha256(session cookie)
	bySubject = "oidc#sub#"   // GSI1: a user's tokens
	byFamily  = "oidc#fam#"   // GSI2: a refresh-token family's tokens
)

// hashKey is what a secret is stored under.
func hashKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

type accessToken struct {
	ID       string    `json:"id"`
	Subject  string    `json:"sub"`
	ClientID string    `json:"client"`
	Family   string    `json:"family,omitempty"`
	Expires  time.Time `json:"expires"`
	rev      int64
}

// refreshToken is one link of a family: each use rotates it, and the use of
// a link already rotated out ends the whole family (a stolen copy was used).
type refreshToken struct {
	Key      string    `json:"key"` // sha256 of the token; the token itself is never stored
	Family   string    `json:"family"`
	Subject  string    `json:"sub"`
	ClientID string    `json:"client"`
	Scopes   []string  `json:"scopes"`
	Aud      []string  `json:"aud"`
	AMR      []string  `json:"amr"`
	AuthTime time.Time `json:"authTime"`
	Expires  time.Time `json:"expires"`
	rev      int64
}

func (r *refreshToken) GetAMR() []string                 { return r.AMR }
func (r *refreshToken) GetAudience() []string            { return r.Aud }
func (r *refreshToken) GetAuthTime() time.Time           { return r.AuthTime }
func (r *refreshToken) GetClientID() string              { return r.ClientID }
func (r *refreshToken) GetScopes() []string              { return r.Scopes }
func (r *refreshToken) GetSubject() string               { return r.Subject }
func (r *refreshToken) SetCurrentScopes(scopes []string) { r.Scopes = scopes }

// spent is a rotated-out refresh token's family, kept as long as the
// token would have lived.
type spent struct {
	Family  string    `json:"family"`
	Expires time.Time `json:"expires"`
	rev     int64
	pk      string // where a new one is written
}

// codeRef is an issued code's request.
type codeRef struct {
	Request string    `json:"req"`
	Expires time.Time `json:"expires"`
	rev     int64
	pk      string // where a new one is written
}

// browserSession is the provider's sign-in in one browser.
type browserSession struct {
	User    string    `json:"user"`
	At      time.Time `json:"at"`
	Expires time.Time `json:"expires"`
	rev     int64
	pk      string // where a new one is written
}

func (s *storage) requests() store.Records[authRequest] {
	return store.Records[authRequest]{T: s.t, Kind: "oidc request", Rev: func(a *authRequest) *int64 { return &a.rev },
		Item: func(a *authRequest) store.Item {
			return store.Item{PK: pkRequest + a.ID, SK: "req", ExpiresAt: a.Created.Add(requestTTL)}
		}}
}

func (s *storage) codes() store.Records[codeRef] {
	return store.Records[codeRef]{T: s.t, Kind: "oidc code", Rev: func(c *codeRef) *int64 { return &c.rev },
		Item: func(c *codeRef) store.Item { return store.Item{PK: c.pk, SK: "code", ExpiresAt: c.Expires} }}
}

func (s *storage) access() store.Records[accessToken] {
	return store.Records[accessToken]{T: s.t, Kind: "oidc access token", Rev: func(t *accessToken) *int64 { return &t.rev },
		Item: func(t *accessToken) store.Item {
			it := store.Item{PK: pkAccess + t.ID, SK: "at", GSI1PK: bySubject + t.Subject, GSI1SK: "at#" + t.ID, ExpiresAt: t.Expires}
			if t.Family != "" {
				it.GSI2PK, it.GSI2SK = byFamily+t.Family, "at#"+t.ID
			}
			return it
		}}
}

func (s *storage) refresh() store.Records[refreshToken] {
	return store.Records[refreshToken]{T: s.t, Kind: "oidc refresh token", Rev: func(r *refreshToken) *int64 { return &r.rev },
		Item: func(r *refreshToken) store.Item {
			return store.Item{PK: pkRefresh + r.Key, SK: "rt", GSI1PK: bySubject + r.Subject, GSI1SK: "rt#" + r.Key,
				GSI2PK: byFamily + r.Family, GSI2SK: "rt#" + r.Key, ExpiresAt: r.Expires}
		}}
}

func (s *storage) spentTokens() store.Records[spent] {
	return store.Records[spent]{T: s.t, Kind: "oidc spent token", Rev: func(x *spent) *int64 { return &x.rev },
		Item: func(x *spent) store.Item { return store.Item{PK: x.pk, SK: "spent", ExpiresAt: x.Expires} }}
}

func (s *storage) browsers() store.Records[browserSession] {
	return store.Records[browserSession]{T: s.t, Kind: "oidc session", Rev: func(x *browserSession) *int64 { return &x.rev },
		Item: func(x *browserSession) store.Item { return store.Item{PK: x.pk, SK: "op", ExpiresAt: x.Expires} }}
}

// remove deletes the item at pk, sk if it is there; someone else's delete
// meanwhile is not an error.
func (s *storage) remove(ctx context.Context, pk, sk string) error {
	return store.Unmark(ctx, s.t, pk, sk)
}

func randomID() string { return rand.Text() }

var errNotFound = errors.New("provider: not found or expired")

// found turns the store's not-found into errNotFound.
func found[T any](v *T, err error) (*T, error) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	return v, err
}

func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	// PKCE with S256 for every client: a code is worth nothing without
	// the verifier, and "plain" would put the verifier on the front channel.
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE is required: code_challenge with code_challenge_method=S256")
	}
	a := &authRequest{
		ID: randomID(), ClientID: req.ClientID, RedirectURI: req.RedirectURI, State: req.State, Nonce: req.Nonce,
		Scopes: req.Scopes, ResponseType: req.ResponseType, ResponseMode: req.ResponseMode,
		Prompt: req.Prompt, Challenge: &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod},
		Audience: []string{req.ClientID, s.audience}, Created: s.now(),
	}
	if err := s.requests().Put(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// requestTTL is how long a sign-in may take, from the authorization
// request to the code's exchange.
const requestTTL = 15 * time.Minute

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	a, err := s.getRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (s *storage) getRequest(ctx context.Context, id string) (*authRequest, error) {
	if id == "" {
		return nil, errNotFound
	}
	a, err := found(s.requests().Get(ctx, pkRequest+id, "req"))
	if err == nil && s.now().Sub(a.Created) > requestTTL {
		return nil, errNotFound
	}
	return a, err
}

// request returns the stored request for the login page; a failing table
// is logged by the caller's page as an expired request would be.
func (s *storage) request(ctx context.Context, id string) (*authRequest, bool) {
	a, err := s.getRequest(ctx, id)
	return a, err == nil
}

// changeRequest applies fn to request id; false if it is gone or fn says so.
func (s *storage) changeRequest(ctx context.Context, id string, fn func(*authRequest) bool) bool {
	if _, err := s.getRequest(ctx, id); err != nil {
		return false
	}
	_, err := s.requests().Update(ctx, pkRequest+id, "req", func(a *authRequest) error {
		if !fn(a) {
			return errNotFound
		}
		return nil
	})
	return err == nil
}

// signedIn marks request id done for subject.
func (s *storage) signedIn(ctx context.Context, id, subject string, at time.Time) bool {
	return s.changeRequest(ctx, id, func(a *authRequest) bool {
		a.Subject, a.AuthTime, a.Finished, a.MustChange, a.TOTPUser = subject, at, true, "", ""
		return true
	})
}

// mustChange marks request id as waiting for subject's new password.
func (s *storage) mustChange(ctx context.Context, id, subject string) {
	s.changeRequest(ctx, id, func(a *authRequest) bool { a.MustChange = subject; return true })
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	c, err := found(s.codes().Get(ctx, pkCode+hashKey(code), "code"))
	if err != nil {
		return nil, err
	}
	return s.AuthRequestByID(ctx, c.Request)
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return s.codes().Put(ctx, &codeRef{pk: pkCode + hashKey(code), Request: id, Expires: s.now().Add(requestTTL)})
}

// DeleteAuthRequest runs when a code is exchanged: the request goes, so its
// code finds nothing and works once (the code's own record expires).
func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.remove(ctx, pkRequest+id, "req")
}

func clientOf(req op.TokenRequest) string {
	switch r := req.(type) {
	case *authRequest:
		return r.ClientID
	case *refreshToken:
		return r.ClientID
	}
	return ""
}

func (s *storage) newAccess(ctx context.Context, subject, clientID, family string) (*accessToken, error) {
	t := &accessToken{ID: randomID(), Subject: subject, ClientID: clientID, Family: family, Expires: s.now().Add(s.tokenTTL)}
	return t, s.access().Put(ctx, t)
}

func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	t, err := s.newAccess(ctx, req.GetSubject(), clientOf(req), "")
	if err != nil {
		return "", time.Time{}, err
	}
	return t.ID, t.Expires, nil
}

func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	now := s.now()
	token := randomID() + randomID()
	r := &refreshToken{Key: hashKey(token), Subject: req.GetSubject(), ClientID: clientOf(req),
		Scopes: req.GetScopes(), Aud: req.GetAudience(), Expires: now.Add(s.idleTTL)}
	switch q := req.(type) {
	case *authRequest:
		r.Family, r.AuthTime, r.AMR = randomID(), q.AuthTime, q.GetAMR()
	case *refreshToken:
		// The conditional delete is the rotation: of two uses of the same
		// token, in any process, one finds it gone.
		old, err := found(s.refresh().Get(ctx, pkRefresh+hashKey(current), "rt"))
		if err != nil {
			return "", "", time.Time{}, op.ErrInvalidRefreshToken
		}
		if err := s.t.Delete(ctx, pkRefresh+old.Key, "rt", old.rev); err != nil {
			return "", "", time.Time{}, op.ErrInvalidRefreshToken
		}
		if err := s.spentTokens().Put(ctx, &spent{pk: pkSpent + old.Key, Family: old.Family, Expires: old.Expires}); err != nil {
			return "", "", time.Time{}, err
		}
		r.Family, r.AuthTime, r.AMR = old.Family, old.AuthTime, old.AMR
	default:
		return "", "", time.Time{}, fmt.Errorf("provider: no refresh token for a %T", req)
	}
	if err := s.refresh().Put(ctx, r); err != nil {
		return "", "", time.Time{}, err
	}
	t, err := s.newAccess(ctx, r.Subject, r.ClientID, r.Family)
	if err != nil {
		return "", "", time.Time{}, err
	}
	return t.ID, token, t.Expires, nil
}

func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	key := hashKey(token)
	r, err := found(s.refresh().Get(ctx, pkRefresh+key, "rt"))
	if errors.Is(err, errNotFound) {
		if x, err := s.spentTokens().Get(ctx, pkSpent+key, "spent"); err == nil {
			if err := s.endFamily(ctx, x.Family); err != nil {
				return nil, err
			}
		}
		return nil, op.ErrInvalidRefreshToken
	}
	if err != nil {
		return nil, err
	}
	if s.now().After(r.Expires) {
		return nil, op.ErrInvalidRefreshToken
	}
	// A disabled account gets no new tokens.
	a, err := s.dir.Get(ctx, r.Subject)
	if err != nil || a.Disabled {
		return nil, op.ErrInvalidRefreshToken
	}
	return r, nil
}

// removeAll deletes every item q selects for which keep is true.
func (s *storage) removeAll(ctx context.Context, q store.Query, keep func(store.Item) bool) error {
	items, err := store.All(ctx, s.t, q)
	if err != nil {
		return err
	}
	for _, it := range items {
		if keep == nil || keep(it) {
			if err := s.remove(ctx, it.PK, it.SK); err != nil {
				return err
			}
		}
	}
	return nil
}

// endFamily removes every token of a refresh-token family.
func (s *storage) endFamily(ctx context.Context, family string) error {
	return s.removeAll(ctx, store.Query{Index: store.GSI2, PK: byFamily + family}, nil)
}

// ofClient reports whether a token record was issued to clientID.
func ofClient(clientID string) func(store.Item) bool {
	return func(it store.Item) bool {
		var c struct {
			ClientID string `json:"client"`
		}
		return json.Unmarshal(it.Data, &c) == nil && c.ClientID == clientID
	}
}

// TerminateSession runs at end_session: the user's tokens at that client
// go (its refresh tokens in every browser; JWT access tokens already handed
// out run out within tokenTTL).
func (s *storage) TerminateSession(ctx context.Context, userID, clientID string) error {
	return s.removeAll(ctx, store.Query{Index: store.GSI1, PK: bySubject + userID}, ofClient(clientID))
}

// RevokeToken ends a refresh token's family or an access token; token is
// the token, or the id GetRefreshTokenInfo gave (its hash).
func (s *storage) RevokeToken(ctx context.Context, token, _, clientID string) *oidc.Error {
	for _, key := range []string{hashKey(token), token} {
		if r, err := s.refresh().Get(ctx, pkRefresh+key, "rt"); err == nil {
			if r.ClientID != clientID {
				return oidc.ErrInvalidClient().WithDescription("token was not issued for this client")
			}
			if err := s.endFamily(ctx, r.Family); err != nil {
				return oidc.ErrServerError().WithParent(err)
			}
			return nil
		}
	}
	if t, err := s.access().Get(ctx, pkAccess+token, "at"); err == nil {
		if t.ClientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued for this client")
		}
		if err := s.remove(ctx, pkAccess+token, "at"); err != nil {
			return oidc.ErrServerError().WithParent(err)
		}
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	r, err := s.refresh().Get(ctx, pkRefresh+hashKey(token), "rt")
	if err != nil || r.ClientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return r.Subject, r.Key, nil
}

// startBrowser records a provider sign-in for the browser holding cookie.
func (s *storage) startBrowser(ctx context.Context, cookie, user string, ttl time.Duration) error {
	now := s.now()
	return s.browsers().Put(ctx, &browserSession{pk: pkBrowser + hashKey(cookie), User: user, At: now, Expires: now.Add(ttl)})
}

// browser is the provider sign-in of the browser holding cookie.
func (s *storage) browser(ctx context.Context, cookie string) (*browserSession, error) {
	b, err := found(s.browsers().Get(ctx, pkBrowser+hashKey(cookie), "op"))
	if err == nil && s.now().After(b.Expires) {
		return nil, errNotFound
	}
	return b, err
}

func (s *storage) endBrowser(ctx context.Context, cookie string) error {
	return s.remove(ctx, pkBrowser+hashKey(cookie), "op")
}

// signingKey is the login key (keys/login-ed25519.pem): the provider signs
// with the key the API already verifies with, under the same key id.
type signingKey struct {
	kid string
	key ed25519.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.EdDSA }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.kid }

type publicKey struct {
	kid string
	key ed25519.PublicKey
}

func (k publicKey) ID() string                         { return k.kid }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.EdDSA }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.key }

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	return signingKey{kid: s.kid, key: s.key}, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.EdDSA}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{kid: s.kid, key: s.key.Public().(ed25519.PublicKey)}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, fmt.Errorf("provider: unknown client %q", id)
	}
	return c, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, ok := s.clients[id]
	if !ok || c.secret == "" || subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) != 1 {
		return errors.New("provider: wrong client credentials")
	}
	return nil
}

// claims are what the API reads (pkg/auth Claims): the name, role and a
// clerk's unit, next to the subject (the user name).
func (s *storage) claims(ctx context.Context, subject string) (*account.Account, error) {
	a, err := s.dir.Get(ctx, subject)
	if err != nil {
		return nil, err
	}
	if a.Disabled {
		return nil, fmt.Errorf("provider: account %s is disabled", subject)
	}
	return a, nil
}

func (s *storage) SetUserinfoFromScopes(ctx context.Context, info *oidc.UserInfo, userID, _ string, scopes []string) error {
	return s.userinfo(ctx, info, userID, scopes)
}

func (s *storage) userinfo(ctx context.Context, info *oidc.UserInfo, subject string, scopes []string) error {
	a, err := s.claims(ctx, subject)
	if err != nil {
		return err
	}
	info.Subject = a.Username
	if slices.Contains(scopes, oidc.ScopeProfile) {
		info.Name, info.PreferredUsername = a.Name, a.Username
	}
	return nil
}

func (s *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	t, err := s.access().Get(ctx, pkAccess+tokenID, "at")
	if err != nil || t.Subject != subject {
		return errNotFound
	}
	return s.userinfo(ctx, info, subject, []string{oidc.ScopeProfile})
}

func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, err := s.access().Get(ctx, pkAccess+tokenID, "at")
	if err != nil || t.Subject != subject {
		return errNotFound
	}
	a, err := s.claims(ctx, subject)
	if err != nil {
		return err
	}
	resp.Active, resp.Subject, resp.ClientID, resp.Name = true, a.Username, t.ClientID, a.Name
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(ctx context.Context, userID, _ string, _ []string) (map[string]any, error) {
	a, err := s.claims(ctx, userID)
	if err != nil {
		return nil, err
	}
	c := map[string]any{"name": a.Name, "role": string(a.Role)}
	if a.Unit != "" {
		c["unit"] = a.Unit
	}
	return c, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("provider: no JWT profile clients")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("provider: no JWT profile grant")
}

func (s *storage) Health(context.Context) error { return nil }

var _ op.Storage = (*storage)(nil)

// kidOf is the key id the API's key set gives key.
func kidOf(key ed25519.PrivateKey) string { return auth.KeyID(key.Public().(ed25519.PublicKey)) }
