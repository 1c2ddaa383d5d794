// Package ingest turns an uploaded object into an accepted or rejected
// material (a clerk's scan) or attachment (a lawyer's document). It runs when
// the object store reports a new object: an S3 ObjectCreated event on AWS, the
// local signed-URL handler on the all-in-one server. Redelivery is harmless.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	gblob "gocloud.dev/blob"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Object keys of uploads. The key alone says what an object is, so an
// ObjectCreated event needs no lookup to be routed.
const (
	MaterialPrefix   = "uploads/materials/"
	AttachmentPrefix = "uploads/attachments/"
)

// MaterialUploadKey is where a material's original upload goes.
func MaterialUploadKey(caseID, id string) string { return MaterialPrefix + caseID + "/" + id }

// MaterialPDFKey is where its normalised PDF goes.
func MaterialPDFKey(caseID, id string) string { return "materials/" + caseID + "/" + id + ".pdf" }

// AttachmentUploadKey is where an attachment's upload goes.
func AttachmentUploadKey(id string) string { return AttachmentPrefix + id }

// ParseKey says what an uploaded object is: kind "material" (with case and
// material id) or "attachment" (with its id).
func ParseKey(key string) (kind, caseID, id string, ok bool) {
	switch {
	case strings.HasPrefix(key, MaterialPrefix):
		parts := strings.Split(strings.TrimPrefix(key, MaterialPrefix), "/")
		if len(parts) == 2 && parts[0] != "" && parts[1] != "" {
			return "material", parts[0], parts[1], true
		}
	case strings.HasPrefix(key, AttachmentPrefix):
		id := strings.TrimPrefix(key, AttachmentPrefix)
		if id != "" && !strings.Contains(id, "/") {
			return "attachment", "", id, true
		}
	}
	return "", "", "", false
}

// Worker does the ingest work.
type Worker struct {
	Cases   *casefile.Repo
	Apps    *application.Repo
	Audit   *audit.Log
	Uploads *blob.Bucket // uploads and normalised material PDFs
	Limits  dossier.Limits
	TempDir string
}

// ErrBusy means the same material is being ingested by another worker
// right now (a duplicate upload event): retry later.
var ErrBusy = fmt.Errorf("ingest: the same upload is being processed by another worker; retry later (%w)", store.ErrLeaseHeld)

// leaseTTL bounds how long a worker that died mid-job blocks the job's
// redelivery; a live worker renews its lease while it works (store.Hold).
const leaseTTL = store.LeaseTTL

