package scan

import (
	"fmt"

	"github.com/yuejuan/yuejuan/internal/raster"
	"github.com/yuejuan/yuejuan/pkg/limits"
)

// Limits bounds what Ingest accepts. Zero fields take the DefaultLimits value.
type Limits struct {
	MaxBytes  int64 // largest accepted file
	MaxPages  int   // most pages (PDF pages or TIFF frames)
	MaxPixels int64 // largest image (width × height), checked from the header before decoding
}

// DefaultLimits returns the limits used when nothing else is configured:
// limits.UploadBytes (512 MiB), 5000 pages, 100 megapixels per image.
func DefaultLimits() Limits {
	return Limits{MaxBytes: limits.UploadBytes, MaxPages: 5000, MaxPixels: 100_000_000}
}

// Rejection codes, for callers that need to branch on the kind of problem.
const (
	CodeUnknownFormat    = "unknown-format"
	CodeEncrypted        = "encrypted"
	CodeCorruptPDF       = "corrupt-pdf"
	CodeUnsupportedImage = "unsupported-image"
	CodeCorruptImage     = "corrupt-image"
	CodeTooLarge         = "too-large"
	CodeTooManyPages     = "too-many-pages"
	CodeTooManyPixels    = "too-many-pixels"
	CodeNoPages          = "no-pages"
	CodeUnreadable       = "unreadable"
)

// Rejection is a file a clerk has to fix. Reason is a sentence in Chinese
// followed by English in parentheses, fit to show to the clerk as it is.
type Rejection struct {
	File   string // file name as uploaded (or path of the document)
	Reason string
	Code   string // one of the Code constants
}

// Error implements error.
func (r *Rejection) Error() string {
	if r.File == "" {
		return r.Reason
	}
	return r.File + ": " + r.Reason
}

func reject(file, code, format string, args ...any) *Rejection {
	return &Rejection{File: file, Code: code, Reason: fmt.Sprintf(format, args...)}
}

// Info describes an ingested file.
type Info struct {
	Pages int
	Kind  raster.Kind // raster.PDF, JPEG, PNG or TIFF
	// Decrypted is set for a PDF that was encrypted with an empty user
	// password (an owner password restricting printing or copying): it is
	// written unencrypted, the restrictions removed.
	Decrypted bool
	// Repaired lists, in English, what was repaired or converted to make a
	// file that readers open acceptable (e.g. "bytes before the %PDF header
	// removed", "invalid catalog entry /Lang dropped", "transparency
	// flattened onto white"); nil when the file was taken as it is.
	Repaired []string
}
