package reconcile_test

import (
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// Stuck takes the materials left undecided with nobody at work on them, and
// an upload that arrived without its event (moved to processing); it spares
// a material whose lease is held (unless told the holders are dead), one
// changed since the cut-off, and one whose upload never came. Without the
// bucket, a material awaiting its upload is not looked at.
func TestStuck(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	tbl, err := sqlitestore.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	base, _ := url.Parse("http://127.0.0.1:1/blob")
	up, err := blob.OpenLocal(filepath.Join(dir, "uploads"), base, filepath.Join(dir, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	cases := &casefile.Repo{T: tbl}
	c := &casefile.Case{CaseNo: "京检刑诉〔2026〕7号", Title: "测试案", Stage: casefile.ProsecutionReview, OnlineReview: true, Unit: "市检察院",
		Handler: casefile.Handler{Name: "刘检察官", Phone: "010-1"}, Defendants: []string{"张某"}}
	if err := cases.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	add := func(seq int, status casefile.MaterialStatus, uploaded bool) *casefile.Material {
		m := &casefile.Material{CaseID: c.ID, Volume: 1, Seq: seq, Title: "材料", Filename: "x.pdf"}
		if err := cases.AddMaterial(ctx, m); err != nil {
			t.Fatal(err)
		}
		key := casefile.MaterialUploadKey(c.ID, m.ID)
		if uploaded {
			if err := up.WriteAll(ctx, key, []byte("%PDF-1.7"), nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := cases.UpdateMaterial(ctx, c.ID, m.ID, func(x *casefile.Material) error {
			x.UploadKey, x.Status = key, status
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	lost := add(1, casefile.Processing, true)
	atWork := add(2, casefile.Processing, true)
	arrived := add(3, casefile.AwaitingUpload, true)
	add(4, casefile.AwaitingUpload, false) // never came
	cutoff := time.Now().Add(time.Second)
	release, ok, err := store.Lease(ctx, tbl, reconcile.IngestLease(c.ID, atWork.ID), time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	defer release()

	ids := func(ms []*casefile.Material, err error) map[string]casefile.MaterialStatus {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]casefile.MaterialStatus{}
		for _, m := range ms {
			out[m.ID] = m.Status
		}
		return out
	}
	if got := ids(reconcile.Materials{Cases: cases}.Stuck(ctx, cutoff, false)); len(got) != 1 || got[lost.ID] != casefile.Processing {
		t.Errorf("without the bucket: %v, want only %s", got, lost.ID)
	}
	if got := ids(reconcile.Materials{Cases: cases}.Stuck(ctx, time.Now().Add(-time.Hour), false)); len(got) != 0 {
		t.Errorf("cut-off before every change: %v, want none", got)
	}
	with := reconcile.Materials{Cases: cases, Uploads: up.Bucket}
	got := ids(with.Stuck(ctx, cutoff, false))
	if len(got) != 2 || got[lost.ID] != casefile.Processing || got[arrived.ID] != casefile.Processing {
		t.Errorf("with the bucket: %v, want %s and %s (moved to processing)", got, lost.ID, arrived.ID)
	}
	if got := ids(with.Stuck(ctx, time.Now().Add(time.Second), true)); len(got) != 3 || got[atWork.ID] == "" {
		t.Errorf("leases ignored: %v, want %s too", got, atWork.ID)
	}
}
