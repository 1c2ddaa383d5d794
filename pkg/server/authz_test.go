package server_test

// The authorization matrix: every route of the API × every kind of caller
// (nobody, a bad token, each role, a lawyer or clerk whose resource it is
// not, and callers signed in through the pages' session rather than a
// token) — each refusal with the right status (401 without a valid login,
// 403 for a role the route does not admit, 404 for someone else's resource,
// as if it did not exist) and an audit record of it under the request's id.
// The route table is checked against the routes the API really mounts.

import (
	"crypto/ed25519"
	"crypto/rand"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/link"
)

// What a route's path names, for the matrix.
const (
	resource = "resource" // someone's resource: a foreign caller gets 404
	list     = "list"     // a listing: a foreign caller gets their own, without the other's
	create   = "create"   // makes the caller's own: there is no foreign caller
	global   = "global"   // no owner (the auditor's routes, stats)
)

type route struct {
	method, pattern string
	roles           []auth.Role
	kind            string
	body            any
}

var (
	lawyer  = auth.Lawyer
	clerk   = auth.Clerk
	auditor = auth.Auditor
	admin   = auth.Admin
)

// routes is every /api/v1 route with the roles it admits. Keep it in step
// with the API: TestRouteTableComplete fails when they differ.
var routes = []route{
	{"POST", "/api/v1/cases", []auth.Role{clerk}, create, map[string]any{}},
	{"GET", "/api/v1/cases", []auth.Role{clerk}, list, nil},
	{"GET", "/api/v1/cases/{id}", []auth.Role{clerk, auditor}, resource, nil},
	{"GET", "/api/v1/cases/find", []auth.Role{lawyer, clerk}, global, nil},
	{"GET", "/api/v1/units", []auth.Role{lawyer, clerk, auditor}, global, nil},
	{"GET", "/api/v1/me", []auth.Role{lawyer, clerk, auditor, admin}, global, nil},
	{"POST", "/api/v1/cases/{id}/materials", []auth.Role{clerk}, resource, map[string]any{}},
	{"GET", "/api/v1/cases/{id}/materials", []auth.Role{clerk}, resource, nil},
	{"GET", "/api/v1/cases/{id}/materials/{mid}", []auth.Role{clerk}, resource, nil},
	// The clerk's changes to the materials of a case of the unit; the
	// delete last (owner calls run in this order).
	{"POST", "/api/v1/cases/{id}/materials/order", []auth.Role{clerk}, resource, map[string]any{"volume": 1, "ids": []string{}}},
	{"PATCH", "/api/v1/cases/{id}/materials/{mid}", []auth.Role{clerk}, resource, map[string]any{"title": "讯问笔录（更正）"}},
	{"POST", "/api/v1/cases/{id}/materials/{mid}/replace", []auth.Role{clerk}, resource, map[string]any{"filename": "a.pdf", "size": 100}},
	{"POST", "/api/v1/cases/{id}/materials/{mid}/upload", []auth.Role{clerk}, resource, nil},
	{"DELETE", "/api/v1/cases/{id}/materials/{mid}", []auth.Role{clerk}, resource, nil},
	// The dossier's versions: the unit's clerks; the application's lawyer.
	{"GET", "/api/v1/cases/{id}/versions", []auth.Role{clerk}, resource, nil},
	{"GET", "/api/v1/applications/{id}/versions", []auth.Role{lawyer, clerk}, resource, nil},
	{"POST", "/api/v1/attachments", []auth.Role{lawyer, clerk}, create, map[string]any{}},
	{"GET", "/api/v1/attachments/{id}", []auth.Role{lawyer, clerk}, resource, nil},
	{"POST", "/api/v1/applications", []auth.Role{lawyer, clerk}, create, map[string]any{}},
	{"GET", "/api/v1/applications", []auth.Role{lawyer, clerk}, list, nil},
	{"GET", "/api/v1/applications/stats", []auth.Role{clerk, auditor}, global, nil},
	{"GET", "/api/v1/applications/{id}", []auth.Role{lawyer, clerk, auditor}, resource, nil},
	{"POST", "/api/v1/applications/{id}/decision", []auth.Role{clerk}, resource, map[string]any{"decision": "reject", "reason": "测试"}},
	// The documents an application rests on: the applicant's and the
	// deciding unit's, not an auditor's.
	{"GET", "/api/v1/applications/{id}/attachments/{aid}", []auth.Role{lawyer, clerk}, resource, nil},
	// 受理 and 补正 by the deciding unit's clerks; the lawyer's answer.
	{"POST", "/api/v1/applications/{id}/acknowledgement", []auth.Role{clerk}, resource, map[string]any{}},
	{"POST", "/api/v1/applications/{id}/correction", []auth.Role{clerk}, resource, map[string]any{"items": []map[string]string{{"field": "client", "reason": "测试"}}}},
	{"POST", "/api/v1/applications/{id}/resubmission", []auth.Role{lawyer}, resource, map[string]any{}},
	{"GET", "/api/v1/applications/{id}/download", []auth.Role{lawyer}, resource, nil},
	{"GET", "/api/v1/applications/{id}/search", []auth.Role{lawyer}, resource, nil},
	{"POST", "/api/v1/applications/{id}/link", []auth.Role{lawyer, clerk}, resource, nil},
	{"GET", "/api/v1/notices", []auth.Role{lawyer, clerk}, list, nil},
	{"POST", "/api/v1/cases/{id}/decisions", []auth.Role{clerk}, resource, map[string]any{}},
	{"GET", "/api/v1/cases/{id}/decisions", []auth.Role{clerk, auditor}, resource, nil},
	{"POST", "/api/v1/cases/{id}/lawyers", []auth.Role{clerk}, resource, map[string]any{}},
	{"GET", "/api/v1/cases/{id}/lawyers", []auth.Role{clerk}, resource, nil},
	{"DELETE", "/api/v1/cases/{id}/lawyers/{license}", []auth.Role{clerk}, resource, nil},
	{"POST", "/api/v1/cases/{id}/opinions", []auth.Role{lawyer}, resource, map[string]any{}},
	{"GET", "/api/v1/cases/{id}/opinions", []auth.Role{clerk, auditor}, resource, nil},
	{"POST", "/api/v1/cases/{id}/conclude", []auth.Role{clerk}, resource, map[string]any{}},
	{"GET", "/api/v1/opinions", []auth.Role{lawyer, clerk}, list, nil},
	{"GET", "/api/v1/opinions/{id}", []auth.Role{lawyer, clerk, auditor}, resource, nil},
	// A clerk of any unit checks a registered lawyer's identity: no
	// unit owns it.
	{"POST", "/api/v1/lawyers/{license}/identity", []auth.Role{clerk}, global, map[string]any{"decision": "verified"}},
	{"POST", "/api/v1/opinions/{id}/reply", []auth.Role{clerk}, resource, map[string]any{}},
	{"POST", "/api/v1/complaints", []auth.Role{lawyer}, create, map[string]any{}},
	{"GET", "/api/v1/complaints", []auth.Role{lawyer, clerk}, list, nil},
	{"GET", "/api/v1/complaints/stats", []auth.Role{clerk, auditor}, global, nil},
	{"GET", "/api/v1/complaints/{id}", []auth.Role{lawyer, clerk, auditor}, resource, nil},
	{"POST", "/api/v1/complaints/{id}/answer", []auth.Role{clerk}, resource, map[string]any{}},
	{"GET", "/api/v1/audit/events", []auth.Role{auditor}, global, nil},
	{"GET", "/api/v1/audit/verify", []auth.Role{auditor}, global, nil},
	{"GET", "/api/v1/audit/export", []auth.Role{auditor}, global, nil},
	// The administrator's page: the staff accounts (no owner; the target
	// account need not exist, the matrix checks who is admitted).
	{"GET", "/api/v1/admin/accounts", []auth.Role{admin}, global, nil},
	{"POST", "/api/v1/admin/accounts", []auth.Role{admin}, global, map[string]any{}},
	{"POST", "/api/v1/admin/accounts/{username}/disable", []auth.Role{admin}, global, nil},
	{"POST", "/api/v1/admin/accounts/{username}/password", []auth.Role{admin}, global, nil},
	{"DELETE", "/api/v1/admin/accounts/{username}/totp", []auth.Role{admin}, global, nil},
}

