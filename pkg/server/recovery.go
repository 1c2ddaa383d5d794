package server

// Recovery after a crash (docs/recovery.md): the in-process queue loses the
// jobs a dying process held, so the server finds their work again from the
// store — at start, and on every tick of the scheduler — and removes the
// temporary files they left.

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
)

// Recover runs when the server starts, before it serves: a previous process
// may have died (kill -9, a power cut) in the middle of jobs. It removes the
// temporary files jobs leave behind (no job of this process runs yet), and
// re-queues the ingest of every material not decided that nobody works on —
// being checked, decided with the verdict's follow-ups unwritten, or
// awaiting an upload that did arrive — whatever its age, and even when the
// dead process's lease on it has not expired yet: the queue waits for the
// lease (store.ErrLeaseHeld) and runs the job once it has. The first Tick,
// right after, re-queues the approved applications without their dossier.
func (s *Server) Recover(ctx context.Context) {
	s.sweepTemp(time.Now())
	s.requeueStuck(ctx, time.Now(), true)
	s.requeueBehind(ctx, time.Now(), true)
}

// requeueBehind queues the version job of the cases whose ready copies lag
// their content version (reconcile.Versions.Behind): the job was lost with
// the process that held it.
func (s *Server) requeueBehind(ctx context.Context, before time.Time, leased bool) {
	ids, err := reconcile.Versions{Cases: s.ingest.Cases, Apps: s.API.Apps}.Behind(ctx, before, leased)
	if err != nil {
		s.Log.Error("reconcile versions", "err", err)
	}
	for _, id := range ids {
		if err := s.Queue.Send(ctx, queue.Job{Kind: queue.Version, Key: id}); err != nil {
			s.Log.Error("re-queue version", "case", id, "err", err)
		}
	}
	if len(ids) > 0 {
		s.Log.Warn("re-queued the version job of cases whose lawyers' copies lag", "count", len(ids))
	}
}

// requeueStuck queues the ingest of the materials reconcile finds stuck,
// unchanged since before (leased: also those whose lease is held).
func (s *Server) requeueStuck(ctx context.Context, before time.Time, leased bool) {
	ms, err := reconcile.Materials{Cases: s.ingest.Cases, Uploads: s.ingest.Uploads}.Stuck(ctx, before, leased)
	if err != nil {
		s.Log.Error("reconcile materials", "err", err)
	}
	for _, m := range ms {
		p, _ := json.Marshal(map[string]string{"CaseID": m.CaseID, "ID": m.ID})
		if err := s.Queue.Send(ctx, queue.Job{Kind: queue.IngestMaterial, Key: m.ID, Payload: p}); err != nil {
			s.Log.Error("re-queue ingest", "material", m.ID, "err", err)
		}
	}
	if len(ms) > 0 {
		s.Log.Warn("re-queued the ingest of materials left undecided", "count", len(ms))
	}
}

// requeueHeld queues again the assembly of the case's approved applications
// whose dossier waits for its materials (application.Hold): the ingest
// worker calls it when a material of the case is decided.
func (s *Server) requeueHeld(ctx context.Context, caseID string) error {
	ids, err := s.API.Apps.PendingWork(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		a, err := s.API.Apps.Get(ctx, id)
		if err != nil {
			continue
		}
		if a.CaseID == caseID && a.Status == application.Approved && a.Hold != nil {
			_ = s.Queue.Send(ctx, queue.Job{Kind: queue.Assemble, Key: id})
		}
	}
	// A decided material may make a new dossier version for the lawyers
	// whose copies are ready (docs/versions.md).
	_ = s.Queue.Send(ctx, queue.Job{Kind: queue.Version, Key: caseID})
	return nil
}

// blobTemp matches the temporary files of a local bucket's writes, next to
// the objects: "<key>.<hex>.tmp" and
// their attributes "<key>.<hex>.tmp.attrs" (blob.IsTemp; pkg/blob/local.go).
var blobTemp = regexp.MustCompile(`\.[0-9a-f]+\.tmp(\.attrs)?$`)

// sweepTemp removes what jobs that died leave on disk, untouched since
// before: their working directories under tmp/ (tmp/ingest-*,
// tmp/assemble-*) and the half-written objects under objects/ (a base
// dossier cut off mid-write is "<key>.<hex>.tmp"). A job at work writes to
// its files as it goes, so a cut-off an hour back spares every live one.
func (s *Server) sweepTemp(before time.Time) {
	var removed int
	tmp := filepath.Join(s.Config.DataDir, "tmp")
	ents, _ := os.ReadDir(tmp)
	for _, e := range ents {
		if !e.IsDir() || !(strings.HasPrefix(e.Name(), "ingest-") || strings.HasPrefix(e.Name(), "assemble-")) {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		if newest(dir).Before(before) {
			if err := os.RemoveAll(dir); err != nil {
				s.Log.Warn("remove a dead job's files", "dir", dir, "err", err)
				continue
			}
			removed++
		}
	}
	if s.Uploads != nil {
		_ = filepath.WalkDir(filepath.Join(s.Config.DataDir, "objects"), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !blobTemp.MatchString(d.Name()) {
				return nil
			}
			if info, err := d.Info(); err == nil && info.ModTime().Before(before) {
				if os.Remove(p) == nil {
					removed++
				}
			}
			return nil
		})
	}
	if removed > 0 {
		s.Log.Warn("removed temporary files of jobs that died", "count", removed)
	}
}

// newest is the latest modification time of dir and what is in it.
func newest(dir string) time.Time {
	var t time.Time
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if info, err := d.Info(); err == nil && info.ModTime().After(t) {
			t = info.ModTime()
		}
		return nil
	})
	return t
}
