package faults

import (
	"context"
	"io"

	"github.com/yuejuan/yuejuan/pkg/blob"
)

// Bucket returns a bucket that behaves like inner except where the plan
// makes a call fail. Writes go through inner's atomic writer: a write that
// fails (at open, mid-stream or at commit) is aborted, so inner is left
// without the object, exactly as a crashed upload leaves S3. Closing the
// returned bucket does not close inner.
//
// The wrapper is a driver of its own, without inner's fast paths, so code
// that takes one (blob.Compose's server-side copy or reflink) takes the
// portable path through the wrapper instead.
func Bucket(inner *blob.Bucket, p *Plan) *blob.Bucket {
	return blob.NewBucket(&bucket{b: inner, p: p})
}

type bucket struct {
	b *blob.Bucket
	p *Plan
}

var _ blob.Driver = (*bucket)(nil)

func (b *bucket) Attributes(ctx context.Context, key string) (*blob.Attributes, error) {
	if r := b.p.check(BlobAttributes, key, nil); r != nil {
		return nil, r.fail(BlobAttributes, key)
	}
	return b.b.Attributes(ctx, key)
}

func (b *bucket) ListPage(ctx context.Context, o blob.ListOptions, token []byte, size int) ([]*blob.ListObject, []byte, error) {
	if r := b.p.check(BlobList, o.Prefix, nil); r != nil {
		return nil, nil, r.fail(BlobList, o.Prefix)
	}
	return b.b.ListPage(ctx, token, size, &o)
}

func (b *bucket) NewRangeReader(ctx context.Context, key string, offset, length int64) (blob.DriverReader, error) {
	r := b.p.check(BlobRead, key, nil)
	if r != nil && r.After <= 0 {
		return nil, r.fail(BlobRead, key)
	}
	rd, err := b.b.NewRangeReader(ctx, key, offset, length, nil)
	if err != nil {
		return nil, err
	}
	return &reader{r: rd, rule: r, key: key}, nil
}

func (b *bucket) NewWriter(ctx context.Context, key string, o blob.WriterOptions) (io.WriteCloser, error) {
	r := b.p.check(BlobWrite, key, nil)
	if r != nil && r.After <= 0 {
		return nil, r.fail(BlobWrite, key)
	}
	// Our own context, so that a failed write can be abandoned: the
	// portable writer discards the object when its context is done.
	wctx, cancel := context.WithCancel(ctx)
	w, err := b.b.NewWriter(wctx, key, &o)
	if err != nil {
		cancel()
		return nil, err
	}
	return &writer{w: w, cancel: cancel, rule: r, key: key, p: b.p}, nil
}

func (b *bucket) Copy(ctx context.Context, dst, src string) error {
	if r := b.p.check(BlobCopy, dst, nil); r != nil {
		return r.fail(BlobCopy, dst)
	}
	return b.b.Copy(ctx, dst, src, nil)
}

func (b *bucket) Delete(ctx context.Context, key string) error {
	if r := b.p.check(BlobDelete, key, nil); r != nil {
		return r.fail(BlobDelete, key)
	}
	return b.b.Delete(ctx, key)
}

func (b *bucket) SignedURL(ctx context.Context, key string, o blob.SignOptions) (string, error) {
	return b.b.SignedURL(ctx, key, o)
}

func (b *bucket) Close() error { return nil }

type reader struct {
	r    *blob.Reader
	rule *Rule
	key  string
	n    int64
}

func (r *reader) Read(p []byte) (int, error) {
	if r.rule != nil && r.n+int64(len(p)) > r.rule.After {
		room := r.rule.After - r.n
		if room <= 0 {
			return 0, r.rule.fail(BlobRead, r.key)
		}
		p = p[:room]
	}
	n, err := r.r.Read(p)
	r.n += int64(n)
	return n, err
}

func (r *reader) Close() error { return r.r.Close() }

func (r *reader) Attrs() blob.ReaderAttributes {
	return blob.ReaderAttributes{ContentType: r.r.ContentType(), ModTime: r.r.ModTime(), Size: r.r.Size()}
}

type writer struct {
	w      *blob.Writer
	cancel context.CancelFunc
	rule   *Rule
	key    string
	p      *Plan
	n      int64
	failed error
}

func (w *writer) Write(p []byte) (int, error) {
	if w.failed != nil {
		return 0, w.failed
	}
	if w.rule != nil && w.n+int64(len(p)) > w.rule.After {
		room := w.rule.After - w.n
		n, _ := w.w.Write(p[:max(room, 0)])
		w.n += int64(n)
		w.failed = w.rule.fail(BlobWrite, w.key)
		w.cancel() // the partial object must never become visible
		return n, w.failed
	}
	n, err := w.w.Write(p)
	w.n += int64(n)
	return n, err
}

func (w *writer) Close() error {
	defer w.cancel()
	if w.failed != nil {
		_ = w.w.Close()
		return w.failed
	}
	if r := w.p.check(BlobClose, w.key, nil); r != nil {
		err := r.fail(BlobClose, w.key)
		w.cancel()
		_ = w.w.Close()
		return err
	}
	return w.w.Close()
}
