package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/dynalitetest"
	"github.com/yuejuan/yuejuan/pkg/faults"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// leaseTTL is short so the tests see leases expire; the store keeps expiry
// to whole seconds, so a lease may last up to a second longer.
const leaseTTL = 2 * time.Second

// maxBlocked is how long a gone holder may block another claimant: the TTL,
// the rounding up to a whole second, and generous slack for a slow machine.
const maxBlocked = leaseTTL + time.Second + 2*time.Second

// backends runs fn on a fresh table of each driver: SQLite and DynamoDB
// (dynalite). The subtests wait for leases to expire, so they run in
// parallel. (TestMain, in main_test.go, stops dynalite.)
func backends(t *testing.T, fn func(t *testing.T, tbl store.Table)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		tbl, err := sqlitestore.Open(filepath.Join(t.TempDir(), "m.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tbl.Close() })
		fn(t, tbl)
	})
	t.Run("dynalite", func(t *testing.T) {
		t.Parallel()
		fn(t, dynalitetest.Table(t))
	})
}

// claimWithin tries to take key every 50 ms until it gets it or d has
// passed, and returns how long it took; it fails the test after d.
func claimWithin(t *testing.T, tbl store.Table, key string, d time.Duration) (time.Duration, func()) {
	t.Helper()
	start := time.Now()
	for {
		release, ok, err := store.Lease(t.Context(), tbl, key, time.Minute)
		if err != nil {
			t.Fatalf("claim %s: %v", key, err)
		}
		if ok {
			return time.Since(start), release
		}
		if time.Since(start) > d {
			t.Fatalf("%s still held after %v", key, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustHold(t *testing.T, ctx context.Context, tbl store.Table, key string) (context.Context, func()) {
	t.Helper()
	held, release, ok, err := store.Hold(ctx, tbl, key, leaseTTL)
	if err != nil || !ok {
		t.Fatalf("Hold %s: ok=%v err=%v", key, ok, err)
	}
	return held, release
}

func busy(t *testing.T, tbl store.Table, key string) bool {
	t.Helper()
	_, release, ok, err := store.Hold(t.Context(), tbl, key, leaseTTL)
	if err != nil {
		t.Fatalf("Hold %s: %v", key, err)
	}
	release()
	return !ok
}

func TestLeaseExclusive(t *testing.T) {
	backends(t, func(t *testing.T, tbl store.Table) {
		_, release := mustHold(t, t.Context(), tbl, "job")
		if !busy(t, tbl, "job") {
			t.Fatal("a second holder got a held lease")
		}
		if busy(t, tbl, "other") {
			t.Fatal("a lease on another key must be free")
		}
		release()
		release() // twice is harmless
		if busy(t, tbl, "job") {
			t.Fatal("a released lease is still held")
		}
	})
}

// TestLeaseDeadHolder: a holder that dies (its renewal stops, nothing
// releases the lease: a crash or kill) blocks another claimant for at most
// about the TTL.
func TestLeaseDeadHolder(t *testing.T) {
	backends(t, func(t *testing.T, tbl store.Table) {
		ctx, kill := context.WithCancel(t.Context())
		mustHold(t, ctx, tbl, "job") // never released
		kill()
		died := time.Now()
		if !busy(t, tbl, "job") {
			t.Fatal("the lease was free right after its holder died; it should hold until it expires")
		}
		took, release := claimWithin(t, tbl, "job", maxBlocked)
		defer release()
		t.Logf("a dead holder blocked the next claimant for %v (TTL %v)", time.Since(died).Round(10*time.Millisecond), leaseTTL)
		if took < leaseTTL/2 {
			t.Errorf("the next claimant got the lease after %v; the dead holder's lease should last about %v", took, leaseTTL)
		}
	})
}

// TestLeaseLiveHolder: a live holder keeps its lease across several TTLs
// (renewal), and its context stays alive.
func TestLeaseLiveHolder(t *testing.T) {
	backends(t, func(t *testing.T, tbl store.Table) {
		held, release := mustHold(t, t.Context(), tbl, "job")
		deadline := time.Now().Add(3*leaseTTL + time.Second)
		tries := 0
		for time.Now().Before(deadline) {
			if !busy(t, tbl, "job") {
				t.Fatalf("another claimant got a live holder's lease after %d tries", tries)
			}
			if held.Err() != nil {
				t.Fatalf("a live holder's context ended: %v", context.Cause(held))
			}
			tries++
			time.Sleep(200 * time.Millisecond)
		}
		release()
		if !errors.Is(held.Err(), context.Canceled) {
			t.Errorf("after release the holder's context is %v, want canceled", held.Err())
		}
		if busy(t, tbl, "job") {
			t.Fatal("a released lease is still held")
		}
	})
}

// TestLeaseReleaseFails: with the store failing (a full disk) the release
// cannot delete the lease; it expires on its own within the TTL.
func TestLeaseReleaseFails(t *testing.T) {
	backends(t, func(t *testing.T, tbl store.Table) {
		plan := faults.NewPlan()
		failing := &faults.Table{T: tbl, Plan: plan}
		_, release := mustHold(t, t.Context(), failing, "job")
		del := plan.Add(faults.Rule{Op: faults.TableDelete, Key: "lease#job", Count: -1})
		plan.Add(faults.Rule{Op: faults.TablePut, Key: "lease#job", Count: -1})
		release()
		released := time.Now()
		if del.Fired() != 1 {
			t.Fatalf("the release tried %d deletes, want 1 (failing)", del.Fired())
		}
		if !busy(t, tbl, "job") {
			t.Fatal("the lease is free although its release failed")
		}
		_, r2 := claimWithin(t, tbl, "job", maxBlocked)
		defer r2()
		t.Logf("a failed release blocked the next claimant for %v", time.Since(released).Round(10*time.Millisecond))
	})
}

// TestLeaseStoreFailsHolder: a holder that cannot renew (its store fails)
// is told to stop — its context is cancelled with ErrLeaseLost — before
// another claimant can take the lease, and the other gets it within the TTL.
func TestLeaseStoreFailsHolder(t *testing.T) {
	backends(t, func(t *testing.T, tbl store.Table) {
		plan := faults.NewPlan()
		failing := &faults.Table{T: tbl, Plan: plan}
		held, release := mustHold(t, t.Context(), failing, "job")
		defer release()
		plan.Add(faults.Rule{Op: faults.TablePut, Key: "lease#job", Count: -1})
		start := time.Now()
		took, r2 := claimWithin(t, tbl, "job", maxBlocked)
		defer r2()
		select {
		case <-held.Done():
		default:
			t.Fatalf("another claimant got the lease after %v while the holder that could not renew was still told to go on", took)
		}
		if !errors.Is(context.Cause(held), store.ErrLeaseLost) {
			t.Errorf("the holder's context ended with %v, want ErrLeaseLost", context.Cause(held))
		}
		t.Logf("the holder that could not renew was stopped; the next claimant got the lease after %v", time.Since(start).Round(10*time.Millisecond))
	})
}

// TestLeaseLost: when the lease is taken from a holder (here it is removed
// and claimed again, as an operator's clean-up would, or an expiry the
// holder missed), the holder's context is cancelled at its next renewal, and
// its release leaves the new holder's lease alone — although the new lease
// has the same version number the old one had.
func TestLeaseLost(t *testing.T) {
	backends(t, func(t *testing.T, tbl store.Table) {
		held, release := mustHold(t, t.Context(), tbl, "job")
		it, err := tbl.Get(t.Context(), "lease#job", "lease")
		if err != nil {
			t.Fatal(err)
		}
		// The lease expires and another worker takes it.
		if err := tbl.Delete(t.Context(), it.PK, it.SK, it.Version); err != nil {
			t.Fatal(err)
		}
		_, r2 := mustHold(t, t.Context(), tbl, "job")
		defer r2()
		select {
		case <-held.Done():
		case <-time.After(leaseTTL + time.Second):
			t.Fatal("the holder whose lease was taken was not stopped")
		}
		if !errors.Is(context.Cause(held), store.ErrLeaseLost) {
			t.Errorf("the holder's context ended with %v, want ErrLeaseLost", context.Cause(held))
		}
		release()
		if !busy(t, tbl, "job") {
			t.Fatal("the old holder's release removed the new holder's lease")
		}
	})
}
