package httpapi

import (
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/auth"
)

// me: the signed-in user's profile (service.ProfileOf), for the pages to
// fill in forms and show a lawyer's identity check.
func (a *API) me(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	p, err := a.ProfileOf(r.Context(), a.caller(r, id))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
