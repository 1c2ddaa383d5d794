package httpapi

import (
	"context"
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
	f := audit.Filter{Actor: q.Get("actor"), CaseID: a.caseRef(r.Context(), q.Get("case")), ApplicationID: q.Get("application"),
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

// caseRef turns a case reference, its id or its 案号, into the case's id. A
// reference that names no case is kept as it is (and matches nothing).
func (a *API) caseRef(ctx context.Context, ref string) string {
	if ref == "" || a.Cases == nil {
		return ref
	}
	if _, err := a.Cases.Get(ctx, ref); err == nil {
		return ref
	}
	if c, err := a.Cases.GetByNo(ctx, ref); err == nil {
		return c.ID
	}
	return ref
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
	page, err := a.Audit.Query(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_query", err.Error())
		return
	}
	if page.Events == nil {
		page.Events = []audit.Event{}
	}
	// Queries of the log are themselves logged.
	a.record(r, id, audit.Event{Action: audit.AuditQuery, Result: audit.OK, Detail: map[string]string{"query": r.URL.RawQuery}})
	writeJSON(w, http.StatusOK, page)
}

func (a *API) auditVerify(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	rep, err := a.Audit.Verify(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d := map[string]string{"ok": strconv.FormatBool(rep.OK), "records": fmtInt(rep.Records), "anchors": strconv.Itoa(rep.Anchors)}
	if !rep.OK {
		d["firstBad"], d["badAnchor"], d["problem"] = fmtInt(rep.FirstBad), rep.BadAnchor, rep.Problem
	}
	a.record(r, id, audit.Event{Action: audit.AuditVerify, Result: audit.OK, Detail: d})
	writeJSON(w, http.StatusOK, rep)
}
