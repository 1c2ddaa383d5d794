package faults_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/faults"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func TestTableFailsTheNthPut(t *testing.T) {
	inner, err := sqlitestore.Open(filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	p := faults.NewPlan()
	tb := &faults.Table{T: inner, Plan: p}
	ctx := context.Background()
	r := p.Add(faults.Rule{Op: faults.TablePut, Key: "x#", Nth: 2})
	if _, err := tb.Put(ctx, store.Item{PK: "x#1", SK: "a", Data: []byte("1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Put(ctx, store.Item{PK: "y#1", SK: "a", Data: []byte("1")}); err != nil {
		t.Fatal("a put of another key must not count:", err)
	}
	_, err = tb.Put(ctx, store.Item{PK: "x#2", SK: "a", Data: []byte("2")})
	if !errors.Is(err, faults.ErrInjected) {
		t.Fatalf("second matching put: %v, want the injected failure", err)
	}
	if _, err := inner.Get(ctx, "x#2", "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a failed put must write nothing: %v", err)
	}
	if _, err := tb.Put(ctx, store.Item{PK: "x#2", SK: "a", Data: []byte("2")}); err != nil {
		t.Fatal("the rule fails one call only:", err)
	}
	if r.Fired() != 1 || p.Calls(faults.TablePut) != 4 {
		t.Fatalf("fired %d calls %d", r.Fired(), p.Calls(faults.TablePut))
	}
}

func TestBucketFailsMidWriteLeavingNothing(t *testing.T) {
	dir := t.TempDir()
	u, _ := url.Parse("http://127.0.0.1/blob")
	loc, err := blob.OpenLocal(filepath.Join(dir, "objects"), u, filepath.Join(dir, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	p := faults.NewPlan()
	b := faults.Bucket(loc.Bucket, p)
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789"), 100_000)
	p.Add(faults.Rule{Op: faults.BlobWrite, Key: "big", After: 300_000})
	if err := b.WriteAll(ctx, "big", data, nil); !errors.Is(err, faults.ErrInjected) {
		t.Fatalf("write: %v, want the injected failure", err)
	}
	if ok, _ := loc.Exists(ctx, "big"); ok {
		t.Fatal("a write that failed mid-way left an object")
	}
	p.Add(faults.Rule{Op: faults.BlobClose, Key: "big"})
	if err := b.WriteAll(ctx, "big", data, nil); !errors.Is(err, faults.ErrInjected) {
		t.Fatalf("write: %v, want the injected failure at commit", err)
	}
	if ok, _ := loc.Exists(ctx, "big"); ok {
		t.Fatal("a write that failed at commit left an object")
	}
	if err := b.WriteAll(ctx, "big", data, nil); err != nil {
		t.Fatal(err)
	}
	got, err := loc.ReadAll(ctx, "big")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after the faults a write goes through: %v", err)
	}
	p.Add(faults.Rule{Op: faults.BlobRead, Key: "big", After: 1000})
	if _, err := b.ReadAll(ctx, "big"); !errors.Is(err, faults.ErrInjected) {
		t.Fatalf("read: %v, want a failure mid-read", err)
	}
	if ok, err := b.Exists(ctx, "nope"); ok || err != nil {
		t.Fatalf("Exists of a missing object through the wrapper: %v %v", ok, err)
	}
	p.Add(faults.Rule{Op: faults.BlobCopy})
	if err := b.Copy(ctx, "copy", "big", nil); !errors.Is(err, faults.ErrInjected) {
		t.Fatalf("copy: %v", err)
	}
	if err := b.Copy(ctx, "copy", "big", nil); err != nil {
		t.Fatal(err)
	}
}
