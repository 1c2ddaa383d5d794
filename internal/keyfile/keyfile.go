// Package keyfile keeps the local server's keys and secrets in files of the
// data dir (keys/): written atomically and durably, so that a full disk or a
// crash during the first start leaves either the whole key or no file at
// all, and checked when read, so that a damaged file stops the start with an
// error that names the file and says what to do.
//
// The rules (docs/recovery.md, "Keys and secrets"):
//
//   - A new key is written to a temporary file in the same directory,
//     fsynced, linked into place only if no file is there yet (a key another
//     process made first is never overwritten; that one is used), and the
//     directory is fsynced. A failed write removes the temporary file and
//     leaves nothing at the key's path.
//   - A missing file is created (Load: refused, for commands that must use
//     the server's keys and never make their own).
//   - An empty file (zero bytes: what an older version left when the disk
//     was full during its first start) holds no key, so nothing can have been
//     signed with anything in it: it is replaced by a new key, atomically,
//     and a warning names it.
//   - A non-empty file that is not a valid key (truncated, damaged, another
//     format) is never replaced: the start fails, naming the file, what is
//     wrong with it, and what to do (restore it from a backup; remove it only
//     if nothing signed with it is still needed, and what removing it costs).
package keyfile

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// Spec describes one key file.
type Spec struct {
	Path string
	// What names the key for people ("login token key").
	What string
	// IfRemoved says what is lost when the file is removed and a new key
	// made ("tokens signed with it stop working; everyone signs in again").
	IfRemoved string
	// Parse checks the file's bytes, non-empty; an error says what is
	// wrong ("not a PEM file").
	Parse func(data []byte) error
	// New makes a new key's bytes (LoadOrCreate only).
	New func() ([]byte, error)
}

// ErrMissing is returned (wrapped in *Error) by Load for a file that does
// not exist.
var ErrMissing = errors.New("missing")

// Error is a key file that cannot be used, with what to do about it.
type Error struct {
	Spec    Spec
	Problem error
}

func (e *Error) Error() string {
	p := e.Spec.Path
	if errors.Is(e.Problem, ErrMissing) {
		return fmt.Sprintf("%s %s does not exist", e.Spec.What, p)
	}
	msg := fmt.Sprintf("%s %s cannot be used: %v. Restore it from a backup of the data directory. "+
		"Only if nothing signed with it is still needed may you remove it; the server then makes a new one at its next start", e.Spec.What, p, e.Problem)
	if e.Spec.IfRemoved != "" {
		msg += " (" + e.Spec.IfRemoved + ")"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Problem }

// Load reads and checks the key file. A missing file is an *Error wrapping
// ErrMissing (and fs.ErrNotExist); an empty or invalid one an *Error.
func Load(s Spec) ([]byte, error) {
	b, err := os.ReadFile(s.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Error{Spec: s, Problem: fmt.Errorf("%w: %w", ErrMissing, err)}
	case err != nil:
		return nil, fmt.Errorf("read %s %s: %w", s.What, s.Path, err)
	case len(b) == 0:
		return nil, &Error{Spec: s, Problem: errors.New("the file is empty (0 bytes; an interrupted first start, a full disk?)")}
	}
	if err := s.Parse(b); err != nil {
		return nil, &Error{Spec: s, Problem: fmt.Errorf("%w (%d bytes)", err, len(b))}
	}
	return b, nil
}

// LoadOrCreate reads and checks the key file, creating it when it does not
// exist and replacing it when it is empty (see the package rules). A file
// that is not empty and not valid is an *Error and is left as it is.
func LoadOrCreate(s Spec) ([]byte, error) {
	for range 3 {
		b, err := Load(s)
		var ke *Error
		switch {
		case err == nil:
			return b, nil
		case errors.Is(err, ErrMissing):
			nb, err := s.New()
			if err != nil {
				return nil, err
			}
			err = Create(s.Path, nb)
			if errors.Is(err, fs.ErrExist) {
				continue // another process made it first: use theirs
			}
			if err != nil {
				return nil, fmt.Errorf("create %s %s: %w", s.What, s.Path, err)
			}
			return nb, nil
		case errors.As(err, &ke) && isEmpty(s.Path):
			nb, err := s.New()
			if err != nil {
				return nil, err
			}
			if err := Replace(s.Path, nb); err != nil {
				return nil, fmt.Errorf("replace the empty %s %s: %w", s.What, s.Path, err)
			}
			slog.Warn("key file was empty (left by an interrupted first start); made a new key", "key", s.What, "file", s.Path)
			return nb, nil
		default:
			return nil, err
		}
	}
	return nil, fmt.Errorf("create %s %s: it keeps appearing and vanishing", s.What, s.Path)
}

func isEmpty(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Size() == 0
}

// Create writes data to path, mode 0600, creating its directory (0700),
// atomically and durably, and only if path does not exist (an error
// wrapping fs.ErrExist if it does). A failure before the whole file is in
// place leaves nothing at path and no temporary file.
func Create(path string, data []byte) error {
	return write(path, data, false)
}

// Replace is Create for a path that may exist: the file there is replaced
// at once by the whole new one.
func Replace(path string, data []byte) error {
	return write(path, data, true)
}

// writeFile writes the temporary file; tests replace it to fail mid-write.
var writeFile = func(f *os.File, data []byte) error {
	_, err := f.Write(data)
	return err
}

func write(path string, data []byte, replace bool) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if err := writeFile(f, data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if replace {
		err = os.Rename(tmp, path)
	} else {
		// A hard link fails if path exists: an atomic create-if-absent
		// of the whole file.
		err = os.Link(tmp, path)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			// A file system without hard links: rename, if still absent.
			if _, serr := os.Lstat(path); errors.Is(serr, fs.ErrNotExist) {
				err = os.Rename(tmp, path)
			}
		}
		if err == nil || errors.Is(err, fs.ErrExist) {
			os.Remove(tmp)
		}
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
