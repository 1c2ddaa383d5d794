package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func memTable(t *testing.T) store.Table {
	t.Helper()
	tb, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	return tb
}

func fileTable(t *testing.T) store.Table {
	t.Helper()
	tb, err := sqlitestore.Open(filepath.Join(t.TempDir(), "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	return tb
}

var base = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock returns a Now that advances one minute per call, starting at base.
func clock() func() time.Time {
	var mu sync.Mutex
	n := 0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		n++
		return base.Add(time.Duration(n-1) * time.Minute)
	}
}

func appendN(t *testing.T, l *Log, n int) []Event {
	t.Helper()
	var out []Event
	for i := range n {
		e, err := l.Append(t.Context(), Event{Actor: "clerk-1", Role: "clerk", Action: Action(fmt.Sprintf("act.%d", i)), Result: OK})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// record reads the stored record seq as an item and its decoded event.
func record(t *testing.T, tb store.Table, seq int64) (store.Item, Event) {
	t.Helper()
	it, err := tb.Get(t.Context(), pk, seqSK(seq))
	if err != nil {
		t.Fatalf("record %d: %v", seq, err)
	}
	var e Event
	if err := json.Unmarshal(it.Data, &e); err != nil {
		t.Fatal(err)
	}
	return it, e
}

func TestAppendLinksRecords(t *testing.T) {
	l := &Log{T: memTable(t), Now: clock()}
	evs := appendN(t, l, 5)
	prev := ""
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Errorf("event %d: seq %d, want %d", i, e.Seq, i+1)
		}
		if e.PrevHash != prev {
			t.Errorf("seq %d: prevHash %q, want the previous record's hash %q", e.Seq, e.PrevHash, prev)
		}
		if e.Hash != e.ComputeHash() || len(e.Hash) != 64 {
			t.Errorf("seq %d: hash %q is not the SHA-256 of its content", e.Seq, e.Hash)
		}
		if e.Time.IsZero() || e.Time.Location() != time.UTC {
			t.Errorf("seq %d: time %v not filled in UTC", e.Seq, e.Time)
		}
		// What is stored is what Append returned.
		if _, stored := record(t, l.T, e.Seq); stored.Hash != e.Hash || stored.PrevHash != e.PrevHash {
			t.Errorf("seq %d: stored record differs from the returned one", e.Seq)
		}
		prev = e.Hash
	}
	r, err := l.Verify(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Records != 5 || r.HeadHash != evs[4].Hash || r.FirstBad != 0 {
		t.Errorf("Verify on an intact chain = %+v, want OK with 5 records and head %s", r, evs[4].Hash)
	}
}

func TestAppendRefusesIncompleteEvent(t *testing.T) {
	l := &Log{T: memTable(t)}
	for _, e := range []Event{{Result: OK}, {Action: "x"}} {
		if _, err := l.Append(t.Context(), e); err == nil {
			t.Errorf("Append(%+v) succeeded", e)
		}
	}
	if r, _ := l.Verify(t.Context()); !r.OK || r.Records != 0 {
		t.Errorf("refused events left records: %+v", r)
	}
}

func TestAppendKeepsGivenTime(t *testing.T) {
	l := &Log{T: memTable(t), Now: clock()}
	at := time.Date(2026, 1, 5, 17, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	e, err := l.Append(t.Context(), Event{Action: "a", Result: OK, Time: at})
	if err != nil {
		t.Fatal(err)
	}
	if !e.Time.Equal(at) || e.Time.Location() != time.UTC {
		t.Errorf("time = %v, want %v in UTC", e.Time, at)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name     string
		tamper   func(t *testing.T, tb store.Table)
		firstBad int64
		problem  string
	}{
		{"record 3's actor altered in place", func(t *testing.T, tb store.Table) {
			it, e := record(t, tb, 3)
			e.Actor = "someone-else"
			it.Data, _ = json.Marshal(e)
			if _, err := tb.Put(t.Context(), it); err != nil {
				t.Fatal(err)
			}
		}, 3, "altered"},
		{"record 3's result altered and its hash recomputed", func(t *testing.T, tb store.Table) {
			it, e := record(t, tb, 3)
			e.Result = Denied
			e.Hash = e.ComputeHash()
			it.Data, _ = json.Marshal(e)
			if _, err := tb.Put(t.Context(), it); err != nil {
				t.Fatal(err)
			}
		}, 4, "prevHash"},
		{"record 3 deleted", func(t *testing.T, tb store.Table) {
			it, _ := record(t, tb, 3)
			if err := tb.Delete(t.Context(), it.PK, it.SK, it.Version); err != nil {
				t.Fatal(err)
			}
		}, 3, "missing"},
		{"a forged record inserted after 2, later ones renumbered", func(t *testing.T, tb store.Table) {
			// Shift 3..6 up by one, keeping each record's content but
			// renumbering it, then put a well-formed forgery at 3.
			for seq := int64(6); seq >= 3; seq-- {
				it, e := record(t, tb, seq)
				if err := tb.Delete(t.Context(), it.PK, it.SK, it.Version); err != nil {
					t.Fatal(err)
				}
				e.Seq = seq + 1
				it.SK, it.Version = seqSK(seq+1), 0
				it.Data, _ = json.Marshal(e)
				if _, err := tb.Put(t.Context(), it); err != nil {
					t.Fatal(err)
				}
			}
			_, prev := record(t, tb, 2)
			f := Event{Seq: 3, Time: prev.Time, Actor: "ghost", Role: "clerk", Action: "act.x", Result: OK, PrevHash: prev.Hash}
			f.Hash = f.ComputeHash()
			data, _ := json.Marshal(f)
			if _, err := tb.Put(t.Context(), store.Item{PK: pk, SK: seqSK(3), Data: data}); err != nil {
				t.Fatal(err)
			}
		}, 4, "prevHash"},
		{"a record inserted without renumbering (two records claim seq 3)", func(t *testing.T, tb store.Table) {
			_, e := record(t, tb, 3)
			e.Actor = "ghost"
			data, _ := json.Marshal(e)
			if _, err := tb.Put(t.Context(), store.Item{PK: pk, SK: seqSK(3) + "a", Data: data}); err != nil {
				t.Fatal(err)
			}
		}, 4, "out of place"},
		{"the newest record deleted", func(t *testing.T, tb store.Table) {
			it, _ := record(t, tb, 6)
			if err := tb.Delete(t.Context(), it.PK, it.SK, it.Version); err != nil {
				t.Fatal(err)
			}
		}, 6, "missing"},
		{"the two newest records deleted", func(t *testing.T, tb store.Table) {
			for _, seq := range []int64{6, 5} {
				it, _ := record(t, tb, seq)
				if err := tb.Delete(t.Context(), it.PK, it.SK, it.Version); err != nil {
					t.Fatal(err)
				}
			}
		}, 5, "missing"},
		{"the newest record replaced by a recomputed forgery", func(t *testing.T, tb store.Table) {
			it, e := record(t, tb, 6)
			e.Result = Denied
			e.Hash = e.ComputeHash()
			it.Data, _ = json.Marshal(e)
			if _, err := tb.Put(t.Context(), it); err != nil {
				t.Fatal(err)
			}
		}, 6, "head"},
		{"a record's JSON destroyed", func(t *testing.T, tb store.Table) {
			it, _ := record(t, tb, 2)
			it.Data = []byte("{")
			if _, err := tb.Put(t.Context(), it); err != nil {
				t.Fatal(err)
			}
		}, 2, "decoded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := &Log{T: memTable(t), Now: clock()}
			appendN(t, l, 6)
			tc.tamper(t, l.T)
			r, err := l.Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if r.OK {
				t.Fatalf("Verify = OK (%+v) on a tampered chain", r)
			}
			if r.FirstBad != tc.firstBad {
				t.Errorf("FirstBad = %d, want %d (problem %q)", r.FirstBad, tc.firstBad, r.Problem)
			}
			if !strings.Contains(r.Problem, tc.problem) {
				t.Errorf("Problem = %q, want it to mention %q", r.Problem, tc.problem)
			}
		})
	}
}

func TestConcurrentAppendsNeitherForkNorLose(t *testing.T) {
	// A file database: readers and the writer on separate connections, as
	// in the local server.
	for name, open := range map[string]func(*testing.T) store.Table{"file": fileTable} {
		t.Run(name, func(t *testing.T) {
			l := &Log{T: open(t)}
			const writers, each = 16, 25
			var wg sync.WaitGroup
			errs := make(chan error, writers*each)
			for w := range writers {
				wg.Go(func() {
					for i := range each {
						_, err := l.Append(t.Context(), Event{Actor: fmt.Sprintf("w%d", w), Action: Action(fmt.Sprintf("n%d", i)), Result: OK})
						if err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("Append: %v", err)
			}
			seen := map[string]bool{}
			var seqs []int64
			q := store.Query{PK: pk, SKPrefix: seqPref}
			for {
				p, err := l.T.Query(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range p.Items {
					var e Event
					if err := json.Unmarshal(it.Data, &e); err != nil {
						t.Fatal(err)
					}
					seqs = append(seqs, e.Seq)
					seen[e.Actor+"/"+string(e.Action)] = true
				}
				if p.Next == "" {
					break
				}
				q.Cursor = p.Next
			}
			if len(seqs) != writers*each || len(seen) != writers*each {
				t.Errorf("%d records (%d distinct events), want %d", len(seqs), len(seen), writers*each)
			}
			for i, s := range seqs {
				if s != int64(i+1) {
					t.Fatalf("record %d has seq %d: the sequence has a gap or a duplicate", i, s)
				}
			}
			r, err := l.Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if !r.OK || r.Records != writers*each {
				t.Errorf("Verify = %+v, want an intact chain of %d", r, writers*each)
			}
		})
	}
}

func TestAppendAfterLaggingHead(t *testing.T) {
	l := &Log{T: memTable(t), Now: clock()}
	evs := appendN(t, l, 5)
	// A writer died after writing records 3..5 but before moving the head.
	it, err := l.T.Get(t.Context(), pk, headSK)
	if err != nil {
		t.Fatal(err)
	}
	it.Data, _ = json.Marshal(head{Seq: 2, Hash: evs[1].Hash})
	if _, err := l.T.Put(t.Context(), it); err != nil {
		t.Fatal(err)
	}
	e, err := l.Append(t.Context(), Event{Action: "after.lag", Result: OK})
	if err != nil {
		t.Fatal(err)
	}
	if e.Seq != 6 || e.PrevHash != evs[4].Hash {
		t.Errorf("appended after a lagging head at seq %d prev %s, want seq 6 prev %s", e.Seq, e.PrevHash, evs[4].Hash)
	}
	// And with the head gone altogether.
	it, err = l.T.Get(t.Context(), pk, headSK)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.T.Delete(t.Context(), pk, headSK, it.Version); err != nil {
		t.Fatal(err)
	}
	e2, err := l.Append(t.Context(), Event{Action: "after.loss", Result: OK})
	if err != nil {
		t.Fatal(err)
	}
	if e2.Seq != 7 || e2.PrevHash != e.Hash {
		t.Errorf("appended without a head at seq %d, want 7 linked to 6", e2.Seq)
	}
	if r, _ := l.Verify(t.Context()); !r.OK || r.Records != 7 {
		t.Errorf("Verify = %+v, want an intact chain of 7", r)
	}
}

func TestVerifyAcceptsLaggingHead(t *testing.T) {
	l := &Log{T: memTable(t), Now: clock()}
	evs := appendN(t, l, 4)
	it, err := l.T.Get(t.Context(), pk, headSK)
	if err != nil {
		t.Fatal(err)
	}
	it.Data, _ = json.Marshal(head{Seq: 2, Hash: evs[1].Hash})
	if _, err := l.T.Put(t.Context(), it); err != nil {
		t.Fatal(err)
	}
	if r, _ := l.Verify(t.Context()); !r.OK || r.Records != 4 {
		t.Errorf("a head that merely lags (a crashed writer) is not tampering: Verify = %+v", r)
	}
}

func TestQuery(t *testing.T) {
	l := &Log{T: memTable(t), Now: clock()}
	// seq: actor, case, application, action  (time = base + (seq-1) min)
	rows := []struct{ actor, kase, app, action string }{
		{"clerk-1", "c1", "", "case.create"},          // 1
		{"13101201710123456", "c1", "a1", "apply"},    // 2
		{"clerk-1", "c1", "a1", "approve"},            // 3
		{"13101201710123456", "c1", "a1", "download"}, // 4
		{"clerk-2", "c2", "", "case.create"},          // 5
		{"13101201710123456", "c2", "a2", "apply"},    // 6
		{"clerk-2", "c2", "a2", "refuse"},             // 7
		{"aud-1", "", "", "audit.verify"},             // 8
		{"13101201710123456", "c1", "a1", "download"}, // 9
	}
	for _, r := range rows {
		if _, err := l.Append(t.Context(), Event{Actor: r.actor, CaseID: r.kase, ApplicationID: r.app, Action: Action(r.action), Result: OK}); err != nil {
			t.Fatal(err)
		}
	}
	at := func(seq int) time.Time { return base.Add(time.Duration(seq-1) * time.Minute) }
	tests := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"everything", Filter{}, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"by actor", Filter{Actor: "13101201710123456"}, []int64{2, 4, 6, 9}},
		{"by case", Filter{CaseID: "c2"}, []int64{5, 6, 7}},
		{"by application", Filter{ApplicationID: "a1"}, []int64{2, 3, 4, 9}},
		{"by action", Filter{Action: "download"}, []int64{4, 9}},
		{"by case and actor", Filter{CaseID: "c1", Actor: "clerk-1"}, []int64{1, 3}},
		{"by actor and action", Filter{Actor: "13101201710123456", Action: "apply"}, []int64{2, 6}},
		{"from (inclusive)", Filter{From: at(7)}, []int64{7, 8, 9}},
		{"to (exclusive)", Filter{To: at(3)}, []int64{1, 2}},
		{"time window and case", Filter{CaseID: "c1", From: at(2), To: at(9)}, []int64{2, 3, 4}},
		{"unknown actor", Filter{Actor: "nobody"}, nil},
		{"unknown case", Filter{CaseID: "c9"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := l.Query(t.Context(), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range p.Events {
				got = append(got, e.Seq)
			}
			if !slices.Equal(got, tc.want) || p.Next != "" {
				t.Errorf("Query(%+v) = %v next %q, want %v and no next page", tc.f, got, p.Next, tc.want)
			}
			// Paginating two at a time visits the same records once each.
			for _, limit := range []int{1, 2, 4} {
				f := tc.f
				f.Limit = limit
				var paged []int64
				for pages := 0; ; pages++ {
					if pages > 20 {
						t.Fatal("pagination does not end")
					}
					p, err := l.Query(t.Context(), f)
					if err != nil {
						t.Fatal(err)
					}
					if len(p.Events) > limit {
						t.Errorf("page of %d events, limit %d", len(p.Events), limit)
					}
					for _, e := range p.Events {
						paged = append(paged, e.Seq)
					}
					if p.Next == "" {
						break
					}
					f.Cursor = p.Next
				}
				if !slices.Equal(paged, tc.want) {
					t.Errorf("limit %d: pages visit %v, want %v", limit, paged, tc.want)
				}
			}
		})
	}
	if _, err := l.Query(t.Context(), Filter{Cursor: "e#000000000000003"}); err == nil {
		t.Error("a malformed cursor was accepted")
	}
}

func TestQueryLargeLog(t *testing.T) {
	// More records than one store page (the log reads 500 at a time).
	l := &Log{T: memTable(t), Now: clock()}
	const n = 620
	for i := range n {
		actor := "clerk-1"
		if i%3 == 0 {
			actor = "clerk-2"
		}
		if _, err := l.Append(t.Context(), Event{Actor: actor, Action: "x", Result: OK}); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []Filter{{Limit: 5000}, {Limit: 499}, {Actor: "clerk-2", Limit: 150}, {Action: "x", Limit: 0}} {
		seen := map[int64]int{}
		var last int64
		for {
			p, err := l.Query(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Events) > 1000 {
				t.Errorf("filter %+v: a page of %d events, more than the cap of 1000", f, len(p.Events))
			}
			for _, e := range p.Events {
				seen[e.Seq]++
				if e.Seq <= last {
					t.Fatalf("filter %+v: seq %d after %d", f, e.Seq, last)
				}
				last = e.Seq
			}
			if p.Next == "" {
				break
			}
			f.Cursor = p.Next
		}
		want := n
		if f.Actor == "clerk-2" {
			want = (n + 2) / 3
		}
		if len(seen) != want {
			t.Errorf("filter %+v: %d distinct records, want %d", f, len(seen), want)
		}
		for s, c := range seen {
			if c != 1 {
				t.Errorf("filter %+v: seq %d returned %d times", f, s, c)
			}
		}
	}
	if r, _ := l.Verify(t.Context()); !r.OK || r.Records != n {
		t.Errorf("Verify = %+v, want %d records", r, n)
	}
}

func goldenEvent() Event {
	return Event{
		Seq:           42,
		Time:          time.Date(2026, 2, 27, 16, 5, 9, 120000000, time.FixedZone("CST", 8*3600)),
		Actor:         "13101201710123456",
		Role:          "lawyer",
		Action:        "dossier.download",
		CaseID:        "01jm0case",
		ApplicationID: "01jm0app",
		Target:        "copies/01jm0app.pdf",
		IP:            "203.0.113.9",
		UserAgent:     "Mozilla/5.0",
		RequestID:     "req-7",
		Result:        OK,
		Detail:        map[string]string{"left": "2", "bytes": "1048576"},
		PrevHash:      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	}
}

// goldenHash is the hash of goldenEvent. It must never change: every stored
// chain was hashed with this encoding, and a change would make every past
// record fail verification.
const goldenHash = "ff3dc1b5a10fe02f3f569ab20dae71602de19845a191531bdfa3712b294e531b"

func TestCanonicalIsStable(t *testing.T) {
	e := goldenEvent()
	if got := e.ComputeHash(); got != goldenHash {
		t.Errorf("hash of the golden event = %s, want %s\ncanonical: %s", got, goldenHash, e.Canonical())
	}
	// The same instant in another zone, and the hash field itself, do not
	// matter; map order cannot (JSON sorts keys).
	same := goldenEvent()
	same.Time = same.Time.UTC()
	same.Hash = "anything"
	same.Detail = map[string]string{"bytes": "1048576", "left": "2"}
	if got := same.ComputeHash(); got != goldenHash {
		t.Errorf("hash changed with zone/hash field/map order: %s", got)
	}
	// Survives a store round trip.
	var back Event
	if err := json.Unmarshal(mustJSON(t, e), &back); err != nil {
		t.Fatal(err)
	}
	if got := back.ComputeHash(); got != goldenHash {
		t.Errorf("hash after a JSON round trip = %s", got)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCanonicalCoversEveryField(t *testing.T) {
	changes := map[string]func(*Event){
		"seq":              func(e *Event) { e.Seq++ },
		"time":             func(e *Event) { e.Time = e.Time.Add(time.Nanosecond) },
		"actor":            func(e *Event) { e.Actor = "13101201710123457" },
		"role":             func(e *Event) { e.Role = "clerk" },
		"action":           func(e *Event) { e.Action = "dossier.view" },
		"caseId":           func(e *Event) { e.CaseID = "other" },
		"applicationId":    func(e *Event) { e.ApplicationID = "other" },
		"target":           func(e *Event) { e.Target = "other" },
		"ip":               func(e *Event) { e.IP = "203.0.113.10" },
		"userAgent":        func(e *Event) { e.UserAgent = "curl" },
		"requestId":        func(e *Event) { e.RequestID = "req-8" },
		"result":           func(e *Event) { e.Result = Denied },
		"detail value":     func(e *Event) { e.Detail["left"] = "3" },
		"detail key added": func(e *Event) { e.Detail["x"] = "" },
		"detail removed":   func(e *Event) { e.Detail = nil },
		"prevHash":         func(e *Event) { e.PrevHash = strings.Repeat("0", 64) },
	}
	seen := map[string]string{goldenHash: "original"}
	for name, change := range changes {
		e := goldenEvent()
		change(&e)
		h := e.ComputeHash()
		if other, dup := seen[h]; dup {
			t.Errorf("changing %s gives the same hash as %s", name, other)
		}
		seen[h] = name
	}
}

func TestAppendSurvivesCancelledContext(t *testing.T) {
	// A request that is cancelled (the lawyer closed the tab) must still
	// leave its record.
	l := &Log{T: memTable(t)}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	e, err := l.Append(ctx, Event{Action: "dossier.download", Result: OK})
	if err != nil {
		t.Fatalf("Append with a cancelled context: %v", err)
	}
	if _, got := record(t, l.T, e.Seq); got.Hash != e.Hash {
		t.Error("record not stored")
	}
}
