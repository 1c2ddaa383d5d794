// Package audittest is the audit log's tamper suite, parametrised by the
// metadata store like storetest: every store.Table driver must let Verify
// catch an edited, deleted, reordered or inserted record and, with anchors,
// a truncated or rewritten tail.
//
// The suite writes a chain of 8 records, anchors it at seq 6, then plays an
// attacker who can write the table (but not the anchor store, nor sign with
// the anchor key) and checks that Verify names the first bad record or
// anchor.
package audittest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Records is how many records the suite writes; Anchored the seq of the
// anchor it signs (records after it are not yet anchored).
const (
	Records  = 8
	Anchored = 6
)

// Fixture is one chain under attack.
type Fixture struct {
	T       *testing.T
	Table   store.Table
	Log     *audit.Log
	Anchors audit.Anchors
	Key     ed25519.PrivateKey
	Events  []audit.Event // as appended, index seq-1
}

// NewFixture writes the chain on a fresh table from newTable, anchoring it
// at seq Anchored in anchors (a FileAnchors in a temp dir if nil).
func NewFixture(t *testing.T, tb store.Table, anchors audit.Anchors) *Fixture {
	t.Helper()
	if anchors == nil {
		anchors = &audit.FileAnchors{Path: filepath.Join(t.TempDir(), "anchors", "anchors.ndjson")}
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public().(ed25519.PublicKey)
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	n := 0
	l := &audit.Log{T: tb, Anchors: anchors, AnchorKeys: map[string]ed25519.PublicKey{audit.KeyID(pub): pub},
		Now: func() time.Time { n++; return base.Add(time.Duration(n) * time.Minute) }}
	f := &Fixture{T: t, Table: tb, Log: l, Anchors: anchors, Key: key}
	for i := 1; i <= Records; i++ {
		e, err := l.Append(t.Context(), audit.Event{Actor: "11101201910012345", Role: "lawyer", Action: audit.LinkDownload,
			CaseID: "case-1", ApplicationID: fmt.Sprintf("app-%d", i), IP: "192.0.2.7", Result: audit.OK})
		if err != nil {
			t.Fatal(err)
		}
		f.Events = append(f.Events, e)
		if i == Anchored {
			if _, wrote, err := l.Anchor(t.Context(), key); err != nil || !wrote {
				t.Fatalf("Anchor at seq %d: wrote=%v err=%v", i, wrote, err)
			}
		}
	}
	return f
}

// Get reads record seq as stored.
func (f *Fixture) Get(seq int64) (store.Item, audit.Event) {
	f.T.Helper()
	p, s := audit.RecordKey(seq)
	it, err := f.Table.Get(f.T.Context(), p, s)
	if err != nil {
		f.T.Fatalf("record %d: %v", seq, err)
	}
	var e audit.Event
	if err := json.Unmarshal(it.Data, &e); err != nil {
		f.T.Fatal(err)
	}
	return it, e
}

// Put overwrites an item whatever its version.
func (f *Fixture) Put(it store.Item) {
	f.T.Helper()
	cur, err := f.Table.Get(f.T.Context(), it.PK, it.SK)
	switch {
	case err == nil:
		it.Version = cur.Version
	case errors.Is(err, store.ErrNotFound):
		it.Version = 0
	default:
		f.T.Fatal(err)
	}
	if _, err := f.Table.Put(f.T.Context(), it); err != nil {
		f.T.Fatal(err)
	}
}

// PutEvent stores e as record at (its Data re-encoded), keeping index keys.
func (f *Fixture) PutEvent(at int64, e audit.Event) {
	f.T.Helper()
	p, s := audit.RecordKey(at)
	data, _ := json.Marshal(e)
	it := store.Item{PK: p, SK: s, Data: data}
	if e.CaseID != "" {
		it.GSI1PK, it.GSI1SK = "audit#case#"+e.CaseID, s
	}
	if e.Actor != "" {
		it.GSI2PK, it.GSI2SK = "audit#actor#"+e.Actor, s
	}
	f.Put(it)
}

// Delete removes record seq.
func (f *Fixture) Delete(seq int64) {
	f.T.Helper()
	it, _ := f.Get(seq)
	if err := f.Table.Delete(f.T.Context(), it.PK, it.SK, it.Version); err != nil {
		f.T.Fatal(err)
	}
}

// SetHead moves the head hint to seq (and its hash).
func (f *Fixture) SetHead(seq int64, hash string) {
	f.T.Helper()
	p, s := audit.HeadKey()
	data, _ := json.Marshal(map[string]any{"seq": seq, "hash": hash})
	f.Put(store.Item{PK: p, SK: s, Data: data})
}

// Rechain recomputes prevHash and hash of records from..to so that the
// chain is self-consistent again, and moves the head hint to the end — what
// an attacker with table access but without the anchor key would do.
func (f *Fixture) Rechain(from, to int64) {
	f.T.Helper()
	_, prev := f.Get(from - 1)
	for seq := from; seq <= to; seq++ {
		_, e := f.Get(seq)
		e.PrevHash = prev.Hash
		e.Hash = e.ComputeHash()
		f.PutEvent(seq, e)
		prev = e
	}
	f.SetHead(to, prev.Hash)
}

// Case is one attack and what Verify must say.
type Case struct {
	Name   string
	Tamper func(f *Fixture)
	// FirstBad and Problem (a substring) when a record is named; BadAnchor
	// (a substring of the report's BadAnchor) when an anchor is.
	FirstBad  int64
	Problem   string
	BadAnchor string
	// CaughtWithoutAnchors says whether the chain and head alone catch it.
	CaughtWithoutAnchors bool
}

// Cases is the suite.
func Cases() []Case {
	return []Case{
		{Name: "edited: record 3's actor changed in place", Tamper: func(f *Fixture) {
			_, e := f.Get(3)
			e.Actor = "someone-else"
			f.PutEvent(3, e)
		}, FirstBad: 3, Problem: "altered", CaughtWithoutAnchors: true},
		{Name: "edited: record 3's result changed and its hash recomputed", Tamper: func(f *Fixture) {
			_, e := f.Get(3)
			e.Result = audit.Denied
			e.Hash = e.ComputeHash()
			f.PutEvent(3, e)
		}, FirstBad: 4, Problem: "prevHash", CaughtWithoutAnchors: true},
		{Name: "edited: record 3 changed and the chain recomputed from it on", Tamper: func(f *Fixture) {
			_, e := f.Get(3)
			e.IP = "203.0.113.9"
			f.PutEvent(3, e)
			f.Rechain(3, Records)
		}, FirstBad: Anchored, Problem: "signed"},
		{Name: "deleted: record 3", Tamper: func(f *Fixture) { f.Delete(3) },
			FirstBad: 3, Problem: "missing", CaughtWithoutAnchors: true},
		{Name: "deleted: record 3, later ones renumbered and rechained", Tamper: func(f *Fixture) {
			for seq := int64(4); seq <= Records; seq++ {
				_, e := f.Get(seq)
				e.Seq = seq - 1
				f.PutEvent(seq-1, e)
			}
			f.Delete(Records)
			f.Rechain(3, Records-1)
		}, FirstBad: Anchored, Problem: "signed"},
		{Name: "reordered: records 3 and 4 swapped", Tamper: func(f *Fixture) {
			_, e3 := f.Get(3)
			_, e4 := f.Get(4)
			f.PutEvent(3, e4)
			f.PutEvent(4, e3)
		}, FirstBad: 3, Problem: "out of place", CaughtWithoutAnchors: true},
		{Name: "reordered: records 3 and 4 swapped and renumbered", Tamper: func(f *Fixture) {
			_, e3 := f.Get(3)
			_, e4 := f.Get(4)
			e3.Seq, e4.Seq = 4, 3
			f.PutEvent(3, e4)
			f.PutEvent(4, e3)
		}, FirstBad: 3, Problem: "prevHash", CaughtWithoutAnchors: true},
		{Name: "reordered: records 3 and 4 swapped, renumbered and rechained", Tamper: func(f *Fixture) {
			_, e3 := f.Get(3)
			_, e4 := f.Get(4)
			e3.Seq, e4.Seq = 4, 3
			f.PutEvent(3, e4)
			f.PutEvent(4, e3)
			f.Rechain(3, Records)
		}, FirstBad: Anchored, Problem: "signed"},
		{Name: "inserted: a forgery at 3, later records renumbered", Tamper: func(f *Fixture) {
			for seq := int64(Records); seq >= 3; seq-- {
				_, e := f.Get(seq)
				e.Seq = seq + 1
				f.PutEvent(seq+1, e)
			}
			_, prev := f.Get(2)
			g := audit.Event{Seq: 3, Time: prev.Time, Actor: "ghost", Role: "clerk", Action: audit.CaseCreate, Result: audit.OK, PrevHash: prev.Hash}
			g.Hash = g.ComputeHash()
			f.PutEvent(3, g)
		}, FirstBad: 4, Problem: "prevHash", CaughtWithoutAnchors: true},
		{Name: "inserted: a forgery at 3, renumbered and rechained", Tamper: func(f *Fixture) {
			for seq := int64(Records); seq >= 3; seq-- {
				_, e := f.Get(seq)
				e.Seq = seq + 1
				f.PutEvent(seq+1, e)
			}
			f.PutEvent(3, audit.Event{Seq: 3, Time: f.Events[1].Time, Actor: "ghost", Role: "clerk", Action: audit.CaseCreate, Result: audit.OK})
			f.Rechain(3, Records+1)
		}, FirstBad: Anchored, Problem: "signed"},
		{Name: "inserted: a second record claiming seq 3", Tamper: func(f *Fixture) {
			it, e := f.Get(3)
			e.Actor = "ghost"
			it.SK += "a"
			it.Data, _ = json.Marshal(e)
			it.Version = 0
			f.Put(it)
		}, FirstBad: 4, Problem: "out of place", CaughtWithoutAnchors: true},
		{Name: "truncated: the newest record deleted", Tamper: func(f *Fixture) { f.Delete(Records) },
			FirstBad: Records, Problem: "missing", CaughtWithoutAnchors: true},
		{Name: "truncated: the tail deleted below the anchor and the head moved back", Tamper: func(f *Fixture) {
			for seq := int64(Records); seq >= 5; seq-- {
				f.Delete(seq)
			}
			f.SetHead(4, f.Events[3].Hash)
		}, FirstBad: 5, Problem: "truncated"},
		{Name: "truncated: the tail deleted below the anchor and the head removed", Tamper: func(f *Fixture) {
			for seq := int64(Records); seq >= 4; seq-- {
				f.Delete(seq)
			}
			p, s := audit.HeadKey()
			it, err := f.Table.Get(f.T.Context(), p, s)
			if err != nil {
				f.T.Fatal(err)
			}
			if err := f.Table.Delete(f.T.Context(), p, s, it.Version); err != nil {
				f.T.Fatal(err)
			}
		}, FirstBad: 4, Problem: "truncated"},
		{Name: "anchor: a forged anchor appended (signature does not verify)", Tamper: func(f *Fixture) {
			a := audit.SignAnchor(f.Key, Records, f.Events[Records-1].Hash, time.Now())
			a.Hash = strings.Repeat("0", 64)
			if err := f.Anchors.Append(f.T.Context(), a); err != nil {
				f.T.Fatal(err)
			}
		}, BadAnchor: "", Problem: "signature"},
		{Name: "anchor: the chain rewritten and re-anchored with another key", Tamper: func(f *Fixture) {
			_, e := f.Get(2)
			e.Actor = "ghost"
			f.PutEvent(2, e)
			f.Rechain(2, Records)
			_, other, _ := ed25519.GenerateKey(rand.Reader)
			_, last := f.Get(Records)
			if err := f.Anchors.Append(f.T.Context(), audit.SignAnchor(other, Records, last.Hash, time.Now())); err != nil {
				f.T.Fatal(err)
			}
		}, BadAnchor: "", Problem: "unknown key"},
	}
}

// Run runs the suite on tables from newTable (each subtest gets a new,
// empty table, which it closes) with anchors from newAnchors (a FileAnchors
// in a temp dir when nil).
func Run(t *testing.T, newTable func(t *testing.T) store.Table, newAnchors func(t *testing.T) audit.Anchors) {
	t.Run("intact", func(t *testing.T) {
		tb := newTable(t)
		defer tb.Close()
		f := NewFixture(t, tb, anchorsFor(t, newAnchors))
		r := verify(t, f.Log)
		if !r.OK || r.Records != Records || r.HeadHash != f.Events[Records-1].Hash || r.Anchors != 1 || r.LastAnchor == nil || r.LastAnchor.Seq != Anchored {
			t.Fatalf("Verify of an intact, anchored chain = %+v", r)
		}
	})
	for _, tc := range Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			tb := newTable(t)
			defer tb.Close()
			f := NewFixture(t, tb, anchorsFor(t, newAnchors))
			tc.Tamper(f)
			r := verify(t, f.Log)
			if r.OK {
				t.Fatalf("Verify = OK (%+v) on a tampered chain", r)
			}
			if tc.FirstBad != 0 && r.FirstBad != tc.FirstBad {
				t.Errorf("FirstBad = %d, want %d (problem %q)", r.FirstBad, tc.FirstBad, r.Problem)
			}
			if tc.FirstBad == 0 && (r.BadAnchor == "" || r.FirstBad != 0) {
				t.Errorf("the report should name the bad anchor, got %+v", r)
			}
			if !strings.Contains(r.Problem, tc.Problem) {
				t.Errorf("Problem = %q, want it to mention %q", r.Problem, tc.Problem)
			}
			// The anchoring job must refuse to bless a chain tampered with
			// at or after the last anchor (it checks only what is new).
			if tc.FirstBad >= Anchored {
				if a, wrote, err := f.Log.Anchor(t.Context(), f.Key); err == nil && wrote {
					t.Errorf("Anchor signed a tampered chain: %+v", a)
				}
			}
			// Without anchors only some attacks show; the others are what
			// anchors are for.
			bare := &audit.Log{T: tb}
			rb := verify(t, bare)
			if rb.OK == tc.CaughtWithoutAnchors {
				t.Errorf("without anchors Verify = %+v; the chain alone should catch this: %v", rb, tc.CaughtWithoutAnchors)
			}
		})
	}
}

func anchorsFor(t *testing.T, newAnchors func(t *testing.T) audit.Anchors) audit.Anchors {
	if newAnchors == nil {
		return nil
	}
	return newAnchors(t)
}

func verify(t *testing.T, l *audit.Log) audit.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	r, err := l.Verify(ctx)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return r
}
