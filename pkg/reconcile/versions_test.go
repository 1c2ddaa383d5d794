package reconcile_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// Behind takes the case whose ready copy is of an older content version
// than the case's; it spares a case whose copies are current, one with a
// material undecided (its decision queues the job), one whose version job
// holds its lease (unless told the holders are dead), a ready application
// without a link, and every case changed since the cut-off.
func TestBehind(t *testing.T) {
	ctx := t.Context()
	tbl, err := sqlitestore.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	cases, apps := &casefile.Repo{T: tbl}, &application.Repo{T: tbl}
	n := 0
	// newCase makes a case at content version cv with one material of
	// status st and one ready application whose copy is of copyCV.
	newCase := func(cv, copyCV int, st casefile.MaterialStatus, linked bool) string {
		n++
		c := &casefile.Case{CaseNo: fmt.Sprintf("京检刑诉〔2026〕%d号", n), Title: "测试案", Stage: casefile.ProsecutionReview, OnlineReview: true,
			Unit: "市检察院", Handler: casefile.Handler{Name: "刘检察官", Phone: "010-1"}, Defendants: []string{"张某"}}
		if err := cases.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		m := &casefile.Material{CaseID: c.ID, Volume: 1, Seq: 1, Title: "材料", Filename: "x.pdf"}
		if err := cases.AddMaterial(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := cases.UpdateMaterial(ctx, c.ID, m.ID, func(x *casefile.Material) error { x.Status = st; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := cases.Update(ctx, c.ID, func(x *casefile.Case) error { x.ContentVersion = cv; return nil }); err != nil {
			t.Fatal(err)
		}
		a := &application.Application{ID: casefile.NewID(), CaseID: c.ID, CaseNo: c.CaseNo, Unit: c.Unit, Status: application.Ready,
			Lawyer: application.Lawyer{Name: "张律师", License: fmt.Sprintf("1110120191001%04d", n)}, SubmittedAt: time.Now()}
		a.CopyKey = reconcile.CopyKey(c.ID, copyCV, a.ID)
		if linked {
			a.LinkID = a.ID + "-v1"
		}
		if _, _, err := apps.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	behind := newCase(2, 1, casefile.Accepted, true)
	newCase(2, 2, casefile.Accepted, true)   // current
	newCase(2, 1, casefile.Processing, true) // a material undecided
	newCase(2, 1, casefile.Accepted, false)  // no link: the assemble job's, not this
	busy := newCase(3, 2, casefile.Accepted, true)
	release, ok, err := store.Lease(ctx, tbl, reconcile.CaseLease(busy), time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	defer release()
	cutoff := time.Now().Add(time.Second)

	r := reconcile.Versions{Cases: cases, Apps: apps}
	got, err := r.Behind(ctx, cutoff, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{behind}) {
		t.Errorf("Behind = %v, want only %s", got, behind)
	}
	got, err = r.Behind(ctx, cutoff, true)
	slices.Sort(got)
	want := []string{behind, busy}
	slices.Sort(want)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("leases ignored: %v %v, want %v", got, err, want)
	}
	if got, err := r.Behind(ctx, time.Now().Add(-time.Hour), true); err != nil || len(got) != 0 {
		t.Errorf("cut-off before every change: %v %v, want none", got, err)
	}
}
