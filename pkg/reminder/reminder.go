// Package reminder is the scheduled deadline job (EventBridge Scheduler on
// AWS, the in-process scheduler locally). It keeps the promise that every
// application and every complaint is answered within its statutory period:
// it reminds the unit on the morning of the last day and, once the day has
// passed, marks it overdue and tells the unit's supervisors. It also tells a
// lawyer, once, that a download link expires within a day, and retries
// notices whose delivery failed. Running it twice sends nothing twice.
package reminder

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/complaint"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/notify"
)

// Job is the deadline job.
type Job struct {
	Apps   *application.Repo
	Audit  *audit.Log
	Notify notify.Notifier
	// Complaints, when set, are reminded and marked overdue like
	// applications.
	Complaints *complaint.Repo
	// Links and Watch, when set, drive the link-expiry notice; ExpiryLead
	// is how long before expiry it goes out (default 24 h).
	Links      *link.Repo
	Watch      *LinkWatch
	ExpiryLead time.Duration
	// RemindHour is the Beijing hour on the last day from which the unit is
	// reminded (default 8: the morning of the last day).
	RemindHour int
	Now        func() time.Time
}

// Summary says what one run did.
type Summary struct {
	Reminded           int                 `json:"reminded"`
	Overdue            int                 `json:"overdue"`
	ComplaintsReminded int                 `json:"complaintsReminded"`
	ComplaintsOverdue  int                 `json:"complaintsOverdue"`
	LinksExpiring      int                 `json:"linksExpiring"`
	Expired            int                 `json:"expired"`
	Retried            notify.RetrySummary `json:"retried"`
}

var beijing = time.FixedZone("CST", 8*3600)

// retrier is a Notifier that keeps failed deliveries for later
// (notify.Dispatcher).
type retrier interface {
	Retry(ctx context.Context) (notify.RetrySummary, error)
}

func (j *Job) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

// Run does one pass: applications, complaints, expiring links, then the
// retry of failed deliveries. A failing part does not stop the others; their
// errors are joined.
func (j *Job) Run(ctx context.Context) (Summary, error) {
	var s Summary
	errs := []error{j.applications(ctx, &s)}
	if j.Complaints != nil {
		errs = append(errs, j.complaints(ctx, &s))
	}
	if j.Links != nil && j.Watch != nil {
		errs = append(errs, j.expiring(ctx, &s), j.expire(ctx, &s))
	}
	if r, ok := j.Notify.(retrier); ok {
		rs, err := r.Retry(ctx)
		s.Retried = rs
		errs = append(errs, err)
	}
	return s, errors.Join(errs...)
}

func (j *Job) remindHour() int {
	if j.RemindHour == 0 {
		return 8
	}
	return j.RemindHour
}

func (j *Job) applications(ctx context.Context, s *Summary) error {
	now := j.now()
	today := deadline.DateOf(now)
	due, err := j.Apps.OpenDueBy(ctx, today.String())
	if err != nil {
		return err
	}
	for _, a := range due {
		last, err := deadline.ParseDate(a.Deadline)
		if err != nil {
			continue
		}
		switch {
		case today.After(last) && !a.OverdueNotified:
			n := notify.Notice{ID: "overdue-" + a.ID, To: notify.Supervisors(a.Unit), Kind: "application.overdue",
				Subject: "阅卷申请已超期未答复",
				Body: fmt.Sprintf("案号 %s，律师 %s的阅卷申请应于 %s 前答复，现已超期。请立即处理并答复。",
					a.CaseNo, notify.Who(a.Lawyer.Name, a.Lawyer.Firm, ""), a.Deadline),
				Unit: a.Unit, CaseID: a.CaseID, CaseNo: a.CaseNo, ApplicationID: a.ID}
			if err := j.send(ctx, a, n, audit.ApplicationOverdue, func(x *application.Application) { x.OverdueNotified = true }); err != nil {
				return err
			}
			s.Overdue++
		case today == last && !a.Reminded && now.In(beijing).Hour() >= j.remindHour():
			n := notify.Notice{ID: "remind-" + a.ID, To: notify.Unit(a.Unit), Kind: "application.remind",
				Subject: "今日为阅卷申请答复期限",
				Body: fmt.Sprintf("案号 %s，律师 %s的阅卷申请须于今日（%s）答复。",
					a.CaseNo, notify.Who(a.Lawyer.Name, a.Lawyer.Firm, ""), a.Deadline),
				Unit: a.Unit, CaseID: a.CaseID, CaseNo: a.CaseNo, ApplicationID: a.ID}
			if err := j.send(ctx, a, n, audit.ApplicationRemind, func(x *application.Application) { x.Reminded = true }); err != nil {
				return err
			}
			s.Reminded++
		}
	}
	return nil
}

