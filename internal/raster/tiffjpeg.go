package raster

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"io"
)

// JPEG-compressed TIFF (Compression 7, "new-style" JPEG as in TIFF Technical
// Note 2), which golang.org/x/image/tiff does not decode: each strip or tile
// is a JPEG stream, abbreviated when the JPEGTables tag (347) holds the
// quantisation and Huffman tables shared by all of them. Scanners write it
// for multi-page colour and gray scans.
//
// A page stored as one strip is kept as that JPEG stream (tables merged
// in), like a JPEG upload; a page of several strips or tiles is decoded
// strip by strip into one image, like other TIFF pages.
//
// Old-style JPEG (Compression 6) is read only when its
// JPEGInterchangeFormat tag holds the whole page as one JPEG stream; see
// oldJPEG.

// TIFF tags and values used here.
const (
	tagBitsPerSample    = 258
	tagCompression      = 259
	tagPhotometric      = 262
	tagStripOffsets     = 273
	tagSamplesPerPixel  = 277
	tagRowsPerStrip     = 278
	tagStripByteCounts  = 279
	tagPlanarConfig     = 284
	tagTileWidth        = 322
	tagTileLength       = 323
	tagTileOffsets      = 324
	tagTileByteCounts   = 325
	tagJPEGTables       = 347
	tagJPEGInterchange  = 513 // old-style JPEG: offset of a JPEG stream
	tagJPEGInterLength  = 514 // and its length
	compressionJPEGOld  = 6
	compressionJPEG     = 7
	photoMinIsWhite     = 0
	photoMinIsBlack     = 1
	photoRGB            = 2
	photoYCbCr          = 6
	maxJPEGTablesLength = 1 << 16
)

// errTIFFUnsupported is a TIFF page using a feature this package does not
// read; the message names it for the clerk.
type errTIFFUnsupported string

func (e errTIFFUnsupported) Error() string { return string(e) }

// uints reads a SHORT or LONG tag of up to max values.
func (d *ifd) uints(r io.ReaderAt, bo binary.ByteOrder, tag uint16, max int) ([]uint32, error) {
	e, ok := d.entries[tag]
	if !ok {
		return nil, nil
	}
	var size int
	switch e.typ {
	case 3:
		size = 2
	case 4:
		size = 4
	default:
		return nil, fmt.Errorf("tag %d: type %d", tag, e.typ)
	}
	if e.count == 0 || int64(e.count) > int64(max) {
		return nil, fmt.Errorf("tag %d: %d values", tag, e.count)
	}
	n := int(e.count)
	b := e.val[:]
	if n*size > 4 {
		b = make([]byte, n*size)
		if _, err := r.ReadAt(b, int64(bo.Uint32(e.val[:]))); err != nil {
			return nil, fmt.Errorf("tag %d: %w", tag, err)
		}
	}
	out := make([]uint32, n)
	for i := range out {
		if size == 2 {
			out[i] = uint32(bo.Uint16(b[2*i:]))
		} else {
			out[i] = bo.Uint32(b[4*i:])
		}
	}
	return out, nil
}

// bytesTag reads a BYTE or UNDEFINED tag of up to max bytes.
func (d *ifd) bytesTag(r io.ReaderAt, bo binary.ByteOrder, tag uint16, max int) ([]byte, error) {
	e, ok := d.entries[tag]
	if !ok {
		return nil, nil
	}
	if (e.typ != 1 && e.typ != 7) || int64(e.count) > int64(max) {
		return nil, fmt.Errorf("tag %d: type %d, %d bytes", tag, e.typ, e.count)
	}
	if e.count <= 4 {
		return append([]byte(nil), e.val[:e.count]...), nil
	}
	b := make([]byte, e.count)
	if _, err := r.ReadAt(b, int64(bo.Uint32(e.val[:]))); err != nil {
		return nil, fmt.Errorf("tag %d: %w", tag, err)
	}
	return b, nil
}

// jpegSegment is one strip or tile of a JPEG-compressed TIFF page.
type jpegSegment struct {
	x, y, w, h int   // where it goes; w×h is the area it covers in the image
	maxH       int   // the JPEG may be taller (a last strip written full height)
	off, n     int64 // its bytes in the file
}

// tiffJPEGPage is the layout of a JPEG-compressed TIFF page.
type tiffJPEGPage struct {
	w, h     int
	spp      int // 1 gray, 3 colour
	photo    int
	tables   []byte // JPEGTables without SOI and EOI, or nil
	segments []jpegSegment
}

