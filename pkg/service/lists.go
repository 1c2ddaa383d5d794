package service

import (
	"context"
	"errors"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/complaint"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/opinion"
	"github.com/yuejuan/yuejuan/pkg/procedure"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// What each caller's lists hold: a lawyer's own requests, a clerk's
// unit's. Each list is empty, never nil, when it holds nothing.

// ListCases is the calling clerk's unit's cases, newest first.
func (s *Service) ListCases(ctx context.Context, c Caller) ([]*casefile.Case, error) {
	cs, err := s.Cases.ListByUnit(ctx, c.Unit)
	if cs == nil {
		cs = []*casefile.Case{}
	}
	return cs, internal(err)
}

// ListApplications is a lawyer's own applications, or a clerk's unit's
// (open: only those still to decide).
func (s *Service) ListApplications(ctx context.Context, c Caller, open bool) ([]*application.Application, error) {
	if c.Role == auth.Lawyer {
		apps, err := s.Apps.ByLawyer(ctx, c.Subject)
		return apps, internal(err)
	}
	apps, err := s.Apps.ByUnit(ctx, c.Unit, open)
	return apps, internal(err)
}

// ListComplaints is a lawyer's own complaints, newest first, or a clerk's
// unit's queue by deadline (open: only the unanswered).
func (s *Service) ListComplaints(ctx context.Context, c Caller, open bool) ([]*complaint.Complaint, error) {
	if c.Role == auth.Lawyer {
		cs, err := s.Complaints.ByLawyer(ctx, c.Subject)
		return cs, internal(err)
	}
	cs, err := s.Complaints.ByUnit(ctx, c.Unit, open)
	return cs, internal(err)
}

// ListOpinions is a lawyer's own opinions, newest first, or a clerk's
// unit's, oldest first (unanswered: only those awaiting a reply).
func (s *Service) ListOpinions(ctx context.Context, c Caller, unanswered bool) ([]*opinion.Opinion, error) {
	var os []*opinion.Opinion
	var err error
	if c.Role == auth.Lawyer {
		os, err = s.Opinions.ByLawyer(ctx, c.Subject)
	} else {
		os, err = s.Opinions.ByUnit(ctx, c.Unit, unanswered)
	}
	if os == nil {
		os = []*opinion.Opinion{}
	}
	return os, internal(err)
}

// Inbox is the caller's notices, newest first, at most limit: a lawyer's
// own, a clerk's unit's (to its clerks and to its supervisors). Without
// notices there are none.
func (s *Service) Inbox(ctx context.Context, c Caller, limit int) ([]*notify.Delivery, error) {
	if s.Notices == nil {
		return nil, nil
	}
	to := []string{notify.Unit(c.Unit), notify.Supervisors(c.Unit)}
	if c.Role == auth.Lawyer {
		to = []string{notify.Lawyer(c.Subject)}
	}
	ds, err := s.Notices.Inbox(ctx, limit, to...)
	if err != nil {
		return nil, internal(err)
	}
	return seenBy(c, ds), nil
}

// DecisionNotices is a procedural decision with the delivery of each of
// its notices, in order.
type DecisionNotices struct {
	*procedure.Decision
	Deliveries []*notify.Delivery
}

// DecisionsOf is the procedural decisions of case cs (authorized by the
// caller), each with its notices' deliveries (a notice never recorded is
// marked notify.Unrecorded).
func (s *Service) DecisionsOf(ctx context.Context, c Caller, cs *casefile.Case) ([]DecisionNotices, error) {
	ds, err := s.Decisions.List(ctx, cs.ID)
	if err != nil {
		return nil, internal(err)
	}
	out := make([]DecisionNotices, 0, len(ds))
	for _, d := range ds {
		o := DecisionNotices{Decision: d, Deliveries: []*notify.Delivery{}}
		for _, nid := range d.Notices {
			if s.Notices == nil {
				break
			}
			x, err := s.Notices.Get(ctx, nid)
			if errors.Is(err, store.ErrNotFound) {
				x, err = &notify.Delivery{Notice: notify.Notice{ID: nid}, Status: notify.Unrecorded}, nil
			}
			if err != nil {
				return nil, internal(err)
			}
			o.Deliveries = append(o.Deliveries, x)
		}
		o.Deliveries = seenBy(c, o.Deliveries)
		out = append(out, o)
	}
	return out, nil
}

// seenBy is what caller c sees of deliveries ds: why a delivery failed is
// for the unit's clerks only.
func seenBy(c Caller, ds []*notify.Delivery) []*notify.Delivery {
	if c.Role == auth.Clerk {
		return ds
	}
	out := make([]*notify.Delivery, len(ds))
	for i, d := range ds {
		x := *d
		x.LastError = ""
		out[i] = &x
	}
	return out
}

// MaterialsOf is case cs's materials (cs authorized by the caller), in
// paper-file order.
func (s *Service) MaterialsOf(ctx context.Context, cs *casefile.Case) ([]*casefile.Material, error) {
	ms, err := s.Cases.Materials(ctx, cs.ID)
	if ms == nil {
		ms = []*casefile.Material{}
	}
	return ms, internal(err)
}

// LawyersOf is everyone bound to case cs (authorized by the caller),
// explicitly or through a live application.
func (s *Service) LawyersOf(ctx context.Context, cs *casefile.Case) ([]casefile.Binding, error) {
	bs, err := s.Lawyers.Bound(ctx, cs)
	if bs == nil {
		bs = []casefile.Binding{}
	}
	return bs, internal(err)
}

// OpinionsOf is the lawyers' opinions on case cs (authorized by the
// caller).
func (s *Service) OpinionsOf(ctx context.Context, cs *casefile.Case) ([]*opinion.Opinion, error) {
	os, err := s.Opinions.ByCase(ctx, cs.ID)
	if os == nil {
		os = []*opinion.Opinion{}
	}
	return os, internal(err)
}
