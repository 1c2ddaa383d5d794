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
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	Action        Action            `json:"action"`
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
// keys (encoding/json sorts map keys), strings in valid UTF-8 (see valid)
// and the hash field left out.
func (e Event) Canonical() []byte {
	c := e.valid()
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

// RecordKey is the store key of record seq, and HeadKey that of the head
// hint; they are exported for tamper tests (package audittest), not for
// writing.
func RecordKey(seq int64) (string, string) { return pk, seqSK(seq) }

// HeadKey is the store key of the chain head hint.
func HeadKey() (string, string) { return pk, headSK }

// Log appends to and reads the chain.
type Log struct {
	T   store.Table
	Now func() time.Time
	// Anchors, when set, is where signed chain heads are kept (see Anchor);
	// Verify then checks them with AnchorKeys, the anchor public keys by
	// key id (keep retired keys here so their anchors still verify).
	Anchors    Anchors
	AnchorKeys map[string]ed25519.PublicKey

	anchorMu   sync.Mutex
	lastAnchor Anchor
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
	Action        Action
	// Lawyers, when set, selects the records of these lawyers (certificate
	// numbers): those they wrote and the downloads of their links, which
	// the link's holder writes with the lawyer as linkOwner.
	Lawyers  []string
	From, To time.Time
	// Desc pages newest first; its cursors are "n<upto>", not usable in
	// chain order (nor Each, which is always in chain order).
	Desc   bool
	Cursor string // the Next of a previous Page
	Limit  int    // default 100, at most 1000
}

// Page is one page of records in chain order, or newest first.
type Page struct {
	Events []Event `json:"events"`
	Next   string  `json:"next,omitempty"`
}

// Query returns records matching f in sequence order. Pagination reads a
// snapshot: the first page fixes the chain head, and following pages (their
// cursor carries it) stop there, so that paging through the log ends even
// while records — among them the audit.query records of the paging itself —
// keep being appended.
func (l *Log) Query(ctx context.Context, f Filter) (Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	after, upto, err := ParseCursor(f.Cursor)
	if err != nil {
		return Page{}, err
	}
	if desc := strings.HasPrefix(f.Cursor, "n"); desc != f.Desc && f.Cursor != "" {
		return Page{}, fmt.Errorf("audit: bad cursor %q: pass back the next value of a page in the same order", f.Cursor)
	}
	if upto == 0 {
		h, _, err := l.tip(ctx)
		if err != nil {
			return Page{}, err
		}
		upto = h.Seq
	}
	var out Page
	if after >= upto {
		return out, nil
	}
	q := store.Query{PK: pk, Limit: 500}
	switch {
	case f.CaseID != "":
		q.Index, q.PK = store.GSI1, "audit#case#"+f.CaseID
	case f.Actor != "":
		q.Index, q.PK = store.GSI2, "audit#actor#"+f.Actor
	}
	q.SKFrom, q.SKTo, q.Desc = seqSK(after+1), seqSK(upto), f.Desc
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
				switch {
				case f.Desc && e.Seq > 1:
					out.Next = fmt.Sprintf("n%d", e.Seq-1)
				case !f.Desc && e.Seq < upto:
					out.Next = fmt.Sprintf("%d-%d", e.Seq, upto)
				}
				return out, nil
			}
		}
		if p.Next == "" {
			return out, nil
		}
		q.Cursor = p.Next
	}
}

// ParseCursor reads a page cursor: "<after>" (records after seq after) or
// "<after>-<upto>" (and up to seq upto, the snapshot of the first page);
// newest first, "n<upto>" (records up to seq upto, downwards).
func ParseCursor(c string) (after, upto int64, err error) {
	if c == "" {
		return 0, 0, nil
	}
	if n, ok := strings.CutPrefix(c, "n"); ok {
		upto, err := strconv.ParseInt(n, 10, 64)
		if err != nil || upto <= 0 {
			return 0, 0, fmt.Errorf("audit: bad cursor %q: pass back the next value of the previous page", c)
		}
		return 0, upto, nil
	}
	a, u, bounded := strings.Cut(c, "-")
	after, err1 := strconv.ParseInt(a, 10, 64)
	if bounded {
		var err2 error
		upto, err2 = strconv.ParseInt(u, 10, 64)
		if err2 != nil || upto <= 0 {
			err1 = errors.New("bad bound")
		}
	}
	if err1 != nil || after < 0 {
		return 0, 0, fmt.Errorf("audit: bad cursor %q: pass back the next value of the previous page", c)
	}
	return after, upto, nil
}

func (f Filter) match(e Event) bool {
	return (f.Actor == "" || e.Actor == f.Actor) &&
		(f.CaseID == "" || e.CaseID == f.CaseID) &&
		(f.ApplicationID == "" || e.ApplicationID == f.ApplicationID) &&
		(f.Action == "" || e.Action == f.Action) &&
		(f.Lawyers == nil || slices.Contains(f.Lawyers, e.Actor) || (e.Detail["linkOwner"] != "" && slices.Contains(f.Lawyers, e.Detail["linkOwner"]))) &&
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
	// Anchors is how many signed anchors were checked, LastAnchor the
	// newest; BadAnchor names the first anchor that fails its own check
	// (a line of the anchor file or an object key), with Problem saying how.
	Anchors    int     `json:"anchors"`
	LastAnchor *Anchor `json:"lastAnchor,omitempty"`
	BadAnchor  string  `json:"badAnchor,omitempty"`
	// Pending is how many records are written ahead (Intend) and not yet
	// in the chain: normally those of requests in flight; older ones are
	// appended, or dropped if their change never happened, by Settle.
	Pending int `json:"pending,omitempty"`
}

