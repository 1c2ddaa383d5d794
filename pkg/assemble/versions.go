package assemble

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/yuejuan/yuejuan/internal/crashpoint"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/pageid"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/version"
)

// SupplementKey is the key of the supplement base of a case's content
// version: only the documents added and replaced since the version before,
// with their identifiers (docs/versions.md).
func SupplementKey(caseID string, contentVersion int) string {
	return fmt.Sprintf("dossiers/%s/v%d/supplement.pdf", caseID, contentVersion)
}

// SupplementCopyKey is the key of one application's stamped supplement.
func SupplementCopyKey(caseID string, contentVersion int, appID string) string {
	return fmt.Sprintf("copies/%s/v%d/%s.supplement.pdf", caseID, contentVersion, appID)
}

// versionDetail adds the dossier version to an audit record's detail
// (dossierVersion; "version" is the content version, as the records of
// bases always said).
func versionDetail(d map[string]string, n int) map[string]string {
	if n > 0 {
		d["dossierVersion"] = fmt.Sprint(n)
	}
	return d
}

// recordVersion records the version a base was built as, from its sidecar,
// unless it is recorded (a previous run may have built the base and died
// before this).
func (w *Worker) recordVersion(ctx context.Context, c *casefile.Case, key string, sc *dossier.Sidecar) error {
	if w.Versions == nil || sc.Version == 0 {
		return nil
	}
	if _, err := w.Versions.Get(ctx, c.ID, sc.Version); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	docs := 0
	for _, e := range sc.Ledger {
		if e.RemovedIn == 0 {
			docs++
		}
	}
	v := &version.Version{CaseID: c.ID, N: sc.Version, ContentVersion: c.ContentVersion,
		BaseKey: key, Pages: sc.Pages, Documents: docs, Ledger: sc.Ledger, BuiltAt: w.now().UTC()}
	if err := w.decisionsOf(ctx, v); err != nil {
		return err
	}
	err := w.Versions.Record(ctx, v)
	if errors.Is(err, version.ErrExists) {
		return nil
	}
	return err
}

// decisionsOf names in v the procedural decisions recorded for its case
// since the version before it was built (none for version 1: nothing was
// disclosed before it to change).
func (w *Worker) decisionsOf(ctx context.Context, v *version.Version) error {
	if w.Decisions == nil || v.N < 2 {
		return nil
	}
	prev, err := w.Versions.Get(ctx, v.CaseID, v.N-1)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	ds, err := w.Decisions.List(ctx, v.CaseID)
	if err != nil {
		return err
	}
	for i := len(ds) - 1; i >= 0; i-- { // oldest first
		if d := ds[i]; d.At.After(prev.BuiltAt) && !d.At.After(v.BuiltAt) {
			v.Decisions = append(v.Decisions, version.DecisionRef{ID: d.ID, Kind: string(d.Kind), Label: d.Label, At: d.At})
		}
	}
	return nil
}

