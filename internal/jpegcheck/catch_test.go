package jpegcheck

// What each check catches (issue 19): damaged JPEGs, PNGs and TIFFs made
// from clean ones by truncation at several points, flipped bytes in the
// headers and in the entropy-coded (or compressed) data, a lost or zeroed
// run of bytes, a missing end marker, and garbage after the end, each run
// through the full decode and through cheaper checks. The table is logged
// (go test -run TestWhatEachCheckCatches -v ./internal/jpegcheck); the test
// fails if Check disagrees with image/jpeg's Decode on any JPEG, which is
// what lets ingest use Check instead of a full decode.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/yuejuan/yuejuan/internal/raster"
)

// page is a small scanned-looking page: paper noise, lines of marks and,
// in colour, a tinted band.
func page(w, h int, colour bool, seed int64) image.Image {
	r := rand.New(rand.NewSource(seed))
	var m draw
	if colour {
		m = image.NewRGBA(image.Rect(0, 0, w, h))
	} else {
		m = image.NewGray(image.Rect(0, 0, w, h))
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(245 + r.Intn(8))
			if y%24 < 10 && x > w/10 && x < w*9/10 && r.Intn(3) > 0 {
				v = uint8(30 + r.Intn(40))
			}
			if colour && y > h/3 && y < h/2 {
				m.Set(x, y, color.RGBA{v, v / 2, v / 3, 255})
			} else {
				m.Set(x, y, color.Gray{v})
			}
		}
	}
	return m
}

type draw interface {
	image.Image
	Set(x, y int, c color.Color)
}

// damage is one way of damaging a file.
type damage struct {
	kind string // the table's row
	data []byte
}

func flip(data []byte, i int) []byte {
	d := bytes.Clone(data)
	d[i] ^= 0xFF
	return d
}

// damages are the damaged versions of a clean file whose headers are
// data[:body] and whose coded data is data[body:end] (end: where the
// trailer, if any, starts).
func damages(data []byte, body, end int, seed int64) []damage {
	r := rand.New(rand.NewSource(seed))
	var out []damage
	for _, f := range []float64{0.1, 0.25, 0.5, 0.75, 0.9, 0.99} {
		out = append(out, damage{"truncated in the coded data", data[:body+int(f*float64(end-body))]})
	}
	for _, cut := range []int{len(data) - 1, len(data) - 2, end} {
		if cut > body && cut < len(data) {
			out = append(out, damage{"end marker missing (truncated at the end)", data[:cut]})
		}
	}
	for _, f := range []float64{0.3, 0.6, 0.9} {
		out = append(out, damage{"truncated in the headers", data[:int(f*float64(body))]})
	}
	for range 40 {
		out = append(out, damage{"one byte flipped in the coded data", flip(data, body+r.Intn(end-body))})
	}
	for i := 2; i < body; i++ {
		out = append(out, damage{"one byte flipped in the headers", flip(data, i)})
	}
	for i := end; i < len(data); i++ {
		out = append(out, damage{"one byte flipped in the trailer (JPEG EOI, PNG IEND, TIFF IFD)", flip(data, i)})
	}
	for _, f := range []float64{0.2, 0.5, 0.8} {
		at := body + int(f*float64(end-body))
		z := bytes.Clone(data)
		clear(z[at:min(at+4096, end)])
		out = append(out, damage{"4 KB zeroed in the coded data", z})
		lost := append(bytes.Clone(data[:at]), data[min(at+512, end):]...)
		out = append(out, damage{"512 bytes lost in the coded data", lost})
	}
	out = append(out, damage{"garbage after the end (harmless)", append(bytes.Clone(data), []byte("\x00\x01garbage\xff\xff")...)})
	return out
}

// jpegBody is where a JPEG's entropy-coded data starts: after its (first)
// SOS segment.
func jpegBody(data []byte) int {
	for i := 2; i+4 <= len(data); {
		m := data[i+1]
		l := int(binary.BigEndian.Uint16(data[i+2:]))
		i += 2 + l
		if m == 0xDA {
			return i
		}
	}
	panic("no SOS")
}

