package service

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/complaint"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/opinion"
	"github.com/yuejuan/yuejuan/pkg/procedure"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Service is the use cases on their repositories and ports. Build it with
// New; a function that may not do something is given none of its port (no
// queue, no notices), and the use case that needs it fails or skips it.
type Service struct {
	Cases      *casefile.Repo
	Apps       *application.Repo
	Links      *link.Repo
	Audit      *audit.Log
	Decisions  *procedure.Repo
	Lawyers    *procedure.Lawyers
	Complaints *complaint.Repo
	Opinions   *opinion.Repo
	// Accounts is the embedded sign-in's user directory, where registered
	// lawyers' identities are checked (nil: this deployment keeps no
	// accounts, and applications show no identity state).
	Accounts *account.Directory
	// Notices records and delivers notices (nil: none are sent).
	Notices *notify.Dispatcher
	// Queue takes the jobs a use case causes (nil: none may be queued).
	Queue    queue.Queue
	Calendar *deadline.Calendar
	// Uploads takes the clerks' scans and the lawyers' attachments through
	// the upload URLs the use cases issue, for UploadTTL (default 1h), of
	// at most MaxUpload bytes (default limits.UploadBytes, what ingest
	// accepts); Dossiers holds the stamped copies a download link serves
	// through URLs that live PresignTTL (60–300 s, default 120 s). Nil: this
	// function may do neither.
	Uploads, Dossiers *blob.Bucket
	UploadTTL         time.Duration
	MaxUpload         int64
	PresignTTL        time.Duration
	// LinkTTL and MaxDownloads are a renewed link's life and downloads
	// (RenewLink), as the assemble job gives a new one; Watch watches its
	// expiry (nil: not watched).
	LinkTTL      time.Duration
	MaxDownloads int
	Watch        LinkWatcher
	// FindMisses limits the case searches that find nothing, per signed-in
	// user (FindCase; nil: FindMissesBurst at once, then one every
	// FindMissEvery).
	FindMisses *account.Limiter
	Log        *slog.Logger
	Now        func() time.Time
}

// New is the service on table t: its repositories, with the ports given.
func New(t store.Table, notices *notify.Dispatcher, q queue.Queue, cal *deadline.Calendar, log *slog.Logger) *Service {
	cases, apps := &casefile.Repo{T: t}, &application.Repo{T: t}
	return &Service{Cases: cases, Apps: apps, Links: &link.Repo{T: t}, Audit: &audit.Log{T: t},
		Decisions: &procedure.Repo{T: t}, Lawyers: &procedure.Lawyers{Cases: cases, Apps: apps},
		Complaints: &complaint.Repo{T: t}, Opinions: &opinion.Repo{T: t, Cases: cases},
		Notices: notices, Queue: q, Calendar: cal, Log: log}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) calendar() *deadline.Calendar {
	if s.Calendar != nil {
		return s.Calendar
	}
	return deadline.Default()
}

// Caller is who asks for a use case, and from where: what its audit
// records say of the request.
type Caller struct {
	auth.Identity
	IP, UserAgent, RequestID string
}

// Owner is how a caller is named as the owner of what they made (an
// attachment, a transition): a lawyer by licence number, anyone else by
// role and subject.
func Owner(id auth.Identity) string {
	if id.Role == auth.Lawyer {
		return id.Subject
	}
	return string(id.Role) + ":" + id.Subject
}

// Fill gives e the caller's identity and request.
func (c Caller) Fill(e audit.Event) audit.Event {
	if e.Actor == "" {
		e.Actor, e.Role = c.Subject, string(c.Role)
		if e.Actor == "" {
			e.Actor, e.Role = "anonymous", "none"
		}
	}
	e.IP, e.UserAgent, e.RequestID = c.IP, c.UserAgent, c.RequestID
	return e
}

// record appends e for c; a failure to audit is logged loudly, not
// returned (the use cases that must not proceed without their record use
// intents).
func (s *Service) record(ctx context.Context, c Caller, e audit.Event) {
	e = c.Fill(e)
	if _, err := s.Audit.Append(ctx, e); err != nil {
		s.log().Error("audit append failed", "action", e.Action, "err", err)
	}
}

// Notify sends notices and logs what it cannot record: a notice never
// fails the use case that caused it (a failed delivery is retried later).
// The deliveries come back in order, an unrecorded one marked so.
func (s *Service) Notify(ctx context.Context, requestID string, ns ...notify.Notice) []*notify.Delivery {
	out := make([]*notify.Delivery, 0, len(ns))
	if s.Notices == nil {
		return out
	}
	for _, n := range ns {
		d, err := s.Notices.Send(ctx, n)
		if err != nil {
			s.log().Error("notice not recorded", "requestId", requestID, "notice", n.ID, "kind", n.Kind, "err", err)
			d = &notify.Delivery{Notice: n, Status: notify.Unrecorded}
		}
		out = append(out, d)
	}
	return out
}

// internal wraps an unexpected error: NotFound for a missing item,
// Internal otherwise.
func internal(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Code: NotFound, Message: string(msg.NotFound), Err: err}
	}
	return &Error{Code: Internal, Message: string(msg.Internal), Err: err}
}

// DueIn is how many working days are left until the deadline due (a
// date, deadline.ParseDate), and whether it has passed; nil and false for
// no date.
func (s *Service) DueIn(due string) (*int, bool) {
	d, err := deadline.ParseDate(due)
	if err != nil {
		return nil, false
	}
	today := deadline.DateOf(s.now())
	n, _ := s.calendar().WorkingDaysLeft(today, d)
	return &n, today.After(d)
}
