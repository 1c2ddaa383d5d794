package casefile

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/dynalitetest"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// A material awaiting its upload lapses at LapsesAt: gone from the case's
// list, from the open materials and from a read by its key; once its upload
// has arrived it stays whatever LapsesAt said. DeleteMaterial removes a
// material only when its check allows, and says not found after. On SQLite
// and on DynamoDB (dynalite), whose TTL deletes lazily and whose reads must
// hide an expired item all the same.
func TestMaterialLapsesAndDelete(t *testing.T) {
	for _, st := range []struct {
		name string
		open func(t *testing.T) store.Table
	}{
		{"sqlite", func(t *testing.T) store.Table { return newRepo(t).T }},
		{"dynalite", func(t *testing.T) store.Table { return dynalitetest.Table(t) }},
	} {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			r := &Repo{T: st.open(t)}
			c := validCase()
			if err := r.Create(ctx, c); err != nil {
				t.Fatal(err)
			}
			add := func(title string, lapses time.Time) *Material {
				t.Helper()
				m := &Material{CaseID: c.ID, Volume: 1, Seq: 1, Title: title, Filename: "x.pdf", LapsesAt: &lapses}
				if err := r.AddMaterial(ctx, m); err != nil {
					t.Fatal(err)
				}
				return m
			}
			soon := time.Now().Add(2 * time.Second)
			lapsing := add("lapsing", soon)
			uploaded := add("uploaded", soon)
			kept := add("kept", time.Now().Add(time.Hour))
			// The upload arrives: it stays.
			if got, err := r.UpdateMaterial(ctx, c.ID, uploaded.ID, func(m *Material) error { m.Status = Processing; return nil }); err != nil || got.LapsesAt != nil {
				t.Fatalf("uploaded: %v, lapses at %v", err, got.LapsesAt)
			}
			time.Sleep(time.Until(soon.Truncate(time.Second).Add(2 * time.Second)))
			ms, err := r.Materials(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, m := range ms {
				titles = append(titles, m.Title)
			}
			if len(ms) != 2 || ms[0].Title == "lapsing" || ms[1].Title == "lapsing" {
				t.Errorf("listed %v, want uploaded and kept", titles)
			}
			if _, err := r.GetMaterial(ctx, c.ID, lapsing.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the lapsed material read by its key: %v", err)
			}
			open, err := r.OpenMaterials(ctx, time.Now().Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range open {
				if m.ID == lapsing.ID {
					t.Error("the lapsed material is open")
				}
			}

			refuse := errors.New("no")
			if _, err := r.DeleteMaterial(ctx, c.ID, kept.ID, func(*Material) error { return refuse }); !errors.Is(err, refuse) {
				t.Errorf("a refused delete: %v", err)
			}
			if _, err := r.GetMaterial(ctx, c.ID, kept.ID); err != nil {
				t.Errorf("refused, yet gone: %v", err)
			}
			gone, err := r.DeleteMaterial(ctx, c.ID, kept.ID, nil)
			if err != nil || gone.Title != "kept" {
				t.Fatalf("delete: %v %+v", err, gone)
			}
			if _, err := r.GetMaterial(ctx, c.ID, kept.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("deleted, yet read: %v", err)
			}
			if _, err := r.DeleteMaterial(ctx, c.ID, kept.ID, nil); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a second delete: %v, want not found", err)
			}
		})
	}
}
