package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// testClerkDesk: the clerk's desk (issue 16, defects 2 and 7). A case with
// no accepted scan is marked in the queue and its approval is refused with
// the reason next to the card; each decision asks to be confirmed (a
// cancelled one decides nothing; the refusal's reason box is the
// refusal's), the two first buttons far apart at 375 px; a decided
// application moves to 已办 with its history, found by state.
func testClerkDesk(t *testing.T, e *browserEnv) {
	base := e.base
	d := newDesk(t, e, auth.Identity{Subject: "clerk04", Name: "钱书记员", Unit: "镇检察院"})
	clerkTok, call := d.clerkTok, d.call
	// apply registers case no (with one accepted scan when scanned) and a
	// lawyer's application on it.
	apply := func(no, lic, name string, scanned bool) string {
		caseID := d.registerCase(caseSpec{No: no, Title: "吴某某盗窃案", Defendants: []string{"吴某某"}})
		if scanned {
			d.scan(caseID, scanSpec{Volume: 1, VolumeTitle: "诉讼文书卷", Seq: 1, Title: "起诉意见书", Filename: "01.pdf", Data: testpdf.Text("DESK-" + no)})
		}
		lawyerTok := d.lawyerTok(lic, name)
		atts := d.attachments(lawyerTok)
		var app struct{ ID string }
		d.apply(lawyerTok, lawyerSpec{Name: name, License: lic, Firm: "某律所", Phone: "13600000000"}, no, "吴某某", atts, &app)
		return app.ID
	}
	waiting := apply("京检刑诉〔2026〕71号", "11101201910071111", "郑律师", false)
	scanned := apply("京检刑诉〔2026〕72号", "11101201910072222", "冯律师", true)
	status := func(id string) string {
		var a struct{ Status string }
		call(clerkTok, "GET", "/api/v1/applications/"+id, nil, http.StatusOK, &a)
		return a.Status
	}
	card := func(id string) string { return `#queue li[data-id="` + id + `"]` }

	clerk := newTab(t, e.browser, "clerk-desk", base, e.artifacts)
	clerk.signIn(clerkTok, "/clerk")
	clerk.Wait("both applications in the queue", `document.querySelector('`+card(waiting)+`') && document.querySelector('`+card(scanned)+`')`, 15*time.Second)

	// Defect 2: the case without scans is marked, and its approval refused
	// with the reason next to the card.
	if got := clerk.Text(card(waiting)); !strings.Contains(got, "等待扫描件") || !strings.Contains(got, "尚无已通过检查的卷宗材料") {
		t.Errorf("the card of a case without scans does not say so: %q", got)
	}
	if got := clerk.Text(card(scanned)); strings.Contains(got, "等待扫描件") {
		t.Errorf("the card of a scanned case says it waits for scans: %q", got)
	}
	clerk.Do("approve the case without scans", chromedp.Click(chromedp.CSS(card(waiting)+` button.approve`)))
	clerk.Wait("the approval's confirmation", `!document.querySelector('`+card(waiting)+` .confirm-approve').hidden`, 5*time.Second)
	clerk.Do("confirm", chromedp.Click(chromedp.CSS(card(waiting)+` button.approve-yes`)))
	clerk.Wait("the refusal next to the card", `/尚无已通过检查的卷宗材料，暂不能批准/.test(document.querySelector('`+card(waiting)+` form.decide [data-error-for="_"]:not([hidden])') ? document.querySelector('`+card(waiting)+` form.decide [data-error-for="_"]').textContent : '')`, 10*time.Second)
	if st := status(waiting); st != "pending_review" {
		t.Errorf("after the refused approval the application is %q, want pending_review", st)
	}
	if open := browsertest.Eval[bool](clerk, `!document.querySelector('`+card(waiting)+` .confirm-approve').hidden`); open {
		t.Error("the refused approval leaves its confirmation open")
	}
	clerk.Shot("awaiting-scans-1280")

	// Defect 7: a cancelled confirmation decides nothing.
	clerk.Do("approve, then cancel", chromedp.Click(chromedp.CSS(card(scanned)+` button.approve`)))
	if got := clerk.Text(card(scanned) + ` .confirm-approve`); !strings.Contains(got, "确认批准 冯律师 查阅 京检刑诉〔2026〕72号") {
		t.Errorf("the approval's confirmation reads %q", got)
	}
	clerk.Shot("approve-confirm-1280")
	clerk.Do("cancel", chromedp.Click(chromedp.CSS(card(scanned)+` button.approve-no`)))
	if hidden := browsertest.Eval[bool](clerk, `document.querySelector('`+card(scanned)+` .confirm-approve').hidden && !document.querySelector('`+card(scanned)+` .decide-actions').hidden`); !hidden {
		t.Error("cancelling leaves the confirmation open")
	}
	if st := status(scanned); st != "pending_review" {
		t.Fatalf("a cancelled approval decided the application: %q", st)
	}

	// At 375 px: no reason box until the refusal is chosen, the two first
	// buttons far apart, nothing wider than the phone.
	clerk.Viewport(375, 800)
	if vis := browsertest.Eval[bool](clerk, `document.querySelector('`+card(scanned)+` form.decide textarea').offsetParent !== null`); vis {
		t.Error("the refusal's reason box shows before the refusal is chosen")
	}
	gap := browsertest.Eval[float64](clerk, `(function(){var a=document.querySelector('`+card(scanned)+` button.approve').getBoundingClientRect(),r=document.querySelector('`+card(scanned)+` button.refuse').getBoundingClientRect();return Math.max(r.left-a.right, r.top-a.bottom)})()`)
	if gap < 48 {
		t.Errorf("at 375 px 批准 and 不予许可 are %.0f px apart, want at least 48 (not mis-tappable)", gap)
	}
	clerk.NoHorizontalScroll("/clerk queue")
	clerk.Shot("queue-375")
	clerk.Do("choose the refusal", chromedp.Click(chromedp.CSS(card(scanned)+` button.refuse`)))
	clerk.Do("confirm without a reason", chromedp.Click(chromedp.CSS(card(scanned)+` button.refuse-yes`)))
	clerk.Wait("the reason error", `document.querySelector('`+card(scanned)+` [data-error-for="reason"]:not([hidden])')`, 5*time.Second)
	if got := browsertest.Eval[string](clerk, `(function(){var ta=document.querySelector('`+card(scanned)+` form.decide textarea');return document.getElementById(ta.getAttribute('aria-describedby')).textContent})()`); got != "不予许可必须书面说明理由" {
		t.Errorf("the reason box is described by %q, want its error", got)
	}
	clerk.Shot("refuse-confirm-375")
	clerk.Do("cancel the refusal", chromedp.Click(chromedp.CSS(card(scanned)+` button.refuse-no`)))
	if st := status(scanned); st != "pending_review" {
		t.Fatalf("a cancelled refusal decided the application: %q", st)
	}

	// Approve with confirmation: the card leaves the queue for 已办, with
	// its history.
	clerk.Do("approve", chromedp.Click(chromedp.CSS(card(scanned)+` button.approve`)))
	clerk.Do("confirm", chromedp.Click(chromedp.CSS(card(scanned)+` button.approve-yes`)))
	clerk.Wait("the card gone and in 已办", `!document.querySelector('`+card(scanned)+`') && document.querySelector('#handled li[data-id="`+scanned+`"]')`, 15*time.Second)
	done := `#handled li[data-id="` + scanned + `"]`
	if got := clerk.Text(card(waiting)); !strings.Contains(got, "暂不能批准") {
		t.Errorf("after the queue refreshed, the card no longer says why it was not approved: %q", got)
	}
	clerk.Do("open its history", chromedp.Click(chromedp.CSS(done+` details > summary`)))
	got := clerk.Text(done)
	for _, want := range []string{"京检刑诉〔2026〕72号", "冯律师", "决定人钱书记员", "办理经过", "已提交", "待审查", "已批准", "经办 钱书记员"} {
		if !strings.Contains(got, want) {
			t.Errorf("the handled item lacks %q:\n%s", want, got)
		}
	}
	clerk.NoHorizontalScroll("/clerk handled list")
	clerk.Do("scroll to 已办", chromedp.ScrollIntoView(chromedp.CSS("#handled-card")))
	clerk.Shot("handled-375")
	clerk.Do("only the refused", chromedp.SetValue(chromedp.CSS("#handled-state"), "refused"), chromedp.Click(chromedp.CSS(`#handled-form button[type="submit"]`)))
	clerk.Wait("the filter applied", `!document.querySelector('`+done+`') && /没有符合条件的已办申请/.test(document.querySelector('#handled').textContent)`, 10*time.Second)
	browsertest.Eval[int](clerk, `document.querySelector('#handled-state').selectedIndex = 0`) // all states
	clerk.Do("a bad range", chromedp.SetValue(chromedp.CSS("#handled-from"), "2026-12-02"),
		chromedp.SetValue(chromedp.CSS("#handled-to"), "2026-12-01"), chromedp.Click(chromedp.CSS(`#handled-form button[type="submit"]`)))
	clerk.Wait("the range error", `/起始日期应不晚于截止日期/.test(document.querySelector('#handled-form [data-error-for="_"]').textContent)`, 10*time.Second)
	clerk.Do("today's decisions", chromedp.SetValue(chromedp.CSS("#handled-from"), ""), chromedp.SetValue(chromedp.CSS("#handled-to"), ""),
		chromedp.Click(chromedp.CSS(`#handled-form button[type="submit"]`)))
	clerk.Wait("the approval again", `document.querySelector('`+done+`')`, 10*time.Second)
	clerk.Viewport(1280, 800)
	clerk.Do("open its history", chromedp.Click(chromedp.CSS(done+` details > summary`)))
	clerk.Do("scroll to 已办", chromedp.ScrollIntoView(chromedp.CSS("#handled-card")))
	clerk.Shot("handled-1280")
	clerk.CheckClean()
}
