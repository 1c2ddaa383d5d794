// Package dossier joins a case's ingested documents into one PDF dossier
// (电子卷宗) and makes per-lawyer stamped copies of it.
//
// Each upload is first checked and normalised by package scan (scan.Ingest);
// AssembleBase joins the ingested documents into the base dossier (cover,
// 卷内目录 per volume, documents in volume/sequence order, bookmarks, page
// numbers, metadata) with an empty stamp slot on every page, and a Sidecar
// describing its byte layout; MakeCopy (or CopyFile, on local files) makes a
// per-lawyer copy that is the base's unchanged byte prefix plus a small
// tail holding the lawyer's stamp, at a cost that depends on the number of
// pages, not on the size of the base.
//
// pdfcpu draws the generated pages' text with the CJK font (cover, 卷内目录,
// slip-sheets, page numbers; pdftext.Kit, pdfcpu subsets the font) and
// parses object syntax; it keeps whole documents in memory, so AssembleBase
// does not merge with it: it streams the base to its file object by object,
// reading one ingested document at a time with the light reader of the
// layout scan writes (pdffile.Read: objects parsed, stream data copied raw,
// never loaded), and holds only what grows with the number of pages (page
// tree, bookmarks, 卷内目录 rows, xref offsets); see assemble_stream.go. A
// document the light reader cannot take is read by pdfcpu in full
// (scan.ReadPDF). pdfcpu needs a configuration directory holding the CJK
// font; see Setup.
//
// Output is written by pdffile's serializer, so the same inputs give
// byte-identical files (pdfcpu's writer orders objects by map iteration and
// stamps the current time).
//
// The packages under it, each one idea: scan (one material checked and
// normalised), internal/raster (image formats and decoding), pdfpage (the
// page tree), pdffile (our PDF file layout, written and read), pdftext
// (text layout in the CJK font), truetype (the font subsetter), cjkfont
// (the embedded font and pdfcpu's setup), guard (panics and cancellation).
package dossier
