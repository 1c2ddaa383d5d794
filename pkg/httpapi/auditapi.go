package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

func (a *API) auditEvents(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	q := r.URL.Query()
	f := audit.Filter{Actor: q.Get("actor"), CaseID: q.Get("case"), ApplicationID: q.Get("application"),
		Action: q.Get("action"), Cursor: q.Get("cursor")}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_query", name+" 应为 RFC 3339 时间，如 2026-11-27T09:00:00+08:00 ("+name+" must be an RFC 3339 time)")
				return
			}
			*dst = t
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := parseIntParam(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "bad_query", "limit 应为 1 至 1000 (limit must be 1..1000)")
			return
		}
		f.Limit = n
	}
	page, err := a.Audit.Query(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_query", err.Error())
		return
	}
	if page.Events == nil {
		page.Events = []audit.Event{}
	}
	// Queries of the log are themselves logged.
	a.record(r, id, audit.Event{Action: "audit.query", Result: audit.OK, Detail: map[string]string{"query": r.URL.RawQuery}})
	writeJSON(w, http.StatusOK, page)
}

func (a *API) auditVerify(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	rep, err := a.Audit.Verify(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.record(r, id, audit.Event{Action: "audit.verify", Result: audit.OK, Detail: map[string]string{"ok": fmtBool(rep.OK), "records": fmtInt(rep.Records)}})
	writeJSON(w, http.StatusOK, rep)
}

func fmtBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func parseIntParam(s string) (int, error) { return strconv.Atoi(s) }
