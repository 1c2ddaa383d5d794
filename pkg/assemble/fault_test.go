package assemble_test

// Fault tests: the real stores (SQLite, filesystem buckets) wrapped by
// package faults, failing at chosen points of the ingest and assemble jobs —
// mid-upload, mid-assembly, mid-copy, between two metadata writes, a worker
// killed mid-job, duplicate events and jobs. After each, the job is run again
// (as the queue redelivers it) and the outcome must be exactly that of a run
// without faults: no partial object visible, the application answered and
// ready, and every audit record there exactly once.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/faults"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "assemble-test-")
	if err != nil {
		panic(err)
	}
	if err := dossier.Setup(filepath.Join(dir, "pdfcpu")); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// rig is the ingest and assemble workers on faulty stores.
type rig struct {
	t        testing.TB
	plan     *faults.Plan
	table    *sqlitestore.Table
	uploads  *blob.Local // the real buckets, to inspect
	dossiers *blob.Local
	cases    *casefile.Repo
	apps     *application.Repo
	links    *link.Repo
	audit    *audit.Log
	ingest   *ingest.Worker
	builder  *assemble.Worker
}

func newRig(t testing.TB) *rig {
	t.Helper()
	dir := t.TempDir()
	tbl, err := sqlitestore.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	base, _ := url.Parse("http://127.0.0.1:1/blob")
	up, err := blob.OpenLocal(filepath.Join(dir, "uploads"), base.JoinPath("uploads"), filepath.Join(dir, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	dos, err := blob.OpenLocal(filepath.Join(dir, "dossiers"), base.JoinPath("dossiers"), filepath.Join(dir, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	p := faults.NewPlan()
	ft := &faults.Table{T: tbl, Plan: p}
	r := &rig{t: t, plan: p, table: tbl, uploads: up, dossiers: dos,
		cases: &casefile.Repo{T: ft}, apps: &application.Repo{T: ft}, links: &link.Repo{T: ft}, audit: &audit.Log{T: ft}}
	tmp := filepath.Join(dir, "tmp")
	os.MkdirAll(tmp, 0o750)
	fup, fdos := faults.Bucket(up.Bucket, p), faults.Bucket(dos.Bucket, p)
	r.ingest = &ingest.Worker{Cases: r.cases, Apps: r.apps, Audit: r.audit, Uploads: fup, TempDir: tmp}
	r.builder = &assemble.Worker{Cases: r.cases, Apps: r.apps, Links: r.links, Audit: r.audit, Uploads: fup, Dossiers: fdos,
		LinkTTL: 24 * time.Hour, MaxDownloads: 5, TempDir: tmp}
	return r
}

func scanJPEG() []byte {
	img := image.NewGray(image.Rect(0, 0, 620, 877))
	for i := range img.Pix {
		img.Pix[i] = uint8(200 + i%50)
	}
	for y := 100; y < 800; y += 40 {
		for x := 60; x < 560; x++ {
			img.SetGray(x, y, color.Gray{Y: 20})
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 75})
	return b.Bytes()
}

// setup registers a case with materials uploaded (not yet ingested).
func (r *rig) setup(ctx context.Context) (*casefile.Case, []*casefile.Material) {
	r.t.Helper()
	c := &casefile.Case{CaseNo: "京检刑诉〔2026〕" + casefile.NewID()[20:] + "号", Title: "测试案", Stage: casefile.ProsecutionReview,
		OnlineReview: true, Unit: "市检察院", Handler: casefile.Handler{Name: "刘检察官", Phone: "010-1"}, Defendants: []string{"张某"}}
	if err := r.cases.Create(ctx, c); err != nil {
		r.t.Fatal(err)
	}
	var ms []*casefile.Material
	for i, data := range [][]byte{testpdf.Text("DOC-ONE"), scanJPEG(), testpdf.Text("DOC-THREE")} {
		m := &casefile.Material{ID: casefile.NewID(), CaseID: c.ID, Volume: 1, VolumeTitle: "诉讼文书卷", Seq: i + 1,
			Title: fmt.Sprintf("材料%d", i+1), Filename: fmt.Sprintf("%02d.bin", i+1)}
		if err := r.cases.AddMaterial(ctx, m); err != nil {
			r.t.Fatal(err)
		}
		m.UploadKey = ingest.MaterialUploadKey(c.ID, m.ID)
		if _, err := r.cases.UpdateMaterial(ctx, c.ID, m.ID, func(x *casefile.Material) error {
			x.UploadKey, x.Status = m.UploadKey, casefile.Processing
			return nil
		}); err != nil {
			r.t.Fatal(err)
		}
		if err := r.uploads.WriteAll(ctx, m.UploadKey, data, nil); err != nil {
			r.t.Fatal(err)
		}
		ms = append(ms, m)
	}
	return c, ms
}

// ingestAll runs the ingest job of every material until it succeeds.
func (r *rig) ingestAll(ctx context.Context, c *casefile.Case, ms []*casefile.Material) {
	r.t.Helper()
	for _, m := range ms {
		if err := r.ingest.Material(ctx, c.ID, m.ID); err != nil {
			r.t.Fatalf("ingest %s: %v", m.ID, err)
		}
	}
}

// approved makes an approved application of a lawyer, as the decision
// route does (work mark, then the approval).
func (r *rig) approved(ctx context.Context, c *casefile.Case, license, name string) *application.Application {
	r.t.Helper()
	now := time.Now().UTC()
	a := &application.Application{CaseID: c.ID, CaseNo: c.CaseNo, Unit: c.Unit, Client: "张某", Kind: application.Defence,
		Channel: application.Online, Lawyer: application.Lawyer{Name: name, License: license, Firm: "某律所", Phone: "138"},
		Status: application.PendingReview, SubmittedAt: now, Deadline: "2099-01-01",
		History: []application.Transition{{To: application.PendingReview, At: now, By: license}}}
	got, created, err := r.apps.Create(ctx, a)
	if err != nil || !created {
		r.t.Fatalf("create application: %v %v", created, err)
	}
	if err := r.apps.MarkWork(ctx, got.ID); err != nil {
		r.t.Fatal(err)
	}
	got, err = r.apps.Update(ctx, got.ID, func(x *application.Application) error {
		x.Reply = &application.Reply{Decision: "approve", By: "clerk01", At: now}
		return x.Move(application.Approved, "clerk:clerk01", "", now)
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return got
}

// count is how many audit records of action there are for the filter.
func (r *rig) count(ctx context.Context, action audit.Action, caseID, appID, target string) int {
	r.t.Helper()
	n := 0
	err := (&audit.Log{T: r.table}).Each(ctx, audit.Filter{Action: action, CaseID: caseID, ApplicationID: appID}, func(e audit.Event) error {
		if target == "" || e.Target == target {
			n++
		}
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

// settled checks the state after the job finally succeeded: the
// application is ready with a live link to a complete stamped copy, the
// work mark is gone, no object is partial, every record is there once and
// the chain verifies.
func (r *rig) settled(ctx context.Context, c *casefile.Case, apps ...*application.Application) {
	r.t.Helper()
	real := &application.Repo{T: r.table}
	cur, err := (&casefile.Repo{T: r.table}).Get(ctx, c.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, a := range apps {
		got, err := real.Get(ctx, a.ID)
		if err != nil {
			r.t.Fatal(err)
		}
		if got.Status != application.Ready || got.LinkID == "" || got.Reply == nil {
			r.t.Fatalf("application %s: status %s link %q reply %v, want ready with a link", a.ID, got.Status, got.LinkID, got.Reply)
		}
		l, err := (&link.Repo{T: r.table}).Check(ctx, got.LinkID)
		if err != nil || l.CopyKey != got.CopyKey {
			r.t.Fatalf("link %s: %v (copy %q vs %q)", got.LinkID, err, l.CopyKey, got.CopyKey)
		}
		r.wholePDF(ctx, got.CopyKey)
		for _, action := range []audit.Action{"copy.make", "link.issue"} {
			if n := r.count(ctx, action, c.ID, a.ID, ""); n != 1 {
				r.t.Errorf("application %s: %d %s records, want exactly 1", a.ID, n, action)
			}
		}
	}
	if n := r.count(ctx, "dossier.assemble", c.ID, "", assemble.BaseKey(c.ID, cur.ContentVersion)); n != 1 {
		r.t.Errorf("%d dossier.assemble records for version %d, want exactly 1", n, cur.ContentVersion)
	}
	work, err := real.PendingWork(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	if len(work) != 0 {
		r.t.Errorf("work marks left after the job finished: %v", work)
	}
	r.noPartialObjects(ctx)
	rep, err := (&audit.Log{T: r.table}).Verify(ctx)
	if err != nil || !rep.OK {
		r.t.Errorf("audit chain: %+v %v", rep, err)
	}
}

// wholePDF checks the object is a complete PDF pdfcpu can validate.
func (r *rig) wholePDF(ctx context.Context, key string) {
	r.t.Helper()
	data, err := r.dossiers.ReadAll(ctx, key)
	if err != nil {
		r.t.Fatalf("read %s: %v", key, err)
	}
	if err := api.Validate(bytes.NewReader(data), nil); err != nil {
		r.t.Fatalf("%s is not a complete PDF (%d bytes): %v", key, len(data), err)
	}
}

// noPartialObjects checks every object in the dossier bucket and every
// material PDF is complete, and no temporary file is left visible.
func (r *rig) noPartialObjects(ctx context.Context) {
	r.t.Helper()
	for _, b := range []*blob.Local{r.dossiers, r.uploads} {
		it := b.List(nil)
		for {
			o, err := it.Next(ctx)
			if err != nil {
				break
			}
			if strings.HasSuffix(o.Key, ".tmp") {
				r.t.Errorf("temporary object %s is visible", o.Key)
			}
			if strings.HasSuffix(o.Key, ".pdf") {
				data, err := b.ReadAll(ctx, o.Key)
				if err != nil {
					r.t.Fatal(err)
				}
				if err := api.Validate(bytes.NewReader(data), nil); err != nil {
					r.t.Errorf("object %s is partial (%d bytes): %v", o.Key, len(data), err)
				}
			}
		}
	}
}

func (r *rig) mustFail(err error, what string) {
	r.t.Helper()
	if err == nil {
		r.t.Fatalf("%s: the job succeeded although a fault was injected (%v)", what, r.plan.Injected())
	}
}

const (
	lawyerA = "11101201910012345"
	lawyerB = "11101201910054321"
)

// TestAssembleFaults fails one step of the assemble job at a time, then
// redelivers the job.
func TestAssembleFaults(t *testing.T) {
	cases := []struct {
		name string
		rule faults.Rule
	}{
		{"base dossier upload breaks mid-write", faults.Rule{Op: faults.BlobWrite, Key: "/base.pdf", After: 2000}},
		{"base dossier upload fails at commit", faults.Rule{Op: faults.BlobClose, Key: "/base.pdf"}},
		{"sidecar write fails after the base", faults.Rule{Op: faults.BlobClose, Key: ".sidecar.json"}},
		{"material PDF read breaks mid-assembly", faults.Rule{Op: faults.BlobRead, Key: "materials/", After: 500}},
		{"stamped copy write breaks mid-write", faults.Rule{Op: faults.BlobWrite, Key: "copies/", After: 1000}},
		{"stamped copy fails at commit", faults.Rule{Op: faults.BlobClose, Key: "copies/"}},
		{"copy existence check fails", faults.Rule{Op: faults.BlobAttributes, Key: "copies/"}},
		{"link record write fails after the copy", faults.Rule{Op: faults.TablePut, Key: "link#"}},
		{"ready transition fails after the link", faults.Rule{Op: faults.TablePut, Key: "app#", DataContains: `"status":"ready"`}},
		{"work mark removal fails after ready", faults.Rule{Op: faults.TableDelete, Key: "work#assemble"}},
		{"dossier.assemble record fails after the base", faults.Rule{Op: faults.TablePut, Key: "audit/e#", DataContains: `"action":"dossier.assemble"`}},
		{"copy.make record fails after the copy", faults.Rule{Op: faults.TablePut, Key: "audit/e#", DataContains: `"action":"copy.make"`}},
		{"link.issue record fails after ready", faults.Rule{Op: faults.TablePut, Key: "audit/e#", DataContains: `"action":"link.issue"`}},
		{"the application read fails", faults.Rule{Op: faults.TableGet, Key: "app#"}},
		{"materials query fails", faults.Rule{Op: faults.TableQuery, Key: ":case#"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t)
			c, ms := r.setup(ctx)
			r.ingestAll(ctx, c, ms)
			a := r.approved(ctx, c, lawyerA, "张律师")
			rule := r.plan.Add(tc.rule)
			r.mustFail(r.builder.Application(ctx, a.ID), tc.name)
			if rule.Fired() != 1 {
				t.Fatalf("the fault fired %d times", rule.Fired())
			}
			r.noPartialObjects(ctx)
			// Until the job is redone the application is approved (answered)
			// and listed as pending work for the scheduler.
			if got, _ := (&application.Repo{T: r.table}).Get(ctx, a.ID); got.Status == application.Approved {
				work, _ := (&application.Repo{T: r.table}).PendingWork(ctx)
				if len(work) != 1 || work[0] != a.ID {
					t.Fatalf("an approved application without its dossier must stay on the work list, got %v", work)
				}
			}
			// Redelivery, maybe twice.
			if err := r.builder.Application(ctx, a.ID); err != nil {
				t.Fatalf("redelivered job: %v", err)
			}
			if err := r.builder.Application(ctx, a.ID); err != nil {
				t.Fatalf("second redelivery: %v", err)
			}
			r.settled(ctx, c, a)
		})
	}
}

// TestAssembleWorkerKilled cancels the job's context at points inside the
// work, as a killed worker stops, and redelivers the job.
func TestAssembleWorkerKilled(t *testing.T) {
	for _, point := range []faults.Rule{
		{Op: faults.BlobWrite, Key: "/base.pdf", After: 3000},
		{Op: faults.BlobWrite, Key: "copies/", After: 3000},
		{Op: faults.TablePut, Key: "link#"},
		{Op: faults.TablePut, Key: "audit/e#", DataContains: `"action":"copy.make"`},
	} {
		t.Run(string(point.Op)+" "+point.Key, func(t *testing.T) {
			r := newRig(t)
			ctx := context.Background()
			c, ms := r.setup(ctx)
			r.ingestAll(ctx, c, ms)
			a := r.approved(ctx, c, lawyerA, "张律师")
			kctx, kill := context.WithCancel(ctx)
			point.Hook = kill
			point.Err = context.Canceled
			r.plan.Add(point)
			r.mustFail(r.builder.Application(kctx, a.ID), "killed worker")
			r.noPartialObjects(ctx)
			if err := r.builder.Application(ctx, a.ID); err != nil {
				t.Fatalf("redelivered job: %v", err)
			}
			r.settled(ctx, c, a)
		})
	}
}

// TestAssembleDuplicateJobs runs the same assemble job several times at
// once (SQS delivers at least once; the local queue lets a job be queued
// again while it runs), and two lawyers' jobs on one case at once.
func TestAssembleDuplicateJobs(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	c, ms := r.setup(ctx)
	r.ingestAll(ctx, c, ms)
	a := r.approved(ctx, c, lawyerA, "张律师")
	b := r.approved(ctx, c, lawyerB, "李律师")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 6 {
		id := a.ID
		if i%2 == 1 {
			id = b.ID
		}
		wg.Go(func() { errs <- r.builder.Application(ctx, id) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !errors.Is(err, assemble.ErrBusy) {
			t.Errorf("concurrent job: %v", err)
		}
	}
	// Whatever was refused as busy is redelivered later.
	for _, id := range []string{a.ID, b.ID} {
		if err := r.builder.Application(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	r.settled(ctx, c, a, b)
}

// TestIngestFaults fails the ingest job of a material at each step, and
// redelivers it; then delivers the same upload event several times at once.
func TestIngestFaults(t *testing.T) {
	for _, rule := range []faults.Rule{
		{Op: faults.BlobRead, Key: ingest.MaterialPrefix, After: 200},
		{Op: faults.BlobWrite, Key: "materials/", After: 500},
		{Op: faults.BlobClose, Key: "materials/"},
		{Op: faults.TablePut, Key: "/mat#", DataContains: `"status":"accepted"`},
		{Op: faults.TablePut, Key: "/case", DataContains: `"contentVersion"`},
		{Op: faults.TablePut, Key: "audit/e#", DataContains: `"action":"material.accept"`},
	} {
		t.Run(string(rule.Op)+" "+rule.Key+" "+rule.DataContains, func(t *testing.T) {
			r := newRig(t)
			ctx := context.Background()
			c, ms := r.setup(ctx)
			m := ms[0]
			r.plan.Add(rule)
			r.mustFail(r.ingest.Material(ctx, c.ID, m.ID), "ingest")
			r.noPartialObjects(ctx)
			for range 2 {
				if err := r.ingest.Material(ctx, c.ID, m.ID); err != nil {
					t.Fatalf("redelivered ingest: %v", err)
				}
			}
			r.checkIngested(ctx, c, m, 1)
		})
	}
}

func TestIngestDuplicateEvents(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	c, ms := r.setup(ctx)
	var wg sync.WaitGroup
	for range 4 {
		for _, m := range ms {
			wg.Go(func() {
				if err := r.ingest.Material(ctx, c.ID, m.ID); err != nil && !errors.Is(err, ingest.ErrBusy) {
					t.Errorf("duplicate ingest: %v", err)
				}
			})
		}
	}
	wg.Wait()
	for _, m := range ms {
		if err := r.ingest.Material(ctx, c.ID, m.ID); err != nil {
			t.Fatal(err)
		}
		r.checkIngested(ctx, c, m, -1)
	}
	a := r.approved(ctx, c, lawyerA, "张律师")
	if err := r.builder.Application(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	r.settled(ctx, c, a)
	// The dossier holds every material.
	got, _ := (&application.Repo{T: r.table}).Get(ctx, a.ID)
	data, _ := r.dossiers.ReadAll(ctx, got.CopyKey)
	n, err := api.PageCount(bytes.NewReader(data), nil)
	if err != nil || n < 3 {
		t.Fatalf("dossier of 3 materials has %d pages (%v)", n, err)
	}
}

// checkIngested: accepted, one material.accept record, its PDF complete,
// and (versions >= 0) the case's content version bumped that many times.
func (r *rig) checkIngested(ctx context.Context, c *casefile.Case, m *casefile.Material, versions int) {
	r.t.Helper()
	got, err := (&casefile.Repo{T: r.table}).GetMaterial(ctx, c.ID, m.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	if got.Status != casefile.Accepted || got.PDFKey == "" {
		r.t.Fatalf("material %s: %s (%s), want accepted", m.ID, got.Status, got.Reason)
	}
	data, err := r.uploads.ReadAll(ctx, got.PDFKey)
	if err != nil || api.Validate(bytes.NewReader(data), nil) != nil {
		r.t.Fatalf("material PDF %s incomplete: %v", got.PDFKey, err)
	}
	if n := r.count(ctx, "material.accept", c.ID, "", m.ID); n != 1 {
		r.t.Errorf("material %s: %d material.accept records, want exactly 1", m.ID, n)
	}
	cur, _ := (&casefile.Repo{T: r.table}).Get(ctx, c.ID)
	if versions >= 0 && cur.ContentVersion < c.ContentVersion+versions {
		r.t.Errorf("content version %d, want at least %d: an accepted material must change the dossier version", cur.ContentVersion, c.ContentVersion+versions)
	}
}

var _ = json.Marshal
