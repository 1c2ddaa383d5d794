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

// Is makes errors.Is(err, ErrOverBudget) and errors.Is(err, ErrPermanent)
// true.
func (e *OverBudgetError) Is(target error) bool {
	return target == ErrOverBudget || target == ErrPermanent
}

func (e *OverBudgetError) Unwrap() error { return e.Err }

// ErrPermanent matches every error a job fails with for good: a
// *PermanentError or an *OverBudgetError. The job has recorded its failure
// where people see it, and running it again would only fail the same way,
// so queues do not retry it: the local queue drops it, the SQS handler
// deletes the message instead of letting it be received again and
// dead-lettered.
var ErrPermanent = errors.New("job failed for good")

// PermanentError is a job's failure that another run would only repeat
// (the case over the dossier's ceilings, say), already recorded where
// people see it; errors.Is(err, ErrPermanent) is true of it and Err is
// kept for errors.As.
type PermanentError struct {
	Job string // what the job was doing, e.g. "assemble application 01j… (case 京检…, version 3)"
	Err error  // why it failed
}

func (e *PermanentError) Error() string {
	return fmt.Sprintf("%s: failed for good, not retried: %v", e.Job, e.Err)
}

// Is makes errors.Is(err, ErrPermanent) true.
func (e *PermanentError) Is(target error) bool { return target == ErrPermanent }

func (e *PermanentError) Unwrap() error { return e.Err }

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
