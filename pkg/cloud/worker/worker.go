// Package worker is the Lambda functions that work off events rather than
// serve HTTP: ingest (S3 ObjectCreated events of the uploads bucket),
// assemble (the job queue's SQS messages) and the deadline job (the
// schedule), on a cloud.Runtime. They are apart from package cloud, whose
// HTTP functions (the APIs, the download door) must not link the PDF
// library that ingest and assemble need (docs/design.md, "Lambda
// bootstraps"; functions/size_test.go).
package worker

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/yuejuan/yuejuan/pkg/app"
	"github.com/yuejuan/yuejuan/pkg/app/jobs"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/cloud"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/queue/sqsqueue"
	"github.com/yuejuan/yuejuan/pkg/reminder"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// pdfSetup prepares the PDF library's configuration under the scratch
// directory (Lambda's only writable place is /tmp).
func pdfSetup(rt *cloud.Runtime) error {
	if err := os.MkdirAll(rt.Env.TempDir, 0o700); err != nil {
		return fmt.Errorf("cloud: YUEJUAN_TMP: %w", err)
	}
	return dossier.Setup(filepath.Join(rt.Env.TempDir, "pdfcpu"))
}

// NewIngest returns the handler of S3 ObjectCreated events on the uploads
// bucket.
func NewIngest(ctx context.Context, rt *cloud.Runtime) (*Ingest, error) {
	if err := rt.Env.Check("ingest"); err != nil {
		return nil, err
	}
	uploads, err := rt.OpenBucket(ctx, "YUEJUAN_UPLOADS_BUCKET", rt.Env.UploadsBucket)
	if err != nil {
		return nil, err
	}
	if err := pdfSetup(rt); err != nil {
		return nil, err
	}
	return &Ingest{Worker: jobs.Ingest(rt.App(app.Ports{Uploads: uploads})).Worker, Log: rt.Log}, nil
}

// NewAssemble returns the handler of the job queue: assembly of approved
// applications (base dossier, stamped copy, link, notice).
func NewAssemble(ctx context.Context, rt *cloud.Runtime) (*Assemble, error) {
	if err := rt.Env.Check("assemble"); err != nil {
		return nil, err
	}
	uploads, err := rt.OpenBucket(ctx, "YUEJUAN_UPLOADS_BUCKET", rt.Env.UploadsBucket)
	if err != nil {
		return nil, err
	}
	dossiers, err := rt.OpenBucket(ctx, "YUEJUAN_DOSSIERS_BUCKET", rt.Env.DossiersBucket)
	if err != nil {
		return nil, err
	}
	if err := pdfSetup(rt); err != nil {
		return nil, err
	}
	notices, err := rt.Notices()
	if err != nil {
		return nil, err
	}
	b := jobs.Assemble(rt.App(app.Ports{Uploads: uploads, Dossiers: dossiers, Channel: notices}))
	return &Assemble{Jobs: queue.Mux{queue.Assemble: func(ctx context.Context, j queue.Job) error {
		return b.Application(ctx, j.Key)
	}}.Handle, Log: rt.Log}, nil
}

// NewDeadline returns the handler of the scheduled deadline job: reminders and
// overdue notices, link-expiry notices, retries of failed notices, the
// re-queueing of assembly work a lost message left behind, and, with
// YUEJUAN_ANCHOR_KEY_SECRET, an anchor of the audit chain's head.
func NewDeadline(ctx context.Context, rt *cloud.Runtime) (*Deadline, error) {
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
	d := &Deadline{Apps: rt.Apps, Queue: q, Log: rt.Log, Job: a.Reminder, Settle: a.Service.SettleAudit}
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
	return d, nil
}

