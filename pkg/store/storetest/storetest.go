// Package storetest is the contract suite every store.Table driver must pass.
//
// A driver's test calls RunConformance with a constructor that returns a
// fresh, empty table for each subtest. The suite depends on nothing but the
// store interface, so the same tests run against SQLite and DynamoDB: it makes
// no timing assumptions beyond "an hour ago has expired, an hour from now has
// not", and it tolerates what DynamoDB is allowed to do with pages (fewer items
// than Limit, a trailing empty page) while checking that every item is visited
// exactly once and in order.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
)

// maxPages bounds every pagination loop so a driver whose cursor never ends
// fails instead of hanging.
const maxPages = 10000

// RunConformance runs the contract suite. newTable must return a new, empty
// table each time it is called; the suite closes it when the subtest ends.
func RunConformance(t *testing.T, newTable func(t *testing.T) store.Table) {
	tests := []struct {
		name string
		fn   func(t *testing.T, tb store.Table)
	}{
		{"GetMissing", testGetMissing},
		{"PutNew", testPutNew},
		{"PutNewExisting", testPutNewExisting},
		{"PutUpdate", testPutUpdate},
		{"PutStale", testPutStale},
		{"Delete", testDelete},
		{"Expiry", testExpiry},
		{"ExpiryBecomesAbsent", testExpiryBecomesAbsent},
		{"QueryPrimary", testQueryPrimary},
		{"QueryGSI", testQueryGSI},
		{"QueryIndexKeysMove", testQueryIndexKeysMove},
		{"QueryPrefix", testQueryPrefix},
		{"QueryRange", testQueryRange},
		{"QueryOrderBytewise", testQueryOrderBytewise},
		{"QueryInvalid", testQueryInvalid},
		{"Paginate", testPaginate},
		{"PaginateGSIDuplicateSortKeys", testPaginateGSIDuplicates},
		{"PaginateWithWrites", testPaginateWithWrites},
		{"DefaultLimit", testDefaultLimit},
		{"DataRoundTrip", testDataRoundTrip},
		{"DataNotAliased", testDataNotAliased},
		{"ConcurrentIncrements", testConcurrentIncrements},
		{"ConcurrentCreate", testConcurrentCreate},
		{"ConcurrentDelete", testConcurrentDelete},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTable(t)
			if tb == nil {
				t.Fatal("newTable returned nil")
			}
			t.Cleanup(func() {
				if err := tb.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, tb)
		})
	}
}

// ---- helpers ----

var errNoError = errors.New("no error")

// hourAgoNow and inAnHourNow are whole seconds (DynamoDB keeps TTL as epoch
// seconds), computed at each use so a long run does not drift towards them.
func hourAgoNow() time.Time              { return time.Now().Add(-time.Hour).Truncate(time.Second) }
func inAnHourNow() time.Time             { return time.Now().Add(time.Hour).Truncate(time.Second) }
func ctxOf(t *testing.T) context.Context { return t.Context() }

func put(t *testing.T, tb store.Table, it store.Item) int64 {
	t.Helper()
	v, err := tb.Put(ctxOf(t), it)
	if err != nil {
		t.Fatalf("Put(%q, %q, version %d): %v", it.PK, it.SK, it.Version, err)
	}
	return v
}

func mustGet(t *testing.T, tb store.Table, pk, sk string) store.Item {
	t.Helper()
	it, err := tb.Get(ctxOf(t), pk, sk)
	if err != nil {
		t.Fatalf("Get(%q, %q): %v", pk, sk, err)
	}
	return it
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if err == nil {
		err = errNoError
	}
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want errors.Is(err, %v)", what, err, target)
	}
}

func wantNotFound(t *testing.T, tb store.Table, pk, sk string) {
	t.Helper()
	it, err := tb.Get(ctxOf(t), pk, sk)
	if err == nil {
		t.Errorf("Get(%q, %q) = %+v, want ErrNotFound", pk, sk, it)
		return
	}
	wantErr(t, fmt.Sprintf("Get(%q, %q)", pk, sk), err, store.ErrNotFound)
}

// sameItem compares everything but Version, which the caller checks.
func sameItem(t *testing.T, what string, got, want store.Item) {
	t.Helper()
	if got.PK != want.PK || got.SK != want.SK {
		t.Errorf("%s: key = %q/%q, want %q/%q", what, got.PK, got.SK, want.PK, want.SK)
	}
	if !bytes.Equal(got.Data, want.Data) {
		t.Errorf("%s: Data = %s, want %s", what, short(got.Data), short(want.Data))
	}
	if got.GSI1PK != want.GSI1PK || got.GSI1SK != want.GSI1SK {
		t.Errorf("%s: GSI1 = %q/%q, want %q/%q", what, got.GSI1PK, got.GSI1SK, want.GSI1PK, want.GSI1SK)
	}
	if got.GSI2PK != want.GSI2PK || got.GSI2SK != want.GSI2SK {
		t.Errorf("%s: GSI2 = %q/%q, want %q/%q", what, got.GSI2PK, got.GSI2SK, want.GSI2PK, want.GSI2SK)
	}
	// Whole seconds: DynamoDB keeps TTL as epoch seconds.
	if got.ExpiresAt.IsZero() != want.ExpiresAt.IsZero() ||
		!got.ExpiresAt.IsZero() && !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("%s: ExpiresAt = %v, want %v", what, got.ExpiresAt, want.ExpiresAt)
	}
}

func short(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%q... (%d bytes)", b[:40], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// queryAll follows a query across pages. It checks that each page respects
// Limit, and returns all items in the order received plus the page count.
func queryAll(t *testing.T, tb store.Table, q store.Query) ([]store.Item, int) {
	t.Helper()
	var all []store.Item
	for pages := 1; pages <= maxPages; pages++ {
		p, err := tb.Query(ctxOf(t), q)
		if err != nil {
			t.Fatalf("Query(%+v): %v", q, err)
		}
		if q.Limit > 0 && len(p.Items) > q.Limit {
			t.Fatalf("Query(%+v) returned %d items, more than Limit", q, len(p.Items))
		}
		all = append(all, p.Items...)
		if p.Next == "" {
			return all, pages
		}
		if p.Next == q.Cursor {
			t.Fatalf("Query(%+v) returned its own cursor as Next", q)
		}
		q.Cursor = p.Next
	}
	t.Fatalf("Query(%+v) did not end after %d pages", q, maxPages)
	return nil, 0
}

func keyOf(it store.Item) string { return it.PK + "\x00" + it.SK }

// wantKeys checks the items' table keys, in order, against want ("pk/sk").
func wantKeys(t *testing.T, what string, got []store.Item, want ...string) {
	t.Helper()
	g := make([]string, len(got))
	for i, it := range got {
		g[i] = it.PK + "/" + it.SK
	}
	if !slices.Equal(g, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, g, want)
	}
}

