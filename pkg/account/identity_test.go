package account

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/auth"
)

// A registered lawyer's identity is pending until a clerk decides it, once:
// a rejection needs its reason, a second decision is refused and changes
// nothing, a staff account has no identity to decide, and the decision is
// audited with who made it.
func TestDecideIdentity(t *testing.T) {
	onStores(t, func(t *testing.T, d *Directory, clock *time.Time) {
		ctx := context.Background()
		for _, lic := range []string{"11010200012345678", "11010200087654321"} {
			if _, err := d.Register(ctx, Account{Username: lic, Name: "张律师", Firm: "某某律师事务所", Phone: "13800000000"},
				"long-enough-1", Actor{IP: "192.0.2.1"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Add(ctx, Account{Username: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: "市检察院"}, "initial-pass-1", admin); err != nil {
			t.Fatal(err)
		}
		clerk := Actor{Subject: "clerk01", Role: "clerk", RequestID: "req-1"}
		if _, err := d.DecideIdentity(ctx, "11010200087654321", IdentityRejected, "  ", clerk); !errors.Is(err, ErrNoReason) {
			t.Errorf("a rejection without reason: %v, want ErrNoReason", err)
		}
		if _, err := d.DecideIdentity(ctx, "11010200087654321", IdentityPending, "", clerk); err == nil {
			t.Error("deciding pending: accepted")
		}
		if _, err := d.DecideIdentity(ctx, "clerk01", IdentityVerified, "", clerk); !errors.Is(err, ErrNotCheckable) {
			t.Errorf("a clerk's account decided: %v, want ErrNotCheckable", err)
		}
		if _, err := d.DecideIdentity(ctx, "11010200000000000", IdentityVerified, "", clerk); !errors.Is(err, ErrNotFound) {
			t.Errorf("an unknown lawyer: %v, want ErrNotFound", err)
		}
		*clock = clock.Add(time.Hour)
		a, err := d.DecideIdentity(ctx, "11010200012345678", IdentityVerified, "", clerk)
		if err != nil {
			t.Fatal(err)
		}
		if a.Checked != IdentityVerified || a.CheckedBy != "clerk01" || !a.CheckedAt.Equal(*clock) {
			t.Errorf("verified: %+v", a)
		}
		if _, err := d.DecideIdentity(ctx, "11010200012345678", IdentityRejected, "证号不符", clerk); !errors.Is(err, ErrDecided) {
			t.Errorf("a second decision: %v, want ErrDecided", err)
		}
		if a, _ := d.Get(ctx, "11010200012345678"); a.Checked != IdentityVerified || a.CheckReason != "" {
			t.Errorf("after the refused second decision: %+v", a)
		}
		if a, err := d.DecideIdentity(ctx, "11010200087654321", IdentityRejected, " 执业证扫描件与姓名不符 ", clerk); err != nil ||
			a.Checked != IdentityRejected || a.CheckReason != "执业证扫描件与姓名不符" {
			t.Errorf("rejected: %v, %+v", err, a)
		}
		var got []string
		for _, e := range events(t, d) {
			if e.Action == "account.identity" {
				got = append(got, e.Actor+" "+e.Target+" "+e.Detail["decision"]+" "+e.Detail["reason"]+" "+e.RequestID)
			}
		}
		want := []string{"clerk01 11010200012345678 verified  req-1", "clerk01 11010200087654321 rejected 执业证扫描件与姓名不符 req-1"}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("account.identity records: %q, want %q", got, want)
		}
	})
}

// answers is a Verifier standing for an outside identity service: it
// answers by certificate number.
type answers map[string]struct {
	decision Checking
	reason   string
	err      error
}

func (answers) Name() string { return "moj" }

func (v answers) Verify(_ context.Context, a Account) (Checking, string, error) {
	x := v[a.Username]
	return x.decision, x.reason, x.err
}

// With a Verifier, a registration is decided at once when the outside
// service can tell (verified, or rejected with its reason, decided by the
// verifier in the log), left pending when it cannot, and still made, left
// pending and the failure audited when the service fails; Manual leaves
// every identity to a clerk.
func TestVerifier(t *testing.T) {
	onStores(t, func(t *testing.T, d *Directory, _ *time.Time) {
		ctx := context.Background()
		d.Verifier = answers{
			"11010200000000001": {decision: IdentityVerified},
			"11010200000000002": {decision: IdentityRejected, reason: "查无此执业证"},
			"11010200000000003": {decision: IdentityPending},
			"11010200000000004": {err: errors.New("service unavailable")},
		}
		want := map[string]Checking{"11010200000000001": IdentityVerified, "11010200000000002": IdentityRejected,
			"11010200000000003": IdentityPending, "11010200000000004": IdentityPending}
		for _, lic := range []string{"11010200000000001", "11010200000000002", "11010200000000003", "11010200000000004"} {
			a, err := d.Register(ctx, Account{Username: lic, Name: "张律师", Firm: "某某律师事务所", Phone: "13800000000"}, "long-enough-1", Actor{})
			if err != nil {
				t.Fatalf("%s: %v", lic, err)
			}
			if stored, _ := d.Get(ctx, lic); a.Checked != want[lic] || stored.Checked != want[lic] {
				t.Errorf("%s: %q (stored %q), want %q", lic, a.Checked, stored.Checked, want[lic])
			}
		}
		d.Verifier = Manual{}
		if a, err := d.Register(ctx, Account{Username: "11010200000000005", Name: "张律师", Firm: "某某律师事务所", Phone: "13800000000"}, "long-enough-1", Actor{}); err != nil || a.Checked != IdentityPending {
			t.Errorf("manual: %v, %+v", err, a)
		}
		var got []string
		for _, e := range events(t, d) {
			if e.Action == "account.identity" {
				got = append(got, e.Actor+" "+e.Target+" "+string(e.Result)+" "+e.Detail["decision"]+e.Detail["reason"]+e.Detail["error"])
			}
		}
		wantRecs := []string{"verifier:moj 11010200000000001 ok verified", "verifier:moj 11010200000000002 ok rejected查无此执业证",
			"verifier:moj 11010200000000004 failed service unavailable"}
		if strings.Join(got, "|") != strings.Join(wantRecs, "|") {
			t.Errorf("account.identity records:\n got %q\nwant %q", got, wantRecs)
		}
	})
}
