package blob

import (
	"context"
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The local driver keeps each object as a file under the bucket's
// directory, its key the path (escaped as gocloud.dev's fileblob did, so a
// data directory written by earlier versions reads the same), and its
// Content-Type and MD5 in a sidecar "<file>.attrs" (fileblob's JSON). A
// write goes to a temporary file beside the object, "<file>.<hex>.tmp"
// (never across a mount point), is synced, and renamed over the object at
// Close: readers see the old file or the new one, whole.
type localDriver struct {
	dir    string // absolute
	signer *URLSigner
	mu     sync.Mutex // makes IfNotExist's check and rename one step
}

const attrsExt = ".attrs"

// localTemp matches the temporary files of writes: "<file>.<hex>.tmp", and
// of sidecars, "<file>.<hex>.tmp.attrs".
var localTemp = regexp.MustCompile(`\.[0-9a-f]+\.tmp(\.attrs)?$`)

// IsTemp reports whether name (a file name under a local bucket) is a
// write's temporary file rather than an object or its sidecar.
func IsTemp(name string) bool { return localTemp.MatchString(name) }

// OpenDir opens (creating) a local bucket in dir without signed URLs.
func OpenDir(dir string) (*Bucket, error) {
	d, err := openLocalDriver(dir, nil)
	if err != nil {
		return nil, err
	}
	return NewBucket(d), nil
}

func openLocalDriver(dir string, signer *URLSigner) (*localDriver, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", dir, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("blob: open %s: not a directory", dir)
	}
	return &localDriver{dir: abs, signer: signer}, nil
}

// localErr gives an os error its code.
func localErr(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return newError(NotFound, op, key, err)
	}
	return newError(Unknown, op, key, err)
}

// escapeKey is fileblob's: control characters, the "/" of "../", of "//"
// and a trailing "/" become "__0x<hex>__", as does anything that looks
// like such an escape already.
func escapeKey(key string) string {
	return hexEscape(key, func(r []rune, i int) bool {
		c := r[i]
		switch {
		case c < 32:
			return true
		case i > 1 && c == '/' && r[i-1] == '.' && r[i-2] == '.':
			return true
		case i > 0 && c == '/' && r[i-1] == '/':
			return true
		case c == '/' && i == len(r)-1:
			return true
		}
		return false
	})
}

// path is the file of key, never outside the bucket's directory.
func (d *localDriver) path(op, key string) (string, error) {
	p := filepath.Join(d.dir, filepath.FromSlash(escapeKey(key)))
	if p == d.dir || !strings.HasPrefix(p, d.dir+string(os.PathSeparator)) {
		return "", errorf(InvalidArgument, op, key, "the key leads outside the bucket")
	}
	if strings.HasSuffix(p, attrsExt) || IsTemp(p) {
		return "", errorf(InvalidArgument, op, key, "keys ending in %s or .tmp are reserved", attrsExt)
	}
	return p, nil
}

// sidecar is fileblob's ".attrs" file. MD5 is nil where no pass over
// the content made it (Compose).
type sidecar struct {
	CacheControl       string            `json:"user.cache_control"`
	ContentDisposition string            `json:"user.content_disposition"`
	ContentEncoding    string            `json:"user.content_encoding"`
	ContentLanguage    string            `json:"user.content_language"`
	ContentType        string            `json:"user.content_type"`
	Metadata           map[string]string `json:"user.metadata"`
	MD5                []byte            `json:"md5"`
}

func readSidecar(path string) (sidecar, error) {
	data, err := os.ReadFile(path + attrsExt)
	if errors.Is(err, fs.ErrNotExist) {
		return sidecar{ContentType: "application/octet-stream"}, nil
	}
	if err != nil {
		return sidecar{}, err
	}
	var s sidecar
	if err := json.Unmarshal(data, &s); err != nil {
		return sidecar{}, fmt.Errorf("%s%s: %w", path, attrsExt, err)
	}
	return s, nil
}

