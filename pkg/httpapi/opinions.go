package httpapi

import (
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/opinion"
)

type opinionIn struct {
	Text        string   `json:"text"`
	Attachments []string `json:"attachments"`
}

// boundCase is the case the path names (its id or its case number) for a
// lawyer bound to it (service.BoundCase), with the binding; otherwise it
// answers the error and returns false.
func (a *API) boundCase(w http.ResponseWriter, r *http.Request, id auth.Identity) (*casefile.Case, *casefile.Binding, bool) {
	c, b, err := a.BoundCase(r.Context(), a.caller(r, id), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return nil, nil, false
	}
	return c, b, true
}

// createOpinion is POST /cases/{id}/opinions ({id}: case id or case
// number): a bound lawyer's written opinion.
func (a *API) createOpinion(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, b, ok := a.boundCase(w, r, id)
	if !ok {
		return
	}
	var in opinionIn
	if !a.decode(w, r, &in) {
		return
	}
	o, err := a.SubmitOpinion(r.Context(), a.caller(r, id), c, b, &opinion.Opinion{Text: in.Text, Attachments: in.Attachments})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/opinions/"+o.ID)
	writeJSON(w, http.StatusCreated, o)
}

// listCaseOpinions is GET /cases/{id}/opinions for the unit's clerks.
func (a *API) listCaseOpinions(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	os, err := a.OpinionsOf(r.Context(), c)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"opinions": os})
}

// listOpinions is GET /opinions: a lawyer's own, newest first; a clerk's
// unit's, oldest first (?status=unanswered for the queue).
func (a *API) listOpinions(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	os, err := a.ListOpinions(r.Context(), a.caller(r, id), r.URL.Query().Get("status") == "unanswered")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"opinions": os})
}

// ownOpinion is the opinion the path names, if the caller may see it
// (service.OpinionFor); otherwise it answers the error and returns false.
func (a *API) ownOpinion(w http.ResponseWriter, r *http.Request, id auth.Identity) (*opinion.Opinion, bool) {
	o, err := a.OpinionFor(r.Context(), a.caller(r, id), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	return o, true
}

func (a *API) getOpinion(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	o, ok := a.ownOpinion(w, r, id)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, o)
}

type opinionReplyIn struct {
	Adopted *bool  `json:"adopted"`
	Reason  string `json:"reason"`
}

// replyOpinion is POST /opinions/{id}/reply: whether the opinion was
// adopted, and why; the lawyer is told.
func (a *API) replyOpinion(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	o, ok := a.ownOpinion(w, r, id)
	if !ok {
		return
	}
	var in opinionReplyIn
	if !a.decode(w, r, &in) {
		return
	}
	updated, err := a.ReplyOpinion(r.Context(), a.caller(r, id), o, in.Adopted, in.Reason)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, updated)
}

// concludeCase is POST /cases/{id}/conclude: refused with 409, naming them,
// while any opinion on the case awaits an answer.
func (a *API) concludeCase(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	updated, err := a.Conclude(r.Context(), a.caller(r, id), c)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, updated)
}
