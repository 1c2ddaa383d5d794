package blob

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"gocloud.dev/blob/driver"
)

// URLSigner signs the URLs of a local bucket: fileblob's URLSignerHMAC
// scheme (the key, expiry, method and content type under an HMAC-SHA256 of
// the bucket's secret), plus, for a PUT, the exact size the upload must
// have and, for a GET, the download's file name and byte range. Every query
// parameter but the signature is under the HMAC: a parameter added,
// removed or changed by hand breaks the URL, as on S3, where SigV4 signs
// the whole query string. A URL with only fileblob's parameters verifies
// exactly as fileblob's own signer would have it.
type URLSigner struct {
	baseURL *url.URL
	secret  []byte
}

// NewURLSigner returns a signer of URLs under baseURL; secret must not be
// empty.
func NewURLSigner(baseURL *url.URL, secret []byte) *URLSigner {
	if len(secret) == 0 {
		panic("blob: URL signer without a secret")
	}
	u := *baseURL
	return &URLSigner{baseURL: &u, secret: secret}
}

// localPut is what SignedPutURL's BeforeSign reaches through As on a local
// bucket (the S3 counterpart is *s3.PutObjectInput): where the size goes.
type localPut struct{ size int64 }

// localGet is SignedGetURL's counterpart of *s3.GetObjectInput: the file
// name a download is saved under and the one byte range it may serve.
type localGet struct{ filename, rng string }

// URLFromKey implements fileblob.URLSigner. A PUT must be signed through
// SignedPutURL, which gives its size; without one it is refused.
func (s *URLSigner) URLFromKey(_ context.Context, key string, opts *driver.SignedURLOptions) (*url.URL, error) {
	u := *s.baseURL
	q := u.Query()
	q.Set("obj", key)
	q.Set("expiry", strconv.FormatInt(time.Now().Add(opts.Expiry).Unix(), 10))
	q.Set("method", opts.Method)
	if opts.ContentType != "" {
		q.Set("contentType", opts.ContentType)
	}
	if opts.Method == http.MethodPut {
		var lp localPut
		if opts.BeforeSign != nil {
			if err := opts.BeforeSign(func(i any) bool {
				p, ok := i.(**localPut)
				if ok {
					*p = &lp
				}
				return ok
			}); err != nil {
				return nil, err
			}
		}
		if lp.size < 1 {
			return nil, fmt.Errorf("blob: a PUT URL of %s needs the upload's size (SignedPutURL)", key)
		}
		q.Set("size", strconv.FormatInt(lp.size, 10))
	}
	if opts.Method == http.MethodGet && opts.BeforeSign != nil {
		var lg localGet
		if err := opts.BeforeSign(func(i any) bool {
			p, ok := i.(**localGet)
			if ok {
				*p = &lg
			}
			return ok
		}); err != nil {
			return nil, err
		}
		if lg.filename != "" {
			q.Set("filename", lg.filename)
		}
		if lg.rng != "" {
			q.Set("range", lg.rng)
		}
	}
	q.Set("signature", s.mac(q))
	u.RawQuery = q.Encode()
	return &u, nil
}

// mac is the HMAC of every parameter but the signature, in url.Values'
// canonical (sorted) encoding.
func (s *URLSigner) mac(q url.Values) string {
	v := url.Values{}
	for k, x := range q {
		if k != "signature" {
			v[k] = x
		}
	}
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte(v.Encode()))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

var errBadURL = errors.New("blob: the signed URL is invalid or expired")

// KeyFromURL implements fileblob.URLSigner: the key of an authentic,
// unexpired URL.
func (s *URLSigner) KeyFromURL(_ context.Context, u *url.URL) (string, error) {
	q := u.Query()
	exp, err := strconv.ParseInt(q.Get("expiry"), 10, 64)
	if err != nil || time.Now().Unix() > exp {
		return "", errBadURL
	}
	if !hmac.Equal([]byte(q.Get("signature")), []byte(s.mac(q))) {
		return "", errBadURL
	}
	return q.Get("obj"), nil
}

// SignedRange is the byte range (a Range header value) a GET URL was
// signed for, or "" for the whole object. Call it only on a URL KeyFromURL
// accepted.
func (s *URLSigner) SignedRange(u *url.URL) string { return u.Query().Get("range") }

// SignedSize is the size a PUT URL was signed for. Call it only on a URL
// KeyFromURL accepted: it does not check the signature again.
func (s *URLSigner) SignedSize(u *url.URL) (int64, bool) {
	n, err := strconv.ParseInt(u.Query().Get("size"), 10, 64)
	return n, err == nil && n > 0
}
