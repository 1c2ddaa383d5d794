package httpapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/deadline"
)

// Stats is a unit's on-time record for applications submitted in a period,
// or, with Unit empty, the totals across units with the per-unit records in
// Units.
type Stats struct {
	Unit string `json:"unit"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	deadline.Record
	Approved int `json:"approved"`
	Refused  int `json:"refused"`
	// Units is the per-unit breakdown of a total, sorted by unit.
	Units []Stats `json:"units,omitempty"`
}

// tallyApplications computes one unit's Stats over apps for applications
// submitted in [from, to) (zero bounds are open), as of today.
func tallyApplications(apps []*application.Application, from, to time.Time, today deadline.Date) Stats {
	var st Stats
	st.OnTimeRate = 1
	for _, app := range apps {
		if (!from.IsZero() && app.SubmittedAt.Before(from)) || (!to.IsZero() && !app.SubmittedAt.Before(to)) {
			continue
		}
		var answered *time.Time
		if app.Reply != nil {
			answered = &app.Reply.At
		}
		if !st.Count(app.Deadline, answered, today) || app.Reply == nil {
			continue
		}
		if app.Reply.Decision == "approve" {
			st.Approved++
		} else {
			st.Refused++
		}
	}
	return st
}

// totalStats sums per-unit Stats into one, the on-time rate recomputed from
// the sums, with units kept as its Units.
func totalStats(units []Stats) Stats {
	t := Stats{Units: units}
	t.OnTimeRate = 1
	for _, u := range units {
		t.Add(u.Record)
		t.Approved += u.Approved
		t.Refused += u.Refused
	}
	return t
}

// stats is GET /applications/stats?from=&to=[&unit=]: a clerk gets their
// own unit; an auditor the unit they name, or without unit the totals across
// all registered units with the per-unit breakdown (see unitsStats).
func (a *API) stats(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	sq, ok := parseStatsQuery(w, r, id)
	if !ok {
		return
	}
	today := deadline.DateOf(a.now())
	parts, err := unitsStats(a, r, id, sq, func(ctx context.Context, unit string) (Stats, bool, error) {
		apps, err := a.Apps.ByUnit(ctx, unit, false)
		if err != nil {
			return Stats{}, false, err
		}
		st := tallyApplications(apps, sq.from, sq.to, today)
		st.Unit, st.From, st.To = unit, sq.fromArg, sq.toArg
		return st, len(apps) > 0, nil
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !sq.all {
		writeJSON(w, http.StatusOK, parts[0])
		return
	}
	st := totalStats(parts)
	st.From, st.To = sq.fromArg, sq.toArg
	writeJSON(w, http.StatusOK, st)
}

// statsQuery is what a statistics request asks about: one unit, or (all)
// every registered unit; submissions in [from, to), zero bounds open.
type statsQuery struct {
	unit           string
	all            bool
	from, to       time.Time
	fromArg, toArg string // as given, echoed in the answer
}

// parseStatsQuery reads ?from=&to=[&unit=]: a clerk's unit is their own
// (unit is ignored), an auditor's the one they name, or all units if none.
// It answers 400 itself and returns false on a bad time.
func parseStatsQuery(w http.ResponseWriter, r *http.Request, id auth.Identity) (statsQuery, bool) {
	q := r.URL.Query()
	sq := statsQuery{unit: id.Unit, fromArg: q.Get("from"), toArg: q.Get("to")}
	if id.Role == auth.Auditor {
		sq.unit = q.Get("unit")
		sq.all = sq.unit == ""
	}
	for name, dst := range map[string]*time.Time{"from": &sq.from, "to": &sq.to} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_query", name+" 应为 RFC 3339 时间 ("+name+" must be an RFC 3339 time, e.g. 2026-01-01T00:00:00+08:00)")
				return statsQuery{}, false
			}
			*dst = t
		}
	}
	return sq, true
}

// statsParallel is how many units' records unitsStats reads at a time.
const statsParallel = 8

// unitsStats runs one, which computes a unit's statistics and says whether
// the unit has any records, for what sq asks: the one unit (which it then
// registers, see registerAsked), or every unit of the registry
// (casefile.Repo.Units), a few at a time, in the registry's order (sorted).
func unitsStats[T any](a *API, r *http.Request, id auth.Identity, sq statsQuery, one func(context.Context, string) (T, bool, error)) ([]T, error) {
	ctx := r.Context()
	if !sq.all {
		st, has, err := one(ctx, sq.unit)
		if err != nil {
			return nil, err
		}
		a.registerAsked(r, id, sq.unit, has)
		return []T{st}, nil
	}
	units, err := a.Cases.Units(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]T, len(units))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error // the first failure; it cancels the others
		sem   = make(chan struct{}, statsParallel)
	)
	for i, unit := range units {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			err := ctx.Err()
			if err == nil {
				out[i], _, err = one(ctx, unit)
			}
			if err != nil {
				mu.Lock()
				if first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, nil
}

// registerAsked puts the unit a statistics request asked about in the unit
// registry, so that units whose cases predate the registry join the
// auditors' all-units totals once asked about. A clerk's unit comes from
// their token and is always registered; a unit an auditor names only if it
// has records, so that a mistyped name does not join the list. A failure is
// logged, not answered: the statistics are right either way, and the next
// request tries again.
func (a *API) registerAsked(r *http.Request, id auth.Identity, unit string, hasRecords bool) {
	if id.Role == auth.Auditor && !hasRecords {
		return
	}
	if err := a.Cases.RegisterUnit(r.Context(), unit); err != nil {
		a.log().Warn("unit not registered", "requestId", info(r.Context()).id, "unit", unit, "err", err)
	}
}
