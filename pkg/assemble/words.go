package assemble

import (
	"context"

	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/ocr"
)

// wordsFile downloads the words text recognition found in material m
// (ocr.WordsKey) next to its PDF at pdf, for the dossier's text
// layer (issue 18), and returns the file; "" when it has none (recognition
// off, or the material older than it).
func (w *Worker) wordsFile(ctx context.Context, m *casefile.Material, pdf string) (string, error) {
	if m.OCR == "" {
		return "", nil
	}
	p := pdf + ".words.json"
	if err := ingest.Download(ctx, w.Uploads, ocr.WordsKey(m.CaseID, m.ID), p); err != nil {
		if blob.IsNotFound(err) {
			return "", nil
		}
		return "", err
	}
	return p, nil
}
