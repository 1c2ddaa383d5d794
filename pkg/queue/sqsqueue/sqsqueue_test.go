package sqsqueue_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/queue/sqsqueue"
	"github.com/yuejuan/yuejuan/pkg/queue/sqsqueue/sqstest"
)

func client(url string) *sqs.Client {
	return sqs.New(sqs.Options{
		Region:       "cn-north-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(url),
	})
}

// TestSendDecode sends jobs through the real SDK client to the SQS double
// and decodes the bodies it received.
func TestSendDecode(t *testing.T) {
	fake := &sqstest.Server{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	q := sqsqueue.New(client(srv.URL), srv.URL+"/000000000000/yuejuan-jobs")
	jobs := []queue.Job{
		{Kind: queue.Assemble, Key: "app-1"},
		{Kind: queue.IngestMaterial, Key: "m-1", Payload: json.RawMessage(`{"CaseID":"c-1","ID":"m-1"}`)},
		{Kind: queue.IngestAttachment, Key: "附件-1"},
	}
	for _, j := range jobs {
		if err := q.Send(t.Context(), j); err != nil {
			t.Fatalf("send %v: %v", j, err)
		}
	}
	got := fake.Messages()
	if len(got) != len(jobs) {
		t.Fatalf("%d messages, want %d", len(got), len(jobs))
	}
	for i, m := range got {
		j, err := sqsqueue.Decode(m.Body)
		if err != nil {
			t.Fatalf("decode %q: %v", m.Body, err)
		}
		if j.Kind != jobs[i].Kind || j.Key != jobs[i].Key || string(j.Payload) != string(jobs[i].Payload) {
			t.Errorf("message %d: got %+v, want %+v", i, j, jobs[i])
		}
		if m.Attributes["kind"] != jobs[i].Kind {
			t.Errorf("message %d: kind attribute %q, want %q", i, m.Attributes["kind"], jobs[i].Kind)
		}
		if m.GroupID != "" {
			t.Errorf("message %d: a standard queue got a group id %q", i, m.GroupID)
		}
	}
}

func TestFIFOGroup(t *testing.T) {
	q := sqsqueue.New(nil, "https://sqs.cn-north-1.amazonaws.com.cn/1/jobs.fifo")
	in, err := q.Input(queue.Job{Kind: queue.Assemble, Key: "a b\nc"})
	if err != nil {
		t.Fatal(err)
	}
	if g := aws.ToString(in.MessageGroupId); g != "assemble/a_b_c" {
		t.Errorf("group id %q", g)
	}
	long, _ := q.Input(queue.Job{Kind: queue.Assemble, Key: strings.Repeat("x", 300)})
	if n := len(aws.ToString(long.MessageGroupId)); n != 128 {
		t.Errorf("group id of %d characters, want 128", n)
	}
}

func TestRefusals(t *testing.T) {
	q := sqsqueue.New(nil, "https://example.invalid/q")
	if err := q.Send(context.Background(), queue.Job{Kind: queue.Assemble}); err == nil {
		t.Error("a job without a key was sent")
	}
	if err := q.Send(context.Background(), queue.Job{Kind: queue.Assemble, Key: "k", Payload: json.RawMessage(`"` + strings.Repeat("x", sqsqueue.MaxBody) + `"`)}); err == nil {
		t.Error("a body over 256 KiB was sent")
	}
	if err := (&sqsqueue.Queue{}).Send(context.Background(), queue.Job{Kind: "k", Key: "k"}); err == nil {
		t.Error("sent without a queue URL")
	}
	for _, body := range []string{``, `{}`, `{"kind":"assemble"}`, `{"kind":"assemble","key":"a","extra":1}`, `{"kind":"assemble","key":"a"} {}`, `not json`} {
		if _, err := sqsqueue.Decode(body); err == nil {
			t.Errorf("Decode(%q) accepted a non-job", body)
		}
	}
}

// TestSendError says which job failed.
func TestSendError(t *testing.T) {
	srv := httptest.NewServer(&sqstest.Server{})
	defer srv.Close()
	q := sqsqueue.New(client(srv.URL), "") // no URL: refused before the call
	err := q.Send(t.Context(), queue.Job{Kind: queue.Assemble, Key: "a"})
	if err == nil {
		t.Fatal("no error")
	}
	q = sqsqueue.New(client(srv.URL+"/nowhere-but-404"), srv.URL+"/q")
	q.Client = failing{}
	err = q.Send(t.Context(), queue.Job{Kind: queue.Assemble, Key: "app-9"})
	if err == nil || !strings.Contains(err.Error(), "assemble/app-9") || !errors.Is(err, errBoom) {
		t.Errorf("error %v does not name the job or wrap the cause", err)
	}
}

var errBoom = errors.New("boom")

type failing struct{}

func (failing) SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return nil, errBoom
}
