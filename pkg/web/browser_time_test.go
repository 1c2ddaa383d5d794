package web_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// testBeijingTimes (issue 16, defect 9): a lawyer and a clerk whose
// browser is in Los Angeles read every time in Beijing time, the clock of
// the notices: the lawyer's card shows the submission time and the
// deadline with their weekdays, and the link's expiry exactly as the
// "卷宗已生成" notice says it; the clerk's queue likewise.
func testBeijingTimes(t *testing.T, e *browserEnv) {
	base := e.base
	const (
		unit    = "朝阳区检察院"
		caseNo  = "京朝检刑诉〔2026〕88号"
		caseNo2 = "京朝检刑诉〔2026〕89号"
		lic     = "11101201910088802" // its own lawyer: the sign-in journey expects only its code in 88888's outbox
	)
	d := newDesk(t, e, auth.Identity{Subject: "clerk88", Name: "冯书记员", Unit: unit})
	clerkTok, call := d.clerkTok, d.call
	lawyerTok := d.lawyerTok(lic, "褚律师")
	caseID := d.registerCase(caseSpec{No: caseNo, Title: "褚某某职务侵占案", Defendants: []string{"褚某某"}, Handler: "卫检察官", Phone: "010-88887777"})
	d.registerCase(caseSpec{No: caseNo2, Title: "陈某某挪用资金案", Defendants: []string{"陈某某"}, Handler: "卫检察官", Phone: "010-88887777"})
	d.scan(caseID, scanSpec{Volume: 1, VolumeTitle: "诉讼文书卷", Seq: 1, Title: "起诉意见书", Filename: "01.pdf", Data: testpdf.Text("TIME-ONE")})
	type app struct {
		ID, Status, SubmittedAt, Deadline string
	}
	apply := func(caseNo, client string) app {
		atts := d.attachments(lawyerTok)
		var a app
		d.apply(lawyerTok, lawyerSpec{Name: "褚律师", License: lic, Firm: "北京某某律师事务所", Phone: "13600000088"}, caseNo, client, atts, &a)
		return a
	}
	ready, open := apply(caseNo, "褚某某"), apply(caseNo2, "陈某某")
	d.approve(ready.ID)
	call(lawyerTok, "GET", "/api/v1/applications/"+ready.ID, nil, http.StatusOK, &ready)
	if ready.Status != "ready" {
		t.Fatalf("application %s: want ready", ready.Status)
	}

	// What the page must say, in Beijing time, from the server's own
	// values and the notice's text.
	cst := time.FixedZone("CST", 8*3600)
	weekdays := []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}
	submitted := func(a app) string {
		at, err := time.Parse(time.RFC3339Nano, a.SubmittedAt)
		if err != nil {
			t.Fatalf("submittedAt %q: %v", a.SubmittedAt, err)
		}
		at = at.In(cst)
		return at.Format("2006-01-02") + " " + weekdays[at.Weekday()] + " " + at.Format("15:04")
	}
	day := func(d string) string {
		at, err := time.Parse("2006-01-02", d)
		if err != nil {
			t.Fatalf("deadline %q: %v", d, err)
		}
		return d + " " + weekdays[at.Weekday()]
	}
	var ns struct {
		Notices []struct{ Kind, Body, ApplicationID string }
	}
	call(lawyerTok, "GET", "/api/v1/notices", nil, http.StatusOK, &ns)
	var expires string
	for _, n := range ns.Notices {
		if n.Kind == "link.ready" && n.ApplicationID == ready.ID {
			mm := regexp.MustCompile(`有效至 (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})`).FindStringSubmatch(n.Body)
			if mm == nil {
				t.Fatalf("the link notice names no expiry: %s", n.Body)
			}
			expires = day(mm[1]) + " " + mm[2]
		}
	}
	if expires == "" {
		t.Fatalf("no link.ready notice for %s in %+v", ready.ID, ns.Notices)
	}

	losAngeles := func(tb *tab) {
		t.Helper()
		// newTab put the tab in Beijing; this one is abroad.
		for _, zone := range []string{"", "America/Los_Angeles"} {
			if _, err := chromedp.Call(tb.Ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone}); err != nil {
				t.Fatalf("time zone %q: %v", zone, err)
			}
		}
		if z := browsertest.Eval[string](tb, `Intl.DateTimeFormat().resolvedOptions().timeZone`); z != "America/Los_Angeles" {
			t.Fatalf("the browser's zone is %q", z)
		}
	}
	shots := "/tmp/shots16"
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := func(tb *tab, name string) {
		tb.Shot(name)
		if png, err := os.ReadFile(filepath.Join(e.artifacts, tb.Name+"-"+name+".png")); err == nil {
			_ = os.WriteFile(filepath.Join(shots, "time-"+name+".png"), png, 0o644)
		}
	}

	lawyer := newTab(t, e.browser, "lawyer-time", base, e.artifacts)
	losAngeles(lawyer)
	lawyer.Viewport(1280, 900)
	lawyer.signIn(lawyerTok, "/lawyer")
	for _, a := range []app{ready, open} {
		card := `#apps li[data-id="` + a.ID + `"]`
		lawyer.Wait("the card of "+a.ID, `document.querySelector('`+card+`')`, 15*time.Second)
		got := lawyer.Text(card)
		wants := []string{"提交时间（北京时间）" + submitted(a)}
		if a.ID == open.ID {
			wants = append(wants, "答复期限 "+day(a.Deadline))
		} else {
			wants = append(wants, "链接有效期至 "+expires+"（北京时间）")
		}
		for _, want := range wants {
			if !strings.Contains(got, want) {
				t.Errorf("the lawyer's card %s lacks %q:\n%s", a.ID, want, got)
			}
		}
	}
	if got := lawyer.Text("#notices-card"); !strings.Contains(got, "时间均为北京时间") {
		t.Errorf("the notices do not say their zone:\n%s", got)
	}
	shot(lawyer, "lawyer-1280")
	lawyer.Viewport(375, 800)
	lawyer.NoHorizontalScroll("/lawyer in Los Angeles")
	shot(lawyer, "lawyer-375")
	lawyer.CheckClean()

	clerk := newTab(t, e.browser, "clerk-time", base, e.artifacts)
	losAngeles(clerk)
	clerk.Viewport(1280, 900)
	clerk.signIn(clerkTok, "/clerk")
	card := `#queue li[data-id="` + open.ID + `"]`
	clerk.Wait("the open application in the queue", `document.querySelector('`+card+`')`, 15*time.Second)
	got := clerk.Text(card)
	for _, want := range []string{"提交时间（北京时间）" + submitted(open), "答复期限 " + day(open.Deadline)} {
		if !strings.Contains(got, want) {
			t.Errorf("the clerk's queue card lacks %q:\n%s", want, got)
		}
	}
	shot(clerk, "clerk-1280")
	clerk.Viewport(375, 800)
	clerk.NoHorizontalScroll("/clerk in Los Angeles")
	shot(clerk, "clerk-375")
	clerk.CheckClean()
}
