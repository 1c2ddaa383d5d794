package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// desk is what a journey sets up through the API before its pages are
// opened: a clerk of a unit registers cases and uploads scans, lawyers
// apply, the clerk approves. TestBrowser shares one server, so each journey
// names its own case numbers and lawyers' licences (the same one twice is a
// 409).
type desk struct {
	t        *testing.T
	e        *browserEnv
	call     func(tok, method, path string, body any, want int, out any)
	clerkTok string
}

// newDesk is the desk of clerk (Subject, Name, Unit; the role is set here).
func newDesk(t *testing.T, e *browserEnv, clerk auth.Identity) *desk {
	t.Helper()
	clerk.Role = auth.Clerk
	return &desk{t: t, e: e, call: apiCaller(t, e.base), clerkTok: token(t, e.s, clerk)}
}

// lawyerTok mints the token of the lawyer with practice certificate lic.
func (d *desk) lawyerTok(lic, name string) string {
	d.t.Helper()
	return token(d.t, d.e.s, auth.Identity{Subject: lic, Name: name, Role: auth.Lawyer})
}

// caseSpec is what the journeys' cases differ by. Every case is in
// prosecution review and open to online review.
type caseSpec struct {
	No, Title  string
	Defendants []string
	// Handler and Phone are the prosecutor in charge; 刘检察官 on
	// 010-12345678 when empty.
	Handler, Phone string
}

// registerCase registers c as the desk's clerk: the case's id.
func (d *desk) registerCase(c caseSpec) string {
	d.t.Helper()
	if c.Handler == "" {
		c.Handler, c.Phone = "刘检察官", "010-12345678"
	}
	var out struct{ ID string }
	d.call(d.clerkTok, "POST", "/api/v1/cases", map[string]any{"caseNo": c.No, "title": c.Title, "stage": "prosecution_review",
		"onlineReview": true, "handler": map[string]string{"name": c.Handler, "phone": c.Phone}, "defendants": c.Defendants}, http.StatusCreated, &out)
	return out.ID
}

// scanSpec is one material of a case.
type scanSpec struct {
	Volume      int
	VolumeTitle string
	Seq         int
	Title       string
	Filename    string
	// Data is the file uploaded; nil registers the material with Size and
	// never uploads it (an upload that never comes).
	Data []byte
	Size int
}

// register registers material m of case caseID: its id and the path its
// upload is PUT to.
func (d *desk) register(caseID string, m scanSpec) (id, uploadPath string) {
	d.t.Helper()
	size := m.Size
	if m.Data != nil {
		size = len(m.Data)
	}
	var out struct{ ID, UploadURL string }
	d.call(d.clerkTok, "POST", "/api/v1/cases/"+caseID+"/materials", map[string]any{"volume": m.Volume, "volumeTitle": m.VolumeTitle, "seq": m.Seq,
		"title": m.Title, "filename": m.Filename, "size": size}, http.StatusCreated, &out)
	return out.ID, strings.TrimPrefix(out.UploadURL, d.e.base)
}

// scan registers material m of case caseID and uploads its Data (when it
// has any): the material's id. Its verdict is the ingest job's, later.
func (d *desk) scan(caseID string, m scanSpec) string {
	d.t.Helper()
	id, path := d.register(caseID, m)
	if m.Data != nil {
		d.call("", "PUT", path, m.Data, http.StatusOK, nil)
	}
	return id
}

// attachments uploads the three documents of an application as the lawyer
// of lawyerTok and waits for their checks: their ids.
func (d *desk) attachments(lawyerTok string) []string {
	d.t.Helper()
	var atts []string
	for _, kind := range []string{"practice_certificate", "firm_letter", "power_of_attorney"} {
		var a struct{ ID, UploadURL string }
		doc := testpdf.Text(kind)
		d.call(lawyerTok, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(doc)}, http.StatusCreated, &a)
		d.call("", "PUT", strings.TrimPrefix(a.UploadURL, d.e.base), doc, http.StatusOK, nil)
		atts = append(atts, a.ID)
	}
	d.e.s.Queue.Wait()
	return atts
}

// lawyerSpec is a lawyer as her application names her.
type lawyerSpec struct{ Name, License, Firm, Phone string }

// apply submits the application of lawyer l (token lawyerTok) for case
// caseNo (as she types it) with the documents atts, and decodes the answer
// into out.
func (d *desk) apply(lawyerTok string, l lawyerSpec, caseNo, client string, atts []string, out any) {
	d.t.Helper()
	d.call(lawyerTok, "POST", "/api/v1/applications", map[string]any{"caseNo": caseNo, "client": client, "attachments": atts,
		"lawyer": map[string]string{"name": l.Name, "license": l.License, "firm": l.Firm, "phone": l.Phone}}, http.StatusCreated, out)
}

// approve approves application appID as the clerk and waits for the jobs
// it starts (the dossier, or its hold).
func (d *desk) approve(appID string) {
	d.t.Helper()
	d.call(d.clerkTok, "POST", "/api/v1/applications/"+appID+"/decision", map[string]string{"decision": "approve"}, http.StatusOK, nil)
	d.e.s.Queue.Wait()
}

// dossierSpec is an approved application as a journey needs it.
type dossierSpec struct {
	Clerk  auth.Identity // Subject, Name and Unit
	Case   caseSpec
	Scans  []scanSpec
	Lawyer lawyerSpec
	// Client is whom she applies for; the case's first defendant when empty.
	Client string
	// TypedCaseNo is the case number as she types it; Case.No when empty.
	TypedCaseNo string
	// BeforeApply runs once the scans and her documents are in, before
	// she applies.
	BeforeApply func(d *dossier)
}

// dossier is the approved application readyDossier sets up, with the desk
// that set it up.
type dossier struct {
	*desk
	LawyerTok string
	CaseID    string
	ScanIDs   []string // Scans' ids, in order
	AppID     string
	Receipt   string // the application's receipt number
}

// readyDossier registers the case and its scans, uploads the lawyer's
// three documents, applies and approves, and waits until the jobs that
// start are done: the dossier is ready unless a scan holds it.
func readyDossier(t *testing.T, e *browserEnv, spec dossierSpec) *dossier {
	t.Helper()
	d := &dossier{desk: newDesk(t, e, spec.Clerk)}
	d.LawyerTok = d.lawyerTok(spec.Lawyer.License, spec.Lawyer.Name)
	d.CaseID = d.registerCase(spec.Case)
	for _, m := range spec.Scans {
		d.ScanIDs = append(d.ScanIDs, d.scan(d.CaseID, m))
	}
	atts := d.attachments(d.LawyerTok)
	if spec.BeforeApply != nil {
		spec.BeforeApply(d)
	}
	client, typed := spec.Client, spec.TypedCaseNo
	if client == "" {
		client = spec.Case.Defendants[0]
	}
	if typed == "" {
		typed = spec.Case.No
	}
	var app struct{ ID, Receipt string }
	d.apply(d.LawyerTok, spec.Lawyer, typed, client, atts, &app)
	d.AppID, d.Receipt = app.ID, app.Receipt
	d.approve(d.AppID)
	return d
}