// wantSKs checks the items' primary sort keys, in order, against want.
func wantSKs(t *testing.T, what string, got []store.Item, want ...string) {
	t.Helper()
	g := make([]string, len(got))
	for i, it := range got {
		g[i] = it.SK
	}
	if !slices.Equal(g, want) && !(len(g) == 0 && len(want) == 0) {
		t.Errorf("%s:\n got %q\nwant %q", what, g, want)
	}
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

// ---- Get / Put / Delete ----

func testGetMissing(t *testing.T, tb store.Table) {
	wantNotFound(t, tb, "P", "S")
	put(t, tb, store.Item{PK: "P", SK: "S", Data: []byte("x")})
	wantNotFound(t, tb, "P", "S2")
	wantNotFound(t, tb, "P2", "S")
	wantNotFound(t, tb, "P", "s")
	wantNotFound(t, tb, "P", "S ")
}

func testPutNew(t *testing.T, tb store.Table) {
	it := store.Item{
		PK: "case#2024-001", SK: "application#1", Data: []byte(`{"lawyer":"张三"}`),
		GSI1PK: "lawyer#1", GSI1SK: "2024-06-01",
		GSI2PK: "status#pending", GSI2SK: "2024-06-04",
		ExpiresAt: inAnHourNow(),
	}
	if v := put(t, tb, it); v != 1 {
		t.Errorf("Put new returned version %d, want 1", v)
	}
	got := mustGet(t, tb, it.PK, it.SK)
	if got.Version != 1 {
		t.Errorf("Get: Version = %d, want 1", got.Version)
	}
	sameItem(t, "Get", got, it)

	// A second item without index keys or expiry.
	plain := store.Item{PK: "case#2024-001", SK: "application#2", Data: []byte("{}")}
	if v := put(t, tb, plain); v != 1 {
		t.Errorf("Put new returned version %d, want 1", v)
	}
	got = mustGet(t, tb, plain.PK, plain.SK)
	if got.Version != 1 {
		t.Errorf("Get: Version = %d, want 1", got.Version)
	}
	sameItem(t, "Get plain", got, plain)
}

func testPutNewExisting(t *testing.T, tb store.Table) {
	orig := store.Item{PK: "P", SK: "S", Data: []byte("first"), GSI1PK: "G", GSI1SK: "1"}
	put(t, tb, orig)
	_, err := tb.Put(ctxOf(t), store.Item{PK: "P", SK: "S", Data: []byte("second"), GSI1PK: "G", GSI1SK: "2"})
	wantErr(t, "Put new on an existing key", err, store.ErrConflict)
	if errors.Is(err, store.ErrNotFound) {
		t.Errorf("Put new on an existing key: error %v also matches ErrNotFound", err)
	}
	got := mustGet(t, tb, "P", "S")
	if got.Version != 1 {
		t.Errorf("after failed Put: Version = %d, want 1", got.Version)
	}
	sameItem(t, "after failed Put", got, orig)
	// The same holds once the item has been updated.
	put(t, tb, store.Item{PK: "P", SK: "S", Version: 1, Data: []byte("v2")})
	_, err = tb.Put(ctxOf(t), store.Item{PK: "P", SK: "S", Data: []byte("again")})
	wantErr(t, "Put new on an updated key", err, store.ErrConflict)
}

func testPutUpdate(t *testing.T, tb store.Table) {
	it := store.Item{
		PK: "P", SK: "S", Data: []byte("one"),
		GSI1PK: "g1-a", GSI1SK: "s1-a", GSI2PK: "g2-a", GSI2SK: "s2-a",
		ExpiresAt: inAnHourNow(),
	}
	v := put(t, tb, it)
	for want := int64(2); want <= 5; want++ {
		it = store.Item{
			PK: "P", SK: "S", Version: v, Data: []byte("data " + strconv.FormatInt(want, 10)),
			GSI1PK: "g1-" + strconv.FormatInt(want, 10), GSI1SK: "s1-" + strconv.FormatInt(want, 10),
		}
		if want%2 == 0 {
			it.GSI2PK, it.GSI2SK = "g2", strconv.FormatInt(want, 10)
			it.ExpiresAt = inAnHourNow()
		}
		nv := put(t, tb, it)
		if nv != v+1 || nv != want {
			t.Fatalf("Put with version %d returned %d, want %d", v, nv, v+1)
		}
		v = nv
		got := mustGet(t, tb, "P", "S")
		if got.Version != v {
			t.Errorf("Get after update: Version = %d, want %d", got.Version, v)
		}
		// Everything is replaced, including cleared index keys and expiry.
		sameItem(t, fmt.Sprintf("Get after update to %d", v), got, it)
	}
	// The Version in the returned item can be fed straight back.
	got := mustGet(t, tb, "P", "S")
	got.Data = []byte("from Get")
	if nv := put(t, tb, got); nv != got.Version+1 {
		t.Errorf("Put of a got item returned %d, want %d", nv, got.Version+1)
	}
}

func testPutStale(t *testing.T, tb store.Table) {
	put(t, tb, store.Item{PK: "P", SK: "S", Data: []byte("v1")})
	put(t, tb, store.Item{PK: "P", SK: "S", Version: 1, Data: []byte("v2")})
	for _, v := range []int64{1, 3, 100} {
		_, err := tb.Put(ctxOf(t), store.Item{PK: "P", SK: "S", Version: v, Data: []byte("stale")})
		wantErr(t, fmt.Sprintf("Put with version %d over version 2", v), err, store.ErrConflict)
	}
	got := mustGet(t, tb, "P", "S")
	if got.Version != 2 || string(got.Data) != "v2" {
		t.Errorf("after stale Puts: got version %d data %q, want 2 %q", got.Version, got.Data, "v2")
	}
	// A versioned Put of an item that does not exist fails its condition.
	_, err := tb.Put(ctxOf(t), store.Item{PK: "P", SK: "missing", Version: 1, Data: []byte("x")})
	wantErr(t, "Put with version 1 of a missing item", err, store.ErrConflict)
	wantNotFound(t, tb, "P", "missing")
	// Deleted, then versioned Put with the old version: still a conflict.
	if err := tb.Delete(ctxOf(t), "P", "S", 2); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = tb.Put(ctxOf(t), store.Item{PK: "P", SK: "S", Version: 2, Data: []byte("x")})
	wantErr(t, "Put with version 2 of a deleted item", err, store.ErrConflict)
	wantNotFound(t, tb, "P", "S")
}

func testDelete(t *testing.T, tb store.Table) {
	ctx := ctxOf(t)
	wantErr(t, "Delete of a missing item", tb.Delete(ctx, "P", "S", 1), store.ErrNotFound)
	wantErr(t, "Delete of a missing item with version 0", tb.Delete(ctx, "P", "S", 0), store.ErrNotFound)

	it := store.Item{PK: "P", SK: "S", Data: []byte("x"), GSI1PK: "G1", GSI1SK: "a", GSI2PK: "G2", GSI2SK: "a"}
	put(t, tb, it)
	it.Version = 1
	put(t, tb, it) // version 2
	put(t, tb, store.Item{PK: "P", SK: "T", Data: []byte("neighbour"), GSI1PK: "G1", GSI1SK: "b"})

	for _, v := range []int64{0, 1, 3} {
		wantErr(t, fmt.Sprintf("Delete with version %d of version 2", v), tb.Delete(ctx, "P", "S", v), store.ErrConflict)
	}
	if got := mustGet(t, tb, "P", "S"); got.Version != 2 {
		t.Errorf("after failed Deletes: Version = %d, want 2", got.Version)
	}
	if err := tb.Delete(ctx, "P", "S", 2); err != nil {
		t.Fatalf("Delete with the right version: %v", err)
	}
	wantNotFound(t, tb, "P", "S")
	wantErr(t, "second Delete", tb.Delete(ctx, "P", "S", 2), store.ErrNotFound)
	mustGet(t, tb, "P", "T") // the neighbour is untouched

	// Gone from the primary key and both indexes.
	items, _ := queryAll(t, tb, store.Query{PK: "P"})
	wantSKs(t, "primary after Delete", items, "T")
	items, _ = queryAll(t, tb, store.Query{Index: store.GSI1, PK: "G1"})
	wantSKs(t, "GSI1 after Delete", items, "T")
	items, _ = queryAll(t, tb, store.Query{Index: store.GSI2, PK: "G2"})
	wantSKs(t, "GSI2 after Delete", items)

	// The key can be created anew, starting again at version 1.
	if v := put(t, tb, store.Item{PK: "P", SK: "S", Data: []byte("again")}); v != 1 {
		t.Errorf("Put new after Delete returned %d, want 1", v)
	}
}

// ---- expiry ----

func testExpiry(t *testing.T, tb store.Table) {
	ctx := ctxOf(t)
	expired := store.Item{
		PK: "P", SK: "expired", Data: []byte("old"),
		GSI1PK: "G1", GSI1SK: "expired", GSI2PK: "G2", GSI2SK: "expired",
		ExpiresAt: hourAgoNow(),
	}
	living := store.Item{
		PK: "P", SK: "living", Data: []byte("new"),
		GSI1PK: "G1", GSI1SK: "living", GSI2PK: "G2", GSI2SK: "living",
		ExpiresAt: inAnHourNow(),
	}
	forever := store.Item{PK: "P", SK: "forever", Data: []byte("ever"), GSI1PK: "G1", GSI1SK: "forever"}
	// Writing an already expired item is allowed; it is simply never seen.
	put(t, tb, expired)
	put(t, tb, living)
	put(t, tb, forever)

	wantNotFound(t, tb, "P", "expired")
	sameItem(t, "Get living", mustGet(t, tb, "P", "living"), living)
	sameItem(t, "Get forever", mustGet(t, tb, "P", "forever"), forever)

	for _, q := range []store.Query{
		{PK: "P"},
		{PK: "P", Desc: true},
		{PK: "P", SKPrefix: "e"},
		{PK: "P", SKFrom: "a", SKTo: "z"},
		{PK: "P", Limit: 1},
		{Index: store.GSI1, PK: "G1"},
		{Index: store.GSI1, PK: "G1", Limit: 1},
		{Index: store.GSI2, PK: "G2"},
	} {
		items, _ := queryAll(t, tb, q)
		for _, it := range items {
			if it.SK == "expired" {
				t.Errorf("Query(%+v) returned the expired item", q)
			}
		}
	}

	// An expired item counts as absent: a versioned write or delete of it
	// fails, and a Put of a new item (Version 0) takes its place.
	_, err := tb.Put(ctx, store.Item{PK: "P", SK: "expired", Version: 1, Data: []byte("x")})
	wantErr(t, "Put with version 1 of an expired item", err, store.ErrConflict)
	wantErr(t, "Delete of an expired item", tb.Delete(ctx, "P", "expired", 1), store.ErrNotFound)

	fresh := store.Item{PK: "P", SK: "expired", Data: []byte("reborn"), GSI2PK: "G2", GSI2SK: "reborn"}
	if v := put(t, tb, fresh); v != 1 {
		t.Errorf("Put new over an expired item returned %d, want 1", v)
	}
	got := mustGet(t, tb, "P", "expired")
	if got.Version != 1 {
		t.Errorf("Get of the replacement: Version = %d, want 1", got.Version)
	}
	sameItem(t, "Get of the replacement", got, fresh) // no expiry, no GSI1 keys left over
	items, _ := queryAll(t, tb, store.Query{Index: store.GSI1, PK: "G1"})
	wantSKs(t, "GSI1 after the replacement", items, "forever", "living")
	items, _ = queryAll(t, tb, store.Query{Index: store.GSI2, PK: "G2"})
	wantSKs(t, "GSI2 after the replacement", items, "living", "expired")
}

func testExpiryBecomesAbsent(t *testing.T, tb store.Table) {
	ctx := ctxOf(t)
	put(t, tb, store.Item{PK: "P", SK: "S", Data: []byte("a"), GSI1PK: "G", GSI1SK: "1", ExpiresAt: inAnHourNow()})
	// Extend and then expire through versioned Puts.
	if v := put(t, tb, store.Item{PK: "P", SK: "S", Version: 1, Data: []byte("b"), GSI1PK: "G", GSI1SK: "1", ExpiresAt: inAnHourNow().Add(time.Hour)}); v != 2 {
		t.Fatalf("Put returned %d, want 2", v)
	}
	if v := put(t, tb, store.Item{PK: "P", SK: "S", Version: 2, Data: []byte("c"), GSI1PK: "G", GSI1SK: "1", ExpiresAt: hourAgoNow()}); v != 3 {
		t.Fatalf("Put returned %d, want 3", v)
	}
	wantNotFound(t, tb, "P", "S")
	items, _ := queryAll(t, tb, store.Query{PK: "P"})
	wantSKs(t, "primary after expiry", items)
	items, _ = queryAll(t, tb, store.Query{Index: store.GSI1, PK: "G"})
	wantSKs(t, "GSI1 after expiry", items)
	_, err := tb.Put(ctx, store.Item{PK: "P", SK: "S", Version: 3, Data: []byte("d")})
	wantErr(t, "Put with the version of an expired item", err, store.ErrConflict)
	if v := put(t, tb, store.Item{PK: "P", SK: "S", Data: []byte("e")}); v != 1 {
		t.Errorf("Put new over an expired item returned %d, want 1", v)
	}
}

// ---- Query ----

func testQueryPrimary(t *testing.T, tb store.Table) {
	want := map[string]store.Item{}
	for _, pk := range []string{"A", "B", "AB", "A#"} {
		for _, sk := range []string{"3", "1", "2"} {
			it := store.Item{PK: pk, SK: sk, Data: []byte(pk + "=" + sk), GSI1PK: "g" + pk, GSI1SK: sk}
			put(t, tb, it)
			want[keyOf(it)] = it
		}
	}
	for _, pk := range []string{"A", "B", "AB", "A#"} {
		p, err := tb.Query(ctxOf(t), store.Query{PK: pk})
		if err != nil {
			t.Fatalf("Query %q: %v", pk, err)
		}
		if p.Next != "" {
			t.Errorf("Query %q of 3 items without Limit: Next = %q, want last page", pk, p.Next)
		}
		wantKeys(t, "Query "+pk, p.Items, pk+"/1", pk+"/2", pk+"/3")
		for _, it := range p.Items {
			if it.Version != 1 {
				t.Errorf("Query %q: %s has Version %d, want 1", pk, it.SK, it.Version)
			}
			sameItem(t, "Query "+pk, it, want[keyOf(it)])
		}
		items, _ := queryAll(t, tb, store.Query{PK: pk, Desc: true})
		wantKeys(t, "Query desc "+pk, items, pk+"/3", pk+"/2", pk+"/1")
	}
	items, _ := queryAll(t, tb, store.Query{PK: "C"})
	wantSKs(t, "Query of an empty partition", items)
	items, _ = queryAll(t, tb, store.Query{PK: "a"})
	wantSKs(t, "Query of a partition differing in case", items)
}

func testQueryGSI(t *testing.T, tb store.Table) {
	// Items of several primary partitions gather under one index partition.
	items := []store.Item{
		{PK: "case#1", SK: "app#1", GSI1PK: "lawyer#A", GSI1SK: "2024-06-03", GSI2PK: "pending", GSI2SK: "2024-06-06"},
		{PK: "case#2", SK: "app#1", GSI1PK: "lawyer#A", GSI1SK: "2024-06-01", GSI2PK: "done", GSI2SK: "2024-06-04"},
		{PK: "case#1", SK: "app#2", GSI1PK: "lawyer#B", GSI1SK: "2024-06-02", GSI2PK: "pending", GSI2SK: "2024-06-05"},
		{PK: "case#3", SK: "app#1", GSI1PK: "lawyer#A", GSI1SK: "2024-06-02"}, // not in GSI2
		{PK: "case#3", SK: "app#2", GSI2PK: "pending", GSI2SK: "2024-06-04"},  // not in GSI1
		{PK: "case#3", SK: "app#3"}, // in neither
		// Index sort key set but partition key empty: absent from the index.
		{PK: "case#3", SK: "app#4", GSI1SK: "2024-06-01", GSI2SK: "2024-06-01"},
	}
	byKey := map[string]store.Item{}
	for i := range items {
		items[i].Data = []byte(fmt.Sprintf(`{"n":%d}`, i))
		put(t, tb, items[i])
		byKey[keyOf(items[i])] = items[i]
	}
	check := func(q store.Query, want ...string) {
		t.Helper()
		got, _ := queryAll(t, tb, q)
		wantKeys(t, fmt.Sprintf("Query(%+v)", q), got, want...)
		for _, it := range got {
			if it.Version != 1 {
				t.Errorf("Query(%+v): %s/%s has Version %d, want 1", q, it.PK, it.SK, it.Version)
			}
			// An index query returns the whole item.
			sameItem(t, fmt.Sprintf("Query(%+v)", q), it, byKey[keyOf(it)])
		}
	}
	check(store.Query{Index: store.GSI1, PK: "lawyer#A"}, "case#2/app#1", "case#3/app#1", "case#1/app#1")
	check(store.Query{Index: store.GSI1, PK: "lawyer#A", Desc: true}, "case#1/app#1", "case#3/app#1", "case#2/app#1")
	check(store.Query{Index: store.GSI1, PK: "lawyer#B"}, "case#1/app#2")
	check(store.Query{Index: store.GSI2, PK: "pending"}, "case#3/app#2", "case#1/app#2", "case#1/app#1")
	check(store.Query{Index: store.GSI2, PK: "done"}, "case#2/app#1")
	check(store.Query{Index: store.GSI1, PK: "case#1"})   // a table partition is not an index partition
	check(store.Query{Index: store.GSI2, PK: "lawyer#A"}) // nor is the other index's
	check(store.Query{PK: "lawyer#A"})
	check(store.Query{PK: "case#3"}, "case#3/app#1", "case#3/app#2", "case#3/app#3", "case#3/app#4")
	check(store.Query{Index: store.GSI1, PK: "lawyer#A", SKTo: "2024-06-02"}, "case#2/app#1", "case#3/app#1")
	check(store.Query{Index: store.GSI2, PK: "pending", SKPrefix: "2024-06-0", Desc: true}, "case#1/app#1", "case#1/app#2", "case#3/app#2")
}

func testQueryIndexKeysMove(t *testing.T, tb store.Table) {
	it := store.Item{PK: "P", SK: "S", Data: []byte("1"), GSI1PK: "old", GSI1SK: "x", GSI2PK: "g2", GSI2SK: "x"}
	put(t, tb, it)
	// Move to another GSI1 partition and drop out of GSI2.
	put(t, tb, store.Item{PK: "P", SK: "S", Version: 1, Data: []byte("2"), GSI1PK: "new", GSI1SK: "y"})
	items, _ := queryAll(t, tb, store.Query{Index: store.GSI1, PK: "old"})
	wantSKs(t, "old GSI1 partition", items)
	items, _ = queryAll(t, tb, store.Query{Index: store.GSI1, PK: "new"})
	wantSKs(t, "new GSI1 partition", items, "S")
	if len(items) == 1 && (items[0].GSI1SK != "y" || string(items[0].Data) != "2" || items[0].Version != 2) {
		t.Errorf("new GSI1 partition: got %+v", items[0])
	}
	items, _ = queryAll(t, tb, store.Query{Index: store.GSI2, PK: "g2"})
	wantSKs(t, "GSI2 after clearing its keys", items)
	// And back into GSI2 with a new sort key.
	put(t, tb, store.Item{PK: "P", SK: "S", Version: 2, Data: []byte("3"), GSI2PK: "g2", GSI2SK: "z"})
	items, _ = queryAll(t, tb, store.Query{Index: store.GSI2, PK: "g2", SKFrom: "z", SKTo: "z"})
	wantSKs(t, "GSI2 after setting its keys again", items, "S")
	items, _ = queryAll(t, tb, store.Query{Index: store.GSI1, PK: "new"})
	wantSKs(t, "GSI1 after clearing its keys", items)
}

// sortKeys are distinct sort keys whose bytewise (UTF-8) order differs from
// naive expectations: case, '#' separators sorting before digits and letters,
// digit strings compared as text, LIKE/GLOB metacharacters, multi-byte
// Chinese, and a supplementary-plane character that sorts after U+FF01 in
// UTF-8 but before it in UTF-16.
var sortKeys = []string{
	"a", "a#", "a#1", "a#1#x", "a#10", "a#2", "a$", "a%", "a%b", "a*", "a_", "a_b", "ab", "axb", "a\x7f",
	"A", "B", "Z", "b", "z", "0", "10", "9", " ", "~",
	"case#2024#001", "case#2024#002", "case#2024#010", "case#2024-001",
	"中", "中文", "中国", "中#1", "乙", "阅卷", "阅卷#律师#张三", "阅卷#律师#李四", "阅", "é", "ÿ",
	"\uff01", "\U0001F600", "\U0001F600#1", "\u4e00", "\u9fa5",
}

func sortedKeys() []string {
	s := slices.Clone(sortKeys)
	slices.Sort(s) // Go compares strings bytewise
	return s
}

func putSortKeys(t *testing.T, tb store.Table) {
	for i, sk := range sortKeys {
		put(t, tb, store.Item{
			PK: "P", SK: sk, Data: []byte(strconv.Itoa(i)),
			GSI1PK: "G", GSI1SK: sk,
			GSI2PK: "G", GSI2SK: sk,
		})
		// A decoy in another partition with the same sort keys.
		put(t, tb, store.Item{PK: "Q", SK: sk, GSI1PK: "H", GSI1SK: sk})
	}
}

// filterKeys returns the sorted sort keys for which keep holds.
func filterKeys(keep func(string) bool) []string {
	var r []string
	for _, k := range sortedKeys() {
		if keep(k) {
			r = append(r, k)
		}
	}
	return r
}

func indexSKs(items []store.Item, index string) []string {
	r := make([]string, len(items))
	for i, it := range items {
		r[i] = it.SortKey(index)
	}
	return r
}

func checkQuery(t *testing.T, tb store.Table, q store.Query, want []string) {
	t.Helper()
	for _, index := range []string{store.Primary, store.GSI1, store.GSI2} {
		q := q
		q.Index = index
		if index == store.Primary {
			q.PK = "P"
		} else {
			q.PK = "G"
		}
		w := want
		if q.Desc {
			w = reversed(want)
		}
		for _, limit := range []int{0, 2} {
			q.Limit = limit
			got, _ := queryAll(t, tb, q)
			if g := indexSKs(got, index); !slices.Equal(g, w) && !(len(g) == 0 && len(w) == 0) {
				t.Errorf("Query(%+v):\n got %q\nwant %q", q, g, w)
			}
			if index != store.Primary {
				for _, it := range got {
					if it.PK != "P" {
						t.Errorf("Query(%+v) returned %s/%s", q, it.PK, it.SK)
					}
				}
			}
		}
	}
}

func testQueryPrefix(t *testing.T, tb store.Table) {
	putSortKeys(t, tb)
	for _, prefix := range []string{
		"a", "a#", "a#1", "a#1#", "a%", "a_", "a*", "case#2024#", "case#2024", "case#2024#00",
		"中", "中#", "阅卷#", "阅卷#律师#", "阅卷#律师#张", "\U0001F600", "\uff01", "é", "A", "nothing", "a#1#x", "a#1#xy",
	} {
		want := filterKeys(func(k string) bool { return strings.HasPrefix(k, prefix) })
		checkQuery(t, tb, store.Query{SKPrefix: prefix}, want)
		checkQuery(t, tb, store.Query{SKPrefix: prefix, Desc: true}, want)
	}
}

func testQueryRange(t *testing.T, tb store.Table) {
	putSortKeys(t, tb)
	for _, r := range [][2]string{
		{"a#1", "a#2"}, // inclusive at both ends
		{"a#1", ""},    // from only
		{"", "a#1"},    // to only
		{"a#0", "a#3"}, // bounds that are not keys
		{"a#1", "a#1"}, // a single key
		{"b", "a"},     // empty range
		{"中", "中文"},
		{"中", "\U0001F600"},
		{"\uff01", "\U0001F600"},
		{"case#2024#001", "case#2024#010"},
		{"0", "9"},
		{"A", "z"},
	} {
		from, to := r[0], r[1]
		want := filterKeys(func(k string) bool {
			return (from == "" || k >= from) && (to == "" || k <= to)
		})
		checkQuery(t, tb, store.Query{SKFrom: from, SKTo: to}, want)
		checkQuery(t, tb, store.Query{SKFrom: from, SKTo: to, Desc: true}, want)
	}
}

func testQueryOrderBytewise(t *testing.T, tb store.Table) {
	putSortKeys(t, tb)
	checkQuery(t, tb, store.Query{}, sortedKeys())
	checkQuery(t, tb, store.Query{Desc: true}, sortedKeys())
}

func testQueryInvalid(t *testing.T, tb store.Table) {
	ctx := ctxOf(t)
	put(t, tb, store.Item{PK: "P", SK: "S", GSI1PK: "G", GSI1SK: "S"})
	if _, err := tb.Query(ctx, store.Query{}); err == nil {
		t.Error("Query without PK: no error")
	}
	if _, err := tb.Query(ctx, store.Query{Index: store.GSI1}); err == nil {
		t.Error("Query of GSI1 without PK: no error")
	}
	if _, err := tb.Query(ctx, store.Query{Index: "gsi3", PK: "G"}); err == nil {
		t.Error("Query of an unknown index: no error")
	}
	if _, err := tb.Query(ctx, store.Query{PK: "P", Cursor: "not a cursor!"}); err == nil {
		t.Error("Query with a garbage cursor: no error")
	}
}

// ---- pagination ----

// checkPaged pages through q with several limits and checks that the items
// come in the index's order and that each of want (table keys "pk/sk") is
// seen exactly once.
func checkPaged(t *testing.T, tb store.Table, q store.Query, want []string) {
	t.Helper()
	for _, limit := range []int{1, 2, 3, 7, len(want) - 1, len(want), len(want) + 1} {
		if limit <= 0 {
			continue
		}
		q.Limit = limit
		got, pages := queryAll(t, tb, q)
		if minPages := (len(want) + limit - 1) / limit; pages < minPages {
			t.Errorf("Query(%+v): %d pages, want at least %d", q, pages, minPages)
		}
		var keys []string
		for i, it := range got {
			keys = append(keys, it.PK+"/"+it.SK)
			if i > 0 {
				prev, cur := got[i-1].SortKey(q.Index), it.SortKey(q.Index)
				if !q.Desc && prev > cur || q.Desc && prev < cur {
					t.Errorf("Query(%+v): item %d sort key %q after %q", q, i, cur, prev)
				}
			}
		}
		slices.Sort(keys)
		w := slices.Clone(want)
		slices.Sort(w)
		if !slices.Equal(keys, w) {
			t.Errorf("Query(%+v) over all pages:\n got %q\nwant %q", q, keys, w)
		}
	}
}

func testPaginate(t *testing.T, tb store.Table) {
	var want []string
	for i := range 25 {
		sk := fmt.Sprintf("item#%03d", i)
		put(t, tb, store.Item{PK: "P", SK: sk, GSI1PK: "G", GSI1SK: sk, Data: []byte(sk)})
		want = append(want, "P/"+sk)
	}
	put(t, tb, store.Item{PK: "P", SK: "other#1"})
	for _, desc := range []bool{false, true} {
		checkPaged(t, tb, store.Query{PK: "P", SKPrefix: "item#", Desc: desc}, want)
		checkPaged(t, tb, store.Query{Index: store.GSI1, PK: "G", Desc: desc}, want)
		checkPaged(t, tb, store.Query{PK: "P", SKFrom: "item#005", SKTo: "item#014", Desc: desc}, want[5:15])
	}
	// The exact pages of a simple case.
	p, err := tb.Query(ctxOf(t), store.Query{PK: "P", SKPrefix: "item#", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) == 0 || p.Items[0].SK != "item#000" || p.Next == "" {
		t.Errorf("first page: %d items, first %v, Next %q", len(p.Items), p.Items, p.Next)
	}
}

func testPaginateGSIDuplicates(t *testing.T, tb store.Table) {
	// Index sort keys need not be unique; paging must still visit every item
	// once, even when a page boundary falls inside a run of equal sort keys.
	var want []string
	for i := range 17 {
		pk, sk := fmt.Sprintf("case#%d", i%4), fmt.Sprintf("app#%02d", i)
		put(t, tb, store.Item{PK: pk, SK: sk, GSI1PK: "G", GSI1SK: fmt.Sprintf("day#%d", i%3), GSI2PK: "all", GSI2SK: "same"})
		want = append(want, pk+"/"+sk)
	}
	for _, desc := range []bool{false, true} {
		checkPaged(t, tb, store.Query{Index: store.GSI1, PK: "G", Desc: desc}, want)
		checkPaged(t, tb, store.Query{Index: store.GSI2, PK: "all", Desc: desc}, want)
	}
}

func testPaginateWithWrites(t *testing.T, tb store.Table) {
	for _, tc := range []struct {
		index string
		desc  bool
	}{{store.Primary, false}, {store.Primary, true}, {store.GSI1, false}, {store.GSI1, true}} {
		t.Run(fmt.Sprintf("index=%q,desc=%v", tc.index, tc.desc), func(t *testing.T) {
			ctx := ctxOf(t)
			pk := "P" + tc.index + strconv.FormatBool(tc.desc)
			gpk := "G" + pk
			mk := func(sk string) store.Item {
				return store.Item{PK: pk, SK: sk, GSI1PK: gpk, GSI1SK: sk, Data: []byte(sk)}
			}
			var originals []string
			for i := 0; i < 40; i += 2 {
				sk := fmt.Sprintf("k%02d", i)
				put(t, tb, mk(sk))
				originals = append(originals, sk)
			}
			q := store.Query{Index: tc.index, PK: pk, Desc: tc.desc, Limit: 5}
			if tc.index == store.GSI1 {
				q.PK = gpk
			}
			seen := map[string]int{}
			var order []string
			var pages int
			var toDelete string
			for ; pages < maxPages; pages++ {
				p, err := tb.Query(ctx, q)
				if err != nil {
					t.Fatalf("Query(%+v): %v", q, err)
				}
				if len(p.Items) > q.Limit {
					t.Fatalf("page of %d items, Limit %d", len(p.Items), q.Limit)
				}
				for _, it := range p.Items {
					seen[it.SK]++
					order = append(order, it.SK)
				}
				if p.Next == "" {
					break
				}
				q.Cursor = p.Next
				// Between pages: add items before and after the cursor, in
				// every gap, and delete the item the cursor points at and
				// one that has not been reached yet.
				switch pages {
				case 0:
					for i := 1; i < 40; i += 4 {
						put(t, tb, mk(fmt.Sprintf("k%02d", i)))
					}
					if len(p.Items) > 0 {
						last := p.Items[len(p.Items)-1]
						if err := tb.Delete(ctx, last.PK, last.SK, last.Version); err != nil {
							t.Fatalf("Delete of the cursor's item: %v", err)
						}
					}
				case 1:
					for i := 3; i < 40; i += 4 {
						put(t, tb, mk(fmt.Sprintf("k%02d", i)))
					}
					// The item at the middle of the original range in the
					// direction of travel is reached later; remove it.
					toDelete = "k20"
					if tc.desc {
						toDelete = "k18"
					}
					if seen[toDelete] == 0 {
						it := mustGet(t, tb, pk, toDelete)
						if err := tb.Delete(ctx, pk, toDelete, it.Version); err != nil {
							t.Fatalf("Delete: %v", err)
						}
					} else {
						toDelete = ""
					}
				}
			}
			if pages == maxPages {
				t.Fatal("pagination did not end")
			}
			for _, sk := range originals {
				if sk != toDelete && seen[sk] != 1 {
					t.Errorf("original item %s seen %d times, want once", sk, seen[sk])
				}
			}
			if toDelete != "" && seen[toDelete] != 0 {
				t.Errorf("item %s deleted before being reached was returned", toDelete)
			}
			for sk, n := range seen {
				if n > 1 {
					t.Errorf("item %s seen %d times", sk, n)
				}
			}
			for i := 1; i < len(order); i++ {
				if !tc.desc && order[i-1] >= order[i] || tc.desc && order[i-1] <= order[i] {
					t.Errorf("out of order across pages: %q", order)
					break
				}
			}
		})
	}
}

func testDefaultLimit(t *testing.T, tb store.Table) {
	// Limit 0 means the driver's default, at most 1000 items per page.
	const n = 1005
	var want []string
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		sk := fmt.Sprintf("%04d", i)
		want = append(want, "P/"+sk)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := tb.Put(ctxOf(t), store.Item{PK: "P", SK: sk, GSI1PK: "G", GSI1SK: sk})
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Put: %v", err)
	}
	for _, q := range []store.Query{{PK: "P"}, {Index: store.GSI1, PK: "G", Desc: true}} {
		p, err := tb.Query(ctxOf(t), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > 1000 {
			t.Errorf("Query(%+v) with Limit 0 returned %d items, more than 1000", q, len(p.Items))
		}
		if p.Next == "" {
			t.Errorf("Query(%+v) with Limit 0: Next is empty after %d of %d items", q, len(p.Items), n)
		}
		got, _ := queryAll(t, tb, q)
		keys := make([]string, len(got))
		for i, it := range got {
			keys[i] = it.PK + "/" + it.SK
		}
		if q.Desc {
			slices.Reverse(keys)
		}
		if !slices.Equal(keys, want) {
			t.Errorf("Query(%+v) over all pages: %d items, want %d in order", q, len(keys), len(want))
		}
	}
	// A small partition comes back whole in one page.
	for i := range 5 {
		put(t, tb, store.Item{PK: "small", SK: strconv.Itoa(i)})
	}
	p, err := tb.Query(ctxOf(t), store.Query{PK: "small"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 5 || p.Next != "" {
		t.Errorf("Query of 5 items with Limit 0: %d items, Next %q; want 5 items, no Next", len(p.Items), p.Next)
	}
}

// ---- data ----

func testDataRoundTrip(t *testing.T, tb store.Table) {
	allBytes := make([]byte, 512)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	big := make([]byte, 300*1024)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"nil":       nil,
		"empty":     {},
		"zero":      {0},
		"zeros":     make([]byte, 100),
		"binary":    allBytes,
		"badutf8":   []byte("\xff\xfe\xc3\x28 \xe4\xb8"),
		"json":      []byte(`{"name":"张三","note":"阅卷 \u0000 \\ \"q\""}`),
		"trailing0": []byte("abc\x00"),
		"300KB":     big,
	}
	for name, data := range cases {
		want := slices.Clone(data)
		it := store.Item{PK: "P", SK: name, Data: data, GSI1PK: "G", GSI1SK: name}
		put(t, tb, it)
		got := mustGet(t, tb, "P", name)
		if !bytes.Equal(got.Data, want) {
			t.Errorf("Get %s: Data = %s, want %s", name, short(got.Data), short(want))
		}
		// Updating keeps it byte-exact too (same size: DynamoDB items are
		// limited to 400 KB).
		got.Data = slices.Clone(want)
		slices.Reverse(got.Data)
		put(t, tb, got)
		if g := mustGet(t, tb, "P", name); !bytes.Equal(g.Data, got.Data) {
			t.Errorf("Get %s after update: Data = %s, want %s", name, short(g.Data), short(got.Data))
		}
		got.Version++
		got.Data = want
		put(t, tb, got)
	}
	for _, q := range []store.Query{{PK: "P"}, {Index: store.GSI1, PK: "G"}, {PK: "P", Limit: 1}} {
		items, _ := queryAll(t, tb, q)
		if len(items) != len(cases) {
			t.Errorf("Query(%+v): %d items, want %d", q, len(items), len(cases))
		}
		for _, it := range items {
			if want := cases[it.SK]; !bytes.Equal(it.Data, want) {
				t.Errorf("Query(%+v) %s: Data = %s, want %s", q, it.SK, short(it.Data), short(want))
			}
		}
	}
}

func testDataNotAliased(t *testing.T, tb store.Table) {
	data := []byte("original")
	put(t, tb, store.Item{PK: "P", SK: "S", Data: data})
	copy(data, "CHANGED!") // the caller may reuse its buffer after Put
	got := mustGet(t, tb, "P", "S")
	if string(got.Data) != "original" {
		t.Errorf("after changing the Put buffer: Data = %q, want %q", got.Data, "original")
	}
	copy(got.Data, "CHANGED!") // and may modify what Get returned
	if again := mustGet(t, tb, "P", "S"); string(again.Data) != "original" {
		t.Errorf("after changing a Get result: Data = %q, want %q", again.Data, "original")
	}
}

// ---- concurrency ----

func testConcurrentIncrements(t *testing.T, tb store.Table) {
	const workers, perWorker = 20, 5
	ctx := ctxOf(t)
	// Data is the counter; GSI1SK repeats it, so a reader can tell a torn
	// write from a whole one: Version == counter+1 and the index key agrees.
	encode := func(n int) store.Item {
		s := strconv.Itoa(n)
		return store.Item{PK: "counter", SK: "c", Data: []byte(s), GSI1PK: "G", GSI1SK: fmt.Sprintf("%06d", n)}
	}
	put(t, tb, encode(0))

	var wg sync.WaitGroup
	errs := make(chan error, workers+1)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWorker {
				for attempt := 0; ; attempt++ {
					if attempt > 100000 {
						errs <- fmt.Errorf("worker %d: gave up after %d conflicts", w, attempt)
						return
					}
					cur, err := tb.Get(ctx, "counter", "c")
					if err != nil {
						errs <- fmt.Errorf("worker %d: Get: %w", w, err)
						return
					}
					n, err := strconv.Atoi(string(cur.Data))
					if err != nil {
						errs <- fmt.Errorf("worker %d: bad counter %q", w, cur.Data)
						return
					}
					next := encode(n + 1)
					next.Version = cur.Version
					v, err := tb.Put(ctx, next)
					if errors.Is(err, store.ErrConflict) {
						continue
					}
					if err != nil {
						errs <- fmt.Errorf("worker %d: Put: %w", w, err)
						return
					}
					if v != cur.Version+1 {
						errs <- fmt.Errorf("worker %d: Put returned %d, want %d", w, v, cur.Version+1)
						return
					}
					break
				}
			}
		}()
	}
	// A reader checks every item it sees is whole, until the writers finish.
	done := make(chan struct{})
	var rwg sync.WaitGroup
	rwg.Add(1)
	go func() {
		defer rwg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			it, err := tb.Get(ctx, "counter", "c")
			if err != nil {
				errs <- fmt.Errorf("reader: Get: %w", err)
				return
			}
			n, _ := strconv.Atoi(string(it.Data))
			if it.Version != int64(n)+1 || it.GSI1SK != fmt.Sprintf("%06d", n) {
				errs <- fmt.Errorf("reader: torn item: version %d, data %q, GSI1SK %q", it.Version, it.Data, it.GSI1SK)
				return
			}
		}
	}()
	wg.Wait()
	close(done)
	rwg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	got := mustGet(t, tb, "counter", "c")
	if string(got.Data) != strconv.Itoa(workers*perWorker) || got.Version != workers*perWorker+1 {
		t.Errorf("final counter %q version %d, want %d version %d", got.Data, got.Version, workers*perWorker, workers*perWorker+1)
	}
	items, _ := queryAll(t, tb, store.Query{Index: store.GSI1, PK: "G"})
	if len(items) != 1 || items[0].GSI1SK != fmt.Sprintf("%06d", workers*perWorker) {
		t.Errorf("GSI1 after the increments: %+v", items)
	}
}

