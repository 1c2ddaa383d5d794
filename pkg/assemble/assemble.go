// Package assemble fulfils an approved application: it makes sure the case's
// base dossier exists for the current content version (built once, shared by
// every lawyer), makes the lawyer's stamped copy, issues the download link
// and moves the application to ready. Every step is idempotent, so a
// redelivered job or a retry after a crash finishes the work without
// duplicating it, and objects become visible only when complete.
package assemble

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yuejuan/yuejuan/internal/crashpoint"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/procedure"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/version"
)

// Worker builds dossiers.
type Worker struct {
	Cases    *casefile.Repo
	Apps     *application.Repo
	Links    *link.Repo
	Audit    *audit.Log
	Uploads  *blob.Bucket // where accepted materials' PDFs are
	Dossiers *blob.Bucket
	Unit     func(unit string) string // display name of a unit; nil = the id
	// LinkTTL is how long a link lives; MaxDownloads how often it may be used.
	LinkTTL      time.Duration
	MaxDownloads int
	TempDir      string
	Now          func() time.Time
	// OnReady, when set, runs once the link is issued and the application
	// is ready (the lawyer's notice; an error fails the job).
	OnReady func(ctx context.Context, a *application.Application, l *link.Link) error
	// OnHold, when set, runs each time the job finds the dossier must wait
	// (see ErrHeld), with the application's Hold set: the notice to the
	// unit, which must therefore be idempotent (a notice id made from the
	// application and Hold.Since). An error fails the job.
	OnHold func(ctx context.Context, a *application.Application, c *casefile.Case) error
	// MaxPages and MaxBytes are the largest base dossier built (see
	// dossier.AssembleOptions; zero: dossier.DefaultMaxPages and
	// DefaultMaxBytes). A larger case is refused with a
	// *dossier.TooLargeError: before its materials are downloaded when
	// their page counts say so, else as soon as the bytes downloaded do.
	MaxPages int
	MaxBytes int64
	// Versions records each base built as a dossier version with its page
	// identifiers and change list (docs/versions.md); nil: bases are built
	// without versions. OnVersion, when set, runs once per live application
	// brought to a new version (Worker.Case): the lawyer's notice with the
	// change list and both links.
	Versions  *version.Repo
	OnVersion func(ctx context.Context, a *application.Application, v *version.Version, full, supplement *link.Link) error
	// Decisions, when set, are the cases' procedural decisions: a version
	// names those recorded since the version before it.
	Decisions *procedure.Repo
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// BaseKey is the object key of a case's base dossier at a content version.
func BaseKey(caseID string, version int) string {
	return fmt.Sprintf("dossiers/%s/v%d/base.pdf", caseID, version)
}

// SidecarKey is the key of the sidecar of the base dossier at baseKey (see
// dossier.Sidecar): what a copy is made from, without reading the base.
func SidecarKey(baseKey string) string { return baseKey + ".sidecar.json" }

// CopyKey is the key of one application's stamped copy.
func CopyKey(caseID string, version int, appID string) string {
	return fmt.Sprintf("copies/%s/v%d/%s.pdf", caseID, version, appID)
}

// ErrNoMaterials means the case has nothing accepted to assemble yet.
var ErrNoMaterials = errors.New("assemble: the case has no accepted materials yet")

// ErrHeld means the dossier waits: materials of the case are not decided
// (awaiting their upload, being checked, or their verdict's follow-ups not
// written), and a dossier is never built from part of a case. The
// application stays approved with its Hold saying why, the unit is told
// (OnHold), and the job is run again when the last of them is decided and by
// the scheduler's reconciliation. It is not a failure: queues should not
// count it as one.
var ErrHeld = errors.New("assemble: the dossier waits for the case's materials to be decided")

// ErrBusy means the same job (or the base dossier it needs) is being done
// by another worker right now: retry later. A queue delivers at least once,
// so two workers can be given one job at the same time.
var ErrBusy = fmt.Errorf("assemble: the same job is running in another worker; retry later (%w)", store.ErrLeaseHeld)

// leaseTTL bounds how long a worker that died mid-job blocks the job's
// redelivery; a live worker renews its lease while it works (store.Hold).
const leaseTTL = store.LeaseTTL

// Application fulfils application id. It does nothing for an application
// that is not approved (refused, or not yet decided); for one already ready
// it finishes what a crash may have left undone (the link.issue record, the
// notice, the work mark). Each step's audit record is written exactly once
// however often the job is redelivered or fails part-way: the job holds a
// lease on the application, and a step already recorded is not recorded
// again.
func (w *Worker) Application(ctx context.Context, id string) error {
	ctx, release, ok, err := store.Hold(ctx, w.Apps.T, "assemble#"+id, leaseTTL)
	if err != nil {
		return err
	}
	if !ok {
		return ErrBusy
	}
	defer release()
	a, err := w.Apps.Get(ctx, id)
	if err != nil {
		return err
	}
	if a.Status == application.Ready && a.LinkID != "" {
		l, err := w.Links.Get(ctx, a.LinkID)
		if err != nil {
			return err
		}
		return w.finish(ctx, a, l)
	}
	if a.Status != application.Approved {
		return w.Apps.ClearWork(ctx, id)
	}
	c, err := w.Cases.Get(ctx, a.CaseID)
	if err != nil {
		return err
	}
	mats, err := w.Cases.Materials(ctx, c.ID)
	if err != nil {
		return err
	}
	if open := casefile.Undecided(mats); len(open) > 0 {
		return w.hold(ctx, a, c, open)
	}
	if a.Hold != nil || a.Failure != nil {
		// Building now: not waiting any more, and a failure recorded on the
		// application was of an earlier content version (a failed version
		// is not tried again, see Budgeted).
		if a, err = w.Apps.Update(ctx, a.ID, func(x *application.Application) error { x.Hold, x.Failure = nil, nil; return nil }); err != nil {
			return err
		}
	}
	crashpoint.Reach(ctx, "assemble.start")
	accepted, dir, done, err := w.workOn(mats)
	if err != nil {
		return err
	}
	defer done()

	baseKey := BaseKey(c.ID, c.ContentVersion)
	sc, err := w.ensureBase(ctx, c, accepted, baseKey, dir)
	if err != nil {
		return err
	}
	ver := sc.Version

	// The copy is the base's byte prefix (copied inside the object store:
	// UploadPartCopy on S3, a file clone or in-kernel copy locally) plus a
	// tail of a few KB per page made from the sidecar: no dossier bytes pass
	// through this process.
	copyKey := CopyKey(c.ID, c.ContentVersion, a.ID)
	if ok, err := w.Dossiers.Exists(ctx, copyKey); err != nil {
		return fmt.Errorf("assemble: check copy: %w", err)
	} else if !ok {
		st := dossier.Stamp{Name: a.Lawyer.Name, License: a.Lawyer.License, Ref: a.ID, Date: w.now()}
		tail, prefixLen, err := dossier.MakeCopy(ctx, sc, st)
		if err != nil {
			return fmt.Errorf("assemble: stamp copy for %s: %w", a.ID, err)
		}
		if err := blob.Compose(ctx, w.Dossiers, copyKey, baseKey, prefixLen, tail); err != nil {
			return fmt.Errorf("assemble: stamp copy for %s: %w", a.ID, err)
		}
	}
	// Recorded once, also when a previous run made the copy and failed
	// before its record.
	if err := w.once(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.CopyMake,
		CaseID: c.ID, ApplicationID: a.ID, Target: copyKey, Result: audit.OK,
		Detail: versionDetail(map[string]string{"lawyer": a.Lawyer.License}, ver)}, nil); err != nil {
		return err
	}

	// The link id is derived from the application and version, so a retry
	// finds the link it already made instead of making a second one.
	l := &link.Link{ID: a.ID + "-v" + fmt.Sprint(c.ContentVersion), ApplicationID: a.ID, CaseID: c.ID, Version: ver,
		Lawyer: a.Lawyer.License, CopyKey: copyKey, Filename: fmt.Sprintf("%s-阅卷-%s.pdf", c.CaseNo, a.Lawyer.Name),
		ExpiresAt: w.now().Add(w.LinkTTL), MaxDownloads: w.MaxDownloads}
	if err := w.Links.Create(ctx, l); errors.Is(err, store.ErrConflict) {
		if l, err = w.Links.Get(ctx, l.ID); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	a, err = w.Apps.Update(ctx, a.ID, func(x *application.Application) error {
		if x.Status != application.Approved {
			return errAlreadyDone
		}
		x.CopyKey, x.LinkID, x.Hold, x.Failure = copyKey, l.ID, nil, nil
		return x.Move(application.Ready, "system", "阅卷材料已生成，下载链接已签发", w.now().UTC())
	})
	if errors.Is(err, errAlreadyDone) {
		return w.Apps.ClearWork(ctx, id)
	}
	if err != nil {
		return err
	}
	return w.finish(ctx, a, l)
}

// finish does what follows the move to ready: the link.issue record, the
// lawyer's notice, and last the removal of the work mark, so that a crash
// before any of them leaves the work listed for the scheduler to redo.
func (w *Worker) finish(ctx context.Context, a *application.Application, l *link.Link) error {
	if err := w.once(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.LinkIssue,
		CaseID: a.CaseID, ApplicationID: a.ID, Target: l.ID, Result: audit.OK,
		Detail: map[string]string{"expiresAt": l.ExpiresAt.UTC().Format(time.RFC3339), "maxDownloads": fmt.Sprint(l.MaxDownloads)}}, nil); err != nil {
		return err
	}
	if w.OnReady != nil {
		if err := w.OnReady(ctx, a, l); err != nil {
			return err
		}
	}
	return w.Apps.ClearWork(ctx, a.ID)
}

