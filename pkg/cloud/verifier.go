package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/yuejuan/yuejuan/pkg/auth"
)

// Methods are the JWT algorithms accepted from the identity provider:
// asymmetric only (never HS*, never none).
var Methods = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// JWTVerifier checks login tokens that the identity provider signed, with
// its keys from a JWKS: algorithm among Methods, a kid that the JWKS lists,
// issuer, audience and expiry, then the role, subject and unit claims. API
// Gateway's JWT authorizer checks issuer, audience and signature before a
// request arrives; this is the application's own check behind it.
type JWTVerifier struct {
	// Keyfunc finds the key of a token (keyfunc.Keyfunc.Keyfunc).
	Keyfunc  jwt.Keyfunc
	Issuer   string
	Audience string
	// Claim names; empty means sub, role, unit and name.
	SubjectClaim, RoleClaim, UnitClaim, NameClaim string
	Now                                           func() time.Time
}

// NewJWKSVerifier returns a verifier whose keys come from jwksURL (fetched
// when first needed, refreshed hourly and when a token names an unknown kid,
// at most every five minutes). ctx ends the refresh.
func NewJWKSVerifier(ctx context.Context, jwksURL, issuer, audience string, client *http.Client) (*JWTVerifier, error) {
	if err := need([2]string{"YUEJUAN_JWKS_URL", jwksURL}); err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{jwksURL}, keyfunc.Override{Client: client, HTTPTimeout: 10 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("cloud: JWKS %s: %w", jwksURL, err)
	}
	return &JWTVerifier{Keyfunc: kf.Keyfunc, Issuer: issuer, Audience: audience}, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Verify implements httpapi.Verifier.
func (v *JWTVerifier) Verify(_ context.Context, raw string) (auth.Identity, error) {
	fail := func(format string, args ...any) (auth.Identity, error) {
		return auth.Identity{}, fmt.Errorf("%w: %s", auth.ErrInvalidToken, fmt.Sprintf(format, args...))
	}
	if v.Issuer == "" || v.Audience == "" {
		return fail("verifier has no issuer or audience configured")
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(Methods),
		jwt.WithIssuer(v.Issuer),
		jwt.WithAudience(v.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(30 * time.Second),
	}
	if v.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(v.Now))
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid == "" {
			return nil, errors.New("token has no kid")
		}
		return v.Keyfunc(t)
	}, opts...)
	if err != nil {
		return auth.Identity{}, fmt.Errorf("%w: %w", auth.ErrInvalidToken, err)
	}
	str := func(name string) string { s, _ := claims[name].(string); return s }
	id := auth.Identity{Subject: str(or(v.SubjectClaim, "sub")), Name: str(or(v.NameClaim, "name")), Unit: str(or(v.UnitClaim, "unit"))}
	role, err := roleOf(claims[or(v.RoleClaim, "role")])
	if err != nil {
		return fail("%v", err)
	}
	id.Role = role
	if id.Name == "" {
		id.Name = id.Subject
	}
	switch {
	case id.Subject == "":
		return fail("no subject")
	case id.Role == auth.Clerk && id.Unit == "":
		return fail("clerk token without unit")
	}
	return id, nil
}

// roleOf reads the role claim: a string, or a list (such as Cognito's
// cognito:groups) of which exactly one entry is a role of the service.
func roleOf(v any) (auth.Role, error) {
	switch x := v.(type) {
	case string:
		if r := auth.Role(x); r.Valid() {
			return r, nil
		}
		return "", fmt.Errorf("unknown role %q", x)
	case []any:
		var found []auth.Role
		for _, e := range x {
			if s, ok := e.(string); ok && auth.Role(s).Valid() {
				found = append(found, auth.Role(s))
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
		return "", fmt.Errorf("the role list names %d roles of this service; want exactly one", len(found))
	case nil:
		return "", errors.New("no role claim")
	}
	return "", fmt.Errorf("role claim of type %T", v)
}
