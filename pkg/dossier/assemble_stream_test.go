package dossier

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/pdffile"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/scan"
)

// The light reader takes what Ingest writes, and sees the same objects as
// pdfcpu: the same dictionaries, and stream data where pdfcpu found it.
func TestLightReaderReadsIngested(t *testing.T) {
	dir := t.TempDir()
	for _, d := range fixture(t, dir) {
		f, err := os.Open(d.Path)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		xt, streams, err := pdffile.Read(context.Background(), f, st.Size())
		if err != nil {
			t.Fatalf("%s: %v", d.Path, err)
		}
		pc, err := api.ReadContextFile(d.Path)
		if err != nil {
			t.Fatal(err)
		}
		for nr, e := range pc.XRefTable.Table {
			if nr == 0 || e.Free {
				continue
			}
			got, err := xt.Dereference(*types.NewIndirectRef(nr, 0))
			if err != nil {
				t.Fatal(err)
			}
			switch want := e.Object.(type) {
			case types.StreamDict:
				sd, ok := got.(types.StreamDict)
				loc, found := streams[nr]
				if !ok || !found {
					t.Fatalf("%s object %d: not read as a stream", d.Path, nr)
				}
				data := make([]byte, loc.N)
				if _, err := f.ReadAt(data, loc.Off); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(data, want.Raw) {
					t.Errorf("%s object %d: stream data differs from pdfcpu's", d.Path, nr)
				}
				if sd.Dict.String() != want.Dict.String() {
					t.Errorf("%s object %d: %s, pdfcpu %s", d.Path, nr, sd.Dict, want.Dict)
				}
			default:
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s object %d: %v, pdfcpu %v", d.Path, nr, got, want)
				}
			}
		}
		f.Close()
	}
}

// What the light reader cannot take goes to pdfcpu: a PDF with object
// streams and a cross-reference stream, and damaged ones.
func TestLightReaderRefuses(t *testing.T) {
	dir := t.TempDir()
	docs := fixture(t, dir)
	good, err := os.ReadFile(docs[1].Path)
	if err != nil {
		t.Fatal(err)
	}
	// pdfcpu's own writer, with object and xref streams.
	pc, err := api.ReadContextFile(docs[1].Path)
	if err != nil {
		t.Fatal(err)
	}
	pc.Configuration.WriteObjectStream, pc.Configuration.WriteXRefStream = true, true
	var compact bytes.Buffer
	if err := api.WriteContext(pc, &compact); err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(good, []byte("stream\n")) + len("stream\n")
	cases := map[string][]byte{
		"object streams": compact.Bytes(),
		"truncated":      good[:len(good)*2/3],
		"no endstream":   append(append(append([]byte{}, good[:i]...), 'X'), good[i:]...),
		"bad xref":       bytes.Replace(good, []byte("xref\n0 "), []byte("xref\n1 "), 1),
		"encrypted":      bytes.Replace(good, []byte("trailer\n<<"), []byte("trailer\n<</Encrypt 1 0 R"), 1),
		"empty":          {},
	}
	for name, data := range cases {
		_, _, err := pdffile.Read(context.Background(), bytes.NewReader(data), int64(len(data)))
		if !errors.Is(err, pdffile.ErrLayout) {
			t.Errorf("%s: %v, want ErrLayout", name, err)
		}
	}
}

