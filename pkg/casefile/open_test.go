package casefile

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/dynalitetest"
	"github.com/yuejuan/yuejuan/pkg/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dynalitetest.Stop()
	os.Exit(code)
}

// The list of open materials (what a reconciler re-runs after a crash)
// holds a material from its registration until its verdict and the
// verdict's follow-ups are written, and only materials unchanged since the
// time asked about; on SQLite and on DynamoDB (dynalite), whose index is
// what a deployed deadline function reads.
func TestOpenMaterials(t *testing.T) {
	for _, st := range []struct {
		name string
		open func(t *testing.T) store.Table
	}{
		{"sqlite", func(t *testing.T) store.Table { return newRepo(t).T }},
		{"dynalite", func(t *testing.T) store.Table { return dynalitetest.Table(t) }},
	} {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			r := &Repo{T: st.open(t), Now: func() time.Time { return now }}
			c := validCase()
			if err := r.Create(ctx, c); err != nil {
				t.Fatal(err)
			}
			add := func(seq int) *Material {
				m := &Material{CaseID: c.ID, Volume: 1, Seq: seq, Title: "讯问笔录", Filename: "x.pdf", UploadKey: "uploads/materials/" + c.ID + "/x"}
				if err := r.AddMaterial(ctx, m); err != nil {
					t.Fatal(err)
				}
				return m
			}
			set := func(m *Material, fn func(*Material)) {
				if _, err := r.UpdateMaterial(ctx, c.ID, m.ID, func(x *Material) error { fn(x); return nil }); err != nil {
					t.Fatal(err)
				}
			}
			ids := func(before time.Time) map[string]MaterialStatus {
				t.Helper()
				ms, err := r.OpenMaterials(ctx, before)
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]MaterialStatus{}
				for _, m := range ms {
					out[m.ID] = m.Status
				}
				return out
			}
			waiting, checking, accepted, rejected, done := add(1), add(2), add(3), add(4), add(5)
			set(checking, func(x *Material) { x.Status = Processing })
			set(accepted, func(x *Material) { x.Status, x.Pages, x.Unfinished = Accepted, 2, true })
			set(rejected, func(x *Material) { x.Status, x.Reason, x.Unfinished = Rejected, "坏文件", true })
			set(done, func(x *Material) { x.Status, x.Pages = Accepted, 1 })

			got := ids(now)
			want := map[string]MaterialStatus{waiting.ID: AwaitingUpload, checking.ID: Processing, accepted.ID: Accepted, rejected.ID: Rejected}
			if len(got) != len(want) {
				t.Fatalf("open materials %v, want %v", got, want)
			}
			for id, s := range want {
				if got[id] != s {
					t.Errorf("material %s: listed as %q, want %q", id, got[id], s)
				}
			}
			// Nothing changed before an earlier instant.
			if got := ids(now.Add(-time.Second)); len(got) != 0 {
				t.Errorf("open before the materials changed: %v", got)
			}
			// A later change moves a material out of an earlier window.
			now = now.Add(time.Minute)
			set(checking, func(x *Material) { x.Runs++ })
			if got := ids(now.Add(-30 * time.Second)); len(got) != 3 || got[checking.ID] != "" {
				t.Errorf("open and unchanged for 30 s: %v, want all but the one just changed", got)
			}
			// Finishing the verdicts takes them off the list.
			set(accepted, func(x *Material) { x.Unfinished = false })
			set(rejected, func(x *Material) { x.Unfinished = false })
			set(checking, func(x *Material) { x.Status = Accepted })
			if got := ids(now); len(got) != 1 || got[waiting.ID] != AwaitingUpload {
				t.Errorf("open after the verdicts: %v, want only the material awaiting its upload", got)
			}
			// What a reader of the case sees agrees.
			all, err := r.Materials(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if u := Undecided(all); len(u) != 1 || u[0].ID != waiting.ID {
				t.Errorf("Undecided = %v, want the one awaiting its upload", u)
			}
			// The marks survive a round trip through the store.
			m, _ := r.GetMaterial(ctx, c.ID, checking.ID)
			if m.Runs != 1 {
				t.Errorf("runs %d after a round trip, want 1", m.Runs)
			}
		})
	}
}
