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
	"time"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
	"github.com/yuejuan/yuejuan/internal/crashpoint"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/ocr"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
	"github.com/yuejuan/yuejuan/pkg/scan"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Object keys of uploads, as casefile and application declare them (the
// API, which issues the upload URLs, does not import ingest). The key alone
// says what an object is, so an ObjectCreated event needs no lookup to be
// routed.
const (
	MaterialPrefix   = casefile.MaterialUploadPrefix
	AttachmentPrefix = application.AttachmentUploadPrefix
)

// MaterialUploadKey is casefile.MaterialUploadKey.
func MaterialUploadKey(caseID, id string) string { return casefile.MaterialUploadKey(caseID, id) }

// MaterialPDFKey is where its normalised PDF goes.
func MaterialPDFKey(caseID, id string) string { return "materials/" + caseID + "/" + id + ".pdf" }

// AttachmentUploadKey is application.AttachmentUploadKey.
func AttachmentUploadKey(id string) string { return application.AttachmentUploadKey(id) }

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
	Limits  scan.Limits
	TempDir string
	// OCR recognises the text of the pages that have none (pkg/ocr);
	// nil switches recognition off.
	OCR *ocr.Engine
	// OnDecided, when set, runs after a material is decided (its verdict and
	// the verdict's follow-ups all written): the local server re-queues the
	// case's dossiers that wait for it. An error is logged by the caller
	// only; the scheduler's reconciliation re-queues them anyway.
	OnDecided func(ctx context.Context, caseID string) error
}

// ErrBusy means the same material is being ingested by another worker
// right now (a duplicate upload event): retry later.
var ErrBusy = fmt.Errorf("ingest: the same upload is being processed by another worker; retry later (%w)", store.ErrLeaseHeld)

// leaseTTL bounds how long a worker that died mid-job blocks the job's
// redelivery; a live worker renews its lease while it works (store.Hold).
const leaseTTL = store.LeaseTTL

// MaxRuns is how many ingest runs of one upload may begin and never end (the
// process died during them: a file that crashes the checker, say) before the
// upload is refused instead of being tried again: a reconciler re-queues a
// material stuck in processing, and without the bound a file that kills the
// server would kill it again after every restart.
const MaxRuns = 3

// Material validates and normalises one uploaded scan. It holds a lease on
// the material, so that duplicate upload events processed at once do the
// work once. The verdict is written with the mark Unfinished, then its
// follow-ups (for an accepted material the case's new content version, then
// the audit record, written once), then the mark is cleared: a crash
// anywhere leaves the material listed as open, and a redelivery or the
// reconciler's re-run finishes what is missing without repeating a record
// (docs/recovery.md).
func (w *Worker) Material(ctx context.Context, caseID, id string) (err error) {
	ctx, release, ok, err := store.Hold(ctx, w.Cases.T, reconcile.IngestLease(caseID, id), leaseTTL) // the lease a reconciler spares
	if err != nil {
		return err
	}
	if !ok {
		return ErrBusy
	}
	defer release()
	m, err := w.Cases.GetMaterial(ctx, caseID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // removed by the clerk, or lapsed unuploaded: an upload arriving after is not checked
	}
	if err != nil {
		return err
	}
	switch m.Status {
	case casefile.Accepted:
		return w.finish(ctx, m)
	case casefile.Rejected:
		return w.finish(ctx, m)
	}
	// A run begins: counted before the work, uncounted when it ends in an
	// error, so that only runs that never ended (the process died) stay
	// counted.
	m, err = w.Cases.UpdateMaterial(ctx, caseID, id, func(x *casefile.Material) error {
		x.Runs++
		return nil
	})
	if err != nil {
		return err
	}
	if m.Runs > MaxRuns {
		reason := fmt.Sprintf("检查该文件时服务已中断 %d 次，文件可能过大或已损坏，请检查后重新上传 (checking this file was interrupted %d times: it may be too large or damaged; check it and upload it again)", m.Runs-1, m.Runs-1)
		return w.reject(ctx, m, reason)
	}
	defer func() {
		if err != nil {
			_, _ = w.Cases.UpdateMaterial(context.WithoutCancel(ctx), caseID, id, func(x *casefile.Material) error {
				if x.Status == casefile.Processing && x.Runs > 0 {
					x.Runs--
				}
				return nil
			})
		}
	}()
	crashpoint.Reach(ctx, "ingest.start")
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
	info, err := scan.Ingest(ctx, src, dst, w.Limits)
	var rej *scan.Rejection
	if errors.As(err, &rej) {
		return w.reject(ctx, m, rej.Reason)
	}
	if err != nil {
		return fmt.Errorf("ingest: material %s: %w", id, err)
	}
	rec, err := w.recognize(ctx, dst, caseID, id, info.Pages)
	if err != nil {
		return err
	}
	pdfKey := MaterialPDFKey(caseID, id)
	if err := upload(ctx, w.Uploads, dst, pdfKey, "application/pdf"); err != nil {
		return err
	}
	decided := time.Now()
	m, err = w.Cases.UpdateMaterial(ctx, caseID, id, func(m *casefile.Material) error {
		m.Status, m.Reason, m.Pages, m.Kind, m.PDFKey = casefile.Accepted, "", info.Pages, string(info.Kind), pdfKey
		m.Decrypted, m.Repaired = info.Decrypted, info.Repaired
		rec.apply(m)
		m.Unfinished = true
		return nil
	})
	if err != nil {
		return err
	}
	crashpoint.Reach(ctx, "ingest.accepted")
	return w.finishSince(ctx, m, decided)
}

