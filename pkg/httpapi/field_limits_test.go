package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/limits"
)

// caseBody is a valid case registration with a new case number; fields
// replaces some of its fields.
func (e *env) caseBody(fields map[string]any) map[string]any {
	b := map[string]any{
		"caseNo": fmt.Sprintf("京检刑诉〔2026〕L%d号", e.seq.Add(1)), "title": "李某某诈骗案", "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"李某某"},
	}
	for k, v := range fields {
		b[k] = v
	}
	return b
}

// problemOn checks that the answer names field among its problems, with a
// message that says limit, and returns that message.
func problemOn(t *testing.T, out problemsOut, field, limit string) string {
	t.Helper()
	for _, p := range out.Error.Problems {
		if p.Field == field {
			if !strings.Contains(p.Message, limit) {
				t.Errorf("problem on %s: %q does not say %q", field, p.Message, limit)
			}
			return p.Message
		}
	}
	t.Errorf("no problem on %s in %+v", field, out.Error.Problems)
	return ""
}

func rep(s string, n int) string { return strings.Repeat(s, n) }

// A 340,000-character case title (1 MB of UTF-8, under the 1 MiB body
// cap) is refused with 422 naming title and its 200-character limit, in
// Chinese and English; it used to be registered, and its dossier's cover
// never finished laying out.
func TestCaseTitleTooLong(t *testing.T) {
	e := newEnv(t)
	var out problemsOut
	e.call(e.clerk, "POST", "/api/v1/cases", e.caseBody(map[string]any{"title": rep("盗", 340_000)}), http.StatusUnprocessableEntity, &out)
	if out.Error.Code != "invalid" || len(out.Error.Problems) != 1 {
		t.Fatalf("%+v, want one problem", out.Error)
	}
	msg := problemOn(t, out, "title", "最多 200 字，现为 340000 字")
	if !strings.Contains(msg, "title is longer than 200 characters") {
		t.Errorf("no English in %q", msg)
	}
	// At the limit it is registered (characters, not bytes: 600 bytes).
	e.call(e.clerk, "POST", "/api/v1/cases", e.caseBody(map[string]any{"title": rep("盗", 200)}), http.StatusCreated, nil)
}

// 50,000 defendants are refused with 422 naming defendants and the count,
// as a whole (not one problem per name); they used to be registered.
func TestDefendantsTooMany(t *testing.T) {
	e := newEnv(t)
	defs := make([]string, 50_000)
	for i := range defs {
		defs[i] = fmt.Sprintf("被告人%d", i)
	}
	var out problemsOut
	e.call(e.clerk, "POST", "/api/v1/cases", e.caseBody(map[string]any{"defendants": defs}), http.StatusUnprocessableEntity, &out)
	if len(out.Error.Problems) != 1 {
		t.Fatalf("%d problems, want 1: %.300v", len(out.Error.Problems), out.Error.Problems)
	}
	problemOn(t, out, "defendants", "最多 300 名，现为 50000 名")
	e.call(e.clerk, "POST", "/api/v1/cases", e.caseBody(map[string]any{"defendants": defs[:limits.Defendants.Max]}), http.StatusCreated, nil)
}

