package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The argon2id parameters of new hashes: OWASP's first recommended
// configuration (46 MiB, 1 pass, 1 lane), with a 16-byte salt and a 32-byte
// key. A stored hash carries its own parameters (PHC string form), so
// raising them later leaves existing hashes verifiable. One hash costs about
// 0.1 s and 46 MiB on the 2-core test machine (TestPasswordHash logs it),
// which is why sign-ins are rate limited and at most cap(hashing) hashes run
// at once.
const (
	argonMemoryKiB = 46 * 1024
	argonTime      = 1
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// MinPasswordLen is the shortest password accepted when one is set.
const MinPasswordLen = 10

// hashing bounds how many hashes run at once: each holds argonMemoryKiB.
var hashing = make(chan struct{}, 4)

// HashPassword returns the argon2id hash of password in PHC string form:
// $argon2id$v=19$m=47104,t=1,p=1$<salt>$<key>.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("account: salt: %w", err)
	}
	hashing <- struct{}{}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	<-hashing
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errHashForm = errors.New("account: not an argon2id hash in PHC form")

// CheckPassword reports whether password matches hash (made by
// HashPassword, with whatever parameters it records).
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errHashForm
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errHashForm
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<21 {
		return false, errHashForm
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errHashForm
	}
	hashing <- struct{}{}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	<-hashing
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when the user name is unknown, so that an
// unknown name takes as long to refuse as a wrong password.
var dummyHash, _ = HashPassword("no such account: a password nobody has")

// NewPassword returns a random initial password: 26 characters of
// base32 (crypto/rand.Text, 128 bits).
func NewPassword() string { return rand.Text() }
