package testpdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

func TestText(t *testing.T) {
	b := Text("hello 42")
	if !bytes.HasPrefix(b, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatalf("not a PDF: %q", b)
	}
	if !bytes.Contains(b, []byte("(hello 42) Tj")) {
		t.Fatal("marker missing")
	}
	// Every xref offset points at its object, and startxref at the xref.
	offs := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(b, -1)
	if len(offs) != 5 {
		t.Fatalf("%d xref entries, want 5", len(offs))
	}
	for i, m := range offs {
		o, _ := strconv.Atoi(string(m[1]))
		if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(b[o:], []byte(want)) {
			t.Fatalf("xref entry %d points at %q", i+1, b[o:o+10])
		}
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(b)
	x, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(b[x:], []byte("xref\n0 6\n")) {
		t.Fatalf("startxref points at %q", b[x:x+10])
	}
}
