package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Status is where a notice's delivery stands.
type Status string

// Delivery states: pending (not yet delivered; retried by the scheduler),
// sent, or failed (given up after MaxAttempts; an error is logged).
// Unrecorded is no state of a stored delivery: it marks a notice that was
// never recorded (its record failed), as its sender reports it.
const (
	Pending    Status = "pending"
	Sent       Status = "sent"
	Failed     Status = "failed"
	Unrecorded Status = "unrecorded"
)

// Delivery is a notice with its delivery record.
type Delivery struct {
	Notice
	Status      Status    `json:"status"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"lastError,omitempty"`
	NextAttempt time.Time `json:"nextAttemptAt,omitzero"`
	SentAt      time.Time `json:"sentAt,omitzero"`

	rev int64
}

// Dispatcher records notices and delivers them through Channel: at once,
// and for a failed attempt again from Retry (the scheduler) with exponential
// backoff. Every attempt is an audit record: notice.send on success,
// notice.fail on failure.
//
// Storage: one item per notice (PK "notice#<id>"), listed per recipient on
// GSI1 by creation time, and while pending on GSI2 by next attempt time.
type Dispatcher struct {
	T       store.Table
	Channel Notifier
	Audit   *audit.Log
	Log     *slog.Logger
	// Backoff is the wait after the nth failed attempt (default 1 min
	// doubling up to 1 h); MaxAttempts caps attempts (default 10); Lease is
	// how long an attempt in progress keeps others off (default 2 min).
	Backoff     func(attempt int) time.Duration
	MaxAttempts int
	Lease       time.Duration
	// Timeout bounds one delivery attempt (default 30 s).
	Timeout time.Duration
	Now     func() time.Time
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

func (d *Dispatcher) backoff(n int) time.Duration {
	if d.Backoff != nil {
		return d.Backoff(n)
	}
	b := time.Minute << min(n-1, 6)
	return min(b, time.Hour)
}

func (d *Dispatcher) maxAttempts() int {
	if d.MaxAttempts > 0 {
		return d.MaxAttempts
	}
	return 10
}

func (d *Dispatcher) lease() time.Duration {
	if d.Lease > 0 {
		return d.Lease
	}
	return 2 * time.Minute
}

const pendingPK = "notices#pending"

func noticeKey(id string) (string, string) { return "notice#" + id, "notice" }

func (d *Dispatcher) put(ctx context.Context, x *Delivery) error {
	data, err := json.Marshal(x)
	if err != nil {
		return err
	}
	pk, sk := noticeKey(x.ID)
	it := store.Item{PK: pk, SK: sk, Version: x.rev, Data: data,
		GSI1PK: "notices#" + x.To, GSI1SK: store.TimeKey(x.CreatedAt) + "#" + x.ID}
	if x.Status == Pending {
		it.GSI2PK, it.GSI2SK = pendingPK, store.TimeKey(x.NextAttempt)+"#"+x.ID
	}
	v, err := d.T.Put(ctx, it)
	if err != nil {
		return fmt.Errorf("notify: save notice %s: %w", x.ID, err)
	}
	x.rev = v
	return nil
}

func decode(it store.Item) (*Delivery, error) {
	var x Delivery
	if err := json.Unmarshal(it.Data, &x); err != nil {
		return nil, fmt.Errorf("notify: decode notice %s: %w", it.PK, err)
	}
	x.rev = it.Version
	return &x, nil
}

// Get returns the notice with id and its delivery record.
func (d *Dispatcher) Get(ctx context.Context, id string) (*Delivery, error) {
	pk, sk := noticeKey(id)
	it, err := d.T.Get(ctx, pk, sk)
	if err != nil {
		return nil, fmt.Errorf("notify: notice %s: %w", id, err)
	}
	return decode(it)
}

// Deliver is Send for the Notifier interface: the notice is recorded and
// delivered or left for retry; only a failure to record it is an error.
func (d *Dispatcher) Deliver(ctx context.Context, n Notice) error {
	_, err := d.Send(ctx, n)
	return err
}

// Send records n and tries to deliver it once. A notice whose ID is already
// recorded is not sent again (its record is returned), so callers make IDs
// from what the notice is about to make sending idempotent. A failed attempt
// is not an error: the notice stays pending and Retry tries again.
func (d *Dispatcher) Send(ctx context.Context, n Notice) (*Delivery, error) {
	ctx = context.WithoutCancel(ctx)
	now := d.now()
	if n.ID == "" {
		n.ID = casefile.NewID()
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = now
	}
	// The first attempt holds a lease, so a concurrent Retry pass does not
	// deliver it a second time.
	x := &Delivery{Notice: n, Status: Pending, NextAttempt: now.Add(d.lease())}
	if err := d.put(ctx, x); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return d.Get(ctx, n.ID)
		}
		return nil, err
	}
	return x, d.attempt(ctx, x)
}

