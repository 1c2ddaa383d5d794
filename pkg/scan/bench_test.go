package scan

import (
	"context"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkIngestTIFF(b *testing.B) {
	dir := b.TempDir()
	pix := make([]byte, 2480*3508)
	for i := range pix {
		if (i/2480)%60 < 20 && i%3 != 0 {
			pix[i] = 0
		} else {
			pix[i] = 255
		}
	}
	src := testpdf.WriteFile(b, filepath.Join(dir, "scan.tif"), makeTIFF(
		tiffFrame{w: 2480, h: 3508, dpi: 300, pix: pix}, tiffFrame{w: 2480, h: 3508, dpi: 300, pix: pix}))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Ingest(context.Background(), src, filepath.Join(dir, "out.pdf"), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	st, _ := os.Stat(filepath.Join(dir, "out.pdf"))
	b.Logf("2 bilevel pages: %d KB", st.Size()>>10)
}
