package assemble_test

// Recovery after a crash (docs/recovery.md): a material whose ingest died
// part-way stays listed as open until everything its verdict implies is
// written, the reconciler finds it (reconcile.Materials.Stuck) and a re-run
// finishes it with each record once; a dossier waits (ErrHeld) while any
// material of its case is undecided, and is never built from part of the
// case; a file that kills the checker every time is refused after
// ingest.MaxRuns dead runs.

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/faults"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// stuck is what the reconciler would re-run now, by material id.
func (r *rig) stuck(ctx context.Context) map[string]*casefile.Material {
	r.t.Helper()
	ms, err := reconcile.Materials{Cases: r.ingest.Cases, Uploads: r.ingest.Uploads}.Stuck(ctx, time.Now(), false)
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]*casefile.Material{}
	for _, m := range ms {
		out[m.ID] = m
	}
	return out
}

// An ingest that dies after the verdict is stored, at each of the writes
// that follow it, leaves the material undecided and listed: the dossier
// waits for it, the reconciler finds it, and its re-run finishes it — the
// content version moved, material.accept written once — after which the
// dossier holds every material.
func TestIngestDiesAfterTheVerdict(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule faults.Rule
	}{
		{"the content version write fails", faults.Rule{Op: faults.TablePut, Key: "/case", DataContains: `"contentVersion"`}},
		{"the material.accept record fails", faults.Rule{Op: faults.TablePut, Key: "audit/e#", DataContains: `"action":"material.accept"`}},
		{"clearing the unfinished mark fails", faults.Rule{Op: faults.TablePut, Key: "/mat#", DataContains: `"status":"accepted"`, Nth: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t)
			c, ms := r.setup(ctx)
			r.ingestAll(ctx, c, ms[:2])
			a := r.approved(ctx, c, lawyerA, "张律师")
			m := ms[2]
			rule := r.plan.Add(tc.rule)
			r.mustFail(r.ingest.Material(ctx, c.ID, m.ID), tc.name)
			if rule.Fired() != 1 {
				t.Fatalf("the fault fired %d times", rule.Fired())
			}
			got, _ := r.cases.GetMaterial(ctx, c.ID, m.ID)
			if got.Status != casefile.Accepted || got.Decided() {
				t.Fatalf("after the fault the material is %s, decided %v: want accepted and not decided", got.Status, got.Decided())
			}
			// The dossier waits, and says for what.
			err := r.builder.Application(ctx, a.ID)
			if !errors.Is(err, assemble.ErrHeld) {
				t.Fatalf("assembly with a material undecided: %v, want ErrHeld", err)
			}
			held, _ := r.apps.Get(ctx, a.ID)
			if held.Status != application.Approved || held.Hold == nil || len(held.Hold.Materials) != 1 || held.Hold.Materials[0].ID != m.ID {
				t.Fatalf("held application: status %s hold %+v, want approved and holding for material %s", held.Status, held.Hold, m.ID)
			}
			if ok, _ := r.dossiers.Exists(ctx, assemble.BaseKey(c.ID, 0)); ok {
				t.Fatal("a base dossier was built while a material was undecided")
			}
			// The reconciler finds it; its re-run finishes it.
			if s := r.stuck(ctx); s[m.ID] == nil || len(s) != 1 {
				t.Fatalf("stuck materials %v, want exactly %s", s, m.ID)
			}
			if err := r.ingest.Material(ctx, c.ID, m.ID); err != nil {
				t.Fatalf("re-run: %v", err)
			}
			if s := r.stuck(ctx); len(s) != 0 {
				t.Fatalf("stuck after the re-run: %v", s)
			}
			r.checkIngested(ctx, c, m, 3)
			if err := r.builder.Application(ctx, a.ID); err != nil {
				t.Fatal(err)
			}
			r.settled(ctx, c, a)
			r.pagesAreTheMaterials(ctx, a.ID, c.ID)
			if got, _ := r.apps.Get(ctx, a.ID); got.Hold != nil {
				t.Errorf("the ready application still shows a hold: %+v", got.Hold)
			}
			if n := r.count(ctx, "dossier.hold", c.ID, a.ID, ""); n != 1 {
				t.Errorf("%d dossier.hold records for one wait, want 1", n)
			}
		})
	}
}

