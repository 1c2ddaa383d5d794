package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/internal/testpdf"
)

// The lawyer of the versions test: her own, so that no other test's lists
// hold her applications or notices.
const verLicense = "11101201910077717"

type versionsOut struct {
	Versions []struct {
		Version, Pages, Documents, ContentVersion int
		Current                                   bool
		Decisions                                 []struct{ Label string }
		Added, Replaced, Removed                  []struct {
			Volume, Pages           int
			Title, IDs, ReplacedIDs string
		}
	}
	Supplement *struct {
		URL           string
		DownloadsLeft int
	}
}

// fetch follows a download link through the door and returns the text of
// the PDF it serves.
func (ts *tsrv) fetch(linkURL string) string {
	ts.t.Helper()
	return testpdf.Squash(testpdf.Run(ts.t, "pdftotext", ts.download(linkURL), "-"))
}

// TestDossierVersions on the local server: a lawyer downloads version 1;
// the clerk adds a document, replaces one and deletes one; the lawyer is
// told once, with the change list, and downloads version 2 and its
// supplement; the versions are shown to her and to the unit's clerk, to
// nobody else; the audit log has each download with its version.
func TestDossierVersions(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	clerk := w.clerkA
	caseID, caseNo := ts.matCase(clerk)
	one := ts.scan(clerk, caseID, 1, 1, "起诉意见书", "VER-ONE")
	two := ts.scan(clerk, caseID, 2, 1, "鉴定意见", "VER-TWO")
	gone := ts.scan(clerk, caseID, 2, 2, "现场照片", "VER-GONE")
	for _, m := range []matOut{one, two, gone} {
		if m.Status != "accepted" {
			t.Fatalf("material %s: %s", m.Title, m.Status)
		}
	}
	lawyer, appID := ts.approved(clerk, verLicense, caseNo)
	linkOf := func() (status, url string) { return ts.linkOf(lawyer, appID) }
	var v1URL string
	ts.waitFor("version 1", func() bool { st, u := linkOf(); v1URL = u; return st == "ready" && u != "" })
	text1 := ts.fetch(v1URL)
	if !strings.Contains(text1, "VER-GONE") || !strings.Contains(text1, "卷2-0002") {
		t.Fatalf("version 1 lacks its documents or identifiers:\n%s", text1)
	}

	// 退回补充侦查, then the clerk's changes: one added to volume 1, one
	// replaced in volume 2, one deleted.
	ts.must(clerk, "POST", "/api/v1/cases/"+caseID+"/decisions", map[string]string{"kind": "supplementary_investigation", "text": "补充侦查一个月"}, http.StatusCreated, nil)
	data := testpdf.Text("VER-FIX")
	var r matOut
	ts.must(clerk, "POST", "/api/v1/cases/"+caseID+"/materials/"+two.ID+"/replace", map[string]any{"filename": "fix.pdf", "size": len(data)}, http.StatusCreated, &r)
	ts.must("", "PUT", r.UploadURL, data, http.StatusOK, nil)
	if got := ts.verdict(clerk, caseID, r.ID); got.Status != "accepted" {
		t.Fatalf("replacement %s", got.Status)
	}
	ts.must(clerk, "DELETE", "/api/v1/cases/"+caseID+"/materials/"+gone.ID, nil, http.StatusOK, nil)
	if m := ts.scan(clerk, caseID, 1, 2, "补充侦查报告", "VER-NEW"); m.Status != "accepted" {
		t.Fatalf("added material %s", m.Status)
	}

	var vs versionsOut
	ts.waitFor("the lawyer's copy of the case as it is now", func() bool {
		var cv versionsOut
		ts.must(clerk, "GET", "/api/v1/cases/"+caseID+"/versions", nil, http.StatusOK, &cv)
		if len(cv.Versions) == 0 || cv.Versions[0].ContentVersion != ts.contentVersion(clerk, caseID) {
			return false
		}
		ts.must(lawyer, "GET", "/api/v1/applications/"+appID+"/versions", nil, http.StatusOK, &vs)
		return len(vs.Versions) == len(cv.Versions) && vs.Versions[0].Current && vs.Supplement != nil
	})
	// Changes made one after another may land in one version or several;
	// together they are what the clerk did.
	var added, replaced, removed, decisions []string
	for _, v := range vs.Versions {
		for _, d := range v.Decisions {
			decisions = append(decisions, itoa(v.Version)+":"+d.Label)
		}
		if v.ContentVersion != 0 {
			t.Errorf("the lawyer is shown the content version: %+v", v)
		}
		for _, c := range v.Added {
			added = append(added, c.Title+" "+c.IDs)
		}
		for _, c := range v.Replaced {
			replaced = append(replaced, c.Title+" "+c.IDs+" ← "+c.ReplacedIDs)
		}
		for _, c := range v.Removed {
			removed = append(removed, c.Title+" "+c.IDs)
		}
	}
	if !slices.Equal(added, []string{"补充侦查报告 卷1-0002"}) || !slices.Equal(replaced, []string{"鉴定意见 卷2-0001 ← 卷2-0001"}) ||
		!slices.Equal(removed, []string{"现场照片 卷2-0002"}) {
		t.Errorf("change lists: added %q, replaced %q, removed %q", added, replaced, removed)
	}
	latest := vs.Versions[0].Version
	// The decision belongs to the first version built after it.
	if !slices.Equal(decisions, []string{"2:退回补充侦查"}) {
		t.Errorf("procedural decisions by version: %q", decisions)
	}

	// One notice per version, each with its change list.
	var notes struct {
		Notices []struct{ Kind, Subject, Body, ApplicationID string }
	}
	ts.must(lawyer, "GET", "/api/v1/notices", nil, http.StatusOK, &notes)
	var versionNotes []string
	for _, n := range notes.Notices {
		if n.Kind == "dossier.version" && n.ApplicationID == appID {
			versionNotes = append(versionNotes, n.Body)
		}
	}
	if len(versionNotes) != latest-1 {
		t.Errorf("%d dossier.version notices for versions 2…%d: %q", len(versionNotes), latest, versionNotes)
	}
	all := strings.Join(versionNotes, "\n")
	for _, s := range []string{"作出程序性决定：退回补充侦查", "第1卷《补充侦查报告》1页（卷1-0002）", "第2卷《鉴定意见》1页（卷2-0001），替换原卷2-0001", "撤出 1 件：第2卷《现场照片》1页（卷2-0002"} {
		if !strings.Contains(all, s) {
			t.Errorf("the notices do not say %q:\n%s", s, all)
		}
	}

	// Version 2's full copy and the supplement, through their links.
	_, v2URL := linkOf()
	if v2URL == v1URL {
		t.Fatal("the application still shows version 1's link")
	}
	text2 := ts.fetch(v2URL)
	if strings.Contains(text2, "VER-GONE") || !strings.Contains(text2, "VER-FIX") || !strings.Contains(text2, "VER-NEW") ||
		!strings.Contains(text2, "现场照片（第") {
		t.Errorf("version %d's copy:\n%s", latest, text2)
	}
	sup := ts.fetch(vs.Supplement.URL)
	if !strings.Contains(sup, "补充材料") || strings.Contains(sup, "VER-ONE") || !strings.Contains(sup, "周律师") {
		t.Errorf("the supplement:\n%s", sup)
	}
	if door := ts.call("", "GET", v1URL, nil); door.status == http.StatusFound {
		t.Error("version 1's link still downloads after version 2")
	}

	// The clerk sees the history with content versions; others do not.
	var cv versionsOut
	ts.must(clerk, "GET", "/api/v1/cases/"+caseID+"/versions", nil, http.StatusOK, &cv)
	if len(cv.Versions) != latest || cv.Versions[0].ContentVersion == 0 || cv.Supplement != nil {
		t.Errorf("the clerk's history: %+v", cv)
	}
	ts.must(w.clerkB, "GET", "/api/v1/cases/"+caseID+"/versions", nil, http.StatusNotFound, nil)
	ts.must(w.lawyerA, "GET", "/api/v1/applications/"+appID+"/versions", nil, http.StatusNotFound, nil)
	ts.must(w.lawyerA, "GET", "/api/v1/cases/"+caseID+"/versions", nil, http.StatusForbidden, nil)
	ts.must(w.auditor, "GET", "/api/v1/cases/"+caseID+"/versions", nil, http.StatusForbidden, nil)

	// Each download is in the log with its version.
	var page struct {
		Events []struct {
			Action string
			Detail map[string]string
		}
	}
	ts.must(w.auditor, "GET", "/api/v1/audit/events?action=link.download&case="+url.QueryEscape(caseID), nil, http.StatusOK, &page)
	var got []string
	for _, e := range page.Events {
		got = append(got, e.Detail["dossierVersion"]+e.Detail["kind"])
	}
	slices.Sort(got)
	want := []string{"1", itoa(latest), itoa(latest) + "supplement"}
	if !slices.Equal(got, want) {
		t.Errorf("downloads in the audit log by version: %q, want %q", got, want)
	}
}
