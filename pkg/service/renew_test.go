package service

import (
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
)

// TestRenewalAllowed: a lawyer's renewals are counted over the last 24
// hours, theirs only (the assemble job's and the clerk's new copies do not
// count), and the refusal says when the next one is allowed.
func TestRenewalAllowed(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	renewal := func(by string, ago time.Duration) application.Transition {
		return application.Transition{From: application.Ready, To: application.Ready, By: by, At: now.Add(-ago)}
	}
	app := &application.Application{History: []application.Transition{
		{From: application.Approved, To: application.Ready, By: "system", At: now.Add(-30 * time.Hour)},
		renewal("L", 25*time.Hour), // a day ago: no longer counts
		renewal("L", 5*time.Hour),
		renewal("system", 4*time.Hour),
		renewal("clerk:c1", 3*time.Hour),
		renewal("L", 2*time.Hour),
	}}
	if _, ok := renewalAllowed(app, "L", now); !ok {
		t.Fatal("third renewal in a day refused")
	}
	app.History = append(app.History, renewal("L", time.Hour))
	next, ok := renewalAllowed(app, "L", now)
	if ok {
		t.Fatal("fourth renewal in a day allowed")
	}
	if want := now.Add(19 * time.Hour); !next.Equal(want) {
		t.Errorf("next renewal at %s, want %s (a day after the oldest of the three)", next, want)
	}
}