// writeSidecar replaces path's sidecar atomically. The temporary name ends
// in ".attrs" so that no listing shows it.
func writeSidecar(path string, s sidecar) error {
	tmp := path + "." + strconv.FormatInt(time.Now().UnixNano(), 16) + ".tmp" + attrsExt
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := os.WriteFile(tmp, append(data, '\n'), 0o640); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path+attrsExt); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// stat is the object file of key and its sidecar.
func (d *localDriver) stat(op, key string) (string, fs.FileInfo, sidecar, error) {
	p, err := d.path(op, key)
	if err != nil {
		return "", nil, sidecar{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return "", nil, sidecar{}, localErr(op, key, err)
	}
	if fi.IsDir() {
		return "", nil, sidecar{}, newError(NotFound, op, key, nil)
	}
	s, err := readSidecar(p)
	if err != nil {
		return "", nil, sidecar{}, localErr(op, key, err)
	}
	return p, fi, s, nil
}

func (d *localDriver) Attributes(_ context.Context, key string) (*Attributes, error) {
	_, fi, s, err := d.stat("attributes", key)
	if err != nil {
		return nil, err
	}
	return &Attributes{ContentType: s.ContentType, ModTime: fi.ModTime(), Size: fi.Size(), MD5: s.MD5,
		ETag: fmt.Sprintf("\"%x-%x\"", fi.ModTime().UnixNano(), fi.Size())}, nil
}

type localReader struct {
	io.Reader
	f     *os.File
	attrs ReaderAttributes
}

func (r *localReader) Close() error            { return r.f.Close() }
func (r *localReader) Attrs() ReaderAttributes { return r.attrs }

func (d *localDriver) NewRangeReader(_ context.Context, key string, offset, length int64) (DriverReader, error) {
	f, fi, s, err := d.open(key)
	if err != nil {
		return nil, err
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, localErr("read", key, err)
		}
	}
	var r io.Reader = f
	if length >= 0 {
		r = io.LimitReader(f, length)
	}
	return &localReader{Reader: r, f: f, attrs: ReaderAttributes{ContentType: s.ContentType, ModTime: fi.ModTime(), Size: fi.Size()}}, nil
}

// open opens the file of key for reading.
func (d *localDriver) open(key string) (*os.File, fs.FileInfo, sidecar, error) {
	p, _, s, err := d.stat("read", key)
	if err != nil {
		return nil, nil, s, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, s, localErr("read", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, s, localErr("read", key, err)
	}
	return f, fi, s, nil
}

// createTemp makes the temporary file of a write to path, beside it.
func createTemp(path string) (*os.File, error) {
	for try := 0; ; try++ {
		name := path + "." + strconv.FormatInt(time.Now().UnixNano(), 16) + ".tmp"
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
		if errors.Is(err, fs.ErrExist) && try < 1000 {
			continue
		}
		return f, err
	}
}

// localWriter writes the temporary file of one object.
type localWriter struct {
	d          *localDriver
	ctx        context.Context
	key, path  string
	f          *os.File
	md5        hash.Hash // nil: no MD5 recorded
	attrs      sidecar
	ifNotExist bool
}

func (d *localDriver) NewWriter(ctx context.Context, key string, o WriterOptions) (io.WriteCloser, error) {
	w, err := d.newWriter(ctx, key, o)
	if err != nil {
		return nil, err
	}
	w.md5 = md5.New()
	return w, nil
}

func (d *localDriver) newWriter(ctx context.Context, key string, o WriterOptions) (*localWriter, error) {
	p, err := d.path("write", key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return nil, localErr("write", key, err)
	}
	f, err := createTemp(p)
	if err != nil {
		return nil, localErr("write", key, err)
	}
	return &localWriter{d: d, ctx: ctx, key: key, path: p, f: f, attrs: sidecar{ContentType: o.ContentType}, ifNotExist: o.IfNotExist}, nil
}

func (w *localWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if w.md5 != nil {
		w.md5.Write(p[:n])
	}
	if err != nil {
		return n, localErr("write", w.key, err)
	}
	return n, nil
}

// Close syncs the temporary file and renames it over the object, unless
// the write's context is done. The temporary file is gone afterwards,
// whatever happened.
func (w *localWriter) Close() error {
	tmp := w.f.Name()
	defer os.Remove(tmp) // after a rename, a no-op
	err := w.ctx.Err()
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return localErr("write", w.key, err)
	}
	if w.md5 != nil {
		w.attrs.MD5 = w.md5.Sum(nil)
	}
	return w.d.commit(w.ctx, w.key, w.path, tmp, w.attrs, w.ifNotExist)
}

