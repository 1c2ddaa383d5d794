package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// testHeldDossier: an application approved while a material of its case
// is registered but not uploaded waits for it (docs/recovery.md); the
// clerk's page shows, with the case's table of contents, that a dossier
// waits, for which material and why.
func testHeldDossier(t *testing.T, e *browserEnv) {
	s, base := e.s, e.base
	const (
		unit   = "县检察院"
		caseNo = "京检刑诉〔2026〕66号"
		lic    = "11101201910066666"
	)
	clerkTok := token(t, s, auth.Identity{Subject: "clerk03", Name: "孙书记员", Role: auth.Clerk, Unit: unit})
	lawyerTok := token(t, s, auth.Identity{Subject: lic, Name: "周律师", Role: auth.Lawyer})
	call := apiCaller(t, base)
	var c struct{ ID string }
	call(clerkTok, "POST", "/api/v1/cases", map[string]any{"caseNo": caseNo, "title": "周某职务侵占案", "stage": "prosecution_review",
		"onlineReview": true, "handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"周某"}}, http.StatusCreated, &c)
	// One scan accepted, one registered whose upload never comes.
	var m struct{ ID, UploadURL string }
	data := testpdf.Text("HELD-ONE")
	call(clerkTok, "POST", "/api/v1/cases/"+c.ID+"/materials", map[string]any{"volume": 1, "volumeTitle": "诉讼文书卷", "seq": 1,
		"title": "起诉意见书", "filename": "01.pdf", "size": len(data)}, http.StatusCreated, &m)
	call("", "PUT", strings.TrimPrefix(m.UploadURL, base), data, http.StatusOK, nil)
	call(clerkTok, "POST", "/api/v1/cases/"+c.ID+"/materials", map[string]any{"volume": 1, "volumeTitle": "诉讼文书卷", "seq": 2,
		"title": "讯问笔录", "filename": "02-讯问笔录.pdf", "size": 1000}, http.StatusCreated, nil)
	// The lawyer applies; the clerk approves.
	var atts []string
	for _, kind := range []string{"practice_certificate", "firm_letter", "power_of_attorney"} {
		var a struct{ ID, UploadURL string }
		doc := testpdf.Text(kind)
		call(lawyerTok, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(doc)}, http.StatusCreated, &a)
		call("", "PUT", strings.TrimPrefix(a.UploadURL, base), doc, http.StatusOK, nil)
		atts = append(atts, a.ID)
	}
	s.Queue.Wait()
	var app struct {
		ID, Status string
		Hold       *struct{ Reason string }
	}
	call(lawyerTok, "POST", "/api/v1/applications", map[string]any{"caseNo": caseNo, "client": "周某", "attachments": atts,
		"lawyer": map[string]string{"name": "周律师", "license": lic, "firm": "某律所", "phone": "13700000000"}}, http.StatusCreated, &app)
	call(clerkTok, "POST", "/api/v1/applications/"+app.ID+"/decision", map[string]string{"decision": "approve"}, http.StatusOK, nil)
	s.Queue.Wait()
	call(lawyerTok, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &app)
	if app.Status != "approved" || app.Hold == nil {
		t.Fatalf("application %s hold %v: want approved and waiting", app.Status, app.Hold)
	}

	clerk := newTab(t, e.browser, "clerk-held", base, e.artifacts)
	clerk.viewport(375, 800)
	clerk.signIn(clerkTok, "/clerk")
	clerk.wait("the held dossier shown with the case", `!document.querySelector('#held').hidden && /讯问笔录/.test(document.querySelector('#held').textContent)`, 15*time.Second)
	got := clerk.text("#held")
	for _, want := range []string{"1 份已许可的阅卷申请暂缓生成", "第 1 卷第 2 号《讯问笔录》（02-讯问笔录.pdf）：等待上传", "1 份尚未上传", "周律师"} {
		if !strings.Contains(got, want) {
			t.Errorf("the held notice on the clerk's page lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "起诉意见书") {
		t.Errorf("the held notice lists a material already accepted:\n%s", got)
	}
	clerk.noHorizontalScroll("/clerk with a held dossier")
	clerk.shot("clerk-held-dossier")
	clerk.checkClean()
}
