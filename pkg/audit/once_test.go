package audit

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// HasSince finds a record appended since the moment it is given, reading
// the case's records newest first and no further back than that moment;
// without a moment it is Has.
func TestHasSince(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	l := &Log{T: memTable(t), Now: func() time.Time { return now }}
	app := func(action Action, target string) {
		t.Helper()
		if _, err := l.Append(ctx, Event{Actor: "system", Action: action, CaseID: "c1", Target: target, Result: OK}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
	}
	app(MaterialAccept, "m-old") // 09:00:00
	for i := range 300 {         // five minutes of other records
		app(MaterialUpload, fmt.Sprint("m", i))
	}
	app(MaterialAccept, "m-new") // 09:05:01
	app(MaterialReject, "m-other")
	for _, c := range []struct {
		target string
		since  time.Time
		want   bool
	}{
		{"m-new", now.Add(-time.Minute), true},
		{"m-new", time.Time{}, true},
		{"m-old", now.Add(-time.Minute), false}, // older than the moment: not looked for
		{"m-old", time.Time{}, true},
		{"m-old", now.Add(-time.Hour), true},
		{"m-none", now.Add(-time.Hour), false},
		{"m-other", now.Add(-time.Minute), false}, // another action
	} {
		got, err := l.HasSince(ctx, Event{Action: MaterialAccept, CaseID: "c1", Target: c.target}, c.since)
		if err != nil || got != c.want {
			t.Errorf("HasSince(%s, %v) = %v, %v; want %v", c.target, c.since, got, err, c.want)
		}
	}
}
