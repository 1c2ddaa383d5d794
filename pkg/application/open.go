package application

import (
	"context"
	"errors"
	"fmt"

	"github.com/yuejuan/yuejuan/pkg/store"
)

// Open applications (waiting for a clerk's decision) are also listed under
// one partition sorted by deadline, so the scheduled deadline job finds the
// ones due without scanning every unit.
const openPK = "open#apps"

func openSK(a *Application) string { return a.Deadline + "#" + a.ID }

// Open reports whether the application waits for a decision.
func (a *Application) Open() bool { return a.Status == Submitted || a.Status == PendingReview }

// trackOpen keeps the open list in step with a just-saved application.
func (r *Repo) trackOpen(ctx context.Context, a *Application) error {
	if a.Open() {
		if err := store.Mark(ctx, r.T, store.Item{PK: openPK, SK: openSK(a), Data: []byte(a.ID)}); err != nil {
			return fmt.Errorf("application: track open %s: %w", a.ID, err)
		}
		return nil
	}
	return store.Unmark(ctx, r.T, openPK, openSK(a))
}

// OpenDueBy returns the open applications whose deadline is on or before
// date (YYYY-MM-DD), earliest first.
func (r *Repo) OpenDueBy(ctx context.Context, date string) ([]*Application, error) {
	items, err := store.All(ctx, r.T, store.Query{PK: openPK, SKFrom: "0", SKTo: date + "#~"})
	if err != nil {
		return nil, fmt.Errorf("application: open list: %w", err)
	}
	var out []*Application
	for _, it := range items {
		a, err := r.Get(ctx, string(it.Data))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if a.Open() {
			out = append(out, a)
		} else {
			_ = r.trackOpen(ctx, a) // stale entry from a crash between writes
		}
	}
	return out, nil
}
