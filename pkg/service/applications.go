package service

import (
	"context"
	"errors"
	"strings"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/procedure"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Submit checks app as a careful clerk would (every problem at once), gives
// it its statutory deadline and stores it: pending review, or refused at
// once with a written reason when the case is not open to review. The same
// application sent again is answered with the live one (created false),
// nothing written. A lawyer submits online for themselves; a clerk
// registers hotline and centre applications of the unit's cases.
func (s *Service) Submit(ctx context.Context, c Caller, app *application.Application) (got *application.Application, created bool, err error) {
	chk := application.Check{App: app}
	var extra casefile.Problems
	switch c.Role {
	case auth.Lawyer:
		chk.SignedName = c.Name
		if app.Channel != "" && app.Channel != application.Online {
			extra = append(extra, casefile.Problem{Field: "channel", Message: string(msg.LawyerOnline)})
		}
		app.Channel = application.Online
		if casefile.NormalizeLicense(app.Lawyer.License) != c.Subject {
			extra = append(extra, casefile.Problem{Field: "lawyer.license", Message: string(msg.LicenseNotSigner)})
		}
	case auth.Clerk:
		if app.Channel != application.Hotline && app.Channel != application.Centre {
			extra = append(extra, casefile.Problem{Field: "channel", Message: string(msg.ClerkChannel)})
		}
	}
	// Not looked up when over its limit (Validate says so): the store's
	// keys are limited too.
	if no := strings.TrimSpace(app.CaseNo); no != "" && limits.CaseNo.Fits(no) {
		cs, err := s.Cases.GetByNo(ctx, no)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, false, internal(err)
		}
		if err == nil {
			chk.Case = cs
			if c.Role == auth.Clerk && cs.Unit != c.Unit {
				extra = append(extra, casefile.Problem{Field: "caseNo", Message: string(msg.CaseOfOtherUnit)})
			}
		}
	}
	for _, aid := range app.Attachments {
		if len(app.Attachments) > limits.Attachments.Max || !limits.AttachmentID.Fits(aid) {
			break // refused by Validate, not looked up
		}
		at, err := s.Apps.GetAttachment(ctx, aid)
		if err != nil || at.Owner != Owner(c.Identity) {
			at = nil
		}
		chk.Attachments = append(chk.Attachments, at)
	}
	if ps := append(application.Validate(chk), extra...); len(ps) > 0 {
		s.record(ctx, c, audit.Event{Action: audit.ApplicationValidate, Result: audit.Invalid, Detail: map[string]string{"caseNo": app.CaseNo, "problems": ps.Error()}})
		return nil, false, InvalidError(ps)
	}
	cs := chk.Case
	now := s.now()
	app.CaseID, app.CaseNo, app.CaseTitle, app.Unit = cs.ID, cs.CaseNo, cs.Title, cs.Unit
	app.SubmittedAt = now
	res := s.calendar().Due(deadline.DateOf(now), deadline.ApplicationReview)
	app.Deadline, app.DeadlineUncertain = res.Due.String(), res.Uncertain
	app.Status = application.Submitted
	app.History = []application.Transition{{To: application.Submitted, At: now, By: Owner(c.Identity)}}
	if reason := application.Ineligible(cs); reason != "" {
		// Not fixable by the lawyer: an immediate written refusal that
		// points to on-site review, so the request is still answered.
		_ = app.Move(application.Refused, "system", reason, now)
		app.Reply = &application.Reply{Decision: application.Reject, Reason: reason, By: "system", At: now, Contact: &cs.Handler}
	} else {
		_ = app.Move(application.PendingReview, "system", "材料齐全，等待审查", now)
	}
	// The same application sent again (a double click, a retry) is answered
	// with the one already live, before anything is written.
	if live, err := s.Apps.Live(ctx, app.Lawyer.License, cs.ID); err != nil {
		return nil, false, internal(err)
	} else if live != nil {
		return live, false, nil
	}
	// One record per transition: submitted, then validated (pending review)
	// or refused as ineligible; written ahead as intents, so that an
	// application never exists without them.
	app.ID = casefile.NewID()
	events := []audit.Event{{Time: now, Action: audit.ApplicationSubmit, CaseID: cs.ID, ApplicationID: app.ID, Result: audit.OK,
		Detail: map[string]string{"channel": string(app.Channel), "kind": string(app.Kind), "deadline": app.Deadline, "lawyer": app.Lawyer.License}}}
	if app.Status == application.PendingReview {
		events = append(events, audit.Event{Time: now, Actor: "system", Role: "system", Action: audit.ApplicationValidate, CaseID: cs.ID, ApplicationID: app.ID,
			Result: audit.OK, Detail: map[string]string{"flags": strings.Join(app.Flags, ",")}})
	}
	if app.Status == application.Refused {
		events = append(events, audit.Event{Time: now, Actor: "system", Role: "system", Action: audit.ApplicationRefuse, CaseID: cs.ID, ApplicationID: app.ID,
			Result: audit.OK, Detail: map[string]string{"reason": app.Reply.Reason}})
	}
	var intents []*audit.Intent
	for _, e := range events {
		in, err := s.Intend(ctx, c, e)
		if err != nil {
			s.Finish(ctx, errors.New("not submitted"), intents...)
			return nil, false, internal(err)
		}
		intents = append(intents, in)
	}
	got, created, err = s.Apps.Create(ctx, app)
	if err == nil && !created {
		err = errAlreadyLive // the lawyer's live application is returned; nothing new to record
	}
	s.Finish(ctx, err, intents...)
	if errors.Is(err, errAlreadyLive) {
		return got, false, nil
	}
	if err != nil {
		return nil, false, internal(err)
	}
	if got.Status == application.Refused {
		s.applicationDecided(ctx, c, got)
	}
	return got, true, nil
}

