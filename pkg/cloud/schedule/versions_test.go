package schedule

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/cloud"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
	"github.com/yuejuan/yuejuan/pkg/reminder"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// The deadline run queues the version job (queue.Version) of a case whose
// lawyer's ready copy lags its content version — the job a lost message or
// a dead worker left undone — and not of a case whose copy is current.
func TestDeadlineRequeuesLostVersions(t *testing.T) {
	ctx := t.Context()
	tbl, err := sqlitestore.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	rt := &cloud.Runtime{Log: quiet()}
	rt.SetTable(tbl)
	// Changed two minutes ago: past reconcile.StuckAfter.
	cases := &casefile.Repo{T: tbl, Now: func() time.Time { return time.Now().Add(-2 * time.Minute) }}
	mk := func(no string, copyCV int) string {
		c := &casefile.Case{CaseNo: no, Title: "测试案", Stage: casefile.ProsecutionReview, OnlineReview: true, Unit: "市检察院",
			Handler: casefile.Handler{Name: "刘检察官", Phone: "010-1"}, Defendants: []string{"张某"}}
		if err := cases.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := cases.Update(ctx, c.ID, func(x *casefile.Case) error { x.ContentVersion = 2; return nil }); err != nil {
			t.Fatal(err)
		}
		a := &application.Application{ID: casefile.NewID(), CaseID: c.ID, CaseNo: no, Unit: c.Unit, Status: application.Ready,
			Lawyer: application.Lawyer{Name: "张律师", License: "11101201910012345"}, SubmittedAt: time.Now()}
		a.CopyKey, a.LinkID = reconcile.CopyKey(c.ID, copyCV, a.ID), a.ID+"-v1"
		if _, _, err := rt.Apps.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	lagging := mk("京检刑诉〔2026〕1号", 1)
	mk("京检刑诉〔2026〕2号", 2)
	q := &recordingQueue{}
	d := &Deadline{Apps: rt.Apps, Queue: q, Log: quiet(), Behind: behind(rt),
		Job: &reminder.Job{Apps: rt.Apps, Audit: rt.Audit, Notify: nopNotifier{}}}
	res, err := d.Handle(ctx, nil)
	if err != nil || res.Versioned != 1 {
		t.Fatalf("deadline run: %+v %v, want one version job re-queued", res, err)
	}
	var got []queue.Job
	for _, j := range q.jobs {
		if j.Kind == queue.Version {
			got = append(got, j)
		}
	}
	if len(got) != 1 || got[0].Key != lagging {
		t.Fatalf("version jobs queued: %+v, want one for case %s", got, lagging)
	}
}
