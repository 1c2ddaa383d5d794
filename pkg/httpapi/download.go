package httpapi

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/store"
)

func (a *API) presignTTL() time.Duration {
	d := a.PresignTTL
	if d <= 0 {
		d = 120 * time.Second
	}
	return min(max(d, 60*time.Second), 300*time.Second)
}

// refusal is one distinct answer to a link that cannot be used.
type refusal struct {
	status int
	code   string
	zh, en string
}

var refusals = map[error]refusal{
	link.ErrExpired:   {http.StatusGone, "link_expired", "下载链接已过期。如仍需阅卷，请重新提交申请或致电 12309。", "The link has expired; apply again or call 12309."},
	link.ErrRevoked:   {http.StatusGone, "link_revoked", "下载链接已被撤销（申请已撤回或被终止）。如有疑问请联系承办人或致电 12309。", "The link was revoked; contact the case handler or call 12309."},
	link.ErrExhausted: {http.StatusForbidden, "link_exhausted", "下载次数已用完。如需再次下载，请联系承办人。", "The download limit has been reached; contact the case handler."},
	link.ErrTampered:  {http.StatusBadRequest, "link_invalid", "下载链接不完整或已被改动，请从申请页面重新复制完整链接。", "The link is damaged or altered; copy the whole link again from your application page."},
	link.ErrForeign:   {http.StatusUnauthorized, "link_foreign", "该链接不是本系统签发的下载链接。", "This link was not issued by this service."},
	link.ErrNotFound:  {http.StatusGone, "link_revoked", "下载链接已失效。", "The link is no longer valid."},
}

var previewUA = regexp.MustCompile(`(?i)(bot|crawler|spider|preview|facebookexternalhit|slack|whatsapp|telegram|discord|skypeuripreview|embedly|quora link)`)

// download is GET/HEAD /d/{token}: verify the token, check the link and the
// application are live, count the download atomically, audit it, and
// redirect to a short-lived presigned URL. HEAD, prefetches, link-preview
// fetchers and resumed ranges do not use up a download.
func (a *API) download(w http.ResponseWriter, r *http.Request) {
	claims, err := a.Signer.Parse(r.PathValue("token"))
	if err != nil {
		var l *link.Link
		if claims != nil {
			// Expired, but genuinely ours: name the lawyer and the
			// application in the audit record.
			if got, gerr := a.Links.Get(r.Context(), claims.ID); gerr == nil && got.ApplicationID == claims.ApplicationID && got.Lawyer == claims.Subject {
				l = got
			}
		}
		a.refuse(w, r, l, err)
		return
	}
	if r.Method == http.MethodGet && a.limited(w, r, auth.Identity{}, claims.Subject, "downloads") {
		return
	}
	l, err := a.checkLink(r, claims.ID)
	if err == nil && (l.ApplicationID != claims.ApplicationID || l.Lawyer != claims.Subject) {
		// Validly signed, but not for this link record.
		l, err = nil, link.ErrTampered
	}
	if err != nil {
		a.refuse(w, r, l, err)
		return
	}
	a.serveLink(w, r, l, auth.Identity{}, "link")
}

// checkLink returns the link if it may be used now (without using it): the
// link record is live and so is its application. An exhausted link passes
// for a resumed transfer, which may finish the last download.
func (a *API) checkLink(r *http.Request, id string) (*link.Link, error) {
	l, err := a.Links.Check(r.Context(), id)
	if _, ok := resumeRange(r); ok && errors.Is(err, link.ErrExhausted) {
		err = nil
	}
	if err == nil {
		err = a.applicationLive(r, l)
	}
	return l, err
}

func (a *API) applicationLive(r *http.Request, l *link.Link) error {
	app, err := a.Apps.Get(r.Context(), l.ApplicationID)
	if errors.Is(err, store.ErrNotFound) {
		return link.ErrRevoked
	}
	if err != nil {
		return err
	}
	switch {
	case app.Status == application.Expired:
		return link.ErrExpired
	case app.Status != application.Ready || app.LinkID != l.ID:
		// Refused (revoked by the clerk), or superseded by a newer copy.
		return link.ErrRevoked
	}
	return nil
}

