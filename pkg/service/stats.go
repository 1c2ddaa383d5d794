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

// tallies is how one kind of record is counted: a unit's records, their
// tally (for submissions in [from, to), as of today), the sum of units'
// tallies, and where a tally says its unit and period.
type tallies[R, S any] struct {
	byUnit func(ctx context.Context, unit string, open bool) ([]*R, error)
	tally  func(rs []*R, from, to time.Time, today deadline.Date) S
	total  func([]S) S
	scope  func(st *S, unit, from, to string)
}

// ApplicationStats is the on-time record of the applications q asks about
// (application.Tally), or, for every unit, their totals with each unit's
// record (application.Total).
func (s *Service) ApplicationStats(ctx context.Context, c Caller, q StatsQuery) (application.Stats, error) {
	return unitsStats(ctx, s, c, q, tallies[application.Application, application.Stats]{s.Apps.ByUnit, application.Tally, application.Total,
		func(st *application.Stats, unit, from, to string) { st.Unit, st.From, st.To = unit, from, to }})
}

// ComplaintStats is ApplicationStats for complaints (complaint.Tally,
// complaint.Total).
func (s *Service) ComplaintStats(ctx context.Context, c Caller, q StatsQuery) (complaint.Stats, error) {
	return unitsStats(ctx, s, c, q, tallies[complaint.Complaint, complaint.Stats]{s.Complaints.ByUnit, complaint.Tally, complaint.Total,
		func(st *complaint.Stats, unit, from, to string) { st.Unit, st.From, st.To = unit, from, to }})
}

// statsParallel is how many units' records unitsStats reads at a time.
const statsParallel = 8

// unitsStats is the statistics q asks about for caller c, counted as k
// says: of the one unit (which it then registers, see registerAsked), or
// of every unit of the registry (casefile.Repo.Units), read a few at a
// time, in the registry's order (sorted), and summed.
func unitsStats[R, S any](ctx context.Context, s *Service, c Caller, q StatsQuery, k tallies[R, S]) (S, error) {
	q, today := q.scope(c), deadline.DateOf(s.now())
	one := func(ctx context.Context, unit string) (S, bool, error) {
		rs, err := k.byUnit(ctx, unit, false)
		st := k.tally(rs, q.From, q.To, today)
		k.scope(&st, unit, q.FromArg, q.ToArg)
		return st, len(rs) > 0, err
	}
	var zero S
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
	out := make([]S, len(units))
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
	st := k.total(out)
	k.scope(&st, "", q.FromArg, q.ToArg)
	return st, nil
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
