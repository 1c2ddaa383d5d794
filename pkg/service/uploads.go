package service

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
)

// Upload is where the caller puts a file: a URL that takes one PUT of
// exactly the declared size, with the headers that PUT must carry
// (blob.PutHeaders: the object is written once).
type Upload struct {
	URL     string
	Headers map[string]string
}

func (s *Service) uploadTTL() time.Duration {
	if s.UploadTTL > 0 {
		return s.UploadTTL
	}
	return time.Hour
}

func (s *Service) maxUpload() int64 {
	if s.MaxUpload > 0 {
		return s.MaxUpload
	}
	return limits.UploadBytes
}

// upload issues the upload of size bytes to key.
func (s *Service) upload(ctx context.Context, key string, size int64) (*Upload, error) {
	u, err := blob.SignedPutURL(ctx, s.Uploads, key, size, s.uploadTTL())
	if err != nil {
		return nil, err
	}
	h := map[string]string{}
	for k, v := range blob.PutHeaders() {
		h[k] = v[0]
	}
	return &Upload{URL: u, Headers: h}, nil
}

// sizeProblem says what is wrong with the declared size of an upload, if
// anything: it is required, at least 1 byte and at most the upload limit,
// for the upload URL accepts exactly that many bytes.
func (s *Service) sizeProblem(size int64) *casefile.Problem {
	lim := s.maxUpload()
	switch {
	case size < 1:
		return &casefile.Problem{Field: "size", Message: msg.SizeRequired.Format(lim, lim>>20, lim, lim>>20)}
	case size > lim:
		return &casefile.Problem{Field: "size", Message: msg.SizeTooLarge.Format(size, lim>>20, lim, size, lim>>20, lim)}
	}
	return nil
}

// RegisterMaterial registers material m (its description and declared
// size) in case cs (authorized by the caller) and issues its upload: the
// scan is put there once, and ingest checks it.
func (s *Service) RegisterMaterial(ctx context.Context, c Caller, cs *casefile.Case, m *casefile.Material) (*casefile.Material, *Upload, error) {
	m.CaseID = cs.ID
	var ps casefile.Problems
	if p := s.sizeProblem(m.Size); p != nil {
		// Every problem at once: the description's too.
		if err := m.Validate(); !errors.As(err, &ps) {
			ps = nil
		}
		return nil, nil, InvalidError(append(ps, *p))
	}
	m.LapsesAt = s.lapse() // never uploaded, it goes by itself (materials.go)
	err := s.Cases.AddMaterial(ctx, m)
	if errors.As(err, &ps) {
		return nil, nil, InvalidError(ps)
	}
	if err != nil {
		return nil, nil, internal(err)
	}
	m.UploadKey = casefile.MaterialUploadKey(cs.ID, m.ID)
	if _, err := s.Cases.UpdateMaterial(ctx, cs.ID, m.ID, func(x *casefile.Material) error { x.UploadKey = m.UploadKey; return nil }); err != nil {
		return nil, nil, internal(err)
	}
	up, err := s.upload(ctx, m.UploadKey, m.Size)
	if err != nil {
		return nil, nil, internal(err)
	}
	s.record(ctx, c, audit.Event{Action: audit.MaterialUpload, CaseID: cs.ID, Target: m.ID, Result: audit.OK,
		Detail: map[string]string{"filename": m.Filename, "volume": strconv.Itoa(m.Volume), "seq": strconv.Itoa(m.Seq), "size": strconv.FormatInt(m.Size, 10)}})
	return m, up, nil
}

// MaterialOf is material id of case cs (authorized by the caller) and,
// while it awaits its scan, a fresh upload for the same size: the clerk
// may have lost the first. (A material registered before sizes were
// declared has none: it is registered again.)
func (s *Service) MaterialOf(ctx context.Context, cs *casefile.Case, id string) (*casefile.Material, *Upload, error) {
	m, err := s.Cases.GetMaterial(ctx, cs.ID, id)
	if err != nil {
		return nil, nil, found(err, Fail(MaterialNotFound, msg.MaterialNotFound))
	}
	if m.Status != casefile.AwaitingUpload || m.Size <= 0 {
		return m, nil, nil
	}
	up, err := s.upload(ctx, m.UploadKey, m.Size)
	if err != nil {
		return m, nil, nil // the material still answers; its URL is asked for again
	}
	return m, up, nil
}

// AddAttachment registers the caller's attachment (a document of an
// application, a complaint or an opinion) of kind, named filename, of size
// bytes, and issues its upload. It is the caller's alone (AttachmentFor).
func (s *Service) AddAttachment(ctx context.Context, c Caller, kind application.AttachmentKind, filename string, size int64) (*application.Attachment, *Upload, error) {
	var ps casefile.Problems
	if !kind.Valid() {
		ps = append(ps, casefile.Problem{Field: "kind", Message: string(msg.AttachmentKind)})
	}
	filename = strings.TrimSpace(filename)
	if filename == "" {
		ps = append(ps, casefile.Problem{Field: "filename", Message: string(msg.FilenameRequired)})
	} else {
		ps.Text(limits.Filename, "filename", filename)
	}
	if p := s.sizeProblem(size); p != nil {
		ps = append(ps, *p)
	}
	if len(ps) > 0 {
		return nil, nil, InvalidError(ps)
	}
	at := &application.Attachment{ID: casefile.NewID(), Kind: kind, Filename: filename, Owner: Owner(c.Identity), CreatedAt: s.now()}
	at.Key = application.AttachmentUploadKey(at.ID)
	if err := s.Apps.PutAttachment(ctx, at); err != nil {
		return nil, nil, internal(err)
	}
	up, err := s.upload(ctx, at.Key, size)
	if err != nil {
		return nil, nil, internal(err)
	}
	s.record(ctx, c, audit.Event{Action: audit.AttachmentUpload, Target: at.ID, Result: audit.OK, Detail: map[string]string{"kind": string(at.Kind), "size": strconv.FormatInt(size, 10)}})
	return at, up, nil
}
