package provider

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// storage is the op.Storage of the embedded provider: clients are fixed,
// users are the account directory's, and the short-lived protocol state
// (authorization requests, codes, tokens, refresh tokens) is kept in the
// process, as the provider serves one process's pages: a restart signs
// everyone out, which the pages meet as an expired session.
type storage struct {
	dir      *account.Directory
	key      ed25519.PrivateKey
	kid      string
	audience string
	clients  map[string]*client
	tokenTTL time.Duration // access and ID tokens
	idleTTL  time.Duration // a refresh token unused this long is gone
	now      func() time.Time

	mu       sync.Mutex
	requests map[string]*authRequest
	codes    map[string]string // code → request id
	access   map[string]*accessToken
	refresh  map[string]*refreshToken // token → its grant
	spent    map[string]string        // rotated-out refresh token → family
}

type accessToken struct {
	id, subject, clientID, family string
	expires                       time.Time
}

// refreshToken is one link of a family: each use rotates it, and the use of
// a link already rotated out ends the whole family (a stolen copy was used).
type refreshToken struct {
	token, family     string
	subject, clientID string
	scopes, audience  []string
	amr               []string
	authTime, expires time.Time
}

func (r *refreshToken) GetAMR() []string                 { return r.amr }
func (r *refreshToken) GetAudience() []string            { return r.audience }
func (r *refreshToken) GetAuthTime() time.Time           { return r.authTime }
func (r *refreshToken) GetClientID() string              { return r.clientID }
func (r *refreshToken) GetScopes() []string              { return r.scopes }
func (r *refreshToken) GetSubject() string               { return r.subject }
func (r *refreshToken) SetCurrentScopes(scopes []string) { r.scopes = scopes }

func randomID() string { return rand.Text() }

var errNotFound = errors.New("provider: not found or expired")

func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	// PKCE with S256 for every client: a code is worth nothing without
	// the verifier, and "plain" would put the verifier on the front channel.
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE is required: code_challenge with code_challenge_method=S256")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	a := &authRequest{
		ID: randomID(), ClientID: req.ClientID, RedirectURI: req.RedirectURI, State: req.State, Nonce: req.Nonce,
		Scopes: req.Scopes, ResponseType: req.ResponseType, ResponseMode: req.ResponseMode,
		Prompt: req.Prompt, Challenge: &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod},
		Audience: []string{req.ClientID, s.audience}, Created: s.now(),
	}
	s.requests[a.ID] = a
	return a, nil
}

// sweep drops what has expired; the caller holds mu.
func (s *storage) sweep() {
	now := s.now()
	for id, a := range s.requests {
		if now.Sub(a.Created) > requestTTL {
			delete(s.requests, id)
		}
	}
	for c, id := range s.codes {
		if _, ok := s.requests[id]; !ok {
			delete(s.codes, c)
		}
	}
	for id, t := range s.access {
		if now.After(t.expires) {
			delete(s.access, id)
		}
	}
	for tok, r := range s.refresh {
		if now.After(r.expires) {
			delete(s.refresh, tok)
		}
	}
	if len(s.spent) > 100000 {
		clear(s.spent)
	}
}

// requestTTL is how long a sign-in may take, from the authorization
// request to the code's exchange.
const requestTTL = 15 * time.Minute

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok || s.now().Sub(a.Created) > requestTTL {
		return nil, errNotFound
	}
	return a, nil
}

// request returns the stored request to be changed by the login page.
func (s *storage) request(id string) (*authRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok || s.now().Sub(a.Created) > requestTTL {
		return nil, false
	}
	return a, true
}

// signedIn marks request id done for subject.
func (s *storage) signedIn(id, subject string, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return false
	}
	a.Subject, a.AuthTime, a.done, a.MustChange = subject, at, true, ""
	return true
}

// mustChange marks request id as waiting for subject's new password.
func (s *storage) mustChange(id, subject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[id]; ok {
		a.MustChange = subject
	}
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	id, ok := s.codes[code]
	s.mu.Unlock()
	if !ok {
		return nil, errNotFound
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest runs when a code is exchanged: the request and its code
// go, so a code works once.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for c, rid := range s.codes {
		if rid == id {
			delete(s.codes, c)
		}
	}
	return nil
}

