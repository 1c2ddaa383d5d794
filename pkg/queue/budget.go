package queue

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Budget is how long a job may run: Base plus PerUnit for each unit of its
// work (a page, a MiB), at most Max. A job past its budget stops and fails
// for good (see OverBudgetError) instead of holding a worker until the
// queue's own timeout.
type Budget struct {
	Base, PerUnit, Max time.Duration
}

// For is the budget of a job of units units of work.
func (b Budget) For(units int64) time.Duration {
	d := b.Base
	if units > 0 && b.PerUnit > 0 {
		if units > int64(b.Max/b.PerUnit)+1 {
			d = b.Max // and no overflow
		} else {
			d += time.Duration(units) * b.PerUnit
		}
	}
	if b.Max > 0 && d > b.Max {
		d = b.Max
	}
	return d
}

// ErrOverBudget matches every *OverBudgetError.
var ErrOverBudget = errors.New("job ran past its time budget")

// OverBudgetError is a job stopped at its budget. It is final: the job's
// failure has been recorded where people see it, and running it again would
// only fail again, so queues do not retry it.
type OverBudgetError struct {
	Job     string        // what the job was doing, e.g. "assemble 01j… (1,200 pages)"
	Budget  time.Duration // the budget it had
	Elapsed time.Duration // how long it ran
	Err     error         // what the job returned when stopped
}

func (e *OverBudgetError) Error() string {
	return fmt.Sprintf("%s: stopped after %v, over its time budget of %v: %v", e.Job, e.Elapsed.Round(time.Millisecond), e.Budget, e.Err)
}

// Is makes errors.Is(err, ErrOverBudget) true.
func (e *OverBudgetError) Is(target error) bool { return target == ErrOverBudget }

func (e *OverBudgetError) Unwrap() error { return e.Err }

// RunWithin runs fn with a context that ends after d, and reports whether
// fn ran past d: over is true when fn returned an error and the budget, not
// ctx, had ended by then; err is what fn returned. Work that ignores its context is not stopped by
// it; the dossier and ingest code checks it (and runs pdfcpu in a goroutine
// it abandons when the context ends).
func RunWithin(ctx context.Context, d time.Duration, fn func(ctx context.Context) error) (over bool, err error) {
	bctx, cancel := context.WithTimeoutCause(ctx, d, ErrOverBudget)
	defer cancel()
	err = fn(bctx)
	return err != nil && ctx.Err() == nil && errors.Is(context.Cause(bctx), ErrOverBudget), err
}
