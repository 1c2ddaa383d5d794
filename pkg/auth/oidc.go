package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// OIDC verifies the access tokens of an external OpenID provider (a unit's
// single sign-on, Keycloak, a Cognito user pool): a JWT signed with one of
// Algorithms by a key of the issuer's published key set, for Audience, not
// expired. Its claims become an Identity through Claims, since every
// provider names role, unit and certificate number its own way.
type OIDC struct {
	Issuer   string
	Audience string
	// Algorithms are the accepted signature algorithms (default RS256 and
	// ES256); "none" and HMAC are never accepted.
	Algorithms []string
	Claims     ClaimMap
	HTTP       *http.Client // nil: a client with a 10 s timeout

	mu       sync.Mutex
	disc     *Discovery
	keys     map[string]any
	fetched  time.Time
	verified verifiedCache
}

// ClaimMap says which claims carry the identity. Role names a claim that
// is a string or a list of strings (groups); a value found in Roles gives
// the role (with no Roles, the value is the role's own name). Subject is
// the staff member's user name (default sub); a lawyer's subject is
// Certificate, the 17-digit practice certificate number.
type ClaimMap struct {
	Subject, Name, Role, Unit, Certificate string
	Roles                                  map[string]Role
}

// Discovery is what the provider publishes at
// /.well-known/openid-configuration that yuejuan uses.
type Discovery struct {
	Issuer        string `json:"issuer"`
	Authorization string `json:"authorization_endpoint"`
	Token         string `json:"token_endpoint"`
	JWKS          string `json:"jwks_uri"`
	EndSession    string `json:"end_session_endpoint"`
	Revocation    string `json:"revocation_endpoint"`
}

// keysTTL is how long a fetched key set is used; an unknown key id fetches
// it again at most every keysRetry (the provider rotated its keys).
const (
	keysTTL   = time.Hour
	keysRetry = 30 * time.Second
)

var allowedAlgs = map[string]bool{"RS256": true, "RS384": true, "RS512": true, "ES256": true, "ES384": true, "ES512": true,
	"PS256": true, "PS384": true, "PS512": true, "EdDSA": true}

