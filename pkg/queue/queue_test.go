package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// recorder counts runs per job key.
type recorder struct {
	mu   sync.Mutex
	runs map[string]int
	seen []string
}

func (r *recorder) add(j Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.runs == nil {
		r.runs = map[string]int{}
	}
	r.runs[j.Key]++
	r.seen = append(r.seen, j.Key)
}

func (r *recorder) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.runs[key]
}

// waitReturns fails the test if Wait does not return within d.
func waitReturns(t *testing.T, q *Local, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() { q.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("Wait did not return within %v", d)
	}
}

func TestLocalRunsJobs(t *testing.T) {
	var rec recorder
	payloads := sync.Map{}
	q := NewLocal(4, func(_ context.Context, j Job) error {
		rec.add(j)
		payloads.Store(j.Key, string(j.Payload))
		return nil
	})
	defer q.Close()
	q.Log = quiet
	for i := range 20 {
		p, _ := json.Marshal(map[string]int{"n": i})
		if err := q.Send(t.Context(), Job{Kind: IngestMaterial, Key: fmt.Sprint(i), Payload: p}); err != nil {
			t.Fatal(err)
		}
	}
	waitReturns(t, q, 5*time.Second)
	for i := range 20 {
		key := fmt.Sprint(i)
		if n := rec.count(key); n != 1 {
			t.Errorf("job %s ran %d times, want 1", key, n)
		}
		if p, _ := payloads.Load(key); p != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("job %s got payload %v", key, p)
		}
	}
}

func TestLocalDeduplicatesWaitingJob(t *testing.T) {
	var rec recorder
	started := make(chan string, 10)
	release := make(chan struct{})
	q := NewLocal(1, func(_ context.Context, j Job) error {
		started <- j.Key
		if j.Key == "blocker" {
			<-release
		}
		rec.add(j)
		return nil
	})
	defer q.Close()
	q.Log = quiet
	ctx := t.Context()
	if err := q.Send(ctx, Job{Kind: Assemble, Key: "blocker"}); err != nil {
		t.Fatal(err)
	}
	<-started // the only worker is now busy
	for range 5 {
		if err := q.Send(ctx, Job{Kind: Assemble, Key: "case-1"}); err != nil {
			t.Fatal(err)
		}
	}
	// Same key, different kind: a different job.
	if err := q.Send(ctx, Job{Kind: IngestMaterial, Key: "case-1"}); err != nil {
		t.Fatal(err)
	}
	// The running job may be queued again: a change during its run must
	// not be missed.
	if err := q.Send(ctx, Job{Kind: Assemble, Key: "blocker"}); err != nil {
		t.Fatal(err)
	}
	close(release)
	waitReturns(t, q, 5*time.Second)
	if n := rec.count("case-1"); n != 2 {
		t.Errorf("case-1 ran %d times, want 2 (once as assemble, once as ingest)", n)
	}
	if n := rec.count("blocker"); n != 2 {
		t.Errorf("a job re-sent while it ran ran %d times, want 2", n)
	}
}

func TestLocalRetriesUntilSuccess(t *testing.T) {
	var calls atomic.Int32
	var times []time.Time
	var mu sync.Mutex
	q := NewLocal(1, func(_ context.Context, j Job) error {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if calls.Add(1) < 3 {
			return errors.New("S3 is down")
		}
		return nil
	})
	defer q.Close()
	q.Log, q.MaxAttempts = quiet, 5
	start := time.Now()
	if err := q.Send(t.Context(), Job{Kind: Assemble, Key: "a"}); err != nil {
		t.Fatal(err)
	}
	waitReturns(t, q, 10*time.Second)
	if n := calls.Load(); n != 3 {
		t.Errorf("handler called %d times, want 3 (two failures, then success)", n)
	}
	// Backoff starts at 200 ms and doubles: 200 + 400 ms before the third try.
	if el := time.Since(start); el < 600*time.Millisecond {
		t.Errorf("three attempts took %v; the backoff (200 ms, 400 ms) was not respected", el)
	}
	if len(times) == 3 {
		if d := times[1].Sub(times[0]); d < 200*time.Millisecond {
			t.Errorf("first retry after %v, want ≥ 200ms", d)
		}
		if d := times[2].Sub(times[1]); d < 400*time.Millisecond {
			t.Errorf("second retry after %v, want ≥ 400ms", d)
		}
	}
}

