// Package version keeps a case's dossier versions (docs/versions.md): each
// base dossier built records its version number, the content version it
// was built from, its pages, the ledger of page identifiers the next
// version is assigned against, and the change list against the version
// before it. Versions are numbered 1, 2, … per case in the order their bases
// were built.
package version

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/yuejuan/yuejuan/pkg/pageid"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Version is one built base dossier of a case.
type Version struct {
	CaseID string `json:"caseId"`
	N      int    `json:"version"`
	// ContentVersion is the case's content version the base was built
	// from (casefile.Case.ContentVersion); BaseKey where the base is.
	ContentVersion int    `json:"contentVersion"`
	BaseKey        string `json:"-"`
	Pages          int    `json:"pages"`
	Documents      int    `json:"documents"`
	// Ledger is every document's page identifiers, removed ones included.
	Ledger []pageid.LedgerEntry `json:"-"`
	// Changes is what changed since version N-1 (empty for version 1).
	Changes pageid.ChangeList `json:"changes"`
	// Decisions are the procedural decisions recorded for the case between
	// version N-1 and this one (退回补充侦查, a change of jurisdiction …):
	// what the change came of.
	Decisions []DecisionRef `json:"decisions,omitempty"`
	BuiltAt   time.Time     `json:"builtAt"`
	rev       int64
}

// DecisionRef names a procedural decision (procedure.Decision).
type DecisionRef struct {
	ID    string    `json:"id"`
	Kind  string    `json:"kind"`
	Label string    `json:"label"`
	At    time.Time `json:"at"`
}

// stored is a version as its item holds it (the fields the API never
// shows under their own names).
type stored struct {
	Version
	BaseKey string               `json:"baseKey"`
	Ledger  []pageid.LedgerEntry `json:"ledger"`
}

// Repo is the versions' repository.
type Repo struct {
	T store.Table
}

func key(caseID string, n int) (string, string) {
	return "case#" + caseID, fmt.Sprintf("ver#%08d", n)
}

func (r *Repo) records() store.Records[stored] {
	return store.Records[stored]{T: r.T, Kind: "version",
		Rev: func(s *stored) *int64 { return &s.rev },
		Item: func(s *stored) store.Item {
			pk, sk := key(s.CaseID, s.N)
			return store.Item{PK: pk, SK: sk}
		}}
}

func (s *stored) version() *Version {
	v := s.Version
	v.BaseKey, v.Ledger, v.rev = s.BaseKey, s.Ledger, s.rev
	return &v
}

// ErrExists means the version number is taken (by another builder, or by
// an earlier run of the same build).
var ErrExists = errors.New("version: this version of the case is recorded already")

// Record writes v as new; ErrExists if the case has version v.N.
func (r *Repo) Record(ctx context.Context, v *Version) error {
	if v.N < 1 || v.CaseID == "" {
		return fmt.Errorf("version: record version %d of case %q", v.N, v.CaseID)
	}
	v.Changes = pageid.Changes(v.Ledger, v.N)
	s := &stored{Version: *v, BaseKey: v.BaseKey, Ledger: v.Ledger}
	err := r.records().Put(ctx, s)
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("%w: %w", ErrExists, err)
	}
	return err
}

// Get returns version n of a case (an error wrapping store.ErrNotFound if
// there is none).
func (r *Repo) Get(ctx context.Context, caseID string, n int) (*Version, error) {
	pk, sk := key(caseID, n)
	s, err := r.records().Get(ctx, pk, sk)
	if err != nil {
		return nil, err
	}
	return s.version(), nil
}

// List returns a case's versions, newest first.
func (r *Repo) List(ctx context.Context, caseID string) ([]*Version, error) {
	pk, _ := key(caseID, 0)
	ss, err := r.records().List(ctx, store.Query{PK: pk, SKPrefix: "ver#"}, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*Version, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.version())
	}
	slices.SortFunc(out, func(a, b *Version) int { return b.N - a.N })
	return out, nil
}

// Latest returns a case's newest version, or nil when it has none.
func (r *Repo) Latest(ctx context.Context, caseID string) (*Version, error) {
	vs, err := r.List(ctx, caseID)
	if err != nil || len(vs) == 0 {
		return nil, err
	}
	return vs[0], nil
}

// OfContent returns the version built from content version cv, or nil.
func (r *Repo) OfContent(ctx context.Context, caseID string, cv int) (*Version, error) {
	vs, err := r.List(ctx, caseID)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.ContentVersion == cv {
			return v, nil
		}
	}
	return nil, nil
}