func clientOf(req op.TokenRequest) string {
	switch r := req.(type) {
	case *authRequest:
		return r.ClientID
	case *refreshToken:
		return r.clientID
	}
	return ""
}

func (s *storage) newAccess(subject, clientID, family string) *accessToken {
	t := &accessToken{id: randomID(), subject: subject, clientID: clientID, family: family, expires: s.now().Add(s.tokenTTL)}
	s.access[t.id] = t
	return t
}

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.newAccess(req.GetSubject(), clientOf(req), "")
	return t.id, t.expires, nil
}

func (s *storage) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	r := &refreshToken{token: randomID(), subject: req.GetSubject(), clientID: clientOf(req),
		scopes: req.GetScopes(), audience: req.GetAudience(), expires: now.Add(s.idleTTL)}
	switch q := req.(type) {
	case *authRequest:
		r.family, r.authTime, r.amr = randomID(), q.AuthTime, q.GetAMR()
	case *refreshToken:
		old, ok := s.refresh[current]
		if !ok {
			return "", "", time.Time{}, op.ErrInvalidRefreshToken
		}
		delete(s.refresh, current)
		s.spent[current] = old.family
		r.family, r.authTime, r.amr = old.family, old.authTime, old.amr
	default:
		return "", "", time.Time{}, fmt.Errorf("provider: no refresh token for a %T", req)
	}
	s.refresh[r.token] = r
	t := s.newAccess(r.subject, r.clientID, r.family)
	return t.id, r.token, t.expires, nil
}

func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	r, ok := s.refresh[token]
	if !ok {
		if fam, reused := s.spent[token]; reused {
			s.endFamily(fam)
		}
		s.mu.Unlock()
		return nil, op.ErrInvalidRefreshToken
	}
	if s.now().After(r.expires) {
		delete(s.refresh, token)
		s.mu.Unlock()
		return nil, op.ErrInvalidRefreshToken
	}
	copied := *r
	s.mu.Unlock()
	// A disabled account gets no new tokens.
	a, err := s.dir.Get(ctx, r.subject)
	if err != nil || a.Disabled {
		return nil, op.ErrInvalidRefreshToken
	}
	return &copied, nil
}

// endFamily removes every token of a refresh-token family; mu is held.
func (s *storage) endFamily(family string) {
	for tok, r := range s.refresh {
		if r.family == family {
			delete(s.refresh, tok)
		}
	}
	for id, t := range s.access {
		if t.family == family {
			delete(s.access, id)
		}
	}
}

// TerminateSession runs at end_session: the user's tokens at that client
// go (its refresh tokens in every browser; JWT access tokens already handed
// out run out within tokenTTL).
func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok, r := range s.refresh {
		if r.subject == userID && r.clientID == clientID {
			delete(s.refresh, tok)
		}
	}
	for id, t := range s.access {
		if t.subject == userID && t.clientID == clientID {
			delete(s.access, id)
		}
	}
	return nil
}

func (s *storage) RevokeToken(_ context.Context, token, _, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.refresh[token]; ok {
		if r.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued for this client")
		}
		s.endFamily(r.family)
		return nil
	}
	if t, ok := s.access[token]; ok {
		if t.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued for this client")
		}
		delete(s.access, token)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(_ context.Context, clientID, token string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.refresh[token]
	if !ok || r.clientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return r.subject, r.token, nil
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
	s.mu.Lock()
	t, ok := s.access[tokenID]
	s.mu.Unlock()
	if !ok || t.subject != subject {
		return errNotFound
	}
	return s.userinfo(ctx, info, subject, []string{oidc.ScopeProfile})
}

func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	s.mu.Lock()
	t, ok := s.access[tokenID]
	s.mu.Unlock()
	if !ok || t.subject != subject {
		return errNotFound
	}
	a, err := s.claims(ctx, subject)
	if err != nil {
		return err
	}
	resp.Active, resp.Subject, resp.ClientID, resp.Name = true, a.Username, t.clientID, a.Name
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
