// Package queue carries background jobs (ingest an upload, assemble a
// dossier) from the request that causes them to the worker that does them.
// On AWS the queue is SQS; locally it is the in-process Local queue. Job
// handlers must be idempotent: every queue here delivers at least once.
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
)

// Job kinds.
const (
	IngestMaterial   = "ingest.material"
	IngestAttachment = "ingest.attachment"
	Assemble         = "assemble"
	// Version brings a case's live applications to its current content
	// version (Key: the case id; docs/versions.md).
	Version = "assemble.version"
)

// Job is one unit of background work.
type Job struct {
	Kind string `json:"kind"`
	// Key identifies the work, so a job already waiting is not queued twice.
	Key     string          `json:"key"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Queue accepts jobs.
type Queue interface {
	Send(ctx context.Context, j Job) error
}

// Handler does one job. An error means "retry later", unless it matches
// ErrPermanent (a *PermanentError, an *OverBudgetError): the job failed for
// good and has recorded why.
type Handler func(ctx context.Context, j Job) error

// Local is an in-process queue with a fixed pool of workers, retries with
// backoff, and de-duplication of jobs that are already waiting.
//
// A failed job is retried after a backoff (200 ms, doubling up to 30 s), at
// most MaxAttempts times; one that failed for good (ErrPermanent) is not. A
// job that found its work leased by another worker (an error wrapping
// store.ErrLeaseHeld: a duplicate delivery, or a worker that died holding
// the lease) is not failing: it is retried every BusyRetry, without
// counting as an attempt, until the lease is free — at most store.LeaseTTL
// after its holder died — or BusyFor has passed. A job waiting for its
// retry does not hold a worker.
type Local struct {
	handle   Handler
	ch       chan *entry
	mu       sync.Mutex
	waiting  map[string]bool   // queued, or waiting for a retry
	retrying map[string]*entry // waiting for a retry, with its timer
	wg       sync.WaitGroup
	idle     sync.Cond
	inflight int
	closed   bool
	// senders counts Sends (and retries) between their closed check and
	// their channel send; Close waits for them before closing the channel.
	senders sync.WaitGroup
	// MaxAttempts bounds retries of a failing job (default 8).
	MaxAttempts int
	// BusyRetry is the wait before a job whose work was leased by another
	// worker is tried again (default store.LeaseTTL/3); BusyFor is how long
	// it keeps trying (default 30 min: longer than a job may run, so a live
	// holder has finished or timed out by then).
	BusyRetry, BusyFor time.Duration
	Log                *slog.Logger
}

// entry is a job and its retry state.
type entry struct {
	job       Job
	attempts  int           // failed attempts so far; busy ones do not count
	backoff   time.Duration // the wait before the next retry after a failure
	busySince time.Time     // first busy answer of the current run of them
	timer     *time.Timer   // while waiting for a retry
}

const firstBackoff = 200 * time.Millisecond

func (e *entry) reset() {
	e.attempts, e.backoff, e.busySince = 0, firstBackoff, time.Time{}
}

// NewLocal starts workers goroutines running h.
func NewLocal(workers int, h Handler) *Local {
	q := &Local{handle: h, ch: make(chan *entry, 4096), waiting: map[string]bool{}, retrying: map[string]*entry{},
		MaxAttempts: 8, BusyRetry: store.LeaseTTL / 3, BusyFor: 30 * time.Minute, Log: slog.Default()}
	q.idle.L = &q.mu
	for range max(1, workers) {
		q.wg.Add(1)
		go q.work()
	}
	return q
}

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("queue: closed")

// Send queues j unless a job with the same kind and key is already waiting
// (queued, or waiting for a retry: that one then starts its attempts
// afresh).
func (q *Local) Send(ctx context.Context, j Job) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	id := j.Kind + "/" + j.Key
	if q.waiting[id] {
		if e := q.retrying[id]; e != nil {
			e.reset()
		}
		q.mu.Unlock()
		return nil
	}
	q.waiting[id] = true
	q.inflight++
	q.senders.Add(1)
	q.mu.Unlock()
	defer q.senders.Done()
	e := &entry{job: j}
	e.reset()
	select {
	case q.ch <- e:
		return nil
	case <-ctx.Done():
		q.mu.Lock()
		delete(q.waiting, id)
		q.mu.Unlock()
		q.finished()
		return fmt.Errorf("queue: send %s: %w", id, ctx.Err())
	}
}

// finished counts a job off: done, given up or dropped.
func (q *Local) finished() {
	q.mu.Lock()
	q.inflight--
	if q.inflight == 0 {
		q.idle.Broadcast()
	}
	q.mu.Unlock()
}

func (q *Local) work() {
	defer q.wg.Done()
	for e := range q.ch {
		id := e.job.Kind + "/" + e.job.Key
		// Let a new Send of the same job queue again while this one runs,
		// so a change during the run is not missed.
		q.mu.Lock()
		delete(q.waiting, id)
		q.mu.Unlock()
		q.after(e, q.safeHandle(e.job))
	}
}

// after settles a run of e that returned err: done, given up, or retried
// later.
func (q *Local) after(e *entry, err error) {
	j := e.job
	if err == nil {
		q.finished()
		return
	}
	if errors.Is(err, ErrPermanent) {
		// Recorded by the job (over its time budget, or a failure such as
		// a case over the dossier's ceilings); another run would only fail
		// the same way.
		q.Log.Error("job failed for good, not retried", "kind", j.Kind, "key", j.Key, "err", err)
		q.finished()
		return
	}
	var delay time.Duration
	if errors.Is(err, store.ErrLeaseHeld) {
		if e.busySince.IsZero() {
			e.busySince = time.Now()
		}
		if busy := time.Since(e.busySince); busy >= q.BusyFor {
			q.Log.Error("job failed for good: its work stayed leased by another worker", "kind", j.Kind, "key", j.Key, "for", busy.Round(time.Second), "err", err)
			q.finished()
			return
		}
		delay = q.BusyRetry
		q.Log.Info("job's work is leased by another worker, will retry", "kind", j.Kind, "key", j.Key, "in", delay, "err", err)
	} else {
		e.busySince = time.Time{}
		e.attempts++
		if e.attempts >= q.MaxAttempts {
			q.Log.Error("job failed for good", "kind", j.Kind, "key", j.Key, "attempts", e.attempts, "err", err)
			q.finished()
			return
		}
		delay = e.backoff
		e.backoff = min(e.backoff*2, 30*time.Second)
		q.Log.Warn("job failed, will retry", "kind", j.Kind, "key", j.Key, "attempt", e.attempts, "in", delay, "err", err)
	}
	id := j.Kind + "/" + j.Key
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.waiting[id] || q.closed {
		// Sent again while it ran (that copy will do the work), or the
		// queue is closing (the scheduler sends it again after a restart).
		q.inflight--
		if q.inflight == 0 {
			q.idle.Broadcast()
		}
		return
	}
	q.waiting[id], q.retrying[id] = true, e
	e.timer = time.AfterFunc(delay, func() { q.retry(id, e) })
}

// retry queues e again once its wait is over.
func (q *Local) retry(id string, e *entry) {
	q.mu.Lock()
	if q.retrying[id] != e {
		q.mu.Unlock() // dropped by Close
		return
	}
	delete(q.retrying, id)
	if q.closed { // fired while Close ran
		delete(q.waiting, id)
		q.inflight--
		if q.inflight == 0 {
			q.idle.Broadcast()
		}
		q.mu.Unlock()
		return
	}
	q.senders.Add(1)
	q.mu.Unlock()
	defer q.senders.Done()
	q.ch <- e
}

func (q *Local) safeHandle(j Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("job panicked: %v", r)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	return q.handle(ctx, j)
}

// Wait blocks until no job is queued or running (for tests and shutdown).
func (q *Local) Wait() {
	q.mu.Lock()
	for q.inflight > 0 {
		q.idle.Wait()
	}
	q.mu.Unlock()
}

// Close stops accepting jobs, lets queued ones finish and stops the workers.
// Jobs waiting for a retry are dropped: after a restart the scheduler sends
// what is left undone again.
func (q *Local) Close() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
	for id, e := range q.retrying {
		if e.timer.Stop() {
			delete(q.retrying, id)
			delete(q.waiting, id)
			q.inflight--
			q.Log.Warn("queue closing: job waiting for a retry dropped", "kind", e.job.Kind, "key", e.job.Key)
		}
	}
	if q.inflight == 0 {
		q.idle.Broadcast()
	}
	q.mu.Unlock()
	// No Send can start now; let those under way finish (the workers keep
	// draining, so they do), or closing the channel would make them panic.
	q.senders.Wait()
	close(q.ch)
	q.wg.Wait()
}

// Mux routes jobs to handlers by kind.
type Mux map[string]Handler

// Handle dispatches j.
func (m Mux) Handle(ctx context.Context, j Job) error {
	h, ok := m[j.Kind]
	if !ok {
		return fmt.Errorf("queue: no handler for job kind %q", j.Kind)
	}
	return h(ctx, j)
}
