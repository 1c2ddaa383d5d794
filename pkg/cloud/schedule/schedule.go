// Package schedule is the deadline Lambda function, run by the schedule
// (EventBridge Scheduler, Asia/Shanghai), on a cloud.Runtime. It is apart
// from package worker, whose ingest and assemble functions link the PDF
// library: this one only asks which materials are stuck (package reconcile)
// and invokes the ingest function for them (docs/design.md, "Lambda
// bootstraps"; functions/size_test.go).
package schedule

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/yuejuan/yuejuan/pkg/app"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/cloud"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
	"github.com/yuejuan/yuejuan/pkg/reminder"
)

// Handler returns the handler of the scheduled deadline job (Deadline.Handle),
// for cloud.Main: reminders and
// overdue notices, link-expiry notices, retries of failed notices, the
// re-queueing of assembly and version work a lost message left behind, the re-ingest of
// stuck materials (with YUEJUAN_INGEST_FUNCTION), and, with
// YUEJUAN_ANCHOR_KEY_SECRET, an anchor of the audit chain's head.
func Handler(ctx context.Context, rt *cloud.Runtime) (func(context.Context, json.RawMessage) (Result, error), error) {
	if err := rt.Env.Check("deadline"); err != nil {
		return nil, err
	}
	q, err := rt.Queue()
	if err != nil {
		return nil, err
	}
	notices, err := rt.Notices()
	if err != nil {
		return nil, err
	}
	a := rt.App(app.Ports{Queue: q, Channel: notices})
	d := &Deadline{Apps: rt.Apps, Queue: q, Log: rt.Log, Job: a.Reminder, Settle: a.Service.SettleAudit, Behind: behind(rt)}
	if rt.Env.IngestFunction != "" {
		d.Sweep = sweep(rt, &cloud.LambdaInvoker{Function: rt.Env.IngestFunction, Region: rt.AWS.Region, Endpoint: rt.Env.LambdaEndpoint,
			Credentials: rt.AWS.Credentials, HTTP: rt.HTTP})
	}
	if rt.Env.AnchorKeySecret != "" {
		data, err := rt.Secrets.Secret(ctx, rt.Env.AnchorKeySecret)
		if err != nil {
			return nil, err
		}
		keys, err := cloud.ParseKeys(data)
		if err != nil {
			return nil, fmt.Errorf("%w (YUEJUAN_ANCHOR_KEY_SECRET)", err)
		}
		b, err := rt.OpenBucket(ctx, "YUEJUAN_ANCHORS_BUCKET", rt.Env.AnchorsBucket)
		if err != nil {
			return nil, err
		}
		pubs := map[string]ed25519.PublicKey{}
		for _, k := range keys {
			p := k.Public().(ed25519.PublicKey)
			pubs[audit.KeyID(p)] = p
		}
		rt.Audit.Anchors, rt.Audit.AnchorKeys = &audit.BlobAnchors{Bucket: b}, pubs
		d.Anchor = func(ctx context.Context) (audit.Anchor, bool, error) { return rt.Audit.Anchor(ctx, keys[0]) }
	}
	return d.Handle, nil
}

// sweep is the deadline job's re-run of stuck ingests (docs/recovery.md):
// the materials reconcile.Materials.Stuck finds undecided and unchanged for
// reconcile.StuckAfter, their lease free — being checked, or decided with
// the verdict's follow-ups unwritten: their ingest died (a timeout, the
// memory limit) more often than Lambda retries an event, or between the
// verdict and its record — are sent again to the ingest function as the S3
// event of their upload. The function's lease, its finished-state checks and
// the material's count of dead runs (ingest.MaxRuns) make a repeat harmless
// and a file that kills the function every time end rejected. A material
// awaiting an upload is not looked at: the deadline function cannot read the
// uploads bucket, and S3 sends the event of an upload that arrives.
func sweep(rt *cloud.Runtime, inv *cloud.LambdaInvoker) func(ctx context.Context) (int, error) {
	stuck := reconcile.Materials{Cases: rt.Cases}
	return func(ctx context.Context) (int, error) {
		ms, err := stuck.Stuck(ctx, time.Now().Add(-reconcile.StuckAfter), false)
		n := 0
		for _, m := range ms {
			if ierr := inv.InvokeAsync(ctx, cloud.ObjectCreatedEvent(rt.Env.UploadsBucket, m.UploadKey)); ierr != nil {
				err = errors.Join(err, ierr)
				continue
			}
			rt.Log.Warn("re-ingest a material left undecided", "case", m.CaseID, "material", m.ID, "status", m.Status)
			n++
		}
		return n, err
	}
}

