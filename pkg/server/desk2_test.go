package server_test

import (
	"bytes"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// The clerk's desk, issue 16: the documents an application rests on open
// on the decision card (defect 1), and their verdict is final at upload
// (defect 6). Each test has a lawyer of its own.

// deskFile is an attachment as the API shows it.
type deskFile struct {
	ID, Kind, Filename, ContentType, Verdict, Reason string
	Size                                             int64
	Pages                                            int
	Uploaded                                         bool
}

// attach uploads data as the lawyer's document of kind, named name, and
// waits for its verdict.
func (ts *tsrv) attach(lawyer, kind, name string, data []byte) deskFile {
	ts.t.Helper()
	var a struct{ ID, UploadURL string }
	ts.must(lawyer, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": name, "size": len(data)}, http.StatusCreated, &a)
	ts.must("", "PUT", a.UploadURL, data, http.StatusOK, nil)
	start := time.Now()
	var got deskFile
	ts.waitFor("attachment verdict", func() bool {
		ts.must(lawyer, "GET", "/api/v1/attachments/"+a.ID, nil, http.StatusOK, &got)
		return got.Verdict != ""
	})
	ts.t.Logf("%s (%d bytes, %s): verdict %s %d page(s) %s after the upload", name, len(data), got.ContentType, got.Verdict, got.Pages, time.Since(start).Round(time.Millisecond))
	return got
}

// newDeskCase registers a case of unit A with defendant 钱某某: its number.
func (ts *tsrv) newDeskCase(clerk string) (id, no string) {
	ts.t.Helper()
	return ts.newCase(clerk, "钱某某诈骗案", "钱某某")
}

func twoPagePDF(t *testing.T) []byte {
	p := filepath.Join(t.TempDir(), "two.pdf")
	testpdf.Make(t, p, testpdf.Page{Marker: "CERT-1"}, testpdf.Page{Marker: "CERT-2"})
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pngScan(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testpdf.ScanImage(200, 280, true)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAttachmentPreview: the deciding unit's clerk sees each document's
// sniffed type, size and page count on the application and opens it
// inline, served as what it is (not what its name says), with nosniff and a
// sandboxing policy, and the opening is audited; the applying lawyer may
// open it too; an auditor (403), another unit's clerk and another lawyer
// (404, audited) may not, nor may a document of another application be
// opened through this one.
func TestAttachmentPreview(t *testing.T) {
	ts := newTsrv(t)
	const license = "11101201910070001"
	lawyer := ts.token(auth.Lawyer, license, "孙律师", "")
	clerk := ts.token(auth.Clerk, "clerk01", "王书记员", unitA)
	_, caseNo := ts.newDeskCase(clerk)

	cert := twoPagePDF(t)
	certFile := ts.attach(lawyer, "practice_certificate", "执业证.pdf", cert)
	// A PNG named .pdf is served as the PNG it is.
	letter := pngScan(t)
	letterFile := ts.attach(lawyer, "firm_letter", "律所函.pdf", letter)
	poa := ts.attach(lawyer, "power_of_attorney", "委托书.pdf", testpdf.Text("POA"))
	if certFile.Verdict != "accepted" || certFile.Pages != 2 || certFile.ContentType != "application/pdf" || certFile.Size != int64(len(cert)) {
		t.Fatalf("the two-page certificate: %+v, want accepted, 2 pages, application/pdf, %d bytes", certFile, len(cert))
	}
	if letterFile.Verdict != "accepted" || letterFile.ContentType != "image/png" || letterFile.Pages != 1 {
		t.Fatalf("the PNG named .pdf: %+v, want accepted as image/png, 1 page", letterFile)
	}
	var app struct {
		ID    string
		Files []deskFile
	}
	ts.must(lawyer, "POST", "/api/v1/applications", map[string]any{"caseNo": caseNo, "client": "钱某某", "attachments": []string{certFile.ID, letterFile.ID, poa.ID},
		"lawyer": map[string]string{"name": "孙律师", "license": license, "firm": "北京某某律师事务所", "phone": "13900000001"}}, http.StatusCreated, &app)

	// The clerk's queue and the application both show the files.
	var got struct{ Files []deskFile }
	ts.must(clerk, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &got)
	if len(got.Files) != 3 || got.Files[0].Pages != 2 || got.Files[1].ContentType != "image/png" || got.Files[0].Kind != "practice_certificate" {
		t.Fatalf("the clerk's application files: %+v", got.Files)
	}
	auditor := ts.token(auth.Auditor, "audit01", "李审计", "")
	var forAuditor struct{ Files []deskFile }
	ts.must(auditor, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &forAuditor)
	if len(forAuditor.Files) != 0 {
		t.Fatalf("an auditor is shown the documents: %+v", forAuditor.Files)
	}

	path := "/api/v1/applications/" + app.ID + "/attachments/"
	a := ts.must(clerk, "GET", path+certFile.ID, nil, http.StatusOK, nil)
	if !bytes.Equal(a.body, cert) {
		t.Fatalf("the clerk got %d bytes, not the %d uploaded", len(a.body), len(cert))
	}
	h := a.header
	if h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(h.Get("Content-Disposition"), "inline") ||
		h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "form-action 'none'") ||
		!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
		t.Fatalf("the PDF's headers: %v", h)
	}
	a = ts.must(lawyer, "GET", path+letterFile.ID, nil, http.StatusOK, nil)
	if ct := a.header.Get("Content-Type"); ct != "image/png" || !bytes.Equal(a.body, letter) ||
		!strings.Contains(a.header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("the PNG named .pdf is served as %q (CSP %q), want image/png sandboxed", ct, a.header.Get("Content-Security-Policy"))
	}

	// Refusals.
	otherLawyer := ts.token(auth.Lawyer, "11101201910070002", "周律师", "")
	otherClerk := ts.token(auth.Clerk, "clerk09", "赵书记员", unitB)
	ts.must(auditor, "GET", path+certFile.ID, nil, http.StatusForbidden, nil)
	for name, tok := range map[string]string{"another lawyer": otherLawyer, "another unit's clerk": otherClerk} {
		if a := ts.call(tok, "GET", path+certFile.ID, nil); a.status != http.StatusNotFound || bytes.Contains(a.body, cert[:20]) {
			t.Errorf("%s: %d, want 404 without the file", name, a.status)
		}
	}
	stray := ts.attach(lawyer, "practice_certificate", "另一份.pdf", testpdf.Text("STRAY"))
	var e struct{ Error struct{ Code string } }
	ts.must(clerk, "GET", path+stray.ID, nil, http.StatusNotFound, &e)
	if e.Error.Code != "attachment_not_found" {
		t.Fatalf("a document not sent with the application: %q, want attachment_not_found", e.Error.Code)
	}

	// Audited: who opened which document of which application.
	var views, denials []string
	for _, ev := range ts.events() {
		if ev.ApplicationID != app.ID {
			continue
		}
		switch ev.Action {
		case "attachment.view":
			views = append(views, ev.Actor+":"+ev.Target)
		case "access.deny":
			denials = append(denials, ev.Actor)
		}
	}
	if !slices.Contains(views, "clerk01:"+certFile.ID) || !slices.Contains(views, license+":"+letterFile.ID) || len(views) != 2 {
		t.Fatalf("attachment.view records %v, want the clerk's of the certificate and the lawyer's of the letter", views)
	}
	if !slices.Contains(denials, "clerk09") || !slices.Contains(denials, "11101201910070002") || !slices.Contains(denials, "clerk01") {
		t.Fatalf("access.deny records %v, want the other lawyer's, the other unit's clerk's and the stray document's", denials)
	}
}

// TestAttachmentVerdict: a text file named .pdf is refused as soon as it
// arrives, with the reason in Chinese; a damaged PDF too. Submitting with
// it names the problem once, at its file, not again as a missing
// document; a missing document is named at its slot.
func TestAttachmentVerdict(t *testing.T) {
	ts := newTsrv(t)
	const license = "11101201910070003"
	lawyer := ts.token(auth.Lawyer, license, "郑律师", "")
	clerk := ts.token(auth.Clerk, "clerk01", "王书记员", unitA)
	_, caseNo := ts.newDeskCase(clerk)

	text := ts.attach(lawyer, "practice_certificate", "执业证.pdf", []byte("这不是 PDF，只是一段文字。\n"))
	if text.Verdict != "refused" || text.ContentType != "text/plain" || text.Pages != 0 || !strings.Contains(text.Reason, "不是 PDF、JPEG 或 PNG") || !strings.Contains(text.Reason, "执业证.pdf") {
		t.Fatalf("a text file named .pdf: %+v, want refused at once, saying it is not a PDF", text)
	}
	broken := ts.attach(lawyer, "firm_letter", "律所函.pdf", []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"))
	if broken.Verdict != "refused" || !strings.Contains(broken.Reason, "无法打开的 PDF") {
		t.Fatalf("a damaged PDF: %+v, want refused as unreadable", broken)
	}
	var e struct {
		Error struct {
			Problems []struct{ Field, Message string }
		}
	}
	ts.must(lawyer, "POST", "/api/v1/applications", map[string]any{"caseNo": caseNo, "client": "钱某某", "attachments": []string{text.ID},
		"lawyer": map[string]string{"name": "郑律师", "license": license, "firm": "北京某某律师事务所", "phone": "13900000003"}}, http.StatusUnprocessableEntity, &e)
	byField := map[string][]string{}
	for _, p := range e.Error.Problems {
		byField[p.Field] = append(byField[p.Field], p.Message)
	}
	if len(byField["attachments[0]"]) != 1 || !strings.Contains(byField["attachments[0]"][0], "不是 PDF") {
		t.Errorf("the text file's problem: %v, want once at attachments[0]", byField["attachments[0]"])
	}
	if len(byField["attachments.practice_certificate"]) != 0 {
		t.Errorf("the certificate sent (refused) is also called missing: %v", byField["attachments.practice_certificate"])
	}
	if len(byField["attachments.firm_letter"]) != 1 || len(byField["attachments.power_of_attorney"]) != 1 {
		t.Errorf("the missing documents are not named at their slots: %v", byField)
	}
	if len(e.Error.Problems) != 3 {
		t.Errorf("%d problems %v, want 3 (each once)", len(e.Error.Problems), e.Error.Problems)
	}
}

// deskApplication is an application of the lawyer with license (named
// name) pending review on a new case of unit A, with a certificate, a
// firm letter and a power of attorney: its id and the documents' ids.
func (ts *tsrv) deskApplication(clerk, license, name string) (appID string, atts []string) {
	ts.t.Helper()
	lawyer := ts.token(auth.Lawyer, license, name, "")
	_, caseNo := ts.newDeskCase(clerk)
	for _, kind := range []string{"practice_certificate", "firm_letter", "power_of_attorney"} {
		atts = append(atts, ts.attach(lawyer, kind, kind+".pdf", testpdf.Text(kind)).ID)
	}
	return ts.applyFor(lawyer, name, license, caseNo, "钱某某", atts), atts
}

// deskView is what the tests read of an application.
type deskView struct {
	ID, Status, Deadline, Receipt string
	DaysLeft                      *int
	Overdue                       bool
	Attachments                   []string
	Lawyer                        struct{ Phone string }
	Acknowledged                  *struct{ By, ByName string }
	Corrections                   []struct {
		Items             []struct{ Field, Reason string }
		Asked             struct{ By string }
		Answered          *struct{ By string }
		Replaced, Changed []string
	}
	History []struct{ From, To, By, Reason, Step string }
}

// noticesOf is the bodies of tok's notices about application appID, by kind.
func (ts *tsrv) noticesOf(tok, appID string) map[string]string {
	ts.t.Helper()
	var got struct {
		Notices []struct{ Kind, Body, ApplicationID string }
	}
	ts.must(tok, "GET", "/api/v1/notices", nil, http.StatusOK, &got)
	out := map[string]string{}
	for _, n := range got.Notices {
		if n.ApplicationID == appID {
			out[n.Kind] = n.Body
		}
	}
	return out
}

// actionsOn is the actions the audit log holds about application appID.
func (ts *tsrv) actionsOn(appID string) []string {
	var out []string
	for _, e := range ts.events() {
		if e.ApplicationID == appID {
			out = append(out, string(e.Action))
		}
	}
	return out
}

// TestAcknowledge: the deciding unit's clerk acknowledges receipt (受理)
// once: who and when on the application, a step in its history with the
// receipt number, a notice giving the lawyer the receipt number and the
// reply date, an audit record; a second time 409, after the decision 409;
// the lawyer and the auditor 403, another unit's clerk 404.
func TestAcknowledge(t *testing.T) {
	ts := newTsrv(t)
	clerk := ts.token(auth.Clerk, "clerk01", "王书记员", unitA)
	const license = "11101201910070004"
	appID, _ := ts.deskApplication(clerk, license, "冯律师")
	lawyer := ts.token(auth.Lawyer, license, "冯律师", "")
	path := "/api/v1/applications/" + appID + "/acknowledgement"

	ts.must(lawyer, "POST", path, map[string]any{}, http.StatusForbidden, nil)
	ts.must(ts.token(auth.Auditor, "audit01", "李审计", ""), "POST", path, map[string]any{}, http.StatusForbidden, nil)
	ts.must(ts.token(auth.Clerk, "clerk09", "赵书记员", unitB), "POST", path, map[string]any{}, http.StatusNotFound, nil)

	var got deskView
	ts.must(clerk, "POST", path, map[string]any{}, http.StatusOK, &got)
	if got.Status != "pending_review" || got.Acknowledged == nil || got.Acknowledged.ByName != "王书记员" {
		t.Fatalf("after 受理: %+v, want still pending review, acknowledged by 王书记员", got)
	}
	last := got.History[len(got.History)-1]
	if last.Step != "acknowledged" || last.To != "pending_review" || !strings.Contains(last.Reason, got.Receipt) || last.By != "clerk:clerk01" {
		t.Fatalf("the history's last entry %+v, want the 受理 step by the clerk quoting %s", last, got.Receipt)
	}
	body := ts.noticesOf(lawyer, appID)["application.acknowledged"]
	if !strings.Contains(body, "已于") || !strings.Contains(body, "受理回执号 "+got.Receipt) || !strings.Contains(body, "答复期限 "+got.Deadline) || !strings.Contains(body, "刘检察官") {
		t.Fatalf("the lawyer's 受理 notice %q, want the receipt number, the reply date and the handler", body)
	}
	var e struct{ Error struct{ Code string } }
	ts.must(clerk, "POST", path, map[string]any{}, http.StatusConflict, &e)
	if e.Error.Code != "already_acknowledged" {
		t.Fatalf("a second 受理: %q, want already_acknowledged", e.Error.Code)
	}
	if n := strings.Count(strings.Join(ts.actionsOn(appID), " "), "application.acknowledge"); n != 1 {
		t.Fatalf("%d application.acknowledge records, want 1", n)
	}

	decided, _ := ts.deskApplication(clerk, "11101201910070005", "蒋律师")
	ts.must(clerk, "POST", "/api/v1/applications/"+decided+"/decision", map[string]string{"decision": "reject", "reason": "委托手续不全"}, http.StatusOK, nil)
	ts.must(clerk, "POST", "/api/v1/applications/"+decided+"/acknowledgement", map[string]any{}, http.StatusConflict, &e)
	if e.Error.Code != "already_decided" {
		t.Fatalf("受理 of a decided application: %q, want already_decided", e.Error.Code)
	}
}

// TestCorrection (补正): the clerk names what to fix, each with its reason;
// the application stays open as needs_correction, in the clerk's queue,
// with no countdown and out of the deadline job's list (the clock stops);
// it cannot be approved or asked again meanwhile; the lawyer is told
// exactly what to fix, answers only what was named (every problem at
// once), and the application is pending review again with three days from
// the resubmission; the replaced document stays viewable; every round is
// kept; the unit is told; each step audited.
func TestCorrection(t *testing.T) {
	ts := newTsrv(t)
	clerk := ts.token(auth.Clerk, "clerk01", "王书记员", unitA)
	const license = "11101201910070006"
	lawyer := ts.token(auth.Lawyer, license, "沈律师", "")
	appID, atts := ts.deskApplication(clerk, license, "沈律师")
	base := "/api/v1/applications/" + appID
	var before deskView
	ts.must(clerk, "GET", base, nil, http.StatusOK, &before)

	// Refusals of the request itself.
	var e struct {
		Error struct {
			Code     string
			Problems []struct{ Field, Message string }
		}
	}
	ts.must(lawyer, "POST", base+"/correction", map[string]any{"items": []map[string]string{{"field": "client", "reason": "x"}}}, http.StatusForbidden, nil)
	ts.must(ts.token(auth.Clerk, "clerk09", "赵书记员", unitB), "POST", base+"/correction", map[string]any{"items": []map[string]string{{"field": "client", "reason": "x"}}}, http.StatusNotFound, nil)
	ts.must(clerk, "POST", base+"/correction", map[string]any{"items": []map[string]string{{"field": "caseNo", "reason": "案号不对"}, {"field": "lawyer.phone", "reason": ""}}}, http.StatusUnprocessableEntity, &e)
	fields := []string{}
	for _, p := range e.Error.Problems {
		fields = append(fields, p.Field)
	}
	if !slices.Equal(fields, []string{"items[0].field", "items[1].reason"}) {
		t.Fatalf("a bad request's problems at %v, want items[0].field (not correctable) and items[1].reason (required)", fields)
	}
	ts.must(clerk, "POST", base+"/correction", map[string]any{"items": []map[string]string{}}, http.StatusUnprocessableEntity, nil)

	var got deskView
	ts.must(clerk, "POST", base+"/correction", map[string]any{"items": []map[string]string{
		{"field": "attachments.practice_certificate", "reason": "执业证照片模糊，无法辨认证号"},
		{"field": "lawyer.phone", "reason": "所留电话无法接通"}}, "note": "请于三日内补正"}, http.StatusOK, &got)
	if got.Status != "needs_correction" || len(got.Corrections) != 1 || len(got.Corrections[0].Items) != 2 || got.Corrections[0].Asked.By != "clerk:clerk01" {
		t.Fatalf("after 补正: %+v", got)
	}
	if q, ok := ts.listApps(clerk, "?status=open")[appID]; !ok || q.Status != "needs_correction" {
		t.Fatalf("the application left the clerk's queue while waiting for the lawyer: %+v", q)
	}
	// The clock stops: no countdown, never overdue, not in the deadline
	// job's list — even five days on.
	later := time.Now().Add(5 * 24 * time.Hour)
	ts.s.API.Now = func() time.Time { return later }
	defer func() { ts.s.API.Now = nil }()
	var waiting deskView
	ts.must(clerk, "GET", base, nil, http.StatusOK, &waiting)
	if waiting.DaysLeft != nil || waiting.Overdue {
		t.Fatalf("waiting for the lawyer five days on: daysLeft %v overdue %v, want neither", waiting.DaysLeft, waiting.Overdue)
	}
	due, err := ts.s.API.Apps.OpenDueBy(t.Context(), "2099-12-31")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range due {
		if a.ID == appID {
			t.Fatal("the deadline job still lists the application waiting for the lawyer")
		}
	}
	body := ts.noticesOf(lawyer, appID)["application.correction"]
	for _, want := range []string{"需要补正", "律师执业证（执业证照片模糊，无法辨认证号）", "联系电话（所留电话无法接通）", "请于三日内补正", "补正后三日内答复", got.Receipt} {
		if !strings.Contains(body, want) {
			t.Errorf("the lawyer's 补正 notice %q lacks %q", body, want)
		}
	}
	ts.must(clerk, "POST", base+"/decision", map[string]string{"decision": "approve"}, http.StatusConflict, &e)
	if e.Error.Code != "awaiting_correction" {
		t.Errorf("approving while waiting for the lawyer: %q, want awaiting_correction", e.Error.Code)
	}
	ts.must(clerk, "POST", base+"/correction", map[string]any{"items": []map[string]string{{"field": "client", "reason": "x"}}}, http.StatusConflict, &e)
	if e.Error.Code != "awaiting_correction" {
		t.Errorf("a second 补正 while waiting: %q, want awaiting_correction", e.Error.Code)
	}

	// The lawyer's answer: only what was named, all of it, every problem
	// at once.
	ts.must(clerk, "POST", base+"/resubmission", map[string]any{}, http.StatusForbidden, nil)
	ts.must(ts.token(auth.Lawyer, "11101201910070007", "韩律师", ""), "POST", base+"/resubmission", map[string]any{}, http.StatusNotFound, nil)
	letter := ts.attach(lawyer, "firm_letter", "律所函2.pdf", testpdf.Text("FIRM2"))
	refused := ts.attach(lawyer, "practice_certificate", "证.pdf", []byte("not a pdf at all, just text\n"))
	ts.must(lawyer, "POST", base+"/resubmission", map[string]any{"client": "孙某某", "attachments": map[string]string{"practice_certificate": letter.ID}}, http.StatusUnprocessableEntity, &e)
	byField := map[string]string{}
	for _, p := range e.Error.Problems {
		byField[p.Field] += p.Message
	}
	if !strings.Contains(byField["client"], "不在要求补正的项目内") || !strings.Contains(byField["lawyer.phone"], "请补正“联系电话”") ||
		!strings.Contains(byField["attachments.practice_certificate"], "不是律师执业证") || len(byField) != 3 {
		t.Fatalf("a bad resubmission's problems %v, want client (not asked), lawyer.phone (missing), the certificate slot (a firm letter)", byField)
	}
	ts.must(lawyer, "POST", base+"/resubmission", map[string]any{"lawyer": map[string]string{"phone": "13900000009"}, "attachments": map[string]string{"practice_certificate": refused.ID}}, http.StatusUnprocessableEntity, &e)
	if len(e.Error.Problems) != 1 || !strings.Contains(e.Error.Problems[0].Message, "不是 PDF") {
		t.Fatalf("resubmitting a refused document: %+v", e.Error.Problems)
	}
	cert := ts.attach(lawyer, "practice_certificate", "执业证清晰版.png", pngScan(t))
	ts.must(lawyer, "POST", base+"/resubmission", map[string]any{"lawyer": map[string]string{"phone": "13900000009"}, "attachments": map[string]string{"practice_certificate": cert.ID}}, http.StatusOK, &got)
	if got.Status != "pending_review" || got.Lawyer.Phone != "13900000009" || got.Attachments[0] != cert.ID || slices.Contains(got.Attachments, atts[0]) {
		t.Fatalf("after the resubmission: %+v", got)
	}
	r := got.Corrections[0]
	if r.Answered == nil || r.Answered.By != license || !slices.Equal(r.Replaced, []string{atts[0]}) || len(r.Changed) != 1 || !strings.Contains(r.Changed[0], "13900000009") {
		t.Fatalf("the round after the answer: %+v", r)
	}
	// Three days again, from the resubmission five days on.
	if got.Deadline <= before.Deadline || got.DaysLeft == nil {
		t.Fatalf("the deadline after the resubmission is %s (daysLeft %v), want three days from it, after the first %s", got.Deadline, got.DaysLeft, before.Deadline)
	}
	if why := got.History[len(got.History)-1].Reason; !strings.Contains(why, "律师执业证：新文件“执业证清晰版.png”") || !strings.Contains(why, "联系电话：13900000000 → 13900000009") {
		t.Fatalf("the resubmission's history entry says %q, want what answered each item", why)
	}
	var steps []string
	for _, h := range got.History {
		steps = append(steps, h.To)
	}
	if !slices.Equal(steps, []string{"submitted", "pending_review", "needs_correction", "pending_review"}) {
		t.Fatalf("history %v", steps)
	}
	ts.must(clerk, "GET", base+"/attachments/"+atts[0], nil, http.StatusOK, nil) // the replaced one stays viewable
	ts.must(lawyer, "POST", base+"/resubmission", map[string]any{}, http.StatusConflict, &e)
	if e.Error.Code != "not_awaiting_correction" {
		t.Fatalf("a second resubmission: %q, want not_awaiting_correction", e.Error.Code)
	}
	if !strings.Contains(ts.noticesOf(clerk, appID)["application.resubmitted"], "已按要求补正") {
		t.Error("the unit is not told of the resubmission")
	}
	// A second round is a round of its own.
	ts.must(clerk, "POST", base+"/correction", map[string]any{"items": []map[string]string{{"field": "lawyer.firm", "reason": "与律所函不一致"}}}, http.StatusOK, &got)
	if len(got.Corrections) != 2 || got.Corrections[0].Answered == nil || got.Corrections[1].Answered != nil {
		t.Fatalf("the second round: %+v", got.Corrections)
	}
	acts := strings.Join(ts.actionsOn(appID), " ")
	if strings.Count(acts, "application.correct") != 2 || strings.Count(acts, "application.resubmit") != 1 {
		t.Fatalf("audit records %s, want two application.correct and one application.resubmit", acts)
	}
}
