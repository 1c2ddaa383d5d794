package deadline

import (
	"fmt"
	"time"
)

// beijing is China Standard Time, UTC+08:00. China has kept UTC+8 without
// daylight saving time since 1992, so a fixed zone is exact for every date
// this package deals with and needs no tzdata (Lambda images may lack it).
var beijing = time.FixedZone("CST", 8*60*60)

// Date is a civil date (year, month, day) in China (Asia/Shanghai), with no
// time of day and no zone. The zero Date is not a valid date.
//
// Date is comparable and may be used as a map key. Arithmetic normalises out
// of range values the way time.Date does (Date{2026, 2, 30}.AddDays(0) is
// 2026-03-02); use ParseDate or IsValid to reject them at input.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date in Beijing of the instant t, whatever t's
// location: 2026-09-24T23:59+08:00 and 2026-09-24T15:59Z are both
// 2026-09-24, 2026-09-24T16:00Z is 2026-09-25.
func DateOf(t time.Time) Date {
	y, m, d := t.In(beijing).Date()
	return Date{y, m, d}
}

// ParseDate parses an ISO 8601 calendar date "YYYY-MM-DD" and rejects dates
// that do not exist (2026-02-30).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("deadline: invalid date %q, want YYYY-MM-DD", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// Time returns the first instant of d (00:00) in Beijing. The end of d, the
// latest moment a period ending on d is still met, is d.AddDays(1).Time().
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, beijing)
}

// utc is d at midnight UTC, the basis of day arithmetic (no zone offsets).
func (d Date) utc() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// IsValid reports whether d names an existing calendar date.
func (d Date) IsValid() bool {
	return d.AddDays(0) == d && d.Year > 0
}

// AddDays returns the date n calendar days after d (before d if n < 0).
func (d Date) AddDays(n int) Date {
	y, m, day := d.utc().AddDate(0, 0, n).Date()
	return Date{y, m, day}
}

// Sub returns the number of calendar days from e to d (d - e): positive when
// d is after e. due.Sub(today) is the calendar days remaining.
func (d Date) Sub(e Date) int {
	return int(d.utc().Sub(e.utc()).Hours() / 24)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	return d.utc().Compare(e.utc())
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// String returns d as "YYYY-MM-DD".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText encodes d as "YYYY-MM-DD" (also used by encoding/json).
func (d Date) MarshalText() ([]byte, error) {
	if !d.IsValid() {
		return nil, fmt.Errorf("deadline: cannot marshal invalid date %d-%d-%d", d.Year, int(d.Month), d.Day)
	}
	return []byte(d.String()), nil
}

// UnmarshalText decodes a "YYYY-MM-DD" date, as ParseDate.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
