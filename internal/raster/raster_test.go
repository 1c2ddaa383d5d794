package raster

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"golang.org/x/image/tiff"
)

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		head string
		want Kind
	}{
		{"%PDF-1.7\n", PDF},
		{"PJL junk\n%PDF-1.4\n", PDF},
		{"\xFF\xD8\xFF\xE0", JPEG},
		{"\x89PNG\r\n\x1a\n", PNG},
		{"II*\x00\x08\x00\x00\x00", TIFF},
		{"MM\x00*\x00\x00\x00\x08", TIFF},
		{"II+\x00\x08\x00\x00\x00", BigTIFF},
		{"GIF89a", GIF},
		{"BM0123456789abcdef", BMP},
		{"RIFF\x00\x00\x00\x00WEBPVP8 ", WebP},
		{"\x00\x00\x00\x18ftypheic", HEIC},
		{"\xFF\x4F\xFF\x51", JPEG2000},
		{"AT&TFORM", DjVu},
		{"hello", ""},
	} {
		if got := Sniff([]byte(c.head)); got != c.want {
			t.Errorf("Sniff(%q) = %q, want %q", c.head, got, c.want)
		}
	}
	if got := BigTIFF.Unsupported(); got != "BigTIFF" {
		t.Errorf("BigTIFF.Unsupported() = %q", got)
	}
	for _, k := range []Kind{PDF, JPEG, PNG, TIFF, ""} {
		if k.Unsupported() != "" {
			t.Errorf("%q is unsupported", k)
		}
	}
}

func gray(w, h int) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = byte(i * 7)
	}
	return m
}

// withSegment puts a segment (marker m, payload p) after a JPEG's SOI.
func withSegment(data []byte, m byte, p []byte) []byte {
	seg := []byte{0xFF, m, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(p)+2))
	out := append([]byte{0xFF, 0xD8}, append(seg, p...)...)
	return append(out, data[2:]...)
}

// exifOrientation is an EXIF APP1 payload holding only an orientation.
func exifOrientation(o uint16) []byte {
	b := []byte("Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01")
	b = binary.BigEndian.AppendUint16(b, 274)
	b = binary.BigEndian.AppendUint16(b, 3)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint16(b, o)
	return append(b, 0, 0, 0, 0, 0, 0)
}

func TestReadJPEG(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, gray(40, 30), nil); err != nil {
		t.Fatal(err)
	}
	jfif := []byte("JFIF\x00\x01\x02\x01\x01\x2C\x01\x2C\x00\x00") // 300 dpi
	data := withSegment(withSegment(buf.Bytes(), 0xE1, exifOrientation(6)), 0xE0, jfif)
	s, fr, err := ReadJPEG(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Frame{W: 40, H: 30, DPIX: 300, DPIY: 300, Orient: 6}); fr != want {
		t.Errorf("frame %+v, want %+v", fr, want)
	}
	if s.Width != 40 || s.Height != 30 || s.Model != color.GrayModel || s.Invert || s.RGB {
		t.Errorf("stream %dx%d %v invert %v rgb %v", s.Width, s.Height, s.Model, s.Invert, s.RGB)
	}
	if bytes.Contains(s.Data, []byte("Exif")) || !bytes.Contains(s.Data, []byte("JFIF")) {
		t.Error("EXIF kept or JFIF dropped")
	}
	if _, err := jpeg.Decode(bytes.NewReader(s.Data)); err != nil {
		t.Errorf("cleaned JPEG: %v", err)
	}
	if _, _, err := ReadJPEG(data[:20]); err == nil {
		t.Error("a truncated header was read")
	}
}

