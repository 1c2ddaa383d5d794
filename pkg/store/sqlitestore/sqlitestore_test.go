package sqlitestore

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/storetest"
)

func TestConformanceFile(t *testing.T) {
	storetest.RunConformance(t, func(t *testing.T) store.Table {
		tb, err := Open(filepath.Join(t.TempDir(), "store.db"))
		if err != nil {
			t.Fatal(err)
		}
		return tb
	})
}

func TestConformanceMemory(t *testing.T) {
	storetest.RunConformance(t, func(t *testing.T) store.Table {
		tb, err := Open(":memory:")
		if err != nil {
			t.Fatal(err)
		}
		return tb
	})
}

func TestMemoryTablesAreSeparate(t *testing.T) {
	ctx := t.Context()
	a, err := Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := a.Put(ctx, store.Item{PK: "P", SK: "S"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, "P", "S"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second in-memory table sees the first's item: %v", err)
	}
}

func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "store.db")
	tb, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	want := store.Item{PK: "case#1", SK: "app#1", Data: []byte("阅卷\x00"), GSI1PK: "lawyer#1", GSI1SK: "2024", ExpiresAt: exp}
	if _, err := tb.Put(ctx, want); err != nil {
		t.Fatal(err)
	}
	want.Version = 1
	if _, err := tb.Put(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}

	tb, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	got, err := tb.Get(ctx, "case#1", "app#1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || string(got.Data) != string(want.Data) || got.GSI1PK != want.GSI1PK ||
		got.GSI1SK != want.GSI1SK || !got.ExpiresAt.Equal(exp) {
		t.Errorf("after reopen: got %+v, want %+v at version 2", got, want)
	}
	p, err := tb.Query(ctx, store.Query{Index: store.GSI1, PK: "lawyer#1"})
	if err != nil || len(p.Items) != 1 {
		t.Errorf("GSI1 after reopen: %+v, %v", p, err)
	}
	if _, err := tb.Put(ctx, store.Item{PK: "case#1", SK: "app#1"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Put new after reopen: %v, want ErrConflict", err)
	}
}

func TestPurgeExpired(t *testing.T) {
	for _, path := range []string{":memory:", filepath.Join(t.TempDir(), "store.db")} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ctx := t.Context()
			tb, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer tb.Close()
			put := func(sk string, exp time.Time) {
				t.Helper()
				if _, err := tb.Put(ctx, store.Item{PK: "P", SK: sk, ExpiresAt: exp}); err != nil {
					t.Fatal(err)
				}
			}
			put("old1", time.Now().Add(-time.Hour))
			put("old2", time.Now().Add(-time.Minute))
			put("soon", time.Now().Add(time.Hour))
			put("never", time.Time{})
			if n := countRows(t, tb); n != 4 {
				t.Fatalf("%d rows before purge, want 4", n)
			}
			n, err := tb.PurgeExpired(ctx)
			if err != nil || n != 2 {
				t.Fatalf("PurgeExpired = %d, %v; want 2", n, err)
			}
			if n := countRows(t, tb); n != 2 {
				t.Errorf("%d rows after purge, want 2", n)
			}
			// Two hours on, "soon" has expired as well.
			tb.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
			if _, err := tb.Get(ctx, "P", "soon"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Get of an item past its expiry: %v", err)
			}
			if n, err := tb.PurgeExpired(ctx); err != nil || n != 1 {
				t.Errorf("second PurgeExpired = %d, %v; want 1", n, err)
			}
			if n, err := tb.PurgeExpired(ctx); err != nil || n != 0 {
				t.Errorf("third PurgeExpired = %d, %v; want 0", n, err)
			}
			if _, err := tb.Get(ctx, "P", "never"); err != nil {
				t.Errorf("Get of an item without expiry: %v", err)
			}
		})
	}
}

