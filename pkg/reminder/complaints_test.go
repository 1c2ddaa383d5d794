package reminder

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/complaint"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// Open complaints are reminded on their last day and marked overdue the
// day after, once each; answered ones never.
func TestComplaintsRemindThenOverdue(t *testing.T) {
	ctx := context.Background()
	tbl, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	cs := &complaint.Repo{T: tbl}
	log := &audit.Log{T: tbl}
	out := &notify.Outbox{T: tbl}
	now := at("2026-09-30T10:00:00+08:00")
	job := &Job{Apps: &application.Repo{T: tbl}, Complaints: cs, Audit: log, Notify: out, Now: func() time.Time { return now }}
	mk := func(deadline string, urgent bool) *complaint.Complaint {
		c := &complaint.Complaint{Unit: "u1", Kind: complaint.ObstructedMeeting, Urgent: urgent, Description: "d", Status: complaint.Open,
			Lawyer: complaint.Lawyer{License: "L1", Name: "张律师", Firm: "某所"}, SubmittedAt: now, Deadline: deadline}
		if err := cs.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	urgent := mk("2026-10-10", true) // submitted 9/30, three working days
	answered := mk("2026-10-10", false)
	later := mk("2026-10-12", false)
	if _, err := cs.AnswerWith(ctx, answered.ID, complaint.Answer{Text: "已处理", At: now}); err != nil {
		t.Fatal(err)
	}
	if s, err := job.Run(ctx); err != nil || s != (Summary{}) {
		t.Fatalf("9/30: %+v %v", s, err)
	}
	// The last day is the adjusted working Saturday 10/10.
	now = at("2026-10-10T08:30:00+08:00")
	for i := range 2 {
		s, err := job.Run(ctx)
		if err != nil || s.ComplaintsReminded != 1-i || s.ComplaintsOverdue != 0 {
			t.Fatalf("run %d on 10/10: %+v %v", i, s, err)
		}
	}
	now = at("2026-10-11T00:10:00+08:00")
	for i := range 2 {
		s, err := job.Run(ctx)
		if err != nil || s.ComplaintsOverdue != 1-i {
			t.Fatalf("run %d on 10/11: %+v %v", i, s, err)
		}
	}
	got, _ := cs.Get(ctx, urgent.ID)
	if !got.Reminded || !got.OverdueMarked {
		t.Errorf("urgent complaint: reminded %v overdue %v", got.Reminded, got.OverdueMarked)
	}
	for _, id := range []string{answered.ID, later.ID} {
		if c, _ := cs.Get(ctx, id); c.Reminded || c.OverdueMarked {
			t.Errorf("complaint %s (deadline %s, %s) was touched", id, c.Deadline, c.Status)
		}
	}
	if n, _ := out.List(ctx, notify.Unit("u1")); len(n) != 1 || n[0].Kind != "complaint.remind" || n[0].ComplaintID != urgent.ID {
		t.Errorf("unit outbox %+v", n)
	}
	if n, _ := out.List(ctx, notify.Supervisors("u1")); len(n) != 1 || n[0].Kind != "complaint.overdue" {
		t.Errorf("supervisors' outbox %+v", n)
	}
	for _, action := range []audit.Action{"complaint.remind", "complaint.overdue"} {
		if p, _ := log.Query(ctx, audit.Filter{Action: action}); len(p.Events) != 1 || p.Events[0].Detail["complaint"] != urgent.ID {
			t.Errorf("audit %s: %+v", action, p.Events)
		}
	}
}

// A lawyer is told once, within a day of expiry, that a usable link runs
// out; revoked or used-up links get nothing.
func TestLinkExpiryNoticeOnce(t *testing.T) {
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
	out := &notify.Outbox{T: tbl}
	job := &Job{Apps: apps, Audit: &audit.Log{T: tbl}, Notify: out, Links: links, Watch: watch, Now: clock}
	mk := func(id string, expires time.Time, max int) *link.Link {
		a := &application.Application{ID: id, CaseID: "c1", CaseNo: "案1", Unit: "u1", Status: application.Ready, LinkID: id + "-v1",
			Lawyer: application.Lawyer{License: "lic-" + id, Name: "张律师", Phone: "138"}, SubmittedAt: now, Deadline: "2026-11-05"}
		if _, _, err := apps.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		l := &link.Link{ID: id + "-v1", ApplicationID: id, CaseID: "c1", Lawyer: a.Lawyer.License, ExpiresAt: expires, MaxDownloads: max}
		if err := links.Create(ctx, l); err != nil {
			t.Fatal(err)
		}
		if err := watch.Add(ctx, id, l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	mk("a1", now.Add(7*24*time.Hour), 5)
	revoked := mk("a2", now.Add(7*24*time.Hour), 5)
	used := mk("a3", now.Add(7*24*time.Hour), 1)
	mk("a4", now.Add(8*24*time.Hour), 5)
	if err := links.Revoke(ctx, revoked.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := links.Consume(ctx, used.ID); err != nil {
		t.Fatal(err)
	}
	if s, _ := job.Run(ctx); s.LinksExpiring != 0 {
		t.Fatalf("a week before: %+v", s)
	}
	now = now.Add(6*24*time.Hour + time.Hour) // 23 h before a1's expiry
	for i := range 2 {
		if s, err := job.Run(ctx); err != nil || s.LinksExpiring != 1-i {
			t.Fatalf("run %d, 23 h before: %+v %v", i, s, err)
		}
	}
	n, _ := out.List(ctx, notify.Lawyer("lic-a1"))
	if len(n) != 1 || n[0].Kind != "link.expiring" || n[0].ApplicationID != "a1" || n[0].Phone != "138" {
		t.Fatalf("a1's notices %+v", n)
	}
	for _, id := range []string{"a2", "a3", "a4"} {
		if n, _ := out.List(ctx, notify.Lawyer("lic-"+id)); len(n) != 0 {
			t.Errorf("%s got %+v", id, n)
		}
	}
}

type failingOnce struct {
	failed bool
	inner  notify.Notifier
}

func (f *failingOnce) Deliver(ctx context.Context, n notify.Notice) error {
	if !f.failed {
		f.failed = true
		return errors.New("gateway down")
	}
	return f.inner.Deliver(ctx, n)
}

// With a Dispatcher as its Notifier, the job also retries failed
// deliveries, its own included.
func TestJobRetriesFailedDeliveries(t *testing.T) {
	ctx := context.Background()
	tbl, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	now := at("2026-10-08T09:00:00+08:00")
	clock := func() time.Time { return now }
	apps := &application.Repo{T: tbl}
	log := &audit.Log{T: tbl}
	out := &notify.Outbox{T: tbl}
	d := &notify.Dispatcher{T: tbl, Channel: &failingOnce{inner: out}, Audit: log, Now: clock}
	job := &Job{Apps: apps, Audit: log, Notify: d, Now: clock}
	a := &application.Application{ID: "a1", CaseID: "c1", CaseNo: "案1", Unit: "u1", Status: application.PendingReview, Deadline: "2026-10-08",
		Lawyer: application.Lawyer{License: "L1", Name: "张律师"}, SubmittedAt: now}
	if _, _, err := apps.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	s, err := job.Run(ctx)
	if err != nil || s.Reminded != 1 || s.Retried != (notify.RetrySummary{}) {
		t.Fatalf("first run: %+v %v", s, err)
	}
	if n, _ := out.List(ctx, notify.Unit("u1")); len(n) != 0 {
		t.Fatal("the failed reminder was delivered")
	}
	now = now.Add(time.Minute)
	s, err = job.Run(ctx)
	if err != nil || s.Reminded != 0 || s.Retried.Sent != 1 {
		t.Fatalf("second run: %+v %v", s, err)
	}
	if n, _ := out.List(ctx, notify.Unit("u1")); len(n) != 1 || n[0].Kind != "application.remind" {
		t.Fatalf("unit outbox after the retry: %+v", n)
	}
}
