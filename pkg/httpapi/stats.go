package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/service"
)

// statsOf is GET /applications/stats and GET /complaints/stats
// (?from=&to=[&unit=]), answered by one (service.ApplicationStats,
// service.ComplaintStats): a clerk gets their own unit; an auditor the unit
// they name, or without unit the totals across all registered units with
// the per-unit breakdown.
func statsOf[T any](a *API, one func(context.Context, service.Caller, service.StatsQuery) (T, error)) func(http.ResponseWriter, *http.Request, auth.Identity) {
	return func(w http.ResponseWriter, r *http.Request, id auth.Identity) {
		q, ok := parseStatsQuery(w, r)
		if !ok {
			return
		}
		st, err := one(r.Context(), a.caller(r, id), q)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, st)
	}
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
