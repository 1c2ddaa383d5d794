// Package dossier turns a clerk's scans into one PDF dossier (电子卷宗) and
// stamps per-lawyer copies of it.
//
// The flow is: Ingest each uploaded scan (PDF, JPEG, PNG or TIFF) into a
// normalised PDF, rejecting files a clerk has to fix with a *Rejection;
// AssembleBase joins the ingested documents into the base dossier (cover,
// 卷内目录 per volume, documents in volume/sequence order, bookmarks, page
// numbers, metadata) with an empty stamp slot on every page, and a Sidecar
// describing its byte layout; MakeCopy (or CopyFile, on local files) makes a
// per-lawyer copy that is the base's unchanged byte prefix plus a small
// tail holding the lawyer's stamp, at a cost that depends on the number of
// pages, not on the size of the base. StampCopy is the older path that reads
// and rewrites the whole file to draw the same stamp.
//
// pdfcpu reads and validates what users send (Ingest), draws the generated
// pages' text with the CJK font (cover, 卷内目录, slip-sheets, page numbers;
// pdfcpu subsets the font) and re-stamps in StampCopy; it keeps whole
// documents in memory, so AssembleBase does not merge with it: it streams
// the base to its file object by object, reading one ingested document at a
// time with a light reader of Ingest's own output (pdfcpu's object parser,
// stream data copied raw, never loaded), and holds only what grows with the
// number of pages (page tree, bookmarks, 卷内目录 rows, xref offsets); see
// assemble_stream.go. A document the light reader cannot take is read by
// pdfcpu in full. pdfcpu needs a configuration directory holding the CJK
// font; see Setup.
// Output is written by this package's own serializer, so the same inputs give
// byte-identical files (pdfcpu's writer orders objects by map iteration and
// stamps the current time).
package dossier
