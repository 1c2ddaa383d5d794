package httpapi

import (
	"net/http"
	"time"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/service"
)

// stats is GET /applications/stats?from=&to=[&unit=]: a clerk gets their
// own unit; an auditor the unit they name, or without unit the totals across
// all registered units with the per-unit breakdown (service.ApplicationStats).
func (a *API) stats(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	q, ok := parseStatsQuery(w, r)
	if !ok {
		return
	}
	st, err := a.ApplicationStats(r.Context(), a.caller(r, id), q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// complaintStats is GET /complaints/stats?from=&to=[&unit=], as stats for
// complaints (service.ComplaintStats).
func (a *API) complaintStats(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	q, ok := parseStatsQuery(w, r)
	if !ok {
		return
	}
	st, err := a.ComplaintStats(r.Context(), a.caller(r, id), q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// parseStatsQuery reads ?from=&to=[&unit=]. It answers 400 itself and
// returns false on a bad time.
func parseStatsQuery(w http.ResponseWriter, r *http.Request) (service.StatsQuery, bool) {
	q := r.URL.Query()
	sq := service.StatsQuery{Unit: q.Get("unit"), FromArg: q.Get("from"), ToArg: q.Get("to")}
	for name, dst := range map[string]*time.Time{"from": &sq.From, "to": &sq.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, service.BadQuery, msg.StatsTime.Format(name, name))
				return service.StatsQuery{}, false
			}
			*dst = t
		}
	}
	return sq, true
}
