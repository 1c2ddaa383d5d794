// Package pdfpage lists the pages of a PDF held in a pdfcpu XRefTable,
// each with the attributes it inherits resolved (boxes, /Rotate,
// resources), and says where a page is shown: its visible box, its size
// after /Rotate and the matrix from display coordinates to its user space.
package pdfpage

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/pdffile"
)

// Rect is a rectangle: lower left and upper right corners, in points.
type Rect struct{ LLX, LLY, URX, URY float64 }

// W is the width.
func (r Rect) W() float64 { return r.URX - r.LLX }

// H is the height.
func (r Rect) H() float64 { return r.URY - r.LLY }

// A4 is an A4 portrait page, the media box of a page that gives none.
var A4 = Rect{0, 0, 595.28, 841.89}

// Page is a leaf of the page tree with its inherited attributes resolved.
type Page struct {
	Ref       types.IndirectRef
	Dict      types.Dict
	Media     *Rect
	Crop      *Rect
	Rotate    int          // 0, 90, 180 or 270
	Resources types.Object // as inherited: a dict or a reference, or nil
}

// Box is the visible region: the crop box clipped to the media box.
func (p *Page) Box() Rect {
	m := A4
	if p.Media != nil {
		m = *p.Media
	}
	if p.Crop == nil {
		return m
	}
	c := Rect{
		math.Max(p.Crop.LLX, m.LLX), math.Max(p.Crop.LLY, m.LLY),
		math.Min(p.Crop.URX, m.URX), math.Min(p.Crop.URY, m.URY),
	}
	if c.W() <= 0 || c.H() <= 0 {
		return m
	}
	return c
}

// DisplaySize is the page's size as a viewer shows it (after /Rotate).
func (p *Page) DisplaySize() (w, h float64) {
	b := p.Box()
	if p.Rotate == 90 || p.Rotate == 270 {
		return b.H(), b.W()
	}
	return b.W(), b.H()
}

// DisplayMatrix maps display coordinates (origin at the bottom left of the
// page as shown, x right, y up) to the page's user space, honouring the
// visible box's offset and /Rotate.
func (p *Page) DisplayMatrix() [6]float64 {
	b := p.Box()
	switch p.Rotate {
	case 90:
		return [6]float64{0, 1, -1, 0, b.URX, b.LLY}
	case 180:
		return [6]float64{-1, 0, 0, -1, b.URX, b.URY}
	case 270:
		return [6]float64{0, -1, 1, 0, b.LLX, b.URY}
	}
	return [6]float64{1, 0, 0, 1, b.LLX, b.LLY}
}

// MatrixString is m as the operands of a cm operator.
func MatrixString(m [6]float64) string {
	parts := make([]string, 6)
	for i, v := range m {
		parts[i] = pdffile.FormatFloat(v)
	}
	return strings.Join(parts, " ")
}

// Pages lists the leaves of xt's page tree in order.
func Pages(xt *model.XRefTable) ([]*Page, error) {
	root, err := xt.Pages()
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, errors.New("no page tree")
	}
	var out []*Page
	seen := map[int]bool{}
	var walk func(ref types.IndirectRef, inh Page, depth int) error
	walk = func(ref types.IndirectRef, inh Page, depth int) error {
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
			inh.Media = r
		}
		if r, err := boxEntry(xt, d, "CropBox"); err != nil {
			return err
		} else if r != nil {
			inh.Crop = r
		}
		if o, ok := d.Find("Rotate"); ok {
			v, err := xt.DereferenceInteger(o)
			if err == nil && v != nil {
				inh.Rotate = ((v.Value() % 360) + 360) % 360 / 90 * 90 // invalid values snap down
			}
		}
		if o, ok := d.Find("Resources"); ok && o != nil {
			inh.Resources = o
		}
		kids, hasKids := d.Find("Kids")
		if t := d.Type(); (t != nil && *t == "Page") || (!hasKids && (t == nil || *t != "Pages")) {
			p := inh
			p.Ref = ref
			p.Dict = d
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
	if err := walk(*root, Page{}, 0); err != nil {
		return nil, err
	}
	return out, nil
}

func boxEntry(xt *model.XRefTable, d types.Dict, key string) (*Rect, error) {
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
	return &Rect{math.Min(v[0], v[2]), math.Min(v[1], v[3]), math.Max(v[0], v[2]), math.Max(v[1], v[3])}, nil
}

// Append adds a page dictionary at the end of the root page tree node.
func Append(pc *model.Context, d types.Dict) (types.IndirectRef, error) {
	xt := pc.XRefTable
	root, err := xt.Pages()
	if err != nil {
		return types.IndirectRef{}, err
	}
	rd, err := xt.DereferenceDict(*root)
	if err != nil {
		return types.IndirectRef{}, err
	}
	d["Parent"] = *root
	ref, err := xt.IndRefForNewObject(d)
	if err != nil {
		return types.IndirectRef{}, err
	}
	kids, _ := xt.DereferenceArray(rd["Kids"])
	rd["Kids"] = append(kids, *ref)
	cnt := 0
	if v, err := xt.DereferenceInteger(rd["Count"]); err == nil && v != nil {
		cnt = v.Value()
	}
	rd["Count"] = types.Integer(cnt + 1)
	pc.PageCount++
	return *ref, nil
}
