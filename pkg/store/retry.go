package store

import (
	"errors"
	"fmt"
)

// MaxAttempts is how many times Retry runs a read-modify-write before it
// gives up.
const MaxAttempts = 50

// ErrContended is returned (wrapped) by Retry when every attempt met a
// concurrent write.
var ErrContended = errors.New("too much contention: every attempt met a concurrent write")

// Retry runs attempt — typically Get, change, conditional Put — until it
// returns an error other than ErrConflict, or no error; after MaxAttempts
// conflicts it returns an error wrapping ErrContended. It is the one
// optimistic-concurrency loop the repositories share.
func Retry[T any](attempt func() (T, error)) (T, error) {
	for range MaxAttempts {
		v, err := attempt()
		if !errors.Is(err, ErrConflict) {
			return v, err
		}
	}
	var zero T
	return zero, fmt.Errorf("%w (%d attempts)", ErrContended, MaxAttempts)
}
