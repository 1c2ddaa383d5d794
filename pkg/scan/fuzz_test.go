package scan_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/yuejuan/yuejuan/pkg/scan"
)

// FuzzIngest feeds arbitrary bytes to Ingest as an uploaded scan. Whatever
// the bytes, Ingest must not panic or hang (each input is bounded by a
// context timeout), and must either produce a PDF of at least one page
// within the limits, or refuse the file with a *scan.Rejection (the
// clerk's answer), or stop with the context's error. Any other error would
// leave the material "processing" forever and retry the job for nothing.
//
// Run it with: go test -run='^$' -fuzz='^FuzzIngest$' -fuzztime=30s ./pkg/scan
// encryptedSeed is pagesPDF(2) encrypted by pdfcpu with conf's passwords,
// printing and copying forbidden.
func encryptedSeed(f *testing.F, conf *model.Configuration) []byte {
	f.Helper()
	conf.Permissions = model.PermissionsNone
	var b bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(pagesPDF(2)), &b, conf); err != nil {
		f.Fatal(err)
	}
	return b.Bytes()
}

func FuzzIngest(f *testing.F) {
	seeds := [][]byte{
		pagesPDF(1),
		pagesPDF(3),
		encryptedSeed(f, model.NewAESConfiguration("", "owner", 256)), // owner password only: accepted
		encryptedSeed(f, model.NewRC4Configuration("", "owner", 40)),  // the same, 40-bit RC4
		encryptedSeed(f, model.NewAESConfiguration("user", "owner", 256)),
		jpegBytes(32, 24),
		pngBytes(8, 8),
		tiffBytes(2, 8, 6),
		scan.JPEGTIFFSeed(f),
		jpegClaiming(20000, 20000),
		pngClaiming(20000, 20000),
		[]byte("%PDF-1.7\n"),
		[]byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"),
		[]byte("II*\x00\x08\x00\x00\x00"),
		[]byte("\xff\xd8\xff\xe0"),
		[]byte("\x89PNG\r\n\x1a\n"),
		[]byte("GIF89a"),
		[]byte("not a scan at all"),
	}
	for _, s := range seeds {
		f.Add(s)
		f.Add(s[:len(s)*2/3]) // truncated uploads
	}
	lim := scan.Limits{MaxBytes: 4 << 20, MaxPages: 50, MaxPixels: 4 << 20}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := os.CreateTemp(dir, "in-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(src.Name())
		src.Write(data)
		src.Close()
		dst := filepath.Join(dir, filepath.Base(src.Name())+".pdf")
		defer os.Remove(dst)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		info, err := scan.Ingest(ctx, src.Name(), dst, lim)
		var rej *scan.Rejection
		switch {
		case err == nil:
			if info.Pages < 1 || info.Pages > lim.MaxPages {
				t.Fatalf("accepted with %d pages (limit %d)", info.Pages, lim.MaxPages)
			}
			if st, err := os.Stat(dst); err != nil || st.Size() == 0 {
				t.Fatalf("accepted but no output: %v", err)
			}
		case errors.As(err, &rej):
			if rej.Reason == "" || rej.Code == "" {
				t.Fatalf("a rejection without a reason or code: %+v", rej)
			}
		case errors.Is(err, context.DeadlineExceeded):
			t.Logf("input of %d bytes hit the timeout", len(data))
		default:
			t.Fatalf("Ingest returned %T %v: want a result, a *Rejection or the context's error", err, err)
		}
	})
}
