// Package jobs builds the application's PDF jobs on an app.App: ingest,
// which checks and normalises uploads, and assemble, which builds the
// dossiers and the lawyers' copies, each within its time budget. They are
// apart from package app so that what runs neither — the HTTP API, the
// download door, the deadline job — does not link the PDF library
// (pdfcpu and the embedded CJK font are 21 MB of a Lambda bootstrap;
// docs/design.md, "Lambda bootstraps").
package jobs

import (
	"context"
	"math"

	"github.com/yuejuan/yuejuan/pkg/app"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/ocr"
	"github.com/yuejuan/yuejuan/pkg/procedure"
	"github.com/yuejuan/yuejuan/pkg/scan"
	"github.com/yuejuan/yuejuan/pkg/version"
)

// Ingest is the ingest job of a: uploads checked against the dossier's
// limits, with the byte limit upload URLs are issued for, so that no
// accepted upload is refused for its size.
func Ingest(a *app.App) *ingest.Budgeted {
	p, s, svc := a.Ports(), a.Settings(), a.Service
	lim := scan.DefaultLimits()
	if s.MaxUpload > 0 {
		lim.MaxBytes = s.MaxUpload
	}
	w := &ingest.Worker{Cases: svc.Cases, Apps: svc.Apps, Audit: svc.Audit,
		Uploads: p.Uploads, Limits: lim, TempDir: s.TempDir}
	if s.OCR {
		w.OCR = &ocr.Engine{}
	}
	return &ingest.Budgeted{Log: a.Log, Worker: w}
}

// Assemble is the assemble job of a: a ready copy notifies its lawyer and
// has its expiry watched; a held dossier notifies the unit, and so does a
// failed one (over its time budget, or the case over the dossier's
// ceilings, with the figures and the limit).
func Assemble(a *app.App) *assemble.Budgeted {
	p, s, svc := a.Ports(), a.Settings(), a.Service
	maxBytes := s.MaxDossierBytes
	if maxBytes < 0 {
		maxBytes = math.MaxInt64
	}
	return &assemble.Budgeted{Log: a.Log,
		Worker: &assemble.Worker{Cases: svc.Cases, Apps: svc.Apps, Links: svc.Links, Audit: svc.Audit,
			Uploads: p.Uploads, Dossiers: p.Dossiers, LinkTTL: s.LinkTTL, MaxDownloads: s.MaxDownloads, TempDir: s.TempDir,
			MaxPages: s.MaxDossierPages, MaxBytes: maxBytes,
			OnReady: func(ctx context.Context, x *application.Application, l *link.Link) error {
				if err := a.Send(ctx, procedure.LinkReady(x, l)); err != nil {
					return err
				}
				return a.Watch.Add(ctx, x.ID, l)
			},
			OnHold: func(ctx context.Context, x *application.Application, _ *casefile.Case) error {
				return a.Send(ctx, procedure.DossierHeld(x))
			},
			Versions: &version.Repo{T: svc.Cases.T}, Decisions: svc.Decisions,
			OnVersion: func(ctx context.Context, x *application.Application, v *version.Version, full, supplement *link.Link) error {
				if err := a.Send(ctx, procedure.DossierVersion(x, v, full, supplement)); err != nil {
					return err
				}
				return a.Watch.Add(ctx, x.ID, full)
			}},
		OnFailed: func(ctx context.Context, x *application.Application, f assemble.Failure) error {
			if tl := f.TooLarge; tl != nil {
				return a.Send(ctx, procedure.DossierTooLarge(x, f.Version, tl.Pages, tl.MaxPages, tl.Bytes, tl.MaxBytes))
			}
			return a.Send(ctx, procedure.DossierFailed(x, f.Version, f.Pages, f.Budget))
		}}
}
