package testpdf

import (
	"bytes"
	"regexp"
	"strconv"
	"testing"
)

// TestDocOffsets: every in-use entry of every xref table points at its
// object, with or without a prefix and across updates.
func TestDocOffsets(t *testing.T) {
	for _, d := range []Doc{
		{Objects: Pages("", "A", "B"), Trailer: "/Root 1 0 R"},
		{Prefix: "junk\r\n", OffsetsFromHeader: true, Objects: Pages("", "A"), Trailer: "/Root 1 0 R",
			Updates: []Update{{Objects: map[int]string{5: Stream("", TextPage("A2"))}, Free: []int{3}, Trailer: "/Root 1 0 R"}}},
	} {
		b := d.Bytes()
		base := 0
		if d.OffsetsFromHeader {
			base = len(d.Prefix)
		}
		sub := regexp.MustCompile(`(?m)^(\d+) (\d+)\n((?:\d{10} \d{5} [nf] \n)+)`)
		ent := regexp.MustCompile(`(\d{10}) \d{5} ([nf])`)
		n := 0
		for _, m := range sub.FindAllSubmatch(b, -1) {
			first, _ := strconv.Atoi(string(m[1]))
			for i, e := range ent.FindAllSubmatch(m[3], -1) {
				if string(e[2]) != "n" {
					continue
				}
				o, _ := strconv.Atoi(string(e[1]))
				want := strconv.Itoa(first+i) + " 0 obj\n"
				if !bytes.HasPrefix(b[base+o:], []byte(want)) {
					t.Errorf("entry for %q points at %q", want, b[base+o:base+o+10])
				}
				n++
			}
		}
		if n < len(d.Objects) {
			t.Errorf("%d entries checked, want at least %d", n, len(d.Objects))
		}
	}
}
