package casefile

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/yuejuan/yuejuan/pkg/store"
)

// unitsPK is the partition of the unit registry: one small item per unit,
// its sort key the unit's name. A unit is otherwise only a claim in clerks'
// tokens and a field on cases, applications and complaints; the registry is
// what lets an auditor ask about all of them.
const unitsPK = "units"

// RegisterUnit records unit in the unit registry (see Units). It is cheap
// (one conditional write) and idempotent: a unit already registered is
// fine. An empty unit is no unit: nothing is written.
func (r *Repo) RegisterUnit(ctx context.Context, unit string) error {
	if unit == "" {
		return nil
	}
	if _, err := r.T.Put(ctx, store.Item{PK: unitsPK, SK: unit, Data: []byte("{}")}); err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("casefile: register unit %s: %w", unit, err)
	}
	return nil
}

// Units lists the registered units, sorted, each once.
//
// Create registers the unit of every case it registers. Units whose cases
// were all registered before the registry existed are not in it until
// RegisterUnit is called for them: the statistics endpoints do so for the
// unit they are asked about, so such a unit appears once a clerk or auditor
// asks for that unit's statistics, or once a new case is registered there.
func (r *Repo) Units(ctx context.Context) ([]string, error) {
	items, err := store.All(ctx, r.T, store.Query{PK: unitsPK})
	if err != nil {
		return nil, fmt.Errorf("casefile: list units: %w", err)
	}
	units := make([]string, 0, len(items))
	for _, it := range items {
		units = append(units, it.SK)
	}
	slices.Sort(units)
	return slices.Compact(units), nil
}
