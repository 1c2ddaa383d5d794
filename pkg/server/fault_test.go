package server_test

// Faults on the real local server: an upload that breaks mid-write,
// duplicate upload events, and an assemble job lost on the way (a crash
// after the approval) that the scheduler's Reconcile re-queues.

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/faults"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/queue"
)

func (ts *tsrv) count(action, caseID, appID, target string) int {
	ts.t.Helper()
	n := 0
	if err := ts.s.API.Audit.Each(context.Background(), audit.Filter{Action: audit.Action(action), CaseID: caseID, ApplicationID: appID}, func(e audit.Event) error {
		if target == "" || e.Target == target {
			n++
		}
		return nil
	}); err != nil {
		ts.t.Fatal(err)
	}
	return n
}

// A PUT to an upload URL that breaks mid-write (the object store fails)
// leaves no object and no upload event; the clerk's retry with the same URL
// goes through and is ingested once. An upload larger than the limit is
// refused with 413 before anything is stored.
func TestUploadFaults(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	data := testpdf.Text(strings.Repeat("SCAN ", 100))
	m := ts.register(w.clerkA, w.caseID, material{Volume: 2, VolumeTitle: "证据卷", Seq: 1, Title: "讯问笔录", Filename: "02.pdf", Size: len(data)})
	key := ingest.MaterialUploadKey(w.caseID, m.ID)
	plan := faults.NewPlan()
	var mu sync.Mutex
	var notified []string
	notify := func(ctx context.Context, k string, n int64) {
		mu.Lock()
		notified = append(notified, k)
		mu.Unlock()
		ts.s.Notify(ctx, k, n)
	}
	faulty := &blob.Local{Bucket: faults.Bucket(ts.s.Uploads.Bucket, plan), Signer: ts.s.Uploads.Signer}
	h := httptest.NewServer(faulty.Handler(1<<20, notify))
	defer h.Close()
	u, _ := url.Parse(m.UploadURL)
	put := func(data []byte) int {
		req, _ := http.NewRequest("PUT", h.URL+"?"+u.RawQuery, bytes.NewReader(data))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	plan.Add(faults.Rule{Op: faults.BlobWrite, Key: key, After: 300})
	if code := put(data); code != http.StatusInternalServerError && code != http.StatusBadRequest {
		t.Fatalf("PUT with the store failing mid-write: %d", code)
	}
	if ok, _ := ts.s.Uploads.Exists(context.Background(), key); ok {
		t.Fatal("a partial upload is visible")
	}
	if len(notified) != 0 {
		t.Fatalf("an upload event for a failed upload: %v", notified)
	}
	// Larger than the size the URL was issued for (and the limit): refused
	// from the declared length; streamed without one: refused, 411.
	big := bytes.Repeat([]byte("x"), 1<<20+1)
	if code := put(big); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("PUT over the signed size: %d, want 413", code)
	}
	req, _ := http.NewRequest("PUT", h.URL+"?"+u.RawQuery, struct{ *bytes.Reader }{bytes.NewReader(big)}) // no length: chunked
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusLengthRequired {
		t.Fatalf("chunked PUT: %d, want 411", resp.StatusCode)
	}
	if ok, _ := ts.s.Uploads.Exists(context.Background(), key); ok {
		t.Fatal("an oversized upload left an object")
	}
	// The retry.
	if code := put(data); code != http.StatusOK {
		t.Fatalf("retried PUT: %d", code)
	}
	ts.waitFor("the material", func() bool {
		var got struct{ Status string }
		ts.must(w.clerkA, "GET", "/api/v1/cases/"+w.caseID+"/materials/"+m.ID, nil, http.StatusOK, &got)
		return got.Status == "accepted"
	})
	ts.s.Queue.Wait() // the record follows the status (and the case's new version)
	if n := ts.count("material.accept", w.caseID, "", m.ID); n != 1 {
		t.Fatalf("%d material.accept records, want 1", n)
	}
}

