package server_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// The lawyers of the materials tests: their own, so that no other test's
// lists hold their applications.
const (
	matLicense1 = "11101201910077701"
	matLicense2 = "11101201910077702"
)

type matOut struct {
	ID, Status, Title, Replaces, UploadURL string
	Volume, Seq                            int
	LapsesAt                               *string
}

// matCase is a new case of unit A registered by clerk, open to review
// (defendant 孙某某): its id and case number.
func (ts *tsrv) matCase(clerk string) (id, no string) {
	ts.t.Helper()
	return ts.newCase(clerk, "孙某某合同诈骗案", "孙某某")
}

// material is a material as the clerk registers it.
type material struct {
	Volume      int    `json:"volume"`
	VolumeTitle string `json:"volumeTitle"`
	Seq         int    `json:"seq"`
	Title       string `json:"title"`
	Filename    string `json:"filename"`
	Size        int    `json:"size"`
}

// register registers m as a material of case caseID: its id and upload URL.
func (ts *tsrv) register(clerk, caseID string, m material) matOut {
	ts.t.Helper()
	var out matOut
	ts.must(clerk, "POST", "/api/v1/cases/"+caseID+"/materials", m, http.StatusCreated, &out)
	return out
}

// upload registers data as material m of case caseID (its size is data's)
// and uploads it: the material's id. Its verdict comes later.
func (ts *tsrv) upload(clerk, caseID string, m material, data []byte) string {
	ts.t.Helper()
	m.Size = len(data)
	out := ts.register(clerk, caseID, m)
	ts.must("", "PUT", out.UploadURL, data, http.StatusOK, nil)
	return out.ID
}

// scan registers a one-page PDF reading marker as material (vol, seq,
// title) of case caseID, uploads it and waits for its verdict.
func (ts *tsrv) scan(clerk, caseID string, vol, seq int, title, marker string) matOut {
	ts.t.Helper()
	id := ts.upload(clerk, caseID, material{Volume: vol, VolumeTitle: map[int]string{1: "诉讼文书卷", 2: "证据材料卷"}[vol], Seq: seq, Title: title,
		Filename: marker + ".pdf"}, testpdf.Text(marker))
	return ts.verdict(clerk, caseID, id)
}

// verdict waits until material id of case caseID is accepted or rejected.
func (ts *tsrv) verdict(clerk, caseID, id string) matOut {
	ts.t.Helper()
	var m matOut
	ts.waitFor("verdict of "+id, func() bool {
		ts.must(clerk, "GET", "/api/v1/cases/"+caseID+"/materials/"+id, nil, http.StatusOK, &m)
		return m.Status == "accepted" || m.Status == "rejected"
	})
	return m
}

func (ts *tsrv) materials(clerk, caseID string) map[string]matOut {
	ts.t.Helper()
	var got struct{ Materials []matOut }
	ts.must(clerk, "GET", "/api/v1/cases/"+caseID+"/materials", nil, http.StatusOK, &got)
	out := map[string]matOut{}
	for _, m := range got.Materials {
		out[m.ID] = m
	}
	return out
}

func (ts *tsrv) contentVersion(clerk, caseID string) int {
	ts.t.Helper()
	var c struct{ ContentVersion int }
	ts.must(clerk, "GET", "/api/v1/cases/"+caseID, nil, http.StatusOK, &c)
	return c.ContentVersion
}

// reviewText is what the lawyer with license reads in her copy of case
// caseNo: she applies, clerk approves, and the text of the copy her link
// downloads is returned once the dossier is ready.
func (ts *tsrv) reviewText(clerk, license, caseNo string) string {
	ts.t.Helper()
	lawyer, app := ts.approved(clerk, license, caseNo)
	return ts.copyText(lawyer, app)
}

// approved is an application of the lawyer with license for case caseNo,
// approved by clerk: her token and the application's id.
func (ts *tsrv) approved(clerk, license, caseNo string) (lawyer, appID string) {
	ts.t.Helper()
	lawyer = ts.token(auth.Lawyer, license, "周律师", "")
	appID = ts.applyFor(lawyer, "周律师", license, caseNo, "孙某某", ts.attachments(lawyer))
	ts.must(clerk, "POST", "/api/v1/applications/"+appID+"/decision", map[string]string{"decision": "approve"}, http.StatusOK, nil)
	return lawyer, appID
}

