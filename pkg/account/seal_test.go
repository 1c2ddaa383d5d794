package account

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/yuejuan/yuejuan/internal/keyfile"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// rawAccount is username's record as the table holds it.
func rawAccount(t *testing.T, d *Directory, username string) map[string]any {
	t.Helper()
	it, err := d.T.Get(context.Background(), "account#"+username, "account")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(it.Data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// setRaw writes field of username's stored record as it is, past the
// directory: what someone with write access to the table can do.
func setRaw(t *testing.T, d *Directory, username, field string, v any) {
	t.Helper()
	ctx := context.Background()
	it, err := d.T.Get(ctx, "account#"+username, "account")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(it.Data, &m); err != nil {
		t.Fatal(err)
	}
	m[field] = v
	if it.Data, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if _, err := d.T.Put(ctx, it); err != nil {
		t.Fatal(err)
	}
}

// enrol enrols username's second factor and returns its secret.
func enrol(t *testing.T, d *Directory, username string, at time.Time) string {
	t.Helper()
	ctx := context.Background()
	if _, err := d.Add(ctx, Account{Username: username, Name: "测试书记员", Role: auth.Clerk, Unit: "通州检察院"}, "one-time-"+username, admin); err != nil {
		t.Fatal(err)
	}
	key, err := d.BeginTOTP(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := json.Marshal(rawAccount(t, d, username)); strings.Contains(string(raw), key.Secret()) {
		t.Errorf("the secret being enrolled is in %s's record as it is: %s", username, raw)
	}
	code, _ := totp.GenerateCode(key.Secret(), at)
	if err := d.ConfirmTOTP(ctx, username, code, Actor{Subject: username}); err != nil {
		t.Fatal(err)
	}
	return key.Secret()
}

// Second-factor secrets are sealed at rest: the stored record holds no
// plain secret; another directory over the same table with the key file
// read again (a restarted server) checks codes; a sealed secret copied into
// another account's record does not open there (the sign-in is refused,
// audited, and not counted against her); a secret an older version kept
// plain still works once and is sealed by that use; a rotated key file
// opens the old key's values and seals them with the new one at their next
// use; a key file without the key a value names says which key is missing.
func TestTOTPSealed(t *testing.T) {
	onStores(t, func(t *testing.T, d *Directory, clock *time.Time) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "keys", "totp-aes256.keys")
		b, err := keyfile.LoadOrCreate(SecretKeyFile(path))
		if err != nil {
			t.Fatal(err)
		}
		if d.Secrets, err = ParseSecretKeys(b); err != nil {
			t.Fatal(err)
		}
		code := func(secret string) string {
			c, err := totp.GenerateCode(secret, *clock)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		next := func() { *clock = clock.Add(30 * time.Second) }

		qin := enrol(t, d, "clerk81", *clock)
		raw := rawAccount(t, d, "clerk81")
		stored, _ := raw["totp"].(string)
		if whole, _ := json.Marshal(raw); strings.Contains(string(whole), qin) || !strings.HasPrefix(stored, "sealed1:"+d.Secrets.ID()+":") {
			t.Fatalf("the stored record holds the secret, or not sealed with the key file's key %s: %s", d.Secrets.ID(), whole)
		}

		// A restarted server: the key file read again, a new directory.
		b2, err := keyfile.Load(SecretKeyFile(path))
		if err != nil {
			t.Fatal(err)
		}
		keys2, err := ParseSecretKeys(b2)
		if err != nil {
			t.Fatal(err)
		}
		d2 := &Directory{T: d.T, Audit: d.Audit, Now: d.Now, Secrets: keys2}
		next()
		if _, err := d2.CheckTOTP(ctx, "clerk81", code(qin), Actor{}); err != nil {
			t.Fatalf("a code after the restart: %v", err)
		}

		// clerk82's record gets clerk81's sealed secret: clerk81's code
		// does not sign clerk82 in.
		enrol(t, d, "clerk82", *clock)
		setRaw(t, d, "clerk82", "totp", stored)
		next()
		if _, err := d2.CheckTOTP(ctx, "clerk82", code(qin), Actor{}); !errors.Is(err, ErrSecretSealed) || !strings.Contains(err.Error(), "clerk82") {
			t.Errorf("a secret copied from another account: %v, want ErrSecretSealed naming clerk82", err)
		}
		// Changed bytes inside the sealed value do not open either.
		tampered := []byte(stored)
		if i := len(tampered) - 3; tampered[i] == 'A' {
			tampered[i] = 'B'
		} else {
			tampered[i] = 'A'
		}
		setRaw(t, d, "clerk81", "totp", string(tampered))
		next()
		if _, err := d2.CheckTOTP(ctx, "clerk81", code(qin), Actor{}); !errors.Is(err, ErrSecretSealed) {
			t.Errorf("an altered sealed secret: %v, want ErrSecretSealed", err)
		}
		if a, err := d.Get(ctx, "clerk82"); err != nil || a.Failures != 0 {
			t.Errorf("a secret that does not open counted against the user: %d failures (%v)", a.Failures, err)
		}
		var sealedRefusals int
		for _, e := range events(t, d) {
			if e.Action == audit.AuthSignIn && e.Result == audit.Denied && e.Detail["reason"] == "sealed" {
				sealedRefusals++
			}
		}
		if sealedRefusals != 2 {
			t.Errorf("%d sign-ins refused for an unopenable secret in the log, want 2", sealedRefusals)
		}

		// An older version kept the secret plain: it works, and that use
		// seals it.
		const plain = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		enrol(t, d, "clerk83", *clock)
		setRaw(t, d, "clerk83", "totp", plain)
		next()
		if _, err := d2.CheckTOTP(ctx, "clerk83", code(plain), Actor{}); err != nil {
			t.Fatalf("a plain secret kept by an older version: %v", err)
		}
		raw = rawAccount(t, d, "clerk83")
		if whole, _ := json.Marshal(raw); strings.Contains(string(whole), plain) || !strings.HasPrefix(raw["totp"].(string), "sealed1:") {
			t.Fatalf("the plain secret was not sealed at its use: %s", whole)
		}
		next()
		if _, err := d2.CheckTOTP(ctx, "clerk83", code(plain), Actor{}); err != nil {
			t.Fatalf("the next code once sealed: %v", err)
		}

		// Rotation: a new key first, the old one after it.
		fresh, _ := NewSecretKeyFile()
		if err := keyfile.Replace(path, append(fresh, b...)); err != nil {
			t.Fatal(err)
		}
		b3, err := keyfile.Load(SecretKeyFile(path))
		if err != nil {
			t.Fatal(err)
		}
		rotated, err := ParseSecretKeys(b3)
		if err != nil {
			t.Fatal(err)
		}
		if rotated.ID() == keys2.ID() {
			t.Fatal("the new key has the old one's id")
		}
		d3 := &Directory{T: d.T, Audit: d.Audit, Now: d.Now, Secrets: rotated}
		next()
		if _, err := d3.CheckTOTP(ctx, "clerk83", code(plain), Actor{}); err != nil {
			t.Fatalf("a secret sealed with the old key after the rotation: %v", err)
		}
		if got := rawAccount(t, d, "clerk83")["totp"].(string); !strings.HasPrefix(got, "sealed1:"+rotated.ID()+":") {
			t.Errorf("after its use the secret is sealed with %q, want the new key %s", got, rotated.ID())
		}
		// The old key alone cannot open what the new one sealed, and says
		// which key it lacks.
		next()
		if _, err := d2.CheckTOTP(ctx, "clerk83", code(plain), Actor{}); !errors.Is(err, ErrSecretSealed) || !strings.Contains(err.Error(), rotated.ID()) {
			t.Errorf("a value of a key not in the file: %v, want ErrSecretSealed naming %s", err, rotated.ID())
		}
	})
}

// Key files: what is wrong with one is said; a directory without keys
// enrols no second factor.
func TestSecretKeyFile(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{"", "no key"},
		{"# comment only\n", "no key"},
		{"abcd\n", "64 hex digits"},
		{strings.Repeat("zz", 32) + "\n", "64 hex digits"},
		{strings.Repeat("ab", 32) + "\n" + strings.Repeat("ab", 32) + "\n", "repeats"},
	} {
		if _, err := ParseSecretKeys([]byte(c.data)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("key file %q: %v, want %q", c.data, err, c.want)
		}
	}
	path := filepath.Join(t.TempDir(), "totp.keys")
	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := keyfile.LoadOrCreate(SecretKeyFile(path)); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a damaged key file: %v, want an error naming it", err)
	}
	d := &Directory{T: nil}
	if _, err := d.BeginTOTP(context.Background(), "clerk01"); !errors.Is(err, ErrNoSecretKeys) {
		t.Errorf("enrolling without keys: %v", err)
	}
}

