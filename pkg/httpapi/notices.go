package httpapi

import (
	"net/http"
	"strconv"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/procedure"
	"github.com/yuejuan/yuejuan/pkg/service"
)

// noticeOut is a notice as its recipient sees it.
type noticeOut struct {
	notify.Notice
	Status    notify.Status `json:"status"`
	Attempts  int           `json:"attempts"`
	LastError string        `json:"lastError,omitempty"`
	SentAt    string        `json:"sentAt,omitempty"`
}

func presentNotice(d *notify.Delivery) noticeOut {
	out := noticeOut{Notice: d.Notice, Status: d.Status, Attempts: d.Attempts, LastError: d.LastError}
	if !d.SentAt.IsZero() {
		out.SentAt = d.SentAt.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	return out
}

// listNotices is GET /notices: a lawyer's own notices, or a clerk's unit's
// (to its clerks and its supervisors), newest first.
func (a *API) listNotices(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	limit := 200
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, service.BadQuery, msg.Limit.Format())
			return
		}
		limit = n
	}
	ds, err := a.Inbox(r.Context(), a.caller(r, id), limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]noticeOut, 0, len(ds))
	for _, d := range ds {
		out = append(out, presentNotice(d))
	}
	writeJSON(w, http.StatusOK, map[string]any{"notices": out})
}

type decisionRecordIn struct {
	Kind procedure.Kind `json:"kind"`
	Text string         `json:"text"`
}

type decisionOut struct {
	*procedure.Decision
	Deliveries []noticeOut `json:"deliveries"`
}

// recordDecision is POST /cases/{id}/decisions: the clerk records a
// procedural decision and every lawyer bound to the case is told, with the
// handler's name and phone.
func (a *API) recordDecision(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	var in decisionRecordIn
	if !a.decode(w, r, &in) {
		return
	}
	d, ds, err := a.RecordDecision(r.Context(), a.caller(r, id), c, in.Kind, in.Text)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := decisionOut{Decision: d, Deliveries: []noticeOut{}}
	for _, x := range ds {
		out.Deliveries = append(out.Deliveries, presentNotice(x))
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.ID+"/decisions")
	writeJSON(w, http.StatusCreated, out)
}

// listDecisions is GET /cases/{id}/decisions, with each notice's delivery.
func (a *API) listDecisions(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	ds, err := a.DecisionsOf(r.Context(), a.caller(r, id), c)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]decisionOut, 0, len(ds))
	for _, d := range ds {
		o := decisionOut{Decision: d.Decision, Deliveries: []noticeOut{}}
		for _, x := range d.Deliveries {
			o.Deliveries = append(o.Deliveries, presentNotice(x))
		}
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"decisions": out})
}

type bindingIn struct {
	License string `json:"license"`
	Name    string `json:"name"`
	Firm    string `json:"firm"`
	Phone   string `json:"phone"`
	Client  string `json:"client"`
}

// bindLawyer is POST /cases/{id}/lawyers: the clerk records that a lawyer
// defends on the case (e.g. before the review stage, when there is no
// application), so that the lawyer is told of procedural decisions.
func (a *API) bindLawyer(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	var in bindingIn
	if !a.decode(w, r, &in) {
		return
	}
	b, err := a.Bind(r.Context(), a.caller(r, id), c, &casefile.Binding{License: in.License, Name: in.Name, Firm: in.Firm, Phone: in.Phone, Client: in.Client})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, b)
}

// listLawyers is GET /cases/{id}/lawyers: everyone bound to the case.
func (a *API) listLawyers(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	bs, err := a.LawyersOf(r.Context(), c)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"lawyers": bs})
}

// unbindLawyer is DELETE /cases/{id}/lawyers/{license}: it ends an
// explicit binding (one through a live application ends with it).
func (a *API) unbindLawyer(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	if err := a.Unbind(r.Context(), a.caller(r, id), c, r.PathValue("license")); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
