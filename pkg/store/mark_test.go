package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/store"
)

// Mark and Unmark are idempotent: a second Mark keeps the first entry, a
// second Unmark (or one of nothing) succeeds.
func TestMark(t *testing.T) {
	onStores(t, func(t *testing.T, tbl store.Table) {
		ctx := context.Background()
		for _, data := range []string{"first", "second"} {
			if err := store.Mark(ctx, tbl, store.Item{PK: "list", SK: "a", Data: []byte(data), Version: 7}); err != nil {
				t.Fatalf("mark (%s): %v", data, err)
			}
		}
		it, err := tbl.Get(ctx, "list", "a")
		if err != nil || string(it.Data) != "first" || it.Version != 1 {
			t.Fatalf("after two marks: %+v %v, want the first at version 1", it, err)
		}
		for range 2 {
			if err := store.Unmark(ctx, tbl, "list", "a"); err != nil {
				t.Fatalf("unmark: %v", err)
			}
		}
		if _, err := tbl.Get(ctx, "list", "a"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after unmark: %v, want not found", err)
		}
	})
}
