package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/ocr"
)

// testDossierSearch (issue 18): a lawyer whose dossier is ready searches a
// witness's name on her page and reads the page's identifier, its document
// and the text around the name, the name marked; a name not in it says so.
// At 1280 and 375 px. The browser server runs without Tesseract's cost, so
// the recognised words are put where the ingest job puts them.
func testDossierSearch(t *testing.T, e *browserEnv) {
	s, base := e.s, e.base
	const (
		unit   = "石景山区检察院"
		caseNo = "京石检刑诉〔2026〕606号"
		lic    = "11101201910060606"
	)
	clerkTok := token(t, s, auth.Identity{Subject: "clerk-sj", Name: "石书记员", Role: auth.Clerk, Unit: unit})
	lawyerTok := token(t, s, auth.Identity{Subject: lic, Name: "秦律师", Role: auth.Lawyer})
	call := apiCaller(t, base)
	var c struct{ ID string }
	call(clerkTok, "POST", "/api/v1/cases", map[string]any{"caseNo": caseNo, "title": "秦某某盗窃案", "stage": "prosecution_review",
		"onlineReview": true, "handler": map[string]string{"name": "石检察官", "phone": "010-68880000"}, "defendants": []string{"秦某某"}}, http.StatusCreated, &c)
	var m struct{ ID, UploadURL string }
	data := testpdf.Text("SEARCH-ONE")
	call(clerkTok, "POST", "/api/v1/cases/"+c.ID+"/materials", map[string]any{"volume": 1, "volumeTitle": "证据卷", "seq": 1,
		"title": "被害人陈述", "filename": "01.pdf", "size": len(data)}, http.StatusCreated, &m)
	call("", "PUT", strings.TrimPrefix(m.UploadURL, base), data, http.StatusOK, nil)
	var atts []string
	for _, kind := range []string{"practice_certificate", "firm_letter", "power_of_attorney"} {
		var a struct{ ID, UploadURL string }
		doc := testpdf.Text(kind)
		call(lawyerTok, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(doc)}, http.StatusCreated, &a)
		call("", "PUT", strings.TrimPrefix(a.UploadURL, base), doc, http.StatusOK, nil)
		atts = append(atts, a.ID)
	}
	s.Queue.Wait()
	res := ocr.Result{DPI: 300, Pages: []ocr.Page{{N: 1, W: 2480, H: 3508, Words: []ocr.Word{
		{Text: "被害人", Box: [4]int{200, 400, 500, 460}, Line: 1},
		{Text: "李秀英", Box: [4]int{520, 400, 800, 460}, Line: 1},
		{Text: "陈述：", Box: [4]int{820, 400, 1100, 460}, Line: 1},
		{Text: "2026年3月14日晚，我的手提包在停车场被盗。", Box: [4]int{200, 500, 2200, 560}, Line: 2},
	}}}}
	words, err := res.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.API.Uploads.WriteAll(context.Background(), ocr.WordsKey(c.ID, m.ID), words, nil); err != nil {
		t.Fatal(err)
	}
	var app struct{ ID, Status string }
	call(lawyerTok, "POST", "/api/v1/applications", map[string]any{"caseNo": caseNo, "client": "秦某某", "attachments": atts,
		"lawyer": map[string]string{"name": "秦律师", "license": lic, "firm": "北京某某律师事务所", "phone": "13600000006"}}, http.StatusCreated, &app)
	call(clerkTok, "POST", "/api/v1/applications/"+app.ID+"/decision", map[string]string{"decision": "approve"}, http.StatusOK, nil)
	s.Queue.Wait()

	for _, w := range []int64{1280, 375} {
		lawyer := newTab(t, e.browser, fmt.Sprint("search-", w), base, e.artifacts)
		lawyer.viewport(w, 900)
		lawyer.signIn(lawyerTok, "/lawyer")
		lawyer.wait("the search card with the ready dossier", `!document.querySelector('#search-card').hidden && document.querySelector('#search-app').value === `+jsString(app.ID), 20*time.Second)
		lawyer.do("search for a name that is not there",
			chromedp.SendKeys(chromedp.CSS("#search-q"), "王五"),
			chromedp.Click(chromedp.CSS("#search-go")))
		lawyer.wait("nothing found", `/未找到/.test(document.querySelector('#search-status').textContent)`, 10*time.Second)
		eval[bool](lawyer, `(document.querySelector('#search-q').value = '') === ''`)
		lawyer.do("search for the witness", chromedp.SendKeys(chromedp.CSS("#search-q"), "李 秀英\r"))
		lawyer.wait("the page found", `document.querySelectorAll('#search-results li').length === 1`, 10*time.Second)
		if got := lawyer.text("#search-results li"); !strings.Contains(got, "卷1-0001") || !strings.Contains(got, "被害人陈述") || !strings.Contains(got, "李秀英陈述") {
			t.Errorf("the hit reads %q; want 卷1-0001, the document and the text around the name", got)
		}
		if got := lawyer.text("#search-results li mark"); got != "李秀英" {
			t.Errorf("the name marked in the hit is %q", got)
		}
		if got := lawyer.text("#search-status"); !strings.Contains(got, "在 1 页中找到") {
			t.Errorf("the search's status reads %q", got)
		}
		lawyer.shot(fmt.Sprint("found-", w))
		if w <= 400 {
			lawyer.noHorizontalScroll("the lawyer's page with a search's results")
		}
		lawyer.checkClean()
	}
}
