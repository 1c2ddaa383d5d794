package httpapi

import (
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/auth"
)

type renewIn struct {
	Reason string `json:"reason"`
}

// renewLink is POST /applications/{id}/link: a new download link for the
// same copy (service.RenewLink), the lawyer's own once theirs ran out, or
// the unit's reissue with a reason.
func (a *API) renewLink(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var in renewIn
	if r.ContentLength != 0 && !a.decode(w, r, &in) {
		return
	}
	app, err := a.RenewLink(r.Context(), a.caller(r, id), r.PathValue("id"), in.Reason)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.present(r, id, app))
}
