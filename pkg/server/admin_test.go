package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/auth"
)

// The administrator signs in through the pages and lands on the
// administrator's page; every other route of the API refuses her. She opens
// a clerk's account (its one-time password given once, in the answer only),
// with which the clerk signs in and chooses her own password; she resets
// that password (a new one-time one), resets the clerk's second factor and
// disables the account, after which the clerk cannot sign in. A bad
// account is refused with every problem at once; she cannot disable
// herself. Each change is in the audit log (account.create, .reset, .totp,
// .disable) under her name.
func TestAdministrator(t *testing.T) {
	ts := newTsrv(t)
	pw := ts.ensureAccount(auth.Identity{Subject: "admin21", Name: "管理员", Role: auth.Admin})
	c, csrf, resp := ts.signInPages("admin21", pw)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/admin" {
		t.Fatalf("administrator: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	if a := ts.send(c, "GET", "/api/v1/cases", "", ""); a.status != http.StatusForbidden {
		t.Errorf("administrator on a clerk's route: %d", a.status)
	}
	a := ts.send(c, "POST", "/api/v1/admin/accounts", csrf, `{"username":"Bad Name","name":"","role":"clerk","unit":""}`)
	var bad struct {
		Error struct{ Problems []struct{ Field string } }
	}
	_ = json.Unmarshal(a.body, &bad)
	if a.status != http.StatusUnprocessableEntity || len(bad.Error.Problems) != 3 {
		t.Errorf("a bad account: %d %s, want 422 with the user name, name and unit problems", a.status, a.body)
	}
	a = ts.send(c, "POST", "/api/v1/admin/accounts", csrf, `{"username":"clerk.admin21","name":"陶书记员","role":"clerk","unit":"怀柔检察院"}`)
	var made struct {
		Account  struct{ Username, Role, Unit string }
		Password string
	}
	a.decode(t, &made)
	if a.status != http.StatusCreated || made.Account.Unit != "怀柔检察院" || len(made.Password) < 20 || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("open an account: %d %s", a.status, a.body)
	}
	if a := ts.send(c, "POST", "/api/v1/admin/accounts", csrf, `{"username":"clerk.admin21","name":"重名","role":"auditor"}`); a.status != http.StatusUnprocessableEntity || !strings.Contains(string(a.body), "已被使用") {
		t.Errorf("the same user name again: %d %s", a.status, a.body)
	}
	a = ts.send(c, "GET", "/api/v1/admin/accounts", "", "")
	if a.status != http.StatusOK || !strings.Contains(string(a.body), `"username":"clerk.admin21"`) || strings.Contains(string(a.body), "hash") ||
		strings.Contains(string(a.body), made.Password) {
		t.Fatalf("the list: %d %s", a.status, a.body)
	}
	// The clerk signs in with the one-time password and chooses her own.
	cc, _, resp := ts.signInPages("clerk.admin21", made.Password)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Request.URL.Path, "/oidc/login") {
		t.Fatalf("the clerk's first sign-in: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	_ = cc
	a = ts.send(c, "POST", "/api/v1/admin/accounts/clerk.admin21/password", csrf, "")
	var reset struct{ Password string }
	a.decode(t, &reset)
	if a.status != http.StatusOK || reset.Password == "" || reset.Password == made.Password {
		t.Fatalf("reset the password: %d %s", a.status, a.body)
	}
	if _, _, resp := ts.signInPages("clerk.admin21", made.Password); strings.Contains(resp.Request.URL.Path, "/clerk") {
		t.Error("the old one-time password still works")
	}
	if a := ts.send(c, "DELETE", "/api/v1/admin/accounts/clerk.admin21/totp", csrf, ""); a.status != http.StatusNoContent {
		t.Errorf("reset the second factor: %d %s", a.status, a.body)
	}
	if a := ts.send(c, "POST", "/api/v1/admin/accounts/admin21/disable", csrf, ""); a.status != http.StatusUnprocessableEntity {
		t.Errorf("disable herself: %d %s", a.status, a.body)
	}
	if a := ts.send(c, "POST", "/api/v1/admin/accounts/nobody.here/disable", csrf, ""); a.status != http.StatusNotFound {
		t.Errorf("disable no one: %d %s", a.status, a.body)
	}
	if a := ts.send(c, "POST", "/api/v1/admin/accounts/clerk.admin21/disable", "", ""); a.status != http.StatusForbidden {
		t.Errorf("a change without the CSRF token: %d", a.status)
	}
	if a := ts.send(c, "POST", "/api/v1/admin/accounts/clerk.admin21/disable", csrf, ""); a.status != http.StatusNoContent {
		t.Fatalf("disable: %d %s", a.status, a.body)
	}
	if _, _, resp := ts.signInPages("clerk.admin21", reset.Password); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled account signs in: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	var acts []string
	for _, e := range ts.events() {
		if e.Actor == "admin21" && e.Target == "clerk.admin21" {
			acts = append(acts, string(e.Action))
		}
	}
	if got := strings.Join(acts, " "); got != "account.create account.reset account.totp account.disable" {
		t.Errorf("the administrator's changes in the log: %s", got)
	}
}
