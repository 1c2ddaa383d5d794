package scan_test

// Hostile files: every limit of Ingest answers with a *Rejection that says
// what to do, before the work (or the memory) the file asks for is spent.

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/tiff"

	"github.com/yuejuan/yuejuan/pkg/scan"
)

// rawPDF writes objects 1..n (object 1 the catalog) with a correct xref.
func rawPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func stream(dict string, data []byte) string {
	return fmt.Sprintf("<< /Length %d %s >>\nstream\n%s\nendstream", len(data), dict, data)
}

// pagesPDF is an n-page PDF, each page showing its number.
func pagesPDF(n int) []byte {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
	var kids []string
	for i := range n {
		page := len(objs) + 1
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", page+1),
			stream("", fmt.Appendf(nil, "BT /F1 24 Tf 72 700 Td (PAGE %d) Tj ET", i+1)))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n)
	return rawPDF(objs...)
}

func jpegBytes(w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, nil)
	return b.Bytes()
}

func pngBytes(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func tiffBytes(frames int, w, h int) []byte {
	// One frame per file from x/image/tiff, chained by hand: the IFD of
	// frame k points at the IFD of frame k+1.
	var out []byte
	var lastNext int // offset of the previous IFD's next-IFD field
	for f := range frames {
		img := image.NewGray(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = uint8(i + f)
		}
		var b bytes.Buffer
		_ = tiff.Encode(&b, img, nil)
		one := b.Bytes()
		if f == 0 {
			out = append(out, one...)
		} else {
			// Append the frame's IFD and data, rebased.
			base := uint32(len(out)) - 8
			ifd := binary.LittleEndian.Uint32(one[4:8])
			chunk := one[8:]
			// Rebase the offsets inside the IFD entries (StripOffsets and
			// other long offsets) by walking the entries.
			chunk = append([]byte(nil), chunk...)
			rel := ifd - 8
			n := binary.LittleEndian.Uint16(chunk[rel:])
			for e := range int(n) {
				p := rel + 2 + uint32(e)*12
				tag := binary.LittleEndian.Uint16(chunk[p:])
				typ := binary.LittleEndian.Uint16(chunk[p+2:])
				cnt := binary.LittleEndian.Uint32(chunk[p+4:])
				size := map[uint16]uint32{3: 2, 4: 4, 5: 8}[typ] * cnt
				if size > 4 || tag == 273 { // an offset to data
					v := binary.LittleEndian.Uint32(chunk[p+8:])
					binary.LittleEndian.PutUint32(chunk[p+8:], v+base)
				}
			}
			binary.LittleEndian.PutUint32(out[lastNext:], ifd+base)
			out = append(out, chunk...)
			ifd += base
		}
		ifdOff := binary.LittleEndian.Uint32(out[4:8])
		if f > 0 {
			ifdOff = binary.LittleEndian.Uint32(out[lastNext:])
		}
		n := binary.LittleEndian.Uint16(out[ifdOff:])
		lastNext = int(ifdOff) + 2 + int(n)*12
	}
	return out
}

// jpegClaiming is a JPEG whose header claims w×h pixels but carries almost
// no data: a "pixel bomb" that must be refused from the header alone.
func jpegClaiming(w, h int) []byte {
	data := jpegBytes(16, 16)
	i := bytes.Index(data, []byte{0xFF, 0xC0})
	binary.BigEndian.PutUint16(data[i+5:], uint16(h))
	binary.BigEndian.PutUint16(data[i+7:], uint16(w))
	return data
}

func pngClaiming(w, h int) []byte {
	data := pngBytes(4, 4)
	binary.BigEndian.PutUint32(data[16:], uint32(w))
	binary.BigEndian.PutUint32(data[20:], uint32(h))
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29])) // a valid header
	return data
}

func ingestBytes(t *testing.T, name string, data []byte, lim scan.Limits) (scan.Info, error) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, name)
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return scan.Ingest(ctx, src, filepath.Join(dir, "out.pdf"), lim)
}

func wantRejection(t *testing.T, err error, code string, words ...string) {
	t.Helper()
	var rej *scan.Rejection
	if !errors.As(err, &rej) {
		t.Fatalf("got %v, want a *scan.Rejection with code %s", err, code)
	}
	if rej.Code != code {
		t.Fatalf("rejection code %s (%s), want %s", rej.Code, rej.Reason, code)
	}
	for _, w := range words {
		if !strings.Contains(rej.Reason, w) {
			t.Errorf("the reason %q should mention %q", rej.Reason, w)
		}
	}
	// Chinese first, English in parentheses: fit to show the clerk as is.
	if !strings.ContainsFunc(rej.Reason, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) || !strings.Contains(rej.Reason, "(") {
		t.Errorf("the reason %q should be in Chinese with English in parentheses", rej.Reason)
	}
}

func TestLimitBytes(t *testing.T) {
	_, err := ingestBytes(t, "big.pdf", pagesPDF(3), scan.Limits{MaxBytes: 500})
	wantRejection(t, err, scan.CodeTooLarge, "拆分", "split")
}