// Case brings every live (ready) application of a case to the case's
// current content version: the new base is built (once, as the case's next
// dossier version), and each lawyer gets, once, her new full copy and a
// supplement of only the documents added and replaced since the version
// before, both stamped for her and each with its own link, and one notice
// with the change list (OnVersion). A case whose materials are not all
// decided waits (ErrHeld; it is run again when the last is decided); one
// without live applications builds nothing. Every step is idempotent.
func (w *Worker) Case(ctx context.Context, caseID string) error {
	if w.Versions == nil {
		return nil
	}
	ctx, release, ok, err := store.Hold(ctx, w.Apps.T, reconcile.CaseLease(caseID), leaseTTL) // the lease a reconciler spares
	if err != nil {
		return err
	}
	if !ok {
		return ErrBusy
	}
	defer release()
	crashpoint.Reach(ctx, "version.start")
	c, err := w.Cases.Get(ctx, caseID)
	if err != nil {
		return err
	}
	apps, err := w.Apps.ByCase(ctx, caseID)
	if err != nil {
		return err
	}
	var stale []*application.Application
	for _, a := range apps {
		if a.Status == application.Ready && a.LinkID != "" && a.CopyKey != CopyKey(c.ID, c.ContentVersion, a.ID) {
			stale = append(stale, a)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	mats, err := w.Cases.Materials(ctx, c.ID)
	if err != nil {
		return err
	}
	if open := casefile.Undecided(mats); len(open) > 0 {
		return fmt.Errorf("%w: %d undecided", ErrHeld, len(open))
	}
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
	if sc.Version == 0 {
		return nil // a base built before versions: nothing to announce as one
	}
	v, err := w.Versions.Get(ctx, c.ID, sc.Version)
	if err != nil {
		return fmt.Errorf("assemble: version of %s: %w", baseKey, err)
	}
	var sup *dossier.Sidecar
	if len(v.Changes.Added)+len(v.Changes.Replaced) > 0 {
		if sup, err = w.ensureSupplement(ctx, c, v, accepted, filepath.Join(dir, "supplement")); err != nil {
			return err
		}
	}
	for _, a := range stale {
		if err := w.deliver(ctx, c, a, v, sc, sup); err != nil {
			return fmt.Errorf("assemble: version %d for %s: %w", v.N, a.ID, err)
		}
	}
	return nil
}

// ensureSupplement makes sure the supplement base of version v exists:
// the documents added and replaced in it, with the identifiers they have
// in v, their own cover and 卷内目录.
func (w *Worker) ensureSupplement(ctx context.Context, c *casefile.Case, v *version.Version, accepted []*casefile.Material, dir string) (*dossier.Sidecar, error) {
	key := SupplementKey(c.ID, c.ContentVersion)
	if sc, err := w.baseSidecar(ctx, key); err != nil || sc != nil {
		return sc, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	runs := map[string][]pageid.IDRun{}
	for _, e := range append(v.Changes.Added, v.Changes.Replaced...) {
		runs[e.Key] = e.Runs
	}
	var mats []*casefile.Material
	for _, m := range accepted {
		if runs[m.ID] != nil {
			mats = append(mats, m)
		}
	}
	if len(mats) != len(runs) {
		return nil, fmt.Errorf("assemble: supplement of %s version %d: %d of %d changed documents found", c.CaseNo, v.N, len(mats), len(runs))
	}
	opt := dossier.AssembleOptions{MaxPages: w.MaxPages, MaxBytes: w.MaxBytes, Version: v.N, Supplement: true, Since: v.N - 1}
	docs, err := w.download(ctx, mats, dir, opt)
	if err != nil {
		return nil, fmt.Errorf("assemble: supplement of %s: %w", c.CaseNo, err)
	}
	for i := range docs {
		docs[i].IDs = runs[docs[i].Key]
	}
	unit := c.Unit
	if w.Unit != nil {
		unit = w.Unit(c.Unit)
	}
	dst := filepath.Join(dir, "supplement.pdf")
	info := dossier.CaseInfo{CaseNo: c.CaseNo, Title: c.Title, Unit: unit, Date: c.UpdatedAt}
	if _, err := dossier.AssembleBase(ctx, info, docs, dst, opt); err != nil {
		return nil, fmt.Errorf("assemble: supplement of %s: %w", c.CaseNo, err)
	}
	sc, err := dossier.ReadSidecar(dossier.SidecarPath(dst))
	if err != nil {
		return nil, err
	}
	if err := ingest.Upload(ctx, w.Dossiers, dst, key, "application/pdf"); err != nil {
		return nil, err
	}
	if err := ingest.Upload(ctx, w.Dossiers, dossier.SidecarPath(dst), SidecarKey(key), "application/json"); err != nil {
		return nil, err
	}
	return sc, w.once(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.DossierAssemble,
		CaseID: c.ID, Target: key, Result: audit.OK,
		Detail: versionDetail(map[string]string{"pages": fmt.Sprint(sc.Pages), "documents": fmt.Sprint(len(docs)), "kind": "supplement"}, v.N)}, nil)
}

// stampedCopy composes a copy of the base at baseKey (sidecar sc) stamped
// for a at copyKey, unless it is there, and records it once.
func (w *Worker) stampedCopy(ctx context.Context, c *casefile.Case, a *application.Application, sc *dossier.Sidecar, baseKey, copyKey string, detail map[string]string) error {
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
	detail["lawyer"] = a.Lawyer.License
	return w.once(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.CopyMake,
		CaseID: c.ID, ApplicationID: a.ID, Target: copyKey, Result: audit.OK, Detail: detail}, nil)
}

// deliver gives application a version v: its full copy and, when sup is
// set, its supplement, their links, the application moved to them, the
// records and the notice.
func (w *Worker) deliver(ctx context.Context, c *casefile.Case, a *application.Application, v *version.Version, sc, sup *dossier.Sidecar) error {
	cv := c.ContentVersion
	copyKey := CopyKey(c.ID, cv, a.ID)
	if err := w.stampedCopy(ctx, c, a, sc, BaseKey(c.ID, cv), copyKey, versionDetail(map[string]string{}, v.N)); err != nil {
		return err
	}
	full := &link.Link{ID: a.ID + "-v" + fmt.Sprint(cv), ApplicationID: a.ID, CaseID: c.ID, Version: v.N,
		Lawyer: a.Lawyer.License, CopyKey: copyKey, Filename: fmt.Sprintf("%s-阅卷-第%d版-%s.pdf", c.CaseNo, v.N, a.Lawyer.Name),
		ExpiresAt: w.now().Add(w.LinkTTL), MaxDownloads: w.MaxDownloads}
	links := []*link.Link{full}
	var supLink *link.Link
	if sup != nil {
		supKey := SupplementCopyKey(c.ID, cv, a.ID)
		if err := w.stampedCopy(ctx, c, a, sup, SupplementKey(c.ID, cv), supKey,
			versionDetail(map[string]string{"kind": "supplement"}, v.N)); err != nil {
			return err
		}
		supLink = &link.Link{ID: link.SupplementID(full.ID), ApplicationID: a.ID, CaseID: c.ID, Version: v.N, Supplement: true,
			Lawyer: a.Lawyer.License, CopyKey: supKey, Filename: fmt.Sprintf("%s-阅卷-第%d版补充材料-%s.pdf", c.CaseNo, v.N, a.Lawyer.Name),
			ExpiresAt: full.ExpiresAt, MaxDownloads: w.MaxDownloads}
		links = append(links, supLink)
	}
	for i, l := range links {
		if err := w.Links.Create(ctx, l); errors.Is(err, store.ErrConflict) {
			if links[i], err = w.Links.Get(ctx, l.ID); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	}
	full = links[0]
	if sup != nil {
		supLink = links[1]
	}
	cur, err := w.Apps.Get(ctx, a.ID)
	if err != nil {
		return err
	}
	if cur.Status != application.Ready {
		return nil // no longer live: nothing to tell
	}
	for _, l := range links {
		if err := w.once(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.LinkIssue,
			CaseID: a.CaseID, ApplicationID: a.ID, Target: l.ID, Result: audit.OK,
			Detail: versionDetail(map[string]string{"expiresAt": l.ExpiresAt.UTC().Format(time.RFC3339), "maxDownloads": fmt.Sprint(l.MaxDownloads)}, v.N)}, nil); err != nil {
			return err
		}
	}
	crashpoint.Reach(ctx, "version.notice")
	// The notice before the move to the new copy: the move is what marks
	// the application done, so a failed notice is sent again by the next
	// run (notices are kept once by their id).
	if w.OnVersion != nil {
		if err := w.OnVersion(ctx, cur, v, full, supLink); err != nil {
			return err
		}
	}
	_, err = w.Apps.Update(ctx, a.ID, func(x *application.Application) error {
		if x.Status != application.Ready {
			return errAlreadyDone
		}
		x.CopyKey, x.LinkID = copyKey, full.ID
		return nil
	})
	if errors.Is(err, errAlreadyDone) {
		return nil
	}
	return err
}
