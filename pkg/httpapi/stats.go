package httpapi

import (
	"net/http"
	"time"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/deadline"
)

// Stats is a unit's on-time record for applications submitted in a period.
type Stats struct {
	Unit        string  `json:"unit"`
	From        string  `json:"from,omitempty"`
	To          string  `json:"to,omitempty"`
	Submitted   int     `json:"submitted"`
	Answered    int     `json:"answered"`
	OnTime      int     `json:"onTime"`
	Late        int     `json:"late"`
	Open        int     `json:"open"`
	OpenOverdue int     `json:"openOverdue"`
	OnTimeRate  float64 `json:"onTimeRate"` // onTime / (answered + openOverdue); 1 when nothing was due
	Approved    int     `json:"approved"`
	Refused     int     `json:"refused"`
}

// stats is GET /applications/stats?from=&to=[&unit=]: a clerk gets their
// own unit, an auditor names one.
func (a *API) stats(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	q := r.URL.Query()
	unit := id.Unit
	if id.Role == auth.Auditor {
		unit = q.Get("unit")
		if unit == "" {
			writeError(w, http.StatusBadRequest, "bad_query", "请用 unit 参数指定单位 (auditors name the unit: ?unit=)")
			return
		}
	}
	var from, to time.Time
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_query", name+" 应为 RFC 3339 时间 ("+name+" must be an RFC 3339 time, e.g. 2026-01-01T00:00:00+08:00)")
				return
			}
			*dst = t
		}
	}
	apps, err := a.Apps.ByUnit(r.Context(), unit, false)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	st := Stats{Unit: unit, From: q.Get("from"), To: q.Get("to")}
	today := deadline.DateOf(a.now())
	for _, app := range apps {
		if (!from.IsZero() && app.SubmittedAt.Before(from)) || (!to.IsZero() && !app.SubmittedAt.Before(to)) {
			continue
		}
		st.Submitted++
		due, err := deadline.ParseDate(app.Deadline)
		if err != nil {
			continue
		}
		if app.Reply == nil {
			st.Open++
			if today.After(due) {
				st.OpenOverdue++
			}
			continue
		}
		st.Answered++
		if app.Reply.Decision == "approve" {
			st.Approved++
		} else {
			st.Refused++
		}
		if deadline.DateOf(app.Reply.At).After(due) {
			st.Late++
		} else {
			st.OnTime++
		}
	}
	st.OnTimeRate = 1
	if d := st.Answered + st.OpenOverdue; d > 0 {
		st.OnTimeRate = float64(st.OnTime) / float64(d)
	}
	writeJSON(w, http.StatusOK, st)
}
