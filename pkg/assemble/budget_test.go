package assemble_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/queue"
)

// An assemble job whose work takes longer than its budget (a tiny one
// here) stops at the budget and ends with a recorded failure — a
// dossier.fail record, the unit told once, an OverBudgetError the queue
// does not retry — instead of running on; the same content version is not
// tried again, a new one is built.
func TestAssembleOverBudget(t *testing.T) {
	ctx := t.Context()
	r := newRig(t)
	c, ms := r.setup(ctx)
	r.ingestAll(ctx, c, ms)
	a := r.approved(ctx, c, "11101201910012345", "张律师")
	a2 := r.approved(ctx, c, "11101201910054321", "李律师")

	var mu sync.Mutex
	told := map[string]assemble.Failure{}
	b := &assemble.Budgeted{Worker: r.builder, Budget: queue.Budget{Base: 5 * time.Millisecond, Max: 5 * time.Millisecond},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnFailed: func(_ context.Context, a *application.Application, f assemble.Failure) error {
			mu.Lock()
			defer mu.Unlock()
			told[a.ID] = f
			return nil
		}}
	start := time.Now()
	err := b.Application(ctx, a.ID)
	var ob *queue.OverBudgetError
	if !errors.As(err, &ob) || !errors.Is(err, queue.ErrOverBudget) {
		t.Fatalf("err = %v, want an OverBudgetError", err)
	}
	t.Logf("stopped after %v: %v", time.Since(start), err)
	if ob.Budget != 5*time.Millisecond || time.Since(start) > 10*time.Second {
		t.Errorf("budget %v, ran %v", ob.Budget, time.Since(start))
	}
	cur, err := r.cases.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	base := assemble.BaseKey(c.ID, cur.ContentVersion)
	var recs []audit.Event
	if err := (&audit.Log{T: r.table}).Each(ctx, audit.Filter{Action: "dossier.fail", CaseID: c.ID}, func(e audit.Event) error {
		recs = append(recs, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].ApplicationID != a.ID || recs[0].Target != base || recs[0].Result != audit.Failed ||
		recs[0].Detail["pages"] != "3" || recs[0].Detail["budget"] != "5ms" {
		t.Fatalf("dossier.fail records: %+v", recs)
	}
	if f, ok := told[a.ID]; !ok || f.Pages != 3 || f.BaseKey != base {
		t.Errorf("the unit was not told: %+v", told)
	}
	got, err := r.apps.Get(ctx, a.ID)
	if err != nil || got.Status != application.Approved {
		t.Fatalf("application: %v %v, want still approved", got.Status, err)
	}
	if work, _ := r.apps.PendingWork(ctx); len(work) != 2 {
		t.Errorf("work marks %v, want both applications still listed", work)
	}

	// Tried again (the scheduler's reconciliation) with all the time in the
	// world: the failed version is not built again, for either lawyer, and
	// each failure is recorded and told once.
	b.Budget = queue.Budget{Base: time.Hour, Max: time.Hour}
	for range 2 {
		for _, id := range []string{a.ID, a2.ID} {
			if err := b.Application(ctx, id); err != nil {
				t.Fatalf("again: %v", err)
			}
		}
	}
	if n := r.count(ctx, "dossier.assemble", c.ID, "", ""); n != 0 {
		t.Errorf("the failed version was built again (%d dossier.assemble records)", n)
	}
	if n, m := r.count(ctx, "dossier.fail", c.ID, a.ID, ""), r.count(ctx, "dossier.fail", c.ID, a2.ID, ""); n != 1 || m != 1 {
		t.Errorf("dossier.fail records: %d and %d, want one per application", n, m)
	}
	if len(told) != 2 {
		t.Errorf("told about %d applications, want 2", len(told))
	}

	// The clerk changes the case's materials: the new version is built.
	if _, err := r.cases.Update(ctx, c.ID, func(x *casefile.Case) error { x.ContentVersion++; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a.ID, a2.ID} {
		if err := b.Application(ctx, id); err != nil {
			t.Fatalf("after the change: %v", err)
		}
	}
	r.settled(ctx, c, a, a2)
}

// The default budget: 2 minutes and 100 ms a page, at most 10 minutes.
func TestDefaultAssembleBudget(t *testing.T) {
	for pages, want := range map[int64]time.Duration{0: 2 * time.Minute, 3: 2*time.Minute + 300*time.Millisecond,
		1_000: 3*time.Minute + 40*time.Second, 100_000: 10 * time.Minute} {
		if got := assemble.DefaultBudget.For(pages); got != want {
			t.Errorf("%d pages: %v, want %v", pages, got, want)
		}
	}
}

// An ingest job whose check takes longer than its budget (a tiny one here)
// stops and rejects the material with a reason that says so, recorded as
// material.reject, instead of running on; the queue does not retry it.
func TestIngestOverBudget(t *testing.T) {
	ctx := t.Context()
	r := newRig(t)
	c, ms := r.setup(ctx)
	b := &ingest.Budgeted{Worker: r.ingest, Budget: queue.Budget{Base: time.Millisecond, Max: time.Millisecond},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	err := b.Material(ctx, c.ID, ms[1].ID) // the JPEG scan
	if !errors.Is(err, queue.ErrOverBudget) {
		t.Fatalf("err = %v, want an OverBudgetError", err)
	}
	before, err := r.cases.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.cases.GetMaterial(ctx, c.ID, ms[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != casefile.Rejected || !strings.Contains(got.Reason, "时限") || !strings.Contains(got.Reason, "time budget of 1ms") {
		t.Fatalf("material %s: %q, want rejected for its time budget", got.Status, got.Reason)
	}
	if n := r.count(ctx, "material.reject", c.ID, "", ms[1].ID); n != 1 {
		t.Errorf("%d material.reject records, want 1", n)
	}
	// Run again (a redelivered event): nothing more happens.
	b.Budget = ingest.DefaultBudget
	if err := b.Material(ctx, c.ID, ms[1].ID); err != nil {
		t.Fatal(err)
	}
	after, err := r.cases.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.count(ctx, "material.reject", c.ID, "", ms[1].ID); n != 1 || after.ContentVersion != before.ContentVersion {
		t.Errorf("%d material.reject records, content version %d → %d", n, before.ContentVersion, after.ContentVersion)
	}
	// Within the default budget the others are accepted.
	for _, x := range []*casefile.Material{ms[0], ms[2]} {
		if err := b.Material(ctx, c.ID, x.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.count(ctx, "material.accept", c.ID, "", ""); n != 2 {
		t.Errorf("%d material.accept records, want 2", n)
	}
}
