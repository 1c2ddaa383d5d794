// Package auth issues and verifies the service's bearer tokens (JWT, EdDSA)
// and says who the caller is: a lawyer, a clerk of a unit, or an auditor.
//
// Verification is strict on purpose: one fixed algorithm (EdDSA), a known key
// id, the expected issuer and audience, and an expiry are all required, so a
// token minted for the download links cannot be replayed as a login and an
// "alg: none" token never parses.
package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/yuejuan/yuejuan/internal/keyfile"
)

// Role is what a caller may do.
type Role string

// The roles. A lawyer's subject is the 17-digit practice certificate number.
const (
	Lawyer  Role = "lawyer"
	Clerk   Role = "clerk"
	Auditor Role = "auditor"
	// Admin manages the embedded provider's accounts; the API admits no
	// administrator, so Valid is false for it.
	Admin Role = "admin"
)

// Valid reports whether r is a role the API serves: lawyer, clerk or
// auditor.
func (r Role) Valid() bool { return r == Lawyer || r == Clerk || r == Auditor }

// Identity is a verified caller.
type Identity struct {
	Subject string `json:"sub"`
	Name    string `json:"name"`
	Role    Role   `json:"role"`
	Unit    string `json:"unit,omitempty"`
}

// Claims is the JWT body of a login token.
type Claims struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
	Unit string `json:"unit,omitempty"`
	jwt.RegisteredClaims
}

// ErrInvalidToken is wrapped by every verification failure.
var ErrInvalidToken = errors.New("invalid token")

// KeySet holds the current Ed25519 signing key and every public key still
// accepted, by key id, so keys can be rotated without logging everybody out.
type KeySet struct {
	mu      sync.RWMutex
	current string
	private map[string]ed25519.PrivateKey
	public  map[string]ed25519.PublicKey
}

// KeyID derives a stable key id from a public key.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

// NewKeySet returns a key set that signs with priv.
func NewKeySet(priv ed25519.PrivateKey) *KeySet {
	ks := &KeySet{private: map[string]ed25519.PrivateKey{}, public: map[string]ed25519.PublicKey{}}
	ks.Add(priv, true)
	return ks
}

// Add adds a key; current makes it the signing key. Older keys keep
// verifying tokens they signed.
func (ks *KeySet) Add(priv ed25519.PrivateKey, current bool) string {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	pub := priv.Public().(ed25519.PublicKey)
	kid := KeyID(pub)
	ks.private[kid] = priv
	ks.public[kid] = pub
	if current {
		ks.current = kid
	}
	return kid
}

// AddPublic adds a verification-only key (a deployment that verifies but
// must not sign, such as the download function for login tokens).
func (ks *KeySet) AddPublic(pub ed25519.PublicKey) string {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	kid := KeyID(pub)
	ks.public[kid] = pub
	return kid
}

// Sign signs claims with the current key, setting the kid header.
func (ks *KeySet) Sign(claims jwt.Claims) (string, error) {
	ks.mu.RLock()
	kid, priv := ks.current, ks.private[ks.current]
	ks.mu.RUnlock()
	if priv == nil {
		return "", errors.New("auth: key set has no signing key")
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = kid
	return tok.SignedString(priv)
}

// Parse verifies raw with a fixed algorithm, known kid, issuer, audience and
// required expiry, filling claims.
func (ks *KeySet) Parse(raw, issuer, audience string, claims jwt.Claims) error {
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		ks.mu.RLock()
		pub, ok := ks.public[kid]
		ks.mu.RUnlock()
		if !ok {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		return pub, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(30*time.Second),
	)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return nil
}

// KeyFile describes an Ed25519 private key file (PKCS#8 PEM) for
// internal/keyfile: what the key is called and what removing it costs go
// into the error a damaged file gives.
func KeyFile(path, what, ifRemoved string) keyfile.Spec {
	return keyfile.Spec{Path: path, What: what, IfRemoved: ifRemoved,
		Parse: func(b []byte) error { _, err := ParseKey(b); return err },
		New:   newKeyPEM}
}

// ParseKey reads an Ed25519 private key from PKCS#8 PEM.
func ParseKey(b []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("not a PEM file (truncated?)")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a PKCS#8 private key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("not an Ed25519 key")
	}
	return priv, nil
}

