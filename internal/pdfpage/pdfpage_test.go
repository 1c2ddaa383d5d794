package pdfpage

import (
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// tree builds a page tree: the root gives a media box and /Rotate 90 to
// its kids, an inner node a crop box; the last page overrides /Rotate with
// an invalid value.
func tree() *model.XRefTable {
	xt := &model.XRefTable{Table: map[int]*model.XRefTableEntry{}}
	zero := 0
	put := func(nr int, o types.Object) {
		xt.Table[nr] = &model.XRefTableEntry{Object: o, Generation: &zero}
	}
	ref := func(nr int) types.IndirectRef { return *types.NewIndirectRef(nr, 0) }
	put(1, types.Dict{"Type": types.Name("Catalog"), "Pages": ref(2)})
	put(2, types.Dict{"Type": types.Name("Pages"), "Kids": types.Array{ref(3), ref(4)}, "Count": types.Integer(3),
		"MediaBox": types.NewNumberArray(0, 0, 600, 800), "Rotate": types.Integer(90), "Resources": types.Dict{}})
	put(3, types.Dict{"Type": types.Name("Page"), "Parent": ref(2)})
	put(4, types.Dict{"Type": types.Name("Pages"), "Parent": ref(2), "Kids": types.Array{ref(5)}, "Count": types.Integer(1),
		"CropBox": types.NewNumberArray(100, 50, 500, 750)})
	put(5, types.Dict{"Type": types.Name("Page"), "Parent": ref(4), "Rotate": types.Integer(-100)})
	r := ref(1)
	xt.Root = &r
	return xt
}

func TestPages(t *testing.T) {
	pgs, err := Pages(tree())
	if err != nil {
		t.Fatal(err)
	}
	if len(pgs) != 2 || pgs[0].Ref.ObjectNumber != 3 || pgs[1].Ref.ObjectNumber != 5 {
		t.Fatalf("pages %v", pgs)
	}
	a, b := pgs[0], pgs[1]
	if a.Rotate != 90 || a.Resources == nil || a.Crop != nil || *a.Media != (Rect{0, 0, 600, 800}) {
		t.Errorf("first page: %+v", a)
	}
	if w, h := a.DisplaySize(); w != 800 || h != 600 {
		t.Errorf("first page shown %v × %v", w, h)
	}
	if m := MatrixString(a.DisplayMatrix()); m != "0 1 -1 0 600 0" {
		t.Errorf("first page's display matrix %s", m)
	}
	// -100 snaps down to 180; the crop box is inherited and is the box.
	if b.Rotate != 180 || b.Box() != (Rect{100, 50, 500, 750}) {
		t.Errorf("second page: rotate %d, box %v", b.Rotate, b.Box())
	}
	if w, h := (&Page{}).DisplaySize(); w != A4.W() || h != A4.H() {
		t.Errorf("a page without a media box is %v × %v, want A4", w, h)
	}
}

func TestPagesRefusesLoop(t *testing.T) {
	xt := tree()
	xt.Table[4].Object.(types.Dict)["Kids"] = types.Array{*types.NewIndirectRef(2, 0)}
	if _, err := Pages(xt); err == nil {
		t.Error("a page tree loop was walked")
	}
}