// At start the server seals every secret not sealed with the key file's
// first key: a plain one of an older version, and one of a key a rotation
// moved down; one that does not open is left for the administrator and
// named; a second run has nothing to do.
func TestSealSecrets(t *testing.T) {
	onStores(t, func(t *testing.T, d *Directory, clock *time.Time) {
		ctx := context.Background()
		oldFile, _ := NewSecretKeyFile()
		newFile, _ := NewSecretKeyFile()
		old, err := ParseSecretKeys(oldFile)
		if err != nil {
			t.Fatal(err)
		}
		d.Secrets = old
		enrol(t, d, "clerk91", *clock) // sealed with the old key
		enrol(t, d, "clerk92", *clock)
		const plain = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		setRaw(t, d, "clerk92", "totp", plain)        // an older version's
		setRaw(t, d, "clerk92", "totpPending", plain) // and one being enrolled
		enrol(t, d, "clerk93", *clock)
		setRaw(t, d, "clerk93", "totp", rawAccount(t, d, "clerk91")["totp"]) // copied: does not open
		if _, err := d.Add(ctx, Account{Username: "audit91", Name: "无两步验证", Role: auth.Auditor}, "one-time-audit91", admin); err != nil {
			t.Fatal(err)
		}

		if d.Secrets, err = ParseSecretKeys(append(newFile, oldFile...)); err != nil {
			t.Fatal(err)
		}
		n, err := d.SealSecrets(ctx)
		if n != 2 || !errors.Is(err, ErrSecretSealed) || !strings.Contains(err.Error(), "clerk93") || strings.Contains(err.Error(), "clerk91") {
			t.Fatalf("the sweep: %d sealed, %v; want 2 and an error naming clerk93 alone", n, err)
		}
		for _, u := range []string{"clerk91", "clerk92"} {
			raw := rawAccount(t, d, u)
			whole, _ := json.Marshal(raw)
			if strings.Contains(string(whole), plain) {
				t.Errorf("%s still holds a plain secret: %s", u, whole)
			}
			for _, f := range []string{"totp", "totpPending"} {
				if v, _ := raw[f].(string); v != "" && !strings.HasPrefix(v, "sealed1:"+d.Secrets.ID()+":") {
					t.Errorf("%s's %s is %q, want sealed with the first key %s", u, f, v, d.Secrets.ID())
				}
			}
		}
		// The old key can go: what it sealed opens with the new one alone.
		if d.Secrets, err = ParseSecretKeys(newFile); err != nil {
			t.Fatal(err)
		}
		*clock = clock.Add(30 * time.Second)
		c, _ := totp.GenerateCode(plain, *clock)
		if _, err := d.CheckTOTP(ctx, "clerk92", c, Actor{}); err != nil {
			t.Errorf("after the sweep, without the old key: %v", err)
		}
		if n, _ := d.SealSecrets(ctx); n != 0 {
			t.Errorf("a second sweep sealed %d", n)
		}
	})
}
