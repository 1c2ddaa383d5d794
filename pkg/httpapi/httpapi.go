// Package httpapi is the service's HTTP JSON API under /api/v1 and the
// download door /d/{token}. The same handler serves the local all-in-one
// server and, through an API Gateway adapter, the Lambda functions; each
// route admits the roles that may use it, and the use case it calls
// (package service) decides what the caller may touch.
package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/service"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Verifier checks a bearer token.
type Verifier interface {
	Verify(ctx context.Context, raw string) (auth.Identity, error)
}

// API is the HTTP transport of the service: its handlers decode a
// request, authorize the caller, call a use case of the embedded
// service.Service and encode the answer; a use case's *service.Error
// becomes a status in one table (errors.go).
type API struct {
	*service.Service
	Auth   Verifier
	Signer *link.Signer
	// PublicURL is the service's external base URL, for download links.
	PublicURL string
	// MaxJSON caps request bodies (default 1 MiB); MaxJSONDepth caps their
	// nesting (limits.go).
	MaxJSON int64
	// RateLimit bounds applications and downloads per lawyer; nil takes
	// DefaultRates (limits.go).
	RateLimit *RateLimiter
	// Refusals counts the refusals of unauthenticated requests per client
	// and minute instead of recording each (refusals.go); nil keeps them
	// in this process's memory.
	Refusals *RefusalLog
	// Roles, when set, mounts only the routes that admit one of these roles
	// (LinkHolder: the /d/{token} door), for a Lambda function that serves
	// one permission boundary; nil mounts every route (roles.go).
	Roles []auth.Role
}

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *API) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// Handler returns the routes.
func (a *API) Handler() http.Handler {
	mux := a.newMux() // http.ServeMux that mounts only the routes of a.Roles (roles.go)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("POST /api/v1/cases", a.role(a.createCase, auth.Clerk))
	mux.Handle("GET /api/v1/cases", a.role(a.listCases, auth.Clerk))
	mux.Handle("GET /api/v1/cases/{id}", a.role(a.getCase, auth.Clerk, auth.Auditor))
	mux.Handle("GET /api/v1/cases/find", a.role(a.findCase, auth.Lawyer, auth.Clerk))
	mux.Handle("GET /api/v1/units", a.role(a.listUnits, auth.Lawyer, auth.Clerk, auth.Auditor))
	mux.Handle("GET /api/v1/me", a.role(a.me, auth.Lawyer, auth.Clerk, auth.Auditor, auth.Admin))
	mux.Handle("POST /api/v1/cases/{id}/materials", a.role(a.createMaterial, auth.Clerk))
	mux.Handle("GET /api/v1/cases/{id}/materials", a.role(a.listMaterials, auth.Clerk))
	mux.Handle("GET /api/v1/cases/{id}/materials/{mid}", a.role(a.getMaterial, auth.Clerk))
	mux.Handle("POST /api/v1/cases/{id}/materials/order", a.role(a.changesContent(a.orderVolume), auth.Clerk))
	mux.Handle("PATCH /api/v1/cases/{id}/materials/{mid}", a.role(a.changesContent(a.changeMaterial), auth.Clerk))
	mux.Handle("POST /api/v1/cases/{id}/materials/{mid}/replace", a.role(a.replaceMaterial, auth.Clerk))
	mux.Handle("POST /api/v1/cases/{id}/materials/{mid}/upload", a.role(a.resumeUpload, auth.Clerk))
	mux.Handle("DELETE /api/v1/cases/{id}/materials/{mid}", a.role(a.changesContent(a.deleteMaterial), auth.Clerk))
	mux.Handle("GET /api/v1/cases/{id}/versions", a.role(a.caseVersions, auth.Clerk))
	mux.Handle("POST /api/v1/attachments", a.role(a.createAttachment, auth.Lawyer, auth.Clerk))
	mux.Handle("GET /api/v1/attachments/{id}", a.role(a.getAttachment, auth.Lawyer, auth.Clerk))
	mux.Handle("POST /api/v1/applications", a.role(a.createApplication, auth.Lawyer, auth.Clerk))
	mux.Handle("GET /api/v1/applications", a.role(a.listApplications, auth.Lawyer, auth.Clerk))
	mux.Handle("GET /api/v1/applications/stats", a.role(statsOf(a, a.ApplicationStats), auth.Clerk, auth.Auditor))
	mux.Handle("GET /api/v1/applications/{id}", a.role(a.getApplication, auth.Lawyer, auth.Clerk, auth.Auditor))
	mux.Handle("POST /api/v1/applications/{id}/decision", a.role(a.decide, auth.Clerk))
	mux.Handle("GET /api/v1/applications/{id}/attachments/{aid}", a.role(a.viewAttachment, auth.Lawyer, auth.Clerk))
	mux.Handle("POST /api/v1/applications/{id}/acknowledgement", a.role(a.acknowledge, auth.Clerk))
	mux.Handle("POST /api/v1/applications/{id}/correction", a.role(a.requestCorrection, auth.Clerk))
	mux.Handle("POST /api/v1/applications/{id}/resubmission", a.role(a.resubmit, auth.Lawyer))
	mux.Handle("GET /api/v1/applications/{id}/versions", a.role(a.applicationVersions, auth.Lawyer, auth.Clerk))
	mux.Handle("GET /api/v1/applications/{id}/download", a.role(a.downloadLoggedIn, auth.Lawyer))
	mux.Handle("GET /api/v1/applications/{id}/search", a.role(a.searchDossier, auth.Lawyer))
	mux.Handle("POST /api/v1/applications/{id}/link", a.role(a.renewLink, auth.Lawyer, auth.Clerk))
	mux.Handle("GET /api/v1/notices", a.role(a.listNotices, auth.Lawyer, auth.Clerk))
	mux.Handle("POST /api/v1/cases/{id}/decisions", a.role(a.recordDecision, auth.Clerk))
	mux.Handle("GET /api/v1/cases/{id}/decisions", a.role(a.listDecisions, auth.Clerk, auth.Auditor))
	mux.Handle("POST /api/v1/cases/{id}/lawyers", a.role(a.bindLawyer, auth.Clerk))
	mux.Handle("GET /api/v1/cases/{id}/lawyers", a.role(a.listLawyers, auth.Clerk))
	mux.Handle("DELETE /api/v1/cases/{id}/lawyers/{license}", a.role(a.unbindLawyer, auth.Clerk))
	mux.Handle("POST /api/v1/cases/{id}/opinions", a.role(a.createOpinion, auth.Lawyer))
	mux.Handle("GET /api/v1/cases/{id}/opinions", a.role(a.listCaseOpinions, auth.Clerk, auth.Auditor))
	mux.Handle("POST /api/v1/cases/{id}/conclude", a.role(a.concludeCase, auth.Clerk))
	mux.Handle("GET /api/v1/opinions", a.role(a.listOpinions, auth.Lawyer, auth.Clerk))
	mux.Handle("GET /api/v1/opinions/{id}", a.role(a.getOpinion, auth.Lawyer, auth.Clerk, auth.Auditor))
	mux.Handle("POST /api/v1/lawyers/{license}/identity", a.role(a.decideIdentity, auth.Clerk))
	mux.Handle("GET /api/v1/admin/accounts", a.role(a.listStaff, auth.Admin))
	mux.Handle("POST /api/v1/admin/accounts", a.role(a.addStaff, auth.Admin))
	mux.Handle("POST /api/v1/admin/accounts/{username}/disable", a.role(a.disableStaff, auth.Admin))
	mux.Handle("POST /api/v1/admin/accounts/{username}/password", a.role(a.resetStaffPassword, auth.Admin))
	mux.Handle("DELETE /api/v1/admin/accounts/{username}/totp", a.role(a.resetStaffTOTP, auth.Admin))
	mux.Handle("POST /api/v1/opinions/{id}/reply", a.role(a.replyOpinion, auth.Clerk))
	mux.Handle("POST /api/v1/complaints", a.role(a.createComplaint, auth.Lawyer))
	mux.Handle("GET /api/v1/complaints", a.role(a.listComplaints, auth.Lawyer, auth.Clerk))
	mux.Handle("GET /api/v1/complaints/stats", a.role(statsOf(a, a.ComplaintStats), auth.Clerk, auth.Auditor))
	mux.Handle("GET /api/v1/complaints/{id}", a.role(a.getComplaint, auth.Lawyer, auth.Clerk, auth.Auditor))
	mux.Handle("POST /api/v1/complaints/{id}/answer", a.role(a.answerComplaint, auth.Clerk))
	mux.Handle("GET /api/v1/audit/events", a.role(a.auditEvents, auth.Auditor))
	mux.Handle("GET /api/v1/audit/verify", a.role(a.auditVerify, auth.Auditor))
	mux.Handle("GET /api/v1/audit/export", a.role(a.auditExport, auth.Auditor))
	mux.HandleFunc("GET /d/{token}", a.download)
	mux.HandleFunc("HEAD /d/{token}", a.download)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, service.NotFound, msg.NoSuchAPI.Format())
	})
	return a.middleware(mux)
}

