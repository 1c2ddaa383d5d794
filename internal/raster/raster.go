// Package raster reads the raster images a clerk uploads (JPEG, PNG and
// TIFF, JPEG-compressed TIFF and TIFF with extra samples included): it names
// a file's format from its first bytes, reads an image's resolution and
// orientation, keeps a JPEG stream as it is (without its metadata) and
// flattens other images onto white as 8-bit gray, 1-bit black and white or
// 8-bit RGB samples. It knows nothing of PDF: the scan package places what
// it reads on pages.
package raster

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"

	"golang.org/x/image/tiff"
)

// Frame is one image as stored: its size, resolution and orientation.
type Frame struct {
	W, H       int     // stored pixels
	DPIX, DPIY float64 // 0 if unknown
	Orient     int     // EXIF/TIFF orientation 1..8
}

// ---- TIFF structure (also used for EXIF) ----

type ifdEntry struct {
	typ   uint16
	count uint32
	val   [4]byte
}

type ifd struct {
	entries map[uint16]ifdEntry
	next    uint32
}

func readIFD(r io.ReaderAt, bo binary.ByteOrder, off int64) (*ifd, error) {
	var b [2]byte
	if _, err := r.ReadAt(b[:], off); err != nil {
		return nil, err
	}
	n := int(bo.Uint16(b[:]))
	buf := make([]byte, 12*n+4)
	if _, err := r.ReadAt(buf, off+2); err != nil {
		return nil, err
	}
	d := &ifd{entries: make(map[uint16]ifdEntry, n)}
	for i := 0; i < n; i++ {
		e := buf[12*i:]
		var en ifdEntry
		en.typ = bo.Uint16(e[2:])
		en.count = bo.Uint32(e[4:])
		copy(en.val[:], e[8:12])
		d.entries[bo.Uint16(e[:2])] = en
	}
	d.next = bo.Uint32(buf[12*n:])
	return d, nil
}

func (d *ifd) uint(bo binary.ByteOrder, tag uint16) (uint32, bool) {
	e, ok := d.entries[tag]
	if !ok || e.count < 1 {
		return 0, false
	}
	switch e.typ {
	case 1: // BYTE
		return uint32(e.val[0]), true
	case 3: // SHORT
		return uint32(bo.Uint16(e.val[:])), true
	case 4: // LONG
		return bo.Uint32(e.val[:]), true
	}
	return 0, false
}

func (d *ifd) rational(r io.ReaderAt, bo binary.ByteOrder, tag uint16) (float64, bool) {
	e, ok := d.entries[tag]
	if !ok || e.typ != 5 || e.count < 1 {
		return 0, false
	}
	var b [8]byte
	if _, err := r.ReadAt(b[:], int64(bo.Uint32(e.val[:]))); err != nil {
		return 0, false
	}
	num, den := bo.Uint32(b[:4]), bo.Uint32(b[4:])
	if den == 0 {
		return 0, false
	}
	return float64(num) / float64(den), true
}

// resolution reads X/YResolution and ResolutionUnit as dots per inch.
func (d *ifd) resolution(r io.ReaderAt, bo binary.ByteOrder) (x, y float64) {
	unit, ok := d.uint(bo, 296)
	if !ok {
		unit = 2
	}
	x, _ = d.rational(r, bo, 282)
	y, _ = d.rational(r, bo, 283)
	switch unit {
	case 2:
	case 3:
		x, y = x*2.54, y*2.54
	default:
		return 0, 0
	}
	if y == 0 {
		y = x
	}
	return x, y
}

func tiffByteOrder(head []byte) (binary.ByteOrder, bool) {
	if len(head) < 8 {
		return nil, false
	}
	switch string(head[:4]) {
	case "II*\x00":
		return binary.LittleEndian, true
	case "MM\x00*":
		return binary.BigEndian, true
	}
	return nil, false
}

// tiffPage is one page (IFD) of a TIFF file.
type tiffPage struct {
	Frame
	offset uint32 // of the IFD
}

// TIFFFile is a TIFF file's pages, as ReadTIFF found them.
type TIFFFile struct {
	r     io.ReaderAt
	size  int64
	bo    binary.ByteOrder
	pages []tiffPage
}

// ErrTooManyPages is a TIFF file with more pages than ReadTIFF was allowed.
var ErrTooManyPages = errors.New("too many frames")