// copyText waits until application appID is ready and returns the text of
// the copy the lawyer's link downloads.
func (ts *tsrv) copyText(lawyer, appID string) string {
	ts.t.Helper()
	var url string
	ts.waitFor("dossier", func() bool {
		var st string
		st, url = ts.linkOf(lawyer, appID)
		return st == "ready"
	})
	return testpdf.Run(ts.t, "pdftotext", "-layout", ts.download(url), "-")
}

// linkOf is application appID's state and its link's URL (none: "") as the
// lawyer reads them.
func (ts *tsrv) linkOf(lawyer, appID string) (status, url string) {
	ts.t.Helper()
	var got struct {
		Status string
		Link   *struct{ URL string }
	}
	ts.must(lawyer, "GET", "/api/v1/applications/"+appID, nil, http.StatusOK, &got)
	if got.Link != nil {
		url = got.Link.URL
	}
	return got.Status, url
}

// download follows a download link through the door and saves the PDF it
// serves: the file's path.
func (ts *tsrv) download(linkURL string) string {
	ts.t.Helper()
	door := ts.must("", "GET", linkURL, nil, http.StatusFound, nil)
	pdf := ts.must("", "GET", door.header.Get("Location"), nil, http.StatusOK, nil)
	f := filepath.Join(ts.t.TempDir(), "copy.pdf")
	if err := os.WriteFile(f, pdf.body, 0o600); err != nil {
		ts.t.Fatal(err)
	}
	return f
}

