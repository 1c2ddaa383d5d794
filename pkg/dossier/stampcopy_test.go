package dossier

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
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

// StampCopy is the old way of making a lawyer's copy, kept as test code:
// the reference that TestCopyMatchesStampCopy compares MakeCopy's stamp
// with, and the "pdfcpu re-stamp" column of BenchmarkCopyPaths (see
// docs/benchmarks.md). It writes to dst a copy of the base dossier stamped
// for one lawyer:
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

// overlayer draws form XObjects on top of existing pages.
type overlayer struct {
	xt   *model.XRefTable
	open types.IndirectRef // shared content stream "q"
	// streams are the overlay content streams made so far, by content:
	// pages with the same placement share one.
	streams map[string]types.IndirectRef
}

func newOverlayer(xt *model.XRefTable) (*overlayer, error) {
	ref, err := pdffile.NewStream(xt, []byte("q\n"), nil)
	if err != nil {
		return nil, err
	}
	return &overlayer{xt: xt, open: ref, streams: map[string]types.IndirectRef{}}, nil
}

// add draws form over p in display coordinates (see pdfpage.Page.DisplayMatrix). The
// page's existing content is wrapped in q/Q so its graphics state cannot leak
// into the overlay; /Rotate and the boxes stay as they are.
func (o *overlayer) add(p *pdfpage.Page, form types.IndirectRef, prefix string) error {
	xt := o.xt
	// Give the page its own resource dictionary (inherited or shared ones
	// stay untouched) with the form added under an unused name.
	res := types.Dict{}
	if p.Resources != nil {
		d, err := xt.DereferenceDict(p.Resources)
		if err != nil {
			return err
		}
		for k, v := range d {
			res[k] = v
		}
	}
	xobj := types.Dict{}
	if x, ok := res["XObject"]; ok && x != nil {
		d, err := xt.DereferenceDict(x)
		if err != nil {
			return err
		}
		for k, v := range d {
			xobj[k] = v
		}
	}
	name := prefix
	for i := 1; ; i++ {
		if _, taken := xobj[name]; !taken {
			break
		}
		name = prefix + strconv.Itoa(i)
	}
	xobj[name] = form
	res["XObject"] = xobj
	p.Dict["Resources"] = res
	p.Resources = res

	var existing types.Array
	if c, ok := p.Dict.Find("Contents"); ok && c != nil {
		switch v := c.(type) {
		case types.Array:
			existing = v
		case types.IndirectRef:
			obj, err := xt.Dereference(v)
			if err != nil {
				return err
			}
			if a, ok := obj.(types.Array); ok {
				existing = a
			} else if obj != nil {
				existing = types.Array{v}
			}
		}
	}
	var b strings.Builder
	if len(existing) > 0 {
		b.WriteString("Q\n")
	}
	fmt.Fprintf(&b, "q %s cm /%s Do Q\n", pdfpage.MatrixString(p.DisplayMatrix()), name)
	ref, ok := o.streams[b.String()]
	if !ok {
		var err error
		if ref, err = pdffile.NewStream(xt, []byte(b.String()), nil); err != nil {
			return err
		}
		o.streams[b.String()] = ref
	}
	contents := types.Array{}
	if len(existing) > 0 {
		contents = append(contents, o.open)
		contents = append(contents, existing...)
	}
	contents = append(contents, ref)
	p.Dict["Contents"] = contents
	return nil
}
