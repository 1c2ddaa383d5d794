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

	"github.com/yuejuan/yuejuan/internal/testpdf"
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
	clerkTok := token(t, s, auth.Identity{Subject: "clerk06", Name: "孙书记员", Role: auth.Clerk, Unit: unit})
	lawyerTok := token(t, s, auth.Identity{Subject: license, Name: "韩律师", Role: auth.Lawyer})
	call := apiCaller(t, base)
	call(clerkTok, "POST", "/api/v1/cases", map[string]any{"caseNo": caseNo, "title": "褚某某受贿案", "stage": "prosecution_review",
		"onlineReview": true, "handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"褚某某"}}, http.StatusCreated, nil)

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
	lawyer.viewport(375, 812)
	lawyer.signIn(lawyerTok, "/lawyer")
	slot := func(name string) string { return `.attach[data-slot="` + name + `"]` }
	lawyer.do("pick a text file named .pdf and a two-page PDF",
		chromedp.SetValue(chromedp.CSS("#caseNo"), caseNo),
		chromedp.SetValue(chromedp.CSS("#client"), "褚某某"),
		chromedp.SetValue(chromedp.CSS("#lawyer-firm"), "北京某某律师事务所"),
		chromedp.SetValue(chromedp.CSS("#lawyer-phone"), "13700000000"),
		chromedp.SetUploadFiles(chromedp.CSS("#att-practice_certificate"), []string{textCert}),
		chromedp.SetUploadFiles(chromedp.CSS("#att-firm_letter"), []string{twoPages}),
	)
	// Defect 6: red at once, never a green tick first.
	lawyer.wait("both verdicts", `document.querySelector('`+slot("practice_certificate")+` .file-state.bad') && document.querySelector('`+slot("firm_letter")+` .file-state.ok')`, 30*time.Second)
	cert := lawyer.text(slot("practice_certificate"))
	if strings.Contains(cert, "✓") || !strings.Contains(cert, "未通过检查") || !strings.Contains(cert, "不是 PDF、JPEG 或 PNG") || !strings.Contains(cert, "text/plain") {
		t.Errorf("the text file named .pdf reads %q, want red at once with the reason", cert)
	}
	if got := lawyer.text(slot("firm_letter") + " .file-state"); !strings.Contains(got, "PDF · 2 页") {
		t.Errorf("the two-page PDF reads %q, want PDF · 2 页", got)
	}
	if inv := eval[string](lawyer, `document.querySelector('#att-practice_certificate').getAttribute('aria-invalid') || ''`); inv != "true" {
		t.Error("the refused file's input is not marked aria-invalid")
	}
	lawyer.shot("verdicts-375")

	lawyer.do("submit without the authority", chromedp.Click(chromedp.CSS("#apply-submit")))
	lawyer.wait("the problems", `document.querySelector('`+slot("authority")+` [data-error-for]:not([hidden])')`, 15*time.Second)
	if n := eval[int](lawyer, `document.querySelectorAll('`+slot("practice_certificate")+` [data-error-for] div').length`); n != 1 {
		t.Errorf("the refused certificate is named %d times at its slot, want once", n)
	}
	if got := lawyer.text(slot("authority") + ` [data-error-for]`); !strings.Contains(got, "缺少授权委托书") {
		t.Errorf("the missing authority reads %q at its slot", got)
	}
	if got := lawyer.text(`#apply [data-error-for="_"]`); !strings.Contains(got, "共有 2 处需要补正") {
		t.Errorf("the summary reads %q, want 2 problems (each once)", got)
	}
	if got := lawyer.text(`#apply [data-error-for="attachments"]`); strings.TrimSpace(got) != "" {
		t.Errorf("a problem is repeated below the documents: %q", got)
	}
	lawyer.noHorizontalScroll("lawyer page, refused document")
	lawyer.shot("summary-375")
	lawyer.shotOf("#apply", "form-375")

	lawyer.do("replace the certificate, add the authority",
		chromedp.SetUploadFiles(chromedp.CSS("#att-practice_certificate"), []string{pngCert}),
		chromedp.SetUploadFiles(chromedp.CSS("#att-authority"), []string{poa}))
	lawyer.wait("three documents checked", `document.querySelectorAll('.attach .file-state.ok').length === 3`, 30*time.Second)
	if got := lawyer.text(slot("practice_certificate") + " .file-state"); !strings.Contains(got, "PNG") {
		t.Errorf("the PNG certificate reads %q", got)
	}
	lawyer.do("apply", chromedp.Click(chromedp.CSS("#apply-submit")))
	lawyer.wait("the submitted notice", `!document.querySelector('#apply-ok').hidden`, 15*time.Second)

	// Defect 1: the clerk opens the documents on the card.
	clerk := newTab(t, e.browser, "desk-docs-clerk", base, e.artifacts)
	clerk.signIn(clerkTok, "/clerk")
	card := `#queue li[data-status="pending_review"]`
	clerk.wait("the application in the queue", `document.querySelector('`+card+` .files details.file')`, 15*time.Second)
	got := clerk.text(card + " .files")
	for _, want := range []string{"申请材料（3 份", "律师执业证", "执业证扫描.png", "PNG", "律师事务所证明", "律所函.pdf", "PDF · 2 页", "授权委托书", "检查通过"} {
		if !strings.Contains(got, want) {
			t.Errorf("the card's documents lack %q: %q", want, got)
		}
	}
	if n := eval[int](clerk, `document.querySelectorAll('`+card+` .preview').length`); n != 0 {
		t.Errorf("%d previews loaded before the clerk opened any", n)
	}
	pdf := card + ` details.file[data-type="application/pdf"]`
	clerk.do("open the firm letter", chromedp.Click(chromedp.CSS(pdf+` > summary`)))
	eval[bool](clerk, `(function(){document.querySelectorAll('`+card+` details.file').forEach(function(d){d.open=true});return true})()`) // the others
	clerk.wait("the PDF frame and the image", `document.querySelector('`+pdf+` iframe.preview-pdf') && (function(){var i=document.querySelector('`+card+` img.preview-image');return i && i.complete && i.naturalWidth === 300})()`, 15*time.Second)
	ct := eval[string](clerk, `(function(){var x=new XMLHttpRequest();x.open('GET',document.querySelector('`+pdf+` iframe').src,false);x.send();return x.status+' '+x.getResponseHeader('content-type')+' '+x.getResponseHeader('content-disposition').split(';')[0]})()`)
	if ct != "200 application/pdf inline" {
		t.Errorf("the PDF frame's document is served as %q, want 200 application/pdf inline", ct)
	}
	time.Sleep(3 * time.Second) // the PDF viewer draws
	clerk.shot("documents-1280")
	clerk.shotOf(card, "card-1280")
	clerk.viewport(375, 812)
	clerk.do("scroll to the documents", chromedp.ScrollIntoView(chromedp.CSS(card+" .files")))
	clerk.noHorizontalScroll("/clerk card with documents")
	clerk.shot("documents-375")
	clerk.shotOf(card, "card-375")
	clerk.viewport(1280, 800)

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
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Logf("%s: screenshot %s: %v", tb.name, name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(tb.artifacts, tb.name+"-"+name+".png"), png, 0o644); err != nil {
		tb.t.Logf("save screenshot: %v", err)
	}
}