// Check reports what is wrong with the configuration, for a startup error.
func (o *OIDC) Check() error {
	var problems []string
	if !strings.HasPrefix(o.Issuer, "https://") && !strings.HasPrefix(o.Issuer, "http://") {
		problems = append(problems, fmt.Sprintf("issuer %q is not an http(s) URL", o.Issuer))
	}
	if o.Audience == "" {
		problems = append(problems, "no audience")
	}
	for _, a := range o.algorithms() {
		if !allowedAlgs[a] {
			problems = append(problems, fmt.Sprintf("algorithm %q is not accepted (RS256, ES256, PS256, EdDSA and their larger sizes)", a))
		}
	}
	for v, r := range o.Claims.Roles {
		if !r.Valid() {
			problems = append(problems, fmt.Sprintf("claim value %q maps to %q, not lawyer, clerk or auditor", v, r))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("auth: external provider: %s", strings.Join(problems, "; "))
	}
	return nil
}

func (o *OIDC) algorithms() []string {
	if len(o.Algorithms) > 0 {
		return o.Algorithms
	}
	return []string{"RS256", "ES256"}
}

func (o *OIDC) client() *http.Client {
	if o.HTTP != nil {
		return o.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}

func (o *OIDC) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := o.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(v)
}

// Discover reads (once) the provider's configuration; its issuer must be
// Issuer exactly (OpenID Connect Discovery 1.0, section 4.3).
func (o *OIDC) Discover(ctx context.Context) (*Discovery, error) {
	o.mu.Lock()
	d := o.disc
	o.mu.Unlock()
	if d != nil {
		return d, nil
	}
	var got Discovery
	if err := o.getJSON(ctx, strings.TrimRight(o.Issuer, "/")+"/.well-known/openid-configuration", &got); err != nil {
		return nil, fmt.Errorf("auth: discover the external provider %s: %w", o.Issuer, err)
	}
	if got.Issuer != o.Issuer {
		return nil, fmt.Errorf("auth: the provider at %s calls itself %q: set the issuer to exactly that", o.Issuer, got.Issuer)
	}
	if got.JWKS == "" || got.Authorization == "" || got.Token == "" {
		return nil, fmt.Errorf("auth: the provider at %s publishes no jwks_uri, authorization or token endpoint", o.Issuer)
	}
	o.mu.Lock()
	o.disc = &got
	o.mu.Unlock()
	return &got, nil
}

// key returns the public key of kid, fetching the key set when it is old
// or lacks kid.
func (o *OIDC) key(ctx context.Context, kid string) (any, error) {
	o.mu.Lock()
	k, ok := o.keys[kid]
	age := time.Since(o.fetched)
	o.mu.Unlock()
	if ok && age < keysTTL {
		return k, nil
	}
	if !ok && age < keysRetry {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	d, err := o.Discover(ctx)
	if err != nil {
		return nil, err
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := o.getJSON(ctx, d.JWKS, &set); err != nil {
		return nil, fmt.Errorf("fetch the key set: %w", err)
	}
	keys := map[string]any{}
	for _, j := range set.Keys {
		if j.Use != "" && j.Use != "sig" {
			continue
		}
		if pub, err := j.public(); err == nil {
			keys[j.Kid] = pub
		}
	}
	o.mu.Lock()
	o.keys, o.fetched = keys, time.Now()
	o.mu.Unlock()
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("unknown key id %q", kid)
}

// Verify checks raw and maps its claims to an identity.
func (o *OIDC) Verify(ctx context.Context, raw string) (Identity, error) {
	now := time.Now()
	if id, ok := o.verified.get(raw, now); ok {
		return id, nil
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return o.key(ctx, kid)
	},
		jwt.WithValidMethods(o.algorithms()),
		jwt.WithIssuer(o.Issuer),
		jwt.WithAudience(o.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(30*time.Second),
	)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	id, err := o.Claims.identity(claims)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		until := now.Add(verifiedTTL)
		if exp.Before(until) {
			until = exp.Time
		}
		o.verified.put(raw, id, until)
	}
	return id, nil
}

func str(c jwt.MapClaims, name, def string) string {
	if name == "" {
		name = def
	}
	s, _ := c[name].(string)
	return strings.TrimSpace(s)
}

// identity maps the claims.
func (m ClaimMap) identity(c jwt.MapClaims) (Identity, error) {
	roleClaim := m.Role
	if roleClaim == "" {
		roleClaim = "role"
	}
	var values []string
	switch v := c[roleClaim].(type) {
	case string:
		values = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				values = append(values, s)
			}
		}
	}
	var role Role
	for _, v := range values {
		r := Role(v)
		if len(m.Roles) > 0 {
			r = m.Roles[v]
		}
		if r.Valid() {
			if role != "" && role != r {
				return Identity{}, fmt.Errorf("claim %s gives two roles (%s and %s)", roleClaim, role, r)
			}
			role = r
		}
	}
	if role == "" {
		return Identity{}, fmt.Errorf("claim %s (%v) names no role yuejuan serves", roleClaim, values)
	}
	id := Identity{Role: role, Name: str(c, m.Name, "name"), Subject: str(c, m.Subject, "sub")}
	switch role {
	case Lawyer:
		id.Subject = str(c, m.Certificate, "certificate")
		if len(id.Subject) != 17 || strings.Trim(id.Subject, "0123456789") != "" {
			return Identity{}, errors.New("a lawyer's token needs the 17-digit practice certificate number")
		}
	case Clerk:
		id.Unit = str(c, m.Unit, "unit")
		if id.Unit == "" {
			return Identity{}, errors.New("a clerk's token needs a unit")
		}
	}
	if id.Subject == "" {
		return Identity{}, errors.New("no subject")
	}
	if id.Name == "" {
		id.Name = id.Subject
	}
	return id, nil
}

// jwk is one key of a JSON Web Key Set (RFC 7517): RSA, EC or OKP.
type jwk struct {
	Kty, Kid, Use, Crv string
	N, E, X, Y         string
}

func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func (j jwk) public() (any, error) {
	switch j.Kty {
	case "RSA":
		n, err1 := b64(j.N)
		e, err2 := b64(j.E)
		if err1 != nil || err2 != nil || len(n) < 256 || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("bad RSA key (at least 2048 bits)")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
	case "EC":
		curves := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}
		crv, ok := curves[j.Crv]
		x, err1 := b64(j.X)
		y, err2 := b64(j.Y)
		if !ok || err1 != nil || err2 != nil {
			return nil, errors.New("bad EC key")
		}
		size := (crv.Params().BitSize + 7) / 8
		if len(x) > size || len(y) > size {
			return nil, errors.New("bad EC key")
		}
		point := make([]byte, 1+2*size) // uncompressed: 0x04, X, Y, each padded
		point[0] = 4
		copy(point[1+size-len(x):], x)
		copy(point[1+2*size-len(y):], y)
		pub, err := ecdsa.ParseUncompressedPublicKey(crv, point) // checks the point is on the curve
		if err != nil {
			return nil, fmt.Errorf("bad EC key: %w", err)
		}
		return pub, nil
	case "OKP":
		x, err := b64(j.X)
		if j.Crv != "Ed25519" || err != nil || len(x) != 32 {
			return nil, errors.New("bad OKP key")
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, fmt.Errorf("key type %q", j.Kty)
}
