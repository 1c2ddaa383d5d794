package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/pageid"
	"github.com/yuejuan/yuejuan/pkg/version"
)

// changeOut is one document of a change list: its volume, title, pages
// and page identifiers (docs/versions.md); a replacement also the
// identifiers of the document it replaced.
type changeOut struct {
	Volume      int    `json:"volume"`
	Title       string `json:"title"`
	Pages       int    `json:"pages"`
	IDs         string `json:"ids"`
	ReplacedIDs string `json:"replacedIds,omitempty"`
}

// versionOut is one dossier version. ContentVersion is the clerk's only;
// Current marks, for an application, the version of its current copy.
type versionOut struct {
	Version        int         `json:"version"`
	BuiltAt        time.Time   `json:"builtAt"`
	Pages          int         `json:"pages"`
	Documents      int         `json:"documents"`
	Added          []changeOut `json:"added"`
	Replaced       []changeOut `json:"replaced"`
	Removed        []changeOut `json:"removed"`
	ContentVersion int         `json:"contentVersion,omitempty"`
	Current        bool        `json:"current,omitempty"`
	// Decisions are the procedural decisions recorded since the version
	// before: what the change came of.
	Decisions []decisionRefOut `json:"decisions"`
}

type decisionRefOut struct {
	Kind  string    `json:"kind"`
	Label string    `json:"label"`
	At    time.Time `json:"at"`
}

type versionsOut struct {
	Versions []versionOut `json:"versions"`
	// Supplement is the applying lawyer's link to the supplement of her
	// current version, while it is live.
	Supplement *linkOut `json:"supplement,omitempty"`
}

func changesOut(es []pageid.LedgerEntry) []changeOut {
	out := make([]changeOut, 0, len(es))
	for _, e := range es {
		out = append(out, changeOut{Volume: e.Volume, Title: e.Title, Pages: e.Pages, IDs: pageid.Span(e.Runs, true),
			ReplacedIDs: pageid.Span(e.ReplacedRuns, true)})
	}
	return out
}

func presentVersions(vs []*version.Version, clerk bool, current int) []versionOut {
	out := make([]versionOut, 0, len(vs))
	for _, v := range vs {
		o := versionOut{Version: v.N, BuiltAt: v.BuiltAt, Pages: v.Pages, Documents: v.Documents,
			Added: changesOut(v.Changes.Added), Replaced: changesOut(v.Changes.Replaced), Removed: changesOut(v.Changes.Removed),
			Current: current != 0 && v.N == current, Decisions: []decisionRefOut{}}
		for _, d := range v.Decisions {
			o.Decisions = append(o.Decisions, decisionRefOut{Kind: d.Kind, Label: d.Label, At: d.At})
		}
		if clerk {
			o.ContentVersion = v.ContentVersion
		}
		out = append(out, o)
	}
	return out
}

// caseVersions is GET /api/v1/cases/{id}/versions: a clerk of the case's
// unit sees its dossier versions with their change lists.
func (a *API) caseVersions(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	vs, err := a.CaseVersions(r.Context(), a.caller(r, id), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, versionsOut{Versions: presentVersions(vs, true, 0)})
}

// applicationVersions is GET /api/v1/applications/{id}/versions: the
// applying lawyer (and the unit's clerks) see the versions of the
// application's case since it had a copy, which one the copy is, and the
// lawyer her supplement's link.
func (a *API) applicationVersions(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	av, err := a.VersionsOfApplication(r.Context(), a.caller(r, id), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := versionsOut{Versions: presentVersions(av.Versions, id.Role == auth.Clerk, av.Current)}
	if l := av.Supplement; l != nil {
		if tok, err := a.Signer.Token(l); err == nil {
			out.Supplement = &linkOut{URL: strings.TrimRight(a.PublicURL, "/") + "/d/" + tok, ExpiresAt: l.ExpiresAt, DownloadsLeft: l.Left()}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// changesContent wraps a route that changes a case's materials without an
// upload to follow (delete, rename, move, re-order): once it succeeded,
// the case's live applications are brought to its new version (the job
// does nothing when the content version did not change). Added and
// replaced materials start it when ingest decides them.
func (a *API) changesContent(h func(http.ResponseWriter, *http.Request, auth.Identity)) func(http.ResponseWriter, *http.Request, auth.Identity) {
	return func(w http.ResponseWriter, r *http.Request, id auth.Identity) {
		sw := &statusWriter{ResponseWriter: w}
		h(sw, r, id)
		if sw.status < 300 { // 0: written without WriteHeader, 200
			if err := a.CaseChanged(r.Context(), r.PathValue("id")); err != nil {
				a.log().Error("queue the new dossier version", "case", r.PathValue("id"), "err", err)
			}
		}
	}
}
