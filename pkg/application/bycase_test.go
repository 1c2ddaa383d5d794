package application

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/faults"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// gsi2Counter counts queries on GSI2, where a unit's applications are listed.
type gsi2Counter struct {
	store.Table
	n atomic.Int64
}

func (c *gsi2Counter) Query(ctx context.Context, q store.Query) (store.Page, error) {
	if q.Index == store.GSI2 {
		c.n.Add(1)
	}
	return c.Table.Query(ctx, q)
}

func ids(apps []*Application) []string {
	out := make([]string, len(apps))
	for i, a := range apps {
		out[i] = a.ID
	}
	return out
}

func mustCreate(t *testing.T, r *Repo, a *Application) *Application {
	t.Helper()
	got, created, err := r.Create(t.Context(), a)
	if err != nil || !created {
		t.Fatalf("Create %s/%s: created=%v %v", a.Lawyer.License, a.CaseID, created, err)
	}
	return got
}

func TestByCaseListsExactlyTheCasesApplications(t *testing.T) {
	onStores(t, testByCaseListsExactlyTheCasesApplications)
}

func testByCaseListsExactlyTheCasesApplications(t *testing.T, newRepo func(*testing.T) *Repo) {
	r := newRepo(t)
	at := func(a *Application, unit string, minutes int) *Application {
		a.Unit, a.SubmittedAt = unit, submitted.Add(time.Duration(minutes)*time.Minute)
		return a
	}
	// Case c1 of unit 310101: three lawyers, submitted out of id order, one
	// of them later refused (ByCase lists every state).
	late := mustCreate(t, r, at(newApp("13101201710000001", "c1"), "310101", 30))
	early := mustCreate(t, r, at(newApp("13101201710000002", "c1"), "310101", 10))
	refused := mustCreate(t, r, at(newApp("13101201710000003", "c1"), "310101", 20))
	if _, err := r.Update(t.Context(), refused.ID, func(a *Application) error { return a.Move(Refused, "clerk", "委托手续不全", submitted) }); err != nil {
		t.Fatal(err)
	}
	// The same lawyers on another case of the same unit, and on a case of
	// another unit.
	other := mustCreate(t, r, at(newApp("13101201710000001", "c2"), "310101", 5))
	far := mustCreate(t, r, at(newApp("13101201710000002", "c3"), "310102", 1))

	for _, tc := range []struct {
		caseID string
		want   []string
	}{
		{"c1", []string{early.ID, refused.ID, late.ID}},
		{"c2", []string{other.ID}},
		{"c3", []string{far.ID}},
		{"c4", []string{}},
	} {
		got, err := r.ByCase(t.Context(), tc.caseID)
		if err != nil {
			t.Fatalf("ByCase(%s): %v", tc.caseID, err)
		}
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("ByCase(%s) = %v, want %v", tc.caseID, ids(got), tc.want)
		}
		for _, a := range got {
			if a.CaseID != tc.caseID {
				t.Errorf("ByCase(%s) lists %s of case %s", tc.caseID, a.ID, a.CaseID)
			}
		}
	}
	got, _ := r.ByCase(t.Context(), "c1")
	var seen []string
	for _, a := range got {
		seen = append(seen, a.Lawyer.License[len(a.Lawyer.License)-1:]+":"+string(a.Status))
	}
	if fmt.Sprint(seen) != "[2:submitted 3:refused 1:submitted]" {
		t.Errorf("ByCase(c1) lawyers and states = %v, want [2:submitted 3:refused 1:submitted]", seen)
	}

	// Same submission time: ordered by id.
	a := mustCreate(t, r, newApp("13101201710000004", "c5"))
	b := mustCreate(t, r, newApp("13101201710000005", "c5"))
	want := []string{a.ID, b.ID}
	slices.Sort(want)
	if got, _ := r.ByCase(t.Context(), "c5"); !slices.Equal(ids(got), want) {
		t.Errorf("ByCase(c5) = %v, want %v (ids in order)", ids(got), want)
	}
}