// The same upload event delivered several times at once (S3 delivers at
// least once): one ingest, one record, one new content version.
func TestDuplicateUploadEvents(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	before, err := ts.s.API.Cases.Get(context.Background(), w.caseID)
	if err != nil {
		t.Fatal(err)
	}
	id := ts.upload(w.clerkA, w.caseID, material{Volume: 3, VolumeTitle: "证据卷", Seq: 1, Title: "鉴定意见", Filename: "03.pdf"}, testpdf.Text("DUPLICATE"))
	key := ingest.MaterialUploadKey(w.caseID, id)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() { ts.s.Notify(context.Background(), key, 0) })
	}
	wg.Wait()
	ts.s.Queue.Wait()
	var got struct{ Status string }
	ts.must(w.clerkA, "GET", "/api/v1/cases/"+w.caseID+"/materials/"+id, nil, http.StatusOK, &got)
	if got.Status != "accepted" {
		t.Fatalf("material %s", got.Status)
	}
	if n := ts.count("material.accept", w.caseID, "", id); n != 1 {
		t.Fatalf("%d material.accept records for one upload, want 1", n)
	}
	after, _ := ts.s.API.Cases.Get(context.Background(), w.caseID)
	if after.ContentVersion != before.ContentVersion+1 {
		t.Fatalf("content version %d → %d for one new material, want +1", before.ContentVersion, after.ContentVersion)
	}
}

// lostJobs drops assemble jobs, as a crash right after the approval (or a
// lost SQS message) would, and passes the rest on.
type lostJobs struct{ next queue.Queue }

func (q lostJobs) Send(ctx context.Context, j queue.Job) error {
	if j.Kind == queue.Assemble {
		return nil
	}
	return q.next.Send(ctx, j)
}

// An approved application whose assemble job was lost is not left without
// its dossier: the scheduler's Reconcile finds it on the work list and the
// job runs once; every record is there exactly once.
func TestReconcileLostAssembleJob(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	lawyerC := ts.token("lawyer", "11101201910099999", "王律师", "")
	var atts []string
	for _, kind := range []string{"practice_certificate", "firm_letter", "legal_aid_letter"} {
		var a struct{ ID, UploadURL string }
		ts.must(lawyerC, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(testpdf.Text(kind))}, http.StatusCreated, &a)
		ts.must("", "PUT", a.UploadURL, testpdf.Text(kind), http.StatusOK, nil)
		atts = append(atts, a.ID)
	}
	ts.s.Queue.Wait()
	var app struct{ ID, Status string }
	ts.must(lawyerC, "POST", "/api/v1/applications", map[string]any{"caseNo": w.caseNo, "client": "张某某", "attachments": atts,
		"lawyer": map[string]string{"name": "王律师", "license": "11101201910099999", "firm": "某律所", "phone": "13900000000"}}, http.StatusCreated, &app)
	real := ts.s.API.Queue
	ts.s.API.Queue = lostJobs{real}
	ts.must(w.clerkA, "POST", "/api/v1/applications/"+app.ID+"/decision", map[string]string{"decision": "approve"}, http.StatusOK, nil)
	ts.s.API.Queue = real
	ts.s.Queue.Wait()
	ts.must(lawyerC, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &app)
	if app.Status != "approved" {
		t.Fatalf("status %s: the job was meant to be lost", app.Status)
	}
	work, _ := ts.s.API.Apps.PendingWork(context.Background())
	if !contains(work, app.ID) {
		t.Fatalf("the approved application is not on the work list %v", work)
	}
	ts.s.Reconcile(context.Background())
	ts.s.Reconcile(context.Background()) // twice: a second tick while the first job runs
	ts.waitFor("the dossier", func() bool {
		ts.must(lawyerC, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &app)
		return app.Status == "ready"
	})
	ts.s.Queue.Wait()
	for _, action := range []string{"copy.make", "link.issue"} {
		if n := ts.count(action, w.caseID, app.ID, ""); n != 1 {
			t.Errorf("%d %s records, want 1", n, action)
		}
	}
	work, _ = ts.s.API.Apps.PendingWork(context.Background())
	if contains(work, app.ID) {
		t.Error("the work mark outlived the job")
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
