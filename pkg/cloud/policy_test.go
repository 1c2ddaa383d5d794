package cloud

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/deadline"
)

// TestRuntimeLoadsPolicy: a deployment's YUEJUAN_POLICY changes the
// statutory periods on Lambda as it does on the local server (the functions
// ignored it, so an AWS deployment kept the built-in three days), and a bad
// file stops the start with the variable's name.
func TestRuntimeLoadsPolicy(t *testing.T) {
	saved := deadline.ApplicationReview
	t.Cleanup(func() { deadline.ApplicationReview = saved })
	t.Setenv("AWS_REGION", "cn-north-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	dir := t.TempDir()
	good := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(good, []byte(`{"application-review": {"days": 5, "unit": "working_days"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(policy string) Env {
		e, _ := FromEnv(func(k string) string {
			return map[string]string{"YUEJUAN_TABLE": "t", "YUEJUAN_POLICY": policy}[k]
		})
		return e
	}
	if _, err := New(context.Background(), env(good)); err != nil {
		t.Fatalf("New with a good policy: %v", err)
	}
	if got := deadline.ApplicationReview; got.Days != 5 || got.Unit != deadline.WorkingDays {
		t.Errorf("application review after YUEJUAN_POLICY = %d %v, want 5 working days", got.Days, got.Unit)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"application-review": {"days": 0, "unit": "days"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(context.Background(), env(bad))
	if err == nil || !strings.Contains(err.Error(), "YUEJUAN_POLICY") {
		t.Errorf("New with a bad policy = %v, want an error naming YUEJUAN_POLICY", err)
	}
}
