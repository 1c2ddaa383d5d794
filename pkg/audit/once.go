package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
)

var errFound = errors.New("found")

// Has reports whether the log already holds a record with e's Action,
// CaseID, ApplicationID and Target. A job that may be redelivered after a
// crash checks it before recording a step it may have recorded already, so
// that the step is recorded exactly once (the job must also hold a lease, so
// that two runs do not check at the same moment). It reads the case's
// records, or the actor's when e has no case.
func (l *Log) Has(ctx context.Context, e Event) (bool, error) {
	f := Filter{CaseID: e.CaseID, ApplicationID: e.ApplicationID, Action: e.Action}
	if f.CaseID == "" {
		f.Actor = e.Actor
	}
	err := l.Each(ctx, f, func(x Event) error {
		if x.Target == e.Target {
			return errFound
		}
		return nil
	})
	if errors.Is(err, errFound) {
		return true, nil
	}
	return false, err
}

// HasSince is Has for a record appended at or after since (by its
// appender's clock): it reads the case's records newest first and stops at
// the first one older than since, so it costs what was appended since, not
// the case's whole history (Has read and decoded every record of the case:
// each of a 1,000-scan upload's acceptances read the records of all those
// before it). A job uses it when its step cannot have been recorded before
// a known moment — it decided the step itself just now, under its lease —
// giving the moment slack for other appenders' clocks. Without a case, or
// with a zero since, it is Has.
func (l *Log) HasSince(ctx context.Context, e Event, since time.Time) (bool, error) {
	if e.CaseID == "" || since.IsZero() {
		return l.Has(ctx, e)
	}
	f := Filter{CaseID: e.CaseID, ApplicationID: e.ApplicationID, Action: e.Action}
	q := store.Query{Index: store.GSI1, PK: "audit#case#" + e.CaseID, Desc: true, Limit: 100}
	for {
		p, err := l.T.Query(ctx, q)
		if err != nil {
			return false, fmt.Errorf("audit: query: %w", err)
		}
		for _, it := range p.Items {
			var x Event
			if err := json.Unmarshal(it.Data, &x); err != nil {
				return false, fmt.Errorf("audit: decode %s: %w", it.SK, err)
			}
			if f.match(x) && x.Target == e.Target {
				return true, nil
			}
			if x.Time.Before(since) {
				return false, nil
			}
		}
		if p.Next == "" {
			return false, nil
		}
		q.Cursor = p.Next
	}
}
