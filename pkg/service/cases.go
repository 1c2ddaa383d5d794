package service

import (
	"context"
	"errors"
	"strings"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// RegisterCase registers case cs for the calling clerk's unit; a case
// number is registered once.
func (s *Service) RegisterCase(ctx context.Context, c Caller, cs *casefile.Case) (*casefile.Case, error) {
	cs.Unit = c.Unit
	err := s.Cases.Create(ctx, cs)
	var ps casefile.Problems
	switch {
	case errors.As(err, &ps):
		return nil, InvalidError(ps)
	case errors.Is(err, casefile.ErrDuplicate):
		e := Fail(DuplicateCase, msg.DuplicateCase, cs.CaseNo)
		e.Err = err
		return nil, e
	case err != nil:
		return nil, internal(err)
	}
	s.record(ctx, c, audit.Event{Action: audit.CaseCreate, CaseID: cs.ID, Result: audit.OK, Detail: map[string]string{"caseNo": cs.CaseNo}})
	return cs, nil
}

// Bind records that the lawyer of b defends on case cs (authorized by the
// caller), for a client who is a defendant of the case: e.g. before the
// review stage, when there is no application, so that the lawyer is told
// of procedural decisions.
func (s *Service) Bind(ctx context.Context, c Caller, cs *casefile.Case, b *casefile.Binding) (*casefile.Binding, error) {
	b.By, b.At = Owner(c.Identity), s.now()
	if b.Client != "" && !cs.HasDefendant(b.Client) {
		return nil, InvalidError(casefile.Problems{{Field: "client", Message: string(msg.ClientNotDefendant)}})
	}
	err := s.Cases.Bind(ctx, cs.ID, b)
	var ps casefile.Problems
	if errors.As(err, &ps) {
		return nil, InvalidError(ps)
	}
	if err != nil {
		return nil, internal(err)
	}
	s.record(ctx, c, audit.Event{Action: audit.CaseBind, CaseID: cs.ID, Target: notify.Lawyer(b.License), Result: audit.OK,
		Detail: map[string]string{"client": b.Client}})
	return b, nil
}

// Unbind ends the explicit binding of the lawyer with license to case cs
// (authorized by the caller); a binding through a live application ends
// with the application.
func (s *Service) Unbind(ctx context.Context, c Caller, cs *casefile.Case, license string) error {
	license = strings.TrimSpace(license)
	err := s.Cases.Unbind(ctx, cs.ID, license)
	if errors.Is(err, store.ErrNotFound) {
		return found(err, Fail(BindingNotFound, msg.BindingNotFound))
	}
	if err != nil {
		return internal(err)
	}
	s.record(ctx, c, audit.Event{Action: audit.CaseUnbind, CaseID: cs.ID, Target: notify.Lawyer(license), Result: audit.OK})
	return nil
}
