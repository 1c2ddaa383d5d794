package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
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
				writeError(w, http.StatusBadRequest, "bad_query", name+" 应为 RFC 3339 时间，如 2026-11-27T09:00:00+08:00 ("+name+" must be an RFC 3339 time)")
				return f, false
			}
			*dst = t
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		writeError(w, http.StatusBadRequest, "bad_query", "from 应早于 to (from must be before to)")
		return f, false
	}
	if f.Cursor != "" {
		if _, _, err := audit.ParseCursor(f.Cursor); err != nil {
			writeError(w, http.StatusBadRequest, "bad_query", "cursor 无效，请使用上一页返回的 next 值 (bad cursor: pass back the previous page's next)")
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
			writeError(w, http.StatusBadRequest, "bad_query", "limit 应为 1 至 1000 (limit must be 1..1000)")
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
