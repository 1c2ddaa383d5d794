package cloud

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/yuejuan/yuejuan/pkg/auth"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// idp is an identity provider: a JWKS with an Ed25519, an RSA and an EC key.
type idp struct {
	ed  ed25519.PrivateKey
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
	srv *httptest.Server
	hit int
}

func newIDP(t *testing.T) *idp {
	p := &idp{}
	_, p.ed, _ = ed25519.GenerateKey(rand.Reader)
	p.rsa, _ = rsa.GenerateKey(rand.Reader, 2048)
	p.ec, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecb, _ := p.ec.PublicKey.Bytes()
	x, y := ecb[1:33], ecb[33:]
	keys := []map[string]string{
		{"kty": "OKP", "crv": "Ed25519", "x": b64(p.ed.Public().(ed25519.PublicKey)), "kid": "ed", "alg": "EdDSA", "use": "sig"},
		{"kty": "RSA", "n": b64(p.rsa.N.Bytes()), "e": b64(big.NewInt(int64(p.rsa.E)).Bytes()), "kid": "rsa", "alg": "RS256", "use": "sig"},
		{"kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y), "kid": "ec", "alg": "ES256", "use": "sig"},
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.hit++
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) sign(t *testing.T, method jwt.SigningMethod, kid string, claims jwt.MapClaims) string {
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	var key any
	switch method.Alg() {
	case "EdDSA":
		key = p.ed
	case "RS256":
		key = p.rsa
	case "ES256":
		key = p.ec
	case "HS256":
		key = []byte("shared")
	case "none":
		key = jwt.UnsafeAllowNoneSignatureType
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWTVerifier(t *testing.T) {
	p := newIDP(t)
	v, err := NewJWKSVerifier(t.Context(), p.srv.URL, "https://idp", "yuejuan", nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": "https://idp", "aud": "yuejuan", "sub": "11101201910012345", "name": "张律师", "role": "lawyer",
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	}
	with := func(k string, val any) jwt.MapClaims {
		c := base()
		if val == nil {
			delete(c, k)
		} else {
			c[k] = val
		}
		return c
	}
	for _, tc := range []struct {
		name   string
		method jwt.SigningMethod
		kid    string
		claims jwt.MapClaims
		want   auth.Identity // zero: must be refused
	}{
		{"Ed25519 lawyer", jwt.SigningMethodEdDSA, "ed", base(), auth.Identity{Subject: "11101201910012345", Name: "张律师", Role: auth.Lawyer}},
		{"RS256 clerk", jwt.SigningMethodRS256, "rsa", with("role", "clerk"), auth.Identity{}}, // clerk without unit
		{"ES256 clerk with unit", jwt.SigningMethodES256, "ec", func() jwt.MapClaims { c := with("role", "clerk"); c["unit"] = "市检察院"; return c }(),
			auth.Identity{Subject: "11101201910012345", Name: "张律师", Role: auth.Clerk, Unit: "市检察院"}},
		{"role from a group list", jwt.SigningMethodRS256, "rsa", with("role", []any{"staff", "auditor"}), auth.Identity{Subject: "11101201910012345", Name: "张律师", Role: auth.Auditor}},
		{"two roles in the list", jwt.SigningMethodRS256, "rsa", with("role", []any{"auditor", "lawyer"}), auth.Identity{}},
		{"unknown role", jwt.SigningMethodEdDSA, "ed", with("role", "admin"), auth.Identity{}},
		{"no role", jwt.SigningMethodEdDSA, "ed", with("role", nil), auth.Identity{}},
		{"no subject", jwt.SigningMethodEdDSA, "ed", with("sub", nil), auth.Identity{}},
		{"wrong issuer", jwt.SigningMethodEdDSA, "ed", with("iss", "https://evil"), auth.Identity{}},
		{"wrong audience", jwt.SigningMethodEdDSA, "ed", with("aud", "yuejuan-download"), auth.Identity{}},
		{"expired", jwt.SigningMethodEdDSA, "ed", with("exp", now.Add(-time.Hour).Unix()), auth.Identity{}},
		{"no expiry", jwt.SigningMethodEdDSA, "ed", with("exp", nil), auth.Identity{}},
		{"no kid", jwt.SigningMethodEdDSA, "", base(), auth.Identity{}},
		{"unknown kid", jwt.SigningMethodEdDSA, "other", base(), auth.Identity{}},
		{"kid of another algorithm", jwt.SigningMethodEdDSA, "rsa", base(), auth.Identity{}},
		{"HS256", jwt.SigningMethodHS256, "ed", base(), auth.Identity{}},
		{"alg none", jwt.SigningMethodNone, "ed", base(), auth.Identity{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := v.Verify(context.Background(), p.sign(t, tc.method, tc.kid, tc.claims))
			if tc.want == (auth.Identity{}) {
				if err == nil || !errors.Is(err, auth.ErrInvalidToken) {
					t.Fatalf("accepted (%+v, %v)", id, err)
				}
				return
			}
			if err != nil || id != tc.want {
				t.Fatalf("got %+v, %v; want %+v", id, err, tc.want)
			}
		})
	}
	// A tampered payload fails the signature.
	tok := p.sign(t, jwt.SigningMethodEdDSA, "ed", base())
	parts := strings.Split(tok, ".")
	c := base()
	c["role"] = "auditor"
	body, _ := json.Marshal(c)
	if _, err := v.Verify(context.Background(), parts[0]+"."+b64(body)+"."+parts[2]); err == nil {
		t.Error("a token with a changed payload was accepted")
	}
	// Other claim names (Cognito style).
	v2 := &JWTVerifier{Keyfunc: v.Keyfunc, Issuer: "https://idp", Audience: "yuejuan", RoleClaim: "cognito:groups", SubjectClaim: "custom:license", NameClaim: "nickname"}
	cc := base()
	cc["cognito:groups"], cc["custom:license"], cc["nickname"] = []any{"lawyer"}, "11101201910099999", "李律师"
	if id, err := v2.Verify(context.Background(), p.sign(t, jwt.SigningMethodRS256, "rsa", cc)); err != nil || id.Subject != "11101201910099999" || id.Name != "李律师" || id.Role != auth.Lawyer {
		t.Errorf("claim names: %+v %v", id, err)
	}
}

func TestParseKeys(t *testing.T) {
	_, k1, _ := ed25519.GenerateKey(rand.Reader)
	_, k2, _ := ed25519.GenerateKey(rand.Reader)
	enc := func(k any) string {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	keys, err := ParseKeys([]byte(enc(k1) + "\n" + enc(k2)))
	if err != nil || len(keys) != 2 || !keys[0].Equal(k1) || !keys[1].Equal(k2) {
		t.Fatalf("ParseKeys: %v %v", len(keys), err)
	}
	rk, _ := rsa.GenerateKey(rand.Reader, 1024)
	for name, in := range map[string]string{"empty": "", "not PEM": "hello", "RSA": enc(rk),
		"public key block": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}))} {
		if _, err := ParseKeys([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	pub := k1.Public().(ed25519.PublicKey)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	got, err := ParsePublicKeys(base64.StdEncoding.EncodeToString(pub) + ", " + base64.RawURLEncoding.EncodeToString(der))
	if err != nil || len(got) != 2 || !got[0].Equal(pub) || !got[1].Equal(pub) {
		t.Errorf("ParsePublicKeys: %v %v", got, err)
	}
	if _, err := ParsePublicKeys("AAAA"); err == nil {
		t.Error("a 3-byte public key was accepted")
	}
}

// TestEnvCheck: every function refuses to start without each variable it
// needs, and names it.
func TestEnvCheck(t *testing.T) {
	full := map[string]string{}
	for _, v := range Vars {
		full[v[0]] = "x"
	}
	for _, k := range []string{"YUEJUAN_ISSUER", "YUEJUAN_AUDIENCE", "YUEJUAN_PUBLIC_URL", "YUEJUAN_SIGNIN_URL"} {
		full[k] = "https://x"
	}
	full["YUEJUAN_S3_PATH_STYLE"] = "true"
	full["YUEJUAN_SIGNIN_PROVIDER"] = "cognito"
	getenv := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for name, spec := range Functions {
		e, err := FromEnv(getenv(full))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Check(name); err != nil {
			t.Errorf("%s with every variable: %v", name, err)
		}
		for _, missing := range append([]string{"YUEJUAN_TABLE"}, spec.Need...) {
			m := map[string]string{}
			for k, v := range full {
				if k != missing {
					m[k] = v
				}
			}
			e, _ := FromEnv(getenv(m))
			if err := e.Check(name); err == nil || !strings.Contains(err.Error(), missing) {
				t.Errorf("%s without %s: %v", name, missing, err)
			}
		}
	}
	if _, err := FromEnv(getenv(map[string]string{"YUEJUAN_S3_PATH_STYLE": "yes please"})); err == nil {
		t.Error("a bad YUEJUAN_S3_PATH_STYLE was accepted")
	}
	for k, v := range map[string]string{"YUEJUAN_SIGNIN_PROVIDER": "keycloak", "YUEJUAN_SIGNIN_URL": "yuejuan.example.gov.cn"} {
		if _, err := FromEnv(getenv(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v, want refused naming it", k, v, err)
		}
	}
	if err := (Env{}).Check("nope"); err == nil {
		t.Error("an unknown function passed Check")
	}
}

// TestCognitoEndpoints: the pages' sign-out goes to the Cognito domain's
// /logout (its discovery names no end_session), revocation to the one
// discovery names, else the domain's /oauth2/revoke.
func TestCognitoEndpoints(t *testing.T) {
	auth := "https://yuejuan-prod-1234.auth.cn-north-1.amazoncognito.com/oauth2/authorize"
	logout, revoke := cognitoEndpoints(auth, "")
	if logout != "https://yuejuan-prod-1234.auth.cn-north-1.amazoncognito.com/logout" ||
		revoke != "https://yuejuan-prod-1234.auth.cn-north-1.amazoncognito.com/oauth2/revoke" {
		t.Errorf("logout %s, revoke %s", logout, revoke)
	}
	if _, revoke := cognitoEndpoints(auth, "https://r.example/revoke"); revoke != "https://r.example/revoke" {
		t.Errorf("the discovered revocation endpoint was replaced: %s", revoke)
	}
}

// TestPagesHandlerWithoutSignIn: a role function whose pages have no
// origin to sign in at (the auditors' without AuditorUrl) says so at
// /auth/login, naming the setting; its cookie route still reaches the API,
// which refuses it for want of a login, and /api/v1 is the API's.
func TestPagesHandlerWithoutSignIn(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "api "+r.URL.Path)
	})
	h := pagesHandler(auth.Auditor, nil, api)
	for path, want := range map[string]string{
		"/auth/login":              "YUEJUAN_SIGNIN_URL",
		"/web/api/v1/audit/events": "api /api/v1/audit/events",
		"/api/v1/audit/events":     "api /api/v1/audit/events",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s: %d %q, want %q", path, rec.Code, rec.Body.String(), want)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/auth/login", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "审计页面尚未配置登录") {
		t.Errorf("/auth/login without sign-in: %d %q", rec.Code, rec.Body.String())
	}
}
