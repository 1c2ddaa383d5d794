package service

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// The clerk's changes to a case's materials: delete, replace, rename, move
// and re-order, and resuming an upload never made. Until a dossier is built
// from the case's current content version they only change the materials;
// once one is (or may be being) built, a change to what a dossier shows
// starts a new content version, so the next assembly builds a new base
// (docs/design.md, "Changing materials").

// lapse is when a material registered (or given a fresh upload URL) now
// stops existing if its upload never comes: the URL's life and a quarter
// more, for a PUT begun just before the URL expired to finish.
func (s *Service) lapse() *time.Time {
	t := s.now().Add(s.uploadTTL() + s.uploadTTL()/4)
	return &t
}

// busy refuses a change to m while it is being checked or its verdict's
// follow-ups are unwritten: ingest is at work on it.
func busy(m *casefile.Material) error {
	if m.Status == casefile.Processing || m.Unfinished {
		return Fail(MaterialBusy, msg.MaterialBusy)
	}
	return nil
}

// replacementOf is the material of ms that replaces id and is not yet
// accepted, if any.
func replacementOf(ms []*casefile.Material, id string) *casefile.Material {
	for _, m := range ms {
		if m.Replaces == id && m.Status != casefile.Accepted {
			return m
		}
	}
	return nil
}

// shown reports whether m is in the dossier the case's content makes.
func shown(m *casefile.Material) bool { return m.Status == casefile.Accepted }