// path fills the route's parameters with the world's resources.
func (r route) path(w *world) string {
	p := r.pattern
	id := w.caseID
	switch {
	case strings.HasPrefix(p, "/api/v1/applications/"):
		id = w.appID
	case strings.HasPrefix(p, "/api/v1/attachments/"):
		id = w.attachment
	case strings.HasPrefix(p, "/api/v1/opinions/"):
		id = w.opinion
	case strings.HasPrefix(p, "/api/v1/complaints/"):
		id = w.complaint
	}
	p = strings.ReplaceAll(p, "{id}", id)
	p = strings.ReplaceAll(p, "{mid}", w.materialID)
	p = strings.ReplaceAll(p, "{aid}", w.attachment)
	p = strings.ReplaceAll(p, "{license}", licenseA)
	p = strings.ReplaceAll(p, "{username}", "matrix.nobody")
	return p
}

// A caller of the matrix.
type caller struct {
	name  string
	role  auth.Role // "" for no valid login
	token string
	// foreign: the world's resources are not this caller's.
	foreign bool
}

func TestAuthorizationMatrix(t *testing.T) {
	ts, ip := newTsrv(t).fromNewIP()
	w := ts.world()
	start := time.Now()
	// Bad logins: none, garbage, expired, signed by a stranger's key, and
	// a download link's token (another audience) offered as a login.
	expired, _ := (&auth.Authority{Keys: ts.s.Auth.Keys, Issuer: ts.s.Auth.Issuer, Audience: ts.s.Auth.Audience,
		Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}).Issue(auth.Identity{Subject: licenseA, Name: "张律师", Role: auth.Lawyer}, time.Hour)
	_, spriv, _ := ed25519.GenerateKey(rand.Reader)
	stranger, _ := (&auth.Authority{Keys: auth.NewKeySet(spriv), Issuer: ts.s.Auth.Issuer, Audience: ts.s.Auth.Audience}).
		Issue(auth.Identity{Subject: "audit01", Name: "李审计", Role: auth.Auditor}, time.Hour)
	linkToken := w.linkURL[strings.LastIndex(w.linkURL, "/")+1:]
	callers := []caller{
		{"no token", "", "", false},
		{"garbage token", "", "not.a.token", false},
		{"expired token", "", expired, false},
		{"token of another key", "", stranger, false},
		{"download token as login", "", linkToken, false},
		{"the lawyer", lawyer, w.lawyerA, false},
		{"another lawyer", lawyer, w.lawyerB, true},
		{"clerk of the unit", clerk, w.clerkA, false},
		{"clerk of another unit", clerk, w.clerkB, true},
		{"auditor", auditor, w.auditor, false},
		{"the lawyer, signed in by the pages", lawyer, w.lawyerAPages, false},
		{"clerk of another unit, signed in by the pages", clerk, w.clerkBPages, true},
		// Administrators exist only at the embedded provider: signed in by
		// the pages.
		{"administrator, signed in by the pages", admin, ts.sessionOf(auth.Identity{Subject: "admin.matrix", Name: "矩阵管理员", Role: auth.Admin}), false},
	}
	type denial struct {
		what, action, requestID string
	}
	var denials []denial
	owned := []string{w.appID, w.opinion, w.complaint, w.attachment}
	var ownerCalls []func()
	for _, r := range routes {
		for _, c := range callers {
			what := c.name + " → " + r.method + " " + r.pattern
			admitted := slices.Contains(r.roles, c.role)
			foreign := c.foreign
			if r.pattern == "/api/v1/attachments/{id}" && c.role == clerk {
				foreign = true // a lawyer's document: no clerk's, not even of the unit
			}
			if admitted && !(foreign && r.kind == resource) {
				if !foreign {
					// The owner's own calls change state: make them last.
					ownerCalls = append(ownerCalls, func() {
						a := ts.call(c.token, r.method, r.path(w), r.body)
						if a.status == http.StatusUnauthorized || a.status == http.StatusForbidden {
							t.Errorf("%s: %d, the owner must be admitted: %s", what, a.status, a.body)
						}
						if a.status == http.StatusNotFound && strings.Contains(string(a.body), "no such route") {
							t.Errorf("%s: route not mounted", what)
						}
					})
					continue
				}
				// A foreign caller's listing shows nothing of the world's.
				a := ts.call(c.token, r.method, r.path(w), r.body)
				if r.kind == list || r.kind == global {
					for _, id := range owned {
						if strings.Contains(string(a.body), id) {
							t.Errorf("%s: %d shows %s, a resource of someone else", what, a.status, id)
						}
					}
				}
				continue
			}
			a := ts.call(c.token, r.method, r.path(w), r.body)
			want, action := http.StatusNotFound, "access.deny"
			switch {
			case c.role == "":
				want, action = http.StatusUnauthorized, "auth.fail"
			case !admitted:
				want = http.StatusForbidden
			}
			if a.status != want {
				t.Errorf("%s: %d, want %d: %s", what, a.status, want, a.body)
				continue
			}
			if want == http.StatusUnauthorized && a.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: 401 without WWW-Authenticate", what)
			}
			for _, id := range owned {
				if strings.Contains(string(a.body), id) {
					t.Errorf("%s: the refusal shows %s", what, id)
				}
			}
			denials = append(denials, denial{what, action, a.header.Get("X-Request-Id")})
		}
	}
	// Every refusal of a known caller is in the audit log, under its
	// request id. Refusals without a valid login are counted per client
	// and minute: each minute's first is recorded, the rest are in the
	// client's refusal.count records, and together they account for all.
	ts.s.API.FlushRefusals(t.Context(), time.Now().Add(time.Minute))
	minutes := int(time.Now().Truncate(time.Minute).Sub(start.Truncate(time.Minute))/time.Minute) + 1
	byRequest := map[string][]string{}
	anonymous, firsts, counted := 0, 0, 0
	for _, e := range ts.events() {
		byRequest[e.RequestID] = append(byRequest[e.RequestID], string(e.Action))
		switch {
		case e.IP == ip && e.Action == "auth.fail":
			firsts++
		case e.IP == ip && e.Action == "refusal.count":
			n, _ := strconv.Atoi(e.Detail["count"])
			counted += n
		}
	}
	for _, d := range denials {
		if d.requestID == "" {
			t.Errorf("%s: no X-Request-Id", d.what)
			continue
		}
		if d.action == "auth.fail" {
			anonymous++
			continue
		}
		if !slices.Contains(byRequest[d.requestID], d.action) {
			t.Errorf("%s: no %s record for request %s (records: %v)", d.what, d.action, d.requestID, byRequest[d.requestID])
		}
	}
	if firsts < 1 || firsts > minutes || firsts+counted != anonymous {
		t.Errorf("%d refusals without a valid login: %d auth.fail records and %d counted in refusal.count, want one record a minute (%d minutes) and all accounted for",
			anonymous, firsts, counted, minutes)
	}
	t.Logf("%d refusals checked, %d owner calls", len(denials), len(ownerCalls))
	for _, f := range ownerCalls {
		f()
	}
}

