package httpapi

import (
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/service"
)

// findCase: a lawyer (or a clerk taking an application on the hotline)
// finds a case by procuratorate and the suspect's or defendant's name
// (service.FindCase): GET /cases/find?unit=&defendant=&title=.
func (a *API) findCase(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	q := r.URL.Query()
	hits, err := a.FindCase(r.Context(), a.caller(r, id), service.CaseQuery{Unit: q.Get("unit"), Defendant: q.Get("defendant"), Title: q.Get("title")})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": hits})
}

// listUnits: the procuratorates with registered cases, to choose from.
func (a *API) listUnits(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	us, err := a.Units(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"units": us})
}
