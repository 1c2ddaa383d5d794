package reminder

import (
	"context"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestRemindThenOverdue(t *testing.T) {
	ctx := context.Background()
	tbl, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	apps := &application.Repo{T: tbl}
	log := &audit.Log{T: tbl}
	out := &notify.Outbox{T: tbl}
	now := at("2026-09-30T10:00:00+08:00")
	job := &Job{Apps: apps, Audit: log, Notify: out, Now: func() time.Time { return now }}

	mk := func(id, deadline string, st application.Status) {
		a := &application.Application{ID: id, CaseID: "c1", CaseNo: "案1", Unit: "u1", Status: st, Deadline: deadline,
			Lawyer: application.Lawyer{License: "lic-" + id, Name: "张律师", Firm: "某所"}, SubmittedAt: now}
		if _, created, err := apps.Create(ctx, a); err != nil || !created {
			t.Fatalf("create %s: %v %v", id, created, err)
		}
	}
	mk("due-today", "2026-10-08", application.PendingReview)
	mk("decided", "2026-10-08", application.PendingReview)
	mk("later", "2026-10-09", application.PendingReview)
	if _, err := apps.Update(ctx, "decided", func(a *application.Application) error {
		return a.Move(application.Approved, "clerk", "", now)
	}); err != nil {
		t.Fatal(err)
	}

	// Before the last day: nothing.
	if s, err := job.Run(ctx); err != nil || s != (Summary{}) {
		t.Fatalf("run on 9/30: %+v %v, want nothing to do", s, err)
	}
	// The last day, 07:00 Beijing: too early for the reminder.
	now = at("2026-10-08T07:00:00+08:00")
	if s, _ := job.Run(ctx); s.Reminded != 0 {
		t.Fatalf("reminded before the configured hour")
	}
	// 09:00 on the last day: one reminder to the unit, and only once.
	now = at("2026-10-08T09:00:00+08:00")
	for i := range 2 {
		s, err := job.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := Summary{Reminded: 1 - i}
		if s != want {
			t.Fatalf("run %d on the last day: %+v, want %+v", i, s, want)
		}
	}
	unit, _ := out.List(ctx, "unit:u1")
	if len(unit) != 1 || unit[0].ApplicationID != "due-today" {
		t.Fatalf("unit outbox = %+v, want one reminder for due-today", unit)
	}
	// The day after: overdue, supervisors told once; the decided one never.
	now = at("2026-10-09T00:30:00+08:00")
	for i := range 2 {
		s, err := job.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.Overdue != 1-i {
			t.Fatalf("run %d after the deadline: %+v, want overdue %d", i, s, 1-i)
		}
	}
	sup, _ := out.List(ctx, "supervisors:u1")
	if len(sup) != 1 || sup[0].ApplicationID != "due-today" {
		t.Fatalf("supervisor outbox = %+v, want one overdue notice for due-today", sup)
	}
	a, _ := apps.Get(ctx, "due-today")
	if !a.Reminded || !a.OverdueNotified {
		t.Errorf("application flags reminded=%v overdue=%v, want both", a.Reminded, a.OverdueNotified)
	}
	p, err := log.Query(ctx, audit.Filter{Action: "application.overdue"})
	if err != nil || len(p.Events) != 1 {
		t.Errorf("audit overdue records = %d (%v), want 1", len(p.Events), err)
	}
}
