package assemble

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/queue"
)

// DefaultBudget is the time an assemble job may take: 2 minutes plus
// 100 ms per page of the case's accepted materials, at most 10 minutes. A
// 1,000-page base takes about 2.5 s to build and each copy a fraction of a
// second, so only a case that something is wrong with comes near it; the
// ceiling ends the job well before the local queue's 15-minute timeout and
// the assemble function's 900 s.
var DefaultBudget = queue.Budget{Base: 2 * time.Minute, PerUnit: 100 * time.Millisecond, Max: 10 * time.Minute}

// Failure is a dossier stopped at its time budget.
type Failure struct {
	BaseKey string // the base dossier it was building (case and content version)
	Version int    // the case's content version
	Pages   int    // pages of the accepted materials
	Budget  time.Duration
}

// Budgeted runs the Worker's jobs each within a time budget derived from
// the size of the work. A job stopped at its budget fails loudly: a
// dossier.fail audit record (result failed), the unit told (OnFailed), an
// error logged, and a *queue.OverBudgetError, which queues do not retry.
// The application stays approved with its work mark, but its dossier is not
// tried again for the same content version (each try would pin a worker for
// the whole budget): when the clerk changes the case's materials, the
// scheduler's next run builds the new version.
type Budgeted struct {
	*Worker
	Budget queue.Budget // zero: DefaultBudget
	// OnFailed, when set, tells the unit that application a's dossier
	// failed; it runs on every try of a failed version, so it must be
	// idempotent (a notice id made from the application and version).
	OnFailed func(ctx context.Context, a *application.Application, f Failure) error
	Log      *slog.Logger
}

func (b *Budgeted) log() *slog.Logger {
	if b.Log != nil {
		return b.Log
	}
	return slog.Default()
}

// Application is Worker.Application within the job's budget.
func (b *Budgeted) Application(ctx context.Context, id string) error {
	a, err := b.Apps.Get(ctx, id)
	if err != nil {
		return err
	}
	c, err := b.Cases.Get(ctx, a.CaseID)
	if err != nil {
		return err
	}
	mats, err := b.Cases.Materials(ctx, c.ID)
	if err != nil {
		return err
	}
	f := Failure{BaseKey: BaseKey(c.ID, c.ContentVersion), Version: c.ContentVersion}
	for _, m := range mats {
		if m.Status == casefile.Accepted {
			f.Pages += m.Pages
		}
	}
	budget := DefaultBudget
	if b.Budget != (queue.Budget{}) {
		budget = b.Budget
	}
	f.Budget = budget.For(int64(f.Pages))
	if a.Status == application.Approved {
		// A version that failed (for this application or another) is not
		// tried again: it would fail the same way.
		failed, err := b.Audit.Has(ctx, audit.Event{CaseID: c.ID, Action: audit.DossierFail, Target: f.BaseKey})
		if err != nil {
			return err
		}
		if failed {
			if err := b.failed(ctx, a, f); err != nil {
				return err
			}
			b.log().Warn("dossier of this content version failed before; not tried again until the case's materials change",
				"application", a.ID, "case", c.ID, "version", c.ContentVersion)
			return nil
		}
	}
	start := time.Now()
	over, err := queue.RunWithin(ctx, f.Budget, func(ctx context.Context) error { return b.Worker.Application(ctx, id) })
	if !over || errors.Is(err, ErrBusy) {
		// ErrBusy: the job waited for another worker building the same
		// base, which has its own budget; retried as usual.
		return err
	}
	ob := &queue.OverBudgetError{Job: fmt.Sprintf("assemble application %s (case %s, version %d, %d pages)", a.ID, c.CaseNo, c.ContentVersion, f.Pages),
		Budget: f.Budget, Elapsed: time.Since(start), Err: err}
	if err := b.failed(ctx, a, f); err != nil {
		return errors.Join(ob, err)
	}
	b.log().Error("dossier stopped at its time budget; the unit is told", "application", a.ID, "case", c.ID,
		"version", c.ContentVersion, "pages", f.Pages, "budget", f.Budget, "err", ob)
	return ob
}

// failed records the failure of application a's dossier once and tells
// the unit.
func (b *Budgeted) failed(ctx context.Context, a *application.Application, f Failure) error {
	if err := b.once(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.DossierFail,
		CaseID: a.CaseID, ApplicationID: a.ID, Target: f.BaseKey, Result: audit.Failed}, func() (map[string]string, error) {
		return map[string]string{"reason": "time budget exceeded", "budget": f.Budget.String(),
			"pages": fmt.Sprint(f.Pages), "version": fmt.Sprint(f.Version)}, nil
	}); err != nil {
		return err
	}
	if b.OnFailed != nil {
		return b.OnFailed(ctx, a, f)
	}
	return nil
}
