package dossier

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
	"github.com/yuejuan/yuejuan/internal/pdfpage"
	"github.com/yuejuan/yuejuan/internal/testpdf"
)

var otherStamp = Stamp{Name: "王五", License: "11101200110654321", Ref: "YJ-2025-0002", Date: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}

// copyFixture builds the 8-page fixture base (a /Rotate 90 page and an
// offset-CropBox page among them) and returns its path and sidecar.
func copyFixture(t *testing.T) (dir, base string, sc *Sidecar, man Manifest) {
	t.Helper()
	dir = t.TempDir()
	base = filepath.Join(dir, "base.pdf")
	man, err := AssembleBase(context.Background(), testCase, fixture(t, dir), base, AssembleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc, err = ReadSidecar(SidecarPath(base))
	if err != nil {
		t.Fatal(err)
	}
	return dir, base, sc, man
}

func TestBaseLayout(t *testing.T) {
	_, base, sc, man := copyFixture(t)
	raw, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(raw)) != sc.BaseSize || sc.Pages != man.Pages {
		t.Fatalf("sidecar: size %d pages %d, file %d pages %d", sc.BaseSize, sc.Pages, len(raw), man.Pages)
	}
	// Slots, info, xref and trailer come last.
	if !bytes.HasPrefix(raw[sc.PrefixLen:], []byte(fmt.Sprintf("%d 0 obj\n<<", sc.Slots[0].Obj))) {
		t.Fatalf("no slot at the prefix end: %q", raw[sc.PrefixLen:sc.PrefixLen+40])
	}
	for _, sl := range sc.Slots {
		if sl.W <= 0 || sl.H <= 0 || sl.Pages <= 0 {
			t.Errorf("slot %+v", sl)
		}
	}
	if n := len(sc.Slots); n < 2 { // A4 portrait, the rotated page, the JPEG page, the offset page
		t.Errorf("%d slots, want one per displayed size", n)
	}
	if bytes.Count(raw[:sc.PrefixLen], []byte("endobj")) != sc.Slots[0].Obj-1 {
		t.Error("prefix does not hold exactly the objects before the slots")
	}
	// Every page draws the slot; the base's slots are empty.
	testpdf.QPDFCheck(t, base)
	validate(t, base)
	for n := 1; n <= man.Pages; n++ {
		if strings.Contains(testpdf.PageText(t, base, n), "仅供") {
			t.Errorf("base page %d carries a stamp", n)
		}
	}
	pc, err := api.ReadContextFile(base)
	if err != nil {
		t.Fatal(err)
	}
	pgs, err := pdfpage.Pages(pc.XRefTable)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pgs {
		res, _ := pc.XRefTable.DereferenceDict(p.Resources)
		xo, _ := pc.XRefTable.DereferenceDict(res["XObject"])
		ref, ok := xo[SlotName]
		if !ok {
			t.Fatalf("page %d does not draw /%s", i+1, SlotName)
		}
		if n := refNumber(ref); n < sc.Slots[0].Obj || n >= sc.Info {
			t.Errorf("page %d draws object %d, not a slot", i+1, n)
		}
	}
	// Deterministic: the same inputs give the same base and sidecar.
	sc1, _ := os.ReadFile(SidecarPath(base))
	base2 := filepath.Join(t.TempDir(), "base.pdf")
	if _, err := AssembleBase(context.Background(), testCase, fixture(t, t.TempDir()), base2, AssembleOptions{}); err != nil {
		t.Fatal(err)
	}
	raw2, _ := os.ReadFile(base2)
	sc2, _ := os.ReadFile(SidecarPath(base2))
	if !bytes.Equal(raw, raw2) || !bytes.Equal(sc1, sc2) {
		t.Error("two builds differ")
	}
	if len(sc1) > 8<<10 {
		t.Errorf("sidecar of an 8-page base is %d bytes", len(sc1))
	}
}

