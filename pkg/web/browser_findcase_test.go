package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// testFindCase (issue 16, lawyer): a lawyer without the case number opens
// 按检察院和当事人姓名查找 on the application form, chooses the
// procuratorate, types the client's name (with a full-width space), and
// picks the case found: its number lands in 案号 and the name in 委托人. A
// name that finds nothing says what to check. At 1280 and 375 px.
func testFindCase(t *testing.T, e *browserEnv) {
	base := e.base
	const (
		unit   = "丰台区检察院"
		caseNo = "京丰检刑诉〔2026〕404号"
		lic    = "11101201910041041"
	)
	d := newDesk(t, e, auth.Identity{Subject: "clerk-ft", Name: "冯书记员", Unit: unit})
	lawyerTok := d.lawyerTok(lic, "邓律师")
	d.registerCase(caseSpec{No: caseNo, Title: "司马某某非法吸收公众存款案", Defendants: []string{"司马某某", "周某"},
		Handler: "冯检察官", Phone: "010-63330000"})

	for _, w := range []int64{1280, 375} {
		lawyer := newTab(t, e.browser, fmt.Sprint("findcase-", w), base, e.artifacts)
		lawyer.Viewport(w, 900)
		lawyer.signIn(lawyerTok, "/lawyer")
		lawyer.Do("open the search", chromedp.Click(chromedp.CSS("#find-open")))
		lawyer.Wait("the procuratorates", `Array.from(document.querySelectorAll('#find-unit option')).some(function(o){return o.value===`+jsString(unit)+`})`, 10*time.Second)
		if got := browsertest.Eval[string](lawyer, `document.querySelector('#find-open').getAttribute('aria-expanded')`); got != "true" {
			t.Errorf("the opened search is aria-expanded=%q", got)
		}

		// A name that is not the whole name finds nothing, and says why.
		lawyer.Do("search by part of the name",
			chromedp.SetValue(chromedp.CSS("#find-unit"), unit),
			chromedp.SendKeys(chromedp.CSS("#find-defendant"), "司马"),
			chromedp.Click(chromedp.CSS("#find-go")))
		lawyer.Wait("nothing found", `!document.querySelector('#find-status').hidden && /未找到/.test(document.querySelector('#find-status').textContent)`, 10*time.Second)
		if n := browsertest.Eval[int](lawyer, `document.querySelectorAll('#find-results li').length`); n != 0 {
			t.Errorf("part of a name lists %d cases", n)
		}

		browsertest.Eval[bool](lawyer, `(document.querySelector('#find-defendant').value = '') === ''`)
		lawyer.Do("search by the whole name", chromedp.SendKeys(chromedp.CSS("#find-defendant"), "司马　某某\r"))
		lawyer.Wait("the case found", `document.querySelectorAll('#find-results li').length === 1`, 10*time.Second)
		if got := lawyer.Text("#find-results li"); !strings.Contains(got, caseNo) || !strings.Contains(got, "司马某某非法吸收公众存款案") || !strings.Contains(got, "审查起诉") {
			t.Errorf("the case found reads %q; want its number, name and stage", got)
		}
		if n := browsertest.Eval[int](lawyer, `Array.from(document.querySelectorAll('#apply [data-error-for]:not([hidden])')).filter(function(n){return !n.closest('#find-case')}).length`); n != 0 {
			t.Errorf("Enter in the name field submitted the application (%d errors shown on its form)", n)
		}
		lawyer.Shot(fmt.Sprint("found-", w))
		if w <= 400 {
			lawyer.NoHorizontalScroll("the lawyer's page with a case found")
		}
		lawyer.Do("use it", chromedp.Click(chromedp.CSS("#find-results li button")))
		lawyer.Wait("the number filled in", `document.querySelector('#caseNo').value !== ''`, 5*time.Second)
		if got := browsertest.Eval[string](lawyer, `document.querySelector('#caseNo').value`); got != caseNo {
			t.Errorf("案号 filled with %q, want %q", got, caseNo)
		}
		if got := browsertest.Eval[string](lawyer, `document.querySelector('#client').value`); got != "司马某某" {
			t.Errorf("委托人 filled with %q, want 司马某某", got)
		}
		if !browsertest.Eval[bool](lawyer, `document.querySelector('#find-case').hidden && document.activeElement === document.querySelector('#caseNo')`) {
			t.Error("after choosing, the search stays open or the focus is not on 案号")
		}
		lawyer.Shot(fmt.Sprint("used-", w))
		lawyer.CheckClean()
	}
}
