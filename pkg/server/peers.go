package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/dynamostore"
)

// setupTimeout bounds reaching the peers at start (table creation included).
const setupTimeout = time.Minute

// loadAWS reads the AWS SDK's default chain: region and credentials from
// AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, the shared files,
// an instance role... A peer that ignores the region still needs one to
// sign with: us-east-1 when none is configured.
func loadAWS() (*aws.Config, error) {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	c, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("server: AWS configuration: %w", err)
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	return &c, nil
}

// openDynamoDB opens the metadata table, creating it (dynamostore's
// layout) if it does not exist yet.
func openDynamoDB(cfg config.Config, awsCfg aws.Config) (store.Table, error) {
	client := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if cfg.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.DynamoDBEndpoint)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := dynamostore.CreateTable(ctx, client, cfg.Table); err != nil {
		return nil, fmt.Errorf("server: YUEJUAN_TABLE=%s (endpoint %q): %w", cfg.Table, cfg.DynamoDBEndpoint, err)
	}
	return dynamostore.New(client, cfg.Table), nil
}

// openS3 opens one bucket, which must exist, and checks that it answers.
func openS3(cfg config.Config, awsCfg aws.Config, name string) (*blob.Bucket, error) {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	b, client, err := blob.OpenS3(ctx, blob.S3Config{Bucket: name, Region: awsCfg.Region,
		Endpoint: cfg.S3Endpoint, UsePathStyle: cfg.S3PathStyle})
	if err != nil {
		return nil, err
	}
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)}); err != nil {
		b.Close()
		return nil, fmt.Errorf("server: S3 bucket %s (endpoint %q) is not accessible: %v", name, cfg.S3Endpoint, err)
	}
	return b, nil
}

// uploadWatch finds the uploads that land in an S3 uploads bucket. A
// presigned PUT goes to the object store, which does not call this process
// (on AWS an ObjectCreated event starts the ingest function instead), so
// every UploadPoll the watch lists the uploads/ prefix (ingest.MaterialPrefix
// and AttachmentPrefix) and hands each object it has not seen in that
// version (modification time, size, MD5) to Notify, exactly as the local
// upload handler does after a PUT. Ingest is idempotent, so an object handed
// over twice does no harm.
//
// The first listing after a start also picks up what arrived while the
// server was down; of the objects already there it skips those whose
// material was already accepted or rejected, or whose attachment was
// already recorded. Each poll lists the whole prefix, which suits the
// volumes of an on-premises deployment.
type uploadWatch struct {
	s      *Server
	b      *blob.Bucket
	seen   map[string]objectVersion
	primed bool // a first listing completed
}

type objectVersion struct {
	mod  time.Time
	size int64
	md5  string
}

func (w *uploadWatch) run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := w.poll(ctx); err != nil && ctx.Err() == nil {
			w.s.Log.Error("list new uploads", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poll lists the uploads once and notifies the new ones.
func (w *uploadWatch) poll(ctx context.Context) error {
	if w.seen == nil {
		w.seen = map[string]objectVersion{}
	}
	present := map[string]bool{}
	it := w.b.List(&blob.ListOptions{Prefix: "uploads/"})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if obj.IsDir {
			continue
		}
		present[obj.Key] = true
		v := objectVersion{mod: obj.ModTime, size: obj.Size, md5: string(obj.MD5)}
		if old, ok := w.seen[obj.Key]; ok && old == v {
			continue
		}
		if !w.primed && w.ingested(ctx, obj.Key) {
			w.seen[obj.Key] = v
			continue
		}
		w.s.Notify(ctx, obj.Key, obj.Size)
		w.seen[obj.Key] = v
	}
	for k := range w.seen {
		if !present[k] {
			delete(w.seen, k)
		}
	}
	w.primed = true
	return nil
}

// ingested reports whether the upload at key was already dealt with (or
// belongs to nothing), so that a restart does not queue it again.
func (w *uploadWatch) ingested(ctx context.Context, key string) bool {
	kind, caseID, id, ok := ingest.ParseKey(key)
	if !ok {
		return true
	}
	switch kind {
	case "material":
		m, err := w.s.API.Cases.GetMaterial(ctx, caseID, id)
		if errors.Is(err, store.ErrNotFound) {
			return true
		}
		return err == nil && (m.Status == casefile.Accepted || m.Status == casefile.Rejected)
	default:
		at, err := w.s.API.Apps.GetAttachment(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return true
		}
		return err == nil && at.Uploaded
	}
}
