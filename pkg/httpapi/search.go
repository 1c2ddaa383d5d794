package httpapi

import (
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/auth"
)

// searchDossier: the applying lawyer finds words in the recognised text of
// her ready dossier (service.SearchDossier): GET /applications/{id}/search?q=.
func (a *API) searchDossier(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	res, err := a.SearchDossier(r.Context(), a.caller(r, id), r.PathValue("id"), r.URL.Query().Get("q"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
