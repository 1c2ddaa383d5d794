package service

import (
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
)

// A material registered and never uploaded (the page was reloaded
// mid-upload) lapses by itself a quarter of the upload TTL after its upload
// URL expired: the clerk's list and the reconciler's list of open materials
// no longer have it, so nothing waits for it (no permanent 等待上传, no
// dossier held for it). Resuming it moves its lapse on. The store's own
// expiry does it, so the lapse is set back rather than waited for.
func TestAbandonedUploadLapses(t *testing.T) {
	s := newService(t)
	dir := t.TempDir()
	up, err := blob.OpenLocal(filepath.Join(dir, "uploads"), &url.URL{Scheme: "http", Host: "127.0.0.1:1", Path: "/blob/uploads"}, filepath.Join(dir, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	s.Uploads, s.UploadTTL = up.Bucket, time.Hour
	cs := registerCase(t, s)
	now := time.Now()
	register := func(title string) *casefile.Material {
		t.Helper()
		m, _, err := s.RegisterMaterial(t.Context(), clerk, cs, &casefile.Material{Volume: 1, Seq: 1, Title: title, Filename: title + ".pdf", Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		// The URL lives 1 h; the material 15 min more.
		if m.LapsesAt == nil || m.LapsesAt.Before(now.Add(74*time.Minute)) || m.LapsesAt.After(time.Now().Add(76*time.Minute)) {
			t.Fatalf("%s lapses at %v, want 75 minutes on", title, m.LapsesAt)
		}
		return m
	}
	lapsed := register("lapsed")
	kept := register("kept")
	// Its time passes: the lapse is set back to a second ago.
	if _, err := s.Cases.UpdateMaterial(t.Context(), cs.ID, lapsed.ID, func(m *casefile.Material) error {
		past := time.Now().Add(-time.Second)
		m.LapsesAt = &past
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	ms, err := s.MaterialsOf(t.Context(), cs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].ID != kept.ID {
		t.Fatalf("listed %d materials (%v), want only the one not lapsed", len(ms), ms)
	}
	open, err := s.Cases.OpenMaterials(t.Context(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range open {
		if m.ID == lapsed.ID {
			t.Error("the lapsed material is still open for the reconciler")
		}
	}
	if _, _, err := s.ResumeUpload(t.Context(), cs, lapsed.ID); ErrorCode(err) != MaterialNotFound {
		t.Errorf("resuming the lapsed material: %v, want material_not_found", err)
	}

	m, u, err := s.ResumeUpload(t.Context(), cs, kept.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u == nil || u.URL == "" || m.LapsesAt == nil || m.LapsesAt.Before(kept.LapsesAt.Add(-time.Second)) {
		t.Errorf("resumed: upload %v, lapses at %v; want a URL and a lapse 75 minutes on", u, m.LapsesAt)
	}
}