func countRows(t *testing.T, tb *Table) int {
	t.Helper()
	var n int
	if err := tb.r.QueryRowContext(t.Context(), "SELECT count(*) FROM items").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTwoHandlesOneFile runs concurrent increments through two Tables opened
// on the same file, as two processes would: the writers of different handles
// must wait for each other's locks (busy_timeout, BEGIN IMMEDIATE) instead of
// failing with SQLITE_BUSY.
func TestTwoHandlesOneFile(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "store.db")
	var tables []*Table
	for range 2 {
		tb, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Close()
		tables = append(tables, tb)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		tb := tables[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			sk := string(rune('a' + i%5))
			for {
				it, err := tb.Get(ctx, "P", sk)
				if errors.Is(err, store.ErrNotFound) {
					it = store.Item{PK: "P", SK: sk}
				} else if err != nil {
					errs <- err
					return
				}
				it.Data = append(it.Data, 'x')
				_, err = tb.Put(ctx, it)
				if errors.Is(err, store.ErrConflict) {
					continue
				}
				if err != nil {
					errs <- err
				}
				if err := tb.Delete(ctx, "P", "never-there", 1); !errors.Is(err, store.ErrNotFound) {
					errs <- err
				}
				return
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range 5 {
		it, err := tables[i%2].Get(ctx, "P", string(rune('a'+i)))
		if err != nil || len(it.Data) != 8 || it.Version != 8 {
			t.Errorf("item %c: %d increments at version %d, %v; want 8", 'a'+i, len(it.Data), it.Version, err)
		}
	}
}

func TestErrorsSayWhatFailed(t *testing.T) {
	ctx := t.Context()
	tb, err := Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	_, err = tb.Get(ctx, "P", "S")
	if err == nil || !strings.Contains(err.Error(), "sqlitestore: get items/P/S") {
		t.Errorf("Get error %q does not say what failed", err)
	}
	tb.Put(ctx, store.Item{PK: "P", SK: "S"})
	_, err = tb.Put(ctx, store.Item{PK: "P", SK: "S"})
	if err == nil || !strings.Contains(err.Error(), "sqlitestore: put items/P/S") {
		t.Errorf("Put error %q does not say what failed", err)
	}
	if _, err := tb.Put(ctx, store.Item{PK: "", SK: "S"}); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("Put with empty PK: %v, want a non-conflict error", err)
	}
	if _, err := tb.Query(ctx, store.Query{PK: "P", Limit: -1}); err == nil {
		t.Error("Query with negative Limit: no error")
	}
	// A cursor from one query is refused by another.
	for i := range 3 {
		tb.Put(ctx, store.Item{PK: "Q", SK: string(rune('a' + i)), GSI1PK: "G", GSI1SK: "x"})
	}
	p, err := tb.Query(ctx, store.Query{PK: "Q", Limit: 1})
	if err != nil || p.Next == "" {
		t.Fatalf("Query: %+v, %v", p, err)
	}
	if _, err := tb.Query(ctx, store.Query{Index: store.GSI1, PK: "G", Cursor: p.Next}); err == nil {
		t.Error("cursor of a primary query accepted by a GSI1 query")
	}
	if _, err := tb.Query(ctx, store.Query{PK: "P", Cursor: p.Next}); err == nil {
		t.Error("cursor of partition Q accepted by a query of partition P")
	}
	// After Close, everything fails cleanly.
	tb.Close()
	if _, err := tb.Get(ctx, "P", "S"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get after Close: %v", err)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range []cursor{
		{},
		{Index: store.GSI2, PK: "p", SK: "\xff\xfe invalid utf-8", TPK: "中", TSK: strings.Repeat("x", 300)},
	} {
		got, err := decodeCursor(c.encode())
		if err != nil || got != c {
			t.Errorf("decode(encode(%+v)) = %+v, %v", c, got, err)
		}
	}
	for _, bad := range []string{"", "AA", "AQ", "AQE", "!!", cursor{PK: "x"}.encode() + "A"} {
		if _, err := decodeCursor(bad); err == nil {
			t.Errorf("decodeCursor(%q): no error", bad)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	for p, want := range map[string]string{"a": "b", "a#": "a$", "中": "\xe4\xb8\xae", "a\xff": "b", "\xff\xff": ""} {
		got, ok := prefixEnd(p)
		if got != want || ok != (want != "") {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q", p, got, ok, want)
		}
	}
}
