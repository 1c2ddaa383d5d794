package service

import (
	"context"
	"sort"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/msg"
)

// The clerk's desk beyond the open queue: which cases still wait for their
// scans, and the applications already decided.

// AwaitingScans reports whether case caseID has no accepted scan yet: its
// applications cannot be approved (Decide refuses with AwaitingScans),
// since the dossier would have nothing to bind.
func (s *Service) AwaitingScans(ctx context.Context, caseID string) (bool, error) {
	ms, err := s.Cases.Materials(ctx, caseID)
	if err != nil {
		return false, internal(err)
	}
	for _, m := range ms {
		if m.Status == casefile.Accepted {
			return false, nil
		}
	}
	return true, nil
}

// HandledFilter narrows the handled list: one decided state, and the
// Beijing dates of the decision, From and To inclusive; empty means any.
type HandledFilter struct {
	State    string
	From, To string
}

// handled is the states of a decided application, the handled list's.
var handled = map[application.Status]bool{
	application.Approved: true, application.Ready: true, application.Refused: true, application.Expired: true,
}

// ListHandled is the calling clerk's unit's decided applications, the
// latest decision first, as f narrows them; each carries its history.
func (s *Service) ListHandled(ctx context.Context, c Caller, f HandledFilter) ([]*application.Application, error) {
	if f.State != "" && !handled[application.Status(f.State)] {
		return nil, Fail(BadQuery, msg.HandledState)
	}
	var from, to deadline.Date
	for _, d := range []struct {
		name string
		in   string
		out  *deadline.Date
	}{{"from", f.From, &from}, {"to", f.To, &to}} {
		if d.in == "" {
			continue
		}
		x, err := deadline.ParseDate(d.in)
		if err != nil || !x.IsValid() {
			return nil, Fail(BadQuery, msg.HandledDate, d.name, d.name)
		}
		*d.out = x
	}
	if f.From != "" && f.To != "" && from.After(to) {
		return nil, Fail(BadQuery, msg.HandledRange)
	}
	apps, err := s.Apps.ByUnit(ctx, c.Unit, false)
	if err != nil {
		return nil, internal(err)
	}
	out := []*application.Application{}
	for _, a := range apps {
		if !handled[a.Status] || a.Reply == nil || (f.State != "" && string(a.Status) != f.State) {
			continue
		}
		day := deadline.DateOf(a.Reply.At)
		if (f.From != "" && day.Before(from)) || (f.To != "" && day.After(to)) {
			continue
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Reply.At.After(out[j].Reply.At) })
	return out, nil
}