// contentChanged starts a new content version of cs if its current one has
// a base dossier, or may be getting one: a dossier.assemble record of the
// version, or an approved application whose assembly may be building it
// right now from the materials as they were.
func (s *Service) contentChanged(ctx context.Context, cs *casefile.Case) error {
	c, err := s.Cases.Get(ctx, cs.ID)
	if err != nil {
		return err
	}
	built := false
	apps, err := s.Apps.ByCase(ctx, cs.ID)
	if err != nil {
		return err
	}
	for _, a := range apps {
		if a.Status == application.Approved {
			built = true
		}
	}
	if !built {
		v := strconv.Itoa(c.ContentVersion)
		err = s.Audit.Each(ctx, audit.Filter{CaseID: cs.ID, Action: audit.DossierAssemble}, func(e audit.Event) error {
			if e.Detail["version"] == v {
				built = true
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if !built {
		return nil
	}
	if _, err = s.Cases.Update(ctx, cs.ID, func(x *casefile.Case) error { x.ContentVersion++; return nil }); err != nil {
		return err
	}
	// The lawyers whose copies are ready get the new version (its job); a
	// job not queued is the scheduler's to catch up, not the clerk's error.
	if err := s.CaseChanged(ctx, cs.ID); err != nil {
		s.log().Error("new dossier version not queued", "case", cs.ID, "err", err)
	}
	return nil
}

func materialDetail(m *casefile.Material) map[string]string {
	return map[string]string{"title": m.Title, "filename": m.Filename, "volume": strconv.Itoa(m.Volume),
		"seq": strconv.Itoa(m.Seq), "status": string(m.Status)}
}

// DeleteMaterial removes material id from case cs (authorized by the
// caller): a mistaken or rejected scan, or an upload never made. One being
// checked waits for its verdict. Its stored objects stay.
func (s *Service) DeleteMaterial(ctx context.Context, c Caller, cs *casefile.Case, id string) (*casefile.Material, error) {
	m, err := s.Cases.DeleteMaterial(ctx, cs.ID, id, busy)
	if err != nil {
		return nil, found(err, Fail(MaterialNotFound, msg.MaterialNotFound))
	}
	if shown(m) {
		if err := s.contentChanged(ctx, cs); err != nil {
			return nil, internal(err)
		}
	}
	s.record(ctx, c, audit.Event{Action: audit.MaterialDelete, CaseID: cs.ID, Target: m.ID, Result: audit.OK, Detail: materialDetail(m)})
	return m, nil
}

// MaterialChange is what a clerk changes of a material: its title, its
// volume (and that volume's title), its place in the volume. Nil: kept.
type MaterialChange struct {
	Title       *string
	Volume      *int
	VolumeTitle *string
	Seq         *int
}

// ChangeMaterial renames material id of case cs (authorized by the
// caller) or moves it to another volume or place; its id stays. Moved to
// another volume without a place, it goes last there, under that volume's
// title unless one is given.
func (s *Service) ChangeMaterial(ctx context.Context, c Caller, cs *casefile.Case, id string, ch MaterialChange) (*casefile.Material, error) {
	ms, err := s.Cases.Materials(ctx, cs.ID)
	if err != nil {
		return nil, internal(err)
	}
	var before *casefile.Material
	for _, m := range ms {
		if m.ID == id {
			before = m
		}
	}
	if before == nil {
		return nil, Fail(MaterialNotFound, msg.MaterialNotFound)
	}
	after, err := s.Cases.UpdateMaterial(ctx, cs.ID, id, func(m *casefile.Material) error {
		if ch.Title != nil {
			m.Title = *ch.Title
		}
		if ch.Volume != nil && *ch.Volume != m.Volume {
			m.Volume, m.Seq = *ch.Volume, 1
			for _, x := range ms {
				if x.Volume == m.Volume && x.ID != m.ID {
					m.Seq = max(m.Seq, x.Seq+1)
					if ch.VolumeTitle == nil && x.VolumeTitle != "" {
						m.VolumeTitle = x.VolumeTitle
					}
				}
			}
		}
		if ch.VolumeTitle != nil {
			m.VolumeTitle = *ch.VolumeTitle
		}
		if ch.Seq != nil {
			m.Seq = *ch.Seq
		}
		return m.Validate()
	})
	var ps casefile.Problems
	if errors.As(err, &ps) {
		return nil, InvalidError(ps)
	}
	if err != nil {
		return nil, found(err, Fail(MaterialNotFound, msg.MaterialNotFound))
	}
	renamed := after.Title != before.Title
	moved := after.Volume != before.Volume || after.Seq != before.Seq || after.VolumeTitle != before.VolumeTitle
	if rp := replacementOf(ms, id); rp != nil && (renamed || moved) {
		// The replacement pending takes the material's place when it is
		// accepted: it follows the change, so the change is not lost then.
		if _, err := s.Cases.UpdateMaterial(ctx, cs.ID, rp.ID, func(m *casefile.Material) error {
			m.Title, m.Volume, m.VolumeTitle, m.Seq = after.Title, after.Volume, after.VolumeTitle, after.Seq
			return nil
		}); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, internal(err)
		}
	}
	if shown(after) && (renamed || moved) {
		if err := s.contentChanged(ctx, cs); err != nil {
			return nil, internal(err)
		}
	}
	if renamed {
		s.record(ctx, c, audit.Event{Action: audit.MaterialRename, CaseID: cs.ID, Target: id, Result: audit.OK,
			Detail: map[string]string{"oldTitle": before.Title, "title": after.Title}})
	}
	if moved {
		s.record(ctx, c, audit.Event{Action: audit.MaterialMove, CaseID: cs.ID, Target: id, Result: audit.OK,
			Detail: map[string]string{"oldPlace": place(before), "place": place(after), "title": after.Title}})
	}
	return after, nil
}

func place(m *casefile.Material) string {
	return "第" + strconv.Itoa(m.Volume) + "卷第" + strconv.Itoa(m.Seq) + "号"
}

// OrderVolume puts the materials of volume vol of case cs (authorized by
// the caller) in the order ids gives, which names each of them once: they
// are numbered 1, 2, … in it. It returns the case's materials.
func (s *Service) OrderVolume(ctx context.Context, c Caller, cs *casefile.Case, vol int, ids []string) ([]*casefile.Material, error) {
	ms, err := s.Cases.Materials(ctx, cs.ID)
	if err != nil {
		return nil, internal(err)
	}
	var have []string
	old := map[string]*casefile.Material{}
	for _, m := range ms {
		if m.Volume == vol {
			have = append(have, m.ID)
			old[m.ID] = m
		}
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	slices.Sort(have)
	if len(have) == 0 || !slices.Equal(want, have) {
		return nil, InvalidError(casefile.Problems{{Field: "ids", Message: msg.OrderMismatch.Format(vol)}})
	}
	changed := false
	for i, id := range ids {
		if old[id].Seq == i+1 {
			continue
		}
		if _, err := s.Cases.UpdateMaterial(ctx, cs.ID, id, func(m *casefile.Material) error { m.Seq = i + 1; return nil }); err != nil {
			return nil, found(err, Fail(MaterialNotFound, msg.MaterialNotFound))
		}
		changed = changed || shown(old[id])
	}
	if changed {
		if err := s.contentChanged(ctx, cs); err != nil {
			return nil, internal(err)
		}
	}
	before := make([]string, 0, len(ms))
	for _, m := range ms {
		if m.Volume == vol {
			before = append(before, m.ID)
		}
	}
	if !slices.Equal(before, ids) {
		s.record(ctx, c, audit.Event{Action: audit.MaterialMove, CaseID: cs.ID, Target: "volume " + strconv.Itoa(vol), Result: audit.OK,
			Detail: map[string]string{"volume": strconv.Itoa(vol), "order": strings.Join(ids, ",")}})
	}
	return s.MaterialsOf(ctx, cs)
}

// ReplaceMaterial registers a new scan (filename, size; title, if given,
// else the old one's) in the place of material id of case cs (authorized
// by the caller) and issues its upload. The replacement has its own id.
// An accepted material stays in the dossier until its replacement is
// accepted (ingest then removes it, and the new content version follows
// from the acceptance); a rejected one, or one never uploaded, goes at
// once. One replacement at a time.
func (s *Service) ReplaceMaterial(ctx context.Context, c Caller, cs *casefile.Case, id, filename string, size int64, title string) (*casefile.Material, *Upload, error) {
	ms, err := s.Cases.Materials(ctx, cs.ID)
	if err != nil {
		return nil, nil, internal(err)
	}
	var old *casefile.Material
	for _, m := range ms {
		if m.ID == id {
			old = m
		}
	}
	if old == nil {
		return nil, nil, Fail(MaterialNotFound, msg.MaterialNotFound)
	}
	if err := busy(old); err != nil {
		return nil, nil, err
	}
	if replacementOf(ms, id) != nil {
		return nil, nil, Fail(MaterialBusy, msg.MaterialReplacing)
	}
	if title == "" {
		title = old.Title
	}
	nm := &casefile.Material{Volume: old.Volume, VolumeTitle: old.VolumeTitle, Seq: old.Seq, Title: title, Filename: filename, Size: size}
	if shown(old) {
		nm.Replaces = old.ID
	}
	nm, up, err := s.RegisterMaterial(ctx, c, cs, nm)
	if err != nil {
		return nil, nil, err
	}
	if !shown(old) {
		// Nothing of it is in a dossier: it goes now (unless it changed
		// meanwhile: then it stays for the clerk to see).
		if _, err := s.Cases.DeleteMaterial(ctx, cs.ID, old.ID, func(m *casefile.Material) error {
			if m.Status != old.Status {
				return casefile.ErrMaterialChanged
			}
			return nil
		}); err != nil && !errors.Is(err, casefile.ErrMaterialChanged) && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, internal(err)
		}
	}
	d := materialDetail(old)
	d["replaces"], d["newFilename"] = old.ID, nm.Filename
	s.record(ctx, c, audit.Event{Action: audit.MaterialReplace, CaseID: cs.ID, Target: nm.ID, Result: audit.OK, Detail: d})
	return nm, up, nil
}

// ResumeUpload issues a fresh upload URL for material id of case cs
// (authorized by the caller) still awaiting its scan (the page that began
// the upload was closed or reloaded), and keeps the material that much
// longer.
func (s *Service) ResumeUpload(ctx context.Context, cs *casefile.Case, id string) (*casefile.Material, *Upload, error) {
	m, err := s.Cases.UpdateMaterial(ctx, cs.ID, id, func(m *casefile.Material) error {
		if m.Status != casefile.AwaitingUpload || m.Size <= 0 {
			return Fail(UploadNotAwaited, msg.UploadNotAwaited)
		}
		m.LapsesAt = s.lapse()
		return nil
	})
	if err != nil {
		return nil, nil, found(err, Fail(MaterialNotFound, msg.MaterialNotFound))
	}
	up, err := s.upload(ctx, m.UploadKey, m.Size)
	if err != nil {
		return nil, nil, internal(err)
	}
	return m, up, nil
}
