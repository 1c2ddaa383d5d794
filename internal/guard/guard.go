// Package guard runs work that may panic or ignore cancellation — pdfcpu
// and the image decoders on files users send — so that a panic becomes an
// error and a cancelled caller returns at once.
package guard

import (
	"context"
	"fmt"
	"runtime/debug"
)

// PanicError is a panic recovered from the work Run ran.
type PanicError struct {
	Value any
	Stack []byte
}

// Error implements error.
func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Run runs fn in its own goroutine, turning a panic into a *PanicError
// and returning early with ctx.Err() when ctx is done. pdfcpu cannot be
// interrupted everywhere, so after a cancellation fn may keep running in the
// background until it finishes; it must not publish results then (fn gets a
// context that is done as well, for the parts of pdfcpu that do honour one).
func Run[T any](ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r.err = &PanicError{Value: p, Stack: debug.Stack()}
			}
			ch <- r
		}()
		r.v, r.err = fn(ctx)
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
