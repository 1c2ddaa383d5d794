package pdffile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// sample is a small document: a catalog, a page tree of n pages, each with
// a content stream, a shared resource dictionary and an object no page
// uses.
func sample(t testing.TB, n int) (*model.XRefTable, types.IndirectRef) {
	xt := &model.XRefTable{Table: map[int]*model.XRefTableEntry{}}
	zero := 0
	nr := 0
	add := func(o types.Object) types.IndirectRef {
		nr++
		xt.Table[nr] = &model.XRefTableEntry{Object: o, Generation: &zero}
		return *types.NewIndirectRef(nr, 0)
	}
	add(types.Dict{"Unused": types.Boolean(true)})
	res := add(types.Dict{"ProcSet": types.Array{types.Name("PDF")}})
	pagesRef := add(types.Dict{"Type": types.Name("Pages")})
	var kids types.Array
	for i := range n {
		sd := types.StreamDict{Dict: types.Dict{}, Content: fmt.Appendf(nil, "BT /F0 12 Tf 72 %d Td (page %d) Tj ET", 700-i, i+1),
			FilterPipeline: []types.PDFFilter{{Name: "FlateDecode"}}}
		sd.Dict["Filter"] = types.Name("FlateDecode")
		if err := sd.Encode(); err != nil {
			t.Fatal(err)
		}
		c := add(sd)
		kids = append(kids, add(types.Dict{"Type": types.Name("Page"), "Parent": pagesRef, "Contents": c, "Resources": res,
			"MediaBox": types.Array{types.Integer(0), types.Integer(0), types.Float(595.28), types.Float(841.89)}}))
	}
	pd := xt.Table[int(pagesRef.ObjectNumber)].Object.(types.Dict)
	pd["Kids"], pd["Count"] = kids, types.Integer(n)
	root := add(types.Dict{"Type": types.Name("Catalog"), "Pages": pagesRef})
	size := nr + 1
	xt.Size = &size
	return xt, root
}

var info = types.Dict{"Producer": TextString("yuejuan"), "Title": TextString("卷宗")}

// What Write writes, Read reads back: the same objects, stream data where
// the dictionaries say; unreachable objects are gone; two writes are equal.
func TestWriteRead(t *testing.T) {
	xt, root := sample(t, 3)
	var a, b bytes.Buffer
	if err := Write(context.Background(), xt, root, info, &a); err != nil {
		t.Fatal(err)
	}
	if err := Write(context.Background(), xt, root, info, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two writes differ")
	}
	got, streams, err := Read(context.Background(), bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	// Depth first from the catalog, keys sorted: 1 catalog, 2 page tree,
	// then per page its dictionary, its content (and the resources once);
	// the info dictionary last; the unused object dropped.
	if *got.Size != 11 || len(streams) != 3 {
		t.Fatalf("%d objects, %d streams", *got.Size-1, len(streams))
	}
	if c, _ := got.DereferenceDict(*got.Root); c == nil || c.Type() == nil || *c.Type() != "Catalog" {
		t.Errorf("root %v", c)
	}
	for nr, loc := range streams {
		o, _ := got.Dereference(*types.NewIndirectRef(nr, 0))
		sd := o.(types.StreamDict)
		if l, _ := sd.Dict["Length"].(types.Integer); int64(l) != loc.N {
			t.Errorf("object %d: /Length %v, data %d bytes", nr, sd.Dict["Length"], loc.N)
		}
	}
	if bytes.Contains(a.Bytes(), []byte("/Unused")) {
		t.Error("an unreachable object was written")
	}
	if _, _, err := Read(context.Background(), bytes.NewReader(a.Bytes()[:a.Len()-100]), int64(a.Len()-100)); !errors.Is(err, ErrLayout) {
		t.Errorf("truncated: %v, want ErrLayout", err)
	}
}

func TestFormatFloat(t *testing.T) {
	for f, want := range map[float64]string{0: "0", -0.000001: "0", 1.5: "1.5", 595.28: "595.28", 2.0: "2", 1.0 / 3: "0.33333", -12.25: "-12.25"} {
		if got := FormatFloat(f); got != want {
			t.Errorf("FormatFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestTextString(t *testing.T) {
	if got := TextString("a(b)"); got != types.StringLiteral(`a\(b\)`) {
		t.Errorf("ASCII: %v", got)
	}
	if got := TextString("卷"); got != types.HexLiteral("feff5377") {
		t.Errorf("CJK: %v", got)
	}
}

func BenchmarkWrite(b *testing.B) {
	xt, root := sample(b, 1000)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := Write(context.Background(), xt, root, info, &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

func BenchmarkRead(b *testing.B) {
	xt, root := sample(b, 1000)
	var buf bytes.Buffer
	if err := Write(context.Background(), xt, root, info, &buf); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, _, err := Read(context.Background(), bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
			b.Fatal(err)
		}
	}
}