// commit puts the written file tmp in place as the object at path:
// sidecar first, then the data, as fileblob did (a reader of the new data
// finds its sidecar).
func (d *localDriver) commit(ctx context.Context, key, path, tmp string, attrs sidecar, ifNotExist bool) error {
	if ifNotExist {
		// One process per data directory (the server's LOCK), so a lock
		// here makes the check and the rename one step.
		d.mu.Lock()
		defer d.mu.Unlock()
		if _, err := os.Stat(path); err == nil {
			return newError(AlreadyExists, "write", key, nil)
		}
	}
	if err := ctx.Err(); err != nil {
		return localErr("write", key, err)
	}
	if err := writeSidecar(path, attrs); err != nil {
		return localErr("write", key, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return localErr("write", key, err)
	}
	// The rename itself is durable once the directory is synced.
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		_ = dir.Sync()
		dir.Close()
	}
	return nil
}

func (d *localDriver) ListPage(_ context.Context, o ListOptions, token []byte, size int) ([]*ListObject, []byte, error) {
	root := d.dir
	if i := strings.LastIndex(o.Prefix, "/"); i >= 0 {
		root = filepath.Join(d.dir, filepath.FromSlash(escapeKey(o.Prefix[:i])))
	}
	if root != d.dir && !strings.HasPrefix(root, d.dir+string(os.PathSeparator)) {
		return nil, nil, errorf(InvalidArgument, "list", o.Prefix, "the prefix leads outside the bucket")
	}
	var objs []*ListObject
	seen := map[string]bool{} // common prefixes
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == root && errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			return err
		}
		if p == d.dir {
			return nil
		}
		rel := filepath.ToSlash(p[len(d.dir)+1:])
		key := hexUnescape(rel)
		if e.IsDir() {
			// Skip the directories the prefix cannot reach into.
			if k := key + "/"; !strings.HasPrefix(k, o.Prefix) && !strings.HasPrefix(o.Prefix, k) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(e.Name(), attrsExt) || IsTemp(e.Name()) || !strings.HasPrefix(key, o.Prefix) {
			return nil
		}
		if o.Delimiter != "" {
			if i := strings.Index(key[len(o.Prefix):], o.Delimiter); i >= 0 {
				cp := key[:len(o.Prefix)+i+len(o.Delimiter)]
				if !seen[cp] {
					seen[cp] = true
					objs = append(objs, &ListObject{Key: cp, IsDir: true})
				}
				return nil
			}
		}
		fi, err := e.Info()
		if err != nil {
			return nil // gone meanwhile
		}
		obj := &ListObject{Key: key, ModTime: fi.ModTime(), Size: fi.Size()}
		if s, err := readSidecar(p); err == nil {
			obj.MD5 = s.MD5
		}
		objs = append(objs, obj)
		return nil
	})
	if err != nil {
		return nil, nil, localErr("list", o.Prefix, err)
	}
	slices.SortFunc(objs, func(a, b *ListObject) int { return strings.Compare(a.Key, b.Key) })
	if len(token) > 0 {
		i, _ := slices.BinarySearchFunc(objs, string(token), func(o *ListObject, t string) int {
			if o.Key <= t {
				return -1
			}
			return 1
		})
		objs = objs[i:]
	}
	if len(objs) > size {
		objs = objs[:size]
		return objs, []byte(objs[size-1].Key), nil
	}
	return objs, nil, nil
}

