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
	"github.com/yuejuan/yuejuan/pkg/deadline"
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
	got, created, err := a.Submit(r.Context(), a.caller(r, id), app)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !created {
		writeJSON(w, http.StatusOK, a.present(r, id, got))
		return
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
		a.record(r, id, audit.Event{Action: audit.AccessDeny, ApplicationID: app.ID, CaseID: app.CaseID, Result: audit.Denied, Detail: map[string]string{"reason": "not the owner"}})
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
	updated, err := a.Decide(r.Context(), a.caller(r, id), app, in.Decision, in.Reason)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.present(r, id, updated))
}
