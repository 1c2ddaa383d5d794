package deadline

import (
	"strings"
	"testing"
)

func TestLoadPolicy(t *testing.T) {
	saved := Policy()
	defer func() {
		ApplicationReview, Complaint, UrgentComplaint, ObstructedMeeting = saved[0], saved[1], saved[2], saved[3]
	}()

	bad := []struct{ in, want string }{
		{`{"application-reveiw": {"days": 3, "unit": "days"}}`, "unknown period"},
		{`{"complaint": {"days": 0, "unit": "days"}}`, "days must be 1..366"},
		{`{"complaint": {"days": 10, "unit": "weeks"}}`, "unit must be"},
		{`{"complaint": {"days": 10, "unit": "days", "extra": 1}}`, "unknown field"},
	}
	for _, b := range bad {
		err := LoadPolicy(strings.NewReader(b.in))
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("LoadPolicy(%s) = %v, want an error mentioning %q", b.in, err, b.want)
		}
	}
	if Complaint != saved[1] {
		t.Fatal("a refused policy file must change nothing")
	}
	// A deployment that answers applications within 5 working days.
	if err := LoadPolicy(strings.NewReader(`{"application-review": {"days": 5, "unit": "working_days"}}`)); err != nil {
		t.Fatal(err)
	}
	if ApplicationReview.Days != 5 || ApplicationReview.Unit != WorkingDays || ApplicationReview.Label != saved[0].Label || Complaint != saved[1] {
		t.Fatalf("after loading: %+v / %+v", ApplicationReview, Complaint)
	}
	// 2026-09-30 + 5 working days: 10/8, 10/9, 10/10 (adjusted Saturday), 10/12, 10/13.
	start, _ := ParseDate("2026-09-30")
	if got := Default().Due(start, ApplicationReview); got.Due.String() != "2026-10-13" {
		t.Errorf("due with the loaded policy = %s, want 2026-10-13", got.Due)
	}
}
