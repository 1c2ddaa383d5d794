package lawyerhttp

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

type opinionJSON struct {
	ID     string `json:"id"`
	CaseID string `json:"caseId"`
	Status string `json:"status"`
	Reply  *struct {
		Adopted bool   `json:"adopted"`
		Reason  string `json:"reason"`
		Contact *struct {
			Name string `json:"name"`
		} `json:"contact"`
	} `json:"reply"`
}

// A case cannot be concluded while an opinion on it is unanswered; the 409
// names the opinion; once answered, the case concludes, and then takes no
// more opinions. Only a bound lawyer may submit one.
func TestConcludeWaitsForUnansweredOpinions(t *testing.T) {
	e := newEnv(t)
	const unit = "市检察院（意见）"
	clerk := e.token(auth.Clerk, "clerk-o1", "冯书记员", unit)
	const licG, licH = "11101201910040001", "11101201910040002"
	lg := e.token(auth.Lawyer, licG, "陈律师", "")
	lh := e.token(auth.Lawyer, licH, "褚律师", "")
	c := e.newCase(clerk, "京检刑诉〔2026〕401号", true, "己某")
	e.call(clerk, "POST", "/api/v1/cases/"+c.ID+"/lawyers", map[string]string{
		"license": licG, "name": "陈律师", "firm": "某所", "phone": "13600000000", "client": "己某"}, http.StatusCreated, nil)

	var o1, o2 opinionJSON
	e.call(lg, "POST", "/api/v1/cases/"+c.CaseNo+"/opinions", map[string]any{"text": "己某系从犯，建议从轻。"}, http.StatusCreated, &o1)
	e.call(lg, "POST", "/api/v1/cases/"+c.ID+"/opinions", map[string]any{"text": "补充意见：有自首情节。"}, http.StatusCreated, &o2)
	if o1.Status != "unanswered" || o1.CaseID != c.ID {
		t.Fatalf("opinion %+v", o1)
	}
	// H is not bound to the case: as if it did not exist.
	e.call(lh, "POST", "/api/v1/cases/"+c.ID+"/opinions", map[string]any{"text": "x"}, http.StatusNotFound, nil)
	e.call(lg, "POST", "/api/v1/cases/"+c.ID+"/opinions", map[string]any{"text": " "}, http.StatusUnprocessableEntity, nil)

	// Conclude refused, naming both.
	var refused errJSON
	e.call(clerk, "POST", "/api/v1/cases/"+c.ID+"/conclude", nil, http.StatusConflict, &refused)
	if refused.Error.Code != "opinions_unanswered" || len(refused.Error.Problems) != 2 ||
		!strings.Contains(refused.Error.Problems[0].Field+refused.Error.Problems[1].Field, o1.ID) ||
		!strings.Contains(refused.Error.Message+refused.Error.Problems[0].Message, "陈律师") {
		t.Fatalf("refusal %+v", refused.Error)
	}
	// A reply needs adopted and a reason.
	e.call(clerk, "POST", "/api/v1/opinions/"+o1.ID+"/reply", map[string]any{"reason": "x"}, http.StatusUnprocessableEntity, nil)
	e.call(clerk, "POST", "/api/v1/opinions/"+o1.ID+"/reply", map[string]any{"adopted": true, "reason": " "}, http.StatusUnprocessableEntity, nil)
	e.call(clerk, "POST", "/api/v1/opinions/"+o1.ID+"/reply", map[string]any{"adopted": true, "reason": "从犯情节属实，已在量刑建议中采纳。"}, http.StatusOK, nil)
	e.call(clerk, "POST", "/api/v1/opinions/"+o1.ID+"/reply", map[string]any{"adopted": false, "reason": "again"}, http.StatusConflict, nil)
	// Still one unanswered.
	e.call(clerk, "POST", "/api/v1/cases/"+c.ID+"/conclude", nil, http.StatusConflict, &refused)
	if len(refused.Error.Problems) != 1 || !strings.Contains(refused.Error.Problems[0].Field, o2.ID) {
		t.Fatalf("second refusal %+v", refused.Error)
	}
	e.call(clerk, "POST", "/api/v1/opinions/"+o2.ID+"/reply", map[string]any{"adopted": false, "reason": "无证据证明自首。"}, http.StatusOK, nil)

	// The lawyer sees the answers.
	var mine struct {
		Opinions []opinionJSON `json:"opinions"`
	}
	e.call(lg, "GET", "/api/v1/opinions", nil, http.StatusOK, &mine)
	if len(mine.Opinions) != 2 || mine.Opinions[0].ID != o2.ID || mine.Opinions[0].Reply == nil || mine.Opinions[0].Reply.Adopted ||
		mine.Opinions[1].Reply == nil || !mine.Opinions[1].Reply.Adopted || mine.Opinions[1].Reply.Contact == nil || mine.Opinions[1].Reply.Contact.Name != "刘检察官" {
		t.Fatalf("the lawyer's opinions %+v", mine.Opinions)
	}
	var one opinionJSON
	e.call(lg, "GET", "/api/v1/opinions/"+o2.ID, nil, http.StatusOK, &one)
	if one.Status != "answered" || one.Reply.Reason != "无证据证明自首。" {
		t.Errorf("opinion %+v", one)
	}

	// Now it concludes (twice is harmless), and takes no more opinions.
	var concluded struct {
		Concluded bool   `json:"concluded"`
		Stage     string `json:"stage"`
	}
	e.call(clerk, "POST", "/api/v1/cases/"+c.ID+"/conclude", nil, http.StatusOK, &concluded)
	if !concluded.Concluded || concluded.Stage != "closed" {
		t.Fatalf("concluded %+v", concluded)
	}
	e.call(clerk, "POST", "/api/v1/cases/"+c.ID+"/conclude", nil, http.StatusOK, nil)
	var late errJSON
	e.call(lg, "POST", "/api/v1/cases/"+c.ID+"/opinions", map[string]any{"text": "迟到的意见"}, http.StatusConflict, &late)
	if late.Error.Code != "case_concluded" {
		t.Errorf("late opinion: %+v", late.Error)
	}
	var all struct {
		Opinions []opinionJSON `json:"opinions"`
	}
	e.call(clerk, "GET", "/api/v1/cases/"+c.ID+"/opinions", nil, http.StatusOK, &all)
	if len(all.Opinions) != 3 || all.Opinions[2].Status != "withdrawn" {
		t.Errorf("case opinions %+v", all.Opinions)
	}

	// Every step is in the audit log.
	p, err := e.s.API.Audit.Query(t.Context(), audit.Filter{CaseID: c.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	for _, ev := range p.Events {
		switch ev.Action {
		case "opinion.submit", "opinion.reply", "case.conclude":
			trail = append(trail, string(ev.Action)+"/"+string(ev.Result))
		}
	}
	want := "[opinion.submit/ok opinion.submit/ok case.conclude/denied opinion.reply/ok case.conclude/denied opinion.reply/ok case.conclude/ok case.conclude/ok opinion.submit/denied]"
	if fmt.Sprint(trail) != want {
		t.Errorf("audit trail\n got %v\nwant %s", trail, want)
	}
}