// once appends e unless the log already has it (see audit.Log.Has); detail,
// if set, fills e.Detail only when the record is written.
func (w *Worker) once(ctx context.Context, e audit.Event, detail func() (map[string]string, error)) error {
	has, err := w.Audit.Has(ctx, e)
	if err != nil || has {
		return err
	}
	if detail != nil {
		if e.Detail, err = detail(); err != nil {
			return err
		}
	}
	_, err = w.Audit.Append(ctx, e)
	return err
}

var errAlreadyDone = errors.New("already done")

// hold keeps the application waiting for the undecided materials open: its
// Hold says why (written when the list changes), the unit is told once per
// wait (OnHold), the wait is recorded once, and ErrHeld is returned.
func (w *Worker) hold(ctx context.Context, a *application.Application, c *casefile.Case, open []*casefile.Material) error {
	held := application.HeldMaterials(open)
	if a.Hold == nil || !application.SameMaterials(a.Hold.Materials, held) {
		var err error
		a, err = w.Apps.Update(ctx, a.ID, func(x *application.Application) error {
			if x.Status != application.Approved {
				return errAlreadyDone
			}
			if x.Hold == nil {
				x.Hold = &application.Hold{Since: w.now().UTC()}
			}
			x.Hold.Materials, x.Hold.Reason = held, application.HoldReason(held)
			return nil
		})
		if errors.Is(err, errAlreadyDone) {
			return nil // decided otherwise meanwhile; a redelivery clears the work mark
		}
		if err != nil {
			return err
		}
	}
	ids := make([]string, 0, len(held))
	for _, m := range held {
		ids = append(ids, m.ID)
	}
	if err := w.once(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.DossierHold,
		CaseID: c.ID, ApplicationID: a.ID, Target: "since " + a.Hold.Since.Format(time.RFC3339Nano), Result: audit.OK,
		Detail: map[string]string{"undecided": fmt.Sprint(len(held)), "materials": strings.Join(ids[:min(len(ids), 20)], ",")}}, nil); err != nil {
		return err
	}
	if w.OnHold != nil {
		if err := w.OnHold(ctx, a, c); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: %d undecided", ErrHeld, len(held))
}

