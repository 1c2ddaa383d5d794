package ingest

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Job is the ingest job of an uploaded object's key — what the local
// server makes of a signed PUT and the ingest function of an S3 event: ok
// is false for a key that is not an upload (the worker's own output,
// anything else in the bucket).
func Job(key string) (j queue.Job, ok bool) {
	kind, caseID, id, ok := ParseKey(key)
	if !ok {
		return j, false
	}
	if kind == "material" {
		p, _ := json.Marshal(MaterialJob{CaseID: caseID, ID: id})
		return queue.Job{Kind: queue.IngestMaterial, Key: id, Payload: p}, true
	}
	return queue.Job{Kind: queue.IngestAttachment, Key: id}, true
}

// MaterialJob is the payload of a queue.IngestMaterial job.
type MaterialJob struct{ CaseID, ID string }

// Received marks the material of job j processing once its upload is
// there (a material awaiting it; any other is left as it is), so that the
// clerk sees it being checked before the job runs. A job of any other kind
// is left alone.
func (w *Worker) Received(ctx context.Context, j queue.Job) error {
	if j.Kind != queue.IngestMaterial {
		return nil
	}
	var p MaterialJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return err
	}
	_, err := w.Cases.UpdateMaterial(ctx, p.CaseID, p.ID, func(m *casefile.Material) error {
		if m.Status == casefile.AwaitingUpload {
			m.Status = casefile.Processing
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil // removed by the clerk, or lapsed: the late upload is ignored (Material)
	}
	return err
}

// Run runs job j within its time budget (Budgeted): a material's check or
// an attachment's.
func (b *Budgeted) Run(ctx context.Context, j queue.Job) error {
	switch j.Kind {
	case queue.IngestMaterial:
		var p MaterialJob
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return err
		}
		return b.Material(ctx, p.CaseID, p.ID)
	case queue.IngestAttachment:
		return b.Worker.Attachment(ctx, j.Key)
	}
	return nil
}