func TestLocalGivesUpAfterMaxAttempts(t *testing.T) {
	var calls atomic.Int32
	q := NewLocal(1, func(_ context.Context, j Job) error {
		calls.Add(1)
		return errors.New("always fails")
	})
	defer q.Close()
	q.Log, q.MaxAttempts = quiet, 2
	if err := q.Send(t.Context(), Job{Kind: Assemble, Key: "a"}); err != nil {
		t.Fatal(err)
	}
	waitReturns(t, q, 5*time.Second)
	if n := calls.Load(); n != 2 {
		t.Errorf("handler called %d times, want MaxAttempts = 2", n)
	}
	// A job that failed for good can be sent again later.
	if err := q.Send(t.Context(), Job{Kind: Assemble, Key: "a"}); err != nil {
		t.Fatal(err)
	}
	waitReturns(t, q, 5*time.Second)
	if n := calls.Load(); n != 4 {
		t.Errorf("handler called %d times after a re-send, want 4", n)
	}
}

func TestLocalSurvivesPanic(t *testing.T) {
	var rec recorder
	q := NewLocal(1, func(_ context.Context, j Job) error {
		if strings.HasPrefix(j.Key, "boom") {
			panic("nil map in the assembler")
		}
		rec.add(j)
		return nil
	})
	defer q.Close()
	q.Log, q.MaxAttempts = quiet, 1
	for _, k := range []string{"boom-1", "after-1", "boom-2", "after-2"} {
		if err := q.Send(t.Context(), Job{Kind: Assemble, Key: k}); err != nil {
			t.Fatal(err)
		}
	}
	waitReturns(t, q, 5*time.Second)
	if rec.count("after-1") != 1 || rec.count("after-2") != 1 {
		t.Errorf("jobs after a panic did not run: %v", rec.runs)
	}
}

func TestLocalPanicIsRetried(t *testing.T) {
	var calls atomic.Int32
	q := NewLocal(1, func(_ context.Context, j Job) error {
		if calls.Add(1) == 1 {
			panic("transient")
		}
		return nil
	})
	defer q.Close()
	q.Log, q.MaxAttempts = quiet, 3
	if err := q.Send(t.Context(), Job{Kind: Assemble, Key: "a"}); err != nil {
		t.Fatal(err)
	}
	waitReturns(t, q, 5*time.Second)
	if n := calls.Load(); n != 2 {
		t.Errorf("handler called %d times, want 2 (a panic counts as a failed attempt)", n)
	}
}

func TestLocalWaitWhenIdle(t *testing.T) {
	q := NewLocal(2, func(context.Context, Job) error { return nil })
	defer q.Close()
	waitReturns(t, q, time.Second)
	if err := q.Send(t.Context(), Job{Kind: Assemble, Key: "a"}); err != nil {
		t.Fatal(err)
	}
	waitReturns(t, q, 5*time.Second)
	waitReturns(t, q, time.Second)
}

