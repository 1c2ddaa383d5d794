package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/service"
)

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
	// Renewable: the lawyer may ask for a new link (POST …/link) now.
	Renewable bool `json:"renewable,omitempty"`
	// AwaitingScans: in a clerk's open queue, the case has no accepted
	// scan yet, so the application cannot be approved.
	AwaitingScans bool `json:"awaitingScans,omitempty"`
	// LawyerIdentity: the applying lawyer's identity, pending, verified
	// or rejected by a clerk; left out for a lawyer with no registered
	// account.
	LawyerIdentity account.Checking `json:"lawyerIdentity,omitempty"`
	// Files: the documents sent, with their sniffed type, size, pages and
	// verdict, for the applying lawyer and the unit's clerks (opened at
	// GET …/attachments/{aid}); an auditor gets none.
	Files []*application.Attachment `json:"files,omitempty"`
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

// present is what the caller id sees of app (service.View) in every answer
// that holds an application, with the download link, if they are shown
// one, as the URL of the download door.
func (a *API) present(r *http.Request, id auth.Identity, app *application.Application) applicationOut {
	v := a.View(r.Context(), a.caller(r, id), app)
	out := applicationOut{Application: v.App, DaysLeft: v.DaysLeft, Overdue: v.Overdue, Renewable: v.Renewable,
		LawyerIdentity: v.LawyerIdentity, Files: a.AttachmentsOf(r.Context(), a.caller(r, id), app)}
	if v.Link != nil {
		if tok, err := a.Signer.Token(v.Link); err == nil {
			out.Link = &linkOut{URL: strings.TrimRight(a.PublicURL, "/") + "/d/" + tok, ExpiresAt: v.Link.ExpiresAt, DownloadsLeft: v.Link.Left()}
		}
	}
	return out
}

func (a *API) listApplications(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	q := r.URL.Query()
	var apps []*application.Application
	var err error
	if q.Get("status") == "handled" && id.Role == auth.Clerk {
		apps, err = a.ListHandled(r.Context(), a.caller(r, id), service.HandledFilter{State: q.Get("state"), From: q.Get("from"), To: q.Get("to")})
	} else {
		apps, err = a.ListApplications(r.Context(), a.caller(r, id), q.Get("status") == "open")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]applicationOut, 0, len(apps))
	waiting := map[string]bool{} // per case, asked once
	for _, app := range apps {
		o := a.present(r, id, app)
		if id.Role == auth.Clerk && (app.Status == application.Submitted || app.Status == application.PendingReview) {
			held, ok := waiting[app.CaseID]
			if !ok {
				if held, err = a.AwaitingScans(r.Context(), app.CaseID); err != nil {
					a.fail(w, r, err)
					return
				}
				waiting[app.CaseID] = held
			}
			o.AwaitingScans = held
		}
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"applications": out})
}

// ownApplication is the application the path names, if the caller may see
// it (service.ApplicationFor); otherwise it answers the error and returns
// false.
func (a *API) ownApplication(w http.ResponseWriter, r *http.Request, id auth.Identity) (*application.Application, bool) {
	app, err := a.ApplicationFor(r.Context(), a.caller(r, id), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
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
	Decision application.Decision `json:"decision"`
	Reason   string               `json:"reason"`
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
