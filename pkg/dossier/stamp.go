package dossier

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
	"github.com/yuejuan/yuejuan/internal/guard"
	"github.com/yuejuan/yuejuan/internal/pdffile"
	"github.com/yuejuan/yuejuan/internal/pdfpage"
	"github.com/yuejuan/yuejuan/internal/pdftext"
)

// StampCopy writes to dst a copy of the base dossier stamped for one lawyer:
// on top of every page, semi-transparent, three diagonal lines and a footer
// line reading Stamp.Text(), and the lawyer's identity in the document
// information (Keywords, Subject and Yuejuan* entries).
//
// The stamp is placed in the page's displayed orientation and visible box,
// so pages with /Rotate or an offset CropBox/MediaBox are stamped correctly
// and keep their /Rotate and boxes (pdfcpu's own stamping bakes the rotation
// into the content and misplaces stamps on offset boxes, so it is not used).
// This path reads and rewrites the whole file.
func StampCopy(ctx context.Context, base string, dst string, s Stamp) error {
	if err := cjkfont.Ensure(); err != nil {
		return err
	}
	if s.Name == "" || s.License == "" || s.Ref == "" {
		return errors.New("dossier: stamp needs name, licence number and reference")
	}
	_, err := guard.Run(ctx, func(c context.Context) (struct{}, error) {
		return struct{}{}, stamp(c, base, dst, s)
	})
	var pe *guard.PanicError
	if errors.As(err, &pe) {
		return fmt.Errorf("dossier: stamping failed: %v", pe.Value)
	}
	return err
}

func stamp(c context.Context, base, dst string, s Stamp) error {
	f, err := os.Open(base)
	if err != nil {
		return fmt.Errorf("dossier: %w", err)
	}
	defer f.Close()
	pc, err := pdfcpu.ReadWithContext(c, f, cjkfont.Configuration())
	if err != nil {
		return fmt.Errorf("dossier: reading %s: %w", base, err)
	}
	f.Close()
	xt := pc.XRefTable
	pgs, err := pdfpage.Pages(xt)
	if err != nil {
		return fmt.Errorf("dossier: reading %s: %w", base, err)
	}
	tk, err := pdftext.NewKit(xt, "stamp")
	if err != nil {
		return err
	}
	gsDiag, err := xt.IndRefForNewObject(types.Dict{"Type": types.Name("ExtGState"), "ca": types.Float(0.22), "CA": types.Float(0.22)})
	if err != nil {
		return err
	}
	gsFoot, err := xt.IndRefForNewObject(types.Dict{"Type": types.Name("ExtGState"), "ca": types.Float(0.75), "CA": types.Float(0.75)})
	if err != nil {
		return err
	}
	res, err := xt.IndRefForNewObject(types.Dict{
		"Font":      types.Dict{fontKey: tk.Font},
		"ExtGState": types.Dict{"G0": *gsDiag, "G1": *gsFoot},
	})
	if err != nil {
		return err
	}
	ov, err := newOverlayer(xt)
	if err != nil {
		return err
	}
	text := s.Text()
	forms := map[[2]float64]types.IndirectRef{} // by display size
	for i, p := range pgs {
		if i%64 == 0 {
			if err := c.Err(); err != nil {
				return err
			}
		}
		w, h := p.DisplaySize()
		key := [2]float64{math.Round(w*100) / 100, math.Round(h*100) / 100}
		form, ok := forms[key]
		if !ok {
			form, err = newForm(xt, []byte(stampContent(tk, text, w, h)), w, h, *res)
			if err != nil {
				return err
			}
			forms[key] = form
		}
		if err := ov.add(p, form, "YJst"); err != nil {
			return fmt.Errorf("dossier: page %d: %w", i+1, err)
		}
	}
	if err := tk.Finish(); err != nil {
		return err
	}

	meta := types.Dict{}
	if pc.Info != nil {
		if d, err := xt.DereferenceDict(*pc.Info); err == nil {
			for k, v := range d {
				meta[k] = v
			}
		}
	}
	subject := text
	if old, ok := meta["Subject"]; ok {
		if t, err := xt.DereferenceText(old); err == nil && t != "" {
			subject = t + " · " + text
		}
	}
	meta["Subject"] = pdffile.TextString(subject)
	meta["Keywords"] = pdffile.TextString(fmt.Sprintf("%s; 律师 %s; 执业证号 %s; 申请号 %s; %s",
		keywordsOf(xt, meta), s.Name, s.License, s.Ref, s.Date.Format("2006-01-02")))
	meta["YuejuanLawyer"] = pdffile.TextString(s.Name)
	meta["YuejuanLicense"] = pdffile.TextString(s.License)
	meta["YuejuanRef"] = pdffile.TextString(s.Ref)
	meta["YuejuanStampDate"] = pdffile.TextString(s.Date.Format("2006-01-02"))
	meta["ModDate"] = types.StringLiteral(types.DateString(s.Date))
	return pdffile.WriteFile(c, xt, *pc.Root, meta, dst)
}

