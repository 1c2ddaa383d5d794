// Package worker is the Lambda functions that work off events rather than
// serve HTTP and need the PDF library: ingest (S3 ObjectCreated events of the
// uploads bucket) and assemble (the job queue's SQS messages), on a
// cloud.Runtime. They are apart from package cloud, whose HTTP functions (the
// APIs, the download door), and from package schedule, whose deadline
// function, must not link what ingest and assemble need (docs/design.md,
// "Lambda bootstraps"; functions/size_test.go).
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/yuejuan/yuejuan/pkg/app"
	"github.com/yuejuan/yuejuan/pkg/app/jobs"
	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/cloud"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/ocr"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/queue/sqsqueue"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// pdfFunction starts what both PDF functions need: their settings checked
// (fn names the function), the uploads bucket they read, and the PDF
// library's configuration under the scratch directory (Lambda's only
// writable place is /tmp).
func pdfFunction(ctx context.Context, rt *cloud.Runtime, fn string) (uploads *blob.Bucket, err error) {
	if err := rt.Env.Check(fn); err != nil {
		return nil, err
	}
	if uploads, err = rt.OpenBucket(ctx, "YUEJUAN_UPLOADS_BUCKET", rt.Env.UploadsBucket); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(rt.Env.TempDir, 0o700); err != nil {
		return nil, fmt.Errorf("cloud: YUEJUAN_TMP: %w", err)
	}
	return uploads, dossier.Setup(filepath.Join(rt.Env.TempDir, "pdfcpu"))
}

// IngestHandler returns the handler of S3 ObjectCreated events on the
// uploads bucket (Ingest.Handle), for cloud.Main.
func IngestHandler(ctx context.Context, rt *cloud.Runtime) (func(context.Context, events.S3Event) error, error) {
	uploads, err := pdfFunction(ctx, rt, "ingest")
	if err != nil {
		return nil, err
	}
	if rt.Env.OCR {
		// The container image (infra/Dockerfile) carries Tesseract; a
		// function deployed without it says so at its cold start.
		if err := (&ocr.Engine{}).Check(ctx); err != nil {
			return nil, fmt.Errorf("cloud: ingest: %w", err)
		}
	}
	w := jobs.Ingest(rt.App(app.Ports{Uploads: uploads})).Worker
	if rt.Env.QueueURL != "" {
		// A decided material may make a new dossier version for the
		// lawyers whose copies are ready: the assemble function sees to it.
		q, err := rt.Queue()
		if err != nil {
			return nil, err
		}
		w.OnDecided = func(ctx context.Context, caseID string) error {
			return q.Send(ctx, queue.Job{Kind: queue.Version, Key: caseID})
		}
	}
	return (&Ingest{Worker: w, Log: rt.Log}).Handle, nil
}

// AssembleHandler returns the handler of the job queue (Assemble.Handle),
// for cloud.Main: assembly of approved applications (base dossier, stamped
// copy, link, notice).
func AssembleHandler(ctx context.Context, rt *cloud.Runtime) (func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), error) {
	uploads, err := pdfFunction(ctx, rt, "assemble")
	if err != nil {
		return nil, err
	}
	dossiers, err := rt.OpenBucket(ctx, "YUEJUAN_DOSSIERS_BUCKET", rt.Env.DossiersBucket)
	if err != nil {
		return nil, err
	}
	notices, err := rt.Notices()
	if err != nil {
		return nil, err
	}
	b := jobs.Assemble(rt.App(app.Ports{Uploads: uploads, Dossiers: dossiers, Channel: notices}))
	h := &Assemble{Jobs: queue.Mux{queue.Assemble: func(ctx context.Context, j queue.Job) error {
		return b.Application(ctx, j.Key)
	}, queue.Version: func(ctx context.Context, j queue.Job) error {
		err := b.Case(ctx, j.Key)
		if errors.Is(err, assemble.ErrHeld) || errors.Is(err, assemble.ErrNoMaterials) {
			return nil // queued again when the last material is decided
		}
		return err
	}}.Handle, Log: rt.Log}
	return h.Handle, nil
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
// queue; the others of the batch are deleted, among them a job that failed
// for good (queue.ErrPermanent: over its time budget, or a case over the
// dossier's ceilings), which has recorded why. A message that is not a job is
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
	if errors.Is(err, queue.ErrPermanent) {
		// Stopped at its time budget, or the case is over the dossier's
		// ceilings: recorded, the application says why and the unit is told
		// (assemble.Budgeted); another delivery would only fail the same
		// way, so the message is deleted rather than dead-lettered.
		h.Log.Error("job failed for good; recorded, not redelivered", "kind", j.Kind, "key", j.Key, "err", err)
		return nil
	}
	if err == nil {
		h.Log.Info("job done", "kind", j.Kind, "key", j.Key)
	}
	return err
}
