package account

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/yuejuan/yuejuan/internal/keyfile"
)

// A staff member's TOTP secret is kept sealed in the account record:
// AES-256-GCM with a key the deployment provides (a key file outside the
// table), the user name as additional data, so a sealed secret copied into
// another account's record does not open there. The sealed value names its
// key, so the key can be rotated: the key file lists keys, the first seals,
// the others only open, and a secret sealed with an older key, or kept
// plain by an older version, is sealed again with the first at the next
// start (SealSecrets), or at its use if that comes first (docs/security.md,
// "Second-factor secrets at rest").

// ErrSecretSealed is the error of a sealed secret that does not open: the
// key it names is not in the key file, or the value was altered or copied
// from another account. An administrator resets the second factor (the
// staff member enrols again), or the missing key is put back.
var ErrSecretSealed = errors.New("account: the second factor's stored secret cannot be opened")

// ErrNoSecretKeys is the error of a second-factor change in a directory
// given no keys to seal secrets with.
var ErrNoSecretKeys = errors.New("account: no key to seal second-factor secrets with " +
	"(the directory needs its SecretKeys: the server loads them from YUEJUAN_TOTP_KEY_FILE or <data>/keys/totp-aes256.keys)")

// sealedPrefix starts a sealed value. Plain secrets are base32 (A-Z, 2-7),
// so a value with it is never a plain one.
const sealedPrefix = "sealed1:"

// SecretKeys are the keys second-factor secrets are sealed with: the first
// seals, every one opens what it sealed.
type SecretKeys struct {
	keys []secretKey
}

type secretKey struct {
	id   string
	aead cipher.AEAD
}

// keyID is a key's name in the values it seals: not secret (a hash of the
// key under a label of its own), short enough to read in a record.
func keyID(key []byte) string {
	h := sha256.Sum256(append([]byte("yuejuan totp key id\x00"), key...))
	return hex.EncodeToString(h[:6])
}

// ParseSecretKeys reads a key file: one key a line, 64 hex digits (32 bytes,
// AES-256), the first the one that seals; empty lines and lines starting
// with # are skipped.
func ParseSecretKeys(data []byte) (*SecretKeys, error) {
	k := &SecretKeys{}
	seen := map[string]bool{}
	for n, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		raw := make([]byte, 32)
		if len(line) != 64 {
			return nil, fmt.Errorf("line %d is not a key: want 64 hex digits (32 bytes, e.g. `openssl rand -hex 32`), got %d characters", n+1, len(line))
		}
		if _, err := hex.Decode(raw, line); err != nil {
			return nil, fmt.Errorf("line %d is not a key: want 64 hex digits: %v", n+1, err)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := keyID(raw)
		if seen[id] {
			return nil, fmt.Errorf("line %d repeats key %s", n+1, id)
		}
		seen[id] = true
		k.keys = append(k.keys, secretKey{id: id, aead: aead})
	}
	if len(k.keys) == 0 {
		return nil, errors.New("no key in it (want one line of 64 hex digits)")
	}
	return k, nil
}

// NewSecretKeyFile is a new key file's bytes: one new random key.
func NewSecretKeyFile() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return []byte(hex.EncodeToString(b) + "\n"), nil
}

// NewSecretKeys is a key ring of one new random key, kept nowhere: for
// tests and tools whose secrets need not outlive the process.
func NewSecretKeys() *SecretKeys {
	b, _ := NewSecretKeyFile()
	k, err := ParseSecretKeys(b)
	if err != nil {
		panic(err) // a fresh key always parses
	}
	return k
}

// SecretKeyFile is the key file at path, for keyfile.Load and LoadOrCreate.
func SecretKeyFile(path string) keyfile.Spec {
	return keyfile.Spec{Path: path, What: "two-step verification secret key",
		IfRemoved: "staff members' two-step verification stops working: an administrator resets it for each, and they enrol again",
		Parse: func(b []byte) error {
			_, err := ParseSecretKeys(b)
			return err
		},
		New: NewSecretKeyFile}
}