// Decide approves or refuses application app (loaded, and authorized, by
// the caller) with reason, required for a refusal. An approval of a case
// with no accepted scan is refused (AwaitingScans). An approval is put on
// the pending work list before it is stored and queues the dossier's
// assembly; a refusal revokes a link already issued; the lawyer is told
// either way.
func (s *Service) Decide(ctx context.Context, c Caller, app *application.Application, decision application.Decision, reason string) (*application.Application, error) {
	reason = strings.TrimSpace(reason)
	if m := limits.DecisionReason.Check("reason", reason); m != "" {
		return nil, InvalidError(casefile.Problems{{Field: "reason", Message: m}})
	}
	var to application.Status
	switch decision {
	case application.Approve:
		to = application.Approved
	case application.Reject:
		to = application.Refused
		if reason == "" {
			return nil, InvalidError(casefile.Problems{{Field: "reason", Message: string(msg.RefusalReason)}})
		}
	default:
		return nil, InvalidError(casefile.Problems{{Field: "decision", Message: string(msg.Decision)}})
	}
	if to == application.Approved && app.Status == application.NeedsCorrection {
		return nil, Fail(AwaitingCorrection, msg.AwaitingCorrection)
	}
	cs, err := s.Cases.Get(ctx, app.CaseID)
	if err != nil {
		return nil, internal(err)
	}
	if to == application.Approved && (app.Status == application.Submitted || app.Status == application.PendingReview) {
		// Refused rather than held: an approval with nothing to bind would
		// leave the lawyer at "being prepared" with no one told why.
		if waiting, err := s.AwaitingScans(ctx, cs.ID); err != nil {
			return nil, err
		} else if waiting {
			return nil, Fail(AwaitingScans, msg.AwaitingScans)
		}
	}
	now := s.now()
	if to == application.Approved {
		// On the pending work list before the approval is stored: a failure
		// in between leaves a harmless mark (the job finds nothing approved
		// and clears it), never an approval that no job will fulfil.
		if err := s.Apps.MarkWork(ctx, app.ID); err != nil {
			return nil, internal(err)
		}
	}
	in0, err := s.Intend(ctx, c, audit.Event{Time: now, Action: audit.ApplicationDecide, CaseID: app.CaseID, ApplicationID: app.ID, Result: audit.OK,
		Detail: map[string]string{"decision": string(decision), "reason": reason}})
	if err != nil {
		return nil, internal(err)
	}
	updated, err := s.Apps.Update(ctx, app.ID, func(x *application.Application) error {
		if err := x.Move(to, Owner(c.Identity), reason, now); err != nil {
			return err
		}
		x.Reply = &application.Reply{Decision: decision, Reason: reason, By: c.Subject, ByName: c.Name, At: now, Contact: &cs.Handler}
		return nil
	})
	s.Finish(ctx, err, in0)
	if errors.Is(err, application.ErrTransition) {
		return nil, &Error{Code: AlreadyDecided, Message: msg.AlreadyDecided.Format(app.Status), Err: err}
	}
	if err != nil {
		return nil, internal(err)
	}
	if to == application.Approved {
		if err := s.send(ctx, queue.Job{Kind: queue.Assemble, Key: app.ID}); err != nil {
			// The decision stands; the scheduler re-queues approved
			// applications that have no dossier yet.
			s.log().Error("queue assemble failed", "application", app.ID, "err", err)
		}
	}
	if to == application.Refused && app.LinkID != "" {
		_ = s.Links.Revoke(ctx, app.LinkID)
	}
	s.applicationDecided(ctx, c, updated)
	return updated, nil
}

// send queues j; without a queue it fails (the function may not queue).
func (s *Service) send(ctx context.Context, j queue.Job) error {
	if s.Queue == nil {
		return errors.New("service: no job queue here; " + string(j.Kind) + " not queued")
	}
	return s.Queue.Send(ctx, j)
}

// applicationDecided tells the lawyer an application was decided.
func (s *Service) applicationDecided(ctx context.Context, c Caller, app *application.Application) {
	if app.Reply != nil {
		s.Notify(ctx, c.RequestID, procedure.ApplicationDecided(app))
	}
}
