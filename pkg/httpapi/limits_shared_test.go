package httpapi

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/dynalitetest"
	"github.com/yuejuan/yuejuan/pkg/faults"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// limiterStores are the tables the shared limiter is tested on: SQLite (the
// local server) and DynamoDB on dynalite (the Lambda functions share one).
var limiterStores = []struct {
	name string
	open func(t *testing.T) store.Table
}{
	{"sqlite", func(t *testing.T) store.Table {
		tbl, err := sqlitestore.Open(filepath.Join(t.TempDir(), "meta.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tbl.Close() })
		return tbl
	}},
	{"dynalite", func(t *testing.T) store.Table { return dynalitetest.Table(t) }},
}

func onLimiterStores(t *testing.T, test func(t *testing.T, tbl store.Table)) {
	for _, s := range limiterStores {
		t.Run(s.name, func(t *testing.T) { test(t, s.open(t)) })
	}
}

// TestSharedRateLimiter: limiters of separate instances (Lambda functions)
// sharing the table share each lawyer's bucket.
func TestSharedRateLimiter(t *testing.T) { onLimiterStores(t, testSharedRateLimiter) }

func testSharedRateLimiter(t *testing.T, tbl store.Table) {
	rates := Rates{Applications: Rate{PerHour: 60, Burst: 3}, Downloads: Rate{PerHour: 3600, Burst: 1}}
	a, b := NewSharedRateLimiter(rates, tbl, nil), NewSharedRateLimiter(rates, tbl, nil)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const lic = "11101201910012345"
	for i, l := range []*RateLimiter{a, b, a} {
		if ok, _, _, _ := l.allow(ctx, "applications", lic, now); !ok {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait, rec, _ := b.allow(ctx, "applications", lic, now)
	if ok || wait != time.Minute || !rec {
		t.Fatalf("4th request on the other instance: ok=%v wait=%v audited=%v, want refused, 1m, audited", ok, wait, rec)
	}
	if ok, _, rec, _ := b.allow(ctx, "applications", lic, now.Add(time.Second)); ok || rec {
		t.Fatalf("5th request a second later: ok=%v audited=%v, want refused, not audited again within the minute", ok, rec)
	}
	// Other lawyers and other kinds have their own buckets.
	if ok, _, _, _ := a.allow(ctx, "applications", "11101201910099999", now); !ok {
		t.Fatal("another lawyer refused")
	}
	if ok, _, _, _ := a.allow(ctx, "downloads", lic, now); !ok {
		t.Fatal("a download refused because of applications")
	}
	// One interval later, exactly one more.
	later := now.Add(time.Minute)
	if ok, _, _, _ := a.allow(ctx, "applications", lic, later); !ok {
		t.Fatal("refused after the refill interval")
	}
	if ok, _, _, _ := b.allow(ctx, "applications", lic, later); ok {
		t.Fatal("two requests allowed for one interval's refill")
	}
	// Idle for the whole bucket: full again (the item has expired).
	full := later.Add(3 * time.Minute)
	for i := range 3 {
		if ok, _, _, _ := b.allow(ctx, "applications", lic, full); !ok {
			t.Fatalf("after a full refill, request %d refused", i+1)
		}
	}
}

// TestSharedRateLimiterConcurrent: concurrent requests on several instances
// get exactly the burst between them.
func TestSharedRateLimiterConcurrent(t *testing.T) {
	onLimiterStores(t, testSharedRateLimiterConcurrent)
}

func testSharedRateLimiterConcurrent(t *testing.T, tbl store.Table) {
	rates := Rates{Downloads: Rate{PerHour: 1, Burst: 5}}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		l := NewSharedRateLimiter(rates, tbl, nil)
		for range 10 {
			wg.Go(func() {
				if ok, _, _, _ := l.allow(context.Background(), "downloads", "11101201910012345", now); ok {
					allowed.Add(1)
				}
			})
		}
	}
	wg.Wait()
	if n := allowed.Load(); n != 5 {
		t.Fatalf("%d of 40 concurrent downloads allowed, want the burst of 5", n)
	}
	// The bucket's item expires when the bucket is full again, five hours
	// on: an idle lawyer costs nothing, and until then it is there.
	it, err := tbl.Get(context.Background(), "rate#downloads#11101201910012345", "gcra")
	if err != nil {
		t.Fatalf("the bucket's item: %v", err)
	}
	if want := time.Now().Add(5 * time.Hour); it.ExpiresAt.Before(want.Add(-time.Minute)) || it.ExpiresAt.After(want.Add(time.Minute)) {
		t.Errorf("the bucket's item expires at %v, want about %v (when the bucket is full again)", it.ExpiresAt, want)
	}
}

// TestSharedRateLimiterStoreDown: a failing table lets requests through
// and says so, rather than refusing every lawyer.
func TestSharedRateLimiterStoreDown(t *testing.T) {
	tbl, err := sqlitestore.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	plan := faults.NewPlan()
	plan.Add(faults.Rule{Op: faults.TableGet, Key: "rate#", Count: -1})
	var logged []string
	l := NewSharedRateLimiter(Rates{Applications: Rate{PerHour: 1, Burst: 1}}, &faults.Table{T: tbl, Plan: plan},
		func(msg string, args ...any) { logged = append(logged, msg) })
	now := time.Now()
	for range 3 {
		if ok, _, _, _ := l.allow(context.Background(), "applications", "x", now); !ok {
			t.Fatal("refused while the table is down")
		}
	}
	if len(logged) != 3 {
		t.Fatalf("logged %d times, want each let-through logged", len(logged))
	}
}
