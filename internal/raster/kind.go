package raster

import (
	"bytes"
	"strings"
)

// Kind is the format of an uploaded file, as Sniff names it from its first
// bytes. Its value is what the material record keeps ("pdf", "jpeg", ...).
type Kind string

// The kinds read: PDF (which this package only recognises) and the three
// image formats it reads.
const (
	PDF  Kind = "pdf"
	JPEG Kind = "jpeg"
	PNG  Kind = "png"
	TIFF Kind = "tiff"
)

// Image formats recognised but not read: "image:" and the format's name.
const (
	BigTIFF  Kind = "image:BigTIFF"
	GIF      Kind = "image:GIF"
	BMP      Kind = "image:BMP"
	WebP     Kind = "image:WebP"
	HEIC     Kind = "image:HEIC/AVIF"
	JPEG2000 Kind = "image:JPEG 2000"
	DjVu     Kind = "image:DjVu"
)

const unsupportedPrefix = "image:"

// Unsupported is the name of an image format that is recognised but not
// read ("BigTIFF" for BigTIFF), or "" for any other kind.
func (k Kind) Unsupported() string {
	if name, ok := strings.CutPrefix(string(k), unsupportedPrefix); ok {
		return name
	}
	return ""
}

// Sniff names the format of a file from its first bytes, or "" if it is
// none it knows.
func Sniff(head []byte) Kind {
	switch {
	case bytes.HasPrefix(head, []byte("\xFF\xD8\xFF")):
		return JPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return TIFF
	case bytes.HasPrefix(head, []byte("II+\x00")), bytes.HasPrefix(head, []byte("MM\x00+")):
		return BigTIFF
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF
	case bytes.HasPrefix(head, []byte("BM")) && len(head) > 14:
		return BMP
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return WebP
	case len(head) >= 12 && string(head[4:8]) == "ftyp" &&
		(bytes.Contains(head[8:12], []byte("hei")) || bytes.Contains(head[8:12], []byte("mif")) || bytes.Contains(head[8:12], []byte("avif"))):
		return HEIC
	case bytes.HasPrefix(head, []byte("\x00\x00\x00\x0CjP  ")), bytes.HasPrefix(head, []byte("\xFF\x4F\xFF\x51")):
		return JPEG2000
	case bytes.HasPrefix(head, []byte("AT&TFORM")):
		return DjVu
	}
	// PDF allows up to 1 KB of junk before the header.
	if i := bytes.Index(head, []byte("%PDF-")); i >= 0 && i < 1024 {
		return PDF
	}
	return ""
}
