package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// TestProfile: a registered lawyer's page learns the firm, mobile number
// and identity check from GET /me (a rejection with its reason); a clerk
// gets the token's claims; nobody gets the account's secrets.
func TestProfile(t *testing.T) {
	ts := newTsrv(t)
	ctx := context.Background()
	const lic = "11101202110066001"
	if _, err := ts.s.Accounts.Register(ctx, account.Account{Username: lic, Name: "彭律师", Firm: "北京彭某律师事务所", Phone: "13911112222"},
		"lawyer-password-1", account.Actor{IP: "192.0.2.8"}); err != nil {
		t.Fatal(err)
	}
	lawyer := ts.token(auth.Lawyer, lic, "彭律师", "")
	var p map[string]any
	a := ts.must(lawyer, "GET", "/api/v1/me", nil, http.StatusOK, &p)
	if p["firm"] != "北京彭某律师事务所" || p["phone"] != "13911112222" || p["identity"] != "pending" || p["subject"] != lic || p["role"] != "lawyer" {
		t.Errorf("the registered lawyer's profile: %s", a.body)
	}
	for _, secret := range []string{"hash", "totp", "argon2", "failures", "lockedUntil"} {
		if strings.Contains(strings.ToLower(string(a.body)), strings.ToLower(secret)) {
			t.Errorf("the profile shows %q: %s", secret, a.body)
		}
	}
	if _, err := ts.s.Accounts.DecideIdentity(ctx, lic, account.IdentityRejected, "执业证号与姓名不符", account.Actor{Subject: "clerk-profile"}); err != nil {
		t.Fatal(err)
	}
	p = nil
	ts.must(lawyer, "GET", "/api/v1/me", nil, http.StatusOK, &p)
	if p["identity"] != "rejected" || p["identityReason"] != "执业证号与姓名不符" {
		t.Errorf("after the rejection the profile reads %v", p)
	}

	// A lawyer without an account here (another provider's) and a clerk:
	// the claims, nothing more.
	p = nil
	a = ts.must(ts.token(auth.Lawyer, "11101202110066002", "外律师", ""), "GET", "/api/v1/me", nil, http.StatusOK, &p)
	if p["name"] != "外律师" || p["firm"] != nil || p["identity"] != nil {
		t.Errorf("a lawyer with no account here: %s", a.body)
	}
	p = nil
	a = ts.must(ts.token(auth.Clerk, "clerk-profile", "岳书记员", "市检察院"), "GET", "/api/v1/me", nil, http.StatusOK, &p)
	if p["unit"] != "市检察院" || p["role"] != "clerk" || p["phone"] != nil {
		t.Errorf("a clerk's profile: %s", a.body)
	}
}
