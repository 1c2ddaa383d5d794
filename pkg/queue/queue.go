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
)

// Job kinds.
const (
	IngestMaterial   = "ingest.material"
	IngestAttachment = "ingest.attachment"
	Assemble         = "assemble"
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

// Handler does one job. An error means "retry later".
type Handler func(ctx context.Context, j Job) error

// Local is an in-process queue with a fixed pool of workers, retries with
// backoff, and de-duplication of jobs that are already waiting.
type Local struct {
	handle   Handler
	ch       chan Job
	mu       sync.Mutex
	waiting  map[string]bool
	wg       sync.WaitGroup
	idle     sync.Cond
	inflight int
	closed   bool
	// senders counts Sends between their closed check and their channel
	// send; Close waits for them before closing the channel.
	senders sync.WaitGroup
	// MaxAttempts bounds retries of a failing job (default 8).
	MaxAttempts int
	Log         *slog.Logger
}

// NewLocal starts workers goroutines running h.
func NewLocal(workers int, h Handler) *Local {
	q := &Local{handle: h, ch: make(chan Job, 4096), waiting: map[string]bool{}, MaxAttempts: 8, Log: slog.Default()}
	q.idle.L = &q.mu
	for range max(1, workers) {
		q.wg.Add(1)
		go q.work()
	}
	return q
}

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("queue: closed")

// Send queues j unless a job with the same kind and key is already waiting.
func (q *Local) Send(ctx context.Context, j Job) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	id := j.Kind + "/" + j.Key
	if q.waiting[id] {
		q.mu.Unlock()
		return nil
	}
	q.waiting[id] = true
	q.inflight++
	q.senders.Add(1)
	q.mu.Unlock()
	defer q.senders.Done()
	select {
	case q.ch <- j:
		return nil
	case <-ctx.Done():
		q.done(id)
		return fmt.Errorf("queue: send %s: %w", id, ctx.Err())
	}
}

func (q *Local) done(id string) {
	q.mu.Lock()
	delete(q.waiting, id)
	q.inflight--
	if q.inflight == 0 {
		q.idle.Broadcast()
	}
	q.mu.Unlock()
}

func (q *Local) work() {
	defer q.wg.Done()
	for j := range q.ch {
		id := j.Kind + "/" + j.Key
		// Let a new Send of the same job queue again while this one runs,
		// so a change during the run is not missed.
		q.mu.Lock()
		delete(q.waiting, id)
		q.mu.Unlock()
		q.run(j)
		q.mu.Lock()
		q.inflight--
		if q.inflight == 0 {
			q.idle.Broadcast()
		}
		q.mu.Unlock()
	}
}

func (q *Local) run(j Job) {
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := q.safeHandle(j)
		if err == nil {
			return
		}
		if attempt >= q.MaxAttempts {
			q.Log.Error("job failed for good", "kind", j.Kind, "key", j.Key, "attempts", attempt, "err", err)
			return
		}
		q.Log.Warn("job failed, will retry", "kind", j.Kind, "key", j.Key, "attempt", attempt, "err", err)
		time.Sleep(backoff)
		backoff = min(backoff*2, 30*time.Second)
	}
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
func (q *Local) Close() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
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
