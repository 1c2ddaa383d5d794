package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/notify"
)

// The clerk's 受理 (acknowledging receipt) and 补正 (asking the lawyer to
// fix named items), and the lawyer's answer to 补正 (docs/design.md,
// "受理 is a step, not a state" and "补正 stops the clock").

// Acknowledge records the unit's 受理 of application app (authorized by
// ApplicationFor for a clerk of its unit): who and when, a step in its
// history, and a notice that gives the lawyer the receipt number (受理回执)
// and the reply date. Once only (409 already_acknowledged); not after the
// application was decided (409 already_decided).
func (s *Service) Acknowledge(ctx context.Context, c Caller, app *application.Application) (*application.Application, error) {
	now := s.now()
	// Written ahead, as a decision is: the record exists whenever the step
	// does (SettleAudit's resolver finds the step by its instant).
	in, err := s.Intend(ctx, c, audit.Event{Time: now, Action: audit.ApplicationAcknowledge, CaseID: app.CaseID, ApplicationID: app.ID, Result: audit.OK,
		Detail: map[string]string{"receipt": application.ReceiptNo(app)}})
	if err != nil {
		return nil, internal(err)
	}
	updated, err := s.Apps.Update(ctx, app.ID, func(x *application.Application) error {
		switch {
		case x.Acknowledged != nil:
			return errAcknowledged
		case !x.Status.Undecided():
			return application.ErrTransition
		}
		x.Acknowledged = &application.Step{By: Owner(c.Identity), ByName: c.Name, At: now}
		x.Record(application.StepAcknowledged, Owner(c.Identity), "受理回执号 "+application.ReceiptNo(x), now)
		return nil
	})
	s.Finish(ctx, err, in)
	switch {
	case errors.Is(err, errAcknowledged):
		return nil, Fail(AlreadyAcknowledged, msg.AlreadyAcknowledged)
	case errors.Is(err, application.ErrTransition):
		return nil, &Error{Code: AlreadyDecided, Message: msg.AlreadyDecided.Format(app.Status), Err: err}
	case err != nil:
		return nil, internal(err)
	}
	deadlineText := "答复期限 " + updated.Deadline
	if updated.Status == application.NeedsCorrection {
		deadlineText = "补正后三日内答复"
	}
	s.Notify(ctx, c.RequestID, s.lawyerNotice(ctx, updated, "app-acknowledged-"+app.ID, "application.acknowledged", "阅卷申请已受理",
		fmt.Sprintf("案号 %s 的互联网阅卷申请已于 %s 受理，受理回执号 %s，%s。", updated.CaseNo, beijingTime(now), application.ReceiptNo(updated), deadlineText)))
	return updated, nil
}

var errAcknowledged = errors.New("service: acknowledged before")

// CorrectionRequest is what a clerk asks the lawyer to fix: the items,
// each with its reason, and a note for all of them.
type CorrectionRequest struct {
	Items []application.CorrectionItem
	Note  string
}