// markerWalk is a structural JPEG check: the header segments, then the
// entropy-coded data walked for markers (stuffed 0xFF00 and RST0-7 only)
// up to an EOI that ends the file.
func markerWalk(data []byte) error {
	if _, _, err := raster.ReadJPEG(data); err != nil {
		return err
	}
	i := jpegBody(data)
	for i+1 < len(data) {
		if data[i] != 0xFF {
			i++
			continue
		}
		switch m := data[i+1]; {
		case m == 0x00 || m == 0xFF || (m >= 0xD0 && m <= 0xD7):
			i += 2
		case m == 0xD9:
			return nil
		case m == 0xC4 || m == 0xDA || m == 0xDD || m == 0xDB || (m >= 0xE0 && m <= 0xEF) || m == 0xFE:
			if i+4 > len(data) {
				return fmt.Errorf("truncated segment")
			}
			i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
		default:
			return fmt.Errorf("marker %#x in the scan", m)
		}
	}
	return fmt.Errorf("no EOI")
}

// pngWalk is a structural PNG check: every chunk's length and CRC, IHDR
// first, IDAT present, IEND last.
func pngWalk(data []byte) error {
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return fmt.Errorf("not a PNG")
	}
	i, n, idat := 8, 0, false
	for {
		if i+12 > len(data) {
			return fmt.Errorf("truncated chunk")
		}
		l := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if l < 0 || i+12+l > len(data) {
			return fmt.Errorf("truncated chunk %q", typ)
		}
		if crc32.ChecksumIEEE(data[i+4:i+8+l]) != binary.BigEndian.Uint32(data[i+8+l:]) {
			return fmt.Errorf("bad CRC in %q", typ)
		}
		if n == 0 && typ != "IHDR" {
			return fmt.Errorf("IHDR not first")
		}
		idat = idat || typ == "IDAT"
		if typ == "IEND" {
			if !idat {
				return fmt.Errorf("no IDAT")
			}
			return nil
		}
		i += 12 + l
		n++
	}
}

// pngBody is where a PNG's first IDAT chunk's data starts, and end where
// its IEND chunk starts.
func pngBody(data []byte) (body, end int) {
	for i := 8; i+12 <= len(data); {
		l := int(binary.BigEndian.Uint32(data[i:]))
		switch string(data[i+4 : i+8]) {
		case "IDAT":
			if body == 0 {
				body = i + 8
			}
		case "IEND":
			return body, i
		}
		i += 12 + l
	}
	panic("no IEND")
}

// tiffDecodeAll is the full decode of every page, as ingest does it.
func tiffDecodeAll(data []byte) error {
	t, err := raster.ReadTIFF(bytes.NewReader(data), int64(len(data)), 100)
	if err != nil {
		return err
	}
	for i := range t.Frames() {
		if _, err := t.Decode(context.Background(), i); err != nil {
			return err
		}
	}
	return nil
}

// tiffBody is where a TIFF written by x/image/tiff has its image data
// (after the 8-byte header; the IFD follows the data).
func tiffBody(data []byte) (body, end int) {
	return 8, int(binary.LittleEndian.Uint32(data[4:]))
}

type check struct {
	name string
	fn   func([]byte) error
}

type tally struct {
	cases  map[string]int
	caught map[string]map[string]int // row → check → caught
}

func (t *tally) add(row string, checks []check, data []byte) map[string]error {
	if t.cases == nil {
		t.cases, t.caught = map[string]int{}, map[string]map[string]int{}
	}
	t.cases[row]++
	if t.caught[row] == nil {
		t.caught[row] = map[string]int{}
	}
	errs := map[string]error{}
	for _, c := range checks {
		err := safe(c.fn, data)
		errs[c.name] = err
		if err != nil {
			t.caught[row][c.name]++
		}
	}
	return errs
}

func safe(fn func([]byte) error, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return fn(data)
}

func (t *tally) table(title string, checks []check) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s\n| damage | files |", title)
	for _, c := range checks {
		fmt.Fprintf(&b, " %s |", c.name)
	}
	b.WriteString("\n|---|---:|" + strings.Repeat("---:|", len(checks)) + "\n")
	rows := make([]string, 0, len(t.cases))
	for r := range t.cases {
		rows = append(rows, r)
	}
	sort.Strings(rows)
	total := map[string]int{}
	n := 0
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d |", r, t.cases[r])
		for _, c := range checks {
			fmt.Fprintf(&b, " %d |", t.caught[r][c.name])
			if !strings.Contains(r, "harmless") {
				total[c.name] += t.caught[r][c.name]
			}
		}
		if !strings.Contains(r, "harmless") {
			n += t.cases[r]
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "| **all damaged** | %d |", n)
	for _, c := range checks {
		fmt.Fprintf(&b, " **%d** |", total[c.name])
	}
	return b.String() + "\n"
}

