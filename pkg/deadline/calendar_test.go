package deadline

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func d(y int, m time.Month, day int) Date { return Date{y, m, day} }

// The official table (docs/design.md, "Deadlines follow CPL Article 105"),
// typed independently of
// holidays.json: ranges of days off and adjusted working days.
var (
	tableOff = [][2]Date{
		// 2025, 国办发明电〔2024〕12号
		{d(2025, 1, 1), d(2025, 1, 1)},
		{d(2025, 1, 28), d(2025, 2, 4)},
		{d(2025, 4, 4), d(2025, 4, 6)},
		{d(2025, 5, 1), d(2025, 5, 5)},
		{d(2025, 5, 31), d(2025, 6, 2)},
		{d(2025, 10, 1), d(2025, 10, 8)},
		// 2026, notice of 2025-11-04
		{d(2026, 1, 1), d(2026, 1, 3)},
		{d(2026, 2, 15), d(2026, 2, 23)},
		{d(2026, 4, 4), d(2026, 4, 6)},
		{d(2026, 5, 1), d(2026, 5, 5)},
		{d(2026, 6, 19), d(2026, 6, 21)},
		{d(2026, 9, 25), d(2026, 9, 27)},
		{d(2026, 10, 1), d(2026, 10, 7)},
	}
	tableWork = []Date{
		d(2025, 1, 26), d(2025, 2, 8), d(2025, 4, 27), d(2025, 9, 28), d(2025, 10, 11),
		d(2026, 1, 4), d(2026, 2, 14), d(2026, 2, 28), d(2026, 5, 9), d(2026, 9, 20), d(2026, 10, 10),
	}
)

// TestEmbeddedDataMatchesTable checks every day of 2025 and 2026 against the
// official table, and the source notices.
func TestEmbeddedDataMatchesTable(t *testing.T) {
	c := Default()
	off := map[Date]bool{}
	for _, r := range tableOff {
		for x := r[0]; !x.After(r[1]); x = x.AddDays(1) {
			off[x] = true
		}
	}
	work := map[Date]bool{}
	for _, x := range tableWork {
		work[x] = true
	}
	for x := d(2025, 1, 1); x.Year <= 2026; x = x.AddDays(1) {
		wd := x.Weekday()
		want := work[x] || (!off[x] && wd != time.Saturday && wd != time.Sunday)
		if got := c.IsWorkingDay(x); got != want {
			t.Errorf("IsWorkingDay(%v %v) = %v, want %v", x, wd, got, want)
		}
	}
	if first, last := c.Coverage(); first != 2025 || last != 2026 {
		t.Errorf("Coverage() = %d, %d, want 2025, 2026", first, last)
	}
	if s := c.Source(2025); !strings.Contains(s, "国办发明电〔2024〕12号") {
		t.Errorf("Source(2025) = %q", s)
	}
	if s := c.Source(2026); !strings.Contains(s, "2025年11月4日") {
		t.Errorf("Source(2026) = %q", s)
	}
	if s := c.Source(2027); s != "" {
		t.Errorf("Source(2027) = %q, want empty", s)
	}
}