// together runs f(0) … f(n-1) in goroutines released at the same moment,
// and waits for them all.
func together(n int, f func(w int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(w)
		}()
	}
	close(start)
	wg.Wait()
}

func testConcurrentCreate(t *testing.T, tb store.Table) {
	const workers = 20
	ctx := ctxOf(t)
	results := make([]error, workers)
	versions := make([]int64, workers)
	together(workers, func(w int) {
		versions[w], results[w] = tb.Put(ctx, store.Item{PK: "P", SK: "S", Data: []byte(strconv.Itoa(w))})
	})
	winner := -1
	for w, err := range results {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("both worker %d and worker %d created the item", winner, w)
			}
			winner = w
			if versions[w] != 1 {
				t.Errorf("winner's Put returned %d, want 1", versions[w])
			}
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("worker %d: got %v, want ErrConflict", w, err)
		}
	}
	if winner < 0 {
		t.Fatal("no worker created the item")
	}
	got := mustGet(t, tb, "P", "S")
	if string(got.Data) != strconv.Itoa(winner) || got.Version != 1 {
		t.Errorf("stored item: data %q version %d, want the winner's %d at version 1", got.Data, got.Version, winner)
	}
}

func testConcurrentDelete(t *testing.T, tb store.Table) {
	const workers = 20
	ctx := ctxOf(t)
	put(t, tb, store.Item{PK: "P", SK: "S", Data: []byte("x")})
	results := make([]error, workers)
	together(workers, func(w int) { results[w] = tb.Delete(ctx, "P", "S", 1) })
	wins := 0
	for w, err := range results {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		default:
			t.Errorf("worker %d: got %v, want ErrNotFound or ErrConflict", w, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d Deletes succeeded, want exactly 1", wins)
	}
	wantNotFound(t, tb, "P", "S")
}
