package deadline

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// policyEntry is one period in a policy file.
type policyEntry struct {
	Days int    `json:"days"`
	Unit string `json:"unit"` // "days" or "working_days"
}

// LoadPolicy reads a deployment's policy table, a JSON object keyed by
// period key, e.g. {"application-review": {"days": 3, "unit": "days"},
// "urgent-complaint": {"days": 3, "unit": "working_days"}}, and makes it the
// service's policy: the periods named replace the built-in ones, the others
// stay. Call it once at start-up, before serving; it is not safe to call
// while deadlines are being computed.
func LoadPolicy(r io.Reader) error {
	var m map[string]policyEntry
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("deadline: policy: %w", err)
	}
	targets := map[string]*Period{
		ApplicationReview.Key: &ApplicationReview,
		Complaint.Key:         &Complaint,
		UrgentComplaint.Key:   &UrgentComplaint,
		ObstructedMeeting.Key: &ObstructedMeeting,
	}
	updated := map[*Period]Period{}
	for k, e := range m {
		p, ok := targets[k]
		if !ok {
			keys := make([]string, 0, len(targets))
			for _, q := range Policy() {
				keys = append(keys, q.Key)
			}
			return fmt.Errorf("deadline: policy: unknown period %q (known: %s)", k, strings.Join(keys, ", "))
		}
		if e.Days < 1 || e.Days > 366 {
			return fmt.Errorf("deadline: policy: %s: days must be 1..366, got %d", k, e.Days)
		}
		np := *p
		np.Days = e.Days
		switch e.Unit {
		case "days":
			np.Unit = CalendarDays
		case "working_days":
			np.Unit = WorkingDays
		default:
			return fmt.Errorf("deadline: policy: %s: unit must be \"days\" or \"working_days\", got %q", k, e.Unit)
		}
		updated[p] = np
	}
	for p, np := range updated {
		*p = np
	}
	return nil
}

// LoadPolicyFile is LoadPolicy on the named file.
func LoadPolicyFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("deadline: policy: %w", err)
	}
	defer f.Close()
	return LoadPolicy(f)
}
