package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/opinion"
	"github.com/yuejuan/yuejuan/pkg/store"
)

type opinionIn struct {
	Text        string   `json:"text"`
	Attachments []string `json:"attachments"`
}

// boundCase loads the case named by the path (its id or its case number)
// for a lawyer bound to it. Any other lawyer gets 404, as if it did not
// exist, and an audit record.
func (a *API) boundCase(w http.ResponseWriter, r *http.Request, id auth.Identity) (*casefile.Case, *casefile.Binding, bool) {
	ref := r.PathValue("id")
	c, err := a.Cases.Get(r.Context(), ref)
	if errors.Is(err, store.ErrNotFound) {
		c, err = a.Cases.GetByNo(r.Context(), ref)
	}
	notFound := func() {
		writeError(w, http.StatusNotFound, "case_not_found", "未找到该案件，或您尚未与本案建立委托关系（请先提交阅卷申请，或请案管登记您为本案辩护人） (no such case, or you are not bound to it)")
	}
	if errors.Is(err, store.ErrNotFound) {
		notFound()
		return nil, nil, false
	}
	if err != nil {
		a.fail(w, r, err)
		return nil, nil, false
	}
	b, err := a.Lawyers.Binding(r.Context(), c, id.Subject)
	if err != nil {
		a.fail(w, r, err)
		return nil, nil, false
	}
	if b == nil {
		a.record(r, id, audit.Event{Action: "access.deny", CaseID: c.ID, Result: audit.Denied, Detail: map[string]string{"reason": "lawyer not bound to the case"}})
		notFound()
		return nil, nil, false
	}
	return c, b, true
}

// createOpinion is POST /cases/{id}/opinions ({id}: case id or case
// number): a bound lawyer's written opinion.
func (a *API) createOpinion(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, b, ok := a.boundCase(w, r, id)
	if !ok {
		return
	}
	var in opinionIn
	if !a.decode(w, r, &in) {
		return
	}
	o := &opinion.Opinion{CaseID: c.ID, CaseNo: c.CaseNo, Unit: c.Unit, Text: in.Text, Attachments: in.Attachments,
		Lawyer: opinion.Lawyer{License: id.Subject, Name: id.Name, Firm: b.Firm, Phone: b.Phone}, SubmittedAt: a.now()}
	ps := append(o.Validate(), a.ownAttachments(r, id, o.Attachments)...)
	if len(ps) > 0 {
		writeProblems(w, ps)
		return
	}
	err := a.Opinions.Submit(r.Context(), o)
	switch {
	case errors.Is(err, casefile.ErrConcluded):
		a.record(r, id, audit.Event{Action: "opinion.submit", CaseID: c.ID, Target: o.ID, Result: audit.Denied, Detail: map[string]string{"reason": "case concluded"}})
		writeError(w, http.StatusConflict, "case_concluded", "本案已办结，不再接收书面意见；如有异议请致电 12309 (the case has been concluded)")
		return
	case errors.As(err, &ps):
		writeProblems(w, ps)
		return
	case err != nil:
		a.fail(w, r, err)
		return
	}
	a.record(r, id, audit.Event{Action: "opinion.submit", CaseID: c.ID, Target: o.ID, Result: audit.OK,
		Detail: map[string]string{"opinion": o.ID, "attachments": fmt.Sprint(len(o.Attachments))}})
	a.notifyAll(r, notify.Notice{ID: "opinion-received-" + o.ID, To: notify.Unit(c.Unit), Kind: "opinion.received",
		Subject: "收到律师书面意见",
		Body:    fmt.Sprintf("案号 %s，律师 %s（%s）提交了书面意见，请承办人 %s 审查并答复是否采纳及理由。", c.CaseNo, o.Lawyer.Name, o.Lawyer.Firm, c.Handler.Name),
		Unit:    c.Unit, CaseID: c.ID, CaseNo: c.CaseNo, OpinionID: o.ID})
	w.Header().Set("Location", "/api/v1/opinions/"+o.ID)
	writeJSON(w, http.StatusCreated, o)
}

// listCaseOpinions is GET /cases/{id}/opinions for the unit's clerks.
func (a *API) listCaseOpinions(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	os, err := a.Opinions.ByCase(r.Context(), c.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if os == nil {
		os = []*opinion.Opinion{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"opinions": os})
}

// listOpinions is GET /opinions: a lawyer's own, newest first; a clerk's
// unit's, oldest first (?status=unanswered for the queue).
func (a *API) listOpinions(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var os []*opinion.Opinion
	var err error
	if id.Role == auth.Lawyer {
		os, err = a.Opinions.ByLawyer(r.Context(), id.Subject)
	} else {
		os, err = a.Opinions.ByUnit(r.Context(), id.Unit, r.URL.Query().Get("status") == "unanswered")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if os == nil {
		os = []*opinion.Opinion{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"opinions": os})
}

// ownOpinion loads an opinion the caller may see: a lawyer their own, a
// clerk their unit's, an auditor any. Others get 404 and an audit record.
func (a *API) ownOpinion(w http.ResponseWriter, r *http.Request, id auth.Identity) (*opinion.Opinion, bool) {
	o, err := a.Opinions.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "opinion_not_found", "未找到该意见 (no such opinion)")
		return nil, false
	}
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	if !mayRead(id, o.Lawyer.License, o.Unit) {
		a.record(r, id, audit.Event{Action: "access.deny", CaseID: o.CaseID, Target: o.ID, Result: audit.Denied,
			Detail: map[string]string{"reason": "not the owner", "opinion": o.ID}})
		writeError(w, http.StatusNotFound, "opinion_not_found", "未找到该意见 (no such opinion)")
		return nil, false
	}
	return o, true
}

