// Package blob is the object store yuejuan keeps scans and dossiers in:
// the portable Bucket (atomic writes — an object is visible only once its
// writer's Close succeeds —, ranged reads, listings, signed URLs that bind
// an upload's size or a download's name and range, Compose) over a small
// Driver, with two drivers: the local filesystem (OpenLocal, whose signed
// URLs this process itself serves through Local.Handler, so that a local
// upload works exactly like an S3 presigned PUT) and S3 (OpenS3, on
// aws-sdk-go-v2). blobtest is the contract both pass. It takes the shape of
// gocloud.dev's blob, which it replaces: that linked OpenTelemetry, gRPC
// and the Google API client into every Lambda function (docs/design.md).
package blob

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/internal/keyfile"
)

// SecretFile describes the file of a local bucket's URL-signing secret
// (at least 32 bytes) for internal/keyfile: made on first use, written
// atomically; an empty file is replaced, a damaged one refused.
func SecretFile(path string) keyfile.Spec {
	return keyfile.Spec{Path: path, What: "URL-signing secret",
		IfRemoved: "upload and download URLs already handed out stop working; they last minutes",
		Parse: func(b []byte) error {
			if len(b) < 32 {
				return errors.New("shorter than 32 bytes (truncated?)")
			}
			return nil
		},
		New: func() ([]byte, error) {
			s := make([]byte, 32)
			_, err := rand.Read(s)
			return s, err
		}}
}

func loadSecret(path string) ([]byte, error) {
	b, err := keyfile.LoadOrCreate(SecretFile(path))
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return b, nil
}

// PutNotifier is told of every object written through a signed PUT, as S3
// tells an ObjectCreated event.
type PutNotifier func(ctx context.Context, key string, size int64)

// Handler serves signed GET and PUT URLs of a local bucket. It checks the
// signature (over every query parameter), the expiry and that the method is
// the one signed. A PUT URL accepts exactly the size it was signed for
// (SignedPutURL), like an S3 presigned PUT whose Content-Length is signed: a
// request without a Content-Length is refused with 411, one whose length is
// not the signed size with 413 (longer) or 400 (shorter), a signed size
// above maxBytes with 413. A PUT never replaces an object: to a key that
// exists it is refused with 412, as S3 refuses a PUT with If-None-Match: *,
// and while another PUT to the key is in progress with 409. Nothing is left
// behind by a refused or broken PUT: the object is written through the
// bucket's atomic writer and aborted on any error, and a body that turns
// out longer than the signed size is never stored. A GET URL signed for a
// byte range (SignedGetURL) serves that range only, to a request that sends
// it as its Range header, as S3 does when the Range header is signed.
func (l *Local) Handler(maxBytes int64, notify PutNotifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, err := l.Signer.KeyFromURL(r.URL)
		if err != nil {
			httpError(w, http.StatusForbidden, "SignatureDoesNotMatch", "签名链接无效或已过期，请重新获取上传/下载链接 (the signed URL is invalid or expired; request a new one)")
			return
		}
		signed := r.URL.Query().Get("method")
		if r.Method != signed && !(r.Method == http.MethodHead && signed == http.MethodGet) {
			httpError(w, http.StatusForbidden, "MethodNotAllowed", "this URL was signed for "+signed+", not "+r.Method)
			return
		}
		switch r.Method {
		case http.MethodPut:
			size, ok := l.Signer.SignedSize(r.URL)
			if !ok {
				httpError(w, http.StatusForbidden, "SignatureDoesNotMatch", "上传链接未包含文件大小，请重新获取上传链接 (this upload URL was issued without a size; request a new one)")
				return
			}
			l.servePut(w, r, key, size, maxBytes, notify)
		case http.MethodGet, http.MethodHead:
			l.serveGet(w, r, key, l.Signer.SignedRange(r.URL))
		default:
			httpError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use GET or PUT")
		}
	})
}

