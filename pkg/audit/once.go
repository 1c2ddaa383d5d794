package audit

import (
	"context"
	"errors"
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
