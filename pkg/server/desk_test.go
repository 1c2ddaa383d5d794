package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/auth"
)

// deskLicense is the lawyer of the desk's applications: not licenseB, whose
// list TestLawyerOnlyFields reads as "another lawyer's" on the shared server
// and so must never hold a link of its own.
const deskLicense = "11101201910066666"

// deskApp is an application of the desk's lawyer pending review on a new case
// of unit A that has no scan yet: the case's id and the application's.
func (ts *tsrv) deskApp(clerk string) (caseID, appID string) {
	ts.t.Helper()
	return ts.applyAs(clerk, deskLicense)
}

// applyAs is an application of the lawyer with practice certificate license
// (李律师) pending review on a new case of unit A, registered by clerk, that
// has no scan yet: the case's id and the application's.
func (ts *tsrv) applyAs(clerk, license string) (caseID, appID string) {
	ts.t.Helper()
	lawyer := ts.token(auth.Lawyer, license, "李律师", "")
	caseID, caseNo := ts.newDeskCase(clerk)
	return caseID, ts.applyFor(lawyer, "李律师", license, caseNo, "钱某某", ts.attachments(lawyer))
}

type queueEntry struct {
	ID, Status    string
	AwaitingScans bool
	History       []struct{ From, To, By, Reason string }
}

func (ts *tsrv) listApps(tok, query string) map[string]queueEntry {
	ts.t.Helper()
	var got struct{ Applications []queueEntry }
	ts.must(tok, "GET", "/api/v1/applications"+query, nil, http.StatusOK, &got)
	out := map[string]queueEntry{}
	for _, a := range got.Applications {
		out[a.ID] = a
	}
	return out
}

// An application for a case without an accepted scan cannot be approved
// (refused, which needs no scan, it can be; TestHandledList):
// 409 awaiting_scans saying why, the application still pending and marked
// in the clerk's queue; once a scan is accepted the approval goes through.
func TestApproveAwaitingScans(t *testing.T) {
	ts := newTsrv(t)
	clerk := ts.token(auth.Clerk, "clerk01", "王书记员", unitA)
	caseID, appID := ts.deskApp(clerk)

	if q := ts.listApps(clerk, "?status=open")[appID]; !q.AwaitingScans {
		t.Fatalf("the queue does not say the case waits for scans: %+v", q)
	}
	var e struct {
		Error struct{ Code, Message string }
	}
	ts.must(clerk, "POST", "/api/v1/applications/"+appID+"/decision", map[string]string{"decision": "approve"}, http.StatusConflict, &e)
	if e.Error.Code != "awaiting_scans" || !strings.Contains(e.Error.Message, "尚无已通过检查的卷宗材料") {
		t.Fatalf("refusal %+v, want awaiting_scans naming the missing scans", e.Error)
	}
	if q := ts.listApps(clerk, "?status=open")[appID]; q.Status != "pending_review" {
		t.Fatalf("after the refused approval the application is %q, want still pending_review", q.Status)
	}
	if m := ts.scan(clerk, caseID, 1, 1, "起诉意见书", "DESK"); m.Status != "accepted" {
		t.Fatalf("the scan is %s, want accepted", m.Status)
	}
	if q := ts.listApps(clerk, "?status=open")[appID]; q.AwaitingScans {
		t.Fatalf("a scan is accepted but the queue still says the case waits: %+v", q)
	}
	ts.must(clerk, "POST", "/api/v1/applications/"+appID+"/decision", map[string]string{"decision": "approve"}, http.StatusOK, nil)
}

// The handled list holds the unit's decided applications with their
// history, narrowed by state and decision date; a bad filter is a 400.
func TestHandledList(t *testing.T) {
	ts := newTsrv(t)
	clerk := ts.token(auth.Clerk, "clerk01", "王书记员", unitA)
	_, appID := ts.deskApp(clerk)
	if _, ok := ts.listApps(clerk, "?status=handled")[appID]; ok {
		t.Fatal("an undecided application is in the handled list")
	}
	ts.must(clerk, "POST", "/api/v1/applications/"+appID+"/decision", map[string]string{"decision": "reject", "reason": "委托手续不全"}, http.StatusOK, nil)

	got, ok := ts.listApps(clerk, "?status=handled&state=refused")[appID]
	if !ok || got.Status != "refused" {
		t.Fatalf("the refused application is not in the handled list: %+v", got)
	}
	last := got.History[len(got.History)-1]
	if len(got.History) < 3 || last.To != "refused" || last.Reason != "委托手续不全" || last.By == "" {
		t.Fatalf("history %+v, want submitted … refused by the clerk with the reason", got.History)
	}
	if _, ok := ts.listApps(clerk, "?status=handled&state=approved")[appID]; ok {
		t.Fatal("state=approved lists a refused application")
	}
	if _, ok := ts.listApps(clerk, "?status=handled&from=2099-01-01")[appID]; ok {
		t.Fatal("from=2099-01-01 lists an application decided today")
	}
	if _, ok := ts.listApps(ts.token(auth.Clerk, "clerk09", "赵书记员", unitB), "?status=handled")[appID]; ok {
		t.Fatal("another unit's clerk sees the application")
	}
	for _, q := range []string{"state=open", "from=2026-13-01", "from=2026-12-02&to=2026-12-01"} {
		var e struct{ Error struct{ Code string } }
		ts.must(clerk, "GET", "/api/v1/applications?status=handled&"+q, nil, http.StatusBadRequest, &e)
		if e.Error.Code != "bad_query" {
			t.Fatalf("%s: code %q, want bad_query", q, e.Error.Code)
		}
	}
}
