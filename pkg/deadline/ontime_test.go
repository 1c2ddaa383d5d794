package deadline

import (
	"testing"
	"time"
)

func TestRecord(t *testing.T) {
	today := Date{2026, time.October, 9}
	at := func(s string) *time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &tm
	}
	var a Record
	a.Count("2026-10-08", at("2026-10-08T23:30:00+08:00"), today) // answered on the last day, Beijing time
	a.Count("2026-10-08", at("2026-10-08T16:30:00Z"), today)      // 00:30 on the 9th in Beijing: late
	a.Count("2026-10-08", nil, today)                             // open past its last day
	a.Count("2026-10-09", nil, today)                             // open, due today
	if ok := a.Count("not a date", nil, today); ok {
		t.Error("Count accepted an unreadable due date")
	}
	want := Record{Submitted: 5, Answered: 2, OnTime: 1, Late: 1, Open: 2, OpenOverdue: 1, OnTimeRate: 1.0 / 3}
	if a != want {
		t.Fatalf("record\n got %+v\nwant %+v", a, want)
	}
	// Totals: the rate of the sums, not the mean of the rates (1/3 and 1).
	var b Record
	b.Count("2026-10-08", at("2026-10-07T10:00:00+08:00"), today)
	b.Count("2026-10-08", at("2026-10-08T10:00:00+08:00"), today)
	var total Record
	total.Add(a)
	total.Add(b)
	if total.Submitted != 7 || total.OnTime != 3 || total.Answered != 4 || total.OnTimeRate != 0.6 {
		t.Fatalf("total %+v, want 7 submitted, 3 of 5 due on time (0.6)", total)
	}
	if r := OnTimeRate(0, 0, 0); r != 1 {
		t.Errorf("nothing due: rate %v, want 1", r)
	}
}