// Every field of POST /cases and of a material: one over its limit is
// refused naming it; all of them at their limits are accepted.
func TestCaseAndMaterialFieldLimits(t *testing.T) {
	e := newEnv(t)
	over := map[string]any{
		"caseNo": rep("号", 65), "title": rep("a", 201),
		"handler":    map[string]string{"name": rep("刘", 51), "phone": rep("1", 41)},
		"defendants": []string{"李某某", rep("李", 101)},
		"exclusions": []string{"minor", "minor", "minor", "minor", "minor", "minor"},
	}
	var out problemsOut
	e.call(e.clerk, "POST", "/api/v1/cases", e.caseBody(over), http.StatusUnprocessableEntity, &out)
	for field, lim := range map[string]string{"caseNo": "最多 64 字", "title": "最多 200 字", "handler.name": "最多 50 字",
		"handler.phone": "最多 40 字", "defendants[1]": "最多 100 字", "exclusions": "最多 5 项"} {
		problemOn(t, out, field, lim)
	}
	// Control characters in one-line fields.
	out = problemsOut{}
	e.call(e.clerk, "POST", "/api/v1/cases", e.caseBody(map[string]any{"title": "李某某\n诈骗案", "defendants": []string{"李某\u202e某"}}), http.StatusUnprocessableEntity, &out)
	problemOn(t, out, "title", "U+000A")
	problemOn(t, out, "defendants[0]", "U+202E")

	defs := make([]string, limits.Defendants.Max)
	for i := range defs {
		defs[i] = fmt.Sprintf("%03d%s", i, rep("李", 97))
	}
	at := map[string]any{
		"caseNo": fmt.Sprintf("%s%07d", rep("号", 57), e.seq.Add(1)), "title": rep("盗", 200),
		"handler":    map[string]string{"name": rep("刘", 50), "phone": rep("1", 40)},
		"defendants": defs,
		"exclusions": []string{"state_secrets", "minor", "co_offenders_at_large", "witness_protection", "other"},
	}
	var c struct {
		ID         string
		Title      string
		Defendants []string
	}
	e.call(e.clerk, "POST", "/api/v1/cases", e.caseBody(at), http.StatusCreated, &c)
	if len([]rune(c.Title)) != 200 || len(c.Defendants) != limits.Defendants.Max {
		t.Errorf("stored title %d characters, %d defendants", len([]rune(c.Title)), len(c.Defendants))
	}

	path := "/api/v1/cases/" + c.ID + "/materials"
	out = problemsOut{}
	e.call(e.clerk, "POST", path, map[string]any{"volume": 1000, "seq": 10000, "volumeTitle": rep("卷", 101),
		"title": rep("题", 201), "filename": rep("f", 252) + ".pdf", "size": 1000}, http.StatusUnprocessableEntity, &out)
	for field, lim := range map[string]string{"volume": "应为 1 至 999，现为 1000", "seq": "应为 1 至 9999，现为 10000",
		"volumeTitle": "最多 100 字", "title": "最多 200 字", "filename": "最多 255 字"} {
		problemOn(t, out, field, lim)
	}
	e.call(e.clerk, "POST", path, map[string]any{"volume": 999, "seq": 9999, "volumeTitle": rep("卷", 100),
		"title": rep("题", 200), "filename": rep("f", 251) + ".pdf", "size": 1000}, http.StatusCreated, nil)

	lawyer := e.token(auth.Identity{Subject: "11101201910090077", Name: "赵律师", Role: auth.Lawyer})
	out = problemsOut{}
	e.call(lawyer, "POST", "/api/v1/attachments", map[string]any{"kind": "practice_certificate", "filename": rep("证", 256), "size": 10},
		http.StatusUnprocessableEntity, &out)
	problemOn(t, out, "filename", "最多 255 字")
	e.call(lawyer, "POST", "/api/v1/attachments", map[string]any{"kind": "practice_certificate", "filename": rep("证", 255), "size": 10},
		http.StatusCreated, nil)
}

// An application's fields over their limits are all named at once; 10,000
// attachment ids are refused by their count without being looked up.
func TestApplicationFieldLimits(t *testing.T) {
	e := newEnv(t)
	license := fmt.Sprintf("1110120191009%04d", e.seq.Add(1))
	name := rep("赵", 51)
	lawyer := e.token(auth.Identity{Subject: license, Name: name, Role: auth.Lawyer})
	body := map[string]any{"caseNo": rep("号", 65), "client": rep("李", 101), "attachments": []string{rep("x", 65)},
		"lawyer": map[string]string{"name": name, "license": license, "firm": rep("所", 101), "phone": rep("1", 41)}}
	var out problemsOut
	e.call(lawyer, "POST", "/api/v1/applications", body, http.StatusUnprocessableEntity, &out)
	for field, lim := range map[string]string{"caseNo": "最多 64 字", "client": "最多 100 字", "lawyer.name": "最多 50 字",
		"lawyer.firm": "最多 100 字", "lawyer.phone": "最多 40 字", "attachments[0]": "最多 64 字"} {
		problemOn(t, out, field, lim)
	}
	ids := make([]string, 10_000)
	for i := range ids {
		ids[i] = fmt.Sprintf("%026d", i)
	}
	body = map[string]any{"caseNo": e.caseNo, "client": "李某某", "attachments": ids,
		"lawyer": map[string]string{"name": name[:3], "license": license, "firm": "某所", "phone": "13800000000"}}
	out = problemsOut{}
	start := time.Now()
	e.call(lawyer, "POST", "/api/v1/applications", body, http.StatusUnprocessableEntity, &out)
	problemOn(t, out, "attachments", "最多 20 个，现为 10000 个")
	if n := len(out.Error.Problems); n > 5 {
		t.Errorf("%d problems: the ids were looked at one by one", n)
	}
	t.Logf("10,000 attachment ids refused in %v", time.Since(start))

	// The clerk's decision: a reason over its limit is refused before
	// anything is written.
	r := e.ready(5, time.Hour)
	out = problemsOut{}
	e.call(e.clerk, "POST", "/api/v1/applications/"+r.app.ID+"/decision", map[string]string{"decision": "reject", "reason": rep("理", 2001)},
		http.StatusUnprocessableEntity, &out)
	problemOn(t, out, "reason", "最多 2000 字")
}

