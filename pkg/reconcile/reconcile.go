// Package reconcile finds, from the store alone, the materials whose ingest a
// crash or a lost upload event left undone (docs/recovery.md), for a caller
// to run again: the local server queues an ingest job, the deadline function
// invokes the ingest function. It is apart from package ingest so that the
// deadline function, which only asks, does not link the PDF library ingest
// needs (docs/design.md, "Lambda bootstraps").
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// StuckAfter is how long a material may stay undecided without anyone
// working on it before a reconciler runs its ingest again: longer than the
// moment between an upload and its job starting, far shorter than a clerk's
// patience. A job at work holds its lease, and a material whose lease is
// held is never taken as stuck, however long its check runs.
const StuckAfter = time.Minute

// IngestLease is the key of the lease the ingest job of a material holds
// while it runs: a held lease means a live job.
func IngestLease(caseID, id string) string { return "ingest#" + caseID + "#" + id }

// Materials asks about the materials of Cases.
type Materials struct {
	Cases *casefile.Repo
	// Uploads is where uploads arrive; nil: a material awaiting its upload
	// is not looked at (the deadline function cannot read the bucket, and
	// S3 sends the event of an upload that arrives).
	Uploads *blob.Bucket
}

// Stuck returns the materials whose ingest is to run again: those not
// decided (casefile.Material.Decided) and unchanged since before, whose
// ingest lease nobody holds (unless leased is true: a server starting knows
// the holders of the leases it finds are dead, and a queue that waits for a
// lease runs the job when it expires), and that are either being checked
// (processing), decided with the verdict's follow-ups unwritten
// (Unfinished), or awaiting an upload that has in fact arrived — such a
// material is moved to processing here, as the upload event would have done.
// A material awaiting an upload that never came is left alone: the clerk
// sees it as not uploaded, and the dossier waits for it (see
// assemble.ErrHeld).
func (r Materials) Stuck(ctx context.Context, before time.Time, leased bool) ([]*casefile.Material, error) {
	open, err := r.Cases.OpenMaterials(ctx, before)
	if err != nil {
		return nil, err
	}
	var out, errs = []*casefile.Material{}, []error{}
	for _, m := range open {
		if m.Status == casefile.AwaitingUpload {
			if m.UploadKey == "" || r.Uploads == nil {
				continue // no way to look
			}
			ok, err := r.Uploads.Exists(ctx, m.UploadKey)
			if err != nil {
				errs = append(errs, fmt.Errorf("reconcile: look for the upload of %s: %w", m.ID, err))
				continue
			}
			if !ok {
				continue
			}
		}
		if !leased {
			free, err := r.leaseFree(ctx, m)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if !free {
				continue
			}
		}
		if m.Status == casefile.AwaitingUpload {
			m, err = r.Cases.UpdateMaterial(ctx, m.CaseID, m.ID, func(x *casefile.Material) error {
				if x.Status == casefile.AwaitingUpload {
					x.Status = casefile.Processing
				}
				return nil
			})
			if err != nil {
				errs = append(errs, err)
				continue
			}
		}
		out = append(out, m)
	}
	return out, errors.Join(errs...)
}

// leaseFree reports whether no ingest job holds the material's lease now,
// by taking the lease and giving it back at once.
func (r Materials) leaseFree(ctx context.Context, m *casefile.Material) (bool, error) {
	release, ok, err := store.Lease(ctx, r.Cases.T, IngestLease(m.CaseID, m.ID), 5*time.Second)
	if err != nil {
		return false, err
	}
	release()
	return ok, nil
}