// Material validates and normalises one uploaded scan. It holds a lease on
// the material, so that duplicate upload events processed at once do the
// work once; a redelivery after the work finishes what a crash left undone
// (the content version and the audit record) without repeating the record.
func (w *Worker) Material(ctx context.Context, caseID, id string) error {
	ctx, release, ok, err := store.Hold(ctx, w.Cases.T, "ingest#"+caseID+"#"+id, leaseTTL)
	if err != nil {
		return err
	}
	if !ok {
		return ErrBusy
	}
	defer release()
	m, err := w.Cases.GetMaterial(ctx, caseID, id)
	if err != nil {
		return err
	}
	switch m.Status {
	case casefile.Accepted:
		return w.accepted(ctx, caseID, m)
	case casefile.Rejected:
		return w.once(ctx, rejectEvent(caseID, m))
	}
	dir, err := os.MkdirTemp(w.TempDir, "ingest-")
	if err != nil {
		return fmt.Errorf("ingest: temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "upload")
	if err := download(ctx, w.Uploads, m.UploadKey, src); err != nil {
		return err
	}
	dst := filepath.Join(dir, "out.pdf")
	info, err := dossier.Ingest(ctx, src, dst, w.Limits)
	var rej *dossier.Rejection
	if errors.As(err, &rej) {
		_, err := w.Cases.UpdateMaterial(ctx, caseID, id, func(m *casefile.Material) error {
			m.Status, m.Reason = casefile.Rejected, rej.Reason
			return nil
		})
		if err != nil {
			return err
		}
		m.Reason = rej.Reason
		return w.once(ctx, rejectEvent(caseID, m))
	}
	if err != nil {
		return fmt.Errorf("ingest: material %s: %w", id, err)
	}
	pdfKey := MaterialPDFKey(caseID, id)
	if err := upload(ctx, w.Uploads, dst, pdfKey, "application/pdf"); err != nil {
		return err
	}
	m, err = w.Cases.UpdateMaterial(ctx, caseID, id, func(m *casefile.Material) error {
		m.Status, m.Reason, m.Pages, m.Kind, m.PDFKey = casefile.Accepted, "", info.Pages, info.Kind, pdfKey
		m.Decrypted = info.Decrypted
		return nil
	})
	if err != nil {
		return err
	}
	return w.accepted(ctx, caseID, m)
}

// accepted finishes an accepted material: a new content version of the
// case (the dossier must now contain it), then the material.accept record.
// The record is written after the version moved, so a redelivery that
// finds no record moves the version (perhaps once more, which only costs a
// rebuild) and writes the record.
func (w *Worker) accepted(ctx context.Context, caseID string, m *casefile.Material) error {
	e := audit.Event{Actor: "system", Role: "system", Action: "material.accept",
		CaseID: caseID, Target: m.ID, Result: audit.OK, Detail: map[string]string{"pages": fmt.Sprint(m.Pages), "filename": m.Filename}}
	if m.Decrypted {
		e.Detail["decrypted"] = "owner-password restrictions removed"
	}
	if has, err := w.Audit.Has(ctx, e); err != nil || has {
		return err
	}
	if _, err := w.Cases.Update(ctx, caseID, func(c *casefile.Case) error { c.ContentVersion++; return nil }); err != nil {
		return err
	}
	_, err := w.Audit.Append(ctx, e)
	return err
}

func rejectEvent(caseID string, m *casefile.Material) audit.Event {
	return audit.Event{Actor: "system", Role: "system", Action: "material.reject",
		CaseID: caseID, Target: m.ID, Result: audit.Invalid, Detail: map[string]string{"reason": m.Reason, "filename": m.Filename}}
}

// once appends e unless the log already has it.
func (w *Worker) once(ctx context.Context, e audit.Event) error {
	has, err := w.Audit.Has(ctx, e)
	if err != nil || has {
		return err
	}
	_, err = w.Audit.Append(ctx, e)
	return err
}

// Attachment records that a lawyer's document arrived and what it really
// is (sniffed from its bytes, not its name).
func (w *Worker) Attachment(ctx context.Context, id string) error {
	at, err := w.Apps.GetAttachment(ctx, id)
	if err != nil {
		return err
	}
	attrs, err := w.Uploads.Attributes(ctx, at.Key)
	if err != nil {
		return fmt.Errorf("ingest: attachment %s: %w", id, err)
	}
	r, err := w.Uploads.NewRangeReader(ctx, at.Key, 0, 512, nil)
	if err != nil {
		return fmt.Errorf("ingest: attachment %s: %w", id, err)
	}
	head, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		return fmt.Errorf("ingest: attachment %s: %w", id, err)
	}
	at.Uploaded, at.Size = true, attrs.Size
	at.ContentType = http.DetectContentType(head)
	if i := strings.IndexByte(at.ContentType, ';'); i >= 0 {
		at.ContentType = at.ContentType[:i]
	}
	return w.Apps.PutAttachment(ctx, at)
}

func download(ctx context.Context, b *blob.Bucket, key, dst string) error {
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		return fmt.Errorf("download %s: %w", key, err)
	}
	defer r.Close()
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("download %s: %w", key, err)
	}
	return f.Close()
}

func upload(ctx context.Context, b *blob.Bucket, src, key, ct string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.NewWriter(ctx, key, &gblob.WriterOptions{ContentType: ct})
	if err != nil {
		return fmt.Errorf("upload %s: %w", key, err)
	}
	if _, err := io.Copy(w, f); err != nil {
		cancel() // abandon: nothing half-written becomes visible
		w.Close()
		return fmt.Errorf("upload %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("upload %s: %w", key, err)
	}
	return nil
}

// Download copies object key to the file dst.
func Download(ctx context.Context, b *blob.Bucket, key, dst string) error {
	return download(ctx, b, key, dst)
}

// Upload writes the file src to object key atomically.
func Upload(ctx context.Context, b *blob.Bucket, src, key, contentType string) error {
	return upload(ctx, b, src, key, contentType)
}
