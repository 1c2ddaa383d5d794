package store

import (
	"context"
	"errors"
	"strconv"
	"testing"
)

// pagedTable is an in-memory Table whose Query returns two items a page,
// with the index of the next item as cursor.
type pagedTable struct {
	items   []Item
	fail    error // returned by the Query after the first
	queries int
}

func (t *pagedTable) Get(context.Context, string, string) (Item, error) {
	return Item{}, ErrNotFound
}
func (t *pagedTable) Put(context.Context, Item) (int64, error)            { return 0, nil }
func (t *pagedTable) Delete(context.Context, string, string, int64) error { return nil }
func (t *pagedTable) Close() error                                        { return nil }

func (t *pagedTable) Query(_ context.Context, q Query) (Page, error) {
	t.queries++
	if t.fail != nil && t.queries > 1 {
		return Page{}, t.fail
	}
	i := 0
	if q.Cursor != "" {
		i, _ = strconv.Atoi(q.Cursor)
	}
	j := min(i+2, len(t.items))
	p := Page{Items: t.items[i:j]}
	if j < len(t.items) {
		p.Next = strconv.Itoa(j)
	}
	return p, nil
}

func TestAll(t *testing.T) {
	ctx := context.Background()
	for n := range 6 {
		tbl := &pagedTable{}
		for i := range n {
			tbl.items = append(tbl.items, Item{PK: "p", SK: strconv.Itoa(i)})
		}
		got, err := All(ctx, tbl, Query{PK: "p"})
		if err != nil {
			t.Fatalf("%d items: %v", n, err)
		}
		if len(got) != n {
			t.Fatalf("%d items: got %d", n, len(got))
		}
		for i, it := range got {
			if it.SK != strconv.Itoa(i) {
				t.Fatalf("%d items: item %d is %q", n, i, it.SK)
			}
		}
		if want := max(1, (n+1)/2); tbl.queries != want {
			t.Fatalf("%d items: %d queries, want %d", n, tbl.queries, want)
		}
	}
}

func TestAllError(t *testing.T) {
	boom := errors.New("boom")
	tbl := &pagedTable{items: make([]Item, 5), fail: boom}
	got, err := All(context.Background(), tbl, Query{PK: "p"})
	if !errors.Is(err, boom) || got != nil {
		t.Fatalf("got %v, %v; want nil, boom", got, err)
	}
}
