package dossier

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/pdffile"
)

type rect struct{ llx, lly, urx, ury float64 }

func (r rect) w() float64 { return r.urx - r.llx }
func (r rect) h() float64 { return r.ury - r.lly }

var a4 = rect{0, 0, 595.28, 841.89}

// page is a leaf of the page tree with its inherited attributes resolved.
type page struct {
	ref       types.IndirectRef
	dict      types.Dict
	media     *rect
	crop      *rect
	rotate    int          // 0, 90, 180 or 270
	resources types.Object // as inherited: a dict or a reference, or nil
}

// box is the visible region: the crop box clipped to the media box.
func (p *page) box() rect {
	m := a4
	if p.media != nil {
		m = *p.media
	}
	if p.crop == nil {
		return m
	}
	c := rect{
		math.Max(p.crop.llx, m.llx), math.Max(p.crop.lly, m.lly),
		math.Min(p.crop.urx, m.urx), math.Min(p.crop.ury, m.ury),
	}
	if c.w() <= 0 || c.h() <= 0 {
		return m
	}
	return c
}

// displaySize is the page's size as a viewer shows it (after /Rotate).
func (p *page) displaySize() (w, h float64) {
	b := p.box()
	if p.rotate == 90 || p.rotate == 270 {
		return b.h(), b.w()
	}
	return b.w(), b.h()
}

// displayMatrix maps display coordinates (origin at the bottom left of the
// page as shown, x right, y up) to the page's user space, honouring the
// visible box's offset and /Rotate.
func (p *page) displayMatrix() [6]float64 {
	b := p.box()
	switch p.rotate {
	case 90:
		return [6]float64{0, 1, -1, 0, b.urx, b.lly}
	case 180:
		return [6]float64{-1, 0, 0, -1, b.urx, b.ury}
	case 270:
		return [6]float64{0, -1, 1, 0, b.llx, b.ury}
	}
	return [6]float64{1, 0, 0, 1, b.llx, b.lly}
}

func matrixString(m [6]float64) string {
	parts := make([]string, 6)
	for i, v := range m {
		parts[i] = pdffile.FormatFloat(v)
	}
	return strings.Join(parts, " ")
}

// pages lists the leaves of xt's page tree in order.
func pages(xt *model.XRefTable) ([]*page, error) {
	root, err := xt.Pages()
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, errors.New("no page tree")
	}
	var out []*page
	seen := map[int]bool{}
	var walk func(ref types.IndirectRef, inh page, depth int) error
	walk = func(ref types.IndirectRef, inh page, depth int) error {
		if depth > 64 {
			return errors.New("page tree too deep")
		}
		nr := int(ref.ObjectNumber)
		if seen[nr] {
			return fmt.Errorf("page tree loop at object %d", nr)
		}
		seen[nr] = true
		d, err := xt.DereferenceDict(ref)
		if err != nil {
			return err
		}
		if d == nil {
			return fmt.Errorf("page tree node %d missing", nr)
		}
		if r, err := boxEntry(xt, d, "MediaBox"); err != nil {
			return err
		} else if r != nil {
			inh.media = r
		}
		if r, err := boxEntry(xt, d, "CropBox"); err != nil {
			return err
		} else if r != nil {
			inh.crop = r
		}
		if o, ok := d.Find("Rotate"); ok {
			v, err := xt.DereferenceInteger(o)
			if err == nil && v != nil {
				inh.rotate = ((v.Value() % 360) + 360) % 360 / 90 * 90 // invalid values snap down
			}
		}
		if o, ok := d.Find("Resources"); ok && o != nil {
			inh.resources = o
		}
		kids, hasKids := d.Find("Kids")
		if t := d.Type(); (t != nil && *t == "Page") || (!hasKids && (t == nil || *t != "Pages")) {
			p := inh
			p.ref = ref
			p.dict = d
			out = append(out, &p)
			return nil
		}
		arr, err := xt.DereferenceArray(kids)
		if err != nil {
			return err
		}
		for _, k := range arr {
			kr, ok := k.(types.IndirectRef)
			if !ok {
				return errors.New("page tree kid is not a reference")
			}
			if err := walk(kr, inh, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(*root, page{}, 0); err != nil {
		return nil, err
	}
	return out, nil
}

func boxEntry(xt *model.XRefTable, d types.Dict, key string) (*rect, error) {
	o, ok := d.Find(key)
	if !ok || o == nil {
		return nil, nil
	}
	a, err := xt.DereferenceArray(o)
	if err != nil || len(a) != 4 {
		return nil, fmt.Errorf("bad %s", key)
	}
	var v [4]float64
	for i, e := range a {
		f, err := xt.DereferenceNumber(e)
		if err != nil {
			return nil, fmt.Errorf("bad %s: %w", key, err)
		}
		v[i] = f
	}
	return &rect{math.Min(v[0], v[2]), math.Min(v[1], v[3]), math.Max(v[0], v[2]), math.Max(v[1], v[3])}, nil
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

// add draws form over p in display coordinates (see displayMatrix). The
// page's existing content is wrapped in q/Q so its graphics state cannot leak
// into the overlay; /Rotate and the boxes stay as they are.
func (o *overlayer) add(p *page, form types.IndirectRef, prefix string) error {
	xt := o.xt
	// Give the page its own resource dictionary (inherited or shared ones
	// stay untouched) with the form added under an unused name.
	res := types.Dict{}
	if p.resources != nil {
		d, err := xt.DereferenceDict(p.resources)
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
	p.dict["Resources"] = res
	p.resources = res

	var existing types.Array
	if c, ok := p.dict.Find("Contents"); ok && c != nil {
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
	fmt.Fprintf(&b, "q %s cm /%s Do Q\n", matrixString(p.displayMatrix()), name)
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
	p.dict["Contents"] = contents
	return nil
}