func TestAddDays(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		start Date
		n     int
		want  Date
		why   string
	}{
		{d(2026, 3, 6), 3, d(2026, 3, 9),
			"Fri; Sat 3/7 is day 1, Sun 3/8 day 2, Mon 3/9 day 3, an ordinary working day -> Mon 3/9"},
		{d(2026, 3, 12), 3, d(2026, 3, 16),
			"Thu; +3 = Sun 3/15, an ordinary weekend -> next working day Mon 3/16"},
		{d(2026, 3, 8), 3, d(2026, 3, 11),
			"submitted on a Sunday: not counted; Mon 3/9 is day 1, +3 = Wed 3/11, working"},
		{d(2026, 9, 24), 3, d(2026, 9, 28),
			"Thu; +3 = Sun 9/27, in 中秋 9/25-9/27 -> Mon 9/28, working"},
		{d(2026, 9, 30), 3, d(2026, 10, 8),
			"Wed; +3 = Sat 10/3, in 国庆 10/1-10/7 -> Thu 10/8, first working day after the block"},
		{d(2026, 10, 3), 3, d(2026, 10, 8),
			"submitted on a holiday Saturday; +3 = Tue 10/6, still 国庆 -> Thu 10/8"},
		{d(2026, 2, 12), 3, d(2026, 2, 24),
			"Thu; +3 = Sun 2/15, first day of 春节 2/15-2/23 -> Tue 2/24"},
		{d(2026, 2, 11), 3, d(2026, 2, 14),
			"Wed; +3 = Sat 2/14, an adjusted working day (调休上班) -> 2/14 itself"},
		{d(2026, 2, 25), 3, d(2026, 2, 28),
			"Wed; +3 = Sat 2/28, adjusted working day -> 2/28 itself"},
		{d(2025, 12, 30), 3, d(2026, 1, 4),
			"Tue; +3 = Fri 2026-01-02, 元旦 off; Sat 1/3 off; Sun 1/4 adjusted working -> 1/4"},
		{d(2025, 9, 25), 3, d(2025, 9, 28),
			"Thu; +3 = Sun 2025-09-28, adjusted working day -> 9/28"},
		{d(2025, 5, 28), 3, d(2025, 6, 3),
			"Wed; +3 = Sat 5/31, 端午 5/31-6/2 -> Tue 6/3"},
		{d(2025, 1, 24), 3, d(2025, 1, 27),
			"Fri; +3 = Mon 1/27, working (the 1/26 adjusted day is irrelevant)"},
		{d(2025, 9, 28), 10, d(2025, 10, 9),
			"complaint, 10 days; +10 = Wed 10/8, last day of 国庆 2025 -> Thu 10/9"},
		{d(2026, 9, 22), 10, d(2026, 10, 8),
			"complaint, 10 days; Tue +10 = Fri 10/2, 国庆 -> Thu 10/8"},
		{d(2026, 10, 3), 0, d(2026, 10, 8),
			"0 days: the start day itself if working; 10/3 is off -> 10/8"},
	} {
		r := c.AddDays(tc.start, tc.n)
		if r.Due != tc.want || r.Uncertain {
			t.Errorf("AddDays(%v, %d) = %+v, want %v certain (%s)", tc.start, tc.n, r, tc.want, tc.why)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		start Date
		n     int
		want  Date
		why   string
	}{
		{d(2026, 9, 30), 3, d(2026, 10, 10),
			"10/1-10/7 off; Thu 10/8 (1), Fri 10/9 (2), Sat 10/10 adjusted working (3)"},
		{d(2026, 2, 12), 5, d(2026, 2, 26),
			"Fri 2/13 (1), Sat 2/14 adjusted (2), 2/15-2/23 off, Tue 2/24 (3), 2/25 (4), 2/26 (5)"},
		{d(2026, 2, 23), 5, d(2026, 2, 28),
			"start on the last 春节 day; 2/24 (1), 2/25 (2), 2/26 (3), 2/27 (4), Sat 2/28 adjusted (5)"},
		{d(2026, 3, 6), 3, d(2026, 3, 11),
			"Fri; weekend skipped: Mon 3/9 (1), 3/10 (2), Wed 3/11 (3)"},
		{d(2026, 9, 18), 5, d(2026, 9, 24),
			"Fri; Sat 9/19 off, Sun 9/20 adjusted (1), 9/21 (2), 9/22 (3), 9/23 (4), Thu 9/24 (5)"},
		{d(2025, 12, 31), 3, d(2026, 1, 6),
			"元旦 1/1-1/3 off; Sun 1/4 adjusted (1), Mon 1/5 (2), Tue 1/6 (3)"},
		{d(2025, 9, 30), 1, d(2025, 10, 9),
			"国庆 2025 10/1-10/8 off -> Thu 10/9 is the 1st working day"},
		{d(2026, 10, 3), 0, d(2026, 10, 3), "0 working days: the start itself"},
	} {
		r := c.AddWorkingDays(tc.start, tc.n)
		if r.Due != tc.want || r.Uncertain {
			t.Errorf("AddWorkingDays(%v, %d) = %+v, want %v certain (%s)", tc.start, tc.n, r, tc.want, tc.why)
		}
	}
}

