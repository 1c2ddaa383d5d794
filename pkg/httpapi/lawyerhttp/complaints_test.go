package lawyerhttp

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/deadline"
)

type complaintJSON struct {
	ID            string `json:"id"`
	CaseNo        string `json:"caseNo"`
	Unit          string `json:"unit"`
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Period        string `json:"period"`
	Deadline      string `json:"deadline"`
	DaysLeft      *int   `json:"daysLeft"`
	Overdue       bool   `json:"overdue"`
	OverdueMarked bool   `json:"overdueMarked"`
	Answer        *struct {
		Text string `json:"text"`
	} `json:"answer"`
}

// Complaint deadlines follow the policy table across the 2026 holidays and
// adjusted working days; the unit's queue is by deadline; a written answer
// closes a complaint; statistics count on-time answers; the scheduler marks
// overdue ones.
func TestComplaintDeadlinesQueueAndAnswer(t *testing.T) {
	e := newEnv(t)
	const unit = "市检察院（申诉）"
	clerk := e.token(auth.Clerk, "clerk-c1", "周书记员", unit)
	auditor := e.token(auth.Auditor, "audit-c1", "李审计", "")
	const licE, licF = "11101201910030001", "11101201910030002"
	le := e.token(auth.Lawyer, licE, "吴律师", "")
	lf := e.token(auth.Lawyer, licF, "郑律师", "")
	c := e.newCase(clerk, "京检刑诉〔2026〕301号", true, "戊某")

	tests := []struct {
		name      string
		submitted string
		body      map[string]any
		deadline  string
		period    string
	}{
		// 9/30 + 3 working days: 10/1–10/7 off, 10/8, 10/9, 10/10 (adjusted Saturday).
		{"urgent", "2026-09-30T10:00:00+08:00", map[string]any{"caseNo": c.CaseNo, "kind": "obstructed_review", "urgent": true}, "2026-10-10", "urgent-complaint"},
		// 9/24 + 10 days = 10/4, a holiday: moved to 10/8. No case number: the unit is named.
		{"ten days", "2026-09-24T10:00:00+08:00", map[string]any{"unit": unit, "kind": "other"}, "2026-10-08", "complaint"},
		// 2/12 + 5 working days: 2/13, 2/14 (adjusted Saturday), then 2/15–2/23 off, 2/24, 2/25, 2/26.
		{"obstructed meeting", "2026-02-12T10:00:00+08:00", map[string]any{"caseNo": c.CaseNo, "kind": "obstructed_meeting"}, "2026-02-26", "obstructed-meeting"},
		// Urgent and a meeting: three working days.
		{"urgent meeting", "2026-02-12T10:00:00+08:00", map[string]any{"caseNo": c.CaseNo, "kind": "obstructed_meeting", "urgent": true}, "2026-02-24", "urgent-complaint"},
	}
	ids := map[string]string{}
	for _, tc := range tests {
		e.at(tc.submitted)
		tc.body["description"] = "2026 年在看守所会见时被拒绝。"
		tc.body["phone"] = "13800000000"
		var got complaintJSON
		e.call(le, "POST", "/api/v1/complaints", tc.body, http.StatusCreated, &got)
		if got.Deadline != tc.deadline || got.Period != tc.period || got.Status != "open" || got.Unit != unit {
			t.Errorf("%s: deadline %s period %s status %s unit %s, want %s %s open %s", tc.name, got.Deadline, got.Period, got.Status, got.Unit, tc.deadline, tc.period, unit)
		}
		ids[tc.name] = got.ID
	}
	// Another lawyer's complaint to the same unit: 10/1 + 10 days = 10/11,
	// a Sunday, moved to Monday 10/12.
	e.at("2026-10-01T10:00:00+08:00")
	var other complaintJSON
	e.call(lf, "POST", "/api/v1/complaints", map[string]any{"unit": unit, "kind": "other", "description": "其他情况。", "phone": "139"}, http.StatusCreated, &other)

	// What the lawyer must fix, all at once.
	var bad errJSON
	e.call(le, "POST", "/api/v1/complaints", map[string]any{"kind": "nope", "description": " "}, http.StatusUnprocessableEntity, &bad)
	var fields []string
	for _, p := range bad.Error.Problems {
		fields = append(fields, p.Field)
	}
	if fmt.Sprint(fields) != "[kind description unit phone]" {
		t.Errorf("problems %v", fields)
	}
	e.call(le, "POST", "/api/v1/complaints", map[string]any{"unit": "不存在的检察院", "kind": "other", "description": "x", "phone": "1"}, http.StatusUnprocessableEntity, nil)
	e.call(le, "POST", "/api/v1/complaints", map[string]any{"caseNo": "无此案号", "kind": "other", "description": "x", "phone": "1"}, http.StatusUnprocessableEntity, nil)
	e.call(le, "POST", "/api/v1/complaints", map[string]any{"kind": "other", "description": "x", "phone": "1", "unit": unit, "attachments": []string{"not-mine"}}, http.StatusUnprocessableEntity, nil)

	// The unit's queue, by deadline; on 10/9 the 10/8 one is overdue.
	e.at("2026-10-09T09:00:00+08:00")
	var q struct {
		Complaints []complaintJSON `json:"complaints"`
	}
	e.call(clerk, "GET", "/api/v1/complaints?status=open", nil, http.StatusOK, &q)
	var order []string
	for _, x := range q.Complaints {
		order = append(order, x.Deadline)
	}
	if fmt.Sprint(order) != "[2026-02-24 2026-02-26 2026-10-08 2026-10-10 2026-10-12]" {
		t.Errorf("queue order %v", order)
	}
	for _, x := range q.Complaints {
		if x.Deadline == "2026-10-08" && (!x.Overdue || x.DaysLeft == nil || *x.DaysLeft != -1) {
			t.Errorf("the 10/8 complaint on 10/9: overdue %v daysLeft %v", x.Overdue, x.DaysLeft)
		}
		if x.Deadline == "2026-10-10" && (x.Overdue || x.DaysLeft == nil || *x.DaysLeft != 1) {
			t.Errorf("the 10/10 complaint on 10/9: overdue %v daysLeft %v, want 1 working day left", x.Overdue, x.DaysLeft)
		}
	}
	// The lawyer sees only their own.
	e.call(le, "GET", "/api/v1/complaints", nil, http.StatusOK, &q)
	if len(q.Complaints) != 4 {
		t.Errorf("lawyer E sees %d complaints, want 4", len(q.Complaints))
	}

	// A written answer is required to close one, and closes it once.
	urgent := ids["urgent"]
	var bad2 errJSON
	e.call(clerk, "POST", "/api/v1/complaints/"+urgent+"/answer", map[string]string{"answer": "  "}, http.StatusUnprocessableEntity, &bad2)
	if len(bad2.Error.Problems) != 1 || bad2.Error.Problems[0].Field != "answer" {
		t.Errorf("empty answer: %+v", bad2)
	}
	var answered complaintJSON
	e.call(clerk, "POST", "/api/v1/complaints/"+urgent+"/answer", map[string]string{"answer": "经核查，已责令看守所安排会见。"}, http.StatusOK, &answered)
	if answered.Status != "answered" || answered.Answer == nil || answered.Overdue {
		t.Errorf("answered: %+v", answered)
	}
	e.call(clerk, "POST", "/api/v1/complaints/"+urgent+"/answer", map[string]string{"answer": "再次答复"}, http.StatusConflict, nil)
	e.call(le, "GET", "/api/v1/complaints/"+urgent, nil, http.StatusOK, &answered)
	if answered.Answer == nil || answered.Answer.Text != "经核查，已责令看守所安排会见。" {
		t.Errorf("the lawyer's view of the answer: %+v", answered.Answer)
	}

	// On-time statistics as of 10/9: one answered on time; three open and
	// overdue (2/24, 2/26, 10/8); one open and not yet due.
	var st struct {
		Submitted, Answered, OnTime, Late, Open, OpenOverdue, Urgent int
		OnTimeRate                                                   float64
		ByKind                                                       map[string]int
	}
	e.call(clerk, "GET", "/api/v1/complaints/stats", nil, http.StatusOK, &st)
	if st.Submitted != 5 || st.Answered != 1 || st.OnTime != 1 || st.Open != 4 || st.OpenOverdue != 3 || st.Urgent != 2 || st.OnTimeRate != 0.25 || st.ByKind["obstructed_meeting"] != 2 {
		t.Errorf("stats %+v", st)
	}
	e.call(auditor, "GET", "/api/v1/complaints/stats?unit="+unit, nil, http.StatusOK, &st)
	if st.Submitted != 5 {
		t.Errorf("auditor's stats %+v", st)
	}
	// Without unit, an auditor gets the totals across every registered unit
	// (other tests' units too: the server is shared), this one among them.
	var all struct {
		Unit      *string
		Submitted int
		Units     []struct {
			Unit      string
			Submitted int
		}
	}
	e.call(auditor, "GET", "/api/v1/complaints/stats", nil, http.StatusOK, &all)
	sum, ours := 0, 0
	for _, u := range all.Units {
		sum += u.Submitted
		if u.Unit == unit {
			ours = u.Submitted
		}
	}
	if all.Unit == nil || *all.Unit != "" || all.Submitted != sum || ours != 5 {
		t.Errorf("auditor's stats across units: submitted %d, units %+v", all.Submitted, all.Units)
	}

	// The scheduler (real time: long after these deadlines) marks the open
	// ones overdue and tells the supervisors, once.
	e.s.API.Now = nil
	e.tick()
	e.tick()
	today := deadline.DateOf(time.Now())
	e.call(clerk, "GET", "/api/v1/complaints", nil, http.StatusOK, &q)
	for _, x := range q.Complaints {
		due, _ := deadline.ParseDate(x.Deadline)
		if want := x.Status == "open" && today.After(due); x.OverdueMarked != want {
			t.Errorf("complaint due %s (%s): overdueMarked %v, want %v", x.Deadline, x.Status, x.OverdueMarked, want)
		}
	}
	var overdue int
	for _, n := range e.notices(clerk) {
		if n.Kind == "complaint.overdue" {
			overdue++
			if n.To != "supervisors:"+unit {
				t.Errorf("overdue notice to %s", n.To)
			}
		}
	}
	if overdue != 4 {
		t.Errorf("%d overdue notices to supervisors, want 4 (once each)", overdue)
	}

	// Every step is in the audit log.
	for action, want := range map[string]int{"complaint.submit": 5, "complaint.answer": 1, "complaint.overdue": 4} {
		p, err := e.s.API.Audit.Query(t.Context(), audit.Filter{Action: audit.Action(action), Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range p.Events {
			if ev.Detail["complaint"] != "" && (ev.Actor == licE || ev.Actor == licF || ev.Actor == "clerk-c1" || ev.Actor == "system") {
				if action != "complaint.submit" || ev.Detail["unit"] == unit {
					n++
				}
			}
		}
		if action == "complaint.overdue" {
			n = 0
			for _, ev := range p.Events {
				if ev.Target == "supervisors:"+unit {
					n++
				}
			}
		}
		if n != want {
			t.Errorf("%d %s records, want %d", n, action, want)
		}
	}
}
