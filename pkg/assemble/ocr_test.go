package assemble_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/ocr"
)

// TestIngestRecognizes is text recognition through the jobs (issue 18): a
// clean scan and one put in upside down are ingested with recognition on
// and recorded as recognised, the second turned; their words are stored
// next to their PDFs; the lawyer's copy answers pdftotext with a name on
// each material's page, upright. A scan ingested while Tesseract fails is
// accepted all the same, recorded as failed on its page, and is in the
// dossier without text.
func TestIngestRecognizes(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	e := &ocr.Engine{}
	if err := e.Check(ctx); err != nil {
		t.Fatal(err)
	}
	r.ingest.OCR = e
	c, ms := r.setup(ctx)
	truth := filepath.Join("..", "..", "testdata", "ocr")
	for i, name := range []string{"qisu-clean300.jpg", "qisu-rot180.jpg", "xunwen-clean300.jpg"} {
		data, err := os.ReadFile(filepath.Join(truth, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.uploads.WriteAll(ctx, ms[i].UploadKey, data, nil); err != nil {
			t.Fatal(err)
		}
	}
	r.ingestAll(ctx, c, ms[:2])
	// Tesseract failing on every page (a crash, say) refuses nothing.
	broken := filepath.Join(t.TempDir(), "tesseract")
	if err := os.WriteFile(broken, []byte("#!/bin/sh\necho 'Segmentation fault' >&2\nexit 139\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.ingest.OCR = &ocr.Engine{Tesseract: broken}
	r.ingestAll(ctx, c, ms[2:])

	want := []struct {
		state   casefile.OCRState
		failed  []int
		rotated []int
	}{{casefile.OCRDone, nil, nil}, {casefile.OCRDone, nil, []int{1}}, {casefile.OCRFailed, []int{1}, nil}}
	for i, m := range ms {
		got, err := r.cases.GetMaterial(ctx, c.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != casefile.Accepted || got.OCR != want[i].state || !slices.Equal(got.OCRFailedPages, want[i].failed) || !slices.Equal(got.Rotated, want[i].rotated) {
			t.Errorf("material %d: %s, ocr %q, failed %v, rotated %v; want accepted, %q, %v, %v", i+1, got.Status, got.OCR, got.OCRFailedPages, got.Rotated,
				want[i].state, want[i].failed, want[i].rotated)
		}
		words, err := r.uploads.ReadAll(ctx, ocr.WordsKey(c.ID, m.ID))
		if err != nil {
			t.Fatalf("material %d: words: %v", i+1, err)
		}
		res, err := ocr.Unmarshal(words)
		if err != nil || len(res.Pages) != 1 {
			t.Fatalf("material %d: words %v %v", i+1, res, err)
		}
		if i == 2 && !strings.Contains(res.Pages[0].Error, "Segmentation fault") {
			t.Errorf("the failed page's error %q does not say what Tesseract said", res.Pages[0].Error)
		}
	}

	a := r.approved(ctx, c, "11101201910077777", "周律师")
	if err := r.builder.Application(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	got, err := (&application.Repo{T: r.table}).Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	data, err := r.dossiers.ReadAll(ctx, got.CopyKey)
	if err != nil {
		t.Fatal(err)
	}
	copyPDF := filepath.Join(t.TempDir(), "copy.pdf")
	if err := os.WriteFile(copyPDF, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// Cover, one 卷内目录 page, then the three materials' pages.
	for i, w := range []string{"李秀英", "李秀英", ""} {
		n := 3 + i
		text := testpdf.Run(t, "pdftotext", "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), "-enc", "UTF-8", copyPDF, "-")
		flat := strings.Join(strings.Fields(text), "")
		if w != "" && !strings.Contains(flat, w) {
			t.Errorf("page %d (material %d) lacks %s:\n%s", n, i+1, w, text)
		}
		if w == "" && strings.Contains(flat, "讯问") {
			t.Errorf("page %d: text of a page whose recognition failed:\n%s", n, text)
		}
	}
	if rot := testpdf.PDFInfo(t, copyPDF, 4)["Page 4 rot"]; rot != "180" {
		t.Errorf("the upside-down scan's page has rotation %q, want 180", rot)
	}
}
