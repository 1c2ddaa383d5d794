package deadline

import "fmt"

// Unit is how a Period counts.
type Unit int

const (
	// CalendarDays counts under CPL Art. 105: the period ends start+N
	// calendar days, moved to the next working day if that is a day off.
	CalendarDays Unit = iota
	// WorkingDays counts only working days after the start.
	WorkingDays
)

// Period is a statutory period of the service.
type Period struct {
	Key   string // stable identifier for storage and APIs, e.g. "application-review"
	Label string // Chinese label for display
	Days  int
	Unit  Unit
}

// The periods of the service (docs/design.md, "The rules the service serves").
var (
	// ApplicationReview: an internet review application is handled and
	// answered within three days (三日内).
	ApplicationReview = Period{"application-review", "互联网阅卷申请办理答复", 3, CalendarDays}
	// Complaint: a complaint about obstruction of a lawyer's rights, ten days.
	Complaint = Period{"complaint", "阻碍律师依法行使诉讼权利申诉控告办理", 10, CalendarDays}
	// UrgentComplaint: an urgent complaint, three working days.
	UrgentComplaint = Period{"urgent-complaint", "情况紧急的申诉控告办理", 3, WorkingDays}
	// ObstructedMeeting: a complaint that a meeting was obstructed, five
	// working days.
	ObstructedMeeting = Period{"obstructed-meeting", "会见受阻申诉控告办理", 5, WorkingDays}
)

// Policy returns the periods of the service, in the order above.
func Policy() []Period {
	return []Period{ApplicationReview, Complaint, UrgentComplaint, ObstructedMeeting}
}

// String returns the period's length, e.g. "3 days" or "5 working days".
func (p Period) String() string {
	if p.Unit == WorkingDays {
		return fmt.Sprintf("%d working days", p.Days)
	}
	return fmt.Sprintf("%d days", p.Days)
}

// Due returns the end of period p started on start (the day of submission or
// receipt, not counted).
func (c *Calendar) Due(start Date, p Period) Result {
	if p.Unit == WorkingDays {
		return c.AddWorkingDays(start, p.Days)
	}
	return c.AddDays(start, p.Days)
}