func TestByCaseConcurrentCreates(t *testing.T) { onStores(t, testByCaseConcurrentCreates) }

func testByCaseConcurrentCreates(t *testing.T, newRepo func(*testing.T) *Repo) {
	r := newRepo(t)
	const lawyers, submits = 4, 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	var mu sync.Mutex
	returned := map[string]map[string]bool{} // license → ids returned by Create
	for l := range lawyers {
		license := fmt.Sprintf("1310120171000%04d", l)
		returned[license] = map[string]bool{}
		for range submits {
			wg.Go(func() {
				<-start
				a, _, err := r.Create(t.Context(), newApp(license, "c1"))
				if err != nil {
					t.Errorf("Create: %v", err)
					return
				}
				mu.Lock()
				returned[license][a.ID] = true
				mu.Unlock()
			})
		}
	}
	close(start)
	wg.Wait()
	got, err := r.ByCase(t.Context(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != lawyers {
		t.Fatalf("%d lawyers submitting %d times each: ByCase has %d entries %v, want one per lawyer", lawyers, submits, len(got), ids(got))
	}
	for _, a := range got {
		if ids := returned[a.Lawyer.License]; len(ids) != 1 || !ids[a.ID] {
			t.Errorf("ByCase lists %s for %s; Create returned %v", a.ID, a.Lawyer.License, ids)
		}
	}
}

func TestByCaseSkipsOrphanIndexItems(t *testing.T) { onStores(t, testByCaseSkipsOrphanIndexItems) }

func testByCaseSkipsOrphanIndexItems(t *testing.T, newRepo func(*testing.T) *Repo) {
	r := newRepo(t)
	a := mustCreate(t, r, newApp(lawyerNo, "c1"))
	// A Create that died between the index item and the application.
	if _, err := r.T.Put(t.Context(), store.Item{PK: caseAppsPK("c1"), SK: "01jmnever", Data: []byte("310101")}); err != nil {
		t.Fatal(err)
	}
	got, err := r.ByCase(t.Context(), "c1")
	if err != nil || !slices.Equal(ids(got), []string{a.ID}) {
		t.Errorf("ByCase = %v, %v; want only %s", ids(got), err, a.ID)
	}
}

// An application is never stored without its index item: when the index
// write fails, Create fails and writes no application.
func TestCreateIndexesBeforeStoring(t *testing.T) { onStores(t, testCreateIndexesBeforeStoring) }

func testCreateIndexesBeforeStoring(t *testing.T, newRepo func(*testing.T) *Repo) {
	base := newRepo(t)
	plan := faults.NewPlan()
	plan.Add(faults.Rule{Op: faults.TablePut, Key: caseAppsPK("c1") + "/"})
	r := &Repo{T: &faults.Table{T: base.T, Plan: plan}}
	if _, _, err := r.Create(t.Context(), newApp(lawyerNo, "c1")); !errors.Is(err, faults.ErrInjected) {
		t.Fatalf("Create with the index write failing: %v", err)
	}
	if apps, err := r.ByLawyer(t.Context(), lawyerNo); err != nil || len(apps) != 0 {
		t.Errorf("an application was stored without its index item: %d, %v", len(apps), err)
	}
}

func TestReindexBackfillsApplicationsFromBeforeTheIndex(t *testing.T) {
	onStores(t, testReindexBackfillsApplicationsFromBeforeTheIndex)
}

func testReindexBackfillsApplicationsFromBeforeTheIndex(t *testing.T, newRepo func(*testing.T) *Repo) {
	base := newRepo(t)
	cnt := &gsi2Counter{Table: base.T}
	r := &Repo{T: cnt}
	// Two applications stored the way the code before the index did: no
	// index item. One in another unit.
	legacy := func(license, caseID, unit string) *Application {
		a := newApp(license, caseID)
		a.ID, a.Unit = "01jmlegacy"+license[len(license)-2:], unit
		if err := r.put(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	old := legacy("13101201710000001", "c1", "310101")
	oldElsewhere := legacy("13101201710000002", "c9", "310102")
	fresh := mustCreate(t, r, newApp("13101201710000003", "c1"))

	if got, _ := r.ByCase(t.Context(), "c1"); !slices.Equal(ids(got), []string{fresh.ID}) {
		t.Fatalf("before the backfill ByCase(c1) = %v, want only the new %s", ids(got), fresh.ID)
	}
	if err := r.EnsureIndexed(t.Context(), "310101"); err != nil {
		t.Fatal(err)
	}
	want := []string{old.ID, fresh.ID}
	slices.Sort(want) // same submission time
	if got, _ := r.ByCase(t.Context(), "c1"); !slices.Equal(ids(got), want) {
		t.Errorf("after the backfill ByCase(c1) = %v, want %v", ids(got), want)
	}
	if got, _ := r.ByCase(t.Context(), "c9"); len(got) != 0 {
		t.Errorf("unit 310102 was not reindexed, yet ByCase(c9) = %v", ids(got))
	}
	if cnt.n.Load() != 1 {
		t.Errorf("the backfill scanned the unit %d times, want 1", cnt.n.Load())
	}
	// Once per unit: later calls read the marker only.
	for range 3 {
		if err := r.EnsureIndexed(t.Context(), "310101"); err != nil {
			t.Fatal(err)
		}
	}
	if cnt.n.Load() != 1 {
		t.Errorf("EnsureIndexed scanned the unit again: %d scans, want 1", cnt.n.Load())
	}
	// Reindex is idempotent.
	if n, err := r.Reindex(t.Context(), "310101"); err != nil || n != 0 {
		t.Errorf("second Reindex added %d, %v; want 0", n, err)
	}
	if n, err := r.Reindex(t.Context(), "310102"); err != nil || n != 1 {
		t.Errorf("Reindex(310102) added %d, %v; want 1", n, err)
	}
	if got, _ := r.ByCase(t.Context(), "c9"); !slices.Equal(ids(got), []string{oldElsewhere.ID}) {
		t.Errorf("ByCase(c9) = %v, want %s", ids(got), oldElsewhere.ID)
	}
}

// A backfill that fails part-way does not mark the unit: the next look-up
// backfills again, and every application is then listed under its case.
func TestReindexAfterAFailure(t *testing.T) { onStores(t, testReindexAfterAFailure) }

func testReindexAfterAFailure(t *testing.T, newRepo func(*testing.T) *Repo) {
	base := newRepo(t)
	plan := faults.NewPlan()
	r := &Repo{T: &faults.Table{T: base.T, Plan: plan}}
	want := map[string][]string{}
	for i := range 40 {
		a := newApp(fmt.Sprintf("131012017100%05d", i), fmt.Sprintf("c%d", i%3))
		a.ID = fmt.Sprintf("01jmlegacy%03d", i)
		if err := r.put(t.Context(), a); err != nil { // stored before the index: no index item
			t.Fatal(err)
		}
		want[a.CaseID] = append(want[a.CaseID], a.ID)
	}
	rule := plan.Add(faults.Rule{Op: faults.TablePut, Key: "#apps/", Match: func(k string) bool { return strings.HasPrefix(k, "case#") }, Nth: 25})
	if err := r.EnsureIndexed(t.Context(), "310101"); !errors.Is(err, faults.ErrInjected) || rule.Fired() != 1 {
		t.Fatalf("EnsureIndexed with one index write failing: %v (fired %d)", err, rule.Fired())
	}
	if err := r.EnsureIndexed(t.Context(), "310101"); err != nil {
		t.Fatalf("second EnsureIndexed: %v", err)
	}
	for caseID, w := range want {
		got, err := r.ByCase(t.Context(), caseID)
		if err != nil || !slices.Equal(ids(got), w) {
			t.Errorf("ByCase(%s) = %v, %v; want %v", caseID, ids(got), err, w)
		}
	}
	if n, err := r.Reindex(t.Context(), "310101"); err != nil || n != 0 {
		t.Errorf("Reindex after the backfill added %d, %v; want 0", n, err)
	}
}