// behind is the deadline job's search for the version jobs a lost message
// or a dead worker left undone (reconcile.Versions.Behind): the cases,
// unchanged for reconcile.StuckAfter and their lease free, whose lawyers'
// ready copies lag the case's content version.
func behind(rt *cloud.Runtime) func(ctx context.Context) ([]string, error) {
	r := reconcile.Versions{Cases: rt.Cases, Apps: rt.Apps}
	return func(ctx context.Context) ([]string, error) {
		return r.Behind(ctx, time.Now().Add(-reconcile.StuckAfter), false)
	}
}

// Deadline is the scheduled job (EventBridge Scheduler, every 15 minutes,
// Asia/Shanghai): reminders, overdue notices and notice retries
// (reminder.Job), re-queueing of assembly work that a lost or dead-lettered
// message left behind, the settling of pending audit records, and an anchor
// of the audit chain's head.
type Deadline struct {
	Job    *reminder.Job
	Apps   *application.Repo
	Queue  queue.Queue
	Anchor func(ctx context.Context) (audit.Anchor, bool, error) // nil: no anchoring
	// Settle completes audit records a crash or failed append left pending
	// (service.Service.SettleAudit); nil: none.
	Settle func(ctx context.Context) (audit.SettleSummary, error)
	// Sweep runs the ingest of materials a crash or exhausted retries left
	// undecided again (reconcile.Materials.Stuck; the ingest function invoked
	// with their upload's event) and says how many; nil: none.
	Sweep func(ctx context.Context) (int, error)
	// Behind names the cases whose version job (queue.Version) is to be
	// queued again (reconcile.Versions.Behind); nil: none.
	Behind func(ctx context.Context) ([]string, error)
	Log    *slog.Logger
}

// Result is what one run did (the invocation's result, in the
// function's log).
type Result struct {
	reminder.Summary
	Requeued   int                 `json:"requeued"`
	Reingested int                 `json:"reingested"`
	Versioned  int                 `json:"versionsRequeued"`
	Audit      audit.SettleSummary `json:"auditSettled"`
	AnchorSeq  int64               `json:"anchorSeq,omitempty"`
	AnchorNew  bool                `json:"anchorNew,omitempty"`
	Unfinished int                 `json:"unfinished,omitempty"` // parts that failed
}

// Handle is the Lambda handler. The event (the schedule's input) is not
// read. Every part runs even when another fails; the errors are joined and
// fail the invocation, so the scheduler's retry policy runs it again (a run
// sends nothing twice).
func (h *Deadline) Handle(ctx context.Context, _ json.RawMessage) (Result, error) {
	var out Result
	var errs []error
	sum, err := h.Job.Run(ctx)
	out.Summary = sum
	if err != nil {
		errs = append(errs, fmt.Errorf("deadline job: %w", err))
	}
	ids, err := h.Apps.PendingWork(ctx)
	if err != nil {
		errs = append(errs, fmt.Errorf("pending work: %w", err))
	}
	for _, id := range ids {
		if err := h.Queue.Send(ctx, queue.Job{Kind: queue.Assemble, Key: id}); err != nil {
			errs = append(errs, fmt.Errorf("re-queue %s: %w", id, err))
			continue
		}
		out.Requeued++
	}
	if h.Behind != nil {
		cases, err := h.Behind(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("cases behind their version: %w", err))
		}
		for _, id := range cases {
			if err := h.Queue.Send(ctx, queue.Job{Kind: queue.Version, Key: id}); err != nil {
				errs = append(errs, fmt.Errorf("re-queue the version of %s: %w", id, err))
				continue
			}
			out.Versioned++
		}
	}
	if h.Sweep != nil {
		n, err := h.Sweep(ctx)
		out.Reingested = n
		if err != nil {
			errs = append(errs, fmt.Errorf("re-ingest stuck materials: %w", err))
		}
	}
	if h.Settle != nil {
		// Before the anchor, so that the records it completes are anchored.
		s, err := h.Settle(ctx)
		out.Audit = s
		if err != nil {
			errs = append(errs, fmt.Errorf("settle pending audit records: %w", err))
		}
	}
	if h.Anchor != nil {
		a, wrote, err := h.Anchor(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("audit anchor refused (the log does not extend its last anchor; verify it): %w", err))
		} else {
			out.AnchorSeq, out.AnchorNew = a.Seq, wrote
		}
	}
	out.Unfinished = len(errs)
	err = errors.Join(errs...)
	if err != nil {
		h.Log.Error("deadline run incomplete", "err", err, "result", out)
	} else {
		h.Log.Info("deadline run", "result", out)
	}
	return out, err
}
