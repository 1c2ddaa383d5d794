package dossier

import (
	"fmt"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/pageid"
	"github.com/yuejuan/yuejuan/pkg/scan"
)

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
	Path        string // an ingested PDF (output of scan.Ingest)
	// Words, if set, is the file of Path's recognised words (an ocr.Result):
	// its pages get an invisible text layer (textlayer.go).
	Words string
	// Rejected, if set, is why the file was refused at ingest (a
	// scan.Rejection's Reason); AssembleBase then treats the document as unusable
	// without reading Path.
	Rejected string
	// Key identifies the document across versions (the material's id):
	// a document of AssembleOptions.Previous with the same Key keeps its
	// page identifiers. Replaces is the Key of the previous version's
	// document this one replaces (it takes over its identifiers).
	Key, Replaces string
	// IDs, when set, are the document's page identifiers as they are (a
	// supplement repeats the full version's).
	IDs []pageid.IDRun
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
	// Version is the dossier's version, printed on the cover (0: none;
	// identifiers are still assigned, as for version 1). Previous is the
	// ledger of the version before it (Manifest.Ledger): documents kept
	// keep their page identifiers, the rest are removed (docs/versions.md).
	Version  int
	Previous []pageid.LedgerEntry
	// Supplement makes the dossier a supplement to version Version: the
	// cover says so and names version Since, the one it supplements.
	Supplement bool
	Since      int
}

// Manifest describes an assembled dossier. Page numbers are 1-based pages of
// the whole dossier, as printed in the page numbers.
type Manifest struct {
	Pages   int
	Volumes []VolumeEntry
	// Ledger is every document's page identifiers in this version, the
	// removed ones included: what the next version is assembled against.
	Ledger []pageid.LedgerEntry
}

// VolumeEntry is one volume of a Manifest.
type VolumeEntry struct {
	Volume  int
	Title   string
	TOCPage int // first page of the volume's 卷内目录
	Docs    []TOCEntry
	// Removed are the rows of documents removed in this or an earlier
	// version: their identifiers, no pages.
	Removed []TOCEntry
}

// TOCEntry is one document of a volume.
type TOCEntry struct {
	Title     string
	FirstPage int
	LastPage  int
	// Placeholder is the reason when a slip-sheet stands in for the document.
	Placeholder string
	// IDs is the span of the document's page identifiers (0003-0005),
	// RemovedIn the version that removed it (a row without pages).
	IDs       string
	RemovedIn int
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
	Rejections []*scan.Rejection
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
