package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestPublicKeySetVerifiesButDoesNotSign(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer := NewKeySet(priv)
	claims := jwt.RegisteredClaims{Issuer: "i", Audience: jwt.ClaimStrings{"a"}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Minute))}
	tok, err := signer.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	ks := PublicKeySet(pub)
	if err := ks.Parse(tok, "i", "a", &jwt.RegisteredClaims{}); err != nil {
		t.Errorf("a public key set does not verify: %v", err)
	}
	if _, err := ks.Sign(claims); err == nil {
		t.Error("a public key set signed a token")
	}
	if err := PublicKeySet().Parse(tok, "i", "a", &jwt.RegisteredClaims{}); err == nil {
		t.Error("an empty key set verified a token")
	}
}
