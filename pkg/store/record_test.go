package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/store"
)

type note struct {
	ID    string `json:"id"`
	Owner string `json:"owner"`
	Count int    `json:"count"`
	rev   int64
}

func notes(tbl store.Table) store.Records[note] {
	return store.Records[note]{
		T: tbl, Kind: "note",
		Rev: func(n *note) *int64 { return &n.rev },
		Item: func(n *note) store.Item {
			return store.Item{PK: "note#" + n.ID, SK: "note", GSI1PK: "owner#" + n.Owner, GSI1SK: n.ID}
		},
	}
}

func TestRecords(t *testing.T) {
	onStores(t, func(t *testing.T, tbl store.Table) {
		ctx := context.Background()
		r := notes(tbl)
		a := &note{ID: "a", Owner: "x"}
		if err := r.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.rev != 1 {
			t.Fatalf("version after first put = %d, want 1", a.rev)
		}
		// A second new record at the same key is refused.
		if err := r.Put(ctx, &note{ID: "a", Owner: "y"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second create: %v, want ErrConflict", err)
		}
		// A stale copy cannot overwrite a newer one.
		stale, err := r.Get(ctx, "note#a", "note")
		if err != nil {
			t.Fatal(err)
		}
		a.Count = 1
		if err := r.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
		stale.Count = 99
		if err := r.Put(ctx, stale); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale put: %v, want ErrConflict", err)
		}
		got, err := r.Get(ctx, "note#a", "note")
		if err != nil || got.Count != 1 || got.Owner != "x" {
			t.Fatalf("Get = %+v, %v; want count 1 of owner x", got, err)
		}
		if _, err := r.Get(ctx, "note#nope", "note"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get absent: %v, want ErrNotFound", err)
		}
		// An error from the change leaves the record as it was.
		boom := errors.New("boom")
		if _, err := r.Update(ctx, "note#a", "note", func(n *note) error { n.Count = 7; return boom }); err != boom {
			t.Fatalf("Update with failing change: %v", err)
		}
		if got, _ := r.Get(ctx, "note#a", "note"); got.Count != 1 {
			t.Fatalf("a failed change was written: count %d", got.Count)
		}
		// List reads the index, decoding versions, filtered by keep.
		for i := range 3 {
			if err := r.Put(ctx, &note{ID: fmt.Sprintf("b%d", i), Owner: "x", Count: i}); err != nil {
				t.Fatal(err)
			}
		}
		all, err := r.List(ctx, store.Query{PK: "note#b1"}, nil)
		if err != nil || len(all) != 1 || all[0].rev != 1 {
			t.Fatalf("List by primary key = %v, %v", all, err)
		}
		odd, err := r.List(ctx, store.Query{Index: store.GSI1, PK: "owner#x"}, func(n *note) bool { return n.Count%2 == 1 })
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, n := range odd {
			ids = append(ids, n.ID)
		}
		if fmt.Sprint(ids) != "[a b1]" {
			t.Fatalf("List of owner x with odd counts = %v, want [a b1]", ids)
		}
	})
}

// Concurrent updates of one record lose nothing: each reads again after a
// conflict.
func TestRecordsUpdateConcurrent(t *testing.T) {
	onStores(t, func(t *testing.T, tbl store.Table) {
		ctx := context.Background()
		r := notes(tbl)
		if err := r.Put(ctx, &note{ID: "c", Owner: "x"}); err != nil {
			t.Fatal(err)
		}
		const n = 20
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := r.Update(ctx, "note#c", "note", func(v *note) error { v.Count++; return nil })
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := r.Get(ctx, "note#c", "note")
		if err != nil || got.Count != n || got.rev != n+1 {
			t.Fatalf("after %d concurrent increments: %+v, %v", n, got, err)
		}
	})
}

// Saved runs after each successful write, and its error is the write's.
func TestRecordsSaved(t *testing.T) {
	onStores(t, func(t *testing.T, tbl store.Table) {
		ctx := context.Background()
		r := notes(tbl)
		var saved []int
		r.Saved = func(_ context.Context, n *note) error {
			saved = append(saved, n.Count)
			if n.Count < 0 {
				return errors.New("negative")
			}
			return nil
		}
		if err := r.Put(ctx, &note{ID: "s", Count: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Update(ctx, "note#s", "note", func(n *note) error { n.Count = -1; return nil }); err == nil || err.Error() != "negative" {
			t.Fatalf("Update with failing Saved: %v", err)
		}
		if fmt.Sprint(saved) != "[1 -1]" {
			t.Fatalf("Saved saw %v, want [1 -1]", saved)
		}
	})
}
