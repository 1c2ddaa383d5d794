package httpapi

import (
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/service"
)

// The clerk's 受理 and 补正 and the lawyer's answer to 补正 (service's
// Acknowledge, RequestCorrection, Resubmit).

func (a *API) acknowledge(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	app, ok := a.ownApplication(w, r, id)
	if !ok {
		return
	}
	var in struct{}
	if r.ContentLength != 0 && !a.decode(w, r, &in) {
		return
	}
	updated, err := a.Acknowledge(r.Context(), a.caller(r, id), app)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.present(r, id, updated))
}

type correctionIn struct {
	Items []application.CorrectionItem `json:"items"`
	Note  string                       `json:"note"`
}

func (a *API) requestCorrection(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	app, ok := a.ownApplication(w, r, id)
	if !ok {
		return
	}
	var in correctionIn
	if !a.decode(w, r, &in) {
		return
	}
	updated, err := a.RequestCorrection(r.Context(), a.caller(r, id), app, service.CorrectionRequest{Items: in.Items, Note: in.Note})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.present(r, id, updated))
}

type resubmissionIn struct {
	Attachments map[application.AttachmentKind]string `json:"attachments"`
	Client      *string                               `json:"client"`
	Lawyer      struct {
		Firm  *string `json:"firm"`
		Phone *string `json:"phone"`
	} `json:"lawyer"`
}

func (a *API) resubmit(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	app, ok := a.ownApplication(w, r, id)
	if !ok {
		return
	}
	var in resubmissionIn
	if !a.decode(w, r, &in) {
		return
	}
	updated, err := a.Resubmit(r.Context(), a.caller(r, id), app, service.Resubmission{Attachments: in.Attachments,
		Client: in.Client, Firm: in.Lawyer.Firm, Phone: in.Lawyer.Phone})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.present(r, id, updated))
}
