package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// flaky fails the first n deliveries, then delivers to the outbox.
type flaky struct {
	mu    sync.Mutex
	fails int
	calls int
	inner Notifier
}

func (f *flaky) Deliver(ctx context.Context, n Notice) error {
	f.mu.Lock()
	f.calls++
	fail := f.fails > 0
	if fail {
		f.fails--
	}
	f.mu.Unlock()
	if fail {
		return errors.New("sms gateway: 503 service unavailable")
	}
	return f.inner.Deliver(ctx, n)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func setup(t *testing.T, fails int) (*Dispatcher, *Outbox, *flaky, *audit.Log, *clock) {
	t.Helper()
	tbl, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	out := &Outbox{T: tbl}
	f := &flaky{fails: fails, inner: out}
	log := &audit.Log{T: tbl}
	c := &clock{t: time.Date(2026, 9, 30, 2, 0, 0, 0, time.UTC)}
	d := &Dispatcher{T: tbl, Channel: f, Audit: log, Now: c.now}
	return d, out, f, log, c
}

func actions(t *testing.T, log *audit.Log, notice string) []string {
	t.Helper()
	p, err := log.Query(context.Background(), audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range p.Events {
		if e.Detail["notice"] == notice {
			out = append(out, string(e.Action)+"#"+e.Detail["attempt"])
		}
	}
	return out
}

func TestSendDelivers(t *testing.T) {
	ctx := context.Background()
	d, out, _, log, _ := setup(t, 0)
	x, err := d.Send(ctx, Notice{ID: "n1", To: Lawyer("11101201910012345"), Kind: "decision.other", Subject: "s", Body: "b", CaseID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != Sent || x.Attempts != 1 || x.SentAt.IsZero() {
		t.Fatalf("delivery = %+v, want sent after one attempt", x)
	}
	got, _ := out.List(ctx, Lawyer("11101201910012345"))
	if len(got) != 1 || got[0].ID != "n1" {
		t.Fatalf("outbox = %+v", got)
	}
	if a := actions(t, log, "n1"); fmt.Sprint(a) != "[notice.send#1]" {
		t.Fatalf("audit = %v", a)
	}
	// The same notice again: recorded once, not delivered again.
	x2, err := d.Send(ctx, Notice{ID: "n1", To: Lawyer("11101201910012345"), Kind: "decision.other"})
	if err != nil || x2.Status != Sent || x2.Attempts != 1 {
		t.Fatalf("resend = %+v, %v; want the existing record", x2, err)
	}
	if a := actions(t, log, "n1"); len(a) != 1 {
		t.Fatalf("resend was audited again: %v", a)
	}
}

func TestFailedDeliveryIsRetriedWithBackoff(t *testing.T) {
	ctx := context.Background()
	d, out, f, log, c := setup(t, 2)
	x, err := d.Send(ctx, Notice{ID: "n2", To: Lawyer("L1"), Kind: "link.ready"})
	if err != nil {
		t.Fatalf("a failed delivery must not be an error: %v", err)
	}
	if x.Status != Pending || x.Attempts != 1 || x.LastError == "" {
		t.Fatalf("after a failed attempt: %+v", x)
	}
	if want := c.now().Add(time.Minute); !x.NextAttempt.Equal(want) {
		t.Fatalf("next attempt %v, want %v (1 min backoff)", x.NextAttempt, want)
	}
	// Not yet due.
	if s, err := d.Retry(ctx); err != nil || s != (RetrySummary{}) {
		t.Fatalf("early retry: %+v %v", s, err)
	}
	c.add(time.Minute)
	if s, _ := d.Retry(ctx); s != (RetrySummary{Failed: 1}) {
		t.Fatalf("second attempt: %+v, want one more failure", s)
	}
	x, _ = d.Get(ctx, "n2")
	if want := c.now().Add(2 * time.Minute); x.Attempts != 2 || !x.NextAttempt.Equal(want) {
		t.Fatalf("after two failures: attempts %d next %v, want 2 and %v (doubling)", x.Attempts, x.NextAttempt, want)
	}
	c.add(2 * time.Minute)
	if s, _ := d.Retry(ctx); s != (RetrySummary{Sent: 1}) {
		t.Fatalf("third attempt: %+v, want sent", s)
	}
	if s, _ := d.Retry(ctx); s != (RetrySummary{}) {
		t.Fatalf("a sent notice was retried again: %+v", s)
	}
	x, _ = d.Get(ctx, "n2")
	if x.Status != Sent || x.Attempts != 3 || x.LastError != "" {
		t.Fatalf("final record %+v", x)
	}
	if got, _ := out.List(ctx, Lawyer("L1")); len(got) != 1 || f.calls != 3 {
		t.Fatalf("outbox %d notices after %d calls, want 1 after 3", len(got), f.calls)
	}
	if a := fmt.Sprint(actions(t, log, "n2")); a != "[notice.fail#1 notice.fail#2 notice.send#3]" {
		t.Fatalf("audit = %s", a)
	}
}

func TestGiveUpAfterMaxAttempts(t *testing.T) {
	ctx := context.Background()
	d, _, _, log, c := setup(t, 100)
	d.MaxAttempts = 3
	d.Backoff = func(int) time.Duration { return time.Second }
	if _, err := d.Send(ctx, Notice{ID: "n3", To: Unit("u1"), Kind: "complaint.received"}); err != nil {
		t.Fatal(err)
	}
	var total RetrySummary
	for range 5 {
		c.add(time.Second)
		s, err := d.Retry(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total.Failed += s.Failed
		total.GaveUp += s.GaveUp
		total.Sent += s.Sent
	}
	if total != (RetrySummary{Failed: 1, GaveUp: 1}) {
		t.Fatalf("retries %+v, want one more failure then giving up", total)
	}
	x, _ := d.Get(ctx, "n3")
	if x.Status != Failed || x.Attempts != 3 {
		t.Fatalf("record %+v, want failed after 3 attempts", x)
	}
	p, _ := log.Query(ctx, audit.Filter{Action: "notice.fail"})
	if n := len(p.Events); n != 3 || p.Events[2].Detail["final"] != "true" {
		t.Fatalf("%d notice.fail records, last %+v; want 3, the last final", n, p.Events[n-1].Detail)
	}
}

// Concurrent retry passes deliver each due notice once.
func TestConcurrentRetryDeliversOnce(t *testing.T) {
	ctx := context.Background()
	d, _, f, _, c := setup(t, 5)
	var ids []string
	for i := range 5 {
		id := fmt.Sprintf("n%d", i)
		ids = append(ids, id)
		if _, err := d.Send(ctx, Notice{ID: id, To: Lawyer("L"), Kind: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	c.add(time.Minute)
	var sent atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := d.Retry(ctx)
			if err != nil {
				t.Error(err)
			}
			sent.Add(int64(s.Sent))
		}()
	}
	wg.Wait()
	if sent.Load() != 5 || f.calls != 10 {
		t.Fatalf("sent %d with %d channel calls, want 5 and 10 (one failure and one success each)", sent.Load(), f.calls)
	}
	for _, id := range ids {
		if x, _ := d.Get(ctx, id); x.Status != Sent || x.Attempts != 2 {
			t.Errorf("%s: %+v", id, x)
		}
	}
}

func TestInboxNewestFirst(t *testing.T) {
	ctx := context.Background()
	d, _, _, _, c := setup(t, 0)
	for i, to := range []string{Lawyer("A"), Unit("u"), Lawyer("A"), Supervisors("u"), Lawyer("B")} {
		c.add(time.Second)
		if _, err := d.Send(ctx, Notice{ID: fmt.Sprintf("n%d", i), To: to, Kind: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := d.Inbox(ctx, 0, Lawyer("A"))
	if err != nil || len(got) != 2 || got[0].ID != "n2" || got[1].ID != "n0" {
		t.Fatalf("lawyer A inbox: %v %v", ids(got), err)
	}
	got, _ = d.Inbox(ctx, 0, Unit("u"), Supervisors("u"))
	if fmt.Sprint(ids(got)) != "[n3 n1]" {
		t.Fatalf("unit inbox: %v", ids(got))
	}
	got, _ = d.Inbox(ctx, 1, Unit("u"), Supervisors("u"))
	if fmt.Sprint(ids(got)) != "[n3]" {
		t.Fatalf("limited inbox: %v", ids(got))
	}
}

func ids(ds []*Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

func TestNoticeText(t *testing.T) {
	n := Notice{Subject: "程序性决定告知：提起公诉", Body: "案号 X，已提起公诉。"}
	if got := n.Text(); got != "【程序性决定告知：提起公诉】案号 X，已提起公诉。" {
		t.Errorf("text %q", got)
	}
}
