package service

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/procedure"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Submissions and the decisions that answer a lawyer or end a legal duty
// (an application submitted or decided, a procedural decision, a complaint
// answered, an opinion replied to, a case concluded) must never be stored
// without their audit record. They are recorded with write-ahead intents
// (audit.Intent): the event is stored before the change, appended after it,
// and a crash or failed append in between is repaired by SettleAudit, which
// asks the resolvers below whether the change was stored.

// SettleAge is how old a pending audit event must be before SettleAudit
// decides it: longer than any request lives.
const SettleAge = 5 * time.Minute

// Intend stores e, filled from the caller, as an audit intent. If it fails
// the caller must make no change.
func (s *Service) Intend(ctx context.Context, c Caller, e audit.Event) (*audit.Intent, error) {
	if e.Actor == "" {
		e.Actor, e.Role = c.Subject, string(c.Role)
	}
	e.IP, e.UserAgent, e.RequestID = c.IP, c.UserAgent, c.RequestID
	return s.Audit.Intend(ctx, e)
}

// errAlreadyLive aborts the intents of a submission that returned the
// lawyer's existing live application instead of creating one.
var errAlreadyLive = errors.New("service: the lawyer already has a live application for this case")

// Finish commits the intents if the change was stored (changeErr nil) and
// aborts them otherwise. Its own failures are logged, not returned: the
// change stands either way and SettleAudit completes the records.
func (s *Service) Finish(ctx context.Context, changeErr error, intents ...*audit.Intent) {
	for _, in := range intents {
		e := in.Event()
		if changeErr != nil {
			if err := in.Abort(ctx); err != nil {
				s.log().Warn("audit intent abort failed; the settle job will drop it", "action", e.Action, "requestId", e.RequestID, "err", err)
			}
			continue
		}
		if _, err := in.Commit(ctx); err != nil {
			s.log().Error("audit append failed; the settle job will append it", "action", e.Action, "requestId", e.RequestID, "err", err)
		}
	}
}

// SettleAudit completes the audit records a crash or a failed append left
// pending (see audit.Log.Settle). The scheduler calls it with the deadline
// job.
func (s *Service) SettleAudit(ctx context.Context) (audit.SettleSummary, error) {
	return s.Audit.Settle(ctx, SettleAge, s.resolvers())
}

// resolvers tell, for each action recorded by intent, whether the change
// the event describes was stored: the record carries the same instant and
// actor as the event.
func (s *Service) resolvers() map[audit.Action]audit.Resolver {
	notFound := func(err error) (bool, error) {
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return false, err
	}
	return map[audit.Action]audit.Resolver{
		audit.ApplicationSubmit: func(ctx context.Context, e audit.Event) (bool, error) {
			app, err := s.Apps.Get(ctx, e.ApplicationID)
			if err != nil {
				return notFound(err)
			}
			return app.SubmittedAt.Equal(e.Time), nil
		},
		audit.ApplicationValidate: func(ctx context.Context, e audit.Event) (bool, error) {
			return s.systemMoved(ctx, e, application.PendingReview)
		},
		audit.ApplicationRefuse: func(ctx context.Context, e audit.Event) (bool, error) {
			return s.systemMoved(ctx, e, application.Refused)
		},
		audit.ApplicationDecide: func(ctx context.Context, e audit.Event) (bool, error) {
			app, err := s.Apps.Get(ctx, e.ApplicationID)
			if err != nil {
				return notFound(err)
			}
			return app.Reply != nil && app.Reply.By == e.Actor && app.Reply.At.Equal(e.Time), nil
		},
		// The clerk's 受理 and 补正 and the lawyer's answer carry the
		// intent's instant (corrections.go).
		audit.ApplicationAcknowledge: func(ctx context.Context, e audit.Event) (bool, error) {
			app, err := s.Apps.Get(ctx, e.ApplicationID)
			if err != nil {
				return notFound(err)
			}
			return app.Acknowledged != nil && app.Acknowledged.At.Equal(e.Time), nil
		},
		audit.ApplicationCorrect: func(ctx context.Context, e audit.Event) (bool, error) {
			app, err := s.Apps.Get(ctx, e.ApplicationID)
			if err != nil {
				return notFound(err)
			}
			return slices.ContainsFunc(app.Corrections, func(r application.Correction) bool { return r.Asked.At.Equal(e.Time) }), nil
		},
		audit.ApplicationResubmit: func(ctx context.Context, e audit.Event) (bool, error) {
			app, err := s.Apps.Get(ctx, e.ApplicationID)
			if err != nil {
				return notFound(err)
			}
			return slices.ContainsFunc(app.Corrections, func(r application.Correction) bool {
				return r.Answered != nil && r.Answered.At.Equal(e.Time)
			}), nil
		},
		audit.LinkRenew: func(ctx context.Context, e audit.Event) (bool, error) {
			app, err := s.Apps.Get(ctx, e.ApplicationID)
			if err != nil {
				return notFound(err)
			}
			// The renewal's move carries the intent's instant and actor.
			by := Owner(auth.Identity{Subject: e.Actor, Role: auth.Role(e.Role)})
			return slices.ContainsFunc(app.History, func(t application.Transition) bool {
				return t.To == application.Ready && t.By == by && t.At.Equal(e.Time)
			}), nil
		},
		audit.DecisionRecord: func(ctx context.Context, e audit.Event) (bool, error) {
			ds, err := s.Decisions.List(ctx, e.CaseID)
			if err != nil {
				return notFound(err)
			}
			return slices.ContainsFunc(ds, func(d *procedure.Decision) bool { return d.ID == e.Target }), nil
		},
		audit.ComplaintAnswer: func(ctx context.Context, e audit.Event) (bool, error) {
			c, err := s.Complaints.Get(ctx, e.Target)
			if err != nil {
				return notFound(err)
			}
			return c.Answer != nil && c.Answer.By == e.Actor && c.Answer.At.Equal(e.Time), nil
		},
		audit.OpinionReply: func(ctx context.Context, e audit.Event) (bool, error) {
			o, err := s.Opinions.Get(ctx, e.Target)
			if err != nil {
				return notFound(err)
			}
			return o.Reply != nil && o.Reply.By == e.Actor && o.Reply.At.Equal(e.Time), nil
		},
		audit.CaseConclude: func(ctx context.Context, e audit.Event) (bool, error) {
			c, err := s.Cases.Get(ctx, e.CaseID)
			if err != nil {
				return notFound(err)
			}
			// Concluding is final: concluded by this actor no earlier than
			// the intent means this request concluded it.
			return c.Concluded && c.ConcludedAt != nil && !c.ConcludedAt.Before(e.Time) &&
				c.ConcludedBy == Owner(auth.Identity{Subject: e.Actor, Role: auth.Role(e.Role)}), nil
		},
	}
}

// systemMoved reports whether the application of e was moved to status by
// the system at e's instant (the checks at submission).
func (s *Service) systemMoved(ctx context.Context, e audit.Event, to application.Status) (bool, error) {
	app, err := s.Apps.Get(ctx, e.ApplicationID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(app.History, func(t application.Transition) bool {
		return t.To == to && t.By == "system" && t.At.Equal(e.Time)
	}), nil
}
