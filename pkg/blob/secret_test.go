package blob_test

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/blob"
)

// TestLocalSecretFile: the URL-signing secret survives a restart; an empty
// secret file (an older version's first start on a full disk, which made
// every later start panic) is replaced; a truncated one is refused with an
// error naming it.
func TestLocalSecretFile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "keys", "blob-url.secret")
	u, _ := url.Parse("http://127.0.0.1:1/blob")
	open := func() (*blob.Local, error) { return blob.OpenLocal(filepath.Join(dir, "objects"), u, secret) }
	signs := func(l *blob.Local) {
		t.Helper()
		if _, err := blob.SignedGetURL(t.Context(), l.Bucket, "k", time.Minute, blob.GetOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	if err := os.MkdirAll(filepath.Dir(secret), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secret, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := open()
	if err != nil {
		t.Fatalf("an empty secret file: %v", err)
	}
	signs(l)
	l.Close()
	b, _ := os.ReadFile(secret)
	if len(b) < 32 {
		t.Fatalf("the empty secret file was not replaced: %d bytes", len(b))
	}

	l, err = open()
	if err != nil {
		t.Fatal(err)
	}
	signs(l)
	l.Close()
	if b2, _ := os.ReadFile(secret); !bytes.Equal(b, b2) {
		t.Fatal("a restart changed the secret")
	}

	if err := os.WriteFile(secret, b[:10], 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = open()
	if err == nil {
		t.Fatal("a 10-byte secret was accepted")
	}
	for _, want := range []string{secret, "URL-signing secret", "32 bytes", "backup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if b3, _ := os.ReadFile(secret); !bytes.Equal(b3, b[:10]) {
		t.Error("a damaged secret file was replaced")
	}
}