func TestPolicy(t *testing.T) {
	c := Default()
	start := d(2026, 9, 30) // Wed, the day before 国庆 10/1-10/7
	for _, tc := range []struct {
		p    Period
		want Date
		s    string
		why  string
	}{
		{ApplicationReview, d(2026, 10, 8), "3 days", "+3 = Sat 10/3, off -> Thu 10/8"},
		{Complaint, d(2026, 10, 10), "10 days", "+10 = Sat 10/10, adjusted working day -> 10/10"},
		{UrgentComplaint, d(2026, 10, 10), "3 working days", "10/8 (1), 10/9 (2), Sat 10/10 (3)"},
		{ObstructedMeeting, d(2026, 10, 13), "5 working days",
			"10/8 (1), 10/9 (2), Sat 10/10 (3), Sun 10/11 off, Mon 10/12 (4), Tue 10/13 (5)"},
	} {
		if r := c.Due(start, tc.p); r.Due != tc.want || r.Uncertain {
			t.Errorf("Due(%v, %s) = %+v, want %v (%s)", start, tc.p.Key, r, tc.want, tc.why)
		}
		if tc.p.String() != tc.s {
			t.Errorf("%s.String() = %q, want %q", tc.p.Key, tc.p.String(), tc.s)
		}
	}
	if ps := Policy(); len(ps) != 4 || ps[0] != ApplicationReview || ps[3] != ObstructedMeeting {
		t.Errorf("Policy() = %v", ps)
	}
}

// TestUncertain: past the data, weekends only, results flagged and one
// warning per process.
func TestUncertain(t *testing.T) {
	c := Default()
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)
	warned.Store(false)

	for _, tc := range []struct {
		name      string
		r         Result
		want      Date
		uncertain bool
	}{
		// +3 = Sat 2027-01-02, no 2027 data: weekend only -> Mon 2027-01-04, uncertain.
		{"year end 2026", c.AddDays(d(2026, 12, 30), 3), d(2027, 1, 4), true},
		// +3 = Sun 12/27 -> Mon 12/28, all inside 2026: certain.
		{"late 2026", c.AddDays(d(2026, 12, 24), 3), d(2026, 12, 28), false},
		// +3 = Thu 2025-01-02, covered; only the deciding days count: certain.
		{"start before the data", c.AddDays(d(2024, 12, 30), 3), d(2025, 1, 2), false},
		// Thu 12/31 is the 1st working day: certain; Fri 2027-01-01 the 2nd: uncertain.
		{"1 working day", c.AddWorkingDays(d(2026, 12, 30), 1), d(2026, 12, 31), false},
		{"2 working days", c.AddWorkingDays(d(2026, 12, 30), 2), d(2027, 1, 1), true},
		// 2024 has no data either.
		{"before the data", c.AddDays(d(2024, 6, 3), 3), d(2024, 6, 6), true},
	} {
		if tc.r.Due != tc.want || tc.r.Uncertain != tc.uncertain {
			t.Errorf("%s: got %+v, want %v uncertain=%v", tc.name, tc.r, tc.want, tc.uncertain)
		}
	}
	if n := strings.Count(buf.String(), "level=WARN"); n != 1 {
		t.Errorf("got %d warnings, want exactly 1:\n%s", n, buf.String())
	}
	if !strings.Contains(buf.String(), "data_last_year=2026") {
		t.Errorf("warning does not name the last data year: %s", buf.String())
	}

	if w := c.Warning(d(2026, 6, 1)); w != "" {
		t.Errorf("Warning(2026-06-01) = %q, want none", w)
	}
	// 60 days after 2026-11-15 is in 2027.
	if w := c.Warning(d(2026, 11, 15)); !strings.Contains(w, "2027") {
		t.Errorf("Warning(2026-11-15) = %q, want a 2027 warning", w)
	}
	if w := c.Warning(d(2027, 3, 1)); !strings.Contains(w, "no holiday data for 2027") {
		t.Errorf("Warning(2027-03-01) = %q", w)
	}
	if c.Covers(d(2027, 1, 1)) || !c.Covers(d(2026, 12, 31)) {
		t.Error("Covers is wrong at the end of the data")
	}
}

func TestWorkingDaysLeft(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		today, due Date
		want       int
		why        string
	}{
		{d(2026, 9, 30), d(2026, 10, 8), 1, "only Thu 10/8 is working in (9/30, 10/8]"},
		{d(2026, 9, 30), d(2026, 10, 10), 3, "10/8, 10/9, Sat 10/10 adjusted"},
		{d(2026, 10, 8), d(2026, 10, 8), 0, "due today"},
		{d(2026, 3, 6), d(2026, 3, 9), 1, "Fri -> Mon: only Mon counts"},
		{d(2026, 10, 9), d(2026, 10, 8), -1, "one working day overdue (10/9)"},
		{d(2026, 10, 12), d(2026, 10, 8), -3, "overdue by 10/9, Sat 10/10, Mon 10/12"},
	} {
		n, unc := c.WorkingDaysLeft(tc.today, tc.due)
		if n != tc.want || unc {
			t.Errorf("WorkingDaysLeft(%v, %v) = %d, %v, want %d (%s)", tc.today, tc.due, n, unc, tc.want, tc.why)
		}
	}
	if _, unc := c.WorkingDaysLeft(d(2026, 12, 30), d(2027, 1, 4)); !unc {
		t.Error("WorkingDaysLeft into 2027 is not uncertain")
	}
}

