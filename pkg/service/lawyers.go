package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/complaint"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/opinion"
	"github.com/yuejuan/yuejuan/pkg/procedure"
)

// beijing is the zone of the dates in notices.
var beijing = time.FixedZone("CST", 8*3600)

// RecordDecision records a procedural decision of kind with text on case
// cs (authorized by the caller) and tells every lawyer bound to it, with the
// handler's name and phone; it returns the decision and the notices'
// deliveries, in the order of the bound lawyers.
func (s *Service) RecordDecision(ctx context.Context, c Caller, cs *casefile.Case, kind procedure.Kind, text string) (*procedure.Decision, []*notify.Delivery, error) {
	bound, err := s.Lawyers.Bound(ctx, cs)
	if err != nil {
		return nil, nil, internal(err)
	}
	d := &procedure.Decision{ID: casefile.NewID(), CaseID: cs.ID, CaseNo: cs.CaseNo, Unit: cs.Unit, Kind: kind, Text: text,
		Handler: cs.Handler, By: c.Subject, ByName: c.Name, At: s.now()}
	var ps casefile.Problems
	if err := d.Validate(); errors.As(err, &ps) {
		// Before the intent is written: nothing to record.
		return nil, nil, InvalidError(ps)
	}
	for _, b := range bound {
		d.Notices = append(d.Notices, procedure.NoticeID(d.ID, b.License))
	}
	in0, err := s.Intend(ctx, c, audit.Event{Time: d.At, Action: audit.DecisionRecord, CaseID: cs.ID, Target: d.ID, Result: audit.OK,
		Detail: map[string]string{"kind": string(d.Kind), "recipients": strconv.Itoa(len(bound))}})
	if err != nil {
		return nil, nil, internal(err)
	}
	err = s.Decisions.Create(ctx, d)
	s.Finish(ctx, err, in0)
	if errors.As(err, &ps) {
		return nil, nil, InvalidError(ps)
	}
	if err != nil {
		return nil, nil, internal(err)
	}
	ns := make([]notify.Notice, 0, len(bound))
	for _, b := range bound {
		ns = append(ns, procedure.DecisionNotice(d, b))
	}
	return d, s.Notify(ctx, c.RequestID, ns...), nil
}

// AnswerComplaint answers complaint cp (authorized by the caller) with
// text, on time or not against its deadline, and tells the lawyer.
func (s *Service) AnswerComplaint(ctx context.Context, c Caller, cp *complaint.Complaint, text string) (*complaint.Complaint, error) {
	if m := limits.ComplaintAnswer.Check("answer", strings.TrimSpace(text)); m != "" {
		return nil, InvalidError(casefile.Problems{{Field: "answer", Message: m}})
	}
	ans := complaint.Answer{Text: text, By: c.Subject, ByName: c.Name, At: s.now()}
	if cp.CaseID != "" {
		if cs, err := s.Cases.Get(ctx, cp.CaseID); err == nil {
			h := cs.Handler
			ans.Contact = &h
		}
	}
	due, _ := deadline.ParseDate(cp.Deadline)
	onTime := !deadline.DateOf(ans.At).After(due)
	in0, err := s.Intend(ctx, c, audit.Event{Time: ans.At, Action: audit.ComplaintAnswer, CaseID: cp.CaseID, Target: cp.ID, Result: audit.OK,
		Detail: map[string]string{"complaint": cp.ID, "deadline": cp.Deadline, "onTime": fmt.Sprint(onTime)}})
	if err != nil {
		return nil, internal(err)
	}
	updated, err := s.Complaints.AnswerWith(ctx, cp.ID, ans)
	s.Finish(ctx, err, in0)
	var ps casefile.Problems
	switch {
	case errors.As(err, &ps):
		return nil, InvalidError(ps)
	case errors.Is(err, complaint.ErrAnswered):
		return nil, &Error{Code: AlreadyAnswered, Message: string(msg.ComplaintAnswered), Err: err}
	case err != nil:
		return nil, internal(err)
	}
	s.Notify(ctx, c.RequestID, notify.Notice{ID: "complaint-answered-" + cp.ID, To: notify.Lawyer(cp.Lawyer.License), Phone: cp.Lawyer.Phone,
		Kind: "complaint.answered", Subject: "申诉控告答复",
		Body: fmt.Sprintf("您于 %s 提出的关于%s的申诉控告已办结。答复：%s", updated.SubmittedAt.In(beijing).Format("2006-01-02"),
			cp.Kind.Label(), updated.Answer.Text),
		Unit: cp.Unit, CaseID: cp.CaseID, CaseNo: cp.CaseNo, ComplaintID: cp.ID, Contact: ans.Contact})
	return updated, nil
}

