package worker

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/reminder"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestAssembleHandler(t *testing.T) {
	var ran []string
	h := &Assemble{Log: quiet(), Jobs: queue.Mux{queue.Assemble: func(_ context.Context, j queue.Job) error {
		ran = append(ran, j.Key)
		switch j.Key {
		case "busy":
			return assemble.ErrBusy
		case "empty":
			return assemble.ErrNoMaterials
		case "held":
			return fmt.Errorf("%w: 3 undecided", assemble.ErrHeld)
		case "slow":
			return &queue.OverBudgetError{Job: "assemble slow", Budget: time.Minute, Elapsed: time.Minute, Err: context.DeadlineExceeded}
		}
		return nil
	}}.Handle}
	msg := func(id, body string) events.SQSMessage { return events.SQSMessage{MessageId: id, Body: body} }
	resp, err := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		msg("1", `{"kind":"assemble","key":"ok"}`),
		msg("2", `{"kind":"assemble","key":"busy"}`),
		msg("3", `{"kind":"assemble","key":"empty"}`),
		msg("4", `garbage`),
		msg("5", `{"kind":"ingest.material","key":"m"}`), // not this function's job
		msg("6", `{"kind":"assemble","key":"slow"}`),     // stopped at its budget: recorded, not redelivered
		msg("7", `{"kind":"assemble","key":"held"}`),     // waits for materials: not a failure (no dead letter)
	}})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if strings.Join(failed, ",") != "2,4,5" {
		t.Errorf("batch item failures %v, want 2 (busy), 4 (not a job), 5 (unknown kind)", failed)
	}
	if strings.Join(ran, ",") != "ok,busy,empty,slow,held" {
		t.Errorf("ran %v", ran)
	}
}

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
