package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/store"
)

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

type applicationIn struct {
	CaseNo      string              `json:"caseNo"`
	Client      string              `json:"client"`
	Kind        application.Kind    `json:"kind"`
	Channel     application.Channel `json:"channel"`
	Lawyer      application.Lawyer  `json:"lawyer"`
	Attachments []string            `json:"attachments"`
}

// linkOut is what a lawyer sees of a ready dossier.
type linkOut struct {
	URL           string    `json:"url"`
	ExpiresAt     time.Time `json:"expiresAt"`
	DownloadsLeft int       `json:"downloadsLeft"`
}

type applicationOut struct {
	*application.Application
	DaysLeft *int     `json:"daysLeft,omitempty"`
	Overdue  bool     `json:"overdue,omitempty"`
	Link     *linkOut `json:"link,omitempty"`
}

func (a *API) calendar() *deadline.Calendar {
	if a.Calendar != nil {
		return a.Calendar
	}
	return deadline.Default()
}

func (a *API) createApplication(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if id.Role == auth.Lawyer && a.limited(w, r, id, id.Subject, "applications") {
		return
	}
	var in applicationIn
	if !a.decode(w, r, &in) {
		return
	}
	app := &application.Application{CaseNo: in.CaseNo, Client: in.Client, Kind: in.Kind, Channel: in.Channel,
		Lawyer: in.Lawyer, Attachments: in.Attachments}
	chk := application.Check{App: app}
	var extra casefile.Problems
	switch id.Role {
	case auth.Lawyer:
		chk.SignedName = id.Name
		if app.Channel != "" && app.Channel != application.Online {
			extra = append(extra, casefile.Problem{Field: "channel", Message: "律师本人只能通过网上提交 (a lawyer submits online; hotline and centre registrations are made by clerks)"})
		}
		app.Channel = application.Online
		if strings.TrimSpace(app.Lawyer.License) != id.Subject {
			extra = append(extra, casefile.Problem{Field: "lawyer.license", Message: "执业证号与登录身份不一致 (the certificate number does not match the signed-in lawyer)"})
		}
	case auth.Clerk:
		if app.Channel != application.Hotline && app.Channel != application.Centre {
			extra = append(extra, casefile.Problem{Field: "channel", Message: "代为登记的申请应注明来源：hotline（12309 热线）或 centre（12309 服务中心） (a clerk registers hotline or centre applications; set channel)"})
		}
	}
	// Not looked up when over its limit (Validate says so): the store's
	// keys are limited too.
	if no := strings.TrimSpace(app.CaseNo); no != "" && limits.CaseNo.Fits(no) {
		c, err := a.Cases.GetByNo(r.Context(), no)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			a.fail(w, r, err)
			return
		}
		if err == nil {
			chk.Case = c
			if id.Role == auth.Clerk && c.Unit != id.Unit {
				extra = append(extra, casefile.Problem{Field: "caseNo", Message: "该案件不属于本单位，无法代为登记 (the case belongs to another unit)"})
			}
		}
	}
	for _, aid := range app.Attachments {
		if len(app.Attachments) > limits.Attachments.Max || !limits.AttachmentID.Fits(aid) {
			break // refused by Validate, not looked up
		}
		at, err := a.Apps.GetAttachment(r.Context(), aid)
		if err != nil || at.Owner != owner(id) {
			at = nil
		}
		chk.Attachments = append(chk.Attachments, at)
	}
	ps := append(application.Validate(chk), extra...)
	if len(ps) > 0 {
		a.record(r, id, audit.Event{Action: "application.validate", Result: audit.Invalid, Detail: map[string]string{"caseNo": app.CaseNo, "problems": ps.Error()}})
		writeProblems(w, ps)
		return
	}
	c := chk.Case
	now := a.now()
	app.CaseID, app.CaseNo, app.Unit = c.ID, c.CaseNo, c.Unit
	app.SubmittedAt = now
	res := a.calendar().Due(deadline.DateOf(now), deadline.ApplicationReview)
	app.Deadline, app.DeadlineUncertain = res.Due.String(), res.Uncertain
	app.Status = application.Submitted
	by := owner(id)
	app.History = []application.Transition{{To: application.Submitted, At: now, By: by}}
	if reason := application.Ineligible(c); reason != "" {
		// Not fixable by the lawyer: an immediate written refusal that
		// points to on-site review, so the request is still answered.
		_ = app.Move(application.Refused, "system", reason, now)
		app.Reply = &application.Reply{Decision: "reject", Reason: reason, By: "system", At: now, Contact: &c.Handler}
	} else {
		_ = app.Move(application.PendingReview, "system", "材料齐全，等待审查", now)
	}
	// The same application sent again (a double click, a retry) is answered
	// with the one already live, before anything is written.
	if live, err := a.Apps.Live(r.Context(), app.Lawyer.License, c.ID); err != nil {
		a.fail(w, r, err)
		return
	} else if live != nil {
		writeJSON(w, http.StatusOK, a.present(r, id, live))
		return
	}
	// One record per transition: submitted, then validated (pending review)
	// or refused as ineligible; written ahead as intents, so that an
	// application never exists without them.
	app.ID = casefile.NewID()
	events := []audit.Event{{Time: now, Action: "application.submit", CaseID: c.ID, ApplicationID: app.ID, Result: audit.OK,
		Detail: map[string]string{"channel": string(app.Channel), "kind": string(app.Kind), "deadline": app.Deadline, "lawyer": app.Lawyer.License}}}
	if app.Status == application.PendingReview {
		events = append(events, audit.Event{Time: now, Actor: "system", Role: "system", Action: "application.validate", CaseID: c.ID, ApplicationID: app.ID,
			Result: audit.OK, Detail: map[string]string{"flags": strings.Join(app.Flags, ",")}})
	}
	if app.Status == application.Refused {
		events = append(events, audit.Event{Time: now, Actor: "system", Role: "system", Action: "application.refuse", CaseID: c.ID, ApplicationID: app.ID,
			Result: audit.OK, Detail: map[string]string{"reason": app.Reply.Reason}})
	}
	var intents []*audit.Intent
	for _, e := range events {
		in, err := a.intend(r, id, e)
		if err != nil {
			a.finish(r, errors.New("not submitted"), intents...)
			a.fail(w, r, err)
			return
		}
		intents = append(intents, in)
	}
	got, created, err := a.Apps.Create(r.Context(), app)
	if err == nil && !created {
		err = errAlreadyLive // the lawyer's live application is returned; nothing new to record
	}
	a.finish(r, err, intents...)
	if errors.Is(err, errAlreadyLive) {
		writeJSON(w, http.StatusOK, a.present(r, id, got))
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if got.Status == application.Refused {
		a.sendApplicationDecided(r, got)
	}
	w.Header().Set("Location", "/api/v1/applications/"+got.ID)
	writeJSON(w, http.StatusCreated, a.present(r, id, got))
}

