package keyfile

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// spec is a 32-byte secret, like the URL-signing secret.
func spec(path string) Spec {
	return Spec{Path: path, What: "test secret", IfRemoved: "signed URLs stop working",
		Parse: func(b []byte) error {
			if len(b) != 32 {
				return errors.New("not 32 bytes")
			}
			return nil
		},
		New: func() ([]byte, error) {
			b := make([]byte, 32)
			_, err := rand.Read(b)
			return b, err
		}}
}

// dirNames lists what is in dir: no temporary file may be left behind.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestCreateThenLoad(t *testing.T) {
	dir := t.TempDir()
	s := spec(filepath.Join(dir, "keys", "url.secret"))
	first, err := LoadOrCreate(s)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 600", fi.Mode().Perm())
	}
	again, err := LoadOrCreate(s)
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("the second start read another secret (%v)", err)
	}
	if got := dirNames(t, filepath.Join(dir, "keys")); len(got) != 1 {
		t.Errorf("keys/ holds %q, want only the secret", got)
	}
}

// TestFailedWriteLeavesNothing: a write that fails part-way (the disk full)
// leaves no file at the key's path and no temporary file, and the next
// start makes the key.
func TestFailedWriteLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	s := spec(filepath.Join(dir, "keys", "url.secret"))
	orig := writeFile
	writeFile = func(f *os.File, data []byte) error {
		_, _ = f.Write(data[:len(data)/2])
		return syscall.ENOSPC
	}
	_, err := LoadOrCreate(s)
	writeFile = orig
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), s.Path) {
		t.Fatalf("LoadOrCreate with a full disk: %v; want ENOSPC naming the file", err)
	}
	if got := dirNames(t, filepath.Join(dir, "keys")); len(got) != 0 {
		t.Fatalf("a failed write left %q behind", got)
	}
	if _, err := LoadOrCreate(s); err != nil {
		t.Fatalf("the start after space was freed: %v", err)
	}
}

// TestEmptyFileIsReplaced: an empty file (an older version's interrupted
// first start) is replaced by a new key.
func TestEmptyFileIsReplaced(t *testing.T) {
	s := spec(filepath.Join(t.TempDir(), "url.secret"))
	if err := os.WriteFile(s.Path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreate(s)
	if err != nil {
		t.Fatalf("an empty secret file: %v", err)
	}
	onDisk, _ := os.ReadFile(s.Path)
	if len(b) != 32 || !bytes.Equal(onDisk, b) {
		t.Fatalf("the empty file was not replaced by the new secret (%d bytes on disk)", len(onDisk))
	}
	// Load (no creating) refuses an empty file and says it is empty.
	if err := os.WriteFile(s.Path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(s)
	var ke *Error
	if !errors.As(err, &ke) || !strings.Contains(err.Error(), "empty") || !strings.Contains(err.Error(), s.Path) {
		t.Errorf("Load of an empty file: %v", err)
	}
}

// TestDamagedFileIsKept: a non-empty file that is not a valid key is never
// replaced; the error names the file, what is wrong, and what to do.
func TestDamagedFileIsKept(t *testing.T) {
	s := spec(filepath.Join(t.TempDir(), "url.secret"))
	junk := []byte("0123456789")
	if err := os.WriteFile(s.Path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreate(s)
	if err == nil {
		t.Fatal("a truncated secret was accepted")
	}
	for _, want := range []string{s.Path, "not 32 bytes", "10 bytes", "backup", "remove it", "signed URLs stop working"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if b, _ := os.ReadFile(s.Path); !bytes.Equal(b, junk) {
		t.Error("a damaged key file was replaced")
	}
}

func TestLoadMissing(t *testing.T) {
	s := spec(filepath.Join(t.TempDir(), "keys", "url.secret"))
	_, err := Load(s)
	if !errors.Is(err, ErrMissing) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load of a missing file: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(s.Path)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Load made the key's directory")
	}
}

// TestCreateKeepsAnotherProcesssKey: of two processes making the key at
// once, the second uses the first's instead of overwriting it.
func TestCreateKeepsAnotherProcesssKey(t *testing.T) {
	s := spec(filepath.Join(t.TempDir(), "url.secret"))
	theirs := bytes.Repeat([]byte{7}, 32)
	if err := Create(s.Path, theirs); err != nil {
		t.Fatal(err)
	}
	if err := Create(s.Path, bytes.Repeat([]byte{8}, 32)); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create over an existing key: %v, want ErrExist", err)
	}
	b, err := LoadOrCreate(s)
	if err != nil || !bytes.Equal(b, theirs) {
		t.Fatalf("LoadOrCreate did not use the existing key (%v)", err)
	}
	if got := dirNames(t, filepath.Dir(s.Path)); len(got) != 1 {
		t.Errorf("left %q", got)
	}
}
