package worker

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/queue"
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
		case "huge":
			return &queue.PermanentError{Job: "assemble huge", Err: &dossier.TooLargeError{Pages: 31_201, MaxPages: 30_000}}
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
		msg("8", `{"kind":"assemble","key":"huge"}`),     // over the dossier's ceilings: recorded, not redelivered
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
	if strings.Join(ran, ",") != "ok,busy,empty,slow,held,huge" {
		t.Errorf("ran %v", ran)
	}
}
