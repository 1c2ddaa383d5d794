// Package dossier turns a clerk's scans into one PDF dossier (电子卷宗) and
// stamps per-lawyer copies of it.
//
// The flow is: Ingest each uploaded scan (PDF, JPEG, PNG or TIFF) into a
// normalised PDF, rejecting files a clerk has to fix with a *Rejection;
// AssembleBase joins the ingested documents into the base dossier (cover,
// 卷内目录 per volume, documents in volume/sequence order, bookmarks, page
// numbers, metadata); StampCopy draws the per-lawyer stamp on top of every
// page of a copy.
//
// All PDF work is done with pdfcpu, which keeps whole documents in memory.
// pdfcpu needs a configuration directory holding the CJK font; see Setup.
// Output is written by this package's own serializer, so the same inputs give
// byte-identical files (pdfcpu's writer orders objects by map iteration and
// stamps the current time).
package dossier