// pagesAreTheMaterials checks the copy of application appID has the pages
// of every accepted material of the case, plus the cover and the table of
// contents the base's sidecar counts.
func (r *rig) pagesAreTheMaterials(ctx context.Context, appID, caseID string) {
	r.t.Helper()
	got, _ := (&application.Repo{T: r.table}).Get(ctx, appID)
	data, err := r.dossiers.ReadAll(ctx, got.CopyKey)
	if err != nil {
		r.t.Fatal(err)
	}
	n, err := api.PageCount(bytes.NewReader(data), nil)
	if err != nil {
		r.t.Fatal(err)
	}
	mats, _ := (&casefile.Repo{T: r.table}).Materials(ctx, caseID)
	sum := 0
	for _, m := range mats {
		if m.Status == casefile.Accepted {
			sum += m.Pages
		}
	}
	base := strings.TrimSuffix(got.CopyKey, "/"+appID+".pdf")
	base = strings.Replace(base, "copies/", "dossiers/", 1) + "/base.pdf"
	raw, err := r.dossiers.ReadAll(ctx, assemble.SidecarKey(base))
	if err != nil {
		r.t.Fatal(err)
	}
	sc, err := dossier.ParseSidecar(raw)
	if err != nil {
		r.t.Fatal(err)
	}
	if front := sc.Pages - sum; n != sc.Pages || front < 2 || front > 4 {
		r.t.Fatalf("the copy has %d pages, its base %d, the accepted materials %d: want the base's pages, the materials' and 2–4 front pages", n, sc.Pages, sum)
	}
}

