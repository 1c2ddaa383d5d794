package service

import (
	"context"
	"errors"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/complaint"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/opinion"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Who may see and touch what. Something the caller may not see is answered
// as if it did not exist (the same not-found error), and the attempt is
// audited: a caller learns nothing of another unit's or another lawyer's
// files.

// MayRead is who may see a lawyer's request (an application, a complaint,
// an opinion): the lawyer who made it, a clerk of the unit it went to, and
// any auditor.
func MayRead(id auth.Identity, lawyer, unit string) bool {
	switch id.Role {
	case auth.Auditor:
		return true
	case auth.Lawyer:
		return lawyer == id.Subject
	case auth.Clerk:
		return unit == id.Unit
	}
	return false
}

// deny audits a refused access to e's target and returns notFound.
func (s *Service) deny(ctx context.Context, c Caller, e audit.Event, notFound *Error) error {
	e.Action, e.Result = audit.AccessDeny, audit.Denied
	s.record(ctx, c, e)
	return notFound
}

// found is err as the use case answers it: the not-found error nf for a
// missing item, err's own code otherwise.
func found(err error, nf *Error) error {
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Code: nf.Code, Message: nf.Message, Err: err}
	}
	return internal(err)
}

// CaseFor is case id as the caller may work on it: a clerk their own
// unit's, an auditor any.
func (s *Service) CaseFor(ctx context.Context, c Caller, id string) (*casefile.Case, error) {
	cs, err := s.Cases.Get(ctx, id)
	if err != nil {
		return nil, found(err, Fail(CaseNotFound, msg.CaseNotFound))
	}
	if c.Role != auth.Auditor && (c.Role != auth.Clerk || cs.Unit != c.Unit) {
		return nil, s.deny(ctx, c, audit.Event{CaseID: cs.ID, Detail: map[string]string{"reason": "case of another unit"}}, Fail(CaseNotFound, msg.CaseNotFound))
	}
	return cs, nil
}

// BoundCase is the case ref names (its id or its case number) for the
// calling lawyer bound to it, with the binding.
func (s *Service) BoundCase(ctx context.Context, c Caller, ref string) (*casefile.Case, *casefile.Binding, error) {
	cs, err := s.Cases.Get(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		cs, err = s.Cases.GetByNo(ctx, ref)
	}
	if err != nil {
		return nil, nil, found(err, Fail(CaseNotFound, msg.NotBound))
	}
	b, err := s.Lawyers.Binding(ctx, cs, c.Subject)
	if err != nil {
		return nil, nil, internal(err)
	}
	if b == nil || c.Role != auth.Lawyer {
		return nil, nil, s.deny(ctx, c, audit.Event{CaseID: cs.ID, Detail: map[string]string{"reason": "lawyer not bound to the case"}}, Fail(CaseNotFound, msg.NotBound))
	}
	return cs, b, nil
}

// request is what access to a lawyer's request (an application, a
// complaint, an opinion) is decided on: who made it, the unit it went to,
// and the record of a refused reading.
type request struct {
	lawyer, unit string
	denied       audit.Event
}

// readable is what get returns for id if the caller may read it (MayRead
// of what of tells of it); otherwise the not-found error of code with
// message m, the refusal audited.
func readable[T any](ctx context.Context, s *Service, c Caller, id string, get func(context.Context, string) (*T, error), of func(*T) request, code Code, m msg.Text) (*T, error) {
	x, err := get(ctx, id)
	if err != nil {
		return nil, found(err, Fail(code, m))
	}
	if r := of(x); !MayRead(c.Identity, r.lawyer, r.unit) {
		return nil, s.deny(ctx, c, r.denied, Fail(code, m))
	}
	return x, nil
}

// ApplicationFor is application id if the caller may see it (MayRead).
func (s *Service) ApplicationFor(ctx context.Context, c Caller, id string) (*application.Application, error) {
	return readable(ctx, s, c, id, s.Apps.Get, func(a *application.Application) request {
		return request{a.Lawyer.License, a.Unit, audit.Event{ApplicationID: a.ID, CaseID: a.CaseID, Detail: map[string]string{"reason": "not the owner"}}}
	}, ApplicationNotFound, msg.ApplicationNotFound)
}

// ComplaintFor is complaint id if the caller may see it (MayRead).
func (s *Service) ComplaintFor(ctx context.Context, c Caller, id string) (*complaint.Complaint, error) {
	return readable(ctx, s, c, id, s.Complaints.Get, func(cp *complaint.Complaint) request {
		return request{cp.Lawyer.License, cp.Unit, audit.Event{CaseID: cp.CaseID, Target: cp.ID, Detail: map[string]string{"reason": "not the owner", "complaint": cp.ID}}}
	}, ComplaintNotFound, msg.ComplaintNotFound)
}

// OpinionFor is opinion id if the caller may see it (MayRead).
func (s *Service) OpinionFor(ctx context.Context, c Caller, id string) (*opinion.Opinion, error) {
	return readable(ctx, s, c, id, s.Opinions.Get, func(o *opinion.Opinion) request {
		return request{o.Lawyer.License, o.Unit, audit.Event{CaseID: o.CaseID, Target: o.ID, Detail: map[string]string{"reason": "not the owner", "opinion": o.ID}}}
	}, OpinionNotFound, msg.OpinionNotFound)
}

// AttachmentFor is attachment id if the caller uploaded it: a document is
// its owner's alone.
func (s *Service) AttachmentFor(ctx context.Context, c Caller, id string) (*application.Attachment, error) {
	at, err := s.Apps.GetAttachment(ctx, id)
	if err != nil {
		// Any failure to read it is answered as its absence.
		e := Fail(AttachmentNotFound, msg.AttachmentNotFound)
		e.Err = err
		return nil, e
	}
	if at.Owner != Owner(c.Identity) {
		return nil, s.deny(ctx, c, audit.Event{Target: at.ID, Detail: map[string]string{"reason": "attachment of another user"}}, Fail(AttachmentNotFound, msg.AttachmentNotFound))
	}
	return at, nil
}
