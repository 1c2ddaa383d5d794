// Package deadline is the statutory clock of the lawyer service: it computes
// when a period ends under Article 105 of the Criminal Procedure Law, using
// the State Council's holiday arrangements as data.
//
// Rules (see docs/design.md, "Deadlines follow CPL Article 105"):
//
//   - A period of N days (AddDays) starts counting the day after the start
//     date, whatever day that is; its last day is start+N calendar days. If
//     that day is a day off, the period ends on the next working day.
//   - A period of N working days (AddWorkingDays) counts only working days
//     after the start date; the Nth one is the end.
//   - A working day is a Monday to Friday that is not a holiday day off, or
//     a Saturday or Sunday declared an adjusted working day (调休上班).
//
// The holiday data are an embedded JSON file (holidays.json, one entry per
// year, see Parse for the format) that a file given to LoadFile can replace
// or extend without a code change. For a date in a year the data do not
// cover, only weekends are days off: the Result is marked Uncertain and the
// first such computation in the process logs a warning with slog.Warn.
//
// All dates are civil dates in China (UTC+08:00); see Date and DateOf.
package deadline

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

//go:embed holidays.json
var embedded []byte

// Calendar tells working days from days off. A Calendar is immutable and
// safe for concurrent use.
type Calendar struct {
	days    map[Date]bool  // listed dates: true = adjusted working day, false = day off
	sources map[int]string // covered year -> notice the data come from
}

// Result is the end of a period.
type Result struct {
	// Due is the last day of the period; the period is met by 24:00 Beijing
	// time that day.
	Due Date `json:"due"`
	// Uncertain is true when a day that decided Due lies in a year the
	// holiday data do not cover (only weekends were treated as days off), so
	// a State Council holiday may move the real date. Show it to the user.
	Uncertain bool `json:"uncertain"`
}

// WarningHorizon is how many days ahead Warning looks for missing holiday
// data: long enough for any period of the Policy plus a holiday block.
const WarningHorizon = 60

var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := Parse(bytes.NewReader(embedded))
	if err != nil {
		panic("deadline: embedded holidays.json: " + err.Error())
	}
	return c
})

// Default returns the calendar of the embedded holiday data.
func Default() *Calendar { return defaultCalendar() }

