package application

import (
	"time"

	"github.com/yuejuan/yuejuan/pkg/deadline"
)

// Stats is a unit's on-time record for applications submitted in a period,
// or, with Unit empty, the totals across units with the per-unit records in
// Units.
type Stats struct {
	Unit string `json:"unit"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	deadline.Record
	Approved int `json:"approved"`
	Refused  int `json:"refused"`
	// Units is the per-unit breakdown of a total, sorted by unit.
	Units []Stats `json:"units,omitempty"`
}

// Tally computes one unit's Stats over apps for applications submitted in
// [from, to) (zero bounds are open), as of today.
func Tally(apps []*Application, from, to time.Time, today deadline.Date) Stats {
	var st Stats
	st.OnTimeRate = 1
	for _, app := range apps {
		if (!from.IsZero() && app.SubmittedAt.Before(from)) || (!to.IsZero() && !app.SubmittedAt.Before(to)) {
			continue
		}
		var answered *time.Time
		if app.Reply != nil {
			answered = &app.Reply.At
		}
		due := app.Deadline
		if app.Status == NeedsCorrection {
			// The clock stops while the lawyer corrects (补正): open, never
			// overdue (docs/design.md, "补正 stops the clock").
			due = today.String()
		}
		if !st.Count(due, answered, today) || app.Reply == nil {
			continue
		}
		if app.Reply.Decision == Approve {
			st.Approved++
		} else {
			st.Refused++
		}
	}
	return st
}

// Total sums per-unit Stats into one, the on-time rate recomputed from the
// sums, with units kept as its Units. Unit, From and To are left for the
// caller to set.
func Total(units []Stats) Stats {
	t := Stats{Units: units}
	t.OnTimeRate = 1
	for _, u := range units {
		t.Add(u.Record)
		t.Approved += u.Approved
		t.Refused += u.Refused
	}
	return t
}
