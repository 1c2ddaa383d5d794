package testpdf

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
)

// Doc is a PDF written object by object as raw text, for fixtures that
// exercise what readers tolerate (bytes before the header, incremental
// updates, unusual headers and dictionaries). Bytes gives a file whose xref
// offsets are right unless a field says otherwise.
type Doc struct {
	// Prefix is written before the header (junk a mail gateway or a
	// scanner's export adds). Offsets count from the first byte of the file,
	// as readers expect, unless OffsetsFromHeader is set.
	Prefix string
	// OffsetsFromHeader counts xref offsets from the %PDF header instead
	// of the start of the file, as some writers do that prepend a prefix.
	OffsetsFromHeader bool
	// Header is the first line, "%PDF-1.4" if empty.
	Header string
	// Objects holds object n at index n-1; an empty string leaves the number
	// free. A body is written between "n 0 obj" and "endobj" as it is.
	Objects []string
	// Trailer holds the trailer entries besides /Size (and /Prev), e.g.
	// "/Root 1 0 R".
	Trailer string
	// XRefStream writes the cross-reference section as a cross-reference
	// stream (PDF 1.5) instead of a table.
	XRefStream bool
	// Updates are appended in order, each with its own xref section.
	Updates []Update
}

// Update is an incremental update: objects replaced or added, and objects
// deleted (a free xref entry).
type Update struct {
	Objects map[int]string // object number -> body
	Free    []int          // object numbers deleted by this update
	Trailer string         // trailer entries besides /Size and /Prev
	// XRefStream writes the update's cross-reference section as a
	// cross-reference stream (PDF 1.5) instead of a table.
	XRefStream bool
}

// Stream is the body of a stream object: the dictionary entries dict (without
// /Length) and data.
func Stream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// Flate compresses data with zlib, for a /FlateDecode stream.
func Flate(data string) string {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write([]byte(data))
	w.Close()
	return b.String()
}

// TextPage is the content stream of a page showing marker in /F1 (24 pt).
func TextPage(marker string) string {
	return fmt.Sprintf("BT /F1 24 Tf 72 700 Td (%s) Tj ET", marker)
}

// Pages returns the objects of a document whose pages show markers in
// Helvetica: 1 the catalog (with extra catalog entries appended), 2 the page
// tree, 3 the font, then for page i (0-based) object 4+2i the page and 5+2i
// its content stream. Use with Trailer "/Root 1 0 R".
func Pages(catalog string, markers ...string) []string {
	kids := make([]string, len(markers))
	for i := range markers {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	objs := []string{
		strings.TrimSpace("<< /Type /Catalog /Pages 2 0 R " + catalog + " >>"),
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(markers)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	for i, m := range markers {
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i),
			Stream("", TextPage(m)))
	}
	return objs
}

// Bytes writes the document.
func (d Doc) Bytes() []byte {
	var b bytes.Buffer
	b.WriteString(d.Prefix)
	base := 0
	if d.OffsetsFromHeader {
		base = len(d.Prefix)
	}
	h := d.Header
	if h == "" {
		h = "%PDF-1.4"
	}
	b.WriteString(h + "\n%\xe2\xe3\xcf\xd3\n")
	offs := map[int]int{}
	for i, o := range d.Objects {
		if o == "" {
			continue
		}
		offs[i+1] = b.Len() - base
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	size := len(d.Objects) + 1
	prev := b.Len() - base
	if d.XRefStream {
		size++
		offs[size-1] = prev
		var free []int
		for n := 0; n < size; n++ {
			if _, ok := offs[n]; !ok {
				free = append(free, n)
			}
		}
		writeXRefStream(&b, size-1, size, -1, offs, free, d.Trailer)
	} else {
		b.WriteString("xref\n")
		writeSubsections(&b, offs, nil, size, true)
		fmt.Fprintf(&b, "trailer\n<< /Size %d %s >>\n", size, d.Trailer)
	}
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", prev)
	for _, u := range d.Updates {
		offs := map[int]int{}
		nums := make([]int, 0, len(u.Objects))
		for n := range u.Objects {
			nums = append(nums, n)
		}
		sort.Ints(nums)
		for _, n := range nums {
			offs[n] = b.Len() - base
			fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, u.Objects[n])
			if n+1 > size {
				size = n + 1
			}
		}
		xref := b.Len() - base
		if u.XRefStream {
			// The stream is an object of its own, after all the others.
			sn := size
			size++
			offs[sn] = xref
			writeXRefStream(&b, sn, size, prev, offs, u.Free, u.Trailer)
		} else {
			b.WriteString("xref\n")
			writeSubsections(&b, offs, u.Free, 0, false)
			fmt.Fprintf(&b, "trailer\n<< /Size %d /Prev %d %s >>\n", size, prev, u.Trailer)
		}
		fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", xref)
		prev = xref
	}
	return b.Bytes()
}

// writeXRefStream writes object sn, a cross-reference stream for offs and
// free (prev < 0: no /Prev).
func writeXRefStream(b *bytes.Buffer, sn, size, prev int, offs map[int]int, free []int, trailer string) {
	var rows bytes.Buffer
	var index []string
	for _, run := range runs(offs, free) {
		index = append(index, fmt.Sprintf("%d %d", run[0], run[1]-run[0]))
		for n := run[0]; n < run[1]; n++ {
			if o, ok := offs[n]; ok {
				rows.WriteByte(1)
				rows.Write(binary.BigEndian.AppendUint32(nil, uint32(o)))
				rows.WriteByte(0)
			} else if n == 0 {
				rows.Write([]byte{0, 0, 0, 0, 0, 0xff})
			} else {
				rows.Write([]byte{0, 0, 0, 0, 0, 1})
			}
		}
	}
	p := ""
	if prev >= 0 {
		p = fmt.Sprintf("/Prev %d ", prev)
	}
	fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", sn,
		Stream(fmt.Sprintf("/Type /XRef /Size %d %s/W [1 4 1] /Index [%s] %s", size, p, strings.Join(index, " "), trailer), rows.String()))
}

// runs groups the object numbers of offs and free into consecutive runs
// [first, end).
func runs(offs map[int]int, free []int) [][2]int {
	var nums []int
	for n := range offs {
		nums = append(nums, n)
	}
	nums = append(nums, free...)
	sort.Ints(nums)
	var out [][2]int
	for _, n := range nums {
		if l := len(out); l > 0 && out[l-1][1] == n {
			out[l-1][1]++
			continue
		}
		out = append(out, [2]int{n, n + 1})
	}
	return out
}

// writeSubsections writes xref subsections for offs and free; full writes
// one section 0..size-1 with object 0 and free entries for the gaps.
func writeSubsections(b *bytes.Buffer, offs map[int]int, free []int, size int, full bool) {
	isFree := map[int]bool{}
	for _, n := range free {
		isFree[n] = true
	}
	entry := func(n int) {
		if o, ok := offs[n]; ok {
			fmt.Fprintf(b, "%010d 00000 n \n", o)
			return
		}
		if n == 0 {
			b.WriteString("0000000000 65535 f \n")
			return
		}
		b.WriteString("0000000000 00001 f \n")
	}
	if full {
		fmt.Fprintf(b, "0 %d\n", size)
		for n := 0; n < size; n++ {
			entry(n)
		}
		return
	}
	for _, run := range runs(offs, free) {
		fmt.Fprintf(b, "%d %d\n", run[0], run[1]-run[0])
		for n := run[0]; n < run[1]; n++ {
			entry(n)
		}
	}
}
