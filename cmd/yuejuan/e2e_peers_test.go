package main

// The end-to-end path again, with `yuejuan serve` on peers instead of its
// embedded stores: metadata in DynamoDB (dynalite), objects in S3
// (versitygw), as an on-premises deployment on MinIO or any S3-compatible
// store runs it. The test starts both peers on free loopback ports over
// temporary directories and stops them at the end. A missing peer fails the
// test with how to install it; it never skips.

import (
	"bytes"
	"fmt"
	"go/build"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/yuejuan/yuejuan/internal/dynalitetest/peer"
)

const (
	peerAccess = "yuejuane2e"
	peerSecret = "yuejuan-e2e-secret-key-0123456789"
	peerRegion = "us-east-1"
)

func TestEndToEndOnPeers(t *testing.T) {
	dynamo := startDynalite(t)
	s3ep := startVersitygw(t)
	ctx := t.Context()
	s3c := s3.New(s3.Options{Region: peerRegion, BaseEndpoint: aws.String(s3ep), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(peerAccess, peerSecret, "")})
	for _, b := range []string{"yj-uploads", "yj-dossiers"} {
		if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatalf("create bucket %s on versitygw: %v", b, err)
		}
	}
	// The server creates the table itself; credentials and region come from
	// the AWS SDK's standard variables.
	in := start(t,
		"YUEJUAN_TABLE=yuejuan-e2e", "YUEJUAN_DYNAMODB_ENDPOINT="+dynamo,
		"YUEJUAN_S3_ENDPOINT="+s3ep, "YUEJUAN_S3_PATH_STYLE=true",
		"YUEJUAN_UPLOADS_BUCKET=yj-uploads", "YUEJUAN_DOSSIERS_BUCKET=yj-dossiers",
		"AWS_ACCESS_KEY_ID="+peerAccess, "AWS_SECRET_ACCESS_KEY="+peerSecret, "AWS_REGION="+peerRegion,
		"AWS_PROFILE=", "AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull)
	// Uploads go straight to the object store by presigned PUT.
	in.uploads = s3ep + "/yj-uploads/uploads/"
	endToEnd(t, in)

	// Everything went to the peers: no database and no objects in the data
	// dir (which keeps the keys and the audit anchors).
	for _, p := range []string{"meta.db", "objects"} {
		if _, err := os.Stat(filepath.Join(in.data, p)); err == nil {
			t.Errorf("the data dir has %s; on peers the metadata and objects belong in DynamoDB and S3", p)
		}
	}
	for b, prefix := range map[string]string{"yj-uploads": "uploads/materials/", "yj-dossiers": ""} {
		out, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), Prefix: aws.String(prefix)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Contents) == 0 {
			t.Errorf("bucket %s holds nothing under %q", b, prefix)
		}
	}
	ddb := dynamodb.New(dynamodb.Options{Region: peerRegion, BaseEndpoint: aws.String(dynamo),
		Credentials: credentials.NewStaticCredentialsProvider(peerAccess, peerSecret, "")})
	n, err := ddb.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("yuejuan-e2e"), Select: "COUNT"})
	if err != nil || n.Count == 0 {
		t.Errorf("the DynamoDB table holds no items: %v", err)
	}
}

// syncBuf collects a peer's output for the failure message.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() < 1<<16 {
		s.b.Write(p)
	}
	return len(p), nil
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startPeer runs bin with args until the test ends and waits until ready
// says it answers.
func startPeer(t *testing.T, name, bin string, args []string, ready func() bool) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var logs syncBuf
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s (%s): %v", name, bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(30 * time.Second)
	for !ready() {
		select {
		case <-exited:
			t.Fatalf("%s exited at start: %s", name, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer within 30 s: %s", name, logs.String())
		}
	}
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// startDynalite starts an in-memory dynalite, stopped when the test ends,
// and returns its URL.
func startDynalite(t *testing.T) string {
	t.Helper()
	url, stop, err := peer.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return url
}

// startVersitygw starts versitygw (posix backend over a temporary
// directory) and returns its URL.
func startVersitygw(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("versitygw")
	if err != nil {
		var dirs []string
		if gobin := os.Getenv("GOBIN"); gobin != "" {
			dirs = append(dirs, gobin)
		}
		for _, gp := range filepath.SplitList(build.Default.GOPATH) {
			dirs = append(dirs, filepath.Join(gp, "bin"))
		}
		for _, d := range dirs {
			if p := filepath.Join(d, "versitygw"); bin == "" && isExecutable(p) {
				bin = p
			}
		}
		if bin == "" {
			t.Fatalf("versitygw not found on PATH nor in %s; run infra/peers/versitygw.sh "+
				"(go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)", strings.Join(dirs, ", "))
		}
	}
	root := filepath.Join(t.TempDir(), "root")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	startPeer(t, "versitygw", bin, []string{"--access", peerAccess, "--secret", peerSecret, "--region", peerRegion,
		"--port", addr, "--quiet", "posix", root}, func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	return fmt.Sprintf("http://%s", addr)
}
