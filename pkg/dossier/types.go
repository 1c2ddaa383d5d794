package dossier

import (
	"fmt"
	"strings"
	"time"

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
	Kind  string // pdf, jpeg, png or tiff
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

// CaseInfo is what the cover page says about the case.
type CaseInfo struct {
	CaseNo string    // 案号
	Title  string    // 案件名称
	Unit   string    // 承办单位
	Date   time.Time // dossier date; also used for the PDF dates, so output is reproducible
}

// Document is one ingested document of the dossier.
type Document struct {
	Volume      int    // volume number, 1-based
	VolumeTitle string // e.g. 诉讼文书卷; the first non-empty title of a volume is used
	Seq         int    // order inside the volume
	Title       string // document title for the 卷内目录
	Path        string // an ingested PDF (output of Ingest)
	// Rejected, if set, is why the file was refused at ingest (a
	// Rejection's Reason); AssembleBase then treats the document as unusable
	// without reading Path.
	Rejected string
}

// AssembleOptions tunes AssembleBase.
type AssembleOptions struct {
	// Placeholders makes AssembleBase insert a slip-sheet page naming a
	// document that cannot be used, instead of failing.
	Placeholders bool
	// MaxPages and MaxBytes are the largest dossier AssembleBase builds:
	// its pages (cover, 卷内目录 and slip-sheets included) and the bytes of
	// its ingested documents; a larger one is refused with a
	// *TooLargeError before anything is written. Zero means
	// DefaultMaxPages, DefaultMaxBytes.
	MaxPages int
	MaxBytes int64
}

// Manifest describes an assembled dossier. Page numbers are 1-based pages of
// the whole dossier, as printed in the page numbers.
type Manifest struct {
	Pages   int
	Volumes []VolumeEntry
}

// VolumeEntry is one volume of a Manifest.
type VolumeEntry struct {
	Volume  int
	Title   string
	TOCPage int // first page of the volume's 卷内目录
	Docs    []TOCEntry
}

// TOCEntry is one document of a volume.
type TOCEntry struct {
	Title     string
	FirstPage int
	LastPage  int
	// Placeholder is the reason when a slip-sheet stands in for the document.
	Placeholder string
}

// Stamp identifies the lawyer a copy is made for.
type Stamp struct {
	Name    string    // lawyer's name
	License string    // practice certificate no. (执业证号)
	Ref     string    // application reference
	Date    time.Time // date printed in the stamp
}

// Text is the stamp line drawn on the pages.
func (s Stamp) Text() string {
	return fmt.Sprintf("仅供 %s 律师阅卷使用 · 执业证号 %s · 申请号 %s · %s",
		s.Name, s.License, s.Ref, s.Date.Format("2006-01-02"))
}

// AssembleError lists every document AssembleBase could not use.
type AssembleError struct {
	Rejections []*Rejection
}

// Error implements error.
func (e *AssembleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d 份文件无法纳入卷宗 (%d document(s) cannot be used):", len(e.Rejections), len(e.Rejections))
	for _, r := range e.Rejections {
		b.WriteString("\n  ")
		b.WriteString(r.Error())
	}
	return b.String()
}

// Unwrap gives errors.As access to each *Rejection.
func (e *AssembleError) Unwrap() []error {
	errs := make([]error, len(e.Rejections))
	for i, r := range e.Rejections {
		errs[i] = r
	}
	return errs
}
