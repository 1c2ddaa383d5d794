package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/procedure"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// LinkHolder is the role, and LinkHolderActor the actor, of the audit
// records of the download door: the link is a bearer secret and the door
// needs no login, so whoever used it is known only as the holder of the
// link, from the record's IP and user agent. The lawyer the link was issued
// to is in the record's detail (linkOwner), never its actor: only a
// download while signed in names the lawyer, who is then the caller. The
// role is no login role (auth.Role.Valid is false for it).
const (
	LinkHolder      auth.Role = "link-holder"
	LinkHolderActor string    = "link-holder"
)

// Refusal is the answer to a download link that cannot be used: its code
// and what the person who used it is told, in Chinese and in English.
type Refusal struct {
	Code   Code
	ZH, EN msg.Text
}

var refusals = []struct {
	err error
	Refusal
}{
	{link.ErrExpired, Refusal{LinkExpired, msg.LinkExpired, msg.LinkExpiredEN}},
	{link.ErrRevoked, Refusal{LinkRevoked, msg.LinkRevoked, msg.LinkRevokedEN}},
	{link.ErrExhausted, Refusal{LinkExhausted, msg.LinkExhausted, msg.LinkExhaustedEN}},
	{link.ErrTampered, Refusal{LinkInvalid, msg.LinkInvalid, msg.LinkInvalidEN}},
	{link.ErrForeign, Refusal{LinkForeign, msg.LinkForeign, msg.LinkForeignEN}},
	{link.ErrNotFound, Refusal{LinkRevoked, msg.LinkGone, msg.LinkGoneEN}},
}

// LinkRefusal is the refusal err is, if it is one.
func LinkRefusal(err error) (Refusal, bool) {
	for _, x := range refusals {
		if errors.Is(err, x.err) {
			return x.Refusal, true
		}
	}
	return Refusal{}, false
}

// linkError is err as a use case answers it: a refusal with its code and
// message, anything else internal.
func linkError(err error) error {
	if rf, ok := LinkRefusal(err); ok {
		return &Error{Code: rf.Code, Message: string(rf.ZH) + " (" + string(rf.EN) + ")", Err: err}
	}
	return internal(err)
}

// DoorLink is the link a download token names, if it may be used now
// (without using it). claims and parseErr are the token's, as the link
// signer read it; rng is the request's Range header (a resumed transfer
// may finish the last download of an exhausted link). A refusal comes back
// with the link it concerned when the token was genuinely ours, for its
// record.
func (s *Service) DoorLink(ctx context.Context, claims *link.Claims, parseErr error, rng string) (*link.Link, error) {
	if parseErr != nil {
		var l *link.Link
		if claims != nil {
			// Expired, but genuinely ours: name the lawyer and the
			// application in the record.
			if got, err := s.Links.Get(ctx, claims.ID); err == nil && got.ApplicationID == claims.ApplicationID && got.Lawyer == claims.Subject {
				l = got
			}
		}
		return l, linkError(parseErr)
	}
	l, err := s.usableLink(ctx, claims.ID, rng)
	if err == nil && (l.ApplicationID != claims.ApplicationID || l.Lawyer != claims.Subject) {
		// Validly signed, but not for this link record.
		return nil, linkError(link.ErrTampered)
	}
	return l, err
}

