package store

import (
	"context"
	"errors"
)

// Mark writes it unless an item is already at its key: the idempotent entry
// of a list a repository keeps itself (open applications, units, watched
// links), which a retried or repeated write must neither fail nor duplicate.
// it.Version is ignored (the write is always a create).
func Mark(ctx context.Context, t Table, it Item) error {
	it.Version = 0
	_, err := t.Put(ctx, it)
	if errors.Is(err, ErrConflict) {
		return nil
	}
	return err
}

// Unmark removes the entry at pk, sk if there is one. An entry removed or
// rewritten by someone else meanwhile is theirs: not an error.
func Unmark(ctx context.Context, t Table, pk, sk string) error {
	it, err := t.Get(ctx, pk, sk)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	err = t.Delete(ctx, pk, sk, it.Version)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		return nil
	}
	return err
}
