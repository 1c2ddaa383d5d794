package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// testMaterials (issue 16, defect 5): the clerk fixes a case's materials
// from its 卷内目录 after a lawyer's dossier was built — renames one,
// moves one up, moves one to another volume, deletes a rejected scan,
// replaces an accepted one with a new file — and deals with two uploads a
// reload cut short: one resumed with its file, one removed. Each change is
// seen in the table and in the API; the case gets a new content version
// and the log a record of each. Files staged for upload stay with their
// case: switching to another case shows none, coming back shows them again,
// labelled with the case. At 1280 and 375 px.
func testMaterials(t *testing.T, e *browserEnv) {
	s, base := e.s, e.base
	const (
		unit    = "开发区检察院"
		caseNo  = "京检刑诉〔2026〕171号"
		otherNo = "京检刑诉〔2026〕172号"
		lic     = "11101201910078801"
	)
	dk := newDesk(t, e, auth.Identity{Subject: "clerk21", Name: "冯书记员", Unit: unit})
	clerkTok, call := dk.clerkTok, dk.call
	lawyerTok := dk.lawyerTok(lic, "吴律师")
	caseID := dk.registerCase(caseSpec{No: caseNo, Title: "吴某某诈骗案", Defendants: []string{"吴某某"}})
	otherID := dk.registerCase(caseSpec{No: otherNo, Title: "郑某盗窃案", Defendants: []string{"郑某"}})
	mats := "/api/v1/cases/" + caseID + "/materials"
	register := func(seq int, title, file string, size int) (id, url string) {
		return dk.register(caseID, scanSpec{Volume: 1, VolumeTitle: "诉讼文书卷", Seq: seq, Title: title, Filename: file, Size: size})
	}
	put := func(seq int, title, file string, data []byte) string {
		return dk.scan(caseID, scanSpec{Volume: 1, VolumeTitle: "诉讼文书卷", Seq: seq, Title: title, Filename: file, Data: data})
	}
	a := put(1, "起诉意见书", "a.pdf", testpdf.Text("MAT-WEB-A"))
	b := put(2, "讯问笔录", "b.pdf", testpdf.Text("MAT-WEB-B"))
	r := put(3, "现场照片", "r.pdf", []byte("这不是扫描件，只是一段文字。"))
	s.Queue.Wait()

	// A lawyer's dossier is built from them: a base of this content version.
	atts := dk.attachments(lawyerTok)
	var app struct{ ID, Status string }
	dk.apply(lawyerTok, lawyerSpec{Name: "吴律师", License: lic, Firm: "某律所", Phone: "13700000001"}, caseNo, "吴某某", atts, &app)
	dk.approve(app.ID)
	call(lawyerTok, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &app)
	if app.Status != "ready" {
		t.Fatalf("the lawyer's application is %s, want ready", app.Status)
	}
	version := func() int {
		var c struct{ ContentVersion int }
		call(clerkTok, "GET", "/api/v1/cases/"+caseID, nil, http.StatusOK, &c)
		return c.ContentVersion
	}
	v0 := version()

	// Two uploads a reload cut short: registered, never sent.
	dData := testpdf.Text("MAT-WEB-D")
	d, _ := register(4, "鉴定意见", "d.pdf", len(dData))
	x, _ := register(5, "辨认笔录", "x.pdf", 500)

	dir := t.TempDir()
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bNew := file("b-rescan.pdf", testpdf.Text("MAT-WEB-B2"))
	dFile := file("d.pdf", dData)
	staged := file("staged.pdf", testpdf.Text("MAT-WEB-STAGED"))

	clerk := newTab(t, e.browser, "clerk-materials", base, e.artifacts)
	clerk.Viewport(1280, 900)
	clerk.signIn(clerkTok, "/clerk")
	pick := func(id string) {
		clerk.Wait("the case in the list", fmt.Sprintf(`!!document.querySelector('#case-select option[value=%q]')`, id), 10*time.Second)
		browsertest.Eval[bool](clerk, fmt.Sprintf(`(function(){var s=document.querySelector('#case-select');s.value=%q;s.dispatchEvent(new Event('change'));return true})()`, id))
	}
	row := func(id string) string { return fmt.Sprintf(`#toc tr[data-id=%q]`, id) }
	has := func(sel string) string { return fmt.Sprintf(`!!document.querySelector(%q)`, sel) }
	cell := func(id string, n int) string {
		return browsertest.Eval[string](clerk, fmt.Sprintf(`(function(){var r=document.querySelector(%q);return r?r.children[%d].textContent:''})()`, row(id), n))
	}
	pick(caseID)
	clerk.Wait("the 卷内目录 with five materials", `document.querySelectorAll('#toc tr[data-id]').length === 5`, 15*time.Second)
	if got := clerk.Text(row(d)); !strings.Contains(got, "等待上传") || !strings.Contains(got, "前未继续上传将自动移除") {
		t.Errorf("the unuploaded material's row says %q, want 等待上传 and when it goes by itself", got)
	}
	for _, want := range []string{row(d) + " .m-resume", row(r) + " .m-replace", row(r) + " .m-delete", row(a) + " .m-replace"} {
		if !browsertest.Eval[bool](clerk, has(want)) {
			t.Errorf("no %s", want)
		}
	}
	clerk.Shot("materials-toc-1280")

	// Rename.
	clerk.Do("open the rename of 讯问笔录", chromedp.Click(chromedp.CSS(row(b)+" .m-rename")))
	clerk.Wait("the rename form", has("tr.m-editor .m-new-title"), 5*time.Second)
	clerk.Do("rename it", chromedp.SetValue(chromedp.CSS("tr.m-editor .m-new-title"), "讯问笔录（第一次）"), chromedp.Click(chromedp.CSS("tr.m-editor .m-save")))
	clerk.Wait("the new title", fmt.Sprintf(`(function(){var c=document.querySelector(%q);return c&&c.textContent==='讯问笔录（第一次）'})()`, row(b)+" .m-title"), 10*time.Second)

	// Re-order: 讯问笔录 up to no. 1.
	clerk.Do("move 讯问笔录 up", chromedp.Click(chromedp.CSS(row(b)+" .m-up")))
	clerk.Wait("讯问笔录 first", fmt.Sprintf(`(function(){var r=document.querySelector(%q);return r&&r.children[0].textContent==='1'})()`, row(b)), 10*time.Second)
	if got := cell(a, 0); got != "2" {
		t.Errorf("起诉意见书 is no. %s after 讯问笔录 moved up, want 2", got)
	}

	// Move 起诉意见书 to a new volume 2.
	clerk.Do("open the move of 起诉意见书", chromedp.Click(chromedp.CSS(row(a)+" .m-move")))
	clerk.Wait("the move form", has("tr.m-editor .m-new-volume"), 5*time.Second)
	clerk.Do("move it to volume 2", chromedp.SetValue(chromedp.CSS("tr.m-editor .m-new-volume"), "2"),
		chromedp.SetValue(chromedp.CSS("tr.m-editor .m-new-volume-title"), "证据材料卷"), chromedp.Click(chromedp.CSS("tr.m-editor .m-save")))
	clerk.Wait("volume 2 in the table", `/第 2 卷 证据材料卷/.test(document.querySelector('#toc').textContent)`, 10*time.Second)

	// Delete the rejected scan, after confirming.
	clerk.Do("ask to delete 现场照片", chromedp.Click(chromedp.CSS(row(r)+" .m-delete")))
	clerk.Wait("the confirmation", has("tr.m-editor .m-confirm"), 5*time.Second)
	if got := clerk.Text("tr.m-editor"); !strings.Contains(got, "确认删除第 1 卷") || !strings.Contains(got, "现场照片") {
		t.Errorf("the confirmation says %q", got)
	}
	clerk.Shot("materials-delete-confirm-1280")
	clerk.Do("confirm", chromedp.Click(chromedp.CSS("tr.m-editor .m-confirm")))
	clerk.Wait("the rejected scan gone", "!"+has(row(r)), 10*time.Second)

	// Replace 讯问笔录 with a re-scan: a new row in its place, the old one gone.
	clerk.Do("open the replace of 讯问笔录", chromedp.Click(chromedp.CSS(row(b)+" .m-replace")))
	clerk.Wait("the replace form", has("tr.m-editor .m-file"), 5*time.Second)
	clerk.Do("send the re-scan", chromedp.SetUploadFiles(chromedp.CSS("tr.m-editor .m-file"), []string{bNew}), chromedp.Click(chromedp.CSS("tr.m-editor .m-save")))
	clerk.Wait("the re-scan in, the old scan out", "!"+has(row(b))+` && /已替换/.test(document.querySelector('#toc-status').textContent)`, 60*time.Second)
	var replacement string
	var ms struct {
		Materials []struct {
			ID, Title, Status, Replaces string
			Volume, Seq                 int
		}
	}
	call(clerkTok, "GET", mats, nil, http.StatusOK, &ms)
	for _, m := range ms.Materials {
		if m.Replaces == b {
			replacement = m.ID
			if m.Title != "讯问笔录（第一次）" || m.Status != "accepted" || m.Volume != 1 || m.Seq != 1 {
				t.Errorf("the replacement: %+v", m)
			}
		}
	}
	if replacement == "" || !browsertest.Eval[bool](clerk, has(row(replacement))) {
		t.Fatalf("no replacement of 讯问笔录 listed (%+v)", ms.Materials)
	}

	// The upload cut short, resumed with its file.
	clerk.Do("open the resume of 鉴定意见", chromedp.Click(chromedp.CSS(row(d)+" .m-resume")))
	clerk.Wait("the resume form", has("tr.m-editor .m-file"), 5*time.Second)
	if got := clerk.Text("tr.m-editor"); !strings.Contains(got, "d.pdf") {
		t.Errorf("the resume form does not name the file to choose: %q", got)
	}
	clerk.Do("send it", chromedp.SetUploadFiles(chromedp.CSS("tr.m-editor .m-file"), []string{dFile}), chromedp.Click(chromedp.CSS("tr.m-editor .m-save")))
	clerk.Wait("鉴定意见 accepted", fmt.Sprintf(`(function(){var r=document.querySelector(%q);return r&&r.dataset.status==='accepted'})()`, row(d)), 60*time.Second)

	// The other, removed.
	clerk.Do("ask to remove 辨认笔录", chromedp.Click(chromedp.CSS(row(x)+" .m-delete")))
	clerk.Wait("the confirmation", has("tr.m-editor .m-confirm"), 5*time.Second)
	clerk.Do("confirm", chromedp.Click(chromedp.CSS("tr.m-editor .m-confirm")))
	clerk.Wait("辨认笔录 gone", "!"+has(row(x)), 10*time.Second)
	clerk.Shot("materials-fixed-1280")

	call(clerkTok, "GET", mats, nil, http.StatusOK, &ms)
	got := map[string]string{}
	for _, m := range ms.Materials {
		got[m.ID] = fmt.Sprintf("%d/%d %s %s", m.Volume, m.Seq, m.Title, m.Status)
	}
	want := map[string]string{a: "2/1 起诉意见书 accepted", replacement: "1/1 讯问笔录（第一次） accepted", d: "1/4 鉴定意见 accepted"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the case's materials are %v, want %v", got, want)
	}
	if v := version(); v <= v0 {
		t.Errorf("content version %d after changing a built dossier's materials, want more than %d", v, v0)
	}
	for action, target := range map[audit.Action]string{audit.MaterialRename: b, audit.MaterialDelete: r, audit.MaterialReplace: replacement, audit.MaterialMove: a} {
		n := 0
		if err := s.API.Audit.Each(context.Background(), audit.Filter{CaseID: caseID, Action: action}, func(ev audit.Event) error {
			if ev.Target == target && ev.Actor == "clerk21" {
				n++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d %s records of %s by the clerk, want 1", n, action, target)
		}
	}

	// Staged files stay with their case.
	clerk.Do("stage a file", chromedp.SetUploadFiles(chromedp.CSS("#scan-files"), []string{staged}))
	clerk.Wait("the staged file", `document.querySelectorAll('#files li').length === 1`, 5*time.Second)
	if got := clerk.Text("#files-case"); !strings.Contains(got, caseNo) {
		t.Errorf("the staged list says %q, want it to name %s", got, caseNo)
	}
	clerk.Shot("materials-staged-1280")
	pick(otherID)
	clerk.Wait("the other case's empty list", `document.querySelectorAll('#files li').length === 0 && document.querySelector('#files-case').hidden`, 10*time.Second)
	pick(caseID)
	clerk.Wait("the staged file back with its case", `document.querySelectorAll('#files li').length === 1`, 10*time.Second)
	if got := clerk.Text("#files li .meta"); !strings.Contains(got, "staged.pdf") {
		t.Errorf("back on the case, the staged list shows %q", got)
	}
	clerk.Do("unstage it", chromedp.Click(chromedp.CSS("#files li .remove")))
	clerk.Wait("the staged list empty", `document.querySelectorAll('#files li').length === 0`, 5*time.Second)

	// At 375 px: the table scrolls inside its card, the change form stays in view.
	clerk.Viewport(375, 800)
	clerk.Do("ask to delete 起诉意见书", chromedp.Click(chromedp.CSS(row(a)+" .m-delete")))
	clerk.Wait("the confirmation", has("tr.m-editor .m-confirm"), 5*time.Second)
	clerk.NoHorizontalScroll("/clerk with a material's change form")
	if right := browsertest.Eval[float64](clerk, `document.querySelector('tr.m-editor .m-confirm').getBoundingClientRect().right`); right > 375 {
		t.Errorf("the confirm button ends at %.0f px, off a 375 px screen", right)
	}
	clerk.Shot("materials-delete-confirm-375")
	clerk.Do("cancel", chromedp.Click(chromedp.CSS("tr.m-editor .m-cancel")))
	clerk.Wait("the form closed", "!"+has("tr.m-editor"), 5*time.Second)
	if !browsertest.Eval[bool](clerk, has(row(a))) {
		t.Error("cancelling deleted the material")
	}
	clerk.Shot("materials-375")
	clerk.CheckClean()
}
