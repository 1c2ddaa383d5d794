package reconcile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// CaseLease is the key of the lease a case's version job holds while it
// runs (assemble.Worker.Case): a held lease means a live job.
func CaseLease(caseID string) string { return "assemble-case#" + caseID }

// CopyKey is where a ready application's copy of a content version is
// (assemble.CopyKey, which TestCopyKeyAgrees holds it to): spelled here so
// that the deadline function, which only asks, does not link assemble.
func CopyKey(caseID string, contentVersion int, appID string) string {
	return fmt.Sprintf("copies/%s/v%d/%s.pdf", caseID, contentVersion, appID)
}

// Versions asks which cases' version job (queue.Version) a crash or a lost
// message left undone: their lawyers with a ready copy never got the new
// version's notice, supplement and copy (docs/versions.md).
type Versions struct {
	Cases *casefile.Repo
	Apps  *application.Repo
}

// Behind returns the ids of the cases to run the version job of again: a
// ready application with a link holds a copy of a content version older
// than its case's, the case unchanged since before, every material of it
// decided (an undecided one queues the job when it is decided, and the
// ingest sweep sees to it), and nobody holding the case's version lease
// (unless leased is true: a server starting knows the holders of the
// leases it finds are dead). The job itself delivers once per lawyer and
// version, so running it for a case already done is harmless.
//
// It reads every unit's applications (there is no index of ready ones):
// a few thousand records a run for a busy procuratorate.
func (r Versions) Behind(ctx context.Context, before time.Time, leased bool) ([]string, error) {
	units, err := r.Cases.Units(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	var errs []error
	seen := map[string]bool{}
	for _, u := range units {
		apps, err := r.Apps.ByUnit(ctx, u, false)
		if err != nil {
			errs = append(errs, fmt.Errorf("reconcile: applications of %s: %w", u, err))
			continue
		}
		for _, a := range apps {
			if a.Status != application.Ready || a.LinkID == "" || seen[a.CaseID] {
				continue
			}
			c, err := r.Cases.Get(ctx, a.CaseID)
			if err != nil {
				errs = append(errs, fmt.Errorf("reconcile: case of %s: %w", a.ID, err))
				continue
			}
			if a.CopyKey == CopyKey(c.ID, c.ContentVersion, a.ID) || c.UpdatedAt.After(before) {
				continue
			}
			seen[c.ID] = true
			ok, err := r.ready(ctx, c.ID, leased)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if ok {
				out = append(out, c.ID)
			}
		}
	}
	return out, errors.Join(errs...)
}

// ready reports whether the version job of a case can run now: every
// material decided and (unless leased) no job holding the case's lease.
func (r Versions) ready(ctx context.Context, caseID string, leased bool) (bool, error) {
	ms, err := r.Cases.Materials(ctx, caseID)
	if err != nil {
		return false, fmt.Errorf("reconcile: materials of %s: %w", caseID, err)
	}
	if len(casefile.Undecided(ms)) > 0 {
		return false, nil
	}
	if leased {
		return true, nil
	}
	release, ok, err := store.Lease(ctx, r.Apps.T, CaseLease(caseID), 5*time.Second)
	if err != nil {
		return false, err
	}
	release()
	return ok, nil
}
