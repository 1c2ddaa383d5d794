package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// An external provider's claims become the identity the API reads, under
// the deployment's claim names; a token that cannot say who and what the
// caller is gets no identity.
func TestClaimMap(t *testing.T) {
	cognito := ClaimMap{Role: "cognito:groups", Unit: "custom:unit", Certificate: "custom:certificate", Subject: "username",
		Roles: map[string]Role{"yuejuan-clerk": Clerk, "yuejuan-lawyer": Lawyer, "yuejuan-auditor": Auditor}}
	ok := []struct {
		m    ClaimMap
		c    jwt.MapClaims
		want Identity
	}{
		{ClaimMap{}, jwt.MapClaims{"sub": "a1", "name": "李审计", "role": "auditor"}, Identity{Subject: "a1", Name: "李审计", Role: Auditor}},
		{cognito, jwt.MapClaims{"sub": "uuid", "username": "clerk9", "name": "王", "cognito:groups": []any{"staff", "yuejuan-clerk"}, "custom:unit": "市检察院"},
			Identity{Subject: "clerk9", Name: "王", Role: Clerk, Unit: "市检察院"}},
		{cognito, jwt.MapClaims{"sub": "uuid", "username": "u", "cognito:groups": []any{"yuejuan-lawyer"}, "custom:certificate": "11101201910012345"},
			Identity{Subject: "11101201910012345", Name: "11101201910012345", Role: Lawyer}},
	}
	for _, c := range ok {
		got, err := c.m.identity(c.c)
		if err != nil || got != c.want {
			t.Errorf("%v: %+v, %v; want %+v", c.c, got, err, c.want)
		}
	}
	bad := []struct {
		m    ClaimMap
		c    jwt.MapClaims
		want string
	}{
		{ClaimMap{}, jwt.MapClaims{"sub": "x", "role": "admin"}, "no role"},
		{cognito, jwt.MapClaims{"username": "x", "cognito:groups": []any{"staff"}}, "no role"},
		{cognito, jwt.MapClaims{"username": "x", "cognito:groups": []any{"yuejuan-clerk", "yuejuan-auditor"}, "custom:unit": "u"}, "two roles"},
		{cognito, jwt.MapClaims{"username": "x", "cognito:groups": []any{"yuejuan-clerk"}}, "unit"},
		{cognito, jwt.MapClaims{"username": "x", "cognito:groups": []any{"yuejuan-lawyer"}, "custom:certificate": "1234"}, "17-digit"},
		{ClaimMap{}, jwt.MapClaims{"role": "auditor"}, "no subject"},
	}
	for _, c := range bad {
		if _, err := c.m.identity(c.c); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error about %s", c.c, err, c.want)
		}
	}
}

// A configuration that would accept what must never be accepted is refused
// at startup.
func TestOIDCCheck(t *testing.T) {
	for _, o := range []*OIDC{
		{Issuer: "idp.example", Audience: "yuejuan"},
		{Issuer: "https://idp.example", Audience: ""},
		{Issuer: "https://idp.example", Audience: "yuejuan", Algorithms: []string{"HS256"}},
		{Issuer: "https://idp.example", Audience: "yuejuan", Algorithms: []string{"none"}},
		{Issuer: "https://idp.example", Audience: "yuejuan", Claims: ClaimMap{Roles: map[string]Role{"g": Admin}}},
	} {
		if err := o.Check(); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if err := (&OIDC{Issuer: "https://idp.example", Audience: "yuejuan"}).Check(); err != nil {
		t.Error(err)
	}
}

// A published key set's RSA, EC and Ed25519 keys verify what their private
// halves signed; a point off the curve and a short RSA key are refused.
func TestJWKKeys(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	raw, _ := ec.PublicKey.Bytes() // 0x04 || X || Y
	enc := base64.RawURLEncoding.EncodeToString
	pub, err := jwk{Kty: "EC", Crv: "P-256", X: enc(raw[1:33]), Y: enc(raw[33:])}.public()
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"sub": "x"}).SignedString(ec)
	if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return pub, nil }); err != nil {
		t.Errorf("ES256 with the parsed key: %v", err)
	}
	bad := append([]byte{}, raw[33:]...)
	bad[31] ^= 1
	if _, err := (jwk{Kty: "EC", Crv: "P-256", X: enc(raw[1:33]), Y: enc(bad)}).public(); err == nil {
		t.Error("a point off the curve was accepted")
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	if _, err := (jwk{Kty: "RSA", N: enc(small.N.Bytes()), E: "AQAB"}).public(); err == nil {
		t.Error("a 1024-bit RSA key was accepted")
	}
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	k, err := jwk{Kty: "OKP", Crv: "Ed25519", X: enc(edPub)}.public()
	if err != nil {
		t.Fatal(err)
	}
	tok, _ = jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"sub": "x"}).SignedString(edPriv)
	if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return k, nil }); err != nil {
		t.Errorf("EdDSA with the parsed key: %v", err)
	}
}