func TestPNGDensity(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, gray(4, 4)); err != nil {
		t.Fatal(err)
	}
	if x, y := PNGDensity(buf.Bytes()); x != 0 || y != 0 {
		t.Errorf("no pHYs: %v, %v", x, y)
	}
	// pHYs after IHDR (8 + 25 bytes): 11811 dots per metre is 300 dpi.
	phys := []byte{0, 0, 0, 9, 'p', 'H', 'Y', 's', 0, 0, 0x2E, 0x23, 0, 0, 0x2E, 0x23, 1, 0, 0, 0, 0}
	data := append(append(append([]byte(nil), buf.Bytes()[:33]...), phys...), buf.Bytes()[33:]...)
	if x, y := PNGDensity(data); int(x+0.5) != 300 || int(y+0.5) != 300 {
		t.Errorf("pHYs 300 dpi read as %v, %v", x, y)
	}
}

func TestFlatten(t *testing.T) {
	bw := image.NewGray(image.Rect(0, 0, 10, 2))
	for i := range bw.Pix {
		if i%3 == 0 {
			bw.Pix[i] = 255
		}
	}
	px := Flatten(bw)
	if !px.Gray || px.Bits != 1 || len(px.Data) != 4 || px.Data[0] != 0b10010010 {
		t.Errorf("black and white: %+v", px)
	}
	if px := Flatten(gray(3, 3)); !px.Gray || px.Bits != 8 || len(px.Data) != 9 || px.Data[1] != 7 {
		t.Errorf("gray: %+v", px)
	}
	rgba := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	rgba.Pix = []byte{0, 0, 0, 0} // transparent black is white
	if px := Flatten(rgba); px.Gray || px.Bits != 8 || !bytes.Equal(px.Data, []byte{255, 255, 255}) {
		t.Errorf("transparent: %+v", px)
	}
}

func encodeTIFF(t testing.TB, m image.Image, c tiff.CompressionType) []byte {
	var buf bytes.Buffer
	if err := tiff.Encode(&buf, m, &tiff.Options{Compression: c}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadTIFF(t *testing.T) {
	m := gray(50, 20)
	data := encodeTIFF(t, m, tiff.Deflate)
	tf, err := ReadTIFF(bytes.NewReader(data), int64(len(data)), 10)
	if err != nil {
		t.Fatal(err)
	}
	if fr := tf.Frames(); len(fr) != 1 || fr[0].W != 50 || fr[0].H != 20 {
		t.Fatalf("frames %+v", fr)
	}
	img, err := tf.Decode(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if img.JPEG != nil || img.Converted != nil {
		t.Errorf("decoded %+v", img)
	}
	if g, ok := img.Pixels.(*image.Gray); !ok || !bytes.Equal(g.Pix, m.Pix) {
		t.Error("pixels differ")
	}
	if _, err := ReadTIFF(bytes.NewReader(data), int64(len(data)), 0); !errors.Is(err, ErrTooManyPages) {
		t.Errorf("max 0 pages: %v", err)
	}
	if _, err := ReadTIFF(bytes.NewReader(data[:6]), 6, 10); err == nil {
		t.Error("a truncated header was read")
	}
}

func TestUnpackBits(t *testing.T) {
	out := make([]byte, 6)
	// 2 literal bytes, then 4 repeats of 0xAA.
	if err := unpackBits([]byte{1, 'a', 'b', 0xFD, 0xAA}, out); err != nil || string(out) != "ab\xAA\xAA\xAA\xAA" {
		t.Errorf("%q, %v", out, err)
	}
	if err := unpackBits([]byte{5, 'a'}, out); err == nil {
		t.Error("overrun not detected")
	}
}

func BenchmarkFlatten(b *testing.B) {
	m := image.NewNRGBA(image.Rect(0, 0, 1240, 1754)) // A4 at 150 dpi
	for i := range m.Pix {
		m.Pix[i] = byte(i)
	}
	b.SetBytes(int64(len(m.Pix)))
	for b.Loop() {
		Flatten(m)
	}
}

func BenchmarkDecodeTIFF(b *testing.B) {
	data := encodeTIFF(b, gray(1240, 1754), tiff.Deflate)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		tf, err := ReadTIFF(bytes.NewReader(data), int64(len(data)), 1)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tf.Decode(b.Context(), 0); err != nil {
			b.Fatal(err)
		}
	}
}
