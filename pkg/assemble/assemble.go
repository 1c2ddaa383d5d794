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
	"os"
	"path/filepath"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/store"
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

// CopyKey is the key of one application's stamped copy.
func CopyKey(caseID string, version int, appID string) string {
	return fmt.Sprintf("dossiers/%s/v%d/copies/%s.pdf", caseID, version, appID)
}

// ErrNoMaterials means the case has nothing accepted to assemble yet.
var ErrNoMaterials = errors.New("assemble: the case has no accepted materials yet")

// Application fulfils application id. It does nothing for an application
// that is not approved (already done, refused, or not yet decided).
func (w *Worker) Application(ctx context.Context, id string) error {
	a, err := w.Apps.Get(ctx, id)
	if err != nil {
		return err
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
	var accepted []*casefile.Material
	for _, m := range mats {
		if m.Status == casefile.Accepted {
			accepted = append(accepted, m)
		}
	}
	if len(accepted) == 0 {
		return ErrNoMaterials
	}
	dir, err := os.MkdirTemp(w.TempDir, "assemble-")
	if err != nil {
		return fmt.Errorf("assemble: temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	base := filepath.Join(dir, "base.pdf")
	baseKey := BaseKey(c.ID, c.ContentVersion)
	if err := w.ensureBase(ctx, c, accepted, baseKey, base, dir); err != nil {
		return err
	}

	copyKey := CopyKey(c.ID, c.ContentVersion, a.ID)
	if ok, err := w.Dossiers.Exists(ctx, copyKey); err != nil {
		return fmt.Errorf("assemble: check copy: %w", err)
	} else if !ok {
		cp := filepath.Join(dir, "copy.pdf")
		st := dossier.Stamp{Name: a.Lawyer.Name, License: a.Lawyer.License, Ref: a.ID, Date: w.now()}
		if err := dossier.StampCopy(ctx, base, cp, st); err != nil {
			return fmt.Errorf("assemble: stamp copy for %s: %w", a.ID, err)
		}
		if err := ingest.Upload(ctx, w.Dossiers, cp, copyKey, "application/pdf"); err != nil {
			return err
		}
		if _, err := w.Audit.Append(ctx, audit.Event{Actor: "system", Role: "system", Action: "copy.make",
			CaseID: c.ID, ApplicationID: a.ID, Target: copyKey, Result: audit.OK,
			Detail: map[string]string{"lawyer": a.Lawyer.License}}); err != nil {
			return err
		}
	}

	// The link id is derived from the application and version, so a retry
	// finds the link it already made instead of making a second one.
	l := &link.Link{ID: a.ID + "-v" + fmt.Sprint(c.ContentVersion), ApplicationID: a.ID, CaseID: c.ID,
		Lawyer: a.Lawyer.License, CopyKey: copyKey, Filename: fmt.Sprintf("%s-阅卷-%s.pdf", c.CaseNo, a.Lawyer.Name),
		ExpiresAt: w.now().Add(w.LinkTTL), MaxDownloads: w.MaxDownloads}
	if err := w.Links.Create(ctx, l); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	_, err = w.Apps.Update(ctx, a.ID, func(x *application.Application) error {
		if x.Status != application.Approved {
			return errAlreadyDone
		}
		x.CopyKey, x.LinkID = copyKey, l.ID
		return x.Move(application.Ready, "system", "阅卷材料已生成，下载链接已签发", w.now().UTC())
	})
	if errors.Is(err, errAlreadyDone) {
		return w.Apps.ClearWork(ctx, id)
	}
	if err != nil {
		return err
	}
	if err := w.Apps.ClearWork(ctx, id); err != nil {
		return err
	}
	_, err = w.Audit.Append(ctx, audit.Event{Actor: "system", Role: "system", Action: "link.issue",
		CaseID: c.ID, ApplicationID: a.ID, Target: l.ID, Result: audit.OK,
		Detail: map[string]string{"expiresAt": l.ExpiresAt.UTC().Format(time.RFC3339), "maxDownloads": fmt.Sprint(l.MaxDownloads)}})
	if err == nil && w.OnReady != nil {
		err = w.OnReady(ctx, a, l)
	}
	return err
}

var errAlreadyDone = errors.New("already done")

func (w *Worker) ensureBase(ctx context.Context, c *casefile.Case, mats []*casefile.Material, key, dst, dir string) error {
	ok, err := w.Dossiers.Exists(ctx, key)
	if err != nil {
		return fmt.Errorf("assemble: check base: %w", err)
	}
	if ok {
		return ingest.Download(ctx, w.Dossiers, key, dst)
	}
	docs := make([]dossier.Document, 0, len(mats))
	for i, m := range mats {
		p := filepath.Join(dir, fmt.Sprintf("doc-%04d.pdf", i))
		if err := ingest.Download(ctx, w.Uploads, m.PDFKey, p); err != nil {
			return fmt.Errorf("assemble: material %s: %w", m.ID, err)
		}
		docs = append(docs, dossier.Document{Volume: m.Volume, VolumeTitle: m.VolumeTitle, Seq: m.Seq, Title: m.Title, Path: p})
	}
	unit := c.Unit
	if w.Unit != nil {
		unit = w.Unit(c.Unit)
	}
	info := dossier.CaseInfo{CaseNo: c.CaseNo, Title: c.Title, Unit: unit, Date: c.UpdatedAt}
	man, err := dossier.AssembleBase(ctx, info, docs, dst, dossier.AssembleOptions{})
	if err != nil {
		return fmt.Errorf("assemble: base dossier of %s: %w", c.CaseNo, err)
	}
	if err := ingest.Upload(ctx, w.Dossiers, dst, key, "application/pdf"); err != nil {
		return err
	}
	_, err = w.Audit.Append(ctx, audit.Event{Actor: "system", Role: "system", Action: "dossier.assemble",
		CaseID: c.ID, Target: key, Result: audit.OK,
		Detail: map[string]string{"pages": fmt.Sprint(man.Pages), "documents": fmt.Sprint(len(docs)), "version": fmt.Sprint(c.ContentVersion)}})
	return err
}
