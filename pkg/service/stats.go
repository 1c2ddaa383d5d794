package service

import (
	"context"
	"sync"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/complaint"
	"github.com/yuejuan/yuejuan/pkg/deadline"
)

// StatsQuery is what a statistics request asks about: submissions in
// [From, To) (zero bounds open; FromArg and ToArg as given, echoed in the
// answer), of Unit. A clerk's unit is their own (Unit is ignored); an
// auditor's the one they name, or every registered unit if none.
type StatsQuery struct {
	Unit           string
	From, To       time.Time
	FromArg, ToArg string
	all            bool
}

// scope is q for caller c.
func (q StatsQuery) scope(c Caller) StatsQuery {
	if c.Role == auth.Auditor {
		q.all = q.Unit == ""
	} else {
		q.Unit = c.Unit
	}
	return q
}

// ApplicationStats is the on-time record of the applications q asks about
// (application.Tally), or, for every unit, their totals with each unit's
// record (application.Total).
func (s *Service) ApplicationStats(ctx context.Context, c Caller, q StatsQuery) (application.Stats, error) {
	q, today := q.scope(c), deadline.DateOf(s.now())
	return unitsStats(ctx, s, c, q, func(ctx context.Context, unit string) (application.Stats, bool, error) {
		apps, err := s.Apps.ByUnit(ctx, unit, false)
		st := application.Tally(apps, q.From, q.To, today)
		st.Unit, st.From, st.To = unit, q.FromArg, q.ToArg
		return st, len(apps) > 0, err
	}, func(parts []application.Stats) application.Stats {
		st := application.Total(parts)
		st.From, st.To = q.FromArg, q.ToArg
		return st
	})
}

// ComplaintStats is ApplicationStats for complaints (complaint.Tally,
// complaint.Total).
func (s *Service) ComplaintStats(ctx context.Context, c Caller, q StatsQuery) (complaint.Stats, error) {
	q, today := q.scope(c), deadline.DateOf(s.now())
	return unitsStats(ctx, s, c, q, func(ctx context.Context, unit string) (complaint.Stats, bool, error) {
		cs, err := s.Complaints.ByUnit(ctx, unit, false)
		st := complaint.Tally(cs, q.From, q.To, today)
		st.Unit, st.From, st.To = unit, q.FromArg, q.ToArg
		return st, len(cs) > 0, err
	}, func(parts []complaint.Stats) complaint.Stats {
		st := complaint.Total(parts)
		st.From, st.To = q.FromArg, q.ToArg
		return st
	})
}

// statsParallel is how many units' records unitsStats reads at a time.
const statsParallel = 8

// unitsStats runs one, which computes a unit's statistics and says whether
// the unit has any records, for what q asks: the one unit (which it then
// registers, see registerAsked), or every unit of the registry
// (casefile.Repo.Units), a few at a time, in the registry's order (sorted),
// their statistics summed by total.
func unitsStats[T any](ctx context.Context, s *Service, c Caller, q StatsQuery, one func(context.Context, string) (T, bool, error), total func([]T) T) (T, error) {
	var zero T
	if !q.all {
		st, has, err := one(ctx, q.Unit)
		if err != nil {
			return zero, internal(err)
		}
		s.registerAsked(ctx, c, q.Unit, has)
		return st, nil
	}
	units, err := s.Cases.Units(ctx)
	if err != nil {
		return zero, internal(err)
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
		return zero, internal(first)
	}
	return total(out), nil
}

// registerAsked puts the unit a statistics request asked about in the unit
// registry, so that units whose cases predate the registry join the
// auditors' all-units totals once asked about. A clerk's unit comes from
// their token and is always registered; a unit an auditor names only if it
// has records, so that a mistyped name does not join the list. A failure is
// logged, not answered: the statistics are right either way, and the next
// request tries again.
func (s *Service) registerAsked(ctx context.Context, c Caller, unit string, hasRecords bool) {
	if c.Role == auth.Auditor && !hasRecords {
		return
	}
	if err := s.Cases.RegisterUnit(ctx, unit); err != nil {
		s.log().Warn("unit not registered", "requestId", c.RequestID, "unit", unit, "err", err)
	}
}