func keywordsOf(xt *model.XRefTable, meta types.Dict) string {
	if o, ok := meta["Keywords"]; ok {
		if t, err := xt.DereferenceText(o); err == nil {
			return t
		}
	}
	return ""
}

// stampContent draws the stamp for a page shown w × h points: three
// parallel diagonal lines across the page and a footer line.
func stampContent(tk pdftext.Drawer, text string, w, h float64) string {
	var b strings.Builder
	// Diagonal, bottom left to top right; each line sized to fit its chord.
	angle := math.Atan2(h, w)
	cos, sin := math.Cos(angle), math.Sin(angle)
	unit := tk.Width(text, 1)
	b.WriteString("q /G0 gs 0.75 0 0 rg\n")
	gap := math.Min(w, h) * 0.28
	for _, off := range []float64{-gap, 0, gap} {
		// centre of the line, offset perpendicular to the diagonal
		cx, cy := w/2-off*sin, h/2+off*cos
		size := math.Min(26, 0.8*chord(cx, cy, cos, sin, w, h-24)/unit)
		if size < 4 {
			continue
		}
		tw := unit * size
		x := cx - cos*tw/2 + sin*size*0.35
		y := cy - sin*tw/2 - cos*size*0.35
		fmt.Fprintf(&b, "BT /%s %s Tf %s %s %s %s %s %s Tm %s Tj ET\n", fontKey, ff(size),
			ff(cos), ff(sin), ff(-sin), ff(cos), ff(x), ff(y), tk.Hex(text))
	}
	b.WriteString("Q\n")
	// Footer, on a white band so it stays legible over a scan.
	fs := math.Min(8, (w-24)/unit)
	fw := unit * fs
	fmt.Fprintf(&b, "q /G1 gs 1 g %s 3 %s %s re f 0.6 0 0 rg\n", ff((w-fw)/2-4), ff(fw+8), ff(fs+5))
	tk.Show(&b, fontKey, text, fs, (w-fw)/2, 5.5)
	b.WriteString("Q\n")
	return b.String()
}

// chord is the length of the line through (cx, cy) with direction (dx, dy)
// inside the rectangle [0,w]×[24,24+h].
func chord(cx, cy, dx, dy, w, h float64) float64 {
	cy -= 24
	lo, hi := math.Inf(-1), math.Inf(1)
	clip := func(p, d, max float64) {
		if d == 0 {
			if p < 0 || p > max {
				lo, hi = 0, 0
			}
			return
		}
		t1, t2 := -p/d, (max-p)/d
		if t1 > t2 {
			t1, t2 = t2, t1
		}
		lo, hi = math.Max(lo, t1), math.Min(hi, t2)
	}
	clip(cx, dx, w)
	clip(cy, dy, h)
	if hi < lo {
		return 0
	}
	return hi - lo
}
