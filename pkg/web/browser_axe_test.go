package web_test

// The accessibility journey: Deque's axe-core (npm axe-core, installed by
// `make peers`) injected into every page the three users and a newcomer see,
// at 1280 and 375 px, in the states they meet (empty forms, forms showing
// their errors, lists with data). Any serious or critical violation fails.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// axeSource is axe.min.js: $YUEJUAN_AXE, or npm's global folder. A missing
// file fails the test with the install hint; it never skips.
func axeSource(t *testing.T) string {
	t.Helper()
	p := os.Getenv("YUEJUAN_AXE")
	if p == "" {
		out, err := exec.Command("npm", "root", "-g").Output()
		if err != nil {
			t.Fatalf("the accessibility test needs axe-core: run `make peers` (infra/peers/axe.sh), or set YUEJUAN_AXE to axe.min.js; npm root -g: %v", err)
		}
		p = filepath.Join(strings.TrimSpace(string(out)), "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("the accessibility test needs axe-core: run `make peers` (infra/peers/axe.sh), or set YUEJUAN_AXE to axe.min.js: %v", err)
	}
	return string(b)
}

// axeViolation is one failed rule as axe reports it, with the first nodes.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target         []any  `json:"target"`
		HTML           string `json:"html"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axeCheck runs every axe rule on the tab's current page and reports the
// serious and critical violations as test errors naming the page and state.
func (tb *tab) axeCheck(src, where string) {
	tb.T.Helper()
	if !browsertest.Eval[bool](tb, `typeof window.axe === 'object'`) {
		browsertest.Eval[bool](tb, src+";true")
	}
	ctx, cancel := context.WithTimeout(tb.Ctx, 60*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(function (r) { return JSON.stringify(r.violations); })`, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.T.Fatalf("%s: axe.run on %s: %v", tb.Name, where, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		tb.T.Fatalf("%s: axe result on %s: %v", tb.Name, where, err)
	}
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var nodes []string
		for i, n := range v.Nodes {
			if i == 3 {
				nodes = append(nodes, fmt.Sprintf("… %d more", len(v.Nodes)-3))
				break
			}
			nodes = append(nodes, fmt.Sprintf("%v %s (%s)", n.Target, n.HTML, strings.ReplaceAll(n.FailureSummary, "\n", " ")))
		}
		tb.T.Errorf("%s: %s: axe %s violation %s: %s\n  %s", tb.Name, where, v.Impact, v.ID, v.Help, strings.Join(nodes, "\n  "))
	}
}

// testAccessibility runs last, when earlier journeys have left cases,
// applications, notices and audit records on the pages.
func testAccessibility(t *testing.T, e *browserEnv) {
	src := axeSource(t)
	s, base := e.s, e.base
	clerkTok := token(t, s, auth.Identity{Subject: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: "市检察院"})
	lawyerTok := token(t, s, auth.Identity{Subject: license, Name: "张律师", Role: auth.Lawyer})
	auditorTok := token(t, s, auth.Identity{Subject: "audit01", Name: "李审计", Role: auth.Auditor})

	for _, w := range []int64{1280, 375} {
		size := fmt.Sprintf("%d px", w)

		// A newcomer: the start page, the sign-in form (and its error), the
		// lawyer's registration form (and its errors), a refused link page.
		guest := newTab(t, e.browser, fmt.Sprintf("axe-guest-%d", w), base, e.artifacts)
		guest.Viewport(w, 800)
		guest.Do("open the start page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#signin-start")))
		guest.axeCheck(src, "start page at "+size)
		guest.Do("open the sign-in form", chromedp.Click(chromedp.CSS("#signin-start")), chromedp.WaitVisible(chromedp.CSS("#username")))
		guest.axeCheck(src, "sign-in form at "+size)
		guest.Do("a wrong password",
			chromedp.SetValue(chromedp.CSS("#username"), "nobody"),
			chromedp.SetValue(chromedp.CSS("#password"), "wrong-password"),
			chromedp.Click(chromedp.CSS("#signin-submit")),
			// The answer's error, not #username: the form being left
			// still has one, and axe would run on a page navigating away.
			chromedp.WaitVisible(chromedp.CSS("#form-error")))
		guest.axeCheck(src, "sign-in form with its error at "+size)
		if browsertest.Eval[bool](guest, `!!document.querySelector('a[href*="/register"]')`) {
			guest.Do("open registration", chromedp.Click(chromedp.CSS(`a[href*="/register"]`)), chromedp.WaitVisible(chromedp.CSS("form")))
			guest.axeCheck(src, "lawyer registration form at "+size)
		}
		guest.Do("open a refused link", chromedp.Navigate(base+"/d/not-a-token"), chromedp.WaitVisible(chromedp.CSS("main")))
		guest.axeCheck(src, "refused link page at "+size)
		guest.CheckClean()

		lawyer := newTab(t, e.browser, fmt.Sprintf("axe-lawyer-%d", w), base, e.artifacts)
		lawyer.Viewport(w, 800)
		lawyer.signIn(lawyerTok, "/lawyer")
		lawyer.Wait("the lawyer's applications", `!/加载中/.test(document.querySelector('main').textContent)`, 10*time.Second)
		lawyer.axeCheck(src, "lawyer page at "+size)
		if browsertest.Eval[bool](lawyer, `!!document.querySelector('#apply-submit')`) {
			lawyer.Do("submit an empty application", chromedp.Click(chromedp.CSS("#apply-submit")))
			lawyer.Wait("the application's errors", `document.querySelector('[data-error-for]:not([hidden])')`, 10*time.Second)
			lawyer.axeCheck(src, "lawyer page with the application's errors at "+size)
		}
		lawyer.CheckClean()

		clerk := newTab(t, e.browser, fmt.Sprintf("axe-clerk-%d", w), base, e.artifacts)
		clerk.Viewport(w, 800)
		clerk.signIn(clerkTok, "/clerk")
		clerk.Wait("the clerk's queue", `!/加载中/.test(document.querySelector('#queue').textContent)`, 10*time.Second)
		clerk.axeCheck(src, "clerk page at "+size)
		clerk.Do("submit an empty case", chromedp.Click(chromedp.CSS("#case-submit")))
		clerk.Wait("case field errors", `document.querySelector('#case-form [data-error-for]:not([hidden])')`, 10*time.Second)
		clerk.axeCheck(src, "clerk page with the case form's errors at "+size)
		clerk.CheckClean()

		auditor := newTab(t, e.browser, fmt.Sprintf("axe-auditor-%d", w), base, e.artifacts)
		auditor.Viewport(w, 800)
		auditor.signIn(auditorTok, "/auditor")
		auditor.Wait("the audit records", `document.querySelector('main') && !/加载中/.test(document.querySelector('main').textContent)`, 10*time.Second)
		auditor.axeCheck(src, "auditor page at "+size)
		auditor.CheckClean()
	}
}

