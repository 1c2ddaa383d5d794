package dossier

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/pdffile"
	"github.com/yuejuan/yuejuan/internal/pdfpage"
)

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

// newForm adds a form XObject of the given size drawn with res.
func newForm(xt *model.XRefTable, content []byte, w, h float64, res types.Object) (types.IndirectRef, error) {
	d := types.Dict{
		"Type":    types.Name("XObject"),
		"Subtype": types.Name("Form"),
		"BBox":    types.Array{types.Integer(0), types.Integer(0), types.Float(w), types.Float(h)},
	}
	if res != nil {
		d["Resources"] = res
	}
	return pdffile.NewStream(xt, content, d)
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
