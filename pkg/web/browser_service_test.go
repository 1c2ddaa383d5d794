package web_test

// The lawyer-service pages in the browser (a subtest of TestBrowser, which
// starts the server and the browser): the clerk binds a lawyer to a
// case and records a procedural decision; the lawyer, on a phone, sees the
// notice with the handler's phone, files an urgent complaint and sees its
// deadline; the complaint goes overdue (the service's clock is moved on) and
// the clerk answers it; the lawyer submits a written opinion; the clerk
// cannot conclude the case until the opinion is answered, answers it and
// concludes; the lawyer reads both answers. Every form is first sent wrong,
// to see every problem next to its field.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/pkg/auth"
)

// testLawyerService is the lawyer service, on its own unit and case.
func testLawyerService(t *testing.T, e *browserEnv) {
	base, artifacts, browserCtx := e.base, e.artifacts, e.browser
	shift := e.shift
	t.Cleanup(func() { shift.Store(0) })

	const (
		unit      = "区检察院"
		caseNo    = "京检刑诉〔2026〕77号"
		lic       = "11101201910067890"
		answer    = "经查，承办人已当面致歉，并于次日安排阅卷。"
		opText    = "孙某系初犯、偶犯，且已退赃，建议作出不起诉决定。"
		opReason  = "退赃属实，但涉案数额巨大，不符合相对不起诉条件。"
		decisionT = "退回公安机关补充侦查，期限一个月。"
	)
	d := newDesk(t, e, auth.Identity{Subject: "clerk02", Name: "钱书记员", Unit: unit})
	clerkTok, lawyerTok := d.clerkTok, d.lawyerTok(lic, "赵律师")

	// The case is registered through the API (the page's form is tested in
	// TestBrowser).
	d.registerCase(caseSpec{No: caseNo, Title: "孙某诈骗案", Defendants: []string{"孙某"}})

	visible := func(form, field string) string {
		return fmt.Sprintf(`document.querySelector('%s [data-error-for="%s"]:not([hidden])')`, form, field)
	}

	// ---- the clerk binds the lawyer ----------------------------------------------------
	clerk := newTab(t, browserCtx, "clerk", base, artifacts)
	clerk.viewport(1280, 800)
	clerk.signIn(clerkTok, "/clerk")
	clerk.wait("the case in case work", `document.querySelector('#w-case').value !== '' && /刘检察官/.test(document.querySelector('#w-summary').textContent) && document.querySelector('#w-lawyers li')`, 15*time.Second)
	if got := clerk.text("#w-lawyers"); !strings.Contains(got, "尚无辩护律师") {
		t.Errorf("a case without counsel shows %q", got)
	}
	clerk.do("bind nobody", chromedp.Click(chromedp.CSS("#bind-submit")))
	clerk.wait("the binding's field errors", visible("#bind-form", "license"), 10*time.Second)
	for _, f := range []string{"license", "name", "phone"} {
		if msg := clerk.text(fmt.Sprintf(`#bind-form [data-error-for="%s"]`, f)); strings.TrimSpace(msg) == "" || strings.Contains(msg, "(") {
			t.Errorf("binding nobody: the error next to %s reads %q", f, msg)
		}
	}
	if eval[bool](clerk, `document.querySelector('#b-license').getAttribute('aria-invalid') !== 'true'`) {
		t.Error("the empty certificate number is not marked aria-invalid")
	}
	clerk.do("bind the lawyer",
		chromedp.SetValue(chromedp.CSS("#b-license"), lic),
		chromedp.SetValue(chromedp.CSS("#b-name"), "赵律师"),
		chromedp.SetValue(chromedp.CSS("#b-phone"), "13900000000"),
		chromedp.SetValue(chromedp.CSS("#b-firm"), "北京某某律师事务所"),
		chromedp.SetValue(chromedp.CSS("#b-client"), "孙某"),
		chromedp.Click(chromedp.CSS("#bind-submit")),
	)
	clerk.wait("the lawyer bound", fmt.Sprintf(`document.querySelector('#w-lawyers li[data-license="%s"]')`, lic), 10*time.Second)
	if n := eval[int](clerk, `document.querySelectorAll('#bind-form [data-error-for]:not([hidden])').length`); n != 0 {
		t.Errorf("%d error boxes still shown after binding", n)
	}

	// ---- ...and records a procedural decision ---------------------------------------------
	clerk.do("record an 'other' decision without text",
		chromedp.SetValue(chromedp.CSS("#d-kind"), "other"),
		chromedp.Click(chromedp.CSS("#decision-submit")))
	clerk.wait("the text error", visible("#decision-form", "text"), 10*time.Second)
	clerk.do("record the decision",
		chromedp.SetValue(chromedp.CSS("#d-kind"), "supplementary_investigation"),
		chromedp.SetValue(chromedp.CSS("#d-text"), decisionT),
		chromedp.Click(chromedp.CSS("#decision-submit")))
	clerk.wait("the lawyers told", `!document.querySelector('#decision-ok').hidden && document.querySelector('#w-decisions li[data-id]')`, 10*time.Second)
	if got := clerk.text("#decision-ok"); !strings.Contains(got, "已告知 1 名律师") || !strings.Contains(got, "赵律师") || !strings.Contains(got, "已送达") {
		t.Errorf("after recording the decision the clerk reads %q", got)
	}
	if got := clerk.text("#w-decisions li[data-id]"); !strings.Contains(got, "退回补充侦查") || !strings.Contains(got, decisionT) || !strings.Contains(got, "赵律师") {
		t.Errorf("the decision as listed: %q", got)
	}
	clerk.shot("service-work-1280")

	// ---- the lawyer, on a phone, sees the notice -----------------------------------------
	lawyer := newTab(t, browserCtx, "lawyer", base, artifacts)
	lawyer.viewport(375, 812)
	lawyer.signIn(lawyerTok, "/lawyer")
	lawyer.wait("the decision notice", `document.querySelector('#notices li[data-kind="decision.supplementary_investigation"]')`, 15*time.Second)
	notice := lawyer.text(`#notices li[data-kind="decision.supplementary_investigation"]`)
	for _, want := range []string{"程序性决定", "退回补充侦查", caseNo, decisionT, "刘检察官", "010-12345678"} {
		if !strings.Contains(notice, want) {
			t.Errorf("the lawyer's notice %q lacks %q", notice, want)
		}
	}
	if got := eval[string](lawyer, `(document.querySelector('#notices li[data-kind^="decision."] .contact a[href^="tel:"]') || {}).href || ''`); got != "tel:01012345678" {
		t.Errorf("the handler's phone is not a tap-to-call link: %q", got)
	}
	lawyer.noHorizontalScroll("lawyer page with a notice")

	// ---- ...files an urgent complaint, first with nothing in it -----------------------------
	lawyer.do("file an empty complaint", chromedp.Click(chromedp.CSS("#complaint-submit")))
	lawyer.wait("the complaint's field errors", visible("#complaint-form", "description"), 10*time.Second)
	for _, f := range []string{"description", "unit", "phone"} {
		if msg := lawyer.text(fmt.Sprintf(`#complaint-form [data-error-for="%s"]`, f)); strings.TrimSpace(msg) == "" || strings.Contains(msg, "(") {
			t.Errorf("an empty complaint: the error next to %s reads %q", f, msg)
		}
	}
	if got := lawyer.text(`#complaint-form [data-error-for="_"]`); !strings.Contains(got, "3 处") {
		t.Errorf("the complaint's summary reads %q, want the count of problems", got)
	}
	lawyer.noHorizontalScroll("lawyer page with complaint errors")
	lawyer.shot("service-complaint-errors-375")
	lawyer.do("file the complaint",
		chromedp.Click(chromedp.CSS("#cp-urgent")),
		chromedp.SetValue(chromedp.CSS("#cp-caseNo"), caseNo),
		chromedp.SetValue(chromedp.CSS("#cp-phone"), "13900000000"),
		chromedp.SetValue(chromedp.CSS("#cp-firm"), "北京某某律师事务所"),
		chromedp.SetValue(chromedp.CSS("#cp-description"), "2026年11月20日到检察院阅卷，被要求出具法律未规定的材料，未能阅卷。"),
		chromedp.Click(chromedp.CSS("#complaint-submit")))
	lawyer.wait("the complaint in the list", `!document.querySelector('#complaint-ok').hidden && document.querySelector('#complaints li[data-status="open"]')`, 10*time.Second)
	if n := eval[int](lawyer, `document.querySelectorAll('#complaint-form [data-error-for]:not([hidden])').length`); n != 0 {
		t.Errorf("%d error boxes still shown after filing", n)
	}
	filed := lawyer.text(`#complaints li[data-status="open"]`)
	for _, want := range []string{"阅卷受阻", "紧急", "办理中", caseNo, "答复期限", "3 个工作日"} {
		if !strings.Contains(filed, want) {
			t.Errorf("the filed complaint %q lacks %q", filed, want)
		}
	}
	if !strings.Contains(filed, "剩") && !strings.Contains(filed, "今日到期") {
		t.Errorf("the filed complaint %q does not count down the days", filed)
	}
	due := eval[string](lawyer, `(/\d{4}-\d\d-\d\d/.exec(document.querySelector('#complaints li[data-status="open"] .deadline').textContent) || [''])[0]`)
	if got := lawyer.text("#complaint-ok"); due == "" || !strings.Contains(got, due) {
		t.Errorf("the filed notice %q does not give the deadline %s", got, due)
	}
	lawyer.noHorizontalScroll("lawyer page with a complaint")
	lawyer.shot("service-complaint-375")

	// ---- three weeks later the clerk finds it overdue and answers it ---------------------------
	shift.Store(int64(21 * 24 * time.Hour))
	clerk.do("refresh the complaints", chromedp.Click(chromedp.CSS("#complaints-refresh")))
	clerk.wait("the overdue complaint", `document.querySelector('#complaints li[data-id].overdue .badge-overdue')`, 10*time.Second)
	item := clerk.text(`#complaints li[data-id]`)
	for _, want := range []string{"阅卷受阻", "紧急", "已超期", "赵律师", lic, "13900000000", caseNo} {
		if !strings.Contains(item, want) {
			t.Errorf("the clerk's complaint %q lacks %q", item, want)
		}
	}
	if got := eval[string](clerk, `getComputedStyle(document.querySelector('#complaints li.overdue .badge-overdue')).backgroundColor + ' ' + getComputedStyle(document.querySelector('#complaints li.overdue')).borderLeftColor`); got != "rgb(198, 40, 40) rgb(198, 40, 40)" {
		t.Errorf("the overdue complaint is not marked in red: %s", got)
	}
	clerk.do("answer without an answer", chromedp.Click(chromedp.CSS(`#complaints li[data-id] button.answer`)))
	clerk.wait("the answer error", visible("#complaints li[data-id]", "answer"), 5*time.Second)
	clerk.shot("service-complaints-1280")
	clerk.do("answer the complaint",
		chromedp.SetValue(chromedp.CSS(`#complaints li[data-id] textarea[name="answer"]`), answer),
		chromedp.Click(chromedp.CSS(`#complaints li[data-id] button.answer`)))
	clerk.wait("the complaint answered", `/已答复/.test(document.querySelector('#complaints-status').textContent) && document.querySelector('#complaints-done li[data-status="answered"]') && !document.querySelector('#complaints li[data-id]')`, 10*time.Second)
	clerk.wait("the on-time statistics", `/超期 1/.test(document.querySelector('#complaint-stats').textContent)`, 10*time.Second)

	// ---- the lawyer reads the answer and submits an opinion ----------------------------------------
	lawyer.do("refresh the complaints", chromedp.Click(chromedp.CSS("#complaints-refresh")))
	lawyer.wait("the answer", `document.querySelector('#complaints li[data-status="answered"] .answer-text')`, 10*time.Second)
	if got := lawyer.text(`#complaints li[data-status="answered"]`); !strings.Contains(got, answer) || !strings.Contains(got, "已答复办结") || !strings.Contains(got, "刘检察官") {
		t.Errorf("the answered complaint reads %q", got)
	}
	lawyer.do("submit an empty opinion", chromedp.Click(chromedp.CSS("#opinion-submit")))
	lawyer.wait("the opinion's field errors", visible("#opinion-form", "text"), 5*time.Second)
	if msg := lawyer.text(`#opinion-form [data-error-for="caseNo"]`); strings.TrimSpace(msg) == "" {
		t.Error("an empty opinion shows no error next to the case number")
	}
	lawyer.do("submit an opinion on an unknown case",
		chromedp.SetValue(chromedp.CSS("#op-caseNo"), "京检刑诉〔2026〕999号"),
		chromedp.SetValue(chromedp.CSS("#op-text"), opText),
		chromedp.Click(chromedp.CSS("#opinion-submit")))
	lawyer.wait("the case-number error", `/未找到/.test(document.querySelector('#opinion-form [data-error-for="caseNo"]').textContent)`, 10*time.Second)
	lawyer.do("submit the opinion",
		chromedp.SetValue(chromedp.CSS("#op-caseNo"), caseNo),
		chromedp.Click(chromedp.CSS("#opinion-submit")))
	lawyer.wait("the opinion in the list", `!document.querySelector('#opinion-ok').hidden && document.querySelector('#opinions li[data-status="unanswered"]')`, 10*time.Second)
	if got := lawyer.text(`#opinions li[data-status="unanswered"]`); !strings.Contains(got, caseNo) || !strings.Contains(got, opText) || !strings.Contains(got, "待答复") {
		t.Errorf("the submitted opinion reads %q", got)
	}
	lawyer.noHorizontalScroll("lawyer page with an opinion")
	lawyer.shot("service-opinion-375")

	// ---- the clerk may not conclude until the opinion is answered -------------------------------
	clerk.do("conclude", chromedp.Click(chromedp.CSS("#conclude")))
	clerk.wait("the confirmation", `!document.querySelector('#conclude-confirm').hidden`, 5*time.Second)
	clerk.do("confirm", chromedp.Click(chromedp.CSS("#conclude-yes")))
	clerk.wait("the refusal", `!document.querySelector('#conclude-error').hidden`, 10*time.Second)
	refusal := clerk.text("#conclude-error")
	for _, want := range []string{"1 份", "未答复", "赵律师"} {
		if !strings.Contains(refusal, want) {
			t.Errorf("the refusal to conclude %q lacks %q", refusal, want)
		}
	}
	if n := eval[int](clerk, `document.querySelectorAll('#conclude-error li[data-opinion] button.go-reply').length`); n != 1 {
		t.Errorf("the refusal names %d opinions with a way to answer, want 1", n)
	}
	clerk.wait("the opinion in the clerk's list", `document.querySelector('#opinions li[data-status="unanswered"] form')`, 10*time.Second)
	clerk.shot("service-conclude-refused-1280")
	clerk.do("go to the opinion", chromedp.Click(chromedp.CSS("#conclude-error button.go-reply")))
	if !eval[bool](clerk, `document.activeElement && document.activeElement.name === 'adopted'`) {
		t.Error("'answer it' does not take the clerk to the opinion's form")
	}
	clerk.do("reply with nothing", chromedp.Click(chromedp.CSS(`#opinions li[data-status="unanswered"] button.reply-submit`)))
	clerk.wait("both reply errors", visible(`#opinions li[data-status="unanswered"]`, "adopted")+" && "+visible(`#opinions li[data-status="unanswered"]`, "reason"), 5*time.Second)
	clerk.do("reply",
		chromedp.Click(chromedp.CSS(`#opinions li[data-status="unanswered"] input[name="adopted"][value="no"]`)),
		chromedp.SetValue(chromedp.CSS(`#opinions li[data-status="unanswered"] textarea[name="reason"]`), opReason),
		chromedp.Click(chromedp.CSS(`#opinions li[data-status="unanswered"] button.reply-submit`)))
	clerk.wait("the opinion answered", `document.querySelector('#opinions-done li[data-status="answered"]') && document.querySelector('#conclude-error li.done')`, 10*time.Second)
	clerk.do("conclude again", chromedp.Click(chromedp.CSS("#conclude")), chromedp.Click(chromedp.CSS("#conclude-yes")))
	clerk.wait("the case concluded", `!document.querySelector('#conclude-ok').hidden && document.querySelector('#conclude').disabled`, 10*time.Second)
	if got := clerk.text("#conclude-ok"); !strings.Contains(got, caseNo) || !strings.Contains(got, "已办结") {
		t.Errorf("after concluding the clerk reads %q", got)
	}
	if got := clerk.text("#w-summary"); !strings.Contains(got, "已结案") || !strings.Contains(got, "办结") {
		t.Errorf("the concluded case's summary reads %q", got)
	}
	// The unit's notices: what came in.
	clerk.do("refresh the unit's notices", chromedp.Click(chromedp.CSS("#unit-notices-refresh")))
	clerk.wait("the unit's notices", `document.querySelector('#unit-notices li[data-kind="complaint.received"]') && document.querySelector('#unit-notices li[data-kind="opinion.received"]')`, 10*time.Second)
	if got := clerk.text(`#unit-notices li[data-kind="complaint.received"]`); !strings.Contains(got, "紧急") || !strings.Contains(got, "本单位案管") || !strings.Contains(got, "已送达") {
		t.Errorf("the unit's complaint notice reads %q", got)
	}
	clerk.shot("service-concluded-1280")

	// ---- the lawyer reads the answer to the opinion -----------------------------------------
	lawyer.do("refresh the opinions", chromedp.Click(chromedp.CSS("#opinions-refresh")), chromedp.Click(chromedp.CSS("#notices-refresh")))
	lawyer.wait("the opinion's answer", `document.querySelector('#opinions li[data-status="answered"] .verdict') && document.querySelector('#notices li[data-kind="opinion.answered"]')`, 10*time.Second)
	if got := lawyer.text(`#opinions li[data-status="answered"]`); !strings.Contains(got, "未采纳") || !strings.Contains(got, opReason) || !strings.Contains(got, "刘检察官") {
		t.Errorf("the answered opinion reads %q", got)
	}
	if got := eval[string](lawyer, `Array.from(document.querySelectorAll('#notices li[data-kind]')).map(function(li){return li.dataset.kind}).join(' ')`); got != "opinion.answered complaint.answered decision.supplementary_investigation" {
		t.Errorf("the lawyer's notices, newest first: %q", got)
	}
	lawyer.noHorizontalScroll("lawyer page with the answers")
	lawyer.shot("service-answers-375")

	// In English.
	lawyer.do("switch to English", chromedp.Click(chromedp.CSS("#lang")))
	for sel, want := range map[string]string{
		"#complaints-card h2":                                       "Complaints",
		"#opinions-card h2":                                         "Written opinions",
		`#notices li[data-kind^="decision."] .headline`:             "Procedural decision: Returned for supplementary investigation",
		`#notices li[data-kind="complaint.answered"] .badge.kind`:   "Complaint answered",
		`#complaints li[data-status="answered"] .item-head strong`:  "Obstructed file review",
		`#complaints li[data-status="answered"] .status`:            "Answered",
		`#opinions li[data-status="answered"] .verdict`:             "Not adopted",
		`#complaint-form label[for="cp-description"]`:               "What happened (when, where, how)",
		`#complaint-form option[value="obstructed_meeting"]`:        "Obstructed meeting",
		`#complaints li[data-status="answered"] .reply .contact .k`: "Contact: ",
	} {
		if got := lawyer.text(sel); got != want {
			t.Errorf("in English %s reads %q, want %q", sel, got, want)
		}
	}
	lawyer.noHorizontalScroll("lawyer page in English")
	lawyer.shot("service-english-375")
	lawyer.do("switch back to Chinese", chromedp.Click(chromedp.CSS("#lang")))

	// ---- both pages at both sizes ----------------------------------------------------------------
	for _, tb := range []*tab{lawyer, clerk} {
		for _, size := range [][2]int64{{375, 812}, {1280, 800}} {
			tb.viewport(size[0], size[1])
			tb.do("reload", chromedp.Reload())
			tb.wait("the page to load", `document.readyState === 'complete' && document.querySelector('#who').textContent !== '' && !/加载中/.test(document.querySelector('main').textContent)`, 15*time.Second)
			time.Sleep(300 * time.Millisecond)
			if size[0] == 375 {
				tb.noHorizontalScroll(tb.name + " page")
			}
			tb.shot(fmt.Sprintf("service-page-%d", size[0]))
		}
	}
	for _, tb := range []*tab{lawyer, clerk} {
		tb.checkClean()
	}
}
