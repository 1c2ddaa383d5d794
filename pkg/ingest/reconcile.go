package ingest

import (
	"context"
	"time"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
)

// StuckAfter is reconcile.StuckAfter.
const StuckAfter = reconcile.StuckAfter

// Stuck returns the materials whose ingest a crash or a lost upload event
// left undone, for the caller to run again (reconcile.Materials.Stuck, with
// the worker's uploads bucket to look for uploads that arrived).
func (w *Worker) Stuck(ctx context.Context, before time.Time, leased bool) ([]*casefile.Material, error) {
	return reconcile.Materials{Cases: w.Cases, Uploads: w.Uploads}.Stuck(ctx, before, leased)
}
