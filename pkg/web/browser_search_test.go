package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
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
	base := e.base
	d := readyDossier(t, e, dossierSpec{
		Clerk: auth.Identity{Subject: "clerk-sj", Name: "石书记员", Unit: "石景山区检察院"},
		Case: caseSpec{No: "京石检刑诉〔2026〕606号", Title: "秦某某盗窃案", Defendants: []string{"秦某某"},
			Handler: "石检察官", Phone: "010-68880000"},
		Scans:  []scanSpec{{Volume: 1, VolumeTitle: "证据卷", Seq: 1, Title: "被害人陈述", Filename: "01.pdf", Data: testpdf.Text("SEARCH-ONE")}},
		Lawyer: lawyerSpec{Name: "秦律师", License: "11101201910060606", Firm: "北京某某律师事务所", Phone: "13600000006"},
		BeforeApply: func(d *dossier) {
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
			if err := e.s.API.Uploads.WriteAll(context.Background(), ocr.WordsKey(d.CaseID, d.ScanIDs[0]), words, nil); err != nil {
				t.Fatal(err)
			}
		},
	})
	lawyerTok, appID := d.LawyerTok, d.AppID

	for _, w := range []int64{1280, 375} {
		lawyer := newTab(t, e.browser, fmt.Sprint("search-", w), base, e.artifacts)
		lawyer.Viewport(w, 900)
		lawyer.signIn(lawyerTok, "/lawyer")
		lawyer.Wait("the search card with the ready dossier", `!document.querySelector('#search-card').hidden && document.querySelector('#search-app').value === `+jsString(appID), 20*time.Second)
		lawyer.Do("search for a name that is not there",
			chromedp.SendKeys(chromedp.CSS("#search-q"), "王五"),
			chromedp.Click(chromedp.CSS("#search-go")))
		lawyer.Wait("nothing found", `/未找到/.test(document.querySelector('#search-status').textContent)`, 10*time.Second)
		browsertest.Eval[bool](lawyer, `(document.querySelector('#search-q').value = '') === ''`)
		lawyer.Do("search for the witness", chromedp.SendKeys(chromedp.CSS("#search-q"), "李 秀英\r"))
		lawyer.Wait("the page found", `document.querySelectorAll('#search-results li').length === 1`, 10*time.Second)
		if got := lawyer.Text("#search-results li"); !strings.Contains(got, "卷1-0001") || !strings.Contains(got, "被害人陈述") || !strings.Contains(got, "李秀英陈述") {
			t.Errorf("the hit reads %q; want 卷1-0001, the document and the text around the name", got)
		}
		if got := lawyer.Text("#search-results li mark"); got != "李秀英" {
			t.Errorf("the name marked in the hit is %q", got)
		}
		if got := lawyer.Text("#search-status"); !strings.Contains(got, "在 1 页中找到") {
			t.Errorf("the search's status reads %q", got)
		}
		lawyer.Shot(fmt.Sprint("found-", w))
		if w <= 400 {
			lawyer.NoHorizontalScroll("the lawyer's page with a search's results")
		}
		lawyer.CheckClean()
	}
}
