package link_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/link"
)

const fuzzIssuer = "yuejuan-fuzz"

func fuzzKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed + byte(i)
	}
	return ed25519.NewKeyFromSeed(s)
}

// signedByUs reports whether raw is a JWS whose signature verifies, with
// our public key, over its first two segments, with the EdDSA algorithm:
// an independent check of what Parse accepted.
func signedByUs(pub ed25519.PublicKey, raw string) bool {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	hdr, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(hdr, &h) != nil || h.Alg != "EdDSA" {
		return false
	}
	return ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig)
}

// FuzzSignerParse gives Parse arbitrary strings, seeded with real tokens
// (live, expired, another issuer, another key, a login token, alg none).
// Parse must never panic, and must never return claims for a token that
// our key did not sign: whatever it accepts (or refuses as expired, with
// the claims) verifies independently, and carries every claim it needs.
//
// Run it with: go test -run='^$' -fuzz='^FuzzSignerParse$' -fuzztime=30s ./pkg/link
func FuzzSignerParse(f *testing.F) {
	priv := fuzzKey(1)
	pub := priv.Public().(ed25519.PublicKey)
	s := &link.Signer{Keys: auth.NewKeySet(priv), Issuer: fuzzIssuer}
	now := time.Now()
	l := &link.Link{ID: "01jlinkfuzz", ApplicationID: "01jappfuzz", Lawyer: "11101201910012345",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	tok := func(s *link.Signer, l *link.Link) string {
		t, err := s.Token(l)
		if err != nil {
			f.Fatal(err)
		}
		return t
	}
	good := tok(s, l)
	expired := *l
	expired.CreatedAt, expired.ExpiresAt = now.Add(-2*time.Hour), now.Add(-time.Hour)
	other := &link.Signer{Keys: auth.NewKeySet(fuzzKey(2)), Issuer: fuzzIssuer}
	login, _ := (&auth.Authority{Keys: auth.NewKeySet(priv), Issuer: fuzzIssuer, Audience: "yuejuan"}).
		Issue(auth.Identity{Subject: "11101201910012345", Name: "张律师", Role: auth.Lawyer}, time.Hour)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, link.Claims{ApplicationID: "x",
		RegisteredClaims: jwt.RegisteredClaims{ID: "x", Subject: "x", Issuer: fuzzIssuer, Audience: jwt.ClaimStrings{link.Audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	hs, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, link.Claims{ApplicationID: "x",
		RegisteredClaims: jwt.RegisteredClaims{ID: "x", Subject: "x", Issuer: fuzzIssuer, Audience: jwt.ClaimStrings{link.Audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}).SignedString([]byte(pub)) // key confusion: the public key as an HMAC secret
	for _, seed := range []string{
		good, tok(s, &expired), tok(&link.Signer{Keys: s.Keys, Issuer: "other"}, l), tok(other, l), login, none, hs,
		good[:len(good)-5], good + "A", strings.Replace(good, ".", "..", 1), "", ".", "..", "a.b.c",
		"eyJhbGciOiJFZERTQSJ9.e30.", strings.Repeat("A", 5000),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := s.Parse(raw)
		switch {
		case err == nil:
		case errors.Is(err, link.ErrExpired):
			if c == nil {
				return // an expired token need not name its link
			}
		case errors.Is(err, link.ErrTampered), errors.Is(err, link.ErrForeign):
			if c != nil {
				t.Fatalf("refused (%v) but returned claims %+v", err, c)
			}
			return
		default:
			t.Fatalf("Parse returned %v: want one of ErrExpired, ErrTampered, ErrForeign", err)
		}
		if c == nil {
			t.Fatalf("accepted %q without claims", raw)
		}
		if !signedByUs(pub, raw) {
			t.Fatalf("accepted a token our key did not sign: %q", raw)
		}
		if c.ID == "" || c.ApplicationID == "" || c.Subject == "" {
			t.Fatalf("accepted a token without link, application or lawyer: %+v", c)
		}
		if c.Issuer != fuzzIssuer || len(c.Audience) != 1 || c.Audience[0] != link.Audience {
			t.Fatalf("accepted a token of issuer %q audience %v", c.Issuer, c.Audience)
		}
	})
}

// FuzzSignerParseMutated changes one byte of a live token: the result is
// either refused, or (a change in the signature's unused base64 bits, which
// decode to the same signature) still a token our key signed.
func FuzzSignerParseMutated(f *testing.F) {
	priv := fuzzKey(1)
	pub := priv.Public().(ed25519.PublicKey)
	s := &link.Signer{Keys: auth.NewKeySet(priv), Issuer: fuzzIssuer}
	now := time.Now()
	good, err := s.Token(&link.Link{ID: "01jlinkfuzz", ApplicationID: "01jappfuzz", Lawyer: "11101201910012345",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range []uint{0, 10, uint(strings.Index(good, ".")), uint(len(good) / 2), uint(len(good) - 1)} {
		f.Add(p, byte('A'))
		f.Add(p, byte(0))
	}
	f.Fuzz(func(t *testing.T, pos uint, b byte) {
		raw := []byte(good)
		i := int(pos % uint(len(raw)))
		if raw[i] == b {
			return
		}
		raw[i] = b
		c, err := s.Parse(string(raw))
		if err != nil {
			return
		}
		if !signedByUs(pub, string(raw)) {
			t.Fatalf("accepted a changed token our key did not sign: byte %d set to %q: %+v", i, b, c)
		}
		if i < strings.LastIndex(good, ".") {
			t.Fatalf("accepted a token whose signed part was changed (byte %d set to %q)", i, b)
		}
	})
}
