package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// Records is a typed view of the JSON records of one kind in a Table: get,
// list, conditional put and read-modify-write with retry. It is the one
// get → decode → keep version → change → conditional put loop that the
// repositories share, so that each repository states only its keys and
// indexes.
//
// A record keeps the version it was read at (a field the repository
// declares through Rev); Put writes conditionally on it, so a write based on
// a stale read fails with ErrConflict and Update reads again.
type Records[T any] struct {
	T Table
	// Kind names the record in errors ("application").
	Kind string
	// Rev points at the field in which a record keeps its stored version.
	Rev func(*T) *int64
	// Item gives v's keys, secondary index keys and expiry; Records fills
	// in Data and Version.
	Item func(v *T) Item
	// Saved, if set, runs after every successful Put (for example to keep
	// a derived index item in step); its error is Put's.
	Saved func(ctx context.Context, v *T) error
}

// Decode turns a stored item into a record, keeping its version.
func (r Records[T]) Decode(it Item) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(it.Data, v); err != nil {
		return nil, fmt.Errorf("%s: decode %s/%s: %w", r.Kind, it.PK, it.SK, err)
	}
	*r.Rev(v) = it.Version
	return v, nil
}

// Get reads the record at pk, sk (an error wrapping ErrNotFound if absent).
func (r Records[T]) Get(ctx context.Context, pk, sk string) (*T, error) {
	it, err := r.T.Get(ctx, pk, sk)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.Kind, pk, err)
	}
	return r.Decode(it)
}

// Put writes v conditionally on the version it holds (0: it must be new)
// and updates that version. A stale v fails with an error wrapping
// ErrConflict.
func (r Records[T]) Put(ctx context.Context, v *T) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: encode: %w", r.Kind, err)
	}
	it := r.Item(v)
	it.Data, it.Version = data, *r.Rev(v)
	nv, err := r.T.Put(ctx, it)
	if err != nil {
		return fmt.Errorf("%s: save %s: %w", r.Kind, it.PK, err)
	}
	*r.Rev(v) = nv
	if r.Saved != nil {
		return r.Saved(ctx, v)
	}
	return nil
}

// Update reads the record at pk, sk, applies fn and writes it back,
// retrying from the read when another writer came first (see Retry). An
// error from fn ends it unchanged.
func (r Records[T]) Update(ctx context.Context, pk, sk string, fn func(*T) error) (*T, error) {
	return Retry(func() (*T, error) {
		v, err := r.Get(ctx, pk, sk)
		if err != nil {
			return nil, err
		}
		if err := fn(v); err != nil {
			return nil, err
		}
		if err := r.Put(ctx, v); err != nil {
			return nil, err
		}
		return v, nil
	})
}

// List returns every record q selects (all pages) for which keep, if set,
// is true.
func (r Records[T]) List(ctx context.Context, q Query, keep func(*T) bool) ([]*T, error) {
	items, err := All(ctx, r.T, q)
	if err != nil {
		return nil, fmt.Errorf("%s: list: %w", r.Kind, err)
	}
	out := make([]*T, 0, len(items))
	for _, it := range items {
		v, err := r.Decode(it)
		if err != nil {
			return nil, err
		}
		if keep == nil || keep(v) {
			out = append(out, v)
		}
	}
	return out, nil
}
