package server_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// Licences of lawyers who register themselves, for this test alone.
const (
	identityLicense  = "11101201910077777"
	identityLicense2 = "11101201910077778"
)

// A lawyer who registered applies at once, and the application says her
// identity is pending; a clerk of another unit verifies it (any unit's
// clerk may), and the application — the clerk's and the lawyer's view —
// says verified; the decision is in the audit log under its request;
// a second decision is refused (409 identity_decided) and changes
// nothing; a rejection needs its reason and keeps it; lawyers and
// auditors may not decide (403); an unknown or administrator-made lawyer
// has no identity to decide (404).
func TestLawyerIdentity(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	ctx := context.Background()
	for _, lic := range []string{identityLicense, identityLicense2} {
		_, err := ts.s.Accounts.Register(ctx, account.Account{Username: lic, Name: "李律师", Firm: "北京某某律师事务所", Phone: "13900000000"},
			"lawyer-password-1", account.Actor{IP: "192.0.2.7"})
		if err != nil {
			t.Fatal(err)
		}
	}
	lawyer := ts.token(auth.Lawyer, identityLicense, "李律师", "")
	_, appID := ts.applyAs(w.clerkA, identityLicense)
	identity := func(tok string) string {
		var got struct{ LawyerIdentity string }
		ts.must(tok, "GET", "/api/v1/applications/"+appID, nil, http.StatusOK, &got)
		return got.LawyerIdentity
	}
	inQueue := func() string {
		var got struct {
			Applications []struct{ ID, LawyerIdentity string }
		}
		ts.must(w.clerkA, "GET", "/api/v1/applications?status=open", nil, http.StatusOK, &got)
		for _, a := range got.Applications {
			if a.ID == appID {
				return a.LawyerIdentity
			}
		}
		t.Fatalf("application %s not in the clerk's open queue", appID)
		return ""
	}
	if c, l, q := identity(w.clerkA), identity(lawyer), inQueue(); c != "pending" || l != "pending" || q != "pending" {
		t.Fatalf("before the check: clerk sees %q, lawyer %q, queue %q; want pending", c, l, q)
	}
	path := "/api/v1/lawyers/" + identityLicense + "/identity"
	for _, c := range []struct{ who, tok string }{{"the lawyer", lawyer}, {"the auditor", w.auditor}} {
		if a := ts.call(c.tok, "POST", path, map[string]string{"decision": "verified"}); a.status != http.StatusForbidden {
			t.Errorf("%s decides: %d, want 403: %s", c.who, a.status, a.body)
		}
	}
	var out struct{ License, Identity, CheckedBy, CheckedAt string }
	a := ts.must(w.clerkB, "POST", path, map[string]string{"decision": "verified"}, http.StatusOK, &out)
	if out.License != identityLicense || out.Identity != "verified" || out.CheckedBy != "clerk09" || out.CheckedAt == "" {
		t.Errorf("the decision: %+v", out)
	}
	if c, l, q := identity(w.clerkA), identity(lawyer), inQueue(); c != "verified" || l != "verified" || q != "verified" {
		t.Errorf("after the check: clerk sees %q, lawyer %q, queue %q; want verified", c, l, q)
	}
	rid := a.header.Get("X-Request-Id")
	var recs []string
	for _, e := range ts.events() {
		if e.Action == "account.identity" && e.Target == identityLicense {
			recs = append(recs, e.Actor+" "+e.Role+" "+string(e.Result)+" "+e.Detail["decision"])
			if e.RequestID != rid {
				t.Errorf("account.identity under request %q, want %q", e.RequestID, rid)
			}
		}
	}
	if !slices.Equal(recs, []string{"clerk09 clerk ok verified"}) {
		t.Errorf("account.identity records: %q", recs)
	}

	var e struct{ Error struct{ Code string } }
	ts.must(w.clerkA, "POST", path, map[string]string{"decision": "rejected", "reason": "证号不符"}, http.StatusConflict, &e)
	if e.Error.Code != "identity_decided" {
		t.Errorf("a second decision: code %q, want identity_decided", e.Error.Code)
	}
	if c := identity(w.clerkA); c != "verified" {
		t.Errorf("after the refused second decision: %q, want verified", c)
	}

	path2 := "/api/v1/lawyers/" + identityLicense2 + "/identity"
	var inv struct {
		Error struct {
			Code     string
			Problems []struct{ Field string }
		}
	}
	ts.must(w.clerkA, "POST", path2, map[string]string{"decision": "rejected"}, http.StatusUnprocessableEntity, &inv)
	if inv.Error.Code != "invalid" || len(inv.Error.Problems) != 1 || inv.Error.Problems[0].Field != "reason" {
		t.Errorf("a rejection without its reason: %+v", inv)
	}
	var rej struct{ Identity, Reason string }
	ts.must(w.clerkA, "POST", path2, map[string]string{"decision": "rejected", "reason": "执业证扫描件与姓名不符"}, http.StatusOK, &rej)
	if rej.Identity != "rejected" || rej.Reason != "执业证扫描件与姓名不符" {
		t.Errorf("the rejection: %+v", rej)
	}

	for _, lic := range []string{"11101201900000000", licenseA} {
		ts.must(w.clerkA, "POST", "/api/v1/lawyers/"+lic+"/identity", map[string]string{"decision": "verified"}, http.StatusNotFound, &e)
		if e.Error.Code != "lawyer_not_found" {
			t.Errorf("deciding %s: code %q, want lawyer_not_found", lic, e.Error.Code)
		}
	}
}
