package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/faults"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// lostQueue loses every job, as a crash between the decision and the send
// would.
type lostQueue struct{ sent []queue.Job }

func (q *lostQueue) Send(_ context.Context, j queue.Job) error {
	q.sent = append(q.sent, j)
	return nil
}

// An approval is never left without a way to its dossier: whatever store
// write fails during the decision, either the clerk gets an error and
// nothing is approved, or the application is on the pending work list the
// scheduler re-queues from (so a lost job message does not matter).
func TestDecisionStoreFaults(t *testing.T) {
	for _, rule := range []faults.Rule{
		{Op: faults.TablePut, Key: "work#assemble"},                                           // the work mark
		{Op: faults.TablePut, Key: "app#", DataContains: `"status":"approved"`},               // the approval
		{Op: faults.TablePut, Key: "audit/e#", DataContains: `"action":"application.decide"`}, // its record
	} {
		t.Run(string(rule.Op)+" "+rule.Key+" "+rule.DataContains, func(t *testing.T) {
			plan := faults.NewPlan()
			env := newFzOn(t, func(t store.Table) store.Table { return &faults.Table{T: t, Plan: plan} })
			q := &lostQueue{}
			env.api.Queue = q
			env.acceptedScan(t) // an approval needs one
			body, _ := json.Marshal(env.goodApplication())
			w := env.do(env.lawyer, "POST", "/api/v1/applications", body)
			var app application.Application
			if err := json.Unmarshal(w.Body.Bytes(), &app); err != nil || app.ID == "" {
				t.Fatalf("apply: %d %s", w.Code, w.Body.String())
			}
			r := plan.Add(rule)
			w = env.do(env.clerk, "POST", "/api/v1/applications/"+app.ID+"/decision", []byte(`{"decision":"approve"}`))
			if r.Fired() != 1 {
				t.Fatalf("the fault did not fire (%d)", r.Fired())
			}
			got, err := env.api.Apps.Get(context.Background(), app.ID)
			if err != nil {
				t.Fatal(err)
			}
			work, err := env.api.Apps.PendingWork(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			switch got.Status {
			case application.Approved:
				if len(work) != 1 || work[0] != app.ID {
					t.Fatalf("approved (answer %d) but not on the work list %v: if the job message is lost, no dossier ever comes", w.Code, work)
				}
			case application.PendingReview:
				if w.Code < 500 {
					t.Fatalf("not approved, but the clerk was told %d", w.Code)
				}
			default:
				t.Fatalf("status %s", got.Status)
			}
			// The clerk retries: it goes through (or was already done).
			w = env.do(env.clerk, "POST", "/api/v1/applications/"+app.ID+"/decision", []byte(`{"decision":"approve"}`))
			if w.Code != http.StatusOK && w.Code != http.StatusConflict {
				t.Fatalf("retried decision: %d %s", w.Code, w.Body.String())
			}
			work, _ = env.api.Apps.PendingWork(context.Background())
			if len(work) != 1 {
				t.Fatalf("after the retry the work list is %v", work)
			}
		})
	}
}

// acceptedScan gives the fixture's case one accepted scan, as ingest
// would leave it.
func (f *fz) acceptedScan(t *testing.T) {
	ctx := t.Context()
	cs, err := f.api.Cases.GetByNo(ctx, f.caseNo)
	if err != nil {
		t.Fatal(err)
	}
	m := &casefile.Material{CaseID: cs.ID, Volume: 1, VolumeTitle: "诉讼文书卷", Seq: 1, Title: "起诉意见书", Filename: "01.pdf", Size: 100}
	if err := f.api.Cases.AddMaterial(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := f.api.Cases.UpdateMaterial(ctx, cs.ID, m.ID, func(x *casefile.Material) error {
		x.Status, x.Pages, x.PDFKey = casefile.Accepted, 1, "pdf/"+m.ID+".pdf"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
