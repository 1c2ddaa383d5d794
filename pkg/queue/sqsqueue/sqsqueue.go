// Package sqsqueue is the Amazon SQS implementation of queue.Queue: the
// background jobs of the Lambda functions (docs/design.md, "One code path,
// two runtimes"). A job is
// one message whose body is the job's JSON ({"kind", "key", "payload"});
// Decode turns a received body back into the job.
//
// Delivery is at least once, like every queue of the service, so job
// handlers are idempotent. Unlike the local queue, a standard SQS queue does
// not drop a job that is already waiting: a duplicate costs one more
// idempotent run, never a second effect. On a FIFO queue (a URL ending in
// ".fifo") the message group is the job's kind and key, so the runs of one
// job never overlap; the deduplication id is left to the queue
// (content-based deduplication must be enabled), which drops an identical
// job sent again within five minutes.
package sqsqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/yuejuan/yuejuan/pkg/queue"
)

// MaxBody is the largest message body SQS accepts (256 KiB).
const MaxBody = 256 << 10

// Sender is the part of *sqs.Client the queue uses.
type Sender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Queue sends jobs to the SQS queue at URL.
type Queue struct {
	Client Sender
	URL    string
}

var _ queue.Queue = (*Queue)(nil)

// New returns the queue at url using client.
func New(client Sender, url string) *Queue { return &Queue{Client: client, URL: url} }

// Input returns the SendMessage request for j. The message carries the
// job's kind as the attribute "kind", for filtering and for the console.
func (q *Queue) Input(j queue.Job) (*sqs.SendMessageInput, error) {
	if j.Kind == "" || j.Key == "" {
		return nil, errors.New("sqsqueue: a job needs a kind and a key")
	}
	body, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("sqsqueue: encode job %s/%s: %w", j.Kind, j.Key, err)
	}
	if len(body) > MaxBody {
		return nil, fmt.Errorf("sqsqueue: job %s/%s is %d bytes, more than the %d SQS accepts", j.Kind, j.Key, len(body), MaxBody)
	}
	in := &sqs.SendMessageInput{
		QueueUrl:    aws.String(q.URL),
		MessageBody: aws.String(string(body)),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"kind": {DataType: aws.String("String"), StringValue: aws.String(j.Kind)},
		},
	}
	if strings.HasSuffix(q.URL, ".fifo") {
		in.MessageGroupId = aws.String(groupID(j.Kind + "/" + j.Key))
	}
	return in, nil
}

// Send implements queue.Queue.
func (q *Queue) Send(ctx context.Context, j queue.Job) error {
	if q.URL == "" {
		return errors.New("sqsqueue: no queue URL configured")
	}
	in, err := q.Input(j)
	if err != nil {
		return err
	}
	if _, err := q.Client.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("sqsqueue: send %s/%s: %w", j.Kind, j.Key, err)
	}
	return nil
}

// Decode returns the job in a received message body. It refuses a body that
// is not a job, so a stray message fails loudly (and ends in the dead-letter
// queue) instead of being taken for an empty job.
func Decode(body string) (queue.Job, error) {
	var j queue.Job
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return j, fmt.Errorf("sqsqueue: message is not a job: %w", err)
	}
	if dec.More() {
		return j, errors.New("sqsqueue: message is not a job: trailing data")
	}
	if j.Kind == "" || j.Key == "" {
		return j, errors.New("sqsqueue: message is not a job: no kind or key")
	}
	return j, nil
}

// groupID makes an SQS message group id: at most 128 characters from
// [A-Za-z0-9] and !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~.
func groupID(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < '!' || c > '~' {
			b[i] = '_'
		}
	}
	if len(b) > 128 {
		b = b[:128]
	}
	return string(b)
}