// LoadFile returns the embedded calendar extended by the holiday data file
// at path (same format as Parse): each year in the file replaces that year
// of the embedded data, other years are added. An empty path returns
// Default().
func LoadFile(path string) (*Calendar, error) {
	if path == "" {
		return Default(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("deadline: holiday data: %w", err)
	}
	defer f.Close()
	o, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Default().Extend(o), nil
}

// Extend returns a new calendar with the years of c and of o, o's data
// replacing c's for a year both cover. c and o are not modified.
func (c *Calendar) Extend(o *Calendar) *Calendar {
	n := &Calendar{days: make(map[Date]bool), sources: make(map[int]string)}
	for d, w := range c.days {
		if _, replaced := o.sources[d.Year]; !replaced {
			n.days[d] = w
		}
	}
	for y, s := range c.sources {
		n.sources[y] = s
	}
	for d, w := range o.days {
		n.days[d] = w
	}
	for y, s := range o.sources {
		n.sources[y] = s
	}
	return n
}

// IsWorkingDay reports whether d is a working day: an adjusted working day,
// or a Monday to Friday that is not a day off.
func (c *Calendar) IsWorkingDay(d Date) bool {
	d = d.AddDays(0)
	if w, ok := c.days[d]; ok {
		return w
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddDays returns the end of a period of n days from start under CPL
// Art. 105: start+n calendar days, moved to the next working day if that is a
// day off. n = 0 gives start, or the next working day. It panics if n < 0.
func (c *Calendar) AddDays(start Date, n int) Result {
	if n < 0 {
		panic(fmt.Sprintf("deadline: AddDays: negative period %d", n))
	}
	d := start.AddDays(n)
	r := Result{Due: d, Uncertain: !c.Covers(d)}
	for !c.IsWorkingDay(r.Due) {
		r.Due = r.Due.AddDays(1)
		r.Uncertain = r.Uncertain || !c.Covers(r.Due)
	}
	c.warnIf(r)
	return r
}

// AddWorkingDays returns the end of a period of n working days from start:
// the nth working day after start (start itself is not counted). n = 0 gives
// start. It panics if n < 0.
func (c *Calendar) AddWorkingDays(start Date, n int) Result {
	if n < 0 {
		panic(fmt.Sprintf("deadline: AddWorkingDays: negative period %d", n))
	}
	r := Result{Due: start.AddDays(0)}
	for i := 0; i < n; {
		r.Due = r.Due.AddDays(1)
		r.Uncertain = r.Uncertain || !c.Covers(r.Due)
		if c.IsWorkingDay(r.Due) {
			i++
		}
	}
	c.warnIf(r)
	return r
}

// WorkingDaysLeft returns the number of working days after today up to and
// including due: 0 when due is today or no working day remains, negative
// (minus the working days after due up to and including today) when due has
// passed. uncertain is true if a counted day lies outside the data.
func (c *Calendar) WorkingDaysLeft(today, due Date) (n int, uncertain bool) {
	from, to, sign := today, due, 1
	if due.Before(today) {
		from, to, sign = due, today, -1
	}
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		uncertain = uncertain || !c.Covers(d)
		if c.IsWorkingDay(d) {
			n++
		}
	}
	c.warnIf(Result{Due: due, Uncertain: uncertain})
	return sign * n, uncertain
}

// Covers reports whether the holiday data cover the year of d.
func (c *Calendar) Covers(d Date) bool {
	_, ok := c.sources[d.AddDays(0).Year]
	return ok
}

// Coverage returns the first and last years of the holiday data. Years in
// between are covered unless an override skipped one (see Covers).
func (c *Calendar) Coverage() (first, last int) {
	for y := range c.sources {
		if first == 0 || y < first {
			first = y
		}
		if y > last {
			last = y
		}
	}
	return first, last
}

// Source returns the notice the data for year come from, or "" if the data
// do not cover year.
func (c *Calendar) Source(year int) string { return c.sources[year] }

// Warning returns a message for logs and the admin UI when the holiday data
// do not cover today or any of the WarningHorizon days after it, so that
// deadlines computed now may be uncertain; otherwise "".
func (c *Calendar) Warning(today Date) string {
	end := today.AddDays(WarningHorizon)
	for y := today.Year; y <= end.Year; y++ {
		if _, ok := c.sources[y]; !ok {
			first, last := c.Coverage()
			return fmt.Sprintf("deadline: no holiday data for %d (data cover %d-%d): "+
				"deadlines reaching %d count weekends only and are marked uncertain; "+
				"add the State Council holiday notice for %d to the holiday data file", y, first, last, y, y)
		}
	}
	return ""
}

var warned atomic.Bool

// warnIf logs, once per process, that a result is uncertain.
func (c *Calendar) warnIf(r Result) {
	if r.Uncertain && warned.CompareAndSwap(false, true) {
		first, last := c.Coverage()
		slog.Warn("deadline: date outside the holiday data, counting weekends only; results are marked uncertain. "+
			"Add the State Council holiday notice for that year to the holiday data file.",
			"due", r.Due.String(), "data_first_year", first, "data_last_year", last)
	}
}

// The holiday data file, as read by Parse.
type fileJSON struct {
	Comment string     `json:"comment"`
	Years   []yearJSON `json:"years"`
}

type yearJSON struct {
	Year     int           `json:"year"`
	Source   string        `json:"source"`
	Holidays []holidayJSON `json:"holidays"`
}

type holidayJSON struct {
	Name string   `json:"name"`
	Off  string   `json:"off"`
	Work []string `json:"work"`
}

// Parse reads holiday data and returns a calendar of exactly those years.
// The data are JSON:
//
//	{
//	  "comment": "free text (optional)",
//	  "years": [
//	    {
//	      "year": 2026,
//	      "source": "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）",
//	      "holidays": [
//	        {"name": "春节", "off": "2026-02-15/2026-02-23", "work": ["2026-02-14", "2026-02-28"]}
//	      ]
//	    }
//	  ]
//	}
//
// "off" is one date or an inclusive range "FROM/TO" of days off (at most 31
// days); "work" lists the adjusted working days (调休上班) the notice pairs
// with that holiday, each a Saturday or Sunday. Every date must lie in its
// entry's year, which must be between 1990 and 2100 and appear once; the
// source notice is required; a date may be listed only once. Unknown fields
// are errors. Errors name the line (JSON errors) or the field
// (years[i].holidays[j].off) and value at fault.
func Parse(r io.Reader) (*Calendar, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("deadline: reading holiday data: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f fileJSON
	if err := dec.Decode(&f); err != nil {
		return nil, jsonError(raw, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("deadline: holiday data: line %d: unexpected data after the top-level object",
			lineOf(raw, dec.InputOffset()))
	}
	if len(f.Years) == 0 {
		return nil, errors.New(`deadline: holiday data: "years" is missing or empty`)
	}
	c := &Calendar{days: make(map[Date]bool), sources: make(map[int]string)}
	for i, y := range f.Years {
		if err := c.addYear(y); err != nil {
			return nil, fmt.Errorf("deadline: holiday data: years[%d] (%d): %w", i, y.Year, err)
		}
	}
	return c, nil
}

// addYear validates one year entry and adds it to c.
func (c *Calendar) addYear(y yearJSON) error {
	if y.Year < 1990 || y.Year > 2100 {
		return fmt.Errorf("year: %d is not between 1990 and 2100", y.Year)
	}
	if _, dup := c.sources[y.Year]; dup {
		return fmt.Errorf("year: %d is listed twice", y.Year)
	}
	if strings.TrimSpace(y.Source) == "" {
		return errors.New(`source: missing: name the State Council notice the dates come from`)
	}
	if len(y.Holidays) == 0 {
		return errors.New(`holidays: missing or empty`)
	}
	where := make(map[Date]string) // date -> field that listed it, for duplicate errors
	add := func(field string, d Date, work bool) error {
		if d.Year != y.Year {
			return fmt.Errorf("%s: %s is not in %d", field, d, y.Year)
		}
		if prev, dup := where[d]; dup {
			return fmt.Errorf("%s: %s is already listed in %s", field, d, prev)
		}
		where[d] = field
		c.days[d] = work
		return nil
	}
	for j, h := range y.Holidays {
		field := fmt.Sprintf("holidays[%d]", j)
		if h.Name != "" {
			field += " (" + h.Name + ")"
		}
		from, to, err := parseRange(h.Off)
		if err != nil {
			return fmt.Errorf("%s.off: %w", field, err)
		}
		for d := from; !d.After(to); d = d.AddDays(1) {
			if err := add(field+".off", d, false); err != nil {
				return err
			}
		}
		for k, s := range h.Work {
			wf := fmt.Sprintf("%s.work[%d]", field, k)
			d, err := ParseDate(s)
			if err != nil {
				return fmt.Errorf("%s: %q is not a date YYYY-MM-DD", wf, s)
			}
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return fmt.Errorf("%s: %s is a %s; an adjusted working day is a Saturday or Sunday", wf, d, wd)
			}
			if err := add(wf, d, true); err != nil {
				return err
			}
		}
	}
	c.sources[y.Year] = y.Source
	return nil
}

// parseRange parses "YYYY-MM-DD" or "YYYY-MM-DD/YYYY-MM-DD".
func parseRange(s string) (from, to Date, err error) {
	if s == "" {
		return from, to, errors.New(`missing: want "YYYY-MM-DD" or "YYYY-MM-DD/YYYY-MM-DD"`)
	}
	a, b, isRange := strings.Cut(s, "/")
	if from, err = ParseDate(a); err != nil {
		return from, to, fmt.Errorf("%q: %q is not a date YYYY-MM-DD", s, a)
	}
	to = from
	if isRange {
		if to, err = ParseDate(b); err != nil {
			return from, to, fmt.Errorf("%q: %q is not a date YYYY-MM-DD", s, b)
		}
	}
	switch n := to.Sub(from) + 1; {
	case n < 1:
		return from, to, fmt.Errorf("%q: range ends before it starts", s)
	case n > 31:
		return from, to, fmt.Errorf("%q: range of %d days is longer than 31", s, n)
	}
	return from, to, nil
}

// jsonError turns a decoding error into one naming the line (and field).
func jsonError(raw []byte, dec *json.Decoder, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("deadline: holiday data: empty input")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("deadline: holiday data: line %d: unexpected end of input", lineOf(raw, int64(len(raw))))
	case errors.As(err, &syn):
		return fmt.Errorf("deadline: holiday data: line %d: %w", lineOf(raw, syn.Offset), err)
	case errors.As(err, &typ):
		return fmt.Errorf("deadline: holiday data: line %d: field %s: %s where %s is expected",
			lineOf(raw, typ.Offset), typ.Field, typ.Value, typ.Type)
	default:
		off := dec.InputOffset()
		// An unknown field is reported after its value: find its name.
		if _, name, ok := strings.Cut(err.Error(), "unknown field "); ok {
			if i := bytes.LastIndex(raw[:min(off, int64(len(raw)))], []byte(name)); i >= 0 {
				off = int64(i)
			}
		}
		return fmt.Errorf("deadline: holiday data: line %d: %w", lineOf(raw, off), err)
	}
}

// lineOf returns the 1-based line of byte offset off in raw.
func lineOf(raw []byte, off int64) int {
	off = min(max(off, 0), int64(len(raw)))
	return bytes.Count(raw[:off], []byte("\n")) + 1
}
