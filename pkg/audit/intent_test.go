package audit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/dynalitetest"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/faults"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// intentStores are the stores every intent test runs on: SQLite, and
// DynamoDB (dynalite), which has no transactions and whose pending-list
// query (a sort key range with only an upper bound) takes another path.
var intentStores = []struct {
	name string
	open func(t *testing.T) store.Table
}{
	{"sqlite", func(t *testing.T) store.Table {
		tb, err := sqlitestore.Open(":memory:")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tb.Close() })
		return tb
	}},
	{"dynalite", func(t *testing.T) store.Table { return dynalitetest.Table(t) }},
}

// onStores runs test once per store, as a subtest named after it.
func onStores(t *testing.T, test func(t *testing.T, open func(*testing.T) store.Table)) {
	for _, s := range intentStores {
		t.Run(s.name, func(t *testing.T) { test(t, s.open) })
	}
}

// intentLog is a log on a real table (SQLite or dynalite) behind a fault
// plan, with a clock the test moves.
type intentLog struct {
	*audit.Log
	plan *faults.Plan
	mu   sync.Mutex
	now  time.Time
}

func newIntentLog(t *testing.T, open func(*testing.T) store.Table) *intentLog {
	t.Helper()
	tb := open(t)
	il := &intentLog{plan: faults.NewPlan(), now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	il.Log = &audit.Log{T: &faults.Table{T: tb, Plan: il.plan}, Now: func() time.Time {
		il.mu.Lock()
		defer il.mu.Unlock()
		return il.now
	}}
	return il
}

func (il *intentLog) advance(d time.Duration) {
	il.mu.Lock()
	il.now = il.now.Add(d)
	il.mu.Unlock()
}

// records returns the chain's records with the given action, and checks the
// chain still verifies.
func (il *intentLog) records(t *testing.T, action string) []audit.Event {
	t.Helper()
	var out []audit.Event
	if err := il.Each(t.Context(), audit.Filter{Action: audit.Action(action)}, func(e audit.Event) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if r, err := il.Verify(t.Context()); err != nil || !r.OK {
		t.Fatalf("chain does not verify: %+v %v", r, err)
	}
	return out
}

func (il *intentLog) pending(t *testing.T) int {
	t.Helper()
	n, err := il.Pending(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func decide(app string, at time.Time) audit.Event {
	return audit.Event{Time: at, Actor: "clerk-1", Role: "clerk", Action: "application.decide", CaseID: "c1",
		ApplicationID: app, Result: audit.OK, Detail: map[string]string{"decision": "approve"}}
}

// changes stands for the domain: the set of applications whose decision was
// stored, which is what a Resolver looks at.
type changes struct {
	mu      sync.Mutex
	decided map[string]time.Time
	asked   int
}

func (c *changes) resolvers() map[audit.Action]audit.Resolver {
	return map[audit.Action]audit.Resolver{"application.decide": func(_ context.Context, e audit.Event) (bool, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.asked++
		at, ok := c.decided[e.ApplicationID]
		return ok && at.Equal(e.Time), nil
	}}
}

func TestIntentCommitAndAbort(t *testing.T) { onStores(t, testIntentCommitAndAbort) }

func testIntentCommitAndAbort(t *testing.T, open func(*testing.T) store.Table) {
	il := newIntentLog(t, open)
	ctx := t.Context()
	in, err := il.Intend(ctx, decide("a1", il.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if got := il.pending(t); got != 1 {
		t.Fatalf("after Intend: %d pending, want 1", got)
	}
	if len(il.records(t, "application.decide")) != 0 {
		t.Fatal("an intent is in the chain before its change was committed")
	}
	e, err := in.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e.Seq != 1 || e.Hash == "" {
		t.Fatalf("committed event not chained: %+v", e)
	}
	if got := il.records(t, "application.decide"); len(got) != 1 || got[0].ApplicationID != "a1" || got[0].Detail["decision"] != "approve" {
		t.Fatalf("chain after commit: %+v", got)
	}

	in2, err := il.Intend(ctx, decide("a2", il.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if err := in2.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if got := il.pending(t); got != 0 {
		t.Fatalf("after Commit and Abort: %d pending, want 0", got)
	}
	if got := il.records(t, "application.decide"); len(got) != 1 {
		t.Fatalf("an aborted intent reached the chain: %+v", got)
	}
}

// TestIntentRefusedMeansNoChange: if the intent cannot be stored the caller
// is told, so it makes no change that would go unrecorded.
func TestIntentRefusedMeansNoChange(t *testing.T) { onStores(t, testIntentRefusedMeansNoChange) }

func testIntentRefusedMeansNoChange(t *testing.T, open func(*testing.T) store.Table) {
	il := newIntentLog(t, open)
	il.plan.Add(faults.Rule{Op: faults.TablePut, Key: "audit#pending/"})
	if _, err := il.Intend(t.Context(), decide("a1", il.Now())); !errors.Is(err, faults.ErrInjected) {
		t.Fatalf("Intend with the store failing: err %v, want the store's error", err)
	}
	if _, err := il.Intend(t.Context(), audit.Event{Action: "x"}); err == nil {
		t.Fatal("Intend accepted an event without a result")
	}
}

// TestSettleAfterFailedAppend is the case intents exist for: the change is
// stored, the append fails; the record is not lost but appended by Settle,
// exactly once, and only once the request is surely over.
func TestSettleAfterFailedAppend(t *testing.T) { onStores(t, testSettleAfterFailedAppend) }

func testSettleAfterFailedAppend(t *testing.T, open func(*testing.T) store.Table) {
	il := newIntentLog(t, open)
	ctx := t.Context()
	dom := &changes{decided: map[string]time.Time{}}
	at := il.Now()
	in, err := il.Intend(ctx, decide("a1", at))
	if err != nil {
		t.Fatal(err)
	}
	dom.decided["a1"] = at // the change is stored
	rule := il.plan.Add(faults.Rule{Op: faults.TablePut, Key: "audit/e#"})
	if _, err := in.Commit(ctx); !errors.Is(err, faults.ErrInjected) || !strings.Contains(err.Error(), "pending") {
		t.Fatalf("Commit with the append failing: %v, want the store's error saying the event stays pending", err)
	}
	if rule.Fired() != 1 {
		t.Fatalf("the append was tried %d times", rule.Fired())
	}
	il.plan.Reset()
	if r, err := il.Verify(ctx); err != nil || !r.OK || r.Pending != 1 {
		t.Fatalf("verify with one record written ahead: %+v %v, want OK and 1 pending", r, err)
	}

	sum, err := il.Settle(ctx, 5*time.Minute, dom.resolvers())
	if err != nil || sum != (audit.SettleSummary{}) {
		t.Fatalf("Settle of a fresh intent (its request may still run): %+v %v, want nothing done", sum, err)
	}
	il.advance(6 * time.Minute)
	sum, err = il.Settle(ctx, 5*time.Minute, dom.resolvers())
	if err != nil || sum != (audit.SettleSummary{Appended: 1}) {
		t.Fatalf("Settle: %+v %v, want one appended", sum, err)
	}
	got := il.records(t, "application.decide")
	if len(got) != 1 || !got[0].Time.Equal(at) || got[0].ApplicationID != "a1" || got[0].Actor != "clerk-1" {
		t.Fatalf("settled record: %+v, want the decision at %v", got, at)
	}
	if got[0].Detail["decision"] != "approve" || got[0].Detail["settledAt"] != at.Add(6*time.Minute).Format(time.RFC3339) {
		t.Fatalf("settled record's detail %v: want the decision and when it was settled", got[0].Detail)
	}
	if r, err := il.Verify(ctx); err != nil || !r.OK || r.Pending != 0 {
		t.Fatalf("verify after the settle: %+v %v, want OK and none pending", r, err)
	}
	if sum, err := il.Settle(ctx, 5*time.Minute, dom.resolvers()); err != nil || sum != (audit.SettleSummary{}) {
		t.Fatalf("second Settle: %+v %v, want nothing", sum, err)
	}
	if len(il.records(t, "application.decide")) != 1 {
		t.Fatal("record duplicated by a second Settle")
	}
}

// TestSettleCrashes: a process that dies between any two steps leaves the
// log right after Settle: a change that never happened is not recorded, one
// that did is recorded once, and one already appended is not appended again.
func TestSettleCrashes(t *testing.T) { onStores(t, testSettleCrashes) }

func testSettleCrashes(t *testing.T, open func(*testing.T) store.Table) {
	il := newIntentLog(t, open)
	ctx := t.Context()
	dom := &changes{decided: map[string]time.Time{}}
	at := il.Now()

	// Died after Intend, before the change.
	if _, err := il.Intend(ctx, decide("never", at)); err != nil {
		t.Fatal(err)
	}
	// Died after the change, before Commit.
	if _, err := il.Intend(ctx, decide("changed", at)); err != nil {
		t.Fatal(err)
	}
	dom.decided["changed"] = at
	// Died after Commit's append, before its delete: the delete fails here.
	in, err := il.Intend(ctx, decide("appended", at))
	if err != nil {
		t.Fatal(err)
	}
	dom.decided["appended"] = at
	il.plan.Add(faults.Rule{Op: faults.TableDelete, Key: "audit#pending/"})
	if _, err := in.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// A change stored at another instant is another decision, not this one.
	if _, err := il.Intend(ctx, decide("other", at)); err != nil {
		t.Fatal(err)
	}
	dom.decided["other"] = at.Add(time.Second)

	il.advance(10 * time.Minute)
	sum, err := il.Settle(ctx, 5*time.Minute, dom.resolvers())
	if err != nil {
		t.Fatal(err)
	}
	if want := (audit.SettleSummary{Appended: 1, Dropped: 2, Done: 1}); sum != want {
		t.Fatalf("Settle: %+v, want %+v", sum, want)
	}
	var apps []string
	for _, e := range il.records(t, "application.decide") {
		apps = append(apps, e.ApplicationID)
	}
	if fmt.Sprint(apps) != "[appended changed]" {
		t.Fatalf("recorded decisions %v, want [appended changed]", apps)
	}
	if il.pending(t) != 0 {
		t.Fatal("events left pending")
	}
}

// TestSettleNeverGuesses: without a resolver, or with one that fails, the
// event stays pending and Settle says why.
func TestSettleNeverGuesses(t *testing.T) { onStores(t, testSettleNeverGuesses) }

func testSettleNeverGuesses(t *testing.T, open func(*testing.T) store.Table) {
	il := newIntentLog(t, open)
	ctx := t.Context()
	if _, err := il.Intend(ctx, audit.Event{Actor: "clerk-1", Action: "case.conclude", CaseID: "c1", Result: audit.OK}); err != nil {
		t.Fatal(err)
	}
	il.advance(time.Hour)
	broken := map[audit.Action]audit.Resolver{"application.decide": func(context.Context, audit.Event) (bool, error) { return true, nil }}
	sum, err := il.Settle(ctx, 5*time.Minute, broken)
	if err == nil || !strings.Contains(err.Error(), `no resolver for action "case.conclude"`) || sum != (audit.SettleSummary{Unresolved: 1}) {
		t.Fatalf("Settle without a resolver: %+v %v", sum, err)
	}
	// The claim of a settle that gave up is taken over by a later one.
	il.advance(6 * time.Minute)
	failing := map[audit.Action]audit.Resolver{"case.conclude": func(context.Context, audit.Event) (bool, error) {
		return false, errors.New("store down")
	}}
	sum, err = il.Settle(ctx, 5*time.Minute, failing)
	if err == nil || !strings.Contains(err.Error(), "store down") || sum != (audit.SettleSummary{Unresolved: 1}) {
		t.Fatalf("Settle with a failing resolver: %+v %v", sum, err)
	}
	if il.pending(t) != 1 || len(il.records(t, "case.conclude")) != 0 {
		t.Fatal("an unresolved event was dropped or recorded")
	}
	il.advance(6 * time.Minute)
	ok := map[audit.Action]audit.Resolver{"case.conclude": func(context.Context, audit.Event) (bool, error) { return true, nil }}
	if sum, err := il.Settle(ctx, 5*time.Minute, ok); err != nil || sum != (audit.SettleSummary{Appended: 1}) {
		t.Fatalf("Settle once resolvable: %+v %v", sum, err)
	}
}

// TestConcurrentSettles: settles running at once (two scheduler instances)
// append each event once.
func TestConcurrentSettles(t *testing.T) { onStores(t, testConcurrentSettles) }

func testConcurrentSettles(t *testing.T, open func(*testing.T) store.Table) {
	il := newIntentLog(t, open)
	ctx := t.Context()
	dom := &changes{decided: map[string]time.Time{}}
	at := il.Now()
	const n = 20
	for i := range n {
		app := fmt.Sprintf("a%02d", i)
		if _, err := il.Intend(ctx, decide(app, at)); err != nil {
			t.Fatal(err)
		}
		dom.decided[app] = at
	}
	il.advance(10 * time.Minute)
	var wg sync.WaitGroup
	sums := make([]audit.SettleSummary, 4)
	for i := range sums {
		wg.Go(func() {
			s, err := il.Settle(ctx, 5*time.Minute, dom.resolvers())
			if err != nil {
				t.Error(err)
			}
			sums[i] = s
		})
	}
	wg.Wait()
	total := 0
	for _, s := range sums {
		total += s.Appended + s.Done
	}
	got := il.records(t, "application.decide")
	if len(got) != n || total != n {
		t.Fatalf("%d records from %d settled events, want %d each (summaries %+v)", len(got), total, n, sums)
	}
	seen := map[string]bool{}
	for _, e := range got {
		if seen[e.ApplicationID] {
			t.Fatalf("%s recorded twice", e.ApplicationID)
		}
		seen[e.ApplicationID] = true
	}
}

// smallPages serves queries in pages of at most two items, so that a query
// of the pending list continues with cursors.
type smallPages struct{ store.Table }

func (s smallPages) Query(ctx context.Context, q store.Query) (store.Page, error) {
	if q.Limit == 0 || q.Limit > 2 {
		q.Limit = 2
	}
	return s.Table.Query(ctx, q)
}

// TestSettleOnlyOlderThanMinAge: with events of both ages pending at once,
// Settle appends exactly the older ones, each once, and leaves the younger
// ones pending until they are old enough. The pending list is read in small
// pages: the range query and its cursors are what select the events.
func TestSettleOnlyOlderThanMinAge(t *testing.T) { onStores(t, testSettleOnlyOlderThanMinAge) }

func testSettleOnlyOlderThanMinAge(t *testing.T, open func(*testing.T) store.Table) {
	il := newIntentLog(t, func(t *testing.T) store.Table { return smallPages{open(t)} })
	ctx := t.Context()
	dom := &changes{decided: map[string]time.Time{}}
	start := il.Now()
	ages := map[string]time.Duration{ // when each decision was made, after start
		"old-1": 0, "old-2": 2 * time.Minute, "old-3": 5*time.Minute - time.Second,
		"young-1": 5*time.Minute + time.Second, "young-2": 8 * time.Minute, "young-3": 10 * time.Minute,
	}
	for app, d := range ages {
		at := start.Add(d)
		if _, err := il.Intend(ctx, decide(app, at)); err != nil {
			t.Fatal(err)
		}
		dom.decided[app] = at
	}
	settled := func(want ...string) {
		t.Helper()
		var got []string
		for _, e := range il.records(t, "application.decide") {
			got = append(got, e.ApplicationID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("recorded decisions %v, want %v", got, want)
		}
	}

	il.advance(10 * time.Minute) // the old ones are more than 5 minutes old, the young ones not
	if sum, err := il.Settle(ctx, 5*time.Minute, dom.resolvers()); err != nil || sum != (audit.SettleSummary{Appended: 3}) {
		t.Fatalf("Settle: %+v %v, want the 3 older events appended", sum, err)
	}
	settled("old-1", "old-2", "old-3")
	if n := il.pending(t); n != 3 {
		t.Fatalf("%d pending after the settle, want the 3 younger events", n)
	}
	if r, err := il.Verify(ctx); err != nil || !r.OK || r.Pending != 3 {
		t.Fatalf("verify: %+v %v, want OK and 3 pending", r, err)
	}
	if sum, err := il.Settle(ctx, 5*time.Minute, dom.resolvers()); err != nil || sum != (audit.SettleSummary{}) {
		t.Fatalf("Settle again at the same time: %+v %v, want nothing done", sum, err)
	}

	il.advance(6 * time.Minute) // now all are old enough
	if sum, err := il.Settle(ctx, 5*time.Minute, dom.resolvers()); err != nil || sum != (audit.SettleSummary{Appended: 3}) {
		t.Fatalf("later Settle: %+v %v, want the 3 younger events appended", sum, err)
	}
	settled("old-1", "old-2", "old-3", "young-1", "young-2", "young-3")
	if n := il.pending(t); n != 0 {
		t.Fatalf("%d pending at the end, want none", n)
	}
}
