package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"go/build"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/blob/blobtest"
)

// The S3 tests run against a real S3 server: YUEJUAN_TEST_S3_ENDPOINT (with
// YUEJUAN_TEST_S3_ACCESS_KEY, YUEJUAN_TEST_S3_SECRET_KEY, and optionally
// YUEJUAN_TEST_S3_REGION) when set, else a versitygw that TestMain starts on
// a free loopback port over a temporary directory and stops at the end.
// A missing versitygw fails the S3 tests; it never skips them.

const installHint = "versitygw is needed for the S3 tests: run infra/peers/versitygw.sh " +
	"(go install github.com/versity/versitygw/cmd/versitygw@v1.8.0 into $(go env GOPATH)/bin), " +
	"or point YUEJUAN_TEST_S3_ENDPOINT (+ _ACCESS_KEY, _SECRET_KEY) at an S3-compatible server"

var s3env struct {
	endpoint, region, access, secret string
	err                              error // why there is no S3 server
}

func TestMain(m *testing.M) {
	stop := startS3()
	code := m.Run()
	stop()
	os.Exit(code)
}

func startS3() (stop func()) {
	stop = func() {}
	if ep := os.Getenv("YUEJUAN_TEST_S3_ENDPOINT"); ep != "" {
		s3env.endpoint = ep
		s3env.access = os.Getenv("YUEJUAN_TEST_S3_ACCESS_KEY")
		s3env.secret = os.Getenv("YUEJUAN_TEST_S3_SECRET_KEY")
		s3env.region = os.Getenv("YUEJUAN_TEST_S3_REGION")
		if s3env.region == "" {
			s3env.region = "us-east-1"
		}
		return stop
	}
	bin, err := findVersitygw()
	if err != nil {
		s3env.err = err
		return stop
	}
	dir, err := os.MkdirTemp("", "yuejuan-versitygw-")
	if err != nil {
		s3env.err = err
		return stop
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		s3env.err = err
		return stop
	}
	s3env.access, s3env.secret, s3env.region = "yuejuantest", "yuejuan-test-secret-key-0123456789", "us-east-1"
	s3env.endpoint = "http://127.0.0.1:" + port
	cmd := exec.Command(bin,
		"--access", s3env.access, "--secret", s3env.secret, "--region", s3env.region,
		"--port", "127.0.0.1:"+port, "--quiet",
		"posix", filepath.Join(dir, "root"))
	var logBuf syncBuffer
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	if err := os.MkdirAll(filepath.Join(dir, "root"), 0o755); err != nil {
		s3env.err = err
		return stop
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		s3env.err = fmt.Errorf("start %s: %w", bin, err)
		return stop
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		os.RemoveAll(dir)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			s3env.err = fmt.Errorf("versitygw exited at start (%v): %s", err, logBuf.String())
			return stop
		default:
		}
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 200*time.Millisecond); err == nil {
			c.Close()
			return stop
		}
		if time.Now().After(deadline) {
			s3env.err = fmt.Errorf("versitygw did not listen on %s within 20 s: %s", port, logBuf.String())
			return stop
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func findVersitygw() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	for _, gp := range filepath.SplitList(build.Default.GOPATH) {
		dirs = append(dirs, filepath.Join(gp, "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("versitygw not found on PATH nor in %s", strings.Join(dirs, ", "))
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<16 {
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// openS3 creates a fresh bucket for t.
func openS3(t *testing.T) (b *blob.Bucket, client *s3.Client, name, base string) {
	t.Helper()
	if s3env.err != nil {
		t.Fatalf("no S3 server: %v\n%s", s3env.err, installHint)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name = "yj-test-" + hex.EncodeToString(rnd[:])
	ctx := context.Background()
	b, client, err := blob.OpenS3(ctx, blob.S3Config{
		Bucket:       name,
		Region:       s3env.region,
		Endpoint:     s3env.endpoint,
		UsePathStyle: true,
		AccessKey:    s3env.access,
		SecretKey:    s3env.secret,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s at %s: %v", name, s3env.endpoint, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b, client, name, strings.TrimSuffix(s3env.endpoint, "/") + "/" + name + "/"
}

func TestS3Contract(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) (*blob.Bucket, string) {
		b, _, _, base := openS3(t)
		return b, base
	})
}

// What a client of a presigned PUT must know: Host, Content-Length and
// If-None-Match are signed, nothing else (no Content-Type, no checksum), so
// a plain HTTP PUT of exactly the signed size with If-None-Match: *
// (blob.PutHeaders) succeeds, and the same PUT without that header does not:
// the header is what makes S3 refuse to replace an uploaded object.
func TestS3PresignedPutSignsHostAndLength(t *testing.T) {
	ctx := context.Background()
	b, _, _, _ := openS3(t)
	const key = "x/案卷.pdf"
	u, err := blob.SignedPutURL(ctx, b, key, 6, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	if got := q.Get("X-Amz-SignedHeaders"); got != "content-length;host;if-none-match" {
		t.Errorf("X-Amz-SignedHeaders = %q, want content-length;host;if-none-match (URL %s)", got, u)
	}
	req, _ := http.NewRequest(http.MethodPut, u, strings.NewReader("%PDF-1"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("PUT without If-None-Match: %d, want 403 (the header is signed)", resp.StatusCode)
	}
	if ok, err := b.Exists(ctx, key); ok || err != nil {
		t.Errorf("after a PUT without If-None-Match: Exists = %v, %v", ok, err)
	}
	for k := range q {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum") || strings.HasPrefix(strings.ToLower(k), "x-amz-sdk-checksum") {
			t.Errorf("presigned PUT carries %s: a client would have to send that checksum", k)
		}
	}
}

// The S3 server itself refuses a PUT whose length is not the signed one:
// 403 SignatureDoesNotMatch (what a clerk's client sees), nothing stored.
func TestS3PresignedPutOtherSizeIsRefused(t *testing.T) {
	ctx := context.Background()
	b, _, _, _ := openS3(t)
	const key = "uploads/materials/c/m"
	data := blobtest.Bytes(7, 5000)
	u, err := blob.SignedPutURL(ctx, b, key, int64(len(data)), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range [][]byte{append(append([]byte{}, data...), 'x'), data[:4999]} {
		req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
		req.Header.Set("If-None-Match", "*")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		msg := new(bytes.Buffer)
		_, _ = msg.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(msg.String(), "SignatureDoesNotMatch") {
			t.Errorf("PUT of %d bytes to a URL signed for %d: %d %s, want 403 SignatureDoesNotMatch", len(body), len(data), resp.StatusCode, msg)
		}
		if ok, err := b.Exists(ctx, key); ok || err != nil {
			t.Errorf("after a refused PUT of %d bytes: Exists = %v, %v", len(body), ok, err)
		}
	}
}

// Compose of a ≥ 5 MiB prefix on S3 is a server-side multipart copy; a
// smaller one a single upload.
func TestS3ComposeIsMultipartCopy(t *testing.T) {
	ctx := context.Background()
	b, client, bucket, _ := openS3(t)
	src := blobtest.Bytes(1, 11<<20)
	if err := b.WriteAll(ctx, "base.pdf", src, nil); err != nil {
		t.Fatal(err)
	}
	if err := blob.Compose(ctx, b, "copy.pdf", "base.pdf", 6<<20, []byte("tail")); err != nil {
		t.Fatal(err)
	}
	a, err := b.Attributes(ctx, "copy.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(strings.Trim(a.ETag, `"`), "-2") {
		t.Errorf("ETag %s: want a 2-part multipart ETag (-2)", a.ETag)
	}
	if err := blob.Compose(ctx, b, "small.pdf", "base.pdf", 1<<20, []byte("tail")); err != nil {
		t.Fatal(err)
	}
	if a, err := b.Attributes(ctx, "small.pdf"); err != nil || strings.Contains(a.ETag, "-") {
		t.Errorf("small compose: ETag %v, %v: want a single-part object", a.ETag, err)
	}
	// No multipart upload is left behind, after success or failure.
	cctx, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	<-cctx.Done()
	if err := blob.Compose(cctx, b, "cancelled.pdf", "base.pdf", 6<<20, []byte("tail")); err == nil {
		t.Error("Compose with an expired context succeeded")
	}
	out, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Uploads) != 0 {
		t.Errorf("%d multipart uploads left behind", len(out.Uploads))
	}
}