// SendAll sends each notice and returns their records in order. It stops at
// the first notice it cannot record.
func (d *Dispatcher) SendAll(ctx context.Context, ns []Notice) ([]*Delivery, error) {
	out := make([]*Delivery, 0, len(ns))
	for _, n := range ns {
		x, err := d.Send(ctx, n)
		if err != nil {
			return out, err
		}
		out = append(out, x)
	}
	return out, nil
}

// attempt delivers x once and saves the outcome. Only store errors are
// returned.
func (d *Dispatcher) attempt(ctx context.Context, x *Delivery) error {
	x.Attempts++
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	derr := d.Channel.Deliver(actx, x.Notice)
	cancel()
	now := d.now()
	detail := map[string]string{"notice": x.ID, "kind": x.Kind, "attempt": strconv.Itoa(x.Attempts)}
	for k, v := range map[string]string{"complaint": x.ComplaintID, "opinion": x.OpinionID, "decision": x.DecisionID} {
		if v != "" {
			detail[k] = v
		}
	}
	ev := audit.Event{Actor: "system", Role: "system", CaseID: x.CaseID, ApplicationID: x.ApplicationID, Target: x.To, Detail: detail}
	if derr == nil {
		x.Status, x.SentAt, x.NextAttempt, x.LastError = Sent, now, time.Time{}, ""
		ev.Action, ev.Result = audit.NoticeSend, audit.OK
	} else {
		x.LastError = derr.Error()
		detail["error"] = derr.Error()
		ev.Action, ev.Result = audit.NoticeFail, audit.Failed
		if x.Attempts >= d.maxAttempts() {
			x.Status, x.NextAttempt = Failed, time.Time{}
			detail["final"] = "true"
			d.log().Error("notice delivery failed, giving up", "notice", x.ID, "to", x.To, "kind", x.Kind, "attempts", x.Attempts, "err", derr)
		} else {
			x.NextAttempt = now.Add(d.backoff(x.Attempts))
			detail["nextAttemptAt"] = x.NextAttempt.Format(time.RFC3339)
			d.log().Warn("notice delivery failed, will retry", "notice", x.ID, "to", x.To, "kind", x.Kind, "attempt", x.Attempts, "next", x.NextAttempt, "err", derr)
		}
	}
	if _, err := d.Audit.Append(ctx, ev); err != nil {
		d.log().Error("audit append failed", "action", ev.Action, "notice", x.ID, "err", err)
	}
	if err := d.put(ctx, x); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil // another pass took it over after our lease ran out
		}
		return err
	}
	return nil
}

// RetrySummary says what one Retry pass did.
type RetrySummary struct {
	Sent   int `json:"sent"`
	Failed int `json:"failed"` // failed again, still pending
	GaveUp int `json:"gaveUp"` // failed for the last time
}

// Retry attempts every pending notice whose next attempt is due. Running
// it concurrently is safe: each notice is claimed with a conditional write.
func (d *Dispatcher) Retry(ctx context.Context) (RetrySummary, error) {
	var s RetrySummary
	now := d.now()
	q := store.Query{Index: store.GSI2, PK: pendingPK, SKFrom: "0", SKTo: store.TimeKey(now) + "#~"}
	items, err := store.All(ctx, d.T, q)
	if err != nil {
		return s, fmt.Errorf("notify: pending notices: %w", err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, strings.TrimPrefix(it.PK, "notice#"))
	}
	for _, id := range ids {
		x, err := d.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return s, err
		}
		if x.Status != Pending || x.NextAttempt.After(now) {
			continue // index lag, or taken by another pass
		}
		x.NextAttempt = now.Add(d.lease())
		if err := d.put(ctx, x); err != nil {
			if errors.Is(err, store.ErrConflict) {
				continue
			}
			return s, err
		}
		if err := d.attempt(ctx, x); err != nil {
			return s, err
		}
		switch x.Status {
		case Sent:
			s.Sent++
		case Failed:
			s.GaveUp++
		default:
			s.Failed++
		}
	}
	return s, nil
}

// Inbox returns the notices to the given recipients, newest first, at most
// limit (default 200).
func (d *Dispatcher) Inbox(ctx context.Context, limit int, to ...string) ([]*Delivery, error) {
	if limit <= 0 {
		limit = 200
	}
	var out []*Delivery
	for _, r := range to {
		q := store.Query{Index: store.GSI1, PK: "notices#" + r, Desc: true, Limit: limit}
		n := 0
		for n < limit {
			p, err := d.T.Query(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("notify: notices of %s: %w", r, err)
			}
			for _, it := range p.Items {
				x, err := decode(it)
				if err != nil {
					return nil, err
				}
				out = append(out, x)
				n++
			}
			if p.Next == "" {
				break
			}
			q.Cursor = p.Next
		}
	}
	slices.SortStableFunc(out, func(a, b *Delivery) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