// resumeRange returns r's Range header when it asks for one byte range
// that does not start at byte 0 (bytes=N- or bytes=N-M with N > 0, or a
// suffix bytes=-K): the continuation of a transfer, not a new download.
// Anything else (no range, from byte 0, several ranges, malformed) is not
// a resume.
func resumeRange(r *http.Request) (string, bool) {
	v := strings.TrimSpace(r.Header.Get("Range"))
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
// (downloads and refusals): the link is a bearer secret and the door needs
// no login, so whoever used it is known only as the holder of the link,
// from the record's IP and user agent. The lawyer the link was issued to is
// in the record's detail (linkOwner), never its actor: only a download
// while signed in (GET /applications/{id}/download) names the lawyer, who
// is then the caller.
const LinkHolderActor = "link-holder"

// serveLink answers a usable link for the caller id: the signed-in lawyer
// (via "login"), or the zero Identity for the link's holder (via "link").
func (a *API) serveLink(w http.ResponseWriter, r *http.Request, l *link.Link, id auth.Identity, via string) {
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Accept-Ranges", "bytes")
		w.WriteHeader(http.StatusOK)
		return
	}
	if isPrefetch(r) || previewUA.MatchString(r.UserAgent()) {
		a.page(w, http.StatusOK, "阅卷材料下载", "这是一个需本人打开的下载链接，预览不会消耗下载次数。", "This is a personal download link; previews do not use a download.")
		return
	}
	rng, resume := resumeRange(r)
	var err error
	counted := true
	if resume {
		// A free resume is granted its range only, and only within the
		// allowance of the last counted download (link.Repo.Resume), so
		// the range's length, against the copy's size, is what it costs.
		var attrs *blob.Attributes
		if attrs, err = a.Dossiers.Attributes(r.Context(), l.CopyKey); err != nil {
			a.fail(w, r, err)
			return
		}
		var got *link.Link
		got, err = a.Links.Resume(r.Context(), l.ID, rangeBytes(rng, attrs.Size), attrs.Size)
		if err == nil {
			l, counted = got, false
		}
	}
	if !resume || errors.Is(err, link.ErrNotResumable) {
		l, err = a.Links.Consume(r.Context(), l.ID)
	}
	if err != nil {
		a.refuse(w, r, l, err)
		return
	}
	// A download counted but not delivered because of our own failure is
	// given back.
	refund := func() {
		if counted {
			if err := a.Links.Refund(context.WithoutCancel(r.Context()), l.ID); err != nil {
				a.log().Error("refund of an undelivered download failed", "link", l.ID, "err", err)
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
	u, err := blob.SignedGetURL(r.Context(), a.Dossiers, l.CopyKey, a.presignTTL(), opts)
	if err != nil {
		refund()
		a.fail(w, r, err)
		return
	}
	// The record comes before the redirect: no download without its trace.
	ev := audit.Event{Action: audit.LinkDownload, CaseID: l.CaseID, ApplicationID: l.ApplicationID, Target: l.ID, Result: audit.OK,
		Detail: map[string]string{"via": via, "linkOwner": l.Lawyer, "downloadsLeft": fmt.Sprint(l.Left()), "resume": fmt.Sprint(resume),
			"counted": fmt.Sprint(counted), "range": clip(r.Header.Get("Range"), 64)}}
	if id.Subject == "" {
		ev.Actor, ev.Role = LinkHolderActor, string(LinkHolder)
	}
	if err := a.mustRecord(r, id, ev); err != nil {
		refund()
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

func (a *API) refuse(w http.ResponseWriter, r *http.Request, l *link.Link, err error) {
	var rf refusal
	found := false
	for e, x := range refusals {
		if errors.Is(err, e) {
			rf, found = x, true
			break
		}
	}
	if !found {
		a.fail(w, r, err)
		return
	}
	ev := audit.Event{Actor: LinkHolderActor, Role: string(LinkHolder), Action: audit.LinkRefuse, Result: audit.Denied, Detail: map[string]string{"reason": rf.code}}
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
		a.page(w, rf.status, "无法下载", rf.zh, rf.en)
		return
	}
	writeError(w, rf.status, rf.code, rf.zh+" ("+rf.en+")")
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
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	t := html.EscapeString(title)
	_, _ = io.WriteString(w, `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>`+t+` · 阅卷</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.6;color:#222}h1{font-size:1.4rem}.en{color:#666}</style>
</head><body><h1>`+t+`</h1><p>`+html.EscapeString(zh)+`</p><p class="en" lang="en">`+html.EscapeString(en)+`</p><p>人民检察院 12309 检察服务中心</p></body></html>`)
}

// downloadLoggedIn lets a signed-in lawyer download their own ready dossier
// without the token, through the same counted, audited path.
func (a *API) downloadLoggedIn(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if a.limited(w, r, id, id.Subject, "downloads") {
		return
	}
	app, ok := a.ownApplication(w, r, id)
	if !ok {
		return
	}
	if app.Status != application.Ready || app.LinkID == "" {
		writeError(w, http.StatusConflict, "not_ready", "阅卷材料尚未生成，请在申请状态为 ready 后下载 (the dossier is not ready yet)")
		return
	}
	l, err := a.checkLink(r, app.LinkID)
	if err != nil {
		a.refuse(w, r, l, err)
		return
	}
	a.serveLink(w, r, l, id, "login")
}