// ReplyOpinion answers opinion o (authorized by the caller): adopted or
// not (required), with reason, and tells the lawyer.
func (s *Service) ReplyOpinion(ctx context.Context, c Caller, o *opinion.Opinion, adopted *bool, reason string) (*opinion.Opinion, error) {
	if adopted == nil {
		return nil, InvalidError(casefile.Problems{{Field: "adopted", Message: string(msg.Adopted)}})
	}
	if m := limits.OpinionReason.Check("reason", strings.TrimSpace(reason)); m != "" {
		return nil, InvalidError(casefile.Problems{{Field: "reason", Message: m}})
	}
	rep := opinion.Reply{Adopted: *adopted, Reason: reason, By: c.Subject, ByName: c.Name, At: s.now()}
	if cs, err := s.Cases.Get(ctx, o.CaseID); err == nil {
		h := cs.Handler
		rep.Contact = &h
	}
	in0, err := s.Intend(ctx, c, audit.Event{Time: rep.At, Action: audit.OpinionReply, CaseID: o.CaseID, Target: o.ID, Result: audit.OK,
		Detail: map[string]string{"opinion": o.ID, "adopted": fmt.Sprint(rep.Adopted)}})
	if err != nil {
		return nil, internal(err)
	}
	updated, err := s.Opinions.Answer(ctx, o.ID, rep)
	s.Finish(ctx, err, in0)
	var ps casefile.Problems
	switch {
	case errors.As(err, &ps):
		return nil, InvalidError(ps)
	case errors.Is(err, opinion.ErrAnswered), errors.Is(err, opinion.ErrNotOpen):
		return nil, &Error{Code: AlreadyAnswered, Message: string(msg.OpinionAnswered), Err: err}
	case err != nil:
		return nil, internal(err)
	}
	verdict := "未予采纳"
	if rep.Adopted {
		verdict = "已予采纳"
	}
	s.Notify(ctx, c.RequestID, notify.Notice{ID: "opinion-answered-" + o.ID, To: notify.Lawyer(o.Lawyer.License), Phone: o.Lawyer.Phone,
		Kind: "opinion.answered", Subject: "书面意见答复：" + verdict,
		Body: fmt.Sprintf("您于 %s 就案号 %s 提交的书面意见%s。理由：%s", o.SubmittedAt.In(beijing).Format("2006-01-02"),
			o.CaseNo, verdict, updated.Reply.Reason),
		Unit: o.Unit, CaseID: o.CaseID, CaseNo: o.CaseNo, OpinionID: o.ID, Contact: rep.Contact})
	return updated, nil
}

// Conclude concludes case cs (authorized by the caller), refused while a
// lawyer's written opinion on it is unanswered: every opinion gets its
// answer before the case ends.
func (s *Service) Conclude(ctx context.Context, c Caller, cs *casefile.Case) (*casefile.Case, error) {
	in0, err := s.Intend(ctx, c, audit.Event{Time: s.now(), Action: audit.CaseConclude, CaseID: cs.ID, Result: audit.OK})
	if err != nil {
		return nil, internal(err)
	}
	var open []*opinion.Opinion
	updated, err := s.Cases.Conclude(ctx, cs.ID, Owner(c.Identity), func(ctx0 context.Context, x *casefile.Case) ([]string, error) {
		os, err := s.Opinions.Unanswered(ctx0, x.ID)
		if err != nil {
			return nil, err
		}
		open = os
		ids := make([]string, len(os))
		for i, o := range os {
			ids[i] = o.ID
		}
		return ids, nil
	})
	s.Finish(ctx, err, in0)
	var ue *casefile.UnansweredError
	if errors.As(err, &ue) {
		var ps casefile.Problems
		for _, o := range open {
			ps = append(ps, casefile.Problem{Field: "opinions[" + o.ID + "]", Message: msg.OpinionUnanswered.Format(
				o.Lawyer.Name, o.SubmittedAt.In(beijing).Format("2006-01-02 15:04"), o.ID, o.ID, o.Lawyer.License)})
		}
		s.record(ctx, c, audit.Event{Action: audit.CaseConclude, CaseID: cs.ID, Result: audit.Denied,
			Detail: map[string]string{"reason": "unanswered opinions", "opinions": fmt.Sprint(ue.Items)}})
		return nil, &Error{Code: OpinionsUnanswered, Problems: ps, Err: err,
			Message: msg.OpinionsUnanswered.Format(len(ps), len(ps))}
	}
	if err != nil {
		return nil, internal(err)
	}
	return updated, nil
}