// ReadTIFF reads the list of pages of the TIFF file r (size bytes), walking
// the IFD chain and skipping reduced-resolution images (thumbnails). It
// stops with ErrTooManyPages after max pages. Nothing is decoded.
func ReadTIFF(r io.ReaderAt, size int64, max int) (*TIFFFile, error) {
	var head [8]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return nil, err
	}
	bo, ok := tiffByteOrder(head[:])
	if !ok {
		return nil, errors.New("not a TIFF")
	}
	t := &TIFFFile{r: r, size: size, bo: bo}
	off := bo.Uint32(head[4:])
	seen := map[uint32]bool{}
	for off != 0 {
		if seen[off] {
			return nil, errors.New("IFD loop")
		}
		seen[off] = true
		if len(seen) > 4*max+16 {
			return nil, ErrTooManyPages
		}
		d, err := readIFD(r, bo, int64(off))
		if err != nil {
			return nil, err
		}
		sub, _ := d.uint(bo, 254)
		if sub&1 == 0 {
			w, okw := d.uint(bo, 256)
			h, okh := d.uint(bo, 257)
			if !okw || !okh || w == 0 || h == 0 {
				return nil, errors.New("missing image dimensions")
			}
			p := tiffPage{offset: off}
			p.W, p.H = int(w), int(h)
			p.DPIX, p.DPIY = d.resolution(r, bo)
			o, _ := d.uint(bo, 274)
			p.Orient = int(o)
			t.pages = append(t.pages, p)
			if len(t.pages) > max {
				return nil, ErrTooManyPages
			}
		}
		off = d.next
	}
	return t, nil
}

// Frames are the file's pages, in order.
func (t *TIFFFile) Frames() []Frame {
	out := make([]Frame, len(t.pages))
	for i, p := range t.pages {
		out[i] = p.Frame
	}
	return out
}

// Image is a decoded image: a JPEG stream to embed as it is, or pixels.
type Image struct {
	JPEG   *JPEGStream
	Pixels image.Image
	// Converted lists, in English, what decoding did to the samples
	// beyond reading them (alpha flattened, 16-bit samples reduced, extra
	// samples ignored); nil if nothing.
	Converted []string
}

// ErrOldJPEG is a page in old-style JPEG (TIFF Compression 6) that this
// package cannot read; see oldJPEG.
var ErrOldJPEG = errors.New("old-style JPEG")

// Decode decodes page i. A page stored as one JPEG stream (JPEG-compressed
// TIFF, see tiffjpeg.go) is kept as that stream; other pages are decoded to
// pixels (extra samples, see tiffsamples.go; the rest by
// golang.org/x/image/tiff). A feature this package does not read gives a
// tiff.UnsupportedError naming it; an old-style JPEG page it cannot read
// gives ErrOldJPEG; any other error means the page is damaged.
func (t *TIFFFile) Decode(c context.Context, i int) (Image, error) {
	p := t.pages[i]
	r, bo := t.r, t.bo
	d, err := readIFD(r, bo, int64(p.offset))
	if err != nil {
		return Image{}, err
	}
	switch comp, _ := d.uint(bo, tagCompression); comp {
	case compressionJPEGOld:
		s, err := oldJPEG(r, t.size, bo, d, p.W, p.H)
		if err != nil {
			return Image{}, err
		}
		return Image{JPEG: s}, nil
	case compressionJPEG:
		pg, err := readTIFFJPEG(r, t.size, bo, d, p.W, p.H)
		if err != nil {
			return Image{}, unsupported(err)
		}
		img, err := pg.decode(c, r)
		return img, unsupported(err)
	}
	notes := tiffSampleNotes(r, bo, d)
	sp, err := readSamplesPage(r, t.size, bo, d, p.W, p.H)
	if err != nil {
		return Image{}, unsupported(err)
	}
	if sp != nil { // extra samples golang.org/x/image/tiff refuses
		m, err := sp.decode(c, r)
		if err != nil {
			return Image{}, err
		}
		return Image{Pixels: m, Converted: notes}, nil
	}
	fr := &firstIFDReader{r: r}
	bo.PutUint32(fr.first[:], p.offset)
	m, err := tiff.Decode(fr)
	if err != nil {
		return Image{}, err
	}
	if b := m.Bounds(); b.Dx() != p.W || b.Dy() != p.H {
		return Image{}, errors.New("the decoded page is not the size its IFD gives")
	}
	return Image{Pixels: m, Converted: notes}, nil
}