// Complaints, their answers, bindings, opinions, their replies and
// procedural decisions: over the limit refused naming the field, at the
// limit accepted.
func TestLawyerServiceFieldLimits(t *testing.T) {
	e := newEnv(t)
	license := fmt.Sprintf("1110120191008%04d", e.seq.Add(1))
	lawyer := e.token(auth.Identity{Subject: license, Name: "钱律师", Role: auth.Lawyer})
	var out problemsOut
	e.call(lawyer, "POST", "/api/v1/complaints", map[string]any{"unit": rep("院", 101), "kind": "other", "description": rep("述", 5001),
		"phone": rep("1", 41), "firm": rep("所", 101), "attachments": make([]string, 21)}, http.StatusUnprocessableEntity, &out)
	for field, lim := range map[string]string{"unit": "最多 100 字", "description": "最多 5000 字", "phone": "最多 40 字",
		"firm": "最多 100 字", "attachments": "最多 20 个"} {
		problemOn(t, out, field, lim)
	}
	out = problemsOut{}
	e.call(lawyer, "POST", "/api/v1/complaints", map[string]any{"caseNo": rep("号", 65), "kind": rep("k", 100_000), "description": "a\x00b",
		"phone": "138\n00000000"}, http.StatusUnprocessableEntity, &out)
	problemOn(t, out, "caseNo", "最多 64 字")
	problemOn(t, out, "description", "U+0000")
	problemOn(t, out, "phone", "U+000A")
	if m := problemOn(t, out, "kind", "kkk…"); len(m) > 500 {
		t.Errorf("the kind is echoed whole: %d bytes", len(m))
	}
	var cp struct{ ID string }
	e.call(lawyer, "POST", "/api/v1/complaints", map[string]any{"caseNo": e.caseNo, "kind": "other", "description": rep("述\n", 2500),
		"phone": rep("1", 40), "firm": rep("所", 100)}, http.StatusCreated, &cp)
	out = problemsOut{}
	e.call(e.clerk, "POST", "/api/v1/complaints/"+cp.ID+"/answer", map[string]string{"answer": rep("答", 10_001)}, http.StatusUnprocessableEntity, &out)
	problemOn(t, out, "answer", "最多 10000 字")
	e.call(e.clerk, "POST", "/api/v1/complaints/"+cp.ID+"/answer", map[string]string{"answer": rep("答", 10_000)}, http.StatusOK, nil)

	bind := "/api/v1/cases/" + e.caseID + "/lawyers"
	out = problemsOut{}
	e.call(e.clerk, "POST", bind, map[string]string{"license": license, "name": rep("钱", 51), "firm": rep("所", 101), "phone": rep("1", 41)},
		http.StatusUnprocessableEntity, &out)
	for field, lim := range map[string]string{"name": "最多 50 字", "firm": "最多 100 字", "phone": "最多 40 字"} {
		problemOn(t, out, field, lim)
	}
	e.call(e.clerk, "POST", bind, map[string]string{"license": license, "name": rep("钱", 50), "firm": rep("所", 100), "phone": rep("1", 40), "client": "李某某"},
		http.StatusCreated, nil)

	ops := "/api/v1/cases/" + e.caseID + "/opinions"
	out = problemsOut{}
	e.call(lawyer, "POST", ops, map[string]any{"text": rep("意", 20_001), "attachments": make([]string, 21)}, http.StatusUnprocessableEntity, &out)
	problemOn(t, out, "text", "最多 20000 字")
	problemOn(t, out, "attachments", "最多 20 个")
	var op struct{ ID string }
	e.call(lawyer, "POST", ops, map[string]any{"text": rep("意", 20_000)}, http.StatusCreated, &op)
	out = problemsOut{}
	e.call(e.clerk, "POST", "/api/v1/opinions/"+op.ID+"/reply", map[string]any{"adopted": false, "reason": rep("理", 10_001)}, http.StatusUnprocessableEntity, &out)
	problemOn(t, out, "reason", "最多 10000 字")
	e.call(e.clerk, "POST", "/api/v1/opinions/"+op.ID+"/reply", map[string]any{"adopted": false, "reason": rep("理", 10_000)}, http.StatusOK, nil)

	dec := "/api/v1/cases/" + e.caseID + "/decisions"
	out = problemsOut{}
	e.call(e.clerk, "POST", dec, map[string]string{"kind": "other", "text": rep("决", 2001)}, http.StatusUnprocessableEntity, &out)
	problemOn(t, out, "text", "最多 2000 字")
	e.call(e.clerk, "POST", dec, map[string]string{"kind": "other", "text": rep("决", 2000)}, http.StatusCreated, nil)
}
