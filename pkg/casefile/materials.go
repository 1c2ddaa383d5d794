package casefile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/yuejuan/yuejuan/pkg/store"
)

func matKey(caseID, id string) (string, string) { return "case#" + caseID, "mat#" + id }

// storedMaterial is a material as its item holds it: the fields the API
// never shows (json:"-" on Material) are stored under their own names.
type storedMaterial struct {
	Material
	UploadKey  string `json:"uploadKey"`
	PDFKey     string `json:"pdfKey,omitempty"`
	Unfinished bool   `json:"unfinished,omitempty"`
	Runs       int    `json:"runs,omitempty"`
}

func stored(m *Material) *storedMaterial {
	if m.Status != AwaitingUpload {
		m.LapsesAt = nil // uploaded: it stays
	}
	return &storedMaterial{Material: *m, UploadKey: m.UploadKey, PDFKey: m.PDFKey, Unfinished: m.Unfinished, Runs: m.Runs}
}

// material is the stored material with its hidden fields in place.
func (s *storedMaterial) material() *Material {
	m := &s.Material
	m.UploadKey, m.PDFKey, m.Unfinished, m.Runs = s.UploadKey, s.PDFKey, s.Unfinished, s.Runs
	return m
}

// materials is the repository's typed view of the material records: under
// their case, and on the second index while undecided (open.go).
func (r *Repo) materials() store.Records[storedMaterial] {
	return store.Records[storedMaterial]{T: r.T, Kind: "casefile: material",
		Rev: func(s *storedMaterial) *int64 { return &s.rev },
		Item: func(s *storedMaterial) store.Item {
			pk, sk := matKey(s.CaseID, s.ID)
			it := store.Item{PK: pk, SK: sk}
			if m := s.material(); !m.Decided() {
				it.GSI2PK, it.GSI2SK = openMaterialsPK, openMaterialSK(m)
			}
			if s.Status == AwaitingUpload && s.LapsesAt != nil {
				it.ExpiresAt = *s.LapsesAt
			}
			return it
		},
	}
}

// AddMaterial records a new material awaiting its upload.
func (r *Repo) AddMaterial(ctx context.Context, m *Material) error {
	if err := m.Validate(); err != nil {
		return err
	}
	now := r.now()
	m.ID = NewID()
	m.Status = AwaitingUpload
	m.CreatedAt, m.UpdatedAt = now, now
	s := stored(m)
	if err := r.materials().Put(ctx, s); err != nil {
		return err
	}
	m.rev = s.rev
	return nil
}

// GetMaterial returns one material of a case.
func (r *Repo) GetMaterial(ctx context.Context, caseID, id string) (*Material, error) {
	pk, sk := matKey(caseID, id)
	s, err := r.materials().Get(ctx, pk, sk)
	if err != nil {
		return nil, err
	}
	return s.material(), nil
}

// Materials returns a case's materials in paper-file order (volume, seq).
func (r *Repo) Materials(ctx context.Context, caseID string) ([]*Material, error) {
	ss, err := r.materials().List(ctx, store.Query{PK: "case#" + caseID, SKPrefix: "mat#"}, nil)
	if err != nil {
		return nil, err
	}
	var out []*Material
	for _, s := range ss {
		out = append(out, s.material())
	}
	slices.SortStableFunc(out, func(a, b *Material) int {
		if a.Volume != b.Volume {
			return a.Volume - b.Volume
		}
		if a.Seq != b.Seq {
			return a.Seq - b.Seq
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// UpdateMaterial applies fn to the stored material and saves it, retrying on
// concurrent writes.
func (r *Repo) UpdateMaterial(ctx context.Context, caseID, id string, fn func(*Material) error) (*Material, error) {
	pk, sk := matKey(caseID, id)
	s, err := r.materials().Update(ctx, pk, sk, func(s *storedMaterial) error {
		m := s.material()
		if err := fn(m); err != nil {
			return err
		}
		m.UpdatedAt = r.now()
		*s = *stored(m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.material(), nil
}

// ErrMaterialChanged means a material changed between the read a decision
// was based on and the write that acted on it.
var ErrMaterialChanged = errors.New("casefile: the material changed meanwhile")

// DeleteMaterial removes material id of case caseID if ok, given the
// stored material, allows it (an error from ok is returned as it is): the
// record goes, its stored objects stay (docs/design.md, "Changing
// materials"). It returns the material as it was.
func (r *Repo) DeleteMaterial(ctx context.Context, caseID, id string, ok func(*Material) error) (*Material, error) {
	pk, sk := matKey(caseID, id)
	return store.Retry(func() (*Material, error) {
		s, err := r.materials().Get(ctx, pk, sk)
		if err != nil {
			return nil, err
		}
		m := s.material()
		if ok != nil {
			if err := ok(m); err != nil {
				return nil, err
			}
		}
		if err := r.T.Delete(ctx, pk, sk, s.rev); err != nil {
			return nil, fmt.Errorf("casefile: delete material %s: %w", id, err)
		}
		return m, nil
	})
}
