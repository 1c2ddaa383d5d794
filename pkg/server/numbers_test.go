package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestTypedNumbers (issue 16, defect 4): a lawyer who types the case number
// with "（２０２６）" and spaces, and the certificate number in full-width
// digits, finds the case and applies; the application carries the case's
// registered number. A clerk registering "(2026)" registers "〔2026〕", and
// the same number typed another way is the same case. An auditor's
// --case filter finds the case by a variant too.
func TestTypedNumbers(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	typed := strings.NewReplacer("〔", "（", "〕", "）", "2", "２", "0", "０", "6", "６", "号", " 号").Replace(w.caseNo)
	atts := ts.attachments(w.lawyerB)
	var app struct{ CaseNo, CaseID, Status string }
	ts.must(w.lawyerB, "POST", "/api/v1/applications", map[string]any{"caseNo": " " + typed + " ", "client": "张某某", "attachments": atts,
		"lawyer": map[string]string{"name": "李律师", "license": "１１１０１ ２０１９１００５４３２１", "firm": "北京某某律师事务所", "phone": "13900000000"}},
		http.StatusCreated, &app)
	if app.CaseNo != w.caseNo || app.CaseID != w.caseID || app.Status != "pending_review" {
		t.Errorf("applied with %q: case %q (%s), %s; want %q, pending_review", typed, app.CaseNo, app.CaseID, app.Status, w.caseNo)
	}

	no := "京检刑诉(2026)" + itoa(int(caseSeq.Add(1))) + "号"
	var c struct{ CaseNo string }
	body := map[string]any{"caseNo": no, "title": "王某诈骗案", "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"王某"}}
	ts.must(w.clerkA, "POST", "/api/v1/cases", body, http.StatusCreated, &c)
	if want := strings.NewReplacer("(", "〔", ")", "〕").Replace(no); c.CaseNo != want {
		t.Errorf("registered %q as %q, want %q", no, c.CaseNo, want)
	}
	body["caseNo"] = strings.NewReplacer("(", "【", ")", "】").Replace(no)
	if a := ts.call(w.clerkA, "POST", "/api/v1/cases", body); a.status != http.StatusConflict {
		t.Errorf("the same number in 【】 registered again: %d %s", a.status, a.body)
	}

	var page struct {
		Events []struct{ Action, CaseID string }
	}
	ts.must(w.auditor, "GET", "/api/v1/audit/events?action=case.create&case="+url.QueryEscape(typed), nil, http.StatusOK, &page)
	if len(page.Events) != 1 || page.Events[0].CaseID != w.caseID {
		t.Errorf("audit events of case %q: %+v, want the one case.create of %s", typed, page.Events, w.caseID)
	}
}