// reject writes the rejection (marked unfinished) and finishes it. The
// caller holds the material's lease and found it undecided.
func (w *Worker) reject(ctx context.Context, m *casefile.Material, reason string) error {
	decided := time.Now()
	m, err := w.Cases.UpdateMaterial(ctx, m.CaseID, m.ID, func(x *casefile.Material) error {
		x.Status, x.Reason, x.Unfinished = casefile.Rejected, reason, true
		return nil
	})
	if err != nil {
		return err
	}
	return w.finishSince(ctx, m, decided)
}

// recordSlack is how much earlier than its verdict a verdict's record is
// still looked for (finishSince): the appenders' clocks may differ a little
// (on AWS they are other machines), and a record's time is taken before its
// append (which retries for at most about half a second). It is short
// because what the look-up reads is what the case recorded in that time:
// during a 1,000-scan upload, 30 s was over a thousand records.
const recordSlack = 5 * time.Second

// finish writes what follows a verdict, each part once, then clears the
// material's Unfinished mark: for an accepted material a new content
// version of the case (the dossier must now contain it) and then the
// material.accept record; for a rejected one the material.reject record.
// The record is written after the version moved, so a redelivery that finds
// no record moves the version (perhaps once more, which only costs a
// rebuild) and writes the record; one that finds the record knows the
// version moved. A material decided before the mark existed is finished the
// same way (its record is looked for).
func (w *Worker) finish(ctx context.Context, m *casefile.Material) error {
	return w.finishSince(ctx, m, time.Time{})
}

// finishSince is finish for a verdict this run wrote at decided, under the
// material's lease, from a material still undecided: its record cannot be
// older than the verdict (an upload is written once, so a material is
// decided once, and its record follows its verdict), so the log is searched
// back only to a little before it (audit.Log.HasSince), not through the
// case's whole history. A zero decided searches the whole history.
func (w *Worker) finishSince(ctx context.Context, m *casefile.Material, decided time.Time) error {
	var since time.Time
	if !decided.IsZero() {
		since = decided.Add(-recordSlack)
	}
	if m.Status == casefile.Rejected {
		if err := w.once(ctx, rejectEvent(m.CaseID, m), since); err != nil {
			return err
		}
	} else if err := w.replaced(ctx, m); err != nil {
		return err
	} else if err := w.accepted(ctx, m.CaseID, m, since); err != nil {
		return err
	}
	if !m.Unfinished {
		return nil
	}
	if _, err := w.Cases.UpdateMaterial(ctx, m.CaseID, m.ID, func(x *casefile.Material) error {
		x.Unfinished = false
		return nil
	}); err != nil {
		return err
	}
	if w.OnDecided != nil {
		return w.OnDecided(ctx, m.CaseID)
	}
	return nil
}

