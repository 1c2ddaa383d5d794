package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/complaint"
	"github.com/yuejuan/yuejuan/pkg/deadline"
)

// Units of the statistics tests: newFz's, and one more that sorts first.
const unitA, unitB = "市检察院", "区检察院"

var beijing = time.FixedZone("CST", 8*3600)

// statsEnv is newFz with a case in unitB too, complaints, and tokens for a
// clerk of unitB and an auditor; the API's clock is 2026-10-09 09:00 Beijing.
type statsEnv struct {
	*fz
	t               *testing.T
	clerkB, auditor string
	n               int // records made, for unique lawyers
}

func newStatsEnv(t *testing.T) *statsEnv {
	t.Helper()
	f := newFz(t)
	f.api.Now = func() time.Time { return time.Date(2026, 10, 9, 9, 0, 0, 0, beijing) }
	f.api.Complaints = &complaint.Repo{T: f.api.Cases.T}
	c := &casefile.Case{CaseNo: "京区检刑诉〔2026〕8号", Title: "李某诈骗案", Stage: casefile.ProsecutionReview, OnlineReview: true, Unit: unitB,
		Handler: casefile.Handler{Name: "赵检察官", Phone: "010-2"}, Defendants: []string{"李某"}}
	if err := f.api.Cases.Create(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	return &statsEnv{fz: f, t: t,
		clerkB:  issueFor(t, f, auth.Identity{Subject: "clerk02", Name: "赵书记员", Role: auth.Clerk, Unit: unitB}),
		auditor: issueFor(t, f, auth.Identity{Subject: "audit01", Name: "李审计", Role: auth.Auditor})}
}

func issueFor(t *testing.T, f *fz, id auth.Identity) string {
	t.Helper()
	tok, err := f.api.Auth.(*auth.Authority).Issue(id, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// day is 10:00 Beijing on 2026-10-dd.
func day(dd int) time.Time { return time.Date(2026, 10, dd, 10, 0, 0, 0, beijing) }

// app records an application in unit due on 2026-10-due, answered with
// decision on 2026-10-answered (open if decision is "").
func (e *statsEnv) app(unit string, due int, decision string, answered int) {
	e.t.Helper()
	e.n++
	a := &application.Application{CaseID: "case-" + unit, Unit: unit, Client: "某某", Kind: application.Defence,
		Lawyer: application.Lawyer{Name: "律师", License: fmt.Sprintf("1110120191001%04d", e.n)},
		Status: application.Submitted, SubmittedAt: day(1), Deadline: fmt.Sprintf("2026-10-%02d", due)}
	if decision != "" {
		a.Status = application.Approved
		if decision == "reject" {
			a.Status = application.Refused
		}
		a.Reply = &application.Reply{Decision: application.Decision(decision), By: "clerk", At: day(answered)}
	}
	if _, _, err := e.api.Apps.Create(e.t.Context(), a); err != nil {
		e.t.Fatal(err)
	}
}

// complaint records a complaint in unit due on 2026-10-due, answered on
// 2026-10-answered (open if 0).
func (e *statsEnv) complaint(unit string, kind complaint.Kind, urgent bool, due, answered int) {
	e.t.Helper()
	e.n++
	c := &complaint.Complaint{Unit: unit, Kind: kind, Urgent: urgent, Description: "受阻", Status: complaint.Open,
		Lawyer:      complaint.Lawyer{License: fmt.Sprintf("1110120191001%04d", e.n)},
		SubmittedAt: day(1), Period: "complaint", Deadline: fmt.Sprintf("2026-10-%02d", due)}
	if answered != 0 {
		c.Status = complaint.Answered
		c.Answer = &complaint.Answer{Text: "已答复", By: "clerk", At: day(answered)}
	}
	if err := e.api.Complaints.Create(e.t.Context(), c); err != nil {
		e.t.Fatal(err)
	}
}

// get answers path for tok with 200 and decodes it into out; it returns the
// raw body.
func (e *statsEnv) get(tok, path string, out any) string {
	e.t.Helper()
	w := e.do(tok, "GET", path, nil)
	if w.Code != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	return w.Body.String()
}

// An auditor who names no unit gets the application totals across every
// registered unit (sums, with the on-time rate recomputed from the sums)
// and each unit's own answer, sorted by unit; a clerk and an auditor who
// names a unit get that unit alone, without a breakdown.
func TestApplicationStatsAcrossUnits(t *testing.T) {
	e := newStatsEnv(t)
	// Unit A as of 10/9: on time; late; open and overdue; open, not yet due.
	e.app(unitA, 8, "approve", 7)
	e.app(unitA, 5, "reject", 6)
	e.app(unitA, 8, "", 0)
	e.app(unitA, 12, "", 0)
	// Unit B: two on time (one on the very day), one open and not yet due.
	e.app(unitB, 10, "approve", 9)
	e.app(unitB, 1, "approve", 1)
	e.app(unitB, 20, "", 0)
	wantA := application.Stats{Unit: unitA, Record: deadline.Record{Submitted: 4, Answered: 2, OnTime: 1, Late: 1, Open: 2, OpenOverdue: 1, OnTimeRate: 1.0 / 3}, Approved: 1, Refused: 1}
	wantB := application.Stats{Unit: unitB, Record: deadline.Record{Submitted: 3, Answered: 2, OnTime: 2, Open: 1, OnTimeRate: 1}, Approved: 2}

	var st application.Stats
	if raw := e.get(e.clerk, "/api/v1/applications/stats", &st); !reflect.DeepEqual(st, wantA) || strings.Contains(raw, `"units"`) {
		t.Errorf("clerk of A: %s, want %+v", raw, wantA)
	}
	st = application.Stats{}
	if raw := e.get(e.auditor, "/api/v1/applications/stats?unit="+unitB, &st); !reflect.DeepEqual(st, wantB) || strings.Contains(raw, `"units"`) {
		t.Errorf("auditor naming B: %s, want %+v", raw, wantB)
	}

	st = application.Stats{}
	raw := e.get(e.auditor, "/api/v1/applications/stats", &st)
	// 3 of the 5 that fell due were answered on time: 0.6, not the mean of
	// the units' rates (2/3).
	want := application.Stats{Record: deadline.Record{Submitted: 7, Answered: 4, OnTime: 3, Late: 1, Open: 3, OpenOverdue: 1, OnTimeRate: 0.6}, Approved: 3, Refused: 1,
		Units: []application.Stats{wantB, wantA}}
	if !reflect.DeepEqual(st, want) || !strings.Contains(raw, `"unit":""`) {
		t.Errorf("auditor, all units:\n%s\nwant %+v", raw, want)
	}

	// The period is echoed at both levels, and applies to each unit.
	st = application.Stats{}
	e.get(e.auditor, "/api/v1/applications/stats?from=2026-10-02T00:00:00%2B08:00", &st)
	if st.Submitted != 0 || st.OnTimeRate != 1 || st.From != "2026-10-02T00:00:00+08:00" || len(st.Units) != 2 || st.Units[0].From != st.From || st.Units[1].Submitted != 0 {
		t.Errorf("nothing submitted from 10/2: %+v", st)
	}
	if w := e.do(e.auditor, "GET", "/api/v1/applications/stats?to=yesterday", nil); w.Code != http.StatusBadRequest {
		t.Errorf("a bad time: %d", w.Code)
	}
}

// Units whose cases predate the registry join the all-units answer once
// asked about: by their clerk always, by an auditor if the unit has records
// (a mistyped unit does not join the list).
func TestStatsRegisterTheUnitAskedAbout(t *testing.T) {
	e := newStatsEnv(t)
	const old, typo, quiet = "旧检察院", "旧检查院", "新检察院"
	e.app(old, 8, "approve", 8) // a unit with records but no case registered since the registry
	units := func() []string {
		t.Helper()
		var st application.Stats
		e.get(e.auditor, "/api/v1/applications/stats", &st)
		var us []string
		for _, u := range st.Units {
			us = append(us, u.Unit)
		}
		return us
	}
	if got := fmt.Sprint(units()); got != "[区检察院 市检察院]" {
		t.Errorf("before: %s", got)
	}
	var st application.Stats
	e.get(e.auditor, "/api/v1/complaints/stats?unit="+typo, &st)
	e.get(e.auditor, "/api/v1/applications/stats?unit="+typo, &st)
	e.get(e.auditor, "/api/v1/applications/stats?unit="+old, &st)
	if st.Submitted != 1 {
		t.Errorf("old unit: %+v", st)
	}
	e.get(issueFor(t, e.fz, auth.Identity{Subject: "clerk03", Name: "钱书记员", Role: auth.Clerk, Unit: quiet}), "/api/v1/complaints/stats", &st)
	if got := fmt.Sprint(units()); got != "[区检察院 市检察院 新检察院 旧检察院]" {
		t.Errorf("after: %s", got)
	}
}

// The same for complaints: totals, kinds and urgent ones summed, the rate
// recomputed, each unit as it answers alone.
func TestComplaintStatsAcrossUnits(t *testing.T) {
	e := newStatsEnv(t)
	// Unit A as of 10/9: on time; urgent and late; open and overdue.
	e.complaint(unitA, complaint.Other, false, 8, 8)
	e.complaint(unitA, complaint.ObstructedReview, true, 5, 7)
	e.complaint(unitA, complaint.ObstructedMeeting, false, 1, 0)
	// Unit B: open and not yet due; urgent and on time.
	e.complaint(unitB, complaint.Other, false, 20, 0)
	e.complaint(unitB, complaint.ObstructedReview, true, 3, 2)
	wantA := complaint.Stats{Unit: unitA, Record: deadline.Record{Submitted: 3, Answered: 2, OnTime: 1, Late: 1, Open: 1, OpenOverdue: 1, OnTimeRate: 1.0 / 3},
		ByKind: map[string]int{"other": 1, "obstructed_review": 1, "obstructed_meeting": 1}, Urgent: 1}
	wantB := complaint.Stats{Unit: unitB, Record: deadline.Record{Submitted: 2, Answered: 1, OnTime: 1, Open: 1, OnTimeRate: 1},
		ByKind: map[string]int{"other": 1, "obstructed_review": 1}, Urgent: 1}

	var st complaint.Stats
	if raw := e.get(e.clerkB, "/api/v1/complaints/stats", &st); !reflect.DeepEqual(st, wantB) || strings.Contains(raw, `"units"`) {
		t.Errorf("clerk of B: %s, want %+v", raw, wantB)
	}
	st = complaint.Stats{}
	if raw := e.get(e.auditor, "/api/v1/complaints/stats?unit="+unitA, &st); !reflect.DeepEqual(st, wantA) || strings.Contains(raw, `"units"`) {
		t.Errorf("auditor naming A: %s, want %+v", raw, wantA)
	}

	st = complaint.Stats{}
	raw := e.get(e.auditor, "/api/v1/complaints/stats", &st)
	// 2 of the 4 that fell due were answered on time.
	want := complaint.Stats{Record: deadline.Record{Submitted: 5, Answered: 3, OnTime: 2, Late: 1, Open: 2, OpenOverdue: 1, OnTimeRate: 0.5},
		ByKind: map[string]int{"other": 2, "obstructed_review": 2, "obstructed_meeting": 1}, Urgent: 2,
		Units: []complaint.Stats{wantB, wantA}}
	if !reflect.DeepEqual(st, want) || !strings.Contains(raw, `"unit":""`) {
		t.Errorf("auditor, all units:\n%s\nwant %+v", raw, want)
	}
}