// ensureBase makes sure the base dossier of the case's version and its
// sidecar exist and are recorded, building them if needed, and returns the
// sidecar. Of several jobs of one case at once, one builds it (holding a
// lease on the case version) and the others wait for it. A base without a
// sidecar (written before stamp slots existed) or not matching its sidecar
// is built again.
func (w *Worker) ensureBase(ctx context.Context, c *casefile.Case, mats []*casefile.Material, key, dir string) (*dossier.Sidecar, error) {
	var sc *dossier.Sidecar
	for {
		var err error
		if sc, err = w.baseSidecar(ctx, key); err != nil {
			return nil, err
		}
		if sc != nil {
			break
		}
		// One base of a case at a time: a version's number and ledger
		// follow the one before it.
		bctx, release, mine, err := store.Hold(ctx, w.Apps.T, "assemble-base#"+c.ID, leaseTTL)
		if err != nil {
			return nil, err
		}
		if mine {
			// Built meanwhile by the lease's previous holder?
			sc, err = w.baseSidecar(bctx, key)
			if err == nil && sc == nil {
				sc, err = w.buildBase(bctx, c, mats, key, dir)
			}
			release()
			if err != nil {
				return nil, err
			}
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrBusy, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
	// A previous run may have built it and failed before its records.
	if err := w.recordVersion(ctx, c, key, sc); err != nil {
		return nil, err
	}
	err := w.once(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.DossierAssemble,
		CaseID: c.ID, Target: key, Result: audit.OK}, func() (map[string]string, error) {
		return versionDetail(map[string]string{"pages": fmt.Sprint(sc.Pages), "version": fmt.Sprint(c.ContentVersion)}, sc.Version), nil
	})
	return sc, err
}

// baseSidecar returns the sidecar of the base at key, or nil when there is
// no complete base with a matching sidecar there. It reads the sidecar and
// a few hundred bytes of the base, never the whole base.
func (w *Worker) baseSidecar(ctx context.Context, key string) (*dossier.Sidecar, error) {
	data, err := w.Dossiers.ReadAll(ctx, SidecarKey(key))
	if blob.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("assemble: read sidecar of %s: %w", key, err)
	}
	sc, err := dossier.ParseSidecar(data)
	if err != nil {
		return nil, nil // damaged or of an older format: build again
	}
	attrs, err := w.Dossiers.Attributes(ctx, key)
	if blob.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("assemble: check base: %w", err)
	}
	err = dossier.CheckBase(&objectReaderAt{ctx: ctx, b: w.Dossiers, key: key}, attrs.Size, sc)
	if errors.Is(err, dossier.ErrBaseMismatch) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("assemble: check base: %w", err)
	}
	return sc, nil
}