// unsupported makes an errTIFFUnsupported a tiff.UnsupportedError, the
// error golang.org/x/image/tiff gives for what it does not read.
func unsupported(err error) error {
	var ue errTIFFUnsupported
	if errors.As(err, &ue) {
		return tiff.UnsupportedError(ue)
	}
	return err
}

// firstIFDReader presents a TIFF file whose first IFD is another one, so a
// single-image decoder (golang.org/x/image/tiff) can decode any page.
type firstIFDReader struct {
	r     io.ReaderAt
	first [4]byte
}

func (f *firstIFDReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.r.ReadAt(p, off)
	for i := 4; i < 8; i++ {
		if j := int64(i) - off; j >= 0 && j < int64(n) {
			p[j] = f.first[i-4]
		}
	}
	return n, err
}

func (f *firstIFDReader) Read([]byte) (int, error) { return 0, errors.New("use ReadAt") }

// ---- JPEG ----

// JPEGStream is a JPEG stream to embed as it is, with what a reader needs
// to know to show it.
type JPEGStream struct {
	Data          []byte
	Width, Height int
	Model         color.Model // color.GrayModel, color.CMYKModel, else three components
	// Invert says the samples are stored inverted: an Adobe CMYK JPEG, or
	// a TIFF page whose photometric interpretation is MinIsWhite.
	Invert bool
	// RGB says the three components are R, G and B, not YCbCr, so a reader
	// must not transform them (a TIFF page that says so).
	RGB bool
}

// ReadJPEG reads a JPEG's header: its size and colour model, the density
// (JFIF APP0 or EXIF) and EXIF orientation (0 if none). The stream it
// returns is data without metadata segments (EXIF can carry GPS positions
// and thumbnails), keeping JFIF and the Adobe APP14 segment. The entropy-
// coded data is not decoded.
func ReadJPEG(data []byte) (*JPEGStream, Frame, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, Frame{}, err
	}
	dpiX, dpiY, orient, adobe, clean, err := jpegInspect(data)
	if err != nil {
		return nil, Frame{}, err
	}
	s := &JPEGStream{Data: clean, Width: cfg.Width, Height: cfg.Height, Model: cfg.ColorModel,
		Invert: cfg.ColorModel == color.CMYKModel && adobe} // Adobe CMYK JPEGs store inverted values
	return s, Frame{W: cfg.Width, H: cfg.Height, DPIX: dpiX, DPIY: dpiY, Orient: orient}, nil
}

// jpegInspect reads the density (JFIF APP0 or EXIF) and EXIF orientation of
// a JPEG and returns a copy without metadata segments (EXIF can carry GPS
// positions and thumbnails), keeping JFIF and the Adobe APP14 segment.
func jpegInspect(data []byte) (dpiX, dpiY float64, orient int, adobe bool, clean []byte, err error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 0, 0, 0, false, nil, errors.New("not a JPEG")
	}
	clean = make([]byte, 0, len(data))
	clean = append(clean, 0xFF, 0xD8)
	i := 2
	var exifX, exifY float64
	for {
		if i+4 > len(data) {
			return 0, 0, 0, false, nil, errors.New("truncated JPEG header")
		}
		if data[i] != 0xFF {
			return 0, 0, 0, false, nil, errors.New("bad JPEG marker")
		}
		m := data[i+1]
		if m == 0xFF { // fill byte
			i++
			continue
		}
		if m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01 {
			clean = append(clean, data[i:i+2]...)
			i += 2
			continue
		}
		l := int(binary.BigEndian.Uint16(data[i+2:]))
		if l < 2 || i+2+l > len(data) {
			return 0, 0, 0, false, nil, errors.New("truncated JPEG segment")
		}
		seg := data[i+4 : i+2+l]
		keep := true
		switch {
		case m == 0xE0 && bytes.HasPrefix(seg, []byte("JFIF\x00")) && len(seg) >= 12:
			unit := seg[7]
			x, y := float64(binary.BigEndian.Uint16(seg[8:])), float64(binary.BigEndian.Uint16(seg[10:]))
			switch unit {
			case 1:
				dpiX, dpiY = x, y
			case 2:
				dpiX, dpiY = x*2.54, y*2.54
			}
		case m == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")):
			keep = false
			t := bytes.NewReader(seg[6:])
			if bo, ok := tiffByteOrder(seg[6:]); ok {
				if d, err := readIFD(t, bo, int64(bo.Uint32(seg[10:14]))); err == nil {
					if o, ok := d.uint(bo, 274); ok {
						orient = int(o)
					}
					exifX, exifY = d.resolution(t, bo)
				}
			}
		case m == 0xEE:
			adobe = bytes.HasPrefix(seg, []byte("Adobe"))
		case m >= 0xE1 && m <= 0xEF, m == 0xFE:
			keep = false
		}
		if keep {
			clean = append(clean, data[i:i+2+l]...)
		}
		i += 2 + l
		if m == 0xDA { // start of scan: the rest is entropy-coded data
			clean = append(clean, data[i:]...)
			break
		}
	}
	if dpiX == 0 && exifX > 0 {
		dpiX, dpiY = exifX, exifY
	}
	return dpiX, dpiY, orient, adobe, clean, nil
}