// A clerk fixes a case's materials (issue 16, defect 5). Before any
// dossier, a rename and a re-order change the materials and nothing else
// (same content version, ids kept). Once a lawyer's dossier is built,
// deleting a scan and replacing another each start a new content version;
// the replaced scan stays in the case until its replacement is accepted,
// and a dossier approved meanwhile waits for it (a hold); the next copy has
// the replacement and the new title, not the deleted or the replaced scan.
// Every change is audited under the clerk; a lawyer may not make one (403),
// nor a clerk of another unit (404).
func TestMaterialChanges(t *testing.T) {
	ts := newTsrv(t)
	clerk := ts.token(auth.Clerk, "clerk01", "王书记员", unitA)
	caseID, caseNo := ts.matCase(clerk)
	path := "/api/v1/cases/" + caseID + "/materials"
	a := ts.scan(clerk, caseID, 1, 1, "起诉意见书", "MARKER-ALPHA")
	b := ts.scan(clerk, caseID, 1, 2, "讯问笔录", "MARKER-BRAVO")
	c := ts.scan(clerk, caseID, 1, 3, "鉴定意见", "MARKER-CHARLIE")
	for _, m := range []matOut{a, b, c} {
		if m.Status != "accepted" {
			t.Fatalf("%s: %s", m.Title, m.Status)
		}
	}
	v0 := ts.contentVersion(clerk, caseID)

	// Before any dossier: the materials change, the version does not.
	var renamed matOut
	ts.must(clerk, "PATCH", path+"/"+b.ID, map[string]any{"title": "讯问笔录（第一次）"}, http.StatusOK, &renamed)
	if renamed.ID != b.ID || renamed.Title != "讯问笔录（第一次）" {
		t.Errorf("renamed: %+v", renamed)
	}
	ts.must(clerk, "POST", path+"/order", map[string]any{"volume": 1, "ids": []string{c.ID, a.ID, b.ID}}, http.StatusOK, nil)
	ms := ts.materials(clerk, caseID)
	if ms[c.ID].Seq != 1 || ms[a.ID].Seq != 2 || ms[b.ID].Seq != 3 {
		t.Errorf("after the re-order: C %d, A %d, B %d; want 1, 2, 3", ms[c.ID].Seq, ms[a.ID].Seq, ms[b.ID].Seq)
	}
	if v := ts.contentVersion(clerk, caseID); v != v0 {
		t.Errorf("content version %d after a rename and a re-order before any dossier, want %d", v, v0)
	}
	var bad struct{ Error struct{ Code string } }
	ts.must(clerk, "POST", path+"/order", map[string]any{"volume": 1, "ids": []string{c.ID, a.ID}}, http.StatusUnprocessableEntity, &bad)
	if bad.Error.Code != "invalid" {
		t.Errorf("an order leaving one out: %+v", bad)
	}

	// Nobody else changes them.
	lawyer := ts.token(auth.Lawyer, matLicense1, "周律师", "")
	ts.must(lawyer, "PATCH", path+"/"+a.ID, map[string]any{"title": "x"}, http.StatusForbidden, nil)
	ts.must(lawyer, "DELETE", path+"/"+a.ID, nil, http.StatusForbidden, nil)
	other := ts.token(auth.Clerk, "clerk09", "赵书记员", unitB)
	ts.must(other, "DELETE", path+"/"+a.ID, nil, http.StatusNotFound, nil)
	ts.must(other, "POST", path+"/"+a.ID+"/replace", map[string]any{"filename": "x.pdf", "size": 10}, http.StatusNotFound, nil)
	if _, ok := ts.materials(clerk, caseID)[a.ID]; !ok {
		t.Fatal("another unit's clerk deleted the material")
	}

	first := ts.reviewText(clerk, matLicense1, caseNo)
	for _, want := range []string{"MARKER-ALPHA", "MARKER-BRAVO", "MARKER-CHARLIE", "讯问笔录（第一次）"} {
		if !strings.Contains(first, want) {
			t.Errorf("the first copy lacks %s", want)
		}
	}
	v1 := ts.contentVersion(clerk, caseID)

	// After the dossier: a delete starts a new version.
	ts.must(clerk, "DELETE", path+"/"+a.ID, nil, http.StatusOK, nil)
	if _, ok := ts.materials(clerk, caseID)[a.ID]; ok {
		t.Error("the deleted material is still listed")
	}
	v2 := ts.contentVersion(clerk, caseID)
	if v2 <= v1 {
		t.Errorf("content version %d after deleting from a built dossier, want more than %d", v2, v1)
	}

	// A replacement: a new id naming the old; the old stays until it is in.
	data := testpdf.Text("MARKER-DELTA")
	var r matOut
	ts.must(clerk, "POST", path+"/"+c.ID+"/replace", map[string]any{"filename": "delta.pdf", "size": len(data)}, http.StatusCreated, &r)
	if r.ID == c.ID || r.Replaces != c.ID || r.Title != "鉴定意见" || r.Seq != 1 || r.Status != "awaiting_upload" {
		t.Errorf("replacement: %+v", r)
	}
	var busy struct{ Error struct{ Code string } }
	ts.must(clerk, "POST", path+"/"+c.ID+"/replace", map[string]any{"filename": "e.pdf", "size": len(data)}, http.StatusConflict, &busy)
	if busy.Error.Code != "material_busy" {
		t.Errorf("a second replacement: %+v", busy)
	}
	if _, ok := ts.materials(clerk, caseID)[c.ID]; !ok {
		t.Error("the replaced material left before its replacement arrived")
	}
	// Renamed meanwhile, the replacement takes the new title too.
	ts.must(clerk, "PATCH", path+"/"+c.ID, map[string]any{"title": "鉴定意见（补充）"}, http.StatusOK, nil)
	if got := ts.materials(clerk, caseID)[r.ID]; got.Title != "鉴定意见（补充）" {
		t.Errorf("the pending replacement kept the title %q after the material's rename", got.Title)
	}
	// Meanwhile a lawyer's dossier waits for the replacement (a hold), not
	// built from the case half-changed.
	lawyer2, app2 := ts.approved(clerk, matLicense2, caseNo)
	ts.waitFor("the dossier held for the replacement", func() bool {
		var got struct {
			Status string
			Hold   *struct{ Materials []struct{ ID string } }
		}
		ts.must(clerk, "GET", "/api/v1/applications/"+app2, nil, http.StatusOK, &got)
		return got.Status == "approved" && got.Hold != nil && len(got.Hold.Materials) == 1 && got.Hold.Materials[0].ID == r.ID
	})
	vr := ts.contentVersion(clerk, caseID)
	ts.must("", "PUT", r.UploadURL, data, http.StatusOK, nil)
	if got := ts.verdict(clerk, caseID, r.ID); got.Status != "accepted" {
		t.Fatalf("replacement %s", got.Status)
	}
	ts.waitFor("the replaced material to leave", func() bool { _, ok := ts.materials(clerk, caseID)[c.ID]; return !ok })
	// Ingest removes the replaced material, then moves the version.
	ts.waitFor("a new content version after the replacement", func() bool { return ts.contentVersion(clerk, caseID) > vr })
	var done struct{ Error struct{ Code string } }
	ts.must(clerk, "POST", path+"/"+r.ID+"/upload", nil, http.StatusConflict, &done)
	if done.Error.Code != "upload_not_awaited" {
		t.Errorf("resuming an accepted material: %+v", done)
	}

	second := ts.copyText(lawyer2, app2)
	for _, want := range []string{"MARKER-DELTA", "MARKER-BRAVO", "讯问笔录（第一次）", "鉴定意见（补充）"} {
		if !strings.Contains(second, want) {
			t.Errorf("the next copy lacks %s", want)
		}
	}
	for _, gone := range []string{"MARKER-ALPHA", "MARKER-CHARLIE"} {
		if strings.Contains(second, gone) {
			t.Errorf("the next copy still has %s", gone)
		}
	}
	// The deleted document's title stays in the 卷内目录 only as a removed
	// row, its identifiers a gap (docs/versions.md).
	if flat := strings.Join(strings.Fields(second), ""); strings.Contains(flat, "起诉意见书") && !strings.Contains(flat, "起诉意见书（第") {
		t.Errorf("the next copy still has 起诉意见书, not as removed")
	}

	for action, target := range map[string]string{"material.rename": b.ID, "material.delete": a.ID, "material.replace": r.ID, "material.move": ""} {
		if n := ts.count(action, caseID, "", target); n != 1 {
			t.Errorf("%d %s records of %q, want 1", n, action, target)
		}
	}
}