func TestLimitPagesPDF(t *testing.T) {
	if info, err := ingestBytes(t, "ok.pdf", pagesPDF(3), scan.Limits{MaxPages: 3}); err != nil || info.Pages != 3 {
		t.Fatalf("3 pages within a limit of 3: %+v %v", info, err)
	}
	_, err := ingestBytes(t, "many.pdf", pagesPDF(4), scan.Limits{MaxPages: 3})
	wantRejection(t, err, scan.CodeTooManyPages, "3", "split")
}

func TestLimitPagesTIFF(t *testing.T) {
	data := tiffBytes(4, 40, 30)
	if info, err := ingestBytes(t, "ok.tif", data, scan.Limits{MaxPages: 4}); err != nil || info.Pages != 4 {
		t.Fatalf("4 frames within a limit of 4: %+v %v", info, err)
	}
	_, err := ingestBytes(t, "many.tif", data, scan.Limits{MaxPages: 3})
	wantRejection(t, err, scan.CodeTooManyPages, "3")
}

func TestLimitPixels(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"real.jpg", jpegBytes(400, 300)},
		{"real.png", pngBytes(400, 300)},
		{"real.tif", tiffBytes(1, 400, 300)},
	} {
		_, err := ingestBytes(t, tc.name, tc.data, scan.Limits{MaxPixels: 100_000})
		wantRejection(t, err, scan.CodeTooManyPixels, "400×300", "rescan")
	}
	// Headers that claim 60000×60000 pixels (3.6 gigapixels) with no data
	// behind them are refused from the header, before any decoding: the
	// default limit (100 megapixels) applies.
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"bomb.jpg", jpegClaiming(60000, 60000)},
		{"bomb.png", pngClaiming(60000, 60000)},
	} {
		_, err := ingestBytes(t, tc.name, tc.data, scan.Limits{})
		wantRejection(t, err, scan.CodeTooManyPixels, "60000×60000")
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 256<<20 {
		t.Errorf("refusing pixel bombs allocated %d MB: they must be refused from the header", d>>20)
	}
}

// A page whose content stream inflates from 250 KB to 256 MB (a "zip
// bomb") is refused without inflating it all: pdfcpu's own cap is 512 MB
// per stream, which a 1 MB file reaches, taking gigabytes of memory.
func TestLimitDecompressionBomb(t *testing.T) {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	zero := make([]byte, 1<<20)
	for range 256 {
		zw.Write(zero)
	}
	zw.Close()
	data := rawPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		stream("/Filter /FlateDecode", z.Bytes()))
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ingestBytes(t, "bomb.pdf", data, scan.Limits{})
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	wantRejection(t, err, scan.CodeTooLarge, "MB", "rescan")
	t.Logf("refusing the bomb allocated %d MB", (after.TotalAlloc-before.TotalAlloc)>>20)
	if d := after.TotalAlloc - before.TotalAlloc; d > 320<<20 {
		t.Errorf("refusing a file that inflates to 256 MB allocated %d MB", d>>20)
	}
}

// Nesting: a page tree nested deeper than any real file is refused as
// damaged; deeply nested arrays and dictionaries (a million levels) neither
// crash the process (Go cannot recover from a stack overflow) nor hang it.
func TestLimitNesting(t *testing.T) {
	// Page tree: Pages → Pages → … 200 levels → Page.
	const depth = 200
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>"}
	for i := range depth {
		self, kid := i+2, i+3
		parent := ""
		if i > 0 {
			parent = fmt.Sprintf("/Parent %d 0 R ", self-1)
		}
		objs = append(objs, fmt.Sprintf("<< /Type /Pages %s/Kids [%d 0 R] /Count 1 >>", parent, kid))
	}
	objs = append(objs, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] >>", depth+1))
	_, err := ingestBytes(t, "deep-tree.pdf", rawPDF(objs...), scan.Limits{})
	wantRejection(t, err, scan.CodeCorruptPDF)

	for _, obj := range []string{
		strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000),
		strings.Repeat("<< /A ", 200_000) + strings.Repeat(">>", 200_000),
	} {
		data := rawPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /X 4 0 R >> >>", obj)
		info, err := ingestBytes(t, "deep-array.pdf", data, scan.Limits{})
		var rej *scan.Rejection
		if err != nil && !errors.As(err, &rej) {
			t.Fatalf("deeply nested object: %v, want a result or a rejection", err)
		}
		if err == nil && info.Pages != 1 {
			t.Fatalf("deeply nested object: %+v", info)
		}
	}

	// A chain of 100,000 indirect references, each object pointing at the next.
	objs = []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /X 4 0 R >> >>"}
	for i := 4; i < 100_004; i++ {
		objs = append(objs, fmt.Sprintf("[%d 0 R]", i+1))
	}
	objs = append(objs, "null")
	_, err = ingestBytes(t, "ref-chain.pdf", rawPDF(objs...), scan.Limits{})
	var rej *scan.Rejection
	if err != nil && !errors.As(err, &rej) {
		t.Fatalf("reference chain: %v, want a result or a rejection", err)
	}
}
