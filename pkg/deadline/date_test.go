package deadline

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDateOf(t *testing.T) {
	utc := time.UTC
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		la = time.FixedZone("PDT", -7*3600)
	}
	for _, tc := range []struct {
		name string
		t    time.Time
		want Date
	}{
		// 23:59 Beijing is still the same civil day.
		{"23:59 Beijing", time.Date(2026, 9, 24, 23, 59, 0, 0, beijing), Date{2026, 9, 24}},
		// The same instant in UTC is 15:59 on 9/24: still 9/24 in Beijing.
		{"15:59Z = 23:59 Beijing", time.Date(2026, 9, 24, 15, 59, 0, 0, utc), Date{2026, 9, 24}},
		// 16:00Z is 00:00 on 9/25 in Beijing: the next day, though UTC says 9/24.
		{"16:00Z = 00:00 Beijing next day", time.Date(2026, 9, 24, 16, 0, 0, 0, utc), Date{2026, 9, 25}},
		// 09:30 on 9/24 in Los Angeles (UTC-7) is 00:30 on 9/25 in Beijing.
		{"Los Angeles morning", time.Date(2026, 9, 24, 9, 30, 0, 0, la), Date{2026, 9, 25}},
		// Year end: 2025-12-31T16:30Z is 2026-01-01 00:30 Beijing.
		{"year end", time.Date(2025, 12, 31, 16, 30, 0, 0, utc), Date{2026, 1, 1}},
	} {
		if got := DateOf(tc.t); got != tc.want {
			t.Errorf("%s: DateOf(%v) = %v, want %v", tc.name, tc.t, got, tc.want)
		}
	}
	// Time is midnight Beijing and round-trips.
	d := Date{2026, 10, 8}
	if got := d.Time(); !got.Equal(time.Date(2026, 10, 7, 16, 0, 0, 0, utc)) {
		t.Errorf("Time() = %v, want 2026-10-07T16:00Z", got)
	}
	if got := DateOf(d.Time()); got != d {
		t.Errorf("DateOf(Time()) = %v, want %v", got, d)
	}
	if got := DateOf(d.AddDays(1).Time().Add(-time.Nanosecond)); got != d {
		t.Errorf("last instant of %v is on %v", d, got)
	}
}

func TestDateArithmetic(t *testing.T) {
	if got := (Date{2025, 12, 30}).AddDays(3); got != (Date{2026, 1, 2}) {
		t.Errorf("2025-12-30 + 3 = %v, want 2026-01-02", got)
	}
	if got := (Date{2028, 3, 1}).AddDays(-1); got != (Date{2028, 2, 29}) {
		t.Errorf("2028-03-01 - 1 = %v, want 2028-02-29 (leap year)", got)
	}
	if got := (Date{2026, 10, 8}).Sub(Date{2026, 9, 30}); got != 8 {
		t.Errorf("Sub = %d, want 8", got)
	}
	if got := (Date{2026, 1, 1}).Sub(Date{2025, 1, 1}); got != 365 {
		t.Errorf("Sub over a year = %d, want 365", got)
	}
	a, b := Date{2026, 2, 14}, Date{2026, 2, 15}
	if !a.Before(b) || a.After(b) || a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Errorf("comparison of %v and %v is wrong", a, b)
	}
	if wd := (Date{2026, 2, 14}).Weekday(); wd != time.Saturday {
		t.Errorf("2026-02-14 is a %v, want Saturday", wd)
	}
	if (Date{2026, 2, 29}).IsValid() || (Date{}).IsValid() || !(Date{2028, 2, 29}).IsValid() {
		t.Error("IsValid is wrong")
	}
}

func TestParseDateAndJSON(t *testing.T) {
	d, err := ParseDate("2026-02-14")
	if err != nil || d != (Date{2026, 2, 14}) {
		t.Fatalf("ParseDate = %v, %v", d, err)
	}
	for _, bad := range []string{"", "2026-2-14", "2026-02-30", "14/02/2026", "2026-02-14T00:00:00Z"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded, want error", bad)
		}
	}
	b, err := json.Marshal(Result{Due: Date{2026, 10, 8}, Uncertain: true})
	if err != nil || string(b) != `{"due":"2026-10-08","uncertain":true}` {
		t.Errorf("json.Marshal(Result) = %s, %v", b, err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil || r.Due != (Date{2026, 10, 8}) || !r.Uncertain {
		t.Errorf("json.Unmarshal = %+v, %v", r, err)
	}
	if _, err := json.Marshal(Date{2026, 2, 30}); err == nil {
		t.Error("marshalling an invalid date succeeded")
	}
}
