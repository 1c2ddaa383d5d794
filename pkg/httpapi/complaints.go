package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/complaint"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/store"
)

type complaintIn struct {
	CaseNo      string         `json:"caseNo"`
	Unit        string         `json:"unit"`
	Kind        complaint.Kind `json:"kind"`
	Urgent      bool           `json:"urgent"`
	Description string         `json:"description"`
	Attachments []string       `json:"attachments"`
	Phone       string         `json:"phone"`
	Firm        string         `json:"firm"`
}

type complaintOut struct {
	*complaint.Complaint
	DaysLeft *int `json:"daysLeft,omitempty"`
	Overdue  bool `json:"overdue,omitempty"`
}

func (a *API) presentComplaint(c *complaint.Complaint) complaintOut {
	out := complaintOut{Complaint: c}
	if c.Status == complaint.Open {
		if due, err := deadline.ParseDate(c.Deadline); err == nil {
			today := deadline.DateOf(a.now())
			n, _ := a.calendar().WorkingDaysLeft(today, due)
			out.DaysLeft = &n
			out.Overdue = today.After(due)
		}
	}
	return out
}

// ownAttachments checks that every id is an uploaded attachment of the
// caller, and returns a problem per one that is not.
func (a *API) ownAttachments(r *http.Request, id auth.Identity, ids []string) casefile.Problems {
	var ps casefile.Problems
	if len(ids) > limits.Attachments.Max {
		return nil // too many: refused by validation, not looked up
	}
	for i, aid := range ids {
		if !limits.AttachmentID.Fits(aid) {
			continue // refused by validation, not looked up
		}
		at, err := a.Apps.GetAttachment(r.Context(), aid)
		field := fmt.Sprintf("attachments[%d]", i)
		switch {
		case err != nil || at.Owner != owner(id):
			ps = append(ps, casefile.Problem{Field: field, Message: fmt.Sprintf("附件 %s 不存在或不属于您 (attachment not found)", aid)})
		case !at.Uploaded:
			ps = append(ps, casefile.Problem{Field: field, Message: fmt.Sprintf("附件“%s”尚未上传完成 (the file was never uploaded; PUT it to its uploadUrl first)", at.Filename)})
		}
	}
	return ps
}

// createComplaint is POST /complaints: a lawyer's complaint of obstruction.
// The deadline follows the policy table; without a caseNo the lawyer names
// the unit.
func (a *API) createComplaint(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var in complaintIn
	if !a.decode(w, r, &in) {
		return
	}
	c := &complaint.Complaint{CaseNo: in.CaseNo, Unit: in.Unit, Kind: in.Kind, Urgent: in.Urgent, Description: in.Description,
		Attachments: in.Attachments, Lawyer: complaint.Lawyer{License: id.Subject, Name: id.Name, Firm: in.Firm, Phone: in.Phone}}
	var cs *casefile.Case
	if no := strings.TrimSpace(in.CaseNo); no != "" && limits.CaseNo.Fits(no) {
		got, err := a.Cases.GetByNo(r.Context(), no)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			a.fail(w, r, err)
			return
		}
		cs = got
	}
	ps := c.Validate(cs != nil)
	if cs != nil {
		if c.Unit != "" && c.Unit != cs.Unit {
			ps = append(ps, casefile.Problem{Field: "unit", Message: "所填单位与案件承办单位不一致；填写案号时可不填单位 (the unit is not the case's unit; with a caseNo, leave unit empty)"})
		}
		c.CaseID, c.CaseNo, c.Unit = cs.ID, cs.CaseNo, cs.Unit
	} else if c.CaseNo == "" && c.Unit != "" && limits.Unit.Fits(c.Unit) {
		// A unit is known once it has registered a case here.
		known, err := a.Cases.ListByUnit(r.Context(), c.Unit)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if len(known) == 0 {
			ps = append(ps, casefile.Problem{Field: "unit", Message: fmt.Sprintf("未找到受理单位“%s”，请核对单位名称或致电 12309 (unknown unit; check its name or call 12309)", c.Unit)})
		}
	}
	ps = append(ps, a.ownAttachments(r, id, c.Attachments)...)
	if len(ps) > 0 {
		a.record(r, id, audit.Event{Action: "complaint.validate", CaseID: c.CaseID, Result: audit.Invalid, Detail: map[string]string{"problems": ps.Error()}})
		writeProblems(w, ps)
		return
	}
	now := a.now()
	c.SubmittedAt, c.Status = now, complaint.Open
	p, res := complaint.Due(a.calendar(), now, c.Kind, c.Urgent)
	c.Period, c.PeriodLabel = p.Key, p.Label+"（"+periodText(p)+"）"
	c.Deadline, c.DeadlineUncertain = res.Due.String(), res.Uncertain
	if err := a.Complaints.Create(r.Context(), c); err != nil {
		a.fail(w, r, err)
		return
	}
	a.record(r, id, audit.Event{Action: "complaint.submit", CaseID: c.CaseID, Target: c.ID, Result: audit.OK,
		Detail: map[string]string{"complaint": c.ID, "kind": string(c.Kind), "urgent": fmt.Sprint(c.Urgent), "unit": c.Unit, "deadline": c.Deadline, "period": c.Period}})
	about := "未登记案件"
	if c.CaseNo != "" {
		about = "案号 " + c.CaseNo
	}
	urgent := ""
	if c.Urgent {
		urgent = "（紧急）"
	}
	a.notifyAll(r, notify.Notice{ID: "complaint-received-" + c.ID, To: notify.Unit(c.Unit), Kind: "complaint.received",
		Subject: "收到律师申诉控告" + urgent,
		Body: fmt.Sprintf("%s，律师 %s就%s提出申诉控告%s，请于 %s 前办结并书面答复。",
			about, notify.Who(c.Lawyer.Name, c.Lawyer.Firm, c.Lawyer.Phone), c.Kind.Label(), urgent, c.Deadline),
		Unit: c.Unit, CaseID: c.CaseID, CaseNo: c.CaseNo, ComplaintID: c.ID})
	w.Header().Set("Location", "/api/v1/complaints/"+c.ID)
	writeJSON(w, http.StatusCreated, a.presentComplaint(c))
}