// objectReaderAt reads ranges of an object.
type objectReaderAt struct {
	ctx context.Context
	b   *blob.Bucket
	key string
}

func (r *objectReaderAt) ReadAt(p []byte, off int64) (int, error) {
	rd, err := r.b.NewRangeReader(r.ctx, r.key, off, int64(len(p)), nil)
	if err != nil {
		return 0, err
	}
	defer rd.Close()
	return io.ReadFull(rd, p)
}

// buildBase assembles the base dossier into its object, then writes its
// sidecar (so a sidecar is never there without its base), and records it.
// dir holds the downloaded materials.
func (w *Worker) buildBase(ctx context.Context, c *casefile.Case, mats []*casefile.Material, key, dir string) (*dossier.Sidecar, error) {
	// A case over the ceilings is refused before anything is downloaded
	// when its materials' page counts say so, else as soon as the bytes
	// downloaded do, else by AssembleBase (which counts the 卷内目录 too).
	opt := dossier.AssembleOptions{MaxPages: w.MaxPages, MaxBytes: w.MaxBytes}
	if err := dossier.CheckSize(basePages(mats), 0, opt); err != nil {
		return nil, fmt.Errorf("assemble: base dossier of %s: %w", c.CaseNo, err)
	}
	docs, err := w.download(ctx, mats, dir, opt)
	if err != nil {
		return nil, fmt.Errorf("assemble: base dossier of %s: %w", c.CaseNo, err)
	}
	unit := c.Unit
	if w.Unit != nil {
		unit = w.Unit(c.Unit)
	}
	info := dossier.CaseInfo{CaseNo: c.CaseNo, Title: c.Title, Unit: unit, Date: c.UpdatedAt}
	if w.Versions != nil {
		// The next version, assigned against the last one's identifiers.
		last, err := w.Versions.Latest(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		opt.Version = 1
		if last != nil {
			opt.Version, opt.Previous = last.N+1, last.Ledger
		}
	}
	man, sc, err := w.writeBase(ctx, info, docs, key, opt)
	if err != nil {
		return nil, fmt.Errorf("assemble: base dossier of %s: %w", c.CaseNo, err)
	}
	data, err := sc.Marshal()
	if err != nil {
		return nil, err
	}
	if err := w.Dossiers.WriteAll(ctx, SidecarKey(key), data, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return nil, fmt.Errorf("assemble: sidecar of %s: %w", key, err)
	}
	if err := w.recordVersion(ctx, c, key, sc); err != nil {
		return nil, err
	}
	return sc, w.once(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.DossierAssemble,
		CaseID: c.ID, Target: key, Result: audit.OK,
		Detail: versionDetail(map[string]string{"pages": fmt.Sprint(man.Pages), "documents": fmt.Sprint(len(docs)), "version": fmt.Sprint(c.ContentVersion)}, sc.Version)}, nil)
}

