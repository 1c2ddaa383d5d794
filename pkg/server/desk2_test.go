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
	var got deskFile
	ts.waitFor("attachment verdict", func() bool {
		ts.must(lawyer, "GET", "/api/v1/attachments/"+a.ID, nil, http.StatusOK, &got)
		return got.Verdict != ""
	})
	return got
}

// newDeskCase registers a case of unit A with defendant 钱某某: its number.
func (ts *tsrv) newDeskCase(clerk string) (id, no string) {
	ts.t.Helper()
	var c struct{ ID, CaseNo string }
	ts.must(clerk, "POST", "/api/v1/cases", map[string]any{
		"caseNo": "京检刑诉〔2026〕" + itoa(int(caseSeq.Add(1))) + "号", "title": "钱某某诈骗案", "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"钱某某"},
	}, http.StatusCreated, &c)
	return c.ID, c.CaseNo
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
	if text.Verdict != "refused" || text.ContentType != "text/plain" || !strings.Contains(text.Reason, "不是 PDF、JPEG 或 PNG") || !strings.Contains(text.Reason, "执业证.pdf") {
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