// present is the one presentation rule of every route that returns an
// application: what the caller id may see of app, with the computed days
// left and overdue flag.
//
//   - The download link (its URL, a bearer secret, its expiry and the
//     downloads left) is the applying lawyer's alone: it goes to that
//     lawyer and to no other caller, not the unit's clerk, not an auditor.
//   - Storage internals (the stamped copy's object key, the link record's
//     id) go to nobody.
//
// Everything else of the application is what mayRead already lets the
// caller see.
func (a *API) present(r *http.Request, id auth.Identity, app *application.Application) applicationOut {
	c := *app
	c.CopyKey, c.LinkID = "", ""
	if c.Hold != nil && id.Role == auth.Lawyer {
		// The lawyer learns that the dossier waits and why, not the case's
		// undecided materials.
		h := *c.Hold
		h.Materials = nil
		c.Hold = &h
	}
	out := applicationOut{Application: &c}
	if app.Status == application.Submitted || app.Status == application.PendingReview {
		if due, err := deadline.ParseDate(app.Deadline); err == nil {
			today := deadline.DateOf(a.now())
			n, _ := a.calendar().WorkingDaysLeft(today, due)
			out.DaysLeft = &n
			out.Overdue = today.After(due)
		}
	}
	if id.Role == auth.Lawyer && id.Subject == app.Lawyer.License && app.Status == application.Ready && app.LinkID != "" {
		if l, err := a.Links.Get(r.Context(), app.LinkID); err == nil && !l.Revoked && a.now().Before(l.ExpiresAt) {
			if tok, err := a.Signer.Token(l); err == nil {
				out.Link = &linkOut{URL: strings.TrimRight(a.PublicURL, "/") + "/d/" + tok, ExpiresAt: l.ExpiresAt, DownloadsLeft: l.Left()}
			}
		}
	}
	return out
}

