package httpapi

import (
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// attachmentCSP is the policy of an opened document. An image is
// sandboxed outright, with nothing else to load. A PDF cannot be: Chromium
// refuses to show a PDF in a sandboxed document, and its viewer loads what
// it needs from inside the document (blob: data, inline styles), so any
// default-src leaves the frame empty (seen in headless Chromium); it gets
// no base, no forms and framing by our own pages only. What keeps an
// upload from running as a page of ours is the type: the sniffed one is
// served, with nosniff, and a file neither PDF nor image is never shown.
const (
	attachmentCSPImage = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
	attachmentCSPPDF   = "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)

// viewAttachment serves an application's document inline to the applying
// lawyer and the deciding unit's clerks (service.OpenAttachment).
func (a *API) viewAttachment(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	at, rc, err := a.OpenAttachment(r.Context(), a.caller(r, id), r.PathValue("id"), r.PathValue("aid"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	// Framed by our own pages only (the clerk's card previews it).
	h.Set("X-Frame-Options", "SAMEORIGIN")
	disposition := "inline"
	switch {
	case at.ContentType == "application/pdf":
		h.Set("Content-Security-Policy", attachmentCSPPDF)
	case application.AllowedType(at.ContentType):
		h.Set("Content-Security-Policy", attachmentCSPImage)
	default:
		// Neither PDF nor image (a refused file): saved, never shown.
		h.Set("Content-Security-Policy", attachmentCSPImage)
		disposition = "attachment"
	}
	ct := at.ContentType
	if disposition == "attachment" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": at.Filename}))
	if at.Size > 0 {
		h.Set("Content-Length", strconv.FormatInt(at.Size, 10))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, rc)
	}
}
