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

	"github.com/yuejuan/yuejuan/internal/browsertest"
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
	clerk.Viewport(1280, 800)
	clerk.signIn(clerkTok, "/clerk")
	clerk.Wait("the case in case work", `document.querySelector('#w-case').value !== '' && /刘检察官/.test(document.querySelector('#w-summary').textContent) && document.querySelector('#w-lawyers li')`, 15*time.Second)
	if got := clerk.Text("#w-lawyers"); !strings.Contains(got, "尚无辩护律师") {
		t.Errorf("a case without counsel shows %q", got)
	}
	clerk.Do("bind nobody", chromedp.Click(chromedp.CSS("#bind-submit")))
	clerk.Wait("the binding's field errors", visible("#bind-form", "license"), 10*time.Second)
	for _, f := range []string{"license", "name", "phone"} {
		if msg := clerk.Text(fmt.Sprintf(`#bind-form [data-error-for="%s"]`, f)); strings.TrimSpace(msg) == "" || strings.Contains(msg, "(") {
			t.Errorf("binding nobody: the error next to %s reads %q", f, msg)
		}
	}
	if browsertest.Eval[bool](clerk, `document.querySelector('#b-license').getAttribute('aria-invalid') !== 'true'`) {
		t.Error("the empty certificate number is not marked aria-invalid")
	}
	clerk.Do("bind the lawyer",
		chromedp.SetValue(chromedp.CSS("#b-license"), lic),
		chromedp.SetValue(chromedp.CSS("#b-name"), "赵律师"),
		chromedp.SetValue(chromedp.CSS("#b-phone"), "13900000000"),
		chromedp.SetValue(chromedp.CSS("#b-firm"), "北京某某律师事务所"),
		chromedp.SetValue(chromedp.CSS("#b-client"), "孙某"),
		chromedp.Click(chromedp.CSS("#bind-submit")),
	)
	clerk.Wait("the lawyer bound", fmt.Sprintf(`document.querySelector('#w-lawyers li[data-license="%s"]')`, lic), 10*time.Second)
	if n := browsertest.Eval[int](clerk, `document.querySelectorAll('#bind-form [data-error-for]:not([hidden])').length`); n != 0 {
		t.Errorf("%d error boxes still shown after binding", n)
	}

	// ---- ...and records a procedural decision ---------------------------------------------
	clerk.Do("record an 'other' decision without text",
		chromedp.SetValue(chromedp.CSS("#d-kind"), "other"),
		chromedp.Click(chromedp.CSS("#decision-submit")))
	clerk.Wait("the text error", visible("#decision-form", "text"), 10*time.Second)
	clerk.Do("record the decision",
		chromedp.SetValue(chromedp.CSS("#d-kind"), "supplementary_investigation"),
		chromedp.SetValue(chromedp.CSS("#d-text"), decisionT),
		chromedp.Click(chromedp.CSS("#decision-submit")))
	clerk.Wait("the lawyers told", `!document.querySelector('#decision-ok').hidden && document.querySelector('#w-decisions li[data-id]')`, 10*time.Second)
	if got := clerk.Text("#decision-ok"); !strings.Contains(got, "已告知 1 名律师") || !strings.Contains(got, "赵律师") || !strings.Contains(got, "已送达") {
		t.Errorf("after recording the decision the clerk reads %q", got)
	}
	if got := clerk.Text("#w-decisions li[data-id]"); !strings.Contains(got, "退回补充侦查") || !strings.Contains(got, decisionT) || !strings.Contains(got, "赵律师") {
		t.Errorf("the decision as listed: %q", got)
	}
	clerk.Shot("service-work-1280")

	// ---- the lawyer, on a phone, sees the notice -----------------------------------------
	lawyer := newTab(t, browserCtx, "lawyer", base, artifacts)
	lawyer.Viewport(375, 812)
	lawyer.signIn(lawyerTok, "/lawyer")
	lawyer.Wait("the decision notice", `document.querySelector('#notices li[data-kind="decision.supplementary_investigation"]')`, 15*time.Second)
	notice := lawyer.Text(`#notices li[data-kind="decision.supplementary_investigation"]`)
	for _, want := range []string{"程序性决定", "退回补充侦查", caseNo, decisionT, "刘检察官", "010-12345678"} {
		if !strings.Contains(notice, want) {
			t.Errorf("the lawyer's notice %q lacks %q", notice, want)
		}
	}
	if got := browsertest.Eval[string](lawyer, `(document.querySelector('#notices li[data-kind^="decision."] .contact a[href^="tel:"]') || {}).href || ''`); got != "tel:01012345678" {
		t.Errorf("the handler's phone is not a tap-to-call link: %q", got)
	}
	lawyer.NoHorizontalScroll("lawyer page with a notice")

	// ---- ...files an urgent complaint, first with nothing in it -----------------------------
	lawyer.Do("file an empty complaint", chromedp.Click(chromedp.CSS("#complaint-submit")))
	lawyer.Wait("the complaint's field errors", visible("#complaint-form", "description"), 10*time.Second)
	for _, f := range []string{"description", "unit", "phone"} {
		if msg := lawyer.Text(fmt.Sprintf(`#complaint-form [data-error-for="%s"]`, f)); strings.TrimSpace(msg) == "" || strings.Contains(msg, "(") {
			t.Errorf("an empty complaint: the error next to %s reads %q", f, msg)
		}
	}
	if got := lawyer.Text(`#complaint-form [data-error-for="_"]`); !strings.Contains(got, "3 处") {
		t.Errorf("the complaint's summary reads %q, want the count of problems", got)
	}
	lawyer.NoHorizontalScroll("lawyer page with complaint errors")
	lawyer.Shot("service-complaint-errors-375")
	lawyer.Do("file the complaint",
		chromedp.Click(chromedp.CSS("#cp-urgent")),
		chromedp.SetValue(chromedp.CSS("#cp-caseNo"), caseNo),
		chromedp.SetValue(chromedp.CSS("#cp-phone"), "13900000000"),
		chromedp.SetValue(chromedp.CSS("#cp-firm"), "北京某某律师事务所"),
		chromedp.SetValue(chromedp.CSS("#cp-description"), "2026年11月20日到检察院阅卷，被要求出具法律未规定的材料，未能阅卷。"),
		chromedp.Click(chromedp.CSS("#complaint-submit")))
	lawyer.Wait("the complaint in the list", `!document.querySelector('#complaint-ok').hidden && document.querySelector('#complaints li[data-status="open"]')`, 10*time.Second)
	if n := browsertest.Eval[int](lawyer, `document.querySelectorAll('#complaint-form [data-error-for]:not([hidden])').length`); n != 0 {
		t.Errorf("%d error boxes still shown after filing", n)
	}
	filed := lawyer.Text(`#complaints li[data-status="open"]`)
	for _, want := range []string{"阅卷受阻", "紧急", "办理中", caseNo, "答复期限", "3 个工作日"} {
		if !strings.Contains(filed, want) {
			t.Errorf("the filed complaint %q lacks %q", filed, want)
		}
	}
	if !strings.Contains(filed, "剩") && !strings.Contains(filed, "今日到期") {
		t.Errorf("the filed complaint %q does not count down the days", filed)
	}
	due := browsertest.Eval[string](lawyer, `(/\d{4}-\d\d-\d\d/.exec(document.querySelector('#complaints li[data-status="open"] .deadline').textContent) || [''])[0]`)
	if got := lawyer.Text("#complaint-ok"); due == "" || !strings.Contains(got, due) {
		t.Errorf("the filed notice %q does not give the deadline %s", got, due)
	}
	lawyer.NoHorizontalScroll("lawyer page with a complaint")
	lawyer.Shot("service-complaint-375")

	// ---- three weeks later the clerk finds it overdue and answers it ---------------------------
	shift.Store(int64(21 * 24 * time.Hour))
	clerk.Do("refresh the complaints", chromedp.Click(chromedp.CSS("#complaints-refresh")))
	clerk.Wait("the overdue complaint", `document.querySelector('#complaints li[data-id].overdue .badge-overdue')`, 10*time.Second)
	item := clerk.Text(`#complaints li[data-id]`)
	for _, want := range []string{"阅卷受阻", "紧急", "已超期", "赵律师", lic, "13900000000", caseNo} {
		if !strings.Contains(item, want) {
			t.Errorf("the clerk's complaint %q lacks %q", item, want)
		}
	}
	if got := browsertest.Eval[string](clerk, `getComputedStyle(document.querySelector('#complaints li.overdue .badge-overdue')).backgroundColor + ' ' + getComputedStyle(document.querySelector('#complaints li.overdue')).borderLeftColor`); got != "rgb(198, 40, 40) rgb(198, 40, 40)" {
		t.Errorf("the overdue complaint is not marked in red: %s", got)
	}
	clerk.Do("answer without an answer", chromedp.Click(chromedp.CSS(`#complaints li[data-id] button.answer`)))
	clerk.Wait("the answer error", visible("#complaints li[data-id]", "answer"), 5*time.Second)
	clerk.Shot("service-complaints-1280")
	clerk.Do("answer the complaint",
		chromedp.SetValue(chromedp.CSS(`#complaints li[data-id] textarea[name="answer"]`), answer),
		chromedp.Click(chromedp.CSS(`#complaints li[data-id] button.answer`)))
	clerk.Wait("the complaint answered", `/已答复/.test(document.querySelector('#complaints-status').textContent) && document.querySelector('#complaints-done li[data-status="answered"]') && !document.querySelector('#complaints li[data-id]')`, 10*time.Second)
	clerk.Wait("the on-time statistics", `/超期 1/.test(document.querySelector('#complaint-stats').textContent)`, 10*time.Second)

	// ---- the lawyer reads the answer and submits an opinion ----------------------------------------
	lawyer.Do("refresh the complaints", chromedp.Click(chromedp.CSS("#complaints-refresh")))
	lawyer.Wait("the answer", `document.querySelector('#complaints li[data-status="answered"] .answer-text')`, 10*time.Second)
	if got := lawyer.Text(`#complaints li[data-status="answered"]`); !strings.Contains(got, answer) || !strings.Contains(got, "已答复办结") || !strings.Contains(got, "刘检察官") {
		t.Errorf("the answered complaint reads %q", got)
	}
	lawyer.Do("submit an empty opinion", chromedp.Click(chromedp.CSS("#opinion-submit")))
	lawyer.Wait("the opinion's field errors", visible("#opinion-form", "text"), 5*time.Second)
	if msg := lawyer.Text(`#opinion-form [data-error-for="caseNo"]`); strings.TrimSpace(msg) == "" {
		t.Error("an empty opinion shows no error next to the case number")
	}
	lawyer.Do("submit an opinion on an unknown case",
		chromedp.SetValue(chromedp.CSS("#op-caseNo"), "京检刑诉〔2026〕999号"),
		chromedp.SetValue(chromedp.CSS("#op-text"), opText),
		chromedp.Click(chromedp.CSS("#opinion-submit")))
	lawyer.Wait("the case-number error", `/未找到/.test(document.querySelector('#opinion-form [data-error-for="caseNo"]').textContent)`, 10*time.Second)
	lawyer.Do("submit the opinion",
		chromedp.SetValue(chromedp.CSS("#op-caseNo"), caseNo),
		chromedp.Click(chromedp.CSS("#opinion-submit")))
	lawyer.Wait("the opinion in the list", `!document.querySelector('#opinion-ok').hidden && document.querySelector('#opinions li[data-status="unanswered"]')`, 10*time.Second)
	if got := lawyer.Text(`#opinions li[data-status="unanswered"]`); !strings.Contains(got, caseNo) || !strings.Contains(got, opText) || !strings.Contains(got, "待答复") {
		t.Errorf("the submitted opinion reads %q", got)
	}
	lawyer.NoHorizontalScroll("lawyer page with an opinion")
	lawyer.Shot("service-opinion-375")

	// ---- the clerk may not conclude until the opinion is answered -------------------------------
	clerk.Do("conclude", chromedp.Click(chromedp.CSS("#conclude")))
	clerk.Wait("the confirmation", `!document.querySelector('#conclude-confirm').hidden`, 5*time.Second)
	clerk.Do("confirm", chromedp.Click(chromedp.CSS("#conclude-yes")))
	clerk.Wait("the refusal", `!document.querySelector('#conclude-error').hidden`, 10*time.Second)
	refusal := clerk.Text("#conclude-error")
	for _, want := range []string{"1 份", "未答复", "赵律师"} {
		if !strings.Contains(refusal, want) {
			t.Errorf("the refusal to conclude %q lacks %q", refusal, want)
		}
	}
	if n := browsertest.Eval[int](clerk, `document.querySelectorAll('#conclude-error li[data-opinion] button.go-reply').length`); n != 1 {
		t.Errorf("the refusal names %d opinions with a way to answer, want 1", n)
	}
	clerk.Wait("the opinion in the clerk's list", `document.querySelector('#opinions li[data-status="unanswered"] form')`, 10*time.Second)
	clerk.Shot("service-conclude-refused-1280")
	clerk.Do("go to the opinion", chromedp.Click(chromedp.CSS("#conclude-error button.go-reply")))
	if !browsertest.Eval[bool](clerk, `document.activeElement && document.activeElement.name === 'adopted'`) {
		t.Error("'answer it' does not take the clerk to the opinion's form")
	}
	clerk.Do("reply with nothing", chromedp.Click(chromedp.CSS(`#opinions li[data-status="unanswered"] button.reply-submit`)))
	clerk.Wait("both reply errors", visible(`#opinions li[data-status="unanswered"]`, "adopted")+" && "+visible(`#opinions li[data-status="unanswered"]`, "reason"), 5*time.Second)
	clerk.Do("reply",
		chromedp.Click(chromedp.CSS(`#opinions li[data-status="unanswered"] input[name="adopted"][value="no"]`)),
		chromedp.SetValue(chromedp.CSS(`#opinions li[data-status="unanswered"] textarea[name="reason"]`), opReason),
		chromedp.Click(chromedp.CSS(`#opinions li[data-status="unanswered"] button.reply-submit`)))
	clerk.Wait("the opinion answered", `document.querySelector('#opinions-done li[data-status="answered"]') && document.querySelector('#conclude-error li.done')`, 10*time.Second)
	clerk.Do("conclude again", chromedp.Click(chromedp.CSS("#conclude")), chromedp.Click(chromedp.CSS("#conclude-yes")))
	clerk.Wait("the case concluded", `!document.querySelector('#conclude-ok').hidden && document.querySelector('#conclude').disabled`, 10*time.Second)
	if got := clerk.Text("#conclude-ok"); !strings.Contains(got, caseNo) || !strings.Contains(got, "已办结") {
		t.Errorf("after concluding the clerk reads %q", got)
	}
	if got := clerk.Text("#w-summary"); !strings.Contains(got, "已结案") || !strings.Contains(got, "办结") {
		t.Errorf("the concluded case's summary reads %q", got)
	}
	// The unit's notices: what came in.
	clerk.Do("refresh the unit's notices", chromedp.Click(chromedp.CSS("#unit-notices-refresh")))
	clerk.Wait("the unit's notices", `document.querySelector('#unit-notices li[data-kind="complaint.received"]') && document.querySelector('#unit-notices li[data-kind="opinion.received"]')`, 10*time.Second)
	if got := clerk.Text(`#unit-notices li[data-kind="complaint.received"]`); !strings.Contains(got, "紧急") || !strings.Contains(got, "本单位案管") || !strings.Contains(got, "已送达") {
		t.Errorf("the unit's complaint notice reads %q", got)
	}
	clerk.Shot("service-concluded-1280")

	// ---- the lawyer reads the answer to the opinion -----------------------------------------
	lawyer.Do("refresh the opinions", chromedp.Click(chromedp.CSS("#opinions-refresh")), chromedp.Click(chromedp.CSS("#notices-refresh")))
	lawyer.Wait("the opinion's answer", `document.querySelector('#opinions li[data-status="answered"] .verdict') && document.querySelector('#notices li[data-kind="opinion.answered"]')`, 10*time.Second)
	if got := lawyer.Text(`#opinions li[data-status="answered"]`); !strings.Contains(got, "未采纳") || !strings.Contains(got, opReason) || !strings.Contains(got, "刘检察官") {
		t.Errorf("the answered opinion reads %q", got)
	}
	if got := browsertest.Eval[string](lawyer, `Array.from(document.querySelectorAll('#notices li[data-kind]')).map(function(li){return li.dataset.kind}).join(' ')`); got != "opinion.answered complaint.answered decision.supplementary_investigation" {
		t.Errorf("the lawyer's notices, newest first: %q", got)
	}
	lawyer.NoHorizontalScroll("lawyer page with the answers")
	lawyer.Shot("service-answers-375")

	// In English.
	lawyer.Do("switch to English", chromedp.Click(chromedp.CSS("#lang")))
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
		if got := lawyer.Text(sel); got != want {
			t.Errorf("in English %s reads %q, want %q", sel, got, want)
		}
	}
	lawyer.NoHorizontalScroll("lawyer page in English")
	lawyer.Shot("service-english-375")
	lawyer.Do("switch back to Chinese", chromedp.Click(chromedp.CSS("#lang")))

	// ---- both pages at both sizes ----------------------------------------------------------------
	for _, tb := range []*tab{lawyer, clerk} {
		for _, size := range [][2]int64{{375, 812}, {1280, 800}} {
			tb.Viewport(size[0], size[1])
			tb.Do("reload", chromedp.Reload())
			tb.Wait("the page to load", `document.readyState === 'complete' && document.querySelector('#who').textContent !== '' && !/加载中/.test(document.querySelector('main').textContent)`, 15*time.Second)
			time.Sleep(300 * time.Millisecond)
			if size[0] == 375 {
				tb.NoHorizontalScroll(tb.Name + " page")
			}
			tb.Shot(fmt.Sprintf("service-page-%d", size[0]))
		}
	}
	for _, tb := range []*tab{lawyer, clerk} {
		tb.CheckClean()
	}
}
