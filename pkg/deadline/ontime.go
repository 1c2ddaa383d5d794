package deadline

import "time"

// Record is an on-time record of requests that have a statutory deadline
// (applications, complaints): how many came in, how many were answered on
// time or late, how many are open and how many of those overdue.
type Record struct {
	Submitted   int     `json:"submitted"`
	Answered    int     `json:"answered"`
	OnTime      int     `json:"onTime"`
	Late        int     `json:"late"`
	Open        int     `json:"open"`
	OpenOverdue int     `json:"openOverdue"`
	OnTimeRate  float64 `json:"onTimeRate"` // see OnTimeRate; kept current by Count and Add
}

// Count adds one request whose last day is due (YYYY-MM-DD), answered at
// answered (nil while open), as of today. It reports whether due could be
// read; a request whose due date cannot be read is counted as submitted
// only.
func (r *Record) Count(due string, answered *time.Time, today Date) bool {
	r.Submitted++
	d, err := ParseDate(due)
	if err != nil {
		r.OnTimeRate = OnTimeRate(r.OnTime, r.Answered, r.OpenOverdue)
		return false
	}
	switch {
	case answered == nil:
		r.Open++
		if today.After(d) {
			r.OpenOverdue++
		}
	case DateOf(*answered).After(d):
		r.Answered++
		r.Late++
	default:
		r.Answered++
		r.OnTime++
	}
	r.OnTimeRate = OnTimeRate(r.OnTime, r.Answered, r.OpenOverdue)
	return true
}

// Add adds o's counts to r, the rate recomputed from the sums (not the
// mean of the rates).
func (r *Record) Add(o Record) {
	r.Submitted += o.Submitted
	r.Answered += o.Answered
	r.OnTime += o.OnTime
	r.Late += o.Late
	r.Open += o.Open
	r.OpenOverdue += o.OpenOverdue
	r.OnTimeRate = OnTimeRate(r.OnTime, r.Answered, r.OpenOverdue)
}

// OnTimeRate is the share of what fell due that was answered on time:
// onTime / (answered + openOverdue), where answered counts late answers too;
// 1 when nothing was due.
func OnTimeRate(onTime, answered, openOverdue int) float64 {
	if d := answered + openOverdue; d > 0 {
		return float64(onTime) / float64(d)
	}
	return 1
}
