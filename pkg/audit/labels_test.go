package audit

import (
	"testing"
	"time"
)

// TestDescribeDetail: the auditor reads a record's detail as Chinese
// text: keys named (an unknown one as it is), words of the code said,
// times in Beijing time, empty values left out, text a person wrote as
// written, keys in a fixed order.
func TestDescribeDetail(t *testing.T) {
	got := DescribeDetail(map[string]string{
		"reason":        "not the owner",
		"linkExpiresAt": "2026-12-09T06:05:09Z",
		"resume":        "false",
		"note":          "委托手续不全",
		"range":         "",
	})
	want := "链接到期时间：2026-12-09 14:05:09；note：委托手续不全；原因：非本人；续传：否"
	if got != want {
		t.Errorf("DescribeDetail = %q\nwant             %q", got, want)
	}
	if got := BeijingTime(time.Date(2026, 12, 31, 16, 0, 0, 999, time.UTC)); got != "2027-01-01 00:00:00" {
		t.Errorf("BeijingTime = %q", got)
	}
}

// TestResultsAndRolesLabelled: every result and every role a record is
// written with reads in Chinese.
func TestResultsAndRolesLabelled(t *testing.T) {
	for _, r := range []Result{OK, Denied, Failed, Invalid} {
		if r.Label() == string(r) || r.Label() == "" {
			t.Errorf("result %s has no label", r)
		}
	}
	for _, role := range []string{"lawyer", "clerk", "auditor", "admin", "system", "link-holder"} {
		if RoleLabel(role) == role {
			t.Errorf("role %s has no label", role)
		}
	}
}
