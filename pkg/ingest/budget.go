package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// DefaultBudget is the time the ingest of a material may take: 1 minute
// plus 1 second per MiB of the upload, at most 10 minutes (a 512 MiB upload
// gets 9.5). A scan takes about 50 ms to check and normalise, a 100-page
// PDF well under a second; the ceiling ends the job well before the local
// queue's 15-minute timeout and the ingest function's 900 s.
var DefaultBudget = queue.Budget{Base: time.Minute, PerUnit: time.Second, Max: 10 * time.Minute}

// OCRBudget is DefaultBudget when text recognition is on: 2 minutes plus
// 10 s per MiB, at most 14 minutes (under the ingest function's 900 s).
// Recognition costs some 2.5 s of CPU per page and a MiB of scans is 2-10
// pages (docs/ocr.md); what does not fit is accepted without text, flagged.
var OCRBudget = queue.Budget{Base: 2 * time.Minute, PerUnit: 10 * time.Second, Max: 14 * time.Minute}

// Budgeted runs the Worker's material jobs each within a time budget
// derived from the upload's size. A material whose check is stopped at its
// budget is rejected with a reason that says so (the clerk sees it like any
// other rejection, and the material.reject record has it), an error is
// logged, and a *queue.OverBudgetError is returned, which queues do not
// retry.
type Budgeted struct {
	*Worker
	Budget queue.Budget // zero: DefaultBudget
	Log    *slog.Logger
}

// Material is Worker.Material within the job's budget.
func (b *Budgeted) Material(ctx context.Context, caseID, id string) error {
	m, err := b.Cases.GetMaterial(ctx, caseID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // removed by the clerk, or lapsed: see Worker.Material
	}
	if err != nil {
		return err
	}
	budget := DefaultBudget
	if b.OCR != nil {
		budget = OCRBudget
	}
	if b.Budget != (queue.Budget{}) {
		budget = b.Budget
	}
	d := budget.For((m.Size + 1<<20 - 1) >> 20)
	start := time.Now()
	over, err := queue.RunWithin(ctx, d, func(ctx context.Context) error { return b.Worker.Material(ctx, caseID, id) })
	if !over || errors.Is(err, ErrBusy) {
		return err
	}
	ob := &queue.OverBudgetError{Job: fmt.Sprintf("ingest material %s of case %s (%s, %d bytes)", id, caseID, m.Filename, m.Size),
		Budget: d, Elapsed: time.Since(start), Err: err}
	reason := fmt.Sprintf("检查该文件超过 %s 的时限，已停止。文件可能过大或结构异常，请拆分文件或降低扫描分辨率后重新上传 "+
		"(checking this file took longer than its time budget of %v and was stopped: it may be too large or unusually built; split it or scan it at a lower resolution, and upload it again)",
		budgetText(d), d)
	rejected, err := b.refuse(ctx, caseID, id, reason)
	if err != nil {
		return errors.Join(ob, err)
	}
	if !rejected {
		return nil // decided in time; its follow-ups are now written
	}
	b.log().Error("ingest stopped at its time budget; the material is rejected", "case", caseID, "material", id, "budget", d, "err", ob)
	return ob
}

// refuse rejects the material with reason, under its lease, and says
// whether it did: a material decided before the budget ran out (its
// follow-ups cut short) is finished instead.
func (b *Budgeted) refuse(ctx context.Context, caseID, id, reason string) (rejected bool, err error) {
	ctx, release, ok, err := store.Hold(ctx, b.Cases.T, reconcile.IngestLease(caseID, id), leaseTTL)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, ErrBusy
	}
	defer release()
	m, err := b.Cases.GetMaterial(ctx, caseID, id)
	if err != nil {
		return false, err
	}
	if m.Status == casefile.Accepted || m.Status == casefile.Rejected {
		return false, b.finish(ctx, m)
	}
	return true, b.reject(ctx, m, reason)
}

func (b *Budgeted) log() *slog.Logger {
	if b.Log != nil {
		return b.Log
	}
	return slog.Default()
}

// budgetText is a duration in Chinese: "10 分钟", "90 秒".
func budgetText(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d 分钟", d/time.Minute)
	}
	return fmt.Sprintf("%v 秒", d.Seconds())
}
