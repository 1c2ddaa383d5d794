package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
	"unicode/utf8"
)

// Bucket is the portable bucket: what the service does with an object
// store, over a Driver. It is safe for concurrent use.
type Bucket struct {
	d Driver
}

// NewBucket returns the bucket of d.
func NewBucket(d Driver) *Bucket { return &Bucket{d: d} }

// WriterOptions are the options of a write.
type WriterOptions struct {
	// ContentType of the object; empty: detected from the first 512
	// bytes (http.DetectContentType).
	ContentType string
	// IfNotExist makes the write fail with AlreadyExists, and write
	// nothing, when the object exists.
	IfNotExist bool
}

// ListOptions select what a listing shows.
type ListOptions struct {
	Prefix    string
	Delimiter string
}

// CopyOptions are the options of a copy (none yet).
type CopyOptions struct{}

func checkKey(op, key string) error {
	if key == "" || !utf8.ValidString(key) {
		return errorf(InvalidArgument, op, key, "a key is non-empty UTF-8")
	}
	return nil
}

// Attributes describes the object at key.
func (b *Bucket) Attributes(ctx context.Context, key string) (*Attributes, error) {
	if err := checkKey("attributes", key); err != nil {
		return nil, err
	}
	return b.d.Attributes(ctx, key)
}

// Exists reports whether the object at key exists.
func (b *Bucket) Exists(ctx context.Context, key string) (bool, error) {
	_, err := b.Attributes(ctx, key)
	if err == nil {
		return true, nil
	}
	if IsNotFound(err) {
		return false, nil
	}
	return false, err
}

// NewReader reads the whole object at key; the caller closes it.
func (b *Bucket) NewReader(ctx context.Context, key string, _ *ReaderOptions) (*Reader, error) {
	return b.NewRangeReader(ctx, key, 0, -1, nil)
}

// ReaderOptions are the options of a read (none yet).
type ReaderOptions struct{}

// NewRangeReader reads length bytes of the object at key from offset
// (length < 0: to the end). The reader can Seek within that range.
func (b *Bucket) NewRangeReader(ctx context.Context, key string, offset, length int64, _ *ReaderOptions) (*Reader, error) {
	if err := checkKey("read", key); err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, errorf(InvalidArgument, "read", key, "negative offset %d", offset)
	}
	r, err := b.d.NewRangeReader(ctx, key, offset, length)
	if err != nil {
		return nil, err
	}
	return &Reader{d: b.d, r: r, ctx: ctx, key: key, base: offset, length: length, saved: -1, attrs: r.Attrs()}, nil
}