// A dossier approved while materials are still being checked or not yet
// uploaded waits, tells the unit once per wait (naming the case and each
// material), keeps its list current, and is built with every material once
// the last is decided.
func TestDossierWaitsForUndecidedMaterials(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	var notices []application.Hold
	r.builder.OnHold = func(_ context.Context, a *application.Application, c *casefile.Case) error {
		if a.Hold == nil || c == nil || a.CaseID != c.ID {
			t.Errorf("OnHold without the hold or the case: %+v %v", a.Hold, c)
			return nil
		}
		notices = append(notices, *a.Hold)
		return nil
	}
	c, ms := r.setup(ctx)
	r.ingestAll(ctx, c, ms[:1])
	// One more registered, its upload not there yet.
	late := &casefile.Material{CaseID: c.ID, Volume: 2, VolumeTitle: "证据卷", Seq: 1, Title: "鉴定意见", Filename: "late.pdf"}
	if err := r.cases.AddMaterial(ctx, late); err != nil {
		t.Fatal(err)
	}
	late.UploadKey = ingest.MaterialUploadKey(c.ID, late.ID)
	if _, err := r.cases.UpdateMaterial(ctx, c.ID, late.ID, func(x *casefile.Material) error { x.UploadKey = late.UploadKey; return nil }); err != nil {
		t.Fatal(err)
	}
	a := r.approved(ctx, c, lawyerA, "张律师")
	for range 2 { // a retry while nothing changed
		if err := r.builder.Application(ctx, a.ID); !errors.Is(err, assemble.ErrHeld) {
			t.Fatalf("assembly with 3 materials undecided: %v, want ErrHeld", err)
		}
	}
	got, _ := r.apps.Get(ctx, a.ID)
	if got.Hold == nil || len(got.Hold.Materials) != 3 || !strings.Contains(got.Hold.Reason, "1 not uploaded yet") || !strings.Contains(got.Hold.Reason, "2 still being checked") {
		t.Fatalf("hold %+v, want the 3 undecided materials and why", got.Hold)
	}
	since := got.Hold.Since
	// The reconciler does not take a material whose upload never came.
	if s := r.stuck(ctx); s[late.ID] != nil {
		t.Error("a material awaiting an upload that never arrived was taken as stuck")
	}
	// Two are decided (one of them rejected): the list shrinks, the wait
	// goes on, the same wait (one notice id).
	r.ingestAll(ctx, c, ms[1:2])
	if err := r.uploads.WriteAll(ctx, ms[2].UploadKey, []byte("not a scan"), nil); err != nil {
		t.Fatal(err)
	}
	r.ingestAll(ctx, c, ms[2:3])
	if err := r.builder.Application(ctx, a.ID); !errors.Is(err, assemble.ErrHeld) {
		t.Fatalf("assembly with 1 material undecided: %v, want ErrHeld", err)
	}
	got, _ = r.apps.Get(ctx, a.ID)
	if got.Hold == nil || len(got.Hold.Materials) != 1 || got.Hold.Materials[0].ID != late.ID || !got.Hold.Since.Equal(since) {
		t.Fatalf("hold %+v, want the one material not uploaded, the wait begun at %v", got.Hold, since)
	}
	// The upload arrives without its event (lost in a crash): the
	// reconciler finds it.
	if err := r.uploads.WriteAll(ctx, late.UploadKey, scanJPEG(), nil); err != nil {
		t.Fatal(err)
	}
	s := r.stuck(ctx)
	if s[late.ID] == nil || s[late.ID].Status != casefile.Processing {
		t.Fatalf("stuck %v: want the material whose upload arrived, moved to processing", s)
	}
	r.ingestAll(ctx, c, []*casefile.Material{late})
	if err := r.builder.Application(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	r.settled(ctx, c, a)
	r.pagesAreTheMaterials(ctx, a.ID, c.ID)
	for i, h := range notices {
		if !h.Since.Equal(since) {
			t.Errorf("notice %d is of another wait (%v, want %v): one wait, one notice id", i, h.Since, since)
		}
	}
	if len(notices) < 1 {
		t.Error("the unit was not told the dossier waits")
	}
}

// A material whose ingest began MaxRuns times and never ended (the process
// died each time) is refused, with a reason, rather than tried again.
func TestIngestRefusesAfterDeadRuns(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, ms := r.setup(ctx)
	m := ms[0]
	// Runs that died: counted at their start, never uncounted.
	if _, err := r.cases.UpdateMaterial(ctx, c.ID, m.ID, func(x *casefile.Material) error { x.Runs = ingest.MaxRuns; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := r.ingest.Material(ctx, c.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := r.cases.GetMaterial(ctx, c.ID, m.ID)
	if got.Status != casefile.Rejected || !got.Decided() || !strings.Contains(got.Reason, "interrupted 3 times") {
		t.Fatalf("material %s %q decided %v, want rejected as interrupted 3 times", got.Status, got.Reason, got.Decided())
	}
	if n := r.count(ctx, "material.reject", c.ID, "", m.ID); n != 1 {
		t.Errorf("%d material.reject records, want 1", n)
	}
	// A run that fails (and returns) does not count as a dead run.
	m2 := ms[1]
	r.plan.Add(faults.Rule{Op: faults.BlobRead, Key: ingest.MaterialPrefix})
	r.mustFail(r.ingest.Material(ctx, c.ID, m2.ID), "ingest with the upload unreadable")
	got, _ = r.cases.GetMaterial(ctx, c.ID, m2.ID)
	if got.Runs != 0 {
		t.Errorf("a run that ended in an error left runs = %d, want 0", got.Runs)
	}
}

// A material whose ingest lease is held (a job at work, however long) is
// not taken as stuck, except by a server starting.
func TestStuckSparesALiveJob(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, ms := r.setup(ctx)
	release, ok, err := store.Lease(ctx, r.table, reconcile.IngestLease(c.ID, ms[0].ID), time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	s := r.stuck(ctx)
	if s[ms[0].ID] != nil || len(s) != 2 {
		t.Fatalf("stuck %v: want the two materials nobody works on", s)
	}
	// A server starting takes them all (the holders it finds are dead).
	if all, err := (reconcile.Materials{Cases: r.ingest.Cases, Uploads: r.ingest.Uploads}).Stuck(ctx, time.Now(), true); err != nil || len(all) != 3 {
		t.Fatalf("stuck, leases ignored: %d materials (%v), want 3", len(all), err)
	}
	release()
	if s := r.stuck(ctx); len(s) != 3 {
		t.Fatalf("stuck %v after the lease was released: want all 3", s)
	}
}