// A document the light reader refuses is read by pdfcpu and assembled the
// same; a damaged one gives the same rejection as before.
func TestAssembleFallsBackToPDFCPU(t *testing.T) {
	dir := t.TempDir()
	docs := fixture(t, dir)
	pc, err := api.ReadContextFile(docs[1].Path) // 讯问笔录, /Rotate 90
	if err != nil {
		t.Fatal(err)
	}
	pc.Configuration.WriteObjectStream, pc.Configuration.WriteXRefStream = true, true
	compact := filepath.Join(dir, "compact.pdf")
	if err := api.WriteContextFile(pc, compact); err != nil {
		t.Fatal(err)
	}
	docs[1].Path = compact
	out := filepath.Join(dir, "base.pdf")
	man, err := AssembleBase(context.Background(), testCase, docs, out, AssembleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	testpdf.QPDFCheck(t, out)
	if man.Pages != 8 || !strings.Contains(testpdf.PageText(t, out, 5), "DOCB1") {
		t.Errorf("the pdfcpu-read document is not page 5 of 8 (%d pages)", man.Pages)
	}
	if got := testpdf.PDFInfo(t, out, 5)["Page 5 rot"]; got != "90" {
		t.Errorf("page 5 rot = %q", got)
	}

	good, _ := os.ReadFile(docs[2].Path) // 现场照片, the JPEG: cut in its image
	docs[2].Path = testpdf.WriteFile(t, filepath.Join(dir, "cut.pdf"), good[:len(good)/2])
	_, err = AssembleBase(context.Background(), testCase, docs, out, AssembleOptions{})
	var ae *AssembleError
	if !errors.As(err, &ae) || len(ae.Rejections) != 1 || ae.Rejections[0].Code != scan.CodeCorruptPDF {
		t.Fatalf("a truncated document: %v, want one corrupt-pdf rejection", err)
	}
}

// A dossier over the page or byte ceiling is refused with the figures, and
// nothing is written.
func TestAssembleTooLarge(t *testing.T) {
	dir := t.TempDir()
	docs := fixture(t, dir)
	out := filepath.Join(dir, "base.pdf")
	_, err := AssembleBase(context.Background(), testCase, docs, out, AssembleOptions{MaxPages: 7})
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Pages != 8 || tl.MaxPages != 7 {
		t.Fatalf("want TooLargeError 8 > 7 pages, got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "共 8 页，超过单份卷宗 7 页的上限") || !strings.Contains(msg, "8 pages, the limit is 7") {
		t.Errorf("message: %s", msg)
	}
	_, err = AssembleBase(context.Background(), testCase, docs, out, AssembleOptions{MaxBytes: 10 << 10})
	if !errors.As(err, &tl) || tl.Bytes <= 10<<10 || !strings.Contains(err.Error(), "the limit is 10.0 KB") {
		t.Fatalf("want TooLargeError over 10 KB, got %v", err)
	}
	if ents, _ := filepath.Glob(filepath.Join(dir, "*base.pdf*")); len(ents) > 0 {
		t.Errorf("a refused dossier left %v", ents)
	}
	if err := CheckSize(8, 0, AssembleOptions{MaxPages: 8}); err != nil {
		t.Errorf("8 pages are within a ceiling of 8: %v", err)
	}
}

// Many documents: a page tree of more than one level, every page numbered,
// every document where the manifest says, and the same bytes however many
// documents are read at once.
func TestAssembleManyDocuments(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.pdf")
	testpdf.Make(t, one, testpdf.Page{Marker: "ONE"}, testpdf.Page{Marker: "TWO", Rotate: 270})
	ingested := filepath.Join(dir, "one.in.pdf")
	if _, err := scan.Ingest(context.Background(), one, ingested, scan.Limits{}); err != nil {
		t.Fatal(err)
	}
	var docs []Document
	for i := 0; i < 130; i++ {
		docs = append(docs, Document{Volume: i/50 + 1, VolumeTitle: "卷", Seq: i, Title: fmt.Sprintf("文书%d", i+1), Path: ingested})
	}
	build := func(procs int) []byte {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		out := filepath.Join(t.TempDir(), "base.pdf")
		man, err := AssembleBase(context.Background(), testCase, docs, out, AssembleOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// 1 cover, 2+2+2 卷内目录 pages, 260 document pages
		if man.Pages != 267 || man.Volumes[2].Docs[29].FirstPage != 266 {
			t.Fatalf("manifest: %d pages, last document at %d", man.Pages, man.Volumes[2].Docs[29].FirstPage)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if procs == 1 {
			testpdf.QPDFCheck(t, out)
			if got := testpdf.PDFInfo(t, out, 0)["Pages"]; got != "267" {
				t.Errorf("pdfinfo: %s pages", got)
			}
			for _, n := range []int{4, 5, 200, 267} {
				text := testpdf.Squash(testpdf.PageText(t, out, n))
				marker := map[bool]string{true: "ONE", false: "TWO"}[n%2 == 0]
				if !strings.Contains(text, marker) || !strings.Contains(text, fmt.Sprintf("第%d页/共267页", n)) {
					t.Errorf("page %d: %s", n, text)
				}
			}
			if got := testpdf.PDFInfo(t, out, 267)["Page 267 rot"]; got != "270" {
				t.Errorf("page 267 rot = %q", got)
			}
			pc, err := api.ReadContextFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if l := tocLinks(t, pc, 3); len(l) != 24 || l[0] != "56" {
				t.Errorf("second TOC page of volume 1 links %v", l)
			}
			if depth := pageTreeDepth(t, pc.XRefTable); depth < 2 { // the root, the nodes under it
				t.Errorf("page tree of 267 pages has depth %d", depth)
			}
		}
		return data
	}
	if !bytes.Equal(build(1), build(4)) {
		t.Error("one reader at a time and four give different bytes")
	}
}

func pageTreeDepth(t *testing.T, xt *model.XRefTable) int {
	t.Helper()
	root, err := xt.Pages()
	if err != nil {
		t.Fatal(err)
	}
	depth := 1
	for ref := root; ref != nil; depth++ {
		d, err := xt.DereferenceDict(*ref)
		if err != nil {
			t.Fatal(err)
		}
		kids, _ := xt.DereferenceArray(d["Kids"])
		if len(kids) == 0 {
			break
		}
		if len(kids) > pageTreeKids {
			t.Errorf("a page tree node with %d kids", len(kids))
		}
		k, _ := kids[0].(types.IndirectRef)
		if kd, _ := xt.DereferenceDict(k); kd.Type() == nil || *kd.Type() != "Pages" {
			return depth
		}
		ref = &k
	}
	return depth
}

// Cancelling stops the build and leaves nothing behind.
func TestAssembleCancelled(t *testing.T) {
	dir := t.TempDir()
	docs := fixture(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(dir, "base.pdf")
	if _, err := AssembleBase(ctx, testCase, docs, out, AssembleOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a cancelled build left its file")
	}
}

// A PDF encrypted with only an owner password is ingested decrypted and
// is usable like any other: it goes into a dossier (the assertion scan's
// TestIngestOwnerPasswordOnly made before Ingest left this package).
func TestAssembleDecryptedPDF(t *testing.T) {
	dir := t.TempDir()
	orig := filepath.Join(dir, "orig.pdf")
	testpdf.Make(t, orig, testpdf.Page{Marker: "FIRSTPAGE"}, testpdf.Page{Marker: "SECONDPAGE", Rotate: 90})
	enc := filepath.Join(dir, "enc.pdf")
	testpdf.Run(t, "qpdf", "--allow-weak-crypto", "--encrypt", "", "owner", "256", "--print=none", "--", orig, enc)
	dst := filepath.Join(dir, "ingested.pdf")
	info, err := scan.Ingest(context.Background(), enc, dst, scan.Limits{})
	if err != nil || !info.Decrypted {
		t.Fatalf("ingest: %+v, %v", info, err)
	}
	if _, err := AssembleBase(context.Background(), testCase, []Document{{Volume: 1, Seq: 1, Title: "起诉意见书", Path: dst}}, filepath.Join(t.TempDir(), "base.pdf"), AssembleOptions{}); err != nil {
		t.Fatalf("assembling the decrypted PDF: %v", err)
	}
}