// ---- PNG ----

// PNGDensity reads a PNG's resolution (its pHYs chunk) in dots per inch;
// 0, 0 if it gives none.
func PNGDensity(data []byte) (dpiX, dpiY float64) {
	i := 8
	for i+12 <= len(data) {
		l := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if l < 0 || i+12+l > len(data) {
			break
		}
		if typ == "pHYs" && l == 9 && data[i+16] == 1 {
			x := float64(binary.BigEndian.Uint32(data[i+8:])) * 0.0254
			y := float64(binary.BigEndian.Uint32(data[i+12:])) * 0.0254
			return x, y
		}
		if typ == "IDAT" || typ == "IEND" {
			break
		}
		i += 12 + l
	}
	return 0, 0
}

// ---- pixels ----

// Pixels are an image's samples, row by row from the top.
type Pixels struct {
	Data []byte
	Gray bool // one sample per pixel; else three, R, G and B
	Bits int  // bits per sample: 8, or 1 for black and white (rows padded to a byte)
}

// Flatten converts img to 8-bit gray or RGB samples (alpha is composited on
// white), packing pure black-and-white images to 1 bit.
func Flatten(img image.Image) Pixels {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var data []byte
	gray := false
	switch m := img.(type) {
	case *image.Gray, *image.Gray16:
		gray = true
	case *image.Paletted:
		gray = true
		for _, c := range m.Palette {
			r, g, bl, _ := c.RGBA()
			if r != g || g != bl {
				gray = false
				break
			}
		}
	}
	if gray {
		data = make([]byte, w*h)
		bw := true
		switch m := img.(type) {
		case *image.Gray:
			for y := 0; y < h; y++ {
				copy(data[y*w:(y+1)*w], m.Pix[y*m.Stride:y*m.Stride+w])
			}
		default:
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					data[y*w+x] = flatten(img.At(b.Min.X+x, b.Min.Y+y), true)[0]
				}
			}
		}
		for _, v := range data {
			if v != 0 && v != 255 {
				bw = false
				break
			}
		}
		if bw {
			return Pixels{Data: packBits(data, w, h), Gray: true, Bits: 1}
		}
		return Pixels{Data: data, Gray: true, Bits: 8}
	}
	data = make([]byte, 3*w*h)
	switch m := img.(type) {
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				a := int(row[4*x+3])
				for c := 0; c < 3; c++ { // premultiplied: add white behind
					data[3*(y*w+x)+c] = byte(int(row[4*x+c]) + 255 - a)
				}
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				a := int(row[4*x+3])
				for c := 0; c < 3; c++ {
					data[3*(y*w+x)+c] = byte((int(row[4*x+c])*a + 255*(255-a)) / 255)
				}
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				copy(data[3*(y*w+x):], flatten(img.At(b.Min.X+x, b.Min.Y+y), false))
			}
		}
	}
	return Pixels{Data: data, Bits: 8}
}

// flatten composites c on white and returns gray or RGB bytes.
func flatten(c color.Color, gray bool) []byte {
	r, g, b, a := c.RGBA()
	white := 0xFFFF - a
	r, g, b = (r+white)>>8, (g+white)>>8, (b+white)>>8
	if gray {
		return []byte{byte((299*r + 587*g + 114*b) / 1000)}
	}
	return []byte{byte(r), byte(g), byte(b)}
}

func packBits(gray []byte, w, h int) []byte {
	stride := (w + 7) / 8
	out := make([]byte, stride*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if gray[y*w+x] != 0 {
				out[y*stride+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return out
}