func TestWhatEachCheckCatches(t *testing.T) {
	// JPEG: baseline gray and 4:2:0 colour, as Go and most scanners write.
	jpegChecks := []check{
		{"full decode (image/jpeg)", func(d []byte) error { _, err := jpeg.Decode(bytes.NewReader(d)); return err }},
		{"jpegcheck.Check", func(d []byte) error { return Check(bytes.NewReader(d)) }},
		{"DecodeConfig", func(d []byte) error { _, err := jpeg.DecodeConfig(bytes.NewReader(d)); return err }},
		{"marker walk + EOI", markerWalk},
	}
	var jt tally
	for i, m := range []image.Image{page(400, 560, false, 1), page(400, 560, true, 2), page(333, 211, false, 3)} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 70 + 10*i}); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		for _, d := range damages(data, jpegBody(data), len(data)-2, int64(i)) {
			errs := jt.add(d.kind, jpegChecks, d.data)
			full, chk := errs["full decode (image/jpeg)"], errs["jpegcheck.Check"]
			if (full == nil) != (chk == nil) || full != nil && full.Error() != chk.Error() {
				t.Errorf("JPEG %d, %s: image/jpeg says %v, Check says %v", i, d.kind, full, chk)
			}
		}
	}
	t.Log(jt.table("JPEG (3 files)", jpegChecks))

	// PNG: gray and colour.
	pngChecks := []check{
		{"full decode (image/png)", func(d []byte) error { _, err := png.Decode(bytes.NewReader(d)); return err }},
		{"DecodeConfig", func(d []byte) error { _, err := png.DecodeConfig(bytes.NewReader(d)); return err }},
		{"chunk walk + CRCs + IEND", pngWalk},
	}
	var pt tally
	for i, m := range []image.Image{page(300, 420, false, 4), page(300, 420, true, 5)} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, m); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		body, end := pngBody(data)
		for _, d := range damages(data, body, end, int64(10+i)) {
			pt.add(d.kind, pngChecks, d.data)
		}
	}
	t.Log(pt.table("PNG (2 files)", pngChecks))

	// TIFF: uncompressed and deflate, as x/image/tiff writes them.
	tiffChecks := []check{
		{"full decode (raster.ReadTIFF + Decode)", tiffDecodeAll},
		{"DecodeConfig", func(d []byte) error { _, err := tiff.DecodeConfig(bytes.NewReader(d)); return err }},
		{"IFD walk (raster.ReadTIFF)", func(d []byte) error {
			_, err := raster.ReadTIFF(bytes.NewReader(d), int64(len(d)), 100)
			return err
		}},
	}
	var tt tally
	for i, c := range []tiff.CompressionType{tiff.Uncompressed, tiff.Deflate} {
		var buf bytes.Buffer
		if err := tiff.Encode(&buf, page(300, 420, false, int64(6+i)), &tiff.Options{Compression: c}); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		body, end := tiffBody(data)
		for _, d := range damages(data, body, end, int64(20+i)) {
			tt.add(d.kind, tiffChecks, d.data)
		}
	}
	t.Log(tt.table("TIFF (2 files; its header is 8 bytes, its IFD after the data: \"headers\" rows damage the first 8 bytes)", tiffChecks))
}

// Check agrees with image/jpeg's Decode on any input: an error where it
// has one, with the same text, and none where it has none.
func FuzzCheckMatchesDecode(f *testing.F) {
	for i, m := range []image.Image{page(64, 48, false, 1), page(40, 72, true, 2)} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 50 + 30*i}); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
		f.Add(buf.Bytes()[:buf.Len()/2])
		f.Add(flip(buf.Bytes(), buf.Len()/3))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width*cfg.Height > 1<<20 {
			return // the decode would allocate the pixels of a huge image
		}
		_, full := jpeg.Decode(bytes.NewReader(data))
		chk := Check(bytes.NewReader(data))
		if (full == nil) != (chk == nil) || full != nil && full.Error() != chk.Error() {
			t.Fatalf("image/jpeg says %v, Check says %v", full, chk)
		}
	})
}