func (a *API) listApplications(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var apps []*application.Application
	var err error
	if id.Role == auth.Lawyer {
		apps, err = a.Apps.ByLawyer(r.Context(), id.Subject)
	} else {
		apps, err = a.Apps.ByUnit(r.Context(), id.Unit, r.URL.Query().Get("status") == "open")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]applicationOut, 0, len(apps))
	for _, app := range apps {
		out = append(out, a.present(r, id, app))
	}
	writeJSON(w, http.StatusOK, map[string]any{"applications": out})
}

// ownApplication loads an application the caller may see: a lawyer their
// own, a clerk their unit's, an auditor any. Others get 404 and an audit record.
func (a *API) ownApplication(w http.ResponseWriter, r *http.Request, id auth.Identity) (*application.Application, bool) {
	app, err := a.Apps.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "application_not_found", "未找到该申请 (no such application)")
		return nil, false
	}
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	if !mayRead(id, app.Lawyer.License, app.Unit) {
		a.record(r, id, audit.Event{Action: "access.deny", ApplicationID: app.ID, CaseID: app.CaseID, Result: audit.Denied, Detail: map[string]string{"reason": "not the owner"}})
		writeError(w, http.StatusNotFound, "application_not_found", "未找到该申请 (no such application)")
		return nil, false
	}
	return app, true
}

func (a *API) getApplication(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	app, ok := a.ownApplication(w, r, id)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, a.present(r, id, app))
}

type decisionIn struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

func (a *API) decide(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	app, ok := a.ownApplication(w, r, id)
	if !ok {
		return
	}
	var in decisionIn
	if !a.decode(w, r, &in) {
		return
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if m := limits.DecisionReason.Check("reason", in.Reason); m != "" {
		writeProblems(w, casefile.Problems{{Field: "reason", Message: m}})
		return
	}
	var to application.Status
	switch in.Decision {
	case "approve":
		to = application.Approved
	case "reject":
		to = application.Refused
		if in.Reason == "" {
			writeProblems(w, casefile.Problems{{Field: "reason", Message: "不予许可必须书面说明理由 (a refusal needs a written reason)"}})
			return
		}
	default:
		writeProblems(w, casefile.Problems{{Field: "decision", Message: "decision 应为 approve 或 reject (decision must be approve or reject)"}})
		return
	}
	c, err := a.Cases.Get(r.Context(), app.CaseID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	now := a.now()
	if to == application.Approved {
		// On the pending work list before the approval is stored: a failure
		// in between leaves a harmless mark (the job finds nothing approved
		// and clears it), never an approval that no job will fulfil.
		if err := a.Apps.MarkWork(r.Context(), app.ID); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	in0, err := a.intend(r, id, audit.Event{Time: now, Action: "application.decide", CaseID: app.CaseID, ApplicationID: app.ID, Result: audit.OK,
		Detail: map[string]string{"decision": in.Decision, "reason": in.Reason}})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	updated, err := a.Apps.Update(r.Context(), app.ID, func(x *application.Application) error {
		if err := x.Move(to, owner(id), in.Reason, now); err != nil {
			return err
		}
		x.Reply = &application.Reply{Decision: in.Decision, Reason: in.Reason, By: id.Subject, ByName: id.Name, At: now, Contact: &c.Handler}
		return nil
	})
	a.finish(r, err, in0)
	if errors.Is(err, application.ErrTransition) {
		writeError(w, http.StatusConflict, "already_decided", "该申请已处理（当前状态："+string(app.Status)+"），不能重复决定 (the application was already decided)")
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if to == application.Approved {
		if err := a.Queue.Send(r.Context(), queue.Job{Kind: queue.Assemble, Key: app.ID}); err != nil {
			// The decision stands; the scheduler re-queues approved
			// applications that have no dossier yet.
			a.log().Error("queue assemble failed", "application", app.ID, "err", err)
		}
	}
	if to == application.Refused && app.LinkID != "" {
		_ = a.Links.Revoke(r.Context(), app.LinkID)
	}
	a.sendApplicationDecided(r, updated)
	writeJSON(w, http.StatusOK, a.present(r, id, updated))
}
