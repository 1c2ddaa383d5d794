package reminder

import (
	"context"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// A ready application ends as expired once its link has expired: the last
// transition carries the reason, the audit log has one record, and an
// application that moved on meanwhile is left alone.
func TestReadyApplicationsExpireWithTheirLink(t *testing.T) {
	ctx := context.Background()
	tbl, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	now := at("2026-11-02T10:00:00+08:00")
	clock := func() time.Time { return now }
	apps := &application.Repo{T: tbl}
	links := &link.Repo{T: tbl, Now: clock}
	watch := &LinkWatch{T: tbl}
	log := &audit.Log{T: tbl}
	job := &Job{Apps: apps, Audit: log, Notify: &notify.Outbox{T: tbl}, Links: links, Watch: watch, Now: clock}
	mk := func(id string) {
		a := &application.Application{ID: id, CaseID: "c1", CaseNo: "案1", Unit: "u1", Status: application.Ready, LinkID: id + "-v1",
			Lawyer: application.Lawyer{License: "lic-" + id, Name: "张律师"}, SubmittedAt: now, Deadline: "2026-11-05"}
		if _, _, err := apps.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		l := &link.Link{ID: id + "-v1", ApplicationID: id, CaseID: "c1", Lawyer: a.Lawyer.License, ExpiresAt: now.Add(7 * 24 * time.Hour), MaxDownloads: 5}
		if err := links.Create(ctx, l); err != nil {
			t.Fatal(err)
		}
		if err := watch.Add(ctx, id, l); err != nil {
			t.Fatal(err)
		}
	}
	mk("ready")
	mk("refused")
	if _, err := apps.Update(ctx, "refused", func(a *application.Application) error {
		return a.Move(application.Refused, "clerk01", "撤销", now)
	}); err != nil {
		t.Fatal(err)
	}
	if s, err := job.Run(ctx); err != nil || s.Expired != 0 {
		t.Fatalf("before expiry: %+v %v", s, err)
	}
	now = now.Add(7*24*time.Hour + time.Minute)
	for i := range 2 {
		s, err := job.Run(ctx)
		if err != nil || s.Expired != 1-i {
			t.Fatalf("run %d after expiry: %+v %v, want %d expired", i, s, err, 1-i)
		}
	}
	a, _ := apps.Get(ctx, "ready")
	last := a.History[len(a.History)-1]
	if a.Status != application.Expired || last.To != application.Expired || last.Reason == "" {
		t.Errorf("ready application after expiry: status %s, last transition %+v", a.Status, last)
	}
	if r, _ := apps.Get(ctx, "refused"); r.Status != application.Refused {
		t.Errorf("a refused application must stay refused, got %s", r.Status)
	}
	p, err := log.Query(ctx, audit.Filter{Action: "application.expire"})
	if err != nil || len(p.Events) != 1 || p.Events[0].ApplicationID != "ready" {
		t.Errorf("audit application.expire records = %+v (%v), want one for the ready application", p.Events, err)
	}
}
