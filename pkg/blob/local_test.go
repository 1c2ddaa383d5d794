package blob_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

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
