package raster

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"

	"golang.org/x/image/tiff/lzw"
)

// TIFF pages with extra samples that golang.org/x/image/tiff refuses: gray
// with alpha (what ImageMagick writes for an annotated gray page), and RGB
// with extra samples of unspecified meaning. They are decoded here, strip
// by strip (or tile by tile), and flattened onto white as 8-bit gray or
// RGB: an alpha sample is composited (associated or unassociated alpha), an
// extra sample of unspecified meaning is ignored (TIFF 6.0, ExtraSamples),
// 16-bit samples are reduced to 8 bits. Other TIFF pages, 16-bit and RGBA
// ones included, go to golang.org/x/image/tiff, and Flatten flattens them
// the same way.

const (
	tagPredictor     = 317
	tagExtraSamples  = 338
	tagSampleFormat  = 339
	compressionNone  = 1
	compressionLZW   = 5
	compressionFlate = 8
	compressionZip   = 32946 // Deflate, the old code
	compressionPack  = 32773 // PackBits
)

// samplesPage is the layout of a chunky 8- or 16-bit page decoded here.
type samplesPage struct {
	w, h   int
	spp    int // samples per pixel
	colour int // 1 gray, 3 RGB
	bps    int // 8 or 16
	photo  int
	alpha  int // ExtraSamples value of the first extra sample: 1 associated, 2 unassociated alpha; else no alpha
	comp   int
	pred   int
	bo     binary.ByteOrder
	segs   []jpegSegment // strips or tiles (w×h: the samples stored)
}

// tiffSampleNotes lists what decoding does to a TIFF page's samples beyond
// reading them: flattening alpha, dropping extra samples, reducing 16-bit
// samples (Image.Converted).
func tiffSampleNotes(r io.ReaderAt, bo binary.ByteOrder, d *ifd) []string {
	var notes []string
	if bps, _ := d.uints(r, bo, tagBitsPerSample, 16); len(bps) > 0 && bps[0] == 16 {
		notes = append(notes, "TIFF 16-bit samples reduced to 8 bits")
	}
	extra, _ := d.uints(r, bo, tagExtraSamples, 16)
	if len(extra) > 0 {
		if extra[0] == 1 || extra[0] == 2 {
			notes = append(notes, "TIFF transparency (alpha) flattened onto white")
		}
		if len(extra) > 1 || (extra[0] != 1 && extra[0] != 2) {
			notes = append(notes, "TIFF extra samples other than alpha ignored")
		}
	}
	return notes
}

// readSamplesPage returns the layout of a page this file decodes, or nil
// for a page left to golang.org/x/image/tiff.
func readSamplesPage(r io.ReaderAt, size int64, bo binary.ByteOrder, d *ifd, w, h int) (*samplesPage, error) {
	spp := 1
	if v, ok := d.uint(bo, tagSamplesPerPixel); ok {
		spp = int(v)
	}
	photo, _ := d.uint(bo, tagPhotometric)
	extra, err := d.uints(r, bo, tagExtraSamples, 16)
	if err != nil {
		return nil, err
	}
	pg := &samplesPage{w: w, h: h, spp: spp, photo: int(photo), bo: bo}
	switch {
	case (photo == photoMinIsBlack || photo == photoMinIsWhite) && spp >= 2:
		pg.colour = 1
	case photo == photoRGB && spp >= 4 && (spp > 4 || len(extra) == 0 || (extra[0] != 1 && extra[0] != 2)):
		pg.colour = 3
	default:
		return nil, nil
	}
	if pc, ok := d.uint(bo, tagPlanarConfig); ok && pc != 1 {
		return nil, nil // golang.org/x/image/tiff names what it refuses
	}
	if spp > 16 || len(extra) != spp-pg.colour {
		return nil, errTIFFUnsupported(fmt.Sprintf("%d samples per pixel, %d extra samples", spp, len(extra)))
	}
	if len(extra) > 0 {
		pg.alpha = int(extra[0])
	}
	bps, err := d.uints(r, bo, tagBitsPerSample, 16)
	if err != nil {
		return nil, err
	}
	if len(bps) == 0 {
		return nil, errors.New("no BitsPerSample")
	}
	pg.bps = int(bps[0])
	for _, b := range bps {
		if int(b) != pg.bps || (b != 8 && b != 16) {
			return nil, errTIFFUnsupported(fmt.Sprintf("%v bits per sample with extra samples", bps))
		}
	}
	if sf, _ := d.uints(r, bo, tagSampleFormat, 16); len(sf) > 0 && sf[0] != 1 {
		return nil, errTIFFUnsupported(fmt.Sprintf("sample format %d", sf[0]))
	}
	pg.comp, pg.pred = compressionNone, 1
	if v, ok := d.uint(bo, tagCompression); ok {
		pg.comp = int(v)
	}
	switch pg.comp {
	case compressionNone, compressionLZW, compressionFlate, compressionZip, compressionPack:
	default:
		return nil, errTIFFUnsupported(fmt.Sprintf("compression %d with extra samples", pg.comp))
	}
	if v, ok := d.uint(bo, tagPredictor); ok {
		pg.pred = int(v)
	}
	if pg.pred != 1 && pg.pred != 2 {
		return nil, errTIFFUnsupported(fmt.Sprintf("predictor %d", pg.pred))
	}
	maxSeg := int(min(size+1, 1<<22))
	if _, tiled := d.entries[tagTileWidth]; tiled {
		tw, ok1 := d.uint(bo, tagTileWidth)
		th, ok2 := d.uint(bo, tagTileLength)
		if !ok1 || !ok2 || tw == 0 || th == 0 || int(tw) > w+15 || int(th) > h+15 {
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
			pg.segs = append(pg.segs, jpegSegment{x: i % across * int(tw), y: i / across * int(th), w: int(tw), h: int(th), off: int64(offs[i]), n: int64(counts[i])})
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
			pg.segs = append(pg.segs, jpegSegment{y: y, w: w, h: min(int(rps), h-y), off: int64(offs[i]), n: int64(counts[i])})
		}
	}
	for _, s := range pg.segs {
		if s.off < 0 || s.n < 0 || s.off+s.n > size {
			return nil, errors.New("strip or tile outside the file")
		}
	}
	return pg, nil
}