// The download door: the link works for whoever holds it (that is what a
// link is), but a link made with another key, or changed, is refused, and
// the refusal is audited; an auditor cannot download at all.
func TestAuthorizationDownloadDoor(t *testing.T) {
	ts, ip := newTsrv(t).fromNewIP()
	w := ts.world()
	_, lpriv, _ := ed25519.GenerateKey(rand.Reader)
	other := &link.Signer{Keys: auth.NewKeySet(lpriv), Issuer: ts.s.API.Signer.Issuer}
	forged, err := other.Token(&link.Link{ID: w.appID + "-v1", ApplicationID: w.appID, Lawyer: licenseA,
		CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	refusals := 0
	for _, tc := range []struct {
		name   string
		url    string
		status int
	}{
		{"a token signed by another key", ts.url + "/d/" + forged, http.StatusUnauthorized},
		{"a changed token", w.linkURL[:len(w.linkURL)-4] + "AAAA", http.StatusBadRequest},
		{"garbage", ts.url + "/d/x", http.StatusBadRequest},
	} {
		a := ts.call("", "GET", tc.url, nil)
		if a.status != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, a.status, tc.status)
			continue
		}
		refusals++
	}
	// Each refusal is audited: a minute's first with its own link.refuse
	// record, the others in the client's refusal.count.
	ts.s.API.FlushRefusals(t.Context(), time.Now().Add(time.Minute))
	recorded, counted := 0, 0
	for _, e := range ts.events() {
		switch {
		case e.IP == ip && e.Action == "link.refuse":
			recorded++
		case e.IP == ip && e.Action == "refusal.count":
			n, _ := strconv.Atoi(e.Detail["count"])
			counted += n
		}
	}
	if recorded < 1 || recorded+counted != refusals {
		t.Errorf("%d refusals at the door: %d link.refuse records and %d counted, want all accounted for", refusals, recorded, counted)
	}
	if a := ts.call(w.auditor, "GET", "/api/v1/applications/"+w.appID+"/download", nil); a.status != http.StatusForbidden {
		t.Errorf("an auditor downloading: %d, want 403", a.status)
	}
	if a := ts.call("", "GET", w.linkURL, nil); a.status != http.StatusFound {
		t.Errorf("the genuine link: %d, want 302", a.status)
	}
}

