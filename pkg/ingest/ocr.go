package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/ocr"
	"github.com/yuejuan/yuejuan/pkg/scan"
)

// recognition is what text recognition made of a material, for its record.
type recognition struct {
	state           casefile.OCRState
	failed, rotated []int
}

func (r recognition) apply(m *casefile.Material) {
	m.OCR, m.OCRFailedPages, m.Rotated = r.state, r.failed, r.rotated
}

// recognize runs text recognition on the ingested PDF at path, turns the
// pages found lying sideways or upside down, and stores the words next to
// the PDF. Recognition failing is never the file's fault and never
// refuses it: the material is accepted without text on those pages,
// flagged. Only a cancelled ctx or a failed store write is an error (the
// job runs again). With OCR switched off (w.OCR nil) it does nothing.
func (w *Worker) recognize(ctx context.Context, path, caseID, id string, pages int) (recognition, error) {
	if w.OCR == nil {
		return recognition{}, nil
	}
	// Recognition stops in time for the rest of the job to finish within
	// its budget: the pages left are accepted without text, flagged.
	octx := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		octx, cancel = context.WithDeadline(ctx, dl.Add(-ocrReserve(time.Until(dl))))
		defer cancel()
	}
	res, err := w.OCR.Document(octx, path, pages)
	if err != nil && ctx.Err() != nil {
		return recognition{}, ctx.Err()
	}
	if err != nil && res == nil {
		// Tesseract went missing since the server checked it at start.
		res = &ocr.Result{Pages: make([]ocr.Page, pages)}
		for i := range res.Pages {
			res.Pages[i] = ocr.Page{N: i + 1, Error: err.Error()}
		}
	}
	if turns := res.Turns(); len(turns) > 0 {
		if err := scan.Turn(ctx, path, turns); err != nil {
			if ctx.Err() != nil {
				return recognition{}, ctx.Err()
			}
			// Left as they lie: the words, read on the upright image,
			// would lie on them wrongly.
			for i, p := range res.Pages {
				if p.Rotate != 0 {
					res.Pages[i] = ocr.Page{N: p.N, Error: "the page could not be turned upright: " + err.Error()}
				}
			}
		}
	}
	data, err := res.Marshal()
	if err != nil {
		return recognition{}, err
	}
	side := filepath.Join(filepath.Dir(path), "words.json")
	if err := os.WriteFile(side, data, 0o600); err != nil {
		return recognition{}, err
	}
	if err := upload(ctx, w.Uploads, side, ocr.WordsKey(caseID, id), "application/json"); err != nil {
		return recognition{}, err
	}
	rec := recognition{state: casefile.OCRDone, failed: res.Failed(), rotated: res.Rotated()}
	needed := 0
	for _, p := range res.Pages {
		if !p.Text {
			needed++
		}
	}
	switch {
	case len(rec.failed) == 0:
	case len(rec.failed) == needed:
		rec.state = casefile.OCRFailed
	default:
		rec.state = casefile.OCRPartial
	}
	return rec, nil
}

// ocrReserve is the part of a job's remaining time kept for what follows
// recognition (turning pages, writing the PDF and the records): a
// quarter, at least 10 s, at most a minute.
func ocrReserve(left time.Duration) time.Duration {
	return min(time.Minute, max(10*time.Second, left/4))
}

// ocrDetail adds what recognition made of m to its audit record's detail.
func ocrDetail(m *casefile.Material, d map[string]string) {
	if m.OCR == "" {
		return
	}
	d["ocr"] = string(m.OCR)
	if len(m.OCRFailedPages) > 0 {
		d["ocrFailedPages"] = pageList(m.OCRFailedPages)
	}
	if len(m.Rotated) > 0 {
		d["rotated"] = pageList(m.Rotated)
	}
}

func pageList(pages []int) string {
	s := make([]string, len(pages))
	for i, p := range pages {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, ",")
}
