package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/complaint"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/opinion"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// SubmitComplaint files complaint c of the calling lawyer (named by their
// sign-in; c gives their firm and phone): on a registered case (CaseNo) or
// to a unit known here, every problem at once; its deadline follows the
// policy table, and the unit is told.
func (s *Service) SubmitComplaint(ctx context.Context, cl Caller, c *complaint.Complaint) (*complaint.Complaint, error) {
	c.Lawyer.License, c.Lawyer.Name = cl.Subject, cl.Name
	var cs *casefile.Case
	if no := strings.TrimSpace(c.CaseNo); no != "" && limits.CaseNo.Fits(no) {
		got, err := s.Cases.GetByNo(ctx, no)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, internal(err)
		}
		cs = got
	}
	ps := c.Validate(cs != nil)
	if cs != nil {
		if c.Unit != "" && c.Unit != cs.Unit {
			ps = append(ps, casefile.Problem{Field: "unit", Message: string(msg.NotCaseUnit)})
		}
		c.CaseID, c.CaseNo, c.Unit = cs.ID, cs.CaseNo, cs.Unit
	} else if c.CaseNo == "" && c.Unit != "" && limits.Unit.Fits(c.Unit) {
		// A unit is known once it has registered a case here.
		known, err := s.Cases.ListByUnit(ctx, c.Unit)
		if err != nil {
			return nil, internal(err)
		}
		if len(known) == 0 {
			ps = append(ps, casefile.Problem{Field: "unit", Message: msg.UnknownUnit.Format(c.Unit)})
		}
	}
	ps = append(ps, s.ownAttachments(ctx, cl, c.Attachments)...)
	if len(ps) > 0 {
		s.record(ctx, cl, audit.Event{Action: audit.ComplaintValidate, CaseID: c.CaseID, Result: audit.Invalid, Detail: map[string]string{"problems": ps.Error()}})
		return nil, InvalidError(ps)
	}
	now := s.now()
	c.SubmittedAt, c.Status = now, complaint.Open
	p, res := complaint.Due(s.calendar(), now, c.Kind, c.Urgent)
	c.Period, c.PeriodLabel = p.Key, p.Label+"（"+periodText(p)+"）"
	c.Deadline, c.DeadlineUncertain = res.Due.String(), res.Uncertain
	if err := s.Complaints.Create(ctx, c); err != nil {
		return nil, internal(err)
	}
	s.record(ctx, cl, audit.Event{Action: audit.ComplaintSubmit, CaseID: c.CaseID, Target: c.ID, Result: audit.OK,
		Detail: map[string]string{"complaint": c.ID, "kind": string(c.Kind), "urgent": fmt.Sprint(c.Urgent), "unit": c.Unit, "deadline": c.Deadline, "period": c.Period}})
	about := "未登记案件"
	if c.CaseNo != "" {
		about = "案号 " + c.CaseNo
	}
	urgent := ""
	if c.Urgent {
		urgent = "（紧急）"
	}
	s.Notify(ctx, cl.RequestID, notify.Notice{ID: "complaint-received-" + c.ID, To: notify.Unit(c.Unit), Kind: "complaint.received",
		Subject: "收到律师申诉控告" + urgent,
		Body: fmt.Sprintf("%s，律师 %s就%s提出申诉控告%s，请于 %s 前办结并书面答复。",
			about, notify.Who(c.Lawyer.Name, c.Lawyer.Firm, c.Lawyer.Phone), c.Kind.Label(), urgent, c.Deadline),
		Unit: c.Unit, CaseID: c.CaseID, CaseNo: c.CaseNo, ComplaintID: c.ID})
	return c, nil
}

// SubmitOpinion files the written opinion o (its text and attachments) of
// the calling lawyer, bound to case cs by b (BoundCase), refused once the
// case is concluded, and tells the unit.
func (s *Service) SubmitOpinion(ctx context.Context, cl Caller, cs *casefile.Case, b *casefile.Binding, o *opinion.Opinion) (*opinion.Opinion, error) {
	o.CaseID, o.CaseNo, o.Unit = cs.ID, cs.CaseNo, cs.Unit
	o.Lawyer = opinion.Lawyer{License: cl.Subject, Name: cl.Name, Firm: b.Firm, Phone: b.Phone}
	o.SubmittedAt = s.now()
	ps := append(o.Validate(), s.ownAttachments(ctx, cl, o.Attachments)...)
	if len(ps) > 0 {
		return nil, InvalidError(ps)
	}
	err := s.Opinions.Submit(ctx, o)
	switch {
	case errors.Is(err, casefile.ErrConcluded):
		s.record(ctx, cl, audit.Event{Action: audit.OpinionSubmit, CaseID: cs.ID, Target: o.ID, Result: audit.Denied, Detail: map[string]string{"reason": "case concluded"}})
		return nil, &Error{Code: CaseConcluded, Message: string(msg.CaseConcluded), Err: err}
	case errors.As(err, &ps):
		return nil, InvalidError(ps)
	case err != nil:
		return nil, internal(err)
	}
	s.record(ctx, cl, audit.Event{Action: audit.OpinionSubmit, CaseID: cs.ID, Target: o.ID, Result: audit.OK,
		Detail: map[string]string{"opinion": o.ID, "attachments": fmt.Sprint(len(o.Attachments))}})
	s.Notify(ctx, cl.RequestID, notify.Notice{ID: "opinion-received-" + o.ID, To: notify.Unit(cs.Unit), Kind: "opinion.received",
		Subject: "收到律师书面意见",
		Body:    fmt.Sprintf("案号 %s，律师 %s（%s）提交了书面意见，请承办人 %s 审查并答复是否采纳及理由。", cs.CaseNo, o.Lawyer.Name, o.Lawyer.Firm, cs.Handler.Name),
		Unit:    cs.Unit, CaseID: cs.ID, CaseNo: cs.CaseNo, OpinionID: o.ID})
	return o, nil
}

// ownAttachments checks that every id is an uploaded attachment of the
// caller.
func (s *Service) ownAttachments(ctx context.Context, c Caller, ids []string) casefile.Problems {
	var ps casefile.Problems
	if len(ids) > limits.Attachments.Max {
		return nil // too many: refused by validation, not looked up
	}
	for i, aid := range ids {
		if !limits.AttachmentID.Fits(aid) {
			continue // refused by validation, not looked up
		}
		at, err := s.Apps.GetAttachment(ctx, aid)
		field := fmt.Sprintf("attachments[%d]", i)
		switch {
		case err != nil || at.Owner != Owner(c.Identity):
			ps = append(ps, casefile.Problem{Field: field, Message: msg.NotYourAttachment.Format(aid)})
		case !at.Uploaded:
			ps = append(ps, casefile.Problem{Field: field, Message: msg.NotUploaded.Format(at.Filename)})
		}
	}
	return ps
}

// periodText says a statutory period in words.
func periodText(p deadline.Period) string {
	if p.Unit == deadline.WorkingDays {
		return fmt.Sprintf("%d 个工作日", p.Days)
	}
	return fmt.Sprintf("%d 日", p.Days)
}

// ComplaintDue is how many working days are left to answer complaint cp,
// and whether it is overdue, while it is open (DueIn); nil and false once
// it is answered.
func (s *Service) ComplaintDue(cp *complaint.Complaint) (*int, bool) {
	if cp.Status != complaint.Open {
		return nil, false
	}
	return s.DueIn(cp.Deadline)
}