// RequestCorrection asks the lawyer of application app (authorized by
// ApplicationFor for a clerk of its unit) to fix the named items (补正):
// the application stays open, as needs_correction, the statutory clock
// stops until the lawyer resubmits, the lawyer is told exactly what to
// fix. Every problem of the request at once (422); only an undecided
// application not already waiting for the lawyer (409).
func (s *Service) RequestCorrection(ctx context.Context, c Caller, app *application.Application, req CorrectionRequest) (*application.Application, error) {
	var ps casefile.Problems
	req.Note = strings.TrimSpace(req.Note)
	if len(req.Items) == 0 {
		ps = append(ps, casefile.Problem{Field: "items", Message: string(msg.CorrectionItems)})
	}
	seen := map[string]bool{}
	for i := range req.Items {
		it := &req.Items[i]
		it.Field, it.Reason = strings.TrimSpace(it.Field), strings.TrimSpace(it.Reason)
		f := fmt.Sprintf("items[%d]", i)
		switch {
		case !application.Correctable(it.Field):
			ps = append(ps, casefile.Problem{Field: f + ".field", Message: msg.CorrectionField.Format(it.Field)})
		case seen[it.Field]:
			ps = append(ps, casefile.Problem{Field: f + ".field", Message: msg.CorrectionTwice.Format(it.Field)})
		}
		seen[it.Field] = true
		if it.Reason == "" {
			ps = append(ps, casefile.Problem{Field: f + ".reason", Message: string(msg.CorrectionReason)})
		} else if m := limits.DecisionReason.Check(f+".reason", it.Reason); m != "" {
			ps = append(ps, casefile.Problem{Field: f + ".reason", Message: m})
		}
	}
	if m := limits.DecisionReason.Check("note", req.Note); m != "" {
		ps = append(ps, casefile.Problem{Field: "note", Message: m})
	}
	if len(ps) > 0 {
		return nil, InvalidError(ps)
	}
	now := s.now()
	fields := make([]string, 0, len(req.Items))
	for _, it := range req.Items {
		fields = append(fields, it.Field)
	}
	in, err := s.Intend(ctx, c, audit.Event{Time: now, Action: audit.ApplicationCorrect, CaseID: app.CaseID, ApplicationID: app.ID, Result: audit.OK,
		Detail: map[string]string{"items": strings.Join(fields, ","), "reason": correctionSummary(req.Items), "round": fmt.Sprint(len(app.Corrections) + 1)}})
	if err != nil {
		return nil, internal(err)
	}
	updated, err := s.Apps.Update(ctx, app.ID, func(x *application.Application) error {
		if err := x.Move(application.NeedsCorrection, Owner(c.Identity), correctionSummary(req.Items), now); err != nil {
			return err
		}
		x.Corrections = append(x.Corrections, application.Correction{Items: req.Items, Note: req.Note,
			Asked: application.Step{By: Owner(c.Identity), ByName: c.Name, At: now}})
		return nil
	})
	s.Finish(ctx, err, in)
	if errors.Is(err, application.ErrTransition) {
		if app.Status == application.NeedsCorrection {
			return nil, Fail(AwaitingCorrection, msg.AwaitingCorrection)
		}
		return nil, &Error{Code: AlreadyDecided, Message: msg.AlreadyDecided.Format(app.Status), Err: err}
	}
	if err != nil {
		return nil, internal(err)
	}
	body := fmt.Sprintf("案号 %s 的互联网阅卷申请（受理回执号 %s）需要补正：%s。", updated.CaseNo, application.ReceiptNo(updated), correctionSummary(req.Items))
	if req.Note != "" {
		body += "说明：" + req.Note + "。"
	}
	body += "请登录本系统按要求补正后重新提交，补正后三日内答复。"
	s.Notify(ctx, c.RequestID, s.lawyerNotice(ctx, updated, fmt.Sprintf("app-correction-%s-%d", app.ID, len(updated.Corrections)), "application.correction", "阅卷申请需要补正", body))
	return updated, nil
}

// correctionSummary says the items in Chinese: "律师执业证（照片不清晰）；…".
func correctionSummary(items []application.CorrectionItem) string {
	parts := make([]string, 0, len(items))
	for _, it := range items {
		parts = append(parts, application.FieldLabel(it.Field)+"（"+it.Reason+"）")
	}
	return strings.Join(parts, "；")
}

// Resubmission is the lawyer's answer to 补正: a new document for each
// named slot (attachment ids by kind) and new values of the named fields.
type Resubmission struct {
	Attachments map[application.AttachmentKind]string
	Client      *string
	Firm, Phone *string
}

