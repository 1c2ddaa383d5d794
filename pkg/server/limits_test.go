package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/limits"
)

// cycle is n characters taken in turn from s.
func cycle(s string, n int) string {
	rs := []rune(s)
	out := make([]rune, n)
	for i := range out {
		out[i] = rs[i%len(rs)]
	}
	return string(out)
}

// Every field a clerk and a lawyer send, at its limit, is accepted, and the
// case's dossier assembles (it completes; the time is logged, not
// asserted) and downloads: the limits are not tighter than what the
// service can do.
func TestEveryFieldAtItsLimitAssembles(t *testing.T) {
	ts := newTsrv(t)
	const license = "11101201910077777"
	name := cycle("欧阳司马诸葛慕容", limits.PersonName.Max)
	clerk := ts.token(auth.Clerk, "clerk01", "王书记员", unitA)
	lawyer := ts.token(auth.Lawyer, license, name, "")

	defs := make([]string, limits.Defendants.Max)
	for i := range defs {
		defs[i] = fmt.Sprintf("%03d", i) + cycle("某某科技发展有限公司", limits.DefendantName.Max-3)
	}
	var c struct{ ID, CaseNo string }
	ts.must(clerk, "POST", "/api/v1/cases", map[string]any{
		"caseNo": cycle("京检刑诉〔2026〕", limits.CaseNo.Max-8) + fmt.Sprintf("%07d号", caseSeq.Add(1)),
		"title":  cycle("张某某等人组织领导参加黑社会性质组织寻衅滋事敲诈勒索案", limits.CaseTitle.Max),
		"stage":  "prosecution_review", "onlineReview": true,
		"handler":    map[string]string{"name": cycle("刘检察官", limits.PersonName.Max), "phone": cycle("010-12345678转", limits.Phone.Max)},
		"defendants": defs,
	}, http.StatusCreated, &c)

	var mats []string
	for i, vs := range [][2]int{{1, 1}, {limits.Volume.Max, limits.Seq.Max}} {
		pdf := testpdf.Text(fmt.Sprintf("LIMITS-%d", i))
		var m struct{ ID, UploadURL string }
		ts.must(clerk, "POST", "/api/v1/cases/"+c.ID+"/materials", map[string]any{
			"volume": vs[0], "seq": vs[1], "volumeTitle": cycle("诉讼文书卷第三册", limits.VolumeTitle.Max),
			"title":    cycle("张某某讯问笔录第三次", limits.MaterialTitle.Max),
			"filename": cycle("讯问笔录", limits.Filename.Max-4) + ".pdf", "size": len(pdf)}, http.StatusCreated, &m)
		ts.must("", "PUT", m.UploadURL, pdf, http.StatusOK, nil)
		mats = append(mats, m.ID)
	}
	var atts []string
	for i := range limits.Attachments.Max {
		kind := "supporting_document"
		if i < 3 {
			kind = []string{"practice_certificate", "firm_letter", "power_of_attorney"}[i]
		}
		pdf := testpdf.Text(kind)
		var a struct{ ID, UploadURL string }
		ts.must(lawyer, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": fmt.Sprintf("%02d", i) + cycle("证", limits.Filename.Max-6) + ".pdf",
			"size": len(pdf)}, http.StatusCreated, &a)
		ts.must("", "PUT", a.UploadURL, pdf, http.StatusOK, nil)
		atts = append(atts, a.ID)
	}
	for _, id := range atts {
		ts.waitFor("attachment", func() bool {
			var a struct{ Uploaded bool }
			ts.must(lawyer, "GET", "/api/v1/attachments/"+id, nil, http.StatusOK, &a)
			return a.Uploaded
		})
	}
	for _, id := range mats {
		ts.waitFor("material", func() bool {
			var m struct{ Status string }
			ts.must(clerk, "GET", "/api/v1/cases/"+c.ID+"/materials/"+id, nil, http.StatusOK, &m)
			return m.Status == "accepted"
		})
	}
	var app struct{ ID string }
	ts.must(lawyer, "POST", "/api/v1/applications", map[string]any{"caseNo": c.CaseNo, "client": defs[len(defs)-1], "attachments": atts,
		"lawyer": map[string]string{"name": name, "license": license, "firm": cycle("北京市某某律师事务所", limits.Firm.Max),
			"phone": cycle("13800000000 / ", limits.Phone.Max)}}, http.StatusCreated, &app)
	start := time.Now()
	ts.must(clerk, "POST", "/api/v1/applications/"+app.ID+"/decision",
		map[string]string{"decision": "approve", "reason": cycle("经审查符合条件，予以许可。", limits.DecisionReason.Max)}, http.StatusOK, nil)
	var got struct {
		Status string
		Link   *struct{ URL string }
	}
	ts.waitFor("dossier", func() bool {
		ts.must(lawyer, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &got)
		return got.Status == "ready" && got.Link != nil
	})
	t.Logf("every field at its limit: approved to ready (base dossier, copy, link) in %v", time.Since(start))

	door := ts.call("", "GET", got.Link.URL, nil)
	if door.status != http.StatusFound {
		t.Fatalf("download door: %d %s", door.status, door.body)
	}
	pdf := ts.call("", "GET", door.header.Get("Location"), nil)
	if pdf.status != http.StatusOK || !bytes.HasPrefix(pdf.body, []byte("%PDF-")) || !strings.Contains(string(pdf.body[len(pdf.body)-64:]), "%%EOF") {
		t.Fatalf("dossier: %d, %d bytes", pdf.status, len(pdf.body))
	}
}