func periodText(p deadline.Period) string {
	if p.Unit == deadline.WorkingDays {
		return fmt.Sprintf("%d 个工作日", p.Days)
	}
	return fmt.Sprintf("%d 日", p.Days)
}

// listComplaints is GET /complaints: a lawyer's own, newest first; a
// clerk's unit's queue by deadline (?status=open for the unanswered).
func (a *API) listComplaints(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var cs []*complaint.Complaint
	var err error
	if id.Role == auth.Lawyer {
		cs, err = a.Complaints.ByLawyer(r.Context(), id.Subject)
	} else {
		cs, err = a.Complaints.ByUnit(r.Context(), id.Unit, r.URL.Query().Get("status") == "open")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]complaintOut, 0, len(cs))
	for _, c := range cs {
		out = append(out, a.presentComplaint(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"complaints": out})
}

// ownComplaint loads a complaint the caller may see: a lawyer their own, a
// clerk their unit's, an auditor any. Others get 404 and an audit record.
func (a *API) ownComplaint(w http.ResponseWriter, r *http.Request, id auth.Identity) (*complaint.Complaint, bool) {
	c, err := a.Complaints.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "complaint_not_found", "未找到该申诉控告 (no such complaint)")
		return nil, false
	}
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	if !mayRead(id, c.Lawyer.License, c.Unit) {
		a.record(r, id, audit.Event{Action: "access.deny", CaseID: c.CaseID, Target: c.ID, Result: audit.Denied,
			Detail: map[string]string{"reason": "not the owner", "complaint": c.ID}})
		writeError(w, http.StatusNotFound, "complaint_not_found", "未找到该申诉控告 (no such complaint)")
		return nil, false
	}
	return c, true
}

func (a *API) getComplaint(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownComplaint(w, r, id)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, a.presentComplaint(c))
}

type complaintAnswerIn struct {
	Answer string `json:"answer"`
}

// answerComplaint is POST /complaints/{id}/answer: the written answer that
// closes the complaint; the lawyer is told.
func (a *API) answerComplaint(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownComplaint(w, r, id)
	if !ok {
		return
	}
	var in complaintAnswerIn
	if !a.decode(w, r, &in) {
		return
	}
	updated, err := a.AnswerComplaint(r.Context(), a.caller(r, id), c, in.Answer)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.presentComplaint(updated))
}

// complaintStats is GET /complaints/stats?from=&to=[&unit=]: a clerk gets
// their own unit; an auditor the unit they name, or without unit the totals
// across all registered units with the per-unit breakdown (see unitsStats).
func (a *API) complaintStats(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	sq, ok := parseStatsQuery(w, r, id)
	if !ok {
		return
	}
	today := deadline.DateOf(a.now())
	parts, err := unitsStats(a, r, id, sq, func(ctx context.Context, unit string) (complaint.Stats, bool, error) {
		cs, err := a.Complaints.ByUnit(ctx, unit, false)
		if err != nil {
			return complaint.Stats{}, false, err
		}
		st := complaint.Tally(cs, sq.from, sq.to, today)
		st.Unit, st.From, st.To = unit, sq.fromArg, sq.toArg
		return st, len(cs) > 0, nil
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !sq.all {
		writeJSON(w, http.StatusOK, parts[0])
		return
	}
	st := complaint.Total(parts)
	st.From, st.To = sq.fromArg, sq.toArg
	writeJSON(w, http.StatusOK, st)
}
