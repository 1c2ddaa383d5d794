// Package web serves the pages lawyers, clerks and auditors use: a start
// page that leads to the sign-in, and one page per role. The pages are
// static HTML in Simplified Chinese (English is a switch in the page) with a
// little vanilla JavaScript that talks to the JSON API under /api/v1. There
// is no build step: the files under pages/ and static/ are embedded as they
// are.
//
// Security: the pages hold no token. They are signed in by the server's
// session cookie (HttpOnly; pkg/session), read only who is signed in and
// the CSRF token they send with every change; every page is sent with a
// strict Content-Security-Policy (scripts and styles from this origin only,
// no inline code, no framing), and the scripts build the DOM with
// textContent, never innerHTML.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
)

//go:embed pages/*.html static/*
var files embed.FS

// Options adjust the handler.
type Options struct {
	// ConnectSrc lists extra origins the pages' scripts may send requests
	// to, such as the S3 endpoint that upload URLs point to on AWS. The
	// local server's upload URLs are on its own origin and need none.
	ConnectSrc []string
	// APIBase is where the pages' scripts send their API requests, written
	// into every page as <meta name="yj-api">: on AWS the cookie route
	// (/web/api/v1), for the gateway's JWT authorizer on /api/v1 reads
	// only a Bearer header (docs/deployment.md, "Signing in on AWS").
	// Empty: the scripts' default, /api/v1.
	APIBase string
}

// Handler serves the pages and their assets, and passes every other request
// (the API, download links, signed object URLs) to next.
func Handler(next http.Handler) http.Handler { return New(next, Options{}) }

type asset struct {
	body  []byte
	ctype string
	etag  string
}

// pages maps a route to its HTML file.
var pages = map[string]string{
	"/":        "pages/index.html",
	"/lawyer":  "pages/lawyer.html",
	"/clerk":   "pages/clerk.html",
	"/auditor": "pages/auditor.html",
	"/admin":   "pages/admin.html",
}

// New is Handler with options.
func New(next http.Handler, o Options) http.Handler {
	if next == nil {
		next = http.NotFoundHandler()
	}
	csp := CSP(o.ConnectSrc...)
	load := func(name string) asset {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			panic("web: embedded file missing: " + name)
		}
		if name == "pages/auditor.html" {
			b = auditLabels(actionOptions(b))
		}
		if strings.HasPrefix(name, "pages/") && o.APIBase != "" {
			b = apiMeta(b, o.APIBase)
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(name))
		switch path.Ext(name) { // do not depend on the host's mime tables
		case ".html":
			ct = "text/html; charset=utf-8"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		return asset{body: b, ctype: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	static := map[string]asset{}
	entries, _ := fs.ReadDir(files, "static")
	for _, e := range entries {
		if !e.IsDir() {
			static["/static/"+e.Name()] = load("static/" + e.Name())
		}
	}
	serve := func(w http.ResponseWriter, r *http.Request, a asset) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Content-Type", a.ctype)
		h.Set("ETag", a.etag)
		h.Set("Cache-Control", "no-cache") // revalidate: the ETag makes it cheap
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	}
	mux := http.NewServeMux()
	for route, name := range pages {
		a := load(name)
		pattern := "GET " + route
		if route == "/" {
			pattern = "GET /{$}"
		}
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { serve(w, r, a) })
	}
	mux.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		a, ok := static[r.URL.Path]
		if !ok {
			w.Header().Set("X-Content-Type-Options", "nosniff")
			http.Error(w, "404 未找到 (not found)", http.StatusNotFound)
			return
		}
		serve(w, r, a)
	})
	mux.Handle("/", next)
	return mux
}

// CSP is the Content-Security-Policy of the pages: everything from this
// origin only, no inline script or style, no plugins, no framing; frames
// of this origin only, for the clerk's preview of an application's PDF
// documents (served with their own strict policy by the API).
func CSP(connectSrc ...string) string {
	connect := "'self'"
	for _, s := range connectSrc {
		s = strings.TrimSpace(s)
		if s != "" && !strings.ContainsAny(s, ";,\r\n") {
			connect += " " + s
		}
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src " + connect +
		"; frame-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
}

// actionsList is where the auditor's page offers the actions to filter by:
// the first option, every action, is the page's own.
const actionsList = `<option value="" data-i18n="anyAction">全部操作</option></select>`

// actionOptions fills the auditor's action filter from the declaration
// (audit.Actions, each with its Chinese label, which the select shows), so
// that the list is never stale. Written with html.EscapeString, not
// html/template, which would keep every exported method in the Lambda
// bootstraps (docs/design.md, "Lambda bootstraps").
func actionOptions(page []byte) []byte {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(actionsList, `</select>`))
	for _, a := range audit.Actions() {
		b.WriteString(`<option value="` + html.EscapeString(string(a)) + `" label="` + html.EscapeString(a.Label()) + `"></option>`)
	}
	b.WriteString(`</select>`)
	if !bytes.Contains(page, []byte(actionsList)) {
		panic("web: the auditor's page has no " + actionsList)
	}
	return bytes.Replace(page, []byte(actionsList), []byte(b.String()), 1)
}

// labelsData is where the auditor's page reads the labels of roles,
// results, actions and detail keys (audit.Labels): an attribute, as
// data, for the page has no inline script (TestNoInlineCode).
const labelsData = `<div id="audit-labels" hidden data-labels=""></div>`

// auditLabels writes audit.Labels into the auditor's page as JSON in an
// attribute (html.EscapeString), so that the page says what the CSV
// export says.
func auditLabels(page []byte) []byte {
	data, err := json.Marshal(audit.Labels())
	if err != nil || !bytes.Contains(page, []byte(labelsData)) {
		panic("web: the auditor's page has no " + labelsData)
	}
	filled := strings.Replace(labelsData, `data-labels=""`, `data-labels="`+html.EscapeString(string(data))+`"`, 1)
	return bytes.Replace(page, []byte(labelsData), []byte(filled), 1)
}

// charsetMeta is the first element of every page's head.
const charsetMeta = `<meta charset="utf-8">`

// apiMeta writes the API base into page after its charset.
func apiMeta(page []byte, base string) []byte {
	if !bytes.Contains(page, []byte(charsetMeta)) {
		panic("web: a page has no " + charsetMeta)
	}
	return bytes.Replace(page, []byte(charsetMeta),
		[]byte(charsetMeta+`<meta name="yj-api" content="`+html.EscapeString(base)+`">`), 1)
}
