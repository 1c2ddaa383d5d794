package auth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/yuejuan/yuejuan/internal/keyfile"
)

const (
	testIssuer   = "https://yuejuan.test"
	testAudience = "yuejuan"
	lawyerNo     = "13101201710123456"
)

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func newAuthority(t *testing.T) *Authority {
	t.Helper()
	return &Authority{Keys: NewKeySet(newKey(t)), Issuer: testIssuer, Audience: testAudience}
}

// claims returns a login token body that is valid in every respect; tests
// spoil one thing at a time.
func claims(now time.Time) Claims {
	return Claims{
		Name: "张律师", Role: Lawyer,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   lawyerNo,
			Issuer:    testIssuer,
			Audience:  jwt.ClaimStrings{testAudience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
		},
	}
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	a := newAuthority(t)
	for _, id := range []Identity{
		{Subject: lawyerNo, Name: "张律师", Role: Lawyer},
		{Subject: "clerk-07", Name: "李书记员", Role: Clerk, Unit: "310101"},
		{Subject: "aud-1", Name: "王审计", Role: Auditor},
	} {
		t.Run(string(id.Role), func(t *testing.T) {
			raw, err := a.Issue(id, time.Hour)
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			got, err := a.Verify(t.Context(), raw)
			if err != nil {
				t.Fatalf("Verify of a freshly issued token: %v", err)
			}
			if got != id {
				t.Errorf("Verify = %+v, want %+v", got, id)
			}
		})
	}
}

