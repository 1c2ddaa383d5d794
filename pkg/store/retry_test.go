package store

import (
	"errors"
	"fmt"
	"testing"
)

func TestRetry(t *testing.T) {
	// Conflicts are retried until the write goes through.
	n := 0
	v, err := Retry(func() (int, error) {
		n++
		if n < 3 {
			return 0, fmt.Errorf("put: %w", ErrConflict)
		}
		return n, nil
	})
	if err != nil || v != 3 {
		t.Fatalf("Retry = %d, %v; want 3, nil", v, err)
	}
	// Any other error stops at once and is returned as is.
	boom := errors.New("boom")
	n = 0
	if _, err := Retry(func() (int, error) { n++; return 0, boom }); err != boom || n != 1 {
		t.Fatalf("other error: %v after %d attempts", err, n)
	}
	// Endless conflicts give up with ErrContended.
	n = 0
	if _, err := Retry(func() (int, error) { n++; return 0, ErrConflict }); !errors.Is(err, ErrContended) || n != MaxAttempts {
		t.Fatalf("endless conflicts: %v after %d attempts", err, n)
	}
}