// TestRouteTableComplete reads the routes the API mounts (the mux.Handle
// calls of package httpapi) and checks the matrix's table has each
// /api/v1 route with the same roles, so that a new route cannot escape the
// matrix.
func TestRouteTableComplete(t *testing.T) {
	files, err := filepath.Glob("../httpapi/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no httpapi sources: %v", err)
	}
	mounted := map[string][]auth.Role{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			pattern, _ := strconv.Unquote(lit.Value)
			if !strings.Contains(pattern, "/api/v1/") {
				return true
			}
			var roles []auth.Role
			if inner, ok := call.Args[1].(*ast.CallExpr); ok {
				for _, a := range inner.Args[1:] {
					if s, ok := a.(*ast.SelectorExpr); ok {
						roles = append(roles, auth.Role(strings.ToLower(s.Sel.Name)))
					}
				}
			}
			mounted[pattern] = roles
			return true
		})
	}
	if len(mounted) < 10 {
		t.Fatalf("found only %d routes in ../httpapi: the parser no longer understands how routes are mounted", len(mounted))
	}
	table := map[string][]auth.Role{}
	for _, r := range routes {
		table[r.method+" "+r.pattern] = r.roles
	}
	for p, roles := range mounted {
		want, ok := table[p]
		if !ok {
			t.Errorf("route %s (roles %v) is mounted but missing from the authorization matrix: add it to routes", p, roles)
			continue
		}
		slices.Sort(roles)
		w := slices.Clone(want)
		slices.Sort(w)
		if !slices.Equal(roles, w) {
			t.Errorf("route %s admits %v, the matrix says %v", p, roles, want)
		}
	}
	for p := range table {
		if _, ok := mounted[p]; !ok {
			t.Errorf("route %s is in the matrix but no longer mounted", p)
		}
	}
}