type reqInfo struct {
	id, ip, ua string
}

type reqKey struct{}

func info(ctx context.Context) reqInfo {
	ri, _ := ctx.Value(reqKey{}).(reqInfo)
	return ri
}

// middleware adds a request id, security headers, panic recovery and a
// structured access log line without any secret (no tokens, no bodies).
func (a *API) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var b [8]byte
		_, _ = rand.Read(b[:])
		ri := reqInfo{id: hex.EncodeToString(b[:]), ip: clientIP(r), ua: limits.Clip(r.UserAgent(), MaxUserAgent)}
		w.Header().Set("X-Request-Id", ri.id)
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		sw := &statusWriter{ResponseWriter: w, status: 200}
		if lim := a.maxJSON(); r.ContentLength > lim {
			// Refused on the declared length, before anything reads the
			// body: Go's server sends "100 Continue" only when a handler
			// first reads, so a client that asked (Expect: 100-continue)
			// gets this 413 instead of being told to send 30 MB and then
			// cut off. No route takes a body larger than a JSON request.
			writeError(sw, TooLarge, msg.TooLarge.Format(lim, lim))
			a.log().Info("request", "requestId", ri.id, "method", r.Method, "path", logPath(r), "status", sw.status, "ip", ri.ip)
			return
		}
		defer func() {
			if p := recover(); p != nil {
				a.log().Error("panic", "requestId", ri.id, "panic", fmt.Sprint(p))
				writeError(sw, service.Internal, msg.Panic.Format())
			}
			a.log().Info("request", "requestId", ri.id, "method", r.Method, "path", logPath(r),
				"status", sw.status, "ms", time.Since(start).Milliseconds(), "ip", ri.ip)
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), reqKey{}, ri)))
		a.flushDue(r.Context()) // counted refusals of a minute that is over
	})
}

