// Command gen writes the OCR ground truth into testdata/ocr: each text of
// ocrtruth.Texts as a JPEG page per condition, and the text itself. Run
// from the repository root: go run ./internal/ocrtruth/gen
package main

import (
	"bufio"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"

	"github.com/yuejuan/yuejuan/internal/ocrtruth"
)

func main() {
	dir := filepath.Join("testdata", "ocr")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fail(err)
	}
	for ti, t := range ocrtruth.Texts {
		if err := os.WriteFile(filepath.Join(dir, t.Name+".txt"), []byte(t.Truth()), 0o644); err != nil {
			fail(err)
		}
		for ci, c := range ocrtruth.Conditions {
			p, err := ocrtruth.Render(t, c, uint64(100*ti+ci))
			if err != nil {
				fail(err)
			}
			f, err := os.Create(filepath.Join(dir, ocrtruth.FileName(t, c)))
			if err != nil {
				fail(err)
			}
			w := bufio.NewWriter(f)
			if err := jpeg.Encode(w, p.Img, &jpeg.Options{Quality: 70}); err != nil {
				fail(err)
			}
			if err := w.Flush(); err != nil {
				fail(err)
			}
			if err := f.Close(); err != nil {
				fail(err)
			}
			fmt.Println(f.Name())
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
