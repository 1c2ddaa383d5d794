package application

import (
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/deadline"
)

// TestTallyStopsTheClock: an application waiting for the lawyer's 补正 is
// open but never overdue in the on-time statistics, though its last
// deadline has passed; the same application pending review is overdue.
func TestTallyStopsTheClock(t *testing.T) {
	today, err := deadline.ParseDate("2026-12-20")
	if err != nil {
		t.Fatal(err)
	}
	app := &Application{Status: NeedsCorrection, Deadline: "2026-12-10", SubmittedAt: time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)}
	st := Tally([]*Application{app}, time.Time{}, time.Time{}, today)
	if st.Open != 1 || st.OpenOverdue != 0 || st.OnTimeRate != 1 {
		t.Fatalf("waiting for corrections: %+v, want open 1, overdue 0, rate 1", st.Record)
	}
	app.Status = PendingReview
	if st := Tally([]*Application{app}, time.Time{}, time.Time{}, today); st.OpenOverdue != 1 {
		t.Fatalf("pending review past its deadline: %+v, want overdue 1", st.Record)
	}
}
