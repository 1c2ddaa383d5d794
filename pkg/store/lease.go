package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// LeaseTTL is the lease lifetime the background jobs use. It is short on
// purpose: a live holder renews its lease every LeaseTTL/3 (see Hold), so
// the TTL only matters when the holder is gone — a worker that crashed, was
// killed or lost the store holds a job for at most LeaseTTL after its last
// renewal, and a retry after a crash starts within about a minute.
const LeaseTTL = 30 * time.Second

// ErrLeaseHeld means a lease is held by another (live or lately dead)
// holder. Callers that give up on a busy lease wrap it in their error, so a
// queue can tell "busy, retry after the lease's TTL" from a failure.
var ErrLeaseHeld = errors.New("store: the lease is held by another worker")

// ErrLeaseLost is the cause (context.Cause) of a holder's context cancelled
// because its lease could not be renewed: someone else may hold it now, so
// the holder must stop writing.
var ErrLeaseLost = errors.New("store: lease lost (not renewed in time); another worker may hold it now")

// Hold claims key for ttl with a conditional write, so that of two workers
// given the same job at once (a queue delivers at least once) only one does
// it, and keeps the claim while the holder works: a goroutine extends the
// lease every ttl/3 with a conditional write on the lease's version. It
// returns ok=false when another holder's lease has not expired yet.
//
// held is ctx, cancelled with cause ErrLeaseLost when a renewal finds the
// lease taken (a conditional write fails) or cannot renew it before it
// expires (the store failing): the holder must do its work under held, so
// it stops writing once someone else may hold the lease. Renewal stops when
// release is called or ctx ends.
//
// release stops the renewal and deletes the lease (even when ctx is done);
// it is safe to call more than once. A holder that dies, or whose release
// fails (a full disk, a lost connection), blocks others for at most ttl
// after its last renewal: an expired item counts as absent. The store keeps
// expiry to whole seconds, so ttl is rounded up to the next second.
func Hold(ctx context.Context, t Table, key string, ttl time.Duration) (held context.Context, release func(), ok bool, err error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	l := &lease{t: t, pk: "lease#" + key, holder: b[:], ttl: ttl, stop: make(chan struct{}), done: make(chan struct{})}
	l.exp = leaseExpiry(ttl)
	v, err := t.Put(ctx, Item{PK: l.pk, SK: "lease", Data: []byte(hex.EncodeToString(l.holder)), ExpiresAt: l.exp})
	if errors.Is(err, ErrConflict) {
		return ctx, func() {}, false, nil
	}
	if err != nil {
		return ctx, func() {}, false, fmt.Errorf("store: lease %s: %w", key, err)
	}
	l.version = v
	held, cancel := context.WithCancelCause(ctx)
	go l.renew(held, cancel)
	var once sync.Once
	return held, func() {
		once.Do(func() {
			close(l.stop)
			<-l.done
			cancel(context.Canceled)
			l.mu.Lock()
			v := l.version
			l.mu.Unlock()
			// Even when the holder's context is done: the lease must go,
			// unless it is no longer ours (lost, expired and taken: the
			// new holder's item may have the same version number). If
			// this fails, the lease expires within ttl on its own.
			dctx := context.WithoutCancel(ctx)
			if it, err := t.Get(dctx, l.pk, "lease"); err == nil && it.Version == v && string(it.Data) == hex.EncodeToString(l.holder) {
				_ = t.Delete(dctx, l.pk, "lease", v)
			}
		})
	}, true, nil
}

// Lease is Hold for callers that do not need the holder's context: the
// lease is renewed while held, but a lost lease does not stop the holder.
// Prefer Hold.
func Lease(ctx context.Context, t Table, key string, ttl time.Duration) (release func(), ok bool, err error) {
	_, release, ok, err = Hold(ctx, t, key, ttl)
	return release, ok, err
}

// leaseExpiry is when a lease written now for ttl expires: whole seconds,
// rounded up, as the store keeps ExpiresAt.
func leaseExpiry(ttl time.Duration) time.Time {
	return time.Now().Add(ttl).Truncate(time.Second).Add(time.Second)
}

type lease struct {
	t          Table
	pk         string
	holder     []byte
	ttl        time.Duration
	stop, done chan struct{}

	mu      sync.Mutex
	version int64     // the lease item's version as last written
	exp     time.Time // its expiry as last written
}

// extend rewrites the lease, still at version v and ours, to expire at
// next. Versions restart at 1 when a lease is taken anew, so the holder is
// checked too: a version alone could be another holder's.
func (l *lease) extend(ctx context.Context, v int64, next time.Time) (int64, error) {
	data := []byte(hex.EncodeToString(l.holder))
	it, err := l.t.Get(ctx, l.pk, "lease")
	if errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("%w: the lease is gone", ErrConflict)
	}
	if err != nil {
		return 0, err
	}
	if it.Version != v || string(it.Data) != string(data) {
		return 0, fmt.Errorf("%w: the lease is another holder's", ErrConflict)
	}
	return l.t.Put(ctx, Item{PK: l.pk, SK: "lease", Version: v, Data: data, ExpiresAt: next})
}

// renew extends the lease every ttl/3 until release (stop) or the end of
// held. A failed condition means the lease is gone (expired and taken, or
// deleted): held is cancelled at once. Another failure is retried on the
// next tick, unless that tick would come too close to the lease's expiry:
// then held is cancelled, before anyone else can take the lease. A renewal
// is only tried well before the expiry, so it never lands on a lease that
// expired and was taken by another holder with the same version number.
func (l *lease) renew(held context.Context, cancel context.CancelCauseFunc) {
	defer close(l.done)
	every := max(l.ttl/3, 10*time.Millisecond)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-held.Done():
			return
		case <-tick.C:
		}
		l.mu.Lock()
		v, exp := l.version, l.exp
		l.mu.Unlock()
		next := leaseExpiry(l.ttl)
		// A renewal that hangs must not outlive the lease it renews.
		rctx, rcancel := context.WithDeadline(held, exp.Add(-every/2))
		nv, err := l.extend(rctx, v, next)
		rcancel()
		switch {
		case err == nil:
			l.mu.Lock()
			l.version, l.exp = nv, next
			l.mu.Unlock()
		case errors.Is(err, ErrConflict):
			cancel(ErrLeaseLost)
			return
		case held.Err() != nil:
			return
		case time.Until(exp) <= every*3/2:
			// The next try would come too close to the expiry.
			cancel(fmt.Errorf("%w: %w", ErrLeaseLost, err))
			return
		}
	}
}