func (d *localDriver) Copy(ctx context.Context, dst, src string) error {
	f, _, s, err := d.open(src)
	if err != nil {
		return localErr("copy", src, err)
	}
	defer f.Close()
	lw, err := d.newWriter(ctx, dst, WriterOptions{ContentType: s.ContentType})
	if err != nil {
		return err
	}
	if _, err := io.Copy(lw.f, f); err != nil {
		lw.f.Close()
		os.Remove(lw.f.Name())
		return localErr("copy", dst, err)
	}
	lw.attrs.MD5 = s.MD5
	return lw.Close()
}

func (d *localDriver) Delete(_ context.Context, key string) error {
	p, err := d.path("delete", key)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(p); err != nil {
		return localErr("delete", key, err)
	} else if fi.IsDir() {
		return newError(NotFound, "delete", key, nil)
	}
	if err := os.Remove(p); err != nil {
		return localErr("delete", key, err)
	}
	if err := os.Remove(p + attrsExt); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return localErr("delete", key, err)
	}
	return nil
}

func (d *localDriver) SignedURL(_ context.Context, key string, o SignOptions) (string, error) {
	if d.signer == nil {
		return "", errorf(Unimplemented, "sign", key, "this bucket has no URL signer")
	}
	u, err := d.signer.URLFromKey(key, o)
	if err != nil {
		return "", newError(Unimplemented, "sign", key, err)
	}
	return u.String(), nil
}

func (d *localDriver) Close() error { return nil }

// hexEscape replaces the runes shouldEscape picks, and any "__0x<hex>__"
// already in s, by "__0x<hex>__" (gocloud.dev's internal/escape).
func hexEscape(s string, shouldEscape func(r []rune, i int) bool) string {
	runes := []rune(s)
	var b strings.Builder
	changed := false
	for i, r := range runes {
		if shouldEscape(runes, i) || isEscape(runes, i) {
			fmt.Fprintf(&b, "__%#x__", r)
			changed = true
			continue
		}
		b.WriteRune(r)
	}
	if !changed {
		return s
	}
	return b.String()
}

// unescapeAt reads an escape "__0x<hex>__" at r[i]: its rune and the
// index of its last '_'.
func unescapeAt(r []rune, i int) (bool, rune, int) {
	if i+4 >= len(r) || r[i] != '_' || r[i+1] != '_' || r[i+2] != '0' || r[i+3] != 'x' {
		return false, 0, 0
	}
	j := i + 4
	for j < len(r) && r[j] != '_' {
		j++
	}
	if j+1 >= len(r) || r[j+1] != '_' {
		return false, 0, 0
	}
	v, err := strconv.ParseInt(string(r[i+4:j]), 16, 32)
	if err != nil {
		return false, 0, 0
	}
	return true, rune(v), j + 1
}

func isEscape(r []rune, i int) bool {
	ok, _, _ := unescapeAt(r, i)
	return ok
}

// hexUnescape reverses hexEscape.
func hexUnescape(s string) string {
	if !strings.Contains(s, "__0x") {
		return s
	}
	runes := []rune(s)
	out := make([]rune, 0, len(runes))
	for i := 0; i < len(runes); i++ {
		if ok, r, end := unescapeAt(runes, i); ok {
			out = append(out, r)
			i = end
			continue
		}
		out = append(out, runes[i])
	}
	return string(out)
}

// Local is a filesystem bucket plus the signer of its URLs.
type Local struct {
	*Bucket
	Signer *URLSigner

	putting sync.Map // keys with a signed PUT in progress (write-once)
}

// OpenLocal opens (creating) a bucket in dir whose signed URLs point at
// base (e.g. http://127.0.0.1:8080/blob). The HMAC secret is kept in
// secretFile, created on first use.
func OpenLocal(dir string, base *url.URL, secretFile string) (*Local, error) {
	secret, err := loadSecret(secretFile)
	if err != nil {
		return nil, err
	}
	signer := NewURLSigner(base, secret)
	d, err := openLocalDriver(dir, signer)
	if err != nil {
		return nil, err
	}
	return &Local{Bucket: NewBucket(d), Signer: signer}, nil
}
