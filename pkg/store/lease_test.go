package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func TestLease(t *testing.T) {
	tbl, err := sqlitestore.Open(filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	ctx := context.Background()
	release, ok, err := store.Lease(ctx, tbl, "job", time.Minute)
	if err != nil || !ok {
		t.Fatalf("first lease: %v %v", ok, err)
	}
	if _, ok, _ := store.Lease(ctx, tbl, "job", time.Minute); ok {
		t.Fatal("a second holder got a held lease")
	}
	if _, ok, _ := store.Lease(ctx, tbl, "other", time.Minute); !ok {
		t.Fatal("a lease on another key must be free")
	}
	release()
	r2, ok, err := store.Lease(ctx, tbl, "job", time.Second)
	if err != nil || !ok {
		t.Fatalf("after release: %v %v", ok, err)
	}
	defer r2()
	// A holder that never releases blocks others only until the lease expires.
	time.Sleep(2100 * time.Millisecond)
	r3, ok, err := store.Lease(ctx, tbl, "job", time.Minute)
	if err != nil || !ok {
		t.Fatalf("after expiry: %v %v", ok, err)
	}
	r3()
}