func (a *API) getOpinion(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	o, ok := a.ownOpinion(w, r, id)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, o)
}

type opinionReplyIn struct {
	Adopted *bool  `json:"adopted"`
	Reason  string `json:"reason"`
}

// replyOpinion is POST /opinions/{id}/reply: whether the opinion was
// adopted, and why; the lawyer is told.
func (a *API) replyOpinion(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	o, ok := a.ownOpinion(w, r, id)
	if !ok {
		return
	}
	var in opinionReplyIn
	if !a.decode(w, r, &in) {
		return
	}
	if in.Adopted == nil {
		writeProblems(w, casefile.Problems{{Field: "adopted", Message: "请注明是否采纳：adopted 为 true 或 false (say whether the opinion was adopted)"}})
		return
	}
	if m := limits.OpinionReason.Check("reason", strings.TrimSpace(in.Reason)); m != "" {
		writeProblems(w, casefile.Problems{{Field: "reason", Message: m}})
		return
	}
	rep := opinion.Reply{Adopted: *in.Adopted, Reason: in.Reason, By: id.Subject, ByName: id.Name, At: a.now()}
	if c, err := a.Cases.Get(r.Context(), o.CaseID); err == nil {
		h := c.Handler
		rep.Contact = &h
	}
	in0, err := a.intend(r, id, audit.Event{Time: rep.At, Action: "opinion.reply", CaseID: o.CaseID, Target: o.ID, Result: audit.OK,
		Detail: map[string]string{"opinion": o.ID, "adopted": fmt.Sprint(rep.Adopted)}})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	updated, err := a.Opinions.Answer(r.Context(), o.ID, rep)
	a.finish(r, err, in0)
	var ps casefile.Problems
	switch {
	case errors.As(err, &ps):
		writeProblems(w, ps)
		return
	case errors.Is(err, opinion.ErrAnswered), errors.Is(err, opinion.ErrNotOpen):
		writeError(w, http.StatusConflict, "already_answered", "该意见已答复或已撤回，不能重复答复 (the opinion was already answered or withdrawn)")
		return
	case err != nil:
		a.fail(w, r, err)
		return
	}
	verdict := "未予采纳"
	if rep.Adopted {
		verdict = "已予采纳"
	}
	a.notifyAll(r, notify.Notice{ID: "opinion-answered-" + o.ID, To: notify.Lawyer(o.Lawyer.License), Phone: o.Lawyer.Phone,
		Kind: "opinion.answered", Subject: "书面意见答复：" + verdict,
		Body: fmt.Sprintf("您于 %s 就案号 %s 提交的书面意见%s。理由：%s", o.SubmittedAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02"),
			o.CaseNo, verdict, updated.Reply.Reason),
		Unit: o.Unit, CaseID: o.CaseID, CaseNo: o.CaseNo, OpinionID: o.ID, Contact: rep.Contact})
	writeJSON(w, http.StatusOK, updated)
}

// concludeCase is POST /cases/{id}/conclude: refused with 409, naming them,
// while any opinion on the case awaits an answer.
func (a *API) concludeCase(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	in0, err := a.intend(r, id, audit.Event{Time: a.now(), Action: "case.conclude", CaseID: c.ID, Result: audit.OK})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var open []*opinion.Opinion
	updated, err := a.Cases.Conclude(r.Context(), c.ID, owner(id), func(ctx0 context.Context, c *casefile.Case) ([]string, error) {
		os, err := a.Opinions.Unanswered(ctx0, c.ID)
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
	a.finish(r, err, in0)
	var ue *casefile.UnansweredError
	if errors.As(err, &ue) {
		var ps casefile.Problems
		for _, o := range open {
			ps = append(ps, casefile.Problem{Field: "opinions[" + o.ID + "]", Message: fmt.Sprintf("律师 %s 于 %s 提交的书面意见（%s）尚未答复 (opinion %s by %s is unanswered)",
				o.Lawyer.Name, o.SubmittedAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04"), o.ID, o.ID, o.Lawyer.License)})
		}
		a.record(r, id, audit.Event{Action: "case.conclude", CaseID: c.ID, Result: audit.Denied,
			Detail: map[string]string{"reason": "unanswered opinions", "opinions": fmt.Sprint(ue.Items)}})
		writeJSON(w, http.StatusConflict, map[string]apiError{"error": {Code: "opinions_unanswered",
			Message:  fmt.Sprintf("本案尚有 %d 份律师书面意见未答复，答复后方可办结 (the case has %d unanswered opinions; reply to them first)", len(ps), len(ps)),
			Problems: ps}})
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, updated)
}
