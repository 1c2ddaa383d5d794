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
// have, under the same HMAC. A URL without a size verifies exactly as
// fileblob's own signer would have it, so GET URLs issued before stay valid.
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
	q.Set("signature", s.mac(q))
	u.RawQuery = q.Encode()
	return &u, nil
}

func (s *URLSigner) mac(q url.Values) string {
	v := url.Values{}
	for _, k := range []string{"obj", "expiry", "method", "contentType", "size"} {
		if x := q.Get(k); x != "" || k == "obj" || k == "expiry" || k == "method" {
			v.Set(k, x)
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

// SignedSize is the size a PUT URL was signed for. Call it only on a URL
// KeyFromURL accepted: it does not check the signature again.
func (s *URLSigner) SignedSize(u *url.URL) (int64, bool) {
	n, err := strconv.ParseInt(u.Query().Get("size"), 10, 64)
	return n, err == nil && n > 0
}
