// Package reminder is the scheduled deadline job (EventBridge Scheduler on
// AWS, the in-process scheduler locally). It keeps the promise that every
// application is answered within the statutory period: it reminds the unit
// on the morning of the last day and, once the day has passed, marks the
// application overdue and tells the unit's supervisors. Running it twice
// sends nothing twice.
package reminder

import (
	"context"
	"fmt"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/notify"
)

// Job is the deadline job.
type Job struct {
	Apps   *application.Repo
	Audit  *audit.Log
	Notify notify.Notifier
	// RemindHour is the Beijing hour on the last day from which the unit is
	// reminded (default 8: the morning of the last day).
	RemindHour int
	Now        func() time.Time
}

// Summary says what one run did.
type Summary struct {
	Reminded int `json:"reminded"`
	Overdue  int `json:"overdue"`
}

var beijing = time.FixedZone("CST", 8*3600)

// Run does one pass.
func (j *Job) Run(ctx context.Context) (Summary, error) {
	now := time.Now()
	if j.Now != nil {
		now = j.Now()
	}
	hour := j.RemindHour
	if hour == 0 {
		hour = 8
	}
	today := deadline.DateOf(now)
	var s Summary
	due, err := j.Apps.OpenDueBy(ctx, today.String())
	if err != nil {
		return s, err
	}
	for _, a := range due {
		last, err := deadline.ParseDate(a.Deadline)
		if err != nil {
			continue
		}
		switch {
		case today.After(last) && !a.OverdueNotified:
			n := notify.Notice{ID: "overdue-" + a.ID, To: "supervisors:" + a.Unit, Kind: "application.overdue",
				Subject: "阅卷申请已超期未答复",
				Body: fmt.Sprintf("案号 %s，律师 %s（%s）的阅卷申请应于 %s 前答复，现已超期。请立即处理并答复。",
					a.CaseNo, a.Lawyer.Name, a.Lawyer.Firm, a.Deadline),
				CaseID: a.CaseID, ApplicationID: a.ID}
			if err := j.send(ctx, a, n, "application.overdue", func(x *application.Application) { x.OverdueNotified = true }); err != nil {
				return s, err
			}
			s.Overdue++
		case today == last && !a.Reminded && now.In(beijing).Hour() >= hour:
			n := notify.Notice{ID: "remind-" + a.ID, To: "unit:" + a.Unit, Kind: "application.remind",
				Subject: "今日为阅卷申请答复期限",
				Body: fmt.Sprintf("案号 %s，律师 %s（%s）的阅卷申请须于今日（%s）答复。",
					a.CaseNo, a.Lawyer.Name, a.Lawyer.Firm, a.Deadline),
				CaseID: a.CaseID, ApplicationID: a.ID}
			if err := j.send(ctx, a, n, "application.remind", func(x *application.Application) { x.Reminded = true }); err != nil {
				return s, err
			}
			s.Reminded++
		}
	}
	return s, nil
}

// send delivers, then records; the notice id makes a retry harmless.
func (j *Job) send(ctx context.Context, a *application.Application, n notify.Notice, action string, mark func(*application.Application)) error {
	if err := j.Notify.Deliver(ctx, n); err != nil {
		_, _ = j.Audit.Append(ctx, audit.Event{Actor: "system", Role: "system", Action: "notice.fail", CaseID: a.CaseID,
			ApplicationID: a.ID, Target: n.To, Result: audit.Failed, Detail: map[string]string{"kind": n.Kind, "error": err.Error()}})
		return fmt.Errorf("reminder: deliver %s: %w", n.ID, err)
	}
	if _, err := j.Apps.Update(ctx, a.ID, func(x *application.Application) error { mark(x); return nil }); err != nil {
		return err
	}
	_, err := j.Audit.Append(ctx, audit.Event{Actor: "system", Role: "system", Action: action, CaseID: a.CaseID,
		ApplicationID: a.ID, Target: n.To, Result: audit.OK, Detail: map[string]string{"deadline": a.Deadline}})
	return err
}
