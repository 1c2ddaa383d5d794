package web_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/server"
)

// testDeskDocuments: issue 16, defects 6 and 1. On her phone a lawyer
// picks a text file named 执业证.pdf: it is red at once with the reason,
// never "✓ 已上传"; a two-page PDF says PDF · 2 页; submitting without the
// authority names each problem once (the refused certificate at its slot,
// the missing authority at its slot, 2 in the summary). She replaces the
// certificate with a PNG scan, adds the authority and applies. The clerk's
// card shows each document with its sniffed type, size and pages, and
// opens them in place — the PDF in a frame served as application/pdf, the
// PNG as an image — at 1280 and 375 px; each opening is audited.
func testDeskDocuments(t *testing.T, e *browserEnv) {
	s, base := e.s, e.base
	const (
		unit    = "县检察院"
		license = "11101201910073331"
		caseNo  = "京县检刑诉〔2026〕81号"
	)
	d := newDesk(t, e, auth.Identity{Subject: "clerk06", Name: "孙书记员", Unit: unit})
	clerkTok, lawyerTok := d.clerkTok, d.lawyerTok(license, "韩律师")
	d.registerCase(caseSpec{No: caseNo, Title: "褚某某受贿案", Defendants: []string{"褚某某"}})

	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	textCert := write("执业证.pdf", []byte("这是一段文字，不是 PDF。\n"))
	twoPages := filepath.Join(dir, "律所函.pdf")
	testpdf.Make(t, twoPages, testpdf.Page{Marker: "FIRM LETTER 1"}, testpdf.Page{Marker: "FIRM LETTER 2"})
	var img bytes.Buffer
	if err := png.Encode(&img, testpdf.ScanImage(300, 420, true)); err != nil {
		t.Fatal(err)
	}
	pngCert := write("执业证扫描.png", img.Bytes())
	poa := write("委托书.pdf", testpdf.Text("POWER OF ATTORNEY"))

	lawyer := newTab(t, e.browser, "desk-docs-lawyer", base, e.artifacts)
	lawyer.Viewport(375, 812)
	lawyer.signIn(lawyerTok, "/lawyer")
	slot := func(name string) string { return `.attach[data-slot="` + name + `"]` }
	lawyer.Do("pick a text file named .pdf and a two-page PDF",
		chromedp.SetValue(chromedp.CSS("#caseNo"), caseNo),
		chromedp.SetValue(chromedp.CSS("#client"), "褚某某"),
		chromedp.SetValue(chromedp.CSS("#lawyer-firm"), "北京某某律师事务所"),
		chromedp.SetValue(chromedp.CSS("#lawyer-phone"), "13700000000"),
		chromedp.SetUploadFiles(chromedp.CSS("#att-practice_certificate"), []string{textCert}),
		chromedp.SetUploadFiles(chromedp.CSS("#att-firm_letter"), []string{twoPages}),
	)
	// Defect 6: red at once, never a green tick first.
	lawyer.Wait("both verdicts", `document.querySelector('`+slot("practice_certificate")+` .file-state.bad') && document.querySelector('`+slot("firm_letter")+` .file-state.ok')`, 30*time.Second)
	cert := lawyer.Text(slot("practice_certificate"))
	if strings.Contains(cert, "attachment must") {
		t.Errorf("the Chinese page shows the English half of the reason: %q", cert)
	}
	if strings.Contains(cert, "✓") || !strings.Contains(cert, "未通过检查") || !strings.Contains(cert, "不是 PDF、JPEG 或 PNG") || !strings.Contains(cert, "text/plain") {
		t.Errorf("the text file named .pdf reads %q, want red at once with the reason", cert)
	}
	if got := lawyer.Text(slot("firm_letter") + " .file-state"); !strings.Contains(got, "PDF · 2 页") {
		t.Errorf("the two-page PDF reads %q, want PDF · 2 页", got)
	}
	if inv := browsertest.Eval[string](lawyer, `document.querySelector('#att-practice_certificate').getAttribute('aria-invalid') || ''`); inv != "true" {
		t.Error("the refused file's input is not marked aria-invalid")
	}
	lawyer.Shot("verdicts-375")

	lawyer.Do("submit without the authority", chromedp.Click(chromedp.CSS("#apply-submit")))
	lawyer.Wait("the problems", `document.querySelector('`+slot("authority")+` [data-error-for]:not([hidden])')`, 15*time.Second)
	if n := browsertest.Eval[int](lawyer, `document.querySelectorAll('`+slot("practice_certificate")+` [data-error-for] div').length`); n != 1 {
		t.Errorf("the refused certificate is named %d times at its slot, want once", n)
	}
	if got := lawyer.Text(slot("authority") + ` [data-error-for]`); !strings.Contains(got, "缺少授权委托书") {
		t.Errorf("the missing authority reads %q at its slot", got)
	}
	if got := lawyer.Text(`#apply [data-error-for="_"]`); !strings.Contains(got, "共有 2 处需要补正") {
		t.Errorf("the summary reads %q, want 2 problems (each once)", got)
	}
	if got := lawyer.Text(`#apply [data-error-for="attachments"]`); strings.TrimSpace(got) != "" {
		t.Errorf("a problem is repeated below the documents: %q", got)
	}
	lawyer.NoHorizontalScroll("lawyer page, refused document")
	lawyer.Shot("summary-375")
	lawyer.shotOf("#apply", "form-375")

	lawyer.Do("replace the certificate, add the authority",
		chromedp.SetUploadFiles(chromedp.CSS("#att-practice_certificate"), []string{pngCert}),
		chromedp.SetUploadFiles(chromedp.CSS("#att-authority"), []string{poa}))
	lawyer.Wait("three documents checked", `document.querySelectorAll('.attach .file-state.ok').length === 3`, 30*time.Second)
	if got := lawyer.Text(slot("practice_certificate") + " .file-state"); !strings.Contains(got, "PNG") {
		t.Errorf("the PNG certificate reads %q", got)
	}
	lawyer.Do("apply", chromedp.Click(chromedp.CSS("#apply-submit")))
	lawyer.Wait("the submitted notice", `!document.querySelector('#apply-ok').hidden`, 15*time.Second)

	// Defect 1: the clerk opens the documents on the card.
	clerk := newTab(t, e.browser, "desk-docs-clerk", base, e.artifacts)
	clerk.signIn(clerkTok, "/clerk")
	card := `#queue li[data-status="pending_review"]`
	clerk.Wait("the application in the queue", `document.querySelector('`+card+` .files details.file')`, 15*time.Second)
	got := clerk.Text(card + " .files")
	for _, want := range []string{"申请材料（3 份", "律师执业证", "执业证扫描.png", "PNG", "律师事务所证明", "律所函.pdf", "PDF · 2 页", "授权委托书", "检查通过"} {
		if !strings.Contains(got, want) {
			t.Errorf("the card's documents lack %q: %q", want, got)
		}
	}
	if n := browsertest.Eval[int](clerk, `document.querySelectorAll('`+card+` .preview').length`); n != 0 {
		t.Errorf("%d previews loaded before the clerk opened any", n)
	}
	pdf := card + ` details.file[data-type="application/pdf"]`
	clerk.Do("open the firm letter", chromedp.Click(chromedp.CSS(pdf+` > summary`)))
	browsertest.Eval[bool](clerk, `(function(){document.querySelectorAll('`+card+` details.file').forEach(function(d){d.open=true});return true})()`) // the others
	clerk.Wait("the PDF frame and the image", `document.querySelector('`+pdf+` iframe.preview-pdf') && (function(){var i=document.querySelector('`+card+` img.preview-image');return i && i.complete && i.naturalWidth === 300})()`, 15*time.Second)
	ct := browsertest.Eval[string](clerk, `(function(){var x=new XMLHttpRequest();x.open('GET',document.querySelector('`+pdf+` iframe').src,false);x.send();return x.status+' '+x.getResponseHeader('content-type')+' '+x.getResponseHeader('content-disposition').split(';')[0]})()`)
	if ct != "200 application/pdf inline" {
		t.Errorf("the PDF frame's document is served as %q, want 200 application/pdf inline", ct)
	}
	time.Sleep(3 * time.Second) // the PDF viewer draws
	clerk.Shot("documents-1280")
	clerk.shotOf(card, "card-1280")
	clerk.Viewport(375, 812)
	clerk.Do("scroll to the documents", chromedp.ScrollIntoView(chromedp.CSS(card+" .files")))
	clerk.NoHorizontalScroll("/clerk card with documents")
	clerk.Shot("documents-375")
	clerk.shotOf(card, "card-375")
	clerk.Viewport(1280, 800)

	// Each opening is the clerk's audited attachment.view.
	views := 0
	for _, ev := range auditEvents(t, s) {
		if ev.Action == audit.AttachmentView && ev.Actor == "clerk06" {
			views++
		}
	}
	if views < 3 {
		t.Errorf("%d attachment.view records of the clerk, want one per opened document (3 and the fetch)", views)
	}
}

