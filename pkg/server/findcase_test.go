package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/service"
)

// TestFindCase: a lawyer without the case number chooses the procuratorate
// and gives the suspect's whole name (spaces of either width ignored), and
// gets the case's number, name, unit and stage, nothing more; part of a
// name, another unit or a concluded case finds nothing; too many searches
// that find nothing are refused with 429 and say when to try again; every
// search is audited with what was asked.
func TestFindCase(t *testing.T) {
	ts := newTsrv(t)
	const unit = "查找区人民检察院"
	clerk := ts.token(auth.Clerk, "clerk-find", "查书记员", unit)
	lawyer := ts.token(auth.Lawyer, "11101202110077001", "寻律师", "")
	register := func(no, title string, defendants ...string) string {
		var c struct{ ID string }
		ts.must(clerk, "POST", "/api/v1/cases", map[string]any{
			"caseNo": no, "title": title, "stage": "prosecution_review", "onlineReview": true,
			"handler": map[string]string{"name": "查检察官", "phone": "010-55550000"}, "defendants": defendants,
		}, http.StatusCreated, &c)
		return c.ID
	}
	register("查检刑诉〔2026〕1号", "欧阳某某等三人诈骗案", "欧阳某某", "钱某", "孙某")
	register("查检刑诉〔2026〕2号", "欧阳某某危险驾驶案", "欧阳某某")
	closed := register("查检刑诉〔2026〕3号", "欧阳某某盗窃案", "欧阳某某")
	ts.must(clerk, "POST", "/api/v1/cases/"+closed+"/conclude", map[string]any{}, http.StatusOK, nil)

	var units struct{ Units []string }
	ts.must(lawyer, "GET", "/api/v1/units", nil, http.StatusOK, &units)
	if !strings.Contains(strings.Join(units.Units, "|"), unit) {
		t.Errorf("the units to choose from %v do not list %s", units.Units, unit)
	}

	find := func(tok, unit, defendant, title string, want int) []map[string]any {
		t.Helper()
		q := url.Values{"unit": {unit}, "defendant": {defendant}, "title": {title}}
		a := ts.call(tok, "GET", "/api/v1/cases/find?"+q.Encode(), nil)
		if a.status != want {
			t.Fatalf("find %s/%s/%s: %d, want %d: %s", unit, defendant, title, a.status, want, a.body)
		}
		var got struct{ Cases []map[string]any }
		if want == http.StatusOK {
			if err := json.Unmarshal(a.body, &got); err != nil {
				t.Fatal(err)
			}
			if got.Cases == nil {
				t.Fatalf("find answered %s: want a cases list, empty when nothing is found", a.body)
			}
		}
		return got.Cases
	}
	nos := func(hits []map[string]any) string {
		var out []string
		for _, h := range hits {
			out = append(out, h["caseNo"].(string))
		}
		return strings.Join(out, " ")
	}

	hits := find(lawyer, unit, "欧阳　某某", "", http.StatusOK)
	if got := nos(hits); got != "查检刑诉〔2026〕2号 查检刑诉〔2026〕1号" {
		t.Errorf("the open cases of 欧阳某某 found as %q", got)
	}
	for _, h := range hits {
		for k := range h {
			if k != "caseNo" && k != "title" && k != "unit" && k != "stage" {
				t.Errorf("a search shows the case's %q: only number, name, unit and stage", k)
			}
		}
	}
	if got := nos(find(lawyer, unit, "欧阳某某", "诈骗", http.StatusOK)); got != "查检刑诉〔2026〕1号" {
		t.Errorf("with 诈骗 in the case name found %q", got)
	}
	if got := nos(find(lawyer, unit, "钱某", "", http.StatusOK)); got != "查检刑诉〔2026〕1号" {
		t.Errorf("a co-defendant's name found %q", got)
	}
	if got := nos(find(lawyer, unit, "欧阳", "", http.StatusOK)); got != "" {
		t.Errorf("part of a name found %q: the whole name must match", got)
	}
	if got := nos(find(lawyer, "别的人民检察院", "欧阳某某", "", http.StatusOK)); got != "" {
		t.Errorf("another unit found %q", got)
	}
	// A clerk taking an application on the hotline may search too; an
	// auditor has no use for it.
	if got := nos(find(clerk, unit, "孙某", "", http.StatusOK)); got != "查检刑诉〔2026〕1号" {
		t.Errorf("the clerk's search found %q", got)
	}
	find(ts.token(auth.Auditor, "audit-find", "审计", ""), unit, "孙某", "", http.StatusForbidden)

	// What is missing is said per field, all at once.
	a := ts.call(lawyer, "GET", "/api/v1/cases/find", nil)
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(string(a.body), `"unit"`) || !strings.Contains(string(a.body), `"defendant"`) {
		t.Errorf("an empty search: %d %s; want 422 naming unit and defendant", a.status, a.body)
	}

	// Two misses were counted above (part of a name, another unit); the
	// rest of the allowance, then a refusal that says when to try again.
	guesser := ts.token(auth.Lawyer, "11101202110077002", "猜律师", "")
	for i := 0; i < service.FindMissesBurst; i++ {
		find(guesser, unit, "无此人"+itoa(i), "", http.StatusOK)
	}
	a = ts.call(guesser, "GET", "/api/v1/cases/find?"+url.Values{"unit": {unit}, "defendant": {"欧阳某某"}}.Encode(), nil)
	if a.status != http.StatusTooManyRequests || !strings.Contains(string(a.body), "find_limited") || !strings.Contains(string(a.body), "分钟后再试") {
		t.Errorf("search after %d misses: %d %s; want 429 find_limited saying when to try again", service.FindMissesBurst, a.status, a.body)
	}
	// Another lawyer is not held back by the guesser.
	if got := nos(find(lawyer, unit, "孙某", "", http.StatusOK)); got != "查检刑诉〔2026〕1号" {
		t.Errorf("another lawyer's search after the guesser's refusal found %q", got)
	}
	if n := ts.count("case.find", "", "", ""); n < service.FindMissesBurst+8 {
		t.Errorf("%d case.find records; want one per search", n)
	}
}
