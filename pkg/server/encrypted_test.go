package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/ingest"
)

// A scan exported with only an owner password (printing and copying
// restricted, as court and police systems do) is accepted: the clerk sees
// it accepted and marked decrypted, the stored PDF is not encrypted, and
// the audit record says the restrictions were removed.
func TestOwnerPasswordScanAccepted(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	conf := model.NewAESConfiguration("", "owner", 256)
	conf.Permissions = model.PermissionsNone
	var enc bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(testpdf.Text("OWNER-ONLY SCAN")), &enc, conf); err != nil {
		t.Fatal(err)
	}
	data := enc.Bytes()
	id := ts.upload(w.clerkA, w.caseID, material{Volume: 3, VolumeTitle: "证据卷", Seq: 1, Title: "鉴定意见", Filename: "restricted.pdf"}, data)
	var got struct {
		Status    string `json:"status"`
		Reason    string `json:"reason"`
		Pages     int    `json:"pages"`
		Decrypted bool   `json:"decrypted"`
	}
	ts.waitFor("the material", func() bool {
		ts.must(w.clerkA, "GET", "/api/v1/cases/"+w.caseID+"/materials/"+id, nil, http.StatusOK, &got)
		return got.Status == "accepted" || got.Status == "rejected"
	})
	ts.s.Queue.Wait() // the record follows the status
	if got.Status != "accepted" || !got.Decrypted || got.Pages != 1 {
		t.Fatalf("material %+v, want accepted, decrypted, 1 page", got)
	}
	r, err := ts.s.Uploads.NewReader(context.Background(), ingest.MaterialPDFKey(w.caseID, id), nil)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(r)
	r.Close()
	if bytes.Contains(pdf, []byte("/Encrypt")) {
		t.Error("the stored PDF is still encrypted")
	}
	var found bool
	for _, e := range ts.events() {
		if e.Action == "material.accept" && e.Target == id {
			found = e.Result == audit.OK && e.Detail["decrypted"] == "owner-password restrictions removed"
		}
	}
	if !found {
		t.Error("no material.accept record saying the restrictions were removed")
	}
}

// A scan that readers open but that needed repair (here a PostScript job
// header before %PDF) is accepted, and the clerk sees what was repaired on
// the material and in its material.accept record (issue 13 K).
func TestRepairedScanAccepted(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	data := testpdf.Doc{Prefix: "%!PS-Adobe-3.0\n", OffsetsFromHeader: true,
		Objects: testpdf.Pages("", "REPAIRED SCAN"), Trailer: "/Root 1 0 R"}.Bytes()
	id := ts.upload(w.clerkA, w.caseID, material{Volume: 3, VolumeTitle: "证据卷", Seq: 2, Title: "扫描件", Filename: "gateway.pdf"}, data)
	var got struct {
		Status   string   `json:"status"`
		Reason   string   `json:"reason"`
		Pages    int      `json:"pages"`
		Repaired []string `json:"repaired"`
	}
	ts.waitFor("the material", func() bool {
		ts.must(w.clerkA, "GET", "/api/v1/cases/"+w.caseID+"/materials/"+id, nil, http.StatusOK, &got)
		return got.Status == "accepted" || got.Status == "rejected"
	})
	ts.s.Queue.Wait()
	want := "15 bytes before the %PDF header removed"
	if got.Status != "accepted" || got.Pages != 1 || len(got.Repaired) != 1 || got.Repaired[0] != want {
		t.Fatalf("material %+v, want accepted, 1 page, repaired [%s]", got, want)
	}
	var found bool
	for _, e := range ts.events() {
		if e.Action == "material.accept" && e.Target == id {
			found = e.Detail["repaired"] == want
		}
	}
	if !found {
		t.Errorf("no material.accept record saying %q", want)
	}
}