// ReadAll returns the content of the object at key.
func (b *Bucket) ReadAll(ctx context.Context, key string) ([]byte, error) {
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	buf := bytes.NewBuffer(make([]byte, 0, max(r.Size(), 0)+bytes.MinRead))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// NewWriter starts a write of the object at key: it becomes visible when
// Close returns nil, and never if ctx is done before Close (cancel ctx,
// then Close, to abandon a write).
func (b *Bucket) NewWriter(ctx context.Context, key string, o *WriterOptions) (*Writer, error) {
	if err := checkKey("write", key); err != nil {
		return nil, err
	}
	var opts WriterOptions
	if o != nil {
		opts = *o
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &Writer{d: b.d, ctx: ctx, cancel: cancel, key: key, opts: opts}
	if opts.ContentType != "" {
		var err error
		if w.w, err = b.d.NewWriter(ctx, key, opts); err != nil {
			cancel()
			return nil, err
		}
	}
	return w, nil
}

// WriteAll writes p as the object at key.
func (b *Bucket) WriteAll(ctx context.Context, key string, p []byte, o *WriterOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.NewWriter(ctx, key, o)
	if err != nil {
		return err
	}
	if _, err := w.Write(p); err != nil {
		cancel()
		_ = w.Close()
		return err
	}
	return w.Close()
}

// Copy writes dst as a copy of src.
func (b *Bucket) Copy(ctx context.Context, dst, src string, _ *CopyOptions) error {
	if err := checkKey("copy", dst); err != nil {
		return err
	}
	if err := checkKey("copy", src); err != nil {
		return err
	}
	return b.d.Copy(ctx, dst, src)
}

// Delete removes the object at key (NotFound if there is none).
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := checkKey("delete", key); err != nil {
		return err
	}
	return b.d.Delete(ctx, key)
}

// SignedURL returns a URL allowing o.Method on key for o.Expiry, with what
// o binds under its signature. SignedURL, SignedPutURL and SignedGetURL
// are the ways in that check their arguments.
func (b *Bucket) SignedURL(ctx context.Context, key string, o SignOptions) (string, error) {
	if err := checkKey("sign", key); err != nil {
		return "", err
	}
	return b.d.SignedURL(ctx, key, o)
}

// DefaultPageSize is how many objects a ListIterator asks for at a time.
const DefaultPageSize = 1000

// ListPage returns one page of the listing o selects: at most pageSize
// objects after pageToken (nil: the first page), and the token of the
// next page, nil after the last.
func (b *Bucket) ListPage(ctx context.Context, pageToken []byte, pageSize int, o *ListOptions) ([]*ListObject, []byte, error) {
	var opts ListOptions
	if o != nil {
		opts = *o
	}
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	return b.d.ListPage(ctx, opts, pageToken, pageSize)
}

// List iterates over the listing o selects, in key order.
func (b *Bucket) List(o *ListOptions) *ListIterator {
	var opts ListOptions
	if o != nil {
		opts = *o
	}
	return &ListIterator{b: b, opts: opts}
}

// ListIterator walks a listing a page at a time.
type ListIterator struct {
	b     *Bucket
	opts  ListOptions
	page  []*ListObject
	next  []byte
	begun bool
}

// Next returns the next entry, or io.EOF after the last.
func (it *ListIterator) Next(ctx context.Context) (*ListObject, error) {
	for len(it.page) == 0 {
		if it.begun && it.next == nil {
			return nil, io.EOF
		}
		page, next, err := it.b.ListPage(ctx, it.next, DefaultPageSize, &it.opts)
		if err != nil {
			return nil, err
		}
		it.page, it.next, it.begun = page, next, true
	}
	o := it.page[0]
	it.page = it.page[1:]
	return o, nil
}

// Close releases the driver's resources.
func (b *Bucket) Close() error { return b.d.Close() }

// Reader reads an object, or a range of it. It is an io.ReadSeekCloser
// (http.ServeContent serves ranges from it): a Seek that moves reopens the
// read at the new offset on the next Read.
type Reader struct {
	d        Driver
	r        DriverReader
	ctx      context.Context
	key      string
	base     int64 // the offset the reader was opened at
	length   int64 // the length asked for (< 0: to the end)
	relative int64 // the position, from base
	saved    int64 // the position r is at, when a Seek moved away; -1: none
	attrs    ReaderAttributes
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	if r.saved >= 0 {
		if r.relative != r.saved {
			length := r.length
			if length >= 0 {
				length -= r.relative
			}
			nr, err := r.d.NewRangeReader(r.ctx, r.key, r.base+r.relative, length)
			if err != nil {
				return 0, err
			}
			_ = r.r.Close()
			r.r = nr
		}
		r.saved = -1
	}
	n, err := r.r.Read(p)
	r.relative += int64(n)
	return n, err
}

// Seek implements io.Seeker, within the range the reader was opened for.
func (r *Reader) Seek(offset int64, whence int) (int64, error) {
	if r.saved < 0 {
		r.saved = r.relative
	}
	end := r.attrs.Size - r.base
	if r.length >= 0 && r.length < end {
		end = r.length
	}
	pos := r.relative
	switch whence {
	case io.SeekStart:
		pos = offset
	case io.SeekCurrent:
		pos += offset
	case io.SeekEnd:
		pos = end + offset
	default:
		return r.relative, fmt.Errorf("blob: seek %s: bad whence %d", r.key, whence)
	}
	if pos < 0 {
		return r.relative, fmt.Errorf("blob: seek %s: negative position %d", r.key, pos)
	}
	r.relative = min(pos, end)
	return r.relative, nil
}

// Close ends the read.
func (r *Reader) Close() error { return r.r.Close() }

// ContentType is the object's Content-Type.
func (r *Reader) ContentType() string { return r.attrs.ContentType }

// ModTime is when the object was last written.
func (r *Reader) ModTime() time.Time { return r.attrs.ModTime }

// Size is the size of the whole object, not of the range.
func (r *Reader) Size() int64 { return r.attrs.Size }

// sniffLen is how many bytes content type detection looks at.
const sniffLen = 512

// Writer writes an object; see Bucket.NewWriter. A write that fails
// abandons the object: Close then returns the failure and commits nothing.
type Writer struct {
	d      Driver
	w      io.WriteCloser // nil until the content type is known
	ctx    context.Context
	cancel context.CancelFunc // abandons the driver's write
	key    string
	opts   WriterOptions
	buf    []byte // the first bytes, while the content type is detected
	err    error  // the first failure
}

// Write implements io.Writer. An error may show only at Close.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.w != nil {
		n, err := w.w.Write(p)
		if err != nil {
			w.fail(err)
		}
		return n, err
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) >= sniffLen {
		if err := w.open(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (w *Writer) fail(err error) {
	w.err = err
	w.cancel()
}

// open starts the driver's write with the detected content type and
// sends what was held back.
func (w *Writer) open() error {
	w.opts.ContentType = http.DetectContentType(w.buf)
	dw, err := w.d.NewWriter(w.ctx, w.key, w.opts)
	if err != nil {
		w.fail(err)
		return err
	}
	w.w = dw
	buf := w.buf
	w.buf = nil
	if _, err := dw.Write(buf); err != nil {
		w.fail(err)
		return err
	}
	return nil
}

// Close commits the object: it is written once Close returns nil.
func (w *Writer) Close() error {
	defer w.cancel()
	if w.w == nil && w.err == nil {
		_ = w.open()
	}
	if w.err != nil {
		if w.w != nil {
			_ = w.w.Close()
		}
		return w.err
	}
	return w.w.Close()
}