// MaxUserAgent is how much of a User-Agent header goes into an audit
// record: enough for any real browser's, and a client sending a megabyte
// of one cannot make a megabyte record.
const MaxUserAgent = 256

// logPath is the request's path for the log: a /d/ token is a secret and
// never logged.
func logPath(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/d/") {
		return "/d/…"
	}
	return r.URL.Path
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(c int) { s.status = c; s.ResponseWriter.WriteHeader(c) }

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// role authenticates the bearer token and admits only the given roles.
// Failures are answered 401/403 and written to the audit log: a 403 (the
// caller is known) each time, a 401 counted per client and minute
// (refusals.go).
func (a *API) role(h func(http.ResponseWriter, *http.Request, auth.Identity), roles ...auth.Role) http.Handler {
	roles = a.only(roles) // API.Roles narrows who is admitted (roles.go)
	return roleHandler{roles: roles, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || raw == "" {
			a.refused(r, audit.Event{Action: audit.AuthFail, Result: audit.Denied, Detail: map[string]string{"reason": "no bearer token", "route": r.Pattern}})
			w.Header().Set("WWW-Authenticate", `Bearer realm="yuejuan"`)
			writeError(w, Unauthenticated, msg.Unauthenticated.Format())
			return
		}
		id, err := a.Auth.Verify(r.Context(), strings.TrimSpace(raw))
		if err != nil {
			a.refused(r, audit.Event{Action: audit.AuthFail, Result: audit.Denied, Detail: map[string]string{"reason": "invalid token", "route": r.Pattern}})
			w.Header().Set("WWW-Authenticate", `Bearer realm="yuejuan", error="invalid_token"`)
			writeError(w, InvalidToken, msg.InvalidToken.Format())
			return
		}
		for _, ro := range roles {
			if id.Role == ro {
				h(w, r.WithContext(auth.WithIdentity(r.Context(), id)), id)
				return
			}
		}
		a.record(r, id, audit.Event{Action: audit.AccessDeny, Result: audit.Denied, Detail: map[string]string{"route": r.Pattern}})
		writeError(w, Forbidden, msg.Forbidden.Format(id.Role, id.Role))
	})}
}

