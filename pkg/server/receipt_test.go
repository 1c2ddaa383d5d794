package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReceipt (issue 16, defect 9): every application has a receipt number
// (受理回执号) in the documented form, made of its id; the lawyer's card
// and list show it with the case's name, and the lawyer's notices quote it.
func TestReceipt(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	type app struct{ ID, Receipt, CaseTitle, CaseNo string }
	var one app
	ts.must(w.lawyerA, "GET", "/api/v1/applications/"+w.appID, nil, http.StatusOK, &one)
	form := regexp.MustCompile(`^YJ-([0-9]{8})-([0-9A-Z]{26})$`)
	m := form.FindStringSubmatch(one.Receipt)
	if m == nil {
		t.Fatalf("receipt %q is not YJ-YYYYMMDD-<id>", one.Receipt)
	}
	if today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("20060102"); m[1] != today || strings.ToLower(m[2]) != w.appID {
		t.Errorf("receipt %q: want the Beijing date %s and the id %s", one.Receipt, today, w.appID)
	}
	if one.CaseTitle != "张某某盗窃案" {
		t.Errorf("case title %q", one.CaseTitle)
	}
	var list struct{ Applications []app }
	ts.must(w.lawyerA, "GET", "/api/v1/applications", nil, http.StatusOK, &list)
	found := false
	for _, a := range list.Applications {
		if a.ID == w.appID {
			found = a.Receipt == one.Receipt && a.CaseTitle == "张某某盗窃案"
		}
	}
	if !found {
		t.Errorf("the lawyer's list does not show the receipt %s and the case name: %+v", one.Receipt, list.Applications)
	}
	var notices struct {
		Notices []struct{ Kind, Body, ApplicationID string }
	}
	a := ts.must(w.lawyerA, "GET", "/api/v1/notices", nil, http.StatusOK, &notices)
	quoted := map[string]bool{}
	for _, n := range notices.Notices {
		if n.ApplicationID == w.appID && strings.Contains(n.Body, "受理回执号 "+one.Receipt) {
			quoted[n.Kind] = true
		}
	}
	if !quoted["application.approved"] || !quoted["link.ready"] {
		t.Errorf("notices quoting the receipt: %v, want application.approved and link.ready; %s", quoted, a.body)
	}
}
