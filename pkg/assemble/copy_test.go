package assemble_test

// Tests of the composed per-lawyer copy: the copy object is the base
// object's byte prefix plus a tail made from the sidecar, on the local store
// and on a real S3 server (versitygw), where the prefix is copied inside the
// server (UploadPartCopy).

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"io/fs"
	mrand "math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/pdfcpu/pdfcpu/pkg/api"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/ingest"
)

// checkComposed checks every application's copy is the base's prefix plus
// a tail carrying that lawyer's identity, and returns the copies.
func checkComposed(t *testing.T, ctx context.Context, b *blob.Bucket, c *casefile.Case, apps ...*application.Application) [][]byte {
	t.Helper()
	baseKey := assemble.BaseKey(c.ID, c.ContentVersion)
	base, err := b.ReadAll(ctx, baseKey)
	if err != nil {
		t.Fatal(err)
	}
	scData, err := b.ReadAll(ctx, assemble.SidecarKey(baseKey))
	if err != nil {
		t.Fatalf("no sidecar next to the base: %v", err)
	}
	sc, err := dossier.ParseSidecar(scData)
	if err != nil {
		t.Fatal(err)
	}
	if err := dossier.CheckBase(bytes.NewReader(base), int64(len(base)), sc); err != nil {
		t.Fatal(err)
	}
	var copies [][]byte
	for _, a := range apps {
		data, err := b.ReadAll(ctx, assemble.CopyKey(c.ID, c.ContentVersion, a.ID))
		if err != nil {
			t.Fatal(err)
		}
		if len(data) <= int(sc.PrefixLen) || !bytes.Equal(data[:sc.PrefixLen], base[:sc.PrefixLen]) {
			t.Fatalf("copy for %s does not start with the base's prefix", a.ID)
		}
		tail := data[sc.PrefixLen:]
		if !bytes.Contains(tail, []byte("/YuejuanLicense("+a.Lawyer.License+")")) || !bytes.Contains(tail, []byte("/YuejuanRef("+a.ID+")")) {
			t.Errorf("copy for %s: the tail lacks the lawyer's identity", a.ID)
		}
		if err := api.Validate(bytes.NewReader(data), nil); err != nil {
			t.Errorf("copy for %s: %v", a.ID, err)
		}
		copies = append(copies, data)
	}
	return copies
}

func TestComposedCopies(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	// The real local bucket, so that Compose clones / copies the file.
	r.builder.Dossiers = r.dossiers.Bucket
	c, ms := r.setup(ctx)
	r.ingestAll(ctx, c, ms)
	a := r.approved(ctx, c, lawyerA, "张律师")
	b := r.approved(ctx, c, lawyerB, "李律师")
	for _, app := range []*application.Application{a, b} {
		if err := r.builder.Application(ctx, app.ID); err != nil {
			t.Fatal(err)
		}
	}
	r.settled(ctx, c, a, b)
	cur, err := r.cases.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	copies := checkComposed(t, ctx, r.dossiers.Bucket, cur, a, b)
	if bytes.Equal(copies[0], copies[1]) {
		t.Error("two lawyers got the same copy")
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		p := filepath.Join(t.TempDir(), "copy.pdf")
		os.WriteFile(p, copies[1], 0o644)
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", p, "-").Output()
		if err != nil || !strings.Contains(strings.Join(strings.Fields(string(out)), ""), "仅供李律师律师阅卷使用·执业证号"+lawyerB) {
			t.Errorf("pdftotext of the copy: %v\n%s", err, out)
		}
	}
}