// auditEvents is every record of the server's audit log.
func auditEvents(t *testing.T, s *server.Server) []audit.Event {
	t.Helper()
	var out []audit.Event
	if err := s.API.Audit.Each(context.Background(), audit.Filter{}, func(e audit.Event) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// shotOf saves a screenshot of the element sel alone (a card is easier to
// look at than the whole page), next to tb's full-page ones.
func (tb *tab) shotOf(sel, name string) {
	ctx, cancel := context.WithTimeout(tb.Ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		tb.T.Logf("%s: screenshot %s: %v", tb.Name, name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(tb.Shots, tb.Name+"-"+name+".png"), png, 0o644); err != nil {
		tb.T.Logf("save screenshot: %v", err)
	}
}

// testDeskCorrection: 受理 and 补正 through the pages (issue 16), and a
// dossier given up on the clerk's card. The clerk acknowledges receipt
// after a confirmation (the lawyer gets the receipt number); asks for
// corrections — nothing ticked, or a ticked item without its reason, is
// refused at the item — naming the certificate and the phone; the card
// waits for the lawyer without 批准. On her phone the lawyer sees exactly
// what to fix, a text file as the new certificate is red at once and
// refused on sending, a PNG and a new phone go through; the clerk's card is
// pending review again with 批准 and the whole history. An approved
// application whose dossier was given up says why and what to do next in
// 已办.
func testDeskCorrection(t *testing.T, e *browserEnv) {
	s, base := e.s, e.base
	const (
		unit    = "乡检察院"
		license = "11101201910073332"
		caseNo  = "京乡检刑诉〔2026〕82号"
	)
	d := newDesk(t, e, auth.Identity{Subject: "clerk07", Name: "李书记员", Unit: unit})
	clerkTok, call := d.clerkTok, d.call
	lawyerTok := d.lawyerTok(license, "卫律师")
	d.registerCase(caseSpec{No: caseNo, Title: "蒋某某诈骗案", Defendants: []string{"蒋某某"}})
	atts := d.attachments(lawyerTok)
	var app struct{ ID, Receipt string }
	d.apply(lawyerTok, lawyerSpec{Name: "卫律师", License: license, Firm: "某律所", Phone: "13500000000"}, caseNo, "蒋某某", atts, &app)
	card := `#queue li[data-id="` + app.ID + `"]`

	clerk := newTab(t, e.browser, "desk-corr-clerk", base, e.artifacts)
	clerk.signIn(clerkTok, "/clerk")
	clerk.Wait("the application", `document.querySelector('`+card+` button.ack')`, 15*time.Second)
	clerk.Do("受理", chromedp.Click(chromedp.CSS(card+` button.ack`)))
	if got := clerk.Text(card + ` .confirm-ack`); !strings.Contains(got, "确认受理 卫律师 的申请") || !strings.Contains(got, app.Receipt) {
		t.Errorf("the 受理 confirmation reads %q", got)
	}
	clerk.Do("confirm", chromedp.Click(chromedp.CSS(card+` button.ack-yes`)))
	clerk.Wait("acknowledged", `/已受理 李书记员 · /.test(document.querySelector('`+card+` .acknowledged').textContent) && !document.querySelector('`+card+` button.ack')`, 10*time.Second)
	var notices struct{ Notices []struct{ Kind, Body string } }
	call(lawyerTok, "GET", "/api/v1/notices", nil, http.StatusOK, &notices)
	told := false
	for _, n := range notices.Notices {
		told = told || (n.Kind == "application.acknowledged" && strings.Contains(n.Body, "受理回执号 "+app.Receipt))
	}
	if !told {
		t.Errorf("the lawyer was not sent the receipt: %+v", notices.Notices)
	}

	// 补正: nothing ticked, then an item without its reason, are refused
	// at their place.
	clerk.Do("要求补正", chromedp.Click(chromedp.CSS(card+` button.correct`)))
	clerk.Do("send nothing", chromedp.Click(chromedp.CSS(card+` button.corr-yes`)))
	clerk.Wait("nothing ticked", `/请至少勾选一项/.test(document.querySelector('`+card+` .desk-form [data-error-for="_"]').textContent)`, 5*time.Second)
	row := func(f string) string { return card + ` .corr-row:has(input[data-field="` + f + `"])` }
	clerk.Do("tick the certificate without a reason", chromedp.Click(chromedp.CSS(row("attachments.practice_certificate")+` input[type=checkbox]`)),
		chromedp.Click(chromedp.CSS(card+` button.corr-yes`)))
	clerk.Wait("the reason asked", `/请写明需要补正的原因/.test(document.querySelector('`+row("attachments.practice_certificate")+` .error').textContent)`, 5*time.Second)
	clerk.Do("fill the reasons", chromedp.SendKeys(chromedp.CSS(row("attachments.practice_certificate")+` input[type=text]`), "执业证照片模糊，无法辨认证号"),
		chromedp.Click(chromedp.CSS(row("lawyer.phone")+` input[type=checkbox]`)),
		chromedp.SendKeys(chromedp.CSS(row("lawyer.phone")+` input[type=text]`), "所留电话无法接通"))
	clerk.shotOf(card, "correction-panel-1280")
	axe := axeSource(t)
	clerk.axeCheck(axe, "clerk card with the 补正 panel open and a reason missing")
	clerk.Viewport(375, 812)
	clerk.NoHorizontalScroll("/clerk 补正 panel")
	clerk.shotOf(card, "correction-panel-375")
	clerk.Viewport(1280, 800)
	clerk.Do("send", chromedp.Click(chromedp.CSS(card+` button.corr-yes`)))
	clerk.Wait("waiting for the lawyer", `document.querySelector('`+card+`[data-status="needs_correction"] .correction-open')`, 10*time.Second)
	got := clerk.Text(card)
	for _, want := range []string{"待律师补正", "律师执业证：执业证照片模糊，无法辨认证号", "联系电话：所留电话无法接通", "答复期限暂停"} {
		if !strings.Contains(got, want) {
			t.Errorf("the waiting card lacks %q: %q", want, got)
		}
	}
	if browsertest.Eval[bool](clerk, `document.querySelector('`+card+` button.approve').offsetParent !== null`) {
		t.Error("批准 is offered while the lawyer corrects")
	}
	if strings.Contains(got, "答复期限 2") {
		t.Errorf("the waiting card shows a reply date while the clock stops: %q", got)
	}
	clerk.shotOf(card, "waiting-1280")
	browsertest.Eval[bool](clerk, `(function(){document.querySelectorAll('`+card+` details').forEach(function(d){d.open=true});return true})()`)
	clerk.Wait("the previews", `document.querySelectorAll('`+card+` .preview').length === 3`, 10*time.Second)
	clerk.axeCheck(axe, "clerk card waiting for corrections, documents and history open")

	// The lawyer, on her phone.
	dir := t.TempDir()
	textCert := filepath.Join(dir, "新执业证.pdf")
	if err := os.WriteFile(textCert, []byte("仍然不是 PDF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, testpdf.ScanImage(300, 420, true)); err != nil {
		t.Fatal(err)
	}
	pngCert := filepath.Join(dir, "执业证清晰.png")
	if err := os.WriteFile(pngCert, img.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	lawyer := newTab(t, e.browser, "desk-corr-lawyer", base, e.artifacts)
	lawyer.Viewport(375, 812)
	lawyer.signIn(lawyerTok, "/lawyer")
	mine := `#apps li[data-id="` + app.ID + `"]`
	lawyer.Wait("what to fix", `document.querySelector('`+mine+` form.correction-ask')`, 15*time.Second)
	got = lawyer.Text(mine)
	for _, want := range []string{"待律师补正", "需要补正：案管 李书记员", "律师执业证：执业证照片模糊，无法辨认证号", "联系电话：所留电话无法接通", "已受理"} {
		if !strings.Contains(got, want) {
			t.Errorf("the lawyer's card lacks %q: %q", want, got)
		}
	}
	fix := func(f string) string { return mine + ` .fix[data-field="` + f + `"]` }
	lawyer.Do("a text file as the certificate", chromedp.SetUploadFiles(chromedp.CSS(fix("attachments.practice_certificate")+` input[type=file]`), []string{textCert}))
	lawyer.Wait("red at once", `document.querySelector('`+fix("attachments.practice_certificate")+` .file-state.bad')`, 30*time.Second)
	lawyer.Do("a new phone, send", chromedp.SetValue(chromedp.CSS(fix("lawyer.phone")+` input`), "13500000009"), chromedp.Click(chromedp.CSS(mine+` button.fix-submit`)))
	lawyer.Wait("refused at the certificate", `/不是 PDF/.test(document.querySelector('`+fix("attachments.practice_certificate")+` [data-error-for]').textContent)`, 10*time.Second)
	if n := browsertest.Eval[int](lawyer, `document.querySelectorAll('`+fix("attachments.practice_certificate")+` [data-error-for] div').length`); n != 1 {
		t.Errorf("the refused certificate's reason is shown %d times, want once", n)
	}
	if got := lawyer.Text(fix("attachments.practice_certificate")); strings.Contains(got, "attachment must") {
		t.Errorf("the Chinese page shows the English half of the reason: %q", got)
	}
	lawyer.axeCheck(axe, "lawyer's correction form with a refused document at 375 px")
	lawyer.NoHorizontalScroll("lawyer correction")
	lawyer.shotOf(mine, "correction-375")
	lawyer.Viewport(1280, 800)
	lawyer.shotOf(mine, "correction-1280")
	lawyer.Viewport(375, 812)
	lawyer.Do("the PNG", chromedp.SetUploadFiles(chromedp.CSS(fix("attachments.practice_certificate")+` input[type=file]`), []string{pngCert}))
	lawyer.Wait("accepted", `document.querySelector('`+fix("attachments.practice_certificate")+` .file-state.ok')`, 30*time.Second)
	lawyer.Do("send", chromedp.Click(chromedp.CSS(mine+` button.fix-submit`)))
	lawyer.Wait("pending review again", `document.querySelector('`+mine+`[data-status="pending_review"]') && /补正已提交/.test(document.querySelector('#apps-status').textContent)`, 15*time.Second)
	lawyer.shotOf(mine, "resubmitted-375")

	// The clerk's card is pending review again, with its history.
	clerk.Do("refresh", chromedp.Click(chromedp.CSS("#queue-refresh")))
	clerk.Wait("pending review again", `document.querySelector('`+card+`[data-status="pending_review"]') && document.querySelector('`+card+` button.approve').offsetParent !== null`, 15*time.Second)
	clerk.Do("open the history", chromedp.Click(chromedp.CSS(card+` details.history-box > summary`)))
	got = clerk.Text(card + ` .history`)
	for _, want := range []string{"已受理", "待律师补正", "经办 李书记员", "已补正", "13500000009", "待审查"} {
		if !strings.Contains(got, want) {
			t.Errorf("the card's history lacks %q: %q", want, got)
		}
	}
	if got := clerk.Text(card + " .files"); !strings.Contains(got, "执业证清晰.png") {
		t.Errorf("the card's documents do not show the new certificate: %q", got)
	}
	clerk.Viewport(375, 812)
	clerk.NoHorizontalScroll("/clerk card after 补正")
	clerk.shotOf(card, "resubmitted-375")
	clerk.Viewport(1280, 800)

	// Step 5: a dossier given up, on the clerk's card in 已办.
	if _, err := s.API.Apps.Update(context.Background(), app.ID, func(x *application.Application) error {
		now := time.Now()
		if err := x.Move(application.Approved, "clerk:clerk07", "", now); err != nil {
			return err
		}
		x.Reply = &application.Reply{Decision: application.Approve, By: "clerk07", ByName: "李书记员", At: now}
		x.Failure = &application.Failure{At: now, Version: 1, Code: application.FailTooLarge,
			Reason: "本案共 25000 页，超过卷宗上限 20000 页 (the case has 25000 pages, over the dossier's limit of 20000)"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	done := `#handled li[data-id="` + app.ID + `"]`
	// The queue's refresh drops the approved card and moves the page: the
	// search is clicked once it has.
	clerk.Wait("the card gone from the queue", `!document.querySelector('`+card+`')`, 15*time.Second)
	clerk.Do("search 已办", chromedp.Click(chromedp.CSS(`#handled-form button[type="submit"]`)))
	clerk.Wait("the failure in 已办", `document.querySelector('`+done+` .failure')`, 10*time.Second)
	got = clerk.Text(done + " .failure")
	for _, want := range []string{"卷宗未能生成", "超过卷宗上限 20000 页", "下一步", "删除重复或无关的材料", "现场阅卷"} {
		if !strings.Contains(got, want) {
			t.Errorf("the failure on the card lacks %q: %q", want, got)
		}
	}
	if strings.Contains(got, "the case has") {
		t.Errorf("the Chinese page shows the English half of the reason: %q", got)
	}
	clerk.shotOf(done, "failure-1280")
	clerk.Viewport(375, 812)
	clerk.NoHorizontalScroll("/clerk handled failure")
	clerk.shotOf(done, "failure-375")
}