// TestProperties checks every start day of 2025-2026: the due date is never
// before start+N, is a working day, and no working day lies in
// [start+N, due); a working-day period has exactly N working days in
// (start, due]. Results are uncertain exactly when they reach 2027.
func TestProperties(t *testing.T) {
	c := Default()
	for start := d(2025, 1, 1); start.Year <= 2026; start = start.AddDays(1) {
		for _, n := range []int{0, 1, 2, 3, 5, 10, 30} {
			r := c.AddDays(start, n)
			last := start.AddDays(n)
			if r.Due.Before(last) {
				t.Fatalf("AddDays(%v, %d) = %v, before %v", start, n, r.Due, last)
			}
			if !c.IsWorkingDay(r.Due) {
				t.Fatalf("AddDays(%v, %d) = %v, not a working day", start, n, r.Due)
			}
			for x := last; x.Before(r.Due); x = x.AddDays(1) {
				if c.IsWorkingDay(x) {
					t.Fatalf("AddDays(%v, %d) = %v, but %v is a working day", start, n, r.Due, x)
				}
			}
			if r.Uncertain != (r.Due.Year > 2026) {
				t.Fatalf("AddDays(%v, %d) = %+v: wrong Uncertain", start, n, r)
			}

			w := c.AddWorkingDays(start, n)
			count := 0
			for x := start.AddDays(1); !x.After(w.Due); x = x.AddDays(1) {
				if c.IsWorkingDay(x) {
					count++
				}
			}
			if count != n || (n > 0 && !c.IsWorkingDay(w.Due)) || w.Uncertain != (w.Due.Year > 2026) {
				t.Fatalf("AddWorkingDays(%v, %d) = %+v: %d working days in between", start, n, w, count)
			}
			if left, _ := c.WorkingDaysLeft(start, w.Due); left != n {
				t.Fatalf("WorkingDaysLeft(%v, %v) = %d, want %d", start, w.Due, left, n)
			}
		}
	}
}

