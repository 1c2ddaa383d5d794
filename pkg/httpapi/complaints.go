package httpapi

import (
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/complaint"
)

type complaintIn struct {
	CaseNo      string         `json:"caseNo"`
	Unit        string         `json:"unit"`
	Kind        complaint.Kind `json:"kind"`
	Urgent      bool           `json:"urgent"`
	Description string         `json:"description"`
	Attachments []string       `json:"attachments"`
	Phone       string         `json:"phone"`
	Firm        string         `json:"firm"`
}

type complaintOut struct {
	*complaint.Complaint
	DaysLeft *int `json:"daysLeft,omitempty"`
	Overdue  bool `json:"overdue,omitempty"`
}

func (a *API) presentComplaint(c *complaint.Complaint) complaintOut {
	out := complaintOut{Complaint: c}
	out.DaysLeft, out.Overdue = a.ComplaintDue(c)
	return out
}

// createComplaint is POST /complaints: a lawyer's complaint of obstruction.
// The deadline follows the policy table; without a caseNo the lawyer names
// the unit.
func (a *API) createComplaint(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var in complaintIn
	if !a.decode(w, r, &in) {
		return
	}
	c, err := a.SubmitComplaint(r.Context(), a.caller(r, id), &complaint.Complaint{CaseNo: in.CaseNo, Unit: in.Unit, Kind: in.Kind,
		Urgent: in.Urgent, Description: in.Description, Attachments: in.Attachments, Lawyer: complaint.Lawyer{Firm: in.Firm, Phone: in.Phone}})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/complaints/"+c.ID)
	writeJSON(w, http.StatusCreated, a.presentComplaint(c))
}

// listComplaints is GET /complaints: a lawyer's own, newest first; a
// clerk's unit's queue by deadline (?status=open for the unanswered).
func (a *API) listComplaints(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	cs, err := a.ListComplaints(r.Context(), a.caller(r, id), r.URL.Query().Get("status") == "open")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]complaintOut, 0, len(cs))
	for _, c := range cs {
		out = append(out, a.presentComplaint(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"complaints": out})
}

// ownComplaint is the complaint the path names, if the caller may see it
// (service.ComplaintFor); otherwise it answers the error and returns false.
func (a *API) ownComplaint(w http.ResponseWriter, r *http.Request, id auth.Identity) (*complaint.Complaint, bool) {
	c, err := a.ComplaintFor(r.Context(), a.caller(r, id), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	return c, true
}

func (a *API) getComplaint(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownComplaint(w, r, id)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, a.presentComplaint(c))
}

type complaintAnswerIn struct {
	Answer string `json:"answer"`
}

// answerComplaint is POST /complaints/{id}/answer: the written answer that
// closes the complaint; the lawyer is told.
func (a *API) answerComplaint(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownComplaint(w, r, id)
	if !ok {
		return
	}
	var in complaintAnswerIn
	if !a.decode(w, r, &in) {
		return
	}
	updated, err := a.AnswerComplaint(r.Context(), a.caller(r, id), c, in.Answer)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.presentComplaint(updated))
}