// A base written before stamp slots existed (no sidecar) is built again.
func TestBaseWithoutSidecarIsRebuilt(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, ms := r.setup(ctx)
	r.ingestAll(ctx, c, ms)
	cur, err := r.cases.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	baseKey := assemble.BaseKey(c.ID, cur.ContentVersion)
	if err := r.dossiers.WriteAll(ctx, baseKey, testpdf.Text("OLD-BASE"), nil); err != nil {
		t.Fatal(err)
	}
	a := r.approved(ctx, c, lawyerA, "张律师")
	if err := r.builder.Application(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	base, _ := r.dossiers.ReadAll(ctx, baseKey)
	if bytes.Contains(base, []byte("OLD-BASE")) {
		t.Fatal("the old base was kept")
	}
	checkComposed(t, ctx, r.dossiers.Bucket, cur, a)
}

// TestComposedCopyS3 runs the job with the dossiers on a real S3 server and
// a base over the 5 MiB part minimum, so the prefix is copied by the server.
func TestComposedCopyS3(t *testing.T) {
	ctx := context.Background()
	b, client := startS3(t)
	r := newRig(t)
	r.builder.Dossiers = b
	c, ms := r.setup(ctx)
	// Enough scan bytes for a base over two of the upload's 8 MiB parts.
	for i := 0; i < 9; i++ {
		m := &casefile.Material{ID: casefile.NewID(), CaseID: c.ID, Volume: 2, VolumeTitle: "证据材料卷", Seq: i + 1,
			Title: fmt.Sprintf("照片%d", i+1), Filename: fmt.Sprintf("p%d.jpg", i)}
		if err := r.cases.AddMaterial(ctx, m); err != nil {
			t.Fatal(err)
		}
		m.UploadKey = ingest.MaterialUploadKey(c.ID, m.ID)
		if _, err := r.cases.UpdateMaterial(ctx, c.ID, m.ID, func(x *casefile.Material) error {
			x.UploadKey, x.Status = m.UploadKey, casefile.Processing
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := r.uploads.WriteAll(ctx, m.UploadKey, noisyJPEG(int64(i)), nil); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	r.ingestAll(ctx, c, ms)
	cur, err := r.cases.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := r.approved(ctx, c, lawyerA, "张律师")
	bb := r.approved(ctx, c, lawyerB, "李律师")
	// While the job runs, the largest file in its working folder: the
	// downloaded scans, never a local copy of the base.
	r.builder.TempDir = t.TempDir()
	var largest atomic.Int64
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			_ = filepath.WalkDir(r.builder.TempDir, func(_ string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					if info, err := d.Info(); err == nil && info.Size() > largest.Load() {
						largest.Store(info.Size())
					}
				}
				return nil
			})
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	for _, app := range []*application.Application{a, bb} {
		if err := r.builder.Application(ctx, app.ID); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	<-watched
	baseKey := assemble.BaseKey(c.ID, cur.ContentVersion)
	attrs, err := b.Attributes(ctx, baseKey)
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Size < 17<<20 {
		t.Fatalf("base is only %d bytes: the test needs one over two 8 MiB parts", attrs.Size)
	}
	// The base went up as it was made, a multipart upload in parts (its
	// ETag "<md5>-<parts>"), not as a file built first and put whole.
	bhead, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s3Bucket), Key: aws.String(baseKey)})
	if err != nil {
		t.Fatal(err)
	}
	if etag := aws.ToString(bhead.ETag); !strings.Contains(etag, "-") {
		t.Errorf("base ETag %s is not a multipart ETag: the base was not streamed up in parts", etag)
	}
	if n := largest.Load(); n == 0 || n > 4<<20 {
		t.Errorf("the largest file in the job's folder was %d bytes (base %d): the base must go up as it is made, not from a local copy", n, attrs.Size)
	}
	checkComposed(t, ctx, b, cur, a, bb)
	// The copy was assembled by the server from parts: its ETag is a
	// multipart one ("<md5>-<parts>").
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s3Bucket), Key: aws.String(assemble.CopyKey(c.ID, cur.ContentVersion, a.ID))})
	if err != nil {
		t.Fatal(err)
	}
	if etag := aws.ToString(head.ETag); !strings.Contains(etag, "-") {
		t.Errorf("copy ETag %s is not a multipart ETag: the prefix was not copied by UploadPartCopy", etag)
	}
	if ct := aws.ToString(head.ContentType); ct != "application/pdf" {
		t.Errorf("copy Content-Type %q", ct)
	}
}

// noisyJPEG is a 2,000 × 2,800 noisy scan (about 2 MB).
func noisyJPEG(seed int64) []byte {
	img := image.NewGray(image.Rect(0, 0, 2000, 2800))
	rnd := mrand.New(mrand.NewSource(seed))
	for i := range img.Pix {
		img.Pix[i] = uint8(120 + rnd.Intn(136))
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return b.Bytes()
}

var (
	s3Bucket string
	s3PID    int // the versitygw startS3 started (0: none, an outside endpoint)
)

// startS3 starts versitygw on a free port over a temporary directory (or
// uses YUEJUAN_TEST_S3_ENDPOINT, as the blob tests do) and opens a fresh
// bucket. A missing versitygw fails the test: run infra/peers/versitygw.sh.
func startS3(t testing.TB) (*blob.Bucket, *s3.Client) {
	t.Helper()
	ctx := context.Background()
	endpoint := os.Getenv("YUEJUAN_TEST_S3_ENDPOINT")
	access, secret, region := os.Getenv("YUEJUAN_TEST_S3_ACCESS_KEY"), os.Getenv("YUEJUAN_TEST_S3_SECRET_KEY"), "us-east-1"
	if endpoint == "" {
		bin, err := exec.LookPath("versitygw")
		if err != nil {
			gp, _ := exec.Command("go", "env", "GOPATH").Output()
			bin = filepath.Join(strings.TrimSpace(string(gp)), "bin", "versitygw")
			if _, err := os.Stat(bin); err != nil {
				t.Fatalf("versitygw is needed for the S3 test: run infra/peers/versitygw.sh (%v)", err)
			}
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		root := t.TempDir()
		access, secret = "yuejuantest", "yuejuan-test-secret-key-0123456789"
		cmd := exec.Command(bin, "--access", access, "--secret", secret, "--region", region, "--port", addr, "--quiet", "posix", root)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		s3PID = cmd.Process.Pid
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		deadline := time.Now().Add(20 * time.Second)
		for {
			if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("versitygw did not start: %s", logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		endpoint = "http://" + addr
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	s3Bucket = "yj-assemble-" + hex.EncodeToString(rnd[:])
	b, client, err := blob.OpenS3(ctx, blob.S3Config{Bucket: s3Bucket, Region: region, Endpoint: endpoint,
		UsePathStyle: true, AccessKey: access, SecretKey: secret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s3Bucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b, client
}