// ID is the name of the key that seals (what a rotation puts first).
func (k *SecretKeys) ID() string { return k.keys[0].id }

func aad(username string) []byte { return []byte("yuejuan totp\x00" + username) }

// seal seals username's secret with the first key.
func (k *SecretKeys) seal(username, secret string) string {
	c := k.keys[0]
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(secret)+c.aead.Overhead())
	_, _ = rand.Read(nonce)
	out := c.aead.Seal(nonce, nonce, []byte(secret), aad(username))
	return sealedPrefix + c.id + ":" + base64.RawURLEncoding.EncodeToString(out)
}

// open returns username's secret from its stored value, and whether the
// value should be sealed again (kept plain, or sealed with a key that no
// longer seals).
func (k *SecretKeys) open(username, stored string) (secret string, reseal bool, err error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		// Kept plain by a version before sealing: used once more, then sealed.
		return stored, true, nil
	}
	id, b64, ok := strings.Cut(rest, ":")
	if !ok {
		return "", false, fmt.Errorf("%w: not a sealed value", ErrSecretSealed)
	}
	for i, c := range k.keys {
		if c.id != id {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(b64)
		if err != nil || len(raw) < c.aead.NonceSize() {
			return "", false, fmt.Errorf("%w: damaged value", ErrSecretSealed)
		}
		n := c.aead.NonceSize()
		plain, err := c.aead.Open(nil, raw[:n], raw[n:], aad(username))
		if err != nil {
			return "", false, fmt.Errorf("%w: it does not open for %s with key %s (altered, or copied from another account)", ErrSecretSealed, username, id)
		}
		return string(plain), i > 0, nil
	}
	return "", false, fmt.Errorf("%w: it was sealed with key %s, which is not in the key file (put that key back on a line after the first)", ErrSecretSealed, id)
}

// SealSecrets seals again every stored second-factor secret that is not
// sealed with the first key: kept plain by an older version, or sealed with
// a key a rotation moved down. The server runs it at start, so after an
// upgrade or a rotation no account waits for its next sign-in (and the old
// key can leave the file after one start). It returns how many accounts it
// changed; a secret that does not open is left as it is, for the
// administrator's reset, and named in the error.
func (d *Directory) SealSecrets(ctx context.Context) (int, error) {
	if d.Secrets == nil {
		return 0, ErrNoSecretKeys
	}
	all, err := d.List(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	var bad []string
	for _, a := range all {
		if !d.Secrets.stale(a) {
			continue
		}
		changed := false
		_, err := d.update(ctx, a.Username, func(a *Account) error {
			changed = false
			for _, f := range []*string{&a.TOTP, &a.TOTPPending} {
				if *f == "" {
					continue
				}
				secret, reseal, err := d.Secrets.open(a.Username, *f)
				if err != nil {
					return err
				}
				if reseal {
					*f, changed = d.Secrets.seal(a.Username, secret), true
				}
			}
			if !changed {
				return errUnchanged
			}
			return nil
		})
		switch {
		case errors.Is(err, errUnchanged):
		case errors.Is(err, ErrSecretSealed):
			bad = append(bad, a.Username)
		case err != nil:
			return n, err
		default:
			n++
		}
	}
	if len(bad) > 0 {
		return n, fmt.Errorf("%w: accounts %s (reset their two-step verification, or put the missing key back)", ErrSecretSealed, strings.Join(bad, ", "))
	}
	return n, nil
}

// errUnchanged ends an update that has nothing to write.
var errUnchanged = errors.New("unchanged")

// stale reports whether a's stored secrets are not all sealed with the
// first key.
func (k *SecretKeys) stale(a *Account) bool {
	for _, v := range []string{a.TOTP, a.TOTPPending} {
		if v != "" && !strings.HasPrefix(v, sealedPrefix+k.keys[0].id+":") {
			return true
		}
	}
	return false
}