// LawyerLink is the link of application id for the signed-in lawyer who
// applied, if it may be used now (see DoorLink): a download without the
// token.
func (s *Service) LawyerLink(ctx context.Context, c Caller, id, rng string) (*link.Link, error) {
	app, err := s.ApplicationFor(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if app.Status != application.Ready && app.Status != application.Expired || app.LinkID == "" {
		return nil, Fail(NotReady, msg.NotReady)
	}
	return s.usableLink(ctx, app.LinkID, rng)
}

// usableLink is link id if it may be used now: the link record is live and
// so is its application. An exhausted link passes for a resumed transfer,
// which may finish the last download.
func (s *Service) usableLink(ctx context.Context, id, rng string) (*link.Link, error) {
	l, err := s.Links.Check(ctx, id)
	if _, ok := ResumeRange(rng); ok && errors.Is(err, link.ErrExhausted) {
		err = nil
	}
	if err == nil {
		err = s.applicationLive(ctx, l)
	}
	if err != nil {
		return l, linkError(err)
	}
	return l, nil
}

func (s *Service) applicationLive(ctx context.Context, l *link.Link) error {
	app, err := s.Apps.Get(ctx, l.ApplicationID)
	if errors.Is(err, store.ErrNotFound) {
		return link.ErrRevoked
	}
	if err != nil {
		return err
	}
	switch {
	case app.Status == application.Expired:
		return link.ErrExpired
	case app.Status != application.Ready || app.LinkID != l.ID && link.SupplementID(app.LinkID) != l.ID:
		// Refused (revoked by the clerk), or superseded by a newer copy
		// (a version's supplement goes with its full copy).
		return link.ErrRevoked
	}
	return nil
}

// ResumeRange says whether the Range header v asks for one byte range that
// does not start at byte 0 (bytes=N- or bytes=N-M with N > 0, or a suffix
// bytes=-K): the continuation of a transfer, not a new download. Anything
// else (no range, from byte 0, several ranges, malformed) is not a resume.
func ResumeRange(v string) (string, bool) {
	v = strings.TrimSpace(v)
	first, last, ok := blob.ParseRange(v)
	return v, ok && (first > 0 || first < 0 && last > 0)
}

// rangeBytes is how many bytes of a size-byte file the one range v serves.
func rangeBytes(v string, size int64) int64 {
	first, last, _ := blob.ParseRange(v)
	switch {
	case first < 0: // the last K bytes
		return min(last, size)
	case last < 0 || last >= size:
		return max(0, size-first)
	default:
		return last - first + 1
	}
}

func (s *Service) presignTTL() time.Duration {
	d := s.PresignTTL
	if d <= 0 {
		d = 120 * time.Second
	}
	return min(max(d, 60*time.Second), 300*time.Second)
}

// Download uses link l (usable, see DoorLink and LawyerLink) for the
// caller — the signed-in lawyer (via "login"), or the zero Caller with the
// request's client for the link's holder (via "link") — and returns the
// short-lived URL of the copy. A download is counted, atomically; a
// resumed transfer (rng, the Range header, see ResumeRange) is free within
// the allowance of the last counted download (link.Repo.Resume), and its
// URL serves only its range. Every download is audited before it is
// given; one counted but not given because of our own failure is given
// back. A refusal comes back with the link, for its record.
func (s *Service) Download(ctx context.Context, c Caller, l *link.Link, via, rng string) (*link.Link, string, error) {
	header := rng
	rng, resume := ResumeRange(rng)
	var err error
	counted := true
	if resume {
		// A free resume is granted its range only, so the range's length,
		// against the copy's size, is what it costs.
		attrs, err := s.Dossiers.Attributes(ctx, l.CopyKey)
		if err != nil {
			return l, "", internal(err)
		}
		got, err := s.Links.Resume(ctx, l.ID, rangeBytes(rng, attrs.Size), attrs.Size)
		if err == nil {
			l, counted = got, false
		} else if !errors.Is(err, link.ErrNotResumable) {
			return l, "", linkError(err)
		}
	}
	if counted {
		if l, err = s.Links.Consume(ctx, l.ID); err != nil {
			return l, "", linkError(err)
		}
	}
	refund := func() {
		if counted {
			if err := s.Links.Refund(context.WithoutCancel(ctx), l.ID); err != nil {
				s.log().Error("refund of an undelivered download failed", "link", l.ID, "err", err)
			}
		}
	}
	// The file name and, for a free resume, its range are signed into the
	// URL: it saves the copy under its name and serves no more than the
	// range granted (a counted download may serve the whole file).
	opts := blob.GetOptions{Filename: l.Filename}
	if !counted {
		opts.Range = rng
	}
	u, err := blob.SignedGetURL(ctx, s.Dossiers, l.CopyKey, s.presignTTL(), opts)
	if err != nil {
		refund()
		return l, "", internal(err)
	}
	// The record comes before the URL: no download without its trace.
	ev := audit.Event{Action: audit.LinkDownload, CaseID: l.CaseID, ApplicationID: l.ApplicationID, Target: l.ID, Result: audit.OK,
		Detail: map[string]string{"via": via, "linkOwner": l.Lawyer, "downloadsLeft": fmt.Sprint(l.Left()), "resume": fmt.Sprint(resume),
			"counted": fmt.Sprint(counted), "range": limits.Clip(header, 64)}}
	if l.Version > 0 {
		ev.Detail["dossierVersion"] = fmt.Sprint(l.Version)
	}
	if l.Supplement {
		ev.Detail["kind"] = "supplement"
	}
	if c.Subject == "" {
		ev.Actor, ev.Role = LinkHolderActor, string(LinkHolder)
	}
	if _, err := s.Audit.Append(ctx, c.Fill(ev)); err != nil {
		refund()
		return l, "", internal(err)
	}
	return l, u, nil
}

// LinkShown is the download link of app that caller c is shown, if any:
// the link (a bearer secret, its expiry and the downloads left) is the
// applying lawyer's alone — not the unit's clerk's, not an auditor's —
// and only while it is live.
func (s *Service) LinkShown(ctx context.Context, c Caller, app *application.Application) *link.Link {
	if c.Role != auth.Lawyer || c.Subject != app.Lawyer.License || app.Status != application.Ready || app.LinkID == "" {
		return nil
	}
	l, err := s.Links.Get(ctx, app.LinkID)
	if err != nil || l.Revoked || !s.now().Before(l.ExpiresAt) {
		return nil
	}
	return l
}

// ApplicationView is what a caller sees of an application: the
// application with its storage internals (the stamped copy's object key,
// the link record's id) cleared and, for the lawyer, the case's undecided
// materials left out of its hold (the lawyer learns that the dossier waits
// and why, not which materials); while it awaits its decision, the working
// days left and whether it is overdue; and the download link the caller is
// shown (LinkShown).
type ApplicationView struct {
	App      *application.Application
	DaysLeft *int
	Overdue  bool
	Link     *link.Link
	// Renewable: the applying lawyer may ask for a new link now (their
	// link is used up or expired, see RenewLink); the lawyer's alone.
	Renewable bool
	// LawyerIdentity is where the applying lawyer's identity stands
	// (LawyerIdentity), so that every card shows whether it was checked.
	LawyerIdentity account.Checking
}

// View is application app (one the caller may see) as caller c sees it,
// with its receipt number and its case's name.
func (s *Service) View(ctx context.Context, c Caller, app *application.Application) ApplicationView {
	x := *app
	x.CopyKey, x.LinkID = "", ""
	x.Receipt = application.ReceiptNo(app)
	if x.CaseTitle == "" {
		// Applied for before the title was kept with the application.
		if cs, err := s.Cases.Get(ctx, app.CaseID); err == nil {
			x.CaseTitle = cs.Title
		}
	}
	if x.Hold != nil && c.Role == auth.Lawyer {
		h := *x.Hold
		h.Materials = nil
		x.Hold = &h
	}
	v := ApplicationView{App: &x, Link: s.LinkShown(ctx, c, app)}
	v.Renewable = c.Role == auth.Lawyer && c.Subject == app.Lawyer.License && s.Renewable(ctx, app)
	v.LawyerIdentity = s.LawyerIdentity(ctx, app.Lawyer.License)
	if app.Status == application.Submitted || app.Status == application.PendingReview {
		v.DaysLeft, v.Overdue = s.DueIn(app.Deadline)
	}
	return v
}

// LinkContact is whom the holder of link l is told to call when the link
// cannot be used: the unit of its case and the case's handler (承办人), if
// the case can be read.
func (s *Service) LinkContact(ctx context.Context, l *link.Link) (unit string, h casefile.Handler, ok bool) {
	if l == nil {
		return "", h, false
	}
	cs, err := s.Cases.Get(ctx, l.CaseID)
	if err != nil {
		return "", h, false
	}
	return cs.Unit, cs.Handler, true
}

// RenewalsPerDay is how many new links a lawyer may ask for, per
// application, in any 24 hours (the transport's per-lawyer rate limit
// comes on top): enough for any real review, few enough that the counter
// still deters a leaked link from being shared at scale.
const RenewalsPerDay = 3

// LinkWatcher watches a link's expiry (the reminder's LinkWatch): the
// lawyer is told before it expires, and the application ends after.
type LinkWatcher interface {
	Add(ctx context.Context, appID string, l *link.Link) error
}

// Renewable reports whether the lawyer of app may ask for a new link now:
// the application is ready and its link is used up or past its expiry, or
// it ended because the link expired
// (docs/design.md, "The download counter never blocks review").
func (s *Service) Renewable(ctx context.Context, app *application.Application) bool {
	if app.Status != application.Ready && app.Status != application.Expired || app.LinkID == "" {
		return false
	}
	l, err := s.Links.Get(ctx, app.LinkID)
	// Expired is the deadline job's word that the link's time is up, even
	// on a clock that disagrees.
	return err == nil && !l.Revoked && (app.Status == application.Expired || l.Left() == 0 || !s.now().Before(l.ExpiresAt))
}

// RenewLink issues a fresh download link for the same stamped copy of
// application id, replacing its link (the old one stops working), with
// s.MaxDownloads downloads for s.LinkTTL. The applying lawyer may do it
// once their link is used up or expired, RenewalsPerDay times a day; while
// it still works they get it back unchanged. The unit's clerk may reissue
// at any time with a reason. It is audited (link.renew, by intent), its
// expiry watched, and the lawyer told. It returns the application as it
// now stands (for View).
func (s *Service) RenewLink(ctx context.Context, c Caller, id, reason string) (*application.Application, error) {
	app, err := s.ApplicationFor(ctx, c, id)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if m := limits.DecisionReason.Check("reason", reason); m != "" {
		return nil, InvalidError(casefile.Problems{{Field: "reason", Message: m}})
	}
	if app.Status != application.Ready && app.Status != application.Expired || app.LinkID == "" {
		return nil, Fail(NotReady, msg.NotReady)
	}
	old, err := s.Links.Get(ctx, app.LinkID)
	if err != nil {
		return nil, internal(err)
	}
	now := s.now()
	by := Owner(c.Identity)
	switch c.Role {
	case auth.Lawyer:
		if !s.Renewable(ctx, app) {
			return app, nil // still works: nothing to renew
		}
		if next, ok := renewalAllowed(app, by, now); !ok {
			return nil, &Error{Code: RenewLimited, Message: msg.RenewTooOften.Format(RenewalsPerDay, next.In(beijing).Format("2006-01-02 15:04"), RenewalsPerDay)}
		}
		if reason == "" {
			reason = string(msg.RenewByLawyer)
		}
	default:
		if reason == "" {
			return nil, InvalidError(casefile.Problems{{Field: "reason", Message: string(msg.RenewReason)}})
		}
	}
	ttl, max := s.LinkTTL, s.MaxDownloads
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	if max <= 0 {
		max = old.MaxDownloads
	}
	l := &link.Link{ID: app.ID + "-r" + casefile.NewID(), ApplicationID: app.ID, CaseID: app.CaseID, Lawyer: old.Lawyer,
		CopyKey: old.CopyKey, Filename: old.Filename, ExpiresAt: now.Add(ttl), MaxDownloads: max}
	in, err := s.Intend(ctx, c, audit.Event{Time: now, Action: audit.LinkRenew, CaseID: app.CaseID, ApplicationID: app.ID, Target: l.ID, Result: audit.OK,
		Detail: map[string]string{"reason": reason, "previous": old.ID, "previousUsed": fmt.Sprint(old.Used),
			"expiresAt": l.ExpiresAt.Format(time.RFC3339), "maxDownloads": fmt.Sprint(max)}})
	if err != nil {
		return nil, internal(err)
	}
	if err := s.Links.Create(ctx, l); err != nil {
		s.Finish(ctx, err, in)
		return nil, internal(err)
	}
	move := func(x *application.Application) error {
		if x.Status != app.Status || x.LinkID != old.ID {
			return errLinkMoved
		}
		x.LinkID = l.ID
		return x.Move(application.Ready, by, reason, now)
	}
	var updated *application.Application
	if app.Status == application.Expired {
		// Ended by the expiry: live again, unless the lawyer applied anew.
		updated, err = s.Apps.Reopen(ctx, app.ID, move)
	} else {
		updated, err = s.Apps.Update(ctx, app.ID, move)
	}
	s.Finish(ctx, err, in)
	if errors.Is(err, application.ErrLiveElsewhere) {
		return nil, &Error{Code: NotReady, Message: string(msg.RenewLiveElsewhere), Err: err}
	}
	if errors.Is(err, errLinkMoved) {
		// Renewed (or refused) by a concurrent request: answer what is now.
		cur, err := s.Apps.Get(ctx, app.ID)
		if err != nil {
			return nil, internal(err)
		}
		return cur, nil
	}
	if err != nil {
		return nil, internal(err)
	}
	if s.Watch != nil {
		if err := s.Watch.Add(ctx, app.ID, l); err != nil {
			s.log().Error("watch of a renewed link failed", "application", app.ID, "link", l.ID, "err", err)
		}
	}
	s.Notify(ctx, c.RequestID, procedure.LinkReady(updated, l))
	return updated, nil
}

var errLinkMoved = errors.New("service: the application's link changed meanwhile")

// renewalAllowed says whether by may renew app's link at now, and if not,
// when next: at most RenewalsPerDay of their renewals (moves to Ready from
// Ready or Expired by them) in the last 24 hours.
func renewalAllowed(app *application.Application, by string, now time.Time) (time.Time, bool) {
	var recent []time.Time
	for _, t := range app.History {
		if (t.From == application.Ready || t.From == application.Expired) && t.To == application.Ready && t.By == by && now.Sub(t.At) < 24*time.Hour {
			recent = append(recent, t.At)
		}
	}
	if len(recent) < RenewalsPerDay {
		return time.Time{}, true
	}
	return recent[len(recent)-RenewalsPerDay].Add(24 * time.Hour), false
}
