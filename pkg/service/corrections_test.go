package service

import (
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/faults"
)

// TestDeskIntentsSettle: 受理, 补正 and the lawyer's answer are written
// ahead as intents; after a crash SettleAudit asks the resolvers whether
// the change an intent describes was stored. Each finds its own change by
// the intent's instant and nothing at another instant.
func TestDeskIntentsSettle(t *testing.T) {
	s := newService(t)
	cs := registerCase(t, s)
	app := &application.Application{CaseID: cs.ID, CaseNo: cs.CaseNo, Unit: cs.Unit, Client: "张某", Status: application.PendingReview,
		Lawyer: application.Lawyer{Name: "张律师", License: license, Firm: "某律所", Phone: "13800000000"}, SubmittedAt: time.Now().UTC(), Deadline: "2026-12-10"}
	if _, _, err := s.Apps.Create(t.Context(), app); err != nil {
		t.Fatal(err)
	}
	got, err := s.Acknowledge(t.Context(), clerk, app)
	if err != nil {
		t.Fatal(err)
	}
	got, err = s.RequestCorrection(t.Context(), clerk, got, CorrectionRequest{Items: []application.CorrectionItem{{Field: "lawyer.phone", Reason: "无法接通"}}})
	if err != nil {
		t.Fatal(err)
	}
	answered := got.Corrections[0].Asked.At.Add(time.Minute)
	if _, err := s.Apps.Update(t.Context(), app.ID, func(x *application.Application) error {
		x.Corrections[0].Answered = &application.Step{By: license, At: answered}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r := s.resolvers()
	for _, tc := range []struct {
		action audit.Action
		at     time.Time
	}{
		{audit.ApplicationAcknowledge, got.Acknowledged.At},
		{audit.ApplicationCorrect, got.Corrections[0].Asked.At},
		{audit.ApplicationResubmit, answered},
	} {
		resolve, ok := r[tc.action]
		if !ok {
			t.Errorf("%s: no resolver; a crash after its intent would leave the record pending", tc.action)
			continue
		}
		if stored, err := resolve(t.Context(), audit.Event{Action: tc.action, ApplicationID: app.ID, Time: tc.at}); err != nil || !stored {
			t.Errorf("%s at its instant: stored %v (%v), want true", tc.action, stored, err)
		}
		if stored, err := resolve(t.Context(), audit.Event{Action: tc.action, ApplicationID: app.ID, Time: tc.at.Add(time.Second)}); err != nil || stored {
			t.Errorf("%s at another instant: stored %v (%v), want false", tc.action, stored, err)
		}
	}
	// Committed once stored: one record each.
	for _, a := range []audit.Action{audit.ApplicationAcknowledge, audit.ApplicationCorrect} {
		p, err := s.Audit.Query(t.Context(), audit.Filter{Action: a, ApplicationID: app.ID})
		if err != nil || len(p.Events) != 1 {
			t.Errorf("%s: %d records (%v), want 1", a, len(p.Events), err)
		}
	}
}

// TestOpenAttachmentRecordsFirst: an application's document is opened for
// its lawyer and the unit's clerk with an attachment.view record; when that
// record cannot be written, the document is not served (the record before
// the bytes), and an auditor never gets it.
func TestOpenAttachmentRecordsFirst(t *testing.T) {
	s := newService(t)
	dir := t.TempDir()
	up, err := blob.OpenLocal(filepath.Join(dir, "uploads"), &url.URL{Scheme: "http", Host: "127.0.0.1:1", Path: "/blob/uploads"}, filepath.Join(dir, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	s.Uploads = up.Bucket
	plan := faults.NewPlan()
	s.Audit.T = &faults.Table{T: s.Audit.T, Plan: plan}
	cs := registerCase(t, s)
	at := &application.Attachment{ID: "att1", Kind: application.PracticeCertificate, Filename: "证.pdf", Owner: license,
		Uploaded: true, ContentType: "application/pdf", Size: 5, Pages: 1, Verdict: application.AttachmentAccepted, Key: application.AttachmentUploadKey("att1")}
	if err := s.Apps.PutAttachment(t.Context(), at); err != nil {
		t.Fatal(err)
	}
	if err := up.Bucket.WriteAll(t.Context(), at.Key, []byte("%PDF-"), nil); err != nil {
		t.Fatal(err)
	}
	app := &application.Application{CaseID: cs.ID, CaseNo: cs.CaseNo, Unit: cs.Unit, Client: "张某", Status: application.PendingReview, Attachments: []string{"att1"},
		Lawyer: application.Lawyer{Name: "张律师", License: license}, SubmittedAt: time.Now().UTC(), Deadline: "2026-12-10"}
	if _, _, err := s.Apps.Create(t.Context(), app); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Caller{clerk, lawyer} {
		_, rc, err := s.OpenAttachment(t.Context(), c, app.ID, "att1")
		if err != nil {
			t.Fatalf("%s: %v", c.Subject, err)
		}
		rc.Close()
	}
	if _, _, err := s.OpenAttachment(t.Context(), auditor, app.ID, "att1"); ErrorCode(err) != AttachmentNotFound {
		t.Fatalf("an auditor: %v, want %s", err, AttachmentNotFound)
	}
	p, err := s.Audit.Query(t.Context(), audit.Filter{Action: audit.AttachmentView, ApplicationID: app.ID})
	if err != nil || len(p.Events) != 2 {
		t.Fatalf("%d attachment.view records (%v), want the clerk's and the lawyer's", len(p.Events), err)
	}
	rule := plan.Add(faults.Rule{Op: faults.TablePut, DataContains: `"action":"attachment.view"`, Count: -1})
	_, rc, err := s.OpenAttachment(t.Context(), clerk, app.ID, "att1")
	if rc != nil {
		rc.Close()
	}
	if err == nil || ErrorCode(err) != Internal || rc != nil || rule.Fired() == 0 {
		t.Fatalf("with the record failing: %v (rule fired %d), want internal and nothing served", err, rule.Fired())
	}
}
