package server

import "net/http"

// objectHeaders adds to the signed object URLs (uploads and dossier
// downloads) the security headers the API and the pages send: no content
// sniffing, no referrer (the URL carries its signature), no framing.
func objectHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
