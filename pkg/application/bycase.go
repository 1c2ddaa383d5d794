package application

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
)

// A case's applications are also listed under a partition of their own, one
// small item per application (SK the application id), so that finding the
// lawyers of one case reads that case's applications and not the unit's
// whole queue, which only grows. Both secondary indexes of the table are
// taken by the application item itself (lawyer#, unit#), hence a side item,
// like the open list and the pending work list.
//
// Create writes the index item before the application item. A crash in
// between leaves an index item whose application never got written; that is
// harmless: ByCase skips ids that are not found.
func caseAppsPK(caseID string) string { return "case#" + caseID + "#apps" }

// indexCase lists the application under its case. It is idempotent: an
// existing item (a retried Create) is left as it is.
func (r *Repo) indexCase(ctx context.Context, a *Application) error {
	_, err := r.T.Put(ctx, store.Item{PK: caseAppsPK(a.CaseID), SK: a.ID, Data: []byte(a.Unit)})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("application: index %s under case %s: %w", a.ID, a.CaseID, err)
	}
	return nil
}

// ByCase returns the case's applications, in every state, ordered by
// submission time, then id. It reads the case's index, not the unit's
// applications, and by primary key, so unlike ByUnit (a secondary index,
// eventually consistent on DynamoDB) it sees an application as soon as
// Create returns. Applications stored before the index existed are listed
// only once their unit has been reindexed (see EnsureIndexed).
func (r *Repo) ByCase(ctx context.Context, caseID string) ([]*Application, error) {
	items, err := store.All(ctx, r.T, store.Query{PK: caseAppsPK(caseID)})
	if err != nil {
		return nil, fmt.Errorf("application: applications of case %s: %w", caseID, err)
	}
	out := make([]*Application, 0, len(items))
	for _, it := range items {
		a, err := r.Get(ctx, it.SK)
		if errors.Is(err, store.ErrNotFound) {
			continue // orphan index item: its Create died before the application was written
		}
		if err != nil {
			return nil, err
		}
		if a.CaseID != caseID {
			continue // cannot happen unless the record was rewritten by hand; never list it under the wrong case
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y *Application) int {
		if c := x.SubmittedAt.Compare(y.SubmittedAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out, nil
}

// Applications created before the per-case index existed have no index
// item. A unit's are backfilled once: Reindex scans the unit's applications
// (the one O(unit) read) and writes the missing index items, then a marker
// item records that the unit is done, so that EnsureIndexed costs one point
// read from then on. There is no list of units to backfill them all ahead of
// time (a unit is a claim of the clerks' login tokens), so the backfill runs on
// first use: procedure.Lawyers calls EnsureIndexed with the case's unit
// before ByCase. Applications created while it runs index themselves.
//
// Upgrading: the marker assumes that every writer of applications runs this
// code by the time a unit is reindexed. An application created afterwards
// by a still-running older version (no index item) would be missed; finish
// the rollout first, or delete the unit's marker (PK "index#case-apps", SK
// the unit) to have it backfilled again.
const reindexedPK = "index#case-apps"

// reindexWorkers bounds the concurrent index writes of Reindex: a unit's
// backfill may run inside a clerk's request, and thousands of sequential
// round trips to DynamoDB would outlast it.
const reindexWorkers = 16

// Reindex writes the per-case index item of every application of the unit
// that lacks one, marks the unit as indexed and returns how many items it
// added. It is idempotent and safe to run concurrently with Create and with
// itself; if it fails, the unit is not marked and the next call starts over.
func (r *Repo) Reindex(ctx context.Context, unit string) (int, error) {
	apps, err := r.ByUnit(ctx, unit, false)
	if err != nil {
		return 0, fmt.Errorf("application: reindex unit %s: %w", unit, err)
	}
	var (
		mu    sync.Mutex
		added int
		errs  []error
		wg    sync.WaitGroup
		next  = make(chan *Application)
	)
	for range min(reindexWorkers, len(apps)) {
		wg.Go(func() {
			for a := range next {
				_, err := r.T.Put(ctx, store.Item{PK: caseAppsPK(a.CaseID), SK: a.ID, Data: []byte(a.Unit)})
				mu.Lock()
				switch {
				case err == nil:
					added++
				case !errors.Is(err, store.ErrConflict): // a conflict: already indexed
					errs = append(errs, fmt.Errorf("application: index %s under case %s: %w", a.ID, a.CaseID, err))
				}
				mu.Unlock()
			}
		})
	}
	for _, a := range apps {
		next <- a
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return added, fmt.Errorf("application: reindex unit %s: %w", unit, err)
	}
	_, err = r.T.Put(ctx, store.Item{PK: reindexedPK, SK: unit, Data: []byte(r.now().Format(time.RFC3339))})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return added, fmt.Errorf("application: mark unit %s reindexed: %w", unit, err)
	}
	return added, nil
}

// EnsureIndexed runs Reindex for the unit unless it has already been done.
func (r *Repo) EnsureIndexed(ctx context.Context, unit string) error {
	_, err := r.T.Get(ctx, reindexedPK, unit)
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("application: reindex marker of unit %s: %w", unit, err)
	}
	_, err = r.Reindex(ctx, unit)
	return err
}
