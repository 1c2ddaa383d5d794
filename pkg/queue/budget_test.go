package queue

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	b := Budget{Base: 2 * time.Minute, PerUnit: 100 * time.Millisecond, Max: 10 * time.Minute}
	for _, c := range []struct {
		units int64
		want  time.Duration
	}{
		{0, 2 * time.Minute}, {1_000, 2*time.Minute + 100*time.Second}, {4_800, 10 * time.Minute},
		{1_000_000, 10 * time.Minute}, {math.MaxInt64, 10 * time.Minute},
	} {
		if got := b.For(c.units); got != c.want {
			t.Errorf("For(%d) = %v, want %v", c.units, got, c.want)
		}
	}
}

// RunWithin says over only when the budget, not the caller's context,
// stopped the work.
func TestRunWithin(t *testing.T) {
	slow := func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}
	start := time.Now()
	over, err := RunWithin(t.Context(), 20*time.Millisecond, slow)
	if !over || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow work: over %v, err %v", over, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("ran for %v", d)
	}
	if over, err := RunWithin(t.Context(), time.Minute, func(context.Context) error { return errors.New("boom") }); over || err == nil {
		t.Errorf("failing work: over %v, err %v", over, err)
	}
	if over, err := RunWithin(t.Context(), time.Nanosecond, func(context.Context) error { time.Sleep(time.Millisecond); return nil }); over || err != nil {
		t.Errorf("work done late but done: over %v, err %v", over, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if over, err := RunWithin(ctx, time.Nanosecond, slow); over || err == nil {
		t.Errorf("caller's context ended: over %v, err %v", over, err)
	}
}

// A job over its budget runs once: the local queue does not retry it.
func TestOverBudgetNotRetried(t *testing.T) {
	var runs atomic.Int32
	q := NewLocal(1, func(ctx context.Context, j Job) error {
		runs.Add(1)
		return &OverBudgetError{Job: "assemble " + j.Key, Budget: time.Millisecond, Elapsed: 2 * time.Millisecond, Err: context.DeadlineExceeded}
	})
	defer q.Close()
	q.Log = quiet
	if err := q.Send(t.Context(), Job{Kind: Assemble, Key: "a1"}); err != nil {
		t.Fatal(err)
	}
	waitReturns(t, q, 5*time.Second)
	if n := runs.Load(); n != 1 {
		t.Errorf("ran %d times, want 1", n)
	}
	err := error(&OverBudgetError{Job: "x", Budget: time.Second, Elapsed: 2 * time.Second, Err: context.DeadlineExceeded})
	if !errors.Is(err, ErrOverBudget) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v is not ErrOverBudget and its cause", err)
	}
}

// A job that failed for good (a *PermanentError, e.g. a case over the
// dossier's ceilings) runs once: the local queue does not retry it, and
// the error keeps its cause for errors.As.
func TestPermanentNotRetried(t *testing.T) {
	cause := errors.New("the dossier is too large: 31201 pages, the limit is 30000")
	var runs atomic.Int32
	q := NewLocal(1, func(ctx context.Context, j Job) error {
		runs.Add(1)
		return fmt.Errorf("wrapped: %w", &PermanentError{Job: "assemble " + j.Key, Err: cause})
	})
	defer q.Close()
	q.Log = quiet
	if err := q.Send(t.Context(), Job{Kind: Assemble, Key: "a1"}); err != nil {
		t.Fatal(err)
	}
	waitReturns(t, q, 5*time.Second)
	if n := runs.Load(); n != 1 {
		t.Errorf("ran %d times, want 1", n)
	}
	err := error(&PermanentError{Job: "x", Err: cause})
	if !errors.Is(err, ErrPermanent) || !errors.Is(err, cause) || errors.Is(err, ErrOverBudget) {
		t.Errorf("%v: want ErrPermanent and its cause, not ErrOverBudget", err)
	}
	if !errors.Is(&OverBudgetError{Job: "x", Err: context.DeadlineExceeded}, ErrPermanent) {
		t.Error("an OverBudgetError is not ErrPermanent")
	}
}
