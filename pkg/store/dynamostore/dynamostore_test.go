package dynamostore

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/yuejuan/yuejuan/internal/dynalitetest/peer"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/storetest"
)

// The tests run against a real DynamoDB API: the endpoint in
// YUEJUAN_TEST_DYNAMO_ENDPOINT if set (e.g. http://127.0.0.1:4567), else a
// dynalite started on first use (internal/dynalitetest/peer) and stopped by
// TestMain.

func TestMain(m *testing.M) {
	code := m.Run()
	peer.Stop()
	os.Exit(code)
}

func newClient(t *testing.T) *dynamodb.Client {
	t.Helper()
	return peer.Client(t)
}

// newTable creates a fresh table with a unique name and deletes it when the
// test ends.
func newTable(t *testing.T) *Table {
	t.Helper()
	client, name := peer.NewTable(t, CreateTable)
	return New(client, name)
}

func TestConformance(t *testing.T) {
	newClient(t) // fail once, not in every subtest, when there is no endpoint
	storetest.RunConformance(t, func(t *testing.T) store.Table { return newTable(t) })
}

func TestCreateTableTwice(t *testing.T) {
	tb := newTable(t)
	// An existing table is accepted (local setup may run again).
	if err := CreateTable(t.Context(), tb.client, tb.name); err != nil {
		t.Fatalf("CreateTable of an existing table: %v", err)
	}
	out, err := tb.client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(tb.name)})
	if err != nil {
		t.Fatal(err)
	}
	var idx []string
	for _, g := range out.Table.GlobalSecondaryIndexes {
		idx = append(idx, aws.ToString(g.IndexName)+":"+string(g.Projection.ProjectionType))
	}
	if strings.Join(idx, ",") != "gsi1:ALL,gsi2:ALL" && strings.Join(idx, ",") != "gsi2:ALL,gsi1:ALL" {
		t.Errorf("indexes: %v", idx)
	}
}

func TestPutRefusesWhatDynamoCannotStore(t *testing.T) {
	tb := newTable(t)
	ctx := t.Context()
	for name, it := range map[string]store.Item{
		"empty PK":         {SK: "S"},
		"empty SK":         {PK: "P"},
		"GSI1 without SK":  {PK: "P", SK: "S", GSI1PK: "G"},
		"GSI2 without SK":  {PK: "P", SK: "S", GSI2PK: "G"},
		"invalid UTF-8 SK": {PK: "P", SK: "\xff"},
		"negative version": {PK: "P", SK: "S", Version: -1},
	} {
		_, err := tb.Put(ctx, it)
		if err == nil || errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "dynamostore: put ") {
			t.Errorf("Put (%s): %v, want a non-conflict error saying what failed", name, err)
		}
	}
	if p, err := tb.Query(ctx, store.Query{PK: "P"}); err != nil || len(p.Items) != 0 {
		t.Errorf("after refused Puts: %+v, %v", p, err)
	}
}

func TestErrorsSayWhatFailed(t *testing.T) {
	tb := newTable(t)
	ctx := t.Context()
	want := func(what string, err error, prefix string, target error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), prefix) || (target != nil && !errors.Is(err, target)) {
			t.Errorf("%s: error %v, want one containing %q (and matching %v)", what, err, prefix, target)
		}
	}
	where := tb.name + "/P/S"
	_, err := tb.Get(ctx, "P", "S")
	want("Get", err, "dynamostore: get "+where, store.ErrNotFound)
	want("Delete", tb.Delete(ctx, "P", "S", 1), "dynamostore: delete "+where, store.ErrNotFound)
	tb.Put(ctx, store.Item{PK: "P", SK: "S"})
	_, err = tb.Put(ctx, store.Item{PK: "P", SK: "S"})
	want("Put", err, "dynamostore: put "+where, store.ErrConflict)
	want("Delete stale", tb.Delete(ctx, "P", "S", 7), "stored version is 1, not 7", store.ErrConflict)
	_, err = tb.Query(ctx, store.Query{PK: "P", Limit: -1})
	want("Query", err, "dynamostore: query", nil)
	_, err = tb.Query(ctx, store.Query{PK: "P", SKPrefix: "a", SKTo: "b"})
	want("Query prefix and range", err, "cannot be combined", nil)
	// A table that does not exist.
	missing := New(tb.client, "no-such-table")
	_, err = missing.Get(ctx, "P", "S")
	if err == nil || errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "no-such-table/P/S") {
		t.Errorf("Get of a missing table: %v", err)
	}
}