func TestLocalWaitBlocksWhileBusy(t *testing.T) {
	release := make(chan struct{})
	q := NewLocal(1, func(context.Context, Job) error { <-release; return nil })
	defer q.Close()
	if err := q.Send(t.Context(), Job{Kind: Assemble, Key: "a"}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { q.Wait(); close(done) }()
	select {
	case <-done:
		t.Fatal("Wait returned while a job was running")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return after the job finished")
	}
}

func TestLocalCloseDrains(t *testing.T) {
	var rec recorder
	q := NewLocal(2, func(_ context.Context, j Job) error {
		time.Sleep(5 * time.Millisecond)
		rec.add(j)
		return nil
	})
	q.Log = quiet
	var want []string
	for i := range 30 {
		k := fmt.Sprintf("%02d", i)
		want = append(want, k)
		if err := q.Send(t.Context(), Job{Kind: IngestAttachment, Key: k}); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	slices.Sort(rec.seen)
	if !slices.Equal(rec.seen, want) {
		t.Errorf("after Close, ran %v, want every queued job once", rec.seen)
	}
	if err := q.Send(t.Context(), Job{Kind: Assemble, Key: "late"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v, want ErrClosed", err)
	}
	q.Close() // a second Close is harmless
	waitReturns(t, q, time.Second)
}

func TestLocalCloseWhileSending(t *testing.T) {
	// Shutdown while requests are still queueing work must not crash the
	// server: a Send either queues (and the job runs) or gets ErrClosed.
	for range 200 {
		var ran atomic.Int32
		q := NewLocal(2, func(context.Context, Job) error { ran.Add(1); return nil })
		var wg sync.WaitGroup
		var accepted atomic.Int32
		start := make(chan struct{})
		for g := range 8 {
			wg.Go(func() {
				<-start
				for i := 0; ; i++ {
					err := q.Send(context.Background(), Job{Kind: Assemble, Key: fmt.Sprintf("%d-%d", g, i)})
					if errors.Is(err, ErrClosed) {
						return
					}
					if err != nil {
						t.Errorf("Send: %v", err)
						return
					}
					accepted.Add(1)
				}
			})
		}
		close(start)
		time.Sleep(50 * time.Microsecond)
		q.Close()
		wg.Wait()
		if ran.Load() != accepted.Load() {
			t.Fatalf("%d jobs accepted, %d ran", accepted.Load(), ran.Load())
		}
	}
}

func TestLocalSendHonoursContextWhenFull(t *testing.T) {
	release := make(chan struct{})
	q := NewLocal(1, func(context.Context, Job) error { <-release; return nil })
	q.Log = quiet
	defer func() { close(release); q.Close() }()
	// Fill the worker and the buffer.
	for i := range cap(q.ch) + 1 {
		if err := q.Send(t.Context(), Job{Kind: Assemble, Key: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := q.Send(ctx, Job{Kind: Assemble, Key: "overflow"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send to a full queue: %v, want the context's error", err)
	}
	// The refused job is not left marked as waiting.
	q.mu.Lock()
	waiting := q.waiting[Assemble+"/overflow"]
	q.mu.Unlock()
	if waiting {
		t.Error("a refused job still blocks a later Send of the same job")
	}
}

func TestMux(t *testing.T) {
	var got []string
	m := Mux{
		Assemble:       func(_ context.Context, j Job) error { got = append(got, "assemble:"+j.Key); return nil },
		IngestMaterial: func(_ context.Context, j Job) error { got = append(got, "ingest:"+j.Key); return nil },
	}
	for _, j := range []Job{{Kind: Assemble, Key: "a"}, {Kind: IngestMaterial, Key: "m"}} {
		if err := m.Handle(t.Context(), j); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(got, []string{"assemble:a", "ingest:m"}) {
		t.Errorf("routed to %v", got)
	}
	if err := m.Handle(t.Context(), Job{Kind: "unknown"}); err == nil {
		t.Error("a job of an unknown kind was accepted")
	}
}

// TestLocalBusyJobWaitsForLease: a job whose work is leased by a worker that
// died (a crash: the lease is never released) is retried until the lease
// expires and then done, however few attempts a failing job gets.
func TestLocalBusyJobWaitsForLease(t *testing.T) {
	tbl, err := sqlitestore.Open(filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	const ttl = 2 * time.Second
	dead, kill := context.WithCancel(t.Context())
	if _, _, ok, err := store.Hold(dead, tbl, "assemble#a", ttl); err != nil || !ok {
		t.Fatalf("the dead worker's lease: %v %v", ok, err)
	}
	kill() // it stops renewing and never releases
	var calls atomic.Int32
	var doneAt atomic.Int64
	q := NewLocal(1, func(ctx context.Context, j Job) error {
		calls.Add(1)
		_, release, ok, err := store.Hold(ctx, tbl, "assemble#"+j.Key, ttl)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("assemble: the same job is running in another worker (%w)", store.ErrLeaseHeld)
		}
		defer release()
		doneAt.Store(time.Now().UnixNano())
		return nil
	})
	defer q.Close()
	q.Log, q.MaxAttempts, q.BusyRetry = quiet, 2, 250*time.Millisecond
	start := time.Now()
	if err := q.Send(t.Context(), Job{Kind: Assemble, Key: "a"}); err != nil {
		t.Fatal(err)
	}
	waitReturns(t, q, 10*time.Second)
	if doneAt.Load() == 0 {
		t.Fatalf("the job was never done (%d attempts): it gave up while the dead worker's lease was held", calls.Load())
	}
	took := time.Unix(0, doneAt.Load()).Sub(start)
	t.Logf("done after %v and %d tries (lease TTL %v, busy retry %v)", took.Round(10*time.Millisecond), calls.Load(), ttl, q.BusyRetry)
	if calls.Load() <= int32(q.MaxAttempts) {
		t.Errorf("%d tries: the busy answers should have outnumbered MaxAttempts = %d", calls.Load(), q.MaxAttempts)
	}
	if took > ttl+time.Second+q.BusyRetry+2*time.Second {
		t.Errorf("done after %v; the lease expired after about %v", took, ttl)
	}
}

// TestLocalBusyJobFreesItsWorker: a job waiting to retry does not hold the
// worker: a job sent after it runs in the meantime.
func TestLocalBusyJobFreesItsWorker(t *testing.T) {
	var rec recorder
	var busyOnce atomic.Bool
	q := NewLocal(1, func(_ context.Context, j Job) error {
		if j.Key == "busy" && !busyOnce.Swap(true) {
			return fmt.Errorf("held: %w", store.ErrLeaseHeld)
		}
		rec.add(j)
		return nil
	})
	defer q.Close()
	q.Log, q.BusyRetry = quiet, 500*time.Millisecond
	for _, k := range []string{"busy", "next"} {
		if err := q.Send(t.Context(), Job{Kind: Assemble, Key: k}); err != nil {
			t.Fatal(err)
		}
	}
	waitReturns(t, q, 5*time.Second)
	if !slices.Equal(rec.seen, []string{"next", "busy"}) {
		t.Errorf("ran %v, want next (while busy waited), then busy", rec.seen)
	}
}

// TestLocalBusyGivesUp: a lease that stays held longer than BusyFor (a
// holder that is stuck) ends the job's retries.
func TestLocalBusyGivesUp(t *testing.T) {
	var calls atomic.Int32
	q := NewLocal(1, func(context.Context, Job) error {
		calls.Add(1)
		return fmt.Errorf("held: %w", store.ErrLeaseHeld)
	})
	defer q.Close()
	q.Log, q.BusyRetry, q.BusyFor = quiet, 50*time.Millisecond, 400*time.Millisecond
	if err := q.Send(t.Context(), Job{Kind: Assemble, Key: "a"}); err != nil {
		t.Fatal(err)
	}
	waitReturns(t, q, 5*time.Second)
	if n := calls.Load(); n < 3 || n > 12 {
		t.Errorf("%d tries in BusyFor = 400 ms at one per 50 ms", n)
	}
}

// TestLocalCloseDropsRetries: Close does not wait for a job's retry; Wait
// returns once it is dropped.
func TestLocalCloseDropsRetries(t *testing.T) {
	var calls atomic.Int32
	q := NewLocal(1, func(context.Context, Job) error { calls.Add(1); return errors.New("S3 is down") })
	q.Log, q.MaxAttempts = quiet, 100
	if err := q.Send(t.Context(), Job{Kind: Assemble, Key: "a"}); err != nil {
		t.Fatal(err)
	}
	for calls.Load() < 3 { // in its backoff now (800 ms before the 4th try)
		time.Sleep(10 * time.Millisecond)
	}
	q.Close()
	waitReturns(t, q, time.Second)
	n := calls.Load()
	time.Sleep(time.Second)
	if calls.Load() != n {
		t.Error("a dropped retry ran after Close")
	}
}
