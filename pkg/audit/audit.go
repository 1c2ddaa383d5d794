// Package audit is the append-only, hash-chained access log: one record per
// event, each carrying the hash of the one before it, so that an auditor can
// prove no record was altered, removed or inserted.
//
// Records live in a store.Table under sequence numbers. Appending claims the
// next sequence number with a conditional write, so concurrent appenders never
// fork the chain: exactly one wins each number and the others retry.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
)

// Result is the outcome of the audited action.
type Result string

// Results.
const (
	OK      Result = "ok"
	Denied  Result = "denied"
	Failed  Result = "failed"
	Invalid Result = "invalid"
)

// Event is one audit record. Hash covers every other field and PrevHash.
type Event struct {
	Seq           int64             `json:"seq"`
	Time          time.Time         `json:"time"`
	Actor         string            `json:"actor"`
	Role          string            `json:"role"`
	Action        string            `json:"action"`
	CaseID        string            `json:"caseId,omitempty"`
	ApplicationID string            `json:"applicationId,omitempty"`
	Target        string            `json:"target,omitempty"`
	IP            string            `json:"ip,omitempty"`
	UserAgent     string            `json:"userAgent,omitempty"`
	RequestID     string            `json:"requestId,omitempty"`
	Result        Result            `json:"result"`
	Detail        map[string]string `json:"detail,omitempty"`
	PrevHash      string            `json:"prevHash"`
	Hash          string            `json:"hash"`
}

// Canonical returns the bytes the hash is computed over: the event as JSON
// with a fixed field order, UTC time at nanosecond precision, sorted detail
// keys (encoding/json sorts map keys) and the hash field left out.
func (e Event) Canonical() []byte {
	c := e
	c.Hash = ""
	c.Time = c.Time.UTC()
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // only plain strings and numbers: cannot fail
	}
	return b
}

// ComputeHash returns the hex SHA-256 of the event's canonical encoding.
func (e Event) ComputeHash() string {
	sum := sha256.Sum256(e.Canonical())
	return hex.EncodeToString(sum[:])
}

const (
	pk      = "audit"
	headSK  = "head"
	seqPref = "e#"
)

func seqSK(n int64) string { return fmt.Sprintf("%s%015d", seqPref, n) }

// Log appends to and reads the chain.
type Log struct {
	T   store.Table
	Now func() time.Time
}

func (l *Log) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

type head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// tip finds the last record: the head hint, then forward while later
// records exist (a writer may have died between record and head).
func (l *Log) tip(ctx context.Context) (head, int64, error) {
	var h head
	var hv int64
	it, err := l.T.Get(ctx, pk, headSK)
	switch {
	case err == nil:
		if err := json.Unmarshal(it.Data, &h); err != nil {
			return h, 0, fmt.Errorf("audit: decode head: %w", err)
		}
		hv = it.Version
	case errors.Is(err, store.ErrNotFound):
	default:
		return h, 0, fmt.Errorf("audit: read head: %w", err)
	}
	for {
		p, err := l.T.Query(ctx, store.Query{PK: pk, SKFrom: seqSK(h.Seq + 1), SKTo: seqSK(1<<53 - 1), Limit: 100})
		if err != nil {
			return h, 0, fmt.Errorf("audit: find tip: %w", err)
		}
		for _, it := range p.Items {
			var e Event
			if err := json.Unmarshal(it.Data, &e); err != nil {
				return h, 0, fmt.Errorf("audit: decode record %s: %w", it.SK, err)
			}
			h = head{Seq: e.Seq, Hash: e.Hash}
		}
		if p.Next == "" {
			return h, hv, nil
		}
	}
}

