package blob_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/blob/blobtest"
)

// openLocal opens a fresh local bucket whose signed URLs are served by its
// own Handler on an httptest server.
func openLocal(t *testing.T) (*blob.Local, string) {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String() + "/blob"
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	l, err := blob.OpenLocal(filepath.Join(dir, "data"), u, filepath.Join(dir, "secret", "url.key"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/blob", l.Handler(64<<20, nil))
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		_ = l.Close()
	})
	return l, base
}

func TestLocalContract(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) (*blob.Bucket, string) {
		l, base := openLocal(t)
		return l.Bucket, base
	})
}

// What a client of the local upload URL sees for each wrong size: the
// status and the S3-style XML error that says what to fix; nothing stored.
func TestLocalPutSizeErrors(t *testing.T) {
	ctx := context.Background()
	l, _ := openLocal(t)
	const key = "uploads/materials/c1/m1"
	data := blobtest.Bytes(9, 10_000)
	u, err := blob.SignedPutURL(ctx, l.Bucket, key, int64(len(data)), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	if pu.Query().Get("size") != "10000" {
		t.Fatalf("signed PUT URL %s does not carry size=10000", u)
	}
	put := func(body io.Reader, length int64) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPut, u, body)
		req.ContentLength = length
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		name   string
		body   []byte
		length int64
		status int
		want   string
	}{
		{"longer", append(append([]byte{}, data...), 'x'), 10_001, http.StatusRequestEntityTooLarge, "<Code>EntityTooLarge</Code><Message>此上传链接只接受 10000 字节，本次请求为 10001 字节"},
		{"shorter", data[:9_999], 9_999, http.StatusBadRequest, "<Code>IncompleteBody</Code>"},
		{"chunked", data, -1, http.StatusLengthRequired, "<Code>MissingContentLength</Code><Message>请求须带 Content-Length: 10000"},
	} {
		var body io.Reader = bytes.NewReader(c.body)
		if c.length < 0 {
			body = io.MultiReader(body)
		}
		status, msg := put(body, c.length)
		if status != c.status || !strings.Contains(msg, c.want) || !strings.Contains(msg, "request a new upload URL") && c.length >= 0 {
			t.Errorf("%s: %d %s, want %d with %q", c.name, status, msg, c.status, c.want)
		}
		if ok, _ := l.Exists(ctx, key); ok {
			t.Fatalf("%s: an object was stored", c.name)
		}
	}
	// A URL whose size was raised by hand fails its signature.
	q := pu.Query()
	q.Set("size", "10001")
	pu.RawQuery = q.Encode()
	req, _ := http.NewRequest(http.MethodPut, pu.String(), bytes.NewReader(append(append([]byte{}, data...), 'x')))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("PUT to a URL with its size altered: %d, want 403", resp.StatusCode)
	}
	if status, msg := put(bytes.NewReader(data), int64(len(data))); status != http.StatusOK {
		t.Fatalf("PUT of the signed size: %d %s", status, msg)
	}
	if got, _ := l.ReadAll(ctx, key); !bytes.Equal(got, data) {
		t.Fatalf("stored %d bytes, want the %d sent", len(got), len(data))
	}
}

// A body longer than its Content-Length claims (a proxy or an HTTP/2 peer
// that framed it wrongly) is cut at the signed size and refused: nothing is
// stored, not even the first size bytes. Also: a URL signed for more than
// the handler's limit is refused before a byte is read.
func TestLocalPutBodyLongerThanDeclared(t *testing.T) {
	ctx := context.Background()
	l, _ := openLocal(t)
	const key = "uploads/attachments/a1"
	u, err := blob.SignedPutURL(ctx, l.Bucket, key, 1000, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var notified []string
	h := l.Handler(1<<20, func(_ context.Context, k string, _ int64) { notified = append(notified, k) })
	req := httptest.NewRequest(http.MethodPut, u, bytes.NewReader(blobtest.Bytes(3, 5000)))
	req.ContentLength = 1000 // the claim; the body goes on
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "accepts exactly 1000 bytes") {
		t.Errorf("body longer than its Content-Length: %d %s, want 413", rec.Code, rec.Body)
	}
	if ok, _ := l.Exists(ctx, key); ok || len(notified) != 0 {
		t.Fatalf("a body longer than declared was stored (%v) or notified (%v)", ok, notified)
	}

	big, err := blob.SignedPutURL(ctx, l.Bucket, key, 2<<20, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req = httptest.NewRequest(http.MethodPut, big, bytes.NewReader(blobtest.Bytes(4, 2<<20)))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "1 MiB limit") {
		t.Errorf("URL signed above the limit: %d %s, want 413", rec.Code, rec.Body)
	}
	if ok, _ := l.Exists(ctx, key); ok {
		t.Fatal("an upload above the limit was stored")
	}
}
