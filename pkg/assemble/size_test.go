package assemble_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/queue"
)

// A case over the page or byte ceiling is refused with the figures, and no
// base is written.
func TestTooLargeCaseIsRefused(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, ms := r.setup(ctx)
	r.ingestAll(ctx, c, ms)
	cur, err := r.cases.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := r.approved(ctx, c, lawyerA, "张律师")

	// Pages: the three one-page materials and the cover are 4 pages,
	// known from the materials before anything is downloaded.
	r.builder.MaxPages = 3
	err = r.builder.Application(ctx, a.ID)
	var tl *dossier.TooLargeError
	if !errors.As(err, &tl) || tl.Pages != 4 || tl.MaxPages != 3 {
		t.Fatalf("want a TooLargeError for 4 pages over 3, got %v", err)
	}
	for _, s := range []string{"4 pages", "the limit is 3", "共 4 页", "3 页的上限"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("the refusal does not say %q: %v", s, err)
		}
	}
	// Bytes: counted as the materials are downloaded.
	r.builder.MaxPages, r.builder.MaxBytes = 0, 1000
	err = r.builder.Application(ctx, a.ID)
	if !errors.As(err, &tl) || tl.Bytes <= 1000 || tl.MaxBytes != 1000 {
		t.Fatalf("want a TooLargeError over 1000 bytes, got %v", err)
	}
	if !strings.Contains(err.Error(), "the limit is 1.0 KB") {
		t.Errorf("the refusal does not name the limit: %v", err)
	}
	if ok, err := r.dossiers.Exists(ctx, assemble.BaseKey(cur.ID, cur.ContentVersion)); err != nil || ok {
		t.Errorf("a base was written for a refused case (%v)", err)
	}

	// Within the ceilings the same case is built.
	r.builder.MaxPages, r.builder.MaxBytes = 0, 0
	if err := r.builder.Application(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	r.settled(ctx, c, a)
}

