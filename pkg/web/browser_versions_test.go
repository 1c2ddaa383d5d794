package web_test

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// testVersions (issue 17): a lawyer's copy is ready; the clerk adds a
// document and deletes one; the lawyer's page shows the case's versions
// with the change list (volume, title, pages, identifiers), that her copy
// is the new one, and the supplement's download, which serves a PDF; the
// notice says 电子卷宗已更新; the clerk sees the same history for the case
// with its content versions. At 1280 and 375 px.
func testVersions(t *testing.T, e *browserEnv) {
	s, base := e.s, e.base
	const caseNo = "京朝检刑诉〔2026〕17号"
	// material is a one-page PDF reading marker as document seq of volume vol.
	material := func(vol, seq int, title, marker string) scanSpec {
		return scanSpec{Volume: vol, VolumeTitle: map[int]string{1: "诉讼文书卷", 2: "证据材料卷"}[vol],
			Seq: seq, Title: title, Filename: marker + ".pdf", Data: testpdf.Text(marker)}
	}
	d := readyDossier(t, e, dossierSpec{
		Clerk: auth.Identity{Subject: "clerk17", Name: "冯书记员", Unit: "朝阳区检察院"},
		Case: caseSpec{No: caseNo, Title: "陈某某职务侵占案", Defendants: []string{"陈某某"},
			Handler: "蒋检察官", Phone: "010-66661717"},
		Scans:  []scanSpec{material(1, 1, "起诉意见书", "VERS-ONE"), material(2, 1, "现场照片", "VERS-PHOTO")},
		Lawyer: lawyerSpec{Name: "陈律师", License: "11101201910071717", Firm: "北京某某律师事务所", Phone: "13600001717"},
	})
	clerkTok, lawyerTok, call := d.clerkTok, d.LawyerTok, d.call
	photo := d.ScanIDs[1]
	app := struct{ ID, Status string }{ID: d.AppID}
	call(lawyerTok, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &app)
	if app.Status != "ready" {
		t.Fatalf("application %s: want ready", app.Status)
	}

	// The clerk's changes: the photo removed, a report added.
	call(clerkTok, "DELETE", "/api/v1/cases/"+d.CaseID+"/materials/"+photo, nil, http.StatusOK, nil)
	d.scan(d.CaseID, material(1, 2, "补充侦查报告", "VERS-NEW"))
	s.Queue.Wait()

	lawyer := newTab(t, e.browser, "lawyer-versions", base, e.artifacts)
	lawyer.Viewport(1280, 900)
	lawyer.signIn(lawyerTok, "/lawyer")
	card := `#versions li[data-app="` + app.ID + `"]`
	lawyer.Wait("the case's versions", `document.querySelector('`+card+` a.supplement') && !document.querySelector('#versions-card').hidden`, 20*time.Second)
	got := lawyer.Text(card)
	for _, want := range []string{caseNo, "第 1 版", "首个版本", "您当前的卷宗", "下载补充材料", "北京时间",
		"补充侦查报告", "卷1-0002", "撤出 1", "现场照片", "卷2-0001", "页码标识保留，不再使用"} {
		if !strings.Contains(got, want) {
			t.Errorf("the lawyer's versions lack %q:\n%s", want, got)
		}
	}
	if !regexp.MustCompile(`第 [2-9] 版`).MatchString(got) {
		t.Errorf("no second version shown:\n%s", got)
	}
	if n := lawyer.Text("#notices"); !strings.Contains(n, "电子卷宗已更新") || !strings.Contains(n, "补充侦查报告") {
		t.Errorf("the notices do not tell of the new version:\n%s", n)
	}
	lawyer.Do("show the versions", chromedp.ScrollIntoView(chromedp.CSS(card)))
	lawyer.Shot("versions-1280")
	lawyer.shotOf("#versions-card", "card-1280")
	href := browsertest.Eval[string](lawyer, `document.querySelector('`+card+` a.supplement').href`)
	resp, err := http.Get(href)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("the supplement's link: %d, not a PDF", resp.StatusCode)
	}
	lawyer.Viewport(375, 812)
	lawyer.NoHorizontalScroll("/lawyer with versions")
	lawyer.Do("show the versions", chromedp.ScrollIntoView(chromedp.CSS(card)))
	lawyer.Shot("versions-375")
	lawyer.shotOf("#versions-card", "card-375")
	lawyer.CheckClean()

	clerk := newTab(t, e.browser, "clerk-versions", base, e.artifacts)
	clerk.Viewport(1280, 900)
	clerk.signIn(clerkTok, "/clerk")
	clerk.Wait("the unit's cases to choose from", `[...document.querySelectorAll('#versions-case option')].some(o => o.value === '`+d.CaseID+`')`, 20*time.Second)
	clerk.Do("choose the case", chromedp.SetValue(chromedp.CSS(`#versions-case`), d.CaseID),
		chromedp.Click(chromedp.CSS(`#versions-form button[type=submit]`)))
	clerk.Wait("the case's versions", `document.querySelector('#versions li.version')`, 15*time.Second)
	hist := clerk.Text("#versions")
	for _, want := range []string{"第 1 版", "材料版本", "新增 1", "补充侦查报告", "撤出 1", "现场照片"} {
		if !strings.Contains(hist, want) {
			t.Errorf("the clerk's versions lack %q:\n%s", want, hist)
		}
	}
	if strings.Contains(hist, "您当前的卷宗") {
		t.Errorf("the clerk is shown a lawyer's copy:\n%s", hist)
	}
	clerk.Do("show the versions", chromedp.ScrollIntoView(chromedp.CSS(`#versions-card`)))
	clerk.Shot("versions-1280")
	clerk.shotOf("#versions-card", "card-1280")
	clerk.Viewport(375, 812)
	clerk.NoHorizontalScroll("/clerk with versions")
	clerk.Do("show the versions", chromedp.ScrollIntoView(chromedp.CSS(`#versions-card`)))
	clerk.Shot("versions-375")
	clerk.shotOf("#versions-card", "card-375")
	clerk.CheckClean()
}