// segment decodes a strip or tile into its samples, as stored (predictor
// undone), 8-bit samples one byte each and 16-bit ones two (in the file's
// byte order).
func (pg *samplesPage) segment(r io.ReaderAt, s jpegSegment) ([]byte, error) {
	rowBytes := s.w * pg.spp * pg.bps / 8
	want := rowBytes * s.h
	raw := make([]byte, s.n)
	if _, err := r.ReadAt(raw, s.off); err != nil {
		return nil, err
	}
	out := make([]byte, want)
	var err error
	switch pg.comp {
	case compressionNone:
		if len(raw) < want {
			return nil, io.ErrUnexpectedEOF
		}
		copy(out, raw)
	case compressionLZW:
		lr := lzw.NewReader(bytes.NewReader(raw), lzw.MSB, 8)
		_, err = io.ReadFull(lr, out)
		lr.Close()
	case compressionFlate, compressionZip:
		var zr io.ReadCloser
		if zr, err = zlib.NewReader(bytes.NewReader(raw)); err == nil {
			_, err = io.ReadFull(zr, out)
			zr.Close()
		}
	case compressionPack:
		err = unpackBits(raw, out)
	}
	if err != nil {
		return nil, err
	}
	if pg.pred == 2 {
		n := s.w * pg.spp
		for y := 0; y < s.h; y++ {
			row := out[y*rowBytes : (y+1)*rowBytes]
			if pg.bps == 8 {
				for i := pg.spp; i < n; i++ {
					row[i] += row[i-pg.spp]
				}
				continue
			}
			for i := pg.spp; i < n; i++ {
				pg.bo.PutUint16(row[2*i:], pg.bo.Uint16(row[2*i:])+pg.bo.Uint16(row[2*(i-pg.spp):]))
			}
		}
	}
	return out, nil
}

// unpackBits decodes PackBits data into out, which it must fill.
func unpackBits(src, out []byte) error {
	o := 0
	for i := 0; o < len(out); {
		if i >= len(src) {
			return io.ErrUnexpectedEOF
		}
		n := int(int8(src[i]))
		i++
		switch {
		case n >= 0:
			if i+n+1 > len(src) || o+n+1 > len(out) {
				return errors.New("packbits: overrun")
			}
			o += copy(out[o:], src[i:i+n+1])
			i += n + 1
		case n != -128:
			if i >= len(src) || o-n+1 > len(out) {
				return errors.New("packbits: overrun")
			}
			for k := 0; k < -n+1; k++ {
				out[o] = src[i]
				o++
			}
			i++
		}
	}
	return nil
}

// decode flattens the page onto white: an *image.Gray or an opaque
// *image.RGBA.
func (pg *samplesPage) decode(c context.Context, r io.ReaderAt) (image.Image, error) {
	var gray *image.Gray
	var rgb *image.RGBA
	if pg.colour == 1 {
		gray = image.NewGray(image.Rect(0, 0, pg.w, pg.h))
	} else {
		rgb = image.NewRGBA(image.Rect(0, 0, pg.w, pg.h))
	}
	max := uint32(255)
	if pg.bps == 16 {
		max = 65535
	}
	sample := func(b []byte, i int) uint32 {
		if pg.bps == 8 {
			return uint32(b[i])
		}
		return uint32(pg.bo.Uint16(b[2*i:]))
	}
	// to8 composites colour v (0..max) with alpha a on white, as 8 bits.
	to8 := func(v, a uint32) uint8 {
		switch pg.alpha {
		case 1: // associated (premultiplied)
			v = min(v+max-a, max)
		case 2:
			v = (v*a + max*(max-a)) / max
		}
		if max == 65535 {
			return uint8((v*255 + 32767) / 65535)
		}
		return uint8(v)
	}
	for _, s := range pg.segs {
		if err := c.Err(); err != nil {
			return nil, err
		}
		data, err := pg.segment(r, s)
		if err != nil {
			return nil, err
		}
		for y := 0; y < s.h && s.y+y < pg.h; y++ {
			for x := 0; x < s.w && s.x+x < pg.w; x++ {
				i := (y*s.w + x) * pg.spp
				a := max
				if pg.alpha == 1 || pg.alpha == 2 {
					a = sample(data, i+pg.colour)
				}
				px, py := s.x+x, s.y+y
				if gray != nil {
					v := sample(data, i)
					if pg.photo == photoMinIsWhite {
						v = max - v
					}
					gray.Pix[py*gray.Stride+px] = to8(v, a)
					continue
				}
				o := py*rgb.Stride + 4*px
				for k := 0; k < 3; k++ {
					rgb.Pix[o+k] = to8(sample(data, i+k), a)
				}
				rgb.Pix[o+3] = 255
			}
		}
	}
	if gray != nil {
		return gray, nil
	}
	return rgb, nil
}
