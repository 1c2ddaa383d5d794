package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// testAuditorFilter: the auditor's page, in the browser, offers every
// declared action in its filter with its Chinese label (the list web.New
// fills from audit.Actions), filters by one, and shows a record's action
// with its label.
func testAuditorFilter(t *testing.T, e *browserEnv) {
	tok := token(t, e.s, auth.Identity{Subject: "audit02", Name: "王审计", Role: auth.Auditor})
	tb := newTab(t, e.browser, "auditor-filter", e.base, e.artifacts)
	tb.viewport(375, 812)
	tb.signIn(tok, "/auditor")
	offered := eval[map[string]string](tb, `Object.fromEntries(Array.from(document.querySelectorAll('#f-action + datalist#actions option')).map(function(o){return [o.value, o.label]}))`)
	for _, a := range audit.Actions() {
		if offered[string(a)] != a.Label() {
			t.Errorf("the filter offers %s as %q, want %q", a, offered[string(a)], a.Label())
		}
		delete(offered, string(a))
	}
	for v := range offered {
		t.Errorf("the filter offers %s, which is not a declared action", v)
	}
	// Signing in queried the log, so there is an audit.query record.
	tb.do("filter for the log's queries",
		chromedp.SetValue(chromedp.CSS("#f-action"), string(audit.AuditQuery)),
		chromedp.Click(chromedp.CSS("#search")),
	)
	tb.wait("the query records", `(function(){var r=document.querySelectorAll('#events tbody tr .action');return r.length>0&&Array.from(r).every(function(c){return c.textContent==='audit.query'})})()`, 15*time.Second)
	if shown := eval[string](tb, `getComputedStyle(document.querySelector('#events tbody tr .action'), '::after').content`); shown != `"`+audit.AuditQuery.Label()+`"` {
		t.Errorf("the action cell shows %s under audit.query, want %q", shown, audit.AuditQuery.Label())
	}
	tb.noHorizontalScroll("auditor page")
	tb.shot("filtered-375")
	tb.viewport(1280, 800)
	tb.shot("filtered-1280")
	tb.checkClean()
}
