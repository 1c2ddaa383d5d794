package cloud

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Secrets reads secret values (the link and anchor keys). On AWS it is
// Secrets Manager; tests pass a fake.
type Secrets interface {
	Secret(ctx context.Context, id string) ([]byte, error)
}

// SecretValueGetter is the part of *secretsmanager.Client that
// SecretsManager uses.
type SecretValueGetter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretsManager reads the current version of secrets from AWS Secrets
// Manager, once per secret and process (a rotated key is picked up by new
// execution environments; old link tokens keep verifying as long as the
// secret still lists the old key).
type SecretsManager struct {
	Client SecretValueGetter
	mu     sync.Mutex
	cache  map[string][]byte
}

// Secret returns the secret's string value, or its binary value.
func (s *SecretsManager) Secret(ctx context.Context, id string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.cache[id]; ok {
		return v, nil
	}
	out, err := s.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("cloud: read secret %s: %w", id, err)
	}
	var v []byte
	switch {
	case out.SecretString != nil:
		v = []byte(*out.SecretString)
	case out.SecretBinary != nil:
		v = out.SecretBinary
	default:
		return nil, fmt.Errorf("cloud: secret %s has no value", id)
	}
	if s.cache == nil {
		s.cache = map[string][]byte{}
	}
	s.cache[id] = v
	return v, nil
}

// StaticSecrets is a fixed set of secrets by id (tests, and deployments that
// inject secrets another way).
type StaticSecrets map[string][]byte

// Secret implements Secrets.
func (m StaticSecrets) Secret(_ context.Context, id string) ([]byte, error) {
	v, ok := m[id]
	if !ok {
		return nil, fmt.Errorf("cloud: no secret %q", id)
	}
	return v, nil
}

// ParseKeys reads the Ed25519 private keys of a secret: one or more PEM
// blocks "PRIVATE KEY" (PKCS#8, as `openssl genpkey -algorithm ed25519`
// writes them). The first is the current signing key; the others are kept
// for verifying what they signed before a rotation.
func ParseKeys(data []byte) ([]ed25519.PrivateKey, error) {
	var keys []ed25519.PrivateKey
	rest := data
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("cloud: key secret holds a %q PEM block; want PRIVATE KEY (PKCS#8 Ed25519)", blk.Type)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("cloud: key secret: %w", err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("cloud: key secret holds a %T key; want Ed25519", k)
		}
		keys = append(keys, priv)
	}
	if len(keys) == 0 {
		return nil, errors.New("cloud: key secret holds no PEM PRIVATE KEY block (create one with: openssl genpkey -algorithm ed25519)")
	}
	return keys, nil
}

// ParsePublicKeys reads comma-separated base64 (standard or URL alphabet,
// padded or not) Ed25519 public keys, each either the raw 32 bytes or PKIX
// DER (the body of a PEM "PUBLIC KEY").
func ParsePublicKeys(s string) ([]ed25519.PublicKey, error) {
	var out []ed25519.PublicKey
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		b, err := decodeB64(f)
		if err != nil {
			return nil, fmt.Errorf("cloud: public key %q: not base64", f)
		}
		switch {
		case len(b) == ed25519.PublicKeySize:
			out = append(out, ed25519.PublicKey(b))
		default:
			k, err := x509.ParsePKIXPublicKey(b)
			if err != nil {
				return nil, fmt.Errorf("cloud: public key %q: %w", f, err)
			}
			pub, ok := k.(ed25519.PublicKey)
			if !ok {
				return nil, fmt.Errorf("cloud: public key %q is a %T; want Ed25519", f, k)
			}
			out = append(out, pub)
		}
	}
	return out, nil
}

func decodeB64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}
