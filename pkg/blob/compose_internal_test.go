package blob

import (
	"bytes"
	"context"
	"io/fs"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// The local bucket takes the file-to-file path (no MD5 pass, hence no MD5
// in the sidecar) and leaves no temporary files behind, on success or not.
func TestComposeLocalFastPath(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	base, _ := url.Parse("http://127.0.0.1:1/blob")
	l, err := OpenLocal(filepath.Join(dir, "data"), base, filepath.Join(dir, "url.key"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	src := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	if err := l.WriteAll(ctx, "base/卷宗.pdf", src, &WriterOptions{ContentType: "application/pdf"}); err != nil {
		t.Fatal(err)
	}
	if err := Compose(ctx, l.Bucket, "copy/律师.pdf", "base/卷宗.pdf", 3<<20+5, []byte("TAIL")); err != nil {
		t.Fatal(err)
	}
	got, err := l.ReadAll(ctx, "copy/律师.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if want := append(append([]byte{}, src[:3<<20+5]...), "TAIL"...); !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want %d", len(got), len(want))
	}
	a, err := l.Attributes(ctx, "copy/律师.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if a.MD5 != nil || a.ContentType != "application/pdf" {
		t.Errorf("attributes: MD5 %x, Content-Type %q; want no MD5 (file-to-file path) and application/pdf", a.MD5, a.ContentType)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := Compose(cctx, l.Bucket, "copy/cancelled.pdf", "base/卷宗.pdf", 100, nil); err == nil {
		t.Error("cancelled Compose succeeded")
	}
	if err := Compose(ctx, l.Bucket, "copy/too-long.pdf", "base/卷宗.pdf", 5<<20, nil); err == nil {
		t.Error("Compose past the source's end succeeded")
	}
	var files []string
	_ = filepath.WalkDir(filepath.Join(dir, "data"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	want := "/data/base/卷宗.pdf /data/base/卷宗.pdf.attrs /data/copy/律师.pdf /data/copy/律师.pdf.attrs"
	if strings.Join(files, " ") != want {
		t.Errorf("files left:\n%s\nwant\n%s", strings.Join(files, "\n"), want)
	}
}
