// Package lawyerhttp holds the HTTP-level tests of the lawyer-service routes
// of package httpapi (procedural notices, complaints, opinions), run against
// the real wiring: server.New on a temp data dir behind httptest, with the
// ingest and assemble workers making real dossiers.
//
// The tests live in a package of their own, and so run in a process of
// their own, because the PDF library's configuration is per process and
// package httpapi's own tests run another server.
package lawyerhttp