func (l *Local) servePut(w http.ResponseWriter, r *http.Request, key string, size, maxBytes int64, notify PutNotifier) {
	if size > maxBytes {
		httpError(w, http.StatusRequestEntityTooLarge, "EntityTooLarge", fmt.Sprintf("文件超过 %d MiB 上限，请拆分后上传 (the file is larger than the %d MiB limit; split it)", maxBytes>>20, maxBytes>>20))
		return
	}
	// S3 answers 411 MissingContentLength to a PUT without a length; a
	// presigned PUT with a signed Content-Length cannot do without one.
	if r.ContentLength < 0 {
		httpError(w, http.StatusLengthRequired, "MissingContentLength", fmt.Sprintf("请求须带 Content-Length: %d (send the file with a Content-Length header of %d; chunked uploads are not accepted)", size, size))
		return
	}
	mismatch := fmt.Sprintf("此上传链接只接受 %d 字节，本次请求为 %d 字节；请按文件的实际大小重新申请上传链接 (this upload URL accepts exactly %d bytes, the request has %d; request a new upload URL with the file's real size)", size, r.ContentLength, size, r.ContentLength)
	if r.ContentLength > size {
		httpError(w, http.StatusRequestEntityTooLarge, "EntityTooLarge", mismatch)
		return
	}
	if r.ContentLength < size {
		httpError(w, http.StatusBadRequest, "IncompleteBody", mismatch)
		return
	}
	// Write-once: an upload URL stores its object once and never replaces
	// it (an accepted scan's original, a submitted attachment). PUTs come
	// only through this handler, so marking the key here makes the check
	// and the write one step for concurrent PUTs.
	if _, busy := l.putting.LoadOrStore(key, struct{}{}); busy {
		httpError(w, http.StatusConflict, "OperationAborted", "此文件正在上传中，请等待其完成后查看材料状态 (an upload to this URL is in progress; wait for it to finish and check the file's status)")
		return
	}
	defer l.putting.Delete(key)
	if ok, err := l.Exists(r.Context(), key); err != nil {
		httpError(w, http.StatusInternalServerError, "InternalError", "cannot store the object")
		return
	} else if ok {
		httpError(w, http.StatusPreconditionFailed, "PreconditionFailed", ErrUploaded)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	bw, err := l.NewWriter(ctx, key, &WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		httpError(w, http.StatusInternalServerError, "InternalError", "cannot store the object")
		return
	}
	// The body is read through a limit of the signed size, whatever the
	// request framing claims: a longer body fails here, before Close.
	n, err := io.Copy(bw, http.MaxBytesReader(w, r.Body, size))
	if err == nil && n != size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		cancel() // abort: the partial object never becomes visible
		_ = bw.Close()
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, "EntityTooLarge", fmt.Sprintf("此上传链接只接受 %d 字节，请求体更长；请按文件的实际大小重新申请上传链接 (this upload URL accepts exactly %d bytes and the body is longer; request a new upload URL with the file's real size)", size, size))
			return
		}
		httpError(w, http.StatusBadRequest, "IncompleteBody", "the upload was interrupted; send the file again")
		return
	}
	if err := bw.Close(); err != nil {
		httpError(w, http.StatusInternalServerError, "InternalError", "cannot store the object")
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(n, 10)))
	w.WriteHeader(http.StatusOK)
	if notify != nil {
		notify(context.WithoutCancel(r.Context()), key, n)
	}
}

func (l *Local) serveGet(w http.ResponseWriter, r *http.Request, key, signedRange string) {
	if signedRange != "" {
		// The range is part of the signature: a request without it, or
		// with another, is refused as S3 refuses a header that does not
		// match the signed one; If-Range, which would widen a range to the
		// whole object, is not honoured.
		if got := strings.TrimSpace(r.Header.Get("Range")); got != signedRange {
			httpError(w, http.StatusForbidden, "SignatureDoesNotMatch", fmt.Sprintf("此链接只能续传签发时请求的字节范围，请求须带 Range: %s；如需完整文件请重新点击下载链接 (this URL serves only the byte range it was signed for: send Range: %s; for the whole file, open the download link again)", signedRange, signedRange))
			return
		}
		r.Header.Del("If-Range")
	}
	rd, err := l.NewReader(r.Context(), key, nil)
	if err != nil {
		if IsNotFound(err) {
			httpError(w, http.StatusNotFound, "NoSuchKey", "the object does not exist")
			return
		}
		httpError(w, http.StatusInternalServerError, "InternalError", "cannot read the object")
		return
	}
	defer rd.Close()
	w.Header().Set("Cache-Control", "private, no-store")
	if fn := r.URL.Query().Get("filename"); fn != "" {
		w.Header().Set("Content-Disposition", contentDisposition(fn))
	}
	ct := rd.ContentType()
	if ct == "" || ct == "application/octet-stream" {
		ct = "application/pdf"
	}
	w.Header().Set("Content-Type", ct)
	// ServeContent handles Range and HEAD for us.
	http.ServeContent(w, r, "", rd.ModTime(), rd)
}

func httpError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message></Error>\n", code, xmlEscape(msg))
}

func xmlEscape(s string) string {
	var b []byte
	for _, r := range s {
		switch r {
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '&':
			b = append(b, "&amp;"...)
		default:
			b = append(b, string(r)...)
		}
	}
	return string(b)
}

// SignedURL returns a URL that allows method on key for ttl. It signs GETs
// (and, locally, DELETEs) only: an upload URL is SignedPutURL's, bound to a
// size.
func SignedURL(ctx context.Context, b *Bucket, key, method string, ttl time.Duration) (string, error) {
	if method == http.MethodPut {
		return "", fmt.Errorf("blob: sign PUT %s: use SignedPutURL, which binds the size", key)
	}
	u, err := b.SignedURL(ctx, key, SignOptions{Method: method, Expiry: ttl})
	if err != nil {
		return "", fmt.Errorf("blob: sign %s %s: %w", method, key, err)
	}
	return u, nil
}

// ErrUploaded is the local store's answer to a PUT to a key that exists
// (412, as S3 answers a PUT with If-None-Match: * to an existing key).
const ErrUploaded = "此文件已上传，上传链接只能使用一次，不能覆盖已上传的文件；如需更换文件，请重新登记一份材料 (this file was already uploaded: an upload URL stores its file once and never replaces it; to send another file, register it again)"

