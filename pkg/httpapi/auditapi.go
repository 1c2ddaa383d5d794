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
// the export: actor, case (its id or its 案号), application, action, from,
// to (RFC 3339) and cursor. It answers 400 itself and returns false on a bad
// value.
func (a *API) auditFilter(w http.ResponseWriter, r *http.Request) (audit.Filter, bool) {
	q := r.URL.Query()
	f := audit.Filter{Actor: q.Get("actor"), CaseID: a.CaseRef(r.Context(), q.Get("case")), ApplicationID: q.Get("application"),
		Action: audit.Action(q.Get("action")), Cursor: q.Get("cursor")}
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