// send delivers, then records; the notice id makes a retry harmless.
func (j *Job) send(ctx context.Context, a *application.Application, n notify.Notice, action audit.Action, mark func(*application.Application)) error {
	if err := j.Notify.Deliver(ctx, n); err != nil {
		_, _ = j.Audit.Append(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.NoticeFail, CaseID: a.CaseID,
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

func (j *Job) complaints(ctx context.Context, s *Summary) error {
	now := j.now()
	today := deadline.DateOf(now)
	due, err := j.Complaints.OpenDueBy(ctx, today.String())
	if err != nil {
		return err
	}
	for _, c := range due {
		last, err := deadline.ParseDate(c.Deadline)
		if err != nil {
			continue
		}
		about := "未登记案件"
		if c.CaseNo != "" {
			about = "案号 " + c.CaseNo
		}
		urgent := ""
		if c.Urgent {
			urgent = "（紧急）"
		}
		switch {
		case today.After(last) && !c.OverdueMarked:
			n := notify.Notice{ID: "complaint-overdue-" + c.ID, To: notify.Supervisors(c.Unit), Kind: "complaint.overdue",
				Subject: "律师申诉控告已超期未答复",
				Body: fmt.Sprintf("%s，律师 %s关于%s的申诉控告%s应于 %s 前办结答复，现已超期。请立即处理并书面答复。",
					about, notify.Who(c.Lawyer.Name, c.Lawyer.Firm, ""), c.Kind.Label(), urgent, c.Deadline),
				Unit: c.Unit, CaseID: c.CaseID, CaseNo: c.CaseNo, ComplaintID: c.ID}
			if err := j.sendComplaint(ctx, c, n, audit.ComplaintOverdue, func(x *complaint.Complaint) { x.OverdueMarked = true }); err != nil {
				return err
			}
			s.ComplaintsOverdue++
		case today == last && !c.Reminded && now.In(beijing).Hour() >= j.remindHour():
			n := notify.Notice{ID: "complaint-remind-" + c.ID, To: notify.Unit(c.Unit), Kind: "complaint.remind",
				Subject: "今日为律师申诉控告答复期限",
				Body: fmt.Sprintf("%s，律师 %s关于%s的申诉控告%s须于今日（%s）办结答复。",
					about, notify.Who(c.Lawyer.Name, c.Lawyer.Firm, ""), c.Kind.Label(), urgent, c.Deadline),
				Unit: c.Unit, CaseID: c.CaseID, CaseNo: c.CaseNo, ComplaintID: c.ID}
			if err := j.sendComplaint(ctx, c, n, audit.ComplaintRemind, func(x *complaint.Complaint) { x.Reminded = true }); err != nil {
				return err
			}
			s.ComplaintsReminded++
		}
	}
	return nil
}

func (j *Job) sendComplaint(ctx context.Context, c *complaint.Complaint, n notify.Notice, action audit.Action, mark func(*complaint.Complaint)) error {
	if err := j.Notify.Deliver(ctx, n); err != nil {
		_, _ = j.Audit.Append(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.NoticeFail, CaseID: c.CaseID,
			Target: n.To, Result: audit.Failed, Detail: map[string]string{"kind": n.Kind, "complaint": c.ID, "error": err.Error()}})
		return fmt.Errorf("reminder: deliver %s: %w", n.ID, err)
	}
	if _, err := j.Complaints.Update(ctx, c.ID, func(x *complaint.Complaint) error { mark(x); return nil }); err != nil {
		return err
	}
	_, err := j.Audit.Append(ctx, audit.Event{Actor: "system", Role: "system", Action: action, CaseID: c.CaseID,
		Target: n.To, Result: audit.OK, Detail: map[string]string{"complaint": c.ID, "deadline": c.Deadline}})
	return err
}
