package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/procedure"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Submissions and the decisions that answer a lawyer or end a legal duty
// (an application submitted or decided, a procedural decision, a complaint answered, an opinion replied
// to, a case concluded) must never be stored without their audit record. They
// are recorded with write-ahead intents (audit.Intent): the event is stored
// before the change, appended after it, and a crash or failed append in
// between is repaired by the scheduler's SettleAudit, which asks the
// resolvers below whether the change was stored.

// SettleAge is how old a pending audit event must be before SettleAudit
// decides it: longer than any request lives.
const SettleAge = 5 * time.Minute

// intend stores e, filled from the request like mustRecord, as an audit
// intent. If it fails the caller must make no change and answer 500.
func (a *API) intend(r *http.Request, id auth.Identity, e audit.Event) (*audit.Intent, error) {
	ri := info(r.Context())
	if e.Actor == "" {
		e.Actor, e.Role = id.Subject, string(id.Role)
	}
	e.IP, e.UserAgent, e.RequestID = ri.ip, ri.ua, ri.id
	return a.Audit.Intend(r.Context(), e)
}

// errAlreadyLive aborts the intents of a submission that returned the
// lawyer's existing live application instead of creating one.
var errAlreadyLive = errors.New("httpapi: the lawyer already has a live application for this case")

// finish commits the intents if the change was stored (changeErr nil) and
// aborts them otherwise. Its own failures are logged, not returned: the
// change stands either way and SettleAudit completes the records.
func (a *API) finish(r *http.Request, changeErr error, intents ...*audit.Intent) {
	for _, in := range intents {
		e := in.Event()
		if changeErr != nil {
			if err := in.Abort(r.Context()); err != nil {
				a.log().Warn("audit intent abort failed; the settle job will drop it", "action", e.Action, "requestId", e.RequestID, "err", err)
			}
			continue
		}
		if _, err := in.Commit(r.Context()); err != nil {
			a.log().Error("audit append failed; the settle job will append it", "action", e.Action, "requestId", e.RequestID, "err", err)
		}
	}
}

// SettleAudit completes the audit records a crash or a failed append left
// pending (see audit.Log.Settle). The scheduler calls it with the deadline
// job.
func (a *API) SettleAudit(ctx context.Context) (audit.SettleSummary, error) {
	return a.Audit.Settle(ctx, SettleAge, a.auditResolvers())
}

// auditResolvers tell, for each action recorded by intent, whether the
// change the event describes was stored: the record carries the same
// instant and actor as the event.
func (a *API) auditResolvers() map[string]audit.Resolver {
	notFound := func(err error) (bool, error) {
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return false, err
	}
	return map[string]audit.Resolver{
		"application.submit": func(ctx context.Context, e audit.Event) (bool, error) {
			app, err := a.Apps.Get(ctx, e.ApplicationID)
			if err != nil {
				return notFound(err)
			}
			return app.SubmittedAt.Equal(e.Time), nil
		},
		"application.validate": func(ctx context.Context, e audit.Event) (bool, error) {
			return a.systemMoved(ctx, e, application.PendingReview)
		},
		"application.refuse": func(ctx context.Context, e audit.Event) (bool, error) {
			return a.systemMoved(ctx, e, application.Refused)
		},
		"application.decide": func(ctx context.Context, e audit.Event) (bool, error) {
			app, err := a.Apps.Get(ctx, e.ApplicationID)
			if err != nil {
				return notFound(err)
			}
			return app.Reply != nil && app.Reply.By == e.Actor && app.Reply.At.Equal(e.Time), nil
		},
		"decision.record": func(ctx context.Context, e audit.Event) (bool, error) {
			ds, err := a.Decisions.List(ctx, e.CaseID)
			if err != nil {
				return notFound(err)
			}
			return slices.ContainsFunc(ds, func(d *procedure.Decision) bool { return d.ID == e.Target }), nil
		},
		"complaint.answer": func(ctx context.Context, e audit.Event) (bool, error) {
			c, err := a.Complaints.Get(ctx, e.Target)
			if err != nil {
				return notFound(err)
			}
			return c.Answer != nil && c.Answer.By == e.Actor && c.Answer.At.Equal(e.Time), nil
		},
		"opinion.reply": func(ctx context.Context, e audit.Event) (bool, error) {
			o, err := a.Opinions.Get(ctx, e.Target)
			if err != nil {
				return notFound(err)
			}
			return o.Reply != nil && o.Reply.By == e.Actor && o.Reply.At.Equal(e.Time), nil
		},
		"case.conclude": func(ctx context.Context, e audit.Event) (bool, error) {
			c, err := a.Cases.Get(ctx, e.CaseID)
			if err != nil {
				return notFound(err)
			}
			// Concluding is final: concluded by this actor no earlier than
			// the intent means this request concluded it.
			return c.Concluded && c.ConcludedAt != nil && !c.ConcludedAt.Before(e.Time) &&
				c.ConcludedBy == owner(auth.Identity{Subject: e.Actor, Role: auth.Role(e.Role)}), nil
		},
	}
}

// systemMoved reports whether the application of e was moved to status by
// the system at e's instant (the checks at submission).
func (a *API) systemMoved(ctx context.Context, e audit.Event, to application.Status) (bool, error) {
	app, err := a.Apps.Get(ctx, e.ApplicationID)
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
