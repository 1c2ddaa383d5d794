package httpapi

import (
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/service"
)

var previewUA = regexp.MustCompile(`(?i)(bot|crawler|spider|preview|facebookexternalhit|slack|whatsapp|telegram|discord|skypeuripreview|embedly|quora link)`)

// download is GET/HEAD /d/{token}: the token says which link, the service
// whether it may be used now (service.DoorLink) and counts and audits the
// download (serveLink). HEAD, prefetches, link-preview fetchers and resumed
// ranges do not use up a download.
func (a *API) download(w http.ResponseWriter, r *http.Request) {
	claims, perr := a.Signer.Parse(r.PathValue("token"))
	if perr == nil && r.Method == http.MethodGet && a.limited(w, r, auth.Identity{}, claims.Subject, "downloads") {
		return
	}
	l, err := a.DoorLink(r.Context(), claims, perr, r.Header.Get("Range"))
	if err != nil {
		a.refuse(w, r, l, err)
		return
	}
	a.serveLink(w, r, l, auth.Identity{}, "link")
}

// isPrefetch reports a speculative fetch by the browser (prefetch,
// prerender) rather than the lawyer's click.
func isPrefetch(r *http.Request) bool {
	for _, h := range []string{"Sec-Purpose", "Purpose", "X-Purpose", "X-Moz"} {
		v := strings.ToLower(r.Header.Get(h))
		if strings.Contains(v, "prefetch") || strings.Contains(v, "prerender") || strings.Contains(v, "preview") {
			return true
		}
	}
	return false
}

// LinkHolderActor is the actor of the audit records of the /d/{token} door
// (service.LinkHolderActor).
const LinkHolderActor = service.LinkHolderActor

// serveLink answers a usable link for the caller id: the signed-in lawyer
// (via "login"), or the zero Identity for the link's holder (via "link").
// A HEAD, a prefetch or a link preview is answered without a download.
func (a *API) serveLink(w http.ResponseWriter, r *http.Request, l *link.Link, id auth.Identity, via string) {
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Accept-Ranges", "bytes")
		w.WriteHeader(http.StatusOK)
		return
	}
	if isPrefetch(r) || previewUA.MatchString(r.UserAgent()) {
		a.page(w, http.StatusOK, string(msg.PreviewTitle), string(msg.Preview), string(msg.PreviewEN))
		return
	}
	l, u, err := a.Download(r.Context(), a.caller(r, id), l, via, r.Header.Get("Range"))
	if err != nil {
		a.refuse(w, r, l, err)
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

// refuse answers err; a refused link (service.LinkRefusal) is audited —
// each refusal of a signed-in lawyer, the door's counted per client and
// minute (refusals.go) — and a browser is shown a page.
func (a *API) refuse(w http.ResponseWriter, r *http.Request, l *link.Link, err error) {
	rf, ok := service.LinkRefusal(err)
	if !ok {
		a.fail(w, r, err)
		return
	}
	ev := audit.Event{Actor: LinkHolderActor, Role: string(LinkHolder), Action: audit.LinkRefuse, Result: audit.Denied, Detail: map[string]string{"reason": string(rf.Code)}}
	if l != nil {
		// A genuine link: the record names what it was for, and whose
		// it is, not who used it (unknown).
		ev.CaseID, ev.ApplicationID, ev.Target, ev.Detail["linkOwner"] = l.CaseID, l.ApplicationID, l.ID, l.Lawyer
	}
	if id, ok := auth.FromContext(r.Context()); ok {
		// The signed-in download: the caller is known, and each refusal
		// is recorded.
		ev.Actor, ev.Role = id.Subject, string(id.Role)
		a.record(r, id, ev)
	} else {
		a.refused(r, ev) // the door: counted per client and minute
	}
	if wantsHTML(r) {
		var more []string
		if unit, h, ok := a.LinkContact(r.Context(), l); ok {
			more = append(more, msg.DoorContact.Format(unit, h.Name, h.Phone))
		}
		back := ""
		if rf.Code == service.LinkExhausted || rf.Code == service.LinkExpired || rf.Code == service.LinkRevoked {
			// A new link is the lawyer's, on their own page.
			back = strings.TrimRight(a.PublicURL, "/") + "/lawyer"
		}
		a.pageWith(w, statusOf(rf.Code), string(msg.RefusedTitle), string(rf.ZH), string(rf.EN), more, back)
		return
	}
	a.fail(w, r, err)
}

func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// page is the download door's page for a browser. It is written with
// html.EscapeString rather than html/template: executing a template
// reaches reflect's MethodByName, which makes the linker keep every
// exported method of every type in the binary (all of the S3 client's
// operations, 5 MB of the download function; docs/design.md, "Lambda
// bootstraps"). Every value is text inside an element, where escaping
// <, >, &, ' and " is what html/template would do.
func (a *API) page(w http.ResponseWriter, status int, title, zh, en string) {
	a.pageWith(w, status, title, zh, en, nil, "")
}

// pageWith is page with more paragraphs after the message (whom to call)
// and, when back is set, a link to it (the lawyer's page).
func (a *API) pageWith(w http.ResponseWriter, status int, title, zh, en string, more []string, back string) {
	extra := ""
	for _, p := range more {
		extra += `<p class="contact">` + html.EscapeString(p) + `</p>`
	}
	if back != "" {
		extra += `<p><a href="` + html.EscapeString(back) + `">` + html.EscapeString(string(msg.DoorBack)) + `</a></p>`
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	t := html.EscapeString(title)
	_, _ = io.WriteString(w, `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>`+t+` · 阅卷</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.6;color:#222}h1{font-size:1.4rem}.en{color:#666}</style>
</head><body><main><h1>`+t+`</h1><p>`+html.EscapeString(zh)+`</p><p class="en" lang="en">`+html.EscapeString(en)+`</p>`+extra+`<p>人民检察院 12309 检察服务中心</p></main></body></html>`)
}

// downloadLoggedIn lets a signed-in lawyer download their own ready dossier
// without the token (service.LawyerLink), through the same counted,
// audited path.
func (a *API) downloadLoggedIn(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if a.limited(w, r, id, id.Subject, "downloads") {
		return
	}
	l, err := a.LawyerLink(r.Context(), a.caller(r, id), r.PathValue("id"), r.Header.Get("Range"))
	if err != nil {
		a.refuse(w, r, l, err)
		return
	}
	a.serveLink(w, r, l, id, "login")
}
