package schedule

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/reminder"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestDeadlineHandler(t *testing.T) {
	tbl, err := sqlitestore.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	apps := &application.Repo{T: tbl}
	alog := &audit.Log{T: tbl}
	for _, id := range []string{"a1", "a2"} {
		if err := apps.MarkWork(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := alog.Append(t.Context(), audit.Event{Action: "x", Result: audit.OK}); err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	anchors := &audit.FileAnchors{Path: filepath.Join(t.TempDir(), "anchors")}
	pub := key.Public().(ed25519.PublicKey)
	alog.Anchors, alog.AnchorKeys = anchors, map[string]ed25519.PublicKey{audit.KeyID(pub): pub}
	// A decision whose record a crash left pending: the run appends it,
	// and anchors the chain with it.
	if _, err := alog.Intend(t.Context(), audit.Event{Action: "application.decide", ApplicationID: "a1", Result: audit.OK}); err != nil {
		t.Fatal(err)
	}
	decided := map[audit.Action]audit.Resolver{"application.decide": func(context.Context, audit.Event) (bool, error) { return true, nil }}
	q := &recordingQueue{}
	d := &Deadline{Apps: apps, Queue: q, Log: quiet(),
		Job:    &reminder.Job{Apps: apps, Audit: alog, Notify: nopNotifier{}},
		Settle: func(ctx context.Context) (audit.SettleSummary, error) { return alog.Settle(ctx, 0, decided) },
		Anchor: func(ctx context.Context) (audit.Anchor, bool, error) { return alog.Anchor(ctx, key) }}
	res, err := d.Handle(t.Context(), json.RawMessage(`{"job":"deadline"}`))
	if err != nil || res.Requeued != 2 || len(q.jobs) != 2 || q.jobs[0].Kind != queue.Assemble ||
		res.Audit.Appended != 1 || res.AnchorSeq != 2 || !res.AnchorNew {
		t.Fatalf("run: %+v %v %+v", res, err, q.jobs)
	}
	// Again: the anchor is not written twice; a failing queue fails the run
	// after the other parts ran.
	q.fail = true
	res, err = d.Handle(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), "queue down") || res.Unfinished != 2 || res.AnchorNew {
		t.Fatalf("run with the queue down: %+v %v", res, err)
	}
}

type nopNotifier struct{}

func (nopNotifier) Deliver(context.Context, notifyNotice) error { return nil }

type notifyNotice = notify.Notice

type recordingQueue struct {
	jobs []queue.Job
	fail bool
}

func (q *recordingQueue) Send(_ context.Context, j queue.Job) error {
	if q.fail {
		return errors.New("queue down")
	}
	q.jobs = append(q.jobs, j)
	return nil
}
