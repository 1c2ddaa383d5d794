package assemble

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/queue"
)

// DefaultBudget is the time an assemble job may take: 2 minutes plus
// 100 ms per page of the case's accepted materials, at most 10 minutes. A
// 1,000-page base takes about 2.5 s to build and each copy a fraction of a
// second, so only a case that something is wrong with comes near it; the
// ceiling ends the job well before the local queue's 15-minute timeout and
// the assemble function's 900 s.
var DefaultBudget = queue.Budget{Base: 2 * time.Minute, PerUnit: 100 * time.Millisecond, Max: 10 * time.Minute}

// Failure is a dossier given up for a content version of its case: stopped
// at its time budget, or refused because the case is over the dossier's
// ceilings (TooLarge set).
type Failure struct {
	BaseKey string // the base dossier it was building (case and content version)
	Version int    // the case's content version
	Pages   int    // pages of the accepted materials
	Budget  time.Duration
	// TooLarge, when set, is why: the case is over the dossier's ceilings,
	// with its figures and the limit (the budget did not run out).
	TooLarge *dossier.TooLargeError
}

// Code is the failure's application.Failure code.
func (f Failure) Code() string {
	if f.TooLarge != nil {
		return application.FailTooLarge
	}
	return application.FailOverBudget
}

// Reason says why in Chinese and English, with the figures and the limit.
func (f Failure) Reason() string {
	if f.TooLarge != nil {
		return f.TooLarge.Error()
	}
	return fmt.Sprintf("卷宗未能在 %v 的时限内生成，已停止；请检查本案材料，材料更新后将自动重新生成 (the dossier could not be built within its time budget of %v and was stopped; it is built again when the case's materials change)",
		f.Budget, f.Budget)
}

// detail is the failure as the dossier.fail record's detail.
func (f Failure) detail() map[string]string {
	d := map[string]string{"pages": fmt.Sprint(f.Pages), "version": fmt.Sprint(f.Version)}
	if tl := f.TooLarge; tl != nil {
		d["reason"] = "too large"
		d["dossierPages"], d["maxPages"] = fmt.Sprint(tl.Pages), fmt.Sprint(tl.MaxPages)
		d["bytes"], d["maxBytes"] = fmt.Sprint(tl.Bytes), fmt.Sprint(tl.MaxBytes)
		return d
	}
	d["reason"], d["budget"] = "time budget exceeded", f.Budget.String()
	return d
}

// failureOf is the failure a dossier.fail record's detail describes, for
// the content version f is of (a version that failed for another lawyer's
// application is not built again for this one, and the unit is told the
// same reason).
func failureOf(e audit.Event, f Failure) Failure {
	d := e.Detail
	if d["reason"] != "too large" {
		if b, err := time.ParseDuration(d["budget"]); err == nil {
			f.Budget = b
		}
		return f
	}
	tl := &dossier.TooLargeError{}
	tl.Pages, _ = strconv.Atoi(d["dossierPages"])
	tl.MaxPages, _ = strconv.Atoi(d["maxPages"])
	tl.Bytes, _ = strconv.ParseInt(d["bytes"], 10, 64)
	tl.MaxBytes, _ = strconv.ParseInt(d["maxBytes"], 10, 64)
	f.TooLarge = tl
	return f
}

// Budgeted runs the Worker's jobs each within a time budget derived from
// the size of the work, and gives up for good on a content version that
// cannot be built: a job stopped at its budget, or a case over the
// dossier's ceilings (a *dossier.TooLargeError), fails loudly — a
// dossier.fail audit record (result failed) with the reason and figures,
// the application's Failure saying why, the unit told (OnFailed), an error
// logged — and returns an error matching queue.ErrPermanent (an
// *OverBudgetError, or a *PermanentError wrapping the TooLargeError), which
// queues do not retry. The application stays approved with its work mark,
// but its dossier is not tried again for the same content version (each
// try would fail the same way, or pin a worker for the whole budget): when
// the clerk changes the case's materials, the scheduler's next run builds
// the new version.
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

var errFound = errors.New("found")

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
		var rec *audit.Event
		err := b.Audit.Each(ctx, audit.Filter{CaseID: c.ID, Action: audit.DossierFail}, func(e audit.Event) error {
			if e.Target == f.BaseKey {
				rec = &e
				return errFound
			}
			return nil
		})
		if err != nil && !errors.Is(err, errFound) {
			return err
		}
		if rec != nil {
			if err := b.failed(ctx, a, failureOf(*rec, f)); err != nil {
				return err
			}
			b.log().Warn("dossier of this content version failed before; not tried again until the case's materials change",
				"application", a.ID, "case", c.ID, "version", c.ContentVersion, "reason", rec.Detail["reason"])
			return nil
		}
	}
	start := time.Now()
	over, err := queue.RunWithin(ctx, f.Budget, func(ctx context.Context) error { return b.Worker.Application(ctx, id) })
	if tl := (*dossier.TooLargeError)(nil); !over && errors.As(err, &tl) {
		f.TooLarge = tl
		pe := &queue.PermanentError{Job: fmt.Sprintf("assemble application %s (case %s, version %d, %d pages)", a.ID, c.CaseNo, c.ContentVersion, f.Pages), Err: err}
		if err := b.failed(ctx, a, f); err != nil {
			return errors.Join(pe, err)
		}
		b.log().Error("dossier refused: the case is over the dossier's ceilings; the unit is told", "application", a.ID, "case", c.ID,
			"version", c.ContentVersion, "pages", tl.Pages, "maxPages", tl.MaxPages, "bytes", tl.Bytes, "maxBytes", tl.MaxBytes, "err", err)
		return pe
	}
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

// failed records the failure of application a's dossier once, says why on
// the application, and tells the unit.
func (b *Budgeted) failed(ctx context.Context, a *application.Application, f Failure) error {
	if err := b.once(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.DossierFail,
		CaseID: a.CaseID, ApplicationID: a.ID, Target: f.BaseKey, Result: audit.Failed}, func() (map[string]string, error) {
		return f.detail(), nil
	}); err != nil {
		return err
	}
	if x := a.Failure; x == nil || x.Version != f.Version || x.Code != f.Code() || x.Reason != f.Reason() {
		_, err := b.Apps.Update(ctx, a.ID, func(x *application.Application) error {
			if x.Status != application.Approved {
				return errAlreadyDone
			}
			x.Failure = &application.Failure{At: b.now().UTC(), Version: f.Version, Code: f.Code(), Reason: f.Reason()}
			return nil
		})
		if err != nil && !errors.Is(err, errAlreadyDone) {
			return err
		}
	}
	if b.OnFailed != nil {
		return b.OnFailed(ctx, a, f)
	}
	return nil
}
