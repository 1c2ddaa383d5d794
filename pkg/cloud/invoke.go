package cloud

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// LambdaInvoker invokes a Lambda function asynchronously (invocation type
// Event: Lambda queues the event, retries it per the function's
// EventInvokeConfig and sends it to the on-failure destination at the end)
// through the Lambda Invoke API, signed with Signature Version 4. It is the
// one call the deadline function makes to Lambda, so it is this rather than
// the whole Lambda SDK.
type LambdaInvoker struct {
	Function    string // name or ARN
	Region      string
	Endpoint    string // default https://lambda.<Region>.amazonaws.com
	Credentials aws.CredentialsProvider
	HTTP        *http.Client
}

// InvokeAsync queues payload for the function.
func (l *LambdaInvoker) InvokeAsync(ctx context.Context, payload []byte) error {
	ep := strings.TrimRight(l.Endpoint, "/")
	if ep == "" {
		ep = "https://lambda." + l.Region + ".amazonaws.com"
	}
	u := ep + "/2015-03-31/functions/" + url.PathEscape(l.Function) + "/invocations"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Invocation-Type", "Event")
	if l.Credentials != nil {
		creds, err := l.Credentials.Retrieve(ctx)
		if err != nil {
			return fmt.Errorf("cloud: credentials to invoke %s: %w", l.Function, err)
		}
		sum := sha256.Sum256(payload)
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "lambda", l.Region, time.Now()); err != nil {
			return fmt.Errorf("cloud: sign the invocation of %s: %w", l.Function, err)
		}
	}
	hc := l.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("cloud: invoke %s: %w", l.Function, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	// 202 for an Event invocation; an emulator that runs it at once says 200.
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("cloud: invoke %s: %s: %s", l.Function, resp.Status, bytes.TrimSpace(body))
	}
	return nil
}

// ObjectCreatedEvent is the S3 event of one new object, as S3 sends it to
// the ingest function: the deadline job sends it again for an upload whose
// ingest a crash or exhausted retries left undone.
func ObjectCreatedEvent(bucket, key string) []byte {
	e := events.S3Event{Records: []events.S3EventRecord{{EventVersion: "2.1", EventSource: "aws:s3", EventName: "ObjectCreated:Put",
		EventTime: time.Now().UTC(),
		S3:        events.S3Entity{Bucket: events.S3Bucket{Name: bucket}, Object: events.S3Object{Key: strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")}}}}}
	b, _ := json.Marshal(e)
	return b
}