// PutHeaders are the headers a client must send with its PUT to an upload
// URL, besides Content-Length: If-None-Match: *, which SignedPutURL signs
// into an S3 presigned PUT (S3 then refuses the PUT without it, 403, and to
// a key that exists, 412). The local store refuses a PUT to an existing key
// whether or not the header is sent.
func PutHeaders() http.Header { return http.Header{"If-None-Match": {"*"}} }

// SignedPutURL returns a URL that allows one PUT of exactly size bytes (at
// least 1) to key for ttl, and only while key does not exist: a PUT of any
// other length, or without a Content-Length, is refused and stores nothing,
// and once an object is stored no PUT replaces it (the URL is single-use;
// the client sends PutHeaders).
//
// On S3 the size is the presigned request's Content-Length, which the SigV4
// signer puts into X-Amz-SignedHeaders (aws-sdk-go-v2 aws/signer/v4/v4.go,
// buildCanonicalHeaders: content-length is signed whenever the request's
// ContentLength is > 0; PutObjectInput.ContentLength becomes that
// ContentLength through smithy-go's httpbinding Encoder). S3 then refuses
// any other Content-Length with 403 SignatureDoesNotMatch, and a request
// without one with 411. On a local bucket the size is a query parameter
// under the URL's HMAC, checked by Local.Handler. A bucket that can bind
// neither is refused with an error rather than given an unbounded URL.
//
// Write-once on S3 is a conditional write: If-None-Match: * in the
// presigned request becomes a signed header (X-Amz-SignedHeaders
// content-length;host;if-none-match), so the client must send it, and S3
// (and versitygw, tested) answers 412 PreconditionFailed to a PUT to a key
// that exists. Locally Local.Handler refuses such a PUT itself.
func SignedPutURL(ctx context.Context, b *Bucket, key string, size int64, ttl time.Duration) (string, error) {
	if size < 1 {
		return "", fmt.Errorf("blob: sign PUT %s: size %d, want at least 1 byte", key, size)
	}
	u, err := b.SignedURL(ctx, key, SignOptions{Method: http.MethodPut, Expiry: ttl, Size: size})
	if err != nil {
		return "", fmt.Errorf("blob: sign PUT %s: %w", key, err)
	}
	return u, nil
}

// GetOptions is what SignedGetURL binds into a GET URL besides the key,
// under its signature.
type GetOptions struct {
	// Filename, when set, makes the object download as an attachment
	// saved under this name (Content-Disposition).
	Filename string
	// Range, when set, is a Range header value of one byte range
	// ("bytes=100-", "bytes=100-199", "bytes=-500"): the URL then serves
	// that range only, and only to a request that sends this exact Range
	// header; without it, or with another, it is refused (403).
	Range string
}

// SignedGetURL returns a URL that allows GET of key for ttl with o bound
// into its signature, so that neither the file name nor the range can be
// changed or removed by whoever holds the URL.
//
// On S3 the name is the presigned request's response-content-disposition
// (a query parameter, signed like the whole query string) and the range its
// Range header, which the SigV4 presigner signs as a header
// (X-Amz-SignedHeaders host;range): S3 answers 403 SignatureDoesNotMatch to
// a request without that Range header or with another one. On a local
// bucket both are query parameters under the URL's HMAC, enforced by
// Local.Handler. A bucket that can bind neither is refused with an error
// rather than given a URL that would serve more than asked.
func SignedGetURL(ctx context.Context, b *Bucket, key string, ttl time.Duration, o GetOptions) (string, error) {
	if o.Range != "" && !validRange(o.Range) {
		return "", fmt.Errorf("blob: sign GET %s: %q is not one byte range", key, o.Range)
	}
	u, err := b.SignedURL(ctx, key, SignOptions{Method: http.MethodGet, Expiry: ttl, Filename: o.Filename, Range: o.Range})
	if err != nil {
		return "", fmt.Errorf("blob: sign GET %s: %w", key, err)
	}
	return u, nil
}

func validRange(v string) bool {
	_, _, ok := ParseRange(v)
	return ok
}

// ParseRange reads a Range header value of exactly one byte range, in
// digits, nothing else: bytes=N- (first N, last -1), bytes=N-M with N ≤ M,
// or the suffix bytes=-K (first -1, last K).
func ParseRange(v string) (first, last int64, ok bool) {
	spec, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return 0, 0, false
	}
	a, b, ok := strings.Cut(spec, "-")
	num := func(s string) (int64, bool) {
		if s == "" || len(s) > 18 {
			return 0, false
		}
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	if !ok {
		return 0, 0, false
	}
	if a == "" {
		k, ok := num(b)
		return -1, k, ok
	}
	n, ok := num(a)
	if !ok {
		return 0, 0, false
	}
	if b == "" {
		return n, -1, true
	}
	m, ok := num(b)
	return n, m, ok && n <= m
}

// contentDisposition is the header that saves a download under name
// (RFC 6266, UTF-8 for Chinese names).
func contentDisposition(name string) string {
	return "attachment; filename*=UTF-8''" + url.PathEscape(name)
}
