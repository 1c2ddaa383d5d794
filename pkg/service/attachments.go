package service

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/msg"
)

// The documents an application rests on (practice certificate, firm
// letter, power of attorney), as the deciding clerk and the applying lawyer
// open them: a clerk must not decide blind (issue 16, defect 1).

// everAttached reports whether attachment id was sent with app, now or in
// an earlier round of corrections (补正): the history keeps every round.
func everAttached(app *application.Application, id string) bool {
	if slices.Contains(app.Attachments, id) {
		return true
	}
	for _, r := range app.Corrections {
		if slices.Contains(r.Replaced, id) {
			return true
		}
	}
	return false
}

// AttachmentsOf is what the caller sees of app's documents: their sniffed
// type, size, pages and verdict, in the order sent; the applying lawyer's
// and the unit's clerks' (app authorized by ApplicationFor), nobody
// else's (nil). A record that cannot be read is left out.
func (s *Service) AttachmentsOf(ctx context.Context, c Caller, app *application.Application) []*application.Attachment {
	if c.Role != auth.Lawyer && c.Role != auth.Clerk {
		return nil
	}
	var out []*application.Attachment
	for _, id := range app.Attachments {
		if at, err := s.Apps.GetAttachment(ctx, id); err == nil {
			out = append(out, at)
		}
	}
	return out
}

// OpenAttachment is attachment attID of application appID opened for
// reading, for the applying lawyer and the clerks of the unit deciding it
// (an auditor sees who opened what, not the documents); anything else is
// answered as absent and audited. Each opening is audited as
// attachment.view. The caller closes the reader.
func (s *Service) OpenAttachment(ctx context.Context, c Caller, appID, attID string) (*application.Attachment, io.ReadCloser, error) {
	app, err := s.ApplicationFor(ctx, c, appID)
	if err != nil {
		return nil, nil, err
	}
	notFound := Fail(AttachmentNotFound, msg.AttachmentNotFound)
	denied := audit.Event{ApplicationID: app.ID, CaseID: app.CaseID, Target: attID}
	if c.Role != auth.Lawyer && c.Role != auth.Clerk {
		denied.Detail = map[string]string{"reason": "not the applicant or the deciding unit"}
		return nil, nil, s.deny(ctx, c, denied, notFound)
	}
	if !everAttached(app, attID) {
		denied.Detail = map[string]string{"reason": "not an attachment of the application"}
		return nil, nil, s.deny(ctx, c, denied, notFound)
	}
	at, err := s.Apps.GetAttachment(ctx, attID)
	if err != nil || !at.Uploaded {
		e := Fail(AttachmentNotFound, msg.AttachmentNotFound)
		e.Err = err
		return nil, nil, e
	}
	if s.Uploads == nil {
		return nil, nil, internal(errNoUploads)
	}
	rc, err := s.Uploads.NewReader(ctx, at.Key, nil)
	if err != nil {
		return nil, nil, internal(err)
	}
	// The record before the bytes, as for a download: a document nobody
	// can later show was opened is not served.
	if _, err := s.Audit.Append(ctx, c.Fill(audit.Event{Action: audit.AttachmentView, ApplicationID: app.ID, CaseID: app.CaseID, Target: at.ID, Result: audit.OK,
		Detail: map[string]string{"kind": string(at.Kind), "contentType": at.ContentType, "size": strconv.FormatInt(at.Size, 10)}})); err != nil {
		rc.Close()
		return nil, nil, internal(err)
	}
	return at, rc, nil
}

// errNoUploads: this function was given no uploads bucket.
var errNoUploads = errors.New("service: no uploads bucket here; documents cannot be read")
