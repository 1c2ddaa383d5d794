package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/service"
)

// auditFilter reads the auditor's filters shared by the events list and
// the export: actor, case (its id or its 案号), lawyer (a certificate
// number or a name: service.LawyerRef), application, action, from, to
// (RFC 3339) and cursor. It answers itself (400 on a bad value) and returns
// false when it did.
func (a *API) auditFilter(w http.ResponseWriter, r *http.Request) (audit.Filter, bool) {
	q := r.URL.Query()
	f := audit.Filter{Actor: q.Get("actor"), CaseID: a.CaseRef(r.Context(), q.Get("case")), ApplicationID: q.Get("application"),
		Action: audit.Action(q.Get("action")), Cursor: q.Get("cursor")}
	if v := q.Get("lawyer"); v != "" {
		ls, err := a.LawyerRef(r.Context(), v)
		if err != nil {
			a.fail(w, r, err)
			return f, false
		}
		f.Lawyers = ls
	}
	for _, name := range []string{"from", "to"} {
		dst := map[string]*time.Time{"from": &f.From, "to": &f.To}[name]
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, service.BadQuery, msg.AuditTime.Format(name, name))
				return f, false
			}
			*dst = t
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		writeError(w, service.BadQuery, msg.FromBeforeTo.Format())
		return f, false
	}
	if f.Cursor != "" {
		if _, _, err := audit.ParseCursor(f.Cursor); err != nil {
			writeError(w, service.BadQuery, msg.BadCursor.Format())
			return f, false
		}
	}
	return f, true
}

func (a *API) auditEvents(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	q := r.URL.Query()
	f, ok := a.auditFilter(w, r)
	if !ok {
		return
	}
	// order=desc pages newest first (the auditor's page); chain order
	// stays the default for the clients written before it.
	switch q.Get("order") {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		writeError(w, service.BadQuery, msg.AuditOrder.Format())
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, service.BadQuery, msg.Limit.Format())
			return
		}
		f.Limit = n
	}
	page, err := a.QueryAudit(r.Context(), a.caller(r, id), f, r.URL.RawQuery)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (a *API) auditVerify(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	rep, err := a.VerifyAudit(r.Context(), a.caller(r, id))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