func TestIssueRefusesIncompleteIdentity(t *testing.T) {
	a := newAuthority(t)
	for name, id := range map[string]Identity{
		"unknown role":       {Subject: "x", Name: "x", Role: "admin"},
		"clerk without unit": {Subject: "c", Name: "c", Role: Clerk},
		"no subject":         {Name: "张律师", Role: Lawyer},
		"no name":            {Subject: lawyerNo, Role: Lawyer},
	} {
		t.Run(name, func(t *testing.T) {
			if raw, err := a.Issue(id, time.Hour); err == nil {
				t.Errorf("Issue(%+v) = %q, want an error", id, raw)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	a := newAuthority(t)
	now := time.Now()
	a.Keys.mu.RLock()
	kid := a.Keys.current
	pub := a.Keys.public[kid]
	a.Keys.mu.RUnlock()

	sign := func(t *testing.T, c jwt.Claims) string {
		t.Helper()
		raw, err := a.Keys.Sign(c)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	withKid := func(tok *jwt.Token) *jwt.Token { tok.Header["kid"] = kid; return tok }

	tests := []struct {
		name string
		raw  func(t *testing.T) string
	}{
		{"alg none", func(t *testing.T) string {
			raw, err := withKid(jwt.NewWithClaims(jwt.SigningMethodNone, claims(now))).SignedString(jwt.UnsafeAllowNoneSignatureType)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}},
		{"alg none with the signature of a real token", func(t *testing.T) string {
			real := strings.Split(sign(t, claims(now)), ".")
			hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"` + kid + `","typ":"JWT"}`))
			return hdr + "." + real[1] + "." + real[2]
		}},
		{"HS256 signed with the public key bytes (algorithm confusion)", func(t *testing.T) string {
			raw, err := withKid(jwt.NewWithClaims(jwt.SigningMethodHS256, claims(now))).SignedString([]byte(pub))
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}},
		{"RS256", func(t *testing.T) string {
			rk, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := withKid(jwt.NewWithClaims(jwt.SigningMethodRS256, claims(now))).SignedString(rk)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}},
		{"wrong issuer", func(t *testing.T) string {
			c := claims(now)
			c.Issuer = "https://evil.test"
			return sign(t, c)
		}},
		{"wrong audience (a download token)", func(t *testing.T) string {
			c := claims(now)
			c.Audience = jwt.ClaimStrings{"yuejuan-download"}
			return sign(t, c)
		}},
		{"expired", func(t *testing.T) string {
			c := claims(now.Add(-3 * time.Hour))
			return sign(t, c)
		}},
		{"no exp", func(t *testing.T) string {
			c := claims(now)
			c.ExpiresAt = nil
			return sign(t, c)
		}},
		{"not yet valid", func(t *testing.T) string {
			c := claims(now.Add(time.Hour))
			return sign(t, c)
		}},
		{"unknown kid (signed by a key we never had)", func(t *testing.T) string {
			other := NewKeySet(newKey(t))
			raw, err := other.Sign(claims(now))
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}},
		{"no kid", func(t *testing.T) string {
			a.Keys.mu.RLock()
			priv := a.Keys.private[kid]
			a.Keys.mu.RUnlock()
			raw, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims(now)).SignedString(priv)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}},
		{"tampered payload (lawyer promotes himself to auditor)", func(t *testing.T) string {
			parts := strings.Split(sign(t, claims(now)), ".")
			body, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			m["role"] = "auditor"
			body, _ = json.Marshal(m)
			parts[1] = base64.RawURLEncoding.EncodeToString(body)
			return strings.Join(parts, ".")
		}},
		{"tampered signature", func(t *testing.T) string {
			parts := strings.Split(sign(t, claims(now)), ".")
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			sig[0] ^= 1
			parts[2] = base64.RawURLEncoding.EncodeToString(sig)
			return strings.Join(parts, ".")
		}},
		{"clerk without unit", func(t *testing.T) string {
			c := claims(now)
			c.Role = Clerk
			return sign(t, c)
		}},
		{"unknown role", func(t *testing.T) string {
			c := claims(now)
			c.Role = "admin"
			return sign(t, c)
		}},
		{"no role", func(t *testing.T) string {
			c := claims(now)
			c.Role = ""
			return sign(t, c)
		}},
		{"no subject", func(t *testing.T) string {
			c := claims(now)
			c.Subject = ""
			return sign(t, c)
		}},
		{"not a JWT", func(*testing.T) string { return "Bearer hello" }},
		{"empty", func(*testing.T) string { return "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.raw(t)
			id, err := a.Verify(t.Context(), raw)
			if err == nil {
				t.Fatalf("Verify accepted the token as %+v", id)
			}
			if !errors.Is(err, ErrInvalidToken) {
				t.Errorf("error %v does not wrap ErrInvalidToken", err)
			}
			if id != (Identity{}) {
				t.Errorf("Verify returned identity %+v with its error", id)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	a := newAuthority(t)
	id := Identity{Subject: lawyerNo, Name: "张律师", Role: Lawyer}
	old, err := a.Issue(id, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	newKid := a.Keys.Add(newKey(t), true)

	if got, err := a.Verify(t.Context(), old); err != nil || got != id {
		t.Errorf("token signed by the previous key after rotation: Verify = %+v, %v; want %+v, nil", got, err, id)
	}
	fresh, err := a.Issue(id, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := jwt.NewParser().ParseUnverified(fresh, &Claims{})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Header["kid"] != newKid {
		t.Errorf("new token signed with kid %v, want the new current key %s", tok.Header["kid"], newKid)
	}
	if got, err := a.Verify(t.Context(), fresh); err != nil || got != id {
		t.Errorf("token signed by the new key: Verify = %+v, %v", got, err)
	}

	// A verify-only deployment knows the public keys and accepts both tokens
	// but cannot mint any.
	verifier := &KeySet{private: map[string]ed25519.PrivateKey{}, public: map[string]ed25519.PublicKey{}}
	a.Keys.mu.RLock()
	for _, pub := range a.Keys.public {
		verifier.AddPublic(pub)
	}
	a.Keys.mu.RUnlock()
	va := &Authority{Keys: verifier, Issuer: testIssuer, Audience: testAudience}
	for _, raw := range []string{old, fresh} {
		if _, err := va.Verify(t.Context(), raw); err != nil {
			t.Errorf("verify-only key set refused a valid token: %v", err)
		}
	}
	if raw, err := va.Issue(id, time.Hour); err == nil {
		t.Errorf("verify-only key set issued a token: %q", raw)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "signing.pem")
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("key file not created: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %o, want 600 (a private key readable by others)", perm)
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if !k1.Equal(k2) {
		t.Error("reloading the key file gave a different key: every login would be invalidated by a restart")
	}
	// A token issued before the restart verifies after it.
	before := &Authority{Keys: NewKeySet(k1), Issuer: testIssuer, Audience: testAudience}
	after := &Authority{Keys: NewKeySet(k2), Issuer: testIssuer, Audience: testAudience}
	raw, err := before.Issue(Identity{Subject: "aud-1", Name: "王审计", Role: Auditor}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := after.Verify(t.Context(), raw); err != nil {
		t.Errorf("token from before the restart: %v", err)
	}
}

func TestLoadOrCreateKeyDoesNotReplaceABadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.pem")
	junk := []byte("not a key\n")
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(path); err == nil {
		t.Error("LoadOrCreateKey accepted a file that is not a PEM key")
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, junk) {
		t.Error("LoadOrCreateKey overwrote an existing key file")
	}
}

func TestIdentityContext(t *testing.T) {
	if _, ok := FromContext(t.Context()); ok {
		t.Error("a bare context carries an identity")
	}
	id := Identity{Subject: "c", Name: "c", Role: Clerk, Unit: "u"}
	got, ok := FromContext(WithIdentity(t.Context(), id))
	if !ok || got != id {
		t.Errorf("FromContext = %+v, %v", got, ok)
	}
}

// TestLoadOrCreateKeyEmptyFile: the empty key file an older version left
// when the disk was full at its first start is replaced by a new key; a
// truncated one is refused with an error that names it.
func TestLoadOrCreateKeyEmptyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "login-ed25519.pem")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("an empty key file: %v", err)
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || !k.Equal(k2) {
		t.Fatalf("the replacement key was not kept (%v)", err)
	}
	good, _ := os.ReadFile(path)
	trunc := filepath.Join(dir, "link-ed25519.pem")
	if err := os.WriteFile(trunc, good[:len(good)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadOrCreateKeyFile(KeyFile(trunc, "download link key", "links already sent stop working"))
	if err == nil {
		t.Fatal("a truncated key file was accepted")
	}
	for _, want := range []string{"download link key", trunc, "not a PEM file", "backup", "links already sent stop working"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
}

func TestLoadKeyFileNeverCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "login-ed25519.pem")
	if _, err := LoadKeyFile(KeyFile(path, "login token key", "")); !errors.Is(err, keyfile.ErrMissing) {
		t.Fatalf("LoadKeyFile of a missing key: %v, want ErrMissing", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Error("LoadKeyFile made a key")
	}
}