// Resubmit answers the open round of 补正 of application app (authorized
// by ApplicationFor for its lawyer) with r: every named item answered and
// nothing else changed, each new document the lawyer's own, accepted and
// of its slot's kind, the whole application valid again — every problem at
// once (422). The application is pending review again with a new deadline
// of three days from today (the clock stopped while it waited); the
// replaced documents stay viewable in the round; the unit is told.
func (s *Service) Resubmit(ctx context.Context, c Caller, app *application.Application, r Resubmission) (*application.Application, error) {
	if c.Role != auth.Lawyer || app.Lawyer.License != c.Subject {
		return nil, s.deny(ctx, c, audit.Event{ApplicationID: app.ID, CaseID: app.CaseID, Detail: map[string]string{"reason": "not the owner"}}, Fail(ApplicationNotFound, msg.ApplicationNotFound))
	}
	round := app.OpenCorrection()
	if round == nil {
		return nil, Fail(NotAwaitingCorrection, msg.NotAwaitingCorrection)
	}
	named := map[string]bool{}
	for _, it := range round.Items {
		named[it.Field] = true
	}
	next := *app
	next.Attachments = slices.Clone(app.Attachments)
	var ps casefile.Problems
	var replaced, changed, answers []string
	field := func(name string, v *string, cur *string) {
		switch {
		case v == nil && named[name]:
			ps = append(ps, casefile.Problem{Field: name, Message: msg.CorrectionMissing.Format(application.FieldLabel(name))})
		case v != nil && !named[name] && strings.TrimSpace(*v) != *cur:
			ps = append(ps, casefile.Problem{Field: name, Message: msg.CorrectionNotAsked.Format(application.FieldLabel(name))})
		case v != nil && named[name]:
			nv := strings.TrimSpace(*v)
			if nv != *cur {
				changed = append(changed, application.FieldLabel(name)+"："+*cur+" → "+nv)
				answers = append(answers, changed[len(changed)-1])
			} else {
				answers = append(answers, application.FieldLabel(name)+"：未改（"+nv+"）")
			}
			*cur = nv
		}
	}
	field("client", r.Client, &next.Client)
	field("lawyer.firm", r.Firm, &next.Lawyer.Firm)
	field("lawyer.phone", r.Phone, &next.Lawyer.Phone)
	for name := range named {
		kind, ok := strings.CutPrefix(name, "attachments.")
		if ok && r.Attachments[application.AttachmentKind(kind)] == "" {
			ps = append(ps, casefile.Problem{Field: name, Message: msg.CorrectionMissing.Format(application.FieldLabel(name))})
		}
	}
	kinds := make([]application.AttachmentKind, 0, len(r.Attachments))
	for k := range r.Attachments {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, kind := range kinds {
		id, f := r.Attachments[kind], "attachments."+string(kind)
		if !named[f] {
			ps = append(ps, casefile.Problem{Field: f, Message: msg.CorrectionNotAsked.Format(application.FieldLabel(f))})
			continue
		}
		if !limits.AttachmentID.Fits(id) {
			ps = append(ps, casefile.Problem{Field: f, Message: msg.NotYourAttachment.Format("")})
			continue
		}
		at, err := s.Apps.GetAttachment(ctx, id)
		switch {
		case err != nil || at.Owner != Owner(c.Identity):
			ps = append(ps, casefile.Problem{Field: f, Message: msg.NotYourAttachment.Format(id)})
			continue
		case !at.Uploaded:
			ps = append(ps, casefile.Problem{Field: f, Message: msg.NotUploaded.Format(at.Filename)})
			continue
		case at.Verdict == application.AttachmentRefused:
			ps = append(ps, casefile.Problem{Field: f, Message: at.Reason})
			continue
		case !sameSlot(at.Kind, kind):
			ps = append(ps, casefile.Problem{Field: f, Message: msg.CorrectionKind.Format(at.Filename, application.FieldLabel(f))})
			continue
		}
		// The new document takes the place of the slot's old one(s), where
		// the first of them was (the card lists them in the order sent).
		kept, placed := next.Attachments[:0], false
		for _, old := range next.Attachments {
			if oa, err := s.Apps.GetAttachment(ctx, old); err == nil && sameSlot(oa.Kind, kind) {
				replaced = append(replaced, old)
				if !placed {
					kept, placed = append(kept, id), true
				}
				continue
			}
			kept = append(kept, old)
		}
		if !placed {
			kept = append(kept, id)
		}
		next.Attachments = kept
		answers = append(answers, application.FieldLabel(f)+"：新文件“"+at.Filename+"”")
	}
	if len(ps) > 0 {
		return nil, InvalidError(ps)
	}
	// The whole application is checked again, as at submission.
	cs, err := s.Cases.Get(ctx, app.CaseID)
	if err != nil {
		return nil, internal(err)
	}
	chk := application.Check{App: &next, SignedName: c.Name, Case: cs}
	for _, id := range next.Attachments {
		at, err := s.Apps.GetAttachment(ctx, id)
		if err != nil {
			at = nil
		}
		chk.Attachments = append(chk.Attachments, at)
	}
	if ps := application.Validate(chk); len(ps) > 0 {
		return nil, InvalidError(ps)
	}
	now := s.now()
	res := s.calendar().Due(deadline.DateOf(now), deadline.ApplicationReview)
	in, err := s.Intend(ctx, c, audit.Event{Time: now, Action: audit.ApplicationResubmit, CaseID: app.CaseID, ApplicationID: app.ID, Result: audit.OK,
		Detail: map[string]string{"replaced": strings.Join(replaced, ","), "changed": strings.Join(changed, "；"), "deadline": res.Due.String()}})
	if err != nil {
		return nil, internal(err)
	}
	updated, err := s.Apps.Update(ctx, app.ID, func(x *application.Application) error {
		open := x.OpenCorrection()
		if open == nil {
			return errNotAwaiting
		}
		if err := x.Move(application.PendingReview, Owner(c.Identity), "已补正："+strings.Join(answers, "；"), now); err != nil {
			return err
		}
		x.Attachments, x.Client, x.Lawyer.Firm, x.Lawyer.Phone = next.Attachments, next.Client, next.Lawyer.Firm, next.Lawyer.Phone
		open.Answered = &application.Step{By: Owner(c.Identity), ByName: c.Name, At: now}
		open.Replaced, open.Changed = replaced, changed
		// The clock stopped while the lawyer had it: three days again
		// from the resubmission (docs/design.md, "补正 stops the clock").
		x.Deadline, x.DeadlineUncertain = res.Due.String(), res.Uncertain
		x.Reminded, x.OverdueNotified = false, false
		return nil
	})
	s.Finish(ctx, err, in)
	if errors.Is(err, errNotAwaiting) || errors.Is(err, application.ErrTransition) {
		return nil, Fail(NotAwaitingCorrection, msg.NotAwaitingCorrection)
	}
	if err != nil {
		return nil, internal(err)
	}
	s.Notify(ctx, c.RequestID, notify.Notice{ID: fmt.Sprintf("app-resubmitted-%s-%d", app.ID, len(updated.Corrections)), To: notify.Unit(app.Unit),
		Kind: "application.resubmitted", Subject: "律师已补正阅卷申请",
		Body: fmt.Sprintf("案号 %s，律师 %s 已按要求补正阅卷申请（受理回执号 %s），请于 %s 前答复。", updated.CaseNo,
			notify.Who(updated.Lawyer.Name, updated.Lawyer.Firm, updated.Lawyer.Phone), application.ReceiptNo(updated), updated.Deadline),
		Unit: app.Unit, CaseID: app.CaseID, CaseNo: app.CaseNo, ApplicationID: app.ID, CreatedAt: now})
	return updated, nil
}

var errNotAwaiting = errors.New("service: not awaiting correction")

// sameSlot reports whether a document of kind have fills the slot of kind
// want: the power of attorney's slot takes a legal-aid letter too.
func sameSlot(have, want application.AttachmentKind) bool {
	authority := func(k application.AttachmentKind) bool {
		return k == application.PowerOfAttorney || k == application.LegalAidLetter
	}
	return have == want || (authority(have) && authority(want))
}

// lawyerNotice is a notice to the applying lawyer of app, with the case
// handler to call.
func (s *Service) lawyerNotice(ctx context.Context, app *application.Application, id, kind, subject, body string) notify.Notice {
	n := notify.Notice{ID: id, To: notify.Lawyer(app.Lawyer.License), Phone: app.Lawyer.Phone, Kind: kind, Subject: subject, Body: body,
		Unit: app.Unit, CaseID: app.CaseID, CaseNo: app.CaseNo, ApplicationID: app.ID, CreatedAt: s.now()}
	if cs, err := s.Cases.Get(ctx, app.CaseID); err == nil {
		h := cs.Handler
		n.Contact = &h
		n.Body += fmt.Sprintf("如有疑问请联系承办人 %s，电话 %s。", h.Name, h.Phone)
	}
	return n
}

// beijingTime is t as the notices say it: Beijing time to the minute.
func beijingTime(t time.Time) string {
	return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04") + "（北京时间）"
}
