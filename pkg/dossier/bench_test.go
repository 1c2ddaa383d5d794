package dossier

import (
	"context"
	"fmt"
	"image"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/scan"
)

// scan300 is an A4 page scanned at 300 dpi: gray, with text-like noise.
func scan300() image.Image {
	img := image.NewGray(image.Rect(0, 0, 2480, 3508))
	r := rand.New(rand.NewSource(1))
	for i := range img.Pix {
		img.Pix[i] = 235 + uint8(r.Intn(20))
	}
	for line := 300; line < 3200; line += 60 {
		for x := 250; x < 2230; x += 3 {
			if r.Intn(4) == 0 {
				continue
			}
			for y := line; y < line+30; y++ {
				if r.Intn(3) == 0 {
					img.Pix[y*img.Stride+x] = uint8(r.Intn(60))
				}
			}
		}
	}
	return img
}

// benchDocs ingests n single-page JPEG scans into volumes of 25.
func benchDocs(b *testing.B, dir string, n int) []Document {
	b.Helper()
	src := testpdf.WriteFile(b, filepath.Join(dir, "scan.jpg"), testpdf.WithJFIF(testpdf.EncodeJPEG(b, scan300()), 300))
	st, _ := os.Stat(src)
	start := time.Now()
	var docs []Document
	for i := 0; i < n; i++ {
		dst := filepath.Join(dir, fmt.Sprintf("doc%03d.pdf", i))
		if _, err := scan.Ingest(context.Background(), src, dst, scan.Limits{}); err != nil {
			b.Fatal(err)
		}
		docs = append(docs, Document{Volume: i/25 + 1, VolumeTitle: fmt.Sprintf("第%d卷材料", i/25+1), Seq: i, Title: fmt.Sprintf("材料 %d", i+1), Path: dst})
	}
	b.Logf("ingested %d JPEG scans of %d KB in %v", n, st.Size()/1024, time.Since(start))
	return docs
}

func BenchmarkAssemble100(b *testing.B) {
	dir := b.TempDir()
	docs := benchDocs(b, dir, 100)
	out := filepath.Join(dir, "base.pdf")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := AssembleBase(context.Background(), testCase, docs, out, AssembleOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	st, _ := os.Stat(out)
	b.Logf("base: %d MB", st.Size()>>20)
}

func BenchmarkStamp100(b *testing.B) {
	dir := b.TempDir()
	docs := benchDocs(b, dir, 100)
	base := filepath.Join(dir, "base.pdf")
	if _, err := AssembleBase(context.Background(), testCase, docs, base, AssembleOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := StampCopy(context.Background(), base, filepath.Join(dir, "copy.pdf"), testStamp); err != nil {
			b.Fatal(err)
		}
	}
}
