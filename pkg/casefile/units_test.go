package casefile

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// Create registers each case's unit once, however many cases a unit has and
// however many are created at the same time; Units lists them sorted.
func TestUnitsRegisteredByCreate(t *testing.T) {
	r := newRepo(t)
	units, err := r.Units(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 0 {
		t.Fatalf("empty table lists units %v", units)
	}
	// Two units, the later-sorting one first; several cases each.
	for i := range 3 {
		c := validCase()
		c.Unit = "320102"
		c.CaseNo = fmt.Sprintf("苏玄检刑诉〔2026〕%d号", i+1)
		if err := r.Create(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	// Concurrent Creates in the other unit.
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			c := validCase()
			c.CaseNo = fmt.Sprintf("沪黄检刑诉〔2026〕%d号", 100+i)
			errs[i] = r.Create(t.Context(), c)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("concurrent create: %v", err)
		}
	}
	units, err = r.Units(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"310101", "320102"}; !slices.Equal(units, want) {
		t.Errorf("Units = %v, want %v", units, want)
	}
}

// RegisterUnit is how the unit of cases older than the registry gets in:
// idempotent, also concurrently; the empty unit is never listed.
func TestRegisterUnit(t *testing.T) {
	r := newRepo(t)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if err := r.RegisterUnit(t.Context(), "市检察院"); err != nil {
				t.Errorf("RegisterUnit: %v", err)
			}
		})
	}
	wg.Wait()
	for _, u := range []string{"市检察院", "", "区检察院"} {
		if err := r.RegisterUnit(t.Context(), u); err != nil {
			t.Errorf("RegisterUnit(%q): %v", u, err)
		}
	}
	c := validCase()
	c.Unit = "区检察院"
	if err := r.Create(t.Context(), c); err != nil {
		t.Fatalf("Create in an already registered unit: %v", err)
	}
	units, err := r.Units(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"区检察院", "市检察院"}; !slices.Equal(units, want) {
		t.Errorf("Units = %v, want %v", units, want)
	}
}
