package casefile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
)

// Materials not yet decided — awaiting their upload, being checked, or
// decided with the follow-ups of the verdict still to write (Unfinished) —
// are listed on the second index under one partition, sorted by when they
// last changed, so that a reconciler finds those a crash or a lost upload
// event left behind without reading every case (docs/recovery.md). The
// listing is part of the material's own item: it is added and removed by the
// same write that changes the material, never out of step with it.
const openMaterialsPK = "materials#open"

func openMaterialSK(m *Material) string {
	return store.TimeKey(m.UpdatedAt) + "#" + m.CaseID + "#" + m.ID
}

// Decided reports whether the material is accepted or rejected and
// everything that follows from the verdict is written: a dossier may be
// built from a case only when all its materials are decided.
func (m *Material) Decided() bool {
	return (m.Status == Accepted || m.Status == Rejected) && !m.Unfinished
}

// OpenMaterials returns the materials that are not decided (see Decided)
// and have not changed since before, oldest first. The index may lag a
// write: each material is read again by its key, and one decided meanwhile,
// or changed since before, is left out.
func (r *Repo) OpenMaterials(ctx context.Context, before time.Time) ([]*Material, error) {
	items, err := store.All(ctx, r.T, store.Query{Index: store.GSI2, PK: openMaterialsPK, SKFrom: "0", SKTo: store.TimeKey(before) + "#~"})
	if err != nil {
		return nil, fmt.Errorf("casefile: open materials: %w", err)
	}
	var out []*Material
	for _, it := range items {
		parts := strings.Split(it.GSI2SK, "#")
		if len(parts) != 3 {
			continue
		}
		m, err := r.GetMaterial(ctx, parts[1], parts[2])
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m.Decided() || m.UpdatedAt.After(before) {
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// Undecided returns the materials of ms that are not decided.
func Undecided(ms []*Material) []*Material {
	var out []*Material
	for _, m := range ms {
		if !m.Decided() {
			out = append(out, m)
		}
	}
	return out
}