// record appends an audit event of the transport's own refusals (a role
// not admitted, a rate exceeded, a refused link) filled with the request's
// context. A failure to audit is logged loudly, not answered: the request
// is refused either way.
func (a *API) record(r *http.Request, id auth.Identity, e audit.Event) {
	if _, err := a.Audit.Append(r.Context(), a.caller(r, id).Fill(e)); err != nil {
		a.log().Error("audit append failed", "action", e.Action, "err", err)
	}
}

// caller is the caller of a use case: id, and the request's client and id
// for the audit records.
func (a *API) caller(r *http.Request, id auth.Identity) service.Caller {
	ri := info(r.Context())
	return service.Caller{Identity: id, IP: ri.ip, UserAgent: ri.ua, RequestID: ri.id}
}

// apiError is the JSON error body.
type apiError struct {
	Code     string             `json:"code"`
	Message  string             `json:"message"`
	Problems []casefile.Problem `json:"problems,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// writeError answers code, with its status (statusOf), and msg.
func writeError(w http.ResponseWriter, code service.Code, msg string) {
	writeJSON(w, statusOf(code), map[string]apiError{"error": {Code: string(code), Message: msg}})
}

// maxJSON is the largest request body any API route reads (MaxJSON,
// default 1 MiB).
func (a *API) maxJSON() int64 {
	if a.MaxJSON > 0 {
		return a.MaxJSON
	}
	return 1 << 20
}

// decode reads a JSON body strictly: unknown fields and trailing data are
// errors that name the problem.
func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	limit := a.maxJSON()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil && jsonTooDeep(body) {
		writeError(w, TooDeep, msg.TooDeep.Format(MaxJSONDepth, MaxJSONDepth))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err == nil {
		err = dec.Decode(v)
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, TooLarge, msg.TooLarge.Format(limit, limit))
		case errors.As(err, &syn):
			writeError(w, BadJSON, msg.BadJSONAt.Format(syn.Offset, syn.Offset))
		case errors.As(err, &typ):
			writeError(w, BadJSON, msg.BadJSONType.Format(typ.Field, typ.Type, typ.Field, typ.Type))
		default:
			writeError(w, BadJSON, msg.BadJSON.Format(err.Error()))
		}
		return false
	}
	if dec.More() {
		writeError(w, BadJSON, msg.OneJSON.Format())
		return false
	}
	return true
}

// fail answers err: a *service.Error with the status of its code
// (statusOf), a missing item 404, anything else 500 without leaking
// internals (the cause goes to the log).
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *service.Error
	switch {
	case errors.As(err, &e):
	case errors.Is(err, store.ErrNotFound):
		e = service.Fail(service.NotFound, msg.NotFound)
	default:
		e = &service.Error{Code: service.Internal, Err: err}
	}
	if e.Code == service.Internal {
		a.log().Error("request failed", "requestId", info(r.Context()).id, "err", err)
		e = service.Fail(service.Internal, msg.Internal)
	}
	writeJSON(w, statusOf(e.Code), map[string]apiError{"error": {Code: string(e.Code), Message: e.Message, Problems: e.Problems}})
}
