package service

import (
	"context"
	"errors"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/version"
)

// versions is the repository of the cases' dossier versions, in the
// cases' table (docs/versions.md).
func (s *Service) versions() *version.Repo { return &version.Repo{T: s.Cases.T} }

// CaseVersions is the dossier version history of case id, newest first,
// for a clerk of its unit.
func (s *Service) CaseVersions(ctx context.Context, c Caller, id string) ([]*version.Version, error) {
	cs, err := s.CaseFor(ctx, c, id)
	if err != nil {
		return nil, err
	}
	vs, err := s.versions().List(ctx, cs.ID)
	if err != nil {
		return nil, internal(err)
	}
	return vs, nil
}

// AppVersions is what the caller who may read application id sees of its
// case's dossier versions: the history, newest first (empty until the
// application has had a copy: before that the case's documents are not
// the lawyer's to see), the version of the application's current copy,
// and for its own lawyer the live link of that version's supplement.
type AppVersions struct {
	App        *application.Application
	Versions   []*version.Version
	Current    int
	Supplement *link.Link
}

// VersionsOfApplication is AppVersions of application id.
func (s *Service) VersionsOfApplication(ctx context.Context, c Caller, id string) (*AppVersions, error) {
	app, err := s.ApplicationFor(ctx, c, id)
	if err != nil {
		return nil, err
	}
	out := &AppVersions{App: app, Versions: []*version.Version{}}
	if app.LinkID == "" || app.Status != application.Ready && app.Status != application.Expired {
		return out, nil
	}
	if out.Versions, err = s.versions().List(ctx, app.CaseID); err != nil {
		return nil, internal(err)
	}
	l, err := s.Links.Get(ctx, app.LinkID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internal(err)
	}
	if l != nil {
		out.Current = l.Version
	}
	if c.Role == auth.Lawyer && c.Subject == app.Lawyer.License && app.Status == application.Ready {
		if sl, err := s.Links.Check(ctx, link.SupplementID(app.LinkID)); err == nil {
			out.Supplement = sl
		}
	}
	return out, nil
}

// CaseChanged queues the job that brings the live applications of case id
// to its current content version, after a change to its materials that no
// ingest follows (a deletion, a new title or order).
func (s *Service) CaseChanged(ctx context.Context, id string) error {
	return s.send(ctx, queue.Job{Kind: queue.Version, Key: id})
}
