package main

import (
	"os/exec"
	"strings"
	"testing"
)

func TestDeadlineCommand(t *testing.T) {
	cases := []struct {
		args  []string
		first string
		warn  bool
	}{
		// 9/30 + 3 = 10/3, inside the National Day holiday: rolls to 10/8.
		{[]string{"--from", "2026-09-30T10:00:00+08:00", "--days", "3"}, "2026-10-08", false},
		// 23:30 UTC on 9/29 is already 9/30 in Beijing.
		{[]string{"--from", "2026-09-29T23:30:00Z", "--days", "3"}, "2026-10-08", false},
		// Working days after 9/30: 10/8, 10/9, 10/10 (an adjusted working Saturday).
		{[]string{"--from", "2026-09-30T10:00:00+08:00", "--days", "3", "--working"}, "2026-10-10", false},
		// Past the data: computed on weekends alone, with a warning.
		{[]string{"--from", "2027-03-01T10:00:00+08:00", "--days", "3"}, "2027-03-04", true},
	}
	for _, c := range cases {
		out, err := exec.Command(binPath, append([]string{"deadline"}, c.args...)...).Output()
		if err != nil {
			t.Fatalf("deadline %v: %v", c.args, err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if lines[0] != c.first {
			t.Errorf("deadline %v: first line %q, want %q", c.args, lines[0], c.first)
		}
		if hasWarn := len(lines) > 1 && strings.Contains(lines[1], "warning"); hasWarn != c.warn {
			t.Errorf("deadline %v: warning=%v, want %v (%q)", c.args, hasWarn, c.warn, out)
		}
	}
	out, err := exec.Command(binPath, "deadline", "--from", "yesterday", "--days", "3").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "RFC 3339") {
		t.Errorf("a bad --from must fail saying what form is wanted, got %v %q", err, out)
	}
}
