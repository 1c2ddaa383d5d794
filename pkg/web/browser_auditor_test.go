package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// auditorCaseNo is the case the auditor's journey looks for, and
// auditorCaseQuery how the auditor types it: round brackets and
// full-width digits off a paper form.
const (
	auditorCaseNo    = "京检刑诉〔2026〕808号"
	auditorCaseQuery = "京检刑诉(２０２６)８０８号"
)

// testAuditorFilter: the auditor's page, in the browser, offers every
// declared action in a list of Chinese labels (the list web.New fills from
// audit.Actions); the auditor finds a case's records by its 案号 (typed
// another way than registered), newest
// first, with roles, actions, results and details in Chinese and times in
// Beijing time with the weekday; a search whose end is before its start is
// not run: the error stands by the end field and the old results go.
func testAuditorFilter(t *testing.T, e *browserEnv) {
	d := newDesk(t, e, auth.Identity{Subject: "clerk88", Name: "赵书记员", Unit: "区检察院"})
	caseID := d.registerCase(caseSpec{No: auditorCaseNo, Title: "钱某盗窃案", Defendants: []string{"钱某"}})
	// A lawyer asked for the case in vain: a refusal in the lawyer's name,
	// its reason a word of the code.
	denied, err := e.s.API.Audit.Append(t.Context(), audit.Event{Actor: "11101201910088888", Role: "lawyer", Action: audit.AccessDeny,
		CaseID: caseID, Result: audit.Denied, IP: "192.0.2.8", Detail: map[string]string{"reason": "lawyer not bound to the case"}})
	if err != nil {
		t.Fatal(err)
	}

	tok := token(t, e.s, auth.Identity{Subject: "audit02", Name: "王审计", Role: auth.Auditor})
	tb := newTab(t, e.browser, "auditor-filter", e.base, e.artifacts)
	tb.Viewport(1280, 800)
	tb.signIn(tok, "/auditor")
	offered := browsertest.Eval[map[string]string](tb, `Object.fromEntries(Array.from(document.querySelectorAll('select#f-action option')).filter(function(o){return o.value}).map(function(o){return [o.value, o.label]}))`)
	for _, a := range audit.Actions() {
		if offered[string(a)] != a.Label() {
			t.Errorf("the filter offers %s as %q, want %q", a, offered[string(a)], a.Label())
		}
		delete(offered, string(a))
	}
	for v := range offered {
		t.Errorf("the filter offers %s, which is not a declared action", v)
	}

	tb.Do("search by 案号 as typed off paper", chromedp.SetValue(chromedp.CSS("#f-case"), auditorCaseQuery), chromedp.Click(chromedp.CSS("#search")))
	tb.Wait("the case's records", `(function(){var r=document.querySelectorAll('#events tbody tr');return r.length===2&&Array.from(r).every(function(tr){var c=tr.querySelector('.case-no');return c&&c.textContent===`+jsString(auditorCaseNo)+`})})()`, 15*time.Second)
	type row struct{ Seq, Time, Actor, Role, Label, Action, Result, Detail, Source string }
	rows := browsertest.Eval[[]row](tb, `Array.from(document.querySelectorAll('#events tbody tr')).map(function(tr){var q=function(s){var n=tr.querySelector(s);return n?n.textContent:''};return {Seq:tr.dataset.seq,Time:q('.when'),Actor:q('.actor'),Role:q('.role'),Label:q('.action-label'),Action:q('code.action'),Result:q('.result'),Detail:q('.detail'),Source:q('.source')}})`)
	// Newest first: the refusal, then the case's registration.
	if len(rows) != 2 || rows[0].Seq != fmt.Sprint(denied.Seq) || rows[1].Action != string(audit.CaseCreate) {
		t.Fatalf("the rows read %+v, want the refusal (%d) above the registration", rows, denied.Seq)
	}
	beijing := denied.Time.In(time.FixedZone("Asia/Shanghai", 8*3600))
	want := row{Seq: fmt.Sprint(denied.Seq), Time: beijing.Format("2006-01-02") + " " + []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[beijing.Weekday()] + " " + beijing.Format("15:04:05"),
		Actor: "11101201910088888", Role: "律师", Label: "越权访问被拒", Action: "access.deny", Result: "拒绝", Detail: "原因：律师未登记为本案辩护人", Source: "192.0.2.8"}
	if rows[0] != want {
		t.Errorf("the refusal reads\n %+v\nwant\n %+v", rows[0], want)
	}
	if rows[1].Role != "案管" || rows[1].Label != "登记案件" || rows[1].Result != "成功" {
		t.Errorf("the registration reads %+v, want 案管, 登记案件, 成功", rows[1])
	}
	if th := tb.Text("#events thead th"); th != "时间（北京时间）" {
		t.Errorf("the time column is headed %q, want it to say Beijing time", th)
	}
	if sw := browsertest.Eval[int](tb, `document.documentElement.scrollWidth`); sw > 1280 {
		t.Errorf("the auditor's page at 1280 px is %d px wide", sw)
	}
	tb.Shot("by-case-1280")

	// The export button saves what the filter selects as the API writes it:
	// Chinese headers, Beijing time to the second, the labels, then the
	// machine fields.
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(tb.Ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
		BrowserContextID: chromedp.FromContext(tb.Ctx).BrowserContextID}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	tb.Do("export CSV", chromedp.Click(chromedp.CSS("#export")))
	var csvData []byte
	for deadline := time.Now().Add(20 * time.Second); csvData == nil; time.Sleep(100 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(downloads, "yuejuan-audit-*.csv")); len(m) > 0 {
			csvData, _ = os.ReadFile(m[0])
		}
		if time.Now().After(deadline) {
			t.Fatal("the CSV export did not arrive in the downloads dir")
		}
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvData, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil || len(records) != 3 {
		t.Fatalf("the CSV holds %d rows (%v), want a header and the case's two records: %q", len(records), err, csvData)
	}
	if h := strings.Join(records[0][:6], ","); h != "序号,时间（北京时间）,操作人,角色,操作,结果" {
		t.Errorf("the CSV's header starts %q", h)
	}
	if r := records[2]; strings.Join(r[:6], ",") != fmt.Sprintf("%d,%s,11101201910088888,律师,越权访问被拒,拒绝", denied.Seq, beijing.Format("2006-01-02 15:04:05")) {
		t.Errorf("the refusal's row starts %q", r[:6])
	}
	if !strings.Contains(tb.Text("#result-status"), "yuejuan-audit-") {
		t.Errorf("after the export the page says %q", tb.Text("#result-status"))
	}
	tb.Viewport(375, 812)
	tb.NoHorizontalScroll("auditor page with the case's records")
	tb.Shot("by-case-375")

	// An end before the start: the error by the end field, the old
	// results gone, nothing asked of the API.
	tb.Do("a range that ends before it starts",
		chromedp.SetValue(chromedp.CSS("#f-from"), "2026-12-08T10:00"),
		chromedp.SetValue(chromedp.CSS("#f-to"), "2026-12-08T09:00"),
		chromedp.Click(chromedp.CSS("#search")))
	tb.Wait("the error by the end field", `!document.querySelector('#f-to-error').hidden`, 10*time.Second)
	if got := tb.Text("#f-to-error"); !strings.Contains(got, "截止时间应晚于起始时间") {
		t.Errorf("the end field's error reads %q", got)
	}
	if inv := browsertest.Eval[string](tb, `document.querySelector('#f-to').getAttribute('aria-invalid')`); inv != "true" {
		t.Errorf("the end field is not marked invalid (aria-invalid %q)", inv)
	}
	if n := browsertest.Eval[int](tb, `document.querySelectorAll('#events tbody tr').length`); n != 0 {
		t.Errorf("%d rows of the previous search still stand under a search that was not run", n)
	}
	if got := tb.Text("#f-from-error"); got != "" {
		t.Errorf("the start field shows %q; the problem is the end", got)
	}
	tb.NoHorizontalScroll("auditor page with a bad range")
	tb.Shot("bad-range-375")
	tb.Viewport(1280, 800)
	tb.Shot("bad-range-1280")
	tb.CheckClean()
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
