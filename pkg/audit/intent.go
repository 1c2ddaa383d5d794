package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
)

// A state change and its audit record are two writes to two items, and the
// store has no transactions. Written change-first, a crash or a failed append
// between them loses the record; written record-first, a failed change leaves
// a record of something that never happened. An Intent is the write-ahead
// way out: the event is stored on a pending list before the change, appended
// to the chain after it, and anything a crash leaves on the list is settled
// later by asking the domain whether the change happened (Settle).

const pendingPK = "audit#pending"

// Intent is an audit event promised before the change it records.
type Intent struct {
	l   *Log
	sk  string
	ver int64
	e   Event
}

type pending struct {
	Event     Event     `json:"event"`
	ClaimedAt time.Time `json:"claimedAt,omitzero"`
}

// Intend stores e on the pending list and returns the intent. Call it before
// the change e records, with e complete (its Time set to the instant the
// change records, so that a Resolver can recognise it); then Commit once the
// change is stored, or Abort if it was not. If Intend fails, make no change.
func (l *Log) Intend(ctx context.Context, e Event) (*Intent, error) {
	if e.Action == "" || e.Result == "" {
		return nil, errors.New("audit: an event needs an action and a result")
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = e.Time.UTC()
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	sk := e.Time.Format("20060102T150405.000000000Z") + "#" + hex.EncodeToString(rnd[:])
	data, _ := json.Marshal(pending{Event: e})
	ver, err := l.T.Put(context.WithoutCancel(ctx), store.Item{PK: pendingPK, SK: sk, Data: data})
	if err != nil {
		return nil, fmt.Errorf("audit: record intent %s: %w", e.Action, err)
	}
	return &Intent{l: l, sk: sk, ver: ver, e: e}, nil
}

// Event returns the event the intent will record.
func (in *Intent) Event() Event { return in.e }

// Commit appends the event to the chain and takes it off the pending list.
// If the append fails the event stays pending and Settle appends it later, so
// the caller may log the error and go on: the record is not lost.
func (in *Intent) Commit(ctx context.Context) (Event, error) {
	ctx = context.WithoutCancel(ctx)
	e, err := in.l.Append(ctx, in.e)
	if err != nil {
		return e, fmt.Errorf("%w (kept pending; the next settle appends it)", err)
	}
	// A failed delete leaves a pending event that is already in the chain;
	// Settle finds it there and only removes it.
	_ = in.l.T.Delete(ctx, pendingPK, in.sk, in.ver)
	return e, nil
}

// Abort takes the event off the pending list: the change did not happen. If
// Abort fails, Settle asks the Resolver and drops the event then.
func (in *Intent) Abort(ctx context.Context) error {
	err := in.l.T.Delete(context.WithoutCancel(ctx), pendingPK, in.sk, in.ver)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("audit: abort intent %s: %w", in.e.Action, err)
	}
	return nil
}

// Resolver reports whether the change a pending event records was stored.
// Settle calls it only for events older than its minimum age, when the
// request that wrote the intent has ended either way.
type Resolver func(ctx context.Context, e Event) (happened bool, err error)

// SettleSummary counts what Settle did.
type SettleSummary struct {
	Appended   int // the change happened; its record is now in the chain
	Dropped    int // the change never happened; nothing to record
	Done       int // already in the chain (a crash after the append); removed from the list
	Unresolved int // no resolver, or the resolver failed; left pending for the next run
}

// Settle finishes the pending events older than minAge (choose it longer
// than any request can live): each is appended if resolvers say its change
// happened and it is not in the chain yet, and removed from the list. An
// event whose action has no resolver, or whose resolver fails, stays pending
// and is counted as Unresolved: a record is never guessed, and never lost.
// Concurrent Settles do not append an event twice: each event is claimed with
// a conditional write first.
func (l *Log) Settle(ctx context.Context, minAge time.Duration, resolvers map[Action]Resolver) (SettleSummary, error) {
	var sum SettleSummary
	now := l.now()
	cut := now.Add(-minAge).Format("20060102T150405.000000000Z") + "#~"
	items, err := store.All(ctx, l.T, store.Query{PK: pendingPK, SKTo: cut})
	if err != nil {
		return sum, fmt.Errorf("audit: list pending: %w", err)
	}
	var errs []error
	for _, it := range items {
		var p pending
		if err := json.Unmarshal(it.Data, &p); err != nil {
			errs = append(errs, fmt.Errorf("audit: pending %s: %w", it.SK, err))
			sum.Unresolved++
			continue
		}
		// Claim it: a concurrent Settle that read the same version loses.
		// A claim older than minAge is a settle that died; take it over.
		if !p.ClaimedAt.IsZero() && now.Sub(p.ClaimedAt) < minAge {
			continue
		}
		p.ClaimedAt = now
		data, _ := json.Marshal(p)
		it.Data = data
		ver, err := l.T.Put(ctx, it)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("audit: claim pending %s: %w", it.SK, err))
			continue
		}
		e := p.Event
		switch in, err := l.inChain(ctx, e); {
		case err != nil:
			errs = append(errs, err)
			sum.Unresolved++
			continue
		case in:
			sum.Done++
		default:
			resolve := resolvers[e.Action]
			if resolve == nil {
				errs = append(errs, fmt.Errorf("audit: pending %s: no resolver for action %q", it.SK, e.Action))
				sum.Unresolved++
				continue
			}
			happened, err := resolve(ctx, e)
			if err != nil {
				errs = append(errs, fmt.Errorf("audit: resolve pending %s (%s): %w", it.SK, e.Action, err))
				sum.Unresolved++
				continue
			}
			if !happened {
				sum.Dropped++
				break
			}
			// The record keeps the instant of its change, so it sits out of
			// time order in the chain; say when and why it was appended.
			d := make(map[string]string, len(e.Detail)+1)
			maps.Copy(d, e.Detail)
			d["settledAt"] = now.Format(time.RFC3339)
			e.Detail = d
			if _, err := l.Append(ctx, e); err != nil {
				errs = append(errs, fmt.Errorf("audit: settle %s: %w", e.Action, err))
				sum.Unresolved++
				continue
			}
			sum.Appended++
		}
		if err := l.T.Delete(ctx, pendingPK, it.SK, ver); err != nil && !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, fmt.Errorf("audit: remove pending %s: %w", it.SK, err))
		}
	}
	return sum, errors.Join(errs...)
}

// Pending returns the number of events on the pending list, settled or not.
func (l *Log) Pending(ctx context.Context) (int, error) {
	items, err := store.All(ctx, l.T, store.Query{PK: pendingPK})
	return len(items), err
}

// inChain reports whether the chain holds e: the same action, targets,
// actor and time (an intent's time is fixed when it is written).
func (l *Log) inChain(ctx context.Context, e Event) (bool, error) {
	f := Filter{CaseID: e.CaseID, ApplicationID: e.ApplicationID, Action: e.Action, From: e.Time, To: e.Time.Add(time.Nanosecond)}
	if f.CaseID == "" {
		f.Actor = e.Actor
	}
	err := l.Each(ctx, f, func(x Event) error {
		if x.Target == e.Target && x.Actor == e.Actor && x.Time.Equal(e.Time) {
			return errFound
		}
		return nil
	})
	if errors.Is(err, errFound) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("audit: look for %s in the chain: %w", e.Action, err)
	}
	return false, nil
}
