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
// sandboxed outright; a PDF is not, for Chromium refuses to show a PDF in a
// sandboxed document, so it gets no scripts, no connections and no
// framing but by our own pages instead. The type served is the sniffed
// one, with nosniff, so no upload is ever served as a page.
const (
	attachmentCSPImage = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
	attachmentCSPPDF   = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'"
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