// sweep is the deadline job's re-run of stuck ingests (docs/recovery.md):
// the materials ingest.Worker.Stuck finds undecided and unchanged for
// ingest.StuckAfter, their lease free — being checked, or decided with the
// verdict's follow-ups unwritten: their ingest died (a timeout, the memory
// limit) more often than Lambda retries an event, or between the verdict and
// its record — are sent again to the ingest function as the S3 event of
// their upload. The function's lease, its finished-state checks and the
// material's count of dead runs (ingest.MaxRuns) make a repeat harmless and
// a file that kills the function every time end rejected. A material
// awaiting an upload is not looked at: the deadline function cannot read the
// uploads bucket, and S3 sends the event of an upload that arrives.
func sweep(rt *cloud.Runtime, inv *cloud.LambdaInvoker) func(ctx context.Context) (int, error) {
	w := jobs.Ingest(rt.App(app.Ports{})).Worker
	return func(ctx context.Context) (int, error) {
		ms, err := w.Stuck(ctx, time.Now().Add(-ingest.StuckAfter), false)
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

// Ingest handles S3 ObjectCreated events of the uploads bucket: each
// uploaded scan or attachment is ingested at once (validated, normalised,
// accepted or rejected with a reason). A redelivered event is harmless (the
// worker's lease and its finished-state checks make it a no-op).
//
// A failing record fails the invocation after the other records were done;
// Lambda retries the event (asynchronous invocation, twice) and then sends it
// to the on-failure destination (the dead-letter queue, which alarms).
type Ingest struct {
	Worker *ingest.Worker
	Log    *slog.Logger
}

// Handle is the Lambda handler.
func (h *Ingest) Handle(ctx context.Context, e events.S3Event) error {
	var errs []error
	for _, r := range e.Records {
		if !strings.HasPrefix(r.EventName, "ObjectCreated:") {
			continue
		}
		key := r.S3.Object.URLDecodedKey
		if key == "" {
			key = r.S3.Object.Key
		}
		if err := h.Object(ctx, key); err != nil {
			errs = append(errs, fmt.Errorf("s3://%s/%s: %w", r.S3.Bucket.Name, key, err))
		}
	}
	err := errors.Join(errs...)
	if err != nil {
		h.Log.Error("ingest failed; the event will be retried", "err", err)
	}
	return err
}

// Object ingests the object at key.
func (h *Ingest) Object(ctx context.Context, key string) error {
	j, ok := ingest.Job(key)
	if !ok {
		h.Log.Info("ingest: not an upload, ignored", "key", key)
		return nil
	}
	err := h.Worker.Received(ctx, j)
	if err == nil {
		// Within its time budget: stopped at it, the material is rejected
		// for it (ingest.Budgeted).
		err = (&ingest.Budgeted{Worker: h.Worker, Log: h.Log}).Run(ctx, j)
	}
	if errors.Is(err, store.ErrNotFound) {
		// No such material or attachment: nothing registered this upload,
		// and retrying will not change that.
		h.Log.Warn("ingest: upload of an unknown material or attachment, ignored", "key", key, "err", err)
		return nil
	}
	if errors.Is(err, queue.ErrOverBudget) {
		// Recorded (the material rejected for it); another delivery would
		// only fail the same way.
		h.Log.Error("ingest stopped at its time budget; recorded, not retried", "key", key, "err", err)
		return nil
	}
	if err == nil {
		h.Log.Info("ingested", "kind", j.Kind, "id", j.Key)
	}
	return err
}

// Assemble handles the job queue's SQS messages (batch size 1; partial batch
// responses enabled). A message whose job fails is reported in
// BatchItemFailures, so SQS makes it visible again after the visibility
// timeout and, after maxReceiveCount receives, moves it to the dead-letter
// queue; the others of the batch are deleted. A message that is not a job is
// a failure too (it ends in the dead-letter queue, which alarms).
type Assemble struct {
	Jobs queue.Handler
	Log  *slog.Logger
}

// Handle is the Lambda handler.
func (h *Assemble) Handle(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range e.Records {
		if err := h.message(ctx, m); err != nil {
			h.Log.Error("job failed; SQS will deliver it again", "messageId", m.MessageId,
				"receiveCount", m.Attributes["ApproximateReceiveCount"], "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

func (h *Assemble) message(ctx context.Context, m events.SQSMessage) error {
	j, err := sqsqueue.Decode(m.Body)
	if err != nil {
		return err
	}
	err = h.Jobs(ctx, j)
	if errors.Is(err, assemble.ErrNoMaterials) {
		// Approved before any scan was accepted: the work mark stays, and
		// the deadline job queues it again until the scans are in.
		h.Log.Info("assemble: the case has no accepted materials yet; the deadline job will retry", "application", j.Key)
		return nil
	}
	if errors.Is(err, assemble.ErrHeld) {
		// The dossier waits for materials of the case still undecided; the
		// application shows why and the unit is told (assemble.Worker.OnHold).
		// The work mark stays: the deadline job queues it again, and a
		// dossier is never built from part of a case.
		h.Log.Info("assemble: the dossier waits for the case's materials; the deadline job will retry", "application", j.Key, "err", err)
		return nil
	}
	if errors.Is(err, queue.ErrOverBudget) {
		// Recorded and the unit told (assemble.Budgeted); another delivery
		// would only fail the same way.
		h.Log.Error("job stopped at its time budget; recorded, not redelivered", "kind", j.Kind, "key", j.Key, "err", err)
		return nil
	}
	if err == nil {
		h.Log.Info("job done", "kind", j.Kind, "key", j.Key)
	}
	return err
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
	// undecided again (ingest.Worker.Stuck; the ingest function invoked
	// with their upload's event) and says how many; nil: none.
	Sweep func(ctx context.Context) (int, error)
	Log   *slog.Logger
}

// DeadlineResult is what one run did (the invocation's result, in the
// function's log).
type DeadlineResult struct {
	reminder.Summary
	Requeued   int                 `json:"requeued"`
	Reingested int                 `json:"reingested"`
	Audit      audit.SettleSummary `json:"auditSettled"`
	AnchorSeq  int64               `json:"anchorSeq,omitempty"`
	AnchorNew  bool                `json:"anchorNew,omitempty"`
	Unfinished int                 `json:"unfinished,omitempty"` // parts that failed
}

// Handle is the Lambda handler. The event (the schedule's input) is not
// read. Every part runs even when another fails; the errors are joined and
// fail the invocation, so the scheduler's retry policy runs it again (a run
// sends nothing twice).
func (h *Deadline) Handle(ctx context.Context, _ json.RawMessage) (DeadlineResult, error) {
	var out DeadlineResult
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
