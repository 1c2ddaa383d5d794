package httpapi

import (
	"errors"
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/opinion"
	"github.com/yuejuan/yuejuan/pkg/store"
)

type opinionIn struct {
	Text        string   `json:"text"`
	Attachments []string `json:"attachments"`
}

// boundCase loads the case named by the path (its id or its case number)
// for a lawyer bound to it. Any other lawyer gets 404, as if it did not
// exist, and an audit record.
func (a *API) boundCase(w http.ResponseWriter, r *http.Request, id auth.Identity) (*casefile.Case, *casefile.Binding, bool) {
	ref := r.PathValue("id")
	c, err := a.Cases.Get(r.Context(), ref)
	if errors.Is(err, store.ErrNotFound) {
		c, err = a.Cases.GetByNo(r.Context(), ref)
	}
	notFound := func() {
		writeError(w, http.StatusNotFound, "case_not_found", "未找到该案件，或您尚未与本案建立委托关系（请先提交阅卷申请，或请案管登记您为本案辩护人） (no such case, or you are not bound to it)")
	}
	if errors.Is(err, store.ErrNotFound) {
		notFound()
		return nil, nil, false
	}
	if err != nil {
		a.fail(w, r, err)
		return nil, nil, false
	}
	b, err := a.Lawyers.Binding(r.Context(), c, id.Subject)
	if err != nil {
		a.fail(w, r, err)
		return nil, nil, false
	}
	if b == nil {
		a.record(r, id, audit.Event{Action: audit.AccessDeny, CaseID: c.ID, Result: audit.Denied, Detail: map[string]string{"reason": "lawyer not bound to the case"}})
		notFound()
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
	o := &opinion.Opinion{CaseID: c.ID, CaseNo: c.CaseNo, Unit: c.Unit, Text: in.Text, Attachments: in.Attachments,
		Lawyer: opinion.Lawyer{License: id.Subject, Name: id.Name, Firm: b.Firm, Phone: b.Phone}}
	o, err := a.SubmitOpinion(r.Context(), a.caller(r, id), c, o)
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
	os, err := a.Opinions.ByCase(r.Context(), c.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if os == nil {
		os = []*opinion.Opinion{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"opinions": os})
}

// listOpinions is GET /opinions: a lawyer's own, newest first; a clerk's
// unit's, oldest first (?status=unanswered for the queue).
func (a *API) listOpinions(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var os []*opinion.Opinion
	var err error
	if id.Role == auth.Lawyer {
		os, err = a.Opinions.ByLawyer(r.Context(), id.Subject)
	} else {
		os, err = a.Opinions.ByUnit(r.Context(), id.Unit, r.URL.Query().Get("status") == "unanswered")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if os == nil {
		os = []*opinion.Opinion{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"opinions": os})
}

// ownOpinion loads an opinion the caller may see: a lawyer their own, a
// clerk their unit's, an auditor any. Others get 404 and an audit record.
func (a *API) ownOpinion(w http.ResponseWriter, r *http.Request, id auth.Identity) (*opinion.Opinion, bool) {
	o, err := a.Opinions.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "opinion_not_found", "未找到该意见 (no such opinion)")
		return nil, false
	}
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	if !mayRead(id, o.Lawyer.License, o.Unit) {
		a.record(r, id, audit.Event{Action: audit.AccessDeny, CaseID: o.CaseID, Target: o.ID, Result: audit.Denied,
			Detail: map[string]string{"reason": "not the owner", "opinion": o.ID}})
		writeError(w, http.StatusNotFound, "opinion_not_found", "未找到该意见 (no such opinion)")
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
