package lawyerhttp

import (
	"net/http"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// Role and ownership checks on every new route: the wrong role gets 403
// (an auditor never writes), another unit's clerk and another lawyer get
// 404 as if the thing did not exist, and the refusal is audited.
func TestLawyerServiceAccess(t *testing.T) {
	e := newEnv(t)
	const unit, otherUnit = "市检察院（权限）", "区检察院（权限）"
	clerk := e.token(auth.Clerk, "clerk-a1", "蒋书记员", unit)
	other := e.token(auth.Clerk, "clerk-a9", "沈书记员", otherUnit)
	auditor := e.token(auth.Auditor, "audit-a1", "韩审计", "")
	const licI, licJ = "11101201910050001", "11101201910050002"
	li := e.token(auth.Lawyer, licI, "杨律师", "")
	lj := e.token(auth.Lawyer, licJ, "朱律师", "")

	c := e.newCase(clerk, "京检刑诉〔2026〕501号", true, "庚某")
	e.newCase(other, "区检刑诉〔2026〕9号", true, "辛某") // the other unit exists
	e.call(clerk, "POST", "/api/v1/cases/"+c.ID+"/lawyers", map[string]string{"license": licI, "name": "杨律师", "phone": "135"}, http.StatusCreated, nil)
	var cp, op struct{ ID string }
	e.call(li, "POST", "/api/v1/complaints", map[string]any{"caseNo": c.CaseNo, "kind": "other", "description": "x", "phone": "135"}, http.StatusCreated, &cp)
	e.call(li, "POST", "/api/v1/cases/"+c.ID+"/opinions", map[string]any{"text": "意见"}, http.StatusCreated, &op)
	e.call(clerk, "POST", "/api/v1/cases/"+c.ID+"/decisions", map[string]string{"kind": "prosecution_filed"}, http.StatusCreated, nil)

	caseP := "/api/v1/cases/" + c.ID
	decision := map[string]string{"kind": "other", "text": "x"}
	binding := map[string]string{"license": licJ, "name": "朱律师", "phone": "1"}
	type req struct {
		method, path string
		body         any
	}
	writes := []req{
		{"POST", caseP + "/decisions", decision},
		{"POST", caseP + "/lawyers", binding},
		{"DELETE", caseP + "/lawyers/" + licI, nil},
		{"POST", caseP + "/opinions", map[string]string{"text": "x"}},
		{"POST", caseP + "/conclude", nil},
		{"POST", "/api/v1/opinions/" + op.ID + "/reply", map[string]any{"adopted": true, "reason": "x"}},
		{"POST", "/api/v1/complaints", map[string]any{"unit": unit, "kind": "other", "description": "x", "phone": "1"}},
		{"POST", "/api/v1/complaints/" + cp.ID + "/answer", map[string]string{"answer": "x"}},
	}
	for _, r := range writes {
		if st, body := e.do(auditor, r.method, r.path, r.body); st != http.StatusForbidden {
			t.Errorf("auditor %s %s: %d %s, want 403", r.method, r.path, st, body)
		}
	}
	clerkOnly := []req{
		{"POST", caseP + "/decisions", decision}, {"GET", caseP + "/decisions", nil},
		{"POST", caseP + "/lawyers", binding}, {"GET", caseP + "/lawyers", nil}, {"DELETE", caseP + "/lawyers/" + licI, nil},
		{"GET", caseP + "/opinions", nil}, {"POST", caseP + "/conclude", nil},
		{"POST", "/api/v1/opinions/" + op.ID + "/reply", map[string]any{"adopted": true, "reason": "x"}},
		{"POST", "/api/v1/complaints/" + cp.ID + "/answer", map[string]string{"answer": "x"}},
	}
	for _, r := range clerkOnly {
		if st, body := e.do(li, r.method, r.path, r.body); st != http.StatusForbidden {
			t.Errorf("lawyer %s %s: %d %s, want 403", r.method, r.path, st, body)
		}
	}
	lawyerOnly := []req{
		{"POST", caseP + "/opinions", map[string]string{"text": "x"}},
		{"POST", "/api/v1/complaints", map[string]any{"unit": unit, "kind": "other", "description": "x", "phone": "1"}},
	}
	for _, r := range lawyerOnly {
		if st, body := e.do(clerk, r.method, r.path, r.body); st != http.StatusForbidden {
			t.Errorf("clerk %s %s: %d %s, want 403", r.method, r.path, st, body)
		}
	}
	if st, _ := e.do(auditor, "GET", "/api/v1/notices", nil); st != http.StatusForbidden {
		t.Errorf("auditor GET /notices: %d, want 403", st)
	}
	if st, _ := e.do("", "GET", "/api/v1/notices", nil); st != http.StatusUnauthorized {
		t.Errorf("GET /notices without a token: %d, want 401", st)
	}

	// Another unit's clerk: 404 on everything of this unit.
	otherUnitReqs := append([]req{}, clerkOnly...)
	otherUnitReqs = append(otherUnitReqs, req{"GET", "/api/v1/complaints/" + cp.ID, nil}, req{"GET", "/api/v1/opinions/" + op.ID, nil})
	for _, r := range otherUnitReqs {
		if st, body := e.do(other, r.method, r.path, r.body); st != http.StatusNotFound {
			t.Errorf("other unit's clerk %s %s: %d %s, want 404", r.method, r.path, st, body)
		}
	}
	// Another lawyer: 404 on I's complaint and opinion, and on the case.
	for _, r := range []req{
		{"GET", "/api/v1/complaints/" + cp.ID, nil},
		{"GET", "/api/v1/opinions/" + op.ID, nil},
		{"POST", caseP + "/opinions", map[string]string{"text": "x"}},
		{"POST", "/api/v1/cases/" + c.CaseNo + "/opinions", map[string]string{"text": "x"}},
	} {
		if st, body := e.do(lj, r.method, r.path, r.body); st != http.StatusNotFound {
			t.Errorf("lawyer J %s %s: %d %s, want 404", r.method, r.path, st, body)
		}
	}
	// Lists show only one's own.
	for _, tc := range []struct {
		tok, path, must string
	}{
		{lj, "/api/v1/complaints", cp.ID}, {lj, "/api/v1/opinions", op.ID}, {lj, "/api/v1/notices", c.ID},
		{other, "/api/v1/complaints", cp.ID}, {other, "/api/v1/opinions", op.ID}, {other, "/api/v1/notices", c.ID},
	} {
		st, body := e.do(tc.tok, "GET", tc.path, nil)
		if st != http.StatusOK || strings.Contains(string(body), tc.must) {
			t.Errorf("GET %s shows another's %s: %d %s", tc.path, tc.must, st, body)
		}
	}
	// The auditor may read them.
	for _, p := range []string{"/api/v1/complaints/" + cp.ID, "/api/v1/opinions/" + op.ID, caseP + "/decisions", caseP + "/opinions"} {
		if st, body := e.do(auditor, "GET", p, nil); st != http.StatusOK {
			t.Errorf("auditor GET %s: %d %s", p, st, body)
		}
	}
	// Nothing was changed by the refused calls.
	var lawyers struct {
		Lawyers []struct{ License string } `json:"lawyers"`
	}
	e.call(clerk, "GET", caseP+"/lawyers", nil, http.StatusOK, &lawyers)
	if len(lawyers.Lawyers) != 1 || lawyers.Lawyers[0].License != licI {
		t.Errorf("bindings changed: %+v", lawyers.Lawyers)
	}
	// The refusals are audited.
	for actor, min := range map[string]int{"clerk-a9": len(otherUnitReqs), licJ: 4, "audit-a1": len(writes) + 1} {
		p, err := e.s.API.Audit.Query(t.Context(), audit.Filter{Actor: actor, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range p.Events {
			if ev.Result == audit.Denied {
				n++
			}
		}
		if n < min {
			t.Errorf("%s: %d denials audited, want at least %d", actor, n, min)
		}
	}
}