// readTIFFJPEG reads the layout of a Compression 7 page and checks what can
// be checked before decoding.
func readTIFFJPEG(r io.ReaderAt, size int64, bo binary.ByteOrder, d *ifd, w, h int) (*tiffJPEGPage, error) {
	pg := &tiffJPEGPage{w: w, h: h, spp: 1}
	if v, ok := d.uint(bo, tagSamplesPerPixel); ok {
		pg.spp = int(v)
	}
	photo, ok := d.uint(bo, tagPhotometric)
	if !ok {
		return nil, errors.New("no photometric interpretation")
	}
	pg.photo = int(photo)
	switch {
	case pg.spp == 1 && (pg.photo == photoMinIsBlack || pg.photo == photoMinIsWhite):
	case pg.spp == 3 && (pg.photo == photoRGB || pg.photo == photoYCbCr):
	default:
		return nil, errTIFFUnsupported(fmt.Sprintf("JPEG TIFF with %d samples per pixel, photometric %d", pg.spp, pg.photo))
	}
	if pc, ok := d.uint(bo, tagPlanarConfig); ok && pc != 1 && pg.spp > 1 {
		return nil, errTIFFUnsupported("JPEG TIFF with separate colour planes")
	}
	bps, err := d.uints(r, bo, tagBitsPerSample, 16)
	if err != nil {
		return nil, err
	}
	for _, b := range bps {
		if b != 8 {
			return nil, errTIFFUnsupported(fmt.Sprintf("JPEG TIFF with %d bits per sample", b))
		}
	}
	if _, ok := d.entries[tagJPEGTables]; ok {
		t, err := d.bytesTag(r, bo, tagJPEGTables, maxJPEGTablesLength)
		if err != nil {
			return nil, err
		}
		// SOI, tables, EOI: keep the tables.
		if len(t) < 4 || t[0] != 0xFF || t[1] != 0xD8 {
			return nil, errors.New("bad JPEGTables")
		}
		t = t[2:]
		if len(t) >= 2 && t[len(t)-2] == 0xFF && t[len(t)-1] == 0xD9 {
			t = t[:len(t)-2]
		}
		pg.tables = t
	}
	// A segment has at least a few bytes: there cannot be more of them
	// than the file has bytes.
	maxSeg := int(min(size/4+1, 1<<22))
	if _, tiled := d.entries[tagTileWidth]; tiled {
		tw, ok1 := d.uint(bo, tagTileWidth)
		th, ok2 := d.uint(bo, tagTileLength)
		if !ok1 || !ok2 || tw == 0 || th == 0 || tw%16 != 0 || th%16 != 0 || int(tw) > w+15 || int(th) > h+15 {
			return nil, errors.New("bad tile size")
		}
		across, down := (w+int(tw)-1)/int(tw), (h+int(th)-1)/int(th)
		if across*down > maxSeg {
			return nil, errors.New("too many tiles")
		}
		offs, err1 := d.uints(r, bo, tagTileOffsets, maxSeg)
		counts, err2 := d.uints(r, bo, tagTileByteCounts, maxSeg)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		if len(offs) < across*down || len(counts) < across*down {
			return nil, errors.New("missing tiles")
		}
		for i := 0; i < across*down; i++ {
			x, y := i%across*int(tw), i/across*int(th)
			pg.segments = append(pg.segments, jpegSegment{x: x, y: y, w: int(tw), h: int(th), maxH: int(th), off: int64(offs[i]), n: int64(counts[i])})
		}
	} else {
		rps := uint32(h)
		if v, ok := d.uint(bo, tagRowsPerStrip); ok && v > 0 && v < rps {
			rps = v
		}
		n := (h + int(rps) - 1) / int(rps)
		if n > maxSeg {
			return nil, errors.New("too many strips")
		}
		offs, err1 := d.uints(r, bo, tagStripOffsets, maxSeg)
		counts, err2 := d.uints(r, bo, tagStripByteCounts, maxSeg)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		if len(offs) < n || len(counts) < n {
			return nil, errors.New("missing strips")
		}
		for i := 0; i < n; i++ {
			y := i * int(rps)
			pg.segments = append(pg.segments, jpegSegment{x: 0, y: y, w: w, h: min(int(rps), h-y), maxH: int(rps), off: int64(offs[i]), n: int64(counts[i])})
		}
	}
	for _, s := range pg.segments {
		if s.n < 4 || s.off < 0 || s.off+s.n > size {
			return nil, errors.New("strip or tile outside the file")
		}
	}
	return pg, nil
}

// segmentJPEG reads a strip or tile and makes it a complete JPEG stream,
// with the page's JPEGTables put after its SOI.
func (pg *tiffJPEGPage) segmentJPEG(r io.ReaderAt, s jpegSegment) ([]byte, error) {
	data := make([]byte, s.n)
	if _, err := r.ReadAt(data, s.off); err != nil {
		return nil, err
	}
	if data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errors.New("strip is not a JPEG stream")
	}
	if pg.tables == nil {
		return data, nil
	}
	out := make([]byte, 0, len(data)+len(pg.tables))
	out = append(out, 0xFF, 0xD8)
	out = append(out, pg.tables...)
	return append(out, data[2:]...), nil
}

