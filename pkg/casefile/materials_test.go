package casefile

import (
	"encoding/json"
	"testing"
	"time"
)

// A material's item is what it was before the repository moved onto
// store.Records: the material's JSON with its hidden keys (uploadKey,
// pdfKey, unfinished, runs) beside it, listed on the second index while
// undecided; and an item written before decodes with every field.
func TestMaterialItemEncoding(t *testing.T) {
	r := newRepo(t)
	ctx := t.Context()
	m := &Material{CaseID: "c1", Volume: 1, Seq: 2, Title: "讯问笔录", Filename: "a.pdf", Size: 10, UploadKey: "uploads/materials/c1/x"}
	if err := r.AddMaterial(ctx, m); err != nil {
		t.Fatal(err)
	}
	pk, sk := matKey("c1", m.ID)
	it, err := r.T.Get(ctx, pk, sk)
	if err != nil {
		t.Fatal(err)
	}
	// The encoding of the repository before store.Records, verbatim.
	old, err := json.Marshal(struct {
		*Material
		UploadKey  string `json:"uploadKey"`
		PDFKey     string `json:"pdfKey,omitempty"`
		Unfinished bool   `json:"unfinished,omitempty"`
		Runs       int    `json:"runs,omitempty"`
	}{m, m.UploadKey, m.PDFKey, m.Unfinished, m.Runs})
	if err != nil {
		t.Fatal(err)
	}
	if string(it.Data) != string(old) {
		t.Errorf("stored item\n%s\nwant the old encoding\n%s", it.Data, old)
	}
	if it.GSI2PK != openMaterialsPK || it.GSI2SK != openMaterialSK(m) {
		t.Errorf("undecided material indexed as %q/%q", it.GSI2PK, it.GSI2SK)
	}

	// An item as the old repository wrote it.
	it.Data = []byte(`{"id":"` + m.ID + `","caseId":"c1","volume":1,"volumeTitle":"","seq":2,"title":"讯问笔录","filename":"a.pdf","status":"accepted",` +
		`"pages":3,"createdAt":"2026-03-02T09:00:00Z","updatedAt":"2026-03-02T09:00:00Z","uploadKey":"uploads/materials/c1/x","pdfKey":"pdf/x.pdf","unfinished":true,"runs":2}`)
	if _, err := r.T.Put(ctx, it); err != nil {
		t.Fatal(err)
	}
	got, err := r.GetMaterial(ctx, "c1", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.UploadKey != "uploads/materials/c1/x" || got.PDFKey != "pdf/x.pdf" || !got.Unfinished || got.Runs != 2 || got.Pages != 3 ||
		got.Status != Accepted || !got.UpdatedAt.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("old item decoded as %+v", got)
	}
	// Its version is kept: an update writes on it, and the verdict, once
	// finished, leaves the index.
	up, err := r.UpdateMaterial(ctx, "c1", m.ID, func(x *Material) error { x.Unfinished, x.Runs = false, 0; return nil })
	if err != nil {
		t.Fatal(err)
	}
	it, err = r.T.Get(ctx, pk, sk)
	if err != nil {
		t.Fatal(err)
	}
	if it.GSI2PK != "" || up.rev != it.Version || up.PDFKey != "pdf/x.pdf" {
		t.Errorf("decided material: index %q, rev %d of %d, %+v", it.GSI2PK, up.rev, it.Version, up)
	}
}