func TestLoadFile(t *testing.T) {
	if c, err := LoadFile(""); err != nil || c != Default() {
		t.Fatalf("LoadFile(\"\") = %p, %v, want Default()", c, err)
	}
	// A made-up 2027 (test data, not the real arrangement) and a replaced 2026
	// whose only holiday is 3/2-3/4.
	path := filepath.Join(t.TempDir(), "holidays.json")
	data := `{"years": [
	  {"year": 2027, "source": "test notice 2027", "holidays": [
	    {"name": "元旦", "off": "2027-01-01/2027-01-03", "work": ["2027-01-09"]}]},
	  {"year": 2026, "source": "test notice 2026", "holidays": [
	    {"name": "test", "off": "2026-03-02/2026-03-04"}]}
	]}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if first, last := c.Coverage(); first != 2025 || last != 2027 || c.Source(2027) != "test notice 2027" {
		t.Errorf("Coverage() = %d-%d, Source(2027) = %q", first, last, c.Source(2027))
	}
	// 2026-12-30 + 3 = Sat 2027-01-02, off -> Sun 1/3 off -> Mon 1/4, now certain.
	if r := c.AddDays(d(2026, 12, 30), 3); r.Due != d(2027, 1, 4) || r.Uncertain {
		t.Errorf("with 2027 data: %+v", r)
	}
	// Sat 2027-01-09 is an adjusted working day: 2027-01-06 + 3 -> 1/9.
	if r := c.AddDays(d(2027, 1, 6), 3); r.Due != d(2027, 1, 9) || r.Uncertain {
		t.Errorf("adjusted working day 2027-01-09: %+v", r)
	}
	// 2026 was replaced: 国庆 is gone, 3/2-3/4 is off; 2025 is kept.
	if !c.IsWorkingDay(d(2026, 10, 5)) || c.IsWorkingDay(d(2026, 3, 3)) || c.IsWorkingDay(d(2025, 10, 6)) {
		t.Error("2026 not replaced or 2025 not kept")
	}
	// Default is unchanged.
	if Default().IsWorkingDay(d(2026, 10, 5)) || Default().Covers(d(2027, 1, 1)) {
		t.Error("LoadFile modified Default()")
	}

	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("LoadFile of a missing file succeeded")
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"years": [{"year": 2027}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("LoadFile(bad) error %v does not name the file", err)
	}
}

func TestParseErrors(t *testing.T) {
	y := func(body string) string {
		return `{"years": [{"year": 2026, "source": "s", "holidays": [` + body + `]}]}`
	}
	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty input", ``, "empty input"},
		{"syntax error", "{\n  \"years\": [\n    {\"year\": 2026,, }\n  ]\n}", "line 3"},
		{"truncated", "{\n  \"years\": [\n", "line 3"},
		{"unknown field", "{\n  \"years\": [],\n  \"hollidays\": []\n}", `line 3: json: unknown field "hollidays"`},
		{"wrong type", "{\"years\": [\n  {\"year\": \"2026\"}]}", "line 2: field years.year: string"},
		{"trailing data", `{"years": []} {}`, "after the top-level object"},
		{"no years", `{"years": []}`, `"years" is missing or empty`},
		{"year out of range", `{"years": [{"year": 226, "source": "s", "holidays": [{"off": "2026-01-01"}]}]}`,
			"years[0] (226): year: 226 is not between"},
		{"missing source", `{"years": [{"year": 2026, "holidays": [{"off": "2026-01-01"}]}]}`,
			"years[0] (2026): source: missing"},
		{"no holidays", `{"years": [{"year": 2026, "source": "s"}]}`, "holidays: missing"},
		{"duplicate year", `{"years": [
			{"year": 2026, "source": "s", "holidays": [{"off": "2026-01-01"}]},
			{"year": 2026, "source": "s", "holidays": [{"off": "2026-01-02"}]}]}`,
			"years[1] (2026): year: 2026 is listed twice"},
		{"missing off", y(`{"name": "春节"}`), "holidays[0] (春节).off: missing"},
		{"bad date", y(`{"name": "春节", "off": "2026-02-30"}`),
			`years[0] (2026): holidays[0] (春节).off: "2026-02-30": "2026-02-30" is not a date`},
		{"bad range end", y(`{"off": "2026-02-15/2026-2-23"}`), `holidays[0].off: "2026-02-15/2026-2-23": "2026-2-23" is not a date`},
		{"reversed range", y(`{"off": "2026-02-23/2026-02-15"}`), "range ends before it starts"},
		{"long range", y(`{"off": "2026-02-15/2026-12-23"}`), "longer than 31"},
		{"wrong year", y(`{"name": "元旦", "off": "2027-01-01"}`), "holidays[0] (元旦).off: 2027-01-01 is not in 2026"},
		{"bad work date", y(`{"off": "2026-02-15", "work": ["2026-02-14", "x"]}`), `holidays[0].work[1]: "x" is not a date`},
		{"work on a weekday", y(`{"name": "春节", "off": "2026-02-15", "work": ["2026-02-13"]}`),
			"holidays[0] (春节).work[0]: 2026-02-13 is a Friday"},
		{"overlapping days off", y(`{"name": "a", "off": "2026-02-15/2026-02-17"}, {"name": "b", "off": "2026-02-17"}`),
			"holidays[1] (b).off: 2026-02-17 is already listed in holidays[0] (a).off"},
		{"work also off", y(`{"off": "2026-02-14/2026-02-16", "work": ["2026-02-14"]}`),
			"holidays[0].work[0]: 2026-02-14 is already listed in holidays[0].off"},
	} {
		_, err := Parse(strings.NewReader(tc.data))
		if err == nil {
			t.Errorf("%s: Parse succeeded, want error containing %q", tc.name, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "deadline: ") {
			t.Errorf("%s: error %q does not contain %q", tc.name, err, tc.want)
		}
	}
}

func TestParseEmbeddedRoundTrip(t *testing.T) {
	c, err := Parse(bytes.NewReader(embedded))
	if err != nil {
		t.Fatal(err)
	}
	if !c.IsWorkingDay(d(2026, 2, 14)) || c.IsWorkingDay(d(2026, 2, 16)) {
		t.Error("parsed embedded data wrong")
	}
}