// Append adds e to the chain, filling Seq, Time (if zero), PrevHash and Hash.
func (l *Log) Append(ctx context.Context, e Event) (Event, error) {
	if e.Action == "" || e.Result == "" {
		return e, errors.New("audit: an event needs an action and a result")
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = e.Time.UTC()
	// Records must not be lost to a cancelled request: the caller's deadline
	// still bounds us, but cancellation does not.
	ctx = context.WithoutCancel(ctx)
	for attempt := 0; attempt < 100; attempt++ {
		h, hv, err := l.tip(ctx)
		if err != nil {
			return e, err
		}
		e.Seq = h.Seq + 1
		e.PrevHash = h.Hash
		e.Hash = e.ComputeHash()
		data, _ := json.Marshal(e)
		it := store.Item{PK: pk, SK: seqSK(e.Seq), Data: data}
		if e.CaseID != "" {
			it.GSI1PK, it.GSI1SK = "audit#case#"+e.CaseID, seqSK(e.Seq)
		}
		if e.Actor != "" {
			it.GSI2PK, it.GSI2SK = "audit#actor#"+e.Actor, seqSK(e.Seq)
		}
		if _, err := l.T.Put(ctx, it); err != nil {
			if errors.Is(err, store.ErrConflict) {
				time.Sleep(time.Duration(attempt%10) * time.Millisecond)
				continue
			}
			return e, fmt.Errorf("audit: append %s: %w", e.Action, err)
		}
		// Move the head hint; losing this race is harmless (tip walks on).
		hd, _ := json.Marshal(head{Seq: e.Seq, Hash: e.Hash})
		_, _ = l.T.Put(ctx, store.Item{PK: pk, SK: headSK, Version: hv, Data: hd})
		return e, nil
	}
	return e, errors.New("audit: append: chain head too contended, gave up after 100 tries")
}

// Filter selects records. Zero fields match everything.
type Filter struct {
	Actor         string
	CaseID        string
	ApplicationID string
	Action        string
	From, To      time.Time
	Cursor        string // the Next of a previous Page
	Limit         int    // default 100, at most 1000
}

// Page is one page of records in chain order.
type Page struct {
	Events []Event `json:"events"`
	Next   string  `json:"next,omitempty"`
}

// Query returns records matching f in sequence order.
func (l *Log) Query(ctx context.Context, f Filter) (Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var after int64
	if f.Cursor != "" {
		n, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || n < 0 {
			return Page{}, fmt.Errorf("audit: bad cursor %q: pass back the next value of the previous page", f.Cursor)
		}
		after = n
	}
	q := store.Query{PK: pk, Limit: 500}
	switch {
	case f.CaseID != "":
		q.Index, q.PK = store.GSI1, "audit#case#"+f.CaseID
	case f.Actor != "":
		q.Index, q.PK = store.GSI2, "audit#actor#"+f.Actor
	}
	q.SKFrom, q.SKTo = seqSK(after+1), seqSK(1<<53-1)
	var out Page
	for {
		p, err := l.T.Query(ctx, q)
		if err != nil {
			return out, fmt.Errorf("audit: query: %w", err)
		}
		for _, it := range p.Items {
			var e Event
			if err := json.Unmarshal(it.Data, &e); err != nil {
				return out, fmt.Errorf("audit: decode %s: %w", it.SK, err)
			}
			if !f.match(e) {
				continue
			}
			out.Events = append(out.Events, e)
			if len(out.Events) == limit {
				out.Next = strconv.FormatInt(e.Seq, 10)
				return out, nil
			}
		}
		if p.Next == "" {
			return out, nil
		}
		q.Cursor = p.Next
	}
}

func (f Filter) match(e Event) bool {
	return (f.Actor == "" || e.Actor == f.Actor) &&
		(f.CaseID == "" || e.CaseID == f.CaseID) &&
		(f.ApplicationID == "" || e.ApplicationID == f.ApplicationID) &&
		(f.Action == "" || e.Action == f.Action) &&
		(f.From.IsZero() || !e.Time.Before(f.From)) &&
		(f.To.IsZero() || e.Time.Before(f.To))
}

// Report is the outcome of Verify.
type Report struct {
	OK       bool   `json:"ok"`
	Records  int64  `json:"records"`
	HeadHash string `json:"headHash,omitempty"`
	// FirstBad is the sequence number of the first record that fails, and
	// Problem says how.
	FirstBad int64  `json:"firstBad,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

// Verify walks the whole chain, recomputing every hash and link, and checks
// it against the head hint, so that removing or replacing the newest records
// (which no later record links to) is caught too.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	var r Report
	// Read the head before the records: a record is written before the head
	// moves to it, so every record the head names is already there.
	var h head
	switch it, err := l.T.Get(ctx, pk, headSK); {
	case err == nil:
		if err := json.Unmarshal(it.Data, &h); err != nil {
			return r, fmt.Errorf("audit: verify: decode head: %w", err)
		}
	case !errors.Is(err, store.ErrNotFound):
		return r, fmt.Errorf("audit: verify: read head: %w", err)
	}
	prev := ""
	var want int64 = 1
	q := store.Query{PK: pk, SKPrefix: seqPref, Limit: 1000}
	for {
		p, err := l.T.Query(ctx, q)
		if err != nil {
			return r, fmt.Errorf("audit: verify: %w", err)
		}
		for _, it := range p.Items {
			var e Event
			bad := func(msg string) (Report, error) {
				r.FirstBad, r.Problem = want, msg
				return r, nil
			}
			if err := json.Unmarshal(it.Data, &e); err != nil {
				return bad("record cannot be decoded: " + err.Error())
			}
			if it.SK != seqSK(want) || e.Seq != want {
				return bad(fmt.Sprintf("record missing or out of place: expected seq %d, found %d", want, e.Seq))
			}
			if e.PrevHash != prev {
				return bad("prevHash does not match the previous record's hash (a record was removed or inserted)")
			}
			if e.ComputeHash() != e.Hash {
				return bad("hash does not match the record's content (the record was altered)")
			}
			if e.Seq == h.Seq && e.Hash != h.Hash {
				return bad("hash does not match the one the chain head recorded (the newest records were replaced)")
			}
			prev = e.Hash
			r.Records = want
			want++
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if h.Seq > r.Records {
		r.FirstBad = r.Records + 1
		r.Problem = fmt.Sprintf("record missing: the chain head says the log reaches seq %d, but the last record is seq %d (records were removed from the end)", h.Seq, r.Records)
		return r, nil
	}
	r.OK, r.HeadHash = true, prev
	return r, nil
}
