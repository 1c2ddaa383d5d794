package scan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
)

var fakeHome string

func TestMain(m *testing.M) {
	// pdfcpu must not touch the user's config dir: run with a fake HOME and
	// check it stays empty.
	var err error
	fakeHome, err = os.MkdirTemp("", "scan-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("HOME", fakeHome)
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(fakeHome, ".config"))
	cfg, err := os.MkdirTemp("", "scan-pdfcpu-")
	if err != nil {
		panic(err)
	}
	if err := cjkfont.Setup(cfg); err != nil {
		panic(err)
	}
	code := m.Run()
	if ents, _ := os.ReadDir(fakeHome); len(ents) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: something wrote to $HOME: %v\n", ents)
		code = 1
	}
	os.RemoveAll(fakeHome)
	os.RemoveAll(cfg)
	os.Exit(code)
}

func encodePNG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withExifOrientation inserts an EXIF APP1 segment with an orientation tag.
func withExifOrientation(data []byte, o int) []byte {
	tiffb := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, 0, 0, 0, 0, 0}
	payload := append([]byte("Exif\x00\x00"), tiffb...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}

func pngChunk(typ string, data []byte) []byte {
	b := make([]byte, 8, 12+len(data))
	binary.BigEndian.PutUint32(b, uint32(len(data)))
	copy(b[4:], typ)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// withPHYs inserts a pHYs chunk (dpi) after IHDR.
func withPHYs(data []byte, dpi float64) []byte {
	ppm := uint32(dpi/0.0254 + 0.5)
	d := make([]byte, 9)
	binary.BigEndian.PutUint32(d, ppm)
	binary.BigEndian.PutUint32(d[4:], ppm)
	d[8] = 1
	at := 8 + 25
	return append(append(append([]byte{}, data[:at]...), pngChunk("pHYs", d)...), data[at:]...)
}

// pngWithSize rewrites the IHDR dimensions (a decompression bomb header).
func pngWithSize(data []byte, w, h uint32) []byte {
	out := append([]byte{}, data...)
	binary.BigEndian.PutUint32(out[16:], w)
	binary.BigEndian.PutUint32(out[20:], h)
	binary.BigEndian.PutUint32(out[29:], crc32.ChecksumIEEE(out[12:29]))
	return out
}

// tiffFrame is a page of a generated TIFF.
type tiffFrame struct {
	w, h int
	dpi  int
	pix  []byte // 8-bit gray, w*h; nil: no data (only a header)
}

// makeTIFF writes a multi-page uncompressed gray TIFF (little endian).
func makeTIFF(frames ...tiffFrame) []byte {
	le := binary.LittleEndian
	b := []byte{'I', 'I', 42, 0, 0, 0, 0, 0}
	prevNext := 4
	for _, f := range frames {
		dataOff := len(b)
		b = append(b, f.pix...)
		if len(b)%2 == 1 {
			b = append(b, 0)
		}
		resOff := len(b)
		b = le.AppendUint32(b, uint32(f.dpi))
		b = le.AppendUint32(b, 1)
		ifdOff := len(b)
		le.PutUint32(b[prevNext:], uint32(ifdOff))
		type ent struct {
			tag, typ uint16
			val      uint32
		}
		n := f.w * f.h
		ents := []ent{
			{256, 4, uint32(f.w)}, {257, 4, uint32(f.h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
			{273, 4, uint32(dataOff)}, {277, 3, 1}, {278, 4, uint32(f.h)}, {279, 4, uint32(n)},
			{282, 5, uint32(resOff)}, {283, 5, uint32(resOff)}, {296, 3, 2},
		}
		b = le.AppendUint16(b, uint16(len(ents)))
		for _, e := range ents {
			b = le.AppendUint16(b, e.tag)
			b = le.AppendUint16(b, e.typ)
			b = le.AppendUint32(b, 1)
			if e.typ == 3 {
				b = le.AppendUint16(b, uint16(e.val))
				b = le.AppendUint16(b, 0)
			} else {
				b = le.AppendUint32(b, e.val)
			}
		}
		prevNext = len(b)
		b = le.AppendUint32(b, 0)
	}
	return b
}

func grayPix(w, h int, seed byte) []byte {
	p := make([]byte, w*h)
	for i := range p {
		if (i/w+int(seed))%9 < 3 {
			p[i] = 0
		} else {
			p[i] = 255 - byte(i%7)*seed
		}
	}
	return p
}

func itoa(n int) string { return strings.TrimSpace(types.Integer(n).String()) }
