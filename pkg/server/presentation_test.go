package server_test

// The presentation rule (issue 13 A): a clerk's GET /applications used to
// carry each ready application's download link (link.url, a bearer secret),
// and a clerk who opened it downloaded the lawyer's stamped copy. This walks
// every /api/v1 route of the authorization matrix with every login role and
// looks in each answer for what is the applying lawyer's alone.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/internal/testpdf"
)

func TestLawyerOnlyFields(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	app, err := ts.s.API.Apps.Get(t.Context(), w.appID)
	if err != nil {
		t.Fatal(err)
	}
	token := w.linkURL[strings.LastIndex(w.linkURL, "/")+1:]
	// What must reach nobody but the lawyer: the link (its token, its URL
	// under /d/, the downloads left); and nobody at all: the stamped copy's
	// object key and the link record's id.
	lawyerOnly := []string{token, "/d/", `"downloadsLeft"`}
	nobody := []string{app.CopyKey, `"copyKey"`, `"linkId"`}
	if app.CopyKey == "" || app.LinkID == "" || token == "" {
		t.Fatalf("the world's application has no copy or link: %+v", app)
	}
	others := []caller{
		{"clerk of the unit", clerk, w.clerkA, false},
		{"clerk of another unit", clerk, w.clerkB, true},
		{"auditor", auditor, w.auditor, false},
		{"another lawyer", lawyer, w.lawyerB, true},
	}
	check := func(what string, a answer, forbidden []string) {
		t.Helper()
		for _, s := range forbidden {
			if strings.Contains(string(a.body), s) {
				t.Errorf("%s: %d answer carries %q:\n%.400s", what, a.status, s, a.body)
			}
		}
	}
	var decision route
	for _, r := range routes {
		if r.pattern == "/api/v1/applications/{id}/decision" {
			decision = r // changes the application: last
			continue
		}
		if strings.HasPrefix(r.pattern, "/api/v1/cases/{id}/materials/") {
			// A clerk's change to the materials makes a new dossier version
			// and so a new link for the lawyer (the link checked below); the
			// answers are a material's, with nothing of an application.
			continue
		}
		forbidden := append(lawyerOnly, nobody...)
		if strings.HasPrefix(r.pattern, "/api/v1/audit/") {
			// The log is the auditor's account of what happened: it records
			// each download with the downloads left and each copy made with
			// its key. The link itself is never in it.
			forbidden = []string{token, "/d/"}
		}
		for _, c := range others {
			a := ts.call(c.token, r.method, r.path(w), r.body)
			check(c.name+" → "+r.method+" "+r.pattern, a, forbidden)
		}
		a := ts.call(w.lawyerA, r.method, r.path(w), r.body)
		check("the lawyer → "+r.method+" "+r.pattern, a, nobody)
	}
	// The routes that return the ready application itself, with real
	// bodies: the lawyer's own view carries the link (so the markers above
	// are the right ones), nobody else's does.
	for _, p := range []string{"/api/v1/applications", "/api/v1/applications/" + w.appID} {
		if a := ts.must(w.lawyerA, "GET", p, nil, http.StatusOK, nil); !strings.Contains(string(a.body), token) || !strings.Contains(string(a.body), `"downloadsLeft"`) {
			t.Errorf("the lawyer's GET %s lacks the link: %.300s", p, a.body)
		}
		for _, c := range []caller{others[0], others[2]} {
			if a := ts.call(c.token, "GET", p, nil); a.status == http.StatusOK {
				check(c.name+" → GET "+p, a, append(lawyerOnly, nobody...))
			} else if p != "/api/v1/applications" || c.role != auditor {
				t.Errorf("%s → GET %s: %d, want 200", c.name, p, a.status)
			}
		}
	}
	// A clerk registering the same lawyer's application by hotline gets the
	// live one back: the ready application, without its link.
	var atts []string
	for _, kind := range []string{"practice_certificate", "firm_letter", "power_of_attorney"} {
		var at struct{ ID, UploadURL string }
		ts.must(w.clerkA, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(testpdf.Text(kind))}, http.StatusCreated, &at)
		ts.must("", "PUT", at.UploadURL, testpdf.Text(kind), http.StatusOK, nil)
		ts.waitFor("the clerk's attachment", func() bool {
			var got struct{ Uploaded bool }
			ts.must(w.clerkA, "GET", "/api/v1/attachments/"+at.ID, nil, http.StatusOK, &got)
			return got.Uploaded
		})
		atts = append(atts, at.ID)
	}
	again := map[string]any{"caseNo": w.caseNo, "client": "张某某", "channel": "hotline", "attachments": atts,
		"lawyer": map[string]string{"name": "张律师", "license": licenseA, "firm": "北京某某律师事务所", "phone": "13800000000"}}
	a := ts.must(w.clerkA, "POST", "/api/v1/applications", again, http.StatusOK, nil)
	if !strings.Contains(string(a.body), w.appID) {
		t.Fatalf("the clerk's hotline registration did not answer with the live application: %.300s", a.body)
	}
	check("clerk → POST /api/v1/applications (the lawyer's live application)", a, append(lawyerOnly, nobody...))
	// Last, the decision route, for every caller (the clerk's refusal
	// answers with the application).
	for _, c := range append(others, caller{"the lawyer", lawyer, w.lawyerA, false}) {
		a := ts.call(c.token, decision.method, decision.path(w), decision.body)
		check(c.name+" → "+decision.method+" "+decision.pattern, a, append(lawyerOnly, nobody...))
	}
}