// A case over the ceilings fails for good through the job as the queues run
// it (Budgeted, on the local queue): run once, not retried; a dossier.fail
// record naming the figures and the limit; the application approved, its
// Failure saying why; the unit told. The version is not tried again, for
// this lawyer or another (who is told the same reason), even with the
// ceiling raised; a change of the case's materials is built, and clears the
// failure.
func TestTooLargeCaseFailsForGood(t *testing.T) {
	ctx := t.Context()
	r := newRig(t)
	c, ms := r.setup(ctx)
	r.ingestAll(ctx, c, ms)
	a := r.approved(ctx, c, lawyerA, "张律师")
	a2 := r.approved(ctx, c, "11101201910054321", "李律师")
	cur, err := r.cases.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	told := map[string][]assemble.Failure{}
	errs := map[string][]error{}
	b := &assemble.Budgeted{Worker: r.builder, Log: slog.New(slog.DiscardHandler),
		OnFailed: func(_ context.Context, a *application.Application, f assemble.Failure) error {
			mu.Lock()
			defer mu.Unlock()
			told[a.ID] = append(told[a.ID], f)
			return nil
		}}
	q := queue.NewLocal(1, func(ctx context.Context, j queue.Job) error {
		err := b.Application(ctx, j.Key)
		mu.Lock()
		defer mu.Unlock()
		errs[j.Key] = append(errs[j.Key], err)
		return err
	})
	q.Log = slog.New(slog.DiscardHandler)
	defer q.Close()
	run := func(id string) {
		t.Helper()
		if err := q.Send(ctx, queue.Job{Kind: queue.Assemble, Key: id}); err != nil {
			t.Fatal(err)
		}
		q.Wait()
	}

	r.builder.MaxPages = 3 // the cover and three one-page materials are 4
	run(a.ID)
	if len(errs[a.ID]) != 1 {
		t.Fatalf("the job ran %d times, want once (not retried): %v", len(errs[a.ID]), errs[a.ID])
	}
	err = errs[a.ID][0]
	var tl *dossier.TooLargeError
	if !errors.Is(err, queue.ErrPermanent) || !errors.As(err, &tl) || tl.Pages != 4 || tl.MaxPages != 3 {
		t.Fatalf("err = %v, want a permanent failure with a TooLargeError of 4 pages over 3", err)
	}
	base := assemble.BaseKey(c.ID, cur.ContentVersion)
	fails := func(appID string) []audit.Event {
		t.Helper()
		var recs []audit.Event
		if err := (&audit.Log{T: r.table}).Each(ctx, audit.Filter{Action: audit.DossierFail, CaseID: c.ID, ApplicationID: appID}, func(e audit.Event) error {
			recs = append(recs, e)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return recs
	}
	recs := fails(a.ID)
	if len(recs) != 1 || recs[0].Target != base || recs[0].Result != audit.Failed || recs[0].Detail["reason"] != "too large" ||
		recs[0].Detail["dossierPages"] != "4" || recs[0].Detail["maxPages"] != "3" || recs[0].Detail["pages"] != "3" {
		t.Fatalf("dossier.fail records: %+v", recs)
	}
	shows := func(id, want string) {
		t.Helper()
		got, err := r.apps.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != application.Approved || got.Failure == nil || got.Failure.Code != application.FailTooLarge ||
			got.Failure.Version != cur.ContentVersion || !strings.Contains(got.Failure.Reason, want) {
			t.Fatalf("application %s %+v, want approved with a too_large failure of version %d saying %q", got.Status, got.Failure, cur.ContentVersion, want)
		}
	}
	shows(a.ID, "the limit is 3")
	if f := told[a.ID]; len(f) != 1 || f[0].TooLarge == nil || f[0].TooLarge.MaxPages != 3 || f[0].BaseKey != base {
		t.Errorf("the unit was told %+v", f)
	}
	if ok, err := r.dossiers.Exists(ctx, base); err != nil || ok {
		t.Errorf("a base was written for a refused case (%v)", err)
	}

	// The other lawyer's job, and both again (the scheduler's
	// reconciliation) with the ceiling lifted: the refused version is not
	// built; the other application shows and tells the same reason.
	r.builder.MaxPages = 0
	run(a2.ID)
	run(a.ID)
	for _, id := range []string{a.ID, a2.ID} {
		if n := len(fails(id)); n != 1 {
			t.Errorf("application %s: %d dossier.fail records, want 1", id, n)
		}
		for _, err := range errs[id][1:] {
			if err != nil {
				t.Errorf("application %s: a run after the failure returned %v", id, err)
			}
		}
	}
	shows(a2.ID, "the limit is 3")
	if f := told[a2.ID]; len(f) != 1 || f[0].TooLarge == nil || f[0].TooLarge.Pages != 4 || f[0].TooLarge.MaxPages != 3 {
		t.Errorf("the other lawyer's unit was told %+v", f)
	}
	if n := r.count(ctx, "dossier.assemble", c.ID, "", ""); n != 0 {
		t.Errorf("the refused version was built (%d dossier.assemble records)", n)
	}

	// The clerk changes the materials; the bytes are over now, counted as
	// they are downloaded.
	bump := func() {
		t.Helper()
		if cur, err = r.cases.Update(ctx, c.ID, func(x *casefile.Case) error { x.ContentVersion++; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	bump()
	r.builder.MaxBytes = 1000
	run(a.ID)
	if err := errs[a.ID][len(errs[a.ID])-1]; !errors.Is(err, queue.ErrPermanent) || !errors.As(err, &tl) || tl.MaxBytes != 1000 {
		t.Fatalf("err = %v, want a permanent failure over 1000 bytes", err)
	}
	shows(a.ID, "the limit is 1.0 KB")
	// (OnFailed runs on every try of a failed version; the notice's id
	// makes it one notice a version.)
	if f := told[a.ID]; f[len(f)-1].TooLarge == nil || f[len(f)-1].TooLarge.Bytes <= 1000 || f[len(f)-1].Version != cur.ContentVersion {
		t.Errorf("the unit was told %+v", f)
	}

	// Changed again, within the ceilings: built, the failures cleared.
	r.builder.MaxBytes = 0
	bump()
	run(a.ID)
	run(a2.ID)
	r.settled(ctx, c, a, a2)
	for _, id := range []string{a.ID, a2.ID} {
		if got, err := r.apps.Get(ctx, id); err != nil || got.Failure != nil {
			t.Errorf("application %s: failure %+v left on a ready application (%v)", id, got.Failure, err)
		}
	}
}
