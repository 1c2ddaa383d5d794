package faults

import (
	"context"

	"github.com/yuejuan/yuejuan/pkg/store"
)

// Table wraps a store.Table; calls fail as the plan says and otherwise go
// to the wrapped table. A failing Put or Delete changes nothing.
type Table struct {
	T    store.Table
	Plan *Plan
}

var _ store.Table = (*Table)(nil)

// Get implements store.Table.
func (t *Table) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	if r := t.Plan.check(TableGet, pk+"/"+sk, nil); r != nil {
		return store.Item{}, r.fail(TableGet, pk+"/"+sk)
	}
	return t.T.Get(ctx, pk, sk)
}

// Put implements store.Table.
func (t *Table) Put(ctx context.Context, it store.Item) (int64, error) {
	if r := t.Plan.check(TablePut, it.PK+"/"+it.SK, it.Data); r != nil {
		return 0, r.fail(TablePut, it.PK+"/"+it.SK)
	}
	return t.T.Put(ctx, it)
}

// Delete implements store.Table.
func (t *Table) Delete(ctx context.Context, pk, sk string, version int64) error {
	if r := t.Plan.check(TableDelete, pk+"/"+sk, nil); r != nil {
		return r.fail(TableDelete, pk+"/"+sk)
	}
	return t.T.Delete(ctx, pk, sk, version)
}

// Query implements store.Table.
func (t *Table) Query(ctx context.Context, q store.Query) (store.Page, error) {
	key := q.Index + ":" + q.PK
	if r := t.Plan.check(TableQuery, key, nil); r != nil {
		return store.Page{}, r.fail(TableQuery, key)
	}
	return t.T.Query(ctx, q)
}

// Close implements store.Table.
func (t *Table) Close() error { return t.T.Close() }
