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
	base := e.base
	// One scan accepted, one registered whose upload never comes; the
	// lawyer applies; the clerk approves.
	d := readyDossier(t, e, dossierSpec{
		Clerk: auth.Identity{Subject: "clerk03", Name: "孙书记员", Unit: "县检察院"},
		Case:  caseSpec{No: "京检刑诉〔2026〕66号", Title: "周某职务侵占案", Defendants: []string{"周某"}},
		Scans: []scanSpec{
			{Volume: 1, VolumeTitle: "诉讼文书卷", Seq: 1, Title: "起诉意见书", Filename: "01.pdf", Data: testpdf.Text("HELD-ONE")},
			{Volume: 1, VolumeTitle: "诉讼文书卷", Seq: 2, Title: "讯问笔录", Filename: "02-讯问笔录.pdf", Size: 1000},
		},
		Lawyer: lawyerSpec{Name: "周律师", License: "11101201910066666", Firm: "某律所", Phone: "13700000000"},
	})
	clerkTok := d.clerkTok
	var app struct {
		ID, Status string
		Hold       *struct{ Reason string }
	}
	d.call(d.LawyerTok, "GET", "/api/v1/applications/"+d.AppID, nil, http.StatusOK, &app)
	if app.Status != "approved" || app.Hold == nil {
		t.Fatalf("application %s hold %v: want approved and waiting", app.Status, app.Hold)
	}

	clerk := newTab(t, e.browser, "clerk-held", base, e.artifacts)
	clerk.Viewport(375, 800)
	clerk.signIn(clerkTok, "/clerk")
	clerk.Wait("the held dossier shown with the case", `!document.querySelector('#held').hidden && /讯问笔录/.test(document.querySelector('#held').textContent)`, 15*time.Second)
	got := clerk.Text("#held")
	for _, want := range []string{"1 份已许可的阅卷申请暂缓生成", "第 1 卷第 2 号《讯问笔录》（02-讯问笔录.pdf）：等待上传", "1 份尚未上传", "周律师"} {
		if !strings.Contains(got, want) {
			t.Errorf("the held notice on the clerk's page lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "起诉意见书") {
		t.Errorf("the held notice lists a material already accepted:\n%s", got)
	}
	clerk.NoHorizontalScroll("/clerk with a held dossier")
	clerk.Shot("clerk-held-dossier")
	clerk.CheckClean()
}
