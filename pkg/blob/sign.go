package blob

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// URLSigner signs the URLs of a local bucket: the key, expiry and method
// under an HMAC-SHA256 of the bucket's secret (the scheme of gocloud.dev's
// fileblob, whose URLs still verify), plus, for a PUT, the exact size the
// upload must have and, for a GET, the download's file name and byte
// range. Every query parameter but the signature is under the HMAC: a
// parameter added, removed or changed by hand breaks the URL, as on S3,
// where SigV4 signs the whole query string.
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

// URLFromKey signs o.Method on key for o.Expiry. A PUT must have its size
// (o.Size ≥ 1); without one it is refused.
func (s *URLSigner) URLFromKey(key string, o SignOptions) (*url.URL, error) {
	u := *s.baseURL
	q := u.Query()
	q.Set("obj", key)
	q.Set("expiry", strconv.FormatInt(time.Now().Add(o.Expiry).Unix(), 10))
	q.Set("method", o.Method)
	if o.Method == http.MethodPut {
		if o.Size < 1 {
			return nil, fmt.Errorf("blob: a PUT URL of %s needs the upload's size (SignedPutURL)", key)
		}
		q.Set("size", strconv.FormatInt(o.Size, 10))
	}
	if o.Method == http.MethodGet {
		if o.Filename != "" {
			q.Set("filename", o.Filename)
		}
		if o.Range != "" {
			q.Set("range", o.Range)
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

// KeyFromURL is the key of an authentic, unexpired URL.
func (s *URLSigner) KeyFromURL(u *url.URL) (string, error) {
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
