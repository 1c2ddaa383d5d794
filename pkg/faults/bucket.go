package faults

import (
	"context"
	"errors"
	"io"

	gblob "gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"

	"github.com/yuejuan/yuejuan/pkg/blob"
)

// Bucket returns a bucket that behaves like inner except where the plan
// makes a call fail. Writes go through inner's atomic writer: a write that
// fails (at open, mid-stream or at commit) is aborted, so inner is left
// without the object, exactly as a crashed upload leaves S3. Closing the
// returned bucket does not close inner.
//
// The wrapper hides the driver underneath (As reports nothing), so code
// that takes a driver-specific fast path (blob.Compose's server-side copy or
// reflink) takes the portable path through the wrapper instead.
func Bucket(inner *blob.Bucket, p *Plan) *blob.Bucket {
	return gblob.NewBucket(&bucket{b: inner, p: p})
}

type bucket struct {
	b *blob.Bucket
	p *Plan
}

var _ driver.Bucket = (*bucket)(nil)

func (b *bucket) ErrorCode(err error) gcerrors.ErrorCode {
	if errors.Is(err, ErrInjected) {
		return gcerrors.Internal
	}
	return gcerrors.Code(err)
}

func (b *bucket) As(any) bool { return false }

func (b *bucket) ErrorAs(err error, i any) bool { return b.b.ErrorAs(err, i) }

func (b *bucket) Attributes(ctx context.Context, key string) (*driver.Attributes, error) {
	if r := b.p.check(BlobAttributes, key, nil); r != nil {
		return nil, r.fail(BlobAttributes, key)
	}
	a, err := b.b.Attributes(ctx, key)
	if err != nil {
		return nil, err
	}
	return &driver.Attributes{CacheControl: a.CacheControl, ContentDisposition: a.ContentDisposition,
		ContentEncoding: a.ContentEncoding, ContentLanguage: a.ContentLanguage, ContentType: a.ContentType,
		Metadata: a.Metadata, CreateTime: a.CreateTime, ModTime: a.ModTime, Size: a.Size, MD5: a.MD5, ETag: a.ETag}, nil
}

func (b *bucket) ListPaged(ctx context.Context, opts *driver.ListOptions) (*driver.ListPage, error) {
	if r := b.p.check(BlobList, opts.Prefix, nil); r != nil {
		return nil, r.fail(BlobList, opts.Prefix)
	}
	objs, next, err := b.b.ListPage(ctx, opts.PageToken, max(opts.PageSize, 1), &gblob.ListOptions{Prefix: opts.Prefix, Delimiter: opts.Delimiter})
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	page := &driver.ListPage{NextPageToken: next}
	for _, o := range objs {
		page.Objects = append(page.Objects, &driver.ListObject{Key: o.Key, ModTime: o.ModTime, Size: o.Size, MD5: o.MD5, IsDir: o.IsDir})
	}
	return page, nil
}

func (b *bucket) NewRangeReader(ctx context.Context, key string, offset, length int64, _ *driver.ReaderOptions) (driver.Reader, error) {
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

func (b *bucket) NewTypedWriter(ctx context.Context, key, contentType string, opts *driver.WriterOptions) (driver.Writer, error) {
	r := b.p.check(BlobWrite, key, nil)
	if r != nil && r.After <= 0 {
		return nil, r.fail(BlobWrite, key)
	}
	// Our own context, so that a failed write can be abandoned: the
	// portable writer discards the object when its context is done.
	wctx, cancel := context.WithCancel(ctx)
	w, err := b.b.NewWriter(wctx, key, &gblob.WriterOptions{
		BufferSize: opts.BufferSize, MaxConcurrency: opts.MaxConcurrency, CacheControl: opts.CacheControl,
		ContentDisposition: opts.ContentDisposition, ContentEncoding: opts.ContentEncoding, ContentLanguage: opts.ContentLanguage,
		ContentType: contentType, DisableContentTypeDetection: true, ContentMD5: opts.ContentMD5, Metadata: opts.Metadata,
		IfNotExist: opts.IfNotExist,
	})
	if err != nil {
		cancel()
		return nil, err
	}
	return &writer{w: w, cancel: cancel, rule: r, key: key, p: b.p}, nil
}

func (b *bucket) Copy(ctx context.Context, dstKey, srcKey string, _ *driver.CopyOptions) error {
	if r := b.p.check(BlobCopy, dstKey, nil); r != nil {
		return r.fail(BlobCopy, dstKey)
	}
	return b.b.Copy(ctx, dstKey, srcKey, nil)
}

func (b *bucket) Delete(ctx context.Context, key string, _ *driver.DeleteOptions) error {
	if r := b.p.check(BlobDelete, key, nil); r != nil {
		return r.fail(BlobDelete, key)
	}
	return b.b.Delete(ctx, key)
}

func (b *bucket) SignedURL(ctx context.Context, key string, opts *driver.SignedURLOptions) (string, error) {
	return b.b.SignedURL(ctx, key, &gblob.SignedURLOptions{Expiry: opts.Expiry, Method: opts.Method,
		ContentType: opts.ContentType, EnforceAbsentContentType: opts.EnforceAbsentContentType})
}

func (b *bucket) Close() error { return nil }

type reader struct {
	r    *gblob.Reader
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

func (r *reader) Attributes() *driver.ReaderAttributes {
	return &driver.ReaderAttributes{ContentType: r.r.ContentType(), ModTime: r.r.ModTime(), Size: r.r.Size()}
}

func (r *reader) As(any) bool { return false }

type writer struct {
	w      *gblob.Writer
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