// dialogCount is how many dialogs of kind the tab's pages have opened.
func (tb *tab) dialogCount(kind string) int {
	n := 0
	for _, d := range tb.Dialogs() {
		if d == kind {
			n++
		}
	}
	return n
}

// testUnsavedInput: leaving a page with typed, unsent input asks first;
// after the server took it, or with nothing typed, leaving does not ask.
// Errors take the keyboard to the first field to fix, tied to its message.
func testUnsavedInput(t *testing.T, e *browserEnv) {
	s, base := e.s, e.base
	clerkTok := token(t, s, auth.Identity{Subject: "clerk-unsaved", Name: "赵书记员", Role: auth.Clerk, Unit: "市检察院"})
	clerk := newTab(t, e.browser, "unsaved-clerk", base, e.artifacts)
	clerk.Viewport(1280, 800)
	clerk.signIn(clerkTok, "/clerk")
	clerk.Wait("the clerk's queue", `!/加载中/.test(document.querySelector('#queue').textContent)`, 10*time.Second)

	// An empty registration: focus lands on the first field to fix, which
	// names its message for screen readers.
	clerk.Do("submit an empty case", chromedp.Click(chromedp.CSS("#case-submit")))
	clerk.Wait("case field errors", `document.querySelector('#case-form [data-error-for="caseNo"]:not([hidden])')`, 10*time.Second)
	if got := browsertest.Eval[string](clerk, `document.activeElement ? document.activeElement.id : ''`); got != "c-caseNo" {
		t.Errorf("after a refused registration the focus is on %q, want the first field to fix, c-caseNo", got)
	}
	desc := browsertest.Eval[string](clerk, `(function(){var n=document.querySelector('#c-caseNo');var ids=(n.getAttribute('aria-describedby')||'').split(' ');return ids.map(function(i){var b=document.getElementById(i);return b&&!b.hidden?b.textContent:''}).join('')})()`)
	if strings.TrimSpace(desc) == "" {
		t.Error("the case number field is not described by its visible error message (aria-describedby)")
	}

	// Typed and not sent: leaving asks.
	clerk.Do("type a case number", chromedp.SendKeys(chromedp.CSS("#c-caseNo"), "京检刑诉〔2026〕501号"))
	before := clerk.dialogCount("beforeunload")
	clerk.Do("leave for the start page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("body")))
	if clerk.dialogCount("beforeunload") != before+1 {
		t.Fatalf("leaving the clerk's page with a typed case number did not warn (dialogs: %v)", clerk.Dialogs())
	}

	// Typed and sent: leaving does not ask.
	clerk.Do("back to the clerk's page", chromedp.Navigate(base+"/clerk"))
	clerk.Wait("the clerk's queue", `document.querySelector('#queue') && !/加载中/.test(document.querySelector('#queue').textContent)`, 10*time.Second)
	clerk.Do("register a case by typing",
		chromedp.SendKeys(chromedp.CSS("#c-caseNo"), "京检刑诉〔2026〕501号"),
		chromedp.SendKeys(chromedp.CSS("#c-title"), "赵某某诈骗案"),
		chromedp.SendKeys(chromedp.CSS("#c-defendants"), "赵某某"),
		chromedp.SendKeys(chromedp.CSS("#c-handler-name"), "孙检察官"),
		chromedp.SendKeys(chromedp.CSS("#c-handler-phone"), "010-87654321"),
		chromedp.Click(chromedp.CSS("#case-submit")),
	)
	clerk.Wait("the case to be registered", `!document.querySelector('#case-ok').hidden`, 10*time.Second)
	before = clerk.dialogCount("beforeunload")
	clerk.Do("leave after registering", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("body")))
	if n := clerk.dialogCount("beforeunload"); n != before {
		t.Errorf("leaving after the case was registered warned about unsaved input (%d dialogs)", n-before)
	}
	clerk.CheckClean()
}
