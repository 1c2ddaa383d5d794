package service

import (
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
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