func TestMakeCopy(t *testing.T) {
	dir, base, sc, man := copyFixture(t)
	raw, _ := os.ReadFile(base)

	tail, prefixLen, err := MakeCopy(context.Background(), sc, testStamp)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "copy.pdf")
	testpdf.WriteFile(t, cp, append(append([]byte{}, raw[:prefixLen]...), tail...))

	// Valid, one revision.
	testpdf.QPDFCheck(t, cp)
	validate(t, cp)
	craw, _ := os.ReadFile(cp)
	if n := bytes.Count(craw, []byte("%%EOF")); n != 1 {
		t.Errorf("%d %%%%EOF markers", n)
	}
	trailer := craw[bytes.LastIndex(craw, []byte("trailer")):]
	if bytes.Contains(trailer, []byte("/Prev")) || bytes.Count(craw, []byte("startxref")) != 1 || bytes.Count(craw, []byte("\nxref\n")) != 1 {
		t.Errorf("the copy is not a single revision: %s", trailer)
	}
	if !bytes.Contains(tail, []byte("/ID[<"+sc.ID+"><")) || bytes.Contains(tail, []byte("/ID[<"+sc.ID+"><"+sc.ID+">]")) {
		t.Error("the copy's /ID should keep the base's first part and have a new second part")
	}
	// The stamp on every page, including /Rotate 90 (5) and the offset
	// CropBox (8); the page content is still there.
	want := testpdf.Squash(testStamp.Text())
	for n := 1; n <= man.Pages; n++ {
		if text := testpdf.PageText(t, cp, n); !strings.Contains(testpdf.Squash(text), want) {
			t.Errorf("page %d lacks the stamp:\n%s", n, text)
		}
	}
	for n, m := range map[int]string{3: "DOCA1", 5: "DOCB1", 8: "DOCD1"} {
		if !strings.Contains(testpdf.PageText(t, cp, n), m) {
			t.Errorf("page %d lacks %s", n, m)
		}
	}
	for _, n := range []int{1, 5, 7, 8} {
		checkFooter(t, cp, n)
	}
	if got := testpdf.PDFInfo(t, cp, 5)["Page 5 rot"]; got != "90" {
		t.Errorf("page 5 rot = %q", got)
	}
	meta := testpdf.PDFInfo(t, cp, 0)
	if !strings.Contains(meta["Keywords"], testStamp.License) || !strings.Contains(meta["Subject"], "李四") ||
		!strings.Contains(meta["Subject"], testCase.CaseNo) || meta["Title"] != testCase.Title {
		t.Errorf("metadata: %v", meta)
	}
	if !bytes.Contains(tail, []byte("/YuejuanLicense(11101200010123456)")) {
		t.Error("YuejuanLicense missing from the copy's information")
	}
	// The font subset is small and its ToUnicode complete (the text above
	// was extracted through it).
	if len(tail) > 32<<10 {
		t.Errorf("tail of an 8-page copy is %d bytes", len(tail))
	}

	// A second lawyer: the same prefix, another tail.
	tail2, prefixLen2, err := MakeCopy(context.Background(), sc, otherStamp)
	if err != nil {
		t.Fatal(err)
	}
	if prefixLen2 != prefixLen || bytes.Equal(tail, tail2) {
		t.Fatal("two lawyers' copies must share the prefix and differ in the tail")
	}
	cp2 := filepath.Join(dir, "copy2.pdf")
	testpdf.WriteFile(t, cp2, append(append([]byte{}, raw[:prefixLen]...), tail2...))
	testpdf.QPDFCheck(t, cp2)
	if text := testpdf.Squash(testpdf.PageText(t, cp2, 5)); !strings.Contains(text, testpdf.Squash(otherStamp.Text())) || strings.Contains(text, "李四") {
		t.Errorf("second copy page 5: %s", text)
	}
	// Reproducible.
	tail3, _, _ := MakeCopy(context.Background(), sc, testStamp)
	if !bytes.Equal(tail, tail3) {
		t.Error("two copies for the same stamp differ")
	}

	// No stamp: the copy is the base.
	empty, _, err := MakeCopy(context.Background(), sc, Stamp{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(append([]byte{}, raw[:prefixLen]...), empty...), raw) {
		t.Error("an empty-slot copy should equal the base")
	}
	if _, _, err := MakeCopy(context.Background(), sc, Stamp{Name: "x"}); err == nil {
		t.Error("a partial stamp must be refused")
	}

	// Renders in poppler and in MuPDF.
	testpdf.Run(t, "pdftoppm", "-r", "20", "-png", cp, filepath.Join(dir, "r"))
	if _, err := exec.LookPath("mutool"); err != nil {
		t.Fatal("mutool is needed to check MuPDF rendering (apt-get install mupdf-tools; .ci/run does it)")
	}
	out, err := exec.Command("mutool", "draw", "-q", "-r", "20", "-o", filepath.Join(dir, "m%d.png"), cp).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("error")) {
		t.Errorf("mutool draw: %v\n%s", err, out)
	}
}

