package complaint

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Deadlines across the 2026 holidays and adjusted working days.
func TestDue(t *testing.T) {
	cal := deadline.Default()
	tests := []struct {
		submitted string
		kind      Kind
		urgent    bool
		due       string
		period    string
	}{
		// 10/1–10/7 off; 10/8, 10/9 and Saturday 10/10 (adjusted) worked.
		{"2026-09-30T10:00:00+08:00", ObstructedReview, true, "2026-10-10", "urgent-complaint"},
		// 9/24 + 10 = 10/4, a holiday: the next working day is 10/8.
		{"2026-09-24T10:00:00+08:00", Other, false, "2026-10-08", "complaint"},
		// 2/13, Saturday 2/14 (adjusted), then 2/15–2/23 off: 2/24, 2/25, 2/26.
		{"2026-02-12T10:00:00+08:00", ObstructedMeeting, false, "2026-02-26", "obstructed-meeting"},
		{"2026-02-12T10:00:00+08:00", ObstructedMeeting, true, "2026-02-24", "urgent-complaint"},
		// Submitted late on 9/23 Beijing time (still 9/23 in Beijing, 15:30 UTC).
		{"2026-09-23T15:30:00Z", ObstructedReview, false, "2026-10-08", "complaint"},
		// A working-day period starting on a day off: 10/3 → 10/8, 10/9, 10/10.
		{"2026-10-03T10:00:00+08:00", Other, true, "2026-10-10", "urgent-complaint"},
		// Ordinary weeks: Friday + 3 working days → Wednesday.
		{"2026-11-06T10:00:00+08:00", Other, true, "2026-11-11", "urgent-complaint"},
		// 11/20 + 10 = 11/30, a Monday.
		{"2026-11-20T23:00:00+08:00", ObstructedReview, false, "2026-11-30", "complaint"},
	}
	for _, tc := range tests {
		p, r := Due(cal, at(tc.submitted), tc.kind, tc.urgent)
		if r.Due.String() != tc.due || p.Key != tc.period || r.Uncertain {
			t.Errorf("%s %s urgent=%v: due %s (%s, uncertain %v), want %s (%s)", tc.submitted, tc.kind, tc.urgent, r.Due, p.Key, r.Uncertain, tc.due, tc.period)
		}
	}
}

func TestValidate(t *testing.T) {
	c := &Complaint{Kind: "x", Description: "  ", Attachments: make([]string, 21)}
	ps := c.Validate(false)
	var fields []string
	for _, p := range ps {
		fields = append(fields, p.Field)
	}
	if fmt.Sprint(fields) != "[kind description unit phone attachments]" {
		t.Errorf("problems %v", fields)
	}
	c = &Complaint{CaseNo: "X1", Kind: Other, Description: "d", Lawyer: Lawyer{Phone: "1"}}
	if ps := c.Validate(false); len(ps) != 1 || ps[0].Field != "caseNo" {
		t.Errorf("unknown case: %v", ps)
	}
	if ps := c.Validate(true); len(ps) != 0 {
		t.Errorf("valid complaint: %v", ps)
	}
}

func newRepo(t *testing.T) *Repo {
	t.Helper()
	tbl, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	return &Repo{T: tbl}
}

func mk(t *testing.T, r *Repo, lic, unit, due string, submitted time.Time) *Complaint {
	t.Helper()
	c := &Complaint{Unit: unit, Kind: Other, Description: "d", Lawyer: Lawyer{License: lic, Name: "律师"}, Status: Open,
		SubmittedAt: submitted, Deadline: due, Period: "complaint"}
	if err := r.Create(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRepoQueuesAndAnswer(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t)
	base := at("2026-09-01T10:00:00+08:00")
	c1 := mk(t, r, "L1", "u1", "2026-09-15", base)
	c2 := mk(t, r, "L1", "u1", "2026-09-11", base.Add(time.Hour))
	c3 := mk(t, r, "L2", "u1", "2026-09-20", base.Add(2*time.Hour))
	mk(t, r, "L2", "u2", "2026-09-10", base.Add(3*time.Hour))

	ids := func(cs []*Complaint) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.ID)
		}
		return fmt.Sprint(s)
	}
	got, _ := r.ByUnit(ctx, "u1", false)
	if ids(got) != fmt.Sprint([]string{c2.ID, c1.ID, c3.ID}) {
		t.Errorf("unit queue by deadline: %s", ids(got))
	}
	got, _ = r.ByLawyer(ctx, "L1")
	if ids(got) != fmt.Sprint([]string{c2.ID, c1.ID}) {
		t.Errorf("lawyer's, newest first: %s", ids(got))
	}
	got, _ = r.OpenDueBy(ctx, "2026-09-15")
	if len(got) != 3 {
		t.Errorf("open due by 9/15: %d, want 3 (both units)", len(got))
	}

	if _, err := r.AnswerWith(ctx, c2.ID, Answer{Text: " "}); err == nil {
		t.Error("an empty answer closed the complaint")
	}
	a, err := r.AnswerWith(ctx, c2.ID, Answer{Text: "已处理", By: "clerk", At: at("2026-09-10T10:00:00+08:00")})
	if err != nil || a.Status != Answered || a.Answer.Text != "已处理" {
		t.Fatalf("answer: %+v %v", a, err)
	}
	if _, err := r.AnswerWith(ctx, c2.ID, Answer{Text: "again"}); !errors.Is(err, ErrAnswered) {
		t.Errorf("second answer: %v, want ErrAnswered", err)
	}
	got, _ = r.ByUnit(ctx, "u1", true)
	if ids(got) != fmt.Sprint([]string{c1.ID, c3.ID}) {
		t.Errorf("open queue: %s", ids(got))
	}
	got, _ = r.OpenDueBy(ctx, "2026-09-30")
	if len(got) != 3 {
		t.Errorf("answered complaint still in the open list: %d", len(got))
	}
}

func TestTally(t *testing.T) {
	d := func(s string) deadline.Date { x, _ := deadline.ParseDate(s); return x }
	sub := at("2026-09-01T10:00:00+08:00")
	cs := []*Complaint{
		{Kind: Other, Deadline: "2026-09-11", SubmittedAt: sub, Answer: &Answer{At: at("2026-09-11T23:00:00+08:00")}}, // on the last day
		{Kind: Other, Deadline: "2026-09-11", SubmittedAt: sub, Answer: &Answer{At: at("2026-09-12T09:00:00+08:00")}}, // late
		{Kind: ObstructedMeeting, Urgent: true, Deadline: "2026-09-04", SubmittedAt: sub},                             // open, overdue
		{Kind: ObstructedMeeting, Deadline: "2026-09-30", SubmittedAt: sub},                                           // open, not due
		{Kind: Other, Deadline: "2026-09-30", SubmittedAt: at("2025-12-01T10:00:00+08:00")},                           // outside the period
	}
	st := Tally(cs, at("2026-01-01T00:00:00+08:00"), time.Time{}, d("2026-09-20"))
	want := Stats{Record: deadline.Record{Submitted: 4, Answered: 2, OnTime: 1, Late: 1, Open: 2, OpenOverdue: 1, OnTimeRate: 1.0 / 3}, Urgent: 1,
		ByKind: map[string]int{"other": 2, "obstructed_meeting": 2}}
	if fmt.Sprint(st) != fmt.Sprint(want) {
		t.Errorf("tally\n got %+v\nwant %+v", st, want)
	}
	if st := Tally(nil, time.Time{}, time.Time{}, d("2026-09-20")); st.OnTimeRate != 1 {
		t.Errorf("nothing due: rate %v, want 1", st.OnTimeRate)
	}
}
