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
// All PDF work is done with pdfcpu, which keeps whole documents in memory.
// pdfcpu needs a configuration directory holding the CJK font; see Setup.
// Output is written by this package's own serializer, so the same inputs give
// byte-identical files (pdfcpu's writer orders objects by map iteration and
// stamps the current time).
package dossier