// An upload the page never finished (a refresh mid-upload) is no permanent
// 等待上传 row: the clerk resumes it with a fresh URL (which keeps it
// longer) or removes it, and an upload arriving at a removed one's old URL
// is ignored. A material moved to another volume goes last there under
// that volume's title, its id kept.
func TestAbandonedUpload(t *testing.T) {
	ts := newTsrv(t)
	clerk := ts.token(auth.Clerk, "clerk01", "王书记员", unitA)
	caseID, _ := ts.matCase(clerk)
	path := "/api/v1/cases/" + caseID + "/materials"
	data := testpdf.Text("MARKER-ECHO")
	var m matOut
	ts.must(clerk, "POST", path, map[string]any{"volume": 1, "seq": 1, "title": "起诉意见书", "filename": "echo.pdf", "size": len(data)}, http.StatusCreated, &m)
	if m.LapsesAt == nil {
		t.Fatal("a material awaiting its upload has no lapsesAt")
	}
	var again matOut
	ts.must(clerk, "POST", path+"/"+m.ID+"/upload", nil, http.StatusOK, &again)
	if again.UploadURL == "" || again.ID != m.ID || again.LapsesAt == nil || *again.LapsesAt < *m.LapsesAt {
		t.Fatalf("resumed: %+v (was %+v)", again, m)
	}
	ts.must("", "PUT", again.UploadURL, data, http.StatusOK, nil)
	if got := ts.verdict(clerk, caseID, m.ID); got.Status != "accepted" || got.LapsesAt != nil {
		t.Errorf("resumed upload: %+v", got)
	}

	var gone matOut
	ts.must(clerk, "POST", path, map[string]any{"volume": 1, "seq": 2, "title": "讯问笔录", "filename": "fox.pdf", "size": len(data)}, http.StatusCreated, &gone)
	ts.must(clerk, "DELETE", path+"/"+gone.ID, nil, http.StatusOK, nil)
	ts.must("", "PUT", gone.UploadURL, data, http.StatusOK, nil)
	ts.must(clerk, "GET", path+"/"+gone.ID, nil, http.StatusNotFound, nil)
	if n := ts.count("material.accept", caseID, "", gone.ID); n != 0 {
		t.Errorf("the removed material's late upload was accepted")
	}

	v2 := ts.scan(clerk, caseID, 2, 1, "现场勘验笔录", "MARKER-GOLF")
	var moved matOut
	ts.must(clerk, "PATCH", path+"/"+m.ID, map[string]any{"volume": 2}, http.StatusOK, &moved)
	if moved.ID != m.ID || moved.Volume != 2 || moved.Seq != v2.Seq+1 {
		t.Errorf("moved: %+v", moved)
	}
	var vt struct{ VolumeTitle string }
	ts.must(clerk, "GET", path+"/"+m.ID, nil, http.StatusOK, &vt)
	if vt.VolumeTitle != "证据材料卷" {
		t.Errorf("moved into volume 2 under %q, want its title 证据材料卷", vt.VolumeTitle)
	}
}