// workOn is what a job builds a dossier from: the accepted materials
// (ErrNoMaterials when there are none), and a working folder for their
// downloads with its removal.
func (w *Worker) workOn(mats []*casefile.Material) (accepted []*casefile.Material, dir string, done func(), err error) {
	for _, m := range mats {
		if m.Status == casefile.Accepted {
			accepted = append(accepted, m)
		}
	}
	if len(accepted) == 0 {
		return nil, "", nil, ErrNoMaterials
	}
	dir, err = os.MkdirTemp(w.TempDir, "assemble-")
	if err != nil {
		return nil, "", nil, fmt.Errorf("assemble: temp dir: %w", err)
	}
	return accepted, dir, func() { os.RemoveAll(dir) }, nil
}

// writeBase assembles the base straight into its object, as it is made
// (on S3 a multipart upload in parts; locally the bucket's own temporary
// file): no local copy of the base first, and nothing visible until the
// whole base is there — a failed or killed build abandons the write.
func (w *Worker) writeBase(ctx context.Context, info dossier.CaseInfo, docs []dossier.Document, key string, opt dossier.AssembleOptions) (dossier.Manifest, *dossier.Sidecar, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw, err := w.Dossiers.NewWriter(wctx, key, &blob.WriterOptions{ContentType: "application/pdf"})
	if err != nil {
		return dossier.Manifest{}, nil, err
	}
	man, sc, err := dossier.AssembleBaseTo(ctx, info, docs, crashpoint.Writer(ctx, "write:"+key, bw), opt)
	if err != nil {
		cancel()
		bw.Close()
		return dossier.Manifest{}, nil, err
	}
	if err := bw.Close(); err != nil {
		return dossier.Manifest{}, nil, err
	}
	return man, sc, nil
}

// downloads is how many materials buildBase downloads at once: on S3 each
// download waits mostly for its first byte.
const downloads = 8

// download fetches the materials' ingested PDFs into dir, several at once,
// and returns them as the dossier's documents, in the order of mats. It
// stops with a *dossier.TooLargeError as soon as the bytes downloaded pass
// the ceiling of opt.
func (w *Worker) download(ctx context.Context, mats []*casefile.Material, dir string, opt dossier.AssembleOptions) ([]dossier.Document, error) {
	docs := make([]dossier.Document, len(mats))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		total int64
		first error
		wg    sync.WaitGroup
		next  atomic.Int64
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	for range min(downloads, len(mats)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(mats) || ctx.Err() != nil {
					return
				}
				m := mats[i]
				p := filepath.Join(dir, fmt.Sprintf("doc-%05d.pdf", i))
				if err := ingest.Download(ctx, w.Uploads, m.PDFKey, p); err != nil {
					fail(fmt.Errorf("material %s: %w", m.ID, err))
					return
				}
				st, err := os.Stat(p)
				if err != nil {
					fail(err)
					return
				}
				mu.Lock()
				total += st.Size()
				n := total
				mu.Unlock()
				if err := dossier.CheckSize(0, n, opt); err != nil {
					fail(err)
					return
				}
				docs[i] = dossier.Document{Volume: m.Volume, VolumeTitle: m.VolumeTitle, Seq: m.Seq, Title: m.Title, Path: p,
					Key: m.ID, Replaces: m.Replaces}
				if docs[i].Words, err = w.wordsFile(ctx, m, p); err != nil {
					fail(fmt.Errorf("material %s: %w", m.ID, err))
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return docs, nil
}

// basePages is at least how many pages the base of mats has: the cover and
// the documents' pages (the 卷内目录 pages come on top).
func basePages(mats []*casefile.Material) int {
	n := 1
	for _, m := range mats {
		n += max(m.Pages, 1)
	}
	return n
}
