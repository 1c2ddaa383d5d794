package web_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// testRenewLink (issue 16, defect 3): a lawyer who used up the link's
// downloads sees so on her page — no download button, no "还可下载 0 次" —
// with a "申请新链接" button; the old link's page names the handler's unit,
// name and phone and leads back; one click gives a new link, and she
// downloads again at once. The card shows the receipt number and the
// case's name (defect 9), and she applied with the case number typed
// with （２０２６） (defect 4).
func testRenewLink(t *testing.T, e *browserEnv) {
	s, base := e.s, e.base
	const (
		unit   = "海淀区检察院"
		caseNo = "京海检刑诉〔2026〕77号"
	)
	d := readyDossier(t, e, dossierSpec{
		Clerk: auth.Identity{Subject: "clerk07", Name: "钱书记员", Unit: unit},
		Case: caseSpec{No: caseNo, Title: "吴某某合同诈骗案", Defendants: []string{"吴某某"},
			Handler: "郑检察官", Phone: "010-88886666"},
		Scans:       []scanSpec{{Volume: 1, VolumeTitle: "诉讼文书卷", Seq: 1, Title: "起诉意见书", Filename: "01.pdf", Data: testpdf.Text("RENEW-ONE")}},
		Lawyer:      lawyerSpec{Name: "吴律师", License: "11101201910077777", Firm: "北京某某律师事务所", Phone: "13600000000"},
		TypedCaseNo: "京海检刑诉（２０２６）７７号",
	})
	lawyerTok := d.LawyerTok
	app := struct {
		ID, Status, Receipt string
		Link                *struct{ URL string }
	}{ID: d.AppID, Receipt: d.Receipt}
	d.call(lawyerTok, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &app)
	if app.Status != "ready" || app.Link == nil {
		t.Fatalf("application %s, link %v: want ready", app.Status, app.Link)
	}
	old := app.Link.URL
	// Someone uses up the link's five downloads.
	for i := range 5 {
		resp, err := http.Get(old)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("download %d: %d", i+1, resp.StatusCode)
		}
	}

	lawyer := newTab(t, e.browser, "lawyer-renew", base, e.artifacts)
	lawyer.Viewport(1280, 900)
	lawyer.signIn(lawyerTok, "/lawyer")
	card := `#apps li[data-id="` + app.ID + `"]`
	lawyer.Wait("the used-up link said as it is", `document.querySelector('`+card+` button.renew')`, 15*time.Second)
	got := lawyer.Text(card)
	for _, want := range []string{"下载次数已用完（有效期至", "申请新链接", "受理回执号", app.Receipt, "吴某某合同诈骗案", caseNo, "郑检察官", "010-88886666"} {
		if !strings.Contains(got, want) {
			t.Errorf("the used-up card lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "还可下载 0 次") || browsertest.Eval[bool](lawyer, `!!document.querySelector('`+card+` a.download')`) {
		t.Errorf("the used-up card still offers a download:\n%s", got)
	}
	lawyer.Shot("used-up-1280")
	lawyer.Viewport(375, 800)
	lawyer.NoHorizontalScroll("/lawyer with a used-up link")
	lawyer.Shot("used-up-375")

	// The old link, opened in the browser: whom to call, and the way back.
	lawyer.Do("open the used-up link", chromedp.Navigate(old))
	lawyer.Wait("the door's page", `/下载次数已用完/.test(document.body.textContent)`, 10*time.Second)
	door := lawyer.Text("body")
	for _, want := range []string{"承办单位：" + unit, "承办人：郑检察官", "联系电话：010-88886666", "申请新链接"} {
		if !strings.Contains(door, want) {
			t.Errorf("the used-up link's page lacks %q:\n%s", want, door)
		}
	}
	lawyer.Shot("door-used-up-375")
	lawyer.Viewport(1280, 900)
	lawyer.Shot("door-used-up-1280")
	lawyer.Do("back to the lawyer's page", chromedp.Click(chromedp.CSS(`a[href$="/lawyer"]`)))
	lawyer.Wait("the lawyer's page again", `location.pathname === '/lawyer' && document.querySelector('`+card+` button.renew')`, 15*time.Second)

	lawyer.Do("ask for a new link", chromedp.Click(chromedp.CSS(card+` button.renew`)))
	lawyer.Wait("the new link", `document.querySelector('`+card+` a.download') && /还可下载 5 次/.test(document.querySelector('`+card+`').textContent)`, 15*time.Second)
	if st := lawyer.Text("#apps-status"); !strings.Contains(st, "已签发新链接") {
		t.Errorf("after the renewal the page says %q", st)
	}
	lawyer.Shot("renewed-1280")
	href := browsertest.Eval[string](lawyer, `document.querySelector('`+card+` a.download').href`)
	if href == old {
		t.Fatal("the page offers the used-up link again")
	}
	resp, err := http.Get(href)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("the new link: %d, not a PDF", resp.StatusCode)
	}
	lawyer.Wait("the download counted", `/还可下载 4 次/.test(document.querySelector('`+card+`').textContent)`, 15*time.Second)
	lawyer.Viewport(375, 800)
	lawyer.NoHorizontalScroll("/lawyer after a renewal")
	lawyer.Shot("renewed-375")

	// The deadline job ends the application when the link expires; the
	// lawyer's page says so and a new link reopens it.
	if _, err := s.API.Apps.Update(t.Context(), app.ID, func(a *application.Application) error {
		return a.Move(application.Expired, "system", "下载链接已到期，阅卷结束", time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	lawyer.Do("reload", chromedp.Reload())
	lawyer.Wait("the expired application", `document.querySelector('`+card+` button.renew') && /下载链接已过期/.test(document.querySelector('`+card+`').textContent)`, 15*time.Second)
	if browsertest.Eval[bool](lawyer, `!!document.querySelector('`+card+` a.download')`) {
		t.Error("the expired card offers a download")
	}
	lawyer.Shot("expired-375")
	lawyer.Viewport(1280, 900)
	lawyer.Shot("expired-1280")
	lawyer.Do("ask for a new link after the expiry", chromedp.Click(chromedp.CSS(card+` button.renew`)))
	lawyer.Wait("ready again", `document.querySelector('`+card+`[data-status="ready"] a.download')`, 15*time.Second)
	lawyer.CheckClean()
}