func TestCursorBelongsToItsQuery(t *testing.T) {
	tb := newTable(t)
	ctx := t.Context()
	for i := range 3 {
		if _, err := tb.Put(ctx, store.Item{PK: "Q", SK: string(rune('a' + i)), GSI1PK: "G", GSI1SK: "x"}); err != nil {
			t.Fatal(err)
		}
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
	g, err := tb.Query(ctx, store.Query{Index: store.GSI1, PK: "G", Limit: 1})
	if err != nil || g.Next == "" {
		t.Fatalf("GSI1 Query: %+v, %v", g, err)
	}
	if _, err := tb.Query(ctx, store.Query{Index: store.GSI2, PK: "G", Cursor: g.Next}); err == nil {
		t.Error("cursor of a GSI1 query accepted by a GSI2 query")
	}
	if _, err := tb.Query(ctx, store.Query{Index: store.GSI1, PK: "G", Cursor: g.Next, Limit: 5}); err != nil {
		t.Errorf("GSI1 cursor with another limit: %v", err)
	}
}

// TestExpiredButStored checks the boundary rule against the items DynamoDB
// still holds after their expiry: the item expires at its ttl second.
func TestExpiredButStored(t *testing.T) {
	tb := newTable(t)
	ctx := t.Context()
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	if _, err := tb.Put(ctx, store.Item{PK: "P", SK: "S", ExpiresAt: exp, GSI1PK: "G", GSI1SK: "1"}); err != nil {
		t.Fatal(err)
	}
	tb.now = func() time.Time { return exp.Add(-time.Second) }
	if _, err := tb.Get(ctx, "P", "S"); err != nil {
		t.Errorf("Get a second before expiry: %v", err)
	}
	tb.now = func() time.Time { return exp }
	if _, err := tb.Get(ctx, "P", "S"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get at the expiry second: %v, want ErrNotFound", err)
	}
	for _, q := range []store.Query{{PK: "P"}, {Index: store.GSI1, PK: "G"}} {
		if p, err := tb.Query(ctx, q); err != nil || len(p.Items) != 0 {
			t.Errorf("Query(%+v) at the expiry second: %+v, %v", q, p, err)
		}
	}
	if err := tb.Delete(ctx, "P", "S", 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete at the expiry second: %v, want ErrNotFound", err)
	}
	if v, err := tb.Put(ctx, store.Item{PK: "P", SK: "S"}); err != nil || v != 1 {
		t.Errorf("Put new over the expired item: %d, %v", v, err)
	}
}

// TestQueryRangeUTF8Order covers the retry for dynalite's request checks,
// which compare sort keys as UTF-16 (U+FF01 after an emoji) although keys are
// ordered as UTF-8 bytes (U+FF01 before an emoji).
func TestQueryRangeUTF8Order(t *testing.T) {
	tb := newTable(t)
	ctx := t.Context()
	keys := []string{"a", "\uff01", "\uff01x", "\uffee", "\U0001F600", "\U0001F600#1", "\U0001F601"}
	for _, k := range keys {
		if _, err := tb.Put(ctx, store.Item{PK: "P", SK: k, GSI1PK: "G", GSI1SK: k}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"\uff01", "\uff01x", "\uffee", "\U0001F600"} // bytewise order
	for _, index := range []string{store.Primary, store.GSI1} {
		for _, desc := range []bool{false, true} {
			for _, limit := range []int{0, 1, 2, 3} {
				q := store.Query{Index: index, PK: "P", SKFrom: "\uff01", SKTo: "\U0001F600", Desc: desc, Limit: limit}
				if index == store.GSI1 {
					q.PK = "G"
				}
				var got []string
				for range 20 {
					p, err := tb.Query(ctx, q)
					if err != nil {
						t.Fatalf("Query(%+v): %v", q, err)
					}
					for _, it := range p.Items {
						got = append(got, it.SK)
					}
					if q.Cursor = p.Next; q.Cursor == "" {
						break
					}
				}
				w := slices.Clone(want)
				if desc {
					slices.Reverse(w)
				}
				if !slices.Equal(got, w) {
					t.Errorf("index %q desc %v limit %d: got %q, want %q", index, desc, limit, got, w)
				}
			}
		}
	}
}

// TestQueryOneBoundUTF8Order is TestQueryRangeUTF8Order with one bound, the
// shape of audit.Settle's query of its pending list (SKTo only): paged, each
// cursor meets dynalite's UTF-16 check of the starting key against the bound.
func TestQueryOneBoundUTF8Order(t *testing.T) {
	tb := newTable(t)
	ctx := t.Context()
	keys := []string{"a", "\uff01", "\uff01x", "\uffee", "\U0001F600", "\U0001F600#1", "\U0001F601"}
	for _, k := range keys {
		if _, err := tb.Put(ctx, store.Item{PK: "P", SK: k, GSI1PK: "G", GSI1SK: k}); err != nil {
			t.Fatal(err)
		}
	}
	for _, bound := range []store.Query{{SKTo: "\U0001F600"}, {SKFrom: "\uff01"}} {
		var want []string // bytewise order
		for _, k := range keys {
			if (bound.SKTo == "" || k <= bound.SKTo) && k >= bound.SKFrom {
				want = append(want, k)
			}
		}
		for _, index := range []string{store.Primary, store.GSI1} {
			for _, desc := range []bool{false, true} {
				for _, limit := range []int{0, 1, 2, 3} {
					q := store.Query{Index: index, PK: "P", SKFrom: bound.SKFrom, SKTo: bound.SKTo, Desc: desc, Limit: limit}
					if index == store.GSI1 {
						q.PK = "G"
					}
					var got []string
					for range 20 {
						p, err := tb.Query(ctx, q)
						if err != nil {
							t.Fatalf("Query(%+v): %v", q, err)
						}
						for _, it := range p.Items {
							got = append(got, it.SK)
						}
						if q.Cursor = p.Next; q.Cursor == "" {
							break
						}
					}
					w := slices.Clone(want)
					if desc {
						slices.Reverse(w)
					}
					if !slices.Equal(got, w) {
						t.Errorf("index %q from %q to %q desc %v limit %d: got %q, want %q",
							index, bound.SKFrom, bound.SKTo, desc, limit, got, w)
					}
				}
			}
		}
	}
}
