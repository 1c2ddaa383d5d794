package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/pdffile"
)

// Turn turns pages of the ingested PDF at path clockwise, in place:
// turns maps a 1-based page number to degrees (a multiple of 90), added
// to the page's /Rotate. Text recognition (pkg/ocr) found these pages
// lying sideways or upside down; turned, they read upright in the dossier
// and its text layer lies on them the right way up. The file is replaced
// atomically.
func Turn(ctx context.Context, path string, turns map[int]int) error {
	if len(turns) == 0 {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("scan: turn: %w", err)
	}
	defer f.Close()
	pc, pgs, err := ReadPDF(ctx, f, filepath.Base(path), DefaultLimits())
	if err != nil {
		return fmt.Errorf("scan: turn: %w", err)
	}
	for n, deg := range turns {
		if n < 1 || n > len(pgs) || deg%90 != 0 {
			return fmt.Errorf("scan: turn: page %d by %d° of %d pages", n, deg, len(pgs))
		}
		p := pgs[n-1]
		p.Dict["Rotate"] = types.Integer(((p.Rotate+deg)%360 + 360) % 360)
	}
	info := types.Dict{"Producer": pdffile.TextString("yuejuan")}
	return pdffile.WriteFile(ctx, pc.XRefTable, *pc.Root, info, path)
}