// replaced removes the material an accepted replacement m replaces (see
// casefile.Material.Replaces), before the new content version is written,
// so the version that includes m excludes it. Its stored objects stay.
func (w *Worker) replaced(ctx context.Context, m *casefile.Material) error {
	if m.Replaces == "" {
		return nil
	}
	_, err := w.Cases.DeleteMaterial(ctx, m.CaseID, m.Replaces, nil)
	if errors.Is(err, store.ErrNotFound) {
		return nil // removed before (a redelivery), or by the clerk
	}
	return err
}

// accepted writes the new content version and the material.accept record,
// unless the record is there (see finish).
func (w *Worker) accepted(ctx context.Context, caseID string, m *casefile.Material, since time.Time) error {
	e := audit.Event{Actor: "system", Role: "system", Action: audit.MaterialAccept,
		CaseID: caseID, Target: m.ID, Result: audit.OK, Detail: map[string]string{"pages": fmt.Sprint(m.Pages), "filename": m.Filename}}
	if m.Decrypted {
		e.Detail["decrypted"] = "owner-password restrictions removed"
	}
	if len(m.Repaired) > 0 {
		e.Detail["repaired"] = strings.Join(m.Repaired, "; ")
	}
	ocrDetail(m, e.Detail)
	if has, err := w.Audit.HasSince(ctx, e, since); err != nil || has {
		return err
	}
	if _, err := w.Cases.Update(ctx, caseID, func(c *casefile.Case) error { c.ContentVersion++; return nil }); err != nil {
		return err
	}
	crashpoint.Reach(ctx, "ingest.version")
	_, err := w.Audit.Append(ctx, e)
	return err
}

func rejectEvent(caseID string, m *casefile.Material) audit.Event {
	return audit.Event{Actor: "system", Role: "system", Action: audit.MaterialReject,
		CaseID: caseID, Target: m.ID, Result: audit.Invalid, Detail: map[string]string{"reason": m.Reason, "filename": m.Filename}}
}

// once appends e unless the log already has it (appended since since, when
// that is not zero: see finishSince).
func (w *Worker) once(ctx context.Context, e audit.Event, since time.Time) error {
	has, err := w.Audit.HasSince(ctx, e, since)
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
	pages, readErr := 1, error(nil)
	if at.ContentType == "application/pdf" {
		pages, readErr = w.attachmentPages(ctx, at)
		var rej *scan.Rejection
		if readErr != nil && !errors.As(readErr, &rej) {
			return fmt.Errorf("ingest: attachment %s: %w", id, readErr) // not the file's fault: again
		}
	}
	// The verdict is final here, so the lawyer's page can show it as soon
	// as the file arrived (issue 16, defect 6).
	application.Judge(at, pages, readErr)
	return w.Apps.PutAttachment(ctx, at)
}

// attachmentPages is the page count of PDF attachment at, read as ingest
// reads a scan (pdfcpu, with its repairs); an error for a PDF no reader
// opens.
func (w *Worker) attachmentPages(ctx context.Context, at *application.Attachment) (int, error) {
	if err := cjkfont.Ensure(); err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "yuejuan-attachment-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "in.pdf")
	if err := download(ctx, w.Uploads, at.Key, src); err != nil {
		return 0, err
	}
	f, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	lim := w.Limits
	if lim.MaxPages == 0 {
		lim = scan.DefaultLimits()
	}
	_, pgs, err := scan.ReadPDF(ctx, f, at.Filename, lim)
	return len(pgs), err
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
	w, err := b.NewWriter(ctx, key, &blob.WriterOptions{ContentType: ct})
	if err != nil {
		return fmt.Errorf("upload %s: %w", key, err)
	}
	if _, err := io.Copy(w, crashpoint.Reader(ctx, "write:"+key, f)); err != nil {
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