func newKeyPEM() ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// LoadOrCreateKey reads an Ed25519 private key (PKCS#8 PEM) from path, or
// creates one with mode 0600 if the file does not exist or is empty; a
// damaged file is an error and is left alone (internal/keyfile's rules).
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	return LoadOrCreateKeyFile(KeyFile(path, "key", ""))
}

// LoadOrCreateKeyFile is LoadOrCreateKey of a described key file.
func LoadOrCreateKeyFile(s keyfile.Spec) (ed25519.PrivateKey, error) {
	b, err := keyfile.LoadOrCreate(s)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return ParseKey(b)
}

// LoadKeyFile reads a key file and never creates one: a missing file is an
// error wrapping keyfile.ErrMissing.
func LoadKeyFile(s keyfile.Spec) (ed25519.PrivateKey, error) {
	b, err := keyfile.Load(s)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return ParseKey(b)
}

// Authority issues and verifies login tokens for one issuer and audience.
type Authority struct {
	Keys     *KeySet
	Issuer   string
	Audience string
	Now      func() time.Time // for tests; nil means time.Now
	// Admins also accepts administrators' tokens: the embedded provider's,
	// whose administrator has a page and the /admin routes (every other
	// route admits no administrator).
	Admins bool

	verified verifiedCache // tokens verified in the last minute (cache.go)
}

func (a *Authority) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Issue mints a login token for id valid for ttl.
func (a *Authority) Issue(id Identity, ttl time.Duration) (string, error) {
	if !id.Role.Valid() {
		return "", fmt.Errorf("auth: unknown role %q (want lawyer, clerk or auditor)", id.Role)
	}
	if id.Subject == "" || id.Name == "" {
		return "", errors.New("auth: a token needs a subject and a name")
	}
	if id.Role == Clerk && id.Unit == "" {
		return "", errors.New("auth: a clerk token needs a unit")
	}
	now := a.now()
	return a.Keys.Sign(Claims{
		Name: id.Name, Role: id.Role, Unit: id.Unit,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   id.Subject,
			Issuer:    a.Issuer,
			Audience:  jwt.ClaimStrings{a.Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	})
}

// Verify checks raw and returns the caller's identity.
func (a *Authority) Verify(_ context.Context, raw string) (Identity, error) {
	now := a.now()
	if id, ok := a.verified.get(raw, now); ok {
		return id, nil
	}
	var c Claims
	if err := a.Keys.Parse(raw, a.Issuer, a.Audience, &c); err != nil {
		return Identity{}, err
	}
	id := Identity{Subject: c.Subject, Name: c.Name, Role: c.Role, Unit: c.Unit}
	switch {
	case !id.Role.Valid() && !(a.Admins && id.Role == Admin):
		return Identity{}, fmt.Errorf("%w: unknown role %q", ErrInvalidToken, id.Role)
	case id.Subject == "":
		return Identity{}, fmt.Errorf("%w: no subject", ErrInvalidToken)
	case id.Role == Clerk && id.Unit == "":
		return Identity{}, fmt.Errorf("%w: clerk token without unit", ErrInvalidToken)
	}
	if c.ExpiresAt != nil {
		until := now.Add(verifiedTTL)
		if c.ExpiresAt.Time.Before(until) {
			until = c.ExpiresAt.Time
		}
		a.verified.put(raw, id, until)
	}
	return id, nil
}

// Verifier checks a login token and says who the caller is.
type Verifier interface {
	Verify(ctx context.Context, raw string) (Identity, error)
}

// FirstOf accepts a token that one of its verifiers accepts, each with its
// own fixed algorithm, issuer and audience (the local server: its OpenID
// provider's tokens, and the developer tool's). The error is the first
// verifier's.
type FirstOf []Verifier

// Verify tries each verifier in turn.
func (vs FirstOf) Verify(ctx context.Context, raw string) (Identity, error) {
	var first error
	for _, v := range vs {
		id, err := v.Verify(ctx, raw)
		if err == nil {
			return id, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = fmt.Errorf("%w: no verifier", ErrInvalidToken)
	}
	return Identity{}, first
}

type ctxKey struct{}

// WithIdentity returns a context carrying id.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the identity stored by WithIdentity.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(ctxKey{}).(Identity)
	return id, ok
}