// checkConfig checks a segment's JPEG header against the TIFF's layout,
// before decoding it: the size it claims and its number of components.
func (pg *tiffJPEGPage) checkConfig(data []byte, s jpegSegment) error {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return err
	}
	if cfg.Width != s.w || cfg.Height < s.h || cfg.Height > s.maxH {
		return fmt.Errorf("strip JPEG is %d×%d, want %d×%d", cfg.Width, cfg.Height, s.w, s.h)
	}
	gray := cfg.ColorModel == color.GrayModel
	if gray != (pg.spp == 1) || cfg.ColorModel == color.CMYKModel {
		return errors.New("strip JPEG components do not match the TIFF's")
	}
	return nil
}

// decode decodes a Compression 7 page: a single strip is kept as its JPEG
// stream (checked to decode), several are decoded into one image.
func (pg *tiffJPEGPage) decode(c context.Context, r io.ReaderAt) (Image, error) {
	if len(pg.segments) == 1 && pg.segments[0].w == pg.w && pg.segments[0].h == pg.h && pg.segments[0].maxH == pg.h {
		s := pg.segments[0]
		data, err := pg.segmentJPEG(r, s)
		if err != nil {
			return Image{}, err
		}
		if err := pg.checkConfig(data, s); err != nil {
			return Image{}, err
		}
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			return Image{}, err
		}
		return Image{JPEG: pg.stream(data)}, nil
	}
	var dst draw.Image
	if pg.spp == 1 {
		dst = image.NewGray(image.Rect(0, 0, pg.w, pg.h))
	} else {
		dst = image.NewRGBA(image.Rect(0, 0, pg.w, pg.h))
	}
	for i, s := range pg.segments {
		if i%16 == 0 {
			if err := c.Err(); err != nil {
				return Image{}, err
			}
		}
		data, err := pg.segmentJPEG(r, s)
		if err != nil {
			return Image{}, err
		}
		if err := pg.checkConfig(data, s); err != nil {
			return Image{}, err
		}
		m, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return Image{}, err
		}
		at := image.Rect(s.x, s.y, s.x+s.w, s.y+s.h)
		if ycc, ok := m.(*image.YCbCr); ok && pg.photo == photoRGB {
			// An RGB JPEG without the markers that say so: the decoder
			// took it for YCbCr and left the samples as they are.
			m = yccAsRGB(ycc)
		}
		draw.Draw(dst, at, m, m.Bounds().Min, draw.Src)
	}
	if g, ok := dst.(*image.Gray); ok && pg.photo == photoMinIsWhite {
		for i, v := range g.Pix {
			g.Pix[i] = 255 - v
		}
	}
	return Image{Pixels: dst}, nil
}

// yccAsRGB reads the three planes of a decoded JPEG as R, G and B.
func yccAsRGB(m *image.YCbCr) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			yi, ci := m.YOffset(x, y), m.COffset(x, y)
			o := out.PixOffset(x, y)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = m.Y[yi], m.Cb[ci], m.Cr[ci], 255
		}
	}
	return out
}

// stream is a page's single JPEG stream as it is, described by the page's
// photometric interpretation.
func (pg *tiffJPEGPage) stream(data []byte) *JPEGStream {
	s := &JPEGStream{Data: data, Width: pg.w, Height: pg.h, Model: color.GrayModel}
	switch pg.photo {
	case photoMinIsWhite:
		s.Invert = true
	case photoRGB:
		// The photometric interpretation says the samples are RGB, not
		// YCbCr (an Adobe marker in the stream would still win).
		s.Model, s.RGB = color.YCbCrModel, true
	case photoYCbCr:
		s.Model = color.YCbCrModel
	}
	return s
}

// oldJPEG reads an old-style JPEG page (Compression 6, superseded in 1995
// but still written by some old scanning software) when its
// JPEGInterchangeFormat tag points at a complete JPEG stream of the whole
// page: that stream is kept like a JPEG upload, its own markers saying how
// its colours are coded. Anything else (the many ways old-style JPEG spread
// tables and data over other tags and strips) is ErrOldJPEG.
func oldJPEG(r io.ReaderAt, size int64, bo binary.ByteOrder, d *ifd, w, h int) (*JPEGStream, error) {
	off, ok1 := d.uint(bo, tagJPEGInterchange)
	n, ok2 := d.uint(bo, tagJPEGInterLength)
	if !ok1 || !ok2 || n < 4 || int64(off)+int64(n) > size {
		return nil, ErrOldJPEG
	}
	data := make([]byte, n)
	if _, err := r.ReadAt(data, int64(off)); err != nil {
		return nil, ErrOldJPEG
	}
	s, _, err := ReadJPEG(data)
	if err != nil || s.Width != w || s.Height != h || s.Model == color.CMYKModel {
		return nil, ErrOldJPEG
	}
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		return nil, ErrOldJPEG
	}
	return s, nil
}