// Verify walks the whole chain, recomputing every hash and link, and checks
// it against the head hint, so that removing or replacing the newest records
// (which no later record links to) is caught too. With an anchor store it
// also checks every anchor: its signature, that the record at its seq has
// its hash, and that the chain still reaches the newest anchor — which
// catches a chain rewritten from some record on, or cut short with the head
// hint moved back, by someone who can write the table but not the anchors.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	var r Report
	pending, perr := l.Pending(ctx)
	if perr != nil {
		return r, fmt.Errorf("audit: verify: count pending records: %w", perr)
	}
	r.Pending = pending
	// Read the head and the anchors before the records: a record is written
	// before the head moves to it or an anchor names it, so every record
	// they name is already there.
	var h head
	switch it, err := l.T.Get(ctx, pk, headSK); {
	case err == nil:
		if err := json.Unmarshal(it.Data, &h); err != nil {
			return r, fmt.Errorf("audit: verify: decode head: %w", err)
		}
	case !errors.Is(err, store.ErrNotFound):
		return r, fmt.Errorf("audit: verify: read head: %w", err)
	}
	anchored := map[int64][]Anchor{}
	var lastAnchor *Anchor
	if l.Anchors != nil {
		all, err := l.Anchors.List(ctx)
		var bad *BadAnchorError
		if errors.As(err, &bad) {
			r.BadAnchor, r.Problem = bad.Where, "anchor "+bad.Err.Error()
			return r, nil
		}
		if err != nil {
			return r, fmt.Errorf("audit: verify: read anchors: %w", err)
		}
		for i, a := range all {
			if err := a.CheckSignature(l.AnchorKeys); err != nil {
				r.BadAnchor, r.Problem = a.name(), "anchor "+err.Error()
				return r, nil
			}
			anchored[a.Seq] = append(anchored[a.Seq], a)
			lastAnchor = &all[i]
		}
		r.Anchors = len(all)
		r.LastAnchor = lastAnchor
	}
	prev := ""
	var want int64 = 1
	err := l.scan(ctx, 1, func(sk string, e Event, derr error) bool {
		bad := func(msg string) bool {
			r.FirstBad, r.Problem = want, msg
			return false
		}
		if derr != nil {
			return bad("record cannot be decoded: " + derr.Error())
		}
		if sk != seqSK(want) || e.Seq != want {
			return bad(fmt.Sprintf("record missing or out of place: expected seq %d, found %d", want, e.Seq))
		}
		if e.PrevHash != prev {
			return bad("prevHash does not match the previous record's hash (a record was removed or inserted)")
		}
		if e.ComputeHash() != e.Hash {
			return bad("hash does not match the record's content (the record was altered)")
		}
		for _, a := range anchored[e.Seq] {
			if a.Hash != e.Hash {
				return bad(fmt.Sprintf("hash does not match the one signed in %s at %s (this or an earlier record was rewritten)",
					a.name(), a.Time.Format(time.RFC3339)))
			}
		}
		if e.Seq == h.Seq && e.Hash != h.Hash {
			return bad("hash does not match the one the chain head recorded (the newest records were replaced)")
		}
		prev = e.Hash
		r.Records = want
		want++
		return true
	})
	if err != nil {
		return Report{}, fmt.Errorf("audit: verify: %w", err)
	}
	if r.FirstBad != 0 {
		return r, nil
	}
	if lastAnchor != nil && lastAnchor.Seq > r.Records {
		r.FirstBad = r.Records + 1
		r.Problem = fmt.Sprintf("record missing: the chain was truncated — %s, signed at %s, says the log reached seq %d, but the last record is seq %d",
			lastAnchor.name(), lastAnchor.Time.Format(time.RFC3339), lastAnchor.Seq, r.Records)
		return r, nil
	}
	if h.Seq > r.Records {
		r.FirstBad = r.Records + 1
		r.Problem = fmt.Sprintf("record missing: the chain head says the log reaches seq %d, but the last record is seq %d (records were removed from the end)", h.Seq, r.Records)
		return r, nil
	}
	r.OK, r.HeadHash = true, prev
	return r, nil
}

// Each calls fn with every record matching f (ignoring f.Limit and starting
// after f.Cursor), in sequence order, page by page, so that an export of the
// whole log runs in constant memory. It stops at fn's first error.
func (l *Log) Each(ctx context.Context, f Filter, fn func(Event) error) error {
	f.Limit, f.Desc = 1000, false
	for {
		p, err := l.Query(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range p.Events {
			if err := fn(e); err != nil {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
		f.Cursor = p.Next
	}
}