// The composed copy looks like the old path's copy: StampCopy re-reads and
// rewrites the whole base and draws the same stamp on top.
func TestCopyMatchesStampCopy(t *testing.T) {
	dir, base, sc, man := copyFixture(t)
	old := filepath.Join(dir, "old.pdf")
	if err := StampCopy(context.Background(), base, old, testStamp); err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "new.pdf")
	if _, err := CopyFile(context.Background(), base, cp, testStamp); err != nil {
		t.Fatal(err)
	}
	if _, err := CopyFile(context.Background(), base, filepath.Join(dir, "x.pdf"), testStamp); err != nil {
		t.Fatal(err)
	}
	_ = sc
	for n := 1; n <= man.Pages; n++ {
		a := testpdf.Render(t, old, n, 40)
		b := testpdf.Render(t, cp, n, 40)
		t.Logf("page %d: %.3f%% differ", n, 100*testpdf.PixelDiff(a, b))
		if d := testpdf.PixelDiff(a, b); d > 0.002 {
			t.Errorf("page %d: %.2f%% of the pixels differ from StampCopy's", n, 100*d)
		}
		// and the stamp is really drawn: the base differs from the copy
		if d := testpdf.PixelDiff(testpdf.Render(t, base, n, 40), b); d < 0.003 {
			t.Errorf("page %d: the copy looks like the unstamped base (%.2f%% differ)", n, 100*d)
		}
	}
}

func TestCopyFileRefusesForeignSidecar(t *testing.T) {
	dir, base, _, _ := copyFixture(t)
	// A sidecar from another build (another case) next to this base.
	other := filepath.Join(t.TempDir(), "other.pdf")
	c := testCase
	c.CaseNo = "另一案号"
	if _, err := AssembleBase(context.Background(), c, fixture(t, t.TempDir()), other, AssembleOptions{}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(SidecarPath(other))
	testpdf.WriteFile(t, SidecarPath(base), data)
	if _, err := CopyFile(context.Background(), base, filepath.Join(dir, "c.pdf"), testStamp); err == nil {
		t.Error("a copy from a mismatched sidecar must fail")
	}
	// A damaged sidecar.
	testpdf.WriteFile(t, SidecarPath(base), bytes.Replace(data, []byte(`"offsets": "`), []byte(`"offsets": "AAAA`), 1))
	if _, err := ReadSidecar(SidecarPath(base)); err == nil {
		t.Error("a damaged sidecar must be refused")
	}
}

func refNumber(o types.Object) int {
	if r, ok := o.(types.IndirectRef); ok {
		return int(r.ObjectNumber)
	}
	return 0
}

func validate(t testing.TB, file string) {
	t.Helper()
	if err := api.ValidateFile(file, cjkfont.Configuration()); err != nil {
		t.Fatalf("pdfcpu validate %s: %v", file, err)
	}
}

func TestParseSidecarRefuses(t *testing.T) {
	_, _, sc, _ := copyFixture(t)
	good, err := sc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseSidecar(good); err != nil {
		t.Fatalf("a good sidecar: %v", err)
	}
	for name, edit := range map[string]func(s *Sidecar){
		"format":       func(s *Sidecar) { s.Format = "yuejuan-base/0" },
		"no slots":     func(s *Sidecar) { s.Slots = nil },
		"huge slot":    func(s *Sidecar) { s.Slots[0].Obj = 1 << 40 },
		"slot gap":     func(s *Sidecar) { s.Slots = append(s.Slots, SlotInfo{Obj: s.Info + 5, W: 1, H: 1}) },
		"slot size":    func(s *Sidecar) { s.Slots[0].W = 0 },
		"root":         func(s *Sidecar) { s.Root = s.Info },
		"id":           func(s *Sidecar) { s.ID = "00" },
		"prefix":       func(s *Sidecar) { s.PrefixLen = s.BaseSize },
		"offsets":      func(s *Sidecar) { s.Offsets = "!!" },
		"offset count": func(s *Sidecar) { s.Slots[0].Obj++; s.Info++; s.Objects++ },
	} {
		var s Sidecar
		if err := json.Unmarshal(good, &s); err != nil {
			t.Fatal(err)
		}
		edit(&s)
		data, _ := json.Marshal(&s)
		if _, err := ParseSidecar(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, _, err := MakeCopy(context.Background(), &Sidecar{}, testStamp); err == nil {
		t.Error("MakeCopy with an unchecked sidecar must fail")
	}
}
