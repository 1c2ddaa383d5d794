package schedule

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/cloud"
	"github.com/yuejuan/yuejuan/pkg/cloud/worker"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
	"github.com/yuejuan/yuejuan/pkg/reminder"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

var pdfOnce sync.Once

// The deadline job's sweep (docs/recovery.md) finds the materials left
// undecided for a minute with nobody at work on them, and invokes the
// ingest function again with each upload's S3 event, signed as Lambda's
// Invoke API wants it (asynchronous, SigV4 for the lambda service). The
// "Lambda" here runs the real ingest handler on what it receives, on the
// same table and bucket: the materials end decided, each recorded once;
// one at work (its lease held), one changed a moment ago and one awaiting
// its upload are left alone.
func TestDeadlineSweepsStuckMaterials(t *testing.T) {
	pdfOnce.Do(func() {
		dir, err := os.MkdirTemp("", "yuejuan-cloud-pdfcpu-")
		if err != nil {
			t.Fatal(err)
		}
		if err := dossier.Setup(dir); err != nil {
			t.Fatal(err)
		}
	})
	ctx := t.Context()
	dir := t.TempDir()
	tbl, err := sqlitestore.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	base, _ := url.Parse("http://127.0.0.1:1/blob")
	up, err := blob.OpenLocal(filepath.Join(dir, "uploads"), base, filepath.Join(dir, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-2 * time.Minute)
	old := &casefile.Repo{T: tbl, Now: func() time.Time { return past }}
	cases := &casefile.Repo{T: tbl}
	alog := &audit.Log{T: tbl}
	c := &casefile.Case{CaseNo: "京检刑诉〔2026〕5号", Title: "测试案", Stage: casefile.ProsecutionReview, OnlineReview: true, Unit: "市检察院",
		Handler: casefile.Handler{Name: "刘检察官", Phone: "010-1"}, Defendants: []string{"张某"}}
	if err := cases.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	add := func(repo *casefile.Repo, seq int, status casefile.MaterialStatus, unfinished bool) *casefile.Material {
		m := &casefile.Material{CaseID: c.ID, Volume: 1, Seq: seq, Title: "材料", Filename: "x.pdf"}
		if err := repo.AddMaterial(ctx, m); err != nil {
			t.Fatal(err)
		}
		m.UploadKey = ingest.MaterialUploadKey(c.ID, m.ID)
		if err := up.WriteAll(ctx, m.UploadKey, testpdf.Text("SWEPT"), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := repo.UpdateMaterial(ctx, c.ID, m.ID, func(x *casefile.Material) error {
			x.UploadKey, x.Status, x.Unfinished = m.UploadKey, status, unfinished
			if status == casefile.Accepted {
				x.Pages, x.PDFKey = 1, ingest.MaterialPDFKey(c.ID, m.ID)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	lost := add(old, 1, casefile.Processing, false)    // its ingest died for good
	unrecorded := add(old, 2, casefile.Accepted, true) // died between the verdict and its record
	atWork := add(old, 3, casefile.Processing, false)  // a live job holds its lease
	fresh := add(cases, 4, casefile.Processing, false) // just uploaded
	waiting := add(old, 5, casefile.AwaitingUpload, false)
	release, ok, err := store.Lease(ctx, tbl, reconcile.IngestLease(c.ID, atWork.ID), time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	defer release()

	// The Lambda Invoke API, with the ingest function behind it.
	h := &worker.Ingest{Worker: &ingest.Worker{Cases: cases, Apps: &application.Repo{T: tbl}, Audit: alog, Uploads: up.Bucket, TempDir: dir}, Log: quiet()}
	var mu sync.Mutex
	var keys []string
	lambda := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if r.Method != http.MethodPost || r.URL.Path != "/2015-03-31/functions/yuejuan-prod-ingest/invocations" ||
			r.Header.Get("X-Amz-Invocation-Type") != "Event" || !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDSWEEP/") ||
			!strings.Contains(auth, "/cn-north-1/lambda/aws4_request") || r.Header.Get("X-Amz-Date") == "" {
			t.Errorf("invocation %s %s, Authorization %q, type %q: not an asynchronous SigV4 Invoke of the ingest function",
				r.Method, r.URL.Path, auth, r.Header.Get("X-Amz-Invocation-Type"))
			http.Error(w, "bad invocation", http.StatusForbidden)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var e events.S3Event
		if err := json.Unmarshal(body, &e); err != nil || len(e.Records) != 1 {
			t.Errorf("invocation payload %s: %v", body, err)
			return
		}
		mu.Lock()
		keys = append(keys, e.Records[0].S3.Object.URLDecodedKey)
		mu.Unlock()
		if err := h.Handle(context.WithoutCancel(r.Context()), e); err != nil {
			t.Errorf("the ingest function failed on the swept event: %v", err)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer lambda.Close()

	rt := &cloud.Runtime{Env: cloud.Env{UploadsBucket: "yuejuan-prod-uploads"}, Log: quiet()}
	rt.SetTable(tbl)
	inv := &cloud.LambdaInvoker{Function: "yuejuan-prod-ingest", Region: "cn-north-1", Endpoint: lambda.URL,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSWEEP", "secret", "")}
	d := &Deadline{Apps: rt.Apps, Queue: &recordingQueue{}, Log: quiet(), Sweep: sweep(rt, inv),
		Job: &reminder.Job{Apps: rt.Apps, Audit: alog, Notify: nopNotifier{}}}
	res, err := d.Handle(ctx, nil)
	if err != nil || res.Reingested != 2 {
		t.Fatalf("deadline run: %+v %v, want 2 materials re-ingested", res, err)
	}
	if len(keys) != 2 || !(keys[0] == lost.UploadKey || keys[1] == lost.UploadKey) || !(keys[0] == unrecorded.UploadKey || keys[1] == unrecorded.UploadKey) {
		t.Fatalf("invoked for %v, want the uploads of %s and %s", keys, lost.ID, unrecorded.ID)
	}
	accepts := map[string]int{}
	_ = alog.Each(ctx, audit.Filter{CaseID: c.ID, Action: "material.accept"}, func(e audit.Event) error { accepts[e.Target]++; return nil })
	for _, m := range []*casefile.Material{lost, unrecorded} {
		got, _ := cases.GetMaterial(ctx, c.ID, m.ID)
		if !got.Decided() || got.Status != casefile.Accepted || accepts[m.ID] != 1 {
			t.Errorf("swept material %s: %s, decided %v, %d material.accept records; want accepted, decided, one record", m.ID, got.Status, got.Decided(), accepts[m.ID])
		}
	}
	for _, m := range []*casefile.Material{atWork, fresh, waiting} {
		got, _ := cases.GetMaterial(ctx, c.ID, m.ID)
		if got.Decided() || accepts[m.ID] != 0 {
			t.Errorf("material %s (%s) was swept: it was at work, just changed, or awaiting its upload", m.ID, got.Status)
		}
	}
	// A second run finds nothing more to do.
	if res, err := d.Handle(ctx, nil); err != nil || res.Reingested != 0 {
		t.Errorf("second run: %+v %v, want nothing re-ingested", res, err)
	}
}
