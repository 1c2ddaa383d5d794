package dossier

import (
	"context"
	"fmt"
	"runtime/debug"
)

// panicError is a panic recovered from pdfcpu or an image decoder.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// guarded runs fn in its own goroutine, turning a panic into a *panicError
// and returning early with ctx.Err() when ctx is done. pdfcpu cannot be
// interrupted everywhere, so after a cancellation fn may keep running in the
// background until it finishes; it must not publish results then (fn gets a
// context that is done as well, for the parts of pdfcpu that do honour one).
func guarded[T any](ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r.err = &panicError{value: p, stack: debug.Stack()}
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
