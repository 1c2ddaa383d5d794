package guard

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRunPanic(t *testing.T) {
	_, err := Run(context.Background(), func(context.Context) (int, error) { panic("boom") })
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Fatalf("got %v", err)
	}
}

// A cancelled caller returns at once, while fn goes on.
func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer close(release)
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	_, err := Run(ctx, func(context.Context) (int, error) { <-release; return 1, nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}
